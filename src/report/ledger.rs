//! The list ledger: what the site states of one list, what a run walked, found and fetched,
//! why the walk ended short when it did, and the verdict and summary line drawn from them.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::is_zero;

/// The ledger of one list (the section's, or a year's): what the site states, what was walked,
/// found and fetched, and why the walk ended short of the list when it did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearCount {
    /// Items the site states (共N条, totalrecord), when it states them.
    pub stated: Option<u64>,
    /// Items found on the pages walked.
    pub found: u64,
    /// Pages the site states (共N页, countPage), when it states them.
    #[serde(default)]
    pub stated_pages: Option<u64>,
    /// Distinct list pages walked: a page reached under two URLs counts once.
    #[serde(default)]
    pub pages: u64,
    /// Items fetched in this run (a nightly crawl leaves recently fetched ones alone).
    #[serde(default)]
    pub fetched: u64,
    /// Entries not in the archive whose page failed in this run (a 5xx, a timeout, a
    /// challenge …), by failure kind: the list was walked, but their reports were not fetched.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub failed_items: BTreeMap<String, u64>,
    /// Entries a backfill did not ask for because the failure policy calls them gone: their
    /// reports are not fetched (`nianbao failures --retry-all-gone` puts them back).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub gone_items: u64,
    /// Items found whose list titles are not annual reports', left out because the portal sets
    /// `only_report_titles` (counted in `found`, which is what the site's own count covers).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub not_reports: u64,
    /// Items found whose list titles name an annual report of a year outside the backfill's
    /// range, not fetched (counted in `found`; nothing of them is stored, so a backfill of their
    /// year, or the nightly crawl, still fetches them).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub skipped_by_title: u64,
    /// Entries that are pages on other sites (neither the list's site nor a host of the portal's
    /// `item_hosts`), not fetched (counted in `found`, which is what the site's own count covers).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub other_site_pages: u64,
    /// The hosts of those pages, the first [`OTHER_SITE_HOSTS_KEPT`] in name order.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub other_site_hosts: BTreeSet<String>,
    /// Per-year lists this list's pages link that a backfill did not walk, their years outside
    /// its range and not the year after it (each year noted on one list of the portal).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub years_not_walked: BTreeSet<i32>,
    /// Per-year lists this list's pages link that a nightly crawl did not walk: walked before,
    /// and older than the two newest years (each year noted on one list of the portal).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub older_years_not_walked: BTreeSet<i32>,
    /// The numbers of the pages walked, as the pager numbers them (for a Hanweb list walked by
    /// record ranges, each range's first record).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub walked: BTreeSet<u64>,
    /// Pages asked whose answer numbered itself as a page walked already (a broken pager: the
    /// server ignores the number and answers page 1 again), asked number -> the number it
    /// answered as. Asked, so not `not walked`; nothing of them was read, so not walked either.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub answered_as: BTreeMap<u64, u64>,
    /// Record ranges a Hanweb column's stated total implies (its first page and the dataproxy
    /// ranges after it), when it states a total.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stated_ranges: Option<u64>,
    /// The list is walked by record ranges (Hanweb jpage), not by numbered pages.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub by_ranges: bool,
    /// Why the walk ended short: `stopped: known items`, `page limit`, `page 3 failed`,
    /// `range 7-8 not requested` ….
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub stops: BTreeSet<String>,
    /// How the list orders its entries by date, as its walked pages show it: the nightly crawl
    /// stops at known items only on a list of newest first, walks a list of oldest first from
    /// its last page, and one in no date order whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<crate::discover::ListOrder>,
    /// Items the site stated for this list at the last run that walked it and found what its
    /// count added (`accounted` of that run): a nightly crawl walks on past known items until it
    /// has found as many new entries as the count grew by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stated_before: Option<u64>,
    /// The stated count this run's walk accounts for: the one stated now, unless a failure or a
    /// bound ended a walk that had not yet found what the count added (then `stated_before`, so
    /// that the next run looks again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accounted: Option<u64>,
    /// Entries on the walked pages never visited before (new to the archive).
    #[serde(skip)]
    pub new_found: u64,
    /// The newest date on the list's first page, to check a list that seems oldest first.
    #[serde(skip)]
    pub first_page_newest: Option<chrono::NaiveDate>,
    /// Page numbers walked or queued in this run: never walk one twice.
    #[serde(skip)]
    pub claimed: BTreeSet<u64>,
    /// The items found in this run, by a hash of their URL: an item a shifted list shows on two
    /// pages is found once, as the site's own count counts it.
    #[serde(skip)]
    pub seen: std::collections::HashSet<u64>,
    /// List pages in a row, up to the latest, that listed no item the walk had not seen, or were
    /// not there (404, 410, a soft 404): a pager that never ends (each page repeats the last, or
    /// is empty, and links one more), or a count no list has.
    #[serde(skip)]
    pub barren: u32,
    /// What the check of archived reports the list no longer shows found, after a walk that
    /// proved the list complete: how many were missing, and how many were asked or why none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delisted_check: Option<String>,
    /// Taken over from an interrupted run: the items its earlier pages showed are not known, so
    /// the list is not checked for reports it no longer shows.
    #[serde(skip)]
    pub resumed: bool,
}

/// Hosts of other sites' pages a list's ledger keeps; the summary line names three of them.
pub const OTHER_SITE_HOSTS_KEPT: usize = 20;
/// Hosts of other sites' pages the summary line names.
const OTHER_SITE_HOSTS_SHOWN: usize = 3;

/// The stop reason of a nightly crawl that ended a list on pages of known items, by design.
pub const STOP_KNOWN_ITEMS: &str = "stopped: known items";

/// List pages in a row that list nothing new after which their further pages are not walked.
pub const BARREN_PAGES_BEFORE_STOP: u32 = 3;

/// How complete the walk of one list was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every stated page walked and every stated item found.
    Ok,
    /// The nightly crawl stopped on pages of known items, as designed; only `backfill` is complete.
    /// What it left (pages not walked, items not found) follows.
    StoppedEarly(Vec<String>),
    /// Something stated was not walked or not found; the reasons.
    Incomplete(Vec<String>),
    /// The site states no count and nothing stopped the walk: nothing to check against.
    NothingStated,
}

impl YearCount {
    /// Counts an entry that is a page on another site, on `host`.
    pub fn note_other_site(&mut self, host: String) {
        self.other_site_pages += 1;
        self.other_site_hosts.insert(host);
        while self.other_site_hosts.len() > OTHER_SITE_HOSTS_KEPT {
            self.other_site_hosts.pop_last();
        }
    }

    /// How many more items the site states than at the last run that accounted for its count,
    /// beyond the new entries this walk has found: entries added where the walk has not looked
    /// (the middle of the list, a page a stop at known items leaves).
    pub fn unexplained_growth(&self) -> u64 {
        match (self.stated, self.stated_before) {
            (Some(now), Some(before)) => now.saturating_sub(before).saturating_sub(self.new_found),
            _ => 0,
        }
    }

    /// Settles `accounted` at the end of a run: the count stated now, unless a failure or a
    /// bound ended the walk before it found what the count added (or the list stated nothing
    /// this time), when the count it started from stands.
    pub fn settle_accounted(&mut self) {
        let ended_short = self.stops.iter().any(|s| s != STOP_KNOWN_ITEMS);
        self.accounted = match self.stated {
            Some(now) if !(ended_short && self.unexplained_growth() > 0) => Some(now),
            _ => self.stated_before,
        };
    }

    /// Pages the site states that were not walked (for lists walked by numbered pages).
    fn missing_pages(&self) -> Vec<u64> {
        match self.stated_pages {
            Some(p) if !self.by_ranges && !self.walked.is_empty() => (1..=p.min(100_000))
                .filter(|n| !self.walked.contains(n) && !self.answered_as.contains_key(n))
                .collect(),
            Some(p) if !self.by_ranges && self.pages < p => {
                ((self.pages + 1)..=p.min(100_000)).collect()
            }
            _ => Vec::new(),
        }
    }

    /// `2 items failed: http_500, timeout`: the entries whose reports this run could not fetch.
    fn failed_items_reason(&self) -> Option<String> {
        let count: u64 = self.failed_items.values().sum();
        let noun = if count == 1 { "item" } else { "items" };
        let kinds: Vec<&str> = self.failed_items.keys().map(String::as_str).collect();
        (count > 0).then(|| format!("{count} {noun} failed: {}", kinds.join(", ")))
    }

    /// `page 2 asked, answered as page 1`, one reason for each page the broken pager answered
    /// with.
    fn answered_as_reasons(&self) -> Vec<String> {
        let mut by_answer: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
        for (asked, answer) in &self.answered_as {
            by_answer.entry(*answer).or_default().push(*asked);
        }
        by_answer
            .into_iter()
            .map(|(answer, asked)| {
                let shown: Vec<String> = asked.iter().take(5).map(u64::to_string).collect();
                let more = if asked.len() > 5 { ", …" } else { "" };
                let noun = if asked.len() == 1 { "page" } else { "pages" };
                format!(
                    "{noun} {}{more} asked, answered as page {answer}",
                    shown.join(", ")
                )
            })
            .collect()
    }

    pub fn verdict(&self) -> Verdict {
        let mut reasons: Vec<String> = self
            .stops
            .iter()
            .filter(|s| s.as_str() != STOP_KNOWN_ITEMS)
            .cloned()
            .collect();
        reasons.extend(self.answered_as_reasons());
        let missing = self.missing_pages();
        if !missing.is_empty() {
            let shown: Vec<String> = missing.iter().take(5).map(u64::to_string).collect();
            let more = if missing.len() > 5 { ", …" } else { "" };
            let noun = if missing.len() == 1 { "page" } else { "pages" };
            reasons.push(format!("{noun} {}{more} not walked", shown.join(", ")));
        }
        if let Some(ranges) = self
            .stated_ranges
            .filter(|r| self.by_ranges && self.pages < *r)
        {
            reasons.push(format!("walked {} of {ranges} ranges", self.pages));
        }
        if let Some(stated) = self.stated.filter(|s| *s != self.found) {
            reasons.push(format!("found {} of {stated} stated items", self.found));
        }
        if let Some(failed) = self.failed_items_reason() {
            reasons.push(failed);
        }
        if self.gone_items > 0 {
            let noun = if self.gone_items == 1 {
                "item"
            } else {
                "items"
            };
            reasons.push(format!("{} {noun} gone, not asked", self.gone_items));
        }
        let nightly_stop = self.stops.contains(STOP_KNOWN_ITEMS);
        if nightly_stop && self.stops.len() == 1 {
            // Known items ended the walk by design; what follows from it is not a failure.
            return Verdict::StoppedEarly(reasons);
        }
        if nightly_stop {
            reasons.insert(0, STOP_KNOWN_ITEMS.to_string());
        }
        if !reasons.is_empty() {
            Verdict::Incomplete(reasons)
        } else if self.stated.is_none() && self.stated_pages.is_none() {
            Verdict::NothingStated
        } else {
            Verdict::Ok
        }
    }

    /// One line on how complete the walk of this list was: what the site states, what was
    /// walked, found and fetched, and the verdict.
    pub fn completeness(&self) -> String {
        let stated = match (self.stated_pages, self.stated) {
            (_, Some(i)) if self.by_ranges && self.stated_ranges.is_some() => format!(
                "site states {i} items in {} ranges",
                self.stated_ranges.unwrap_or(0)
            ),
            (Some(p), Some(i)) => format!("site states {p} pages, {i} items"),
            (Some(p), None) => format!("site states {p} pages"),
            (None, Some(i)) => format!("site states {i} items"),
            (None, None) => "site states no count".to_string(),
        };
        let unit = if self.by_ranges { "ranges" } else { "pages" };
        let mark = match self.verdict() {
            Verdict::Ok => "[ok]".to_string(),
            Verdict::StoppedEarly(left) if left.is_empty() => {
                "[stopped early (nightly)]".to_string()
            }
            Verdict::StoppedEarly(left) => {
                format!("[stopped early (nightly): {}]", left.join("; "))
            }
            Verdict::Incomplete(reasons) => format!("[incomplete: {}]", reasons.join("; ")),
            Verdict::NothingStated => "[nothing to check]".to_string(),
        };
        let left_out = match self.not_reports {
            0 => String::new(),
            n => format!(" ({n} not reports by title, left out)"),
        };
        let other_years = match self.skipped_by_title {
            0 => String::new(),
            n => format!(" ({n} titled with other years, not fetched)"),
        };
        let other_sites = match self.other_site_pages {
            0 => String::new(),
            n => {
                let hosts: Vec<&str> = self
                    .other_site_hosts
                    .iter()
                    .take(OTHER_SITE_HOSTS_SHOWN)
                    .map(String::as_str)
                    .collect();
                let more = if self.other_site_hosts.len() > OTHER_SITE_HOSTS_SHOWN {
                    ", …"
                } else {
                    ""
                };
                format!(
                    " ({n} on other sites, not fetched: {}{more})",
                    hosts.join(", ")
                )
            }
        };
        let years_left = if self.years_not_walked.is_empty() {
            String::new()
        } else {
            let years: Vec<String> = self.years_not_walked.iter().map(i32::to_string).collect();
            format!(
                "; year lists outside the range, not walked: {}",
                years.join(", ")
            )
        };
        let older_years = if self.older_years_not_walked.is_empty() {
            String::new()
        } else {
            let years: Vec<String> = self
                .older_years_not_walked
                .iter()
                .map(i32::to_string)
                .collect();
            format!(
                "; older year lists not walked (nightly): {}",
                years.join(", ")
            )
        };
        let delisted = match &self.delisted_check {
            Some(line) => format!("; {line}"),
            None => String::new(),
        };
        format!(
            "{stated}; walked {} {unit}, found {} items{left_out}{other_years}{other_sites}, fetched {} {mark}{years_left}{older_years}{delisted}",
            self.pages, self.found, self.fetched
        )
    }
}
