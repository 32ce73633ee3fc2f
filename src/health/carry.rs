//! Health events that last: an event of the last run whose trouble still holds in this run is
//! raised again, with the run it was first raised in (`since`), until the trouble ends.
//! `redirected` and `item_count_fell` are one run's news and are not carried. A run whose
//! section could not be walked judges none of the events about lists, challenges or servers:
//! the next run that walks it judges those of the last run that did (`not_judged`). A run that
//! walked the section but had no evidence about an event's trouble (its list not read, its
//! server asked nothing) carries it unchanged, saying so, for at most [`MAX_UNSEEN`] runs in a row.

use std::collections::BTreeMap;

use super::{
    Earlier, FileHost, HealthEvent, HealthKind, MANY_FILES, MAX_UNSEEN, found, unreachable_why,
};
use crate::report::PortalReport;

/// The events of `previous` (the portal's share of the run `previous_run`) whose trouble still
/// holds in `current`, each with the run it was first raised in.
pub(super) fn carried(
    previous_run: &str,
    previous: &PortalReport,
    current: &PortalReport,
) -> Vec<HealthEvent> {
    carry(previous_run, previous, previous.health.iter(), current)
}

/// The events of `walked` (the last run that walked the section) about lists, challenges or
/// servers that `last` (a later run whose section could not be walked) did not judge: those it
/// did not raise again (a section behind a challenge still meets it). Their trouble is judged by
/// `current`, and they keep the run they were first raised in.
pub(super) fn not_judged(
    walked: Earlier,
    last: &PortalReport,
    current: &PortalReport,
) -> Vec<HealthEvent> {
    let judged = |event: &HealthEvent| {
        last.health
            .iter()
            .any(|e| e.kind == event.kind && e.list == event.list && e.host == event.host)
    };
    let events = walked.report.health.iter().filter(|event| {
        matches!(
            event.kind,
            HealthKind::StructureChanged
                | HealthKind::NewChallenge
                | HealthKind::FilesUnreachable
                | HealthKind::ReportsUnreachable
        ) && !judged(event)
    });
    carry(walked.run, walked.report, events, current)
}

/// `events` of `previous` (the run `previous_run`) whose trouble still holds in `current`.
fn carry<'a>(
    previous_run: &str,
    previous: &PortalReport,
    events: impl Iterator<Item = &'a HealthEvent>,
    current: &PortalReport,
) -> Vec<HealthEvent> {
    events
        .filter_map(|event| {
            let since = event
                .since
                .clone()
                .unwrap_or_else(|| previous_run.to_string());
            let (host, detail, unseen) = match still(event, previous, current)? {
                Trouble::Still(host, detail) => {
                    (host, format!("{detail} (since the run {since})"), None)
                }
                Trouble::NotLooked(why) => {
                    let unseen = event.unseen.unwrap_or(0).saturating_add(1);
                    if unseen > MAX_UNSEEN {
                        return None;
                    }
                    let host = event.host.clone();
                    let what = event
                        .detail
                        .rfind(" (since the run ")
                        .map_or(event.detail.as_str(), |at| &event.detail[..at]);
                    let detail =
                        format!("{what} (since the run {since}; not looked at in this run: {why})");
                    (host, detail, Some(unseen))
                }
            };
            Some(HealthEvent {
                kind: event.kind,
                list: event.list.clone(),
                host,
                detail,
                since: Some(since),
                unseen,
            })
        })
        .collect()
}

/// What this run saw of an event's trouble, when it did not see it end.
enum Trouble {
    /// Seen again: the server it concerns, and what was seen.
    Still(Option<String>, String),
    /// Not looked at: the run had no evidence either way (why not).
    NotLooked(String),
}

/// Whether the trouble of `event` still holds in `current` (None: it ended), or `current` had no
/// evidence about it.
fn still(event: &HealthEvent, previous: &PortalReport, current: &PortalReport) -> Option<Trouble> {
    let detail = match event.kind {
        HealthKind::Redirected | HealthKind::ItemCountFell => None,
        HealthKind::Unreachable => current.unreachable.then(|| {
            format!(
                "the section still could not be walked{}",
                unreachable_why(current)
            )
        }),
        HealthKind::NewChallenge => (current.blocked > 0).then(|| {
            format!(
                "{} anti-bot challenge answers, challenges still met",
                current.blocked
            )
        }),
        HealthKind::StructureChanged if current.unreachable => None,
        HealthKind::StructureChanged => {
            let (pages, found) = match &event.list {
                Some(key) => current
                    .lists
                    .get(key)
                    .map_or((0, 0), |now| (now.pages, now.found)),
                None => (current.list_pages, found(current)),
            };
            // Items found say the list was read, whatever the page count says.
            if pages == 0 && found == 0 {
                let why = match &event.list {
                    Some(key) => format!("the list {key} was not read"),
                    None => "no list page read".to_string(),
                };
                return Some(Trouble::NotLooked(why));
            }
            (found == 0).then(|| match &event.list {
                Some(_) => format!("{pages} list pages read, still no items found"),
                None => format!("{pages} list pages read, still no items found in any list"),
            })
        }
        HealthKind::FilesUnreachable => {
            return still_down(event, &previous.file_hosts, &current.file_hosts, current);
        }
        HealthKind::ReportsUnreachable => {
            return still_down(
                event,
                &previous.report_hosts,
                &current.report_hosts,
                current,
            );
        }
    };
    detail.map(|d| Trouble::Still(None, d))
}

/// A server that still failed every request of the portal, at least [`MANY_FILES`], and
/// answered none; or one this run asked nothing, or only one or two requests that all failed,
/// which says nothing of it (or only that it may still be down): not looked at. An event of an
/// earlier version names its server only in its detail (`file server HOST: …`): the server is
/// found there among those the last run counted.
fn still_down(
    event: &HealthEvent,
    previous: &BTreeMap<String, FileHost>,
    current: &BTreeMap<String, FileHost>,
    portal: &PortalReport,
) -> Option<Trouble> {
    if portal.unreachable {
        return None;
    }
    let host = match &event.host {
        Some(host) => host.clone(),
        None => previous
            .keys()
            .find(|h| event.detail.contains(&format!(" {h}: ")))?
            .clone(),
    };
    let (server, what) = match event.kind {
        HealthKind::ReportsUnreachable => ("reports' host", "report page"),
        _ => ("file server", "attachment"),
    };
    let Some(now) = current
        .get(&host)
        .filter(|now| now.failed > 0 || now.answered > 0)
    else {
        return Some(Trouble::NotLooked(format!("no {what} asked of it")));
    };
    if now.answered > 0 {
        return None;
    }
    if now.failed < MANY_FILES {
        return Some(Trouble::NotLooked(format!(
            "only {} {what} requests, all failed",
            now.failed
        )));
    }
    let kinds: Vec<String> = now.kinds.iter().map(|(k, n)| format!("{k}={n}")).collect();
    let detail = format!(
        "{server} {host}: all {} {what} requests failed again ({}), e.g. {}",
        now.failed,
        kinds.join(", "),
        now.example.as_deref().unwrap_or("-"),
    );
    Some(Trouble::Still(Some(host), detail))
}
