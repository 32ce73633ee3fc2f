//! What a backfill's ledger and the coverage report claim when its year range leaves lists and
//! entries out: a year range fetches no entry titled with another year and walks no year list that
//! cannot hold its reports, without hiding them from a later backfill or calling their years
//! `not_found`, and a report filed under the next year is found.

mod backfill_ledger_support;
mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use backfill_ledger_support::*;
use common::route_server::{Route, RouteServer, newest_run_report, run_nianbao};
use common::stderr;

/// The reports of departments that the section's own list gives: (path, list title, body, report
/// year). The titles name no year, are cut short (what was cut may have been 解读, making it no
/// report), or name the year in Traditional characters.
const SECTION_ENTRIES: [(&str, &str, &str, i32); 4] = [
    (
        "/art/jyj-2015.html",
        "某某县教育局政府信息公开工作年度报告",
        "某某县教育局",
        2015,
    ),
    (
        "/art/jyj-2013.html",
        "某某县教育局政府信息公开工作年度报告",
        "某某县教育局",
        2013,
    ),
    (
        "/art/mzj-2013.html",
        "某某县民政局2013年政府信息公开工作年度报告解...",
        "某某县民政局",
        2013,
    ),
    (
        "/art/wjw-2014.html",
        "某某縣衛生健康委員會2014年政府資訊公開工作年度報告",
        "某某县卫生健康委员会",
        2014,
    ),
];

const MENU_YEARS: std::ops::RangeInclusive<i32> = 2012..=2020;

/// A county's report section: a menu of year lists 2012-2020 and, on the section's own page,
/// `SECTION_ENTRIES`. The list of year Y holds the county's report of Y - `lag` (0: the site
/// labels its lists by report year; 1: by year of publication), titled with its year.
fn year_lists_route(lag: i32) -> Route {
    let years: Vec<(i32, String)> = MENU_YEARS
        .rev()
        .map(|y| (y, format!("/nb/{y}/index.html")))
        .collect();
    let menu = menu_links(&years);
    Arc::new(move |target: &str| {
        if target == "/nb/" {
            let entries: Vec<(String, String)> = SECTION_ENTRIES
                .iter()
                .map(|(path, title, ..)| (path.to_string(), title.to_string()))
                .collect();
            let list = entries_html(&entries, "2016-03-01");
            return (
                200,
                HTML.into(),
                page("政府信息公开年报", &format!("{menu}{list}")),
            );
        }
        if let Some(y) = year_in(target, "/nb/", "/index.html").filter(|y| MENU_YEARS.contains(y)) {
            let report = y - lag;
            let entry = (
                format!("/art/{report}.html"),
                format!("{PORTAL}{report}年政府信息公开工作年度报告"),
            );
            let list = entries_html(&[entry], &format!("{}-01-20", report + 1));
            return (
                200,
                HTML.into(),
                page(&format!("{y}年"), &format!("{menu}{list}")),
            );
        }
        if let Some(y) = year_in(target, "/art/", ".html") {
            return (200, HTML.into(), report_page(y));
        }
        match SECTION_ENTRIES.iter().find(|(path, ..)| *path == target) {
            Some((_, _, body, year)) => (200, HTML.into(), body_report_page(body, body, *year)),
            None => (404, HTML.into(), page("404", "404")),
        }
    })
}

/// The list and item pages among `requests`, each once.
fn pages_asked(requests: &[String]) -> BTreeSet<String> {
    let pages: Vec<&String> = requests
        .iter()
        .filter(|t| t.starts_with("/nb/") || t.starts_with("/art/"))
        .collect();
    let once: BTreeSet<String> = pages.iter().map(|t| t.to_string()).collect();
    assert_eq!(once.len(), pages.len(), "a page asked twice: {pages:?}");
    once
}

/// A backfill of 2015-2016 of a section with year lists 2012-2020 (labelled by report year)
/// walks the lists 2015 to 2017 only and fetches no entry whose title names another year (the
/// 2017 report in its list, the Traditional 2014 one in the section's), but fetches those whose
/// titles name no year or are cut, and judges them from their pages: it archives exactly the
/// 2015-2016 reports. Coverage calls a year it left out `not_walked`, never `not_found`. A
/// backfill of 2012-2020 then fetches all it left out, and archives all the rest, without asking
/// again for what it has.
#[test]
fn a_year_range_fetches_nothing_its_titles_and_year_lists_put_outside_it() {
    let portal = RouteServer::bind("127.0.0.94");
    portal.serve(year_lists_route(0));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = config(dir.path(), &format!("{}/nb/", portal.base), "20ms");
    let out = run_nianbao(&config, &["backfill", "--years", "2015-2016"]);
    assert!(out.status.success(), "backfill: {}", stderr(&out));

    let first = portal.requests();
    assert_eq!(
        pages_asked(&first),
        paths(&[
            "/nb/",
            "/nb/2015/index.html",
            "/nb/2016/index.html",
            "/nb/2017/index.html",
            "/art/2015.html",
            "/art/2016.html",
            "/art/jyj-2015.html",
            "/art/jyj-2013.html",
            "/art/mzj-2013.html",
        ])
    );
    assert_eq!(
        archived(&config),
        paths(&["/art/2015.html", "/art/2016.html", "/art/jyj-2015.html"])
    );
    let run = newest_run_report(dir.path());
    let lists = &run["portals"][PORTAL]["lists"];
    assert_eq!(lists["all"]["skipped_by_title"], 1, "{lists}");
    assert_eq!(lists["2017"]["skipped_by_title"], 1, "{lists}");
    assert_eq!(
        lists["all"]["years_not_walked"],
        serde_json::json!([2012, 2013, 2014, 2018, 2019, 2020]),
        "{lists}"
    );
    assert_eq!(
        lists["all"]["found"], 4,
        "every entry counts as found: {lists}"
    );
    let summary = stderr(&out);
    assert!(
        summary.contains("(1 titled with other years, not fetched)")
            && summary.contains(
                "year lists outside the range, not walked: 2012, 2013, 2014, 2018, 2019, 2020"
            ),
        "{summary}"
    );
    for year in [2013, 2014, 2017, 2018] {
        let cell = coverage_cell(&config, year);
        assert_eq!(cell["state"], "not_walked", "{year}: {cell}");
    }
    assert_eq!(coverage_cell(&config, 2016)["state"], "captured");

    let out = run_nianbao(&config, &["backfill", "--years", "2012-2020"]);
    assert!(out.status.success(), "backfill: {}", stderr(&out));
    let second = pages_asked(&portal.requests()[first.len()..]);
    let items: BTreeSet<String> = second
        .iter()
        .filter(|t| t.starts_with("/art/"))
        .cloned()
        .collect();
    let mut left_out: Vec<&str> = vec![
        "/art/jyj-2013.html",
        "/art/mzj-2013.html",
        "/art/wjw-2014.html",
    ];
    let years: Vec<String> = [2012, 2013, 2014, 2017, 2018, 2019, 2020]
        .iter()
        .map(|y| format!("/art/{y}.html"))
        .collect();
    left_out.extend(years.iter().map(String::as_str));
    assert_eq!(items, paths(&left_out), "the second backfill's items");
    let mut all: Vec<String> = MENU_YEARS.map(|y| format!("/art/{y}.html")).collect();
    all.extend(SECTION_ENTRIES.iter().map(|(path, ..)| path.to_string()));
    assert_eq!(archived(&config), all.into_iter().collect::<BTreeSet<_>>());
    assert_eq!(coverage_cell(&config, 2014)["state"], "captured");
}

/// A site that files each report under the year it was published: the 2016 report sits in the
/// list of 2017. A backfill of 2016 walks the lists of 2016 and 2017, leaves the 2015 report of
/// the 2016 list unfetched by its title, and archives the 2016 report. The nightly crawl after
/// it still finds the entry the backfill left by its title new, and archives it.
#[test]
fn a_report_filed_under_the_next_year_is_found() {
    let portal = RouteServer::bind("127.0.0.95");
    portal.serve(year_lists_route(1));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = config(dir.path(), &format!("{}/nb/", portal.base), "20ms");
    let out = run_nianbao(&config, &["backfill", "--years", "2016"]);
    assert!(out.status.success(), "backfill: {}", stderr(&out));
    let asked = pages_asked(&portal.requests());
    let of_years: BTreeSet<String> = asked
        .into_iter()
        .filter(|t| {
            year_in(t, "/nb/", "/index.html")
                .or_else(|| year_in(t, "/art/", ".html"))
                .is_some()
        })
        .collect();
    assert_eq!(
        of_years,
        paths(&[
            "/nb/2016/index.html",
            "/nb/2017/index.html",
            "/art/2016.html"
        ])
    );
    assert!(
        archived(&config).contains("/art/2016.html"),
        "{:?}",
        archived(&config)
    );
    assert_eq!(coverage_cell(&config, 2016)["state"], "captured");

    let before = portal.requests().len();
    let out = run_nianbao(&config, &["crawl"]);
    assert!(out.status.success(), "crawl: {}", stderr(&out));
    let crawled = pages_asked(&portal.requests()[before..]);
    assert!(crawled.contains("/art/wjw-2014.html"), "{crawled:?}");
    assert!(
        archived(&config).contains("/art/wjw-2014.html"),
        "{:?}",
        archived(&config)
    );
}
