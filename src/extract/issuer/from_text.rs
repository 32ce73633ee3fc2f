//! The bodies a report's text names as its author: its opening sentence (`…XX编制本报告`) and a
//! signature in parentheses closing it (`（万载县统计局）`). Two of the issuing body's candidates.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

use super::is_body_name;
use crate::extract::labels::simplified;

/// `本报告由XX编制`, `本报告由XX根据…编制`.
static OPENING_BY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"本(?:年度)?报告(?:是)?由([^，。,；;、：:（(]{2,40}?)(?:根据|依据|按照|依照|编制|编写|制作|负责)")
        .expect("the opening pattern is valid")
});

/// `本报告根据《条例》…要求，由XX编制`, `本报告是根据…，由XX编制的…`.
static OPENING_AFTER_BASIS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"本(?:年度)?报告(?:是)?(?:根据|依据|按照|依照)[^。]{0,150}?[，,]\s*由([^，。,；;、：:（(《》]{2,40}?)(?:编制|编写|制作|负责)")
        .expect("the opening pattern is valid")
});

/// `…，XX编制本报告`, `XX特编制本年度报告`.
static OPENING_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"([^，。,；;、：:（()）]{{2,40}}?)(?:特|现)?{SUBJECT_END}"
    ))
    .expect("the opening pattern is valid")
});

/// The end of `OPENING_SUBJECT`, which it cannot match without.
const SUBJECT_END: &str = r"(?:编制|编写|制作)(?:了|完成)?本(?:年度)?报告";

/// `SUBJECT_END` alone. The leading class of `OPENING_SUBJECT` makes it try every position of
/// a line, and lines with `编制` but not this end (`编制发布本报告`) are common.
static OPENING_SUBJECT_END: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(SUBJECT_END).expect("the opening pattern is valid"));

/// Lines of the body read for the opening sentence, and the characters read of each.
const OPENING_LINES: usize = 6;
const OPENING_CHARS: usize = 600;

/// The body the report's opening sentence names as its author (`…XX编制本报告`, `本报告由XX编制`),
/// in Simplified or Traditional characters (`本報告由XX編製`): the patterns read the line mapped
/// to Simplified, and the name is taken from the line as printed.
pub(crate) fn opening(lines: &[String]) -> Option<String> {
    lines.iter().take(OPENING_LINES).find_map(|line| {
        let (line, mapped) = opening_text(line);
        // What each pattern cannot match without, found by plain searches that spare most
        // lines the patterns, whose leading class makes them try every position.
        if !mapped.contains("报告") {
            return None;
        }
        let by = (mapped.contains("报告由") || mapped.contains("报告是由")).then_some(&*OPENING_BY);
        let after_basis = (mapped.contains('由')
            && ["报告根据", "报告是根据", "报告依据", "报告按照", "报告依照"]
                .iter()
                .any(|w| mapped.contains(w)))
        .then_some(&*OPENING_AFTER_BASIS);
        let subject = OPENING_SUBJECT_END
            .is_match(&mapped)
            .then_some(&*OPENING_SUBJECT);
        named_in(
            line,
            &mapped,
            [by, after_basis, subject].into_iter().flatten(),
        )
    })
}

/// The start of a line read for the opening sentence, and the same mapped to Simplified.
fn opening_text(line: &str) -> (&str, Cow<'_, str>) {
    let end = line
        .char_indices()
        .nth(OPENING_CHARS)
        .map_or(line.len(), |(at, _)| at);
    let line = &line[..end];
    // Mapped characters keep their UTF-8 length, so offsets in one hold in the other.
    let mapped: Cow<'_, str> = if line.chars().any(|c| simplified(c) != c) {
        Cow::Owned(line.chars().map(simplified).collect())
    } else {
        Cow::Borrowed(line)
    };
    (line, mapped)
}

/// The first body name that `patterns` capture in `mapped`, taken from `line` as printed.
fn named_in<'r>(
    line: &str,
    mapped: &str,
    patterns: impl IntoIterator<Item = &'r Regex>,
) -> Option<String> {
    for re in patterns {
        for caps in re.captures_iter(mapped) {
            let Some(m) = caps.get(1) else { continue };
            let Some(name) = line.get(m.range()) else {
                continue;
            };
            let name = name
                .trim()
                .trim_start_matches(['由', '现', '現', '特', '兹', '茲', '今'])
                .trim();
            if is_body_name(name) {
                return Some(name.to_string());
            }
        }
    }
    None
}

/// Lines at the end of the body searched for a signature in parentheses: the content container
/// often carries the page's closing furniture too (附件, 关联稿件, 上一篇/下一篇, 返回顶部).
const CLOSING_LINES: usize = 12;

/// A signature in parentheses closing the body: `（万载县统计局）`.
pub(crate) fn signature_in_parentheses(lines: &[String]) -> Option<String> {
    lines.iter().rev().take(CLOSING_LINES).find_map(|line| {
        let inner = line
            .trim()
            .strip_prefix(['（', '('])?
            .strip_suffix(['）', ')'])?
            .trim();
        is_body_name(inner).then(|| inner.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(ls: &[&str]) -> Vec<String> {
        ls.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn opening_sentences_name_the_author() {
        let cases: &[(&[&str], Option<&str>)] = &[
            (
                &["根据《中华人民共和国政府信息公开条例》规定，万载县统计局编制本报告。"],
                Some("万载县统计局"),
            ),
            (
                &["本报告由阿勒泰市人民政府办公室根据《条例》要求编制。"],
                Some("阿勒泰市人民政府办公室"),
            ),
            (
                &["本报告由台上镇人民政府编制，全文包括概述。"],
                Some("台上镇人民政府"),
            ),
            (&["根据要求，特编制本报告。"], None),
            (&["现将本年度报告公布如下。"], None),
            // The same sentences in Traditional characters.
            (
                &["根據《中華人民共和國政府資訊公開條例》規定，萬載縣統計局編製本報告。"],
                Some("萬載縣統計局"),
            ),
            (
                &["本報告由阿勒泰市人民政府辦公室根據《條例》要求編製。"],
                Some("阿勒泰市人民政府辦公室"),
            ),
            (
                &["本年度報告由臺上鎮人民政府編寫，全文包括概述。"],
                Some("臺上鎮人民政府"),
            ),
            (&["根據要求，特編製本報告。"], None),
            (&["現將本年度報告公佈如下。"], None),
        ];
        for (ls, want) in cases {
            assert_eq!(opening(&lines(ls)).as_deref(), *want, "{ls:?}");
        }
    }

    /// The plain searches that spare lines the patterns change no answer: on lines built from
    /// the patterns' own words, the patterns tried on every line with 报告 find the same name.
    #[test]
    fn opening_prefilters_change_no_answer() {
        #[rustfmt::skip]
        let words = [
            "本", "报告", "報告", "年度", "是", "由", "根据", "负责", "编制", "編製", "编写",
            "制作", "了", "完成", "特", "现", "发布", "县人民政府", "统计局", "办公室", "，",
            "。", "（", " ", "本报告由", "本年度報告是由", "编制本报告", "编写了本年度报告",
            "制作完成本报告", "编制发布本报告", "万载县统计局", "臺上鎮人民政府",
            "依据", "按照", "要求", "《条例》", "本报告根据", "，由",
        ];
        let mut seed = 11u64;
        let mut next = |n: usize| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) as usize % n
        };
        let mut found = 0;
        for _ in 0..20_000 {
            let line: String = (0..3 + next(14))
                .map(|_| words[next(words.len())])
                .collect();
            let ls = [line];
            let everything = ls.iter().find_map(|line| {
                let (line, mapped) = opening_text(line);
                mapped.contains("报告").then_some(())?;
                named_in(
                    line,
                    &mapped,
                    [&*OPENING_BY, &*OPENING_AFTER_BASIS, &*OPENING_SUBJECT],
                )
            });
            assert_eq!(opening(&ls), everything, "{:?}", ls[0]);
            found += usize::from(everything.is_some());
        }
        assert!(found > 500, "only {found} lines name an author");
    }

    #[test]
    fn signatures_in_parentheses() {
        let cases: &[(&[&str], Option<&str>)] = &[
            (&["正文。", "（万载县统计局）"], Some("万载县统计局")),
            (
                &["正文。", "(台上镇人民政府)", "打印本页"],
                Some("台上镇人民政府"),
            ),
            (&["正文。", "（责任编辑：系统管理员）"], None),
            (&["正文。", "（2023年5月）"], None),
        ];
        for (ls, want) in cases {
            assert_eq!(
                signature_in_parentheses(&lines(ls)).as_deref(),
                *want,
                "{ls:?}"
            );
        }
    }
}
