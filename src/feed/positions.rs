//! Consumer positions: one small file per consumer under `data_dir/feed/consumers/`, holding the
//! last seq it committed. Files, not the store, so a consumer commits while a crawl holds the
//! store. Each write goes to a temporary file that is fsynced and renamed over the old one, so a
//! crash leaves the old position or the new one, never a torn one. A consumer's lock file keeps
//! two `feed` processes of the same consumer from interleaving.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The positions' folder, relative to data_dir.
pub const CONSUMERS_DIR: &str = "feed/consumers";

#[derive(Debug, thiserror::Error)]
pub enum PositionError {
    #[error(
        "consumer name {0:?} is not allowed: use 1 to 64 letters, digits, '-', '_' or '.', not starting with '.'"
    )]
    BadName(String),
    #[error("cannot read or write the position of consumer {name} at {path}")]
    Io {
        name: String,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the position file {path} is damaged: {found:?} is not a seq")]
    Damaged { path: PathBuf, found: String },
    #[error(
        "the position file {path} holds seq {position}, past the feed log's last seq {last}: a commit never goes there, so the file was edited or comes from another archive, and its consumer would skip every record up to seq {position}; fix or remove it"
    )]
    PastTheLog {
        path: PathBuf,
        position: u64,
        last: u64,
    },
    #[error(
        "consumer {name} is in use by another nianbao feed process (it holds {path}); wait for it to finish"
    )]
    Busy { name: String, path: PathBuf },
}

/// A consumer's name becomes a file name: 1 to 64 ASCII letters, digits, '-', '_' or '.', not
/// starting with '.' (which would hide it, and `..` would leave the folder).
pub fn check_name(name: &str) -> Result<(), PositionError> {
    let ok = (1..=64).contains(&name.len())
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(PositionError::BadName(name.to_string()))
    }
}

/// A consumer's committed position as its file gives it: none before its first commit, or what
/// is wrong with the file.
pub type Position = Result<Option<u64>, PositionError>;

pub struct Positions {
    dir: PathBuf,
}

/// Held while a consumer commits; released when dropped (or when the process ends).
pub struct ConsumerLock {
    _file: File,
}

impl Positions {
    pub fn new(data_dir: &Path) -> Positions {
        Positions {
            dir: data_dir.join(CONSUMERS_DIR),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.seq"))
    }

    fn io(&self, name: &str, path: &Path) -> impl FnOnce(std::io::Error) -> PositionError {
        let (name, path) = (name.to_string(), path.to_path_buf());
        move |source| PositionError::Io { name, path, source }
    }

    /// The consumer's committed position, or None when it has never committed.
    pub fn get(&self, name: &str) -> Result<Option<u64>, PositionError> {
        check_name(name)?;
        let path = self.path(name);
        match fs::read_to_string(&path) {
            Ok(text) => text
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| PositionError::Damaged {
                    path,
                    found: text.trim().chars().take(40).collect(),
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.io(name, &path)(e)),
        }
    }

    /// A position as read (`get`), refused when it is past `last`, the feed log's last seq: a
    /// commit only reaches seqs the log holds, and the log does not shrink, so such a file was
    /// edited or brought from another archive, and following it would skip records unseen.
    pub fn within(&self, name: &str, position: Option<u64>, last: u64) -> Position {
        match position {
            Some(position) if position > last => Err(PositionError::PastTheLog {
                path: self.path(name),
                position,
                last,
            }),
            _ => Ok(position),
        }
    }

    /// Sets the consumer's position durably.
    pub fn set(&self, name: &str, seq: u64) -> Result<(), PositionError> {
        check_name(name)?;
        let path = self.path(name);
        fs::create_dir_all(&self.dir).map_err(self.io(name, &self.dir))?;
        let tmp = self.dir.join(format!(".{name}.seq.tmp"));
        let write = || -> std::io::Result<()> {
            let mut file = File::create(&tmp)?;
            writeln!(file, "{seq}")?;
            file.sync_all()?;
            fs::rename(&tmp, &path)?;
            File::open(&self.dir)?.sync_all()
        };
        write().map_err(|e| {
            // A full disk leaves an empty temporary file behind otherwise.
            let _ = fs::remove_file(&tmp);
            self.io(name, &path)(e)
        })
    }

    /// Every consumer by name, with its position (`None` before its first commit) or what is
    /// wrong with its file. A consumer is known from its position file, or from its lock file
    /// once it has run (`feed --exec` whose consumer failed before any commit).
    pub fn all(&self) -> Result<Vec<(String, Position)>, PositionError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(self.io("*", &self.dir)(e)),
        };
        let mut names: Vec<String> = entries
            .flatten()
            .filter_map(|entry| {
                let file_name = entry.file_name();
                let file_name = file_name.to_str()?;
                let name = file_name
                    .strip_suffix(".seq")
                    .or_else(|| file_name.strip_suffix(".lock"))?;
                check_name(name).is_ok().then(|| name.to_string())
            })
            .collect();
        names.sort();
        names.dedup();
        Ok(names
            .into_iter()
            .map(|name| {
                let position = self.get(&name);
                (name, position)
            })
            .collect())
    }

    /// Takes the consumer's lock, or says who holds it.
    pub fn lock(&self, name: &str) -> Result<ConsumerLock, PositionError> {
        check_name(name)?;
        fs::create_dir_all(&self.dir).map_err(self.io(name, &self.dir))?;
        let path = self.dir.join(format!("{name}.lock"));
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(self.io(name, &path))?;
        match file.try_lock() {
            Ok(()) => Ok(ConsumerLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(PositionError::Busy {
                name: name.to_string(),
                path,
            }),
            Err(std::fs::TryLockError::Error(e)) => Err(self.io(name, &path)(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_commit_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let positions = Positions::new(dir.path());
        // A folder where the position file goes: the rename fails, as a full disk's write does.
        let consumers = dir.path().join(CONSUMERS_DIR);
        fs::create_dir_all(consumers.join("stuck.seq/inside")).expect("a folder in the way");
        let failed = positions
            .set("stuck", 5)
            .expect_err("cannot rename over a folder");
        assert!(failed.to_string().contains("stuck.seq"), "{failed}");
        let left: Vec<String> = fs::read_dir(&consumers)
            .expect("consumers folder")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, vec!["stuck.seq".to_string()]);
    }

    #[test]
    fn positions_round_trip_and_names_are_checked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let positions = Positions::new(dir.path());
        assert_eq!(positions.get("tables").expect("get"), None);
        positions.set("tables", 42).expect("set");
        positions.set("ocr.v2", 7).expect("set");
        assert_eq!(positions.get("tables").expect("get"), Some(42));
        let listed = |positions: &Positions| -> Vec<(String, String)> {
            positions
                .all()
                .expect("all")
                .into_iter()
                .map(|(name, position)| match position {
                    Ok(seq) => (name, format!("{seq:?}")),
                    Err(e) => (name, e.to_string()),
                })
                .collect()
        };
        // One that took its lock and never committed is listed too.
        drop(positions.lock("never").expect("lock"));
        assert_eq!(
            listed(&positions),
            [
                ("never", "None"),
                ("ocr.v2", "Some(7)"),
                ("tables", "Some(42)")
            ]
            .map(|(n, p)| (n.to_string(), p.to_string()))
        );
        for bad in ["", "../x", "a/b", ".hidden", "名字", &"x".repeat(65)] {
            assert!(
                matches!(positions.set(bad, 1), Err(PositionError::BadName(_))),
                "{bad:?}"
            );
        }
        std::fs::write(dir.path().join(CONSUMERS_DIR).join("tables.seq"), "x\n").expect("w");
        let error = positions.get("tables").unwrap_err().to_string();
        assert!(error.contains("tables.seq"), "{error}");
        // A damaged file is its consumer's error; the others are still listed.
        let all = listed(&positions);
        assert_eq!(all.len(), 3);
        assert_eq!(all[1], ("ocr.v2".to_string(), "Some(7)".to_string()));
        assert!(all[2].1.contains("tables.seq"), "{all:?}");
    }

    #[test]
    fn one_process_per_consumer() {
        let dir = tempfile::tempdir().expect("tempdir");
        let positions = Positions::new(dir.path());
        let held = positions.lock("tables").expect("first lock");
        let error = positions.lock("tables").err().expect("second lock refused");
        assert!(error.to_string().contains("tables"), "{error}");
        assert!(positions.lock("other").is_ok());
        drop(held);
        assert!(positions.lock("tables").is_ok());
    }
}
