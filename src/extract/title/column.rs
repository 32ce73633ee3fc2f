//! Titles for extract: a heading that is only its column's name (`<h1>政府信息公开年报</h1>`,
//! `<h1>2023年度</h1>`, the breadcrumb's last crumb) is not the report's title; the report's own
//! title printed below it in a non-heading element (`<div class="article-title">`, `<p class="bt">`,
//! `<div id="zoomtitle">`) or in another source of the page is.

use scraper::{ElementRef, Html};

use super::super::issuer_from_title;
use super::super::text::{self, collapse};
use super::in_banner;
use crate::traditional::to_simplified;

/// Names portals give the column that holds the annual reports, or the disclosure column above
/// it, as read in Simplified with 资讯 (Traditional usage) read as 信息. The report's own generic
/// name with no year and no body (政府信息公开工作年度报告) is one too: a page printing it as its
/// heading names the column or the kind of document, and its list entry or `<title>` names the
/// report.
const COLUMN_NAMES: &[&str] = &[
    "政府信息公开年报",
    "政府信息公开年度报告",
    "信息公开年报",
    "信息公开年度报告",
    "政务公开年报",
    "年度报告",
    "年报",
    "年报专栏",
    "年报专区",
    "公开专栏",
    "法定主动公开内容",
    "主动公开内容",
    "政务公开",
    "政府信息公开",
    "信息公开",
];

/// The report's own generic name, with no year and no body: a column's name too, but one that
/// says what the page is, so only a report's title takes its place (not a list entry naming
/// another kind of document, `和义县民政局2009年工作总结`).
const REPORT_NAMES: &[&str] = &[
    "政府信息公开工作年度报告",
    "政府信息公开工作年报",
    "信息公开工作年度报告",
    "信息公开工作年报",
];

/// Class and id words of an element holding a document's title below the column's heading.
const TITLE_WORDS: &[&str] = &["bt", "biaoti", "tit", "dbt", "xxbt", "wzbt"];

/// Other sources of the report's own title, each with its provenance.
pub(crate) struct Others<'a> {
    /// The labelled 标题/名称 cell of the metadata table.
    pub labelled: Option<(String, String)>,
    /// Title metas other than ArticleTitle (`<meta name="title">`, `dc.title`).
    pub metas: Vec<(String, String)>,
    /// The list entry's text.
    pub listed: Option<&'a str>,
    /// The `<title>` element's text.
    pub title_tag: Option<&'a str>,
    /// The name of the list page the item was found on (`本级年报`).
    pub list_name: Option<&'a str>,
}

/// `chosen`, unless it is only the column's name and the page names the report's own title: the
/// labelled title cell, another title meta, a title-like non-heading element of the article, the
/// list entry, then the `<title>` without the site's name; the first that is longer and is not a
/// column's name itself. With none, the column's name is kept: nothing is guessed.
pub(crate) fn past_column(
    doc: &Html,
    chosen: Option<(String, String)>,
    others: Others<'_>,
    site_names: &[&str],
) -> Option<(String, String)> {
    // A column's name that reads as a body's (`<h1>年报专区</h1>`, ending in 区) is dropped as
    // the site's banner before this rule sees it: the title element below still names the report.
    let Some((title, source)) = chosen else {
        return title_elements(doc)
            .find(|t| !is_column_name(t, &[], site_names))
            .map(|t| (t, "title_element".to_string()));
    };
    // The breadcrumb is looked for only when the title could be its last crumb: most titles
    // name a year.
    // The list's own name is a column's name whatever it says (`规划计划`, `区政府年报`): the
    // crawl found the page on that list.
    let listed_name = |text: &str| others.list_name.is_some_and(|n| plain(n) == plain(text));
    let named_list = listed_name(&title);
    let generic = is_generic(&title);
    if !generic && !named_list && !names_nothing(&title, site_names) {
        return Some((title, source));
    }
    let crumbs = last_crumbs(doc);
    if !named_list && !is_column_name(&title, &crumbs, site_names) {
        return Some((title, source));
    }
    let names_report = REPORT_NAMES.contains(&plain(&title).as_str());
    let better = |candidate: &str| {
        let candidate = collapse(candidate);
        let n = candidate.chars().count();
        (n > title.chars().count()
            && n <= 200
            && !is_column_name(&candidate, &crumbs, site_names)
            && !listed_name(&candidate)
            && !site_names.iter().any(|s| s.trim() == candidate)
            && (!names_report || crate::extract::is_annual_report_title(&candidate)))
        .then_some(candidate)
    };
    let from =
        |found: Option<(String, String)>| found.and_then(|(t, p)| better(&t).map(|t| (t, p)));
    from(others.labelled)
        .or_else(|| others.metas.into_iter().find_map(|m| from(Some(m))))
        .or_else(|| {
            title_elements(doc)
                .find_map(|t| better(&t))
                .map(|t| (t, "title_element".to_string()))
        })
        .or_else(|| from(others.listed.map(|t| (t.to_string(), "list".to_string()))))
        .or_else(|| {
            let article = super::trim_site_name(others.title_tag?, site_names)?;
            from(Some((article, "title_tag".to_string())))
        })
        .or(Some((title, source)))
}

/// Whether `text` is only a column's name: a generic column name (`政府信息公开年报`, `政务公开`,
/// in either script, in brackets or not), a year's column (`2023年`, `2023年度`), or the
/// breadcrumb's last crumb when it names no year and no body beyond the site's own.
fn is_column_name(text: &str, crumbs: &[String], site_names: &[&str]) -> bool {
    is_generic(text)
        || (crumbs.iter().any(|c| plain(c) == plain(text)) && names_nothing(text, site_names))
}

/// A generic column name or a year's column.
fn is_generic(text: &str) -> bool {
    let name = plain(text);
    COLUMN_NAMES.contains(&name.as_str())
        || REPORT_NAMES.contains(&name.as_str())
        || is_year_column(&name)
}

/// Whether `text` names no year and no body other than the site's.
fn names_nothing(text: &str, site_names: &[&str]) -> bool {
    let name = plain(text);
    !name.chars().any(|c| c.is_ascii_digit())
        && issuer_from_title(&name).is_none_or(|body| {
            site_names
                .iter()
                .any(|s| plain(s).contains(&body) || body.contains(&plain(s)))
        })
}

/// `text` as column names are compared: Simplified, 资讯 as 信息, no spaces or brackets around.
fn plain(text: &str) -> String {
    to_simplified(&collapse(text))
        .replace("资讯", "信息")
        .replace(' ', "")
        .trim_matches(['【', '】', '[', ']', '「', '」', '〔', '〕'])
        .to_string()
}

/// `2023年`, `2023年度`: a column holding one year's reports.
fn is_year_column(name: &str) -> bool {
    let rest = name.trim_start_matches(|c: char| c.is_ascii_digit());
    name.len() - rest.len() == 4 && matches!(rest, "年" | "年度")
}

/// The breadcrumb's last crumbs: its last link's text and the text after its last separator.
pub(crate) fn last_crumbs(doc: &Html) -> Vec<String> {
    let mut crumbs = Vec::new();
    for element in crate::page::elements(doc).filter(is_breadcrumb) {
        let Some(line) = text::visible_text_within(element, 300) else {
            continue;
        };
        if let Some(last) = line
            .rsplit(['>', '＞', '»', '›', '/'])
            .map(str::trim)
            .find(|p| !p.is_empty())
        {
            crumbs.push(last.to_string());
        }
        if let Some(link) = element
            .descendants()
            .filter_map(ElementRef::wrap)
            .filter(|a| a.value().name() == "a")
            .last()
        {
            crumbs.push(text::visible_text(link));
        }
    }
    crumbs
}

/// A breadcrumb: an element whose class or id says so (`crumb`, `position`, `location`, `dqwz`,
/// `wz`), or whose text starts with 当前位置/您的位置.
fn is_breadcrumb(element: &ElementRef<'_>) -> bool {
    let value = element.value();
    let named = value.id().into_iter().chain(value.classes()).any(|name| {
        let name = name.to_ascii_lowercase();
        ["crumb", "position", "location", "dqwz", "weizhi"]
            .iter()
            .any(|w| name.contains(w))
    });
    // Its first words, read from its first text nodes only: asked of every element of a page.
    let says = || {
        element
            .descendants()
            .take(8)
            .filter_map(|n| n.value().as_text())
            .map(|t| t.trim())
            .find(|t| !t.is_empty())
            .is_some_and(|t| {
                ["当前位置", "您的位置", "你的位置", "所在位置", "當前位置"]
                    .iter()
                    .any(|w| t.starts_with(w))
            })
    };
    named || (matches!(value.name(), "div" | "p" | "td" | "span" | "nav") && says())
}

/// The texts of the page's title-like non-heading elements in document order: a class or id
/// naming a title (`article-title`, `bt`, `biaoti`, `zoomtitle`, `xxgk_title`), outside the
/// site's banner and holding no link (related articles' lists link theirs).
fn title_elements(doc: &Html) -> impl Iterator<Item = String> + '_ {
    crate::page::elements(doc)
        .filter(|e| {
            !matches!(
                e.value().name(),
                "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "title"
            )
        })
        .filter(|e| {
            let value = e.value();
            value.id().into_iter().chain(value.classes()).any(|name| {
                let name = name.to_ascii_lowercase();
                name.contains("title") || name.split(['-', '_']).any(|w| TITLE_WORDS.contains(&w))
            })
        })
        .filter(|e| {
            !e.ancestors()
                .chain(e.descendants())
                .filter_map(ElementRef::wrap)
                .any(|a| a.value().name() == "a")
                && !in_banner(*e)
                && !is_breadcrumb(e)
        })
        .filter_map(|e| text::visible_text_within(e, 200))
        .filter(|t| t.chars().count() >= 4 && !t.contains(['：', ':']))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    use super::*;

    /// The report's generic name alone is a column's name in either script and in brackets; with
    /// a year or a body it is a report's title.
    #[test]
    fn the_generic_report_name_is_a_columns_name() {
        let cases = [
            ("政府信息公开工作年度报告", true),
            ("政府信息公开工作年报", true),
            ("信息公开工作年度报告", true),
            ("信息公开工作年报", true),
            ("政府資訊公開工作年度報告", true),
            ("資訊公開工作年報", true),
            ("【政府信息公开工作年度报告】", true),
            ("〔政府資訊公開工作年度報告〕", true),
            ("2023年政府信息公开工作年度报告", false),
            ("和义县政府信息公开工作年度报告", false),
            ("和義縣政府資訊公開工作年度報告", false),
            ("政府信息公开工作年度报告解读", false),
        ];
        for (text, want) in cases {
            assert_eq!(
                is_column_name(text, &[], &["和义县人民政府"]),
                want,
                "{text}"
            );
        }
    }

    fn others(listed: Option<&str>) -> Others<'_> {
        Others {
            labelled: None,
            metas: Vec::new(),
            listed,
            title_tag: None,
            list_name: None,
        }
    }

    /// Any heading, crumb, title element and list entry, in any script, nested up to 300 deep:
    /// no panic; the heading is kept unless it is a column's name, and then only for a longer
    /// text of at most 200 characters that is no column's name itself. A title element of 1 MB
    /// is not taken.
    #[test]
    fn fuzzed_pages_keep_the_heading_or_take_a_longer_title() {
        let text = prop_oneof![
            any::<String>(),
            "[政府信息公开年报度告务县市区2023年 【】\\p{Han}\\p{Hangul}\\p{Latin}]{0,40}",
            prop::sample::select(COLUMN_NAMES.to_vec()).prop_map(str::to_string),
        ];
        let input = (text.clone(), text.clone(), text.clone(), text, 0usize..300);
        let mut runner = TestRunner::new(Config {
            cases: 64,
            failure_persistence: None,
            ..Config::default()
        });
        runner
            .run(&input, |(heading, crumb, below, listed, depth)| {
                let esc = |t: &str| t.replace('&', "&amp;").replace('<', "&lt;");
                let html = format!(
                    "<html><body>{}<div class=\"crumb\"><a>首页</a> &gt; <a>{}</a></div><h1>{}</h1><div class=\"article-title\">{}</div>{}</body></html>",
                    "<div>".repeat(depth),
                    esc(&crumb),
                    esc(&heading),
                    esc(&below),
                    "</div>".repeat(depth)
                );
                let doc = Html::parse_document(&html);
                let chosen = Some((heading.clone(), "h1".to_string()));
                let got = past_column(&doc, chosen, others(Some(&listed)), &["某县人民政府"]);
                let Some((title, source)) = got else {
                    return Err(TestCaseError::fail("a chosen title was dropped"));
                };
                if title != heading {
                    prop_assert!(title.chars().count() > collapse(&heading).chars().count());
                    prop_assert!(title.chars().count() <= 200);
                    prop_assert!(!is_generic(&title), "{}", title);
                    prop_assert!(matches!(source.as_str(), "title_element" | "list"));
                }
                if !is_generic(&heading) && !names_nothing(&heading, &["某县人民政府"]) {
                    prop_assert_eq!(&title, &heading);
                }
                Ok(())
            })
            .unwrap_or_else(|e| panic!("column titles: {e}"));

        let megabyte = "年".repeat(350_000);
        let html = format!("<h1>政府信息公开年报</h1><div class=\"bt\">{megabyte}</div>");
        let doc = Html::parse_document(&html);
        let chosen = Some(("政府信息公开年报".to_string(), "h1".to_string()));
        let got = past_column(&doc, chosen, others(None), &[]);
        assert_eq!(got.map(|(t, _)| t).as_deref(), Some("政府信息公开年报"));
    }
}
