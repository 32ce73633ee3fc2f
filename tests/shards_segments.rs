//! `status --all-shards` and `report --all-shards` read the shared feed one segment at a time:
//! a segment gone since it was listed, among good ones, is skipped with one warning naming its
//! URL, and the segments after it are still read; one there but unreadable fails the command.

mod common;
mod scale_support;

use std::path::Path;

use common::{route_server::run_nianbao, stderr};
use serde_json::Value;

/// A segment of one record of document `id` of portal p0007, at `seq`.
fn segment(path: &Path, id: &str, seq: u64) {
    let mut r = scale_support::record(7, "http://a.example", 3, "2026-01-05T01:02:03Z");
    (r.id, r.version, r.seq) = (id.to_string(), 1, seq);
    let line = serde_json::to_string(&r).expect("a record serialises") + "\n";
    std::fs::write(path, line).expect("segment written");
}

/// Three segments of one label in a folder used as shared storage, the middle one made by
/// `middle`, and the config that reads it; returns the config and the middle segment's URL.
fn shared_feed(dir: &Path, middle: impl FnOnce(&Path)) -> (std::path::PathBuf, String) {
    let shared = dir.join("shared");
    let feed = shared.join("feed/shard-1-of-1");
    std::fs::create_dir_all(&feed).expect("feed folder");
    segment(&feed.join("00000000000000000001.jsonl"), "first", 1);
    let second = feed.join("00000000000000000002.jsonl");
    middle(&second);
    segment(&feed.join("00000000000000000003.jsonl"), "third", 3);
    let config = dir.join("config.toml");
    let text = format!(
        "data_dir = {:?}\n\n[storage]\nurl = \"file://{}\"\n",
        dir.join("data").to_string_lossy(),
        shared.display()
    );
    std::fs::write(&config, text).expect("config");
    (config, format!("file://{}", second.display()))
}

const BOTH: [&[&str]; 2] = [
    &["status", "--all-shards", "--format", "json"],
    &["report", "--all-shards", "--format", "json"],
];

/// The middle segment a link to nothing (listed as an object, gone when read, as one another
/// machine removed in between): both commands exit 0, warn once naming its URL, and count or
/// show the documents of the first and the third.
#[test]
fn a_segment_gone_since_it_was_listed_is_skipped_and_the_later_ones_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (config, url) = shared_feed(dir.path(), |second| {
        std::os::unix::fs::symlink(dir.path().join("nothing"), second).expect("symlink");
    });
    for args in BOTH {
        let out = run_nianbao(&config, args);
        let err = stderr(&out);
        assert!(out.status.success(), "{args:?}: {err}");
        let warnings: Vec<&str> = err.lines().filter(|l| l.contains(&url)).collect();
        assert_eq!(warnings.len(), 1, "{args:?}: one warning: {err}");
        assert!(
            warnings[0].starts_with(&format!("warning: skipped feed segment {url}: ")),
            "{args:?}: {err}"
        );
        let json: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
        if args[0] == "status" {
            let row = json["portals"]
                .as_array()
                .and_then(|rows| rows.iter().find(|r| r["portal"] == "p0007"))
                .unwrap_or_else(|| panic!("a row of the portal: {json}"));
            assert_eq!(row["documents"], 2, "{row}");
            assert_eq!(row["versions"], 2, "{row}");
        } else {
            let shown = json.to_string();
            for id in ["\"first\"", "\"third\""] {
                assert!(shown.contains(id), "{id} in {shown}");
            }
        }
    }
}

/// The middle segment there but unreadable (a folder's symlink: a read error, as a storage
/// outage gives): both commands fail with exit 3 naming its URL rather than show its documents
/// as missing.
#[test]
fn an_unreadable_segment_fails_the_command_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (config, url) = shared_feed(dir.path(), |second| {
        std::os::unix::fs::symlink(dir.path(), second).expect("symlink");
    });
    for args in BOTH {
        let out = run_nianbao(&config, args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {err}");
        let path = url.trim_start_matches("file://");
        assert!(err.contains(path), "{args:?} names the segment: {err}");
    }
}
