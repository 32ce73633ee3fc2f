//! `status --all-shards` and `report --all-shards` over run reports in shared storage that cannot
//! be read or that a clock far ahead stamped: one that cannot be read is skipped with a warning
//! naming it and the error, as a damaged one is, and the others shown; one stamped more than a
//! day ahead of the clock is read as the oldest run, as the local store reads it.

mod common;
mod scale_support;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use common::{route_server::run_nianbao, stderr};
use nianbao::report::{PortalReport, RunReport};
use serde_json::Value;

/// The portal the runs walk and the feed holds a record of.
const PORTAL: &str = "p0007";

/// A folder as shared storage holding one feed record of [`PORTAL`], and the config that reads
/// it: (config, the folder).
fn shared_storage(dir: &Path) -> (PathBuf, PathBuf) {
    let shared = dir.join("shared");
    let feed = shared.join("feed/shard-1-of-2");
    std::fs::create_dir_all(&feed).expect("feed folder");
    let mut r = scale_support::record(7, "http://a.example", 3, "2026-01-05T01:02:03Z");
    (r.id, r.version, r.seq) = ("doc".to_string(), 1, 1);
    let line = serde_json::to_string(&r).expect("a record serialises") + "\n";
    std::fs::write(feed.join("00000000000000000001.jsonl"), line).expect("segment");
    let config = dir.join("config.toml");
    let text = format!(
        "data_dir = {:?}\n\n[storage]\nurl = \"file://{}\"\n",
        dir.join("data").to_string_lossy(),
        shared.display()
    );
    std::fs::write(&config, text).expect("config");
    (config, shared)
}

/// Puts under `runs/<label>/` a crawl started at `at` that walked [`PORTAL`]; its
/// `finished_at`, five minutes later.
fn put_run(shared: &Path, label: &str, at: DateTime<Utc>) -> String {
    let id = nianbao::store::run_id_at(at);
    let finished = (at + Duration::minutes(5)).to_rfc3339();
    let run = RunReport {
        run_id: id.clone(),
        command: "crawl".into(),
        started_at: at.to_rfc3339(),
        finished_at: Some(finished.clone()),
        portals: [(PORTAL.to_string(), PortalReport::default())].into(),
        ..RunReport::default()
    };
    let folder = shared.join("runs").join(label);
    std::fs::create_dir_all(&folder).expect("a label's folder");
    let json = serde_json::to_vec(&run).expect("a run report as JSON");
    std::fs::write(folder.join(format!("{id}.json")), json).expect("written");
    finished
}

const BOTH: [&[&str]; 2] = [
    &["status", "--all-shards", "--format", "json"],
    &["report", "--all-shards", "--format", "json"],
];

/// Runs `args`, which must succeed: stdout as JSON, and stderr.
fn run_ok(config: &Path, args: &[&str]) -> (Value, String) {
    let out = run_nianbao(config, args);
    let err = stderr(&out);
    assert!(out.status.success(), "{args:?}: {err}");
    let json = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    (json, err)
}

/// The labels `status --all-shards --format json` shows, with each one's last run id.
fn shards(status: &Value) -> Vec<(String, String)> {
    let rows = status["shards"].as_array().cloned().unwrap_or_default();
    rows.iter()
        .map(|s| {
            let field = |name: &str| s[name].as_str().unwrap_or_default().to_string();
            (field("label"), field("run_id"))
        })
        .collect()
}

/// The portal's row or entry in `status` or `report` JSON.
fn portal(json: &Value, list: &str) -> Value {
    json[list]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["portal"] == PORTAL))
        .cloned()
        .unwrap_or_else(|| panic!("the portal in {json}"))
}

/// Beside two shards' good run reports, a link to itself (a loop) and a link to a folder, each
/// named like a run report: both read with an I/O error. Both commands exit 0, warn once for
/// each naming it and the error, and show both shards (before, either failed both with exit 3).
#[test]
fn a_run_report_that_cannot_be_read_is_skipped_by_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (config, shared) = shared_storage(dir.path());
    let hour_ago = Utc::now() - Duration::hours(1);
    put_run(&shared, "shard-1-of-2", hour_ago);
    put_run(&shared, "shard-2-of-2", hour_ago + Duration::minutes(10));
    let damaged = shared.join("runs/damaged-machine");
    std::fs::create_dir_all(&damaged).expect("folder");
    let looped = damaged.join("loop.json");
    std::os::unix::fs::symlink(&looped, &looped).expect("a link to itself");
    let folder = damaged.join("folder-link.json");
    std::os::unix::fs::symlink(dir.path(), &folder).expect("a link to a folder");
    for args in BOTH {
        let (json, err) = run_ok(&config, args);
        for path in [&looped, &folder] {
            let named: Vec<&str> = err
                .lines()
                .filter(|l| l.contains(&*path.to_string_lossy()))
                .collect();
            assert_eq!(named.len(), 1, "{args:?}: one warning for {path:?}: {err}");
            assert!(
                named[0].starts_with("warning: skipped run report ")
                    && named[0].contains("cannot read"),
                "{args:?}: names it and the error: {err}"
            );
        }
        if args[0] == "status" {
            let labels: Vec<String> = shards(&json).into_iter().map(|(l, _)| l).collect();
            assert_eq!(labels, ["shard-1-of-2", "shard-2-of-2"], "{json}");
        } else {
            let entry = portal(&json, "portals");
            assert!(entry["last_run"].is_string(), "the runs are read: {entry}");
        }
    }
}

/// One shard's runs: one an hour ago, and one a clock far ahead stamped 2090. Both commands
/// read the run of an hour ago as the newest (the shard's last run, the portal's last run, the
/// first the coverage history reads), as the local store does; a label whose only run is ahead
/// still shows it.
#[test]
fn a_run_stamped_ahead_of_the_clock_is_the_oldest_in_the_shared_view() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (config, shared) = shared_storage(dir.path());
    let hour_ago = Utc::now() - Duration::hours(1);
    let good = put_run(&shared, "shard-1-of-2", hour_ago);
    let ahead = "2090-01-01T00:00:00Z".parse().expect("a time");
    let bad = put_run(&shared, "shard-1-of-2", ahead);
    put_run(&shared, "shard-2-of-2", ahead);
    let good_id = nianbao::store::run_id_at(hour_ago);
    let ahead_id = nianbao::store::run_id_at(ahead);

    let (status, _) = run_ok(&config, BOTH[0]);
    assert_eq!(
        shards(&status),
        [
            ("shard-1-of-2".to_string(), good_id),
            ("shard-2-of-2".to_string(), ahead_id)
        ],
        "{status}"
    );
    let row = portal(&status, "portals");
    assert_eq!(row["last_run"], good.as_str(), "{row}");
    assert_eq!(row["shard"], "shard-1-of-2", "{row}");

    let (report, _) = run_ok(&config, BOTH[1]);
    let entry = portal(&report, "portals");
    let last = entry["last_run"].as_str().unwrap_or_default();
    assert!(
        last.contains(&good[..16]) && !last.contains(&bad[..4]),
        "{entry}"
    );
}
