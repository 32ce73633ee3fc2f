//! Archived reports waiting for attachments: the `attachment_waits` index, kept beside the
//! retry index of failed URLs and written in the same transaction as the URL state (see
//! `failures::reindex`). A crawl reads the reports due for their attachments from it, as it
//! reads due retries; `failures` lists them and `status` counts them without a URL-table scan.
//!
//! One tree, three key prefixes, each entry's value naming the portal:
//! - `d` + next retry time + URL: attachments that failed, on the failure policy's schedule
//!   (a state from before reports kept their wait is indexed as due since 1970, as it is due);
//! - `g` + URL: the failed attachments are all gone;
//! - `o` + the `max_body_bytes` they passed (big-endian) + URL: attachments too large, due
//!   once a run's limit is above that one (one range scan below the run's limit).
//!
//! A report waiting both for a too-large attachment and for one that failed has two entries
//! (counted once by `status`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::failures::{clock_ahead_prefix, time_prefix};
use super::schedule::due_horizon;
use super::{FailureCounts, OUTCOME_ATTACHMENT_MISSING, Store, StoreError, UrlState};

const SCHEDULED: u8 = b'd';
const GONE: u8 = b'g';
const OVERSIZE: u8 = b'o';

/// The index keys of a URL state: one for each thing its report waits for (none for a URL
/// without a document, or a report that lacks nothing).
pub(super) fn wait_keys(url: &str, state: Option<&UrlState>) -> Vec<Vec<u8>> {
    let Some(state) = state.filter(|s| s.doc_id.is_some()) else {
        return Vec::new();
    };
    let key = |prefix: u8, middle: &[u8]| {
        let mut key = vec![prefix];
        key.extend_from_slice(middle);
        key.extend_from_slice(url.as_bytes());
        key
    };
    let Some(wait) = &state.attachment_wait else {
        // Written before reports kept their wait: due, as `attachments_due` says.
        return if state.outcome == OUTCOME_ATTACHMENT_MISSING {
            vec![key(SCHEDULED, &time_prefix(DateTime::<Utc>::UNIX_EPOCH))]
        } else {
            Vec::new()
        };
    };
    let mut keys = Vec::new();
    if let Some(limit) = wait.oversize_at {
        keys.push(key(OVERSIZE, &limit.to_be_bytes()));
    }
    match &wait.retry {
        Some(retry) if retry.gone => keys.push(key(GONE, &[])),
        Some(retry) => keys.push(key(SCHEDULED, &time_prefix(retry.next_retry_at))),
        None => {}
    }
    keys
}

/// The URL an index key names (the bytes after its prefix and, but for `g`, its 8-byte value).
fn url_of_key(key: &[u8]) -> String {
    let skip = match key.first() {
        Some(&GONE) => 1,
        _ => 9,
    };
    String::from_utf8_lossy(key.get(skip..).unwrap_or_default()).into_owned()
}

/// The first scheduled key whose time can only have been set by a clock ahead of `now` (see
/// `clock_ahead_after`); None past the end of time.
fn clock_ahead_key(now: DateTime<Utc>, longest: Duration) -> Option<Vec<u8>> {
    let mut key = vec![SCHEDULED];
    key.extend_from_slice(&clock_ahead_prefix(now, longest)?);
    Some(key)
}

/// The start and end (exclusive) of the keys with `prefix` whose 8 bytes after it are below
/// `below`.
fn below(prefix: u8, below: [u8; 8]) -> (Vec<u8>, Vec<u8>) {
    let mut end = vec![prefix];
    end.extend_from_slice(&below);
    (vec![prefix], end)
}

impl Store {
    /// Archived reports due for their attachments at a run starting at `now` with this
    /// `max_body_bytes`: scheduled ones earliest first, then those set by a clock ahead (further
    /// than `longest`, the policy's `retry_max`, from `now`: see
    /// `RetrySchedule::set_by_a_clock_ahead`), then those whose too-large attachments the limit
    /// now admits. Three range scans of the index; unreadable records are skipped.
    pub fn due_attachment_waits(
        &self,
        now: DateTime<Utc>,
        max_body_bytes: u64,
        longest: Duration,
    ) -> Result<Vec<(String, UrlState)>, StoreError> {
        let horizon = time_prefix(due_horizon(now) + chrono::Duration::seconds(1));
        let mut urls = Vec::new();
        for (prefix, end) in [
            (SCHEDULED, horizon),
            (OVERSIZE, max_body_bytes.to_be_bytes()),
        ] {
            let (start, end) = below(prefix, end);
            for entry in self.attachment_waits.range(start..end) {
                urls.push(url_of_key(&entry?.0));
            }
            if prefix == SCHEDULED
                && let Some(ahead) = clock_ahead_key(now, longest)
            {
                // The far end of the scheduled keys, normally empty.
                for entry in self.attachment_waits.range(ahead..vec![SCHEDULED + 1]) {
                    urls.push(url_of_key(&entry?.0));
                }
            }
        }
        let mut seen = BTreeSet::new();
        let mut due = Vec::new();
        for url in urls {
            if !seen.insert(url.clone()) {
                continue;
            }
            if let Some(state) = self.url_state(&url)?
                && state.attachments_due(now, max_body_bytes, longest)
            {
                due.push((url, state));
            }
        }
        Ok(due)
    }

    /// Every archived report waiting for attachments (`gone_only`: only those whose failed
    /// attachments are all gone), by URL.
    pub fn waiting_reports(&self, gone_only: bool) -> Result<Vec<(String, UrlState)>, StoreError> {
        let scan = if gone_only {
            self.attachment_waits.scan_prefix([GONE])
        } else {
            self.attachment_waits.iter()
        };
        let mut urls = BTreeSet::new();
        for entry in scan {
            urls.insert(url_of_key(&entry?.0));
        }
        let mut waiting = Vec::new();
        for url in urls {
            let Some(state) = self.url_state(&url)? else {
                continue;
            };
            let gone = state
                .attachment_wait
                .as_ref()
                .and_then(|w| w.retry.as_ref())
                .is_some_and(|r| r.gone);
            if !wait_keys(&url, Some(&state)).is_empty() && (gone || !gone_only) {
                waiting.push((url, state));
            }
        }
        Ok(waiting)
    }

    /// Removes every wait entry naming `url` (of an unreadable record: its state cannot say
    /// which). A scan of the index, which is small.
    pub(super) fn forget_waits(&self, url: &str) -> Result<(), StoreError> {
        for entry in self.attachment_waits.iter() {
            let (key, _) = entry?;
            if url_of_key(&key) == url {
                self.attachment_waits.remove(key)?;
            }
        }
        Ok(())
    }

    /// Adds to `counts`, per portal, the reports waiting for attachments, from the index
    /// alone, each report once: due at `now` (scheduled ones, and too-large ones when
    /// `max_body_bytes` is above the limit they passed), else later, else oversize, else gone
    /// (a report waiting both for a too-large attachment and a failed one has two entries).
    pub(super) fn count_waits(
        &self,
        now: DateTime<Utc>,
        longest: Duration,
        max_body_bytes: u64,
        counts: &mut BTreeMap<String, FailureCounts>,
    ) -> Result<(), StoreError> {
        let horizon = time_prefix(due_horizon(now) + chrono::Duration::seconds(1));
        let ahead = clock_ahead_key(now, longest);
        let limit = max_body_bytes.to_be_bytes();
        let mut reports: HashMap<String, (WaitCount, Vec<u8>)> = HashMap::new();
        for entry in self.attachment_waits.iter() {
            let (key, portal) = entry?;
            let middle = key.get(1..9).unwrap_or_default();
            let count = match key.first() {
                Some(&SCHEDULED) if middle < &horizon[..] => WaitCount::Due,
                Some(&SCHEDULED) if ahead.as_ref().is_some_and(|a| key[..] >= a[..]) => {
                    WaitCount::Due
                }
                Some(&SCHEDULED) => WaitCount::Later,
                Some(&GONE) => WaitCount::Gone,
                Some(&OVERSIZE) if middle < &limit[..] => WaitCount::Due,
                Some(&OVERSIZE) => WaitCount::Oversize,
                _ => continue,
            };
            let report = reports
                .entry(url_of_key(&key))
                .or_insert((count, portal.to_vec()));
            report.0 = report.0.min(count);
        }
        for (count, portal) in reports.into_values() {
            let c = counts
                .entry(String::from_utf8_lossy(&portal).into_owned())
                .or_default();
            match count {
                WaitCount::Due => c.attachments_due += 1,
                WaitCount::Later => c.attachments_later += 1,
                WaitCount::Oversize => c.attachments_oversize += 1,
                WaitCount::Gone => c.attachments_gone += 1,
            }
        }
        Ok(())
    }
}

/// Where `status` counts a waiting report, the first that applies of its entries' counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum WaitCount {
    Due,
    Later,
    Oversize,
    Gone,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::FailurePolicy;
    use crate::store::schedule::DEFAULT_RETRY_MAX;

    fn day(n: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_700_000_000 + n * 86400, 0).expect("valid instant")
    }

    /// An archived report of portal `p` that waits for what `failed` and `oversize_at` say,
    /// after a fetch at `at`.
    fn waiting(oversize_at: Option<u64>, failed: &[&str], at: DateTime<Utc>) -> UrlState {
        UrlState {
            portal: "p".into(),
            doc_id: Some("d".into()),
            outcome: OUTCOME_ATTACHMENT_MISSING.into(),
            attachment_wait: FailurePolicy::default().attachments_after(
                None,
                oversize_at,
                failed,
                at,
            ),
            ..UrlState::default()
        }
    }

    fn urls(found: Vec<(String, UrlState)>) -> Vec<String> {
        found.into_iter().map(|(u, _)| u).collect()
    }

    fn counts(store: &Store, now: DateTime<Utc>, limit: u64) -> FailureCounts {
        store
            .failure_counts(now, crate::store::schedule::DEFAULT_RETRY_MAX, limit)
            .expect("counts")
            .remove("p")
            .unwrap_or_default()
    }

    #[test]
    fn the_wait_index_follows_every_state_change() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path()).expect("open store");
        let limit = 1000;
        let (a, b, c) = ("http://x/a", "http://x/b", "http://x/c");
        // a: a 404 (due in a day); b: too large only; c: a 404 and too large.
        store
            .record_url(a, &waiting(None, &["http_404"], day(0)))
            .expect("a");
        store
            .record_url(b, &waiting(Some(limit), &[], day(0)))
            .expect("b");
        store
            .record_url(c, &waiting(Some(limit), &["timeout"], day(0)))
            .expect("c");
        assert_eq!(store.attachment_waits.len(), 4);
        assert!(
            urls(
                store
                    .due_attachment_waits(day(0), limit, DEFAULT_RETRY_MAX)
                    .expect("due")
            )
            .is_empty()
        );
        assert_eq!(
            urls(
                store
                    .due_attachment_waits(day(1), limit, DEFAULT_RETRY_MAX)
                    .expect("due")
            ),
            vec![a.to_string(), c.to_string()]
        );
        assert_eq!(
            urls(
                store
                    .due_attachment_waits(day(0), limit + 1, DEFAULT_RETRY_MAX)
                    .expect("due")
            ),
            vec![b.to_string(), c.to_string()]
        );
        // Waiting reports are no failed URLs: the retry index does not hold them.
        assert!(
            store
                .due_retries(day(9), crate::store::schedule::DEFAULT_RETRY_MAX)
                .expect("due")
                .is_empty()
        );
        assert!(store.failed_urls(false).expect("failed").is_empty());
        // Each report counted once: c, later and too large, is later.
        assert_eq!(
            counts(&store, day(0), limit),
            FailureCounts {
                attachments_later: 2,
                attachments_oversize: 1,
                ..FailureCounts::default()
            }
        );
        assert_eq!(
            counts(&store, day(1), limit),
            FailureCounts {
                attachments_due: 2,
                attachments_oversize: 1,
                ..FailureCounts::default()
            }
        );
        assert_eq!(
            counts(&store, day(1), limit + 1),
            FailureCounts {
                attachments_due: 3,
                ..FailureCounts::default()
            }
        );
        // A second 404 a day later: gone, and listed as such.
        let policy = FailurePolicy::default();
        let mut gone = store.url_state(a).expect("read").expect("a");
        gone.attachment_wait =
            policy.attachments_after(gone.attachment_wait.as_ref(), None, &["http_404"], day(1));
        store.record_url(a, &gone).expect("a gone");
        assert_eq!(counts(&store, day(1), limit).attachments_gone, 1);
        assert_eq!(
            urls(store.waiting_reports(true).expect("gone")),
            vec![a.to_string()]
        );
        assert_eq!(
            urls(store.waiting_reports(false).expect("all")),
            vec![a.to_string(), b.to_string(), c.to_string()]
        );
        assert_eq!(
            urls(
                store
                    .due_attachment_waits(day(9), limit, DEFAULT_RETRY_MAX)
                    .expect("due")
            ),
            vec![c.to_string()]
        );
        // `--retry-all-gone` reaches it.
        assert_eq!(store.retry_all_gone(day(2)).expect("retry"), 1);
        assert!(store.waiting_reports(true).expect("gone").is_empty());
        assert_eq!(
            urls(
                store
                    .due_attachment_waits(day(2), limit, DEFAULT_RETRY_MAX)
                    .expect("due")
            ),
            vec![c.to_string(), a.to_string()],
            "earliest first"
        );
        // Complete, or no longer archived: out of the index.
        let complete = UrlState {
            outcome: "archived".into(),
            attachment_wait: None,
            ..store.url_state(a).expect("read").expect("a")
        };
        store.record_url(a, &complete).expect("a complete");
        store
            .record_url(
                c,
                &UrlState {
                    doc_id: None,
                    ..waiting(Some(limit), &["timeout"], day(0))
                },
            )
            .expect("c without a document");
        assert_eq!(store.attachment_waits.len(), 1, "only b's entry is left");
        assert_eq!(counts(&store, day(0), limit).attachments_oversize, 1);
    }

    #[test]
    fn a_state_from_before_waits_is_due_at_once() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path()).expect("open store");
        let older: UrlState = serde_json::from_str(
            r#"{"portal":"p","doc_id":"d","outcome":"archived_attachment_missing"}"#,
        )
        .expect("an older state reads");
        store.record_url("http://x/old", &older).expect("record");
        assert_eq!(
            urls(
                store
                    .due_attachment_waits(day(0), 1, DEFAULT_RETRY_MAX)
                    .expect("due")
            ),
            vec!["http://x/old".to_string()]
        );
        assert_eq!(counts(&store, day(0), 1).attachments_due, 1);
    }

    /// A night whose clock ran decades ahead stored its waits' retries for then: once the
    /// clock is set right they are due at the next run, as failed URLs' retries are, and
    /// counted as due; a wait within `retry_max` of now still waits.
    #[test]
    fn a_wait_set_by_a_clock_far_ahead_is_due_now() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path()).expect("open store");
        let limit = 1000;
        let (ahead, month) = ("http://x/ahead", "http://x/month");
        // 64 years after day(0), as a clock in 2090 would have written it.
        store
            .record_url(ahead, &waiting(None, &["timeout"], day(64 * 365)))
            .expect("ahead");
        // Its retry 29 days from day(0): a real wait, not yet due.
        let mut later = waiting(None, &["timeout"], day(0));
        if let Some(retry) = later
            .attachment_wait
            .as_mut()
            .and_then(|w| w.retry.as_mut())
        {
            retry.next_retry_at = day(29);
        }
        store.record_url(month, &later).expect("month");
        let state = store.url_state(ahead).expect("read").expect("ahead kept");
        assert!(state.attachments_due(day(0), limit, DEFAULT_RETRY_MAX));
        assert_eq!(
            urls(
                store
                    .due_attachment_waits(day(0), limit, DEFAULT_RETRY_MAX)
                    .expect("due")
            ),
            vec![ahead.to_string()]
        );
        let c = counts(&store, day(0), limit);
        assert_eq!((c.attachments_due, c.attachments_later), (1, 1), "{c:?}");
    }
}
