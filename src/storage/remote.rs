//! The storage behind data_dir: an S3 bucket through `object_store` (conditional puts with
//! `If-None-Match: *`, retries, credentials from the AWS environment variables), or another
//! folder written the same way with plain files. Calls run on a small runtime of their own, so a
//! crawl's workers await them as tasks and synchronous readers can wait for them from any thread.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};

use super::StorageLocation;

/// Threads of the storage runtime: puts and gets wait on the network, not the CPU.
const IO_THREADS: usize = 2;

/// A file larger than this goes into S3 in parts of this size (S3's parts are 5 MiB at least),
/// read one at a time: a put of a 1 GB WARC file holds one part in memory, not the file.
pub const PART_BYTES: u64 = 8 << 20;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("cannot open storage {url}")]
    Open {
        url: String,
        source: object_store::Error,
    },
    #[error("cannot start the storage runtime")]
    Runtime(#[source] std::io::Error),
    #[error("storage: cannot {op} {url}")]
    Object {
        op: &'static str,
        url: String,
        source: object_store::Error,
    },
    #[error("storage: cannot {op} {}", path.display())]
    Local {
        op: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("storage key {key:?} is not a relative path of plain segments")]
    BadKey { key: String },
    #[error(
        "storage object {url} is damaged: {len} bytes with sha256 {found}, expected sha256 {expected}"
    )]
    Damaged {
        url: String,
        len: u64,
        found: String,
        expected: String,
    },
    #[error("storage object {url} is damaged: {reason}")]
    Undecodable { url: String, reason: String },
    #[error("storage object {url} is missing")]
    Missing { url: String },
    #[error("storage call for {what} did not finish: {message}")]
    Task { what: String, message: String },
}

/// What a put did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Put {
    Written,
    /// A create-only put found an object already there (for a content-addressed key: the same
    /// bytes); nothing was written.
    AlreadyThere,
}

/// One listed object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    /// Relative to the storage root (`runs/host-a/20260101T000000.000Z.json`).
    pub key: String,
    pub size: u64,
}

enum Backend {
    S3 {
        store: Arc<dyn ObjectStore>,
        bucket: String,
        prefix: String,
    },
    Folder(PathBuf),
}

pub(super) struct Remote {
    backend: Backend,
    /// Shut down in the background on drop: dropping a runtime may happen inside another.
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for Remote {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Remote {
    pub fn open(location: &StorageLocation) -> Result<Remote, StorageError> {
        let backend = match location {
            StorageLocation::DataDir => unreachable!("data_dir storage has no remote"),
            StorageLocation::Folder(folder) => Backend::Folder(folder.clone()),
            StorageLocation::S3(s3) => {
                let mut builder = AmazonS3Builder::from_env()
                    .with_bucket_name(&s3.bucket)
                    .with_allow_http(s3.allow_http);
                if let Some(endpoint) = &s3.endpoint {
                    builder = builder.with_endpoint(endpoint);
                }
                if let Some(region) = &s3.region {
                    builder = builder.with_region(region);
                }
                let store = builder.build().map_err(|source| StorageError::Open {
                    url: format!("s3://{}/{}", s3.bucket, s3.prefix),
                    source,
                })?;
                Backend::S3 {
                    store: Arc::new(store),
                    bucket: s3.bucket.clone(),
                    prefix: s3.prefix.clone(),
                }
            }
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(IO_THREADS)
            .thread_name("nianbao-storage")
            .enable_all()
            .build()
            .map_err(StorageError::Runtime)?;
        Ok(Remote {
            backend,
            runtime: Some(runtime),
        })
    }

    pub fn is_s3(&self) -> bool {
        matches!(self.backend, Backend::S3 { .. })
    }

    pub fn base_url(&self) -> String {
        self.url("")
    }

    pub fn url(&self, key: &str) -> String {
        match &self.backend {
            Backend::S3 { bucket, prefix, .. } => match prefix.is_empty() {
                true => format!("s3://{bucket}/{key}"),
                false => format!("s3://{bucket}/{prefix}/{key}"),
            },
            Backend::Folder(folder) => format!("file://{}", folder.join(key).display()),
        }
    }

    fn handle(&self) -> &tokio::runtime::Handle {
        self.runtime
            .as_ref()
            .expect("the runtime is only taken when the storage is dropped")
            .handle()
    }

    /// Runs `work` on the storage runtime and awaits it from the caller's.
    pub async fn run<T: Send + 'static>(
        self: Arc<Self>,
        work: impl Future<Output = Result<T, StorageError>> + Send + 'static,
    ) -> Result<T, StorageError> {
        self.handle()
            .spawn(work)
            .await
            .map_err(|e| StorageError::Task {
                what: self.base_url(),
                message: e.to_string(),
            })?
    }

    /// Runs `work` on the storage runtime while this thread waits.
    pub fn block_on<T: Send + 'static>(
        &self,
        work: impl Future<Output = Result<T, StorageError>> + Send + 'static,
    ) -> Result<T, StorageError> {
        let (tx, rx) = std::sync::mpsc::channel();
        self.handle().spawn(async move {
            let _ = tx.send(work.await);
        });
        rx.recv().unwrap_or_else(|_| {
            Err(StorageError::Task {
                what: self.base_url(),
                message: "the storage task ended without an answer (it panicked)".into(),
            })
        })
    }

    fn object_path(&self, key: &str) -> Result<ObjectPath, StorageError> {
        let Backend::S3 { prefix, .. } = &self.backend else {
            unreachable!("object paths are for S3 only");
        };
        let full = match prefix.is_empty() {
            true => key.to_string(),
            false => format!("{prefix}/{key}"),
        };
        ObjectPath::parse(&full).map_err(|_| StorageError::BadKey {
            key: key.to_string(),
        })
    }

    pub async fn put(&self, key: &str, bytes: Vec<u8>, create: bool) -> Result<Put, StorageError> {
        let store = match &self.backend {
            Backend::S3 { store, .. } => store,
            Backend::Folder(folder) => return local_put(folder, key, &bytes, create),
        };
        let path = self.object_path(key)?;
        let mode = if create {
            PutMode::Create
        } else {
            PutMode::Overwrite
        };
        let options = PutOptions {
            mode,
            ..PutOptions::default()
        };
        match store
            .put_opts(&path, PutPayload::from(bytes), options)
            .await
        {
            Ok(_) => Ok(Put::Written),
            Err(object_store::Error::AlreadyExists { .. }) => Ok(Put::AlreadyThere),
            Err(source) => Err(StorageError::Object {
                op: "put",
                url: self.url(key),
                source,
            }),
        }
    }

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
        ended.map(|()| Put::Written)
    }

    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        let store = match &self.backend {
            Backend::S3 { store, .. } => store,
            Backend::Folder(folder) => return local_get(folder, key),
        };
        let path = self.object_path(key)?;
        let failed = |source| StorageError::Object {
            op: "get",
            url: self.url(key),
            source,
        };
        match store.get(&path).await {
            Ok(result) => Ok(Some(result.bytes().await.map_err(failed)?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(source) => Err(failed(source)),
        }
    }

    pub async fn head(&self, key: &str) -> Result<Option<ObjectInfo>, StorageError> {
        let store = match &self.backend {
            Backend::S3 { store, .. } => store,
            Backend::Folder(folder) => return local_head(folder, key),
        };
        let path = self.object_path(key)?;
        match store.head(&path).await {
            Ok(meta) => Ok(Some(ObjectInfo {
                key: key.to_string(),
                size: meta.size,
            })),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(source) => Err(StorageError::Object {
                op: "head",
                url: self.url(key),
                source,
            }),
        }
    }

    pub async fn list(&self, folder_prefix: &str) -> Result<Vec<ObjectInfo>, StorageError> {
        use futures_util::TryStreamExt;
        let (store, prefix) = match &self.backend {
            Backend::S3 { store, prefix, .. } => (store, prefix),
            Backend::Folder(folder) => return local_list(folder, folder_prefix),
        };
        let trimmed = folder_prefix.trim_matches('/');
        let full = [prefix.as_str(), trimmed]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("/");
        let path = match full.is_empty() {
            true => None,
            false => Some(ObjectPath::parse(&full).map_err(|_| StorageError::BadKey {
                key: folder_prefix.to_string(),
            })?),
        };
        let metas: Vec<_> = store
            .list(path.as_ref())
            .try_collect()
            .await
            .map_err(|source| StorageError::Object {
                op: "list",
                url: self.url(trimmed),
                source,
            })?;
        let strip = match prefix.is_empty() {
            true => String::new(),
            false => format!("{prefix}/"),
        };
        let mut out: Vec<ObjectInfo> = metas
            .into_iter()
            .filter_map(|m| {
                let key = m.location.as_ref().strip_prefix(&strip)?.to_string();
                Some(ObjectInfo { key, size: m.size })
            })
            .collect();
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }
}

/// A key as a path below `root`; only plain relative segments are keys.
fn local_path(root: &Path, key: &str) -> Result<PathBuf, StorageError> {
    let plain = !key.is_empty()
        && key
            .split('/')
            .all(|s| !s.is_empty() && s != "." && s != ".." && !s.contains('\\'));
    if !plain {
        return Err(StorageError::BadKey {
            key: key.to_string(),
        });
    }
    Ok(root.join(key))
}

pub(super) fn local_put(
    root: &Path,
    key: &str,
    bytes: &[u8],
    create: bool,
) -> Result<Put, StorageError> {
    local_put_with(root, key, create, |tmp| {
        std::fs::write(tmp, bytes).map_err(|source| StorageError::Local {
            op: "write",
            path: tmp.to_path_buf(),
            source,
        })
    })
}

/// `local_put` of the file at `path`, copied, never read into memory.
pub(super) fn local_put_file(
    root: &Path,
    key: &str,
    path: &Path,
    create: bool,
) -> Result<Put, StorageError> {
    local_put_with(root, key, create, |tmp| {
        std::fs::copy(path, tmp)
            .map(drop)
            .map_err(|source| StorageError::Local {
                op: "read",
                path: path.to_path_buf(),
                source,
            })
    })
}

/// `local_put` with the bytes written by `fill` into a temporary file beside the key.
fn local_put_with(
    root: &Path,
    key: &str,
    create: bool,
    fill: impl FnOnce(&Path) -> Result<(), StorageError>,
) -> Result<Put, StorageError> {
    let path = local_path(root, key)?;
    let io = |op, path: &Path| {
        let path = path.to_path_buf();
        move |source| StorageError::Local { op, path, source }
    };
    if create && path.exists() {
        return Ok(Put::AlreadyThere);
    }
    let folder = path.parent().expect("a key path has a parent: the root");
    std::fs::create_dir_all(folder).map_err(io("create folder", folder))?;
    let tmp = folder.join(format!(
        ".{}.{}.tmp",
        std::process::id(),
        rand::random::<u32>()
    ));
    if let Err(e) = fill(&tmp) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(io("sync", &tmp))?;
    if create {
        // hard_link fails when the target exists: create-only, like a conditional put.
        let linked = std::fs::hard_link(&tmp, &path);
        let _ = std::fs::remove_file(&tmp);
        return match linked {
            Ok(()) => Ok(Put::Written),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(Put::AlreadyThere),
            Err(e) => Err(io("write", &path)(e)),
        };
    }
    std::fs::rename(&tmp, &path).map_err(io("write", &path))?;
    Ok(Put::Written)
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

pub(super) fn local_get(root: &Path, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
    let path = local_path(root, key)?;
    match std::fs::read(&path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(StorageError::Local {
            op: "read",
            path,
            source,
        }),
    }
}

pub(super) fn local_head(root: &Path, key: &str) -> Result<Option<ObjectInfo>, StorageError> {
    let path = local_path(root, key)?;
    match std::fs::metadata(&path) {
        Ok(meta) => Ok(Some(ObjectInfo {
            key: key.to_string(),
            size: meta.len(),
        })),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(StorageError::Local {
            op: "read",
            path,
            source,
        }),
    }
}

pub(super) fn local_list(root: &Path, prefix: &str) -> Result<Vec<ObjectInfo>, StorageError> {
    let trimmed = prefix.trim_matches('/');
    let start = if trimmed.is_empty() {
        root.to_path_buf()
    } else {
        local_path(root, trimmed)?
    };
    let mut out = Vec::new();
    let mut stack = vec![start];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(source) => {
                return Err(StorageError::Local {
                    op: "list",
                    path: dir,
                    source,
                });
            }
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                stack.push(path);
            } else if !name.starts_with('.')
                && let Ok(rel) = path.strip_prefix(root)
            {
                let key = rel.to_string_lossy().replace('\\', "/");
                out.push(ObjectInfo {
                    key,
                    size: meta.len(),
                });
            }
        }
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(out)
}

/// Polls a future that never waits (data_dir calls are plain file I/O) to its end.
pub(super) fn poll_ready<T>(work: impl Future<Output = T>) -> T {
    let mut work = std::pin::pin!(work);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(out) = work.as_mut().poll(&mut cx) {
            return out;
        }
        // Not reached for data_dir calls; yield rather than spin hard if it ever is.
        std::thread::yield_now();
    }
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

    #[test]
    fn a_folder_gets_a_copy_of_the_file_create_only() {
        let dir = tempfile::tempdir().expect("scratch");
        let (root, source) = (dir.path().join("store"), dir.path().join("source"));
        std::fs::write(&source, b"first").expect("write");
        let key = "warc/host/a.warc.gz";
        assert_eq!(
            local_put_file(&root, key, &source, true).expect("put"),
            Put::Written
        );
        std::fs::write(&source, b"second").expect("write");
        assert_eq!(
            local_put_file(&root, key, &source, true).expect("put again"),
            Put::AlreadyThere
        );
        assert_eq!(std::fs::read(root.join(key)).expect("read"), b"first");
        assert_eq!(
            local_put_file(&root, key, &source, false).expect("overwrite"),
            Put::Written
        );
        assert_eq!(std::fs::read(root.join(key)).expect("read"), b"second");
        // No temporary file is left beside the key, and a missing source names itself.
        let names: Vec<_> = std::fs::read_dir(root.join("warc/host"))
            .expect("list")
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, ["a.warc.gz"]);
        let missing = dir.path().join("missing");
        let err = local_put_file(&root, "warc/host/b.warc.gz", &missing, true)
            .expect_err("no source file");
        assert!(matches!(err, StorageError::Local { path, .. } if path == missing));
        assert_eq!(
            std::fs::read_dir(root.join("warc/host"))
                .expect("list")
                .count(),
            1
        );
    }
}
