//! A site revamp that re-publishes the reports at new URLs with a new template and a new line of
//! text, through the real binary: the second crawl's new documents name the archived report
//! they re-publish (`same_report_as`) in the export and the feed, `status` and the run report
//! count them; another department's report of the same year, title and all-zero template, and
//! a report whose figures changed, are not linked. `inspect` and damaged index values are in
//! `same_report_damaged.rs`.

mod common;
mod same_report_support;

use common::route_server::{newest_run_report, record_ending, run_nianbao};
use common::stderr;
use same_report_support::*;
use serde_json::Value;

#[test]
fn a_revamp_links_each_re_published_report_to_the_archived_one() {
    let (_server, dir, config, after) = revamp(|_| {});
    // A link, not a merge: every document and version stays.
    assert_eq!(after.len(), 7, "{after:?}");
    let linked = |path: &str| record_ending(&after, path)["same_report_as"].clone();
    assert_links(&after);
    let evidence = &linked("/art/101.html")["evidence"];
    let jaccard = evidence["text_jaccard"].as_f64().expect("a Jaccard");
    assert!((0.8..1.0).contains(&jaccard), "{evidence}");
    assert_eq!(
        evidence["numbers_added"], 6,
        "the header's date and time: {evidence}"
    );

    // The feed's records are the export's.
    let out = run_nianbao(&config, &["feed", "--consumer", "t"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let fed: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(
        record_ending(&fed, "/art/101.html")["same_report_as"],
        linked("/art/101.html")
    );
    assert_eq!(
        record_ending(&fed, "/art/104.html")["same_report_as"],
        Value::Null
    );

    let report = newest_run_report(dir.path());
    assert_eq!(report["portals"][PORTAL]["linked"], 2, "{report}");
    // And the standing count at the run's end, which `status --all-shards` reads.
    assert_eq!(report["portals"][PORTAL]["linked_now"], 2, "{report}");
    assert_eq!(report["portals"][PORTAL]["new_documents"], 4, "{report}");
    let out = run_nianbao(&config, &["status", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let status: Value = serde_json::from_slice(&out.stdout).expect("status JSON");
    let row = status["portals"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["portal"] == PORTAL))
        .expect("the portal's row");
    assert_eq!(row["linked"], 2, "{row}");

    // The coverage report counts a re-published report once, from its first publication, and
    // names its earlier address; the changed report stays two.
    let out = run_nianbao(&config, &["report", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let coverage: Value = serde_json::from_slice(&out.stdout).expect("coverage JSON");
    let cell = |body: &str| -> Value {
        let portal = coverage["portals"]
            .as_array()
            .and_then(|p| p.iter().find(|p| p["portal"] == PORTAL))
            .expect("the portal");
        let row = portal["rows"]
            .as_array()
            .and_then(|rows| rows.iter().find(|r| r["issuing_body"] == body))
            .unwrap_or_else(|| panic!("a row for {body}: {portal}"));
        row["cells"]
            .as_array()
            .and_then(|cells| cells.iter().find(|c| c["year"] == 2022))
            .expect("the 2022 cell")
            .clone()
    };
    let county = cell(COUNTY.body);
    let reports = county["reports"].as_array().expect("reports");
    assert_eq!(reports.len(), 1, "{county}");
    assert_eq!(
        reports[0]["id"],
        record_ending(&after, "/art/101.html")["id"]
    );
    assert_eq!(
        reports[0]["earlier"][0]["id"],
        record_ending(&after, "/art/1.html")["id"]
    );
    assert!(
        county["note"]
            .as_str()
            .is_some_and(|n| n.contains("/art/1.html")),
        "{county}"
    );
    // The CSV names the earlier address in a column of its own; the changed report's cell
    // names none.
    let out = run_nianbao(&config, &["report", "--format", "csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = String::from_utf8_lossy(&out.stdout).into_owned();
    let lines: Vec<Vec<String>> = csv.lines().map(csv_fields).collect();
    let column = |name: &str| {
        lines
            .first()
            .and_then(|header| header.iter().position(|h| h == name))
            .unwrap_or_else(|| panic!("a column {name}: {csv}"))
    };
    let (body, year) = (column("issuing_body"), column("year"));
    let earlier = column("earlier_urls");
    let earlier_of = |name: &str| -> String {
        lines
            .iter()
            .find(|l| {
                l.get(body).is_some_and(|b| b == name) && l.get(year).is_some_and(|y| y == "2022")
            })
            .and_then(|l| l.get(earlier))
            .unwrap_or_else(|| panic!("a 2022 line of {name}: {csv}"))
            .clone()
    };
    assert_eq!(
        Some(earlier_of(COUNTY.body).as_str()),
        record_ending(&after, "/art/1.html")["url"].as_str(),
        "{csv}"
    );
    assert_eq!(earlier_of(PLANNING.body), "", "{csv}");
    assert_eq!(
        cell(FINANCE.body)["reports"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(
        cell(EDUCATION.body)["reports"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(
        cell(PLANNING.body)["reports"].as_array().map(Vec::len),
        Some(2)
    );
}

/// One CSV line's fields (RFC 4180: a quoted field may hold commas and doubled quotes).
fn csv_fields(line: &str) -> Vec<String> {
    let (mut fields, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// A store from an earlier version: its reports are indexed at its next opening without their
/// texts' fingerprints, and read back from their raw files when a new report under their key is
/// committed, so the revamp is linked all the same.
#[test]
fn an_older_stores_reports_are_read_back_and_linked() {
    let (_server, dir, _config, after) = revamp(|data_dir| {
        let store = nianbao::store::Store::open(data_dir).expect("open the store");
        store
            .forget_same_report_index()
            .expect("the store as an earlier version left it");
        drop(store);
        let store = nianbao::store::Store::open(data_dir).expect("reopen migrates");
        assert!(
            store.same_report_unread_possible(),
            "an older store's reports are to be read back"
        );
    });
    assert_links(&after);
    // Every older report was read back: the store's crawls skip the read-back from now on.
    let store = nianbao::store::Store::open(&dir.path().join("data")).expect("open the store");
    assert!(!store.same_report_unread_possible());
}

/// A linked count already at u64's end (a value an earlier version or a bit flip left) stays
/// there when the revamp links two more reports: the commits go through and `status` shows it,
/// where the count overflowed and the commit panicked before.
#[test]
fn a_linked_count_at_its_end_stays_there() {
    let (_server, _dir, config, after) = revamp(|data_dir| {
        let db = sled::open(data_dir.join("index")).expect("open the index");
        let meta = db.open_tree("meta").expect("meta tree");
        let linked = format!("same_report_linked/{PORTAL}");
        meta.insert(linked.as_bytes(), &u64::MAX.to_be_bytes())
            .expect("a count at its end");
        db.flush().expect("flush");
    });
    assert_links(&after);
    let out = run_nianbao(&config, &["status", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let status: Value = serde_json::from_slice(&out.stdout).expect("status JSON");
    let row = status["portals"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["portal"] == PORTAL))
        .cloned()
        .unwrap_or_else(|| panic!("the portal's row: {status}"));
    assert_eq!(row["linked"], u64::MAX, "{row}");
}
