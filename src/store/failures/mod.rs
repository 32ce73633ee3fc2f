//! Failed URLs: the retry index (`retry_due`, keyed by next retry time then URL), the `gone`
//! set and the `unreadable` set of URL records that failed to decode. Every URL-state write goes
//! through one transaction across `urls` and the two index trees, so the index always names the
//! URLs whose state says they are scheduled. A run reads its due retries with one range scan.
//! The same transaction keeps the index of archived reports waiting for attachments (`waits`)
//! and that of withdrawn reports' URLs (`withdrawn`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sled::Transactional;
use sled::transaction::{TransactionError, TransactionalTree};

use super::schedule::{clock_ahead_after, due_horizon};
use super::waits::wait_keys;
use super::{Store, StoreError, TxResult, UrlState};

/// Failed-URL counts of one portal, for `nianbao status`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FailureCounts {
    /// Scheduled retries a run starting now would make.
    pub retries_due: u64,
    /// Scheduled retries whose time has not come.
    pub retries_later: u64,
    /// URLs the nightly crawl no longer asks for.
    pub gone: u64,
    /// Archived reports a run starting now fetches again for attachments they lack (an entry
    /// each for a too-large attachment and for others that failed).
    pub attachments_due: u64,
    /// Archived reports whose failed attachments are asked for again later.
    pub attachments_later: u64,
    /// Archived reports whose failed attachments are all gone.
    pub attachments_gone: u64,
    /// Archived reports waiting for `max_body_bytes` to be raised for an attachment.
    pub attachments_oversize: u64,
}

/// Where a URL state sits in the index.
#[derive(Debug, PartialEq, Eq)]
enum Slot {
    Due(Vec<u8>),
    Gone,
    None,
}

fn slot_of(url: &str, state: Option<&UrlState>) -> Slot {
    match state.and_then(|s| s.retry.as_ref().filter(|_| s.doc_id.is_none())) {
        Some(r) if r.gone => Slot::Gone,
        Some(r) => Slot::Due(due_key(r.next_retry_at, url)),
        None => Slot::None,
    }
}

/// Big-endian, sign-flipped seconds then the URL: byte order is time order.
fn due_key(at: DateTime<Utc>, url: &str) -> Vec<u8> {
    let mut key = time_prefix(at).to_vec();
    key.extend_from_slice(url.as_bytes());
    key
}

pub(super) fn time_prefix(at: DateTime<Utc>) -> [u8; 8] {
    ((at.timestamp() as u64) ^ (1 << 63)).to_be_bytes()
}

/// The first time prefix at or past which an index entry can only have been set by a clock ahead
/// of `now`, where no wait is longer than `longest` (see `clock_ahead_after`); None past the end
/// of time.
pub(super) fn clock_ahead_prefix(
    now: DateTime<Utc>,
    longest: std::time::Duration,
) -> Option<[u8; 8]> {
    clock_ahead_after(now, longest)
        .checked_add_signed(chrono::Duration::seconds(1))
        .map(time_prefix)
}

pub(super) fn url_of_due_key(key: &[u8]) -> String {
    String::from_utf8_lossy(key.get(8..).unwrap_or_default()).into_owned()
}

/// The index trees kept in step with URL states, as a transaction sees them.
pub(super) struct UrlIndexes<'a> {
    pub retry_due: &'a TransactionalTree,
    pub gone: &'a TransactionalTree,
    pub unreadable: &'a TransactionalTree,
    pub waits: &'a TransactionalTree,
    pub withdrawn: &'a TransactionalTree,
    pub listed: &'a TransactionalTree,
}

/// Inside a transaction: moves a URL's index entries (retry index, attachment waits and
/// withdrawn URLs) from its old state to `new`.
pub(super) fn reindex(
    indexes: &UrlIndexes,
    url: &str,
    old: Option<&UrlState>,
    new: Option<&UrlState>,
) -> TxResult<()> {
    let UrlIndexes {
        retry_due,
        gone,
        unreadable,
        waits,
        withdrawn,
        listed,
    } = indexes;
    unreadable.remove(url.as_bytes())?;
    super::withdrawn::reindex(withdrawn, url, old, new)?;
    super::delisted::reindex(listed, url, old, new)?;
    // The entry's value names the portal, so that `status` counts without reading URL states.
    let portal = new.map(|s| s.portal.as_bytes()).unwrap_or_default();
    let (waited, waits_now) = (wait_keys(url, old), wait_keys(url, new));
    for key in waited.iter().filter(|k| !waits_now.contains(k)) {
        waits.remove(key.as_slice())?;
    }
    for key in waits_now.iter().filter(|k| !waited.contains(k)) {
        waits.insert(key.as_slice(), portal)?;
    }
    let (before, after) = (slot_of(url, old), slot_of(url, new));
    if before == after {
        return Ok(());
    }
    match before {
        Slot::Due(key) => {
            retry_due.remove(key)?;
        }
        Slot::Gone => {
            gone.remove(url.as_bytes())?;
        }
        Slot::None => {}
    }
    match after {
        Slot::Due(key) => {
            retry_due.insert(key, portal)?;
        }
        Slot::Gone => {
            gone.insert(url.as_bytes(), portal)?;
        }
        Slot::None => {}
    }
    Ok(())
}

/// Inside a transaction: a URL's stored state, or None when it is missing or unreadable (an
/// unreadable record is overwritten by the write that follows, so it is only logged here).
pub(super) fn tx_url_state(urls: &TransactionalTree, url: &str) -> TxResult<Option<UrlState>> {
    Ok(match urls.get(url)? {
        Some(bytes) => match serde_json::from_slice(&bytes) {
            Ok(state) => Some(state),
            Err(e) => {
                tracing::warn!(url, "unreadable URL record replaced: {e}");
                None
            }
        },
        None => None,
    })
}

fn tx_error(e: TransactionError<StoreError>) -> StoreError {
    match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => StoreError::Sled(e),
    }
}

impl Store {
    /// Records a URL's state and keeps the retry index in step with it.
    pub fn record_url(&self, url: &str, state: &UrlState) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(state)
            .expect("store records serialise: they hold only strings and numbers");
        (
            &self.urls,
            &self.retry_due,
            &self.gone,
            &self.unreadable,
            &self.attachment_waits,
            &self.withdrawn,
            &self.listed,
        )
            .transaction(
                |(urls, retry_due, gone, unreadable, waits, withdrawn, listed)| {
                    let old = tx_url_state(urls, url)?;
                    let new = Some(state);
                    let indexes = UrlIndexes {
                        retry_due,
                        gone,
                        unreadable,
                        waits,
                        withdrawn,
                        listed,
                    };
                    reindex(&indexes, url, old.as_ref(), new)?;
                    urls.insert(url.as_bytes(), bytes.as_slice())?;
                    Ok(())
                },
            )
            .map_err(|e| self.noted(tx_error(e)))
    }

    /// A URL's state. An unreadable record is logged with its URL, remembered in `unreadable`
    /// (counted by `nianbao status`) and read as unknown: it never stops a run.
    pub fn url_state(&self, url: &str) -> Result<Option<UrlState>, StoreError> {
        let Some(bytes) = self.urls.get(url)? else {
            return Ok(None);
        };
        match serde_json::from_slice(&bytes) {
            Ok(state) => Ok(Some(state)),
            Err(e) => {
                self.note_unreadable(url, &e);
                Ok(None)
            }
        }
    }

    pub(super) fn note_unreadable(&self, url: &str, error: &serde_json::Error) {
        tracing::warn!(url, "unreadable URL record skipped: {error}");
        if let Err(e) = self
            .unreadable
            .insert(url.as_bytes(), error.to_string().as_bytes())
        {
            tracing::error!(url, "cannot remember the unreadable URL record: {e}");
        }
    }

    /// Failed URLs whose retry is due for a run starting at `now`, earliest first: one range
    /// scan of the retry index, and one of its far end for retries set by a clock ahead of this
    /// one (further than `longest`, the policy's `retry_max`, from `now`: see
    /// `RetrySchedule::set_by_a_clock_ahead`). Index entries whose record is unreadable are
    /// skipped.
    pub fn due_retries(
        &self,
        now: DateTime<Utc>,
        longest: std::time::Duration,
    ) -> Result<Vec<(String, UrlState)>, StoreError> {
        let end = time_prefix(due_horizon(now) + chrono::Duration::seconds(1));
        let ahead = clock_ahead_prefix(now, longest);
        let far_end = ahead.map(|start| self.retry_due.range(start.to_vec()..));
        let mut due = Vec::new();
        for entry in self
            .retry_due
            .range(..end.to_vec())
            .chain(far_end.into_iter().flatten())
        {
            let (key, _) = entry?;
            let url = url_of_due_key(&key);
            let Some(state) = self.url_state(&url)? else {
                continue;
            };
            if slot_of(&url, Some(&state)) == Slot::Due(key.to_vec()) {
                due.push((url, state));
            }
        }
        Ok(due)
    }

    /// Every failed URL still scheduled or gone (`gone_only`: only gone ones), by URL.
    pub fn failed_urls(&self, gone_only: bool) -> Result<Vec<(String, UrlState)>, StoreError> {
        let mut urls: Vec<String> = Vec::new();
        if !gone_only {
            for entry in self.retry_due.iter() {
                urls.push(url_of_due_key(&entry?.0));
            }
        }
        for entry in self.gone.iter() {
            urls.push(String::from_utf8_lossy(&entry?.0).into_owned());
        }
        urls.sort();
        urls.dedup();
        let mut failed = Vec::new();
        for url in urls {
            if let Some(state) = self.url_state(&url)?
                && state.doc_id.is_none()
                && state.retry.is_some()
            {
                failed.push((url, state));
            }
        }
        Ok(failed)
    }

    /// URLs whose stored record could not be read, with the decoding error.
    pub fn unreadable_urls(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut all = Vec::new();
        for entry in self.unreadable.iter() {
            let (key, value) = entry?;
            all.push((
                String::from_utf8_lossy(&key).into_owned(),
                String::from_utf8_lossy(&value).into_owned(),
            ));
        }
        Ok(all)
    }

    /// Per-portal counts of scheduled and gone URLs, and of reports waiting for attachments
    /// (for a run with this `max_body_bytes`), from the indexes alone: each entry names its
    /// portal (retry entries written before they did are looked up in the URL table).
    /// A retry or attachment wait set by a clock ahead (further than `longest` from `now`) counts
    /// as due, as `due_retries` and `due_attachment_waits` read it.
    pub fn failure_counts(
        &self,
        now: DateTime<Utc>,
        longest: std::time::Duration,
        max_body_bytes: u64,
    ) -> Result<BTreeMap<String, FailureCounts>, StoreError> {
        let horizon = time_prefix(due_horizon(now) + chrono::Duration::seconds(1));
        let ahead = clock_ahead_prefix(now, longest);
        let mut counts: BTreeMap<String, FailureCounts> = BTreeMap::new();
        for entry in self.retry_due.iter() {
            let (key, value) = entry?;
            let Some(portal) = self.portal_of(&url_of_due_key(&key), &value)? else {
                continue;
            };
            let c = counts.entry(portal).or_default();
            let at = &key[..key.len().min(8)];
            if at < &horizon[..] || ahead.is_some_and(|a| at >= &a[..]) {
                c.retries_due += 1;
            } else {
                c.retries_later += 1;
            }
        }
        for entry in self.gone.iter() {
            let (key, value) = entry?;
            if let Some(portal) = self.portal_of(&String::from_utf8_lossy(&key), &value)? {
                counts.entry(portal).or_default().gone += 1;
            }
        }
        self.count_waits(now, longest, max_body_bytes, &mut counts)?;
        Ok(counts)
    }

    /// The portal an index entry names, or (an entry from an older version, with an empty
    /// value) the one its URL state names; None for an unreadable or missing state.
    fn portal_of(&self, url: &str, value: &[u8]) -> Result<Option<String>, StoreError> {
        if !value.is_empty() {
            return Ok(Some(String::from_utf8_lossy(value).into_owned()));
        }
        Ok(self.url_state(url)?.map(|s| s.portal))
    }

    /// Puts a failed or gone URL back to due at `now`, forgetting its failure streak; for an
    /// archived item, the attachments it lacks. Returns false when the URL has no failure on
    /// record.
    /// An unreadable record is removed with its index entries: the URL is then new to the crawl.
    pub fn retry_now(&self, url: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let Some(mut state) = self.url_state(url)? else {
            return self.forget_unreadable(url);
        };
        if state.doc_id.is_some() {
            return self.retry_attachments_now(url, state, now);
        }
        let Some(retry) = state.retry.as_mut() else {
            return Ok(false);
        };
        *retry = retry.due_now(now);
        state.failures = 0;
        self.record_url(url, &state)?;
        Ok(true)
    }

    /// Makes an archived item whose attachments failed due at `now` for them, forgetting their
    /// streak. Returns false when none failed (none missing, or only ones too large: those
    /// come once `max_body_bytes` is raised).
    fn retry_attachments_now(
        &self,
        url: &str,
        mut state: UrlState,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let Some(wait) = state.attachment_wait.as_mut() else {
            return Ok(false);
        };
        let Some(retry) = wait.retry.as_mut() else {
            return Ok(false);
        };
        *retry = retry.due_now(now);
        wait.failures = 0;
        self.record_url(url, &state)?;
        Ok(true)
    }

    /// Removes an unreadable URL record and every index entry naming it. Returns false when the
    /// URL's record is not unreadable.
    fn forget_unreadable(&self, url: &str) -> Result<bool, StoreError> {
        if !self.unreadable.contains_key(url)? {
            return Ok(false);
        }
        for entry in self.retry_due.iter() {
            let (key, _) = entry?;
            if url_of_due_key(&key) == url {
                self.retry_due.remove(key)?;
            }
        }
        self.gone.remove(url)?;
        self.forget_waits(url)?;
        self.urls.remove(url)?;
        self.unreadable.remove(url)?;
        tracing::info!(
            url,
            "unreadable URL record removed; the URL is new to the next crawl"
        );
        Ok(true)
    }

    /// Puts every gone URL, and every report whose failed attachments are all gone, back to
    /// due at `now`. Returns how many.
    pub fn retry_all_gone(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut n = 0;
        let gone_reports = self.waiting_reports(true)?;
        for (url, _) in self.failed_urls(true)?.into_iter().chain(gone_reports) {
            if self.retry_now(&url, now)? {
                n += 1;
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests;
