//! Archive files: the one writer of raw bodies under `data_dir/raw/`. Bodies are content-addressed
//! by sha256, written to a temporary file, fsynced, renamed into place and the folder fsynced,
//! all before the store commits the record that points to them. A body already on disk is never
//! written again. The text derived from a document file (`text`) is written here too, under
//! `data_dir/text/`, named by the raw file's sha256: beside the raw file, never over it.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::dedup::sha256_hex;

/// Where raw bodies live, relative to data_dir.
pub const RAW_DIR: &str = "raw";
/// Where derived text lives, relative to data_dir.
pub const TEXT_DIR: &str = "text";
const TMP_DIR: &str = "tmp";

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("cannot write archive file {path}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read archive file {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "archive file {path} is damaged: {len} bytes with sha256 {found}, expected sha256 {expected}; a crawl that fetches the page again rewrites it, or restore it from a backup"
    )]
    Damaged {
        path: PathBuf,
        len: u64,
        found: String,
        expected: String,
    },
}

/// A raw body stored on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    pub sha256: String,
    /// Relative to data_dir, with `/` separators.
    pub raw_path: String,
    /// False when an identical body was already on disk.
    pub newly_written: bool,
}

/// Writes content-addressed files below one data_dir.
#[derive(Debug, Clone)]
pub struct Archive {
    data_dir: PathBuf,
}

impl Archive {
    /// Prepares the archive folders and removes temporary files a crash may have left behind.
    pub fn open(data_dir: &Path) -> Result<Archive, ArchiveError> {
        for dir in [RAW_DIR, TMP_DIR] {
            let path = data_dir.join(dir);
            fs::create_dir_all(&path).map_err(|source| ArchiveError::Io {
                path: path.clone(),
                source,
            })?;
        }
        let tmp = data_dir.join(TMP_DIR);
        if let Ok(entries) = fs::read_dir(&tmp) {
            for entry in entries.flatten() {
                // A temporary file is only ever renamed into place after it is complete, so
                // whatever is left here is the debris of an interrupted write.
                let _ = fs::remove_file(entry.path());
            }
        }
        Ok(Archive {
            data_dir: data_dir.to_path_buf(),
        })
    }

    /// Reads the archive of a data_dir without preparing it: safe beside a process that writes
    /// to it (`open` clears the temporary folder, which holds that process's writes in progress).
    pub fn reader(data_dir: &Path) -> Archive {
        Archive {
            data_dir: data_dir.to_path_buf(),
        }
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The path, relative to data_dir, at which a body with this sha256 is stored.
    pub fn relative_path(sha256: &str) -> String {
        let prefix = sha256.get(..2).unwrap_or("00");
        format!("{RAW_DIR}/{prefix}/{sha256}")
    }

    /// Absolute path of a relative archive path.
    pub fn absolute(&self, raw_path: &str) -> PathBuf {
        self.data_dir.join(raw_path)
    }

    /// Stores `body` durably and returns where it is. Safe to call concurrently: each writer uses
    /// its own temporary file and the rename is atomic.
    pub fn store(&self, body: &[u8]) -> Result<StoredBlob, ArchiveError> {
        let sha256 = sha256_hex(body);
        let raw_path = Self::relative_path(&sha256);
        let target = self.absolute(&raw_path);
        match fs::metadata(&target) {
            Ok(meta) if meta.len() == body.len() as u64 => {
                return Ok(StoredBlob {
                    sha256,
                    raw_path,
                    newly_written: false,
                });
            }
            // A file of the wrong size under a content address was truncated or damaged after
            // it was written: write the body again (the rename below replaces it atomically).
            Ok(meta) => tracing::warn!(
                path = %target.display(),
                "archive file was damaged ({} bytes, expected {}); writing it again",
                meta.len(),
                body.len()
            ),
            Err(_) => {}
        }
        self.write_atomically(&sha256, &target, body)?;
        Ok(StoredBlob {
            sha256,
            raw_path,
            newly_written: true,
        })
    }
}

impl Archive {
    /// The path, relative to data_dir, of the text derived from the raw file with this sha256.
    pub fn text_relative_path(raw_sha256: &str) -> String {
        let prefix = raw_sha256.get(..2).unwrap_or("00");
        format!("{TEXT_DIR}/{prefix}/{raw_sha256}.txt")
    }

    /// Stores the text derived from the raw file with sha256 `raw_sha256` and returns its path
    /// relative to data_dir. A text derived again replaces the earlier one atomically (a better
    /// tool may read more); an identical one is not written again.
    pub fn store_text(&self, raw_sha256: &str, text: &str) -> Result<String, ArchiveError> {
        let text_path = Self::text_relative_path(raw_sha256);
        let target = self.absolute(&text_path);
        if fs::read(&target).is_ok_and(|old| old == text.as_bytes()) {
            return Ok(text_path);
        }
        self.write_atomically(raw_sha256, &target, text.as_bytes())?;
        Ok(text_path)
    }

    /// Writes `bytes` to `target` through a fsynced temporary file and a rename.
    fn write_atomically(
        &self,
        name: &str,
        target: &Path,
        bytes: &[u8],
    ) -> Result<(), ArchiveError> {
        let folder = target
            .parent()
            .expect("a content-addressed path always has a parent folder");
        let io = |path: &Path| {
            let path = path.to_path_buf();
            let data_dir = self.data_dir.clone();
            move |source| {
                crate::store::fault::note(&data_dir, &path, &source);
                ArchiveError::Io { path, source }
            }
        };
        fs::create_dir_all(folder).map_err(io(folder))?;
        let tmp = self.data_dir.join(TMP_DIR).join(format!(
            "{name}.{}.{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        {
            let mut file = File::create(&tmp).map_err(io(&tmp))?;
            file.write_all(bytes).map_err(io(&tmp))?;
            file.sync_all().map_err(io(&tmp))?;
        }
        fs::rename(&tmp, target).map_err(io(target))?;
        sync_dir(folder).map_err(io(folder))?;
        Ok(())
    }

    /// Reads back a stored body and checks it against its sha256, so that nothing damaged is
    /// handed on as if it were the capture.
    pub fn read_verified(&self, raw_path: &str, sha256: &str) -> Result<Vec<u8>, ArchiveError> {
        let path = self.absolute(raw_path);
        let body = fs::read(&path).map_err(|source| ArchiveError::Read {
            path: path.clone(),
            source,
        })?;
        let found = sha256_hex(&body);
        if found != sha256 {
            return Err(ArchiveError::Damaged {
                path,
                len: body.len() as u64,
                found,
                expected: sha256.to_string(),
            });
        }
        Ok(body)
    }
}

/// Makes a rename inside `dir` durable.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_once_and_addresses_by_content() {
        let dir = tempfile::tempdir().expect("temp dir");
        let archive = Archive::open(dir.path()).expect("open archive");
        let first = archive.store(b"<html>report</html>").expect("store");
        assert!(first.newly_written);
        assert_eq!(
            first.raw_path,
            format!("raw/{}/{}", &first.sha256[..2], first.sha256)
        );
        assert_eq!(
            fs::read(archive.absolute(&first.raw_path)).expect("read back"),
            b"<html>report</html>"
        );
        let second = archive.store(b"<html>report</html>").expect("store again");
        assert!(!second.newly_written);
        assert_eq!(first.raw_path, second.raw_path);
        assert_eq!(
            fs::read_dir(dir.path().join(TMP_DIR))
                .expect("tmp dir")
                .count(),
            0
        );
    }

    #[test]
    fn a_truncated_file_is_detected_and_written_again() {
        let dir = tempfile::tempdir().expect("temp dir");
        let archive = Archive::open(dir.path()).expect("open archive");
        let body = b"<html>a report of some length</html>";
        let blob = archive.store(body).expect("store");
        let path = archive.absolute(&blob.raw_path);
        fs::write(&path, &body[..10]).expect("truncate");
        let err = archive
            .read_verified(&blob.raw_path, &blob.sha256)
            .expect_err("damage is found");
        assert!(err.to_string().contains(&*path.to_string_lossy()), "{err}");
        assert!(archive.store(body).expect("store again").newly_written);
        assert_eq!(
            archive
                .read_verified(&blob.raw_path, &blob.sha256)
                .expect("repaired"),
            body
        );
    }

    #[test]
    fn open_removes_debris_of_interrupted_writes() {
        let dir = tempfile::tempdir().expect("temp dir");
        fs::create_dir_all(dir.path().join(TMP_DIR)).expect("tmp dir");
        fs::write(dir.path().join(TMP_DIR).join("abc.1.2"), b"partial").expect("write debris");
        Archive::open(dir.path()).expect("open archive");
        assert_eq!(
            fs::read_dir(dir.path().join(TMP_DIR))
                .expect("tmp dir")
                .count(),
            0
        );
    }
}
