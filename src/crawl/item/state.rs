//! What an item leaves in the store when it makes no version: a fetch that gave no page, a body
//! kept unread, a withdrawal or a restoration, a failure, and the URL's state.

use chrono::{SecondsFormat, Utc};

use super::excluded_key;
use crate::crawl::{Engine, Role, Task, TaskState};
use crate::fetch::{Capture, FetchOutcome};
use crate::store::UrlState;

impl Engine {
    /// Records and counts a fetch that produced no page to work on. `item` is the item task and
    /// its known state, when the URL is an item.
    pub(in crate::crawl) fn record_unfetched(
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
    pub(super) async fn keep_unread(
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
    pub(super) fn note_withdrawal(
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
    pub(super) fn still_withdrawn(
        &self,
        task: &Task,
        known: Option<&UrlState>,
        answer: &str,
    ) -> bool {
        let again = known.is_some_and(|s| s.doc_id.is_some() && s.withdrawn.is_some())
            && crate::store::is_withdrawal(answer);
        if again {
            self.report(&task.portal, |r| r.still_withdrawn += 1);
        }
        again
    }

    /// A URL that answered with content or 304: no longer withdrawn, counted as restored when it
    /// was.
    pub(super) fn note_restored(
        &self,
        task: &Task,
        mut known: Option<UrlState>,
    ) -> Option<UrlState> {
        if known.as_mut().and_then(|s| s.withdrawn.take()).is_some() {
            tracing::info!(url = %task.request.url, "restored: the withdrawn report answers again");
            self.report(&task.portal, |r| r.restored += 1);
        }
        known
    }

    /// Remembers a failed item with its place in the failure policy's schedule, so that a later
    /// run retries it (with its list evidence) when it is due, or never when it is gone.
    pub(super) fn remember_failure(&self, task: &Task, mut known: Option<UrlState>, outcome: &str) {
        // An entry whose report is not in the archive failed: its list was walked, but is not
        // complete (an archived report that fails is still archived, and a withdrawn one has
        // its own count).
        if known.as_ref().is_none_or(|s| s.doc_id.is_none())
            && !task.is_delisted_ask()
            && let Some(list) = task.list_key()
        {
            self.report(&task.portal, |r| {
                *r.lists
                    .entry(list)
                    .or_default()
                    .failed_items
                    .entry(outcome.to_string())
                    .or_default() += 1
            });
        }
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

    pub(super) fn record_state(
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
            list,
            list_name,
            ..
        } = &task.role
        {
            // The list's URL and entry go with the name kept, so a retry reads the page as
            // found on one list, never with another list's name.
            if state.note_list_page(list.as_deref(), list_url, list_name.as_deref()) {
                state.list_title = title.clone();
                state.list_date = date.map(|d| d.to_string());
            }
        }
        if let Err(e) = self.store.record_url(&task.request.url, &state) {
            tracing::error!(url = %task.request.url, "cannot record URL state: {e}");
        }
    }
}
