//! Crawl: the one driver of concurrency. Holds the run's frontier (per-host queues mirrored in
//! sled), runs one worker per host slot, hands list pages to discover and item pages to extract,
//! and commits what is new. A failed URL is recorded and counted; it never stops the run.

mod frontier;
mod item;
mod list;
mod progress;
mod task;

use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::ops::RangeInclusive;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{SecondsFormat, Utc};
use tokio::sync::Notify;
use url::Url;

pub use task::{Role, Task, TaskRequest, TaskState};

use crate::archive::Archive;
use crate::config::{Portal, Settings};
use crate::fetch::{ExcludeReason, Fetcher, is_private_host};
use crate::gate::{HostGate, host_key};
use crate::report::{PortalReport, RunReport};
use crate::store::{FrontierStore, Store};
use crate::warc_sink::WarcSink;
use progress::Progress;

/// How long in-flight work may take to finish after a stop was requested.
const STOP_GRACE: Duration = Duration::from_secs(10);

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
}

#[derive(Default)]
struct Queues {
    per_host: HashMap<String, VecDeque<Task>>,
    workers: HashMap<String, usize>,
    seen: HashSet<String>,
    /// Tasks queued or being worked on.
    outstanding: usize,
}

/// One run's state, shared by its workers.
pub(crate) struct Engine {
    settings: Settings,
    mode: Mode,
    store: Arc<Store>,
    frontier: FrontierStore,
    archive: Archive,
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
}

/// Runs one crawl or backfill until its frontier is empty or `shutdown` fires.
pub async fn run(
    settings: &Settings,
    store: Arc<Store>,
    mode: Mode,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<RunReport> {
    let started = Instant::now();
    let started_at = Utc::now();
    let run_id = started_at.format("%Y%m%dT%H%M%S%.3fZ").to_string();
    let archive = Archive::open(&settings.data_dir)?;
    let mut intervals = HashMap::new();
    let mut portals = HashMap::new();
    for portal in &settings.portals {
        let host = host_key(&portal.url);
        if let Some(interval) = portal.per_host_interval {
            let entry = intervals.entry(host.clone()).or_insert(interval);
            *entry = (*entry).max(interval);
        }
        let allow_private = is_private_host(&portal.url);
        portals.insert(
            portal.name.clone(),
            PortalScope {
                portal: portal.clone(),
                host,
                allow_private,
            },
        );
    }
    let gate = Arc::new(HostGate::new(settings.politeness.clone(), intervals));
    // Names of portals configured on private addresses may resolve to them; no other name may.
    let private_names = portals
        .values()
        .filter(|p: &&PortalScope| p.allow_private)
        .filter_map(|p| p.portal.url.host_str().map(str::to_string))
        .collect();
    let fetcher = Fetcher::with_private_names(gate.clone(), settings.fetch.clone(), private_names)?;
    let frontier = store.frontier(&mode.frontier_name())?;
    let warc = if settings.warc.enabled && !mode.is_dry_run() {
        let (settings, store) = (settings.clone(), store.clone());
        let sink = tokio::task::spawn_blocking(move || -> anyhow::Result<Arc<WarcSink>> {
            let sink = WarcSink::open(&settings, store)?;
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
    let engine = Arc::new(Engine {
        settings: settings.clone(),
        mode: mode.clone(),
        store: store.clone(),
        frontier,
        archive,
        fetcher,
        portals,
        queues: Mutex::new(Queues::default()),
        reports: Mutex::new(HashMap::new()),
        idle: Notify::new(),
        stopping: AtomicBool::new(false),
        progress: Progress::new(),
        dry_run_items: Mutex::new(Vec::new()),
        warc,
    });
    // Seeding spawns workers as it goes, and a worker can finish a task (a known item, say)
    // before the next one is queued: hold the count above zero until every task is in.
    engine.hold();
    let seeded = engine.seed();
    engine.release();
    seeded?;

    let idle = engine.idle.notified();
    tokio::pin!(idle);
    let interrupted = if engine.outstanding() == 0 {
        false
    } else {
        tokio::select! {
            _ = &mut idle => false,
            _ = shutdown => true,
        }
    };
    if interrupted {
        tracing::warn!("stop requested: finishing requests in flight, then saving the frontier");
        engine.stopping.store(true, Ordering::SeqCst);
        let _ = tokio::time::timeout(STOP_GRACE, engine.wait_for_workers()).await;
    }
    engine.progress.finish();
    let store_for_flush = store.clone();
    tokio::task::spawn_blocking(move || store_for_flush.flush()).await??;

    let resumable = if interrupted {
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
    };
    for (name, scope) in &engine.portals {
        let entry = report.portals.entry(name.clone()).or_default();
        let host = report.hosts.iter().find(|h| h.host == scope.host);
        if let Some(h) = host {
            entry.requests = h.requests;
            if h.paused.is_some() {
                entry.unreachable = true;
            }
        }
        entry.elapsed_secs = report.elapsed_secs;
    }
    store.put_run(&report.run_id, &report)?;
    store.flush()?;
    report.write(&settings.data_dir)?;
    Ok(report)
}

impl Engine {
    /// Writes a capture that created no version to the WARC output, if it is on.
    pub(crate) async fn warc_live(&self, portal: &str, capture: &crate::fetch::Capture) {
        let Some(sink) = self.warc.clone() else {
            return;
        };
        let capture = capture.clone();
        let result = tokio::task::spawn_blocking(move || sink.write_live(&capture)).await;
        self.warc_result(portal, result);
    }

    /// Writes an archived version's captures to the WARC output, if it is on.
    pub(crate) async fn warc_version(&self, portal: &str, seq: u64) {
        let Some(sink) = self.warc.clone() else {
            return;
        };
        let result = tokio::task::spawn_blocking(move || sink.write_version(seq)).await;
        self.warc_result(portal, result);
    }

    fn warc_result(
        &self,
        portal: &str,
        result: Result<anyhow::Result<()>, tokio::task::JoinError>,
    ) {
        let error = match result {
            Ok(Ok(())) => return,
            Ok(Err(e)) => format!("{e:#}"),
            Err(e) => e.to_string(),
        };
        // The version stays unmarked, so the next run (or `export --format warc`) writes it.
        tracing::error!("cannot write WARC records: {error}");
        self.report(portal, |r| {
            *r.failures.entry("warc".into()).or_default() += 1
        });
    }

    /// Classifies a fetched body and, unless it is a document file, decodes it (flagging mojibake)
    /// and classifies it again with its text.
    pub(crate) fn read_page(
        &self,
        portal: &str,
        capture: &crate::fetch::Capture,
    ) -> (Option<crate::decode::Decoded>, crate::classify::PageKind) {
        use crate::classify::{PageKind, classify};
        let content_type = capture.header("content-type");
        let name_hint = Some(capture.url.path());
        let kind = classify(capture.status, content_type, &capture.body, None, name_hint);
        if matches!(kind, PageKind::Attachment { .. }) {
            return (None, kind);
        }
        let decoded = crate::decode::decode(&capture.body, content_type);
        self.flag_mojibake(portal, &capture.url, &decoded);
        let kind = classify(
            capture.status,
            content_type,
            &capture.body,
            Some(&decoded.text),
            name_hint,
        );
        (Some(decoded), kind)
    }

    /// Mojibake in a decoded page (U+FFFD runs, UTF-8 read as Latin-1) is logged and counted:
    /// the raw bytes are kept untouched either way, so a better decoder can revisit them.
    pub(crate) fn flag_mojibake(&self, portal: &str, url: &Url, decoded: &crate::decode::Decoded) {
        if decoded.mojibake {
            tracing::warn!(url = %url, charset = decoded.encoding.name(), source = decoded.source.as_str(), "page text looks like mojibake");
            self.report(portal, |r| r.mojibake += 1);
        }
    }

    pub(crate) fn report<R>(&self, portal: &str, f: impl FnOnce(&mut PortalReport) -> R) -> R {
        let mut reports = self.reports.lock().expect("report lock is never poisoned");
        f(reports.entry(portal.to_string()).or_default())
    }

    fn scope_of(&self, portal: &str) -> Option<&PortalScope> {
        self.portals.get(portal)
    }

    /// The scope rule for list pages and items: the portal's own host.
    pub(crate) fn same_host_scope(
        &self,
        portal: &str,
    ) -> impl Fn(&Url) -> Result<(), ExcludeReason> + Send + Sync {
        let host = self
            .scope_of(portal)
            .map(|s| s.host.clone())
            .unwrap_or_default();
        move |url: &Url| {
            if host_key(url) == host {
                Ok(())
            } else {
                Err(ExcludeReason::OutOfScope(format!(
                    "{} is not the portal's host {host}",
                    host_key(url)
                )))
            }
        }
    }

    pub(crate) fn allow_private(&self, portal: &str) -> bool {
        self.scope_of(portal).is_some_and(|s| s.allow_private)
    }

    pub(crate) fn portal_name_of(&self, portal: &str) -> String {
        self.scope_of(portal)
            .map(|s| s.portal.name.clone())
            .unwrap_or_else(|| portal.to_string())
    }
}
