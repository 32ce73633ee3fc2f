//! Per-year subsections of a section: links (or `<select>` options and tabs) labelled "2017年",
//! "2017年度", "2017", "二〇一七年" or "2017年政府信息公开工作年度报告" in the section's own menu.
//! Entries of the list itself ("2017年度…报告" beside a date) are items, not subsections, and are
//! passed in to be left out.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;
use scraper::{Html, Selector};
use url::Url;

use super::YearSection;
use super::dom::{LINKS, LinkBase, compact, resolve};

/// A bare year label: "2017", "2017年", "2017年度".
static SHORT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d{4})(?:年度?)?$").expect("static regex literal is valid"));
/// A year's report column: "2017年政府信息公开年报", "2017年度信息公开工作年度报告", "2017年报",
/// "2017年度報告".
static LONG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(\d{4})(?:年度?)?(?:政府|政務|政务)?(?:信息公开|資訊公開|信息公開|公开|公開)?(?:工作)?(?:年度)?(?:年报|年報|报告|報告)$",
    )
    .expect("static regex literal is valid")
});
/// A "more" link: "更多", "更多>>", "查看更多", "more »".
static MORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:查看)?(?:更多|more)(?:信息|内容)?[>»›＞。.]*$|^(?:>>|»)$")
        .expect("static regex literal is valid")
});
/// Elements whose own text can title a block of a page ("<h3>2023年度</h3>…<a>更多</a>").
static BLOCK_TITLES: LazyLock<Selector> = LazyLock::new(|| {
    Selector::parse("h1, h2, h3, h4, h5, h6, span, strong, b, em, p, dt, div, td, th, label")
        .expect("static selector is valid")
});
/// How many ancestors above a "more" link are searched for its block's year title.
const MORE_BLOCK_DEPTH: usize = 3;
static OPTIONS: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("select option[value]").expect("static selector is valid"));

/// A label with a year written in Chinese numerals ("二〇一九年") rewritten with digits.
fn digit_year(label: &str) -> String {
    let digit = |c: char| match c {
        '〇' | '零' | 'Ｏ' | 'O' | '○' => Some('0'),
        '一' => Some('1'),
        '二' => Some('2'),
        '三' => Some('3'),
        '四' => Some('4'),
        '五' => Some('5'),
        '六' => Some('6'),
        '七' => Some('7'),
        '八' => Some('8'),
        '九' => Some('9'),
        _ => None,
    };
    let chars: Vec<char> = label.chars().collect();
    match chars
        .get(..4)
        .map(|head| head.iter().map(|c| digit(*c)).collect::<Option<String>>())
    {
        Some(Some(year)) => year + &chars[4..].iter().collect::<String>(),
        _ => label.to_string(),
    }
}

const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// A link's label as a year label is read: without spaces or the brackets a menu sets it in
/// (`[2023年]`, `【2023年度】`), Chinese numerals as digits. Arrows stay: `>>` is a "more" link.
fn year_label(label: &str) -> String {
    digit_year(compact(label).trim_matches(|c: char| "[]【】()（）〔〕".contains(c)))
}

/// The year subsections linked from the page, in page order, without `excluded` URLs (the list's
/// items and pages) and without the page itself.
pub(super) fn year_sections(
    doc: &Html,
    base: &LinkBase,
    page_url: &Url,
    excluded: &HashSet<Url>,
) -> Vec<YearSection> {
    let mut found: Vec<(YearSection, bool)> = Vec::new();
    let links = crate::page::select(doc, &LINKS).map(|a| (a, "href"));
    let options = crate::page::select(doc, &OPTIONS).map(|o| (o, "value"));
    for (a, attr) in links.chain(options) {
        let Some(href) = a.value().attr(attr) else {
            continue;
        };
        // An option whose value is a bare number feeds a script, not a link.
        if attr == "value" && href.trim().chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let Some(url) = resolve(base, href) else {
            continue;
        };
        if &url == page_url || excluded.contains(&url) {
            continue;
        }
        let text = year_label(&a.text().collect::<String>());
        let title = a.value().attr("title").map(year_label).unwrap_or_default();
        let year_of = |re: &Regex| {
            [&text, &title].into_iter().find_map(|t| {
                let year: i32 = re.captures(t)?.get(1)?.as_str().parse().ok()?;
                YEARS.contains(&year).then_some(year)
            })
        };
        if let Some(year) = year_of(&SHORT) {
            found.push((YearSection { year, url }, false));
        } else if let Some(year) = year_of(&LONG) {
            found.push((YearSection { year, url }, true));
        } else if attr == "href"
            && MORE.is_match(&text)
            && let Some(year) = block_year(a)
        {
            found.push((YearSection { year, url }, true));
        }
    }
    // A lone "2017年政府信息公开年报" link may well be a report; a menu of several is a year index.
    let years: HashSet<i32> = found.iter().map(|(s, _)| s.year).collect();
    let keep_long = years.len() >= 2;
    let mut seen = HashSet::new();
    found
        .into_iter()
        .filter(|(_, long)| keep_long || !long)
        .map(|(s, _)| s)
        .filter(|s| seen.insert((s.year, s.url.clone())))
        .collect()
}

/// The year that titles the block a "more" link ends (`<div><h3>2023年度</h3><ul>…</ul><a>更多</a>
/// </div>`): the one year label among the elements of its nearest ancestor that has any, within
/// `MORE_BLOCK_DEPTH`. Two years there (a block of blocks) name none.
fn block_year(link: scraper::ElementRef<'_>) -> Option<i32> {
    for ancestor in link
        .ancestors()
        .filter_map(scraper::ElementRef::wrap)
        .take(MORE_BLOCK_DEPTH)
    {
        let mut years = HashSet::new();
        let titles = ancestor
            .descendants()
            .filter_map(scraper::ElementRef::wrap)
            .filter(|e| BLOCK_TITLES.matches(e));
        for title in titles {
            // Only an element's own words: a container's text is its children's.
            let own: String = title
                .children()
                .filter_map(|n| n.value().as_text().map(|t| t.to_string()))
                .collect();
            let own = digit_year(&compact(&own));
            if let Some(year) = [&SHORT, &LONG].into_iter().find_map(|re| {
                let year: i32 = re.captures(&own)?.get(1)?.as_str().parse().ok()?;
                YEARS.contains(&year).then_some(year)
            }) {
                years.insert(year);
            }
        }
        match years.len() {
            0 => continue,
            1 => return years.into_iter().next(),
            _ => return None,
        }
    }
    None
}

/// The year a page's own column stands for: a TRS `<meta name="ColumnName" content="2017年">`
/// whose whole value is a year ("2017", "2017年", "2017年度").
pub(super) fn column_year(doc: &Html) -> Option<i32> {
    let selector = Selector::parse("meta[name]").expect("static selector is valid");
    crate::page::select(doc, &selector)
        .filter(|m| {
            m.value()
                .attr("name")
                .is_some_and(|n| n.eq_ignore_ascii_case("ColumnName"))
        })
        .filter_map(|m| m.value().attr("content"))
        .find_map(|content| {
            let label = digit_year(content.trim());
            let caps = SHORT.captures(&label)?;
            caps.get(1)?
                .as_str()
                .parse::<i32>()
                .ok()
                .filter(|y| (2000..=2100).contains(y))
        })
}

#[cfg(test)]
mod column_tests {
    use super::*;

    #[test]
    fn column_name_meta_names_the_year_of_a_subsection() {
        let cases = [
            (r#"<meta name="ColumnName" content="2017年">"#, Some(2017)),
            (r#"<meta name="columnname" content="2019年度">"#, Some(2019)),
            (r#"<meta name="ColumnName" content="2021">"#, Some(2021)),
            (
                r#"<meta name="ColumnName" content="政府信息公开年报">"#,
                None,
            ),
            (
                r#"<meta name="ColumnName" content="2017年度政府信息公开年报">"#,
                None,
            ),
            (r#"<meta name="ColumnName" content="1999年">"#, None),
            (r#"<meta name="SiteName" content="2017年">"#, None),
        ];
        for (meta, want) in cases {
            let doc =
                Html::parse_document(&format!("<html><head>{meta}</head><body></body></html>"));
            assert_eq!(column_year(&doc), want, "{meta}");
        }
    }
}
