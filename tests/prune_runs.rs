//! `nianbao prune-runs`: run reports older than the age given leave the index and data_dir/runs/
//! together, except those a cell of `report`, a portal's header, `status` or the next crawl
//! still rests on: a backfill long ago that walked lists completely stays, and so do the newest
//! 60 runs, so `report --format json` and `status --format json` say the same before and after.
//! `--dry-run` removes nothing, a second prune removes nothing more, and a file left without its
//! index entry by a prune stopped half way goes too. With shared storage, the copies of the
//! runs it removes go from the shard's own `runs/<label>/`, and never another's.
#![allow(clippy::disallowed_macros)] // tests and benches print figures and progress

mod common;
mod shards_support;
mod withdrawn_support;

use std::path::Path;
use std::time::Duration;

use chrono::Utc;
use common::runs::add_nightly_runs;
use common::{Harness, stderr};
use nianbao::store::Store;
use nianbao_sim::SiteSpec;
use serde_json::Value;
use shards_support::{TwoShards, run_started};

const RUN_ID: &str = "%Y%m%dT%H%M%S%.3fZ";

/// The run ids the index holds, oldest first (the store must be closed).
fn index_runs(data_dir: &Path) -> Vec<String> {
    let store = Store::open(data_dir).expect("open store");
    let mut ids: Vec<String> = store
        .runs_sized_newest_first::<Value>()
        .map(|entry| entry.expect("read the runs").0)
        .collect();
    ids.reverse();
    ids
}

/// The run ids of the files under data_dir/runs/, oldest first.
fn run_files(data_dir: &Path) -> Vec<String> {
    common::runs::run_file_ids(data_dir)
}

/// Moves the newest run `days` back in time, in the index and its file: a run made long ago.
fn backdate_newest_run(data_dir: &Path, days: i64) -> String {
    let store = Store::open(data_dir).expect("open store");
    let mut run: Value = store
        .runs_newest_first::<Value>()
        .next()
        .expect("a run report");
    let id = run["run_id"].as_str().expect("run_id").to_string();
    let then = Utc::now() - chrono::Duration::days(days);
    let new_id = then.format(RUN_ID).to_string();
    run["run_id"] = new_id.clone().into();
    run["started_at"] = then.to_rfc3339().into();
    run["finished_at"] = (then + chrono::Duration::minutes(5)).to_rfc3339().into();
    store.remove_run(&id).expect("remove");
    store.put_run(&new_id, &run).expect("put");
    store.flush().expect("flush");
    let runs = data_dir.join("runs");
    std::fs::remove_file(runs.join(format!("{id}.json"))).expect("the run's file");
    std::fs::write(
        runs.join(format!("{new_id}.json")),
        serde_json::to_vec_pretty(&run).expect("JSON"),
    )
    .expect("write");
    new_id
}

/// `report --format json` without the time it was made, and `status --format json`.
fn views(h: &Harness) -> (Value, Value) {
    let mut report = h.json_of(&["report", "--format", "json"]);
    report["generated_at"] = Value::Null;
    (report, h.json_of(&["status", "--format", "json"]))
}

fn prune(h: &Harness, args: &[&str]) -> String {
    let mut all = vec!["prune-runs"];
    all.extend_from_slice(args);
    let out = h.run(&all);
    assert_eq!(out.status.code(), Some(0), "prune-runs: {}", stderr(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What a prune said, less the time its cutoff fell on.
fn without_cutoff(said: &str) -> String {
    match said.split_once(" started before ") {
        Some((head, tail)) => format!("{head}{}", tail.split_once(' ').map_or("", |t| t.1)),
        None => said.to_string(),
    }
}

/// The states of the portal's cells, year by year, from `report --format json`.
fn states(report: &Value) -> Vec<(i64, String)> {
    report["portals"][0]["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .flat_map(|r| r["cells"].as_array().cloned().unwrap_or_default())
        .map(|c| {
            let year = c["year"].as_i64().expect("year");
            (year, c["state"].as_str().expect("state").to_string())
        })
        .collect()
}

#[test]
fn pruning_keeps_what_report_and_status_rest_on_and_drops_the_rest() {
    let h = Harness::with_sites(
        vec![SiteSpec::standard_named("trs").expect("standard site")],
        Duration::from_millis(20),
    );
    let site = h.sim.site("trs");
    let portal = site.portal_name().to_string();
    let data_dir = h.data_dir();

    // A backfill long ago walked the lists completely: the years it found nothing in are
    // `not_found` because of it alone.
    let out = h.run(&["backfill", "--years", "2024-2025"]);
    assert_eq!(out.status.code(), Some(0), "backfill: {}", stderr(&out));
    let backfill = backdate_newest_run(&data_dir, 600);
    // Then 150 nightly crawls, the oldest 150.5 days ago, the newest 1.5 days ago; each stopped
    // early on known items, so none of them settles a year.
    let first = Utc::now() - chrono::Duration::hours(150 * 24 + 12);
    let nightlies = add_nightly_runs(
        &data_dir,
        &[(portal.clone(), site.host())],
        first,
        150,
        true,
    );
    // A file a prune stopped half way left behind: its index entry is gone.
    let orphan = (Utc::now() - chrono::Duration::days(700))
        .format(RUN_ID)
        .to_string();
    std::fs::write(data_dir.join("runs").join(format!("{orphan}.json")), b"{}").expect("write");

    let before = views(&h);
    let not_found: Vec<i64> = states(&before.0)
        .into_iter()
        .filter(|(_, s)| s == "not_found")
        .map(|(y, _)| y)
        .collect();
    assert!(
        !not_found.is_empty(),
        "the backfill settles some years as not found: {:?}\n{}",
        states(&before.0),
        before.0["portals"][0]["rows"][0]["cells"]
    );
    let mut all = vec![backfill.clone()];
    all.extend(nightlies.iter().cloned());
    assert_eq!(index_runs(&data_dir), all);
    let mut files = all.clone();
    files.insert(0, orphan.clone());
    assert_eq!(run_files(&data_dir), files);

    // A dry run says what would go and removes nothing.
    let dry = prune(&h, &["--older-than", "100d", "--dry-run"]);
    assert_eq!(index_runs(&data_dir), all);
    assert_eq!(run_files(&data_dir), files);

    // Older than 100 days: the 51 oldest nightlies go, and the orphaned file; the backfill
    // stays, and with it every cell and header.
    let said = prune(&h, &["--older-than", "100d"]);
    assert_eq!(
        views(&h),
        before,
        "report and status after the prune\n{said}"
    );
    assert!(
        said.contains("removed 51 run reports") && said.contains("52 files"),
        "{said}"
    );
    assert!(said.contains(&format!("oldest kept: {backfill}")), "{said}");
    assert_eq!(
        without_cutoff(&said.replace("removed", "would remove")),
        without_cutoff(&dry)
    );
    let mut kept = vec![backfill.clone()];
    kept.extend(nightlies[51..].iter().cloned());
    assert_eq!(index_runs(&data_dir), kept);
    assert_eq!(run_files(&data_dir), kept);

    // Again: nothing more goes.
    let said = prune(&h, &["--older-than", "100d"]);
    assert!(said.contains("removed 0 run reports"), "{said}");
    assert_eq!(index_runs(&data_dir), kept);

    // Older than 30 days: 29 nightlies are newer, but the next crawl reads the newest 60.
    let said = prune(&h, &["--older-than", "30d"]);
    assert_eq!(
        views(&h),
        before,
        "report and status after the second prune\n{said}"
    );
    assert!(said.contains("removed 39 run reports"), "{said}");
    let mut kept = vec![backfill];
    kept.extend(nightlies[90..].iter().cloned());
    assert_eq!(index_runs(&data_dir), kept);
    assert_eq!(run_files(&data_dir), kept);

    // The index gives the space back when compacted, and says the same after.
    let export = |h: &Harness| {
        let out = h.run(&["export", "--format", "jsonl"]);
        assert_eq!(out.status.code(), Some(0), "export: {}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let archived = export(&h);
    assert!(!archived.is_empty());
    let index = data_dir.join("index");
    let bytes = common::dir_bytes(&index);
    let out = h.run(&["compact"]);
    assert_eq!(out.status.code(), Some(0), "compact: {}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(said.starts_with("compacted "), "{said}");
    let after = common::dir_bytes(&index);
    assert!(after < bytes, "{bytes} bytes before, {after} after: {said}");
    assert_eq!(views(&h), before, "report and status after compacting");
    assert!(
        export(&h) == archived,
        "the archive's records after compacting"
    );
    assert_eq!(index_runs(&data_dir), kept);
    // And a crawl goes on from it, after the versions archived before (the backfill took two
    // years only: the crawl takes the others).
    let out = h.run(&["crawl"]);
    assert_eq!(out.status.code(), Some(0), "crawl: {}", stderr(&out));
    let now = export(&h);
    assert!(
        now.len() > archived.len() && now.starts_with(&archived),
        "the crawl after compacting: {} records before, {} after",
        archived.lines().count(),
        now.lines().count()
    );
}

/// Two shards share a folder as storage, each with 70 runs from 101 to 170 days ago besides
/// tonight's. `prune-runs --older-than 100d` in shard A's data_dir removes the 11 oldest (the
/// newest 60 stay) and their copies under A's label, and an old copy there whose run the index
/// no longer holds; a recent copy without an index entry, A's kept runs and every copy of shard
/// B stay. `--dry-run` lists the copies and removes none; `status --all-shards` and `report
/// --all-shards` say the same after. A copy that cannot be deleted is named by its URL, the
/// others go, the exit code is 1, and the next prune removes it.
#[test]
fn pruning_removes_the_shards_own_copies_in_shared_storage_and_no_others() {
    let shards = TwoShards::new();
    shards.night();
    let a = shards.portal_shard();
    let b = 3 - a;
    let (label_a, label_b) = (TwoShards::label(a), TwoShards::label(b));
    let dir_a = shards.shard_dir(a);
    let old_a = shards.add_old_runs(a, (101..171).rev());
    shards.add_old_runs(b, (101..171).rev());
    // Copies under A's label whose index entries are gone: one older than the age, one newer.
    let folder_a = shards.shared.join("runs").join(&label_a);
    let template = std::fs::read(folder_a.join(format!("{}.json", old_a[0]))).expect("a copy");
    let template: Value = serde_json::from_slice(&template).expect("JSON");
    let copy_of = |days: i64| {
        let (id, run) = run_started(&template, Utc::now() - chrono::Duration::days(days));
        let path = folder_a.join(format!("{id}.json"));
        std::fs::write(&path, run.to_string()).expect("a copy");
        (id, path)
    };
    let (orphan, _) = copy_of(300);
    let (recent, _) = copy_of(5);
    let views = || {
        let status: Value =
            serde_json::from_slice(&shards.run(&["status", "--all-shards", "--format", "json"]))
                .expect("status JSON");
        let mut report: Value =
            serde_json::from_slice(&shards.run(&["report", "--all-shards", "--format", "json"]))
                .expect("report JSON");
        report["generated_at"] = Value::Null;
        (status, report)
    };
    let before = views();
    let (copies_a, copies_b) = (shards.copies(&label_a), shards.copies(&label_b));
    assert_eq!(copies_a.len(), 73, "{copies_a:?}");
    assert_eq!(copies_b.len(), 71, "{copies_b:?}");
    let prune = |args: &[&str]| {
        let all = [
            &["--data-dir", &dir_a, "prune-runs", "--older-than", "100d"],
            args,
        ]
        .concat();
        common::route_server::run_nianbao(&shards.portal.config, &all)
    };
    let url = |id: &str| format!("file://{}", folder_a.join(format!("{id}.json")).display());

    // A dry run lists the copies it would remove, and removes none.
    let out = prune(&["--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    let listed: Vec<&str> = said.lines().filter_map(|l| l.strip_prefix("  ")).collect();
    let mut gone: Vec<String> = old_a[..11].to_vec();
    gone.insert(0, orphan.clone());
    assert_eq!(
        listed,
        gone.iter().map(|id| url(id)).collect::<Vec<_>>(),
        "{said}"
    );
    assert!(
        said.contains("would remove 12 run report copies in shared storage (")
            && said.contains(", 1 of them with no index entry) from "),
        "{said}"
    );
    assert_eq!(shards.copies(&label_a), copies_a);

    let out = prune(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(said.contains("removed 11 run reports"), "{said}");
    assert!(
        said.contains("removed 12 run report copies in shared storage ("),
        "{said}"
    );
    let mut kept = index_runs(std::path::Path::new(&dir_a));
    assert_eq!(kept[..59], old_a[11..], "the newest 60 runs stay");
    kept.push(recent.clone());
    kept.sort();
    assert_eq!(
        shards.copies(&label_a),
        kept,
        "A's copies are its kept runs'"
    );
    assert_eq!(
        shards.copies(&label_b),
        copies_b,
        "B's copies, old ones too, stay"
    );
    assert_eq!(
        views(),
        before,
        "status and report of all shards after the prune"
    );

    // A copy that cannot be deleted is named; the others go; the next prune removes it.
    let (stuck, stuck_path) = copy_of(400);
    let (other, _) = copy_of(401);
    let Some(undo) = undeletable(&stuck_path) else {
        eprintln!(
            "skipped the undeletable copy: neither a read-only folder nor an immutable file stops a delete here"
        );
        return;
    };
    let out = prune(&[]);
    let err = stderr(&out);
    undo();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "error: cannot remove the run report copy {}: ",
            url(&stuck)
        )),
        "{err}"
    );
    // With a read-only folder the other cannot go either, and is named too.
    let named = err.contains(&url(&other));
    assert_eq!(shards.copies(&label_a).contains(&other), named, "{err}");
    let out = prune(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(shards.copies(&label_a), kept);
    assert_eq!(shards.copies(&label_b), copies_b);
}

/// Makes `file` impossible to delete: its folder read-only, or for root, whom that does not
/// stop, the file immutable (`chattr +i`). How to undo it, or None when neither works here.
fn undeletable(file: &Path) -> Option<Box<dyn FnOnce()>> {
    use std::os::unix::fs::PermissionsExt;
    fn chmod(folder: &Path, mode: u32) {
        std::fs::set_permissions(folder, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }
    fn chattr(flag: &str, file: &Path) -> bool {
        std::process::Command::new("chattr")
            .arg(flag)
            .arg(file)
            .output()
            .is_ok_and(|out| out.status.success())
    }
    let folder = file.parent().expect("a folder").to_path_buf();
    chmod(&folder, 0o555);
    let probe = folder.join(".probe");
    if std::fs::write(&probe, b"").is_err() {
        return Some(Box::new(move || chmod(&folder, 0o755)));
    }
    let _ = std::fs::remove_file(&probe);
    chmod(&folder, 0o755);
    let file = file.to_path_buf();
    chattr("+i", &file).then(|| -> Box<dyn FnOnce()> {
        Box::new(move || assert!(chattr("-i", &file), "chattr -i {}", file.display()))
    })
}

/// What the operator sees on disk: a year of nightly run reports over 2,000 portals (about
/// 600 MB of index, as in the scale benchmark), pruned to 90 days, then a month of nightlies
/// more, then compacted. Figures are printed: they depend on sled's log, not on nianbao; the
/// assertions are that the prune and the compaction left what they should.
#[test]
#[ignore = "a measurement: minutes and gigabytes; run it by name (see README)"]
fn disk_use_after_pruning_a_year_of_run_reports() {
    let h = Harness::with_sites(
        vec![SiteSpec::standard_named("trs").expect("standard site")],
        Duration::from_millis(20),
    );
    let data_dir = h.data_dir();
    let index = data_dir.join("index");
    let mb = |bytes: u64| bytes as f64 / 1e6;
    let blobs = index.join("blobs");
    let portals: Vec<(String, String)> = (0..2000)
        .map(|p| {
            (
                format!("p{p:04}"),
                format!("127.0.{}.{}", 1 + p / 250, 1 + p % 250),
            )
        })
        .collect();
    let first = Utc::now() - chrono::Duration::hours(365 * 24 + 12);
    add_nightly_runs(&data_dir, &portals, first, 365, false);
    println!(
        "365 run reports: index {:.1} MB on disk ({:.1} MB of it in blobs/)",
        mb(common::dir_bytes(&index)),
        mb(common::dir_bytes(&blobs))
    );
    let said = prune(&h, &["--older-than", "90d"]);
    print!("{said}");
    println!(
        "right after the prune: index {:.1} MB ({:.1} MB of it in blobs/)",
        mb(common::dir_bytes(&index)),
        mb(common::dir_bytes(&blobs))
    );
    let out = h.run(&["status", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "status: {}", stderr(&out));
    println!(
        "after the next command opened and closed the store: index {:.1} MB",
        mb(common::dir_bytes(&index))
    );
    assert_eq!(
        index_runs(&data_dir).len(),
        89,
        "the runs of the last 90 days stay"
    );
    let next = Utc::now() + chrono::Duration::hours(1);
    add_nightly_runs(&data_dir, &portals, next, 30, false);
    println!(
        "after 30 more nightly run reports: index {:.1} MB ({:.1} MB of it in blobs/)",
        mb(common::dir_bytes(&index)),
        mb(common::dir_bytes(&blobs))
    );
    let out = h.run(&["compact"]);
    assert_eq!(out.status.code(), Some(0), "compact: {}", stderr(&out));
    print!("{}", String::from_utf8_lossy(&out.stdout));
    println!(
        "after nianbao compact: index {:.1} MB ({:.1} MB of it in blobs/)",
        mb(common::dir_bytes(&index)),
        mb(common::dir_bytes(&blobs))
    );
    assert_eq!(
        index_runs(&data_dir).len(),
        119,
        "compacting keeps every run"
    );
}
