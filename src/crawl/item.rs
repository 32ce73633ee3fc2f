//! Item pages: fetch (conditionally when known; a 304 goes to `revisit`), read once (classify,
//! extract, hash), fetch attachments (see `attachment`), store raw files, then commit a new
//! document, version or alias, or nothing when unchanged.
//! Challenges, soft 404s and other non-content pages are recorded, never archived; a page past
//! the parse bounds or a body that is not text keeps its raw bytes for a later look.

use std::sync::Arc;

use chrono::{SecondsFormat, Utc};
use futures_util::future::BoxFuture;
use url::Url;

use super::list::kind_name;
use super::revisit::PreviousVersion;
use super::{Engine, Mode, Role, Task, TaskState, WiresInHand};
use crate::archive::StoredBlob;
use crate::classify::PageKind;
use crate::decode::Decoded;
use crate::dedup;
use crate::export::{AttachmentRecord, ExportRecord, non_empty};
use crate::extract::Metadata;
use crate::fetch::{
    Capture, ExcludeReason, FetchOptions, FetchOutcome, StoredExchange, Validators,
};
use crate::page::{PageRole, View};
use crate::store::{AttachmentWait, CommitOutcome, NewCapture, UrlState};

/// The outcome of an item a backfill read and left, its report year outside the years asked.
pub(super) const OUTSIDE_BACKFILL_RANGE: &str = "outside_backfill_range";

impl Engine {
    pub(super) async fn process_item(self: &Arc<Self>, task: &Task) -> TaskState {
        let Role::Item { list_url, .. } = &task.role else {
            return TaskState::Failed("not an item task".into());
        };
        let Some(request) = task.request.to_request() else {
            return TaskState::Failed(format!("unparseable URL {}", task.request.url));
        };
        let portal = task.portal.clone();
        let url = task.request.url.clone();
        let known = self.store.url_state(&url).ok().flatten();
        let archived = known.as_ref().filter(|s| s.doc_id.is_some());
        let for_attachments = archived.is_some_and(|s| self.attachments_due(s));
        // A backfill fetches what it has again only for attachments that are due.
        if self.mode.is_backfill() && archived.is_some() && !for_attachments {
            self.report(&portal, |r| r.skipped += 1);
            return TaskState::Done;
        }
        // Asked for its attachments, the page must not be answered 304: that would skip them.
        let validators = archived.filter(|_| !for_attachments).map(|s| Validators {
            etag: s.etag.clone(),
            last_modified: s.last_modified.clone(),
        });
        let item_hosts = self.item_scope(&portal);
        let any_host = |_: &Url| -> Result<(), ExcludeReason> { Ok(()) };
        // A report the list gives as a file may be on a file server, as attachments are; a page
        // is on the portal's site or on a host its `item_hosts` names.
        let scope: &(dyn Fn(&Url) -> Result<(), ExcludeReason> + Send + Sync) =
            if super::list::names_document_file(request.url()) {
                &any_host
            } else {
                &item_hosts
            };
        // Held until this task ends: its page is in memory until it is read and archived.
        let hold = self.fetcher.page_hold();
        let options = FetchOptions {
            validators: validators.as_ref(),
            scope,
            allow_private: self.allow_private(&portal),
            hold: Some(&hold),
            stop: Some(&self.stopping),
        };
        let outcome = self.fetch(&portal, &request, &options).await;
        let capture = match outcome {
            FetchOutcome::Fetched(capture) => capture,
            // Its page unchanged, a report may still have a file replaced in place.
            FetchOutcome::NotModified(answer) if validators.is_some() => {
                return self.revisit_not_modified(task, known, answer).await;
            }
            other => return self.record_unfetched(&portal, &other, Some((task, known))),
        };
        self.report(&portal, |r| {
            r.items_fetched += 1;
            if let Role::Item {
                list: Some(list), ..
            } = &task.role
            {
                r.lists.entry(list.clone()).or_default().fetched += 1;
            }
        });
        if !capture.has_content_status() {
            let kind = format!("http_{}", capture.status);
            // A URL withdrawn before that answers so again is no news and no failure of this run.
            if !self.still_withdrawn(task, known.as_ref(), &kind) {
                self.report(&portal, |r| {
                    *r.failures.entry(kind.clone()).or_default() += 1
                });
            }
            let known = self.note_withdrawal(task, known, &kind, capture.fetched_at);
            self.remember_failure(task, known, &kind);
            return TaskState::Failed(kind);
        }
        // A revisit asks the files the report's previous version holds conditionally.
        let previous = known
            .as_ref()
            .filter(|_| validators.is_some())
            .and_then(|s| self.previous_version(&url, s));
        self.read_fetched_item(task, list_url, known, previous, Arc::new(capture))
            .await
    }

    /// Reading and archiving a fetched item, on the heap: built in a plain function so that an
    /// item task waiting for its request (thousands at once in a nightly) never makes room for
    /// it (rustc sizes an async fn's state for every future built inside it).
    fn read_fetched_item<'a>(
        self: &'a Arc<Self>,
        task: &'a Task,
        list_url: &'a str,
        known: Option<UrlState>,
        previous: Option<PreviousVersion>,
        capture: Arc<Capture>,
    ) -> BoxFuture<'a, TaskState> {
        Box::pin(self.read_and_archive_item(task, list_url, known, previous, capture))
    }

    async fn read_and_archive_item(
        self: &Arc<Self>,
        task: &Task,
        list_url: &str,
        known: Option<UrlState>,
        previous: Option<PreviousVersion>,
        capture: Arc<Capture>,
    ) -> TaskState {
        let portal = task.portal.clone();
        let was_withdrawn = known.as_ref().is_some_and(|s| s.withdrawn.is_some());
        let role = PageRole::Item {
            evidence: task.evidence(),
            portal_name: self.portal_name_of(&portal),
        };
        let analysis = match self.read_page(&portal, &capture, role).await {
            Ok(analysis) => analysis,
            Err(failure) => {
                let name = failure.name();
                self.keep_unread(task, known, &capture, name).await;
                return TaskState::Failed(name.into());
            }
        };
        let kind = analysis.kind;
        if kind.is_bad() {
            let name = kind_name(&kind);
            self.report(&portal, |r| {
                *r.not_content.entry(name.clone()).or_default() += 1
            });
            // A body that is not text may be one nianbao cannot read yet (a compression it does
            // not sniff, a server's fault that passes): kept, as a page past the parse bounds is,
            // for `inspect` and for a later run, which asks again on the failure schedule.
            if matches!(kind, PageKind::TooComplex { .. } | PageKind::NotText { .. }) {
                self.keep_unread(task, known, &capture, &name).await;
            } else if matches!(kind, PageKind::Challenge { .. }) {
                // It says nothing of the page: asked again when the schedule says, never gone.
                self.remember_failure(task, known, "blocked");
            } else if kind == PageKind::ServerError {
                // The server failed, as with a 5xx: asked again on the failure schedule.
                self.remember_failure(task, known, &name);
            } else {
                self.still_withdrawn(task, known.as_ref(), &name);
                let known = self.note_withdrawal(task, known, &name, capture.fetched_at);
                self.record_state(task, known, &name, Some(capture.status), 0);
            }
            return TaskState::Failed(name);
        }
        let decoded = analysis.decoded;
        let View::Item {
            metadata,
            content_hash: page_hash,
            fingerprint,
        } = analysis.view
        else {
            // An item role reads every page of content as an item.
            tracing::error!(url = %capture.url, "item page produced no item view");
            return TaskState::Failed("no_item_view".into());
        };
        let metadata = *metadata;
        if let Mode::Backfill { years } = &self.mode {
            let in_range = metadata.is_annual_report
                && metadata.report_year.is_some_and(|y| years.contains(&y));
            if !in_range {
                self.report(&portal, |r| r.skipped += 1);
                let known = self.note_restored(task, known);
                self.record_state(task, known, OUTSIDE_BACKFILL_RANGE, Some(capture.status), 0);
                return TaskState::Done;
            }
        }
        let Some((attachments, exchanges)) = self
            .fetch_attachments(&portal, &metadata.attachments, previous.as_ref())
            .await
        else {
            // Stopped before an attachment was asked for: the whole item is left for the next
            // run, so that it is archived once, with its attachments, as if never interrupted.
            return TaskState::Queued;
        };
        let wait = self.attachment_wait(task, known.as_ref(), &attachments);
        let archived = self
            .archive_item(
                task,
                list_url,
                &capture,
                decoded.as_ref(),
                &kind,
                (page_hash, fingerprint),
                metadata,
                (attachments, exchanges, wait),
            )
            .await;
        self.committed(task, archived, was_withdrawn)
    }

    /// An item's task after its commit: the outcome counted in the run report and the progress
    /// line (once committed: see `Store::commit`), or the failure counted and logged. A URL
    /// that was withdrawn (`was_withdrawn`) is restored by the commit, which writes its state
    /// afresh.
    pub(super) fn committed(
        &self,
        task: &Task,
        archived: anyhow::Result<CommitOutcome>,
        was_withdrawn: bool,
    ) -> TaskState {
        let portal = &task.portal;
        match archived {
            Ok(outcome) => {
                if was_withdrawn {
                    tracing::info!(url = %task.request.url, "restored: the withdrawn report answers with content again");
                }
                self.report(portal, |r| {
                    match outcome {
                        CommitOutcome::NewDocument {
                            ref same_report_as, ..
                        } => {
                            r.new_documents += 1;
                            r.linked += u64::from(same_report_as.is_some());
                        }
                        CommitOutcome::NewVersion { .. } => r.new_versions += 1,
                        CommitOutcome::NewAlias { .. } => r.new_aliases += 1,
                        CommitOutcome::Unchanged { .. } => r.unchanged += 1,
                    }
                    r.restored += u64::from(was_withdrawn);
                });
                self.progress.archived(matches!(
                    outcome,
                    CommitOutcome::NewDocument { .. } | CommitOutcome::NewVersion { .. }
                ));
                TaskState::Done
            }
            Err(e) => {
                tracing::error!(url = %task.request.url, "cannot archive: {e:#}");
                self.report(portal, |r| {
                    *r.failures.entry("archive".into()).or_default() += 1
                });
                TaskState::Failed(format!("archive: {e}"))
            }
        }
    }

    /// Stores a capture's body, and its wire bytes when Content-Encoding made them differ, and
    /// describes the exchange for the store.
    pub(super) async fn store_bodies(
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
    async fn archive_item(
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
    pub(super) async fn put_and_commit(
        &self,
        new: NewCapture,
    ) -> anyhow::Result<(CommitOutcome, NewCapture)> {
        self.put_version_files(&new).await?;
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

    /// Records and counts a fetch that produced no page to work on. `item` is the item task and
    /// its known state, when the URL is an item.
    pub(super) fn record_unfetched(
        &self,
        portal: &str,
        outcome: &FetchOutcome,
        item: Option<(&Task, Option<UrlState>)>,
    ) -> TaskState {
        match outcome {
            FetchOutcome::Fetched(_) => TaskState::Done,
            FetchOutcome::NotModified(capture) => {
                self.report(portal, |r| r.not_modified += 1);
                if let Some((task, known)) = item
                    && let Some(mut state) = self.note_restored(task, known)
                {
                    state.fetched_at = Some(
                        capture
                            .fetched_at
                            .to_rfc3339_opts(SecondsFormat::Secs, true),
                    );
                    state.outcome = "not_modified".into();
                    let _ = self.store.record_url(&task.request.url, &state);
                }
                TaskState::Done
            }
            FetchOutcome::Blocked { capture, challenge } => {
                self.report(portal, |r| r.blocked += 1);
                tracing::warn!(url = %capture.url, ?challenge, "anti-bot challenge; host backs off");
                if let Some((task, known)) = item {
                    self.remember_failure(task, known, "blocked");
                }
                TaskState::Failed("blocked".into())
            }
            FetchOutcome::Excluded { url, reason } => {
                let key = excluded_key(reason);
                self.report(portal, |r| *r.excluded.entry(key.into()).or_default() += 1);
                tracing::info!(url = %url, "not fetched: {reason}");
                TaskState::Failed(format!("excluded: {reason}"))
            }
            FetchOutcome::Oversize { url, limit } => {
                self.report(portal, |r| r.oversize += 1);
                tracing::warn!(url = %url, limit, "body larger than max_body_bytes; not stored");
                if let Some((task, known)) = item {
                    self.record_state(task, known, "oversize", None, 0);
                }
                TaskState::Failed("oversize".into())
            }
            FetchOutcome::Failed { url, kind, detail } => {
                self.report(portal, |r| *r.failures.entry(kind.name()).or_default() += 1);
                tracing::warn!(url = %url, "failed: {detail}");
                if let Some((task, known)) = item {
                    self.remember_failure(task, known, &kind.name());
                }
                TaskState::Failed(kind.name())
            }
            FetchOutcome::Stopped { url } => {
                tracing::debug!(url = %url, "not sent: the run is stopping; left for the next run");
                TaskState::Queued
            }
            FetchOutcome::HostPaused { url, reason } => {
                self.report(portal, |r| {
                    *r.failures.entry("host_paused".into()).or_default() += 1
                });
                tracing::debug!(url = %url, "skipped: host {reason}");
                if let Some((task, known)) = item {
                    self.remember_failure(task, known, "host_paused");
                }
                TaskState::Failed("host_paused".into())
            }
        }
    }

    /// Keeps the bytes of an item page that could not be read (a panic, an overrun, a page beyond
    /// the parse bounds): the raw file is stored and the capture goes to the WARC output, so a
    /// better reader can return to it; the URL state names what went wrong.
    async fn keep_unread(
        &self,
        task: &Task,
        known: Option<UrlState>,
        capture: &Capture,
        outcome: &str,
    ) {
        match self.store_bodies(capture).await {
            Ok((blob, _)) => {
                tracing::warn!(url = %capture.url, raw = %blob.raw_path, "kept the raw page it could not read ({outcome})")
            }
            Err(e) => tracing::error!(url = %capture.url, "cannot store raw page: {e:#}"),
        }
        self.warc_live(&task.portal, capture).await;
        // A failure on the policy's schedule, so that later runs (or a cleared quarantine)
        // come back to it.
        self.remember_failure(task, known, outcome);
    }

    /// An archived report's URL that answered `answer` at `at`: withdrawn when the answer says
    /// the page was taken down (see `store::withdrawn`), counted in the run report the first
    /// time. Any other answer leaves the state as it was: a server that is down says nothing of
    /// the report.
    fn note_withdrawal(
        &self,
        task: &Task,
        mut known: Option<UrlState>,
        answer: &str,
        at: chrono::DateTime<Utc>,
    ) -> Option<UrlState> {
        if let Some(state) = known.as_mut()
            && state.mark_withdrawn(answer, at)
        {
            tracing::info!(url = %task.request.url, answer, "withdrawn: the archived report's page is gone; its versions are kept");
            self.report(&task.portal, |r| r.withdrawn += 1);
        }
        known
    }

    /// Whether `answer` from an archived URL already marked withdrawn withdraws it again: counted
    /// as `still_withdrawn` in the run report, for the caller to leave out of `failures`.
    fn still_withdrawn(&self, task: &Task, known: Option<&UrlState>, answer: &str) -> bool {
        let again = known.is_some_and(|s| s.doc_id.is_some() && s.withdrawn.is_some())
            && crate::store::is_withdrawal(answer);
        if again {
            self.report(&task.portal, |r| r.still_withdrawn += 1);
        }
        again
    }

    /// A URL that answered with content or 304: no longer withdrawn, counted as restored when it
    /// was.
    fn note_restored(&self, task: &Task, mut known: Option<UrlState>) -> Option<UrlState> {
        if known.as_mut().and_then(|s| s.withdrawn.take()).is_some() {
            tracing::info!(url = %task.request.url, "restored: the withdrawn report answers again");
            self.report(&task.portal, |r| r.restored += 1);
        }
        known
    }

    /// Remembers a failed item with its place in the failure policy's schedule, so that a later
    /// run retries it (with its list evidence) when it is due, or never when it is gone.
    fn remember_failure(&self, task: &Task, mut known: Option<UrlState>, outcome: &str) {
        let failures = known.as_ref().map(|s| s.failures).unwrap_or(0) + 1;
        // An archived report fetched again for its attachments whose own page failed: the
        // attempt counts as one more failure of its wait, so that the run after does not ask
        // again at once (the crawl queues due reports whether or not a list links them).
        if let Some(state) = known.as_mut().filter(|s| s.doc_id.is_some())
            && let Some(wait) = state.attachment_wait.as_ref().filter(|w| w.retry.is_some())
        {
            let policy = &self.settings.crawl.failures;
            state.attachment_wait =
                policy.attachments_after(Some(wait), wait.oversize_at, &[outcome], Utc::now());
        }
        let retry = known.as_ref().is_none_or(|s| s.doc_id.is_none()).then(|| {
            let previous = known.as_ref().and_then(|s| s.retry.as_ref());
            let policy = &self.settings.crawl.failures;
            policy.after_failure(previous, failures, outcome, Utc::now())
        });
        if let Some(r) = retry.as_ref().filter(|r| r.gone) {
            tracing::info!(
                url = %task.request.url,
                failures,
                kind = %r.last_kind,
                "gone: not asked again by the nightly crawl (`nianbao failures --retry URL` puts it back)"
            );
        }
        let outcome = format!("failed:{outcome}");
        self.write_state(task, known, &outcome, None, failures, retry);
    }

    fn record_state(
        &self,
        task: &Task,
        known: Option<UrlState>,
        outcome: &str,
        status: Option<u16>,
        failures: u32,
    ) {
        self.write_state(task, known, outcome, status, failures, None)
    }

    fn write_state(
        &self,
        task: &Task,
        known: Option<UrlState>,
        outcome: &str,
        status: Option<u16>,
        failures: u32,
        retry: Option<crate::store::RetrySchedule>,
    ) {
        let mut state = known.unwrap_or_default();
        state.portal = task.portal.clone();
        state.outcome = outcome.to_string();
        state.http_status = status.or(state.http_status);
        state.fetched_at = Some(Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true));
        // A known document keeps its failure count at zero: it is archived, only this visit failed.
        state.failures = if state.doc_id.is_some() { 0 } else { failures };
        state.retry = retry;
        if let Role::Item {
            list_url,
            title,
            date,
            ..
        } = &task.role
        {
            state.list_url = Some(list_url.clone());
            state.list_title = title.clone();
            state.list_date = date.map(|d| d.to_string());
        }
        if let Err(e) = self.store.record_url(&task.request.url, &state) {
            tracing::error!(url = %task.request.url, "cannot record URL state: {e}");
        }
    }
}

/// The run report's key for a URL not fetched for `reason`.
pub(super) fn excluded_key(reason: &ExcludeReason) -> &'static str {
    match reason {
        ExcludeReason::Robots | ExcludeReason::RobotsUnavailable(_) => "robots",
        ExcludeReason::OutOfScope(_) => "out_of_scope",
        ExcludeReason::PrivateAddress => "private_address",
        ExcludeReason::Scheme(_) => "scheme",
    }
}

/// A version's content hash: its page's, and with attachments the digest of the page's and
/// theirs. Attachments are part of the document: a changed attachment is a new version.
pub(super) fn content_hash(page_hash: String, attachments: &[AttachmentRecord]) -> String {
    if attachments.is_empty() {
        return page_hash;
    }
    let mut hash_input = page_hash;
    for a in attachments {
        hash_input.push('\n');
        hash_input.push_str(a.sha256.as_deref().unwrap_or("-"));
    }
    dedup::sha256_hex(hash_input.as_bytes())
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
