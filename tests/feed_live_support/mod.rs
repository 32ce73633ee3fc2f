//! Shared helpers of the live-feed tests: the simulated sites and the feed's JSON lines.
#![allow(dead_code)]

use nianbao_sim::SiteSpec;
use serde_json::Value;

pub fn sites() -> Vec<SiteSpec> {
    ["trs", "gbk", "nometa"]
        .iter()
        .map(|n| SiteSpec::standard_named(n).expect("standard site"))
        .collect()
}

pub fn lines(bytes: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}
