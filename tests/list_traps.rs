//! Portals that trap a crawler in the walk of their lists, through the real binary in a
//! backfill, with assertions on what the server saw: per-year channels whose menus all link every
//! year (2000 to 2100, the years a menu is read for), a count of pages no list has (共999999页),
//! pagers whose numbers are as large as a number can be (`?page=18446744073709551615`,
//! `createPageHTML(2, 18446744073709551615, …)`), a list page redirected to the home page, and a
//! menu of the years 1900 to 2100 whose year pages link themselves with another parameter,
//! backfilled for 2008 to 2026. Each walk stays inside its section, asks each page once and not
//! much past the list's end, and reads every page it is given. Links that change at every request
//! are in `list_traps_links.rs`.

mod common;
mod list_traps_support;

use std::sync::Arc;

use common::route_server::{RouteServer, backfill_county};
use common::{assert_in_scope, stderr};
use list_traps_support::*;

/// Every year's channel (2000 to 2100) prints a menu of every year and has a second page. Each
/// year page and each second page is asked once: a menu naming years already queued must not use
/// up `max_list_pages` (1000 by default; the 101 menus name 10,201 year links), which once left
/// most years' second pages unwalked, the ledger blaming the page limit.
#[test]
fn year_channels_that_all_link_every_year_are_each_walked_once_and_whole() {
    let server = RouteServer::bind("127.0.0.221");
    let menu: String = YEARS
        .map(|y| format!("<a href=\"/nb/{y}/index.html\">{y}年</a> "))
        .collect();
    let menu = format!("<div class=\"nav\">{menu}</div>");
    server.serve(Arc::new(move |target: &str| {
        if target == "/nb/index.html" {
            return (200, HTML.to_string(), list_page("nb", &menu));
        }
        if let Some(rest) = target.strip_prefix("/nb/") {
            let (year, file) = rest.split_once('/').unwrap_or(("", ""));
            if year.parse::<u32>().is_ok_and(|y| YEARS.contains(&y)) {
                let pager = "<div class=\"page\"><a href=\"index_2.html\">下一页</a></div>";
                return match file {
                    "index.html" => (
                        200,
                        HTML.to_string(),
                        list_page(year, &format!("{menu}{pager}")),
                    ),
                    "index_2.html" => (
                        200,
                        HTML.to_string(),
                        list_page(&format!("{year}p2"), &menu),
                    ),
                    _ => not_found(),
                };
            }
        }
        if target.starts_with("/art/") {
            return (200, HTML.to_string(), report(target));
        }
        not_found()
    }));
    let (out, _dir) = backfill(&server.base, "/nb/index.html");
    let summary = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{summary}");
    let requests = server.requests();
    assert_in_scope(&requests, "/nb/");
    for year in YEARS {
        for file in ["index.html", "index_2.html"] {
            let path = format!("/nb/{year}/{file}");
            let asked = requests.iter().filter(|t| **t == path).count();
            assert_eq!(asked, 1, "{path} asked {asked} times: {summary}");
        }
    }
    // The section page, two pages a year, three entries on each: nothing else, nothing twice.
    let years = YEARS.count();
    let lists = requests.iter().filter(|t| t.starts_with("/nb/")).count();
    assert_eq!(lists, 1 + 2 * years, "{summary}");
    let entries: std::collections::BTreeSet<&String> =
        requests.iter().filter(|t| t.starts_with("/art/")).collect();
    assert_eq!(entries.len(), 3 * (1 + 2 * years), "{summary}");
    assert!(!summary.contains("page limit"), "{summary}");
}

/// A list that states 共999999页 and has three pages, every page past them not there (404). A
/// backfill queues the pages the count implies up to `max_list_pages` (1000) at once; it asks
/// them in order and stops three pages after the last one there, the ledger saying why, rather
/// than asking the server for 997 pages it does not have.
#[test]
fn a_count_of_pages_no_list_has_is_walked_only_a_few_pages_past_its_end() {
    const REAL_PAGES: usize = 3;
    let server = RouteServer::bind("127.0.0.223");
    server.serve(Arc::new(|target: &str| {
        let pager = "<div class=\"page\">共999999页 <a href=\"list_2.html\">下一页</a></div>";
        let page = match target {
            "/c/list.html" => Some(1),
            _ => target
                .strip_prefix("/c/list_")
                .and_then(|t| t.strip_suffix(".html"))
                .and_then(|n| n.parse::<usize>().ok()),
        };
        if let Some(n) = page.filter(|n| *n <= REAL_PAGES) {
            return (200, HTML.to_string(), list_page(&format!("c{n}"), pager));
        }
        if target.starts_with("/art/") {
            return (200, HTML.to_string(), report(target));
        }
        not_found()
    }));
    let (out, _dir) = backfill(&server.base, "/c/list.html");
    let summary = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{summary}");
    let requests = server.requests();
    assert_in_scope(&requests, "/c/");
    let pages: Vec<&String> = requests.iter().filter(|t| t.starts_with("/c/")).collect();
    // The three pages, then three not there; a fourth may already be waiting out the host's gap
    // when the third answers (a host's queue keeps one request ready).
    assert!(
        pages.len() >= REAL_PAGES + 3 && pages.len() <= REAL_PAGES + 4,
        "{pages:?}"
    );
    let entries = requests.iter().filter(|t| t.starts_with("/art/")).count();
    assert_eq!(entries, 3 * REAL_PAGES, "{requests:?}");
    assert!(
        summary.contains("stopped: 3 pages in a row listed nothing new"),
        "{summary}"
    );
}

/// Pagers whose numbers are the largest a number can be: a query pager's 尾页 at
/// `page=18446744073709551615`, and a TRS `createPageHTML` naming that as the current page. Each
/// list page is read (its entries fetched, its page 2 walked), never given up as a page that
/// broke the reader.
#[test]
fn pager_numbers_as_large_as_a_number_can_be_do_not_break_the_page() {
    const HUGE: &str = "18446744073709551615";
    for (section, pager) in [
        (
            "/q/list.jsp?cat=1",
            format!(
                "<div class=\"page\"><a href=\"list.jsp?cat=1&amp;page=2\">2</a> \
                 <a href=\"list.jsp?cat=1&amp;page={HUGE}\">尾页</a></div>"
            ),
        ),
        (
            "/q/index.html",
            format!(
                "<div class=\"page\"><script>createPageHTML(2, {HUGE}, \"index\", \"html\");</script>\
                 <a href=\"index_1.html\">下一页</a></div>"
            ),
        ),
    ] {
        let server = RouteServer::bind("127.0.0.222");
        let first = section.to_string();
        server.serve(Arc::new(move |target: &str| {
            if target == first {
                return (200, HTML.to_string(), list_page("p1", &pager));
            }
            if target == "/q/list.jsp?cat=1&page=2" || target == "/q/index_1.html" {
                return (200, HTML.to_string(), list_page("p2", ""));
            }
            if target.starts_with("/art/") {
                return (200, HTML.to_string(), report(target));
            }
            not_found()
        }));
        let (out, _dir) = backfill(&server.base, section);
        let summary = stderr(&out);
        assert!(!summary.contains("panicked"), "{section}: {summary}");
        let requests = server.requests();
        assert_in_scope(&requests, "/q/");
        for k in 1..=3 {
            let entry = format!("/art/p1-{k}.html");
            assert!(requests.contains(&entry), "{section}: {entry}: {summary}");
        }
        let second = requests
            .iter()
            .filter(|t| *t == "/q/list.jsp?cat=1&page=2" || *t == "/q/index_1.html")
            .count();
        assert_eq!(second, 1, "{section}: {requests:?}");
        assert!(requests.len() < 20, "{section}: {requests:?}");
    }
}

/// A list whose 下一页 is answered with a redirect to the site's home page (a server's way of
/// saying the page is not there), and a home page of dated news with a pager of its own: the home
/// page is not a page of the list, so neither its news nor its pager are asked; the ledger says
/// the page was not there.
#[test]
fn a_list_page_redirected_to_the_home_page_does_not_lead_out_of_the_section() {
    let server = RouteServer::bind("127.0.0.225");
    server.serve(Arc::new(|target: &str| match target {
        "/nb/list.html" => {
            let pager = "<div class=\"page\"><a href=\"list_2.html\">下一页</a></div>";
            (200, HTML.to_string(), list_page("nb", pager))
        }
        "/nb/list_2.html" => common::route_server::redirect(302, "/"),
        "/" => {
            let news: String = (1..=6)
                .map(|k| format!("<li><a href=\"/news/{k}.html\">县政府召开常务会议研究部署工作{k}</a><span>2023-02-0{k}</span></li>"))
                .collect();
            let body = format!(
                "<html><head><meta charset=\"utf-8\"><title>某某县人民政府</title></head><body><ul>{news}</ul>\
                 <div class=\"page\"><a href=\"/news/index_2.html\">下一页</a></div></body></html>"
            );
            (200, HTML.to_string(), body.into_bytes())
        }
        t if t.starts_with("/art/") => (200, HTML.to_string(), report(t)),
        _ => not_found(),
    }));
    let (out, _dir) = backfill(&server.base, "/nb/list.html");
    let summary = stderr(&out);
    let requests = server.requests();
    let news: Vec<&String> = requests
        .iter()
        .filter(|t| t.starts_with("/news/"))
        .collect();
    assert!(
        news.is_empty(),
        "the home page's news asked: {news:?}: {summary}"
    );
    for k in 1..=3 {
        let entry = format!("/art/nb-{k}.html");
        assert!(requests.contains(&entry), "{entry}: {summary}");
    }
    assert!(
        summary.contains("page 2 failed: soft_not_found"),
        "{summary}"
    );
}

/// A menu of every year from 1900 to 2100 on the section page and on every year page, each year
/// page linking itself with another parameter (`index.html?from=nav`), under
/// `backfill --years 2008-2026`: the year lists 2008 to 2027 (`walks_year_list`: the list of the
/// year after may hold the last year's report) are walked, each page once and its reports once,
/// no year outside them is asked, and a self-link under another spelling is one page, not a
/// second walk of its year.
#[test]
fn a_menu_of_years_1900_to_2100_with_self_links_walks_only_the_years_asked() {
    const WALKED: std::ops::RangeInclusive<u32> = 2008..=2027;
    let server = RouteServer::bind("127.0.0.238");
    let menu = |current: Option<u32>| -> String {
        let links: String = (1900..=2100u32)
            .map(|y| {
                let own = if current == Some(y) { "?from=nav" } else { "" };
                format!("<a href=\"/ys/{y}/index.html{own}\">{y}年</a> ")
            })
            .collect();
        format!("<div class=\"nav\">{links}</div>")
    };
    server.serve(Arc::new(move |target: &str| {
        if target == "/ys/index.html" {
            return (200, HTML.to_string(), list_page("ys", &menu(None)));
        }
        let (path, _) = target.split_once('?').unwrap_or((target, ""));
        let year = path
            .strip_prefix("/ys/")
            .and_then(|r| r.strip_suffix("/index.html"))
            .and_then(|y| y.parse::<u32>().ok());
        if let Some(year) = year {
            return (
                200,
                HTML.to_string(),
                list_page(&year.to_string(), &menu(Some(year))),
            );
        }
        if target.starts_with("/art/") {
            return (200, HTML.to_string(), report(target));
        }
        not_found()
    }));
    let (out, _dir) = backfill_county(&server.base, "/ys/index.html", "2ms", "2008-2026");
    let summary = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{summary}");
    let requests = server.requests();
    assert_in_scope(&requests, "/ys/");
    let year_pages: Vec<&String> = requests
        .iter()
        .filter(|t| t.starts_with("/ys/") && *t != "/ys/index.html")
        .collect();
    for year in WALKED {
        let path = format!("/ys/{year}/");
        let asked = year_pages.iter().filter(|t| t.starts_with(&path)).count();
        assert_eq!(asked, 1, "{path} asked {asked} times: {summary}");
    }
    assert_eq!(year_pages.len(), WALKED.count(), "{year_pages:?}");
    let reports: Vec<&String> = requests.iter().filter(|t| t.starts_with("/art/")).collect();
    let unique: std::collections::HashSet<&&String> = reports.iter().collect();
    assert_eq!(
        reports.len(),
        unique.len(),
        "a report asked twice: {requests:?}"
    );
}
