//! A put of a file at a key without holding the file in memory: a folder gets a copy, S3 gets
//! the file in one put or, above `PART_BYTES`, in parts read one at a time.

use std::path::Path;
use std::sync::Arc;

use object_store::{ObjectStoreExt, PutPayload};

use super::{Backend, PART_BYTES, Put, Remote, StorageError, local_put_file};

impl Remote {
    /// Puts the file at `path` at `key`, as `put` does, without holding the file in memory:
    /// a folder gets a copy, S3 gets a file of up to `PART_BYTES` in one put and a larger one
    /// in parts. Blocking: the file is read on this thread, the parts go up on the storage's
    /// runtime.
    ///
    /// A put in parts cannot be create-only (object_store completes an upload unconditionally),
    /// so `create` is a HEAD before the upload: an object already at `key` is left alone and
    /// reported as `AlreadyThere`, but a writer racing this one for the same key between the
    /// HEAD and the upload's end is not caught.
    pub fn put_file(
        self: &Arc<Self>,
        key: &str,
        path: &Path,
        create: bool,
    ) -> Result<Put, StorageError> {
        let local = |op, source| StorageError::Local {
            op,
            path: path.to_path_buf(),
            source,
        };
        let store = match &self.backend {
            Backend::S3 { store, .. } => store.clone(),
            Backend::Folder(folder) => return local_put_file(folder, key, path, create),
        };
        let len = std::fs::metadata(path).map_err(|e| local("read", e))?.len();
        if len <= PART_BYTES {
            let bytes = std::fs::read(path).map_err(|e| local("read", e))?;
            let (this, owned) = (self.clone(), key.to_string());
            return self.block_on(async move { this.put(&owned, bytes, create).await });
        }
        if create {
            let (this, owned) = (self.clone(), key.to_string());
            if self
                .block_on(async move { this.head(&owned).await })?
                .is_some()
            {
                return Ok(Put::AlreadyThere);
            }
        }
        self.breaker_check(key)?;
        let object = self.object_path(key)?;
        let url = self.url(key);
        let failed = move |op: &'static str| {
            let url = url.clone();
            move |source| StorageError::Object { op, url, source }
        };
        let started = failed("start a put in parts of");
        let mut upload =
            self.block_on(async move { store.put_multipart(&object).await.map_err(started) })?;
        // Only the bytes the file had when this began: a file still growing goes up as it was.
        let parts = read_parts(path, len, PART_BYTES, |part| {
            let put = upload.put_part(PutPayload::from(part));
            let failed = failed("put a part of");
            self.block_on(async move { put.await.map_err(failed) })
        });
        let ended = match parts {
            Ok(()) => {
                let failed = failed("complete the put in parts of");
                self.block_on(async move { upload.complete().await.map(drop).map_err(failed) })
            }
            Err(e) => {
                // Best effort: a part left behind by a failed abort costs storage, not data
                // (a bucket lifecycle rule for incomplete uploads clears it).
                let _ = self.block_on(async move {
                    let _ = upload.abort().await;
                    Ok(())
                });
                Err(e)
            }
        };
        self.breaker_record(ended.is_ok());
        ended.map(|()| Put::Written)
    }
}

/// Reads the first `len` bytes of the file at `path` in parts of `part_bytes` (the last one
/// shorter) and hands each to `put`, in order. A file that ends before `len` was cut while
/// being read: an error, with nothing more handed on.
fn read_parts(
    path: &Path,
    len: u64,
    part_bytes: u64,
    mut put: impl FnMut(Vec<u8>) -> Result<(), StorageError>,
) -> Result<(), StorageError> {
    use std::io::Read;
    let local = |source| StorageError::Local {
        op: "read",
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(local)?;
    let mut left = len;
    while left > 0 {
        let want = left.min(part_bytes);
        let mut part = Vec::with_capacity(want as usize);
        (&mut file)
            .take(want)
            .read_to_end(&mut part)
            .map_err(local)?;
        if (part.len() as u64) < want {
            return Err(local(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!(
                    "the file ended at {} of {len} bytes",
                    len - left + part.len() as u64
                ),
            )));
        }
        left -= want;
        put(part)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_parts_hands_on_the_file_in_order_and_refuses_a_cut_file() {
        let dir = tempfile::tempdir().expect("scratch");
        let path = dir.path().join("file");
        let bytes: Vec<u8> = (0..25u8).collect();
        std::fs::write(&path, &bytes).expect("write");
        let mut parts = Vec::new();
        read_parts(&path, 25, 10, |part| {
            parts.push(part);
            Ok(())
        })
        .expect("read");
        assert_eq!(parts.iter().map(Vec::len).collect::<Vec<_>>(), [10, 10, 5]);
        assert_eq!(parts.concat(), bytes);

        // Only the length asked for, when the file has grown since.
        let mut first = Vec::new();
        read_parts(&path, 20, 10, |part| {
            first.push(part);
            Ok(())
        })
        .expect("read");
        assert_eq!(first.concat(), bytes[..20]);

        // A file cut below the length: an error naming it, and no short part handed on.
        let mut handed = 0;
        let err = read_parts(&path, 30, 10, |part| {
            handed += part.len();
            Ok(())
        })
        .expect_err("the file is shorter than asked");
        assert_eq!(handed, 20);
        assert!(err.to_string().contains("file"), "{err}");
        assert!(matches!(err, StorageError::Local { path: p, .. } if p == path));
    }
}
