//! `nianbao demo`: crawl the bundled simulated portals on loopback into a fresh temporary folder.

use std::time::Duration;

use super::Outcome;

pub(super) async fn run(interval: Duration) -> anyhow::Result<Outcome> {
    let _ = interval;
    anyhow::bail!("the demo needs the portal simulator, which is not built yet")
}
