//! The issuing body (发布机构) for extract: every candidate the page gives, each with its
//! provenance (labelled field, 来源, ContentSource, list entry, the annual report's title, its
//! opening sentence, its signature), and the rule that picks one. A labelled 发布机构 wins;
//! otherwise the body the report's title names decides between the others.

mod from_text;
mod from_title;

use std::sync::LazyLock;

use regex::Regex;

use super::labels::simplified;

pub(crate) use from_text::{opening, signature_in_parentheses};
pub use from_title::issuer_from_title;
pub(crate) use from_title::name_in_title;

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

#[cfg(test)]
mod tests {
    use super::*;

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
