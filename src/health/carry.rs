//! Health events that last: an event of the last run whose trouble still holds in this run is
//! raised again, with the run it was first raised in (`since`), until the trouble ends.
//! `redirected` and `item_count_fell` are one run's news and are not carried. A run whose
//! section could not be walked judges none of the events about lists, challenges or servers:
//! the next run that walks it judges those of the last run that did (`not_judged`).

use std::collections::BTreeMap;

use super::{Earlier, FileHost, HealthEvent, HealthKind, MANY_FILES, found, unreachable_why};
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
            let (host, detail) = still(event, previous, current)?;
            let since = event
                .since
                .clone()
                .unwrap_or_else(|| previous_run.to_string());
            Some(HealthEvent {
                kind: event.kind,
                list: event.list.clone(),
                host,
                detail: format!("{detail} (since the run {since})"),
                since: Some(since),
            })
        })
        .collect()
}

/// Whether the trouble of `event` still holds in `current`: the server it concerns, and what
/// this run saw of it.
fn still(
    event: &HealthEvent,
    previous: &PortalReport,
    current: &PortalReport,
) -> Option<(Option<String>, String)> {
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
        HealthKind::StructureChanged => match &event.list {
            Some(key) => current
                .lists
                .get(key)
                .filter(|now| now.pages > 0 && now.found == 0)
                .map(|now| format!("{} list pages read, still no items found", now.pages)),
            None => (current.list_pages > 0 && found(current) == 0).then(|| {
                format!(
                    "{} list pages read, still no items found in any list",
                    current.list_pages
                )
            }),
        },
        HealthKind::FilesUnreachable => {
            return still_down(event, &previous.file_hosts, &current.file_hosts, current)
                .map(|(host, detail)| (Some(host), detail));
        }
        HealthKind::ReportsUnreachable => {
            return still_down(
                event,
                &previous.report_hosts,
                &current.report_hosts,
                current,
            )
            .map(|(host, detail)| (Some(host), detail));
        }
    };
    detail.map(|d| (None, d))
}

/// A server that still failed every request of the portal, at least [`MANY_FILES`], and
/// answered none. An event of an earlier version names its server only in its detail
/// (`file server HOST: …`): the server is found there among those the last run counted.
fn still_down(
    event: &HealthEvent,
    previous: &BTreeMap<String, FileHost>,
    current: &BTreeMap<String, FileHost>,
    portal: &PortalReport,
) -> Option<(String, String)> {
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
    let now = current.get(&host)?;
    if now.answered > 0 || now.failed < MANY_FILES {
        return None;
    }
    let kinds: Vec<String> = now.kinds.iter().map(|(k, n)| format!("{k}={n}")).collect();
    let (server, what) = match event.kind {
        HealthKind::ReportsUnreachable => ("reports' host", "report page"),
        _ => ("file server", "attachment"),
    };
    let detail = format!(
        "{server} {host}: all {} {what} requests failed again ({}), e.g. {}",
        now.failed,
        kinds.join(", "),
        now.example.as_deref().unwrap_or("-"),
    );
    Some((host, detail))
}
