//! Commands: what each subcommand does, from resolved settings to an outcome. `main` maps the
//! outcome, or the failure, to an exit code.

mod compact;
mod crawl;
mod demo;
mod export;
mod failures;
mod feed;
mod find_section;
mod inspect;
mod left_out;
mod prune;
mod publish;
mod quarantine;
mod report;
mod shards;
mod status;
mod tables;
mod text;
mod verify;
mod withdrawn;

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use crate::cli::{Cli, Command};
use crate::config::{self, ConfigError, Overrides, Settings};
use crate::store::{Store, StoreError};

/// Exit codes, documented in the README.
pub mod exit {
    /// The run completed (per-URL failures are counted in the report, not here).
    pub const OK: u8 = 0;
    /// The run completed, but at least one portal was unreachable or blocked; or `verify`
    /// found archive files missing or damaged; or `find-section` found no section; or
    /// `prune-runs` left run report copies in shared storage it could not remove; or a crawl's
    /// `[storage]` refused the files of some version (not archived; fetched again later).
    pub const PORTALS_UNREACHABLE: u8 = 1;
    /// Bad usage or config.
    pub const USAGE: u8 = 2;
    /// The store is unusable: locked by another process, unreadable or not writable.
    pub const STORE: u8 = 3;
    /// `feed --exec`: the command failed on a record; that record is offered again next time.
    /// `publish`: the JetStream server did not take a version; it is published again next time.
    pub const FEED_STOPPED: u8 = 4;
    /// Stopped by Ctrl-C or SIGTERM; run the same command again to resume.
    pub const INTERRUPTED: u8 = 130;
}

/// How a command ended, when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Completed,
    PortalsUnreachable,
    Interrupted,
    FeedStopped,
    /// `verify` found files missing or damaged.
    Damaged,
    /// `find-section` found no page that lists annual reports.
    SectionNotFound,
    /// `prune-runs` pruned, but some run report copies in shared storage are left (named).
    CopiesLeft,
    /// A crawl completed, but `[storage]` did not take the files of some version: those were
    /// not archived (their items are fetched again by a later run).
    StorageRefused,
}

impl Outcome {
    pub fn exit_code(self) -> ExitCode {
        ExitCode::from(match self {
            Outcome::Completed => exit::OK,
            Outcome::PortalsUnreachable => exit::PORTALS_UNREACHABLE,
            Outcome::Interrupted => exit::INTERRUPTED,
            Outcome::FeedStopped => exit::FEED_STOPPED,
            Outcome::Damaged
            | Outcome::SectionNotFound
            | Outcome::CopiesLeft
            | Outcome::StorageRefused => exit::PORTALS_UNREACHABLE,
        })
    }
}

/// A request that cannot be carried out as asked (exit code 2, like a bad config).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The exit code for a failed command, from the kind of error at the root of it.
pub fn failure_exit_code(error: &anyhow::Error) -> ExitCode {
    for cause in error.chain() {
        if cause.is::<ConfigError>() || cause.is::<UsageError>() {
            return ExitCode::from(exit::USAGE);
        }
        if cause.is::<StoreError>() {
            return ExitCode::from(exit::STORE);
        }
    }
    ExitCode::from(exit::STORE)
}

pub async fn run(cli: Cli) -> anyhow::Result<Outcome> {
    let overrides = Overrides {
        data_dir: cli.data_dir.clone(),
    };
    match cli.command {
        Command::Crawl { dry_run, shard } => {
            let settings = crawl::shard(load(&cli.config, &overrides)?, shard);
            crawl::run(&settings, crate::crawl::Mode::Crawl { dry_run }).await
        }
        Command::Backfill {
            years: (from, to),
            shard,
        } => {
            let settings = crawl::shard(load(&cli.config, &overrides)?, shard);
            crawl::run(&settings, crate::crawl::Mode::Backfill { years: from..=to }).await
        }
        Command::Status {
            format,
            all_shards,
            withdrawn,
        } => {
            let settings = load(&cli.config, &overrides)?;
            if withdrawn {
                withdrawn::run(&settings, format)
            } else if all_shards {
                let json = matches!(format, crate::cli::StatusFormat::Json);
                out!("{}", shards::status(&settings, json)?);
                Ok(Outcome::Completed)
            } else {
                status::run(&settings, format)
            }
        }
        Command::Report {
            html,
            format,
            replay_base,
            raw_base,
            all_shards,
        } => {
            let settings = load(&cli.config, &overrides)?;
            let links = report::LinkBases {
                replay: &replay_base,
                raw: raw_base.as_deref(),
            };
            report::run(&settings, html.as_deref(), format, &links, all_shards)
        }
        Command::Failures {
            gone,
            retry,
            retry_all_gone,
            format,
        } => {
            let settings = load(&cli.config, &overrides)?;
            let action = match (retry.is_empty(), retry_all_gone) {
                (true, false) => failures::Action::List { gone_only: gone },
                (_, true) => failures::Action::RetryAllGone,
                (false, false) => failures::Action::Retry(retry),
            };
            failures::run(&settings, action, format)
        }
        Command::Export { format, since } => {
            let settings = load(&cli.config, &overrides)?;
            export::run(&settings, format, since)
        }
        Command::Tables {
            format,
            since,
            id,
            version,
        } => {
            let settings = load(&cli.config, &overrides)?;
            let select = match id {
                Some(id) => tables::Select::Document { id, version },
                None => tables::Select::Since(since),
            };
            tables::run(&settings, format, select)
        }
        Command::Feed {
            consumer,
            limit,
            commit,
            exec,
            list,
        } => {
            let settings = load(&cli.config, &overrides)?;
            require_data_dir(&settings)?;
            let action = match (list, commit, exec) {
                (true, _, _) => feed::Action::List,
                (false, Some(seq), _) => feed::Action::Commit(seq),
                (false, None, Some(cmd)) => feed::Action::Exec(cmd),
                (false, None, None) => feed::Action::Print,
            };
            feed::run(&settings, consumer.as_deref(), limit, action)
        }
        Command::Publish { since } => {
            let settings = load(&cli.config, &overrides)?;
            publish::run(&settings, since).await
        }
        Command::Text { since, redo } => {
            let settings = load(&cli.config, &overrides)?;
            text::run(&settings, since, redo)
        }
        Command::Demo { interval, with } => {
            demo::run(interval, with.as_deref(), overrides.data_dir.as_deref()).await
        }
        Command::Verify {
            since,
            warc,
            storage,
            repair,
            format,
        } => {
            let settings = load(&cli.config, &overrides)?;
            let checks = verify::Checks {
                since,
                warc,
                storage,
                repair,
            };
            verify::run(&settings, checks, format)
        }
        Command::Quarantine { clear, all, format } => {
            let settings = load(&cli.config, &overrides)?;
            let action = match (all, clear.is_empty()) {
                (true, _) => quarantine::Action::ClearAll,
                (false, false) => quarantine::Action::Clear(clear),
                (false, true) => quarantine::Action::List(format),
            };
            quarantine::run(&settings, action)
        }
        Command::PruneRuns {
            older_than,
            dry_run,
        } => {
            let settings = load(&cli.config, &overrides)?;
            prune::run(&settings, older_than, dry_run)
        }
        Command::Compact => {
            let settings = load(&cli.config, &overrides)?;
            compact::run(&settings)
        }
        Command::ProbePage { request } => {
            crate::crawl::guard::probe_page(&request)?;
            Ok(Outcome::Completed)
        }
        Command::ExtractText { source } => {
            crate::text::worker::serve(&source)?;
            Ok(Outcome::Completed)
        }
        Command::Inspect {
            target,
            url,
            list_name,
            format,
        } => {
            let page = inspect::Target {
                target,
                url,
                list_name,
            };
            inspect::run(&cli.config, &overrides, page, format).await
        }
        Command::FindSection {
            start,
            max_requests,
            all,
            format,
        } => find_section::run(&cli.config, &overrides, &start, max_requests, all, format).await,
    }
}

fn load(path: &Path, overrides: &Overrides) -> anyhow::Result<Settings> {
    Ok(config::load(path, overrides)?)
}

/// Opens the store of a data_dir that a crawl made: a command that reads the archive never
/// makes an empty one where data_dir is mistyped.
pub(crate) fn open_store(settings: &Settings) -> anyhow::Result<Arc<Store>> {
    require_data_dir(settings)?;
    Ok(Store::open(&settings.data_dir).map(Arc::new)?)
}

/// A usage error when data_dir does not exist: nothing was ever archived there.
pub(crate) fn require_data_dir(settings: &Settings) -> Result<(), UsageError> {
    if settings.data_dir.exists() {
        return Ok(());
    }
    Err(UsageError(format!(
        "data_dir {} does not exist: nothing has been archived there (check data_dir in the config, or --data-dir; `nianbao crawl` or `backfill` creates it)",
        settings.data_dir.display()
    )))
}

/// How long a crawl waits for a short command (`status`, `export`, a `feed` catching its log
/// up) that holds the store, so that a timer's crawl never fails for starting beside one.
pub(crate) const CRAWL_LOCK_PATIENCE: std::time::Duration = std::time::Duration::from_secs(60);

/// Opens the store, waiting up to `patience` while another process holds it.
pub(crate) async fn open_store_waiting(
    settings: &Settings,
    patience: std::time::Duration,
) -> Result<Arc<Store>, StoreError> {
    let started = std::time::Instant::now();
    let mut said = false;
    loop {
        match Store::open(&settings.data_dir) {
            Err(StoreError::Locked { lock, .. }) if started.elapsed() < patience => {
                if !said {
                    errln!(
                        "waiting up to {}s for the nianbao process that holds {}",
                        patience.as_secs(),
                        lock.display()
                    );
                    said = true;
                }
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            result => return result.map(Arc::new),
        }
    }
}

/// The next signal of a stream, or never when the stream could not be made.
#[cfg(unix)]
async fn next_of(stream: &mut Option<tokio::signal::unix::Signal>) {
    match stream {
        Some(stream) => {
            stream.recv().await;
        }
        None => std::future::pending::<()>().await,
    }
}

/// Resolves when the process is asked to stop: Ctrl-C, SIGTERM, or SIGHUP (the terminal of a
/// manual run closed), which would otherwise kill it with nothing saved.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        // Each stream is made before any is awaited, so every one of the three is caught from
        // here on; a stream that cannot be made leaves that signal as it was.
        let mut term = signal(SignalKind::terminate()).ok();
        let mut hangup = signal(SignalKind::hangup()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = next_of(&mut term) => {}
            _ = next_of(&mut hangup) => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
