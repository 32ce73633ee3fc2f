//! Shared helpers of the politeness tests: config edits, the run report, and checks on what the
//! simulated servers saw (gaps between request starts, the user agent on every request).
#![allow(dead_code)]

use std::time::Duration;

use nianbao::sim::{FaultKind, FaultTarget, PathFault, RequestRecord, SiteHandle, SiteSpec};
use serde_json::Value;

use crate::common::Harness;

/// Timer and scheduling slack allowed below a gap the crawler must keep.
pub const SLACK: Duration = Duration::from_millis(100);

/// A standard simulated site by short id (the test's own copy, free to change).
pub fn site(name: &str) -> SiteSpec {
    SiteSpec::standard_named(name).unwrap_or_else(|| panic!("no standard site {name}"))
}

/// Adds `key = value` lines at the top of `[table]` (a table the generated config has).
pub fn set(h: &Harness, table: &str, lines: &str) {
    let header = format!("[{table}]\n");
    h.edit_config(|text| {
        assert!(text.contains(&header), "config has no {header}");
        text.replacen(&header, &format!("{header}{lines}\n"), 1)
    });
}

/// Drops every `[[portal]]` after the first `keep` (sites served but not crawled).
pub fn keep_portals(h: &Harness, keep: usize) {
    h.edit_config(|text| {
        let cut = text.match_indices("\n[[portal]]").nth(keep).map(|(i, _)| i);
        match cut {
            Some(i) => text[..i].to_string() + "\n",
            None => text,
        }
    });
}

/// Answers `target` with `kind` on every request.
pub fn at(target: &str, kind: FaultKind) -> PathFault {
    PathFault {
        target: FaultTarget::Exact(target.to_string()),
        kind,
    }
}

pub fn robots_body(status: u16, body: &str) -> PathFault {
    at(
        "/robots.txt",
        FaultKind::Body {
            status,
            content_type: "text/plain".into(),
            body: body.as_bytes().to_vec(),
        },
    )
}

pub fn redirect(location: &str) -> FaultKind {
    FaultKind::Redirect {
        status: 302,
        location: location.to_string(),
    }
}

/// The one run report the data dir holds (tests run one crawl).
pub fn run_report(h: &Harness) -> Value {
    let dir = h.data_dir().join("runs");
    let mut reports: Vec<_> = std::fs::read_dir(&dir)
        .expect("the crawl wrote its run report")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    reports.sort();
    let last = reports.last().expect("one run report");
    serde_json::from_slice(&std::fs::read(last).expect("read run report")).expect("report is JSON")
}

/// Export records of one portal.
pub fn archived_of(records: &[Value], site: &SiteHandle) -> usize {
    records
        .iter()
        .filter(|r| r["portal"] == site.portal_name())
        .count()
}

/// Gaps between consecutive request starts, with the two targets.
pub fn gaps(requests: &[RequestRecord]) -> Vec<(Duration, String, String)> {
    requests
        .windows(2)
        .map(|w| {
            (
                w[1].at.duration_since(w[0].at),
                w[0].target.clone(),
                w[1].target.clone(),
            )
        })
        .collect()
}

/// Every request start is at least `interval` (less the slack) after the one before.
pub fn assert_spaced(site: &SiteHandle, interval: Duration) {
    for (gap, a, b) in gaps(&site.requests()) {
        assert!(
            gap + SLACK >= interval,
            "{}: {a} then {b} only {gap:?} apart (interval {interval:?})",
            site.name()
        );
    }
}

/// Every request carried the configured user agent with its contact URL, and was well formed.
pub fn assert_identified(site: &SiteHandle) {
    for r in site.requests() {
        assert_ne!(r.status, 400, "{}: malformed request {r:?}", site.name());
        let ua = r.header("user-agent").unwrap_or("");
        assert!(
            ua.starts_with("nianbao-test/") && ua.contains("(+http://"),
            "{}: {} sent user agent {ua:?}",
            site.name(),
            r.target
        );
    }
}

/// Paths of the site's documents, from its ground truth.
pub fn doc_paths(site: &SiteHandle) -> Vec<String> {
    site.truth().into_iter().map(|d| d.path).collect()
}

pub fn count_target(site: &SiteHandle, target: &str) -> usize {
    site.requests()
        .iter()
        .filter(|r| r.target == target)
        .count()
}
