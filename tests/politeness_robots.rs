//! robots.txt as the servers saw it: a Disallow line keeps its path from ever being requested, a
//! robots.txt answering 503 keeps the whole host untouched, a 404 allows everything, and a
//! Crawl-delay longer than the configured interval widens every gap.

mod common;
mod politeness_support;

use std::time::Duration;

use common::{Harness, stderr};
use politeness_support::*;

/// nometa's robots.txt disallows its first document.
fn crawl_disallowed(broken_gate: bool) -> (Harness, std::process::Output) {
    let h = Harness::with_sites(vec![site("nometa")], INTERVAL);
    let s = h.sim.site("nometa");
    let forbidden = doc_paths(s).first().expect("nometa has documents").clone();
    s.add_path_fault(robots_body(
        200,
        &format!("User-agent: *\nDisallow: {forbidden}\nDisallow: /admin/\n"),
    ));
    let out = crawl(&h, broken_gate);
    (h, out)
}

/// nometa's robots.txt answers 503 beside a healthy big5.
fn crawl_robots_503(broken_gate: bool) -> (Harness, std::process::Output) {
    let h = Harness::with_sites(vec![site("nometa"), site("big5")], INTERVAL);
    h.sim
        .site("nometa")
        .add_path_fault(robots_body(503, "Service Unavailable"));
    let out = crawl(&h, broken_gate);
    (h, out)
}

/// nometa (three documents) asks for a Crawl-delay of 1 s.
fn crawl_with_crawl_delay(broken_gate: bool) -> (Harness, std::process::Output) {
    let mut spec = site("nometa");
    spec.crawl_delay = Some(1);
    spec.docs.truncate(3);
    let h = Harness::with_sites(vec![spec], INTERVAL);
    let out = crawl(&h, broken_gate);
    (h, out)
}

#[test]
fn spacing_checks_fail_on_a_broken_gate() {
    let (h, _) = crawl_disallowed(true);
    assert_spacing_broken(h.sim.site("nometa"), INTERVAL);
    let (h, _) = crawl_robots_503(true);
    assert_spacing_broken(h.sim.site("nometa"), INTERVAL);
    let (h, _) = crawl_with_crawl_delay(true);
    assert_spacing_broken(h.sim.site("nometa"), Duration::from_secs(1));
}

#[test]
fn a_disallowed_item_is_never_requested_and_is_counted_as_excluded() {
    let (h, out) = crawl_disallowed(false);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", stderr(&out));
    let s = h.sim.site("nometa");
    let paths = doc_paths(s);
    let forbidden = paths.first().expect("nometa has documents").clone();
    assert_eq!(count_target(s, &forbidden), 0, "{forbidden} was requested");
    assert_eq!(archived_of(&h.export(), s), paths.len() - 1);
    for other in &paths[1..] {
        assert_eq!(count_target(s, other), 1, "{other}");
    }
    let report = run_report(&h);
    assert_eq!(report["portals"][s.portal_name()]["excluded"]["robots"], 1);
    assert_spaced(s, INTERVAL);
    assert_identified(s);
}

#[test]
fn robots_txt_answering_503_keeps_the_whole_host_untouched() {
    let (h, out) = crawl_robots_503(false);
    let s = h.sim.site("nometa");
    assert_eq!(
        out.status.code(),
        Some(1),
        "the portal is unreachable; stderr:\n{}",
        stderr(&out)
    );
    let requests = s.requests();
    assert!(!requests.is_empty());
    assert!(
        requests.iter().all(|r| r.path() == "/robots.txt"),
        "only robots.txt (with its retries) may be asked for: {:?}",
        requests.iter().map(|r| &r.target).collect::<Vec<_>>()
    );
    assert!(
        requests.len() <= 4,
        "robots.txt retries are bounded by max_retries"
    );
    let records = h.export();
    assert_eq!(archived_of(&records, s), 0);
    let other = h.sim.site("big5");
    assert_eq!(archived_of(&records, other), other.truth().len());
    let report = run_report(&h);
    assert_eq!(report["portals"][s.portal_name()]["unreachable"], true);
    assert_eq!(report["portals"][s.portal_name()]["excluded"]["robots"], 1);
    assert_spaced(s, INTERVAL);
    assert_identified(s);
}

#[test]
fn robots_txt_404_allows_everything() {
    let h = Harness::with_sites(vec![site("nometa")], INTERVAL);
    let s = h.sim.site("nometa");
    s.add_path_fault(robots_body(404, "not here"));
    let out = h.run(&["crawl"]);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", stderr(&out));
    assert_eq!(s.requests()[0].status, 404);
    assert_eq!(archived_of(&h.export(), s), s.truth().len());
    let report = run_report(&h);
    assert_eq!(
        report["portals"][s.portal_name()]["excluded"],
        serde_json::json!({})
    );
}

#[test]
fn a_crawl_delay_longer_than_the_interval_widens_every_gap() {
    let (h, out) = crawl_with_crawl_delay(false);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", stderr(&out));
    let s = h.sim.site("nometa");
    assert!(s.requests().len() >= 5, "robots, the list and three items");
    assert_spaced(s, Duration::from_secs(1));
    assert_eq!(archived_of(&h.export(), s), 3);
}

#[test]
fn a_robots_txt_redirected_to_another_host_is_followed_through_that_hosts_gate() {
    // RFC 9309 2.3.1.2: follow robots.txt redirects, even across hosts. big5 is served, not
    // crawled: it stands for the www or CDN host the portal's robots.txt moved to.
    let h = Harness::with_sites(vec![site("nometa"), site("big5")], INTERVAL);
    keep_portals(&h, 1);
    let s = h.sim.site("nometa");
    let other = h.sim.site("big5");
    let paths = doc_paths(s);
    let forbidden = paths.first().expect("documents").clone();
    let moved = other.url("/robots.txt");
    s.add_path_fault(at("/robots.txt", redirect(moved.as_str())));
    other.add_path_fault(robots_body(
        200,
        &format!("User-agent: *\nDisallow: {forbidden}\n"),
    ));
    let out = h.run(&["crawl"]);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", stderr(&out));
    let other_targets: Vec<String> = other.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(other_targets, vec!["/robots.txt".to_string()]);
    // The rules found at the end of the redirect govern the portal's host.
    assert_eq!(count_target(s, &forbidden), 0);
    assert_eq!(archived_of(&h.export(), s), paths.len() - 1);
    assert_identified(other);
}

#[test]
fn robots_rules_are_matched_with_the_configured_product_token() {
    // The harness's user agent is `nianbao-test/0.1 (+http://…)`: its group applies, not the
    // `*` group and not the group of a fixed `nianbao` token.
    let h = Harness::with_sites(vec![site("nometa")], INTERVAL);
    let s = h.sim.site("nometa");
    let paths = doc_paths(s);
    let forbidden = paths.first().expect("nometa has documents").clone();
    s.add_path_fault(robots_body(
        200,
        &format!(
            "User-agent: nianbao\nDisallow: /\n\nUser-agent: Nianbao-Test\nDisallow: {forbidden}\n\n\
             User-agent: *\nDisallow: /\n"
        ),
    ));
    let out = h.run(&["crawl"]);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", stderr(&out));
    assert_eq!(count_target(s, &forbidden), 0, "{forbidden} was requested");
    assert_eq!(archived_of(&h.export(), s), paths.len() - 1);
    assert_spaced(s, INTERVAL);
}
