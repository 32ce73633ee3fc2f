//! Bad input, catalogued (issue 9): the real binary crawls the hostile simulated portals, whose
//! list entries each misbehave in one way (huge, malformed, badly framed, badly encoded,
//! redirected off the web) and whose other hosts serve a 10 MB robots.txt, a 100,000-line
//! robots.txt and a Retry-After of a year. Every case must end as a recorded classification,
//! nothing may be half-written, and the run must go on to the normal reports after them.

mod common;
mod politeness_support;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use common::{Harness, assert_seqs_contiguous, raw_file, stderr};
use nianbao::store::Store;
use nianbao_sim::{Hostile, SiteHandle, SiteSpec, hostile_set, hostile_site};
use politeness_support::*;
use serde_json::Value;
use sha2::{Digest, Sha256};

const INTERVAL: Duration = Duration::from_millis(50);

/// What each item case of the main portal may end as in its URL state (prefixes), or `None`
/// for the cases that leave no URL state (counted in the run report instead).
fn expected_outcomes(case: Hostile) -> Option<&'static [&'static str]> {
    Some(match case {
        Hostile::HugeAttributes
        | Hostile::NulInBody
        | Hostile::InvalidUtf8Header
        | Hostile::TenCharsets
        | Hostile::LateMetaCharset
        | Hostile::RedirectGbkLocation
        | Hostile::LaxHeaders => &["archived"],
        // Archived, and asked for again next run for the attachments that were no documents.
        Hostile::AttachmentNotThere => &["archived_attachment_missing"],
        // A redirect that leads nowhere and an empty answer are no pages: failures, retried.
        Hostile::RedirectNoLocation => &["failed:bad_redirect"],
        Hostile::NoContent => &["failed:http_204"],
        // 20 MB of text: archived, or, where pages are parsed within bounds (16 MiB of text),
        // kept unread with the bound named in its outcome.
        Hostile::HugeSingleLine => &["archived", "failed:too_complex", "failed:text_size"],
        Hostile::ManyLinks => &["list"],
        // The HTTP client refuses a NUL or a bare CR in a header value: a malformed response.
        Hostile::NulInHeader | Hostile::CrLfInHeader => &["failed:malformed_response"],
        Hostile::GzipBomb => &["oversize"],
        Hostile::GzipTruncated => &["failed:content_decoding"],
        Hostile::BadChunkSize | Hostile::ShortChunk => &["failed:truncated"],
        // Redirects off the web are excluded before any request: counted in the run report.
        Hostile::RedirectFile
        | Hostile::RedirectFtp
        | Hostile::RedirectData
        | Hostile::RedirectPrivate => return None,
        Hostile::DeepNesting
        | Hostile::HugeRobots
        | Hostile::ManyLineRobots
        | Hostile::RetryAfterYear => return None,
    })
}

/// The hostile set without the deep-nesting page, which has its own test below.
fn sites_without_deep_nesting() -> Vec<SiteSpec> {
    let mut sites = hostile_set();
    for site in &mut sites {
        site.hostile.retain(|c| *c != Hostile::DeepNesting);
    }
    sites
}

fn harness(sites: Vec<SiteSpec>) -> Harness {
    let h = Harness::with_sites(sites, INTERVAL);
    // Each case is judged on its own: five failing cases in a row must not pause the host.
    set(&h, "politeness", "host_failure_limit = 100");
    h
}

fn outcome(store: &Store, site: &SiteHandle, path: &str) -> Option<String> {
    store
        .url_state(site.url(path).as_str())
        .expect("URL state is readable")
        .map(|s| s.outcome)
}

/// Every export record's raw file exists and hashes to its sha256; every WARC file reads to its
/// end. Returns the target URIs of the WARC response records.
fn assert_nothing_half_written(h: &Harness, records: &[Value]) -> Vec<String> {
    let data = h.data_dir();
    for r in records {
        let path = raw_file(&data, r);
        let bytes = common::read_raw(&path);
        assert_eq!(
            hex(&Sha256::digest(&bytes)),
            r["sha256"].as_str().expect("sha256"),
            "raw file of {} matches its sha256",
            r["url"]
        );
    }
    let mut responses = Vec::new();
    for file in warc_files(&data.join("warc")) {
        for record in nianbao::warc::WarcReader::open(&file).expect("WARC file opens") {
            let record =
                record.unwrap_or_else(|e| panic!("{} reads to its end: {e}", file.display()));
            if record.warc_type() == Some("response") {
                responses.push(record.header("WARC-Target-URI").unwrap_or("").to_string());
            }
        }
    }
    responses
}

fn warc_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.to_string_lossy().ends_with(".warc.gz"));
    files.sort();
    assert!(!files.is_empty(), "the crawl wrote WARC files");
    files
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn by_url(records: &[Value]) -> BTreeMap<String, &Value> {
    records
        .iter()
        .map(|r| (r["url"].as_str().expect("url").to_string(), r))
        .collect()
}

#[test]
fn every_hostile_case_ends_recorded_and_the_normal_reports_after_them_are_archived() {
    let h = harness(sites_without_deep_nesting());
    let out = h.run(&["crawl"]);
    // Exit 1: a completed run in which one portal's host was paused (the year of Retry-After).
    assert_eq!(out.status.code(), Some(1), "stderr:\n{}", stderr(&out));
    let report = run_report(&h);
    let main = h.sim.site("hostile");
    let retry = h.sim.site("hostile-retry");
    let portals = &report["portals"];
    for site in h.sim.sites() {
        let unreachable = portals[site.portal_name()]["unreachable"] == true;
        assert_eq!(
            unreachable,
            site.name() == "hostile-retry",
            "{}: {}",
            site.name(),
            portals[site.portal_name()]
        );
    }

    let records = h.export();
    assert_seqs_contiguous(&records);
    let archived = by_url(&records);
    let warc_responses = assert_nothing_half_written(&h, &records);

    // Each item case of the main portal ends as its recorded classification.
    let store = Store::open(&h.data_dir()).expect("the store opens after the run");
    for case in Hostile::ITEM_CASES {
        let Some(wanted) = expected_outcomes(case) else {
            continue;
        };
        let got = outcome(&store, main, case.path()).unwrap_or_default();
        assert!(
            wanted.iter().any(|w| got.starts_with(w)),
            "{case:?}: outcome {got:?}, want one of {wanted:?}"
        );
        let url = main.url(case.path()).to_string();
        assert_eq!(
            archived.contains_key(&url),
            got.starts_with("archived"),
            "{case:?}: archived iff classified archived"
        );
        if got.starts_with("archived") {
            assert_eq!(
                archived[&url]["title"].as_str(),
                Some(case.title().as_str()),
                "{case:?}: the title is read through the hostility"
            );
            // A redirected item's response is the page it landed on.
            let landed = match case {
                Hostile::RedirectGbkLocation => main.url(Hostile::GBK_LOCATION_TARGET).to_string(),
                _ => url.clone(),
            };
            assert!(
                warc_responses.contains(&landed),
                "{case:?}: a WARC response record"
            );
        }
    }
    let main_report = &portals[main.portal_name()];
    assert_eq!(main_report["excluded"]["scheme"], 3, "{main_report}");
    assert_eq!(main_report["excluded"]["out_of_scope"], 1, "{main_report}");
    assert_eq!(main_report["oversize"], 1, "{main_report}");
    assert_eq!(main_report["failures"]["truncated"], 2, "{main_report}");
    assert_eq!(
        main_report["failures"]["content_decoding"], 1,
        "{main_report}"
    );
    // The charset cases decode right: the first of ten labels, and UTF-8 found without the
    // meta 1 MB in (the prescan stops at its window).
    let ten = archived[&main.url(Hostile::TenCharsets.path()).to_string()];
    assert_eq!(ten["charset"], "gb18030");
    assert_eq!(ten["charset_source"], "http_header");
    let late = archived[&main.url(Hostile::LateMetaCharset.path()).to_string()];
    assert_eq!(late["charset"], "UTF-8");
    assert_ne!(late["charset_source"], "meta");

    // A Location of raw GBK bytes is followed as its percent-escapes; the attachments that
    // answered a "not found" page and a login page are not archived, only counted.
    assert_eq!(count_target(main, Hostile::GBK_LOCATION_TARGET), 1);
    let bad = archived[&main.url(Hostile::AttachmentNotThere.path()).to_string()];
    let attachments = bad["attachments"].as_array().expect("attachments");
    let kept: Vec<(Option<&str>, bool)> = attachments
        .iter()
        .map(|a| (a["name"].as_str(), a["sha256"].is_string()))
        .collect();
    // The download script's PDF is kept under the name its Content-Disposition gives.
    assert_eq!(
        kept,
        [
            (Some("年度报告.pdf"), false),
            (Some("统计表.pdf"), false),
            (Some("年度报告.pdf"), true)
        ],
        "{bad}"
    );
    assert_eq!(
        main_report["failures"]["attachment_soft_not_found"], 1,
        "{main_report}"
    );
    assert_eq!(
        main_report["failures"]["attachment_login_wall"], 1,
        "{main_report}"
    );
    assert_eq!(count_target(main, Hostile::LOGIN_PAGE), 1);

    // The 200,000 links lead to one item, fetched once and archived.
    let many = main.url(Hostile::MANY_LINKS_TARGET).to_string();
    assert!(
        archived.contains_key(&many),
        "the many-links item is archived"
    );
    assert_eq!(count_target(main, Hostile::MANY_LINKS_TARGET), 1);

    // Redirects off the web are requested once and never followed; nothing was malformed.
    for case in [
        Hostile::RedirectFile,
        Hostile::RedirectFtp,
        Hostile::RedirectData,
        Hostile::RedirectPrivate,
    ] {
        assert_eq!(count_target(main, case.path()), 1, "{case:?}");
    }
    // A malformed response head is not retried: the server would send the same again.
    for case in [Hostile::NulInHeader, Hostile::CrLfInHeader] {
        assert_eq!(count_target(main, case.path()), 1, "{case:?}");
    }
    for site in h.sim.sites() {
        assert_identified(site);
        assert_eq!(count_target(site, "/robots.txt"), 1, "{}", site.name());
    }

    // Every normal report after the hostile cases is archived, on every host but the paused one.
    for site in h.sim.sites().iter().filter(|s| s.name() != "hostile-retry") {
        for doc in site.truth() {
            let url = site.url(&doc.path).to_string();
            let record = archived
                .get(&url)
                .unwrap_or_else(|| panic!("{}: {url} is archived", site.name()));
            assert_eq!(record["title"].as_str(), Some(doc.title.as_str()));
            assert_eq!(record["issuing_body"].as_str(), doc.issuing_body.as_deref());
            assert!(
                warc_responses.contains(&url),
                "{url}: a WARC response record"
            );
        }
    }

    // Huge and long robots.txt files are read: their first rule holds, the rest is crawled.
    for name in ["hostile-robots-big", "hostile-robots-lines"] {
        let site = h.sim.site(name);
        assert_eq!(
            count_target(site, Hostile::HugeRobots.path()),
            0,
            "{name}: the disallowed item was not requested"
        );
        assert_eq!(portals[site.portal_name()]["excluded"]["robots"], 1);
    }

    // A Retry-After of a year pauses the host for the run: asked once, not waited on, nothing
    // sent after it; the reports listed after it are recorded for the next run.
    let retry_path = Hostile::RetryAfterYear.path();
    let requests = retry.requests();
    assert_eq!(
        requests.last().map(|r| r.target.as_str()),
        Some(retry_path),
        "nothing is sent to the host after its Retry-After of a year: {:?}",
        requests.iter().map(|r| &r.target).collect::<Vec<_>>()
    );
    assert_eq!(count_target(retry, retry_path), 1);
    // Recorded as a failure to retry next run (its status, or the pause it caused).
    let state = outcome(&store, retry, retry_path);
    assert!(
        state.as_deref().is_some_and(|s| s.starts_with("failed:")),
        "the Retry-After URL is recorded as failed, got {state:?}"
    );
    for doc in retry.truth() {
        let url = retry.url(&doc.path).to_string();
        let state = outcome(&store, retry, &doc.path);
        assert!(
            archived.contains_key(&url) || state.as_deref() == Some("failed:host_paused"),
            "{url}: archived before the pause or recorded as host_paused, got {state:?}"
        );
    }
    let host = report["hosts"]
        .as_array()
        .expect("hosts")
        .iter()
        .find(|x| retry.host().starts_with(x["host"].as_str().unwrap_or("-")))
        .expect("the Retry-After host is in the report");
    assert_eq!(host["retry_after_pauses"], 1, "{host}");
    assert!(
        host["paused"]
            .as_str()
            .is_some_and(|p| p.contains("Retry-After")),
        "{host}"
    );
}

/// 50,000 nested `<div>`s: the page ends recorded (archived, or a recorded failure) and the run
/// goes on to the reports after it. Kept apart from the test above so that a crash here (a
/// recursive tree walk overflowing the worker's stack) does not hide the other cases.
#[test]
fn a_page_of_fifty_thousand_nested_divs_ends_recorded_and_the_run_goes_on() {
    let h = harness(vec![hostile_site(
        "hostile",
        "敌意县人民政府",
        vec![Hostile::DeepNesting],
        2,
    )]);
    let out = h.run(&["crawl"]);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", stderr(&out));
    let site = h.sim.site("hostile");
    let records = h.export();
    let archived = by_url(&records);
    assert_nothing_half_written(&h, &records);
    let store = Store::open(&h.data_dir()).expect("the store opens after the run");
    let state = outcome(&store, site, Hostile::DeepNesting.path());
    assert!(
        state.as_deref().is_some_and(|s| !s.is_empty()),
        "the deep page has a recorded outcome, got {state:?}"
    );
    for doc in site.truth() {
        assert!(
            archived.contains_key(&site.url(&doc.path).to_string()),
            "{} is archived",
            doc.path
        );
    }
}
