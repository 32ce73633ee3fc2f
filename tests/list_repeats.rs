//! Lists whose pages repeat what earlier pages listed, through the real binary in a backfill: a
//! pager that never ends (every page past the last repeats it, or is empty, and links one more)
//! is walked only a few pages past the last one that listed anything new, and its ledger says
//! why it stopped; an item a shifted list shows on two pages is found once, so a report the
//! shift pushed out of sight shows as an item short of the site's own count.

mod common;

use std::sync::Arc;

use common::route_server::{RouteServer, backfill_county};
use common::stderr;

const HTML: &str = "text/html; charset=utf-8";
const PER_PAGE: usize = 5;
const REAL_PAGES: usize = 3;

fn item_page(i: usize) -> Vec<u8> {
    let year = 2000 + i;
    format!(
        "<html><head><meta charset=\"utf-8\"><title>某某县人民政府{year}年政府信息公开工作年度报告</title></head><body>\
         <h1>某某县人民政府{year}年政府信息公开工作年度报告</h1><div class=\"content\"><p>一、总体情况</p>\
         <p>{year}年，某某县人民政府认真贯彻落实《中华人民共和国政府信息公开条例》。</p></div></body></html>"
    )
    .into_bytes()
}

fn list_page(items: &[usize], stated: &str, next: usize) -> Vec<u8> {
    let entries: String = items
        .iter()
        .map(|i| {
            format!(
                "<li><a href=\"/art/{i}.html\">某某县人民政府{}年政府信息公开工作年度报告</a><span>2023-01-20</span></li>",
                2000 + i
            )
        })
        .collect();
    format!(
        "<html><head><meta charset=\"utf-8\"><title>年报</title></head><body><ul>{entries}</ul>\
         <div class=\"page\">{stated}<a href=\"/nb/list_{next}.html\">下一页</a></div></body></html>"
    )
    .into_bytes()
}

/// Page `n` of the never-ending list (`list.html` is page 1, `list_N.html` page N).
fn page_number(target: &str) -> Option<usize> {
    if target == "/nb/list.html" {
        return Some(1);
    }
    target
        .strip_prefix("/nb/list_")?
        .strip_suffix(".html")?
        .parse()
        .ok()
}

fn items_of(n: usize) -> Vec<usize> {
    let first = (n - 1) * PER_PAGE + 1;
    (first..first + PER_PAGE).collect()
}

fn not_found() -> (u16, String, Vec<u8>) {
    (
        404,
        HTML.to_string(),
        b"<html><body>404</body></html>".to_vec(),
    )
}

fn item(target: &str) -> Option<usize> {
    target
        .strip_prefix("/art/")?
        .strip_suffix(".html")?
        .parse()
        .ok()
}

fn backfill(base: &str, section: &str) -> (std::process::Output, tempfile::TempDir) {
    backfill_county(base, section, "5ms", "2000-2030")
}

#[test]
fn a_pager_that_never_ends_is_left_after_a_few_pages_that_list_nothing_new() {
    for past_the_end in ["the last page again", "an empty page"] {
        let server = RouteServer::bind("127.0.0.85");
        server.serve(Arc::new(move |target: &str| {
            if let Some(n) = page_number(target) {
                let items = match (n <= REAL_PAGES, past_the_end) {
                    (true, _) => items_of(n),
                    (false, "an empty page") => Vec::new(),
                    (false, _) => items_of(REAL_PAGES),
                };
                return (200, HTML.to_string(), list_page(&items, "", n + 1));
            }
            match item(target) {
                Some(i) if i <= REAL_PAGES * PER_PAGE => (200, HTML.to_string(), item_page(i)),
                _ => not_found(),
            }
        }));
        let (out, _dir) = backfill(&server.base, "/nb/list.html");
        let summary = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "{past_the_end}: {summary}");
        let requests = server.requests();
        let pages: Vec<usize> = requests.iter().filter_map(|t| page_number(t)).collect();
        // Three real pages, then three that list nothing new; the third ends the walk.
        assert_eq!(
            pages,
            (1..=REAL_PAGES + 3).collect::<Vec<_>>(),
            "{past_the_end}"
        );
        let items: std::collections::BTreeSet<usize> =
            requests.iter().filter_map(|t| item(t)).collect();
        assert_eq!(items.len(), REAL_PAGES * PER_PAGE, "{past_the_end}");
        assert!(
            summary.contains("incomplete: stopped: 3 pages in a row listed nothing new"),
            "{past_the_end}: {summary}"
        );
    }
}

/// Page 1 is served with 共16条 before a new report (16) lands at the top; pages 2 to 4 are served
/// from the shifted list, so item 11, the last of page 2 before the shift, is also the first of
/// page 3 after it, and report 16 is on no page the walk saw. Found 15 (not 16) of 16 stated.
#[test]
fn an_item_a_shifted_list_shows_twice_is_found_once() {
    let server = RouteServer::bind("127.0.0.86");
    server.serve(Arc::new(|target: &str| {
        let before: Vec<usize> = (1..=15).rev().collect();
        let after: Vec<usize> = (1..=16).rev().collect();
        let page = |list: &[usize], n: usize| -> Vec<usize> {
            list.iter()
                .skip((n - 1) * PER_PAGE)
                .take(PER_PAGE)
                .copied()
                .collect()
        };
        if let Some(n) = page_number(target).filter(|n| *n <= 4) {
            let (list, stated) = if n == 1 { (&before, 15) } else { (&after, 16) };
            let count = format!("共{stated}条 共4页 当前第{n}页 ");
            return (
                200,
                HTML.to_string(),
                list_page(&page(list, n), &count, n + 1),
            );
        }
        match item(target) {
            Some(i) if i <= 16 => (200, HTML.to_string(), item_page(i)),
            _ => not_found(),
        }
    }));
    let (out, _dir) = backfill(&server.base, "/nb/list.html");
    let summary = stderr(&out);
    let line = summary
        .lines()
        .find(|l| l.contains("list all:"))
        .unwrap_or_else(|| panic!("a ledger line: {summary}"));
    assert!(line.contains("found 15 items"), "{line}");
    assert!(
        line.contains("[incomplete: found 15 of 16 stated items]"),
        "{line}"
    );
    let requests = server.requests();
    assert!(!requests.contains(&"/art/16.html".to_string()));
    assert_eq!(
        requests.iter().filter(|t| *t == "/art/11.html").count(),
        1,
        "{requests:?}"
    );
}

/// A list stating 共200页 whose server answers every page number with page 1 (it ignores the
/// number): the stated count queues all 200 pages at once, and the walk must still end three
/// pages after the last one that listed anything new (one more at most), as a pager that never
/// ends does.
#[test]
fn pages_queued_from_a_stated_count_are_not_asked_once_the_list_repeats() {
    const STATED: usize = 200;
    let server = RouteServer::bind("127.0.0.87");
    server.serve(Arc::new(|target: &str| {
        if page_number(target).is_some() {
            let count = format!("共{}条 共{STATED}页 ", STATED * PER_PAGE);
            return (200, HTML.to_string(), list_page(&items_of(1), &count, 2));
        }
        match item(target) {
            Some(i) if i <= PER_PAGE => (200, HTML.to_string(), item_page(i)),
            _ => not_found(),
        }
    }));
    let (out, _dir) = backfill(&server.base, "/nb/list.html");
    let summary = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{summary}");
    let requests = server.requests();
    let pages: Vec<usize> = requests.iter().filter_map(|t| page_number(t)).collect();
    // The count was read: pages past the pager's own 下一页 were queued.
    assert!(pages.contains(&3), "{pages:?}");
    // Page 1 lists five reports, pages 2 to 4 nothing new; a fifth may already be waiting out
    // the host's gap when the fourth is read (a host's queue keeps one request ready).
    assert!(pages.starts_with(&[1, 2, 3, 4]), "{pages:?}");
    assert!(pages.len() <= 5, "{pages:?}: {summary}");
    assert!(
        summary.contains("incomplete: stopped: 3 pages in a row listed nothing new"),
        "{summary}"
    );
}

/// A broken pager: the list states 共3页, and the page its 下一页 leads to answers with page 1
/// again (当前第1页, the same entries), so the walk ends there. The ledger says page 2 was asked
/// and answered as page 1, and names only page 3 as not walked.
#[test]
fn a_page_answered_as_page_one_is_named_as_asked_not_as_not_walked() {
    let server = RouteServer::bind("127.0.0.141");
    server.serve(Arc::new(|target: &str| {
        if target == "/nb/list.html" || target.starts_with("/nb/more.html") {
            let entries: String = items_of(1)
                .iter()
                .map(|i| {
                    format!(
                        "<li><a href=\"/art/{i}.html\">某某县人民政府{}年政府信息公开工作年度报告</a><span>2023-01-20</span></li>",
                        2000 + i
                    )
                })
                .collect();
            let page = format!(
                "<html><head><meta charset=\"utf-8\"><title>年报</title></head><body><ul>{entries}</ul>\
                 <div class=\"page\">共3页 当前第1页 <a href=\"/nb/more.html?t=2\">下一页</a></div></body></html>"
            );
            return (200, HTML.to_string(), page.into_bytes());
        }
        match item(target) {
            Some(i) if i <= PER_PAGE => (200, HTML.to_string(), item_page(i)),
            _ => not_found(),
        }
    }));
    let (out, _dir) = backfill(&server.base, "/nb/list.html");
    let summary = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{summary}");
    let requests = server.requests();
    assert!(
        requests.iter().any(|t| t == "/nb/more.html?t=2"),
        "{requests:?}"
    );
    assert!(
        summary.contains("[incomplete: page 2 asked, answered as page 1; page 3 not walked]"),
        "{summary}"
    );
}
