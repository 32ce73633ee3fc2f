//! Issue 9, "Failures have a policy", as the servers and the store saw it: a failed item is
//! retried only when its retry is due, 404/410 twice in a row or a long failure streak make it
//! gone and it is not asked for again, `nianbao failures --retry` puts it back, `status` counts
//! them, and an unreadable URL record is reported and skipped instead of aborting the run. A
//! retry or an attachment wait set by a clock decades ahead is asked at the next run.

mod common;
mod politeness_support;

use std::time::Duration;

use common::{Harness, stderr};
use nianbao_sim::{DocSpec, FaultKind, SiteHandle};
use politeness_support::*;
use serde_json::Value;

const INTERVAL: Duration = Duration::from_millis(40);

fn status(code: u16) -> FaultKind {
    FaultKind::Status {
        status: code,
        retry_after: None,
    }
}

/// A harness on the no-metadata site, with `crawl` keys set and no in-run retries.
fn harness(crawl_keys: &str) -> Harness {
    harness_paged(crawl_keys, 100)
}

/// `page_size` 100 gives one list page: when it changes, every failed item on it is in view of
/// the crawl again.
fn harness_paged(crawl_keys: &str, page_size: usize) -> Harness {
    let mut spec = site("nometa");
    spec.page_size = page_size;
    let h = Harness::with_sites(vec![spec], INTERVAL);
    h.edit_config(|t| {
        t.replace("max_retries = 3", "max_retries = 0")
            .replace("[fetch]\n", &format!("[crawl]\n{crawl_keys}\n\n[fetch]\n"))
    });
    h
}

fn crawl(h: &Harness) {
    let out = h.run(&["crawl"]);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", stderr(&out));
}

fn json_of(h: &Harness, args: &[&str]) -> Value {
    h.json_of(args)
}

fn failure_totals(h: &Harness) -> (u64, u64, u64) {
    let s = json_of(h, &["status", "--format", "json"]);
    let f = &s["failures"];
    let n = |k: &str| {
        f[k].as_u64()
            .unwrap_or_else(|| panic!("status failures.{k}: {s}"))
    };
    (n("retries_due"), n("retries_later"), n("gone"))
}

/// Requests for `path` so far.
fn asked(site: &SiteHandle, path: &str) -> usize {
    count_target(site, path)
}

#[test]
fn not_found_and_long_streaks_become_gone_and_are_not_asked_again() {
    // Every failure is due again at the next run, so that runs stand in for nights; three
    // failures over no time at all make a transient failure gone.
    let h =
        harness("failed_retry_first = \"0s\"\ngone_after_failures = 3\ngone_after_span = \"0s\"");
    let s = h.sim.site("nometa");
    let paths = doc_paths(s);
    let (missing, broken) = (paths[0].clone(), paths[1].clone());
    s.add_path_fault(at(&missing, status(404)));
    s.add_path_fault(at(&broken, status(500)));

    crawl(&h);
    assert_eq!((asked(s, &missing), asked(s, &broken)), (1, 1));
    assert_eq!(failure_totals(&h), (2, 0, 0), "both scheduled, both due");

    // Second 404 in a row: gone. Second 500: still scheduled.
    crawl(&h);
    assert_eq!((asked(s, &missing), asked(s, &broken)), (2, 2));
    assert_eq!(failure_totals(&h), (1, 0, 1));
    let gone = json_of(&h, &["failures", "--gone", "--format", "json"]);
    let gone = gone["failed"].as_array().expect("failed list");
    assert_eq!(gone.len(), 1, "{gone:?}");
    assert_eq!(gone[0]["url"], s.url(&missing).as_str());
    assert_eq!(gone[0]["kind"], "http_404");
    assert_eq!(gone[0]["gone"], true);
    assert_eq!(gone[0]["next_retry_at"], Value::Null);

    // The gone URL is not asked again, though its list page still links it; the third 500
    // makes the other one gone too.
    crawl(&h);
    assert_eq!((asked(s, &missing), asked(s, &broken)), (2, 3));
    assert_eq!(failure_totals(&h), (0, 0, 2));
    s.add_document(DocSpec::new("新发布的通知", "2026-03-02 09:00"));
    crawl(&h);
    assert_eq!(
        (asked(s, &missing), asked(s, &broken)),
        (2, 3),
        "gone URLs stay unasked"
    );
    assert_eq!(
        archived_of(&h.export(), s),
        paths.len() - 1,
        "the new item was archived"
    );
    // A dry run lists what a crawl would fetch: never a gone URL.
    s.add_document(DocSpec::new("又一份新的通知", "2026-03-03 09:00"));
    let dry = h.run(&["crawl", "--dry-run"]);
    let listed = String::from_utf8_lossy(&dry.stdout);
    assert!(
        listed.contains("would fetch") && !listed.contains(s.url(&missing).as_str()),
        "{listed}"
    );
    let text = h.run(&["status"]);
    assert!(
        String::from_utf8_lossy(&text.stdout).contains("0 due for retry, 0 retried later, 2 gone"),
        "{}",
        String::from_utf8_lossy(&text.stdout)
    );

    // Put one back by URL, then all: each is asked once more.
    let out = h.run(&["failures", "--retry", s.url(&missing).as_str()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(failure_totals(&h), (1, 0, 1));
    crawl(&h);
    assert_eq!((asked(s, &missing), asked(s, &broken)), (3, 3));
    let out = h.run(&["failures", "--retry-all-gone"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    crawl(&h);
    assert_eq!((asked(s, &missing), asked(s, &broken)), (4, 4));

    // An unknown URL is a usage error naming it.
    let out = h.run(&["failures", "--retry", "http://127.0.0.1/never-seen.html"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("never-seen.html"), "{}", stderr(&out));

    // Everything else was archived as usual: all but the two failing ones, and the two
    // documents added on the way.
    assert_eq!(archived_of(&h.export(), s), paths.len() - 2 + 2);
}

#[test]
fn a_transient_failure_waits_for_its_retry_time() {
    let h = harness("failed_retry_first = \"1d\"");
    let s = h.sim.site("nometa");
    let broken = doc_paths(s)[0].clone();
    s.add_path_fault(at(&broken, status(503)));

    crawl(&h);
    assert_eq!(asked(s, &broken), 1);
    assert_eq!(failure_totals(&h), (0, 1, 0), "retried in a day, not now");
    let listed = json_of(&h, &["failures", "--format", "json"]);
    let row = &listed["failed"][0];
    assert_eq!(row["kind"], "http_503");
    assert_eq!(row["failures"], 1);
    let next = row["next_retry_at"].as_str().expect("next retry time");
    let last = row["last_failed_at"].as_str().expect("last failure time");
    let parse = |t: &str| chrono::DateTime::parse_from_rfc3339(t).expect("RFC 3339");
    assert_eq!((parse(next) - parse(last)).num_hours(), 24);

    // The next run, minutes later, does not ask for it: not from the retry index, not from the
    // list page that still links it (walked again: it has a new item).
    s.add_document(DocSpec::new("新发布的通知", "2026-03-02 09:00"));
    crawl(&h);
    assert_eq!(
        archived_of(&h.export(), s),
        doc_paths(s).len() - 1,
        "the new item was archived"
    );
    assert_eq!(asked(s, &broken), 1, "asked before its retry time");
    assert_eq!(failure_totals(&h), (0, 1, 0));

    // Made due by hand, it is asked once; its next wait starts again from one day.
    let out = h.run(&["failures", "--retry", s.url(&broken).as_str()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(failure_totals(&h), (1, 0, 0));
    crawl(&h);
    assert_eq!(asked(s, &broken), 2);
    assert_eq!(failure_totals(&h), (0, 1, 0));
}

/// A night whose clock ran decades ahead (a restored VM, a dead RTC battery) leaves its failed
/// URLs scheduled for then; once the clock is set right, they are asked at the next run rather
/// than in 2090, and a failure then waits its normal time again.
#[test]
fn a_retry_set_by_a_clock_decades_ahead_is_asked_at_the_next_run() {
    let h = harness("failed_retry_first = \"1d\"");
    let s = h.sim.site("nometa");
    let broken = doc_paths(s)[0].clone();
    s.add_path_fault(at(&broken, status(503)));
    crawl(&h);
    assert_eq!(asked(s, &broken), 1);

    // The failure as that night's clock wrote it, through the crate's own store.
    let url = s.url(&broken).to_string();
    common::edit_failed_retry(&h.data_dir(), &url, stamped_in_2090);

    assert_eq!(failure_totals(&h), (1, 0, 0), "status counts it as due");
    // The list page is unchanged (304): only the retry index can bring the URL back.
    crawl(&h);
    assert_eq!(
        asked(s, &broken),
        2,
        "the retry waited for the clock of 2090"
    );
    // Failed again now: its next retry is a day from now, not due at once every run.
    crawl(&h);
    assert_eq!(
        asked(s, &broken),
        2,
        "asked again before its new retry time"
    );
}

/// As `a_retry_set_by_a_clock_decades_ahead_is_asked_at_the_next_run`, for a report archived
/// without its attachment: the wait that night's clock set for 2090 is asked at the next run,
/// and the wait it sets then is one from now. The report is on the list's second page, which a
/// nightly crawl does not walk once the first holds only known items: only the waits index can
/// bring it back.
#[test]
fn an_attachment_wait_set_by_a_clock_decades_ahead_is_asked_at_the_next_run() {
    let mut spec = site("nometa");
    spec.docs.push(
        DocSpec::new("花甸镇2025年政府信息公开工作年度报告", "2021-06-01 09:00")
            .report(2025)
            .with_attachment(),
    );
    spec.docs.sort_by_key(|d| d.published);
    let h = Harness::with_sites(vec![spec], INTERVAL);
    h.edit_config(|t| {
        t.replace("max_retries = 3", "max_retries = 0").replace(
            "[fetch]\n",
            "[crawl]\nfailed_retry_first = \"1d\"\n\n[fetch]\n",
        )
    });
    let s = h.sim.site("nometa");
    let doc = s
        .truth()
        .into_iter()
        .find(|d| !d.attachments.is_empty())
        .expect("the report with a PDF");
    let pdf = doc.attachments[0].clone();
    s.add_path_fault(at(&pdf, status(503)));
    crawl(&h);
    assert_eq!(asked(s, &pdf), 1);

    // The wait as that night's clock wrote it, through the crate's own store.
    let url = s.url(&doc.path).to_string();
    common::edit_attachment_wait(&h.data_dir(), &url, stamped_in_2090);

    let status = json_of(&h, &["status", "--format", "json"]);
    assert_eq!(status["failures"]["attachments_due"], 1, "{status}");
    crawl(&h);
    assert_eq!(asked(s, &pdf), 2, "the wait waited for the clock of 2090");
    // Failed again now: its next retry is a day from now.
    crawl(&h);
    assert_eq!(asked(s, &pdf), 2, "asked again before its new retry time");
}

#[test]
fn an_unreadable_url_record_is_reported_and_skipped() {
    // Several list pages: the failed item is on one the nightly crawl does not walk again.
    let h = harness_paged("failed_retry_first = \"0s\"", site("nometa").page_size);
    let s = h.sim.site("nometa");
    let paths = doc_paths(s);
    let broken = paths[0].clone();
    s.add_path_fault(at(&broken, status(500)));
    crawl(&h);
    let before = h.export();
    assert_eq!(archived_of(&before, s), paths.len() - 1);

    // Garbage in the URL table: the failed URL the next run reads from the retry index, and an
    // archived one.
    let archived_url = before[0]["url"].as_str().expect("url").to_string();
    let broken_url = s.url(&broken).to_string();
    {
        let db = sled::open(h.data_dir().join("index")).expect("open the store's sled directly");
        let urls = db.open_tree("urls").expect("urls tree");
        urls.insert(broken_url.as_bytes(), b"\x00not json".as_slice())
            .expect("garbage");
        urls.insert(archived_url.as_bytes(), b"{\"portal\":".as_slice())
            .expect("garbage");
        db.flush().expect("flush");
    }

    // Reading the retry index meets the unreadable record: it is named and counted.
    let listed = json_of(&h, &["failures", "--format", "json"]);
    assert_eq!(
        listed["unreadable"][0]["url"],
        broken_url.as_str(),
        "{listed}"
    );
    let status = json_of(&h, &["status", "--format", "json"]);
    assert_eq!(status["failures"]["unreadable_url_records"], 1, "{status}");

    let out = h.run(&["crawl"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "a corrupt row aborted the run:\n{}",
        stderr(&out)
    );
    let log = stderr(&out);
    assert!(log.contains("unreadable URL record"), "{log}");
    assert!(log.contains(&broken_url), "the log names the URL: {log}");
    // Nothing archived was lost. The failed URL's record could not be read, so its retry was
    // skipped (its list page answered 304, so nothing else asked for it).
    let after = h.export();
    assert_eq!(after[..before.len()], before[..]);
    assert_eq!(asked(s, &broken), 1);
    let status = json_of(&h, &["status", "--format", "json"]);
    assert!(
        status["failures"]["unreadable_url_records"].as_u64() >= Some(1),
        "{status}"
    );

    // `failures --retry` removes the unreadable record: the URL is new to the next crawl.
    let out = h.run(&["failures", "--retry", &broken_url]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let listed = json_of(&h, &["failures", "--format", "json"]);
    assert_eq!(listed["unreadable"], serde_json::json!([]), "{listed}");
    let out = h.run(&["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains(&broken_url), "{}", stderr(&out));
}

#[test]
fn failure_policy_keys_are_checked_like_every_key() {
    let h = harness("gone_after_failures = 0");
    let out = h.run(&["status"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("crawl.gone_after_failures"),
        "{}",
        stderr(&out)
    );
    let h = harness("failed_retry_first = \"soon\"");
    let out = h.run(&["status"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("failed_retry_first"),
        "{}",
        stderr(&out)
    );
}

/// A schedule as a night whose clock said 2090 writes it: failed then, due a day later.
fn stamped_in_2090(retry: &mut nianbao::store::RetrySchedule) {
    let then = chrono::DateTime::parse_from_rfc3339("2090-01-01T00:00:00Z")
        .expect("RFC 3339")
        .to_utc();
    retry.first_failed_at = then;
    retry.last_failed_at = then;
    retry.next_retry_at = then + chrono::Duration::days(1);
}
