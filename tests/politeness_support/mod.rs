//! Shared helpers of the politeness tests: config edits, the run report, and checks on what the
//! simulated servers saw (gaps between request starts, the user agent on every request).
#![allow(dead_code)]

pub mod server;

use std::process::Output;
use std::time::Duration;

use nianbao::gate::{BROKEN_GATE_ENV, BROKEN_GATE_VALUE};
use nianbao_sim::{FaultKind, FaultTarget, PathFault, RequestRecord, SiteHandle, SiteSpec};
use serde_json::Value;

use crate::common::Harness;

/// Timer and scheduling slack allowed below a gap the crawler must keep. Every interval the
/// tests check is several times this, so a gate that ignored its interval (requests a few ms
/// apart) fails the check; `spacing_checks_fail_on_a_broken_gate` in each file shows it does.
pub const SLACK: Duration = Duration::from_millis(30);

/// The per-host interval of the spacing tests: five times `SLACK`.
pub const INTERVAL: Duration = Duration::from_millis(150);

/// Runs `nianbao crawl`; with `broken_gate`, through the test-only knob that makes the gate skip
/// every wait (gap, backoff, Retry-After), to show that a spacing check can fail.
pub fn crawl(h: &Harness, broken_gate: bool) -> Output {
    let mut cmd = h.command(&["crawl"]);
    if broken_gate {
        cmd.env(BROKEN_GATE_ENV, BROKEN_GATE_VALUE);
    }
    crate::common::run_limited(cmd, crate::common::COMMAND_LIMIT)
}

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

/// The first request start less than `interval` (less the slack) after the one before.
pub fn spacing_violation(site: &SiteHandle, interval: Duration) -> Option<String> {
    gaps(&site.requests())
        .into_iter()
        .find(|(gap, _, _)| *gap + SLACK < interval)
        .map(|(gap, a, b)| {
            format!(
                "{}: {a} then {b} only {gap:?} apart (interval {interval:?})",
                site.name()
            )
        })
}

/// Every request start is at least `interval` (less the slack) after the one before.
pub fn assert_spaced(site: &SiteHandle, interval: Duration) {
    if let Some(violation) = spacing_violation(site, interval) {
        panic!("{violation}");
    }
}

/// The broken gate's crawl of `site` broke the spacing `interval`: the check can fail.
pub fn assert_spacing_broken(site: &SiteHandle, interval: Duration) {
    assert!(
        spacing_violation(site, interval).is_some(),
        "{}: the spacing check passed although the gate ignored its waits ({} requests)",
        site.name(),
        site.requests().len()
    );
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
