//! The nightly crawl is incremental and cheap (conditional requests, the stop rule), site changes
//! yield exactly the right documents and versions, and the feed hands records to consumers in
//! order, at least once, each consumer on its own.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{Harness, stderr};
use nianbao_sim::{DocSpec, SiteSpec};
use serde_json::Value;

const INTERVAL: Duration = Duration::from_millis(60);

fn sites() -> Vec<SiteSpec> {
    ["trs", "nometa", "gbk"]
        .iter()
        .map(|n| SiteSpec::standard_named(n).expect("standard site"))
        .collect()
}

fn total_requests(h: &Harness) -> usize {
    h.sim.sites().iter().map(|s| s.requests().len()).sum()
}

/// Requests answered with a body: all but the 304s.
fn bodies_sent(h: &Harness) -> usize {
    h.sim
        .sites()
        .iter()
        .map(|s| s.requests().iter().filter(|r| r.status != 304).count())
        .sum()
}

fn ids_versions(records: &[Value]) -> BTreeSet<(String, u64)> {
    records
        .iter()
        .map(|r| {
            (
                r["id"].as_str().expect("id").to_string(),
                r["version"].as_u64().expect("version"),
            )
        })
        .collect()
}

#[test]
fn nightly_crawls_are_cheap_and_see_exactly_what_changed() {
    let h = Harness::with_sites(sites(), INTERVAL);
    h.edit_config(|text| format!("{text}\n[crawl]\nrevisit_after = \"0s\"\n"));
    let out = h.run(&["crawl"]);
    assert_eq!(out.status.code(), Some(0), "first crawl: {}", stderr(&out));
    let first = h.export();
    let first_requests = total_requests(&h);
    assert!(
        first.len() >= 40,
        "the first crawl archives the three sites: {}",
        first.len()
    );

    // No change: conditional requests come back 304 and nothing is created.
    let out = h.run(&["crawl"]);
    assert_eq!(out.status.code(), Some(0), "second crawl: {}", stderr(&out));
    assert_eq!(
        h.export().len(),
        first.len(),
        "an unchanged site creates nothing"
    );
    let second_requests = total_requests(&h) - first_requests;
    assert!(
        second_requests * 2 < first_requests,
        "{second_requests} requests vs {first_requests} the first time"
    );
    let trs = h.sim.site("trs");
    let conditional: Vec<_> = trs
        .requests()
        .into_iter()
        .filter(|r| r.header("if-none-match").is_some())
        .collect();
    assert!(
        !conditional.is_empty(),
        "known items are revisited with If-None-Match"
    );
    assert!(
        conditional.iter().all(|r| r.status == 304),
        "and the unchanged ones answer 304"
    );
    // Their files too are asked with their ETags: none is sent twice.
    let files: BTreeSet<String> = trs
        .truth()
        .into_iter()
        .flat_map(|d| d.attachments)
        .collect();
    assert!(!files.is_empty(), "the TRS site's reports have files");
    let answers = |status: u16| {
        trs.requests()
            .into_iter()
            .filter(|r| r.status == status && files.contains(&r.target))
            .count()
    };
    assert_eq!(answers(200), files.len(), "each file is sent once");
    assert_eq!(answers(304), files.len(), "each file is asked again");

    // One new report, one edited report, one counter-only change.
    trs.add_document(
        DocSpec::new(
            "阿图什市2025年度政府信息公开工作年度报告",
            "2026-01-20 10:00",
        )
        .report(2025),
    );
    let nometa = h.sim.site("nometa");
    let newest = nometa
        .truth()
        .into_iter()
        .max_by_key(|d| d.publish_date)
        .expect("nometa has documents");
    nometa.edit_document(&newest.path, "补充说明：本报告第三部分数据已更正。");
    h.sim.site("gbk").bump_counters();
    let (bodies_before, requests_before) = (bodies_sent(&h), total_requests(&h));
    let out = h.run(&["crawl"]);
    assert_eq!(out.status.code(), Some(0), "third crawl: {}", stderr(&out));
    let third = h.export();
    let new: Vec<&Value> = third.iter().skip(first.len()).collect();
    assert_eq!(
        new.len(),
        2,
        "exactly one new document and one new version: {new:#?}"
    );
    let added = new
        .iter()
        .find(|r| r["version"] == 1)
        .expect("a new document");
    assert_eq!(added["title"], "阿图什市2025年度政府信息公开工作年度报告");
    assert_eq!(added["report_year"], 2025);
    let edited = new
        .iter()
        .find(|r| r["version"] == 2)
        .expect("a new version");
    assert!(
        edited["url"].as_str().expect("url").ends_with(&newest.path),
        "{edited}"
    );
    let old = first
        .iter()
        .find(|r| r["id"] == edited["id"])
        .expect("the old version is kept");
    assert_eq!(old["version"], 1);
    assert_ne!(old["content_hash"], edited["content_hash"]);
    // Revisited reports ask their files too, conditionally: a 304 costs a request, no body.
    assert!(
        bodies_sent(&h) - bodies_before < first_requests / 2,
        "the third crawl stays cheap too: {} bodies vs {first_requests} requests the first time",
        bodies_sent(&h) - bodies_before
    );
    let third_requests = total_requests(&h) - requests_before;
    // And in requests: the files' 304s are requests (38 of 76 here, most of them 304s).
    assert!(
        third_requests * 3 < first_requests * 2,
        "{third_requests} requests vs {first_requests} the first time"
    );

    // Reports name the run and its counts, machine-readably.
    let runs: Vec<Value> = std::fs::read_dir(h.data_dir().join("runs"))
        .expect("runs folder")
        .map(|e| {
            serde_json::from_slice(&std::fs::read(e.expect("entry").path()).expect("read"))
                .expect("JSON report")
        })
        .collect();
    assert_eq!(runs.len(), 3, "one report per run");
    let totals: u64 = runs
        .iter()
        .flat_map(|r| r["portals"].as_object().expect("portals").values())
        .map(|p| {
            p["new_documents"].as_u64().expect("count") + p["new_versions"].as_u64().expect("count")
        })
        .sum();
    assert_eq!(
        totals as usize,
        third.len(),
        "the reports account for every record"
    );
}

#[test]
fn the_feed_is_ordered_at_least_once_and_per_consumer() {
    let h = Harness::with_sites(
        vec![SiteSpec::standard_named("gbk").expect("standard site")],
        INTERVAL,
    );
    let out = h.run(&["crawl"]);
    assert_eq!(out.status.code(), Some(0), "crawl: {}", stderr(&out));
    let all = h.export();
    assert!(all.len() >= 5);
    let seqs = |out: &std::process::Output| -> Vec<u64> {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).expect("JSON line")["seq"]
                    .as_u64()
                    .expect("seq")
            })
            .collect()
    };

    // Printing does not move the position.
    let out = h.run(&["feed", "--consumer", "parser-a", "--limit", "3"]);
    assert_eq!(seqs(&out), vec![1, 2, 3]);
    let out = h.run(&["feed", "--consumer", "parser-a", "--limit", "3"]);
    assert_eq!(seqs(&out), vec![1, 2, 3], "offered again until committed");
    assert!(
        h.run(&["feed", "--consumer", "parser-a", "--commit", "2"])
            .status
            .success()
    );
    let out = h.run(&["feed", "--consumer", "parser-a", "--limit", "2"]);
    assert_eq!(seqs(&out), vec![3, 4]);
    // Consumers are independent.
    let out = h.run(&["feed", "--consumer", "parser-b", "--limit", "1"]);
    assert_eq!(seqs(&out), vec![1]);
    // Positions only move forward, and never past the archive.
    assert_eq!(
        h.run(&["feed", "--consumer", "parser-a", "--commit", "1"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        h.run(&["feed", "--consumer", "parser-a", "--commit", "999"])
            .status
            .code(),
        Some(2)
    );

    // --exec: record on stdin, raw file in NIANBAO_RAW_PATH; stops at the first failure.
    let log = h.dir.path().join("seen.log");
    let failing = format!(
        "read -r line; test -f \"$NIANBAO_RAW_PATH\" || exit 9; case \"$line\" in *'\"seq\":'\"$NIANBAO_SEQ\"*) ;; *) exit 8;; esac; \
         echo \"$NIANBAO_SEQ\" >> {}; test \"$NIANBAO_SEQ\" != 4",
        log.display()
    );
    let out = h.run(&["feed", "--consumer", "parser-b", "--exec", &failing]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "a failing consumer stops the feed: {}",
        stderr(&out)
    );
    let seen = std::fs::read_to_string(&log).expect("log");
    assert_eq!(seen.lines().collect::<Vec<_>>(), vec!["1", "2", "3", "4"]);
    // The failed record is offered again next time.
    let out = h.run(&["feed", "--consumer", "parser-b", "--limit", "1"]);
    assert_eq!(seqs(&out), vec![4]);
    let out = h.run(&[
        "feed",
        "--consumer",
        "parser-b",
        "--exec",
        "cat > /dev/null",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = h.run(&["feed", "--consumer", "parser-b"]);
    assert!(seqs(&out).is_empty(), "everything committed");

    let out = h.run(&["feed", "--list"]);
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(
        listing.contains(&format!("parser-a\tposition 2\tlag {}", all.len() - 2)),
        "{listing}"
    );
    assert!(
        listing.contains(&format!("parser-b\tposition {}\tlag 0", all.len())),
        "{listing}"
    );
    assert_eq!(
        ids_versions(&all).len(),
        all.len(),
        "each (id, version) once"
    );
}

#[test]
fn a_dry_run_lists_items_without_fetching_them() {
    let h = Harness::with_sites(
        vec![SiteSpec::standard_named("gbk").expect("standard site")],
        INTERVAL,
    );
    let out = h.run(&["crawl", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "dry run: {}", stderr(&out));
    let listed: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("would fetch "))
        .map(str::to_string)
        .collect();
    let site = h.sim.site("gbk");
    let truth: BTreeSet<String> = site
        .truth()
        .iter()
        .map(|d| site.url(&d.path).to_string())
        .collect();
    assert_eq!(listed, truth, "the dry run lists every item of the section");
    let fetched_items = site
        .requests()
        .iter()
        .filter(|r| r.target.contains("show.asp"))
        .count();
    assert_eq!(fetched_items, 0, "and fetches none of them");
    assert!(h.export().is_empty(), "a dry run archives nothing");
}

/// The TRS site's year channels whose first list page a run requested, from request `from` on.
fn year_lists_walked(h: &Harness, from: usize) -> BTreeSet<i32> {
    h.sim.site("trs").requests()[from..]
        .iter()
        .filter_map(|r| r.target.strip_prefix("/zwgk/zfxxgknb/"))
        .filter_map(|rest| rest.strip_suffix("/index.html"))
        .filter_map(|year| year.parse().ok())
        .collect()
}

/// The TRS site's year channels, from its spec.
fn year_channels() -> BTreeSet<i32> {
    SiteSpec::standard_named("trs")
        .expect("standard site")
        .docs
        .iter()
        .filter_map(|d| d.channel)
        .collect()
}

#[test]
fn a_dry_run_leaves_the_next_crawl_as_it_was() {
    let h = Harness::with_sites(
        vec![SiteSpec::standard_named("trs").expect("standard site")],
        INTERVAL,
    );
    let channels = year_channels();
    assert!(
        channels.len() >= 3,
        "the site has year channels: {channels:?}"
    );
    let out = h.run(&["crawl", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "dry run: {}", stderr(&out));
    assert_eq!(
        year_lists_walked(&h, 0),
        channels,
        "the dry run walks every year list"
    );
    // The first real crawl after it still finds every year list new, as without the dry run.
    let mark = h.sim.site("trs").requests().len();
    let out = h.run(&["crawl"]);
    assert_eq!(out.status.code(), Some(0), "crawl: {}", stderr(&out));
    assert_eq!(
        year_lists_walked(&h, mark),
        channels,
        "the crawl after a dry run"
    );
}

#[test]
fn a_nightly_crawl_walks_the_two_newest_year_lists() {
    let h = Harness::with_sites(
        vec![SiteSpec::standard_named("trs").expect("standard site")],
        INTERVAL,
    );
    let channels = year_channels();
    let out = h.run(&["crawl"]);
    assert_eq!(out.status.code(), Some(0), "first crawl: {}", stderr(&out));
    assert_eq!(
        year_lists_walked(&h, 0),
        channels,
        "a first crawl walks them all"
    );
    let mark = h.sim.site("trs").requests().len();
    let out = h.run(&["crawl"]);
    assert_eq!(out.status.code(), Some(0), "second crawl: {}", stderr(&out));
    let newest: BTreeSet<i32> = channels.iter().rev().take(2).copied().collect();
    assert_eq!(year_lists_walked(&h, mark), newest, "a nightly crawl");
}
