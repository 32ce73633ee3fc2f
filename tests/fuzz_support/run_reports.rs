//! Fuzz target of run reports as `status --all-shards` and `report --all-shards` read them from
//! shared storage (`tests/fuzz.rs` runs it): a valid report with one value replaced by any JSON
//! (wrong types, negative or 2^64 numbers, huge arrays, a field gone), or its bytes cut, flipped
//! or spliced with bytes that are not UTF-8, reads as a run report whose counts the commands
//! then show without a panic, or is an error naming the file; never a panic.

use chrono::NaiveDate;
use nianbao::coverage;
use nianbao::report::{RunReport, RunReportError, read_run_report};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{Value, json};

use super::{DEFAULT_CASES, run};

const NAME: &str = "file:///shared/runs/shard-1-of-2/2027-01-15T08-00-00Z.json";

/// A run report of the current version with every map and list the readers walk filled in.
fn valid() -> Value {
    let list = json!({
        "stated": 5, "found": 4, "stated_pages": 3, "pages": 2, "fetched": 4, "not_reports": 1,
        "skipped_by_title": 1, "other_site_pages": 1, "other_site_hosts": ["b.example"],
        "years_not_walked": [2009], "older_years_not_walked": [2008], "walked": [1, 2],
        "answered_as": {"3": 1}, "stops": ["failed page 3"], "accounted": 5, "stated_before": 4,
    });
    let host = json!({"answered": 3, "failed": 2, "kinds": {"timeout": 2}, "example": "http://f.example/a.pdf"});
    let marks = json!({
        "withdrawn": [{"id": "d1", "urls": ["http://a.example/1.html"], "since": "2027-01-15T08:00:00Z", "answer": "http_404"}],
        "withdrawn_left_out": 2,
        "delisted": [{"url": "http://a.example/2.html", "since": "2027-01-14T08:00:00Z"}],
        "delisted_left_out": 0,
    });
    let mut portal = serde_json::to_value(nianbao::report::PortalReport::default())
        .expect("a default portal report serializes");
    let fields = [
        ("failures", json!({"timeout": 3, "http_404": 1})),
        ("not_content", json!({"soft_not_found": 1})),
        ("excluded", json!({"robots": 1})),
        ("lists", json!({"all": list, "2021": list})),
        ("file_hosts", json!({"f.example": host})),
        ("report_hosts", json!({"r.example": host})),
        ("marks_now", marks),
        ("withdrawn_now", json!(1)),
        ("delisted_now", json!(1)),
        ("linked_now", json!(0)),
        ("attachment_texts", json!({"derived": 2})),
    ];
    for (key, value) in fields {
        portal[key] = value;
    }
    let mut report =
        serde_json::to_value(RunReport::default()).expect("a default run report serializes");
    report["run_id"] = json!("2027-01-15T08-00-00Z");
    report["command"] = json!("crawl");
    report["finished_at"] = json!("2027-01-15T09:00:00Z");
    report["portals"] = json!({"某某县人民政府": portal});
    report["hosts"] =
        json!([{"host": "a.example", "requests": 9, "challenges": 0, "retry_after_pauses": 0}]);
    report["shard"] = json!("1/2");
    report
}

/// Every place in `value`, as JSON pointers.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let key = key.replace('~', "~0").replace('/', "~1");
                pointers(child, format!("{at}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                pointers(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

/// Values from other versions and other machines: wrong types, numbers out of range, huge.
fn odd_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!(null)),
        Just(json!(-1)),
        Just(json!(i64::MIN)),
        Just(json!(u64::MAX)),
        Just(serde_json::from_str::<Value>("18446744073709551616").unwrap_or(Value::Null)),
        Just(json!(1e300)),
        Just(json!(-0.5)),
        Just(json!(true)),
        Just(json!("")),
        Just(json!("2027-01-15")),
        Just(json!([])),
        Just(json!({})),
        Just(json!({"unknown": [1, 2, 3]})),
        Just(json!([u64::MAX, u64::MAX])),
        Just(json!({"a": u64::MAX, "b": u64::MAX})),
        Just(Value::Array(vec![json!(u64::MAX); 100_000])),
        "\\PC{0,12}".prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
    ]
}

#[derive(Debug, Clone)]
enum Damage {
    /// Nothing: the report must read back as written.
    None,
    /// The value at the pointer numbered so replaced.
    Replace(prop::sample::Index, Value),
    /// The field at the pointer numbered so removed.
    Remove(prop::sample::Index),
    /// A field a later version added, at the top or in a portal's share.
    Unknown(bool, Value),
    /// Every count (a number in an object, but a host's, whose counts are u32) set to one value:
    /// a report from a machine whose counts ran to u64's end, or below it.
    Counts(Value),
    /// The bytes cut at this fraction (a write a crash cut).
    Cut(prop::sample::Index),
    /// A byte replaced with any byte (a bit flip, bytes that are not UTF-8).
    Byte(prop::sample::Index, u8),
    /// Other bytes spliced in.
    Splice(prop::sample::Index, Vec<u8>),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        1 => Just(Damage::None),
        4 => (any::<prop::sample::Index>(), odd_value()).prop_map(|(i, v)| Damage::Replace(i, v)),
        2 => any::<prop::sample::Index>().prop_map(Damage::Remove),
        1 => (any::<bool>(), odd_value()).prop_map(|(top, v)| Damage::Unknown(top, v)),
        2 => prop_oneof![Just(json!(u64::MAX)), Just(json!(-1)), Just(json!(1.5))]
            .prop_map(Damage::Counts),
        2 => any::<prop::sample::Index>().prop_map(Damage::Cut),
        2 => (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(i, b)| Damage::Byte(i, b)),
        1 => (any::<prop::sample::Index>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(i, b)| Damage::Splice(i, b)),
    ]
}

fn damaged(damage: &Damage) -> Vec<u8> {
    let mut report = valid();
    let mut places = Vec::new();
    pointers(&report, String::new(), &mut places);
    // The root's own pointer is last: replacing it is a whole other document.
    let bytes = |v: &Value| serde_json::to_vec(v).expect("a JSON value serializes");
    match damage {
        Damage::None => bytes(&report),
        Damage::Replace(i, value) => {
            let at = i.get(&places);
            if let Some(slot) = report.pointer_mut(at) {
                *slot = value.clone();
            }
            bytes(&report)
        }
        Damage::Remove(i) => {
            let at = i.get(&places);
            if let Some((parent, key)) = at.rsplit_once('/')
                && let Some(Value::Object(map)) = report.pointer_mut(parent)
            {
                map.remove(&key.replace("~1", "/").replace("~0", "~"));
            }
            bytes(&report)
        }
        Damage::Unknown(top, value) => {
            let target = if *top {
                Some(&mut report)
            } else {
                report.pointer_mut("/portals/某某县人民政府")
            };
            if let Some(Value::Object(map)) = target {
                map.insert("added_by_a_later_version".into(), value.clone());
            }
            bytes(&report)
        }
        Damage::Counts(value) => {
            set_counts(&mut report, value);
            bytes(&report)
        }
        Damage::Cut(i) => {
            let mut b = bytes(&report);
            b.truncate(i.index(b.len() + 1));
            b
        }
        Damage::Byte(i, byte) => {
            let mut b = bytes(&report);
            let at = i.index(b.len());
            b[at] = *byte;
            b
        }
        Damage::Splice(i, extra) => {
            let mut b = bytes(&report);
            let at = i.index(b.len() + 1);
            b.splice(at..at, extra.iter().copied());
            b
        }
    }
}

fn set_counts(value: &mut Value, count: &Value) {
    if let Value::Object(map) = value {
        for (key, child) in map.iter_mut() {
            match child {
                Value::Number(_) => *child = count.clone(),
                _ if key == "hosts" => {}
                _ => set_counts(child, count),
            }
        }
    }
}

fn check(damage: Damage) -> Result<(), TestCaseError> {
    let bytes = damaged(&damage);
    match read_run_report(NAME, &bytes) {
        Ok(report) => {
            if let Damage::Counts(n) = &damage {
                let share = report.portals.values().next();
                let total = share.map(|s| s.failure_count());
                prop_assert_eq!(total, n.as_u64(), "{:?}", share);
            }
            if matches!(damage, Damage::None | Damage::Unknown(..)) {
                prop_assert_eq!(&report.run_id, "2027-01-15T08-00-00Z");
                prop_assert_eq!(report.portals.len(), 1);
            }
            // What the commands show of a report read: no panic, whatever the counts.
            for share in report.portals.values() {
                let total = share.failure_count();
                prop_assert!(share.failures.values().all(|n| *n <= total));
                for list in share.lists.values() {
                    prop_assert!(!list.completeness().is_empty());
                }
                let _ = nianbao::health::compare(&report.run_id, share, share);
            }
            let today = NaiveDate::from_ymd_opt(2027, 1, 16).expect("a valid date");
            let configured = vec![("某某县人民政府".to_string(), None)];
            let _ = coverage::build(&configured, &[], [&report], today, String::new());
        }
        Err(e) => {
            let counts_at_end = matches!(&damage, Damage::Counts(n) if n.is_u64());
            prop_assert!(!matches!(damage, Damage::None) && !counts_at_end, "{}", e);
            prop_assert!(e.to_string().contains(NAME), "{}", e);
            if let RunReportError::Empty { .. } = e {
                prop_assert!(bytes.iter().all(u8::is_ascii_whitespace));
            }
        }
    }
    Ok(())
}

/// An empty file and one of spaces, as a cut write leaves them, are named empty.
#[test]
fn an_empty_run_report_is_an_error_naming_it() {
    for bytes in [&b""[..], b" \n"] {
        let e = read_run_report(NAME, bytes).expect_err("an empty file is no run report");
        assert!(matches!(e, RunReportError::Empty { .. }), "{e}");
        assert!(e.to_string().contains(NAME), "{e}");
    }
}

#[test]
fn fuzz_run_reports() {
    run(
        "run_reports",
        "tests/fuzz-corpus/run-reports.txt",
        DEFAULT_CASES,
        damage(),
        check,
    );
}
