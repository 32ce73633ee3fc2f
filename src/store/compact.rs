//! Compacting the index (`nianbao compact`): sled keeps the space of removed and rewritten
//! values on disk, so an index whose run reports were pruned, or whose URL states were rewritten
//! night after night, stays as large as it ever was. Compaction copies every tree into a fresh
//! index beside it, checks the copy against the original, and puts it in the original's place.
//!
//! A stop at any point leaves one whole index: the copy is built under `index.compacting` and
//! renamed to `index.new` only once it is whole and checked; the swap renames `index` to
//! `index.old`, then `index.new` to `index`. `recover`, run when a store opens, finishes or
//! undoes what a stopped compaction left.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::{DB_DIR, Store, StoreError};

/// The copy while it is being built: incomplete, thrown away if a stop leaves it.
const BUILDING: &str = "index.compacting";
/// The copy once whole and checked: the index to be, if a stop falls in the swap.
const BUILT: &str = "index.new";
/// The original during the swap, removed once the copy is in place.
const REPLACED: &str = "index.old";
/// Entries copied per batch: a batch is held in memory until it is applied.
const BATCH_ENTRIES: usize = 4096;

/// What a compaction did.
#[derive(Debug, Clone, Copy)]
pub struct Compacted {
    /// The index's size on disk before and after, in bytes.
    pub bytes_before: u64,
    pub bytes_after: u64,
    pub trees: usize,
    pub entries: u64,
    pub seconds: f64,
}

impl Store {
    /// Copies the index into a fresh one and puts it in its place, keeping the data_dir lock
    /// throughout. Consumes the store: open it again to go on.
    pub fn compact(mut self) -> Result<Compacted, StoreError> {
        let started = Instant::now();
        let data_dir = self.data_dir.clone();
        let path = |name: &str| data_dir.join(name);
        let io = |p: PathBuf| move |source| StoreError::Io { path: p, source };
        self.flush()?;
        let bytes_before = dir_bytes(&path(DB_DIR));
        remove_dir_if_there(&path(BUILDING))?;
        let fresh = super::sled_config(&path(BUILDING))
            .open()
            .map_err(|source| StoreError::Open {
                path: path(BUILDING),
                source,
            })?;
        let (mut trees, mut entries) = (0, 0);
        for name in self.db.tree_names() {
            let from = self.db.open_tree(&name)?;
            let to = fresh.open_tree(&name)?;
            trees += 1;
            let mut batch = sled::Batch::default();
            let mut in_batch = 0;
            for entry in from.iter() {
                let (key, value) = entry?;
                batch.insert(key, value);
                in_batch += 1;
                entries += 1;
                if in_batch == BATCH_ENTRIES {
                    to.apply_batch(std::mem::take(&mut batch))?;
                    in_batch = 0;
                }
            }
            to.apply_batch(batch)?;
        }
        fresh.flush()?;
        // The copy must say what the original says, tree names, keys and values, before it
        // takes its place.
        let (original, copy) = (self.db.checksum()?, fresh.checksum()?);
        drop(fresh);
        if original != copy {
            remove_dir_if_there(&path(BUILDING))?;
            return Err(StoreError::Io {
                path: path(BUILDING),
                source: std::io::Error::other(format!(
                    "the compacted copy of the index does not match the original (checksum {copy:08x}, expected {original:08x}); the index is left as it was"
                )),
            });
        }
        std::fs::rename(path(BUILDING), path(BUILT)).map_err(io(path(BUILT)))?;
        sync_dir(&data_dir)?;
        // Close the original index (its seal is written as the store drops) but keep the lock.
        let lock = self.lock.take();
        drop(self);
        std::fs::rename(path(DB_DIR), path(REPLACED)).map_err(io(path(REPLACED)))?;
        std::fs::rename(path(BUILT), path(DB_DIR)).map_err(io(path(DB_DIR)))?;
        sync_dir(&data_dir)?;
        // The compacted index is in place: an original that cannot be removed yet (sled's
        // threads may still be finishing with it) goes when a store next opens (`recover`).
        if let Err(e) = remove_dir_if_there(&path(REPLACED)) {
            tracing::warn!("{e}: removed when the store next opens");
        }
        drop(lock);
        Ok(Compacted {
            bytes_before,
            bytes_after: dir_bytes(&path(DB_DIR)),
            trees,
            entries,
            seconds: started.elapsed().as_secs_f64(),
        })
    }
}

/// Finishes or undoes what a stopped compaction left under `data_dir`, before the index opens
/// (the caller holds the lock). A copy still being built is thrown away; a whole copy takes the
/// index's place when the index is gone (the stop fell in the swap) and is thrown away when
/// the index is there (the swap had not begun); an original left beside the index goes.
pub(super) fn recover(data_dir: &Path) -> Result<(), StoreError> {
    let path = |name: &str| data_dir.join(name);
    remove_dir_if_there(&path(BUILDING))?;
    let index_there = path(DB_DIR).exists();
    if path(BUILT).exists() {
        if index_there {
            remove_dir_if_there(&path(BUILT))?;
        } else {
            std::fs::rename(path(BUILT), path(DB_DIR)).map_err(|source| StoreError::Io {
                path: path(DB_DIR),
                source,
            })?;
            sync_dir(data_dir)?;
        }
    } else if !index_there && path(REPLACED).exists() {
        // Not left by a compaction (the whole copy is renamed before the original moves), but
        // the original is whole: put it back rather than open an empty index.
        std::fs::rename(path(REPLACED), path(DB_DIR)).map_err(|source| StoreError::Io {
            path: path(DB_DIR),
            source,
        })?;
    }
    if path(DB_DIR).exists() {
        remove_dir_if_there(&path(REPLACED))?;
    }
    Ok(())
}

fn remove_dir_if_there(dir: &Path) -> Result<(), StoreError> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(StoreError::Io {
            path: dir.to_path_buf(),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// Makes the renames in `dir` durable.
fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| StoreError::Io {
            path: dir.to_path_buf(),
            source,
        })
}

/// Bytes of the files under `dir` (0 when it is not there).
pub(crate) fn dir_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_bytes(&e.path()),
            Ok(_) => e.metadata().map(|m| m.len()).unwrap_or(0),
            Err(_) => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Opens the store, waiting up to 5 s for its lock: a child another test of this process is
    /// starting (`cp` below, `sh` elsewhere) holds copies of the process's open files, the lock
    /// of a store just closed included, until it runs its program.
    fn open(dir: &Path) -> Store {
        let started = std::time::Instant::now();
        loop {
            match Store::open(dir) {
                Err(StoreError::Locked { .. })
                    if started.elapsed() < std::time::Duration::from_secs(5) =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                opened => return opened.expect("open"),
            }
        }
    }

    fn store_with_runs(dir: &Path, runs: usize) {
        let store = open(dir);
        for n in 0..runs {
            let report = serde_json::json!({"run_id": n, "pad": "x".repeat(20_000)});
            store.put_run(&format!("2026{n:04}"), &report).expect("put");
        }
        store.flush().expect("flush");
    }

    fn run_ids(dir: &Path) -> Vec<String> {
        let store = open(dir);
        store
            .runs_sized_newest_first::<serde_json::Value>()
            .map(|r| r.expect("read").0)
            .collect()
    }

    #[test]
    fn a_compacted_index_holds_the_same_and_takes_less_room() {
        let dir = tempfile::tempdir().expect("tempdir");
        store_with_runs(dir.path(), 200);
        {
            let store = open(dir.path());
            for n in 0..190 {
                store.remove_run(&format!("2026{n:04}")).expect("remove");
            }
            store.flush().expect("flush");
        }
        let before = run_ids(dir.path());
        let done = open(dir.path()).compact().expect("compact");
        assert_eq!(run_ids(dir.path()), before);
        assert_eq!(before.len(), 10);
        assert!(
            done.bytes_after < done.bytes_before,
            "{} -> {}",
            done.bytes_before,
            done.bytes_after
        );
        for left in [BUILDING, BUILT, REPLACED] {
            assert!(!dir.path().join(left).exists(), "{left} left behind");
        }
    }

    #[test]
    fn a_stopped_compaction_leaves_one_whole_index() {
        let dir = tempfile::tempdir().expect("tempdir");
        store_with_runs(dir.path(), 3);
        let index = dir.path().join(DB_DIR);
        let copy = |to: &str| {
            let status = std::process::Command::new("cp")
                .arg("-r")
                .arg(&index)
                .arg(dir.path().join(to))
                .status()
                .expect("cp");
            assert!(status.success());
        };
        // Stopped while building: the half copy goes, the index stays.
        std::fs::create_dir_all(dir.path().join(BUILDING)).expect("mkdir");
        std::fs::write(dir.path().join(BUILDING).join("db"), b"half").expect("write");
        assert_eq!(run_ids(dir.path()).len(), 3);
        assert!(!dir.path().join(BUILDING).exists());
        // Stopped after the copy was whole, before the swap: the index stays, the copy goes.
        copy(BUILT);
        assert_eq!(run_ids(dir.path()).len(), 3);
        assert!(!dir.path().join(BUILT).exists());
        // Stopped between the swap's two renames: the whole copy takes the index's place.
        copy(BUILT);
        std::fs::rename(&index, dir.path().join(REPLACED)).expect("rename");
        assert_eq!(run_ids(dir.path()).len(), 3);
        assert!(!dir.path().join(BUILT).exists());
        assert!(!dir.path().join(REPLACED).exists());
        // Stopped before the original was removed: it goes.
        copy(REPLACED);
        assert_eq!(run_ids(dir.path()).len(), 3);
        assert!(!dir.path().join(REPLACED).exists());
    }
}
