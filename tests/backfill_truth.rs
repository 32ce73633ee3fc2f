//! Ground truth, end to end: the real binary backfills (and, separately, crawls) the standard
//! simulated portals, and its export is compared field by field with what each site knows it
//! serves; the run report's per-list counts are compared with what each site states.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{Harness, stderr};
use nianbao_sim::{SiteHandle, TruthDoc};
use serde_json::Value;

const INTERVAL: Duration = Duration::from_millis(100);
const FIRST_YEAR: i32 = 2009;
const LAST_YEAR: i32 = 2024;

/// The request target (path and query) of a URL string, as the simulator names documents.
fn target_of(url: &str) -> String {
    let url = url::Url::parse(url).expect("export URLs parse");
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    }
}

/// Every target (url and aliases) a record was found at.
fn targets_of(record: &Value) -> Vec<String> {
    let mut out = vec![target_of(record["url"].as_str().expect("url is a string"))];
    for alias in record["aliases"].as_array().expect("aliases is an array") {
        out.push(target_of(alias.as_str().expect("alias is a string")));
    }
    out
}

fn is_target_of(doc: &TruthDoc, target: &str) -> bool {
    doc.path == target || doc.aliases.iter().any(|a| a == target)
}

fn opt_str(value: &Option<String>) -> Value {
    value.clone().map(Value::String).unwrap_or(Value::Null)
}

/// Compares one export record with its truth, pushing a line per differing field.
fn compare(site: &str, doc: &TruthDoc, record: &Value, diffs: &mut Vec<String>) {
    let expected: [(&str, Value); 7] = [
        ("title", Value::String(doc.title.clone())),
        ("issuing_body", opt_str(&doc.issuing_body)),
        ("index_number", opt_str(&doc.index_number)),
        ("doc_number", opt_str(&doc.doc_number)),
        (
            "publish_date",
            doc.publish_date
                .map(|d| Value::String(d.format("%Y-%m-%d").to_string()))
                .unwrap_or(Value::Null),
        ),
        (
            "report_year",
            doc.report_year.map(Value::from).unwrap_or(Value::Null),
        ),
        ("is_annual_report", Value::Bool(doc.is_annual_report)),
    ];
    for (field, want) in expected {
        let got = &record[field];
        if got != &want {
            diffs.push(format!(
                "{site} {}: {field}: expected {want}, got {got} (provenance {})",
                doc.path, record["provenance"][field]
            ));
        }
    }
}

/// Records per truth document of `site`, compared; `wanted` picks the documents the run must
/// have exported, the others must be absent.
fn check_site(
    site: &SiteHandle,
    records: &[Value],
    wanted: impl Fn(&TruthDoc) -> bool,
    diffs: &mut Vec<String>,
) {
    let name = site.name();
    let mine: Vec<&Value> = records
        .iter()
        .filter(|r| r["portal"] == site.portal_name())
        .collect();
    let truth = site.truth();
    for doc in &truth {
        let matching: Vec<&&Value> = mine
            .iter()
            .filter(|r| targets_of(r).iter().any(|t| is_target_of(doc, t)))
            .collect();
        match (wanted(doc), matching.as_slice()) {
            (true, [record]) => compare(name, doc, record, diffs),
            (true, found) => diffs.push(format!(
                "{name} {}: exported {} times, expected once",
                doc.path,
                found.len()
            )),
            (false, []) => {}
            (false, found) => diffs.push(format!(
                "{name} {} ({:?}): exported {} times, expected not at all",
                doc.path,
                doc.title,
                found.len()
            )),
        }
    }
    for r in &mine {
        let targets = targets_of(r);
        if !truth
            .iter()
            .any(|d| targets.iter().any(|t| is_target_of(d, t)))
        {
            diffs.push(format!(
                "{name}: exported {targets:?}, which is no document"
            ));
        }
    }
}

/// The one run report in the data dir.
fn run_report(h: &Harness) -> Value {
    let dir = h.data_dir().join("runs");
    let mut reports: Vec<Value> = std::fs::read_dir(&dir)
        .expect("runs dir exists after a run")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            serde_json::from_slice(&std::fs::read(&p).expect("read run report"))
                .expect("run report is JSON")
        })
        .collect();
    assert_eq!(reports.len(), 1, "one run, one report");
    reports.remove(0)
}

/// Per list (subsection) of every unblocked site: the run read the count the site states (where
/// its pages print one) and found as many items as the site lists.
fn check_counts(h: &Harness, report: &Value, diffs: &mut Vec<String>) {
    for site in h.sim.sites() {
        if site.name() == "blocked" {
            continue;
        }
        let lists = &report["portals"][site.portal_name()]["lists"];
        for (sub, count) in site.stated_counts() {
            let key = sub.map(|y| y.to_string()).unwrap_or_else(|| "all".into());
            let list = &lists[&key];
            // A list that prints no count states none, and the report must not invent one.
            let stated = if site.shows_counts() {
                Value::from(count)
            } else {
                Value::Null
            };
            if list["stated"] != stated {
                diffs.push(format!(
                    "{} list {key}: stated count expected {stated}, got {}",
                    site.name(),
                    list["stated"]
                ));
            }
            if list["found"] != count {
                diffs.push(format!(
                    "{} list {key}: found expected {count}, got {}",
                    site.name(),
                    list["found"]
                ));
            }
        }
    }
}

fn assert_no_diffs(diffs: &[String]) {
    assert!(
        diffs.is_empty(),
        "{} differences from the ground truth:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

#[test]
fn backfill_exports_every_report_in_range_exactly_as_the_sites_know_it() {
    let h = Harness::standard(INTERVAL);
    let years = format!("{FIRST_YEAR}-{LAST_YEAR}");
    let out = h.run(&["backfill", "--years", &years]);
    // The blocked portal makes the run end with exit code 1.
    assert_eq!(out.status.code(), Some(1), "stderr:\n{}", stderr(&out));
    let records = h.export();
    let mut diffs = Vec::new();
    let mut reports = 0;
    for site in h.sim.sites() {
        if site.name() == "blocked" {
            continue;
        }
        let in_range = |d: &TruthDoc| {
            d.is_annual_report
                && d.report_year
                    .is_some_and(|y| (FIRST_YEAR..=LAST_YEAR).contains(&y))
        };
        reports += site.truth().iter().filter(|d| in_range(d)).count();
        check_site(site, &records, in_range, &mut diffs);
    }
    check_counts(&h, &run_report(&h), &mut diffs);
    assert_no_diffs(&diffs);
    assert_eq!(records.len(), reports, "one record per report in range");
}

#[test]
fn crawl_exports_every_document_exactly_as_the_sites_know_it() {
    let h = Harness::standard(INTERVAL);
    let out = h.run(&["crawl"]);
    assert_eq!(out.status.code(), Some(1), "stderr:\n{}", stderr(&out));
    let records = h.export();
    let mut diffs = Vec::new();
    let mut docs = 0;
    for site in h.sim.sites() {
        docs += site.truth().len();
        check_site(site, &records, |_| true, &mut diffs);
    }
    // A first crawl walks every list to its end, so it sees every stated count too.
    check_counts(&h, &run_report(&h), &mut diffs);
    assert_no_diffs(&diffs);
    let portals: BTreeMap<&str, usize> = h
        .sim
        .sites()
        .iter()
        .map(|s| (s.portal_name(), s.truth().len()))
        .collect();
    assert_eq!(records.len(), docs, "one record per document: {portals:?}");
}
