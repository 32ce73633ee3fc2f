//! Run reports stamped by a wrong clock: a run recorded while the clock ran decades ahead (2090)
//! is not read as the newest run by `status`, `report` or the next crawl, and `prune-runs`
//! removes it once nothing rests on it instead of keeping it until 2090; a run whose clock is
//! behind the newest run's (by less than a day here; 1970 is the same case) takes the id just
//! after that run's, so it is read as the newest.

mod common;

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use common::runs::add_nightly_runs;
use common::{Harness, stderr};
use nianbao::store::{Store, run_id_at};
use nianbao_sim::SiteSpec;
use serde_json::Value;

/// The run ids the index holds, newest first as it reads them (the store must be closed).
fn index_runs(data_dir: &Path) -> Vec<String> {
    let store = Store::open(data_dir).expect("open store");
    store
        .runs_sized_newest_first::<Value>()
        .map(|entry| entry.expect("read the runs").0)
        .collect()
}

/// Adds a copy of the newest run as though it had started at `at`, in the index and its file.
fn add_run_stamped(data_dir: &Path, at: DateTime<Utc>) -> String {
    let store = Store::open(data_dir).expect("open store");
    let mut run: Value = store
        .runs_newest_first::<Value>()
        .next()
        .expect("a run report");
    let id = run_id_at(at);
    run["run_id"] = id.clone().into();
    run["started_at"] = at.to_rfc3339().into();
    run["finished_at"] = (at + chrono::Duration::minutes(5)).to_rfc3339().into();
    store.put_run(&id, &run).expect("put");
    store.flush().expect("flush");
    std::fs::write(
        data_dir.join("runs").join(format!("{id}.json")),
        serde_json::to_vec_pretty(&run).expect("JSON"),
    )
    .expect("write");
    id
}

fn crawl(h: &Harness) {
    let out = h.run(&["crawl"]);
    assert_eq!(out.status.code(), Some(0), "crawl: {}", stderr(&out));
}

/// The `last_run` `status --format json` shows for the one portal.
fn status_last_run(h: &Harness) -> Value {
    let status = h.json_of(&["status", "--format", "json"]);
    let portals = status["portals"].as_array().cloned().unwrap_or_default();
    assert_eq!(portals.len(), 1, "one portal: {status}");
    portals[0]["last_run"].clone()
}

#[test]
fn a_run_from_2090_is_not_the_newest_and_is_pruned_when_nothing_rests_on_it() {
    let h = Harness::with_sites(
        vec![SiteSpec::standard_named("trs").expect("standard site")],
        Duration::from_millis(20),
    );
    let site = h.sim.site("trs");
    let portal = site.portal_name().to_string();
    let data_dir = h.data_dir();
    crawl(&h);
    // 70 nightlies in the past, more than the 60 a crawl reads.
    let first = Utc::now() - chrono::Duration::days(80);
    add_nightly_runs(&data_dir, &[(portal, site.host())], first, 70, true);
    let future_at: DateTime<Utc> = "2090-01-01T02:00:00Z".parse().expect("a time");
    let future = add_run_stamped(&data_dir, future_at);
    assert_eq!(
        index_runs(&data_dir).last(),
        Some(&future),
        "read as the oldest"
    );

    // A night with the clock right again: its run is the newest for status and report.
    crawl(&h);
    let runs = index_runs(&data_dir);
    let tonight = runs[0].clone();
    assert!(tonight < future, "tonight's id is its start: {tonight}");
    let store = Store::open(&data_dir).expect("open store");
    let newest: Value = store.last_run().expect("read").expect("a run");
    drop(store);
    assert_eq!(newest["run_id"], tonight.as_str());
    let last = status_last_run(&h);
    assert_eq!(last, newest["finished_at"], "status shows tonight's run");
    assert!(
        !last.as_str().unwrap_or_default().starts_with("2090"),
        "{last}"
    );
    let report = h.json_of(&["report", "--format", "json"]);
    assert!(
        !report.to_string().contains(&future),
        "report rests on no 2090 run: {report}"
    );

    // 400 days: the 2090 run is not among the newest 60 and nothing rests on it, so it goes.
    let out = h.run(&["prune-runs", "--older-than", "400d"]);
    assert_eq!(out.status.code(), Some(0), "prune: {}", stderr(&out));
    let after = index_runs(&data_dir);
    assert!(
        !after.contains(&future),
        "the 2090 run is pruned: {after:?}"
    );
    assert!(
        !data_dir
            .join("runs")
            .join(format!("{future}.json"))
            .exists()
    );
    // Every real run is younger than 400 days and stays.
    assert_eq!(after.len(), runs.len() - 1);
}

#[test]
fn a_run_whose_clock_is_behind_the_newest_run_is_read_as_the_newest() {
    let h = Harness::with_sites(
        vec![SiteSpec::standard_named("trs").expect("standard site")],
        Duration::from_millis(20),
    );
    let data_dir = h.data_dir();
    crawl(&h);
    // The last run's clock was three hours ahead: tonight's clock is behind it.
    let ahead = add_run_stamped(&data_dir, Utc::now() + chrono::Duration::hours(3));
    crawl(&h);
    let runs = index_runs(&data_dir);
    assert_eq!(runs.len(), 3, "{runs:?}");
    assert!(
        runs[0] > ahead,
        "tonight's run sorts after {ahead}: {runs:?}"
    );
    assert_eq!(runs[1], ahead);
    let store = Store::open(&data_dir).expect("open store");
    let newest: Value = store.last_run().expect("read").expect("a run");
    let started: DateTime<Utc> = newest["started_at"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("a start time");
    drop(store);
    assert!(
        started < Utc::now() + chrono::Duration::minutes(1),
        "its report keeps the clock's start: {started}"
    );
    assert_eq!(status_last_run(&h), newest["finished_at"]);
}
