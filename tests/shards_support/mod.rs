//! Two shards sharing a folder as storage, for the `--all-shards` tests in `tests/shards.rs` and
//! the shared-storage prune in `tests/prune_runs.rs`: the shards, their night, their status, their
//! older runs, and where a portal sits in a coverage matrix or page.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::common::{self, stderr};
use super::withdrawn_support::{self, PORTAL};

/// Two shards, each with its own data_dir, sharing a folder as storage; the withdrawn test
/// portal belongs to one of them.
pub struct TwoShards {
    pub portal: withdrawn_support::Portal,
    pub shared: PathBuf,
}

impl TwoShards {
    /// The portal listing reports 1, 2, 4, 5 and 7, with the count its list states (so that a
    /// complete walk proves an entry gone).
    pub fn new() -> TwoShards {
        use withdrawn_support::{Listing, Portal};
        let listing = Listing {
            stated: true,
            ..Listing::default()
        };
        let portal = Portal::listing(&[1, 2, 4, 5, 7], false, listing);
        let shared = portal.dir.path().join("shared");
        std::fs::create_dir_all(&shared).expect("shared folder");
        let text = std::fs::read_to_string(&portal.config).expect("config");
        let storage = format!("\n[storage]\nurl = \"file://{}\"\n", shared.display());
        std::fs::write(&portal.config, text + &storage).expect("config");
        TwoShards { portal, shared }
    }

    /// Runs nianbao with the portal's config, which must succeed: its stdout.
    pub fn run(&self, args: &[&str]) -> Vec<u8> {
        let out = common::route_server::run_nianbao(&self.portal.config, args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        out.stdout
    }

    pub fn shard_dir(&self, k: u32) -> String {
        let dir = self.portal.dir.path().join(format!("shard-{k}"));
        dir.to_str().expect("utf-8 path").to_string()
    }

    /// The label shard `k` puts its files under in storage.
    pub fn label(k: u32) -> String {
        format!("shard-{k}-of-2")
    }

    /// The shard (1 or 2) that walks the portal, from `status --all-shards` after a night.
    pub fn portal_shard(&self) -> u32 {
        let (row, _) = self.status();
        let label = row["shard"].as_str().expect("the portal's shard");
        (1..=2)
            .find(|&k| label == TwoShards::label(k))
            .unwrap_or_else(|| panic!("a shard's label: {label}"))
    }

    /// Runs as shard `k` would have left them `days` ago (each a copy of its newest run report,
    /// started that many days back): in its index, its data_dir's `runs/` and the storage's
    /// `runs/<label>/`. The store must be closed. Returns their run ids, as `days` orders them.
    pub fn add_old_runs(&self, k: u32, days: impl IntoIterator<Item = i64>) -> Vec<String> {
        let data_dir = PathBuf::from(self.shard_dir(k));
        let store = nianbao::store::Store::open(&data_dir).expect("open the shard's store");
        let newest: Value = store
            .runs_newest_first::<Value>()
            .next()
            .expect("a run report");
        let copies = self.shared.join("runs").join(TwoShards::label(k));
        let mut ids = Vec::new();
        for days in days {
            let then = chrono::Utc::now() - chrono::Duration::days(days);
            let (id, run) = run_started(&newest, then);
            store.put_run(&id, &run).expect("put a run");
            let json = serde_json::to_vec_pretty(&run).expect("JSON");
            let file = format!("{id}.json");
            std::fs::write(data_dir.join("runs").join(&file), &json).expect("the run's file");
            std::fs::write(copies.join(&file), &json).expect("the run's copy");
            ids.push(id);
        }
        store.flush().expect("flush");
        ids
    }

    /// The run ids of the copies in storage under `label`, oldest first.
    pub fn copies(&self, label: &str) -> Vec<String> {
        common::runs::json_ids(&self.shared.join("runs").join(label))
    }

    /// One night: each shard crawls its portals in turn.
    pub fn night(&self) {
        for k in 1..=2 {
            let dir = self.shard_dir(k);
            self.run(&["--data-dir", &dir, "crawl", "--shard", &format!("{k}/2")]);
        }
    }

    /// `status --all-shards`: the portal's row in JSON, and the text.
    pub fn status(&self) -> (Value, String) {
        let json = self.run(&["status", "--all-shards", "--format", "json"]);
        let json: Value = serde_json::from_slice(&json).expect("status JSON");
        let row = json["portals"]
            .as_array()
            .and_then(|rows| rows.iter().find(|r| r["portal"] == PORTAL))
            .cloned()
            .unwrap_or_else(|| panic!("a row of the portal: {json}"));
        let shards = json["shards"].as_array().map(Vec::len);
        assert!(
            shards >= Some(2),
            "both shards put their run reports: {json}"
        );
        let text = String::from_utf8_lossy(&self.run(&["status", "--all-shards"])).into_owned();
        (row, text)
    }

    /// Puts a copy of shard `label`'s newest run report as an earlier version wrote it (without
    /// the counts and marks of the portal at the run's end), newer, from another machine.
    pub fn put_older_version_run_report(&self, label: &str) {
        let runs = self.shared.join("runs").join(label);
        let mut reports: Vec<_> = std::fs::read_dir(&runs)
            .expect("the shard's run reports")
            .map(|e| e.expect("entry").path())
            .collect();
        reports.sort();
        let newest = reports.last().expect("a run report");
        let mut old: Value =
            serde_json::from_slice(&std::fs::read(newest).expect("run report")).expect("JSON");
        let id = format!("{}z", old["run_id"].as_str().expect("run id"));
        old["run_id"] = id.clone().into();
        let share = old["portals"][PORTAL]
            .as_object_mut()
            .expect("the portal's share");
        for field in ["withdrawn_now", "delisted_now", "linked_now", "marks_now"] {
            share.remove(field);
        }
        let older = self.shared.join("runs").join(OLDER_MACHINE);
        std::fs::create_dir_all(&older).expect("folder");
        std::fs::write(older.join(format!("{id}.json")), old.to_string()).expect("written");
    }
}

/// `run` as if started at `then` (five minutes long), with the id such a run gets.
pub fn run_started(run: &Value, then: chrono::DateTime<chrono::Utc>) -> (String, Value) {
    let id = then.format("%Y%m%dT%H%M%S%.3fZ").to_string();
    let mut run = run.clone();
    run["run_id"] = id.clone().into();
    run["started_at"] = then.to_rfc3339().into();
    run["finished_at"] = (then + chrono::Duration::minutes(5)).to_rfc3339().into();
    (id, run)
}

/// The label of the run reports [`TwoShards::put_older_version_run_report`] puts.
pub const OLDER_MACHINE: &str = "older-machine";

/// The portal's entry in a coverage matrix (`report --format json`).
pub fn portal_of(matrix: &Value) -> Value {
    matrix["portals"]
        .as_array()
        .and_then(|portals| portals.iter().find(|p| p["portal"] == PORTAL))
        .cloned()
        .unwrap_or_else(|| panic!("the portal in the matrix: {matrix}"))
}

/// The portal's entry as a coverage page's script reads it: `[name, url, last run, last
/// successful run, walk now, lists, trouble, failures, health, notes, rows, marks]`.
pub fn page_portal_of(page: &Path) -> Value {
    let data = common::coverage_page_data(page);
    data["p"]
        .as_array()
        .and_then(|portals| portals.iter().find(|p| p[0] == PORTAL))
        .cloned()
        .unwrap_or_else(|| panic!("the portal on the page: {data}"))
}
