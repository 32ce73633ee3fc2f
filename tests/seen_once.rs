//! Issue 10: the run's seen set lives on disk (the persistent frontier) instead of in memory.
//! A URL listed many times in one run (on every page of a list, twice on one page) is fetched
//! once, with several requests to the host in flight at once: archived items and, what only the
//! seen set stops in a backfill, items that fail (every other one answers 404); and a list page
//! named by every other page is walked once.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::route_server::{RouteServer, numbered_portal, run_nianbao, write_config};
use common::stderr;

const PAGES: usize = 6;
const ITEMS: usize = 9;

/// Every page lists every item (some twice) and names every other page.
fn list_page(n: usize) -> Vec<u8> {
    let mut rows = String::new();
    for i in (0..ITEMS).chain([n % ITEMS, (n * 5) % ITEMS]) {
        rows.push_str(&format!(
            "<li><a href=\"/art/{i}.html\">某某县{}年政府信息公开工作年度报告</a><span>2025-01-{:02}</span></li>\n",
            2015 + i,
            i + 1
        ));
    }
    let pager: String = (1..=PAGES)
        .filter(|p| *p != n)
        .map(|p| format!("<a href=\"/xxgk/list.html?page={p}\">{p}</a> "))
        .collect();
    format!(
        "<html><head><meta charset=\"utf-8\"><title>政府信息公开</title></head><body>\
         <ul class=\"list\">{rows}</ul><div class=\"page\">共{PAGES} 页 当前第{n}页 {pager}\
         <a href=\"/xxgk/list.html?page={}\">下一页</a></div></body></html>",
        (n % PAGES) + 1
    )
    .into_bytes()
}

fn item_page(i: usize) -> Vec<u8> {
    format!(
        "<html><head><meta charset=\"utf-8\"><title>某某县{0}年政府信息公开工作年度报告</title></head>\
         <body><h1>某某县{0}年政府信息公开工作年度报告</h1><p>发布日期：2025-01-{1:02}</p>\
         <p>第{i}号。一、总体情况。二、主动公开政府信息情况。</p></body></html>",
        2015 + i,
        i + 1
    )
    .into_bytes()
}

fn route(target: &str) -> (u16, String, Vec<u8>) {
    // Only the even items answer; every other one is a 404 each time it is asked for.
    numbered_portal(target, PAGES, list_page, |i| {
        (i < ITEMS && i % 2 == 0).then(|| item_page(i))
    })
}

#[test]
fn a_url_listed_many_times_is_fetched_once_per_run() {
    let server = RouteServer::bind("127.0.0.46");
    let base = server.base.clone();
    server.serve(Arc::new(route));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = write_config(
        dir.path(),
        &format!(
            "data_dir = \"data\"\n[politeness]\nuser_agent = \"nianbao-test/0.1 (+http://127.0.0.1/contact)\"\n\
             per_host_interval = \"10ms\"\nper_host_concurrency = 4\n\
             [[portal]]\nname = \"某某县人民政府\"\nurl = \"{base}/xxgk/list.html\"\n"
        ),
    );
    let out = run_nianbao(&config, &["backfill", "--years", "2010-2025"]);
    assert_eq!(out.status.code(), Some(0), "backfill: {}", stderr(&out));
    let mut times: BTreeMap<String, usize> = BTreeMap::new();
    for target in server.requests() {
        *times.entry(target).or_default() += 1;
    }
    let items: Vec<_> = times
        .iter()
        .filter(|(t, _)| t.starts_with("/art/"))
        .collect();
    assert_eq!(items.len(), ITEMS, "every item is fetched: {times:?}");
    let twice: Vec<_> = times.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        twice.is_empty(),
        "fetched more than once in one run: {twice:?}"
    );
    let lists = times.keys().filter(|t| t.starts_with("/xxgk/")).count();
    assert!(lists >= PAGES, "every list page is walked: {times:?}");
}
