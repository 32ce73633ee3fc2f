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
    let report = crawl::run(settings, store, mode, shutdown_signal()).await?;
    eprint!("{}", report.summary());
    eprintln!("archive: {}", settings.data_dir.display());
    Ok(if report.interrupted {
        Outcome::Interrupted
    } else if !report.troubled_portals().is_empty() {
        Outcome::PortalsUnreachable
    } else {
        Outcome::Completed
    })
}
