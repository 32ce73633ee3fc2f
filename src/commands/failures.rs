//! `nianbao failures`: the failed URLs without a document, where each stands in the failure
//! policy's schedule (kind, failures, next retry, gone), the archived reports waiting for
//! attachments they lack, and the way to put URLs back to due.

use std::collections::BTreeMap;

use chrono::{SecondsFormat, Utc};
use serde::Serialize;

use crate::cli::StatusFormat;
use crate::config::Settings;

use super::{Outcome, UsageError, open_store};

pub(super) enum Action {
    List { gone_only: bool },
    Retry(Vec<String>),
    RetryAllGone,
}

#[derive(Serialize)]
struct FailedUrl {
    url: String,
    portal: String,
    kind: String,
    failures: u32,
    first_failed_at: String,
    last_failed_at: String,
    /// Null when gone.
    next_retry_at: Option<String>,
    gone: bool,
}

/// What an archived report marked `archived_waiting_for_attachments` waits for.
#[derive(Serialize)]
struct WaitingReport {
    url: String,
    portal: String,
    status: &'static str,
    /// Why its attachments are missing (as the latest version's record says) -> how many.
    missing: BTreeMap<String, u64>,
    /// Fetches in a row in which attachments failed (other than for size).
    failures: u32,
    /// Null when only too-large attachments are missing.
    last_failed_at: Option<String>,
    /// Null when gone, or when only too-large attachments are missing.
    next_retry_at: Option<String>,
    gone: bool,
    /// The `max_body_bytes` that its too-large attachments passed: they come once it is raised.
    oversize_at: Option<u64>,
}

const WAITING: &str = "archived_waiting_for_attachments";

/// An archived report's row: its wait, and the missing reasons its latest version records.
fn waiting_row(
    store: &crate::store::Store,
    url: String,
    state: crate::store::UrlState,
) -> anyhow::Result<WaitingReport> {
    let time = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut missing = BTreeMap::new();
    let latest = match state.doc_id.as_deref() {
        Some(id) => store.document(id)?.and_then(|d| d.seqs.last().copied()),
        None => None,
    };
    if let Some(record) = latest.map(|seq| store.record(seq)).transpose()?.flatten() {
        for a in record.attachments.iter().filter(|a| a.sha256.is_none()) {
            let why = a.missing.clone().unwrap_or_else(|| "unknown".into());
            *missing.entry(why).or_insert(0) += 1;
        }
    }
    let wait = state
        .attachment_wait
        .unwrap_or(crate::store::AttachmentWait {
            // A state from before reports kept their wait: due at once.
            oversize_at: None,
            failures: 0,
            retry: None,
        });
    let retry = wait.retry.as_ref();
    let legacy = retry.is_none() && wait.oversize_at.is_none();
    Ok(WaitingReport {
        url,
        portal: state.portal,
        status: WAITING,
        missing,
        failures: wait.failures,
        last_failed_at: retry.map(|r| time(r.last_failed_at)),
        next_retry_at: match retry {
            Some(r) if !r.gone => Some(time(r.next_retry_at)),
            Some(_) => None,
            None => legacy.then(|| time(chrono::DateTime::<Utc>::UNIX_EPOCH)),
        },
        gone: retry.is_some_and(|r| r.gone),
        oversize_at: wait.oversize_at,
    })
}

pub(super) fn run(
    settings: &Settings,
    action: Action,
    format: StatusFormat,
) -> anyhow::Result<Outcome> {
    let store = open_store(settings)?;
    let now = Utc::now();
    match action {
        Action::Retry(urls) => {
            let unknown: Vec<&String> = urls
                .iter()
                .map(|url| store.retry_now(url, now).map(|found| (url, found)))
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .filter_map(|(url, found)| (!found).then_some(url))
                .collect();
            store.flush()?;
            if !unknown.is_empty() {
                let list: Vec<&str> = unknown.iter().map(|u| u.as_str()).collect();
                return Err(UsageError(format!(
                    "no failure on record for {} (see `nianbao failures`)",
                    list.join(", ")
                ))
                .into());
            }
            errln!("{} URL(s) will be retried at the next run", urls.len());
            Ok(Outcome::Completed)
        }
        Action::RetryAllGone => {
            let n = store.retry_all_gone(now)?;
            store.flush()?;
            errln!("{n} gone URL(s) will be retried at the next run");
            Ok(Outcome::Completed)
        }
        Action::List { gone_only } => {
            let time = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
            let rows: Vec<FailedUrl> = store
                .failed_urls(gone_only)?
                .into_iter()
                .filter_map(|(url, state)| {
                    let retry = state.retry?;
                    Some(FailedUrl {
                        url,
                        portal: state.portal,
                        kind: retry.last_kind,
                        failures: state.failures,
                        first_failed_at: time(retry.first_failed_at),
                        last_failed_at: time(retry.last_failed_at),
                        next_retry_at: (!retry.gone).then(|| time(retry.next_retry_at)),
                        gone: retry.gone,
                    })
                })
                .collect();
            let waiting: Vec<WaitingReport> = store
                .waiting_reports(gone_only)?
                .into_iter()
                .map(|(url, state)| waiting_row(&store, url, state))
                .collect::<anyhow::Result<_>>()?;
            let unreadable = store.unreadable_urls()?;
            match format {
                StatusFormat::Json => {
                    let unreadable: Vec<_> = unreadable
                        .iter()
                        .map(|(url, error)| serde_json::json!({ "url": url, "error": error }))
                        .collect();
                    let value = serde_json::json!({
                        "failed": rows,
                        "waiting_for_attachments": waiting,
                        "unreadable": unreadable,
                    });
                    outln!("{}", serde_json::to_string_pretty(&value)?);
                }
                StatusFormat::Text => {
                    if rows.is_empty() && waiting.is_empty() {
                        outln!("no failed URLs{}", if gone_only { " are gone" } else { "" });
                    }
                    for r in &rows {
                        let when = match &r.next_retry_at {
                            Some(at) => format!("next retry {at}"),
                            None => "gone".to_string(),
                        };
                        let line = format!(
                            "{}\t{}\t{} failure(s), last {} at {}\t{when}",
                            r.url, r.portal, r.failures, r.kind, r.last_failed_at
                        );
                        outln!("{}", crate::shown::shown(&line));
                    }
                    for w in &waiting {
                        let why: Vec<String> =
                            w.missing.iter().map(|(k, n)| format!("{n} {k}")).collect();
                        let mut when = Vec::new();
                        if let Some(at) = &w.next_retry_at {
                            when.push(format!("next retry {at}"));
                        }
                        if w.gone {
                            when.push("gone".to_string());
                        }
                        if let Some(limit) = w.oversize_at {
                            when.push(format!("when max_body_bytes is raised above {limit}"));
                        }
                        let line = format!(
                            "{}\t{}\tarchived, waiting for attachments ({})\t{}",
                            w.url,
                            w.portal,
                            why.join(", "),
                            when.join("; ")
                        );
                        outln!("{}", crate::shown::shown(&line));
                    }
                    for (url, error) in &unreadable {
                        let line = format!("{url}\tunreadable record: {error}");
                        outln!("{}", crate::shown::shown(&line));
                    }
                }
            }
            Ok(Outcome::Completed)
        }
    }
}
