//! Portal health: a portal's share of this run compared with its share of the last run, so an
//! operator learns of a redesign the morning after. Pure: two [`PortalReport`]s in, events out;
//! the crawl stores them in the run report, the summary prints them, the coverage page shows them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::report::PortalReport;

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
    /// What was seen, last run against this run.
    pub detail: String,
}

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

/// The kinds of failure that are about the server rather than one file.
pub fn fails_the_host(kind: &str) -> bool {
    matches!(kind, "connect" | "timeout" | "host_paused")
        || kind.starts_with("tls_")
        || kind
            .strip_prefix("http_")
            .and_then(|s| s.parse::<u16>().ok())
            .is_some_and(|s| (500..600).contains(&s))
}

/// Compares a portal's report with its report of the last run.
pub fn compare(previous: &PortalReport, current: &PortalReport) -> Vec<HealthEvent> {
    let mut events = Vec::new();
    if let Some(now) = &current.section_landed
        && previous.section_landed.as_ref() != Some(now)
    {
        let before = previous.section_landed.as_deref().unwrap_or("no redirect");
        events.push(HealthEvent {
            kind: HealthKind::Redirected,
            list: None,
            detail: format!("the section's URL now redirects to {now} (last run: {before})"),
        });
    }
    if current.unreachable && !previous.unreachable {
        let why = current
            .tls_failure
            .as_ref()
            .or(current.host_paused.as_ref())
            .map(|why| format!(": {why}"))
            .unwrap_or_default();
        events.push(HealthEvent {
            kind: HealthKind::Unreachable,
            list: None,
            detail: format!("the section could not be walked{why} (last run: walked)"),
        });
    }
    if current.blocked > 0 && previous.blocked == 0 {
        events.push(HealthEvent {
            kind: HealthKind::NewChallenge,
            list: None,
            detail: format!(
                "{} anti-bot challenge answers (last run: none)",
                current.blocked
            ),
        });
    }
    for (key, now) in &current.lists {
        let Some(before) = previous.lists.get(key) else {
            continue;
        };
        if now.pages > 0 && now.found == 0 && before.found >= MANY_ITEMS {
            events.push(HealthEvent {
                kind: HealthKind::StructureChanged,
                list: Some(key.clone()),
                detail: format!(
                    "{} list pages read, no items found (last run: {} items)",
                    now.pages, before.found
                ),
            });
        }
        if let (Some(was), Some(is)) = (before.stated, now.stated)
            && is < was
        {
            events.push(HealthEvent {
                kind: HealthKind::ItemCountFell,
                list: Some(key.clone()),
                detail: format!("the site states {is} items (last run: {was})"),
            });
        }
    }
    if !current.unreachable {
        events.extend(servers_down(
            HealthKind::FilesUnreachable,
            "file server",
            "attachment",
            &previous.file_hosts,
            &current.file_hosts,
        ));
        events.extend(servers_down(
            HealthKind::ReportsUnreachable,
            "reports' host",
            "report page",
            &previous.report_hosts,
            &current.report_hosts,
        ));
    }
    // The section was read but no list yields anything any more (lists may also have vanished:
    // a redesigned page that no longer looks like a list is not counted as one).
    // Saturating: a run report read back (an earlier version's, another machine's) may carry
    // any counts.
    let found = |p: &PortalReport| {
        p.lists
            .values()
            .fold(0u64, |sum, l| sum.saturating_add(l.found))
    };
    let already = events
        .iter()
        .any(|e| e.kind == HealthKind::StructureChanged);
    if !current.unreachable
        && current.list_pages > 0
        && found(current) == 0
        && found(previous) >= MANY_ITEMS
        && !already
    {
        events.push(HealthEvent {
            kind: HealthKind::StructureChanged,
            list: None,
            detail: format!(
                "{} list pages read, no items found in any list (last run: {} items)",
                current.list_pages,
                found(previous)
            ),
        });
    }
    events
}

/// The servers whose every request failed this run (at least [`MANY_FILES`]) and that answered
/// some in the last run that asked them.
fn servers_down(
    kind: HealthKind,
    server: &str,
    what: &str,
    previous: &BTreeMap<String, FileHost>,
    current: &BTreeMap<String, FileHost>,
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
                detail: format!(
                    "{server} {host}: all {} {what} requests failed ({}), e.g. {} (last run: {} answered)",
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
mod tests {
    use super::*;
    use crate::report::YearCount;

    fn list(stated: Option<u64>, found: u64, pages: u64) -> YearCount {
        YearCount {
            stated,
            found,
            pages,
            ..YearCount::default()
        }
    }

    fn portal(lists: &[(&str, YearCount)]) -> PortalReport {
        PortalReport {
            lists: lists
                .iter()
                .map(|(k, c)| (k.to_string(), c.clone()))
                .collect(),
            ..PortalReport::default()
        }
    }

    fn kinds(events: &[HealthEvent]) -> Vec<HealthKind> {
        events.iter().map(|e| e.kind).collect()
    }

    #[test]
    fn each_change_is_one_event_and_a_steady_portal_none() {
        let steady = portal(&[("all", list(Some(20), 20, 2))]);
        assert!(compare(&steady, &steady).is_empty());

        let emptied = portal(&[("all", list(Some(20), 0, 1))]);
        assert_eq!(
            kinds(&compare(&steady, &emptied)),
            [HealthKind::StructureChanged]
        );
        // A list that had only a couple of items says little when it empties.
        let few = portal(&[("all", list(None, 2, 1))]);
        assert!(compare(&few, &portal(&[("all", list(None, 0, 1))])).is_empty());

        let fell = portal(&[("all", list(Some(12), 12, 2))]);
        let events = compare(&steady, &fell);
        assert_eq!(kinds(&events), [HealthKind::ItemCountFell]);
        assert_eq!(events[0].list.as_deref(), Some("all"));
        assert!(events[0].detail.contains("12") && events[0].detail.contains("20"));
        assert!(compare(&fell, &steady).is_empty(), "a rise is no alarm");

        let challenged = PortalReport {
            blocked: 3,
            ..steady.clone()
        };
        assert_eq!(
            kinds(&compare(&steady, &challenged)),
            [HealthKind::NewChallenge]
        );
        assert!(compare(&challenged, &challenged).is_empty(), "not new");

        let moved = PortalReport {
            section_landed: Some("https://new.example.gov.cn/".into()),
            ..steady.clone()
        };
        assert_eq!(kinds(&compare(&steady, &moved)), [HealthKind::Redirected]);
        assert!(compare(&moved, &moved).is_empty(), "not new");

        let down = PortalReport {
            unreachable: true,
            lists: Default::default(),
            ..steady.clone()
        };
        assert_eq!(kinds(&compare(&steady, &down)), [HealthKind::Unreachable]);
        // A certificate that failed is named with its host and the key to set.
        let expired = PortalReport {
            tls_failure: Some("host a.gov.cn: tls_certificate: certificate expired".into()),
            ..down.clone()
        };
        let events = compare(&steady, &expired);
        assert!(
            events[0]
                .detail
                .contains("walked: host a.gov.cn: tls_certificate: certificate expired"),
            "{events:?}"
        );
        // So is the pause of the section's host.
        let refused = PortalReport {
            host_paused: Some("host a.gov.cn: refused: 403 on 5 requests in a row".into()),
            ..down.clone()
        };
        let events = compare(&steady, &refused);
        assert!(
            events[0]
                .detail
                .contains("walked: host a.gov.cn: refused: 403"),
            "{events:?}"
        );

        let redesigned = PortalReport {
            list_pages: 1,
            ..PortalReport::default()
        };
        let events = compare(&steady, &redesigned);
        assert_eq!(kinds(&events), [HealthKind::StructureChanged]);
        assert_eq!(events[0].list, None);
    }

    fn files(answered: u64, failed: &[(&str, u64)]) -> PortalReport {
        let mut host = FileHost::default();
        for _ in 0..answered {
            host.count("http://file.a.gov.cn/ok.pdf", None);
        }
        for (kind, n) in failed {
            for _ in 0..*n {
                host.count("http://file.a.gov.cn/1.pdf", Some(kind.to_string()));
            }
        }
        PortalReport {
            file_hosts: [("file.a.gov.cn".to_string(), host)].into_iter().collect(),
            ..PortalReport::default()
        }
    }

    #[test]
    fn a_file_server_that_stops_answering_is_one_event() {
        let served = files(4, &[]);
        let down = files(0, &[("connect", 2), ("http_503", 1)]);
        let events = compare(&served, &down);
        assert_eq!(kinds(&events), [HealthKind::FilesUnreachable]);
        let detail = &events[0].detail;
        for part in [
            "file.a.gov.cn",
            "all 3",
            "connect=2",
            "http_503=1",
            "/1.pdf",
            "4 answered",
        ] {
            assert!(detail.contains(part), "{part} in {detail}");
        }
        // Fewer than MANY_FILES failures, one file answered, or a server never seen answering
        // (nothing to compare with, or only failures last run): no event.
        assert!(compare(&served, &files(0, &[("timeout", 2)])).is_empty());
        assert!(compare(&served, &files(1, &[("timeout", 5)])).is_empty());
        assert!(compare(&PortalReport::default(), &down).is_empty());
        assert!(compare(&down, &down).is_empty());
        // A section that could not be walked is `unreachable`, not also its file servers'.
        let section_down = PortalReport {
            unreachable: true,
            ..down.clone()
        };
        assert_eq!(
            kinds(&compare(&served, &section_down)),
            [HealthKind::Unreachable]
        );

        // The same rule for report pages on another host, as another kind.
        let pages = |p: PortalReport| PortalReport {
            report_hosts: p.file_hosts,
            ..PortalReport::default()
        };
        let events = compare(&pages(served.clone()), &pages(down.clone()));
        assert_eq!(kinds(&events), [HealthKind::ReportsUnreachable]);
        assert!(
            events[0].detail.contains("report page requests"),
            "{events:?}"
        );
    }

    #[test]
    fn only_failures_of_the_server_count_against_it() {
        for kind in [
            "connect",
            "timeout",
            "host_paused",
            "tls_handshake",
            "http_500",
            "http_503",
        ] {
            assert!(fails_the_host(kind), "{kind}");
        }
        for kind in [
            "http_404",
            "http_200",
            "oversize",
            "blocked",
            "truncated",
            "http_5",
        ] {
            assert!(!fails_the_host(kind), "{kind}");
        }
    }
}
