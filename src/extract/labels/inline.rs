//! `label：value` text for labels: labels found in a line of text (a colon or brackets after
//! them, or a bare label opening a line), and where a value ends, short of the next label or the
//! page's furniture. Structural pairs use the same ends.

use std::sync::LazyLock;

use regex::Regex;

use super::{
    COLON_CLASS, Labelled, MAX_VALUE_CHARS, VOLATILE_LABELS, accept_value, all_labels, collapse,
    known_label, label_alternatives, simplified, text,
};

/// `label：` or `【label】` somewhere in a line, with any padding between the label's characters.
/// Longer labels come first so that `信息来源：` is not read as `来源：`.
static INLINE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    let alternatives = label_alternatives(all_labels());
    Regex::new(&format!(
        r"(?:{alternatives})\s*{COLON_CLASS}|[【\[［]\s*(?:{alternatives})\s*[】\]］]\s*{COLON_CLASS}?"
    ))
    .expect("the inline label pattern is built from escaped literals")
});

/// Labels a line may open with and no colon after, a space before the value (`索引号 113600…`,
/// `发布机构 和义县财政局`, `发布日期 2023-01-05`): only those whose value has a shape running text
/// does not (a code, a body's name, a date). `来源`, `时间`, `名称` open sentences too.
const BARE_LABELS: &[&str] = &[
    "索引号",
    "信息索引号",
    "发布机构",
    "发布单位",
    "发文机关",
    "发布机关",
    "发布日期",
    "公开日期",
    "发布时间",
];

/// A `BARE_LABELS` label opening a line, then whitespace.
static BARE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    let alternatives = label_alternatives(BARE_LABELS.iter().copied());
    Regex::new(&format!(r"^(?:{alternatives})\s+"))
        .expect("the bare label pattern is built from escaped literals")
});

/// Where a value ends short of the next known label: at an unknown `标签：` after a gap
/// (`发布日期：2016-11-22 浏览量：`, `来源：某局 编辑：张三`), at a bracketed block of words
/// (`【字体：大 中 小】`, `【打印本页】`, but not a 文号's `【2023】`), or at a page tool's word after
/// a gap (`打印本页`, `关闭窗口`, `分享到`). Matched on the text mapped to Simplified.
static VALUE_END: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?:^|\s)\p{{Han}}{{2,6}}\s*{COLON_CLASS}|[【\[［]\s*[\p{{Han}}&&[^〇零○一二三四五六七八九十]]|(?:^|\s)(?:打印|关闭|字体|字号|分享|收藏)"
    ))
    .expect("the value end pattern is valid")
});

/// The length of the value at the start of `rest`: up to `VALUE_END` or the next known label,
/// or all of it. A known label ends the value even glued to it in one text node
/// (`和义县政务服务办公室作者：张三`, `某局發佈日期：2024-01-05`): a value never holds `label：`.
pub(super) fn value_end(rest: &str) -> usize {
    // Mapped characters keep their UTF-8 length, so an offset in one holds in the other.
    let mapped: String = rest.chars().map(simplified).collect();
    let unknown = VALUE_END.find(&mapped).map_or(rest.len(), |m| m.start());
    let known = INLINE_LABEL.find(&mapped).map_or(rest.len(), |m| m.start());
    unknown.min(known)
}

/// Text that starts with `label：` for a label nianbao knows.
pub(super) fn opens_with_label(text: &str) -> bool {
    INLINE_LABEL
        .find(text.trim_start())
        .is_some_and(|m| m.start() == 0)
}

/// `label：value` pairs in one text line; a value runs to the next label, known or not.
pub(super) fn inline_fields(line: &str, found: &mut Labelled) {
    if line.chars().count() > MAX_VALUE_CHARS * 2 {
        return;
    }
    let matches: Vec<regex::Match<'_>> = INLINE_LABEL
        .find_iter(line)
        .filter(|m| {
            // `新闻来源：` is not the label `来源`: a label starts a line or follows a gap (or
            // opens with its own bracket, `…办公室【发布日期】`).
            // `1.索引号：…` is a numbered sentence explaining the label (a guide), not a field.
            // Furniture and publishing labels end a value even where a span printed right
            // after it leaves no gap (`信息来源：区教育局浏览次数：`): no value ends with them.
            let before = line[..m.start()].trim_end();
            (m.as_str().starts_with(['【', '[', '［'])
                || line[..m.start()]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !is_han(c))
                || known_label(m.as_str()).is_some_and(ends_a_value_anywhere))
                && !is_enumerator(before)
        })
        .collect();
    for (i, m) in matches.iter().enumerate() {
        let Some(label) = known_label(m.as_str()) else {
            continue;
        };
        if found.fields.contains_key(label) || VOLATILE_LABELS.contains(&label) {
            continue;
        }
        let end = matches.get(i + 1).map_or(line.len(), |next| next.start());
        let rest = line.get(m.end()..end).unwrap_or_default();
        let rest = rest.get(..value_end(rest)).unwrap_or_default();
        match accept_value(rest) {
            Some(value) => {
                found.fields.insert(label.to_string(), value);
                found.inline.insert(label.to_string());
            }
            None if collapse(rest).is_empty() => {
                found.blank.insert(label.to_string());
            }
            None => {}
        }
    }
}

/// The `BARE_LABELS` that name the issuing body.
pub(super) const ISSUER_BARE_LABELS: &[&str] = &["发布机构", "发布单位", "发文机关", "发布机关"];

/// `索引号 113600MB1234567X/2023-00012`: a `BARE_LABELS` label opening a line with no colon, and
/// its value, when the rest of the line is that field's value by its shape alone.
pub(super) fn bare_field(line: &str) -> Option<(&'static str, String)> {
    let m = BARE_LABEL.find(line)?;
    let label = known_label(m.as_str())?;
    let rest = &line[m.end()..];
    let value = accept_value(&rest[..value_end(rest)])?;
    let fits = match label {
        "索引号" | "信息索引号" => {
            crate::extract::shape::fits(label, &value) && !value.contains(' ')
        }
        "发布日期" | "公开日期" | "发布时间" => {
            value.starts_with(|c: char| c.is_ascii_digit() || "〇零○一二".contains(c))
                && crate::dates::parse_date(&value).is_some()
        }
        _ => text::is_org_name(&value),
    };
    fits.then_some((label, value))
}

/// Labels that end the value before them even with no gap between: the page furniture and the
/// publishing labels (发布日期, 发布时间, 发布机构).
fn ends_a_value_anywhere(label: &str) -> bool {
    VOLATILE_LABELS.contains(&label) || label.starts_with("发布")
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}')
}

/// Text ending in a list number: `1.`, `3、`, `（2）`, `二、`.
fn is_enumerator(before: &str) -> bool {
    let mut chars = before.chars().rev();
    let numeral =
        |c: char| c.is_ascii_digit() || "一二三四五六七八九十０１２３４５６７８９".contains(c);
    match chars.next() {
        Some('.' | '．' | '、' | ')' | '）') => chars.next().is_some_and(numeral),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_pairs_split_at_next_label() {
        let cases: &[(&str, &[(&str, &str)])] = &[
            (
                "发布日期：2016-11-22 浏览次数： 信息来源：省发改委",
                &[("发布日期", "2016-11-22"), ("信息来源", "省发改委")],
            ),
            (
                "索 引 号：ATS001-2018-000001 发布機構：阿图什政府网",
                &[
                    ("索引号", "ATS001-2018-000001"),
                    ("发布机构", "阿图什政府网"),
                ],
            ),
            (
                "发布时间：2022-05-06 15:16 阅读量：12",
                &[("发布时间", "2022-05-06 15:16")],
            ),
            ("新闻来源：新华社", &[]),
            ("来源:", &[]),
        ];
        for (line, want) in cases {
            let mut found = Labelled::default();
            inline_fields(line, &mut found);
            let got: Vec<(&str, &str)> = found
                .fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            assert_eq!(got.len(), want.len(), "{line}: {got:?}");
            for pair in *want {
                assert!(got.contains(pair), "{line}: {got:?} lacks {pair:?}");
            }
        }
    }
}
