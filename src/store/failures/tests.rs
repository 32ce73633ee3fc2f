//! Unit tests of the failed-URL index: retry scheduling, attachment waits and unreadable records.

use super::*;
use crate::store::RetrySchedule;
use crate::store::schedule::DEFAULT_RETRY_MAX;

fn failed(portal: &str, next: DateTime<Utc>, gone: bool) -> UrlState {
    UrlState {
        portal: portal.into(),
        outcome: "failed:timeout".into(),
        failures: 1,
        retry: Some(RetrySchedule {
            first_failed_at: next,
            last_failed_at: next,
            last_kind: "timeout".into(),
            not_found_streak: 0,
            next_retry_at: next,
            gone,
        }),
        ..UrlState::default()
    }
}

fn day(n: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(1_700_000_000 + n * 86400, 0).expect("valid instant")
}

#[test]
fn the_index_follows_every_state_change() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("open store");
    let (a, b, c) = ("http://x/a", "http://x/b", "http://x/c");
    store.record_url(a, &failed("p", day(1), false)).expect("a");
    store.record_url(b, &failed("p", day(5), false)).expect("b");
    store.record_url(c, &failed("p", day(1), true)).expect("c");
    let due: Vec<String> = store
        .due_retries(day(2), crate::store::schedule::DEFAULT_RETRY_MAX)
        .expect("due")
        .into_iter()
        .map(|(u, _)| u)
        .collect();
    assert_eq!(due, vec![a.to_string()]);
    let counts = store
        .failure_counts(day(2), crate::store::schedule::DEFAULT_RETRY_MAX, 1000)
        .expect("counts");
    assert_eq!(
        counts["p"],
        FailureCounts {
            retries_due: 1,
            retries_later: 1,
            gone: 1,
            ..FailureCounts::default()
        }
    );
    // Rescheduling moves the entry; success removes it.
    store
        .record_url(a, &failed("p", day(9), false))
        .expect("a later");
    assert!(
        store
            .due_retries(day(2), crate::store::schedule::DEFAULT_RETRY_MAX)
            .expect("due")
            .is_empty()
    );
    let archived = UrlState {
        doc_id: Some("d".into()),
        ..failed("p", day(1), false)
    };
    store.record_url(b, &archived).expect("b archived");
    assert_eq!(store.retry_due.len(), 1);
    // A manual retry makes a gone URL due and forgets its streak.
    assert!(store.retry_now(c, day(3)).expect("retry"));
    let due: Vec<String> = store
        .due_retries(day(3), crate::store::schedule::DEFAULT_RETRY_MAX)
        .expect("due")
        .into_iter()
        .map(|(u, _)| u)
        .collect();
    assert_eq!(due, vec![c.to_string()]);
    assert_eq!(store.gone.len(), 0);
    assert!(
        !store
            .retry_now("http://x/unknown", day(3))
            .expect("retry unknown")
    );
}

#[test]
fn an_archived_item_waits_for_its_attachments_and_older_states_are_due() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("open store");
    let limit = 1000;
    // Written by a build from before items kept their wait: due, as it was then.
    let older: UrlState = serde_json::from_str(
        r#"{"portal":"p","doc_id":"d","outcome":"archived_attachment_missing"}"#,
    )
    .expect("an older state reads");
    assert!(older.attachments_due(day(0), limit, DEFAULT_RETRY_MAX));
    let complete = UrlState {
        outcome: "archived".into(),
        ..older.clone()
    };
    assert!(!complete.attachments_due(day(0), limit, DEFAULT_RETRY_MAX));
    // A wait survives the store and decides; it keeps the item out of the retry index.
    let policy = crate::store::FailurePolicy::default();
    let waiting = UrlState {
        attachment_wait: policy.attachments_after(None, Some(limit), &["http_404"], day(0)),
        ..older
    };
    store.record_url("http://x/a", &waiting).expect("record");
    let back = store.url_state("http://x/a").expect("read").expect("state");
    assert_eq!(back, waiting);
    assert!(!back.attachments_due(day(0), limit, DEFAULT_RETRY_MAX));
    assert!(back.attachments_due(day(0), limit + 1, DEFAULT_RETRY_MAX));
    assert!(back.attachments_due(day(1), limit, DEFAULT_RETRY_MAX));
    assert!(
        store
            .due_retries(day(9), crate::store::schedule::DEFAULT_RETRY_MAX)
            .expect("due")
            .is_empty()
    );
    // Made due by hand, and only while an attachment failed.
    assert!(store.retry_now("http://x/a", day(0)).expect("retry"));
    let back = store.url_state("http://x/a").expect("read").expect("state");
    assert!(back.attachments_due(day(0), limit, DEFAULT_RETRY_MAX));
    let oversize_only = UrlState {
        attachment_wait: policy.attachments_after(None, Some(limit), &[], day(0)),
        ..back
    };
    store
        .record_url("http://x/a", &oversize_only)
        .expect("record");
    assert!(!store.retry_now("http://x/a", day(0)).expect("retry"));
}

#[test]
fn an_unreadable_record_is_skipped_and_counted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("open store");
    store
        .record_url("http://x/a", &failed("p", day(1), false))
        .expect("a");
    store
        .record_url("http://x/b", &failed("p", day(1), false))
        .expect("b");
    store
        .urls
        .insert("http://x/a", b"{not json".as_slice())
        .expect("garbage");
    let due = store
        .due_retries(day(2), crate::store::schedule::DEFAULT_RETRY_MAX)
        .expect("a corrupt row does not fail the read");
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].0, "http://x/b");
    let unreadable = store.unreadable_urls().expect("unreadable");
    assert_eq!(unreadable.len(), 1);
    assert_eq!(unreadable[0].0, "http://x/a");
    // Writing the URL again repairs it.
    store
        .record_url("http://x/a", &failed("p", day(1), false))
        .expect("rewrite");
    assert!(store.unreadable_urls().expect("unreadable").is_empty());
    assert_eq!(
        store
            .due_retries(day(2), crate::store::schedule::DEFAULT_RETRY_MAX)
            .expect("due")
            .len(),
        2
    );
}

/// A retry set while the clock was decades ahead (a bad RTC, a restored VM) and the clock set
/// right since: no wait is longer than `retry_max`, so it is due now, not in 2090.
#[test]
fn a_retry_set_by_a_clock_far_ahead_is_due_now() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("open store");
    let month = std::time::Duration::from_secs(30 * 86400);
    let (ahead, soon, later) = ("http://x/ahead", "http://x/soon", "http://x/later");
    store
        .record_url(ahead, &failed("p", day(365 * 64), false))
        .expect("ahead");
    store
        .record_url(soon, &failed("p", day(1), false))
        .expect("soon");
    // Within the longest wait: not due yet, as before.
    store
        .record_url(later, &failed("p", day(29), false))
        .expect("later");
    let due: Vec<String> = store
        .due_retries(day(0), month)
        .expect("due")
        .into_iter()
        .map(|(u, _)| u)
        .collect();
    assert_eq!(due, vec![ahead.to_string()]);
    let state = store.url_state(ahead).expect("read").expect("kept");
    let retry = state.retry.expect("scheduled");
    assert!(!retry.is_due(day(0)));
    assert!(retry.set_by_a_clock_ahead(day(0), month));
    // `status` counts it as due, as the next run reads it.
    let counts = store.failure_counts(day(0), month, 1000).expect("counts");
    assert_eq!((counts["p"].retries_due, counts["p"].retries_later), (1, 2));
    let near = store.url_state(later).expect("read").expect("kept");
    assert!(
        !near
            .retry
            .expect("scheduled")
            .set_by_a_clock_ahead(day(0), month)
    );
}
