//! Cheap run histories: nightly run reports written straight into a store through its own API,
//! for the tests and the benchmark that need months of them (the scale benchmark, pruning).

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use nianbao::report::{PortalReport, STOP_KNOWN_ITEMS, YearCount};
use nianbao::store::Store;

/// Writes `runs` nightly run reports, one a day from `first`, each naming every portal
/// (`(name, host)`) with the lists a night walks (the section and its two newest years, stopped
/// early on known items) and its host: what `status`, `report` and a crawl's start and end read
/// of the history is measured at the size it reaches after a year, not after one night. With
/// `files`, each is also written to `data_dir/runs/<run_id>.json`, as a run does. Returns the
/// run ids, oldest first.
pub fn add_nightly_runs(
    data_dir: &Path,
    portals: &[(String, String)],
    first: DateTime<Utc>,
    runs: usize,
    files: bool,
) -> Vec<String> {
    let store = Store::open(data_dir).expect("open store");
    store.defer_flushes(true).expect("bulk mode");
    let list = |stated: u64| YearCount {
        stated: Some(stated),
        found: 21,
        stated_pages: Some(stated.div_ceil(20)),
        pages: 2,
        fetched: 1,
        walked: [1, 2].into(),
        stops: [STOP_KNOWN_ITEMS.to_string()].into(),
        ..YearCount::default()
    };
    let mut ids = Vec::new();
    for night in 0..runs {
        let started = first + chrono::Duration::days(night as i64);
        let run_id = started.format("%Y%m%dT%H%M%S%.3fZ").to_string();
        let mut reports = BTreeMap::new();
        let mut hosts = Vec::new();
        for (p, (name, host)) in portals.iter().enumerate() {
            let report = PortalReport {
                requests: 4,
                list_pages: 2,
                items_fetched: 1,
                new_documents: (night % 30 == p % 30) as u64,
                unchanged: 1,
                failures: [("timeout".to_string(), (night % 7 == 0) as u64)].into(),
                lists: [
                    ("all".to_string(), list(100)),
                    ("2025".to_string(), list(40)),
                    ("2024".to_string(), list(60)),
                ]
                .into(),
                elapsed_secs: 3.5,
                ..PortalReport::default()
            };
            reports.insert(name.clone(), report);
            hosts.push(serde_json::json!({
                "host": host, "requests": 4, "challenges": 0, "retry_after_pauses": 0, "paused": null
            }));
        }
        let report = serde_json::json!({
            "run_id": run_id,
            "command": "crawl",
            "started_at": started.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "finished_at": (started + chrono::Duration::minutes(20))
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "elapsed_secs": 1200.0,
            "interrupted": false,
            "resumable_tasks": 0,
            "portals": reports,
            "hosts": hosts,
            "after_abnormal_end": false,
            "quarantined": [],
        });
        store.put_run(&run_id, &report).expect("store a run report");
        if files {
            let dir = data_dir.join("runs");
            std::fs::create_dir_all(&dir).expect("data_dir/runs");
            let json = serde_json::to_vec_pretty(&report).expect("JSON");
            std::fs::write(dir.join(format!("{run_id}.json")), json).expect("write a run report");
        }
        ids.push(run_id);
    }
    store.defer_flushes(false).expect("flush");
    ids
}

/// The run ids of the report files under `data_dir/runs/`, oldest first (ids sort by start).
pub fn run_file_ids(data_dir: &Path) -> Vec<String> {
    json_ids(&data_dir.join("runs"))
}

/// The names of the `.json` files in `folder` without the suffix (run ids), sorted.
pub fn json_ids(folder: &Path) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(folder)
        .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
        .filter_map(|e| {
            let name = e.expect("entry").file_name().to_string_lossy().into_owned();
            name.strip_suffix(".json").map(str::to_string)
        })
        .collect();
    ids.sort();
    ids
}
