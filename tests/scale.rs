//! Issue 10, the scale benchmark (ignored by default; the README gives the command): builds a
//! store of 1,000,000 known URLs and 200,000 documents over 2,000 portals through the store's own
//! API (no fetching), then runs the real binary over it and prints the max RSS of a nightly crawl
//! against loopback portals, its start-up time (to the first request any portal saw), and the
//! times of `status` and `feed --limit 100`, plus the index's bytes per document by tree.
//! Figures are printed, never asserted: they depend on the machine.
//!
//! It also holds a year of nightly run reports, and times `report`.
//! `NIANBAO_SCALE_URLS` and `NIANBAO_SCALE_PORTALS` change its size (see `shape`),
//! `NIANBAO_SCALE_RUNS` the run reports (365);
//! `NIANBAO_SCALE_COMPARE=PATH` also measures another nianbao binary on a copy of the store.
#![allow(clippy::disallowed_macros)] // tests and benches print figures and progress

mod common;
mod scale_support;

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use nianbao::store::{NewCapture, RetrySchedule, Store, UrlState};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use scale_support::{measure, record};

/// The store's shape: (portals, known URLs per portal, documents per portal), from
/// `NIANBAO_SCALE_URLS` (1,000,000) and `NIANBAO_SCALE_PORTALS` (one per 500 URLs); a fifth of
/// each portal's URLs are documents.
fn shape() -> (usize, usize, usize) {
    let env = |name: &str| {
        std::env::var(name)
            .ok()
            .and_then(|n| n.parse::<usize>().ok())
    };
    let urls = env("NIANBAO_SCALE_URLS").unwrap_or(1_000_000);
    let portals = env("NIANBAO_SCALE_PORTALS").unwrap_or(urls / 500).max(1);
    let per_portal = (urls / portals).max(5);
    (portals, per_portal, per_portal / 5)
}
/// Known items on each list page; each list's first page also lists one new item.
const LIST_ROWS: usize = 20;
const LIST_PAGES: usize = 5;

/// What every portal's server saw.
#[derive(Default)]
struct Seen {
    requests: AtomicU64,
    first: Mutex<Option<Instant>>,
}

fn list_page(portal: usize, page: usize) -> Vec<u8> {
    let mut rows = String::new();
    if page == 1 {
        rows.push_str(&format!(
            "<li><a href=\"/art/new.html\">某县{portal}第2025年政府信息公开工作年度报告</a><span>2026-01-05</span></li>\n"
        ));
    }
    for d in (page - 1) * LIST_ROWS..(page * LIST_ROWS).min(shape().2) {
        rows.push_str(&format!(
            "<li><a href=\"/art/{d}.html\">某县{portal}第{d}号政府信息公开工作年度报告</a><span>2025-01-{:02}</span></li>\n",
            d % 28 + 1
        ));
    }
    let next = if page < LIST_PAGES {
        format!("<a href=\"/xxgk/list.html?page={}\">下一页</a>", page + 1)
    } else {
        String::new()
    };
    format!(
        "<html><head><meta charset=\"utf-8\"><title>政府信息公开</title></head><body>\
         <ul class=\"list\">{rows}</ul><div class=\"page\">共{} 页 当前第{page}页 {next}</div></body></html>",
        LIST_PAGES
    )
    .into_bytes()
}

fn new_item(portal: usize) -> Vec<u8> {
    format!(
        "<html><head><meta charset=\"utf-8\"><title>某县{portal}2025年政府信息公开工作年度报告</title></head>\
         <body><h1>某县{portal}2025年政府信息公开工作年度报告</h1><p>发布机构：某县{portal}人民政府办公室 \
         发布日期：2026-01-05</p><p>一、总体情况。二、主动公开政府信息情况。三、收到和处理政府信息公开申请情况。</p></body></html>"
    )
    .into_bytes()
}

fn route(portal: usize, target: &str) -> (u16, Vec<u8>) {
    if target == "/xxgk/list.html" {
        return (200, list_page(portal, 1));
    }
    if let Some(n) = target
        .strip_prefix("/xxgk/list.html?page=")
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| (1..=LIST_PAGES).contains(n))
    {
        return (200, list_page(portal, n));
    }
    if target == "/art/new.html" {
        return (200, new_item(portal));
    }
    (404, b"not found".to_vec())
}

/// Binds one listener per portal, each on its own loopback address (one host per portal, as on
/// the real web), and serves them on `runtime`. Returns each portal's base URL.
fn serve_portals(
    runtime: &tokio::runtime::Runtime,
    portals: usize,
    seen: Arc<Seen>,
) -> Vec<String> {
    let mut bases = Vec::new();
    for p in 0..portals {
        let ip = format!("127.0.{}.{}", 1 + p / 250, 1 + p % 250);
        let listener = runtime
            .block_on(TcpListener::bind(format!("{ip}:0")))
            .expect("bind a loopback address (Linux routes all of 127.0.0.0/8)");
        bases.push(format!(
            "http://{}",
            listener.local_addr().expect("address")
        ));
        let seen = seen.clone();
        runtime.spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let seen = seen.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    seen.first
                        .lock()
                        .expect("first lock")
                        .get_or_insert_with(Instant::now);
                    seen.requests.fetch_add(1, Ordering::SeqCst);
                    let head = String::from_utf8_lossy(&buf).into_owned();
                    let target = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                    let (status, body) = route(p, &target);
                    let header = format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = socket.write_all(header.as_bytes()).await;
                    let _ = socket.write_all(&body).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
    }
    bases
}

fn exchange(url: &str, sha: &str, now: &str) -> nianbao::fetch::StoredExchange {
    serde_json::from_value(serde_json::json!({
        "url": url, "method": "GET",
        "request_headers": [["user-agent", "nianbao/0.1"], ["accept", "text/html,*/*"], ["accept-encoding", "gzip"]],
        "request_body": null, "http_version": "HTTP/1.1", "status": 200,
        "headers": [["content-type", "text/html; charset=utf-8"], ["content-length", "24817"], ["server", "nginx"], ["date", "Fri, 05 Jan 2026 01:02:03 GMT"]],
        "ip": "127.0.0.1", "fetched_at": now,
        "wire_sha256": sha, "wire_path": format!("raw/{}/{}/{sha}.html", &sha[..2], &sha[2..4]),
    }))
    .expect("a well-formed exchange")
}

/// Writes the synthetic store: per portal, its share of archived documents (their WARC
/// records marked written) and the rest of its URLs known without a document: most fetched and
/// not reports, one in 20 failed with a retry scheduled, one in 100 gone.
fn build_store(data_dir: &Path, bases: &[String]) {
    let (_, urls_per_portal, docs_per_portal) = shape();
    let store = Store::open(data_dir).expect("open store");
    store.defer_flushes(true).expect("bulk mode");
    let now = chrono::Utc::now();
    let stamp = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    for (p, base) in bases.iter().enumerate() {
        for d in 0..docs_per_portal {
            let record = record(p, base, d, &stamp);
            let exchanges = vec![exchange(&record.url, &record.sha256, &stamp)];
            let capture = NewCapture {
                record,
                etag: Some(format!("\"{p:x}-{d:x}\"")),
                last_modified: Some("Fri, 05 Jan 2026 01:02:03 GMT".into()),
                exchanges,
                unsynced_files: None,
                attachment_wait: None,
                list_title: None,
                list_date: None,
                list: None,
                list_name: None,
                fingerprint: None,
            };
            let outcome = store.commit(&capture).expect("commit");
            if let nianbao::store::CommitOutcome::NewDocument { seq, .. } = outcome {
                store
                    .record_warc(Some(seq), &[])
                    .expect("mark WARC written");
            }
        }
        for u in docs_per_portal..urls_per_portal {
            let url = format!("{base}/other/{u}.html");
            let mut state = UrlState {
                portal: format!("p{p:04}"),
                outcome: "not_report".into(),
                http_status: Some(200),
                fetched_at: Some(stamp.clone()),
                list_url: Some(format!("{base}/xxgk/list.html")),
                ..UrlState::default()
            };
            if u % 20 == 0 || u % 100 == 1 {
                state.outcome = "failed:timeout".into();
                state.failures = 2;
                state.retry = Some(RetrySchedule {
                    first_failed_at: now,
                    last_failed_at: now,
                    last_kind: "timeout".into(),
                    not_found_streak: 0,
                    next_retry_at: now + chrono::Duration::days(1 + (u % 7) as i64),
                    gone: u % 100 == 1,
                });
            }
            store.record_url(&url, &state).expect("record url");
        }
    }
    store.defer_flushes(false).expect("flush");
}

/// Run reports the store holds, one a night: `NIANBAO_SCALE_RUNS` (365, a year of nightlies).
fn history_runs() -> usize {
    std::env::var("NIANBAO_SCALE_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(365)
}

fn config(dir: &Path, data_dir: &Path, bases: &[String]) -> std::path::PathBuf {
    let mut text = format!(
        "data_dir = {:?}\n\n[politeness]\nuser_agent = \"nianbao-scale/0.1 (+http://127.0.0.1/contact)\"\n\
         per_host_interval = \"50ms\"\nmax_concurrency = 16\nrespect_robots = true\n\n\
         [fetch]\ntimeout = \"5s\"\nmax_retries = 1\nretry_base = \"100ms\"\n",
        data_dir.to_string_lossy()
    );
    for (p, base) in bases.iter().enumerate() {
        text.push_str(&format!(
            "\n[[portal]]\nname = \"p{p:04}\"\nurl = \"{base}/xxgk/list.html\"\n"
        ));
    }
    let path = dir.join("config.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

/// Key and value bytes per tree, read with sled directly (the store must be closed).
fn tree_bytes(index: &Path) -> Vec<(String, u64, u64)> {
    let db = sled::Config::new()
        .path(index)
        .cache_capacity(16 * 1024 * 1024)
        .open()
        .expect("open the index");
    let mut all = Vec::new();
    for name in db.tree_names() {
        let tree = db.open_tree(&name).expect("tree");
        let (mut n, mut bytes) = (0u64, 0u64);
        for entry in tree.iter() {
            let (k, v) = entry.expect("entry");
            n += 1;
            bytes += (k.len() + v.len()) as u64;
        }
        all.push((String::from_utf8_lossy(&name).into_owned(), n, bytes));
    }
    all
}

#[test]
#[ignore = "the scale benchmark: minutes and gigabytes; run it by name (see README)"]
fn a_nightly_over_a_million_known_urls() {
    let (portals, urls_per_portal, docs_per_portal) = shape();
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("data");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let seen = Arc::new(Seen::default());
    let bases = serve_portals(&runtime, portals, seen.clone());

    let started = Instant::now();
    build_store(&data_dir, &bases);
    let docs = portals * docs_per_portal;
    println!(
        "built {} known URLs, {docs} documents, {portals} portals in {:.1} s",
        portals * urls_per_portal,
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let runs = history_runs();
    let named: Vec<(String, String)> = bases
        .iter()
        .enumerate()
        .map(|(p, base)| {
            (
                format!("p{p:04}"),
                base.trim_start_matches("http://").to_string(),
            )
        })
        .collect();
    let first = chrono::Utc::now() - chrono::Duration::days(runs as i64 + 1);
    common::runs::add_nightly_runs(&data_dir, &named, first, runs, false);
    println!(
        "added {runs} nightly run reports in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let index = data_dir.join("index");
    let on_disk = common::dir_bytes(&index);
    println!(
        "index on disk: {:.1} MB, {:.0} bytes per document, {:.0} per known URL",
        on_disk as f64 / 1e6,
        on_disk as f64 / docs as f64,
        on_disk as f64 / (portals * urls_per_portal) as f64
    );
    let mut logical = 0;
    for (tree, n, bytes) in tree_bytes(&index) {
        logical += bytes;
        if n > 0 {
            println!(
                "  tree {tree:<16} {n:>9} entries {:>8.1} MB of keys and values ({:.0} bytes per document)",
                bytes as f64 / 1e6,
                bytes as f64 / docs as f64
            );
        }
    }
    println!(
        "  keys and values {:.1} MB; sled's own overhead {:.1} MB",
        logical as f64 / 1e6,
        on_disk.saturating_sub(logical) as f64 / 1e6
    );
    // The same entries written once into a fresh database: what of the overhead is sled's
    // structure, and what is garbage its log has not reclaimed yet.
    let fresh = dir.path().join("fresh-index");
    {
        let small = |path: &Path| {
            sled::Config::new()
                .path(path)
                .cache_capacity(16 * 1024 * 1024)
                .open()
                .expect("open an index")
        };
        let (old, new) = (small(&index), small(&fresh));
        new.import(old.export());
        new.flush().expect("flush the copy");
    }
    let fresh_bytes = common::dir_bytes(&fresh);
    println!(
        "  the same entries in a fresh index: {:.1} MB ({:.0} bytes per document)",
        fresh_bytes as f64 / 1e6,
        fresh_bytes as f64 / docs as f64
    );
    let _ = std::fs::remove_dir_all(&fresh);

    // Another build to compare with (the one before a change), on a copy of the same store.
    let mut runs = vec![(
        "this build".to_string(),
        std::path::PathBuf::from(env!("CARGO_BIN_EXE_nianbao")),
        data_dir.clone(),
    )];
    if let Ok(other) = std::env::var("NIANBAO_SCALE_COMPARE") {
        let copy = dir.path().join("data-compare");
        let copied = Command::new("cp")
            .arg("-a")
            .arg(&data_dir)
            .arg(&copy)
            .status()
            .expect("cp runs");
        assert!(copied.success(), "copy the store");
        runs.insert(0, (other.clone(), std::path::PathBuf::from(other), copy));
    }
    for (name, binary, data_dir) in runs {
        println!("--- {name}");
        let run_dir = data_dir.with_extension("run");
        std::fs::create_dir_all(&run_dir).expect("run dir");
        let config = config(&run_dir, &data_dir, &bases);
        let (took, rss, ok) = measure(&binary, &config, &["status"]);
        println!(
            "status: {:.2} s, peak RSS {rss:.0} MB (ok: {ok})",
            took.as_secs_f64()
        );
        let (took, rss, ok) = measure(&binary, &config, &["report", "--format", "csv"]);
        println!(
            "report --format csv: {:.2} s, peak RSS {rss:.0} MB (ok: {ok})",
            took.as_secs_f64()
        );
        // The first feed writes the feed log of every record the store holds (the store was
        // built without a crawl, which appends as it commits); the second reads the log.
        for (what, consumer) in [
            ("first, writing the feed log", "bench"),
            ("again", "bench2"),
        ] {
            let (took, rss, ok) = measure(
                &binary,
                &config,
                &["feed", "--consumer", consumer, "--limit", "100"],
            );
            println!(
                "feed --limit 100 ({what}): {:.2} s, peak RSS {rss:.0} MB (ok: {ok})",
                took.as_secs_f64()
            );
        }
        let before = seen.requests.load(Ordering::SeqCst);
        *seen.first.lock().expect("first lock") = None;
        let launched = Instant::now();
        let (took, rss, ok) = measure(&binary, &config, &["crawl"]);
        let first = seen
            .first
            .lock()
            .expect("first lock")
            .map(|t| t.duration_since(launched));
        println!(
            "nightly crawl: {:.1} s, {} requests, first request after {}, peak RSS {rss:.0} MB (ok: {ok})",
            took.as_secs_f64(),
            seen.requests.load(Ordering::SeqCst) - before,
            first.map_or("never".to_string(), |f| format!("{:.2} s", f.as_secs_f64()))
        );
        let (took, rss, ok) = measure(&binary, &config, &["status"]);
        println!(
            "status after the crawl: {:.2} s, peak RSS {rss:.0} MB (ok: {ok})",
            took.as_secs_f64()
        );
    }
}
