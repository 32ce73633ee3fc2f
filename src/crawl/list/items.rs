//! The items one list page offered: which this walk of the list sees first, which a rule
//! leaves (another site's page, a title that is no report's, a year outside the backfill), and
//! which are queued; what they came to for the page's ledger.

use std::sync::Arc;

use super::walk::PageWalk;
use super::{names_document_file, url_hash};
use crate::crawl::{Engine, Mode, Task};
use crate::discover::ListItem;
use crate::gate::{host_key, is_item_host};

/// What a page's items came to.
pub(super) struct Items {
    /// Entries this walk of the list saw for the first time.
    pub(super) found: u64,
    /// Of those, the ones never visited: what deepens the nightly walk.
    pub(super) new: u64,
    /// First seen in this walk and new to the archive, or left by a rule (another site's
    /// page, a title that is no report's): what can account for a grown count.
    pub(super) unvisited: u64,
}

impl Engine {
    /// Queues the items this walk of the list sees for the first time, but those a rule leaves
    /// (`left_by_rule`), those a crawl visited lately, and any in a dry run (which only notes
    /// what a crawl would fetch).
    pub(super) fn queue_items(self: &Arc<Self>, walk: &PageWalk<'_>) -> Items {
        let (portal, page_url, page, list_key) =
            (walk.portal, walk.page_url, walk.page, &walk.list_key);
        let host = host_key(page_url);
        let mut new_items = 0u64;
        let mut unvisited = 0u64;
        let mut found = 0u64;
        let only_report_titles = self
            .portals
            .get(portal)
            .is_some_and(|s| s.portal.only_report_titles);
        // Which items this walk of the list sees for the first time.
        let first_seen: Vec<bool> = self.report(portal, |r| {
            let entry = r.lists.entry(list_key.clone()).or_default();
            page.items
                .iter()
                .map(|item| entry.seen.insert(url_hash(item.url.as_str())))
                .collect()
        });
        for (item, first) in page.items.iter().zip(first_seen) {
            if !first {
                continue;
            }
            found += 1;
            if self.left_by_rule(walk, &host, item, only_report_titles) {
                unvisited += 1;
                continue;
            }
            let mut state = self.store.url_state(item.url.as_str()).ok().flatten();
            if !self.mode.is_dry_run() {
                self.note_listed(
                    item,
                    state.as_mut(),
                    list_key,
                    page_url.as_str(),
                    page.name.as_deref(),
                );
            }
            // Visited before, archived or not (a soft 404, a failure on the schedule): not new,
            // so a dead entry at the top of a list neither deepens the nightly walk nor is
            // fetched every night. One a backfill left outside its years is still new.
            let visited = state.as_ref().filter(|s| {
                s.doc_id.is_some() || s.outcome != crate::crawl::item::OUTSIDE_BACKFILL_RANGE
            });
            if visited.is_none() {
                new_items += 1;
                unvisited += 1;
            }
            let known = state.as_ref().filter(|s| s.doc_id.is_some());
            if self.mode.is_dry_run() {
                // What a crawl would fetch: not what the failure policy or the crash guard
                // holds back.
                let task = Task::item(portal, item, page_url);
                let held = self.held_back(&task) || self.is_quarantined(item.url.as_str());
                if known.is_none() && !held {
                    self.dry_run_items
                        .lock()
                        .expect("dry-run list lock is never poisoned")
                        .push(item.url.to_string());
                }
                continue;
            }
            // The nightly crawl revisits a known item only when its last visit is old enough;
            // a backfill never refetches what it has.
            let fresh = visited.is_some_and(|s| self.recently_fetched(s));
            if matches!(self.mode, Mode::Crawl { .. }) && fresh {
                continue;
            }
            self.enqueue(
                Task::item(portal, item, page_url)
                    .in_list(list_key)
                    .named_list(page.name.as_deref()),
            );
        }
        Items {
            found,
            new: new_items,
            unvisited,
        }
    }

    /// Whether a rule leaves the item unfetched, the ledger told why: another site's page, a
    /// title that is no report's (`only_report_titles`), a title that names a report year
    /// outside the backfill's.
    fn left_by_rule(
        &self,
        walk: &PageWalk<'_>,
        host: &str,
        item: &ListItem,
        only_report_titles: bool,
    ) -> bool {
        let (portal, list_key) = (walk.portal, &walk.list_key);
        // A report listed as a file on a file server is the list's item, as an item page's
        // attachments are fetched from any host; so is a page on the list's own site
        // (`www.x.gov.cn` lists `xxgk.x.gov.cn`) or on a host the portal's `item_hosts`
        // names. Any other page is another site's: not fetched, but the ledger names its host
        // so that the list's completeness can be judged (and `item_hosts` set).
        let item_host = host_key(&item.url);
        if !names_document_file(&item.url)
            && !is_item_host(host, &item_host, self.item_hosts(portal))
        {
            tracing::debug!(url = %item.url, list = %list_key, "the entry is another site's page: not fetched");
            self.report(portal, |r| {
                *r.excluded.entry("other_host_item".into()).or_default() += 1;
                r.lists
                    .entry(list_key.clone())
                    .or_default()
                    .note_other_site(item_host);
            });
            return true;
        }
        if only_report_titles
            && !item
                .title
                .as_deref()
                .is_some_and(crate::extract::is_annual_report_title)
        {
            self.report(portal, |r| {
                r.lists.entry(list_key.clone()).or_default().not_reports += 1
            });
            return true;
        }
        // An entry whose title names another report year is not fetched, nor recorded as
        // visited: a backfill of that year, or the nightly crawl, still finds it new.
        if let Mode::Backfill { years } = &self.mode
            && let Some(named) = item
                .title
                .as_deref()
                .and_then(|t| crate::crawl::years::title_year_outside(t, years))
        {
            tracing::debug!(url = %item.url, year = named, "the entry's title names a report year outside the backfill: not fetched");
            self.report(portal, |r| {
                r.lists
                    .entry(list_key.clone())
                    .or_default()
                    .skipped_by_title += 1
            });
            return true;
        }
        false
    }
}
