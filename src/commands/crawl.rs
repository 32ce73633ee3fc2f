//! `nianbao crawl` and `nianbao backfill`: run the crawl, print the summary, pick the outcome.

use crate::config::Settings;
use crate::crawl::{self, Mode};

use super::{Outcome, open_store, shutdown_signal};

pub(super) async fn run(settings: &Settings, mode: Mode) -> anyhow::Result<Outcome> {
    let store = open_store(settings)?;
    if settings.portals.is_empty() {
        eprintln!(
            "no portals configured: add [[portal]] tables to {} or its seed files",
            settings.config_path.display()
        );
    }
    // A full or read-only filesystem stops the run at once, like Ctrl-C: pages fetched now could
    // not be kept.
    let faulted = {
        let store = store.clone();
        async move {
            while store.disk_fault().is_none() {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            tracing::error!("disk fault: stopping the run");
        }
    };
    let stop = async {
        tokio::select! {
            _ = shutdown_signal() => {}
            _ = faulted => {}
        }
    };
    // The JetStream feed publishes what earlier runs left over, then each version as it is
    // committed; a dry run commits nothing and publishes nothing.
    let follower = match &settings.feed {
        Some(feed) if !matches!(mode, Mode::Crawl { dry_run: true }) => Some(
            crate::jetstream::Follower::start(feed.clone(), store.clone()),
        ),
        _ => None,
    };
    let result = crawl::run(settings, store.clone(), mode, stop).await;
    let published = match follower {
        Some(follower) => Some(follower.finish().await?),
        None => None,
    };
    if let Some(fault) = store.disk_fault() {
        if let Err(e) = &result {
            tracing::error!("{e:#}");
        }
        return Err(fault.into());
    }
    let report = result?;
    eprint!("{}", report.summary());
    if let Some(published) = published {
        eprintln!("{}", published.summary());
    }
    eprintln!("archive: {}", settings.data_dir.display());
    Ok(if report.interrupted {
        Outcome::Interrupted
    } else if !report.troubled_portals().is_empty() {
        Outcome::PortalsUnreachable
    } else {
        Outcome::Completed
    })
}
