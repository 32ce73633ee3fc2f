//! List pages in the forms portals print them, through the real binary in a backfill (and a
//! second night's crawl), with assertions on what the servers saw and on the run report: pages of
//! 10, 15, 20 and 50 entries whose last page holds one, pagers numbered from 0 (`index_0.html`,
//! `?page=0`) or from 1 (`index_1.html` as TRS numbers it, or `index_2.html`), printed as
//! `上一页 1 2 3 … 17 下一页 尾页`, as a `<select>`, as a TRS `createPageHTML` script, as
//! `共17页 第1页`, and in Traditional with full-width digits (`共１７頁`, `下一頁`, `末頁`); links
//! written every way (`../../`, `./`, `//host/`, `?page=2` alone, `#`, a script's `onclick`,
//! whitespace and full-width characters inside, a path escaped in GBK and in UTF-8) under each
//! kind of `<base href>`; an ASP.NET cookieless session path new at every visit and a time stamp
//! new at every visit in every report link; and lists nianbao cannot read (in a script's
//! `list.js` or `data.json`, behind a `<select>` pager a script runs), which the ledger names.
//! Every report is asked once, no list page outside the section is asked, and every walk ends.

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use common::route_server::{
    RouteServer, backfill_county, crawled_county, newest_run_report, redirect, run_nianbao,
};
use common::stderr;

const HTML: &str = "text/html; charset=utf-8";
const PORTAL: &str = "某某县人民政府";

fn report(path: &str) -> Vec<u8> {
    format!(
        "<html><head><meta charset=\"utf-8\"><title>某某县人民政府2023年政府信息公开工作年度报告</title></head><body>\
         <h1>某某县人民政府2023年政府信息公开工作年度报告</h1><div class=\"content\"><p>一、总体情况</p>\
         <p>{path}：某某县人民政府认真贯彻落实《中华人民共和国政府信息公开条例》。</p></div></body></html>"
    )
    .into_bytes()
}

fn not_found() -> (u16, String, Vec<u8>) {
    (
        404,
        HTML.to_string(),
        b"<html><body>404</body></html>".to_vec(),
    )
}

fn page(head: &str, body: &str) -> Vec<u8> {
    format!(
        "<html><head><meta charset=\"utf-8\"><title>年报</title>{head}</head><body>{body}</body></html>"
    )
    .into_bytes()
}

/// How a list names its pages and prints its pager.
#[derive(Clone, Copy, Debug)]
enum Form {
    /// `createPageHTML(17, 0, "index", "html")`, pages `index.html`, `index_1.html` ….
    TrsScript,
    /// `上一页 1 2 3 … 17 下一页 尾页` over `index.html`, `index_1.html` … (TRS numbering).
    EllipsisTrs,
    /// The same over `index.html`, `index_2.html` … (page 2 is `index_2`).
    EllipsisFromTwo,
    /// Every page linked by number, page 1 as `index_0.html` (which the section page also is).
    FromZeroFiles,
    /// `list.jsp?page=0` is page 1: 首页, 下一页 and 尾页 links.
    QueryFromZero,
    /// `<a href="?page=3">下一页</a>`: a query alone, relative to the page.
    QueryAlone,
    /// A `<select>` whose options are the pages' URLs.
    SelectOfPages,
    /// `共17页 第1页` and a 下一页 link.
    StatedCount,
    /// `共１７頁 第１頁` with 下一頁 and 末頁 links.
    TraditionalFullWidth,
}

impl Form {
    fn section(self) -> &'static str {
        match self {
            Form::QueryFromZero | Form::QueryAlone => "/nb/list.jsp",
            _ => "/nb/index.html",
        }
    }

    /// The request target of page `k` (1-based) as the pager links it.
    fn target(self, k: usize) -> String {
        match self {
            Form::QueryFromZero => format!("/nb/list.jsp?page={}", k - 1),
            Form::QueryAlone if k == 1 => "/nb/list.jsp".into(),
            Form::QueryAlone => format!("/nb/list.jsp?page={k}"),
            Form::FromZeroFiles => format!("/nb/index_{}.html", k - 1),
            Form::EllipsisFromTwo if k > 1 => format!("/nb/index_{k}.html"),
            _ if k == 1 => "/nb/index.html".into(),
            _ => format!("/nb/index_{}.html", k - 1),
        }
    }

    /// The href of page `k` as the pager writes it.
    fn href(self, k: usize) -> String {
        let target = self.target(k);
        match self {
            Form::QueryAlone => format!("?page={k}"),
            _ => target.trim_start_matches("/nb/").to_string(),
        }
    }

    fn pager(self, k: usize, pages: usize) -> String {
        let a = |n: usize, label: &str| format!("<a href=\"{}\">{label}</a>", self.href(n));
        let next = |label: &str| {
            if k < pages {
                a(k + 1, label)
            } else {
                String::new()
            }
        };
        match self {
            Form::TrsScript => format!(
                "<div class=\"page\"><script>createPageHTML({pages}, {}, \"index\", \"html\");</script></div>",
                k - 1
            ),
            Form::EllipsisTrs | Form::EllipsisFromTwo => {
                let numbers: String = [1, 2, 3, pages]
                    .into_iter()
                    .filter(|n| *n <= pages)
                    .map(|n| match n == k {
                        true => format!("<span>{n}</span> "),
                        false => format!("{} ", a(n, &n.to_string())),
                    })
                    .collect();
                let prev = if k > 1 {
                    a(k - 1, "上一页")
                } else {
                    String::new()
                };
                format!(
                    "<div class=\"page\">{prev} {numbers}… {} {}</div>",
                    next("下一页"),
                    a(pages, "尾页")
                )
            }
            Form::FromZeroFiles => {
                let numbers: String = (1..=pages)
                    .map(|n| match n == k {
                        true => format!("<span>{n}</span> "),
                        false => format!("{} ", a(n, &n.to_string())),
                    })
                    .collect();
                format!("<div class=\"page\">{numbers}</div>")
            }
            Form::QueryFromZero => format!(
                "<div class=\"page\">{} {} {}</div>",
                a(1, "首页"),
                next("下一页"),
                a(pages, "尾页")
            ),
            Form::QueryAlone => format!("<div class=\"page\">{}</div>", next("下一页")),
            Form::SelectOfPages => {
                let options: String = (1..=pages)
                    .map(|n| format!("<option value=\"{}\">{n}</option>", self.href(n)))
                    .collect();
                format!(
                    "<div class=\"page\"><select onchange=\"location.href=this.value\">{options}</select></div>"
                )
            }
            Form::StatedCount => {
                format!(
                    "<div class=\"page\">共{pages}页 第{k}页 {}</div>",
                    next("下一页")
                )
            }
            Form::TraditionalFullWidth => format!(
                "<div class=\"page\">共{}頁 第{}頁 {} {}</div>",
                full_width(pages),
                full_width(k),
                next("下一頁"),
                a(pages, "末頁")
            ),
        }
    }
}

/// `17` as `１７`.
fn full_width(n: usize) -> String {
    n.to_string()
        .chars()
        .map(|c| char::from_u32(u32::from(c) - u32::from('0') + u32::from('０')).unwrap_or(c))
        .collect()
}

/// A list of `total` reports in pages of `size` in the given form: page k's entries, its pager,
/// and the reports at `/art/{tag}-{i}.html`. `index_0.html` is page 1 too, and the section page
/// of a `?page=0` list is its page 1.
fn form_portal(form: Form, size: usize, total: usize) -> RouteServer {
    let server = RouteServer::bind("127.0.0.201");
    let pages = total.div_ceil(size);
    let mut numbers: HashMap<String, usize> = (1..=pages).map(|k| (form.target(k), k)).collect();
    numbers.insert(form.section().to_string(), 1);
    let tag = format!("{form:?}");
    server.serve(Arc::new(move |target: &str| {
        if let Some(&k) = numbers.get(target) {
            let entries: String = ((k - 1) * size + 1..=(k * size).min(total))
                .map(|i| {
                    format!(
                        "<li><a href=\"/art/{tag}-{i}.html\">某某县人民政府政府信息公开工作年度报告（{i}）</a><span>2023-{:02}-{:02}</span></li>",
                        12 - i / 28 % 12,
                        28 - i % 28
                    )
                })
                .collect();
            let body = format!("<ul>{entries}</ul>{}", form.pager(k, pages));
            return (200, HTML.to_string(), page("", &body));
        }
        if target.starts_with("/art/") {
            return (200, HTML.to_string(), report(target));
        }
        not_found()
    }));
    server
}

/// Every request but robots.txt is a page of the section (`/nb/`) or a report (`/art/`).
fn assert_in_scope(requests: &[String], prefix: &str) {
    let outside: Vec<&String> = requests
        .iter()
        .filter(|t| !t.starts_with(prefix) && !t.starts_with("/art/") && *t != "/robots.txt")
        .collect();
    assert!(
        outside.is_empty(),
        "requests outside the section: {outside:?}"
    );
}

/// Each pager form, at a page size of 10, 15, 20 or 50 entries and a last page of one: every
/// report is asked once, every list page at most once (page 1 under a second name counted), none
/// outside the section, and the ledger found every report with no page left unwalked.
#[test]
fn every_pager_form_at_every_page_size_finds_each_report_once() {
    let forms = [
        (Form::TrsScript, 10, 161),
        (Form::EllipsisTrs, 10, 161),
        (Form::EllipsisFromTwo, 15, 46),
        (Form::FromZeroFiles, 20, 41),
        (Form::QueryFromZero, 50, 101),
        (Form::QueryAlone, 10, 21),
        (Form::SelectOfPages, 15, 31),
        (Form::StatedCount, 20, 41),
        (Form::TraditionalFullWidth, 10, 161),
    ];
    for (form, size, total) in forms {
        let server = form_portal(form, size, total);
        let (out, dir) = backfill_county(&server.base, form.section(), "1ms", "2000-2100");
        let summary = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "{form:?}: {summary}");
        let requests = server.requests();
        assert_in_scope(&requests, "/nb/");
        for i in 1..=total {
            let path = format!("/art/{form:?}-{i}.html");
            let asked = requests.iter().filter(|t| **t == path).count();
            assert_eq!(asked, 1, "{form:?}: {path} asked {asked} times: {summary}");
        }
        let pages = total.div_ceil(size);
        for k in 1..=pages {
            let target = form.target(k);
            let asked = requests.iter().filter(|t| **t == target).count();
            assert!(asked <= 1, "{form:?}: {target} asked {asked} times");
        }
        let listed = requests.iter().filter(|t| t.starts_with("/nb/")).count();
        assert!(
            listed <= pages + 1,
            "{form:?}: {listed} list pages: {requests:?}"
        );
        let run = newest_run_report(dir.path());
        let ledger = &run["portals"][PORTAL]["lists"]["all"];
        assert_eq!(ledger["found"], total, "{form:?}: {ledger}");
        assert_eq!(ledger["pages"], pages, "{form:?}: {ledger}");
        if matches!(
            form,
            Form::TrsScript | Form::StatedCount | Form::TraditionalFullWidth
        ) {
            assert_eq!(ledger["stated_pages"], pages, "{form:?}: {ledger}");
        }
        let stops = ledger["stops"].to_string();
        assert!(!stops.contains("not walked"), "{form:?}: {ledger}");
    }
}

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
