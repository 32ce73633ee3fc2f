//! Crawl shards: `crawl --shard K/3` in three processes at once, each with its own data_dir,
//! archive together exactly what one process archives, split by host so that no host is ever
//! asked by two processes (every gap between request starts to a host keeps its interval).
//! The shared-storage and JetStream halves of the shard proof are in `tests/shards_shared.rs`;
//! here, two shards sharing a folder as storage: `status --all-shards` gives each portal's
//! withdrawn and delisted counts from the run report of the shard that walked it, and
//! `report --all-shards` marks its cells from that run report as `report` does on one store.

mod common;
mod politeness_support;
mod shards_support;
mod withdrawn_support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use common::{Harness, stderr};
use politeness_support::gaps;
use serde_json::Value;
use shards_support::{OLDER_MACHINE, TwoShards, page_portal_of, portal_of};
use withdrawn_support::{PORTAL, Serve};

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

/// Two shards share a folder as storage. After a night in which the portal's list drops two
/// reports (one answers 404, one is still served), `status --all-shards` says 1 withdrawn
/// document and 1 delisted URL as of that run's end, read from the run report alone. A run
/// report written before runs carried these counts, newest for the portal, makes them unknown:
/// null in JSON, never 0.
#[test]
fn status_of_all_shards_counts_withdrawn_and_delisted_reports() {
    let shards = TwoShards::new();
    shards.night();
    let (row, text) = shards.status();
    assert_eq!(
        (&row["withdrawn"], &row["delisted"], &row["linked"]),
        (&0.into(), &0.into(), &0.into())
    );
    assert!(
        text.contains("withdrawn documents: 0, delisted URLs: 0, linked documents: 0 (as of "),
        "{text}"
    );

    shards.portal.serve(1, Serve::Unlisted(404));
    shards.portal.serve(2, Serve::Hidden);
    shards.night();
    let (row, text) = shards.status();
    assert_eq!(
        (&row["withdrawn"], &row["delisted"]),
        (&1.into(), &1.into())
    );
    let end = row["last_run"].as_str().expect("the run's end");
    let line =
        format!("withdrawn documents: 1, delisted URLs: 1, linked documents: 0 (as of {end})");
    assert!(text.contains(&line), "{text}");

    // An older version's run report, newest for the portal: the counts are unknown.
    shards.put_older_version_run_report(row["shard"].as_str().expect("the portal's shard"));
    let (row, text) = shards.status();
    assert_eq!(row["shard"], OLDER_MACHINE);
    assert!(
        row["withdrawn"].is_null() && row["delisted"].is_null() && row["linked"].is_null(),
        "{row}"
    );
    assert!(
        text.contains(
            "withdrawn documents: unknown, delisted URLs: unknown, linked documents: unknown (as of "
        ),
        "{text}"
    );
}

/// Two shards share a folder as storage, and the portal's list drops two reports in a night
/// (one answers 404, one is still served). `report --all-shards`, which reads no shard's store,
/// marks the withdrawn report's cell and the delisted one's exactly as `report` on the store of
/// the shard that walked the portal: the same cells in JSON, CSV and on the page. A run report
/// written before runs carried the marks, newest for the portal, leaves the cells unmarked and
/// says that the marks are unknown.
#[test]
fn report_of_all_shards_marks_withdrawn_and_delisted_reports_as_one_store_does() {
    let shards = TwoShards::new();
    shards.night();
    shards.portal.serve(1, Serve::Unlisted(404));
    shards.portal.serve(2, Serve::Hidden);
    shards.night();
    let k = shards.portal_shard();
    let label = TwoShards::label(k);
    let own_dir = shards.shard_dir(k);
    let matrix = |args: &[&str]| -> Value {
        let json = shards.run(args);
        portal_of(&serde_json::from_slice(&json).expect("report JSON"))
    };
    let page = |args: &[&str], name: &str| -> Value {
        let path = shards.portal.dir.path().join(name);
        let path_arg = path.to_str().expect("utf-8 path");
        shards.run(&[args, &["--html", path_arg]].concat());
        page_portal_of(&path)
    };

    let one_store = matrix(&["--data-dir", &own_dir, "report", "--format", "json"]);
    let cells: Vec<&Value> = one_store["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["cells"].as_array().into_iter().flatten())
        .collect();
    // The comparison below is worth something only if the store's report marks both.
    assert!(
        cells.iter().any(|c| c["withdrawn"].is_object())
            && cells.iter().any(|c| c["delisted"].is_object()),
        "one store's report marks a withdrawn and a delisted cell: {one_store}"
    );
    let all = matrix(&["report", "--all-shards", "--format", "json"]);
    assert_eq!(
        all["rows"], one_store["rows"],
        "the cells, all shards vs one store"
    );
    assert!(all["marks"].is_null(), "every mark is known: {all}");

    // The CSV's lines of the portal, marks included (`withdrawn_*`, `delisted_since`).
    let csv = |args: &[&str]| -> Vec<String> {
        let text = String::from_utf8(shards.run(args)).expect("UTF-8 CSV");
        text.lines()
            .filter(|line| line.contains(PORTAL))
            .map(str::to_string)
            .collect()
    };
    let one_csv = csv(&["--data-dir", &own_dir, "report", "--format", "csv"]);
    assert!(!one_csv.is_empty(), "the portal's lines in CSV");
    let all_csv = csv(&["report", "--all-shards", "--format", "csv"]);
    assert_eq!(all_csv, one_csv, "the CSV lines, all shards vs one store");

    let one_page = page(&["--data-dir", &own_dir, "report"], "one.html");
    let all_page = page(&["report", "--all-shards"], "all.html");
    // Each cell's note (9) and the rows (10) with their marks; no word on the marks (11).
    for i in 9..=11 {
        assert_eq!(
            all_page[i], one_page[i],
            "page entry {i}, all shards vs one store"
        );
    }

    // An older version's run report, newest for the portal: no marks, and the page says so.
    shards.put_older_version_run_report(&label);
    let all = matrix(&["report", "--all-shards", "--format", "json"]);
    let marked = all.to_string();
    assert!(
        !marked.contains("\"withdrawn\"") && !marked.contains("\"delisted\""),
        "nothing marked: {all}"
    );
    let unknown = all["marks"].as_str().unwrap_or_default();
    assert!(
        unknown.starts_with("withdrawn and delisted marks unknown")
            && unknown.contains(OLDER_MACHINE),
        "{all}"
    );
    let all_page = page(&["report", "--all-shards"], "older.html");
    assert_eq!(all_page[11], unknown, "the page says the marks are unknown");
}

/// Shared storage holds run reports from other machines, other versions and writes a crash cut:
/// `status --all-shards` and `report --all-shards` skip each one that is not a run report with a
/// warning naming it, and report the rest; a run report whose counts reach 2^64 - 1 is shown,
/// not summed past u64 (which panicked the command before); one removed between the listing
/// and its reading is passed over (which failed the command before).
#[test]
fn damaged_run_reports_in_storage_are_skipped_by_name() {
    let shards = TwoShards::new();
    shards.night();
    let (row, _) = shards.status();
    let label = row["shard"].as_str().expect("the portal's shard");
    let runs = shards.shared.join("runs");
    let mut reports: Vec<_> = std::fs::read_dir(runs.join(label))
        .expect("the shard's run reports")
        .map(|e| e.expect("entry").path())
        .collect();
    reports.sort();
    let good = std::fs::read(reports.last().expect("a run report")).expect("run report");

    // A valid report from another machine, newest for the portal, with counts at u64's end.
    let mut huge: Value = serde_json::from_slice(&good).expect("JSON");
    let id = format!("{}z", huge["run_id"].as_str().expect("run id"));
    huge["run_id"] = id.clone().into();
    huge["portals"][PORTAL]["failures"] = serde_json::json!({"timeout": u64::MAX, "http_503": 7});
    let big = runs.join("big-machine");
    std::fs::create_dir_all(&big).expect("folder");
    std::fs::write(big.join(format!("{id}.json")), huge.to_string()).expect("written");

    let damaged = runs.join("damaged-machine");
    std::fs::create_dir_all(damaged.join("a-folder.json")).expect("a folder named like a report");
    let mut wrong_types: Value = serde_json::from_slice(&good).expect("JSON");
    wrong_types["portals"][PORTAL]["lists"] = serde_json::json!([1, 2, 3]);
    let bad: [(&str, Vec<u8>); 4] = [
        ("cut.json", good[..good.len() / 2].to_vec()),
        ("empty.json", Vec::new()),
        (
            "not-utf8.json",
            [&good[..20], &[0xff, 0xfe, 0x80][..]].concat(),
        ),
        ("wrong-types.json", wrong_types.to_string().into_bytes()),
    ];
    for (name, bytes) in &bad {
        std::fs::write(damaged.join(name), bytes).expect("written");
    }
    // A copy listed and gone before it is read (another machine's prune-runs at that moment):
    // a link to nothing is listed as a file and reads as missing.
    #[cfg(unix)]
    std::os::unix::fs::symlink(damaged.join("pruned"), damaged.join("gone.json"))
        .expect("a link to nothing");

    for args in [
        &["status", "--all-shards"][..],
        &["status", "--all-shards", "--format", "json"],
        &["report", "--all-shards", "--format", "json"],
    ] {
        let out = common::route_server::run_nianbao(&shards.portal.config, args);
        let err = stderr(&out);
        assert!(out.status.success(), "{args:?}: {err}");
        for (name, _) in &bad {
            let named = err
                .lines()
                .any(|l| l.starts_with("warning: skipped run report") && l.contains(name));
            assert!(named, "{args:?}: stderr names {name}: {err}");
        }
        assert!(
            !err.contains("a-folder.json"),
            "a folder is no report: {err}"
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        if args == ["status", "--all-shards"] {
            assert!(
                stdout.contains("; 18446744073709551615 failures, ")
                    && stdout.contains("on big-machine"),
                "{stdout}"
            );
        }
        if args.contains(&"json") {
            let json: Value = serde_json::from_str(&stdout).expect("JSON on stdout");
            if args[0] == "status" {
                let labels: BTreeSet<&str> = json["shards"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|s| s["label"].as_str())
                    .collect();
                let expected = BTreeSet::from(["big-machine", "shard-1-of-2", "shard-2-of-2"]);
                assert_eq!(labels, expected, "the good reports, all of them");
            } else {
                assert!(portal_of(&json).is_object(), "the portal's matrix: {json}");
            }
        }
    }
}

/// A feed segment in storage with a good record, a line cut by a crash and a garbage line, beside
/// the shards' own good segments: `status --all-shards` and `report --all-shards` skip the two
/// lines with one warning naming the segment and the first skipped line, and count and show the
/// good record with the rest in the counts and in a matrix cell (before, one such line failed
/// both commands for every shard).
#[test]
fn damaged_feed_lines_in_storage_are_skipped_by_segment_and_line() {
    let shards = TwoShards::new();
    shards.night();
    let (row, _) = shards.status();
    let label = row["shard"].as_str().expect("the portal's shard");
    let counts = |row: &Value| (row["documents"].as_u64(), row["versions"].as_u64());
    let (documents, versions) = counts(&row);
    let feed = shards.shared.join("feed");
    let segment = std::fs::read_dir(feed.join(label))
        .expect("the shard's feed segments")
        .map(|e| e.expect("entry").path())
        .next()
        .expect("a segment");
    let text = std::fs::read_to_string(&segment).expect("segment");
    // An annual report's record, so that the coverage matrix shows it in a cell.
    let line = text
        .lines()
        .find(|l| l.contains("\"is_annual_report\":true"))
        .expect("an annual report's record");
    let mut extra: Value = serde_json::from_str(line).expect("a record");
    extra["id"] = "from-another-machine".into();
    let damaged = feed.join("damaged-machine");
    std::fs::create_dir_all(&damaged).expect("folder");
    let path = damaged.join("00000000000000000001.jsonl");
    let bytes = [
        extra.to_string().as_bytes(),
        b"\n",
        &line.as_bytes()[..line.len() / 2],
        b"\n",
        &[0xff, 0xfe, b'{', 0x80],
        b"\n",
    ]
    .concat();
    std::fs::write(&path, bytes).expect("written");
    let url = format!("file://{}", path.display());

    for args in [
        &["status", "--all-shards", "--format", "json"][..],
        &["status", "--all-shards"],
        &["report", "--all-shards", "--format", "json"],
    ] {
        let out = common::route_server::run_nianbao(&shards.portal.config, args);
        let err = stderr(&out);
        assert!(out.status.success(), "{args:?}: {err}");
        let warnings: Vec<&str> = err.lines().filter(|l| l.contains(&url)).collect();
        assert_eq!(warnings.len(), 1, "{args:?}: one warning: {err}");
        assert!(
            warnings[0].starts_with(&format!("warning: skipped 2 lines of {url} "))
                && warnings[0].contains("the first, line 2: "),
            "{args:?}: {err}"
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        if args == ["status", "--all-shards", "--format", "json"] {
            let json: Value = serde_json::from_str(&stdout).expect("JSON on stdout");
            let row = json["portals"]
                .as_array()
                .and_then(|rows| rows.iter().find(|r| r["portal"] == PORTAL))
                .unwrap_or_else(|| panic!("a row of the portal: {json}"));
            let more = |n: Option<u64>| n.map(|n| n + 1);
            assert_eq!(counts(row), (more(documents), more(versions)), "{row}");
        } else if args[0] == "status" {
            let expected = format!("{PORTAL}: {} documents", documents.expect("a count") + 1);
            assert!(stdout.contains(&expected), "{stdout}");
        } else {
            let json: Value = serde_json::from_str(&stdout).expect("JSON on stdout");
            let shown = portal_of(&json).to_string();
            assert!(shown.contains("\"from-another-machine\""), "{shown}");
        }
    }
}
