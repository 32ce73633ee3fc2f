//! Plain copies of compressed raw files for programs that take a path and know nothing of zstd:
//! the `feed --exec` consumer (`NIANBAO_RAW_PATH`) and pdftotext (which also reads a PDF held in
//! a zip attachment from a temporary copy here). A copy lives in
//! `data_dir/tmp/plain/` and is removed when the `PlainCopy` is dropped, whether the program
//! succeeded or not; a plain raw file is handed on as it is, without a copy.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::{Archive, ArchiveError, TMP_DIR, is_compressed};

/// Below `data_dir/tmp/`: `Archive::open` clears only the files directly in `tmp/` (a crawl's
/// writes in progress), so it never removes a copy a consumer is reading beside it.
const PLAIN_DIR: &str = "plain";

/// A copy older than this was left by a process that died before it could remove it.
const STALE_AFTER: Duration = Duration::from_secs(24 * 3600);

/// A plain file holding a raw body: the raw file itself, or a temporary copy removed on drop.
#[derive(Debug)]
pub struct PlainCopy {
    path: PathBuf,
    temporary: bool,
}

impl PlainCopy {
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// True when this is a temporary copy (removed on drop), not the raw file itself.
    pub fn is_temporary(&self) -> bool {
        self.temporary
    }
}

impl Drop for PlainCopy {
    fn drop(&mut self) {
        if self.temporary {
            let _ = fs::remove_file(&self.path);
        }
    }
}

impl Archive {
    /// A plain file with the body stored at `raw_path`, checked against `sha256`.
    pub fn plain_copy(&self, raw_path: &str, sha256: &str) -> Result<PlainCopy, ArchiveError> {
        let body = self.read_verified(raw_path, sha256)?;
        self.plain_copy_of(raw_path, sha256, &body)
    }

    /// A plain file with `body`, already read (and checked) from `raw_path`.
    pub fn plain_copy_of(
        &self,
        raw_path: &str,
        sha256: &str,
        body: &[u8],
    ) -> Result<PlainCopy, ArchiveError> {
        if !is_compressed(raw_path) {
            return Ok(PlainCopy {
                path: self.absolute(raw_path),
                temporary: false,
            });
        }
        self.temporary_copy(sha256, body)
    }

    /// A temporary file holding `body` (a document inside a zip, for pdftotext), its name
    /// starting with `name`; removed when dropped.
    pub fn temporary_copy(&self, name: &str, body: &[u8]) -> Result<PlainCopy, ArchiveError> {
        let dir = self.data_dir.join(TMP_DIR).join(PLAIN_DIR);
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| ArchiveError::Io { path, source }
        };
        fs::create_dir_all(&dir).map_err(io(&dir))?;
        let path = dir.join(format!(
            "{name}.{}.{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        let copy = PlainCopy {
            path,
            temporary: true,
        };
        fs::write(&copy.path, body).map_err(io(&copy.path))?;
        Ok(copy)
    }
}

/// Removes copies left by processes that died holding them: those written more than
/// `STALE_AFTER` before now, or stamped more than that after now (written while the clock was
/// ahead, and otherwise kept for ever once it is set right).
pub(super) fn remove_stale(tmp: &Path) {
    let Ok(entries) = fs::read_dir(tmp.join(PLAIN_DIR)) else {
        return;
    };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| is_stale(now, t));
        if old {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Whether a copy stamped `modified` is further than `STALE_AFTER` from `now`, either way.
fn is_stale(now: SystemTime, modified: SystemTime) -> bool {
    let apart = now
        .duration_since(modified)
        .or_else(|_| modified.duration_since(now))
        .unwrap_or_default();
    apart > STALE_AFTER
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_a_day_old_or_stamped_a_day_ahead_are_stale() {
        let dir = tempfile::tempdir().expect("temp dir");
        let plain = dir.path().join(PLAIN_DIR);
        fs::create_dir_all(&plain).expect("plain dir");
        let now = SystemTime::now();
        let hour = Duration::from_secs(3600);
        let stamped = |name: &str, at: SystemTime| {
            let path = plain.join(name);
            let file = fs::File::create(&path).expect("create");
            file.set_modified(at).expect("set mtime");
            path
        };
        let fresh = stamped("fresh", now);
        let old = stamped("old", now - 25 * hour);
        let ahead = stamped("ahead", now + 24 * 365 * hour);
        let just_ahead = stamped("just-ahead", now + hour);
        remove_stale(dir.path());
        assert!(
            fresh.exists() && just_ahead.exists(),
            "copies in use are kept"
        );
        assert!(!old.exists(), "a copy a day old is removed");
        assert!(!ahead.exists(), "a copy stamped a year ahead is removed");
    }
}
