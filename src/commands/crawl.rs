//! `nianbao crawl` and `nianbao backfill`: run the crawl, print the summary, pick the outcome.

use crate::config::{Settings, Shard};
use crate::crawl::{self, Mode};
use crate::report::RunReport;

use super::{CRAWL_LOCK_PATIENCE, Outcome, open_store_waiting, shutdown_signal};

/// Keeps the portals of one shard (all of them without `--shard`).
pub(super) fn shard(mut settings: Settings, shard: Option<Shard>) -> Settings {
    if let Some(shard) = shard {
        let configured = settings.portals.len();
        settings.portals.retain(|portal| shard.owns(portal));
        errln!(
            "shard {shard}: crawling {} of the {configured} configured portals (split by host)",
            settings.portals.len()
        );
        settings.shard = Some(shard);
        // Shards share the storage: each puts its WARC files and run reports in a folder of
        // its own (`warc/shard-2-of-3/…`, `runs/shard-2-of-3/…`).
        settings.storage.run_label = shard.label();
    }
    settings
}

pub(super) async fn run(settings: &Settings, mode: Mode) -> anyhow::Result<Outcome> {
    // A timer that runs a crawl of nothing every night must not report success: a config
    // without `seeds` (it has no default) or with seed files of no portals is a mistake.
    if settings.portals.is_empty() && settings.shard.is_none() {
        return Err(super::UsageError(format!(
            "no portals configured: add [[portal]] tables to {} or name seed files in its `seeds` key (seeds = [\"seeds/*.toml\"]); `seeds` has no default",
            settings.config_path.display()
        ))
        .into());
    }
    check_contact(settings)?;
    // Before the store is opened: a bad config leaves no data_dir behind.
    crate::config::check_extra_ca_file(settings)?;
    // A stop while another process holds the store ends the command as a stop, not by the
    // signal's default action: nothing was started, so nothing is to be saved.
    // Biased: the signal streams are made before the first (blocking) try for the lock.
    let store = tokio::select! {
        biased;
        _ = shutdown_signal() => {
            errln!("stopped while waiting for the store's lock: nothing was started");
            return Ok(Outcome::Interrupted);
        }
        store = open_store_waiting(settings, CRAWL_LOCK_PATIENCE) => store?,
    };
    warn_on_shard_change(settings, &store);
    if settings.portals.is_empty() {
        errln!("no configured portal falls in this shard: nothing to crawl");
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
            crate::feed::jetstream::Follower::start(feed.clone(), store.clone()),
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
    errout!("{}", report.summary());
    if let Some(published) = published {
        errln!("{}", published.summary());
    }
    errln!("archive: {}", settings.data_dir.display());
    Ok(if report.interrupted {
        Outcome::Interrupted
    } else if !report.troubled_portals().is_empty() {
        Outcome::PortalsUnreachable
    } else if report.storage_refused > 0 {
        Outcome::StorageRefused
    } else {
        Outcome::Completed
    })
}

/// Each shard keeps its own data_dir: a data_dir last crawled as another shard (or unsharded)
/// holds other portals' state, and crawling it as this shard starts those portals afresh.
/// A newest run report that cannot be read says nothing of it: passed over with a warning naming
/// it, as every reader of the run reports does, and the crawl goes on.
fn warn_on_shard_change(settings: &Settings, store: &crate::store::Store) {
    let last = match store.last_run::<RunReport>() {
        Ok(Some(last)) => last,
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(
                "passing over the newest run report, which cannot be read, in checking which shard {} was last crawled as: {e}",
                settings.data_dir.display()
            );
            return;
        }
    };
    let now = settings.shard.map(|s| s.to_string());
    if last.shard != now {
        let name = |s: &Option<String>| match s {
            Some(s) => format!("shard {s}"),
            None => "all portals (no --shard)".to_string(),
        };
        errln!(
            "warning: {} was last crawled as {} and is now crawled as {}; give each shard its own data_dir (README, \"Crawl shards\")",
            settings.data_dir.display(),
            name(&last.shard),
            name(&now)
        );
    }
}

/// The contact of the shipped config.toml, which names no one.
const PLACEHOLDER_CONTACT: &str = "change-this-contact-page";

/// A server's operator must be able to reach whoever crawls: the shipped placeholder contact is
/// refused, and a config without `user_agent` (which sends the project's address) is warned of.
fn check_contact(settings: &Settings) -> Result<(), super::UsageError> {
    let agent = &settings.politeness.user_agent;
    if agent.contains(PLACEHOLDER_CONTACT) {
        return Err(super::UsageError(format!(
            "{}: politeness.user_agent still has the shipped placeholder contact ({agent:?}); put a URL or address where a server's operator can reach you in it before crawling",
            settings.config_path.display()
        )));
    }
    if agent == crate::config::DEFAULT_USER_AGENT {
        tracing::warn!(
            "{}: politeness.user_agent is not set, so servers see {agent:?}, the project's address, not yours; set one with your contact URL",
            settings.config_path.display()
        );
    }
    Ok(())
}
