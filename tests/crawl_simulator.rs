//! End to end: the real binary crawls the standard simulated portals. Asserts on what the servers
//! saw (robots first and once, gaps per host, nothing outside the sections) and on the archive
//! (every document once, duplicates merged, raw files intact, volatile re-fetches create nothing).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use common::{Harness, raw_file, stderr};
use nianbao::dedup::sha256_hex;
use serde_json::Value;

const INTERVAL: Duration = Duration::from_millis(150);
/// Slack allowed when checking gaps between request starts: the simulator stamps arrivals, and
/// a request delayed on its way (connection set-up, scheduling) shortens the gap after it.
const TOLERANCE: Duration = Duration::from_millis(50);

fn records_of<'a>(records: &'a [Value], portal: &str) -> Vec<&'a Value> {
    records.iter().filter(|r| r["portal"] == portal).collect()
}

/// The request target (path and query) of a URL, as the simulator logs it.
fn target_of(url: &url::Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    }
}

fn assert_no_empty_strings(value: &Value, at: &str) {
    match value {
        Value::String(s) => assert!(!s.trim().is_empty(), "empty string at {at}"),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| assert_no_empty_strings(v, &format!("{at}[{i}]"))),
        Value::Object(map) => map
            .iter()
            .for_each(|(k, v)| assert_no_empty_strings(v, &format!("{at}.{k}"))),
        _ => {}
    }
}

#[test]
fn crawl_archives_every_simulated_portal_politely_and_a_recrawl_creates_nothing() {
    let h = Harness::standard(INTERVAL);
    let out = h.run(&["crawl"]);
    let log = stderr(&out);
    // The "blocked" portal answers only challenges: the run completes, flagged as exit code 1.
    assert_eq!(
        out.status.code(),
        Some(1),
        "crawl exit code; stderr:\n{log}"
    );
    assert!(
        log.contains("UNREACHABLE"),
        "the summary flags the blocked portal:\n{log}"
    );

    let records = h.export();
    let data_dir = h.data_dir();
    for site in h.sim.sites() {
        let requests = site.requests();
        let name = site.name();
        assert!(!requests.is_empty(), "{name} received no request");
        // robots.txt first, and once.
        assert_eq!(requests[0].path(), "/robots.txt", "{name}: first request");
        assert_eq!(
            requests
                .iter()
                .filter(|r| r.path() == "/robots.txt")
                .count(),
            1,
            "{name}: robots.txt fetched once"
        );
        // The minimum gap between request starts to one host.
        for pair in requests.windows(2) {
            let gap = pair[1].at.duration_since(pair[0].at);
            assert!(
                gap + TOLERANCE >= INTERVAL,
                "{name}: {} then {} only {gap:?} apart",
                pair[0].target,
                pair[1].target
            );
        }
        // Every request stays inside the section: its list pages, its items and their attachments.
        let mut allowed: BTreeSet<String> =
            BTreeSet::from(["/robots.txt".to_string(), target_of(&site.section_url())]);
        for doc in site.truth() {
            allowed.insert(doc.path.clone());
            allowed.extend(doc.aliases.iter().cloned());
            allowed.extend(doc.attachments.iter().cloned());
        }
        for (_, urls) in site.list_urls() {
            allowed.extend(urls.iter().map(target_of));
        }
        for r in &requests {
            assert!(
                allowed.contains(&r.target) || r.path().ends_with("/dataproxy.jsp"),
                "{name}: request outside the section: {} {}",
                r.method,
                r.target
            );
            assert!(
                r.header("user-agent").is_some_and(|ua| ua.contains("http")),
                "{name}: the user agent carries a contact URL"
            );
        }

        let archived = records_of(&records, site.portal_name());
        if name == "blocked" {
            assert!(
                archived.is_empty(),
                "challenge pages are never archived: {archived:?}"
            );
            assert!(
                requests.len() <= 4,
                "a blocked host backs off: {} requests",
                requests.len()
            );
            continue;
        }
        // Every document once, with all its URLs.
        let truth = site.truth();
        let ids: BTreeSet<&str> = archived
            .iter()
            .map(|r| r["id"].as_str().expect("id"))
            .collect();
        assert_eq!(
            ids.len(),
            truth.len(),
            "{name}: documents archived vs the site's ground truth"
        );
        let mut urls_of_id: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        for r in &archived {
            let entry = urls_of_id.entry(r["id"].as_str().expect("id")).or_default();
            let url = url::Url::parse(r["url"].as_str().expect("url")).expect("record url parses");
            entry.insert(
                url.path().to_string()
                    + url
                        .query()
                        .map(|q| format!("?{q}"))
                        .as_deref()
                        .unwrap_or(""),
            );
            for alias in r["aliases"].as_array().expect("aliases") {
                let alias = url::Url::parse(alias.as_str().expect("alias")).expect("alias parses");
                entry.insert(
                    alias.path().to_string()
                        + alias
                            .query()
                            .map(|q| format!("?{q}"))
                            .as_deref()
                            .unwrap_or(""),
                );
            }
        }
        for doc in &truth {
            let want: BTreeSet<String> = std::iter::once(doc.path.clone())
                .chain(doc.aliases.iter().cloned())
                .collect();
            assert!(
                urls_of_id.values().any(|urls| urls == &want),
                "{name}: no single document holds exactly the URLs {want:?}; have {urls_of_id:?}"
            );
        }
        for r in &archived {
            assert_no_empty_strings(r, "record");
            let bytes = common::read_raw(&raw_file(&data_dir, r));
            assert_eq!(
                sha256_hex(&bytes),
                r["sha256"].as_str().expect("sha256"),
                "raw file matches its digest"
            );
            assert!(
                chrono::DateTime::parse_from_rfc3339(r["fetched_at"].as_str().expect("fetched_at"))
                    .is_ok()
            );
            for a in r["attachments"].as_array().expect("attachments") {
                let path = a["raw_path"].as_str().expect("attachment archived");
                let bytes = common::read_raw(&data_dir.join(path));
                assert_eq!(
                    sha256_hex(&bytes),
                    a["sha256"].as_str().expect("attachment sha256")
                );
                assert!(bytes.starts_with(b"%PDF"), "attachment is the PDF");
            }
        }
    }
    common::assert_seqs_contiguous(&records);

    // Only volatile parts change (view counters, generation times): a second crawl creates nothing.
    let first_requests: usize = h.sim.sites().iter().map(|s| s.requests().len()).sum();
    for site in h.sim.sites() {
        site.bump_counters();
    }
    let out = h.run(&["crawl"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "second crawl; stderr:\n{}",
        stderr(&out)
    );
    let again = h.export();
    assert_eq!(
        again.len(),
        records.len(),
        "a re-fetch whose only changes are volatile creates nothing"
    );
    let total_requests: usize = h.sim.sites().iter().map(|s| s.requests().len()).sum();
    let second = total_requests - first_requests;
    assert!(
        second * 2 < first_requests,
        "the second crawl stops at known items: {second} requests vs {first_requests} the first time"
    );
}

#[test]
fn bad_config_and_a_busy_data_dir_exit_with_their_codes() {
    let h = Harness::with_sites(vec![], INTERVAL);
    h.edit_config(|text| text.replace("[politeness]", "[politeness]\nper_host_intervall = \"1s\""));
    let out = h.run(&["crawl"]);
    assert_eq!(out.status.code(), Some(2), "bad config exit code");
    let message = stderr(&out);
    assert!(
        message.contains("config.toml") && message.contains("per_host_intervall"),
        "{message}"
    );

    let h = Harness::with_sites(vec![], INTERVAL);
    let _held = nianbao::store::Store::open(&h.data_dir()).expect("the test holds the store");
    let out = h.run(&["status"]);
    assert_eq!(out.status.code(), Some(3), "locked store exit code");
    assert!(
        stderr(&out).contains("in use by another nianbao process"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_crawl_waits_for_a_short_command_that_holds_the_store() {
    let h = Harness::with_sites(
        vec![nianbao_sim::SiteSpec::standard_named("gbk").expect("standard site")],
        INTERVAL,
    );
    let held = nianbao::store::Store::open(&h.data_dir()).expect("the test holds the store");
    // Held until the crawl says it waits (however late a loaded machine starts it), then let
    // go well within the crawl's 60 s.
    let mut cmd = h.command(&["crawl"]);
    cmd.stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("the nianbao binary starts");
    let lines = std::io::BufRead::lines(std::io::BufReader::new(
        child.stderr.take().expect("piped stderr"),
    ));
    let mut message = String::new();
    let mut held = Some(held);
    for line in lines.map_while(Result::ok) {
        if line.contains("waiting up to 60s") {
            held = None;
        }
        message.push_str(&line);
        message.push('\n');
    }
    let status = child.wait().expect("the crawl ends");
    assert!(held.is_none(), "the crawl never said it waits: {message}");
    assert_eq!(status.code(), Some(0), "{message}");
}
