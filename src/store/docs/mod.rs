//! Documents and versions: the commit that turns a fetched page into a new document, a new
//! version, a new alias of a known document, or nothing. A commit is all or nothing: one sled
//! transaction, shared by the commits made while another is applied (see `Store::commit`).

use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::TransactionError;

use super::{Store, StoreError, TxResult, decode_json, get_json};
use crate::export::ExportRecord;

mod apply;
#[cfg(test)]
pub(super) mod tests;

use apply::apply;

/// A document: one report (or other page of the section), at one or more URLs, in one or more
/// versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocRecord {
    pub id: String,
    pub portal: String,
    /// Every URL the document was found at, first-found first.
    pub urls: Vec<String>,
    /// Content hash of the latest version.
    pub content_hash: String,
    /// Number of versions (the latest version's number).
    pub version: u32,
    /// seq of each version, oldest first.
    pub seqs: Vec<u64>,
    /// The archived document this one is the same report as (see `crate::same_report`), found
    /// when this one was made; left out when there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same_report_as: Option<crate::same_report::SameReport>,
}

/// A fetched page ready to be committed: its raw files are already durable, or made so by
/// `unsynced_files` before the commit records them.
#[derive(Debug, Clone)]
pub struct NewCapture {
    /// The export record with everything but `id`, `version`, `seq` and `aliases` filled in.
    pub record: ExportRecord,
    /// Validators of the response, for conditional requests next time.
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// The HTTP exchanges behind this version (the page, then its attachments), kept for WARC.
    pub exchanges: Vec<crate::fetch::StoredExchange>,
    /// Set when the files this capture names were written without fsyncs of their own
    /// (`Archive::with_deferred_sync`): the commit syncs them first, once for its whole batch.
    pub unsynced_files: Option<crate::archive::FileSync>,
    /// When the item is fetched again for the attachments the record lacks (kept in its URL
    /// state; None when it lacks none).
    pub attachment_wait: Option<super::AttachmentWait>,
    /// What the list showed beside the link (title, date `YYYY-MM-DD`): kept in the URL state
    /// while the item waits for attachments, so that a crawl queues it with its evidence
    /// without walking the list page that links it.
    pub list_title: Option<String>,
    pub list_date: Option<String>,
    /// The list (ledger key) this capture's URL was found on by this walk; None keeps what its
    /// state says (a report queued without a list: due for attachments, or delisted).
    pub list: Option<String>,
    /// The name of the list page this capture's URL was found on (`本级年报`), kept in its URL
    /// state; None keeps what the state says.
    pub list_name: Option<String>,
    /// The fingerprint of the page's article text, for an annual report with a year and a
    /// title: what a later re-publication of it is compared with (see `crate::same_report`).
    pub fingerprint: Option<crate::same_report::Fingerprint>,
}

/// What a commit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommitOutcome {
    NewDocument {
        id: String,
        seq: u64,
        /// The archived document it is the same report as, if any.
        same_report_as: Option<String>,
    },
    NewVersion {
        id: String,
        version: u32,
        seq: u64,
    },
    /// A known URL whose content hash did not change.
    Unchanged {
        id: String,
    },
    /// A new URL whose content is a known document's.
    NewAlias {
        id: String,
    },
}

/// Per-portal archive counts for `nianbao status`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PortalCounts {
    pub documents: u64,
    pub versions: u64,
    pub annual_reports: u64,
}

/// Makes the files of a batch's captures durable: one sync for each distinct handle.
fn sync_files(batch: &[NewCapture]) -> Result<(), crate::archive::SyncFailed> {
    let mut synced: Vec<&crate::archive::FileSync> = Vec::new();
    for files in batch.iter().filter_map(|c| c.unsynced_files.as_ref()) {
        if !synced.iter().any(|s| s.same(files)) {
            files.sync()?;
            synced.push(files);
        }
    }
    Ok(())
}

impl Store {
    /// Commits a capture and flushes. The caller must have stored its raw files first.
    ///
    /// Group commit: commits that arrive together (within 2 ms, or while another batch is
    /// being applied) go in together, as one sled transaction and one flush for all of them.
    /// sled writes its log buffer twice for every transaction and once for every flush, and
    /// wakes its whole I/O pool each time, so on the raw farm this took about 10% off the
    /// crawl's CPU against a transaction per commit and flushes shared afterwards. Each caller
    /// still gets its own outcome, and none hears of its commit before the flush that makes
    /// it durable, as if it had committed alone.
    pub fn commit(&self, capture: &NewCapture) -> Result<CommitOutcome, StoreError> {
        let outcome = self.commits.run(
            capture.clone(),
            |batch| {
                if let Err(e) = sync_files(batch) {
                    // Nothing is recorded that names a file which may not be on disk.
                    return batch.iter().map(|_| Err(e.copy().into())).collect();
                }
                let mut outcomes = self.commit_batch(batch);
                if let Err(e) = self.flush_batch() {
                    // Not durable: none of the batch's commits is reported as made. They may
                    // still be on disk (a later flush writes them), as after a crash.
                    for outcome in outcomes.iter_mut().filter(|o| o.is_ok()) {
                        *outcome = Err(self.noted(StoreError::Sled(e.clone())));
                    }
                }
                outcomes
            },
            |capture| {
                Err(StoreError::CommitPanicked {
                    url: capture.record.url.clone(),
                })
            },
        )?;
        if let CommitOutcome::NewDocument { seq, .. } | CommitOutcome::NewVersion { seq, .. } =
            &outcome
        {
            self.seal(*seq);
            self.durable
                .fetch_max(*seq, std::sync::atomic::Ordering::SeqCst);
        }
        Ok(outcome)
    }

    /// Applies a batch of captures in order, in one transaction when it can. When that
    /// transaction fails, each capture is applied in a transaction of its own, so an error
    /// (a damaged record, say) is only its own capture's.
    pub(super) fn commit_batch(
        &self,
        batch: &[NewCapture],
    ) -> Vec<Result<CommitOutcome, StoreError>> {
        if batch.len() > 1 {
            let all: Vec<&NewCapture> = batch.iter().collect();
            if let Ok(outcomes) = self.transact(&all) {
                return outcomes.into_iter().map(Ok).collect();
            }
        }
        batch
            .iter()
            .map(|capture| {
                self.transact(&[capture])
                    .map(|mut outcomes| outcomes.remove(0))
            })
            .collect()
    }

    /// One transaction that applies `captures` in order.
    fn transact(&self, captures: &[&NewCapture]) -> Result<Vec<CommitOutcome>, StoreError> {
        (
            &self.urls,
            &self.docs,
            &self.by_hash,
            &self.versions,
            &self.meta,
            &self.exchanges,
            &self.retry_due,
            &self.gone,
            &self.unreadable,
            &self.portal_counts,
            &self.warc_pending,
            &self.attachment_waits,
            &self.withdrawn,
            &self.listed,
        )
            .transaction(|trees| {
                captures
                    .iter()
                    .map(|capture| apply(trees, capture))
                    .collect::<TxResult<Vec<_>>>()
            })
            .map_err(|e| match e {
                TransactionError::Abort(e) => e,
                TransactionError::Storage(e) => self.noted(StoreError::Sled(e)),
            })
    }

    /// The HTTP exchanges behind the version with this seq (empty for versions archived before
    /// exchanges were kept).
    /// The record of the version `outcome` says a commit of `capture` made, as `record(seq)`
    /// reads it back, built from the capture in hand: only the document is read, for its
    /// aliases. `None` when the commit made no version.
    pub fn committed_record(
        &self,
        capture: &NewCapture,
        outcome: &CommitOutcome,
    ) -> Result<Option<ExportRecord>, StoreError> {
        let (id, version, seq) = match outcome {
            CommitOutcome::NewDocument { id, seq, .. } => (id, 1, *seq),
            CommitOutcome::NewVersion { id, version, seq } => (id, *version, *seq),
            CommitOutcome::Unchanged { .. } | CommitOutcome::NewAlias { .. } => return Ok(None),
        };
        let record = stored_version(&capture.record, id, version, seq);
        self.with_aliases(record).map(Some)
    }

    pub fn exchanges(&self, seq: u64) -> Result<Vec<crate::fetch::StoredExchange>, StoreError> {
        match self.exchanges.get(seq.to_be_bytes())? {
            Some(bytes) => decode_json(&format!("exchanges {seq}"), &bytes),
            None => Ok(Vec::new()),
        }
    }

    pub fn document(&self, id: &str) -> Result<Option<DocRecord>, StoreError> {
        get_json(&self.docs, id)
    }

    /// Replaces the derived-text fields of the version with this seq (`nianbao text`): the
    /// document's own and its attachments', taken from `with_text` (the same version's record,
    /// attachments in the same order). Nothing else in the stored record changes. False when
    /// there is no such version.
    pub fn set_text(&self, seq: u64, with_text: &ExportRecord) -> Result<bool, StoreError> {
        let key = seq.to_be_bytes();
        let Some(bytes) = self.versions.get(key)? else {
            return Ok(false);
        };
        let mut stored: ExportRecord = decode_json(&format!("version {seq}"), &bytes)?;
        stored.text = with_text.text.clone();
        for (mine, theirs) in stored.attachments.iter_mut().zip(&with_text.attachments) {
            if mine.sha256 == theirs.sha256 {
                mine.text = theirs.text.clone();
            }
        }
        let bytes = serde_json::to_vec(&stored)
            .expect("export records serialise: plain strings and numbers");
        self.versions.insert(key, bytes)?;
        self.mark_text_waiting(seq, &stored)?;
        Ok(true)
    }
}

/// A capture's record as the store keeps it for version `seq` of document `id`: aliases are not
/// stored with a version but read from its document when the version is read (and `withdrawn`
/// by `export`).
fn stored_version(record: &ExportRecord, id: &str, version: u32, seq: u64) -> ExportRecord {
    let mut stored = record.clone();
    stored.id = id.to_string();
    stored.version = version;
    stored.seq = seq;
    stored.aliases = Vec::new();
    // Like aliases, facts about the document now, never part of a version.
    stored.withdrawn = None;
    stored.same_report_as = None;
    stored
}
