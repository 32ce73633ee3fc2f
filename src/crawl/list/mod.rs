//! List pages: fetch, classify, discover, and queue what the page leads to (items, further pages,
//! per-year subsections). Pages and subsections are walked on the portal's own site (its host and
//! every host of its registrable domain, `gate::same_site`); items are taken from the site and
//! the portal's `item_hosts` (`gate::is_item_host`). The nightly crawl stops
//! walking a list once its pages hold only known items; a backfill walks everything.
//!
//! A list page is its number within its list (as the pager numbers it), not its URL: within a run
//! a number is queued once per list (`YearCount::claimed`), so `list.asp?id=4&page=1` is not walked
//! again after `list.asp?id=4`, and every page the stop rule counts is one it had not seen.
//!
//! Here: fetching and reading a list page, and the ledger's notes of a failed one; what the
//! page leads to is queued in `walk`, step by step, its items in `items`.

mod items;
mod walk;

use std::sync::Arc;

use chrono::SecondsFormat;
use url::Url;

use super::{Engine, Role, Task, TaskState};
use crate::classify::PageKind;
use crate::discover::{self, ListPage};
use crate::fetch::{FailKind, FetchOptions, FetchOutcome, tls_failure_line};
use crate::page::{PageRole, View};
use crate::report::BARREN_PAGES_BEFORE_STOP;
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
                // A page not there lists nothing: pages queued at once from a count no list has
                // (a 尾页 at `page=18446744073709551615`, 共99999页) are not asked once the latest
                // few in a row were not there, as for pages that list nothing new.
                if not_found {
                    entry.barren += 1;
                }
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
        // A page of the list redirected to the site's home page is not there (a server's way
        // of saying 404): the home page's news and pager are not the section's.
        if !is_section_root
            && !capture.redirects.is_empty()
            && crate::classify::is_home_page(&capture.url)
            && !crate::classify::is_home_page(request.url())
        {
            tracing::warn!(url = %task.request.url, landed = %capture.url, "list page redirected to the home page: not there");
            self.report(&portal, |r| {
                *r.not_content.entry("soft_not_found".into()).or_default() += 1
            });
            return TaskState::Failed("soft_not_found".into());
        }
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
