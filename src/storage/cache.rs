//! The readers' side of storage: `export`, `feed --exec`, `tables` and `report` read archive
//! files from data_dir; a file missing there (a fresh machine, a pruned cache) is fetched back
//! from storage, checked against its sha256 and written into data_dir before it is read.

use std::path::PathBuf;

use super::{Storage, StorageError};

impl Storage {
    /// The local path of the raw file `key` (`raw/ab/<sha256>` or `raw/ab/<sha256>.zst`),
    /// fetched from storage into data_dir first when it is missing there. The body the fetched
    /// bytes hold (decompressed for `.zst`) must have `sha256`.
    pub fn cached_raw(&self, key: &str, sha256: &str) -> Result<PathBuf, StorageError> {
        self.cached(key, Some(sha256))
    }

    /// The local path of a derived text file (`text/ab/<sha256>.txt`), fetched when missing.
    pub fn cached_text(&self, key: &str) -> Result<PathBuf, StorageError> {
        self.cached(key, None)
    }

    fn cached(&self, key: &str, sha256: Option<&str>) -> Result<PathBuf, StorageError> {
        let path = self.data_dir.join(key);
        if path.is_file() || !self.is_remote() {
            return Ok(path);
        }
        let this = self.clone();
        let owned = key.to_string();
        let bytes = self
            .block_on(async move { this.get(&owned).await })?
            .ok_or_else(|| StorageError::Missing { url: self.url(key) })?;
        if let Some(expected) = sha256 {
            // A compressed file is checked by the body it holds (its sha256 names the body).
            if let Err(e) = crate::archive::check_stored(&path, &bytes, expected, self.read_limit) {
                return Err(match e {
                    crate::archive::ArchiveError::Damaged { len, found, .. } => {
                        StorageError::Damaged {
                            url: self.url(key),
                            len,
                            found,
                            expected: expected.to_string(),
                        }
                    }
                    other => StorageError::Undecodable {
                        url: self.url(key),
                        reason: other.to_string(),
                    },
                });
            }
        }
        super::remote::local_put(&self.data_dir, key, &bytes, true)?;
        tracing::debug!(key, "fetched from storage into the local cache");
        Ok(path)
    }
}
