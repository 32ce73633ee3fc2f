//! Two shards sharing a folder as storage, for the `--all-shards` tests in `tests/shards.rs`:
//! the shards, their night, their status, and where a portal sits in a coverage matrix or page.

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
