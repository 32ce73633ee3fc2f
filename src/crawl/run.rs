//! Runs one crawl or backfill: `run_on` and its steps in the order the run takes them (scope
//! the portals, open the host gate and the fetcher, open and resume the frontier, open the
//! outputs, start the workers, wait, close, report).

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use tokio::sync::Notify;

use super::closing::{add_health, add_standing};
use super::heartbeat::{AbortOnDrop, TurnsWriter, write_turns_every_heartbeat};
use super::progress::Progress;
use super::queue::{self, Queues};
use super::{
    Engine, IO_POOL, Mode, PortalScope, RECENT_RUNS, STOP_GRACE, crawl_archive, guard, pace, sweep,
};
use crate::config::Settings;
use crate::fetch::{Fetcher, is_private_host};
use crate::gate::{HostGate, host_key, turns};
use crate::report::{RunReport, StatedCounts};
use crate::store::{FrontierStore, Store};
use crate::warc_sink::WarcSink;

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
    // A clock behind the newest run's does not make this run read as older than it.
    let run_id = store.next_run_id(started_at)?;
    let archive = crawl_archive(settings)?;
    let storage = crate::storage::Storage::open(&settings.storage, &settings.data_dir)?;
    let (intervals, portals) = scope_portals(settings, &network);
    let (gate, turns_writer, heartbeat) = open_gate(settings, intervals).await;
    let fetcher = open_fetcher(settings, &gate, &portals, network)?;
    let Resumed {
        frontier,
        resuming,
        swept,
        journal,
        previous_end,
        suspects,
    } = open_and_resume(settings, &store, &mode, started_at).await?;
    let warc = open_warc(settings, &store, &mode, &storage).await?;
    // Parsers read the feed log while the crawl runs: it gets each record once it is durable.
    let feed = crate::feed::Follower::start(store.clone()).await?;
    let (mut text_tools, stated_before) = find_text_tools_and_counts(&store).await?;
    text_tools.time_limit = Some(settings.crawl.text_time_limit);
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
        storage_refused: AtomicU64::new(0),
    });
    start_workers(&engine, &mode, resuming)?;

    tokio::pin!(shutdown);
    let interrupted = wait_until_done(&engine, &mut shutdown).await;
    close_outputs(&engine, &store, &gate, heartbeat, &turns_writer, feed).await?;

    let resumable = keep_or_clear_frontier(&engine, interrupted)?;
    print_dry_run(&engine, &mode)?;
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
        storage_refused: engine.storage_refused.load(Ordering::Relaxed),
    };
    complete_report(&engine, &store, &mode, started_at, &mut report);
    save_report(settings, &store, &storage, &report).await?;
    // Finished or stopped on request: a clean end, nothing in flight.
    engine.journal.close();
    Ok(report)
}

/// Each portal as the crawl sees it, and the longest gap any portal on a host asks for.
fn scope_portals(
    settings: &Settings,
    network: &Network,
) -> (HashMap<String, Duration>, HashMap<String, PortalScope>) {
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
    (intervals, portals)
}

/// The host gate, resumed from the last run's turns, with the turns file written now and at
/// every heartbeat until the heartbeat is dropped.
async fn open_gate(
    settings: &Settings,
    intervals: HashMap<String, Duration>,
) -> (Arc<HostGate>, Arc<TurnsWriter>, AbortOnDrop) {
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
    (gate, turns_writer, heartbeat)
}

/// The fetcher, through the gate, resolving private addresses only for the names allowed them.
fn open_fetcher(
    settings: &Settings,
    gate: &Arc<HostGate>,
    portals: &HashMap<String, PortalScope>,
    network: Network,
) -> anyhow::Result<Fetcher> {
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
    fetcher.keep_intermediates(&settings.data_dir.join("tls").join("intermediates"));
    Ok(fetcher)
}

/// What `open_and_resume` found: the frontier and what the last run left.
struct Resumed {
    frontier: FrontierStore,
    resuming: bool,
    swept: std::collections::BTreeSet<String>,
    journal: guard::Journal,
    previous_end: guard::PreviousEnd,
    suspects: HashMap<String, crate::store::Suspect>,
}

/// Opens the mode's frontier (resuming when it holds tasks), chooses the portals to sweep, and
/// opens the crash guard's journal, saying how the previous run ended.
async fn open_and_resume(
    settings: &Settings,
    store: &Arc<Store>,
    mode: &Mode,
    started_at: DateTime<Utc>,
) -> anyhow::Result<Resumed> {
    let frontier = store.frontier(&mode.frontier_name())?;
    let resuming = !frontier.is_empty();
    let swept = sweep::choose(settings, store, &frontier, mode, resuming, started_at)?;
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
    Ok(Resumed {
        frontier,
        resuming,
        swept,
        journal,
        previous_end,
        suspects,
    })
}

/// The WARC sink, caught up with versions an earlier run left without records; none when WARC
/// output is off or in a dry run.
async fn open_warc(
    settings: &Settings,
    store: &Arc<Store>,
    mode: &Mode,
    storage: &crate::storage::Storage,
) -> anyhow::Result<Option<Arc<WarcSink>>> {
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
    Ok(warc)
}

/// The tools that derive attachments' text (warning of each that is missing), and the counts
/// recent runs' lists stated.
async fn find_text_tools_and_counts(
    store: &Arc<Store>,
) -> anyhow::Result<(crate::text::Tools, HashMap<super::ListId, u64>)> {
    let text_tools = tokio::task::spawn_blocking(crate::text::Tools::discover).await?;
    let stated_before =
        StatedCounts::accounted(store.runs_newest_first::<StatedCounts>().take(RECENT_RUNS));
    for missing in text_tools.missing() {
        tracing::warn!("{missing} (the first crawl after it is installed derives it)");
    }
    Ok((text_tools, stated_before))
}

/// Seeds the frontier (or resumes it), which spawns the workers, and takes up the texts
/// earlier runs left waiting.
fn start_workers(engine: &Arc<Engine>, mode: &Mode, resuming: bool) -> anyhow::Result<()> {
    for portal in &engine.swept {
        engine.report(portal, |r| r.swept = true);
    }
    // Seeding spawns workers as it goes, and a worker can finish a task (a known item, say)
    // before the next one is queued: hold the count above zero until every task is in.
    // The versions archived before this run: only their texts are taken up below.
    let before_run = engine.store.last_seq()?;
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
            taking_up.take_up_texts(before_run).await;
            taking_up.release();
        });
    }
    Ok(())
}

/// Waits until every task is done (and then the delisted reports asked) or `shutdown` fires;
/// on a stop, gives the work in flight `STOP_GRACE`. Whether the run ends interrupted: stopped,
/// or with tasks it could not read back from disk. `shutdown` stays the caller's, pinned, so that
/// it lives until the run returns.
async fn wait_until_done<F: Future<Output = ()>>(
    engine: &Arc<Engine>,
    shutdown: &mut std::pin::Pin<&mut F>,
) -> bool {
    let mut interrupted = engine.until_idle(shutdown).await;
    // Once every walk has ended: the archived reports the complete lists no longer show are
    // asked, and the run waits for them too.
    if !interrupted {
        engine.hold();
        let asked = engine.ask_delisted();
        engine.release();
        if asked > 0 {
            interrupted = engine.until_idle(shutdown).await;
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
    interrupted || lost
}

/// Ends the progress line and the heartbeat, writes the last turns, flushes the store and
/// finishes the feed and the WARC output.
async fn close_outputs(
    engine: &Arc<Engine>,
    store: &Arc<Store>,
    gate: &Arc<HostGate>,
    heartbeat: AbortOnDrop,
    turns_writer: &Arc<TurnsWriter>,
    feed: crate::feed::Follower,
) -> anyhow::Result<()> {
    engine.progress.finish();
    drop(heartbeat);
    turns_writer.write(gate, true).await;
    let store_for_flush = store.clone();
    tokio::task::spawn_blocking(move || store_for_flush.flush()).await??;
    feed.finish().await?;
    if let Some(sink) = engine.warc.clone() {
        // The last file is closed too: a later run starts a new one.
        tokio::task::spawn_blocking(move || sink.finish()).await??;
    }
    Ok(())
}

/// An interrupted run keeps its ledgers and frontier for the next one (the count of tasks it
/// left); a finished one clears its frontier.
fn keep_or_clear_frontier(engine: &Arc<Engine>, interrupted: bool) -> anyhow::Result<u64> {
    let resumable = if interrupted {
        engine.keep_all_ledgers();
        engine.frontier_queued()?
    } else {
        0
    };
    if !interrupted {
        engine.frontier.clear()?;
    }
    Ok(resumable)
}

/// A dry run prints the items it would fetch; a stdout that cannot take them fails the run.
fn print_dry_run(engine: &Arc<Engine>, mode: &Mode) -> anyhow::Result<()> {
    if mode.is_dry_run() {
        let items = engine
            .dry_run_items
            .lock()
            .expect("dry-run list lock is never poisoned");
        for url in items.iter() {
            outln!("would fetch {url}");
        }
    }
    Ok(())
}

/// Settles each list's accounted count, adds each portal's requests, reachability and time,
/// and the health, sweep and standing the store's earlier runs give.
fn complete_report(
    engine: &Arc<Engine>,
    store: &Arc<Store>,
    mode: &Mode,
    started_at: DateTime<Utc>,
    report: &mut RunReport,
) {
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
        if let Some((host, paused)) = host.and_then(|h| Some((&h.host, h.paused.as_ref()?))) {
            entry.unreachable = true;
            entry.host_paused = Some(format!("host {host}: {paused}"));
        }
        entry.elapsed_secs = report.elapsed_secs;
    }
    if !mode.command().contains("--dry-run") {
        add_health(store, report);
    }
    sweep::record(store, report, mode, started_at);
    add_standing(store, report);
}

/// Records the report in the store, writes its file and copies it and the feed log to storage.
async fn save_report(
    settings: &Settings,
    store: &Arc<Store>,
    storage: &crate::storage::Storage,
    report: &RunReport,
) -> anyhow::Result<()> {
    store.put_run(&report.run_id, report)?;
    store.flush()?;
    let runs = settings.data_dir.join("runs");
    let written = report.write(&settings.data_dir).map_err(|e| {
        anyhow::anyhow!(
            "cannot write the run report {} under {}: {e}",
            report.run_id,
            runs.display()
        )
    })?;
    storage.copy_run_report(&report.run_id, &written).await;
    crate::feed::copy_log_to_storage(storage).await;
    Ok(())
}
