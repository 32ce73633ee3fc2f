//! Archive files: the one writer of raw bodies under `data_dir/raw/`. Bodies are content-addressed
//! by sha256, written to a temporary file, fsynced, renamed into place and the folder fsynced,
//! all before the store commits the record that points to them (a crawl's archive leaves the
//! syncs to its commits, which make a batch of files durable at once: see `sync`). A body
//! already on disk, plain or compressed, is never written again. The text derived from a
//! document file (`text`) is written here too, under `data_dir/text/`, named by the raw file's
//! sha256: beside the raw file, never over it.
//!
//! - `codec`: zstd where it pays (`raw/ab/<sha256>.zst`), plain otherwise (`raw/ab/<sha256>`).
//! - `plain`: plain temporary copies for programs that take a path (`feed --exec`, pdftotext).
//! - `sync`: with `[archive] sync = "filesystem"`, a crawl's files made durable a batch at a
//!   time, by its commits (`with_deferred_sync`).

mod codec;
mod plain;
mod sync;

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::dedup::sha256_hex;

pub use self::codec::{Compression, ZSTD_LEVEL, ZSTD_SUFFIX, is_compressed};
pub use self::plain::PlainCopy;
pub use self::sync::{FileSync, SyncFailed};

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
    #[error(
        "archive file {path} is damaged: not a whole zstd file ({reason}); a crawl that fetches the page again rewrites it, or restore it from a backup"
    )]
    Undecodable { path: PathBuf, reason: String },
    #[error(
        "archive file {path} holds or decompresses to more than {limit} bytes (fetch.max_body_bytes, or its default of 50 MiB if that is larger); no body that large was archived (unless the limit was set higher then), so the file is damaged, was replaced or was not written by nianbao"
    )]
    TooLarge { path: PathBuf, limit: u64 },
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
    compression: Compression,
    /// Largest raw file read, and largest body a compressed one may decompress to:
    /// `FetchSettings::archive_read_limit`.
    read_limit: u64,
    /// Set when files are written without fsyncs of their own: whoever records them syncs
    /// this first (see `sync`).
    deferred: Option<FileSync>,
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
        plain::remove_stale(&data_dir.join(TMP_DIR));
        Ok(Archive::reader(data_dir))
    }

    /// Reads the archive of a data_dir without preparing it: safe beside a process that writes
    /// to it (`open` clears the temporary folder, which holds that process's writes in progress).
    pub fn reader(data_dir: &Path) -> Archive {
        Archive {
            data_dir: data_dir.to_path_buf(),
            compression: Compression::default(),
            read_limit: crate::config::DEFAULT_MAX_BODY_BYTES,
            deferred: None,
        }
    }

    /// The same archive writing files without an fsync each (Linux only; elsewhere, and for
    /// every other writer, each file is synced as it is written). Whoever records a file
    /// written this way must first sync the handle `file_sync` gives: the crawl hands it to
    /// `Store::commit`, which syncs once for a whole batch of commits.
    pub fn with_deferred_sync(mut self) -> Result<Archive, ArchiveError> {
        if cfg!(target_os = "linux") {
            let text = self.data_dir.join(TEXT_DIR);
            fs::create_dir_all(&text).map_err(|source| ArchiveError::Io {
                path: text.clone(),
                source,
            })?;
            let folders = [
                self.data_dir.clone(),
                self.data_dir.join(RAW_DIR),
                self.data_dir.join(TMP_DIR),
                text,
            ];
            self.deferred = Some(FileSync::open(&self.data_dir, &folders)?);
        }
        Ok(self)
    }

    /// What makes this archive's files durable, when it defers that (`with_deferred_sync`).
    pub fn file_sync(&self) -> Option<&FileSync> {
        self.deferred.as_ref()
    }

    /// The archive as configured: how new bodies are written (`[archive] compress`) and the
    /// largest raw file read or body a compressed file may hold (`fetch.max_body_bytes`, never
    /// less than its default: see `FetchSettings::archive_read_limit`).
    pub fn configured(mut self, settings: &crate::config::Settings) -> Archive {
        self.compression = settings.archive.compress;
        self.read_limit = settings.fetch.archive_read_limit();
        self
    }

    /// The same archive writing new bodies this way.
    pub fn with_compression(mut self, compression: Compression) -> Archive {
        self.compression = compression;
        self
    }

    /// The same archive refusing raw files that are, or decompress to, more than `limit` bytes.
    pub fn with_read_limit(mut self, limit: u64) -> Archive {
        self.read_limit = limit;
        self
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The path, relative to data_dir, at which a body with this sha256 is stored plain.
    pub fn relative_path(sha256: &str) -> String {
        let prefix = sha256.get(..2).unwrap_or("00");
        format!("{RAW_DIR}/{prefix}/{sha256}")
    }

    /// The path, relative to data_dir, at which a body with this sha256 is stored compressed.
    pub fn compressed_path(sha256: &str) -> String {
        format!("{}{ZSTD_SUFFIX}", Self::relative_path(sha256))
    }

    /// Absolute path of a relative archive path.
    pub fn absolute(&self, raw_path: &str) -> PathBuf {
        self.data_dir.join(raw_path)
    }

    /// Stores `body` durably and returns where it is. Safe to call concurrently: each writer uses
    /// its own temporary file and the rename is atomic. A body on disk already, plain (archives
    /// written before compression, or with `compress = "none"`) or compressed, is not written
    /// again; a damaged copy is replaced in the same form, so the records naming it read again.
    pub fn store(&self, body: &[u8]) -> Result<StoredBlob, ArchiveError> {
        let sha256 = sha256_hex(body);
        let plain_path = Self::relative_path(&sha256);
        let packed_path = Self::compressed_path(&sha256);
        let found = |raw_path: String| StoredBlob {
            sha256: sha256.clone(),
            raw_path,
            newly_written: false,
        };
        let plain = self.absolute(&plain_path);
        match fs::metadata(&plain) {
            // Reading the file back is far cheaper than the fetch that brought the body here
            // again, and finds a damaged byte that leaves the size as it was.
            Ok(meta)
                if meta.len() == body.len() as u64 && fs::read(&plain).is_ok_and(|b| b == body) =>
            {
                return Ok(found(plain_path));
            }
            // A file under a content address that holds other bytes was truncated or damaged
            // after it was written: write the body again (the rename below replaces it
            // atomically).
            Ok(meta) => {
                tracing::warn!(
                    path = %plain.display(),
                    "archive file was damaged ({} bytes, expected {} with sha256 {sha256}); writing it again",
                    meta.len(),
                    body.len()
                );
                self.write_atomically(&sha256, &plain, body)?;
                return Ok(StoredBlob {
                    newly_written: true,
                    ..found(plain_path)
                });
            }
            Err(_) => {}
        }
        let packed = self.absolute(&packed_path);
        let on_disk = fs::read(&packed).ok();
        if let Some(stored) = on_disk.as_ref() {
            // Decompressing is far cheaper than the fetch that brought the body here again.
            if codec::decode(&packed, stored.clone(), body.len() as u64).is_ok_and(|b| b == body) {
                return Ok(found(packed_path));
            }
            tracing::warn!(path = %packed.display(), "archive file was damaged; writing it again");
        }
        let (raw_path, target, bytes) = match codec::encode(body, self.compression) {
            Some(bytes) => (packed_path, packed, bytes),
            // Damaged but compressed before: keep the form the records name.
            None if on_disk.is_some() => {
                let bytes = codec::compress(body).map_err(|source| ArchiveError::Io {
                    path: packed.clone(),
                    source,
                })?;
                (packed_path, packed, bytes)
            }
            None => (plain_path, plain, body.to_vec()),
        };
        self.write_atomically(&sha256, &target, &bytes)?;
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

    /// Writes `bytes` to `target` through a temporary file and a rename, both synced unless the
    /// archive defers that to its `file_sync`.
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
            if self.deferred.is_none() {
                file.sync_all().map_err(io(&tmp))?;
            }
        }
        fs::rename(&tmp, target).map_err(io(target))?;
        if self.deferred.is_none() {
            sync_dir(folder).map_err(io(folder))?;
        }
        Ok(())
    }

    /// Writes `body` again at `raw_path`, in the form the path names (`.zst` compressed, else
    /// plain), replacing what is there: a missing or damaged file restored from another copy.
    /// The body must be the one the path is named by.
    pub fn restore(&self, raw_path: &str, body: &[u8]) -> Result<(), ArchiveError> {
        let sha256 = sha256_hex(body);
        let target = self.absolute(raw_path);
        let named = target
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.trim_end_matches(".zst") == sha256);
        if !named {
            return Err(ArchiveError::Damaged {
                path: target,
                len: body.len() as u64,
                found: sha256,
                expected: raw_path.to_string(),
            });
        }
        let bytes = if is_compressed(raw_path) {
            codec::compress(body).map_err(|source| ArchiveError::Io {
                path: target.clone(),
                source,
            })?
        } else {
            body.to_vec()
        };
        self.write_atomically(&sha256, &target, &bytes)
    }

    /// Reads back a stored body and checks it against its sha256, so that nothing damaged is
    /// handed on as if it were the capture.
    /// A file past the size limit is refused unread; a compressed one is decompressed first
    /// (under the same limit).
    pub fn read_verified(&self, raw_path: &str, sha256: &str) -> Result<Vec<u8>, ArchiveError> {
        let path = self.absolute(raw_path);
        let stored = read_bounded(&path, self.read_limit)?;
        let body = codec::decode(&path, stored, self.read_limit)?;
        verify(path, body, sha256)
    }

    /// The bytes of a stored file as they are on disk (compressed or not), once the body they
    /// hold is checked against its sha256: what storage keeps under the same key.
    pub fn read_stored(&self, raw_path: &str, sha256: &str) -> Result<Vec<u8>, ArchiveError> {
        if !is_compressed(raw_path) {
            return self.read_verified(raw_path, sha256);
        }
        let path = self.absolute(raw_path);
        let stored = read_bounded(&path, self.read_limit)?;
        verify(
            path.clone(),
            codec::decode(&path, stored.clone(), self.read_limit)?,
            sha256,
        )?;
        Ok(stored)
    }
}

/// The body a file holds, read from any path (`inspect data/raw/ab/<sha256>.zst`): decompressed
/// under `limit` when its name ends in `.zst`, as it is otherwise.
pub fn read_file(path: &Path, limit: u64) -> Result<Vec<u8>, ArchiveError> {
    let stored = read_bounded(path, limit)?;
    codec::decode(path, stored, limit)
}

/// The bytes of the file at `path`, refused past `limit` before they are read: no raw file
/// holds more (a body is stored only up to `fetch.max_body_bytes`, and compressed only where
/// that makes it smaller), so a larger one is damaged or replaced, and reading it whole would
/// cost its size in memory.
fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, ArchiveError> {
    let unreadable = |source| ArchiveError::Read {
        path: path.to_path_buf(),
        source,
    };
    let too_large = || ArchiveError::TooLarge {
        path: path.to_path_buf(),
        limit,
    };
    let file = File::open(path).map_err(unreadable)?;
    let len = file.metadata().map_err(unreadable)?.len();
    if len > limit {
        return Err(too_large());
    }
    // `len` is at most `limit`; a file that grows meanwhile is still read no further than it.
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

/// The body stored `bytes` hold for the file at `path` (a storage key's local path):
/// decompressed under `limit` when the name ends in `.zst`, as they are otherwise.
pub fn stored_body(path: &Path, bytes: Vec<u8>, limit: u64) -> Result<Vec<u8>, ArchiveError> {
    codec::decode(path, bytes, limit)
}

/// Checks stored `bytes` fetched back for the file at `path` (a storage key's local path): the
/// body they hold, decompressed under `limit`, must have `sha256`.
pub fn check_stored(
    path: &Path,
    bytes: &[u8],
    sha256: &str,
    limit: u64,
) -> Result<(), ArchiveError> {
    let body = codec::decode(path, bytes.to_vec(), limit)?;
    verify(path.to_path_buf(), body, sha256).map(drop)
}

fn verify(path: PathBuf, body: Vec<u8>, sha256: &str) -> Result<Vec<u8>, ArchiveError> {
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

/// Makes a rename inside `dir` durable.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests;
