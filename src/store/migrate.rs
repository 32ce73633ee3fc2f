//! The one-time migration of a store written before failures had a schedule: a scan of the URL
//! table that gives each failed URL a schedule (due at once, as before) and builds the retry
//! index, then a marker key so that it never runs again.

use chrono::{DateTime, Utc};

use super::schedule::RetrySchedule;
use super::{Store, StoreError, UrlState};

/// Marks a store whose retry index was built (by the one-time scan of older stores).
const INDEX_MARKER: &str = "retry_index_v1";

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
        let due = store.due_retries(Utc::now()).expect("due");
        assert_eq!(due.len(), 1);
        let retry = due[0].1.retry.clone().expect("schedule");
        assert_eq!(retry.last_kind, "connect");
        assert_eq!(store.unreadable_urls().expect("unreadable").len(), 1);
        assert!(store.meta.contains_key(INDEX_MARKER).expect("marker"));
    }
}
