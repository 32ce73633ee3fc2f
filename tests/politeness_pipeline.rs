//! Reading a page does not hold up the next request to its host (issue 10): while one page of a
//! host is being read and archived, the host's next request already waits out its gap, so with
//! reading slower than the interval the servers still see requests one interval apart, never
//! closer.
#![allow(clippy::disallowed_macros)] // tests and benches print figures and progress

mod common;
mod politeness_support;

use std::time::Duration;

use common::{Harness, stderr};
use nianbao::crawl::{PAGE_DELAY_ENV, PAGE_DELAY_MAX};
use politeness_support::*;

/// The gap each host asks for.
const GAP: Duration = Duration::from_millis(500);
/// How long every page's reading is made to take (test-only knob): 400 ms over the gap, so a
/// crawler that reads a page before it asks for the next one leaves every gap at 900 ms or more,
/// and under two gaps, so the host's two workers, each reading one page, keep up with the gap.
const READING: Duration = Duration::from_millis(900);
/// A gap this much over `GAP` counts as late: under `READING - GAP`, so a crawler that reads
/// before it asks is late every time, and far above the time an answer takes to reach the
/// crawler and the next request the server, which a loaded machine stretches (at 50 ms over a
/// 200 ms gap, busy cores made most gaps late).
const LATE: Duration = Duration::from_millis(350);

/// Crawls nometa and big5 at `GAP` with every page's reading taking `reading`.
fn crawl_with_slow_reading(reading: Duration) -> Harness {
    assert!(reading <= PAGE_DELAY_MAX);
    let h = Harness::with_sites(vec![site("nometa"), site("big5")], GAP);
    set(&h, "politeness", "per_host_concurrency = 1");
    let mut cmd = h.command(&["crawl"]);
    cmd.env(PAGE_DELAY_ENV, reading.as_millis().to_string());
    let out = common::run_limited(cmd, common::COMMAND_LIMIT);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", stderr(&out));
    assert!(
        stderr(&out).contains(PAGE_DELAY_ENV) || reading.is_zero(),
        "the page delay knob was not taken up:\n{}",
        stderr(&out)
    );
    h
}

/// (gaps within `LATE` of the interval, all gaps) of one host.
fn on_time(site: &nianbao_sim::SiteHandle) -> (usize, usize) {
    let gaps = gaps(&site.requests());
    let prompt = gaps.iter().filter(|(gap, _, _)| *gap < GAP + LATE).count();
    (prompt, gaps.len())
}

#[test]
fn slow_reading_leaves_gaps_at_the_interval() {
    let h = crawl_with_slow_reading(READING);
    for name in ["nometa", "big5"] {
        let s = h.sim.site(name);
        // Politeness first: no two request starts closer than the gap.
        assert_spaced(s, GAP);
        let (prompt, all) = on_time(s);
        eprintln!("{name}: {prompt} of {all} gaps within {LATE:?} of {GAP:?}");
        // Some gaps are long by nature: a list page must be read before its items (and the
        // next list page) are known. Most requests are queued behind one being read and should
        // start on time; a crawler that reads before it asks starts none on time.
        assert!(
            all >= 8 && prompt * 3 >= all * 2,
            "{name}: only {prompt} of {all} gaps within {LATE:?} of the {GAP:?} interval \
             while pages take {READING:?} to read; gaps: {:?}",
            gaps(&s.requests())
                .iter()
                .map(|(g, _, b)| format!("{} ms to {b}", g.as_millis()))
                .collect::<Vec<_>>()
        );
        assert_eq!(archived_of(&h.export(), s), s.truth().len(), "{name}");
    }
}
