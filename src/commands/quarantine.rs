//! `nianbao quarantine`: lists the URLs the crash guard quarantined (in flight at two consecutive
//! abnormal ends) and clears them, so the next crawl fetches them again.

use crate::cli::StatusFormat;
use crate::config::Settings;

use super::{Outcome, UsageError, open_store};

/// What to do with the quarantine.
pub enum Action {
    List(StatusFormat),
    /// Clear these URLs.
    Clear(Vec<String>),
    ClearAll,
}

pub(super) fn run(settings: &Settings, action: Action) -> anyhow::Result<Outcome> {
    let store = open_store(settings)?;
    let quarantined: Vec<(String, crate::store::Suspect)> = store
        .suspects()?
        .into_iter()
        .filter(|(_, s)| s.quarantined)
        .collect();
    match action {
        Action::List(StatusFormat::Json) => {
            let rows: Vec<serde_json::Value> = quarantined
                .iter()
                .map(|(url, s)| {
                    serde_json::json!({
                        "url": url, "portal": s.portal, "strikes": s.strikes,
                        "first_at": s.first_at, "last_at": s.last_at,
                    })
                })
                .collect();
            outln!("{}", serde_json::to_string_pretty(&rows)?);
        }
        Action::List(StatusFormat::Text) => {
            if quarantined.is_empty() {
                outln!("no URL is quarantined");
            }
            for (url, s) in &quarantined {
                let line = format!(
                    "{url}  portal {}  {} abnormal ends, first {} last {}",
                    if s.portal.is_empty() { "?" } else { &s.portal },
                    s.strikes,
                    s.first_at,
                    s.last_at
                );
                outln!("{}", crate::shown::shown(&line));
            }
        }
        Action::Clear(urls) => {
            for url in &urls {
                if !quarantined.iter().any(|(q, _)| q == url) {
                    return Err(UsageError(format!(
                        "{url} is not quarantined (`nianbao quarantine` lists the URLs that are)"
                    ))
                    .into());
                }
            }
            let now = chrono::Utc::now();
            for url in &urls {
                store.remove_suspect(url)?;
                // Due at the next run, not at the failure schedule's next retry.
                store.retry_now(url, now)?;
                outln!("cleared {url}");
            }
            store.flush()?;
        }
        Action::ClearAll => {
            let now = chrono::Utc::now();
            for (url, _) in &quarantined {
                store.remove_suspect(url)?;
                store.retry_now(url, now)?;
                outln!("cleared {url}");
            }
            store.flush()?;
        }
    }
    Ok(Outcome::Completed)
}
