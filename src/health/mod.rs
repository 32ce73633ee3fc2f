//! Portal health: a portal's share of this run compared with its share of the last run, so an
//! operator learns of a redesign the morning after. Pure: two [`PortalReport`]s in, events out;
//! the crawl stores them in the run report, the summary prints them, the coverage page shows them.
//! An event whose trouble lasts is raised again each run, with the run it began in (`carry`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use crate::report::PortalReport;

mod carry;

/// What changed about a portal since its last run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthKind {
    /// The section's URL now redirects somewhere it did not before.
    Redirected,
    /// A list that held items now yields none although its page was read: a new template.
    StructureChanged,
    /// Anti-bot challenges where the last run met none.
    NewChallenge,
    /// The count the site states for a list fell.
    ItemCountFell,
    /// The section could not be walked where the last run walked it.
    Unreachable,
    /// Every attachment asked of a file server failed on the server (connect, timeout, 5xx,
    /// TLS, host paused), where the last run got files from it.
    FilesUnreachable,
    /// As `FilesUnreachable`, for the report pages a walked section lists on another host (its
    /// `item_hosts`, another host of its site, a file server of reports given as files).
    ReportsUnreachable,
}

impl HealthKind {
    pub fn name(self) -> &'static str {
        match self {
            HealthKind::Redirected => "redirected",
            HealthKind::StructureChanged => "structure_changed",
            HealthKind::NewChallenge => "new_challenge",
            HealthKind::ItemCountFell => "item_count_fell",
            HealthKind::Unreachable => "unreachable",
            HealthKind::FilesUnreachable => "files_unreachable",
            HealthKind::ReportsUnreachable => "reports_unreachable",
        }
    }
}

/// One health event of one portal in one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthEvent {
    pub kind: HealthKind,
    /// The list it concerns (`all` or a year), when it concerns one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<String>,
    /// The server it concerns (`files_unreachable`, `reports_unreachable`), as `file_hosts`
    /// and `report_hosts` name it. Absent in run reports of earlier versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// What was seen, last run against this run.
    pub detail: String,
    /// The run (its `run_id`) in which the event was first raised, when this run raises it
    /// again because its trouble lasts; absent on the run it was first raised in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// How many runs in a row have carried the event without evidence about its trouble (its
    /// list not read, its server asked nothing); absent when this run had evidence, and in run
    /// reports of earlier versions. Past [`MAX_UNSEEN`] the event ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unseen: Option<u32>,
}

/// Reads a portal's health events from a run report one at a time: an event this version
/// cannot read (of a kind a newer version raises, with a damaged field) is passed over with a
/// warning naming its kind, and the rest of the report is read, so that one event does not take
/// its run out of the history (`status`, `report`, the next crawl's comparison).
pub(crate) fn read_events<'de, D>(d: D) -> Result<Vec<HealthEvent>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let events = Vec::<serde_json::Value>::deserialize(d)?;
    Ok(events
        .iter()
        .filter_map(|value| match HealthEvent::deserialize(value) {
            Ok(event) => Some(event),
            Err(e) => {
                let kind = value.get("kind").map(ToString::to_string);
                let kind = kind.as_deref().unwrap_or("none");
                if first_passed_over(kind) {
                    tracing::warn!(
                        "passing over health events this version cannot read (kind {kind}), the first: {e}; others of this kind are passed over without a word"
                    );
                }
                None
            }
        })
        .collect())
}

/// Whether no health event of `kind` was passed over yet in this process: the warning is said
/// once per kind, not once per event per read (a crawl reads up to 60 run reports, `status`
/// each of them more than once, and a newer version may have raised the kind for every portal).
fn first_passed_over(kind: &str) -> bool {
    static WARNED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    // A panic while the set was held leaves it whole: a poisoned lock is read as it is.
    let mut warned = WARNED.lock().unwrap_or_else(PoisonError::into_inner);
    warned.insert(kind.to_string())
}

/// An event carried without evidence for more runs in a row than this ends, raising nothing:
/// about a month of nightly runs that never looked at its list or server.
pub const MAX_UNSEEN: u32 = 30;

/// A list that yielded at least this many items and now none has changed its structure.
const MANY_ITEMS: u64 = 3;

/// A server whose every file (or report page) failed is down when at least this many were
/// asked: one or two failed files are as likely a broken link or a passing fault.
const MANY_FILES: u64 = 3;

/// How one host answered a portal's requests for attachments (`PortalReport::file_hosts`) or
/// report pages off the section's host (`PortalReport::report_hosts`) in one run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileHost {
    /// Requests the server answered: a file, a 304, or an answer that is about the file and not
    /// the server (a 404, a page instead of the file, a file past `max_body_bytes`).
    pub answered: u64,
    /// Requests that failed on the server: connect, timeout, 5xx, TLS, host paused, robots.txt
    /// unavailable.
    pub failed: u64,
    /// `failed` by kind (`connect`, `timeout`, `http_503` …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub kinds: BTreeMap<String, u64>,
    /// The first URL that failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<String>,
}

impl FileHost {
    /// Counts one request: `failure` is the kind of a failure on the server, None for an answer.
    pub fn count(&mut self, url: &str, failure: Option<String>) {
        match failure {
            None => self.answered += 1,
            Some(kind) => {
                self.failed += 1;
                *self.kinds.entry(kind).or_default() += 1;
                if self.example.is_none() {
                    self.example = Some(url.to_string());
                }
            }
        }
    }
}

/// The kinds of failure that are about the server rather than one file. A status past 599
/// (600 to 999, which the HTTP client passes on) is no HTTP status: RFC 9110 (15) has a client
/// read it as a 5xx, as the fetch does when it retries it.
pub fn fails_the_host(kind: &str) -> bool {
    matches!(kind, "connect" | "timeout" | "host_paused")
        || kind.starts_with("tls_")
        || kind
            .strip_prefix("http_")
            .and_then(|s| s.parse::<u16>().ok())
            .is_some_and(|s| (500..1000).contains(&s))
}

/// A portal's share of an earlier run, with that run's id (`run_id`).
#[derive(Debug, Clone, Copy)]
pub struct Earlier<'a> {
    pub run: &'a str,
    pub report: &'a PortalReport,
}

/// Compares a portal's report with its report of the last run (`previous_run`, its `run_id`):
/// the events whose trouble lasts since that run (see `carry`), then what changed.
pub fn compare(
    previous_run: &str,
    previous: &PortalReport,
    current: &PortalReport,
) -> Vec<HealthEvent> {
    let last = Earlier {
        run: previous_run,
        report: previous,
    };
    compare_past(last, None, current)
}

/// As [`compare`], where the last run (`last`) could not walk the section: it read no list and
/// asked no file, so it neither ended nor renewed the events about them, and its lists and
/// servers say nothing. `walked` is the last run before it that walked the section (None when
/// `last` did, or none of the runs looked at did): its lasting events that `last` did not judge
/// are judged by this run, with their `since`, and this run's lists, challenges and servers are
/// compared with what `walked` saw.
pub fn compare_past(
    last: Earlier,
    walked: Option<Earlier>,
    current: &PortalReport,
) -> Vec<HealthEvent> {
    let walked = walked.filter(|_| last.report.unreachable);
    let mut events = carry::carried(last.run, last.report, current);
    let seen = match walked {
        Some(walked) => {
            events.extend(carry::not_judged(walked, last.report, current));
            Seen {
                report: walked.report,
                label: format!("the run {}, the last that walked the section", walked.run),
                walked: true,
            }
        }
        None => Seen {
            report: last.report,
            label: "last run".to_string(),
            walked: !last.report.unreachable,
        },
    };
    for event in raised(last.report, &seen, current) {
        // An event carried is not raised anew; a list's redesign, carried or new, already says
        // the portal's is.
        let whole_portal = event.kind == HealthKind::StructureChanged && event.list.is_none();
        let known = events.iter().any(|e| {
            e.kind == event.kind && (whole_portal || (e.list == event.list && e.host == event.host))
        });
        if known {
            continue;
        }
        events.push(event);
    }
    events
}

/// What an earlier run saw of a portal's lists, challenges and servers, and how a detail names
/// that run (`last run`, or the run before an unreachable one).
struct Seen<'a> {
    report: &'a PortalReport,
    label: String,
    /// `report` is of a run that walked the section: where it landed is known. Not so when no
    /// run looked at did (a new portal whose first night could not reach it, a long outage).
    walked: bool,
}

/// Sums the items a portal's lists yielded. Saturating: a run report read back (an earlier
/// version's, another machine's) may carry any counts.
fn found(p: &PortalReport) -> u64 {
    p.lists
        .values()
        .fold(0u64, |sum, l| sum.saturating_add(l.found))
}

/// Why the section could not be walked, when the run knows: `: ` and the HTTPS failure, the
/// pause of its host, or the failure of the section's page (as the coverage page says it).
fn unreachable_why(current: &PortalReport) -> String {
    current
        .unreachable_reason()
        .map(|why| format!(": {why}"))
        .unwrap_or_default()
}

/// What changed since the last run (`previous`), and since what the last run that walked the
/// section saw (`seen`) of its lists, challenges and servers.
fn raised(previous: &PortalReport, seen: &Seen, current: &PortalReport) -> Vec<HealthEvent> {
    let was = &seen.label;
    let mut events = Vec::new();
    // A run that could not walk the section may not have reached its redirect: what the last
    // run that walked it landed on stands for it.
    let landed = previous.section_landed.as_ref().or(seen
        .report
        .section_landed
        .as_ref()
        .filter(|_| previous.unreachable));
    if let Some(now) = &current.section_landed
        && landed != Some(now)
        && (seen.walked || landed.is_some())
    {
        let before = landed.map_or("no redirect", String::as_str);
        events.push(HealthEvent {
            kind: HealthKind::Redirected,
            list: None,
            host: None,
            since: None,
            unseen: None,
            detail: format!("the section's URL now redirects to {now} (last run: {before})"),
        });
    }
    if current.unreachable && !previous.unreachable {
        let why = unreachable_why(current);
        events.push(HealthEvent {
            kind: HealthKind::Unreachable,
            list: None,
            host: None,
            since: None,
            unseen: None,
            detail: format!("the section could not be walked{why} (last run: walked)"),
        });
    }
    if current.blocked > 0 && seen.report.blocked == 0 {
        events.push(HealthEvent {
            kind: HealthKind::NewChallenge,
            list: None,
            host: None,
            since: None,
            unseen: None,
            detail: format!(
                "{} anti-bot challenge answers ({was}: none)",
                current.blocked
            ),
        });
    }
    for (key, now) in &current.lists {
        let Some(before) = seen.report.lists.get(key) else {
            continue;
        };
        if now.pages > 0 && now.found == 0 && before.found >= MANY_ITEMS {
            events.push(HealthEvent {
                kind: HealthKind::StructureChanged,
                list: Some(key.clone()),
                host: None,
                since: None,
                unseen: None,
                detail: format!(
                    "{} list pages read, no items found ({was}: {} items)",
                    now.pages, before.found
                ),
            });
        }
        if let (Some(was_stated), Some(is)) = (before.stated, now.stated)
            && is < was_stated
        {
            events.push(HealthEvent {
                kind: HealthKind::ItemCountFell,
                list: Some(key.clone()),
                host: None,
                since: None,
                unseen: None,
                detail: format!(
                    "the site states {is} items ({was}: {stated})",
                    stated = was_stated
                ),
            });
        }
    }
    if !current.unreachable {
        events.extend(servers_down(
            HealthKind::FilesUnreachable,
            "file server",
            "attachment",
            &seen.report.file_hosts,
            &current.file_hosts,
            was,
        ));
        events.extend(servers_down(
            HealthKind::ReportsUnreachable,
            "reports' host",
            "report page",
            &seen.report.report_hosts,
            &current.report_hosts,
            was,
        ));
    }
    // The section was read but no list yields anything any more (lists may also have vanished:
    // a redesigned page that no longer looks like a list is not counted as one).
    let already = events
        .iter()
        .any(|e| e.kind == HealthKind::StructureChanged);
    if !current.unreachable
        && current.list_pages > 0
        && found(current) == 0
        && found(seen.report) >= MANY_ITEMS
        && !already
    {
        events.push(HealthEvent {
            kind: HealthKind::StructureChanged,
            list: None,
            host: None,
            since: None,
            unseen: None,
            detail: format!(
                "{} list pages read, no items found in any list ({was}: {} items)",
                current.list_pages,
                found(seen.report)
            ),
        });
    }
    events
}

/// The servers whose every request failed this run (at least [`MANY_FILES`]) and that answered
/// some in the last run that asked them (`was` names that run in the detail).
fn servers_down(
    kind: HealthKind,
    server: &str,
    what: &str,
    previous: &BTreeMap<String, FileHost>,
    current: &BTreeMap<String, FileHost>,
    was: &str,
) -> Vec<HealthEvent> {
    let mut events = Vec::new();
    for (host, now) in current {
        let Some(before) = previous.get(host) else {
            continue;
        };
        if now.answered == 0 && now.failed >= MANY_FILES && before.answered > 0 {
            let kinds: Vec<String> = now.kinds.iter().map(|(k, n)| format!("{k}={n}")).collect();
            events.push(HealthEvent {
                kind,
                list: None,
                host: Some(host.clone()),
                since: None,
                unseen: None,
                detail: format!(
                    "{server} {host}: all {} {what} requests failed ({}), e.g. {} ({was}: {} answered)",
                    now.failed,
                    kinds.join(", "),
                    now.example.as_deref().unwrap_or("-"),
                    before.answered
                ),
            });
        }
    }
    events
}

#[cfg(test)]
mod evidence_tests;
#[cfg(test)]
mod read_tests;
#[cfg(test)]
mod tests;
