//! The feed to downstream parsers: the committed export records in a log of JSON lines that
//! readers follow without the store's lock (`log`), and each consumer's committed position in a
//! file of its own (`positions`). The process that holds the store keeps the log caught up:
//! a crawl follows its own commits (`Follower`), and every `feed` that finds the store free
//! catches the log up first, so a record a crash kept out of the log is added on the next start.

pub mod jetstream;
pub mod log;
pub mod positions;

use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use log::{FeedLog, FeedLogError, LogReader};
pub use positions::{PositionError, Positions};

use crate::storage::Storage;
use crate::store::Store;

/// How often a crawl appends its newly durable records to the log.
const FOLLOW_EVERY: Duration = Duration::from_millis(200);

/// Opens the log for writing and brings it up to every durable record of the store. Consumer
/// positions kept in the store by earlier versions move to their files on the way.
pub fn catch_up(store: &Store) -> Result<FeedLog, FeedLogError> {
    move_store_positions(store);
    let mut log = FeedLog::open(store.data_dir())?;
    log.check_belongs_to(store, store.data_dir())?;
    let appended = log.catch_up(store, store.durable_seq())?;
    if appended > 0 {
        tracing::info!(records = appended, "feed log caught up with the store");
    }
    Ok(log)
}

/// Earlier versions kept positions in the store; a position with no file yet moves to one.
fn move_store_positions(store: &Store) {
    let positions = Positions::new(store.data_dir());
    let Ok(old) = store.consumers() else {
        return;
    };
    for (name, seq) in old {
        match positions.get(&name) {
            Ok(Some(_)) => {}
            Ok(None) => {
                if let Err(e) = positions.set(&name, seq) {
                    tracing::warn!("cannot move consumer {name:?}'s position (seq {seq}): {e}");
                }
            }
            Err(e) => tracing::warn!("consumer {name:?} (position {seq} in the store): {e}"),
        }
    }
}

/// Keeps the feed log caught up with a running crawl's commits.
pub struct Follower {
    log: Arc<Mutex<FeedLog>>,
    store: Arc<Store>,
    task: tokio::task::JoinHandle<()>,
}

impl Follower {
    /// Catches the log up with the store, then follows its commits in the background.
    pub async fn start(store: Arc<Store>) -> anyhow::Result<Follower> {
        let log = {
            let store = store.clone();
            tokio::task::spawn_blocking(move || catch_up(&store)).await??
        };
        let log = Arc::new(Mutex::new(log));
        let task = {
            let (log, store) = (log.clone(), store.clone());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(FOLLOW_EVERY).await;
                    let (log, store) = (log.clone(), store.clone());
                    let appended = tokio::task::spawn_blocking(move || follow(&log, &store)).await;
                    if let Ok(Err(e)) = appended {
                        // The log is a copy of the store's records: the next start fills it in.
                        tracing::warn!("cannot append to the feed log (caught up later): {e:#}");
                    }
                }
            })
        };
        Ok(Follower { log, store, task })
    }

    /// Stops following and appends what the run committed last.
    pub async fn finish(self) -> anyhow::Result<()> {
        self.task.abort();
        let _ = self.task.await;
        let (log, store) = (self.log, self.store);
        tokio::task::spawn_blocking(move || follow(&log, &store)).await??;
        Ok(())
    }
}

fn follow(log: &Mutex<FeedLog>, store: &Store) -> Result<usize, FeedLogError> {
    let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
    let durable = store.durable_seq();
    if durable <= log.last_seq() {
        return Ok(0);
    }
    log.catch_up(store, durable)
}

/// Copies the feed log's segments to shared storage at `feed/<label>/<segment>` (a segment whose
/// object already has its size is left alone), so that `status --all-shards` and
/// `report --all-shards` see every shard's records. A failure is logged, not fatal: the next
/// run's copy brings the storage up to date.
pub async fn copy_log_to_storage(storage: &Storage) {
    if !storage.is_remote() {
        return;
    }
    let dir = storage.data_dir().join(log::LOG_DIR);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    let mut copied = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if !name.ends_with(".jsonl") {
            continue;
        }
        let key = format!("feed/{}/{name}", storage.run_label());
        let local = entry.metadata().map(|m| m.len()).unwrap_or(0);
        let result = async {
            if let Some(there) = storage.head(&key).await?
                && there.size == local
            {
                return Ok(false);
            }
            let (storage, key, path) = (storage.clone(), key.clone(), entry.path());
            tokio::task::spawn_blocking(move || storage.put_file(&key, &path, false))
                .await
                .map_err(|e| crate::storage::StorageError::Task {
                    what: entry.path().display().to_string(),
                    message: e.to_string(),
                })?
                .map(|_| true)
        }
        .await;
        match result {
            Ok(true) => copied += 1,
            Ok(false) => {}
            Err(e) => tracing::error!(
                url = %storage.url(&key),
                "feed log segment not put into storage (the next run tries again): {:#}",
                anyhow::Error::new(e)
            ),
        }
    }
    if copied > 0 {
        tracing::info!(segments = copied, "feed log put into storage");
    }
}
