//! Item pages: fetch (conditionally when known; a 304 goes to `revisit`), read once (classify,
//! extract, hash), fetch attachments (see `attachment`), store raw files, then commit a new
//! document, version or alias, or nothing when unchanged.
//! Challenges, soft 404s and other non-content pages are recorded, never archived; a page past
//! the parse bounds or a body that is not text keeps its raw bytes for a later look.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use url::Url;

use super::list::kind_name;
use super::revisit::PreviousVersion;
use super::{Engine, Mode, Role, Task, TaskState};
use crate::classify::PageKind;
use crate::dedup;
use crate::export::AttachmentRecord;
use crate::fetch::{Capture, ExcludeReason, FetchOptions, FetchOutcome, Validators};
use crate::page::{PageRole, View};
use crate::store::{CommitOutcome, UrlState};

mod archive;
mod state;

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
        self.count_server(&portal, request.url(), &outcome, false);
        let capture = match outcome {
            FetchOutcome::Fetched(capture) => capture,
            // Its page unchanged, a report may still have a file replaced in place.
            FetchOutcome::NotModified(answer) if validators.is_some() => {
                return self.revisit_not_modified(task, known, answer).await;
            }
            other => return self.record_unfetched(&portal, &other, Some((task, known))),
        };
        self.report(&portal, |r| r.items_fetched += 1);
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
        // An answer with no content (a 404, a 5xx) fetched no report of the list.
        if let Role::Item {
            list: Some(list), ..
        } = &task.role
        {
            self.report(&portal, |r| {
                r.lists.entry(list.clone()).or_default().fetched += 1
            });
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
}

/// The run report's key for a URL not fetched for `reason`.
pub(super) fn excluded_key(reason: &ExcludeReason) -> &'static str {
    match reason {
        ExcludeReason::Robots | ExcludeReason::RobotsUnavailable { .. } => "robots",
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
