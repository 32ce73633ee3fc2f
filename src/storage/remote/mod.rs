//! The storage behind data_dir: an S3 bucket through `object_store` (conditional puts with
//! `If-None-Match: *`, retries, credentials from the AWS environment variables), or another
//! folder written the same way with plain files. Calls run on a small runtime of their own, so a
//! crawl's workers await them as tasks and synchronous readers can wait for them from any thread.

mod folder;
mod list;
mod put_file;

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use object_store::aws::{AmazonS3, AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path as ObjectPath;
use object_store::{BackoffConfig, ClientConfigKey, RetryConfig};
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};

use super::StorageLocation;

pub(super) use folder::{
    local_delete, local_get, local_head, local_list, local_put, local_put_file, poll_ready,
};

/// Threads of the storage runtime: puts and gets wait on the network, not the CPU.
const IO_THREADS: usize = 2;

/// A file larger than this goes into S3 in parts of this size (S3's parts are 5 MiB at least),
/// read one at a time: a put of a 1 GB WARC file holds one part in memory, not the file.
pub const PART_BYTES: u64 = 8 << 20;

/// `storage.timeout` when not set: the longest one request to the S3 server may take.
pub const DEFAULT_STORAGE_TIMEOUT: Duration = Duration::from_secs(30);

/// Requests one storage call makes at most (the first and its retries, on 5xx answers and
/// timeouts). object_store's own defaults (10 retries within 3 minutes, each request up to 30s)
/// would hold a crawl for minutes per item when the server hangs.
pub const STORAGE_ATTEMPTS: u32 = 3;

/// After this many S3 calls in a row failed, calls fail at once, without a request, for
/// [`BREAKER_PAUSE`]; then calls are tried again. A hung bucket costs a crawl a few calls' timeouts,
/// not each item's.
pub const BREAKER_FAILURES: u32 = 3;

/// How long calls fail at once after [`BREAKER_FAILURES`] failed in a row.
pub const BREAKER_PAUSE: Duration = Duration::from_secs(300);

/// S3 calls failed in a row, and until when new ones are not tried.
#[derive(Default)]
struct Breaker {
    failed_in_row: u32,
    paused_until: Option<Instant>,
}

/// How long to wait before a retry: doubling from 100ms, at most 2s.
fn storage_backoff() -> BackoffConfig {
    BackoffConfig {
        init_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_secs(2),
        base: 2.0,
    }
}

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
    #[error("storage: listing {url} does not end: {reason}")]
    EndlessList { url: String, reason: String },
    #[error("storage object {url} is missing")]
    Missing { url: String },
    #[error(
        "storage: did not try {url}: the last {failures} calls to storage failed; the next is tried in {wait_secs}s"
    )]
    Paused {
        url: String,
        failures: u32,
        wait_secs: u64,
    },
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
        /// The same client, for LISTs taken page by page.
        lister: AmazonS3,
        bucket: String,
        prefix: String,
    },
    Folder(PathBuf),
}

pub(super) struct Remote {
    backend: Backend,
    /// Shut down in the background on drop: dropping a runtime may happen inside another.
    runtime: Option<tokio::runtime::Runtime>,
    breaker: Mutex<Breaker>,
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
                    // Key by key: a whole `ClientOptions` would drop what the `AWS_*`
                    // variables set (`AWS_PROXY_URL`, say).
                    .with_allow_http(s3.allow_http)
                    .with_config(
                        AmazonS3ConfigKey::Client(ClientConfigKey::Timeout),
                        format!("{}ms", s3.timeout.as_millis()),
                    )
                    .with_config(
                        AmazonS3ConfigKey::Client(ClientConfigKey::ConnectTimeout),
                        format!("{}ms", s3.timeout.min(Duration::from_secs(5)).as_millis()),
                    )
                    .with_retry(RetryConfig {
                        backoff: storage_backoff(),
                        max_retries: (STORAGE_ATTEMPTS - 1) as usize,
                        retry_timeout: s3.timeout * STORAGE_ATTEMPTS,
                    });
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
                    lister: store.clone(),
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
            breaker: Mutex::new(Breaker::default()),
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

    /// Refuses a call to `key` while the breaker is open.
    fn breaker_check(&self, key: &str) -> Result<(), StorageError> {
        let breaker = self.breaker.lock().unwrap_or_else(|e| e.into_inner());
        match breaker.paused_until {
            Some(until) if until > Instant::now() => Err(StorageError::Paused {
                url: self.url(key),
                failures: breaker.failed_in_row,
                wait_secs: until.saturating_duration_since(Instant::now()).as_secs(),
            }),
            _ => Ok(()),
        }
    }

    /// Counts a finished call: a success closes the breaker, the `BREAKER_FAILURES`th failure in
    /// a row (and each after it) opens it for `BREAKER_PAUSE`.
    fn breaker_record(&self, ok: bool) {
        let mut breaker = self.breaker.lock().unwrap_or_else(|e| e.into_inner());
        if ok {
            *breaker = Breaker::default();
            return;
        }
        breaker.failed_in_row = breaker.failed_in_row.saturating_add(1);
        if breaker.failed_in_row >= BREAKER_FAILURES {
            breaker.paused_until = Some(Instant::now() + BREAKER_PAUSE);
        }
    }

    /// Runs one S3 call to `key` through the breaker.
    async fn guarded<T>(
        &self,
        key: &str,
        call: impl Future<Output = Result<T, StorageError>>,
    ) -> Result<T, StorageError> {
        self.breaker_check(key)?;
        let result = call.await;
        self.breaker_record(result.is_ok());
        result
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
        self.guarded(key, self.put_s3(store, key, bytes, create))
            .await
    }

    async fn put_s3(
        &self,
        store: &Arc<dyn ObjectStore>,
        key: &str,
        bytes: Vec<u8>,
        create: bool,
    ) -> Result<Put, StorageError> {
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

    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        let store = match &self.backend {
            Backend::S3 { store, .. } => store,
            Backend::Folder(folder) => return local_get(folder, key),
        };
        self.guarded(key, async {
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
        })
        .await
    }

    pub async fn head(&self, key: &str) -> Result<Option<ObjectInfo>, StorageError> {
        let store = match &self.backend {
            Backend::S3 { store, .. } => store,
            Backend::Folder(folder) => return local_head(folder, key),
        };
        self.guarded(key, async {
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
        })
        .await
    }

    /// Deletes the object at `key`; none there is no error (S3 answers a delete of a missing
    /// key with success too).
    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        let store = match &self.backend {
            Backend::S3 { store, .. } => store,
            Backend::Folder(folder) => return local_delete(folder, key),
        };
        self.guarded(key, async {
            let path = self.object_path(key)?;
            match store.delete(&path).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(source) => Err(StorageError::Object {
                    op: "delete",
                    url: self.url(key),
                    source,
                }),
            }
        })
        .await
    }

    pub async fn list(&self, folder_prefix: &str) -> Result<Vec<ObjectInfo>, StorageError> {
        let (lister, prefix) = match &self.backend {
            Backend::S3 { lister, prefix, .. } => (lister, prefix),
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
        let metas = self
            .guarded(trimmed, list::list_pages(lister, path, self.url(trimmed)))
            .await?;
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
