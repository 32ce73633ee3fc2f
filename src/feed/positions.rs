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
        "consumer {name} is in use by another nianbao feed process (it holds {path}); wait for it to finish"
    )]
    Busy { name: String, path: PathBuf },
}

fn check_name(name: &str) -> Result<(), PositionError> {
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
        write().map_err(self.io(name, &path))
    }

    /// Every consumer with a position, by name.
    pub fn all(&self) -> Result<Vec<(String, u64)>, PositionError> {
        let mut all = Vec::new();
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(all),
            Err(e) => return Err(self.io("*", &self.dir)(e)),
        };
        for entry in entries.flatten() {
            let file_name = entry.file_name();
            let Some(name) = file_name.to_str().and_then(|n| n.strip_suffix(".seq")) else {
                continue;
            };
            if check_name(name).is_err() {
                continue;
            }
            if let Some(seq) = self.get(name)? {
                all.push((name.to_string(), seq));
            }
        }
        all.sort();
        Ok(all)
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
    fn positions_round_trip_and_names_are_checked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let positions = Positions::new(dir.path());
        assert_eq!(positions.get("tables").expect("get"), None);
        positions.set("tables", 42).expect("set");
        positions.set("ocr.v2", 7).expect("set");
        assert_eq!(positions.get("tables").expect("get"), Some(42));
        assert_eq!(
            positions.all().expect("all"),
            vec![("ocr.v2".to_string(), 7), ("tables".to_string(), 42)]
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
