//! A host that refuses every request with a plain 403 (no challenge to read: an empty body, the
//! host's own `Forbidden` page, 您无权访问此页面 in GBK, a long page) is left alone for the run
//! after `host_failure_limit` of them in a row, proven on what the simulated server saw; a 403
//! on one page among answered ones, or 403s that never reach the limit in a row, pause nothing;
//! the next run asks the host again. With several requests of the host in flight, those already
//! sent may still answer, but none starts after the pause.

mod common;
mod politeness_support;

use std::time::Duration;

use common::{Harness, stderr};
use nianbao_sim::{Fault, FaultKind, SiteHandle, SiteSpec};
use politeness_support::*;

/// `host_failure_limit`'s default: the refusals in a row that pause a host.
const LIMIT: usize = 5;

/// A 403 answer with `body` served as `content_type`.
fn forbidden(content_type: &str, body: Vec<u8>) -> FaultKind {
    FaultKind::Body {
        status: 403,
        content_type: content_type.into(),
        body,
    }
}

/// 403 bodies that carry no challenge mark: empty, the host's own short page in GBK
/// (您无权访问此页面), a bare `Forbidden`, and a long page of the site's own furniture.
fn refusals() -> Vec<FaultKind> {
    let mut gbk =
        b"<html><head><meta charset=\"gbk\"><title>\xcc\xe1\xca\xbe</title></head><body><p>"
            .to_vec();
    // 您无权访问此页面
    gbk.extend_from_slice(b"\xc4\xfa\xce\xde\xc8\xa8\xb7\xc3\xce\xca\xb4\xcb\xd2\xb3\xc3\xe6");
    gbk.extend_from_slice(b"</p></body></html>");
    let long = format!(
        "<html><head><meta charset=\"utf-8\"><title>提示</title></head><body>{}</body></html>",
        "<div class=\"nav\"><a href=\"/\">首页</a> <a href=\"/xxgk/\">信息公开</a></div>\n"
            .repeat(2000)
    );
    vec![
        forbidden("text/html", Vec::new()),
        forbidden("text/html; charset=gbk", gbk),
        forbidden(
            "text/html",
            b"<html><body><h1>Forbidden</h1></body></html>".to_vec(),
        ),
        forbidden("text/html; charset=utf-8", long.into_bytes()),
    ]
}

/// big5 on one list page (robots.txt, the list, then only items and the one attachment), its
/// requests numbered `on` answered with the refusals in turn.
fn refusing_site(on: &[u64]) -> SiteSpec {
    let bodies = refusals();
    let faults = on
        .iter()
        .zip(bodies.iter().cycle())
        .map(|(&n, kind)| Fault {
            on_request: n,
            kind: kind.clone(),
        })
        .collect();
    let mut spec = site("big5").with_faults(faults);
    spec.page_size = 50;
    spec
}

fn statuses(site: &SiteHandle) -> Vec<u16> {
    site.requests().iter().map(|r| r.status).collect()
}

/// The run report's `paused` of the site's host.
fn pause_of(report: &serde_json::Value, site: &SiteHandle) -> serde_json::Value {
    let host = site.base_url().host_str().unwrap_or_default().to_string();
    report["hosts"]
        .as_array()
        .and_then(|hosts| hosts.iter().find(|h| h["host"] == host.as_str()))
        .map(|h| h["paused"].clone())
        .unwrap_or_else(|| panic!("no hosts entry for {host}: {report}"))
}

#[test]
fn a_host_that_starts_refusing_is_left_alone_after_the_limit_and_asked_again_next_run() {
    // robots.txt, the list and two items answer; from the fifth request on, every one is
    // refused, with each kind of body in turn.
    let refused: Vec<u64> = (5..5 + LIMIT as u64).collect();
    let h = Harness::with_sites(vec![refusing_site(&refused)], INTERVAL);
    let out = crawl(&h, false);
    let bad = h.sim.site("big5");
    assert_eq!(
        out.status.code(),
        Some(1),
        "a paused host makes the run exit 1; stderr:\n{}",
        stderr(&out)
    );
    let seen = statuses(bad);
    // Exactly the limit of refusals, and nothing asked after the last of them, though the
    // list named more items than were asked for.
    assert_eq!(
        seen.iter().filter(|&&s| s == 403).count(),
        LIMIT,
        "{seen:?}"
    );
    assert_eq!(seen.len(), 4 + LIMIT, "{seen:?}");
    assert_eq!(seen.last(), Some(&403), "{seen:?}");
    assert!(doc_paths(bad).len() > 2 + LIMIT);

    let report = run_report(&h);
    let reason = pause_of(&report, bad);
    assert_eq!(
        reason.as_str(),
        Some("refused: 403 on 5 requests in a row"),
        "{report}"
    );
    assert_eq!(report["portals"][bad.portal_name()]["unreachable"], true);
    let host = bad.base_url().host_str().unwrap_or_default().to_string();
    assert_eq!(
        report["portals"][bad.portal_name()]["host_paused"].as_str(),
        Some(format!("host {host}: refused: 403 on 5 requests in a row").as_str()),
        "{report}"
    );
    // The items not asked are the paused host's, not failures of their own.
    let failures = &report["portals"][bad.portal_name()]["failures"];
    assert!(
        failures["host_paused"].as_u64().unwrap_or(0) > 0,
        "{failures}"
    );
    assert!(
        stderr(&out).contains(&format!(
            "paused: host {host}: refused: 403 on 5 requests in a row"
        )),
        "the summary names the pause:\n{}",
        stderr(&out)
    );
    assert_spaced(bad, INTERVAL);
    let status = h.run(&["status"]);
    let status = String::from_utf8_lossy(&status.stdout);
    assert!(status.contains(&format!("paused host {host}")), "{status}");
    let why = format!("host {host}: refused: 403 on 5 requests in a row");
    assert!(
        status.contains(&format!("    unreachable: {why}\n")),
        "{status}"
    );
    // The coverage page says why the portal's lists were not walked.
    let out = h.run(&["report", "--format", "json"]);
    assert!(out.status.success(), "report: {}", stderr(&out));
    let coverage: serde_json::Value = serde_json::from_slice(&out.stdout).expect("coverage JSON");
    let notes: Vec<String> = coverage["portals"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["portal"] == bad.portal_name())
        .flat_map(|p| p["rows"].as_array().into_iter().flatten())
        .flat_map(|r| r["cells"].as_array().into_iter().flatten())
        .filter_map(|c| c["note"].as_str().map(String::from))
        .filter(|n| n.starts_with("portal unreachable in the run of "))
        .collect();
    assert!(
        !notes.is_empty() && notes.iter().all(|n| n.contains(&format!(": {why}"))),
        "{coverage}"
    );

    // A pause is the run's: the next crawl asks the host again (its list answers now).
    let before = bad.requests().len();
    let again = crawl(&h, false);
    assert_eq!(again.status.code(), Some(0), "stderr:\n{}", stderr(&again));
    let later = &bad.requests()[before..];
    assert!(
        later
            .iter()
            .any(|r| r.status == 200 && r.path() != "/robots.txt"),
        "{later:?}"
    );
    assert!(pause_of(&run_report(&h), bad).is_null());
}

#[test]
fn one_refused_report_among_answered_ones_fails_alone() {
    let mut spec = site("big5");
    spec.page_size = 50;
    let h = Harness::with_sites(vec![spec], INTERVAL);
    let bad = h.sim.site("big5");
    let paths = doc_paths(bad);
    let restricted = paths[paths.len() / 2].clone();
    let Some(kind) = refusals().pop() else {
        panic!("refusals() gives bodies")
    };
    bad.add_path_fault(at(&restricted, kind));
    let out = crawl(&h, false);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", stderr(&out));
    assert_eq!(count_target(bad, &restricted), 1);
    let records = h.export();
    assert_eq!(archived_of(&records, bad), paths.len() - 1);
    assert!(
        !records
            .iter()
            .any(|r| r["url"].as_str().is_some_and(|u| u.ends_with(&restricted)))
    );
    let report = run_report(&h);
    assert!(pause_of(&report, bad).is_null(), "{report}");
    assert_eq!(
        report["portals"][bad.portal_name()]["failures"]["http_403"],
        1
    );
}

#[test]
fn refusals_broken_by_answers_never_pause_the_host() {
    // Runs of one fewer than the limit, each ended by an answered request.
    let run = LIMIT as u64 - 1;
    let refused: Vec<u64> = (0..2)
        .flat_map(|k| {
            let first = 3 + k * (run + 1);
            first..first + run
        })
        .collect();
    let h = Harness::with_sites(vec![refusing_site(&refused)], INTERVAL);
    let out = crawl(&h, false);
    let bad = h.sim.site("big5");
    let seen = statuses(bad);
    let refusals = seen.iter().filter(|&&s| s == 403).count();
    assert!(
        refusals > LIMIT,
        "more 403s than the limit in all: {seen:?}"
    );
    let report = run_report(&h);
    assert!(pause_of(&report, bad).is_null(), "{report}");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{seen:?}; stderr:\n{}",
        stderr(&out)
    );
    // Every item was asked for: the list's items and the attachment after the 403s.
    assert!(
        seen.len() > *refused.last().unwrap_or(&0) as usize,
        "{seen:?}"
    );
}

/// robots.txt answered 403 means "allow all" (RFC 9309), not a refusal: with a limit of one,
/// counting it would leave the host alone before its list.
#[test]
fn a_robots_txt_403_is_no_refusal() {
    let mut spec = site("big5").with_path_faults(vec![robots_body(403, "")]);
    spec.page_size = 50;
    let h = Harness::with_sites(vec![spec], INTERVAL);
    set(&h, "politeness", "host_failure_limit = 1");
    let out = crawl(&h, false);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", stderr(&out));
    let bad = h.sim.site("big5");
    assert_eq!(count_target(bad, "/robots.txt"), 1);
    assert_eq!(archived_of(&h.export(), bad), doc_paths(bad).len());
    assert!(pause_of(&run_report(&h), bad).is_null());
}

/// `per_host_concurrency` of the test with requests in flight at once.
const IN_FLIGHT: usize = 3;

/// A firewall that refuses every page after robots.txt and the list, each 403 written 200 ms
/// after its request, with three requests of the host allowed in flight and a 10 ms gap: the
/// answers already on their way when the pausing one arrives are reported as the 403s they are,
/// and the server sees no request it did not have in flight when it had written the limit's
/// refusals.
#[test]
fn with_requests_in_flight_none_starts_after_the_refusal_that_pauses_the_host() {
    let late = |kind: FaultKind| FaultKind::Late {
        delay: Duration::from_millis(200),
        kind: Box::new(kind),
    };
    let mut spec = refusing_site(&(3..200).collect::<Vec<u64>>());
    for fault in &mut spec.faults {
        fault.kind = late(fault.kind.clone());
    }
    let h = Harness::with_sites(vec![spec], Duration::from_millis(10));
    set(
        &h,
        "politeness",
        &format!("per_host_concurrency = {IN_FLIGHT}\nper_ip_concurrency = 0"),
    );
    let out = crawl(&h, false);
    assert_eq!(out.status.code(), Some(1), "stderr:\n{}", stderr(&out));
    let bad = h.sim.site("big5");
    let seen = bad.requests();
    let refused: Vec<_> = seen.iter().filter(|r| r.status == 403).collect();
    let described: Vec<_> = seen
        .iter()
        .map(|r| (r.status, r.refusals_before, r.target.clone()))
        .collect();
    // robots.txt and the list, then only refused pages.
    assert_eq!(seen.len(), 2 + refused.len(), "{described:?}");
    // The requests overlapped: some refusal arrived before an earlier one was written.
    assert!(
        refused
            .iter()
            .enumerate()
            .any(|(k, r)| r.refusals_before < k),
        "no two requests in flight at once: {described:?}"
    );
    // At most the limit plus the others in flight when the pausing answer arrived ...
    assert!(
        (LIMIT..LIMIT + IN_FLIGHT).contains(&refused.len()),
        "{described:?}"
    );
    // ... and of those, none arrived after the server had written the limit's refusals but
    // the ones then in flight.
    let after = seen.iter().filter(|r| r.refusals_before >= LIMIT).count();
    assert!(after < IN_FLIGHT, "{described:?}");
    assert!(doc_paths(bad).len() > LIMIT + IN_FLIGHT);

    // Each late answer is reported as the 403 it was, and the host paused once, at the limit.
    let report = run_report(&h);
    assert_eq!(
        pause_of(&report, bad).as_str(),
        Some("refused: 403 on 5 requests in a row"),
        "{report}"
    );
    let failures = &report["portals"][bad.portal_name()]["failures"];
    assert_eq!(
        failures["http_403"].as_u64(),
        Some(refused.len() as u64),
        "{failures}"
    );
    assert!(
        failures["host_paused"].as_u64().unwrap_or(0) > 0,
        "{failures}"
    );
}
