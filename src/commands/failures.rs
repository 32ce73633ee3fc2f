//! `nianbao failures`: the failed URLs without a document, where each stands in the failure
//! policy's schedule (kind, failures, next retry, gone), and the way to put URLs back to due.

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
            eprintln!("{} URL(s) will be retried at the next run", urls.len());
            Ok(Outcome::Completed)
        }
        Action::RetryAllGone => {
            let n = store.retry_all_gone(now)?;
            store.flush()?;
            eprintln!("{n} gone URL(s) will be retried at the next run");
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
            let unreadable = store.unreadable_urls()?;
            match format {
                StatusFormat::Json => {
                    let unreadable: Vec<_> = unreadable
                        .iter()
                        .map(|(url, error)| serde_json::json!({ "url": url, "error": error }))
                        .collect();
                    let value = serde_json::json!({ "failed": rows, "unreadable": unreadable });
                    println!("{}", serde_json::to_string_pretty(&value)?);
                }
                StatusFormat::Text => {
                    if rows.is_empty() {
                        println!("no failed URLs{}", if gone_only { " are gone" } else { "" });
                    }
                    for r in &rows {
                        let when = match &r.next_retry_at {
                            Some(at) => format!("next retry {at}"),
                            None => "gone".to_string(),
                        };
                        println!(
                            "{}\t{}\t{} failure(s), last {} at {}\t{when}",
                            r.url, r.portal, r.failures, r.kind, r.last_failed_at
                        );
                    }
                    for (url, error) in &unreadable {
                        println!("{url}\tunreadable record: {error}");
                    }
                }
            }
            Ok(Outcome::Completed)
        }
    }
}
