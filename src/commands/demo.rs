//! `nianbao demo`: a newcomer's first run. Starts the bundled simulated portals on loopback,
//! writes a config for them into a fresh temporary folder, crawls them and prints the summary and
//! where the archive is. Needs no network.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;

use crate::config::{self, Overrides};
use crate::crawl::{self, Mode};
use nianbao_sim::Simulator;

use super::{Outcome, shutdown_signal};

/// `folder`: where the demo's config and archive go (`--data-dir`), a new or empty folder; a
/// fresh temporary folder without it.
pub(super) async fn run(
    interval: Duration,
    with: Option<&Path>,
    folder: Option<&Path>,
) -> anyhow::Result<Outcome> {
    let dir = match folder {
        Some(folder) => {
            let used = std::fs::read_dir(folder).is_ok_and(|mut d| d.next().is_some());
            if used || folder.is_file() {
                return Err(super::UsageError(format!(
                    "--data-dir {} is not empty: the demo writes its config and archive into a new or empty folder",
                    folder.display()
                ))
                .into());
            }
            folder.to_path_buf()
        }
        None => std::env::temp_dir().join(format!(
            "nianbao-demo-{}-{}",
            std::process::id(),
            chrono::Utc::now().format("%Y%m%d%H%M%S")
        )),
    };
    let tables = with.map(added_tables).transpose()?;
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let dir = std::path::absolute(&dir).unwrap_or(dir);
    let sim = Simulator::start_standard().await?;
    let config_path = dir.join("config.toml");
    let mut config = sim.config_toml(&dir.join("data"), interval);
    if let Some(tables) = tables {
        config.push('\n');
        config.push_str(&tables);
    }
    std::fs::write(&config_path, config)?;
    errln!("simulated portals:");
    for site in sim.sites() {
        errln!(
            "  {:<8} {}  {}",
            site.name(),
            site.portal_name(),
            site.section_url()
        );
    }
    let settings = config::load(&config_path, &Overrides::default())?;
    let report = {
        let store = std::sync::Arc::new(crate::store::Store::open(&settings.data_dir)?);
        crawl::run(
            &settings,
            store,
            Mode::Crawl { dry_run: false },
            shutdown_signal(),
        )
        .await?
    };
    sim.shutdown().await;
    errout!("{}", report.summary());
    let exe = std::env::args().next().unwrap_or_else(|| "nianbao".into());
    errln!();
    errln!("The archive is in {}", settings.data_dir.display());
    errln!("Look at it with:");
    errln!("  {exe} --config {} status", config_path.display());
    errln!(
        "  {exe} --config {} export --format jsonl | head -n 1",
        config_path.display()
    );
    errln!("The reports' statistics tables (sections 二, 三, 四) and their checks:");
    errln!(
        "  {exe} --config {} tables | head -n 1",
        config_path.display()
    );
    errln!(
        "  {exe} --config {} tables --format csv > tables.csv",
        config_path.display()
    );
    errln!(
        "  {exe} --config {} report --html {}",
        config_path.display(),
        dir.join("coverage.html").display()
    );
    errln!(
        "(the 通渭县 portal is behind a simulated 瑞数 challenge: it is reported as blocked, by design)"
    );
    // The blocked portal is the demo's by design; storage that refused what was fetched is not.
    Ok(if report.interrupted {
        Outcome::Interrupted
    } else if report.storage_refused > 0 {
        Outcome::StorageRefused
    } else {
        Outcome::Completed
    })
}

/// The `--with` file's text, read as TOML on its own first: appended to the demo's config, a
/// mistake in it was reported at a line of that config, which the user never wrote.
fn added_tables(extra: &Path) -> anyhow::Result<String> {
    let tables = std::fs::read_to_string(extra)
        .with_context(|| format!("cannot read {}", extra.display()))?;
    if let Err(e) = tables.parse::<toml::Table>() {
        let at = e.span().map_or(String::new(), |span| {
            let before = tables.get(..span.start).unwrap_or(&tables);
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!(":{line}:{column}")
        });
        return Err(super::UsageError(format!(
            "{}{at}: invalid TOML: {}",
            extra.display(),
            e.message().trim()
        ))
        .into());
    }
    Ok(tables)
}
