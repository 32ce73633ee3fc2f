//! Crawl: the one driver of concurrency. Holds the run's frontier (per-host queues mirrored in
//! sled), runs one worker per host slot, hands list pages to discover and item pages to extract,
//! and commits what is new. A failed URL is recorded and counted; it never stops the run.

mod attachment;
mod closing;
mod delisted;
mod engine;
mod frontier;
pub mod guard;
mod heartbeat;
mod item;
mod ledger;
mod list;
mod pace;
mod progress;
mod queue;
mod read;
mod revisit;
mod run;
mod same;
pub(crate) mod sweep;
mod task;
mod text;
mod upload;
mod years;

use std::collections::{BTreeSet, HashMap};
use std::ops::RangeInclusive;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

pub use pace::{PAGE_DELAY_ENV, PAGE_DELAY_MAX};
pub use run::{Network, run, run_on};
pub use task::{Role, Task, TaskRequest, TaskState};

use crate::archive::Archive;
use crate::config::{Portal, Settings};
use crate::discover::PageRequest;
use crate::fetch::Fetcher;
use crate::report::PortalReport;
use crate::store::{FrontierStore, Store};
use crate::warc_sink::WarcSink;
use progress::Progress;
use queue::Queues;

/// How long in-flight work may take to finish after a stop was requested.
const STOP_GRACE: Duration = Duration::from_secs(10);
/// Longest a page's reading may take on the CPU pool before it is recorded as failed. Bounded
/// parsing keeps real pages far below it (milliseconds); this is the last line of defence.
const PAGE_TIME_LIMIT: Duration = Duration::from_secs(60);
/// Blocking writes (raw files, store commits, WARC records) in flight at once. They mostly wait
/// on locks and fsyncs; a few are enough to keep the disk busy, and each more is a parked thread.
const IO_POOL: usize = 8;

/// What kind of run this is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Nightly: walk lists until pages hold only known items; revisit listed items cheaply.
    Crawl { dry_run: bool },
    /// Walk every page of every section; archive annual reports of these years.
    Backfill { years: RangeInclusive<i32> },
}

impl Mode {
    fn frontier_name(&self) -> String {
        match self {
            Mode::Crawl { dry_run: false } => "crawl".into(),
            Mode::Crawl { dry_run: true } => "crawl-dry-run".into(),
            Mode::Backfill { years } => format!("backfill-{}-{}", years.start(), years.end()),
        }
    }

    fn command(&self) -> String {
        match self {
            Mode::Crawl { dry_run: false } => "crawl".into(),
            Mode::Crawl { dry_run: true } => "crawl --dry-run".into(),
            Mode::Backfill { years } => format!("backfill {}-{}", years.start(), years.end()),
        }
    }

    fn is_backfill(&self) -> bool {
        matches!(self, Mode::Backfill { .. })
    }

    fn is_dry_run(&self) -> bool {
        matches!(self, Mode::Crawl { dry_run: true })
    }
}

/// A portal as the crawl sees it.
struct PortalScope {
    portal: Portal,
    host: String,
    allow_private: bool,
    /// Requests made on the portal's behalf, on every host (see `Engine::fetch`).
    requests: AtomicU64,
}

/// One run's state, shared by its workers.
pub(crate) struct Engine {
    settings: Settings,
    mode: Mode,
    store: Arc<Store>,
    frontier: FrontierStore,
    archive: Archive,
    /// Where archive files go besides data_dir (`[storage]`).
    storage: crate::storage::Storage,
    fetcher: Fetcher,
    portals: HashMap<String, PortalScope>,
    queues: Mutex<Queues>,
    reports: Mutex<HashMap<String, PortalReport>>,
    idle: Notify,
    stopping: AtomicBool,
    progress: Progress,
    /// Items a dry run would fetch, printed at the end.
    dry_run_items: Mutex<Vec<String>>,
    /// WARC output, when enabled (never in a dry run).
    warc: Option<Arc<WarcSink>>,
    /// The CPU pool: one permit per core for reading pages.
    cpu: Arc<tokio::sync::Semaphore>,
    /// The disk pool: permits for the blocking writes (raw files, store commits, WARC), so that
    /// writers waiting on a lock or an fsync wait as tasks, not as hundreds of parked threads.
    io: Arc<tokio::sync::Semaphore>,
    /// The in-flight journal (crash guard).
    journal: guard::Journal,
    /// Suspects and quarantined URLs, by URL (a copy of the store's, kept current).
    suspects: Mutex<HashMap<String, crate::store::Suspect>>,
    /// URLs quarantined during this run.
    quarantined: Mutex<Vec<String>>,
    /// The tools that derive attachments' text (pdftotext), found on PATH at start.
    text_tools: crate::text::Tools,
    /// The tests' slow reading (see [`PAGE_DELAY_ENV`]); zero in every real run.
    page_delay: Duration,
    /// Per portal and list, the stated count the last runs accounted for
    /// (`StatedCounts::accounted`): a crawl walks on while its list states more.
    stated_before: HashMap<ListId, u64>,
    /// Per portal and list, the numbered pages the walked pages of a list sorted oldest first
    /// named: the walk back from its last page goes on through them, whether or not the page it
    /// is on links them (a last page with no pager).
    named_pages: Mutex<HashMap<ListId, Vec<(PageRequest, u64)>>>,
    /// The portals this run sweeps: walked whole, as a backfill of all years walks them.
    swept: BTreeSet<String>,
    /// Versions whose files storage did not take (`[storage]`): not committed, their items
    /// failed and are fetched again by a later run. The run report's `storage_refused`.
    storage_refused: AtomicU64,
}

/// Earlier runs a crawl reads, one at a time: at start for the counts their lists stated
/// (`stated_before`), at its end for each portal's last run to compare with (`health`). Two
/// months of nightly runs, so that neither grows with the archive's history: a list no run
/// among them walked starts with no count, as on its first night, and a portal none of them
/// walked has no health events.
pub(crate) const RECENT_RUNS: usize = 60;

/// A list of a run: its portal and its ledger key (`all`, or a year).
type ListId = (String, String);

/// The archive a crawl writes through: with `[archive] sync = "filesystem"`, its files are made
/// durable by the commits that record them, a batch at a time; else each as it is written.
fn crawl_archive(settings: &Settings) -> Result<Archive, crate::archive::ArchiveError> {
    let archive = Archive::open(&settings.data_dir)?.configured(settings);
    match settings.archive.sync {
        crate::config::SyncMode::File => Ok(archive),
        crate::config::SyncMode::Filesystem => archive.with_deferred_sync(),
    }
}

/// Wire bodies still in memory after archiving, by sha256, for the WARC writer.
pub(crate) type WiresInHand = Vec<(String, bytes::Bytes)>;

#[cfg(test)]
mod tests {
    /// `[archive] sync` decides whether the crawl's archive leaves its syncs to the commits:
    /// only "filesystem" does (and only where `syncfs` exists).
    #[test]
    fn the_sync_setting_picks_how_the_archive_syncs() {
        let cases = [
            ("", false),
            ("[archive]\nsync = \"file\"", false),
            (
                "[archive]\nsync = \"filesystem\"",
                cfg!(target_os = "linux"),
            ),
        ];
        for (text, deferred) in cases {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("config.toml");
            std::fs::write(&path, format!("data_dir = \"data\"\n{text}\n")).expect("write");
            let settings = crate::config::load(&path, &Default::default()).expect("a valid config");
            let archive = super::crawl_archive(&settings).expect("archive");
            assert_eq!(archive.file_sync().is_some(), deferred, "{text:?}");
        }
    }
}
