//! Per-year subsections of a section: links labelled "2017年", "2017年度", "2017" or
//! "2017年政府信息公开年报" in the section's own menu. Entries of the list itself ("2017年度…报告"
//! beside a date) are items, not subsections, and are passed in to be left out.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;
use scraper::Html;
use url::Url;

use super::YearSection;
use super::dom::{LINKS, compact, resolve};

/// A bare year label: "2017", "2017年", "2017年度".
static SHORT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d{4})(?:年度?)?$").expect("static regex literal is valid"));
/// A year's report column: "2017年政府信息公开年报", "2017年度信息公开工作年度报告".
static LONG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d{4})年度?(?:政府)?(?:信息公开)?(?:工作)?(?:年度)?(?:年报|报告)$")
        .expect("static regex literal is valid")
});

const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// The year subsections linked from the page, in page order, without `excluded` URLs (the list's
/// items and pages) and without the page itself.
pub(super) fn year_sections(
    doc: &Html,
    base: &Url,
    page_url: &Url,
    excluded: &HashSet<Url>,
) -> Vec<YearSection> {
    let mut found: Vec<(YearSection, bool)> = Vec::new();
    for a in doc.select(&LINKS) {
        let Some(url) = a.value().attr("href").and_then(|h| resolve(base, h)) else {
            continue;
        };
        if &url == page_url || excluded.contains(&url) {
            continue;
        }
        let text = compact(&a.text().collect::<String>());
        let title = a.value().attr("title").map(compact).unwrap_or_default();
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
