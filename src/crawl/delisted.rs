//! Delisted reports: after a nightly crawl's walks have ended, every list whose walk proved it
//! complete (the `[ok]` of its ledger: a stated count found whole, every stated page walked, no
//! page failed, no stop) is compared with the archived reports found on it (the store's
//! `listed` index: a report on two lists is under both). Each one the walk did not see but
//! this run saw on another list of the portal (at its URL, or its document at another) leaves
//! that list's set and is not asked. Each one no walk of the portal saw is asked once (as a
//! revisit: conditional, through the host gate, not before `revisit_after` since its last
//! fetch): 404, 410 or a soft 404 withdraw it by the
//! usual rules; content or 304 mark it `delisted`. A walk that finds most of a list's archived
//! reports missing is no evidence (a site that broke, a search that returns nothing): above
//! [`delisted_bound`] nothing is asked, and the ledger says so.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::Utc;

use super::list::url_hash;
use super::{Engine, Mode, Task, TaskState};
use crate::report::Verdict;
use crate::store::UrlState;

/// The fewest missing entries a list may always lose before its walk is taken as no evidence.
pub const DELISTED_MIN_BOUND: usize = 3;

/// The most archived reports of a list with `archived` of them that a complete walk may miss
/// and still be taken as evidence: max(3, a fifth).
pub fn delisted_bound(archived: usize) -> usize {
    DELISTED_MIN_BOUND.max(archived / 5)
}

impl Engine {
    /// An archived report this walk found on `list`, a list page at `list_url` named `name`,
    /// as `entry`: its state adds that list to the lists it was found on (the `listed` index
    /// follows), keeps the name as `UrlState::note_list_name` says (and the list's URL and
    /// entry with it, when it takes it), and it is no longer delisted. Written only when that
    /// changes: a report met again on a list it was found on, under the same name, writes
    /// nothing.
    pub(super) fn note_listed(
        &self,
        entry: &crate::discover::ListItem,
        state: Option<&mut UrlState>,
        list: &str,
        list_url: &str,
        name: Option<&str>,
    ) {
        let url = entry.url.as_str();
        let Some(state) = state.filter(|s| s.doc_id.is_some()) else {
            return;
        };
        let added = state.add_list(list);
        let relisted = state.delisted.take().is_some();
        let renamed = state.note_list_name(Some(list), name);
        if renamed {
            // A retry pairs the list's URL and entry with its name (see
            // `UrlState::note_list_page`): never another list's entry title or date.
            state.list_url = Some(list_url.to_string());
            state.list_title = entry.title.clone();
            state.list_date = entry.date.map(|d| d.to_string());
        }
        if relisted {
            tracing::info!(url, list, "listed again: no longer delisted");
        }
        if !added && !relisted && !renamed {
            return;
        }
        if added {
            tracing::info!(url, list, "found on one more list");
        }
        if let Err(e) = self.store.record_url(url, state) {
            tracing::error!(url, "cannot record the list an archived report is on: {e}");
        }
    }

    /// Queues the asks of archived reports the complete walks of this run no longer show (see
    /// the module comment); how many were queued. Only a nightly crawl that is no dry run asks,
    /// and never for a list whose ledger a resumed run took over (the items its earlier pages
    /// showed are not known).
    pub(super) fn ask_delisted(self: &Arc<Self>) -> usize {
        if !matches!(self.mode, Mode::Crawl { .. }) || self.mode.is_dry_run() {
            return 0;
        }
        // Each complete list, with what the walks of every list of its portal saw.
        let mut complete: Vec<(String, String, HashSet<u64>)> = Vec::new();
        let mut portal_seen: HashMap<String, HashSet<u64>> = HashMap::new();
        for (portal, report) in self
            .reports
            .lock()
            .expect("report lock is never poisoned")
            .iter()
        {
            let seen = report.lists.values().flat_map(|l| l.seen.iter().copied());
            portal_seen.insert(portal.clone(), seen.collect());
            complete.extend(
                report
                    .lists
                    .iter()
                    .filter(|(_, l)| !l.resumed && l.verdict() == Verdict::Ok)
                    .map(|(key, l)| (portal.clone(), key.clone(), l.seen.clone())),
            );
        }
        let mut queued = 0;
        for (portal, list, seen) in complete {
            let on_any = portal_seen.get(&portal).unwrap_or(&seen);
            queued += self.ask_delisted_of(&portal, &list, &seen, on_any);
        }
        queued
    }

    /// The asks of one list's archived reports that its complete walk (`seen`) did not see.
    /// One that this run saw on another list of the portal (`on_any`), at its URL or its
    /// document's other, is no longer found on this list, and is not asked.
    fn ask_delisted_of(
        self: &Arc<Self>,
        portal: &str,
        list: &str,
        seen: &HashSet<u64>,
        on_any: &HashSet<u64>,
    ) -> usize {
        let archived = match self.store.listed_urls(portal, list) {
            Ok(urls) => urls,
            Err(e) => {
                tracing::warn!(portal, list, "cannot read the list's archived reports: {e}");
                return 0;
            }
        };
        let missing: Vec<(String, UrlState)> = archived
            .iter()
            .filter(|url| !seen.contains(&url_hash(url)))
            .filter_map(|url| {
                let state = self.store.url_state(url).ok().flatten()?;
                let elsewhere =
                    on_any.contains(&url_hash(url)) || self.listed_elsewhere(url, &state, on_any);
                if elsewhere {
                    self.left_list(url, state, list);
                    return None;
                }
                Some((url.clone(), state))
            })
            .collect();
        if missing.is_empty() {
            return 0;
        }
        let bound = delisted_bound(archived.len());
        if missing.len() > bound {
            let line = format!(
                "{} of {} archived reports not listed: more than {bound}, none asked (a list that lost so many is no evidence)",
                missing.len(),
                archived.len()
            );
            tracing::warn!(portal, list, "{line}");
            self.note_delisted_check(portal, list, line);
            return 0;
        }
        let mut asked = 0;
        for (url, state) in &missing {
            if self.recently_fetched(state) {
                continue;
            }
            if self.enqueue_delisted(url, state) {
                asked += 1;
            }
        }
        let line = format!(
            "{} of {} archived reports not listed: {asked} asked",
            missing.len(),
            archived.len()
        );
        tracing::info!(portal, list, "{line}");
        self.note_delisted_check(portal, list, line);
        asked
    }

    /// Whether the document of a missing URL was seen by the walk at another of its URLs (a
    /// report moved to a new address, its text unchanged): it is still listed.
    fn listed_elsewhere(&self, url: &str, state: &UrlState, seen: &HashSet<u64>) -> bool {
        let Some(id) = state.doc_id.as_deref() else {
            return false;
        };
        match self.store.document(id) {
            Ok(Some(doc)) => doc
                .urls
                .iter()
                .any(|u| u != url && seen.contains(&url_hash(u))),
            Ok(None) => false,
            Err(e) => {
                // Unsure: not asked, as a list that says nothing.
                tracing::warn!(url, "cannot read the document of a report not listed: {e}");
                true
            }
        }
    }

    /// An archived report a complete walk of `list` did not show, seen by this run on another
    /// list: `list` leaves the lists it was found on (and its `listed` entry goes). Only
    /// `ask_delisted` calls it, never in a dry run.
    fn left_list(&self, url: &str, mut state: UrlState, list: &str) {
        if !state.remove_list(list) {
            return;
        }
        tracing::info!(url, list, "no longer on this list, still on another");
        if let Err(e) = self.store.record_url(url, &state) {
            tracing::error!(url, "cannot record the lists an archived report is on: {e}");
        }
    }

    fn note_delisted_check(&self, portal: &str, list: &str, line: String) {
        self.report(portal, |r| {
            r.lists.entry(list.to_string()).or_default().delisted_check = Some(line);
        });
    }

    /// Queues the ask of one archived report its list no longer shows, with the evidence its
    /// state kept; whether it was queued.
    fn enqueue_delisted(self: &Arc<Self>, url: &str, state: &UrlState) -> bool {
        Task::from_state(url, state).is_some_and(|task| self.enqueue(task.delisted_ask()))
    }

    /// The ask of an archived report its list no longer shows: an item revisit, counted, then
    /// settled.
    pub(super) async fn process_delisted(self: &Arc<Self>, task: &Task) -> TaskState {
        self.report(&task.portal, |r| r.delisted_asked += 1);
        let result = self.process_item(task).await;
        self.settle_delisted(task, &result);
        result
    }

    /// After the ask of a report its list no longer shows (`task`) ended in `result`: content
    /// or 304 (`Done`) mark it delisted; a withdrawal was marked by the usual rules; a failure
    /// says nothing.
    fn settle_delisted(&self, task: &Task, result: &TaskState) {
        if *result != TaskState::Done || self.mode.is_dry_run() {
            return;
        }
        let url = &task.request.url;
        let Ok(Some(mut state)) = self.store.url_state(url) else {
            return;
        };
        if !state.mark_delisted(Utc::now()) {
            return;
        }
        tracing::info!(
            url,
            "delisted: its list no longer shows the report, which is still served"
        );
        self.report(&task.portal, |r| r.delisted += 1);
        if let Err(e) = self.store.record_url(url, &state) {
            tracing::error!(url, "cannot record a delisted report: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_is_three_or_a_fifth() {
        let cases = [(0, 3), (5, 3), (15, 3), (19, 3), (20, 4), (100, 20)];
        for (archived, bound) in cases {
            assert_eq!(delisted_bound(archived), bound, "{archived}");
        }
    }
}
