//! Store: the one owner of sled. Holds URL state (with the failure policy's schedule and its
//! retry index), documents, versions, the archive sequence, the persistent frontiers, run
//! reports and feed positions. Every commit that creates a document or
//! version is one sled transaction across the trees it touches, made only after its raw files
//! are durable (see `archive`), and flushed before it is reported as done.

mod batch;
mod compact;
mod delisted;
mod docs;
mod failures;
pub mod fault;
mod frontier;
mod group;
mod migrate;
mod open;
mod quarantine;
mod runs;
mod same;
mod schedule;
mod seal;
mod sweeps;
mod tally;
mod texts;
mod url_state;
mod waits;
mod withdrawn;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use serde::{Deserialize, Serialize};

pub use compact::Compacted;
pub use delisted::{DelistedUrl, Delisting, MAX_LISTS};
pub use docs::{CommitOutcome, DocRecord, NewCapture, PortalCounts};
pub use failures::FailureCounts;
pub use frontier::FrontierStore;
pub use quarantine::Suspect;
pub use runs::{RUN_ID_FORMAT, RunOrder, SizedRun, ahead_of, run_id_at};
pub use same::SameReportLookup;
pub use schedule::{AttachmentWait, FailurePolicy, RetrySchedule, clock_ahead_after, is_not_found};
pub use url_state::{OUTCOME_ATTACHMENT_MISSING, UrlState};
pub use withdrawn::{Withdrawal, WithdrawnDocument, is_withdrawal};

use crate::export::ExportRecord;
use open::sled_config;
use seal::Seal;

/// The result of a step inside a sled transaction: its own error aborts the transaction.
type TxResult<T> = Result<T, sled::transaction::ConflictableTransactionError<StoreError>>;

/// The lock file that keeps a second process off a data_dir.
pub const LOCK_FILE: &str = "nianbao.lock";
const DB_DIR: &str = "index";
/// The last committed seq, beside the index, to notice an index that lost commits.
const SEAL_FILE: &str = "index.seq";
/// sled's cache counts on-disk bytes and RSS runs at several times it: keep it modest.
const CACHE_CAPACITY: u64 = 16 * 1024 * 1024;
/// A flush outside a commit waits this long for others to share its sync…
const FLUSH_WINDOW: std::time::Duration = std::time::Duration::from_millis(3);
/// …or until this many are waiting.
const FLUSH_BATCH: u64 = 32;
/// The most captures committed in one transaction.
const COMMIT_BATCH: usize = 64;
/// Group commit: a commit waits this long for others to share its transaction and flush…
const COMMIT_WINDOW: std::time::Duration = std::time::Duration::from_millis(2);
/// …or until this many are waiting. A crawl commits from its disk pool, eight at a time at
/// most; four waiting is half of them, and the raw farm measured the same with eight.
const COMMIT_ENOUGH: usize = 4;

/// What a lock (or a wait on a condition variable) returns, even when a thread panicked while it
/// held the lock: every state the store guards with a lock is whole between statements, so a
/// panic elsewhere never leaves it half-updated.
fn unpoisoned<G>(result: std::sync::LockResult<G>) -> G {
    result.unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "data_dir {path} is in use by another nianbao process (it holds {lock}); wait for it to finish or stop it"
    )]
    Locked { path: PathBuf, lock: PathBuf },
    #[error("cannot create or open {path}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "cannot open the index at {path}: it is damaged or unreadable; the raw files beside it are untouched (restore this directory from a backup)"
    )]
    Open { path: PathBuf, source: sled::Error },
    #[error("index error")]
    Sled(#[from] sled::Error),
    #[error(
        "the filesystem under data_dir {data_dir} cannot take writes (first failure: {first}); the run stopped and everything committed before is kept: free space, make it writable, or lift the file size limit (ulimit -f) or the open-files limit (ulimit -n), then run again"
    )]
    DiskFault { data_dir: PathBuf, first: String },
    #[error(
        "this machine has no file descriptor left for a request ({first}): no server was at fault, so none is counted against it; the run stopped, everything committed before is kept and the next run asks again what was not answered: raise the open-files limit, then run again"
    )]
    OutOfFiles { first: String },
    #[error(
        "{versions} archived version(s) could not be written as WARC: their raw files or index records are damaged (named above); {written} other(s) were written"
    )]
    DamagedRaw { versions: usize, written: usize },
    #[error(
        "{records} damaged index record(s) were left out (named above); every other record was read: restore the index from a backup"
    )]
    DamagedRecords { records: usize },
    #[error(
        "the index at {path} is damaged: it holds records up to seq {holds}, but seq {committed} was committed (see {seal}); the raw files beside it are untouched: restore the index from a backup (to start afresh on purpose, move both away, and the feed folder beside them, whose log and consumer positions belong to this index)"
    )]
    RolledBack {
        path: PathBuf,
        seal: PathBuf,
        holds: u64,
        committed: u64,
    },
    #[error(
        "cannot make the archive files under {path} durable (syncfs failed), so nothing naming them was recorded"
    )]
    Unsynced {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot commit {url}: the commit panicked (a bug in nianbao; please report it)")]
    CommitPanicked { url: String },
    #[error(
        "index count {key} is unreadable: {len} bytes, not 8 (an earlier version's value or a cut write)"
    )]
    BadCount { key: String, len: usize },
    #[error("index record {key} is unreadable")]
    Corrupt {
        key: String,
        source: serde_json::Error,
    },
}

impl From<crate::archive::SyncFailed> for StoreError {
    fn from(failed: crate::archive::SyncFailed) -> StoreError {
        StoreError::Unsynced {
            path: failed.folder,
            source: failed.source,
        }
    }
}

/// The sled database of one data_dir.
pub struct Store {
    db: sled::Db,
    urls: sled::Tree,
    docs: sled::Tree,
    by_hash: sled::Tree,
    versions: sled::Tree,
    meta: sled::Tree,
    runs: sled::Tree,
    consumers: sled::Tree,
    exchanges: sled::Tree,
    warc_responses: sled::Tree,
    warc_written: sled::Tree,
    /// Retry index: next retry time + URL -> (), for failed URLs still scheduled.
    retry_due: sled::Tree,
    /// URL -> (), for failed URLs the nightly crawl no longer asks for.
    gone: sled::Tree,
    /// Archived reports waiting for attachments, by what they wait for (see `waits`).
    attachment_waits: sled::Tree,
    /// URL -> decoding error, for URL records that could not be read.
    unreadable: sled::Tree,
    /// URL -> portal, for archived reports' URLs that are withdrawn or delisted (see
    /// `withdrawn`, `delisted`).
    withdrawn: sled::Tree,
    /// portal NUL list NUL URL -> (), for archived reports' URLs by the list they were last
    /// found on (see `delisted`).
    listed: sled::Tree,
    /// Portal -> documents, versions, annual reports (see `tally`).
    portal_counts: sled::Tree,
    /// seq -> (), for versions not yet written as WARC (see `tally`).
    warc_pending: sled::Tree,
    /// Concurrent `flush` calls share one sled flush (group commit).
    flushes: group::GroupSync,
    /// Commits made while another is applied share the next transaction (see `commit`).
    commits: batch::Batcher<docs::NewCapture, Result<docs::CommitOutcome, StoreError>>,
    /// Every version up to this seq is durable (committed and flushed).
    durable: std::sync::atomic::AtomicU64,
    /// Bulk loading (`defer_flushes`): flushes wait until it is switched off.
    deferred: std::sync::atomic::AtomicBool,
    /// The same-report index holds reports of an earlier version's store, which have no
    /// fingerprint until a crawl reads them back (see `same::same_report_unread`).
    same_unread: std::sync::atomic::AtomicBool,
    /// The seal file's last write, and a newer seq not yet written to it (see `seal`).
    sealed: std::sync::Mutex<Seal>,
    data_dir: PathBuf,
    // Held for the life of the store: the OS releases the lock when the process ends, however it
    // ends. `None` only while a compaction closes the store and keeps the lock (`compact`).
    lock: Option<File>,
}

impl Store {
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Makes every earlier write durable. Callers on several threads at once share one sled
    /// flush. (Commits flush in their own batches: see `commit`.)
    pub fn flush(&self) -> Result<(), StoreError> {
        if self.flushes_deferred() {
            return Ok(());
        }
        self.flushes
            .sync(|| self.db.flush().map(drop))
            .map_err(|e| self.noted(e.into()))
    }

    /// The flush of a commit batch (see `commit`): the batch is its own group, so it flushes
    /// at once, alone.
    fn flush_batch(&self) -> sled::Result<()> {
        if self.flushes_deferred() {
            return Ok(());
        }
        self.db.flush().map(drop)
    }

    fn flushes_deferred(&self) -> bool {
        self.deferred.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Bulk loading (the scale benchmark builds a million-URL store with it): while on, commits
    /// are not flushed one by one; switching it off flushes everything at once. Nothing written
    /// while it is on is durable before then, so no crawl may run with it on.
    pub fn defer_flushes(&self, on: bool) -> Result<(), StoreError> {
        self.deferred.store(on, std::sync::atomic::Ordering::SeqCst);
        if on { Ok(()) } else { self.flush() }
    }

    /// Notes a write error that is a disk fault (see `fault`), and passes it on.
    fn noted(&self, error: StoreError) -> StoreError {
        if let StoreError::Sled(sled::Error::Io(io)) = &error {
            fault::note(&self.data_dir, &self.data_dir.join(DB_DIR), io);
        }
        error
    }

    /// The first disk fault met under this data_dir by this process, as an error naming it.
    /// A request this process could not make for want of a file descriptor is one too.
    pub fn disk_fault(&self) -> Option<StoreError> {
        match fault::first(&self.data_dir) {
            Some(first) => Some(StoreError::DiskFault {
                data_dir: self.data_dir.clone(),
                first,
            }),
            None => fault::request().map(|first| StoreError::OutOfFiles { first }),
        }
    }

    /// The archive's version records with seq greater than `since`, in seq order.
    pub fn export_since(
        &self,
        since: u64,
    ) -> impl Iterator<Item = Result<ExportRecord, StoreError>> + '_ {
        self.versions
            .range(since.saturating_add(1).to_be_bytes()..)
            .map(move |entry| {
                let (key, value) = entry?;
                let seq = seq_of(&key);
                let record: ExportRecord = decode_json(&format!("version {seq}"), &value)?;
                self.with_aliases(record)
            })
    }

    /// A stored version's record with its aliases (the other URLs of its document, now) and
    /// the archived report its document is the same report as, if any.
    fn with_aliases(&self, mut record: ExportRecord) -> Result<ExportRecord, StoreError> {
        if let Some(doc) = get_json::<DocRecord>(&self.docs, &record.id)? {
            record.aliases = doc
                .urls
                .iter()
                .filter(|u| **u != record.url)
                .cloned()
                .collect();
            record.same_report_as = doc.same_report_as;
        }
        Ok(record)
    }

    /// Every version up to this seq is durable: a crash cannot take it back. Seqs are handed out
    /// inside the commit transaction, so the flush that makes seq N durable covers every seq
    /// before it too.
    pub fn durable_seq(&self) -> u64 {
        self.durable.load(Ordering::SeqCst)
    }

    /// The highest seq committed so far (0 when the archive is empty).
    pub fn last_seq(&self) -> Result<u64, StoreError> {
        Ok(self
            .versions
            .last()?
            .map(|(key, _)| seq_of(&key))
            .unwrap_or(0))
    }

    /// A persistent frontier, one per crawl mode, so that an interrupted backfill and the nightly
    /// crawl resume independently.
    pub fn frontier(&self, name: &str) -> Result<FrontierStore, StoreError> {
        Ok(FrontierStore::new(
            self.db.open_tree(format!("frontier/{name}"))?,
            self.db.open_tree(format!("frontier-spill/{name}"))?,
        ))
    }

    /// A consumer's committed feed position (0 when it has committed nothing).
    pub fn consumer_position(&self, name: &str) -> Result<u64, StoreError> {
        Ok(get_json::<u64>(&self.consumers, name)?.unwrap_or(0))
    }

    /// Sets a consumer's committed position and makes it durable.
    pub fn set_consumer_position(&self, name: &str, seq: u64) -> Result<(), StoreError> {
        put_json(&self.consumers, name, &seq)?;
        self.flush()
    }

    /// The JetStream publisher's cursor for `stream`: every version up to this seq was
    /// acknowledged by the stream (0 when nothing was). Kept apart from the feed's consumers.
    pub fn published_position(&self, stream: &str) -> Result<u64, StoreError> {
        Ok(get_json::<u64>(&self.meta, &published_key(stream))?.unwrap_or(0))
    }

    /// Sets the publisher's cursor for `stream` where the user said the stream starts
    /// (`publish --since`), forgetting the stream sequence that acknowledged the cursor before.
    pub fn set_published_position(&self, stream: &str, seq: u64) -> Result<(), StoreError> {
        self.meta.remove(published_stream_seq_key(stream))?;
        put_json(&self.meta, &published_key(stream), &seq)?;
        self.flush()
    }

    /// Moves the publisher's cursor for `stream` to `seq`, which the stream acknowledged as its
    /// own sequence `stream_seq`, and makes both durable. The stream sequence is written first:
    /// a crash between the two leaves a stream sequence the stream did reach.
    pub fn set_published_ack(
        &self,
        stream: &str,
        seq: u64,
        stream_seq: u64,
    ) -> Result<(), StoreError> {
        put_json(&self.meta, &published_stream_seq_key(stream), &stream_seq)?;
        put_json(&self.meta, &published_key(stream), &seq)?;
        self.flush()
    }

    /// The stream's own sequence that acknowledged the publisher's cursor (0 when unknown: never
    /// published, or a cursor set by `publish --since`).
    pub fn published_stream_seq(&self, stream: &str) -> Result<u64, StoreError> {
        Ok(get_json::<u64>(&self.meta, &published_stream_seq_key(stream))?.unwrap_or(0))
    }

    /// Every consumer with its committed position.
    pub fn consumers(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let mut all = Vec::new();
        for entry in self.consumers.iter() {
            let (key, value) = entry?;
            let name = String::from_utf8_lossy(&key).into_owned();
            let seq: u64 = decode_json(&name, &value)?;
            all.push((name, seq));
        }
        Ok(all)
    }
}

impl Store {
    /// The first WARC response record written with this payload digest, for revisit records.
    pub fn warc_response(
        &self,
        payload_digest: &str,
    ) -> Result<Option<crate::warc::WrittenResponse>, StoreError> {
        get_json(&self.warc_responses, payload_digest)
    }

    /// Remembers WARC records just written: response records by payload digest (the first one
    /// wins, so revisits always refer to an original), and the version `seq` as written.
    ///
    /// Not flushed here: the next flush makes it durable (the next commit's, sled's own every
    /// half second, or [`crate::warc_sink::WarcSink::finish`]'s). The records themselves are
    /// durable before this is called, so a crash in between loses nothing: the version is
    /// still pending, and the next run writes its records again.
    pub fn record_warc(
        &self,
        seq: Option<u64>,
        written: &[crate::warc::WrittenResponse],
    ) -> Result<(), StoreError> {
        for w in written {
            if w.kind == crate::warc::ResponseKind::Response
                && self.warc_responses.get(&w.payload_digest)?.is_none()
            {
                put_json(&self.warc_responses, &w.payload_digest, w)?;
            }
        }
        if let Some(seq) = seq {
            self.mark_warc_written(seq)?;
        }
        Ok(())
    }

    /// One version's export record.
    pub fn record(&self, seq: u64) -> Result<Option<ExportRecord>, StoreError> {
        match self.export_since(seq.saturating_sub(1)).next() {
            Some(Ok(record)) if record.seq == seq => Ok(Some(record)),
            Some(Err(e)) => Err(e),
            _ => Ok(None),
        }
    }
}

fn published_key(stream: &str) -> String {
    format!("published/{stream}")
}

fn published_stream_seq_key(stream: &str) -> String {
    format!("published-stream-seq/{stream}")
}

fn seq_of(key: &[u8]) -> u64 {
    let mut bytes = [0u8; 8];
    let n = key.len().min(8);
    bytes[..n].copy_from_slice(&key[..n]);
    u64::from_be_bytes(bytes)
}

fn decode_json<T: for<'de> Deserialize<'de>>(key: &str, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|source| StoreError::Corrupt {
        key: key.to_string(),
        source,
    })
}

fn get_json<T: for<'de> Deserialize<'de>>(
    tree: &sled::Tree,
    key: &str,
) -> Result<Option<T>, StoreError> {
    match tree.get(key)? {
        Some(bytes) => decode_json(key, &bytes).map(Some),
        None => Ok(None),
    }
}

fn put_json<T: Serialize>(tree: &sled::Tree, key: &str, value: &T) -> Result<(), StoreError> {
    let bytes = serde_json::to_vec(value)
        .expect("store records serialise: they hold only strings and numbers");
    tree.insert(key, bytes)?;
    Ok(())
}
