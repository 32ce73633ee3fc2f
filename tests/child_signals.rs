//! Children nianbao starts get SIGXFSZ back at its default action: nianbao ignores it for its own
//! writes (README, "Disk faults"), and an ignored signal would otherwise stay ignored across exec.

mod common;

use std::time::Duration;

use common::{Harness, stderr};
use nianbao_sim::SiteSpec;

/// A `feed --exec` consumer reports its ignored-signal mask; SIGXFSZ (25) is not in it.
#[cfg(target_os = "linux")]
#[test]
fn a_feed_consumer_runs_with_sigxfsz_at_its_default() {
    let site = SiteSpec::standard_named("trs").expect("standard site");
    let h = Harness::with_sites(vec![site], Duration::from_millis(20));
    let out = h.run(&["crawl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = h.run(&[
        "feed",
        "--consumer",
        "signals",
        "--limit",
        "1",
        "--exec",
        "grep SigIgn /proc/self/status >&2",
    ]);
    let message = stderr(&out);
    assert!(out.status.success(), "{message}");
    let mask = message
        .lines()
        .find_map(|l| l.trim().strip_prefix("SigIgn:"))
        .unwrap_or_else(|| panic!("the consumer's SigIgn line in {message}"));
    let mask = u64::from_str_radix(mask.trim(), 16).expect("a hex mask");
    assert_eq!(mask & (1 << (25 - 1)), 0, "SIGXFSZ ignored: {mask:x}");
}
