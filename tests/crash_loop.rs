//! Issue 9: a page that kills the process must not kill every run after it. A poisoned item page
//! (test builds abort on a marker, standing in for a parser crash) ends the first crawl
//! abnormally; the next crawl reads the URLs that were in flight in a separate process first, so
//! it quarantines the poisoned one and completes; `status` and `quarantine` show it, and after
//! `quarantine --clear` a crawl archives the page as usual.

mod common;

use std::os::unix::process::ExitStatusExt as _;
use std::time::Duration;

use common::{Harness, stderr};
use nianbao_sim::SiteSpec;

const MARKER: &str = "POISON-PAGE-7f3a";
const POISON_ENV: &str = "NIANBAO_TEST_POISON";

#[test]
fn a_poison_page_is_quarantined_after_one_crash_and_the_next_run_completes() {
    let site = SiteSpec::standard_named("trs").expect("standard site");
    let h = Harness::with_sites(vec![site], Duration::from_millis(20));
    let handle = &h.sim.sites()[0];
    let truth = handle.truth();
    let poisoned = truth
        .iter()
        .find(|d| d.aliases.is_empty() && d.attachments.is_empty())
        .expect("the site has a plain document")
        .path
        .clone();
    handle.edit_document(&poisoned, MARKER);
    let poisoned_url = handle.url(&poisoned).to_string();

    // 1. The crash: the process dies on the page, with the page in flight.
    let mut first = h.command(&["crawl"]);
    first.env(POISON_ENV, MARKER);
    let out = common::run_limited(first, Duration::from_secs(120));
    assert_eq!(
        out.status.signal(),
        Some(6),
        "the poisoned page aborts the first run: {:?}\n{}",
        out.status,
        stderr(&out)
    );

    // 2. The next run, with the same poison: it completes and quarantines the page.
    let mut second = h.command(&["crawl"]);
    second.env(POISON_ENV, MARKER);
    let out = common::run_limited(second, Duration::from_secs(120));
    assert!(
        out.status.code().is_some(),
        "the run after a crash does not crash again: {:?}\n{}",
        out.status,
        stderr(&out)
    );
    let summary = stderr(&out);
    assert!(
        summary.contains(&format!("QUARANTINED {poisoned_url}")),
        "the summary names the quarantined URL:\n{summary}"
    );

    // 3. Runs after it skip the page (no child process, no crash) and archive everything else.
    let mut third = h.command(&["crawl"]);
    third.env(POISON_ENV, MARKER);
    let out = common::run_limited(third, Duration::from_secs(120));
    assert!(out.status.code().is_some(), "{}", stderr(&out));
    let archived = archived_urls(&h);
    assert!(!archived.contains(&poisoned_url));
    let expected_others = truth.iter().filter(|d| d.path != poisoned).count();
    assert_eq!(
        archived.len(),
        expected_others,
        "every other document is archived"
    );

    // 4. status and quarantine show it.
    let status = h.run(&["status", "--format", "json"]);
    let status: serde_json::Value =
        serde_json::from_slice(&status.stdout).expect("status prints JSON");
    assert_eq!(status["quarantined"], serde_json::json!([poisoned_url]));
    let listed = h.run(&["quarantine", "--format", "json"]);
    let listed: serde_json::Value =
        serde_json::from_slice(&listed.stdout).expect("quarantine prints JSON");
    assert_eq!(listed[0]["url"], poisoned_url.as_str());
    assert_eq!(listed[0]["strikes"], 2);
    // The page crashed its first reading, so no URL state names its portal: the journal does.
    assert_eq!(listed[0]["portal"], h.sim.sites()[0].portal_name());

    // 5. Cleared by the operator (after the parser was fixed: no poison), it is archived.
    let cleared = h.run(&["quarantine", "--clear", &poisoned_url]);
    assert!(cleared.status.success(), "{}", stderr(&cleared));
    let not_quarantined = h.run(&["quarantine", "--clear", &poisoned_url]);
    assert_eq!(
        not_quarantined.status.code(),
        Some(2),
        "clearing a URL that is not quarantined is an error"
    );
    let out = h.run(&["crawl"]);
    assert!(out.status.code().is_some(), "{}", stderr(&out));
    let archived = archived_urls(&h);
    assert!(
        archived.contains(&poisoned_url),
        "archived once cleared:\n{}",
        stderr(&out)
    );
}

/// The URL of every archived version, in seq order.
fn archived_urls(h: &Harness) -> Vec<String> {
    h.export()
        .iter()
        .map(|r| r["url"].as_str().expect("url").to_string())
        .collect()
}
