//! The issuing body (发布机构) for extract: every candidate the page gives, each with its
//! provenance (labelled field, 来源, ContentSource, list entry, the annual report's title, its
//! opening sentence, its signature), and the rule that picks one. A labelled 发布机构 wins;
//! otherwise the body the report's title names decides between the others.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

use super::labels::simplified;
use super::report::is_annual_report_title;

/// One piece of evidence of who issued the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Candidate {
    pub value: String,
    /// `label:发布机构`, `label:来源`, `meta:ContentSource`, `list:发布机构`, `title`, `opening`,
    /// `signature`.
    pub provenance: String,
}

impl Candidate {
    pub fn new(value: impl Into<String>, provenance: impl Into<String>) -> Candidate {
        Candidate {
            value: value.into(),
            provenance: provenance.into(),
        }
    }
}

/// The chosen candidate and the ones that lost (different values only).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Choice {
    pub chosen: Option<Candidate>,
    pub losers: Vec<Candidate>,
}

/// Picks the issuing body. `labelled` are 发布机构-type labels (they win outright, first first);
/// `title` is the body the annual report's title names; `others` are the rest in order of
/// preference (来源, ContentSource, list entry, opening sentence, signature).
///
/// Without a labelled value: the most specific candidate that agrees with the title's body (one
/// name contains the other) wins, and the title's body itself when none agrees; without a title
/// body, the first of `others`.
pub(crate) fn choose(
    labelled: Vec<Candidate>,
    title: Option<Candidate>,
    others: Vec<Candidate>,
) -> Choice {
    let mut all: Vec<Candidate> = labelled.to_vec();
    all.extend(title.iter().cloned());
    all.extend(others.iter().cloned());
    let chosen = if let Some(first) = labelled.into_iter().next() {
        Some(first)
    } else if let Some(title) = title {
        let agreeing = others
            .into_iter()
            .filter(|c| agrees(&c.value, &title.value))
            .fold(None::<Candidate>, |best, c| match best {
                Some(b) if b.value.chars().count() >= c.value.chars().count() => Some(b),
                _ => Some(c),
            });
        match agreeing {
            Some(c) if c.value.chars().count() > title.value.chars().count() => Some(c),
            _ => Some(title),
        }
    } else {
        others.into_iter().next()
    };
    let losers = all
        .into_iter()
        .filter(|c| chosen.as_ref().is_none_or(|w| w.value != c.value))
        .fold(Vec::<Candidate>::new(), |mut acc, c| {
            if !acc.iter().any(|a| a.provenance == c.provenance) {
                acc.push(c);
            }
            acc
        });
    Choice { chosen, losers }
}

/// Two names of the same body: one contains the other (`平潭综合实验区` and
/// `平潭综合实验区管委会办公室`).
fn agrees(a: &str, b: &str) -> bool {
    let (a, b) = (compact(a), compact(b));
    !a.is_empty() && !b.is_empty() && (a.contains(&b) || b.contains(&a))
}

fn compact(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(simplified)
        .collect()
}

/// Endings of a body's name: organs (局, 办公室, 政府 …) and the places a report speaks for
/// (市, 县, 镇 …).
const NAME_ENDINGS: &[&str] = &[
    "政府",
    "办公室",
    "办公厅",
    "辦公室",
    "辦公廳",
    "局",
    "委员会",
    "委員會",
    "管委会",
    "管委會",
    "厅",
    "廳",
    "委",
    "办",
    "辦",
    "中心",
    "院",
    "署",
    "处",
    "處",
    "所",
    "站",
    "队",
    "隊",
    "部",
    "馆",
    "館",
    "会",
    "會",
    "省",
    "市",
    "县",
    "縣",
    "区",
    "區",
    "镇",
    "鎮",
    "乡",
    "鄉",
    "街道",
    "旗",
    "盟",
    "州",
    "办事处",
    "辦事處",
    "公司",
    "集团",
    "学校",
    "大学",
];

/// True for text that reads as a body's name: short, no sentence punctuation, a Chinese name
/// ending like one.
pub(crate) fn is_body_name(text: &str) -> bool {
    let n = text.chars().count();
    (2..=40).contains(&n)
        && !text.chars().any(|c| {
            "。，,：:；;！？!?、（）()《》“”\"'<>|/\\".contains(c)
                || c.is_ascii_digit()
                || ('０'..='９').contains(&c)
        })
        && text.chars().next().is_some_and(|c| !c.is_ascii())
        && !text.starts_with(['指', '是', '为', '由', '本', '该', '各'])
        && NAME_ENDINGS
            .iter()
            .any(|end| text.ends_with(end) && text != *end)
}

/// Where the reporting body's name ends in a report title: at the year, or at the disclosure
/// words (`…办公室政府信息公开年报(2014年)`).
static TITLE_CUT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:19|20|１９|２０)\d{2}\s*年|[〇零○一二三四五六七八九]{4}\s*年|(?:关于)?(?:政府信息公开|政府资讯公开|政务公开|信息公开|政府信息|政务)",
    )
    .expect("the title cut pattern is valid")
});

/// The body an annual report's title names: the text before the year or the disclosure words
/// (`阿勒泰市人民政府办公室政府信息公开年报(2014年)` -> `阿勒泰市人民政府办公室`,
/// `台上镇2009年…` -> `台上镇`), or after a leading year (`2020年度某某区政府信息公开…` ->
/// `某某区`). `None` for other titles and titles that name no body.
pub fn issuer_from_title(title: &str) -> Option<String> {
    if !is_annual_report_title(title) {
        return None;
    }
    name_in_title(title)
}

/// `issuer_from_title` for any title, report or not: the body's name before the year or the
/// disclosure words, or `None`.
pub(crate) fn name_in_title(title: &str) -> Option<String> {
    // `simplified` and this replacement keep UTF-8 lengths, so byte offsets found on the mapped
    // title hold in the original.
    let mapped: String = title
        .chars()
        .map(simplified)
        .collect::<String>()
        .replace("资讯", "信息");
    let trimmed = |s: &str| s.trim_start().len();
    let start = title.len() - trimmed(title);
    // `【2022年度】某某县商务局…`: a bracketed year before the body.
    let start = start + BRACKETED_YEAR.find(&mapped[start..]).map_or(0, |m| m.end());
    // A title that opens with its year names the body after it.
    let start = match TITLE_CUT.find(&mapped[start..]) {
        Some(m) if m.start() == 0 && YEAR.is_match(m.as_str()) => {
            let after = start + m.end();
            let rest = mapped.get(after..).unwrap_or_default();
            after + rest.strip_prefix('度').map_or(0, |_| '度'.len_utf8())
        }
        _ => start,
    };
    // The disclosure words also open some bodies' names (`…市政务服务管理局`, `…市政府信息中心`):
    // of the cuts up to the year, which always ends the name, the last that leaves a name wins.
    let mut named = None;
    for m in TITLE_CUT.find_iter(mapped.get(start..)?) {
        let cut = start + m.start();
        let name = body_name(title.get(start..cut)?).or_else(|| {
            // `某某市人民政府信息公开…`: the body's 政府 is also the start of the disclosure words.
            let cut = cut + "政府".len();
            mapped
                .get(..cut)
                .filter(|m| m.ends_with("政府"))
                .and_then(|_| body_name(title.get(start..cut)?))
        });
        if name.is_some() {
            named = name;
        }
        if YEAR.is_match(m.as_str()) {
            break;
        }
    }
    named
}

/// A year in brackets opening a title: `【2022年度】`, `[2022年]`, `（2022年度）`.
static BRACKETED_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[【\[［（(]\s*(?:19|20|１９|２０)\d{2}\s*年度?\s*[】\]］）)]\s*")
        .expect("the bracketed year pattern is valid")
});

/// A year as `TITLE_CUT` matches it (`2020年`, `二〇一七年`).
static YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:(?:19|20|１９|２０)\d{2}|[〇零○一二三四五六七八九]{4})\s*年$")
        .expect("the year pattern is valid")
});

/// The body's name in the text before a title's cut, without quotes, `的` and `关于` (before it,
/// or after it with whatever follows: `某办公室关于某市` is 某办公室); of a double name (`某某县住房和城乡建设局（某某县人民防空办公室）`, one office under
/// two names) the first. Read in Simplified (`關於`, `鄉`), returned as printed.
fn body_name(text: &str) -> Option<String> {
    // Mapped characters keep their UTF-8 length, so a range found in one holds in the other.
    let mapped: String = text.chars().map(simplified).collect();
    let name = mapped
        .trim()
        .trim_start_matches(['《', '“', '"', '【', '['])
        .trim_end_matches(['的', '（', '(', ' ', '\u{3000}']);
    let name = name.strip_suffix("关于").unwrap_or(name).trim();
    let name = name.strip_prefix("关于").unwrap_or(name).trim_start();
    // `某某市人民政府办公室关于某某市…`: the body is the one writing about the other.
    let name = name
        .split_once("关于")
        .map_or(name, |(body, _)| body.trim_end());
    let printed = |part: &str| text.get(range_in(&mapped, part)).map(str::to_string);
    if is_body_name(name) {
        return printed(name);
    }
    let first = name
        .strip_suffix(['）', ')'])
        .and_then(|n| n.rsplit_once(['（', '(']))
        .map(|(first, _)| first.trim())?;
    if is_body_name(first) {
        printed(first)
    } else {
        None
    }
}

/// Where `part`, a slice of `whole`, lies in it.
fn range_in(whole: &str, part: &str) -> std::ops::Range<usize> {
    let start = (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize);
    start..start + part.len()
}

/// What a source line (来源, 信息来源, the ContentSource meta) names: its text before any date
/// printed after it (`和义县财政局　2022-01-20 10:30`, `和义县财政局（2022-01-20）`), when that
/// has a name's shape; `None` for the site itself (本站, 本网, 原创, …网, …网站, admin).
pub(crate) fn source_body(value: &str) -> Option<String> {
    let end = SOURCE_DATE.find(value).map_or(value.len(), |m| m.start());
    let name = value[..end]
        .trim()
        .trim_end_matches(['（', '(', '[', '【', '［', '|', '丨'])
        .trim();
    let named = name.chars().count() >= 2
        && !name.is_ascii()
        && !super::shape::is_placeholder(name)
        && super::shape::fits("来源", name);
    (named && !names_the_website(name)).then(|| name.to_string())
}

/// A value that names the website rather than a body: 本站, 本网, 原创, 管理员, …网站, …门户,
/// …网 (`和义县人民政府网`, `阿图什政府网`), in either script. Portals print it as 来源 and,
/// now and then, as 发布机构.
pub(crate) fn names_the_website(name: &str) -> bool {
    let name: String = name.trim().chars().map(simplified).collect();
    ["本站", "本网", "原创", "管理员", "网站", "门户"]
        .iter()
        .any(|w| name.contains(w))
        || name.ends_with('网')
}

/// A date (or time) printed after a source's name.
static SOURCE_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[\s\u{3000}(（\[【［]*(?:(?:19|20)\d{2}\s*[-/.年]|\d{1,2}:\d{2})")
        .expect("the source date pattern is valid")
});

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

    #[test]
    fn titles_name_the_reporting_body() {
        let cases = [
            (
                "阿勒泰市人民政府办公室政府信息公开年报(2014年)",
                Some("阿勒泰市人民政府办公室"),
            ),
            ("台上镇2009年政府信息公开工作年度报告", Some("台上镇")),
            (
                "平潭综合实验区地方税务局2013年信息公开年度报告",
                Some("平潭综合实验区地方税务局"),
            ),
            (
                "平潭综合实验区2024年度政府信息公开工作年度报告",
                Some("平潭综合实验区"),
            ),
            ("集安市2015年度政府資訊公開年度報告", Some("集安市")),
            ("市教育局2018年度信息公开工作年度报告", Some("市教育局")),
            (
                "某县人民政府关于2017年政府信息公开工作年度报告",
                Some("某县人民政府"),
            ),
            ("2020年度某某区政府信息公开工作报告", Some("某某区")),
            (
                "2020年某某区人民政府政府信息公开工作年度报告",
                Some("某某区人民政府"),
            ),
            ("二〇一七年某某市政府信息公开工作年度报告", Some("某某市")),
            ("2019年度某某縣政府資訊公開年度報告", Some("某某縣")),
            (
                "某某市人民政府信息公开工作2020年度报告",
                Some("某某市人民政府"),
            ),
            ("某某縣人民政府資訊公開2020年度報告", Some("某某縣人民政府")),
            ("和义县２０２１年政府信息公开工作年度报告", Some("和义县")),
            ("２０２１年度和义县政府信息公开工作年度报告", Some("和义县")),
            ("2016年政府信息公开工作报告", None),
            ("2016年度政府信息公开工作报告", None),
            ("政府信息公开年报(2009年)", None),
            ("二〇一七年度政府信息公开工作年度报告", None),
            ("台上镇政府信息公开指南", None),
            // Bodies whose names open with the disclosure words.
            (
                "阿勒泰市政务服务管理局2022年政府信息公开工作年度报告",
                Some("阿勒泰市政务服务管理局"),
            ),
            (
                "阿勒泰市政务服务和公共资源交易中心2022年政府信息公开工作年度报告",
                Some("阿勒泰市政务服务和公共资源交易中心"),
            ),
            (
                "阿勒泰市政府信息中心2022年政府信息公开工作年度报告",
                Some("阿勒泰市政府信息中心"),
            ),
            (
                "阿勒泰市信息公开办公室2022年政府信息公开工作年度报告",
                Some("阿勒泰市信息公开办公室"),
            ),
            (
                "阿勒泰市政务服务和大数据管理局政府信息公开工作年度报告（2022年）",
                Some("阿勒泰市政务服务和大数据管理局"),
            ),
            ("阿勒泰市2022年政务公开工作年度报告", Some("阿勒泰市")),
            // One body writing about another.
            (
                "阿勒泰市人民政府办公室关于阿勒泰市2022年政府信息公开工作年度报告",
                Some("阿勒泰市人民政府办公室"),
            ),
            ("万载县2022年国民经济和社会发展统计公报", None),
        ];
        for (title, want) in cases {
            assert_eq!(issuer_from_title(title).as_deref(), want, "{title}");
        }
    }

    /// The same titles as OpenCC's s2t prints them: the body is read in Simplified and given
    /// as printed.
    #[test]
    fn traditional_titles_name_the_reporting_body() {
        let cases = [
            ("臺上鎮2009年政府信息公開工作年度報告", "臺上鎮"),
            (
                "某縣人民政府關於2017年政府信息公開工作年度報告",
                "某縣人民政府",
            ),
            (
                "關於和義縣司法局2022年度政府信息公開工作情況的報告",
                "和義縣司法局",
            ),
            (
                "和義縣教育局關於2022年度政府信息公開工作情況的報告",
                "和義縣教育局",
            ),
            (
                "和義縣大河鄉人民政府2022年政府信息公開工作年度報告",
                "和義縣大河鄉人民政府",
            ),
            (
                "和義縣住房和城鄉建設局（和義縣人民防空辦公室）2022年政府信息公開工作年度報告",
                "和義縣住房和城鄉建設局",
            ),
            (
                "【2022年度】和義縣商務局政府信息公開工作年度報告",
                "和義縣商務局",
            ),
            ("和義縣檔案館2021年政府信息公開工作年度報告", "和義縣檔案館"),
            (
                "阿勒泰市政務服務管理局2022年政府資訊公開工作年度報告",
                "阿勒泰市政務服務管理局",
            ),
            (
                "阿勒泰市人民政府辦公室關於阿勒泰市2022年政府資訊公開工作年度報告",
                "阿勒泰市人民政府辦公室",
            ),
        ];
        for (title, want) in cases {
            assert_eq!(issuer_from_title(title).as_deref(), Some(want), "{title}");
        }
    }

    #[test]
    fn source_lines_name_a_body_or_none() {
        let cases = [
            ("和义县财政局", Some("和义县财政局")),
            ("和义县财政局　2022-01-20 10:30", Some("和义县财政局")),
            ("和义县财政局（2022-01-20）", Some("和义县财政局")),
            ("和义县财政局 [ 2022-01-20 ]", Some("和义县财政局")),
            ("和義縣財政局 2022年1月20日", Some("和義縣財政局")),
            ("本站原创", None),
            ("本网", None),
            ("本站", None),
            ("原创", None),
            ("网站管理员", None),
            ("admin", None),
            ("和义县人民政府网", None),
            ("和义县人民政府门户网站", None),
            // A newspaper or a news site is what the line names.
            ("山西日报", Some("山西日报")),
            ("人民网-文化频道", Some("人民网-文化频道")),
            ("无", None),
            ("暂无", None),
            ("不适用", None),
        ];
        for (value, want) in cases {
            assert_eq!(source_body(value).as_deref(), want, "{value}");
        }
    }

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

    fn c(v: &str, p: &str) -> Candidate {
        Candidate::new(v, p)
    }

    #[test]
    fn the_rule_between_candidates() {
        // A labelled 发布机构 wins over everything.
        let got = choose(
            vec![c("宜春市统计局", "label:发布机构")],
            None,
            vec![c("江西统计 公众号", "meta:ContentSource")],
        );
        assert_eq!(got.chosen, Some(c("宜春市统计局", "label:发布机构")));
        assert_eq!(got.losers, vec![c("江西统计 公众号", "meta:ContentSource")]);
        // A legacy 来源 that disagrees with the title loses to the title.
        let got = choose(
            vec![],
            Some(c("平潭综合实验区地方税务局", "title")),
            vec![c("平潭县人民政府", "label:来源")],
        );
        assert_eq!(got.chosen, Some(c("平潭综合实验区地方税务局", "title")));
        assert_eq!(got.losers, vec![c("平潭县人民政府", "label:来源")]);
        // A 来源 that agrees and is more specific wins.
        let got = choose(
            vec![],
            Some(c("平潭综合实验区", "title")),
            vec![
                c("平潭综合实验区管委会办公室", "label:来源"),
                c("平潭综合实验区管委会办公室", "meta:ContentSource"),
            ],
        );
        assert_eq!(
            got.chosen,
            Some(c("平潭综合实验区管委会办公室", "label:来源"))
        );
        assert_eq!(got.losers, vec![c("平潭综合实验区", "title")]);
        // The most specific agreeing candidate.
        let got = choose(
            vec![],
            Some(c("台上镇", "title")),
            vec![c("台上镇人民政府", "signature"), c("台上镇", "opening")],
        );
        assert_eq!(got.chosen, Some(c("台上镇人民政府", "signature")));
        // No title: the first other candidate.
        let got = choose(vec![], None, vec![c("万载县统计局", "signature")]);
        assert_eq!(got.chosen, Some(c("万载县统计局", "signature")));
        // Nothing names a body: null.
        assert_eq!(choose(vec![], None, vec![]), Choice::default());
    }
}
