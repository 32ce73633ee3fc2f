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
mod same;
pub(crate) mod sweep;
mod task;
mod text;
mod upload;
mod years;

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::ops::RangeInclusive;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{SecondsFormat, Utc};
use tokio::sync::Notify;

pub use pace::{PAGE_DELAY_ENV, PAGE_DELAY_MAX};
pub use task::{Role, Task, TaskRequest, TaskState};

use crate::archive::Archive;
use crate::config::{Portal, Settings};
use crate::discover::PageRequest;
use crate::fetch::{Fetcher, is_private_host};
use crate::gate::{HostGate, host_key, turns};
use crate::report::{PortalReport, RunReport, StatedCounts};
use crate::store::{FrontierStore, Store};
use crate::warc_sink::WarcSink;
use closing::{add_health, add_standing};
use heartbeat::{AbortOnDrop, TurnsWriter, write_turns_every_heartbeat};
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

/// Runs one crawl or backfill until its frontier is empty or `shutdown` fires.
pub async fn run(
    settings: &Settings,
    store: Arc<Store>,
    mode: Mode,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<RunReport> {
    run_on(settings, store, mode, Network::default(), shutdown).await
}

/// How a run reaches hosts: where it looks names up, and which names besides those of portals
/// configured on private addresses may resolve to one. The system resolver and none by default;
/// a library user (a test of one site's several hosts on loopback) passes a table of its own.
#[derive(Clone, Debug, Default)]
pub struct Network {
    pub lookup: crate::fetch::Lookup,
    /// Names that live on private or loopback addresses by the caller's word: a portal on one of
    /// them is fetched as a portal configured on such an address is.
    pub private_names: std::collections::HashSet<String>,
}

/// As `run`, reaching hosts through `network`.
pub async fn run_on(
    settings: &Settings,
    store: Arc<Store>,
    mode: Mode,
    network: Network,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<RunReport> {
    let started = Instant::now();
    let started_at = Utc::now();
    let run_id = started_at.format("%Y%m%dT%H%M%S%.3fZ").to_string();
    let archive = crawl_archive(settings)?;
    let storage = crate::storage::Storage::open(&settings.storage, &settings.data_dir)?;
    let mut intervals = HashMap::new();
    let mut portals = HashMap::new();
    for portal in &settings.portals {
        let host = host_key(&portal.url);
        if let Some(interval) = portal.per_host_interval {
            let entry = intervals.entry(host.clone()).or_insert(interval);
            *entry = (*entry).max(interval);
        }
        let allow_private = is_private_host(&portal.url) || network.private_names.contains(&host);
        portals.insert(
            portal.name.clone(),
            PortalScope {
                portal: portal.clone(),
                host,
                allow_private,
                requests: AtomicU64::new(0),
            },
        );
    }
    let gate = Arc::new(HostGate::new(settings.politeness.clone(), intervals));
    // A run started right after another one stopped keeps that run's gaps and pauses.
    gate.resume_turns(turns::read(
        &settings.data_dir,
        std::time::SystemTime::now(),
    ));
    let turns_writer = Arc::new(TurnsWriter {
        data_dir: settings.data_dir.clone(),
        ended: Mutex::new(false),
    });
    // Written before the first request: a run that dies at once leaves its file too, so the
    // next knows that any host may have been asked just now.
    turns_writer.write(&gate, false).await;
    let heartbeat = AbortOnDrop(tokio::spawn(write_turns_every_heartbeat(
        gate.clone(),
        turns_writer.clone(),
    )));
    // Names of portals configured on private addresses may resolve to them; no other name may.
    let private_names = portals
        .values()
        .filter(|p: &&PortalScope| p.allow_private)
        .filter_map(|p| p.portal.url.host_str().map(str::to_string))
        .chain(network.private_names.iter().cloned())
        .collect();
    let mut fetcher = Fetcher::with_lookup(
        gate.clone(),
        settings.fetch.clone(),
        private_names,
        network.lookup,
    )?;
    fetcher.set_tls_hosts(crate::fetch::TlsHosts::of_portals(
        settings.fetch.tls_verify,
        &settings.portals,
    ))?;
    fetcher.keep_intermediates(&settings.data_dir.join("tls").join("intermediates"))?;
    let frontier = store.frontier(&mode.frontier_name())?;
    let resuming = !frontier.is_empty();
    let swept = sweep::choose(settings, &store, &frontier, &mode, resuming, started_at)?;
    let (journal, previous_end) = {
        let (data_dir, store) = (settings.data_dir.clone(), store.clone());
        tokio::task::spawn_blocking(move || guard::Journal::open(&data_dir, &store)).await??
    };
    for url in &previous_end.quarantined {
        tracing::error!(url = %url, "in flight at two consecutive abnormal ends: quarantined");
    }
    if previous_end.abnormal {
        tracing::warn!(
            suspects = previous_end.suspects,
            "the previous run ended abnormally; pages it was reading are checked in a separate process first"
        );
    }
    let suspects = store.suspects()?.into_iter().collect();
    let warc = if settings.warc.enabled && !mode.is_dry_run() {
        let (settings, store, storage) = (settings.clone(), store.clone(), storage.clone());
        let sink = tokio::task::spawn_blocking(move || -> anyhow::Result<Arc<WarcSink>> {
            let sink = WarcSink::open(&settings, store, &storage)?;
            // Versions committed just before an earlier run died have no WARC records yet.
            let caught_up = sink.write_pending(0)?;
            if caught_up > 0 {
                tracing::info!(
                    versions = caught_up,
                    "wrote WARC records missing from an earlier run"
                );
            }
            Ok(Arc::new(sink))
        })
        .await??;
        Some(sink)
    } else {
        None
    };
    // Parsers read the feed log while the crawl runs: it gets each record once it is durable.
    let feed = crate::feed::Follower::start(store.clone()).await?;
    let text_tools = tokio::task::spawn_blocking(crate::text::Tools::discover).await?;
    let stated_before =
        StatedCounts::accounted(store.runs_newest_first::<StatedCounts>().take(RECENT_RUNS));
    for missing in text_tools.missing() {
        tracing::warn!("{missing} (the first crawl after it is installed derives it)");
    }
    let engine = Arc::new(Engine {
        settings: settings.clone(),
        mode: mode.clone(),
        store: store.clone(),
        frontier,
        archive,
        storage: storage.clone(),
        fetcher,
        portals,
        queues: Mutex::new(Queues::new(queue::window_size(settings))),
        reports: Mutex::new(HashMap::new()),
        idle: Notify::new(),
        stopping: AtomicBool::new(false),
        progress: Progress::new(),
        dry_run_items: Mutex::new(Vec::new()),
        warc,
        cpu: Arc::new(tokio::sync::Semaphore::new(
            std::thread::available_parallelism().map_or(2, |n| n.get()),
        )),
        io: Arc::new(tokio::sync::Semaphore::new(IO_POOL)),
        journal,
        suspects: Mutex::new(suspects),
        quarantined: Mutex::new(previous_end.quarantined.clone()),
        text_tools,
        page_delay: pace::page_delay_requested(),
        stated_before,
        named_pages: Mutex::new(HashMap::new()),
        swept,
    });
    for portal in &engine.swept {
        engine.report(portal, |r| r.swept = true);
    }
    // Seeding spawns workers as it goes, and a worker can finish a task (a known item, say)
    // before the next one is queued: hold the count above zero until every task is in.
    engine.hold();
    let seeded = engine.seed(resuming);
    engine.release();
    seeded?;
    // Texts earlier runs left waiting, beside the crawl (one file at a time on the CPU pool);
    // the run ends when both are done.
    if !mode.is_dry_run() {
        engine.hold();
        let taking_up = engine.clone();
        tokio::spawn(async move {
            taking_up.take_up_texts().await;
            taking_up.release();
        });
    }

    tokio::pin!(shutdown);
    let mut interrupted = engine.until_idle(&mut shutdown).await;
    // Once every walk has ended: the archived reports the complete lists no longer show are
    // asked, and the run waits for them too.
    if !interrupted {
        engine.hold();
        let asked = engine.ask_delisted();
        engine.release();
        if asked > 0 {
            interrupted = engine.until_idle(&mut shutdown).await;
        }
    }
    if interrupted {
        tracing::warn!("stop requested: finishing requests in flight, then saving the frontier");
        engine.stopping.store(true, Ordering::SeqCst);
        let _ = tokio::time::timeout(STOP_GRACE, engine.wait_for_workers()).await;
    }
    // Tasks the run could not read back from disk are still queued in the frontier: the run
    // ends as interrupted, so the next one resumes them.
    let lost = engine
        .queues
        .lock()
        .expect("queue lock is never poisoned")
        .fault;
    if lost {
        tracing::error!("queued tasks could not be read back from disk: the next run resumes them");
    }
    let interrupted = interrupted || lost;
    engine.progress.finish();
    drop(heartbeat);
    turns_writer.write(&gate, true).await;
    let store_for_flush = store.clone();
    tokio::task::spawn_blocking(move || store_for_flush.flush()).await??;
    feed.finish().await?;
    if let Some(sink) = engine.warc.clone() {
        // The last file is closed too: a later run starts a new one.
        tokio::task::spawn_blocking(move || sink.finish()).await??;
    }

    let resumable = if interrupted {
        engine.keep_all_ledgers();
        engine.frontier_queued()?
    } else {
        0
    };
    if !interrupted {
        engine.frontier.clear()?;
    }
    if mode.is_dry_run() {
        let items = engine
            .dry_run_items
            .lock()
            .expect("dry-run list lock is never poisoned");
        for url in items.iter() {
            println!("would fetch {url}");
        }
    }
    let mut report = RunReport {
        run_id,
        command: mode.command(),
        backfill_years: match &mode {
            Mode::Backfill { years } => Some([*years.start(), *years.end()]),
            Mode::Crawl { .. } => None,
        },
        started_at: started_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        finished_at: Some(Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)),
        elapsed_secs: started.elapsed().as_secs_f64(),
        interrupted,
        resumable_tasks: resumable,
        portals: engine
            .reports
            .lock()
            .expect("report lock is never poisoned")
            .clone()
            .into_iter()
            .collect(),
        hosts: gate.summaries(),
        after_abnormal_end: previous_end.abnormal,
        quarantined: engine
            .quarantined
            .lock()
            .expect("quarantine list lock is never poisoned")
            .clone(),
        shard: settings.shard.map(|s| s.to_string()),
    };
    for list in report
        .portals
        .values_mut()
        .flat_map(|p| p.lists.values_mut())
    {
        list.settle_accounted();
    }
    for (name, scope) in &engine.portals {
        let entry = report.portals.entry(name.clone()).or_default();
        entry.requests = scope.requests.load(Ordering::Relaxed);
        let host = report.hosts.iter().find(|h| h.host == scope.host);
        if host.is_some_and(|h| h.paused.is_some()) {
            entry.unreachable = true;
        }
        entry.elapsed_secs = report.elapsed_secs;
    }
    if !mode.command().contains("--dry-run") {
        add_health(&store, &mut report);
    }
    sweep::record(&store, &mut report, &mode, started_at);
    add_standing(&store, &mut report);
    store.put_run(&report.run_id, &report)?;
    store.flush()?;
    let written = report.write(&settings.data_dir)?;
    storage.copy_run_report(&report.run_id, &written).await;
    crate::feed::copy_log_to_storage(&storage).await;
    // Finished or stopped on request: a clean end, nothing in flight.
    engine.journal.close();
    Ok(report)
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
