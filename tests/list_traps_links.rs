//! Portals whose links change at every request, through the real binary in a backfill and a
//! second night's crawl: a new session id in every link (`;jsessionid=N`) or a new cache-buster
//! (`_=…`, `r=0.…`, `spm=…`) makes neither a pager that never ends nor known reports new.

mod common;
mod list_traps_support;

use std::sync::Arc;

use common::route_server::RouteServer;
use common::{assert_in_scope, stderr};
use list_traps_support::*;

/// The path of a request target without the `;jsessionid=…` a Java server writes into every link
/// for a visitor that keeps no cookie, and the session that server hands out at each request.
fn without_session(target: &str) -> String {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let path = path.split(";jsessionid=").next().unwrap_or(path);
    match query {
        "" => path.to_string(),
        _ => format!("{path}?{query}"),
    }
}

/// The list page of number N: its entries' ids and the number its 下一页 links; `None`: not there.
type SessionList = fn(usize) -> Option<(Vec<usize>, Option<usize>)>;

/// A route whose every link carries a session id new at each request (`;jsessionid=N`), as a
/// Java portal rewrites its links for a visitor that keeps no cookie. `page` answers the list
/// page of number N (1 for `/s/list.jsp`, N for `?page=N`) with its entries' ids and the number
/// its 下一页 links (`None`: no pager).
fn session_portal(page: SessionList) -> RouteServer {
    let server = RouteServer::bind("127.0.0.224");
    let sessions = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    server.serve(Arc::new(move |target: &str| {
        let session = sessions.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let target = without_session(target);
        let number = match target.as_str() {
            "/s/list.jsp" => Some(1),
            _ => target
                .strip_prefix("/s/list.jsp?page=")
                .and_then(|n| n.parse::<usize>().ok()),
        };
        if let Some((ids, next)) = number.and_then(page) {
            let entries: String = ids
                .iter()
                .map(|i| {
                    format!(
                        "<li><a href=\"/art/{i}.jsp;jsessionid=S{session}\">某某县人民政府政府信息公开工作年度报告（{i}）</a><span>2023-01-{:02}</span></li>",
                        28 - i
                    )
                })
                .collect();
            let pager = next.map_or(String::new(), |n| {
                format!("<div class=\"page\"><a href=\"list.jsp;jsessionid=S{session}?page={n}\">下一页</a></div>")
            });
            let body = format!(
                "<html><head><meta charset=\"utf-8\"><title>年报</title></head><body><ul>{entries}</ul>{pager}</body></html>"
            );
            return (200, HTML.to_string(), body.into_bytes());
        }
        if target.starts_with("/art/") {
            return (200, HTML.to_string(), report(&target));
        }
        not_found()
    }));
    server
}

/// A pager that never ends (下一页 to page N+1 on every page) whose pages all list the same three
/// reports, each link with the session id the server hands out at that request. The same report
/// under a new session id is not a new entry: the walk is left after three pages that list
/// nothing new, and each report is asked once, rather than the list walked to `max_list_pages`
/// and every report fetched again on every page.
#[test]
fn session_ids_in_every_link_do_not_make_a_pager_that_never_ends_new() {
    let server = session_portal(|n| Some((vec![1, 2, 3], Some(n + 1))));
    let (out, _dir) = backfill(&server.base, "/s/list.jsp");
    let summary = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{summary}");
    let requests: Vec<String> = server
        .requests()
        .iter()
        .map(|t| without_session(t))
        .collect();
    assert_in_scope(&requests, "/s/");
    for i in 1..=3 {
        let path = format!("/art/{i}.jsp");
        let asked = requests.iter().filter(|t| **t == path).count();
        assert_eq!(asked, 1, "{path} asked {asked} times: {summary}");
    }
    let pages = requests.iter().filter(|t| t.starts_with("/s/")).count();
    assert!(pages <= 6, "{pages} list pages asked: {summary}");
    assert!(
        summary.contains("stopped: 3 pages in a row listed nothing new"),
        "{summary}"
    );
}

/// A list of two pages whose links carry a new session id at every request: the second night's
/// crawl knows its reports under the ids the first night saw, so it stops at the first page of
/// known reports and fetches none of them again (they were fetched within `revisit_after`).
#[test]
fn session_ids_in_every_link_do_not_make_known_reports_new_the_next_night() {
    let server = session_portal(|n| match n {
        1 => Some((vec![1, 2, 3], Some(2))),
        2 => Some((vec![4, 5, 6], None)),
        _ => None,
    });
    let (_dir, config) =
        common::route_server::crawled_county(format!("{}/s/list.jsp", server.base));
    let first = server.requests().len();
    let out = common::route_server::run_nianbao(&config, &["crawl"]);
    let summary = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{summary}");
    let second: Vec<String> = server.requests()[first..]
        .iter()
        .map(|t| without_session(t))
        .collect();
    let reports: Vec<&String> = second.iter().filter(|t| t.starts_with("/art/")).collect();
    assert!(
        reports.is_empty(),
        "reports asked again: {reports:?}: {summary}"
    );
    assert!(
        !second.contains(&"/s/list.jsp?page=2".to_string()),
        "{second:?}: {summary}"
    );
}

/// A Hanweb-like list (`list.html?uid=7&pageNum=N`, 下一頁 in Traditional) whose pager never
/// ends, each page listing the same three reports, and whose every link carries a stamp new at
/// each request (jQuery's `_=…`, a `Math.random()`, an `spm` tracker). The same report under a new stamp is not a new entry: each report is
/// asked once and the walk is left after three pages that list nothing new, rather than walked to
/// `max_list_pages` with every report fetched again on every page; `uid` and `pageNum`, which
/// name the page, are kept.
#[test]
fn cache_busters_in_every_link_do_not_make_a_pager_that_never_ends_new() {
    let server = RouteServer::bind("127.0.0.236");
    let visits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    server.serve(Arc::new(move |target: &str| {
        let visit = visits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        if path == "/c/list.html" {
            let number = query
                .split('&')
                .find_map(|p| p.strip_prefix("pageNum="))
                .map_or(Some(1), |n| n.parse::<usize>().ok());
            let Some(number) = number else {
                return not_found();
            };
            let stamp = format!("_={}&r=0.{visit:016}&spm=a.{visit}", 1_700_000_000_000usize + visit);
            let entries: String = (1..=3)
                .map(|i| {
                    format!(
                        "<li><a href=\"/art/{i}.html?{stamp}\">某某县人民政府政府信息公开工作年度报告（{i}）</a><span>2023-01-2{i}</span></li>"
                    )
                })
                .collect();
            let pager = format!(
                "<div class=\"page\"><a href=\"list.html?uid=7&pageNum={}&{stamp}\">下一頁</a></div>",
                number + 1
            );
            let body = format!(
                "<html><head><meta charset=\"utf-8\"><title>年报</title></head><body><ul>{entries}</ul>{pager}</body></html>"
            );
            return (200, HTML.to_string(), body.into_bytes());
        }
        if path.starts_with("/art/") {
            return (200, HTML.to_string(), report(path));
        }
        not_found()
    }));
    let (out, _dir) = backfill(&server.base, "/c/list.html");
    let summary = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{summary}");
    let requests = server.requests();
    assert_in_scope(&requests, "/c/");
    for i in 1..=3 {
        let path = format!("/art/{i}.html");
        let asked = requests.iter().filter(|t| t.starts_with(&path)).count();
        assert_eq!(asked, 1, "{path} asked {asked} times: {summary}");
    }
    let pages: Vec<&String> = requests.iter().filter(|t| t.starts_with("/c/")).collect();
    assert!(pages.len() <= 6, "{pages:?}: {summary}");
    assert!(
        pages.iter().skip(1).all(|t| t.contains("uid=7&pageNum=")),
        "{pages:?}"
    );
}
