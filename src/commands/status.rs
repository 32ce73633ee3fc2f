//! `nianbao status`: per portal, what the archive holds and how the last run went.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::cli::StatusFormat;
use crate::config::Settings;
use crate::report::{PortalReport, RunReport};
use crate::store::{FailureCounts, PortalCounts};

use super::{Outcome, open_store};

#[derive(Serialize)]
struct PortalStatus {
    portal: String,
    url: Option<String>,
    verified: Option<bool>,
    documents: u64,
    versions: u64,
    annual_reports: u64,
    /// Archived documents withdrawn now: every URL they were found at answers 404 or 410, or a
    /// page saying they do not exist.
    withdrawn: u64,
    /// Archived URLs delisted now: a complete walk of their list no longer shows them, their
    /// page still answers.
    delisted: u64,
    /// Documents that are the same report as an archived one, re-published at a new URL.
    linked: u64,
    last_run: Option<String>,
    last_run_command: Option<String>,
    last_run_interrupted: Option<bool>,
    last_run_failures: u64,
    last_run_blocked: u64,
    unreachable: bool,
    /// Why the last run could not walk the section, as its run report says (none kept by an
    /// older run report).
    #[serde(skip_serializing_if = "Option::is_none")]
    unreachable_reason: Option<String>,
    /// Failed URLs without a document, by where they stand in the failure policy, and archived
    /// reports waiting for attachments (`attachments_*`).
    failed_urls: FailureCounts,
    lists: BTreeMap<String, crate::report::YearCount>,
    /// When the run that last walked the portal whole started (see `crawl.sweep_every`).
    last_whole_walk: Option<String>,
    /// When the nightly crawl's next sweep of the portal is due: `now`, a time, or none when
    /// sweeps are off.
    next_sweep_due: Option<String>,
}

pub(super) fn run(settings: &Settings, format: StatusFormat) -> anyhow::Result<Outcome> {
    let store = open_store(settings)?;
    let counts = store.portal_counts()?;
    let failed = store.failure_counts(
        chrono::Utc::now(),
        settings.crawl.failures.retry_max,
        settings.fetch.max_body_bytes,
    )?;
    let standing = store.standing_counts()?;
    let linked = store.linked_counts()?;
    let whole_walks = store.whole_walks()?;
    let sweeps_tried = store.sweeps_tried()?;
    let now = chrono::Utc::now();
    let mut names: Vec<String> = settings.portals.iter().map(|p| p.name.clone()).collect();
    for name in counts.keys().chain(failed.keys()) {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    let (mut last_runs, blocked_hosts) = last_runs(&store, &names)?;
    let mut rows = Vec::new();
    for name in names {
        let portal = settings.portals.iter().find(|p| p.name == name);
        let c = counts
            .get(&name)
            .cloned()
            .unwrap_or(PortalCounts::default());
        let run = last_runs.remove(&name);
        let report = run.as_ref().map(|r| r.report.clone()).unwrap_or_default();
        rows.push(PortalStatus {
            portal: name.clone(),
            url: portal.map(|p| p.url.to_string()),
            verified: portal.map(|p| p.verified),
            documents: c.documents,
            versions: c.versions,
            annual_reports: c.annual_reports,
            withdrawn: standing.get(&name).map_or(0, |c| c.0),
            delisted: standing.get(&name).map_or(0, |c| c.1),
            linked: linked.get(&name).copied().unwrap_or(0),
            last_run: run.as_ref().and_then(|r| r.finished_at.clone()),
            last_run_command: run.as_ref().map(|r| r.command.clone()),
            last_run_interrupted: run.as_ref().map(|r| r.interrupted),
            last_run_failures: report.failure_count(),
            last_run_blocked: report.blocked,
            unreachable: report.unreachable,
            unreachable_reason: report.unreachable_reason(),
            failed_urls: failed.get(&name).cloned().unwrap_or_default(),
            lists: report.lists,
            last_whole_walk: whole_walks.get(&name).map(|at| rfc3339(*at)),
            next_sweep_due: next_sweep(
                settings,
                whole_walks.get(&name).copied(),
                sweeps_tried.get(&name).copied(),
                now,
            ),
        });
    }
    let quarantined: Vec<String> = store
        .suspects()?
        .into_iter()
        .filter(|(_, s)| s.quarantined)
        .map(|(url, _)| url)
        .collect();
    let mut totals = FailureCounts::default();
    for c in failed.values() {
        totals.retries_due += c.retries_due;
        totals.retries_later += c.retries_later;
        totals.gone += c.gone;
        totals.attachments_due += c.attachments_due;
        totals.attachments_later += c.attachments_later;
        totals.attachments_gone += c.attachments_gone;
        totals.attachments_oversize += c.attachments_oversize;
    }
    let unreadable = store.unreadable_urls()?.len() as u64;
    // Versions whose files' text waits, by reason (a version waiting for two counts in both).
    let mut texts_waiting: std::collections::BTreeMap<String, u64> = Default::default();
    for entry in store.texts_waiting(0) {
        let (_, reasons) = entry?;
        for reason in reasons.split(',') {
            *texts_waiting.entry(reason.to_string()).or_default() += 1;
        }
    }
    let failures = serde_json::json!({
        "retries_due": totals.retries_due,
        "retries_later": totals.retries_later,
        "gone": totals.gone,
        "attachments_due": totals.attachments_due,
        "attachments_later": totals.attachments_later,
        "attachments_gone": totals.attachments_gone,
        "attachments_oversize": totals.attachments_oversize,
        "unreadable_url_records": unreadable,
    });
    match format {
        StatusFormat::Json => {
            let value = serde_json::json!({ "portals": rows, "paused_hosts": blocked_hosts, "last_seq": store.last_seq()?, "failures": failures, "quarantined": quarantined, "texts_waiting": texts_waiting });
            outln!("{}", serde_json::to_string_pretty(&value)?);
        }
        StatusFormat::Text => {
            outln!(
                "archive: {} (last seq {})",
                settings.data_dir.display(),
                store.last_seq()?
            );
            for row in &rows {
                outln!(
                    "{}: {} documents ({} annual reports), {} versions",
                    row.portal,
                    row.documents,
                    row.annual_reports,
                    row.versions
                );
                if row.linked > 0 {
                    outln!(
                        "    linked documents: {} (the same report as an archived one, re-published at a new URL; export names it in same_report_as)",
                        row.linked
                    );
                }
                if row.withdrawn > 0 {
                    outln!(
                        "    withdrawn documents: {} (no longer served: 404, 410 or a page saying they do not exist; their versions are kept; `status --withdrawn` lists them)",
                        row.withdrawn
                    );
                }
                if row.delisted > 0 {
                    outln!(
                        "    delisted URLs: {} (no longer on a list walked completely, still served; `status --withdrawn` lists them)",
                        row.delisted
                    );
                }
                match (&row.last_run, &row.last_run_command) {
                    (Some(at), Some(cmd)) => outln!(
                        "    last run: {cmd} at {at}{}; {} failures, {} blocked{}",
                        if row.last_run_interrupted == Some(true) {
                            " (interrupted)"
                        } else {
                            ""
                        },
                        row.last_run_failures,
                        row.last_run_blocked,
                        if row.unreachable { "; UNREACHABLE" } else { "" }
                    ),
                    _ => outln!("    never crawled"),
                }
                if let Some(why) = &row.unreachable_reason {
                    outln!("    unreachable: {}", crate::shown::shown(why));
                }
                if row.verified == Some(false) {
                    outln!(
                        "    section URL not verified: {}",
                        row.url.as_deref().unwrap_or("?")
                    );
                }
                let f = &row.failed_urls;
                if f.retries_due + f.retries_later + f.gone > 0 {
                    outln!(
                        "    failed URLs: {} due for retry, {} retried later, {} gone",
                        f.retries_due,
                        f.retries_later,
                        f.gone
                    );
                }
                if let Some(line) = waiting_line(f) {
                    outln!("    {line}");
                }
                outln!("    {}", sweep_line(row));
                for (list, c) in &row.lists {
                    // A list's name is the one its page gave.
                    outln!(
                        "    list {}: {}",
                        crate::shown::shown(list),
                        c.completeness()
                    );
                }
            }
            for host in &blocked_hosts {
                outln!("paused host {host}");
            }
            outln!(
                "failed URLs: {} due for retry, {} retried later, {} gone (`nianbao failures` lists them)",
                totals.retries_due,
                totals.retries_later,
                totals.gone
            );
            if let Some(line) = waiting_line(&totals) {
                outln!("{line} (`nianbao failures` lists them)");
            }
            if !quarantined.is_empty() {
                outln!(
                    "quarantined: {} URLs (in flight at two consecutive crashes; `nianbao quarantine` lists them, `--clear URL` releases one)",
                    quarantined.len()
                );
            }
            if unreadable > 0 {
                outln!(
                    "unreadable URL records: {unreadable} (skipped; `nianbao failures` names them)"
                );
            }
            if !texts_waiting.is_empty() {
                let kinds: Vec<String> = texts_waiting
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                outln!(
                    "versions whose text waits: {} (the next crawl derives them, a missing tool's once it is installed)",
                    kinds.join(", ")
                );
            }
        }
    }
    Ok(Outcome::Completed)
}

/// The text line on archived reports waiting for attachments; None when there are none.
fn rfc3339(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// When the portal's next sweep is due: `now` when it is (the night's share permitting), else
/// the time `crawl::sweep::next_due` gives, or none with sweeps off.
fn next_sweep(
    settings: &Settings,
    walk: Option<chrono::DateTime<chrono::Utc>>,
    tried: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<String> {
    let every = settings.crawl.sweep_every?;
    match crate::crawl::sweep::next_due(walk, tried, every, now) {
        Some(at) if at > now => Some(rfc3339(at)),
        _ => Some("now".into()),
    }
}

/// `last whole walk: …; next sweep due …`.
fn sweep_line(row: &PortalStatus) -> String {
    let last = row.last_whole_walk.as_deref().unwrap_or("none recorded");
    match row.next_sweep_due.as_deref() {
        Some("now") => format!("last whole walk: {last}; sweep due now (a night sweeps its share)"),
        Some(at) => format!("last whole walk: {last}; next sweep due {at}"),
        None => format!("last whole walk: {last}; sweeps off (crawl.sweep_every)"),
    }
}

fn waiting_line(f: &FailureCounts) -> Option<String> {
    let all = f.attachments_due + f.attachments_later + f.attachments_gone + f.attachments_oversize;
    (all > 0).then(|| {
        format!(
            "reports missing attachments: {} due, {} later, {} gone, {} too large for max_body_bytes",
            f.attachments_due, f.attachments_later, f.attachments_gone, f.attachments_oversize
        )
    })
}

/// A portal's last run: when it ended, its command, whether it was stopped, and the portal's
/// share of it.
struct LastRun {
    finished_at: Option<String>,
    command: String,
    interrupted: bool,
    report: PortalReport,
}

/// Each named portal's last run, and the hosts the newest run paused (or asked nothing more
/// after their certificate failed). The run reports are read
/// newest first, one at a time, until every portal has its run: a nightly adds one a night for
/// years.
fn last_runs(
    store: &crate::store::Store,
    names: &[String],
) -> anyhow::Result<(BTreeMap<String, LastRun>, Vec<String>)> {
    let mut last = BTreeMap::new();
    let mut paused_hosts = None;
    for mut run in store.runs_newest_first::<RunReport>() {
        paused_hosts.get_or_insert_with(|| {
            run.hosts
                .iter()
                // A host whose certificate failed was asked nothing more: paused too.
                .flat_map(|h| {
                    [&h.paused, &h.tls_failure]
                        .into_iter()
                        .flatten()
                        .map(|p| format!("{}: {p}", h.host))
                })
                .collect::<Vec<String>>()
        });
        for name in names {
            if !last.contains_key(name)
                && let Some(report) = run.portals.remove(name)
            {
                let run = LastRun {
                    finished_at: run.finished_at.clone(),
                    command: run.command.clone(),
                    interrupted: run.interrupted,
                    report,
                };
                last.insert(name.clone(), run);
            }
        }
        if last.len() == names.len() {
            break;
        }
    }
    Ok((last, paused_hosts.unwrap_or_default()))
}
