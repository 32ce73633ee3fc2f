//! Links in list pages, through the real binary in a backfill (and a second night's crawl): links
//! written every way (`../../`, `./`, `//host/`, `?page=2` alone, `#`, a script's `onclick`,
//! whitespace and full-width characters inside, a path escaped in GBK and in UTF-8) under each
//! kind of `<base href>`; an ASP.NET cookieless session path new at every visit and a time stamp
//! new at every visit in every report link; and lists nianbao cannot read (in a script's
//! `list.js` or `data.json`, behind a `<select>` pager a script runs), which the ledger names.

mod common;
mod list_forms_support;

use std::collections::HashMap;
use std::sync::Arc;

use common::route_server::{
    RouteServer, backfill_county, crawled_county, newest_run_report, redirect, run_nianbao,
};
use common::{assert_in_scope, stderr};
use list_forms_support::*;

/// An entry of a list: a dated row linking `href` (raw, as the page writes it).
fn entry(href: &str, k: usize) -> String {
    format!(
        "<li><a href=\"{href}\">某某县人民政府政府信息公开工作年度报告（{k}）</a><span>2023-01-{:02}</span></li>",
        28 - k
    )
}

fn entry_with(attrs: &str, k: usize) -> String {
    format!(
        "<li><a {attrs}>某某县人民政府政府信息公开工作年度报告（{k}）</a><span>2023-01-{:02}</span></li>",
        28 - k
    )
}

/// Links written every way on one list and under each kind of `<base href>`, each list its own
/// portal on one host; a second host that a `<base>` names. Every report is asked once under the
/// URL a browser would ask, every list page once, none another page does not lead to; the other
/// host is asked nothing and the ledger names it.
#[test]
fn links_written_every_way_and_every_base_lead_where_a_browser_goes() {
    let other = RouteServer::bind("127.0.0.203");
    other.serve(Arc::new(|_: &str| not_found()));
    let other_base = other.base.clone();
    let server = RouteServer::bind("127.0.0.202");
    let host = server.base.trim_start_matches("http://").to_string();
    let links_page: String = [
        entry("../../2020/t1.html", 1),
        entry("./t2.html", 2),
        entry(&format!("//{host}/a/b/nb/t3.html"), 3),
        entry_with(
            "href=\"javascript:void(0)\" onclick=\"window.open('t4.html')\"",
            4,
        ),
        entry(" t5\n\t.html ", 5),
        entry("t 6.html", 6),
        entry("t７.html", 7),
        entry("%C4%EA%B1%A8.html", 8),
        entry("年报.html", 9),
        entry("#", 10),
    ]
    .concat();
    let links_page =
        format!("<ul>{links_page}</ul><div class=\"page\"><a href=\"?page=2\">下一页</a></div>");
    let lists: HashMap<String, Vec<u8>> = [
        ("/a/b/nb/index.html".to_string(), page("", &links_page)),
        (
            "/a/b/nb/index.html?page=2".to_string(),
            page(
                "",
                &format!("<ul>{}</ul><a href=\"#\">下一页</a>", entry("t11.html", 11)),
            ),
        ),
        (
            "/base/folder/index.html".to_string(),
            page(
                "<base href=\"/base/other/\">",
                &format!(
                    "<ul>{}{}</ul><a href=\"index_1.html\">下一页</a>",
                    entry("f1.html", 1),
                    entry("f2.html", 2)
                ),
            ),
        ),
        (
            "/base/other/index_1.html".to_string(),
            page(
                "<base href=\"/base/other/\">",
                &format!("<ul>{}</ul>", entry("f3.html", 3)),
            ),
        ),
        (
            "/host/index.html".to_string(),
            page(
                &format!("<base href=\"{other_base}/nb/\">"),
                &format!(
                    "<ul>{}{}</ul><a href=\"index_1.html\">下一页</a>",
                    entry("h1.html", 1),
                    entry("/host/h2.html", 2)
                ),
            ),
        ),
        (
            "/rel/y/index.html".to_string(),
            page(
                "<base href=\"../\">",
                &format!(
                    "<ul>{}{}</ul><a href=\"y/index_1.html\">下一页</a>",
                    entry("r1.html", 1),
                    entry("y/r2.html", 2)
                ),
            ),
        ),
        (
            "/rel/y/index_1.html".to_string(),
            page(
                "<base href=\"../\">",
                &format!("<ul>{}</ul>", entry("r3.html", 3)),
            ),
        ),
        (
            "/two/index.html".to_string(),
            page(
                "<base href=\"/two/a/\"><base href=\"/two/b/\">",
                &format!("<ul>{}{}</ul>", entry("w1.html", 1), entry("w2.html", 2)),
            ),
        ),
    ]
    .into_iter()
    .collect();
    server.serve(Arc::new(move |target: &str| {
        if let Some(body) = lists.get(target) {
            return (200, HTML.to_string(), body.clone());
        }
        if target.ends_with(".html") {
            return (200, HTML.to_string(), report(target));
        }
        not_found()
    }));
    let dir = tempfile::tempdir().expect("scratch dir");
    let sections = ["links", "folder", "host", "relative", "two"];
    let portals: Vec<(&str, String)> = sections
        .iter()
        .zip([
            "/a/b/nb/index.html",
            "/base/folder/index.html",
            "/host/index.html",
            "/rel/y/index.html",
            "/two/index.html",
        ])
        .map(|(name, path)| (*name, format!("{}{path}", server.base)))
        .collect();
    let config = common::route_server::portals_config(dir.path(), &portals);
    let out = run_nianbao(&config, &["backfill", "--years", "2000-2100"]);
    let summary = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{summary}");
    let mut requests = server.requests();
    requests.retain(|t| t != "/robots.txt");
    requests.sort();
    let mut expected: Vec<&str> = vec![
        // The lists' pages, each once.
        "/a/b/nb/index.html",
        "/a/b/nb/index.html?page=2",
        "/base/folder/index.html",
        "/base/other/index_1.html",
        "/host/index.html",
        "/rel/y/index.html",
        "/rel/y/index_1.html",
        "/two/index.html",
        // Their reports, each once, where a browser would ask them.
        "/a/2020/t1.html",
        "/a/b/nb/t2.html",
        "/a/b/nb/t3.html",
        "/a/b/nb/t4.html",
        "/a/b/nb/t5.html",
        "/a/b/nb/t%206.html",
        "/a/b/nb/t%EF%BC%97.html",
        "/a/b/nb/%C4%EA%B1%A8.html",
        "/a/b/nb/%E5%B9%B4%E6%8A%A5.html",
        "/a/b/nb/t11.html",
        "/base/other/f1.html",
        "/base/other/f2.html",
        "/base/other/f3.html",
        "/rel/r1.html",
        "/rel/y/r2.html",
        "/rel/r3.html",
        "/two/a/w1.html",
        "/two/a/w2.html",
    ];
    expected.sort();
    assert_eq!(requests, expected, "{summary}");
    assert!(
        other.requests().is_empty(),
        "the host the <base> names was asked: {:?}",
        other.requests()
    );
    let run = newest_run_report(dir.path());
    let ledger = &run["portals"]["host"]["lists"]["all"];
    let other_host = other_base.trim_start_matches("http://");
    assert!(
        ledger.to_string().contains(other_host),
        "the ledger does not name {other_host}: {ledger}"
    );
    assert!(
        ledger["stops"]
            .to_string()
            .contains("on another site was not walked"),
        "{ledger}"
    );
}

/// The path of a request without its ASP.NET cookieless session segment (`/(S(…))`).
fn without_cookieless(target: &str) -> String {
    match target.strip_prefix("/(S(").and_then(|t| t.split_once("))")) {
        Some((_, rest)) => rest.to_string(),
        None => target.to_string(),
    }
}

/// An ASP.NET portal that keeps sessions in its URLs: any path without a session is redirected
/// to the same path under a session new at every visit (`/(S(…))/gk/list.aspx`), and every
/// report link also carries the second it was written at (`?t=1700000123`). Two pages of three
/// reports, crawled two nights: the first asks each report once (after its redirect), the
/// walk ends at the list's end, and the second night knows every report under the URL the first
/// night saw (they were fetched within `revisit_after`): no report is asked again.
#[test]
fn a_session_path_and_a_time_stamp_new_at_every_visit_make_no_report_new() {
    let server = RouteServer::bind("127.0.0.204");
    let visits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    server.serve(Arc::new(move |target: &str| {
        let visit = visits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if !target.starts_with("/(S(") {
            return redirect(
                302,
                &format!("/(S(v{visit:024}))/{}", target.trim_start_matches('/')),
            );
        }
        let target = without_cookieless(target);
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let number = match (path, query) {
            ("/gk/list.aspx", "") => Some(1),
            ("/gk/list.aspx", "page=2") => Some(2),
            _ => None,
        };
        if let Some(n) = number {
            let stamp = 1_700_000_000 + visit;
            let entries: String = (1..=3)
                .map(|i| entry(&format!("art/{n}-{i}.aspx?t={stamp}"), i))
                .collect();
            let pager = match n {
                1 => "<div class=\"page\">共2页 <a href=\"list.aspx?page=2\">下一页</a></div>",
                _ => "<div class=\"page\">共2页 <a href=\"list.aspx\">上一页</a></div>",
            };
            return (
                200,
                HTML.to_string(),
                page("", &format!("<ul>{entries}</ul>{pager}")),
            );
        }
        if path.starts_with("/gk/art/") {
            return (200, HTML.to_string(), report(path));
        }
        not_found()
    }));
    let (_dir, config) = crawled_county(format!("{}/gk/list.aspx", server.base));
    let first: Vec<String> = server.requests();
    let in_session: Vec<String> = first
        .iter()
        .filter(|t| t.starts_with("/(S("))
        .map(|t| without_cookieless(t))
        .collect();
    for n in 1..=2 {
        for i in 1..=3 {
            let path = format!("/gk/art/{n}-{i}.aspx");
            let asked = in_session.iter().filter(|t| t.starts_with(&path)).count();
            assert_eq!(asked, 1, "{path} asked {asked} times: {first:?}");
        }
    }
    let lists = in_session
        .iter()
        .filter(|t| t.starts_with("/gk/list"))
        .count();
    assert_eq!(lists, 2, "{first:?}");
    let out = run_nianbao(&config, &["crawl"]);
    let summary = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{summary}");
    let second = &server.requests()[first.len()..];
    let reports: Vec<&String> = second.iter().filter(|t| t.contains("/art/")).collect();
    assert!(
        reports.is_empty(),
        "reports asked again: {reports:?}: {summary}"
    );
}

/// A channel whose year lists nianbao cannot read: one filled by a `list.js` the page loads, one
/// by a `data.json` a script fetches, one whose entries are in an `<iframe>` (followed: its
/// reports are asked), and one whose further pages a `<select>` jump box opens by script. The
/// ledger of each list it could not read says so and names what it saw, rather than calling the
/// list walked (such a year page was a failed `empty_template`, which did not say why).
#[test]
fn lists_in_a_script_or_behind_a_scripted_jump_box_are_named_in_the_ledger() {
    let server = RouteServer::bind("127.0.0.205");
    let years: String = (2021..=2024)
        .map(|y| format!("<a href=\"/u/{y}/index.html\">{y}年</a> "))
        .collect();
    let lists: HashMap<&str, Vec<u8>> = [
        ("/u/index.html", page("", &format!("<div class=\"years\">{years}</div>"))),
        (
            "/u/2021/index.html",
            page(
                "<script src=\"/js/jquery.min.js\"></script><script src=\"list.js\"></script>",
                "<ul id=\"list\"></ul>",
            ),
        ),
        (
            "/u/2022/index.html",
            page(
                "",
                "<ul id=\"list\"></ul><script>$.getJSON('data.json', function (d) { show(d); });</script>",
            ),
        ),
        (
            "/u/2023/index.html",
            page("", "<iframe src=\"frame.html\" width=\"800\"></iframe>"),
        ),
        (
            "/u/2023/frame.html",
            page("", &format!("<ul>{}{}</ul>", entry("/art/23-1.html", 1), entry("/art/23-2.html", 2))),
        ),
        (
            "/u/2024/index.html",
            page(
                "",
                &format!(
                    "<ul>{}{}</ul><select onchange=\"goPage(this.value)\"><option value=\"1\">1</option><option value=\"2\">2</option><option value=\"3\">3</option></select>",
                    entry("/art/24-1.html", 1),
                    entry("/art/24-2.html", 2)
                ),
            ),
        ),
    ]
    .into_iter()
    .collect();
    server.serve(Arc::new(move |target: &str| {
        if let Some(body) = lists.get(target) {
            return (200, HTML.to_string(), body.clone());
        }
        if target.starts_with("/art/") {
            return (200, HTML.to_string(), report(target));
        }
        not_found()
    }));
    let (out, dir) = backfill_county(&server.base, "/u/index.html", "1ms", "2020-2025");
    let summary = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{summary}");
    let requests = server.requests();
    assert_in_scope(&requests, "/u/");
    for report in [
        "/art/23-1.html",
        "/art/23-2.html",
        "/art/24-1.html",
        "/art/24-2.html",
    ] {
        let asked = requests.iter().filter(|t| *t == report).count();
        assert_eq!(asked, 1, "{report} asked {asked} times: {summary}");
    }
    let run = newest_run_report(dir.path());
    let lists = &run["portals"][PORTAL]["lists"];
    for (year, seen) in [
        ("2021", "list.js"),
        ("2022", "data.json"),
        ("2024", "a jump box of 3 pages"),
    ] {
        let stops = lists[year]["stops"].to_string();
        assert!(
            stops.contains("needs_javascript") && stops.contains(seen),
            "{year}: {}",
            lists[year]
        );
    }
    assert_eq!(lists["2023"]["found"], 2, "{}", lists["2023"]);
}
