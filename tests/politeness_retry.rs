//! Politeness under failure, proven on what the simulated servers saw: Retry-After holds the
//! whole host, 503s and truncated bodies are retried with backoff until archived, and a host that
//! keeps failing is paused for the rest of the run while the other hosts finish.

mod common;
mod politeness_support;

use std::time::Duration;

use common::{Harness, stderr};
use nianbao_sim::{Fault, FaultKind};
use politeness_support::*;

/// Runs `crawl` of a harness built by `setup`; the exit code is checked by the caller.
fn crawled(h: Harness, broken_gate: bool) -> (Harness, std::process::Output) {
    let out = crawl(&h, broken_gate);
    (h, out)
}

/// nometa answers its third request with 429 and Retry-After: 2.
fn crawl_retry_after(broken_gate: bool) -> (Harness, std::process::Output) {
    // nometa has no Crawl-delay, so the only long gap can come from Retry-After.
    let spec = site("nometa").with_faults(vec![Fault {
        on_request: 3,
        kind: FaultKind::Status {
            status: 429,
            retry_after: Some(2),
        },
    }]);
    crawled(Harness::with_sites(vec![spec], INTERVAL), broken_gate)
}

/// nometa answers two 503s in a row, then a truncated body.
fn crawl_503_burst(broken_gate: bool) -> (Harness, std::process::Output) {
    let status_503 = FaultKind::Status {
        status: 503,
        retry_after: None,
    };
    let spec = site("nometa").with_faults(vec![
        Fault {
            on_request: 3,
            kind: status_503.clone(),
        },
        Fault {
            on_request: 4,
            kind: status_503,
        },
        Fault {
            on_request: 7,
            kind: FaultKind::Truncate,
        },
    ]);
    let h = Harness::with_sites(vec![spec], INTERVAL);
    h.edit_config(|t| t.replace("retry_base = \"100ms\"", "retry_base = \"200ms\""));
    crawled(h, broken_gate)
}

/// big5's items all answer 500 beside a healthy nometa.
fn crawl_failing_host(broken_gate: bool) -> (Harness, std::process::Output) {
    // One list page, so after it only items are asked for and every one of them fails.
    let mut failing = site("big5");
    failing.page_size = 50;
    let h = Harness::with_sites(vec![site("nometa"), failing], INTERVAL);
    set(&h, "politeness", "host_failure_limit = 3");
    h.edit_config(|t| t.replace("max_retries = 3", "max_retries = 1"));
    let bad = h.sim.site("big5");
    for path in doc_paths(bad) {
        bad.add_path_fault(at(
            &path,
            FaultKind::Status {
                status: 500,
                retry_after: None,
            },
        ));
    }
    crawled(h, broken_gate)
}

#[test]
fn spacing_checks_fail_on_a_broken_gate() {
    let (h, _) = crawl_retry_after(true);
    assert_spacing_broken(h.sim.site("nometa"), INTERVAL);
    let (h, _) = crawl_503_burst(true);
    assert_spacing_broken(h.sim.site("nometa"), INTERVAL);
    let (h, _) = crawl_failing_host(true);
    for name in ["nometa", "big5"] {
        assert_spacing_broken(h.sim.site(name), INTERVAL);
    }
}

#[test]
fn retry_after_seconds_holds_the_whole_host_then_the_url_is_retried_and_archived() {
    let (h, out) = crawl_retry_after(false);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", stderr(&out));
    let site = h.sim.site("nometa");
    let requests = site.requests();
    assert!(requests.len() > 4, "the crawl went on after the 429");
    assert_eq!(
        requests[2].status, 429,
        "the scripted 429 was the third request"
    );
    // Nothing at all reached the host for the Retry-After seconds, not just the refused URL.
    let hold = Duration::from_secs(2);
    for later in &requests[3..] {
        let after = later.at.duration_since(requests[2].at);
        assert!(
            after + SLACK >= hold,
            "{} came {after:?} after the 429 with Retry-After: 2",
            later.target
        );
    }
    assert_eq!(
        requests[3].target, requests[2].target,
        "the refused URL is the first one retried"
    );
    assert_eq!(requests[3].status, 200);
    assert_eq!(archived_of(&h.export(), site), site.truth().len());
    let report = run_report(&h);
    let host = &report["hosts"][0];
    assert_eq!(host["retry_after_pauses"], 1, "report: {report}");
    assert_spaced(site, INTERVAL);
    assert_identified(site);
}

#[test]
fn a_503_burst_and_a_truncated_body_are_retried_with_backoff_and_archived() {
    let (h, out) = crawl_503_burst(false);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", stderr(&out));
    let site = h.sim.site("nometa");
    let requests = site.requests();
    assert_eq!((requests[2].status, requests[3].status), (503, 503));
    // The same URL three times: two 503s, then the success.
    assert_eq!(requests[3].target, requests[2].target);
    assert_eq!(requests[4].target, requests[2].target);
    assert_eq!(requests[4].status, 200);
    // Backoff doubles from retry_base (200 ms here, jitter at most -25 %): the second retry
    // waits at least 300 ms, twice the 150 ms interval.
    let second_wait = requests[4].at.duration_since(requests[3].at);
    assert!(
        second_wait + SLACK >= Duration::from_millis(300),
        "second retry after only {second_wait:?}"
    );
    // The truncated response is asked for again and the document still ends up archived.
    let truncated = &requests[6].target;
    assert!(
        requests[7..]
            .iter()
            .any(|r| &r.target == truncated && r.status == 200),
        "{truncated} was not retried after the truncated body"
    );
    let records = h.export();
    assert_eq!(archived_of(&records, site), site.truth().len());
    let report = run_report(&h);
    let portal = &report["portals"][site.portal_name()];
    assert_eq!(
        portal["failures"],
        serde_json::json!({}),
        "retried faults are not failures: {portal}"
    );
    assert_spaced(site, INTERVAL);
    assert_identified(site);
}

#[test]
fn a_host_that_keeps_failing_is_paused_while_the_other_host_finishes() {
    let (h, out) = crawl_failing_host(false);
    let bad = h.sim.site("big5");
    assert_eq!(
        out.status.code(),
        Some(1),
        "a paused host makes the run exit 1; stderr:\n{}",
        stderr(&out)
    );

    let items = doc_paths(bad);
    let item_requests: Vec<_> = bad
        .requests()
        .into_iter()
        .filter(|r| items.contains(&r.target))
        .collect();
    // Three items, each tried twice (max_retries = 1), then nothing more for the rest of the run.
    assert_eq!(item_requests.len(), 6, "item requests: {item_requests:?}");
    assert!(item_requests.iter().all(|r| r.status == 500));
    let distinct: std::collections::BTreeSet<_> = item_requests.iter().map(|r| &r.target).collect();
    assert_eq!(distinct.len(), 3);
    assert!(
        items.len() > 3,
        "the site had more items than the pause let through"
    );

    let good = h.sim.site("nometa");
    let records = h.export();
    assert_eq!(archived_of(&records, good), good.truth().len());
    assert_eq!(archived_of(&records, bad), 0);

    let report = run_report(&h);
    let paused: Vec<_> = report["hosts"]
        .as_array()
        .expect("hosts")
        .iter()
        .filter(|host| !host["paused"].is_null())
        .map(|host| host["host"].as_str().unwrap_or("").to_string())
        .collect();
    let bad_host = bad.base_url().host_str().unwrap_or("").to_string();
    assert_eq!(paused, vec![bad_host.clone()]);
    assert_eq!(report["portals"][bad.portal_name()]["unreachable"], true);
    assert_eq!(report["portals"][good.portal_name()]["unreachable"], false);

    let status = h.run(&["status"]);
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(text.contains(&format!("paused host {bad_host}")), "{text}");
    let bad_block = text
        .split(bad.portal_name())
        .nth(1)
        .and_then(|rest| rest.lines().nth(1))
        .unwrap_or("");
    assert!(bad_block.contains("UNREACHABLE"), "{text}");
    for s in [good, bad] {
        assert_spaced(s, INTERVAL);
        assert_identified(s);
    }
}

#[test]
fn a_retry_after_longer_than_max_retry_after_pauses_the_host_for_the_run() {
    let spec = site("nometa").with_faults(vec![Fault {
        on_request: 3,
        kind: FaultKind::Status {
            status: 429,
            retry_after: Some(3600),
        },
    }]);
    let h = Harness::with_sites(vec![spec, site("big5")], INTERVAL);
    set(&h, "politeness", "max_retry_after = \"2s\"");
    let out = h.run(&["crawl"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a paused host makes the run exit 1; stderr:\n{}",
        stderr(&out)
    );
    let paused = h.sim.site("nometa");
    let requests = paused.requests();
    // Not retried at the cap: the 429 is the last thing the host saw this run.
    assert_eq!(
        requests.len(),
        3,
        "requests: {:?}",
        requests.iter().map(|r| &r.target)
    );
    assert_eq!(requests[2].status, 429);
    let report = run_report(&h);
    let host = report["hosts"]
        .as_array()
        .expect("hosts")
        .iter()
        .find(|host| host["host"] == paused.base_url().host_str().unwrap_or(""))
        .expect("the paused host is reported")
        .clone();
    let reason = host["paused"].as_str().unwrap_or("");
    assert!(
        reason.contains("Retry-After of 3600 s") && reason.contains("max_retry_after"),
        "report: {host}"
    );
    assert_eq!(host["retry_after_pauses"], 1);
    assert_eq!(report["portals"][paused.portal_name()]["unreachable"], true);
    // The other host is not held up.
    let other = h.sim.site("big5");
    assert_eq!(archived_of(&h.export(), other), other.truth().len());
    assert_spaced(paused, INTERVAL);
}

/// A host whose item pages answer a notice (访问过于频繁, 200, none of the challenge scripts the
/// fetch looks for) is told apart only once the page is read; it is paused after three of them,
/// as for a challenge script, and each notice puts its item on the failure schedule.
#[test]
fn a_host_that_answers_throttle_notices_is_paused_and_its_items_retried() {
    let mut noisy = site("big5");
    noisy.page_size = 50;
    let h = Harness::with_sites(vec![site("nometa"), noisy], INTERVAL);
    let bad = h.sim.site("big5");
    let notice = "<html><head><meta charset=\"utf-8\"><title>提示</title></head><body>\
                  <h2>您的访问过于频繁，请稍后再试！</h2></body></html>";
    for path in doc_paths(bad) {
        bad.add_path_fault(at(
            &path,
            FaultKind::Body {
                status: 200,
                content_type: "text/html; charset=utf-8".into(),
                body: notice.as_bytes().to_vec(),
            },
        ));
    }
    let out = crawl(&h, false);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a paused host makes the run exit 1; stderr:\n{}",
        stderr(&out)
    );
    let items = doc_paths(bad);
    let asked: Vec<_> = bad
        .requests()
        .into_iter()
        .filter(|r| items.contains(&r.target))
        .map(|r| r.target)
        .collect();
    assert_eq!(asked.len(), 3, "item requests: {asked:?}");
    assert!(
        items.len() > 3,
        "the site had more items than the pause let through"
    );
    let good = h.sim.site("nometa");
    let records = h.export();
    assert_eq!(archived_of(&records, good), good.truth().len());
    assert_eq!(archived_of(&records, bad), 0);
    let report = run_report(&h);
    let paused: Vec<_> = report["hosts"]
        .as_array()
        .expect("hosts")
        .iter()
        .filter_map(|host| host["paused"].as_str())
        .collect();
    assert_eq!(paused.len(), 1, "report: {report}");
    assert!(paused[0].contains("challenges (3)"), "{paused:?}");
    // The notices are on the failure schedule: `failures` lists them with their next retry.
    let failures = h.run(&["failures"]);
    let text = String::from_utf8_lossy(&failures.stdout);
    for target in &asked {
        let line = text
            .lines()
            .find(|l| l.contains(target.as_str()))
            .unwrap_or_else(|| panic!("{target} not in failures:\n{text}"));
        assert!(line.contains("blocked"), "{line}");
    }
    for s in [good, bad] {
        assert_spaced(s, INTERVAL);
        assert_identified(s);
    }
}

/// `Retry-After: 0` (or a date in the past, from a server whose clock is slow) on a 503 is a
/// floor, not a shortcut: the retry still waits out the backoff (`retry_base` 1 s here, so at
/// least 0.75 s with its jitter), not just the per-host gap.
#[test]
fn a_retry_after_of_zero_still_waits_out_the_backoff() {
    let spec = site("nometa").with_faults(vec![Fault {
        on_request: 3,
        kind: FaultKind::Status {
            status: 503,
            retry_after: Some(0),
        },
    }]);
    let h = Harness::with_sites(vec![spec], INTERVAL);
    h.edit_config(|t| t.replace("retry_base = \"100ms\"", "retry_base = \"1s\""));
    let out = crawl(&h, false);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", stderr(&out));
    let requests = h.sim.site("nometa").requests();
    assert_eq!(requests[2].status, 503);
    assert_eq!(
        requests[3].target, requests[2].target,
        "the refused URL is retried first"
    );
    let waited = requests[3].at.duration_since(requests[2].at);
    assert!(
        waited >= Duration::from_millis(700),
        "the retry came {waited:?} after a 503 with Retry-After: 0"
    );
}
