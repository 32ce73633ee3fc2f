//! List pages: fetch, classify, discover, and queue what the page leads to (items, further pages,
//! per-year subsections). Pages and subsections are walked on the portal's own site (its host and
//! every host of its registrable domain, `gate::same_site`); items are taken from the site and
//! the portal's `item_hosts` (`gate::is_item_host`). The nightly crawl stops
//! walking a list once its pages hold only known items; a backfill walks everything.
//!
//! A list page is its number within its list (as the pager numbers it), not its URL: within a run
//! a number is queued once per list (`YearCount::claimed`), so `list.asp?id=4&page=1` is not walked
//! again after `list.asp?id=4`, and every page the stop rule counts is one it had not seen.

use std::sync::Arc;

use chrono::SecondsFormat;
use url::Url;

use super::{Engine, Mode, Role, Task, TaskState};
use crate::classify::PageKind;
use crate::discover::{self, ListItem, ListOrder, ListPage, PageRequest};
use crate::fetch::{FailKind, FetchOptions, FetchOutcome, tls_failure_line};
use crate::gate::{host_key, is_item_host};
use crate::page::{PageRole, View};
use crate::report::{BARREN_PAGES_BEFORE_STOP, STOP_KNOWN_ITEMS};
use crate::store::UrlState;

impl Engine {
    /// Walks one list page; a failure is recorded in the list's ledger as `page N failed: KIND`.
    pub(super) async fn process_list(self: &Arc<Self>, task: &Task) -> TaskState {
        let state = self.walk_list_page(task).await;
        let failed = matches!(&state, TaskState::Failed(kind) if kind != "needs_javascript");
        if let (true, Role::List { year, page, .. }) = (failed, &task.role) {
            let mut what = match (page, ranges_of(&task.request.url)) {
                (_, Some((start, end))) => format!("range {start}-{end} failed"),
                (Some(n), None) => format!("page {n} failed"),
                (None, None) => format!("page {} failed", task.request.url),
            };
            // The ledger says why: not asked at all (robots.txt unreachable, say), or what the
            // answer was (`http_500`, `not_text`, `soft_not_found` …).
            if let TaskState::Failed(kind) = &state {
                what = match kind.strip_prefix("excluded: ") {
                    Some(reason) => format!("{what}: not fetched, {reason}"),
                    None => format!("{what}: {kind}"),
                };
            }
            let not_found = matches!(&state, TaskState::Failed(kind)
                if matches!(kind.as_str(), "http_404" | "http_410" | "soft_not_found"));
            self.report(&task.portal, |r| {
                let entry = r.lists.entry(list_key(*year)).or_default();
                // A page linked beyond the stated count (a 下一页 on the last page) that is not
                // there leaves nothing the site states unwalked.
                let beyond = matches!((page, entry.stated_pages), (Some(n), Some(p)) if *n > p);
                if beyond && not_found {
                    tracing::info!(url = %task.request.url, "{what}: linked beyond the stated count, not there");
                } else {
                    entry.stops.insert(what);
                }
            });
            // A resumed run does not ask for the page again (its task is done): it must still
            // find the list incomplete.
            self.keep_ledger(&task.portal, &list_key(*year));
        }
        state
    }

    async fn walk_list_page(self: &Arc<Self>, task: &Task) -> TaskState {
        let Role::List {
            year, known_streak, ..
        } = task.role
        else {
            return TaskState::Failed("not a list task".into());
        };
        let Some(request) = task.request.to_request() else {
            return TaskState::Failed(format!("unparseable URL {}", task.request.url));
        };
        let portal = task.portal.clone();
        // Pages queued at once from a stated count (共200页) before the list showed that its
        // pages repeat (a server that answers every page number with the same entries): once
        // the latest pages in a row listed nothing new, the rest are not asked.
        let key = list_key(year);
        let barren = self.report(&portal, |r| {
            r.lists
                .get(&key)
                .is_some_and(|e| e.barren >= BARREN_PAGES_BEFORE_STOP)
        });
        if barren {
            tracing::debug!(url = %task.request.url, list = %key, "not asked: the list's latest pages listed nothing new");
            self.note_stop(&portal, &key, barren_stop());
            return TaskState::Done;
        }
        let is_section_root = year.is_none() && task.request.url == self.section_url(&portal);
        let scope = self.site_scope(&portal);
        // Held until this task ends: its page is in memory until its links are queued.
        let hold = self.fetcher.page_hold();
        let options = FetchOptions {
            validators: None,
            scope: &scope,
            allow_private: self.allow_private(&portal),
            hold: Some(&hold),
            stop: Some(&self.stopping),
        };
        let outcome = self.fetch(&portal, &request, &options).await;
        let capture = match outcome {
            FetchOutcome::Fetched(capture) => capture,
            other => {
                let state = self.record_unfetched(&portal, &other, None);
                let said_nothing = matches!(
                    other,
                    FetchOutcome::NotModified(_) | FetchOutcome::Stopped { .. }
                );
                if is_section_root && !said_nothing {
                    self.mark_unreachable(&portal);
                }
                if let FetchOutcome::Failed {
                    url,
                    kind: kind @ (FailKind::TlsCertificate | FailKind::TlsHandshake),
                    detail,
                } = &other
                    && is_section_root
                {
                    let host = url.host_str().unwrap_or_default();
                    let line = format!("host {host}: {}", tls_failure_line(*kind, detail));
                    self.report(&portal, |r| r.tls_failure = Some(line));
                }
                return state;
            }
        };
        self.report(&portal, |r| r.list_pages += 1);
        if is_section_root && !capture.redirects.is_empty() {
            let landed = capture.url.to_string();
            self.report(&portal, |r| r.section_landed = Some(landed));
        }
        self.warc_live(&portal, &capture).await;
        if !capture.has_content_status() {
            let kind = format!("http_{}", capture.status);
            self.report(&portal, |r| {
                *r.failures.entry(kind.clone()).or_default() += 1
            });
            if is_section_root {
                self.mark_unreachable(&portal);
            }
            return TaskState::Failed(kind);
        }
        let capture = Arc::new(capture);
        let list_api = self.portals.get(&portal).and_then(|p| p.portal.list_api);
        let analysis = match self
            .read_page(&portal, &capture, PageRole::List { list_api })
            .await
        {
            Ok(analysis) => analysis,
            Err(failure) => return TaskState::Failed(failure.name().into()),
        };
        if analysis.decoded.is_none() || analysis.kind != PageKind::Content {
            let name = match analysis.decoded {
                None => "attachment".to_string(),
                Some(_) => kind_name(&analysis.kind),
            };
            self.report(&portal, |r| {
                *r.not_content.entry(name.clone()).or_default() += 1
            });
            tracing::warn!(url = %capture.url, kind = %name, "list page is not content");
            // A section whose page is a soft 404, a login wall or a notice cannot be walked.
            if is_section_root {
                self.mark_unreachable(&portal);
            }
            return TaskState::Failed(name);
        }
        let state = UrlState {
            portal: portal.clone(),
            outcome: "list".into(),
            http_status: Some(capture.status),
            fetched_at: Some(
                capture
                    .fetched_at
                    .to_rfc3339_opts(SecondsFormat::Secs, true),
            ),
            ..UrlState::default()
        };
        // A dry run leaves the store as it found it: a year list it walked is still new to the
        // next crawl.
        if !self.mode.is_dry_run()
            && let Err(e) = self.store.record_url(capture.url.as_str(), &state)
        {
            tracing::error!(url = %capture.url, "cannot record list page state: {e}");
        }
        let mut page = match analysis.view {
            View::List(page) => *page,
            View::Unusable(e) => {
                tracing::warn!(url = %capture.url, "list API answer unusable: {e}");
                self.report(&portal, |r| {
                    *r.failures.entry("list_api".into()).or_default() += 1
                });
                return TaskState::Failed("list_api".into());
            }
            View::Nothing | View::Item { .. } => ListPage::default(),
        };
        if is_section_root
            && page.items.is_empty()
            && page.next_pages.is_empty()
            && page.year_sections.is_empty()
            && page.needs_javascript.is_none()
        {
            tracing::warn!(url = %capture.url, "the section page lists nothing nianbao can read");
            let key = list_key(year.or(page.column_year));
            self.note_stop(&portal, &key, SECTION_LISTS_NOTHING.to_string());
        }
        if let Some(seen) = &page.needs_javascript {
            tracing::warn!(url = %capture.url, "list needs JavaScript: {seen}");
            let key = list_key(year.or(page.column_year));
            self.report(&portal, |r| {
                *r.not_content.entry("needs_javascript".into()).or_default() += 1;
            });
            self.note_stop(&portal, &key, format!("needs_javascript: {seen}"));
            self.keep_ledger(&portal, &key);
            return TaskState::Failed("needs_javascript".into());
        }
        if let Some(seen) = &page.pager_needs_javascript {
            tracing::warn!(url = %capture.url, "list pages after this one need JavaScript: {seen}");
            let key = list_key(year.or(page.column_year));
            self.note_stop(
                &portal,
                &key,
                format!("needs_javascript: {seen}; the pages after it were not walked"),
            );
        }
        // A Hanweb range answer leads on to the ranges after it, a UCAP API page to the pages
        // after it.
        discover::extend_ranges(&request, &mut page);
        discover::extend_ucap_pages(&request, &mut page);
        // A page whose own pager does not number it (the last page of a 下一页 pager links only
        // 首页 and 上一页) is the page the pager that led here numbered.
        if page.number.is_none()
            && let Role::List { page: Some(n), .. } = &task.role
        {
            page.number = Some(*n);
        }
        // A page whose own column names a year (TRS ColumnName) is that year's subsection.
        let year = year.or(page.column_year);
        self.queue_discovered(task, &capture.url, page, year, known_streak);
        TaskState::Done
    }

    fn section_url(&self, portal: &str) -> String {
        self.portals
            .get(portal)
            .map(|s| s.portal.url.to_string())
            .unwrap_or_default()
    }

    /// Queues what one list page leads to, as the data goes: the page is claimed in its list
    /// (or found walked already under another URL); its items are queued, but those a rule
    /// leaves; the ledger counts the page and says whether the list has gone barren and in what
    /// order it runs; further pages are queued while the stop rules let the walk go on; then
    /// the per-year subsections; last, the ledger is kept for a resumed run.
    fn queue_discovered(
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

    /// Queues the items this walk of the list sees for the first time, but those a rule leaves
    /// (`left_by_rule`), those a crawl visited lately, and any in a dry run (which only notes
    /// what a crawl would fetch).
    fn queue_items(self: &Arc<Self>, walk: &PageWalk<'_>) -> Items {
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
                self.note_listed(item.url.as_str(), state.as_mut(), list_key);
            }
            // Visited before, archived or not (a soft 404, a failure on the schedule): not new,
            // so a dead entry at the top of a list neither deepens the nightly walk nor is
            // fetched every night. One a backfill left outside its years is still new.
            let visited = state
                .as_ref()
                .filter(|s| s.doc_id.is_some() || s.outcome != super::item::OUTSIDE_BACKFILL_RANGE);
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
            self.enqueue(Task::item(portal, item, page_url).in_list(list_key));
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
                .and_then(|t| super::years::title_year_outside(t, years))
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
            if let Mode::Backfill { years } = &self.mode
                && !super::years::walks_year_list(section.year, years)
            {
                self.note_year_list_not_walked(portal, list_key, section.year);
                continue;
            }
            // The section's menu names the year's list, but on another site: outside the portal,
            // so not walked, and the year's list is not complete. One on another host of the
            // portal's site (old years left on `old.x.gov.cn`) is walked like the others.
            if !self.on_portal_site(portal, &section.url) {
                let year_key = self::list_key(Some(section.year));
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
            } else if self.take_list_page(portal) {
                self.enqueue(Task::list(
                    portal,
                    &PageRequest::Get(section.url.clone()),
                    Some(section.year),
                    0,
                ));
            }
        }
    }
}

/// One list page as its walk reads it: the task that asked for it, where it was, what it
/// offered, and the list it counts toward.
struct PageWalk<'a> {
    task: &'a Task,
    portal: &'a str,
    page_url: &'a Url,
    page: &'a ListPage,
    year: Option<i32>,
    list_key: String,
    /// Pages in a row before this one that listed nothing new.
    streak: u32,
}

/// What a page's items came to.
struct Items {
    /// Entries this walk of the list saw for the first time.
    found: u64,
    /// Of those, the ones never visited: what deepens the nightly walk.
    new: u64,
    /// First seen in this walk and new to the archive, or left by a rule (another site's
    /// page, a title that is no report's): what can account for a grown count.
    unvisited: u64,
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

/// Why the walk of a section whose page shows no dated entries, pager or year sections (a page
/// of category links, a layout nianbao cannot read, or a site's home page given for its
/// section) ended at once, and what to do.
const SECTION_LISTS_NOTHING: &str = "the section page lists nothing nianbao can read (no dated entries, pager or year sections): check it with `nianbao inspect`; a home page or a page of columns leads to the section, which `nianbao find-section URL` looks for";

/// A URL whose path names a document file (`.pdf`, `.doc`, `.ofd` …).
pub(super) fn names_document_file(url: &Url) -> bool {
    crate::classify::sniff::document_type_for_name(url.path()).is_some()
}

/// The ledger key of a list: its year, or "all" for the section's own list.
pub(super) fn list_key(year: Option<i32>) -> String {
    year.map(|y| y.to_string()).unwrap_or_else(|| "all".into())
}

/// The record range of a Hanweb dataproxy request URL.
fn ranges_of(url: &str) -> Option<(u64, u64)> {
    let url = Url::parse(url).ok()?;
    let get = |key: &str| -> Option<u64> {
        url.query_pairs()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))?
            .1
            .parse()
            .ok()
    };
    Some((get("startrecord")?, get("endrecord")?))
}

impl Engine {
    /// Records why the walk of a list ended short of it.
    fn note_stop(&self, portal: &str, list_key: &str, why: String) {
        self.report(portal, |r| {
            r.lists
                .entry(list_key.to_string())
                .or_default()
                .stops
                .insert(why);
        });
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
        let year_key = self::list_key(Some(year));
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

    pub(super) fn recently_fetched(&self, state: &crate::store::UrlState) -> bool {
        // Due for the attachments it lacks: fetched again whatever `revisit_after` says.
        if self.attachments_due(state) {
            return false;
        }
        let Some(at) = state
            .fetched_at
            .as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        else {
            return false;
        };
        let age = chrono::Utc::now().signed_duration_since(at);
        age.to_std()
            .is_ok_and(|age| age < self.settings.crawl.revisit_after)
    }
}

/// The ledger's stop of a list whose latest pages listed nothing new.
fn barren_stop() -> String {
    format!(
        "stopped: {BARREN_PAGES_BEFORE_STOP} pages in a row listed nothing new (a pager that does not end?)"
    )
}

/// A short stable name for a page kind, used as a key in run reports and URL states.
pub(super) fn kind_name(kind: &PageKind) -> String {
    match kind {
        PageKind::Content => "content".into(),
        PageKind::Attachment { .. } => "attachment".into(),
        PageKind::Challenge { challenge } => format!("challenge_{challenge:?}").to_lowercase(),
        PageKind::SoftNotFound => "soft_not_found".into(),
        PageKind::ServerError => "server_error".into(),
        PageKind::LoginWall => "login_wall".into(),
        PageKind::EmptyTemplate => "empty_template".into(),
        PageKind::TooComplex { .. } => "too_complex".into(),
        PageKind::NotText { .. } => "not_text".into(),
    }
}

/// A hash of an item's URL, to tell the items of one list walk apart without keeping the URLs.
pub(super) fn url_hash(url: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    url.hash(&mut h);
    h.finish()
}
