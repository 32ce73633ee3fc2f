//! WARC sink: the one owner of the WARC writer during a run or an export. Turns live captures
//! (list pages, unchanged re-fetches) and the stored exchanges of archived versions (pages and
//! their attachments, with the export record as a `metadata` record) into WARC records. A version
//! is marked written in the store only after its records are on disk, so versions committed just
//! before a crash are written at the next start: nothing archived is ever missing from the WARCs.
//!
//! Records are appended without a sync of their own. Their marks wait in memory until one sync
//! covers a group of them ([`SETTLE_EVERY`] marks, or the first waited [`SETTLE_AFTER`]), then go
//! to the store; `finish`, `write_pending` and dropping the sink settle what is left. A crash
//! loses only unsettled marks: those versions are written again by the next run, so a record may
//! be in the WARCs twice, never missing. Live captures waiting for their sync can be lost with
//! the crash, as a live capture whose fetch the crash interrupted is.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::Context;
use bytes::Bytes;
use chrono::{DateTime, Utc};

use crate::archive::Archive;
use crate::config::Settings;
use crate::export::ExportRecord;
use crate::fetch::{Capture, StoredExchange};
use crate::storage::{Storage, WarcUploads};
use crate::store::{CommitOutcome, NewCapture, Store};
use crate::warc::{
    EncodedCapture, RevisitOf, WarcCapture, WarcSettings, WarcWriter, WrittenResponse,
    payload_digest,
};

/// Marks of appended records settle (one sync, then the store) when this many wait…
pub const SETTLE_EVERY: usize = 32;
/// …or when the first of them has waited this long.
pub const SETTLE_AFTER: Duration = Duration::from_millis(200);

/// WARC files live here, relative to data_dir.
pub const WARC_DIR: &str = "warc";

pub struct WarcSink {
    writer: Mutex<WarcWriter>,
    /// Marks of records appended since the last sync.
    unsettled: Mutex<Unsettled>,
    store: Arc<Store>,
    archive: Archive,
    /// Closed files go to storage, when it is not data_dir.
    uploads: Option<WarcUploads>,
    /// Raw files missing from data_dir are fetched from here.
    storage: Storage,
    /// The file the last capture went to: a capture in another one means a rotation.
    last_file: Mutex<Option<String>>,
}

/// What the store is told once a sync has made a capture's records durable.
struct Mark {
    /// The version written, or `None` for a live capture.
    seq: Option<u64>,
    written: Vec<WrittenResponse>,
}

#[derive(Default)]
struct Unsettled {
    marks: Vec<Mark>,
    /// When the first of `marks` came.
    since: Option<Instant>,
}

impl WarcSink {
    /// Opens the writer on `data_dir/warc/`, cutting a record a killed run left half-written,
    /// and puts the files earlier runs closed (or left behind when they died) into storage.
    pub fn open(
        settings: &Settings,
        store: Arc<Store>,
        storage: &Storage,
    ) -> anyhow::Result<WarcSink> {
        let dir = settings.data_dir.join(WARC_DIR);
        let info = vec![
            ("portals".to_string(), settings.portals.len().to_string()),
            (
                "http-header-user-agent".to_string(),
                settings.politeness.user_agent.clone(),
            ),
            (
                "per-host-interval".to_string(),
                humantime::format_duration(settings.politeness.per_host_interval).to_string(),
            ),
            (
                "robots".to_string(),
                if settings.politeness.respect_robots {
                    "obey"
                } else {
                    "ignore"
                }
                .to_string(),
            ),
            (
                "max-body-bytes".to_string(),
                settings.fetch.max_body_bytes.to_string(),
            ),
        ];
        let warc_settings = WarcSettings {
            max_file_bytes: settings.warc.max_file_bytes,
            operator: settings.operator.clone(),
            info,
            ..WarcSettings::default()
        };
        let (writer, recovery) = WarcWriter::open(&dir, warc_settings)
            .with_context(|| format!("cannot open WARC output in {}", dir.display()))?;
        if recovery.cut_bytes > 0 {
            tracing::warn!(
                file = ?recovery.file,
                cut_bytes = recovery.cut_bytes,
                damage = ?recovery.damage,
                "cut a WARC record left incomplete by an interrupted run"
            );
        }
        let archive = Archive::open(&settings.data_dir)?.configured(settings);
        let uploads = WarcUploads::new(storage, &dir);
        if let Some(uploads) = &uploads {
            // The writer starts a new file: every file here is closed. Storage that is down (or a
            // bucket gone) does not stop the run: the files stay, unmarked, for its end.
            match uploads.upload_closed(None) {
                Ok(0) => {}
                Ok(put) => {
                    tracing::info!(files = put, "put WARC files of earlier runs into storage")
                }
                Err(e) => tracing::warn!(
                    "cannot put earlier WARC files into storage: {}; tried again when this run ends",
                    crate::feed::jetstream::chain(&e)
                ),
            }
        }
        Ok(WarcSink {
            writer: Mutex::new(writer),
            unsettled: Mutex::default(),
            store,
            archive,
            uploads,
            storage: storage.clone(),
            last_file: Mutex::new(None),
        })
    }

    /// Ends the output: makes the marks of what was written durable, and puts every WARC file,
    /// the last one included, into storage (a later run never appends to it; it starts a new
    /// file).
    pub fn finish(&self) -> anyhow::Result<()> {
        self.settle_all()?;
        self.store
            .flush()
            .context("cannot record which versions are in WARC")?;
        if let Some(uploads) = &self.uploads {
            // Held so that no capture is appended while the last file is read.
            let _writer = self
                .writer
                .lock()
                .expect("WARC writer lock is never poisoned");
            // A failure leaves the run's outcome and report as they are: each file not put
            // keeps no marker, so the next start puts it.
            if let Err(e) = uploads.upload_closed(None) {
                tracing::warn!(
                    "cannot put WARC files into storage: {}; each is put at the next start",
                    crate::feed::jetstream::chain(&e)
                );
            }
        }
        Ok(())
    }

    /// After a rotation, puts the files closed so far into storage, off the writing thread. A
    /// file this misses (a failure, a crash) is put by `finish` or by the next start.
    fn rotated(&self, file: &str) {
        let Some(uploads) = &self.uploads else {
            return;
        };
        let mut last = self
            .last_file
            .lock()
            .expect("WARC last-file lock is never poisoned");
        let rotated = last.as_deref().is_some_and(|l| l != file);
        if last.as_deref() != Some(file) {
            *last = Some(file.to_string());
        }
        if rotated {
            let (uploads, open) = (uploads.clone(), self.current_file());
            std::thread::spawn(move || {
                if let Err(e) = uploads.upload_closed(open.as_deref()) {
                    tracing::warn!("{e:#} (retried when the run ends)");
                }
            });
        }
    }

    /// Writes a capture that created no version: request and response (or revisit) records.
    pub fn write_live(&self, capture: &Capture) -> anyhow::Result<()> {
        let warc = from_capture(capture);
        let written = self.write(&warc, None)?;
        self.settle_later(None, vec![written])
    }

    /// Writes the exchanges of version `seq` (the page, then its attachments), each followed by a
    /// metadata record, and marks the version written: record, exchanges and wire bodies read
    /// back from the store and the archive.
    pub fn write_version(&self, seq: u64) -> anyhow::Result<()> {
        let Some(record) = self.store.record(seq)? else {
            return Ok(());
        };
        let exchanges = self.store.exchanges(seq)?;
        self.write_exchanges(&record, &exchanges, &[])
    }

    /// `write_version` of the version a commit of `capture` just made (`outcome`), from the
    /// capture in hand: its record and exchanges are not read back from the store, nor are the
    /// wire bodies in `in_hand` (by sha256: the crawl's just-archived page). Nothing for a commit
    /// that made no version.
    pub fn write_committed(
        &self,
        capture: &NewCapture,
        outcome: &CommitOutcome,
        in_hand: &[(String, Bytes)],
    ) -> anyhow::Result<()> {
        match self.store.committed_record(capture, outcome)? {
            Some(record) => self.write_exchanges(&record, &capture.exchanges, in_hand),
            None => Ok(()),
        }
    }

    /// The records of a version's exchanges, each followed by a metadata record, then the
    /// version's mark.
    fn write_exchanges(
        &self,
        record: &ExportRecord,
        exchanges: &[StoredExchange],
        in_hand: &[(String, Bytes)],
    ) -> anyhow::Result<()> {
        let seq = record.seq;
        let record_json = serde_json::to_value(record)?;
        let mut written = Vec::new();
        for (i, exchange) in exchanges.iter().enumerate() {
            let wire = match in_hand.iter().find(|(sha, _)| *sha == exchange.wire_sha256) {
                Some((_, wire)) => wire.clone(),
                None => self.read_wire(seq, exchange)?,
            };
            let warc = from_stored(exchange, wire)?;
            let attachment_json;
            let metadata = if i == 0 {
                &record_json
            } else {
                let attachment = record.attachments.iter().find(|a| a.url == exchange.url);
                attachment_json = serde_json::json!({ "parent_id": record.id, "parent_seq": record.seq, "attachment": attachment });
                &attachment_json
            };
            written.push(self.write(&warc, Some(metadata))?);
        }
        self.settle_later(Some(seq), written)
    }

    /// Keeps the mark of records just appended until a sync covers them, and settles the
    /// waiting marks when enough wait or the first has waited long enough.
    fn settle_later(&self, seq: Option<u64>, written: Vec<WrittenResponse>) -> anyhow::Result<()> {
        let due = {
            let mut unsettled = self
                .unsettled
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            unsettled.marks.push(Mark { seq, written });
            let since = *unsettled.since.get_or_insert_with(Instant::now);
            (unsettled.marks.len() >= SETTLE_EVERY || since.elapsed() >= SETTLE_AFTER)
                .then(|| take(&mut unsettled))
        };
        match due {
            Some(marks) => self.settle(marks),
            None => Ok(()),
        }
    }

    /// Settles every waiting mark.
    fn settle_all(&self) -> anyhow::Result<()> {
        let marks = take(
            &mut self
                .unsettled
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        self.settle(marks)
    }

    /// One sync for the records of `marks`, then their marks in the store. The sync runs on the
    /// file open when it starts, which holds those records or was opened after their file was
    /// synced and closed. If it fails, the marks are dropped: their versions stay pending.
    fn settle(&self, marks: Vec<Mark>) -> anyhow::Result<()> {
        if marks.is_empty() {
            return Ok(());
        }
        let synced = self
            .writer
            .lock()
            .expect("WARC writer lock is never poisoned")
            .sync();
        if let Err(e) = synced {
            let versions = marks.iter().filter(|m| m.seq.is_some()).count();
            return Err(anyhow::Error::new(e).context(format!(
                "cannot sync the WARC file; {versions} versions stay pending for the next run"
            )));
        }
        for mark in marks {
            self.store.record_warc(mark.seq, &mark.written)?;
        }
        Ok(())
    }

    /// An exchange's wire body read back from the archive, checked against its digest: a damaged
    /// file must not become a WARC record.
    fn read_wire(&self, seq: u64, exchange: &StoredExchange) -> anyhow::Result<Bytes> {
        self.storage
            .cached_raw(&exchange.wire_path, &exchange.wire_sha256)
            .with_context(|| format!("cannot write the WARC records of seq {seq}"))?;
        let wire = self
            .archive
            .read_verified(&exchange.wire_path, &exchange.wire_sha256)
            .with_context(|| format!("cannot write the WARC records of seq {seq}"))?;
        Ok(wire.into())
    }

    /// Writes every version after `since` that is not in WARC yet. Returns how many.
    pub fn write_pending(&self, since: u64) -> anyhow::Result<usize> {
        // Versions written but not yet marked would look pending.
        self.settle_all()?;
        let pending = self.store.warc_pending(since)?;
        let mut written = 0;
        for seq in &pending {
            match self.write_version(*seq) {
                Ok(()) => written += 1,
                // A damaged raw file holds back its own version only; it stays pending.
                Err(e) if is_damaged(&e) => tracing::error!("{e:#}"),
                Err(e) => return Err(e),
            }
        }
        Ok(written)
    }

    /// The file being written, if any.
    pub fn current_file(&self) -> Option<PathBuf> {
        self.writer
            .lock()
            .expect("WARC writer lock is never poisoned")
            .current_file()
            .map(|p| p.to_path_buf())
    }

    fn write(
        &self,
        capture: &WarcCapture,
        metadata: Option<&serde_json::Value>,
    ) -> anyhow::Result<WrittenResponse> {
        let digest = payload_digest(&capture.wire_body);
        let original = self.store.warc_response(&digest)?;
        let revisit = original.as_ref().map(RevisitOf::from);
        // Records are built and gzipped before the lock: only the append is serialised.
        let encoded = EncodedCapture::with_digest(capture, digest, revisit.as_ref(), metadata);
        // Synced later, with a group: see `settle`.
        let written = self
            .writer
            .lock()
            .expect("WARC writer lock is never poisoned")
            .append_encoded_unsynced(encoded)?;
        self.rotated(&written.file);
        Ok(written)
    }
}

impl Drop for WarcSink {
    /// A run or export that ends without `finish` (an error on the way) still marks what it
    /// wrote.
    fn drop(&mut self) {
        // Unwinding from a panic: the marks are left, and their versions written again.
        if std::thread::panicking() {
            return;
        }
        if let Err(e) = self.settle_all() {
            tracing::error!("{e:#}");
        }
    }
}

fn take(unsettled: &mut Unsettled) -> Vec<Mark> {
    unsettled.since = None;
    std::mem::take(&mut unsettled.marks)
}

fn request_target(url: &url::Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    }
}

fn from_capture(capture: &Capture) -> WarcCapture {
    WarcCapture {
        target_uri: capture.url.to_string(),
        date: capture.fetched_at,
        ip: capture.ip,
        method: capture.method.clone(),
        request_target: request_target(&capture.url),
        http_version: capture.http_version.clone(),
        request_headers: capture.request_headers.clone(),
        request_body: capture.request_body.clone(),
        status: capture.status,
        reason: None,
        response_headers: capture.headers.clone(),
        wire_body: capture.wire.clone(),
    }
}

fn from_stored(exchange: &StoredExchange, wire: Bytes) -> anyhow::Result<WarcCapture> {
    let url = url::Url::parse(&exchange.url)
        .with_context(|| format!("stored exchange URL {}", exchange.url))?;
    let date: DateTime<Utc> = DateTime::parse_from_rfc3339(&exchange.fetched_at)
        .with_context(|| format!("stored exchange time {}", exchange.fetched_at))?
        .with_timezone(&Utc);
    Ok(WarcCapture {
        target_uri: exchange.url.clone(),
        date,
        ip: exchange
            .ip
            .as_deref()
            .and_then(|ip| ip.parse::<IpAddr>().ok()),
        method: exchange.method.clone(),
        request_target: request_target(&url),
        http_version: exchange.http_version.clone(),
        request_headers: exchange.request_headers.clone(),
        request_body: exchange
            .request_body
            .as_ref()
            .map(|b| b.clone().into_bytes()),
        status: exchange.status,
        reason: None,
        response_headers: exchange
            .headers
            .iter()
            .map(|(n, v)| (n.clone(), v.clone().into_bytes()))
            .collect(),
        wire_body: wire,
    })
}

fn is_damaged(error: &anyhow::Error) -> bool {
    error.chain().any(|c| {
        matches!(
            c.downcast_ref::<crate::archive::ArchiveError>(),
            Some(
                crate::archive::ArchiveError::Damaged { .. }
                    | crate::archive::ArchiveError::Undecodable { .. }
                    | crate::archive::ArchiveError::TooLarge { .. }
                    | crate::archive::ArchiveError::Read { .. }
            )
        ) || matches!(
            // A damaged index record of the version (a bad sector) holds back that version
            // only, as a damaged raw file does: a crawl's catch-up must not stop every night.
            c.downcast_ref::<crate::store::StoreError>(),
            Some(crate::store::StoreError::Corrupt { .. })
        )
    })
}
