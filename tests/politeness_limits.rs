//! Limits and fairness as the servers saw them: an oversize body is recorded and not stored, and
//! a host waiting out a long interval never holds up another host's requests (no head-of-line
//! blocking), even with one global slot.

mod common;
mod politeness_support;

use std::time::Duration;

use common::{Harness, stderr};
use nianbao_sim::FaultKind;
use politeness_support::*;

const MAX_BODY: u64 = 1024 * 1024;

#[test]
fn an_oversize_page_is_recorded_not_stored() {
    // nometa gzips (a small wire body past the cap once inflated); big5 sends it plain, with a
    // Content-Length over the cap.
    for name in ["nometa", "big5"] {
        oversize_page_is_recorded_not_stored(name);
    }
}

fn oversize_page_is_recorded_not_stored(name: &str) {
    let h = Harness::with_sites(vec![site(name)], INTERVAL);
    set(&h, "fetch", &format!("max_body_bytes = {MAX_BODY}"));
    let s = h.sim.site(name);
    let paths = doc_paths(s);
    let big = paths.last().expect("documents").clone();
    s.add_path_fault(at(
        &big,
        FaultKind::Pad {
            bytes: 2 * MAX_BODY as usize,
        },
    ));
    let out = h.run(&["crawl"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{name}: stderr:\n{}",
        stderr(&out)
    );
    assert_eq!(
        count_target(s, &big),
        1,
        "{name}: an oversize body is not retried"
    );
    let records = h.export();
    assert_eq!(archived_of(&records, s), paths.len() - 1, "{name}");
    assert!(
        records
            .iter()
            .all(|r| !r["url"].as_str().unwrap_or("").ends_with(&big)),
        "{name}: the oversize page has no record"
    );
    let mut largest = 0;
    let mut stack = vec![h.data_dir()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read data dir").flatten() {
            let meta = entry.metadata().expect("metadata");
            if meta.is_dir() {
                stack.push(entry.path());
            } else {
                largest = largest.max(meta.len());
            }
        }
    }
    assert!(
        largest < MAX_BODY,
        "{name}: a stored file of {largest} bytes"
    );
    let report = run_report(&h);
    assert_eq!(report["portals"][s.portal_name()]["oversize"], 1, "{name}");
}

const SLOW_INTERVAL: Duration = Duration::from_secs(1);

/// big5 at a 1 s interval beside nometa at `INTERVAL`, with one global slot.
fn crawl_slow_and_fast(broken_gate: bool) -> Harness {
    let h = Harness::with_sites(vec![site("big5"), site("nometa")], INTERVAL);
    set(&h, "politeness", "max_concurrency = 1");
    let slow_url = h.sim.site("big5").section_url().to_string();
    h.edit_config(|t| {
        let line = format!("url = \"{slow_url}\"\n");
        t.replacen(&line, &format!("{line}per_host_interval = \"1s\"\n"), 1)
    });
    let out = crawl(&h, broken_gate);
    if !broken_gate {
        assert_eq!(out.status.code(), Some(0), "stderr:\n{}", stderr(&out));
    }
    h
}

#[test]
fn spacing_checks_fail_on_a_broken_gate() {
    let h = crawl_slow_and_fast(true);
    assert_spacing_broken(h.sim.site("big5"), SLOW_INTERVAL);
    assert_spacing_broken(h.sim.site("nometa"), INTERVAL);
}

#[test]
fn a_slow_host_does_not_block_a_fast_one_with_one_global_slot() {
    let h = crawl_slow_and_fast(false);
    let slow = h.sim.site("big5");
    let fast = h.sim.site("nometa");
    assert_spaced(slow, SLOW_INTERVAL);
    assert_spaced(fast, INTERVAL);
    let slow_requests = slow.requests();
    let slow_end = slow_requests.last().expect("slow host requests").at;
    // While the slow host still had work, the fast one kept its own pace: the middle of its gaps
    // is near its 150 ms interval, far from the 1 s the slow host waits.
    let mut fast_gaps: Vec<Duration> = gaps(&fast.requests())
        .into_iter()
        .map(|(gap, _, _)| gap)
        .collect();
    assert!(
        fast_gaps.len() >= 10,
        "fast host requests: {}",
        fast_gaps.len()
    );
    assert!(
        fast.requests().last().expect("fast host requests").at < slow_end,
        "the fast host finished while the slow one was still waiting"
    );
    fast_gaps.sort();
    let median = fast_gaps[fast_gaps.len() / 2];
    assert!(
        median < Duration::from_millis(500),
        "fast host median gap {median:?} with a 1 s host beside it"
    );
    assert_eq!(archived_of(&h.export(), fast), fast.truth().len());
}
