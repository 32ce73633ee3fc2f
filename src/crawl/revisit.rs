//! Revisits of an archived report: what its previous version holds (record and exchanges), so
//! that its attachments are asked with the validators of their last responses, and a report
//! whose page answered 304 is still checked for a file replaced in place (same URL, new bytes):
//! such a file makes a new version with the same page, committed like any other.

use std::sync::Arc;

use chrono::SecondsFormat;
use futures_util::future::BoxFuture;
use url::Url;

use super::{Engine, Role, Task, TaskState};
use crate::export::{AttachmentRecord, ExportRecord};
use crate::extract::AttachmentLink;
use crate::fetch::{Capture, FetchOutcome, StoredExchange, Validators};
use crate::page::{PageRole, View};
use crate::store::{CommitOutcome, NewCapture, UrlState};

/// The version of an archived report a revisit starts from: its record and the HTTP exchanges
/// behind it (the page's first, then its attachments').
pub(super) struct PreviousVersion {
    pub record: ExportRecord,
    pub exchanges: Vec<StoredExchange>,
}

/// An attachment the previous version holds (it has a sha256), with its last exchange when the
/// version kept one.
pub(super) struct Held<'a> {
    pub record: &'a AttachmentRecord,
    pub exchange: Option<&'a StoredExchange>,
}

impl PreviousVersion {
    /// The attachment at `url` when this version holds its file.
    pub fn held(&self, url: &str) -> Option<Held<'_>> {
        let record = self
            .record
            .attachments
            .iter()
            .find(|a| a.url == url && a.sha256.is_some())?;
        // The first exchange is the page's; an attachment's is named by the URL it was asked at
        // (one that redirected is named by where it landed, and is then asked without
        // validators, which a server would not compare with a redirect's own anyway).
        let exchange = self.exchanges.iter().skip(1).find(|e| e.url == url);
        Some(Held { record, exchange })
    }

    fn holds_attachments(&self) -> bool {
        self.record.attachments.iter().any(|a| a.sha256.is_some())
    }
}

impl Held<'_> {
    /// The validators of the attachment's last response; None when it had neither an ETag nor
    /// a Last-Modified (it is then fetched in full).
    pub fn validators(&self) -> Option<Validators> {
        let header = |name: &str| {
            self.exchange?
                .headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        let validators = Validators {
            etag: header("etag"),
            last_modified: header("last-modified"),
        };
        (validators.etag.is_some() || validators.last_modified.is_some()).then_some(validators)
    }

    /// The attachment as the previous version holds it, for a version that keeps it.
    pub fn kept(&self) -> (AttachmentRecord, Option<StoredExchange>) {
        (self.record.clone(), self.exchange.cloned())
    }
}

impl Engine {
    /// The version of the archived `url` (state `state`) a revisit compares with: the newest
    /// version of its document that showed what this URL showed when last archived (a document
    /// found at two URLs may have versions of either), else the newest. None when the store
    /// cannot say (logged): the revisit then asks for everything, as a first capture does.
    pub(super) fn previous_version(&self, url: &str, state: &UrlState) -> Option<PreviousVersion> {
        let read = || -> Result<Option<PreviousVersion>, crate::store::StoreError> {
            let Some(id) = state.doc_id.as_deref() else {
                return Ok(None);
            };
            let Some(doc) = self.store.document(id)? else {
                return Ok(None);
            };
            let mut newest = None;
            for seq in doc.seqs.iter().rev() {
                let Some(record) = self.store.record(*seq)? else {
                    continue;
                };
                if state.content_hash.as_ref() == Some(&record.content_hash) {
                    newest = Some((*seq, record));
                    break;
                }
                if newest.is_none() {
                    newest = Some((*seq, record));
                }
            }
            let Some((seq, record)) = newest else {
                return Ok(None);
            };
            let exchanges = self.store.exchanges(seq)?;
            Ok(Some(PreviousVersion { record, exchanges }))
        };
        match read() {
            Ok(previous) => previous,
            Err(e) => {
                tracing::warn!(
                    url,
                    "cannot read the previous version; its attachments are asked for in full: {e}"
                );
                None
            }
        }
    }

    /// A revisited report whose page answered 304 (`answer`): the files its previous version
    /// holds are asked, each with its own validators. When all are as they were, nothing new is
    /// recorded (`not_modified`, as for any 304). When one was replaced in place, the report
    /// gets a new version: the page as archived (body and fields of the previous version, not
    /// asked again) with the new attachment records. A file whose request fails is kept as it
    /// was, so that no version loses a file to one failed request; it is asked at the next
    /// revisit.
    pub(super) fn revisit_not_modified<'a>(
        self: &'a Arc<Self>,
        task: &'a Task,
        known: Option<UrlState>,
        answer: Capture,
    ) -> BoxFuture<'a, TaskState> {
        Box::pin(async move {
            let portal = task.portal.clone();
            let previous = known
                .as_ref()
                .and_then(|s| self.previous_version(&task.request.url, s))
                .filter(|p| p.holds_attachments() && !p.exchanges.is_empty());
            let Some(previous) = previous else {
                return self.record_unfetched(
                    &portal,
                    &FetchOutcome::NotModified(answer),
                    Some((task, known)),
                );
            };
            let mut attachments = Vec::new();
            // The page's exchange first, as a version's exchanges are.
            let mut exchanges = vec![previous.exchanges[0].clone()];
            for record in &previous.record.attachments {
                let link = Url::parse(&record.url).ok().map(|url| AttachmentLink {
                    url,
                    name: record.name.clone(),
                });
                let (Some(link), Some(held)) = (link, previous.held(&record.url)) else {
                    // Missing from the previous version: its wait decides when it is asked.
                    attachments.push(record.clone());
                    continue;
                };
                let Some((record, exchange)) =
                    self.fetch_attachment(&portal, &link, Some(held)).await
                else {
                    // Stopped: the report is revisited by the next run, as if never asked.
                    return TaskState::Queued;
                };
                attachments.push(record);
                exchanges.extend(exchange);
            }
            let unchanged = attachments
                .iter()
                .zip(&previous.record.attachments)
                .all(|(now, before)| now.sha256 == before.sha256);
            if unchanged {
                return self.record_unfetched(
                    &portal,
                    &FetchOutcome::NotModified(answer),
                    Some((task, known)),
                );
            }
            let Some(page_hash) = self.archived_page_hash(task, &previous).await else {
                return self.record_unfetched(
                    &portal,
                    &FetchOutcome::NotModified(answer),
                    Some((task, known)),
                );
            };
            let new = self.version_of_unchanged_page(
                task,
                known.as_ref(),
                &answer,
                previous,
                page_hash,
                (attachments, exchanges),
            );
            let was_withdrawn = known.as_ref().is_some_and(|s| s.withdrawn.is_some());
            let archived = self.commit_kept_page(&portal, new).await;
            self.committed(task, archived, was_withdrawn)
        })
    }

    /// The content hash of the previous version's page alone (its record's `content_hash` also
    /// digests the attachments): the archived page read again as the crawl reads a fetched one,
    /// so that the new version's hash is the one a 200 of the same page and files would give.
    /// None, logged, when the page cannot be read back.
    async fn archived_page_hash(&self, task: &Task, previous: &PreviousVersion) -> Option<String> {
        let (record, exchange) = (&previous.record, &previous.exchanges[0]);
        let (storage, archive) = (self.storage.clone(), self.archive.clone());
        let (path, sha) = (record.raw_path.clone(), record.sha256.clone());
        let body = self
            .blocking_io(move || -> anyhow::Result<Vec<u8>> {
                storage.cached_raw(&path, &sha)?;
                Ok(archive.read_verified(&path, &sha)?)
            })
            .await
            .map_err(anyhow::Error::from)
            .and_then(|read| read);
        let body = match body {
            Ok(body) => bytes::Bytes::from(body),
            Err(e) => {
                tracing::warn!(url = %task.request.url, raw = %record.raw_path, "cannot read the archived page back; its replaced attachments wait for the page to change: {e:#}");
                return None;
            }
        };
        let Ok(url) = Url::parse(&exchange.url) else {
            tracing::warn!(url = %task.request.url, "the archived page's exchange names no URL: {}", exchange.url);
            return None;
        };
        let capture = Capture {
            url,
            redirects: Vec::new(),
            method: exchange.method.clone(),
            request_headers: exchange.request_headers.clone(),
            request_body: None,
            status: exchange.status,
            http_version: exchange.http_version.clone(),
            headers: exchange
                .headers
                .iter()
                .map(|(n, v)| (n.clone(), v.clone().into_bytes()))
                .collect(),
            ip: None,
            tls_unverified: false,
            wire: body.clone(),
            body,
            fetched_at: chrono::Utc::now(),
        };
        let role = PageRole::Item {
            evidence: task.evidence(),
            portal_name: self.portal_name_of(&task.portal),
        };
        match self.read_page(&task.portal, &Arc::new(capture), role).await {
            Ok(analysis) => match analysis.view {
                View::Item { content_hash, .. } => Some(content_hash),
                _ => {
                    tracing::warn!(url = %task.request.url, "the archived page no longer reads as an item; its replaced attachments wait for the page to change");
                    None
                }
            },
            Err(failure) => {
                tracing::warn!(url = %task.request.url, "cannot read the archived page back ({}); its replaced attachments wait for the page to change", failure.name());
                None
            }
        }
    }

    /// The draft of a new version of a report whose page answered 304: the previous version's
    /// record with the attachments now held, fetched at the time of the 304.
    fn version_of_unchanged_page(
        &self,
        task: &Task,
        known: Option<&UrlState>,
        answer: &Capture,
        previous: PreviousVersion,
        page_hash: String,
        (attachments, exchanges): (Vec<AttachmentRecord>, Vec<StoredExchange>),
    ) -> NewCapture {
        let mut record = previous.record;
        // A draft: id, version, seq and aliases are the commit's to give.
        (record.id, record.version, record.seq) = (String::new(), 0, 0);
        record.aliases = Vec::new();
        record.content_hash = super::item::content_hash(page_hash, &attachments);
        record.attachments = attachments;
        record.fetched_at = answer.fetched_at.to_rfc3339_opts(SecondsFormat::Secs, true);
        if let Role::Item { list_url, .. } = &task.role {
            record.list_url = Some(list_url.clone());
        }
        // A 304 may carry validators of its own; else the page's stay as they were.
        let validators = answer.validators();
        let evidence = task.evidence();
        NewCapture {
            record,
            etag: validators
                .etag
                .or_else(|| known.and_then(|s| s.etag.clone())),
            last_modified: validators
                .last_modified
                .or_else(|| known.and_then(|s| s.last_modified.clone())),
            exchanges,
            unsynced_files: self.archive.file_sync().cloned(),
            // Files missing from the previous version were not asked: their wait goes on.
            attachment_wait: known.and_then(|s| s.attachment_wait.clone()),
            list_title: evidence.title,
            list_date: evidence.date.map(|d| d.to_string()),
            list: task.list_key(),
            list_name: evidence.list_name,
            // The page is the previous version's: the index keeps its fingerprint.
            fingerprint: None,
        }
    }

    /// Commits a version whose page was kept from the previous one: its files put into storage
    /// first, then the commit, then its WARC records (the 304 itself is written nowhere, as no
    /// 304 is).
    async fn commit_kept_page(
        &self,
        portal: &str,
        new: NewCapture,
    ) -> anyhow::Result<CommitOutcome> {
        let (outcome, new) = self.put_and_commit(new).await?;
        if let Some(sink) = self.warc.clone() {
            let written = outcome.clone();
            let result = self
                .blocking_io(move || sink.write_committed(&new, &written, &[]))
                .await;
            self.warc_result(portal, result);
        }
        Ok(outcome)
    }
}
