//! One list page's walk, step by step as the data goes: the page claimed in its list, its items
//! queued (`items`), the page counted in the list's ledger, further pages queued while the stop
//! rules let the walk go on, then the per-year subsections; and the ledger notes those steps make.

use std::sync::Arc;

use url::Url;

use super::items::Items;
use super::{barren_stop, list_key, ranges_of};
use crate::crawl::{Engine, Mode, Role, Task};
use crate::discover::{self, ListOrder, ListPage, PageRequest};
use crate::report::{BARREN_PAGES_BEFORE_STOP, STOP_KNOWN_ITEMS};

/// One list page as its walk reads it: the task that asked for it, where it was, what it
/// offered, and the list it counts toward.
pub(super) struct PageWalk<'a> {
    task: &'a Task,
    pub(super) portal: &'a str,
    pub(super) page_url: &'a Url,
    pub(super) page: &'a ListPage,
    year: Option<i32>,
    pub(super) list_key: String,
    /// Pages in a row before this one that listed nothing new.
    streak: u32,
}

/// What the list's ledger says once the page is counted.
struct Counted {
    /// The latest pages in a row listed nothing the walk had not seen.
    barren: bool,
    /// The order the list's dates run in, as far as its pages tell.
    order: Option<ListOrder>,
    /// Items the list states beyond those the walk found new.
    unexplained: u64,
}

impl Engine {
    /// Queues what one list page leads to, as the data goes: the page is claimed in its list
    /// (or found walked already under another URL); its items are queued, but those a rule
    /// leaves; the ledger counts the page and says whether the list has gone barren and in what
    /// order it runs; further pages are queued while the stop rules let the walk go on; then
    /// the per-year subsections; last, the ledger is kept for a resumed run.
    pub(super) fn queue_discovered(
        self: &Arc<Self>,
        task: &Task,
        page_url: &Url,
        page: ListPage,
        year: Option<i32>,
        streak: u32,
    ) {
        let walk = PageWalk {
            task,
            portal: &task.portal,
            page_url,
            page: &page,
            year,
            list_key: list_key(year),
            streak,
        };
        if !self.claim_page(&walk) {
            tracing::debug!(url = %page_url, list = %walk.list_key, "list page walked already under another URL");
            return;
        }
        let items = self.queue_items(&walk);
        let counted = self.count_page(&walk, &items);
        self.queue_next_pages(&walk, &items, &counted);
        self.queue_year_sections(&walk);
        // Last, once everything the page leads to is queued: a resumed run restores this.
        self.keep_ledger(walk.portal, &walk.list_key);
    }

    /// Claims the page's number in its list; false for the same page under another URL (a 首页
    /// link to `?page=1`): walked already. Asked as another number, it is a broken pager's
    /// answer (every page says it is page 1), which the ledger names as such rather than as a
    /// page not walked.
    fn claim_page(&self, walk: &PageWalk<'_>) -> bool {
        let (page, list_key) = (walk.page, &walk.list_key);
        let asked = match walk.task.role {
            Role::List { page, .. } => page,
            _ => None,
        };
        self.report(walk.portal, |r| {
            let entry = r.lists.entry(list_key.clone()).or_default();
            entry.by_ranges |= page.records.is_some();
            match page.number {
                Some(n) => {
                    entry.claimed.insert(n);
                    let first = entry.walked.insert(n);
                    if let Some(asked) = asked.filter(|a| !first && *a != n)
                        && !entry.walked.contains(&asked)
                    {
                        entry.answered_as.insert(asked, n);
                    }
                    first
                }
                None => true,
            }
        })
    }

    /// Counts the page in its list's ledger (entries found and new, pages, stated counts, the
    /// order its dates run in) and reads back what the walk of further pages depends on.
    fn count_page(&self, walk: &PageWalk<'_>, items: &Items) -> Counted {
        let (portal, page, list_key) = (walk.portal, walk.page, &walk.list_key);
        let (found, unvisited) = (items.found, items.unvisited);
        // A page that lists nothing the walk had not seen, the latest of several in a row, ends
        // the walk of its further pages: a pager that never ends would otherwise be walked to
        // `max_list_pages`. A UCAP shell lists nothing by design.
        let page_order = discover::order_of(&page.items);
        let newest = page.items.iter().filter_map(|i| i.date).max();
        let stated_before = self
            .stated_before
            .get(&(portal.to_string(), list_key.clone()));
        let (barren, order, unexplained) = self.report(portal, |r| {
            let entry = r.lists.entry(list_key.clone()).or_default();
            entry.found += found;
            entry.new_found += unvisited;
            if entry.stated_before.is_none() {
                entry.stated_before = stated_before.copied();
            }
            // A list that seems oldest first must hold its newest entries on its last pages: one
            // whose later page holds nothing newer than its first (titles sorted 第1号, 第10号 …
            // 第2号) is in no date order.
            let mut order = discover::combine_orders(entry.order, page_order);
            match entry.first_page_newest {
                None if page.number.unwrap_or(1) == 1 => entry.first_page_newest = newest,
                Some(first)
                    if order == Some(ListOrder::OldestFirst)
                        && newest.is_some_and(|n| n < first) =>
                {
                    order = Some(ListOrder::Unordered);
                }
                _ => {}
            }
            entry.order = order;
            if found > 0 || page.leads_to_api {
                entry.barren = 0;
            } else {
                entry.barren += 1;
            }
            // A UCAP shell is the way to its list, not a page of it.
            if !page.leads_to_api {
                entry.pages += 1;
            }
            if let Some(stated) = page.stated.and_then(|s| s.items) {
                entry.stated = Some(entry.stated.unwrap_or(0).max(stated));
            }
            if let Some(pages) = page.stated.and_then(|s| s.pages) {
                entry.stated_pages = Some(entry.stated_pages.unwrap_or(0).max(pages));
            }
            // A Hanweb column's first page: the ranges its stated total implies are it and the
            // dataproxy ranges after it.
            if page.records.is_some() && page.number == Some(1) && page.stated.is_some() {
                let ranges = 1 + page.next_pages.len() as u64;
                entry.stated_ranges = Some(entry.stated_ranges.unwrap_or(0).max(ranges));
            }
            (
                entry.barren >= BARREN_PAGES_BEFORE_STOP,
                order,
                entry.unexplained_growth(),
            )
        });
        Counted {
            barren,
            order,
            unexplained,
        }
    }

    /// Queues the further pages the page names while the stop rules let the walk go on: known
    /// items toward older entries, a barren list, the bound on list pages. A crawl queues one.
    fn queue_next_pages(self: &Arc<Self>, walk: &PageWalk<'_>, items: &Items, counted: &Counted) {
        let (portal, page_url, page, list_key) =
            (walk.portal, walk.page_url, walk.page, &walk.list_key);
        let (year, streak, new_items) = (walk.year, walk.streak, items.new);
        let (barren, order, unexplained) = (counted.barren, counted.order, counted.unexplained);
        // Only pages not walked before reach this point: every page counted here advanced.
        // A UCAP shell lists nothing, known or new: it leaves the streak as it found it.
        let next_streak = if new_items > 0 {
            0
        } else if page.leads_to_api {
            streak
        } else {
            streak + 1
        };
        let known_stop = next_streak >= self.settings.crawl.known_pages_before_stop;
        if unexplained > 0 && known_stop && matches!(self.mode, Mode::Crawl { .. }) {
            tracing::info!(url = %page_url, list = %list_key, unexplained, "the list states more items than the walk has found new: walking on");
        }
        let (next, elsewhere): (Vec<&PageRequest>, Vec<&PageRequest>) = page
            .next_pages
            .iter()
            .partition(|r| self.on_portal_site(portal, r.url()));
        for request in elsewhere {
            self.note_stop(
                portal,
                list_key,
                format!(
                    "a page of the list on another site was not walked: {}",
                    request.url()
                ),
            );
        }
        let mut next: Vec<(PageRequest, Option<u64>)> = next
            .into_iter()
            .map(|r| (r.clone(), page.number_of(r)))
            .collect();
        // New reports of a list sorted oldest first are on its last page: a crawl goes there
        // next and walks back from it, through every page the list's pages named.
        if order == Some(ListOrder::OldestFirst) && matches!(self.mode, Mode::Crawl { .. }) {
            self.add_named_pages(portal, list_key, &mut next);
            next.sort_by_key(|(_, number)| std::cmp::Reverse(*number));
        }
        // A page that states no page count of its own (a later gkmlpt API page) may name pages
        // past the end; the count an earlier page of the list stated bounds the walk.
        let states_pages = page.stated.and_then(|s| s.pages).is_some();
        for (request, number) in &next {
            let (request, number) = (request, *number);
            let unclaimed = self.report(portal, |r| {
                let entry = r.lists.entry(list_key.clone()).or_default();
                let past_end = !states_pages
                    && !entry.by_ranges
                    && matches!((number, entry.stated_pages), (Some(n), Some(p)) if n > p);
                !past_end && number.is_none_or(|n| !entry.claimed.contains(&n))
            });
            if !unclaimed {
                continue;
            }
            // Known items end the walk only where it heads toward older entries: on a list
            // newest first (or whose dates tell nothing), or back from the last page of one
            // oldest first; never on a list in no date order, nor while the site states more
            // items than the walk has found new.
            let toward_older = match order {
                None | Some(ListOrder::NewestFirst) => true,
                Some(ListOrder::OldestFirst) => {
                    matches!((number, page.number), (Some(n), Some(at)) if n < at)
                }
                Some(ListOrder::Unordered) => false,
            };
            let walk_on = match &self.mode {
                Mode::Backfill { .. } => true,
                // A sweep walks every page, as a backfill does.
                Mode::Crawl { .. } => {
                    self.sweeps(portal) || !known_stop || !toward_older || unexplained > 0
                }
            };
            if !walk_on {
                self.note_stop(portal, list_key, STOP_KNOWN_ITEMS.to_string());
                break;
            }
            if barren {
                let why = barren_stop();
                tracing::warn!(url = %page_url, list = %list_key, "{why}");
                self.note_stop(portal, list_key, why);
                break;
            }
            if !self.take_list_page(portal) {
                let what = match ranges_of(request.url().as_str()) {
                    Some((start, end)) => format!("range {start}-{end} not requested"),
                    None => "page limit".to_string(),
                };
                self.note_stop(portal, list_key, what);
                break;
            }
            // A page reached going the other way starts its own streak.
            let streak = if toward_older { next_streak } else { 0 };
            let task = Task::list(portal, request, year, streak).numbered(number);
            let queued = self.enqueue(task);
            if let (true, Some(n)) = (queued, number) {
                self.report(portal, |r| {
                    r.lists
                        .entry(list_key.clone())
                        .or_default()
                        .claimed
                        .insert(n);
                });
            }
            // A crawl walks one page at a time, in order, so that the stop rule can end it.
            if queued && matches!(self.mode, Mode::Crawl { .. }) {
                break;
            }
        }
    }

    /// Queues the per-year subsections the page's menu names that the mode walks; the ledger
    /// names those left and why.
    fn queue_year_sections(self: &Arc<Self>, walk: &PageWalk<'_>) {
        let (portal, page, list_key, year) = (walk.portal, walk.page, &walk.list_key, walk.year);
        // Per-year subsections: in a backfill, the ones that can hold a report of its years
        // (`years::walks_year_list`). A crawl walks the ones it has never walked and the two
        // newest years, where new reports land. A year page's own menu leaves its year out, so
        // that year counts too: the 2024 page does not make 2022 new.
        let mut years: Vec<i32> = page.year_sections.iter().map(|s| s.year).collect();
        years.extend(year);
        years.sort_unstable_by(|a, b| b.cmp(a));
        years.dedup();
        let newest: Vec<i32> = years.into_iter().take(2).collect();
        for section in &page.year_sections {
            // A year page's menu that links its own year in its own folder, under another
            // spelling (`index.html?from=nav`), names the list being walked, not a second one.
            // One in another folder (a landing page's link to the year's real list) is walked.
            if year == Some(section.year) && same_folder(&section.url, walk.page_url) {
                continue;
            }
            if let Mode::Backfill { years } = &self.mode
                && !crate::crawl::years::walks_year_list(section.year, years)
            {
                self.note_year_list_not_walked(portal, list_key, section.year);
                continue;
            }
            // The section's menu names the year's list, but on another site: outside the portal,
            // so not walked, and the year's list is not complete. One on another host of the
            // portal's site (old years left on `old.x.gov.cn`) is walked like the others.
            if !self.on_portal_site(portal, &section.url) {
                let year_key = super::list_key(Some(section.year));
                tracing::warn!(url = %section.url, list = %year_key, "the year's list is on another site: not walked");
                self.note_stop(
                    portal,
                    &year_key,
                    format!("the list is on another site, not walked: {} (configure it as a portal of its own)", section.url),
                );
                self.keep_ledger(portal, &year_key);
                continue;
            }
            let wanted = self.mode.is_backfill()
                || self.sweeps(portal)
                || newest.contains(&section.year)
                || self
                    .store
                    .url_state(section.url.as_str())
                    .ok()
                    .flatten()
                    .is_none();
            if !wanted {
                self.note_older_year_not_walked(portal, list_key, section.year);
                continue;
            }
            let task = Task::list(
                portal,
                &PageRequest::Get(section.url.clone()),
                Some(section.year),
                0,
            );
            // Every year page's menu names every year: one queued already this run costs no list
            // page, or 101 such menus would use up `max_list_pages` on years long queued.
            let queued = self.frontier.contains(&task.key()).unwrap_or(false);
            if !queued && self.take_list_page(portal) {
                self.enqueue(task);
            }
        }
    }

    /// Notes a per-year list a backfill leaves unwalked, its year outside the range, on the
    /// ledger of the first list whose page links it (every year page's menu links them all).
    fn note_year_list_not_walked(&self, portal: &str, list_key: &str, year: i32) {
        self.report(portal, |r| {
            if !r.lists.values().any(|l| l.years_not_walked.contains(&year)) {
                r.lists
                    .entry(list_key.to_string())
                    .or_default()
                    .years_not_walked
                    .insert(year);
            }
        });
    }

    /// Adds to `next` the numbered pages earlier pages of the list named, and keeps this page's
    /// for the pages after it.
    fn add_named_pages(
        &self,
        portal: &str,
        list_key: &str,
        next: &mut Vec<(PageRequest, Option<u64>)>,
    ) {
        let mut named = self
            .named_pages
            .lock()
            .expect("named pages lock is never poisoned");
        let named = named
            .entry((portal.to_string(), list_key.to_string()))
            .or_default();
        for (request, number) in next.iter() {
            if let Some(n) = number
                && !named.iter().any(|(_, m)| m == n)
            {
                named.push((request.clone(), *n));
            }
        }
        for (request, n) in named.iter() {
            if !next.iter().any(|(_, m)| *m == Some(*n)) {
                next.push((request.clone(), Some(*n)));
            }
        }
    }

    /// Notes a per-year list the nightly crawl leaves unwalked (walked before, and not among the
    /// two newest years), on the ledger of the first list whose page links it: a report filed
    /// late there waits for a sweep or a backfill. A year list this very run walked (a first
    /// crawl, where each year's page links the others, walked by then) is not left.
    fn note_older_year_not_walked(&self, portal: &str, list_key: &str, year: i32) {
        let year_key = super::list_key(Some(year));
        self.report(portal, |r| {
            let walked_now = r.lists.get(&year_key).is_some_and(|l| l.pages > 0);
            if !walked_now
                && !r
                    .lists
                    .values()
                    .any(|l| l.older_years_not_walked.contains(&year))
            {
                r.lists
                    .entry(list_key.to_string())
                    .or_default()
                    .older_years_not_walked
                    .insert(year);
            }
        });
    }

    /// Counts one more list page against `max_list_pages`; false once the bound is reached.
    fn take_list_page(&self, portal: &str) -> bool {
        let limit = u64::from(self.settings.crawl.max_list_pages);
        self.report(portal, |r| {
            if r.list_pages_queued >= limit {
                r.list_page_limit_reached = true;
                false
            } else {
                r.list_pages_queued += 1;
                true
            }
        })
    }
}

/// Whether two URLs are in one folder of one host (`/ys/2008/` and `/ys/2008/index.html?x=1`).
fn same_folder(a: &Url, b: &Url) -> bool {
    let folder = |u: &Url| {
        u.join("./")
            .ok()
            .map(|f| (f.host_str().map(str::to_owned), f.path().to_owned()))
    };
    folder(a).is_some() && folder(a) == folder(b)
}

#[cfg(test)]
mod tests {
    use super::same_folder;
    use url::Url;

    #[test]
    fn a_year_pages_own_folder_is_told_from_another_lists() {
        let url = |s: &str| Url::parse(s).expect("a test URL parses");
        let page = url("http://x.gov.cn/ys/2008/");
        for (link, same) in [
            ("http://x.gov.cn/ys/2008/index.html?from=nav", true),
            ("http://x.gov.cn/ys/2008/index_1.html", true),
            ("http://x.gov.cn/ys/2008/list/index.html", false),
            ("http://x.gov.cn/ys/2008list.html", false),
            ("http://old.x.gov.cn/ys/2008/", false),
        ] {
            assert_eq!(same_folder(&url(link), &page), same, "{link}");
        }
    }
}
