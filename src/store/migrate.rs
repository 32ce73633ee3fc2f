//! The one-time migrations of a store written by an earlier version, each a scan of the URL
//! table then a marker key so that it never runs again: before failures had a schedule, each
//! failed URL gets one (due at once, as before) and the retry index is built; before reports
//! waiting for attachments were indexed, their index is built. (The marks of versions whose text
//! waits are built the same way, from the versions: `texts`.)

use chrono::{DateTime, Utc};

use super::schedule::RetrySchedule;
use super::{Store, StoreError, UrlState};

/// Marks a store whose retry index was built (by the one-time scan of older stores).
const INDEX_MARKER: &str = "retry_index_v1";
/// Marks a store whose index of reports waiting for attachments was built.
const WAIT_INDEX_MARKER: &str = "attachment_wait_index_v1";

impl Store {
    /// Builds the retry index of a store written before it existed: one scan of the URL table,
    /// once (a marker key records that it was done). Failed URLs of such stores had no schedule;
    /// they become due at once, as they were before. Unreadable records are logged and skipped.
    pub(super) fn migrate_retry_index(&self) -> Result<(), StoreError> {
        if self.meta.contains_key(INDEX_MARKER)? {
            return Ok(());
        }
        let mut scheduled = 0u64;
        for entry in self.urls.iter() {
            let (key, value) = entry?;
            let url = String::from_utf8_lossy(&key).into_owned();
            let mut state: UrlState = match serde_json::from_slice(&value) {
                Ok(state) => state,
                Err(e) => {
                    self.note_unreadable(&url, &e);
                    continue;
                }
            };
            if state.doc_id.is_some() || state.failures == 0 {
                continue;
            }
            if state.retry.is_none() {
                state.retry = Some(legacy_schedule(&state));
            }
            self.record_url(&url, &state)?;
            scheduled += 1;
        }
        self.meta.insert(INDEX_MARKER, &[])?;
        self.flush()?;
        if scheduled > 0 {
            tracing::info!(
                urls = scheduled,
                "built the retry index of failed URLs (once, for a store from an earlier version)"
            );
        }
        Ok(())
    }

    /// Builds the index of archived reports waiting for attachments of a store written before
    /// it existed: one scan of the URL table, once (a marker key records that it was done).
    /// A report from before reports kept their wait (outcome `archived_attachment_missing`
    /// alone) is indexed as due, as it is. Unreadable records are logged and skipped.
    pub(super) fn migrate_wait_index(&self) -> Result<(), StoreError> {
        if self.meta.contains_key(WAIT_INDEX_MARKER)? {
            return Ok(());
        }
        let mut indexed = 0u64;
        for entry in self.urls.iter() {
            let (key, value) = entry?;
            let url = String::from_utf8_lossy(&key).into_owned();
            let state: UrlState = match serde_json::from_slice(&value) {
                Ok(state) => state,
                Err(e) => {
                    self.note_unreadable(&url, &e);
                    continue;
                }
            };
            let keys = super::waits::wait_keys(&url, Some(&state));
            // Written directly: the state stays as it is, and an entry written twice (a scan
            // cut short by a crash) is the same entry.
            for key in &keys {
                self.attachment_waits.insert(key, state.portal.as_bytes())?;
            }
            indexed += u64::from(!keys.is_empty());
        }
        self.meta.insert(WAIT_INDEX_MARKER, &[])?;
        self.flush()?;
        if indexed > 0 {
            tracing::info!(
                reports = indexed,
                "indexed the reports waiting for attachments (once, for a store from an earlier version)"
            );
        }
        Ok(())
    }
}

/// The schedule of a URL that failed before failures had one: due now, its streak starting at
/// its last fetch.
fn legacy_schedule(state: &UrlState) -> RetrySchedule {
    let last = state
        .fetched_at
        .as_deref()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    let kind = state
        .outcome
        .strip_prefix("failed:")
        .unwrap_or(&state.outcome);
    RetrySchedule {
        first_failed_at: last,
        last_failed_at: last,
        last_kind: kind.to_string(),
        not_found_streak: 0,
        next_retry_at: DateTime::<Utc>::UNIX_EPOCH,
        gone: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_older_store_gets_its_index_once() {
        let dir = tempfile::tempdir().expect("temp dir");
        {
            let store = Store::open(dir.path()).expect("open store");
            let legacy = UrlState {
                portal: "p".into(),
                outcome: "failed:connect".into(),
                failures: 2,
                fetched_at: Some("2025-01-02T03:04:05Z".into()),
                ..UrlState::default()
            };
            // Written as an older version did: no schedule, no index entry, no marker.
            let bytes = serde_json::to_vec(&legacy).expect("json");
            store
                .urls
                .insert("http://x/old", bytes)
                .expect("legacy row");
            store
                .urls
                .insert("http://x/bad", b"\xff".as_slice())
                .expect("garbage");
            store.meta.remove(INDEX_MARKER).expect("no marker");
            store.flush().expect("flush");
        }
        let store = Store::open(dir.path()).expect("reopen migrates");
        let due = store
            .due_retries(Utc::now(), crate::store::schedule::DEFAULT_RETRY_MAX)
            .expect("due");
        assert_eq!(due.len(), 1);
        let retry = due[0].1.retry.clone().expect("schedule");
        assert_eq!(retry.last_kind, "connect");
        assert_eq!(store.unreadable_urls().expect("unreadable").len(), 1);
        assert!(store.meta.contains_key(INDEX_MARKER).expect("marker"));
    }

    #[test]
    fn an_older_store_gets_its_wait_index_once() {
        let dir = tempfile::tempdir().expect("temp dir");
        let now = Utc::now();
        let policy = crate::store::FailurePolicy::default();
        let report = |wait| UrlState {
            portal: "p".into(),
            doc_id: Some("d".into()),
            outcome: crate::store::OUTCOME_ATTACHMENT_MISSING.into(),
            attachment_wait: wait,
            ..UrlState::default()
        };
        {
            let store = Store::open(dir.path()).expect("open store");
            let rows = [
                // From before reports kept their wait: due at once.
                ("http://x/older", report(None)),
                // Failed a moment ago: due tomorrow.
                (
                    "http://x/later",
                    report(policy.attachments_after(None, None, &["timeout"], now)),
                ),
                (
                    "http://x/big",
                    report(policy.attachments_after(None, Some(10), &[], now)),
                ),
                (
                    "http://x/complete",
                    UrlState {
                        outcome: "archived".into(),
                        ..report(None)
                    },
                ),
            ];
            // Written as an older version did: no index entry, no marker.
            for (url, state) in rows {
                let bytes = serde_json::to_vec(&state).expect("json");
                store.urls.insert(url, bytes).expect("older row");
            }
            store.meta.remove(WAIT_INDEX_MARKER).expect("no marker");
            store.flush().expect("flush");
        }
        let store = Store::open(dir.path()).expect("reopen migrates");
        assert!(store.meta.contains_key(WAIT_INDEX_MARKER).expect("marker"));
        let due: Vec<String> = store
            .due_attachment_waits(now, 10, crate::store::schedule::DEFAULT_RETRY_MAX)
            .expect("due")
            .into_iter()
            .map(|(u, _)| u)
            .collect();
        assert_eq!(due, vec!["http://x/older".to_string()]);
        let counts = store
            .failure_counts(now, crate::store::schedule::DEFAULT_RETRY_MAX, 10)
            .expect("counts");
        let c = &counts["p"];
        assert_eq!(
            (
                c.attachments_due,
                c.attachments_later,
                c.attachments_oversize
            ),
            (1, 1, 1),
            "{c:?}"
        );
        // Once: a wait written behind the index's back later is not picked up by a reopen.
        drop(store);
        let store = Store::open(dir.path()).expect("reopen");
        let bytes = serde_json::to_vec(&report(None)).expect("json");
        store.urls.insert("http://x/behind", bytes).expect("row");
        drop(store);
        let store = Store::open(dir.path()).expect("reopen");
        assert_eq!(store.attachment_waits.len(), 3);
    }
}
