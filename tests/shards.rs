//! Crawl shards: `crawl --shard K/3` in three processes at once, each with its own data_dir,
//! archive together exactly what one process archives, split by host so that no host is ever
//! asked by two processes (every gap between request starts to a host keeps its interval).
//! The shared-storage and JetStream halves of the shard proof are in `tests/shards_shared.rs`.

mod common;
mod politeness_support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use common::{Harness, stderr};
use politeness_support::gaps;
use serde_json::Value;

const INTERVAL: Duration = Duration::from_millis(300);
/// Timer and scheduling slack below the interval. Three crawler processes and the simulator
/// share the test machine's cores, so the server's clock can stamp one request late; a third of
/// the interval absorbs that and still catches two processes on one host (gaps near zero).
const SLACK: Duration = Duration::from_millis(100);
const SHARDS: u32 = 3;

/// (id, version, content hash, attachments' sha256) of every record. The simulated pages carry
/// view counters that change with every request, so a page's raw sha256 differs between any two
/// crawls; its content hash leaves them out, and attachments are byte-stable.
fn identities(records: &[Value]) -> BTreeSet<(String, u64, String, Vec<String>)> {
    records
        .iter()
        .map(|r| {
            let mut attachments: Vec<String> = r["attachments"]
                .as_array()
                .expect("attachments")
                .iter()
                .filter_map(|a| a["sha256"].as_str().map(str::to_string))
                .collect();
            attachments.sort();
            (
                r["id"].as_str().expect("id").to_string(),
                r["version"].as_u64().expect("version"),
                r["content_hash"]
                    .as_str()
                    .expect("content_hash")
                    .to_string(),
                attachments,
            )
        })
        .collect()
}

#[test]
fn three_shards_archive_what_one_process_does_and_share_no_host() {
    let h = Harness::with_sites(common::three_shard_sites(), INTERVAL);
    let shard_dir = |k: u32| h.dir.path().join(format!("shard-{k}"));

    // The three shards at once, as three machines would run them.
    let commands: Vec<_> = (1..=SHARDS)
        .map(|k| {
            h.command(&[
                "--data-dir",
                shard_dir(k).to_str().expect("utf-8 path"),
                "crawl",
                "--shard",
                &format!("{k}/{SHARDS}"),
            ])
        })
        .collect();
    let runs: Vec<_> = commands
        .into_iter()
        .map(|cmd| std::thread::spawn(move || common::run_limited(cmd, common::COMMAND_LIMIT)))
        .collect();
    let outputs: Vec<_> = runs
        .into_iter()
        .map(|run| run.join().expect("a shard's runner thread ends"))
        .collect();

    // While they ran, every host saw one process only: its gaps are the configured interval.
    // (With the shard filter off, three processes walk every portal and these gaps collapse.)
    for site in h.sim.sites() {
        let requests = site.requests();
        assert!(requests.len() > 5, "{} was crawled", site.name());
        for (gap, a, b) in gaps(&requests) {
            assert!(
                gap + SLACK >= INTERVAL,
                "two processes asked {}: {a} then {b} only {gap:?} apart",
                site.name()
            );
        }
    }

    // Each portal belongs to exactly one shard, every shard got some, and together they hold
    // every portal of the config.
    let mut union = BTreeSet::new();
    let mut owner: BTreeMap<String, u32> = BTreeMap::new();
    for (k, out) in (1..=SHARDS).zip(&outputs) {
        let log = stderr(out);
        assert!(out.status.success(), "shard {k}/{SHARDS}: {log}");
        assert!(
            log.contains(&format!("shard {k}/{SHARDS}: crawling ")),
            "shard {k} says what it crawls: {log}"
        );
        let records = h.export_of(&shard_dir(k));
        assert!(!records.is_empty(), "shard {k}/{SHARDS} archived nothing");
        for record in &records {
            let portal = record["portal"].as_str().expect("portal").to_string();
            let previous = owner.insert(portal.clone(), k);
            assert!(
                previous.is_none_or(|p| p == k),
                "portal {portal} archived by shards {previous:?} and {k}"
            );
        }
        for record in &records {
            let body = common::raw_body(&shard_dir(k), record);
            assert_eq!(
                nianbao::dedup::sha256_hex(&body),
                record["sha256"].as_str().expect("sha256"),
                "shard {k}: raw file of {}",
                record["url"]
            );
        }
        union.extend(identities(&records));
    }

    // One process over all portals, after the shards (the simulated sites do not change).
    let single_dir = h.dir.path().join("single");
    let out = h.run(&[
        "--data-dir",
        single_dir.to_str().expect("utf-8 path"),
        "crawl",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let single = h.export_of(&single_dir);
    assert!(single.len() >= 10, "the standard portals hold reports");
    assert_eq!(
        union,
        identities(&single),
        "the shards' records together equal one process's"
    );
}

#[test]
fn a_bad_shard_is_a_usage_error_naming_it() {
    let h = Harness::with_sites(Vec::new(), INTERVAL);
    for bad in ["0/3", "4/3", "3", "x/y"] {
        let out = h.run(&["crawl", "--shard", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", stderr(&out));
        assert!(stderr(&out).contains(bad), "{bad}: {}", stderr(&out));
    }
}
