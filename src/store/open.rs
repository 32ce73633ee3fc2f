//! Opening a data_dir's store: its lock, an interrupted compaction's recovery, the index (waiting
//! out sled's own lock), the seal check and the migrations.

use std::fs::OpenOptions;
use std::path::Path;
use std::sync::atomic::Ordering;

use super::seal::Seal;
use super::{
    CACHE_CAPACITY, COMMIT_BATCH, COMMIT_ENOUGH, COMMIT_WINDOW, DB_DIR, FLUSH_BATCH, FLUSH_WINDOW,
    LOCK_FILE, Store, StoreError, batch, compact, group,
};

impl Store {
    /// Whether `data_dir` holds a store (a command that only reads one opens none elsewhere,
    /// where opening would make an empty one).
    pub fn is_in(data_dir: &Path) -> bool {
        data_dir.join(DB_DIR).is_dir()
    }

    /// Opens (creating if needed) the store in `data_dir`, taking its lock first.
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| StoreError::Io { path, source }
        };
        std::fs::create_dir_all(data_dir).map_err(io(data_dir))?;
        let lock_path = data_dir.join(LOCK_FILE);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io(&lock_path))?;
        let asked = std::time::Instant::now();
        loop {
            match lock.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) if asked.elapsed() < LOCK_PATIENCE => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(StoreError::Locked {
                        path: data_dir.to_path_buf(),
                        lock: lock_path,
                    });
                }
                Err(std::fs::TryLockError::Error(source)) => {
                    return Err(StoreError::Io {
                        path: lock_path,
                        source,
                    });
                }
            }
        }
        compact::recover(data_dir)?;
        let db_path = data_dir.join(DB_DIR);
        let db = open_index(&db_path)?;
        let store = Store {
            urls: db.open_tree("urls")?,
            docs: db.open_tree("docs")?,
            by_hash: db.open_tree("by_hash")?,
            versions: db.open_tree("versions")?,
            meta: db.open_tree("meta")?,
            runs: db.open_tree("runs")?,
            consumers: db.open_tree("consumers")?,
            exchanges: db.open_tree("exchanges")?,
            warc_responses: db.open_tree("warc_responses")?,
            warc_written: db.open_tree("warc_written")?,
            retry_due: db.open_tree("retry_due")?,
            gone: db.open_tree("gone")?,
            unreadable: db.open_tree("unreadable")?,
            attachment_waits: db.open_tree("attachment_waits")?,
            withdrawn: db.open_tree("withdrawn")?,
            listed: db.open_tree("listed")?,
            portal_counts: db.open_tree("portal_counts")?,
            warc_pending: db.open_tree("warc_pending")?,
            flushes: group::GroupSync::new(FLUSH_WINDOW, FLUSH_BATCH),
            commits: batch::Batcher::new(COMMIT_BATCH, COMMIT_WINDOW, COMMIT_ENOUGH),
            durable: std::sync::atomic::AtomicU64::new(0),
            deferred: std::sync::atomic::AtomicBool::new(false),
            same_unread: std::sync::atomic::AtomicBool::new(false),
            sealed: std::sync::Mutex::new(Seal::default()),
            db,
            data_dir: data_dir.to_path_buf(),
            lock: Some(lock),
        };
        store.check_seal()?;
        store.migrate_retry_index()?;
        store.migrate_wait_index()?;
        store.migrate_same_report_index()?;
        store.migrate_text_waiting()?;
        // What sled recovered at open is on disk.
        store.durable.store(store.last_seq()?, Ordering::SeqCst);
        store.migrate_tallies()?;
        Ok(store)
    }
}

/// How every index is opened: the store's and a compaction's copy.
pub(super) fn sled_config(path: &Path) -> sled::Config {
    sled::Config::new()
        .path(path)
        .cache_capacity(CACHE_CAPACITY)
}

/// Longest the data_dir lock is waited for before the store is called locked. A lock this
/// process has just let go can still be held for a moment by a copy of its descriptor: a child
/// that another thread is starting holds every open file between its fork and its exec (the
/// lock file is close-on-exec, so the exec lets it go). Another process holding the store is
/// told so after this wait.
const LOCK_PATIENCE: std::time::Duration = std::time::Duration::from_secs(2);

/// Longest the index's own lock is waited for (see `open_index`).
const INDEX_LOCK_PATIENCE: std::time::Duration = std::time::Duration::from_secs(5);

/// Opens the index at `path`. sled locks a file of its own too, and a handle this process has
/// just closed can keep that lock for a moment while sled's background threads finish their
/// writes; the data_dir lock, held by the caller, keeps every other process out, so a refusal
/// on sled's lock is waited out for up to [`INDEX_LOCK_PATIENCE`].
fn open_index(path: &Path) -> Result<sled::Db, StoreError> {
    let started = std::time::Instant::now();
    loop {
        match sled_config(path).open() {
            Err(sled::Error::Io(e))
                if e.to_string().contains("could not acquire lock")
                    && started.elapsed() < INDEX_LOCK_PATIENCE =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            // A write refused by the filesystem or the file size limit says nothing of the
            // index: it is whole, and restoring it from a backup (as a damaged one asks) would
            // not help.
            Err(sled::Error::Io(e)) if super::fault::is_disk_fault(&e) => {
                return Err(StoreError::DiskFault {
                    data_dir: path.parent().unwrap_or(path).to_path_buf(),
                    first: format!("{}: {e}", path.display()),
                });
            }
            opened => {
                return opened.map_err(|source| StoreError::Open {
                    path: path.to_path_buf(),
                    source,
                });
            }
        }
    }
}
