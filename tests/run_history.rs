//! A nightly writes a run report a night, for years. What reads them (a crawl's start and end,
//! `status`, `report`) reads them newest first and only as far back as it needs, and a damaged
//! report is passed over with a warning naming it, never the end of a run or a command.

mod common;

use std::time::Duration;

use common::{Harness, stderr};
use nianbao::report::PortalReport;
use nianbao_sim::{FaultKind, FaultTarget, PathFault, SiteSpec};
use serde_json::{Value, json};

/// Older runs than a crawl reads of the history (it reads the last 60).
const OLD_RUNS: usize = 80;

/// The key of the oldest report: damaged, and older than anything a crawl or `status` needs.
const OLDEST: &str = "20200101T000000.000Z";

/// A run report that walked `portal`, stored under `run_id`.
fn old_run(run_id: &str, portal: &str) -> Value {
    json!({
        "run_id": run_id,
        "command": "backfill 2009-2010",
        "started_at": "2021-01-01T00:00:00Z",
        "finished_at": "2021-01-01T00:10:00Z",
        "elapsed_secs": 600.0,
        "interrupted": false,
        "resumable_tasks": 0,
        "portals": { portal: PortalReport::default() },
        "hosts": [],
    })
}

/// The newest run report's id (its file name under data_dir/runs/).
fn newest_run_id(h: &Harness) -> String {
    common::runs::run_file_ids(&h.data_dir())
        .pop()
        .expect("a run report")
}

#[test]
fn a_long_run_history_is_read_only_as_far_as_needed_and_damage_is_passed_over() {
    let h = Harness::with_sites(
        vec![SiteSpec::standard_named("trs").expect("standard site")],
        Duration::from_millis(20),
    );
    let portal = h.sim.site("trs").portal_name().to_string();
    let first = h.run(&["crawl"]);
    assert_eq!(first.status.code(), Some(0), "crawl: {}", stderr(&first));
    let crawled = newest_run_id(&h);
    let behind = format!("{}Y", crawled.trim_end_matches('Z'));

    // Years of older runs behind it, the oldest damaged, and one damaged right behind it.
    {
        let index = sled::open(h.data_dir().join("index")).expect("open the index");
        let runs = index.open_tree("runs").expect("runs tree");
        runs.insert(OLDEST, &b"{\"run_id\": \"20200101T0"[..])
            .expect("write");
        for n in 0..OLD_RUNS {
            let id = format!("2021{:02}{:02}T000000.000Z", 1 + n / 28, 1 + n % 28);
            let report = serde_json::to_vec(&old_run(&id, &portal)).expect("JSON");
            runs.insert(id.as_bytes(), report).expect("write");
        }
        runs.insert(behind.as_bytes(), &b"not JSON"[..])
            .expect("write");
        index.flush().expect("flush");
    }

    // `status` shows the newest run, and stops there: every portal has its last run.
    let out = h.run(&["status", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "status: {}", stderr(&out));
    let status: Value = serde_json::from_slice(&out.stdout).expect("status JSON");
    let row = status["portals"]
        .as_array()
        .expect("portals")
        .iter()
        .find(|p| p["portal"] == portal.as_str())
        .expect("the portal's row");
    assert_eq!(row["last_run_command"], "crawl", "{row}");
    let said = stderr(&out);
    assert!(
        !said.contains(&behind) && !said.contains(OLDEST),
        "status read back past the newest report although it had what it needed:\n{said}"
    );

    // A crawl reads the last 60 reports at most: it compares with the first crawl (a health
    // event shows it did), never reaches the oldest, and ends well.
    let trs = h.sim.site("trs");
    trs.add_path_fault(PathFault {
        target: FaultTarget::Exact(trs.section_url().path().to_string()),
        kind: FaultKind::Redirect {
            status: 302,
            location: "/portal/gkml/index.html".into(),
        },
    });
    let second = h.run(&["crawl"]);
    let said = stderr(&second);
    assert!(
        matches!(second.status.code(), Some(0 | 1)),
        "the crawl completes: {:?}\n{said}",
        second.status
    );
    let report: Value = serde_json::from_slice(
        &std::fs::read(
            h.data_dir()
                .join("runs")
                .join(format!("{}.json", newest_run_id(&h))),
        )
        .expect("the second crawl's report"),
    )
    .expect("run report JSON");
    assert_ne!(report["run_id"], crawled.as_str(), "a new run report");
    let kinds: Vec<&str> = report["portals"][portal.as_str()]["health"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["kind"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        kinds.contains(&"redirected"),
        "the crawl compared the portal with its last run: {kinds:?}\n{said}"
    );
    assert!(
        said.contains(&behind) && !said.contains(OLDEST),
        "the crawl passed over the damaged report behind the first crawl and read back no further than 60 runs:\n{said}"
    );

    // The coverage report reads the whole history (a backfill years ago may be what walked a
    // list), passing the damaged reports over.
    let out = h.run(&["report", "--format", "csv"]);
    let said = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "report: {said}");
    assert!(
        said.contains(OLDEST) && said.contains(&behind) && said.contains("cannot be read"),
        "report names the damaged reports it passed over:\n{said}"
    );
}

/// A newer version's run report (health events of a kind this version does not know) is read
/// for all the rest it says: the events are passed over with one warning naming their kind, not
/// one per event (a nightly over thousands of portals would say it thousands of times a run).
#[test]
fn a_health_event_of_a_newer_kind_costs_no_run_report() {
    let h = Harness::with_sites(
        vec![SiteSpec::standard_named("trs").expect("standard site")],
        Duration::from_millis(20),
    );
    let portal = h.sim.site("trs").portal_name().to_string();
    let first = h.run(&["crawl"]);
    assert_eq!(first.status.code(), Some(0), "crawl: {}", stderr(&first));
    let crawled = newest_run_id(&h);
    let index_dir = h.data_dir().join("index");

    // The newest report as a newer version would write it: one event of an unknown kind.
    {
        let index = sled::open(&index_dir).expect("open the index");
        let runs = index.open_tree("runs").expect("runs tree");
        let stored = runs
            .get(crawled.as_bytes())
            .expect("read")
            .expect("the crawl's report");
        let mut report: Value = serde_json::from_slice(&stored).expect("run report JSON");
        let event =
            json!({ "kind": "dns_changed", "detail": "the section's host now resolves elsewhere" });
        report["portals"][portal.as_str()]["health"] = json!([event, event, event]);
        runs.insert(
            crawled.as_bytes(),
            serde_json::to_vec(&report).expect("JSON"),
        )
        .expect("write");
        index.flush().expect("flush");
    }
    let out = h.run(&["status", "--format", "json"]);
    let said = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "status: {said}");
    let status: Value = serde_json::from_slice(&out.stdout).expect("status JSON");
    let row = status["portals"]
        .as_array()
        .expect("portals")
        .iter()
        .find(|p| p["portal"] == portal.as_str())
        .expect("the portal's row");
    assert_eq!(row["last_run_command"], "crawl", "{row}\n{said}");
    assert!(
        said.contains("dns_changed") && !said.contains("cannot be read"),
        "status names the event it passed over, and reads the report:\n{said}"
    );
    assert_eq!(
        said.lines().filter(|l| l.contains("dns_changed")).count(),
        1,
        "one warning for the kind, not one per event:\n{said}"
    );
}

/// A newest run report damaged beyond reading (a cut write) is passed over by the next crawl,
/// with a warning naming it: the crawl runs and writes its own.
#[test]
fn a_damaged_newest_run_report_does_not_stop_the_next_crawl() {
    let h = Harness::with_sites(
        vec![SiteSpec::standard_named("trs").expect("standard site")],
        Duration::from_millis(20),
    );
    let first = h.run(&["crawl"]);
    assert_eq!(first.status.code(), Some(0), "crawl: {}", stderr(&first));
    let crawled = newest_run_id(&h);
    let index_dir = h.data_dir().join("index");
    {
        let index = sled::open(&index_dir).expect("open the index");
        let runs = index.open_tree("runs").expect("runs tree");
        runs.insert(crawled.as_bytes(), &b"{\"run_id\": \"2026"[..])
            .expect("write");
        index.flush().expect("flush");
    }
    let second = h.run(&["crawl"]);
    let said = stderr(&second);
    assert!(
        matches!(second.status.code(), Some(0 | 1)),
        "the crawl completes: {:?}\n{said}",
        second.status
    );
    assert!(
        said.contains(&crawled),
        "the damaged report is named:\n{said}"
    );
    assert_ne!(newest_run_id(&h), crawled, "the crawl wrote its report");
}

/// A file where data_dir/runs should be a folder (an operator's mistake, a stray copy): the
/// crawl keeps what it archived (the store is committed first) and ends with exit 3 and a
/// message naming the folder it could not write its report to.
#[test]
fn a_file_where_the_runs_folder_should_be_is_named() {
    let h = Harness::with_sites(
        vec![SiteSpec::standard_named("trs").expect("standard site")],
        Duration::from_millis(20),
    );
    let runs = h.data_dir().join("runs");
    std::fs::create_dir_all(h.data_dir()).expect("data_dir");
    std::fs::write(&runs, "not a folder").expect("write a file");
    let out = h.run(&["crawl"]);
    let said = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{said}");
    assert!(said.contains(&*runs.to_string_lossy()), "{said}");
    assert!(!h.export().is_empty(), "what was archived is kept");
}
