//! A heading that is its list page's own name (`<h1>本级年报</h1>`, `<h1>规划计划</h1>`) is the
//! column's name, not the report's title, though no fixed list of column names holds it: the
//! crawl tells extraction the name of the list it found the item on. Read as the crawl reads an
//! item page, with and without that name; through a crawl, on the list's walk and on a retry
//! asked from the URL's stored record while the list is not walked; and through `inspect
//! --list-name`. A delisted ask and a fetch for the attachments a report lacks are in
//! `metadata_list_name_asks.rs`.

mod common;
mod metadata_list_name_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::route_server::{RouteServer, crawled_county, exported, record_ending, run_nianbao};
use metadata_list_name_support::*;

/// Headings that are their list's name, in either script, give way to the report's title in a
/// 标题 cell, a `<p class="bt">` or the list entry; the same heading with no list name, or under
/// a list of another name, stays (nothing is guessed).
#[test]
fn a_heading_that_is_the_lists_name_gives_way_to_the_reports_title() {
    let cell = format!("<table><tr><td>标题</td><td>{TITLE}</td></tr></table>");
    let bt = format!("<p class=\"bt\">{TITLE}</p>");
    let cases: [(&str, &str, &str, Option<&str>, &str); 3] = [
        ("规划计划", "规划计划", &cell, None, "label:标题"),
        ("本级年报", "本级年报", &bt, None, "title_element"),
        ("區政府年報", "区政府年报", "", Some(TITLE), "list"),
    ];
    for (heading, list_name, below, listed, source) in cases {
        let html = page(heading, below);
        let named = read(&html, listed, Some(list_name));
        assert_eq!(
            named.title.as_deref(),
            Some(TITLE),
            "{heading} on {list_name}"
        );
        assert_eq!(
            named.provenance.get("title").map(String::as_str),
            Some(source),
            "{heading} on {list_name}"
        );
        for other in [None, Some("部门文件")] {
            let kept = read(&html, listed, other);
            assert_eq!(
                kept.title.as_deref(),
                Some(heading),
                "{heading} on {other:?}"
            );
        }
    }
}

/// Through the crawl: items found on the list named 本级年报 (its `<title>` without the site's
/// name), whose pages print 本级年报 as `<h1>` and `<title>`, are exported under the reports' own
/// titles, though the list's short entries (`教育局2023年年报`) agree with neither; their URL
/// states keep the list's name.
#[test]
fn the_export_names_reports_on_a_list_whose_name_is_their_heading() {
    let server = RouteServer::bind("127.0.0.97");
    server.serve(Arc::new(|target: &str| {
        let html = "text/html; charset=utf-8".to_string();
        match target {
            "/bj/" => (200, html, LIST.as_bytes().to_vec()),
            "/art/1.html" => (
                200,
                html,
                item("某某县教育局2023年政府信息公开工作年度报告"),
            ),
            "/art/2.html" => (
                200,
                html,
                item("某某县民政局2023年政府信息公开工作年度报告"),
            ),
            _ => (404, html, b"<html><body>404</body></html>".to_vec()),
        }
    }));
    let (dir, config) = crawled_county(format!("{}/bj/", server.base));
    let records = exported(&config);
    // The archived reports' states keep the list's name, for the asks made from them (a
    // delisted ask, attachments due).
    let store = nianbao::store::Store::open(&dir.path().join("data")).expect("store opens");
    for path in ["/art/1.html", "/art/2.html"] {
        let url = format!("{}{path}", server.base);
        let state = store.url_state(&url).expect("readable").expect("known");
        assert_eq!(state.list_name.as_deref(), Some("本级年报"), "{path}");
    }
    drop(store);
    for (path, title) in [
        ("/art/1.html", "某某县教育局2023年政府信息公开工作年度报告"),
        ("/art/2.html", "某某县民政局2023年政府信息公开工作年度报告"),
    ] {
        let record = record_ending(&records, path);
        assert_eq!(record["title"], title, "{path}: {record}");
        assert_eq!(
            record["provenance"]["title"], "title_element",
            "{path}: {record}"
        );
    }
    let asked = server.requests();
    for path in ["/bj/", "/art/1.html", "/art/2.html"] {
        assert!(asked.iter().any(|t| t == path), "{path}: {asked:?}");
    }
}

/// The list page's name is kept with the URL's state: a report whose page answered 503 on the
/// night its list was walked, asked again the next night from its stored record (its retry made
/// due) while the list page itself answers 503 and is not walked, is still read as found on
/// 本级年报, and archived under its own title, not the column's.
#[test]
fn a_retry_from_the_stored_record_knows_its_lists_name() {
    const REAL: &str = "某某县教育局2023年政府信息公开工作年度报告";
    let second_night = Arc::new(AtomicBool::new(false));
    let server = RouteServer::bind("127.0.0.98");
    let night = second_night.clone();
    server.serve(Arc::new(move |target: &str| {
        let html = "text/html; charset=utf-8".to_string();
        let unavailable = (
            503,
            html.clone(),
            b"<html><body>busy</body></html>".to_vec(),
        );
        let second = night.load(Ordering::SeqCst);
        match target {
            "/bj/" if second => unavailable,
            "/bj/" => (200, html, LIST.as_bytes().to_vec()),
            "/art/1.html" if !second => unavailable,
            "/art/1.html" => (200, html, item(REAL)),
            "/art/2.html" => (
                200,
                html,
                item("某某县民政局2023年政府信息公开工作年度报告"),
            ),
            _ => (404, html, b"<html><body>404</body></html>".to_vec()),
        }
    }));
    let (_dir, config) = crawled_county(format!("{}/bj/", server.base));
    let failed = format!("{}/art/1.html", server.base);
    assert!(
        exported(&config)
            .iter()
            .all(|r| r["url"] != failed.as_str()),
        "night 1 archived no title for the page that answered 503"
    );
    let out = run_nianbao(&config, &["failures", "--retry", &failed]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    second_night.store(true, Ordering::SeqCst);
    let before = server.requests().len();
    let out = run_nianbao(&config, &["crawl"]);
    let night_two = server.requests().split_off(before);
    assert!(
        night_two.iter().any(|t| t == "/art/1.html"),
        "the retry was asked: {night_two:?} {}",
        common::stderr(&out)
    );
    assert!(
        !night_two.iter().any(|t| t == "/art/2.html"),
        "the list was not walked: {night_two:?}"
    );
    let records = exported(&config);
    let record = record_ending(&records, "/art/1.html");
    assert_eq!(record["title"], REAL, "{record}");
    assert_eq!(record["provenance"]["title"], "title_element", "{record}");
}

/// A report archived from 本级年报 waiting for its attachment (larger than `max_body_bytes`),
/// found the next night on its year's list too (2023年度, shown for it, another entry date), is
/// fetched for the attachment from its stored record on the night the limit is raised, while the
/// lists answer 503: it is asked as found on the year's list, its URL, name and entry together,
/// so the new version's date is that list's entry's, not the other list's.
#[test]
fn a_list_taken_for_its_name_brings_its_entry() {
    const REAL: &str = "某某县教育局2023年政府信息公开工作年度报告";
    let night_no = Arc::new(std::sync::atomic::AtomicUsize::new(1));
    let server = RouteServer::bind("127.0.0.101");
    let now = night_no.clone();
    server.serve(Arc::new(move |target: &str| {
        let html = "text/html; charset=utf-8".to_string();
        let night = now.load(Ordering::SeqCst);
        let years = "<div class=\"years\"><a href=\"/bj/2023/list.html\">2023年</a></div>";
        match target {
            "/bj/" | "/bj/2023/list.html" if night == 3 => {
                (503, html, b"<html><body>busy</body></html>".to_vec())
            }
            "/bj/" if night == 2 => (
                200,
                html,
                LIST.replacen("<ul>", &format!("{years}<ul>"), 1)
                    .into_bytes(),
            ),
            "/bj/" => (200, html, LIST.as_bytes().to_vec()),
            "/bj/2023/list.html" => (
                200,
                html,
                "<html><head><meta charset=\"utf-8\"><title>2023年度_某某县人民政府</title></head>\
                 <body><h1>2023年度</h1><ul>\
                 <li><a href=\"/art/1.html\">教育局2023年年报</a><span>2024-02-02</span></li>\
                 </ul></body></html>"
                    .as_bytes()
                    .to_vec(),
            ),
            _ => with_attachment(target, REAL),
        }
    }));
    let (_dir, config) = county(format!("{}/bj/", server.base), "", "max_body_bytes = 3000");
    night(&server, &config);
    let first = versions(&config, "/art/1.html");
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0]["publish_date"], "2024-01-20", "{}", first[0]);
    night_no.store(2, Ordering::SeqCst);
    let second = night(&server, &config);
    assert!(
        second.iter().any(|t| t == "/bj/2023/list.html"),
        "{second:?}"
    );
    assert!(
        !second.iter().any(|t| t == "/art/1.html"),
        "not due: {second:?}"
    );
    raise_body_limit(&config);
    night_no.store(3, Ordering::SeqCst);
    crawl_fetching_the_pdf(&server, &config);
    let kept = versions(&config, "/art/1.html");
    assert_eq!(
        kept.len(),
        2,
        "the attachment makes a new version: {kept:?}"
    );
    assert!(
        kept[1]["list_url"]
            .as_str()
            .is_some_and(|u| u.ends_with("/bj/2023/list.html")),
        "asked as found on the year's list: {}",
        kept[1]
    );
    assert_eq!(
        kept[1]["publish_date"], "2024-02-02",
        "that list's entry: {}",
        kept[1]
    );
}

/// `inspect --list-name` reads a report page as one found on a list of that name, as the crawl
/// does: the column's name printed as `<h1>` gives way to the report's title, which it keeps
/// without the option; `inspect` of the list page prints the name to give.
#[test]
fn inspect_with_the_lists_name_shows_the_crawls_title() {
    const REAL: &str = "某某县教育局2023年政府信息公开工作年度报告";
    let dir = tempfile::tempdir().expect("scratch dir");
    let (list, report) = (dir.path().join("list.html"), dir.path().join("1.html"));
    // As a crawl's walk would read it; `inspect` guesses a list from its printed count.
    let counted = LIST.replace("</ul>", "</ul><p>共2条</p>");
    std::fs::write(&list, counted).expect("write list page");
    std::fs::write(&report, item(REAL)).expect("write report page");
    let config = dir.path().join("no-config.toml");
    let inspect = |path: &std::path::Path, url: &str, more: &[&str]| {
        let path = path.to_string_lossy();
        let mut args = vec!["inspect", &*path, "--url", url, "--format", "json"];
        args.extend_from_slice(more);
        let out = run_nianbao(&config, &args);
        assert!(out.status.success(), "{}", common::stderr(&out));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("inspect prints JSON")
    };
    let listed = inspect(&list, "http://www.mmx.gov.cn/bj/", &[]);
    assert_eq!(listed["kind"], "list", "{listed}");
    assert_eq!(listed["list_name"], "本级年报", "{listed}");
    let url = "http://www.mmx.gov.cn/art/1.html";
    let named = inspect(&report, url, &["--list-name", "本级年报"]);
    assert_eq!(named["title"], REAL, "{named}");
    assert_eq!(named["provenance"]["title"], "title_element", "{named}");
    let unnamed = inspect(&report, url, &[]);
    assert_eq!(unnamed["title"], "本级年报", "{unnamed}");
    let text = run_nianbao(
        &config,
        &[
            "inspect",
            &report.to_string_lossy(),
            "--url",
            url,
            "--list-name",
            "本级年报",
        ],
    );
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("list name: 本级年报 (read as found on it)") && text.contains(REAL),
        "{text}"
    );
}
