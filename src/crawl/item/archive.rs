//! An item page's archiving: its raw bodies stored (off the async threads), then the commit of a
//! new document, version or alias, and the WARC records of what the commit made.

use std::sync::Arc;

use chrono::SecondsFormat;

use super::content_hash;
use crate::archive::StoredBlob;
use crate::classify::PageKind;
use crate::crawl::{Engine, Task, WiresInHand};
use crate::decode::Decoded;
use crate::export::{AttachmentRecord, ExportRecord, non_empty};
use crate::extract::Metadata;
use crate::fetch::{Capture, StoredExchange};
use crate::store::{AttachmentWait, CommitOutcome, NewCapture};

impl Engine {
    /// Stores a capture's body, and its wire bytes when Content-Encoding made them differ, and
    /// describes the exchange for the store.
    pub(in crate::crawl) async fn store_bodies(
        &self,
        capture: &Capture,
    ) -> anyhow::Result<(StoredBlob, StoredExchange)> {
        let archive = self.archive.clone();
        let capture = capture.clone();
        Ok(self
            .blocking_io(move || store_bodies_now(&archive, &capture))
            .await??)
    }

    /// Archives an item page: its raw files, then the commit of a new document, version or
    /// alias (or nothing, when unchanged), then its WARC records. Without text to derive or
    /// files to upload in between, the three run as one task on the disk pool: handing each to
    /// the pool on its own cost context switches on every page.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn archive_item(
        &self,
        task: &Task,
        list_url: &str,
        capture: &Arc<Capture>,
        decoded: Option<&Decoded>,
        kind: &PageKind,
        (page_hash, fingerprint): (String, Option<crate::same_report::Fingerprint>),
        metadata: Metadata,
        (attachments, attachment_exchanges, attachment_wait): (
            Vec<AttachmentRecord>,
            Vec<StoredExchange>,
            Option<AttachmentWait>,
        ),
    ) -> anyhow::Result<CommitOutcome> {
        let content_hash = content_hash(page_hash, &attachments);
        let content_type = match kind {
            PageKind::Attachment { content_type } => Some(content_type.clone()),
            _ => capture.header("content-type").map(str::to_string),
        };
        // Everything but the page's own raw file, text and exchange, which storing it gives.
        let record = ExportRecord {
            id: String::new(),
            version: 0,
            seq: 0,
            portal: task.portal.clone(),
            url: task.request.url.clone(),
            aliases: Vec::new(),
            withdrawn: None,
            delisted: None,
            same_report_as: None,
            list_url: Some(list_url.to_string()),
            fetched_at: capture
                .fetched_at
                .to_rfc3339_opts(SecondsFormat::Secs, true),
            http_status: capture.status,
            content_type: non_empty(content_type),
            charset: decoded.map(|d| d.encoding.name().to_string()),
            charset_source: decoded.map(|d| d.source.as_str().to_string()),
            replacement_chars: decoded.map(|d| d.replacement_chars),
            mojibake: decoded.map(|d| d.mojibake),
            tls_unverified: capture.tls_unverified,
            sha256: String::new(),
            content_hash,
            raw_path: String::new(),
            title: non_empty(metadata.title),
            issuing_body: non_empty(metadata.issuing_body),
            index_number: non_empty(metadata.index_number),
            doc_number: non_empty(metadata.doc_number),
            publish_date: metadata
                .publish_date
                .map(|d| d.format("%Y-%m-%d").to_string()),
            report_year: metadata.report_year,
            is_annual_report: metadata.is_annual_report,
            fields: metadata.fields,
            provenance: metadata.provenance,
            attachments,
            text: Default::default(),
        };
        if fingerprint.is_some() {
            self.fingerprint_unread(&record).await;
        }
        let validators = capture.validators();
        let evidence = task.evidence();
        let draft = NewCapture {
            record,
            etag: validators.etag,
            last_modified: validators.last_modified,
            exchanges: attachment_exchanges,
            // Every file this capture names was written by this crawl's archive.
            unsynced_files: self.archive.file_sync().cloned(),
            attachment_wait,
            list_title: evidence.title,
            list_date: evidence.date.map(|d| d.to_string()),
            list: task.list_key(),
            list_name: evidence.list_name,
            fingerprint,
        };
        let has_text = matches!(kind, PageKind::Attachment { .. });
        if has_text || self.storage.is_remote() {
            return self.archive_item_in_steps(task, capture, kind, draft).await;
        }
        let archive = self.archive.clone();
        let store = self.store.clone();
        let warc = self.warc.clone();
        let page = capture.clone();
        let (outcome, warc_result) = self
            .blocking_io(move || -> anyhow::Result<_> {
                let (blob, exchange) = store_bodies_now(&archive, &page)?;
                let (new, in_hand) = with_page(draft, blob, exchange, &page, Default::default());
                let outcome = store.commit(&new)?;
                let warc_result =
                    warc.map(|sink| write_warc(&sink, &new, &outcome, &in_hand, &page));
                Ok((outcome, warc_result))
            })
            .await??;
        if let Some(result) = warc_result {
            self.warc_result(&task.portal, Ok(result));
        }
        Ok(outcome)
    }

    /// Puts a version's files into storage (see `upload`), then commits it: the outcome, and the
    /// version back for its WARC records.
    pub(in crate::crawl) async fn put_and_commit(
        &self,
        new: NewCapture,
    ) -> anyhow::Result<(CommitOutcome, NewCapture)> {
        if let Err(e) = self.put_version_files(&new).await {
            if e.chain()
                .any(|cause| cause.is::<crate::storage::StorageError>())
            {
                self.storage_refused
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            return Err(e);
        }
        let store = self.store.clone();
        Ok(self
            .blocking_io(move || store.commit(&new).map(|outcome| (outcome, new)))
            .await??)
    }

    /// [`Self::archive_item`] with a step between storing the page and committing it: deriving
    /// an attachment's text, or uploading the version's files to remote storage.
    async fn archive_item_in_steps(
        &self,
        task: &Task,
        capture: &Arc<Capture>,
        kind: &PageKind,
        draft: NewCapture,
    ) -> anyhow::Result<CommitOutcome> {
        let (blob, exchange) = self.store_bodies(capture).await?;
        let text = self.document_text(&task.portal, capture, kind, &blob).await;
        let (new, in_hand) = with_page(draft, blob, exchange, capture, text);
        let (outcome, new) = self.put_and_commit(new).await?;
        if let Some(sink) = self.warc.clone() {
            let written = outcome.clone();
            let page = capture.clone();
            let result = self
                .blocking_io(move || write_warc(&sink, &new, &written, &in_hand, &page))
                .await;
            self.warc_result(&task.portal, result);
        }
        Ok(outcome)
    }
}

/// Stores a capture's body, and its wire bytes when Content-Encoding made them differ, and
/// describes the exchange for the store.
fn store_bodies_now(
    archive: &crate::archive::Archive,
    capture: &Capture,
) -> Result<(StoredBlob, StoredExchange), crate::archive::ArchiveError> {
    let blob = archive.store(&capture.body)?;
    let wire_blob = if capture.wire_differs() {
        archive.store(&capture.wire)?
    } else {
        blob.clone()
    };
    let exchange = StoredExchange::of(capture, wire_blob.sha256, wire_blob.raw_path);
    Ok((blob, exchange))
}

/// The draft of an item's version completed with its stored page: raw file, text and exchange
/// (first, before the attachments'), and the page's wire bytes for the WARC writer.
fn with_page(
    mut draft: NewCapture,
    blob: StoredBlob,
    exchange: StoredExchange,
    capture: &Capture,
    text: crate::text::TextInfo,
) -> (NewCapture, WiresInHand) {
    let in_hand = vec![(exchange.wire_sha256.clone(), capture.wire.clone())];
    draft.record.sha256 = blob.sha256;
    draft.record.raw_path = blob.raw_path;
    draft.record.text = text;
    draft.exchanges.insert(0, exchange);
    (draft, in_hand)
}

/// Writes what a commit of `new` calls for to the WARC output: a new version's captures, or the
/// live capture of a page that made none.
fn write_warc(
    sink: &crate::warc_sink::WarcSink,
    new: &NewCapture,
    outcome: &CommitOutcome,
    in_hand: &WiresInHand,
    capture: &Capture,
) -> anyhow::Result<()> {
    match outcome {
        CommitOutcome::NewDocument { .. } | CommitOutcome::NewVersion { .. } => {
            sink.write_committed(new, outcome, in_hand)
        }
        CommitOutcome::Unchanged { .. } | CommitOutcome::NewAlias { .. } => {
            sink.write_live(capture)
        }
    }
}
