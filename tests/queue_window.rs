//! Issue 10: a host's queue keeps a bounded window of tasks in memory and the rest on disk. A
//! run with far more queued tasks for one host than the window fetches each once, in the order
//! an unbounded queue would, and a run killed (-9) while most of the queue is on disk resumes
//! and still fetches each item once. `NIANBAO_TEST_QUEUE_WINDOW` (test-only) lowers the window.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::route_server::{RouteServer, numbered_portal, write_config};
use common::{run_limited, stderr};

const PAGES: usize = 4;
const PER_PAGE: usize = 30;
const ITEMS: usize = PAGES * PER_PAGE;
/// Far below the items one list page queues, so most of the queue is spilled at any time.
const SMALL_WINDOW: &str = "4";
/// Above everything the run queues: the order of an unbounded queue.
const UNBOUNDED: &str = "1000000";

fn list_page(n: usize) -> Vec<u8> {
    let mut rows = String::new();
    for i in (n - 1) * PER_PAGE..n * PER_PAGE {
        rows.push_str(&format!(
            "<li><a href=\"/art/{i}.html\">某某县{}年政府信息公开工作年度报告（第{i}号）</a><span>2025-01-{:02}</span></li>\n",
            2010 + i % 16,
            i % 28 + 1
        ));
    }
    let next = if n < PAGES {
        format!("<a href=\"/xxgk/list.html?page={}\">下一页</a>", n + 1)
    } else {
        String::new()
    };
    format!(
        "<html><head><meta charset=\"utf-8\"><title>政府信息公开</title></head><body>\
         <ul class=\"list\">{rows}</ul><div class=\"page\">共{PAGES}页 当前第{n}页 {next}</div></body></html>"
    )
    .into_bytes()
}

fn item_page(i: usize) -> Vec<u8> {
    format!(
        "<html><head><meta charset=\"utf-8\"><title>某某县{0}年政府信息公开工作年度报告（第{i}号）</title></head>\
         <body><h1>某某县{0}年政府信息公开工作年度报告（第{i}号）</h1><p>发布日期：2025-01-{1:02}</p>\
         <p>第{i}号。一、总体情况。二、主动公开政府信息情况。</p></body></html>",
        2010 + i % 16,
        i % 28 + 1
    )
    .into_bytes()
}

fn route(target: &str) -> (u16, String, Vec<u8>) {
    numbered_portal(target, PAGES, list_page, |i| {
        (i < ITEMS).then(|| item_page(i))
    })
}

/// A portal of its own and a config for it: one host slot, so the host's queue order is the
/// order of its requests.
fn portal(dir: &Path, ip: &str, interval: &str) -> (RouteServer, std::path::PathBuf) {
    let server = RouteServer::bind(ip);
    let base = server.base.clone();
    server.serve(Arc::new(route));
    let config = write_config(
        dir,
        &format!(
            "data_dir = \"data\"\n[politeness]\nuser_agent = \"nianbao-test/0.1 (+http://127.0.0.1/contact)\"\n\
             per_host_interval = \"{interval}\"\nper_host_concurrency = 1\n\
             [[portal]]\nname = \"某某县人民政府\"\nurl = \"{base}/xxgk/list.html\"\n"
        ),
    );
    (server, config)
}

fn backfill(config: &Path, window: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nianbao"));
    cmd.arg("--config")
        .arg(config)
        .args(["backfill", "--years", "2010-2025"])
        .env("NIANBAO_TEST_QUEUE_WINDOW", window);
    cmd
}

/// The portal's pages the server was asked for, in order (robots.txt left out).
fn pages(server: &RouteServer) -> Vec<String> {
    server
        .requests()
        .into_iter()
        .filter(|t| t.starts_with("/art/") || t.starts_with("/xxgk/"))
        .collect()
}

fn items(requests: &[String]) -> Vec<String> {
    requests
        .iter()
        .filter(|t| t.starts_with("/art/"))
        .cloned()
        .collect()
}

fn twice(requests: &[String]) -> Vec<(String, usize)> {
    let mut times: BTreeMap<String, usize> = BTreeMap::new();
    for t in requests {
        *times.entry(t.clone()).or_default() += 1;
    }
    times.into_iter().filter(|(_, n)| *n > 1).collect()
}

/// One uninterrupted crawl with `window` tasks per host in memory: the pages asked, in order.
/// A crawl walks a list one page at a time, so the order tasks are found in is fixed (a
/// backfill queues every list page at once, and a host's two workers may read two of them
/// either way round).
fn walk(ip: &str, window: &str) -> Vec<String> {
    let dir = tempfile::tempdir().expect("scratch dir");
    let (server, config) = portal(dir.path(), ip, "1ms");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nianbao"));
    cmd.arg("--config")
        .arg(&config)
        .arg("crawl")
        .env("NIANBAO_TEST_QUEUE_WINDOW", window);
    let out = run_limited(cmd, Duration::from_secs(120));
    assert_eq!(out.status.code(), Some(0), "crawl: {}", stderr(&out));
    pages(&server)
}

#[test]
fn a_queue_longer_than_its_window_is_fetched_once_in_queue_order() {
    let unbounded = walk("127.0.0.71", UNBOUNDED);
    let windowed = walk("127.0.0.72", SMALL_WINDOW);
    assert_eq!(
        items(&unbounded).len(),
        ITEMS,
        "unbounded: every item: {unbounded:?}"
    );
    assert!(twice(&windowed).is_empty(), "fetched twice: {windowed:?}");
    let mut same = windowed.clone();
    let mut want = unbounded.clone();
    same.sort();
    want.sort();
    assert_eq!(same, want, "the same pages as an unbounded queue");
    // A host has a spare worker waiting at its gate beside the one fetching (crawl/pace.rs), so
    // two neighbouring tasks may reach the server either way round, in either run. The window
    // must not move a page further than that.
    let at: BTreeMap<&String, usize> = unbounded.iter().enumerate().map(|(i, t)| (t, i)).collect();
    for (i, t) in windowed.iter().enumerate() {
        let j = at[t];
        assert!(
            i.abs_diff(j) <= MAX_SHIFT,
            "a window of {SMALL_WINDOW} moved {t} from place {j} to {i}:\n{windowed:?}\n{unbounded:?}"
        );
    }
}

/// How far two workers of one host can move a page from its queue order: it and a neighbour
/// swap, in the windowed run and in the unbounded one.
const MAX_SHIFT: usize = 2;

#[test]
fn a_run_killed_while_its_queue_is_on_disk_resumes_and_fetches_each_item_once() {
    let dir = tempfile::tempdir().expect("scratch dir");
    let (server, config) = portal(dir.path(), "127.0.0.73", "40ms");
    let mut child = backfill(&config, SMALL_WINDOW)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the nianbao binary starts");
    // Killed when a third of the items are asked: the rest sit on disk, most of them spilled.
    let start = Instant::now();
    while items(&pages(&server)).len() < ITEMS / 3 {
        assert!(
            child.try_wait().expect("wait").is_none(),
            "the run ended before it was killed: {:?}",
            pages(&server)
        );
        assert!(start.elapsed() < Duration::from_secs(60), "no progress");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("kill -9");
    child.wait().expect("reap");
    let before = items(&pages(&server));
    assert!(before.len() < ITEMS, "killed before the end: {before:?}");

    let out = run_limited(backfill(&config, SMALL_WINDOW), Duration::from_secs(120));
    assert_eq!(out.status.code(), Some(0), "resumed: {}", stderr(&out));
    assert!(
        stderr(&out).contains("resuming"),
        "the second run resumes: {}",
        stderr(&out)
    );
    let all = items(&pages(&server));
    let after = &all[before.len()..];
    assert!(twice(&before).is_empty(), "first run: {before:?}");
    assert!(twice(after).is_empty(), "resumed run: {after:?}");
    let asked: BTreeSet<&String> = all.iter().collect();
    assert_eq!(asked.len(), ITEMS, "every item is asked: {all:?}");
    // The item in flight when the process died is asked again; nothing else is.
    let again: Vec<&String> = after.iter().filter(|t| before.contains(t)).collect();
    assert!(
        again.len() <= 1,
        "asked before the kill and after: {again:?}"
    );
}
