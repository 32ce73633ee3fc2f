//! Storage: where archive files go besides data_dir (`[storage]`). By default that is data_dir
//! itself and nothing here touches an object store. With `url = "s3://bucket/prefix"` (or another
//! folder, `file:///path`) raw bodies, attachments, derived text, WARC files and run reports are
//! also put there, under the same relative keys as in data_dir (`raw/ab/<sha256>`,
//! `text/ab/<sha256>.txt`, `warc/<name>.warc.gz`, `runs/<label>/<run-id>.json`); data_dir stays
//! the local cache and the sled index stays local. Sits after archive (a blob is put before the
//! store commits the record that names it) and before the readers (export, feed, tables, report),
//! which fetch a file missing from the cache back from here.
//!
//! - `remote`: the object store client, on its own small runtime.
//! - `cache`:  readers' side: a file missing from data_dir is fetched and checked.
//! - `warc`:   uploads WARC files once they are closed, with a local marker per uploaded file.

mod cache;
mod remote;
mod warc;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub use self::remote::{
    DEFAULT_STORAGE_TIMEOUT, ObjectInfo, PART_BYTES, Put, STORAGE_ATTEMPTS, StorageError,
};
pub use self::warc::WarcUploads;

/// `[storage]` as resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageConfig {
    pub location: StorageLocation,
    /// The folder of `runs/` this process puts its run reports in: the host name by default; a
    /// shard sets its own label.
    pub run_label: String,
    /// Largest body a compressed raw file fetched back may hold:
    /// `FetchSettings::archive_read_limit`.
    pub read_limit: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageLocation {
    /// data_dir itself: behaviour as without `[storage]`, no object store in the path.
    DataDir,
    /// Another folder (`file:///srv/nianbao`), written like an object store.
    Folder(PathBuf),
    /// An S3 bucket (`s3://bucket/prefix`).
    S3(S3Location),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    pub bucket: String,
    /// Key prefix without leading or trailing `/`; may be empty.
    pub prefix: String,
    /// The S3 API server, when not AWS itself (`http://127.0.0.1:9000`).
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub allow_http: bool,
    /// The longest one request to the S3 server may take (connecting, its answer, its body);
    /// a call makes at most [`STORAGE_ATTEMPTS`] of them.
    pub timeout: Duration,
}

impl StorageConfig {
    /// data_dir only, with this machine's host name as run label.
    pub fn local() -> StorageConfig {
        StorageConfig {
            location: StorageLocation::DataDir,
            run_label: host_name(),
            read_limit: crate::config::DEFAULT_MAX_BODY_BYTES,
        }
    }
}

/// The archive's storage: data_dir alone, or data_dir as a cache of an object store.
#[derive(Clone)]
pub struct Storage {
    data_dir: PathBuf,
    remote: Option<Arc<remote::Remote>>,
    run_label: String,
    read_limit: u64,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Storage")
            .field("data_dir", &self.data_dir)
            .field("remote", &self.remote.as_ref().map(|r| r.base_url()))
            .finish()
    }
}

impl Storage {
    /// Opens the configured storage. Credentials for S3 come from the standard AWS environment
    /// variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, …).
    pub fn open(config: &StorageConfig, data_dir: &Path) -> Result<Storage, StorageError> {
        let remote = match &config.location {
            StorageLocation::DataDir => None,
            location => Some(Arc::new(remote::Remote::open(location)?)),
        };
        Ok(Storage {
            data_dir: data_dir.to_path_buf(),
            remote,
            run_label: config.run_label.clone(),
            read_limit: config.read_limit,
        })
    }

    /// True when files are put somewhere besides data_dir.
    pub fn is_remote(&self) -> bool {
        self.remote.is_some()
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Where `key` lives: `s3://bucket/prefix/key`, `file:///folder/key`, or the data_dir path.
    pub fn url(&self, key: &str) -> String {
        match &self.remote {
            Some(r) => r.url(key),
            None => self.data_dir.join(key).display().to_string(),
        }
    }

    /// `s3://…` URL of `key` when the storage is S3 (what `feed --exec` hands on as
    /// `NIANBAO_RAW_URL`).
    pub fn s3_url(&self, key: &str) -> Option<String> {
        self.remote
            .as_ref()
            .filter(|r| r.is_s3())
            .map(|r| r.url(key))
    }

    /// Puts `bytes` at `key` unless an object is already there (a conditional put): two writers
    /// of the same content-addressed key never clobber each other. `Put::AlreadyThere` is a
    /// success. With data_dir storage, writes the file unless it exists.
    pub async fn put_create(&self, key: &str, bytes: Vec<u8>) -> Result<Put, StorageError> {
        match &self.remote {
            Some(r) => {
                let (r, key) = (r.clone(), key.to_string());
                r.clone()
                    .run(async move { r.put(&key, bytes, true).await })
                    .await
            }
            None => remote::local_put(&self.data_dir, key, &bytes, true),
        }
    }

    /// Puts `bytes` at `key`, replacing whatever is there.
    pub async fn put_overwrite(&self, key: &str, bytes: Vec<u8>) -> Result<Put, StorageError> {
        match &self.remote {
            Some(r) => {
                let (r, key) = (r.clone(), key.to_string());
                r.clone()
                    .run(async move { r.put(&key, bytes, false).await })
                    .await
            }
            None => remote::local_put(&self.data_dir, key, &bytes, false),
        }
    }

    /// Puts the file at `path` at `key`, create-only or replacing (as `put_create` and
    /// `put_overwrite`), reading it a part at a time: a WARC file of a gigabyte goes up without
    /// being held in memory. See `remote::Remote::put_file` for what create-only means for a
    /// file put in parts. Blocking.
    pub fn put_file(&self, key: &str, path: &Path, create: bool) -> Result<Put, StorageError> {
        match &self.remote {
            Some(r) => r.put_file(key, path, create),
            None => remote::local_put_file(&self.data_dir, key, path, create),
        }
    }

    /// The object at `key`, or `None` when there is none.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        match &self.remote {
            Some(r) => {
                let (r, key) = (r.clone(), key.to_string());
                r.clone().run(async move { r.get(&key).await }).await
            }
            None => remote::local_get(&self.data_dir, key),
        }
    }

    /// Size of the object at `key`, or `None` when there is none.
    pub async fn head(&self, key: &str) -> Result<Option<ObjectInfo>, StorageError> {
        match &self.remote {
            Some(r) => {
                let (r, key) = (r.clone(), key.to_string());
                r.clone().run(async move { r.head(&key).await }).await
            }
            None => remote::local_head(&self.data_dir, key),
        }
    }

    /// Deletes the object at `key` (with data_dir storage, the file); one already gone is no
    /// error. Only `prune-runs` deletes, and only the run report copies of its own label.
    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        match &self.remote {
            Some(r) => {
                let (r, key) = (r.clone(), key.to_string());
                r.clone().run(async move { r.delete(&key).await }).await
            }
            None => remote::local_delete(&self.data_dir, key),
        }
    }

    /// Every object whose key starts with the folder `prefix` (`runs/` or `runs/host-a`), with
    /// keys relative to the storage root, sorted.
    pub async fn list(&self, prefix: &str) -> Result<Vec<ObjectInfo>, StorageError> {
        match &self.remote {
            Some(r) => {
                let (r, prefix) = (r.clone(), prefix.to_string());
                r.clone().run(async move { r.list(&prefix).await }).await
            }
            None => remote::local_list(&self.data_dir, prefix),
        }
    }

    /// Runs one of the calls above from synchronous code (any thread, in or out of a runtime):
    /// the I/O runs on the storage's own runtime while this thread waits.
    pub fn block_on<T: Send + 'static>(
        &self,
        work: impl Future<Output = Result<T, StorageError>> + Send + 'static,
    ) -> Result<T, StorageError> {
        match &self.remote {
            Some(r) => r.block_on(work),
            // Data_dir calls never wait on anything but the disk.
            None => remote::poll_ready(work),
        }
    }

    /// Puts derived text at `key` (`text/ab/<raw sha256>.txt`): create-only, but text is not
    /// content-addressed (a better tool may derive a different one from the same raw file), so
    /// an object already there with other bytes is replaced, as data_dir's copy was.
    pub async fn put_derived(&self, key: &str, bytes: Vec<u8>) -> Result<Put, StorageError> {
        match self.put_create(key, bytes.clone()).await? {
            Put::AlreadyThere if self.get(key).await?.as_deref() != Some(&bytes[..]) => {
                self.put_overwrite(key, bytes).await
            }
            put => Ok(put),
        }
    }

    /// Copies the run report written at `path` to storage, logging the outcome: the local
    /// report is the run's record, so a failed copy is an error message, not a failed run.
    pub async fn copy_run_report(&self, run_id: &str, path: &Path) {
        if !self.is_remote() {
            return;
        }
        let url = self.url(&self.run_report_key(run_id));
        let put = match tokio::fs::read(path).await {
            Ok(json) => self
                .put_run_report(run_id, json)
                .await
                .map_err(|e| format!("{:#}", anyhow::Error::new(e))),
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        };
        match put {
            Ok(()) => tracing::info!(url = %url, "run report put into storage"),
            Err(e) => tracing::error!(url = %url, "run report not put into storage: {e}"),
        }
    }

    /// This process's folder label in shared storage (`runs/<label>/`, `warc/<label>/`,
    /// `feed/<label>/`): the host name, or the shard's label.
    pub fn run_label(&self) -> &str {
        &self.run_label
    }

    /// The keys of every object below the folder `prefix` whose key ends with `suffix`, sorted:
    /// for a reader that then takes them one at a time with [`Storage::read_one`]. Blocking.
    pub fn keys(&self, prefix: &str, suffix: &str) -> Result<Vec<String>, StorageError> {
        let (this, prefix, suffix) = (self.clone(), prefix.to_string(), suffix.to_string());
        self.block_on(async move {
            let listed = this.list(&prefix).await?;
            Ok(listed
                .into_iter()
                .map(|object| object.key)
                .filter(|key| key.ends_with(&suffix))
                .collect())
        })
    }

    /// The object at `key`; one that is not there (gone since it was listed) is an error naming
    /// its URL. Blocking.
    pub fn read_one(&self, key: &str) -> Result<Vec<u8>, StorageError> {
        let (this, key) = (self.clone(), key.to_string());
        self.block_on(async move {
            this.get(&key).await?.ok_or_else(|| StorageError::Missing {
                url: this.url(&key),
            })
        })
    }

    /// The key of a run report: `runs/<label>/<run-id>.json`.
    pub fn run_report_key(&self, run_id: &str) -> String {
        format!("runs/{}/{run_id}.json", self.run_label)
    }

    /// Copies a run report written to data_dir to `runs/<label>/<run-id>.json` in storage.
    /// Nothing to do with data_dir storage (the report is already there, under `runs/`).
    pub async fn put_run_report(&self, run_id: &str, json: Vec<u8>) -> Result<(), StorageError> {
        if !self.is_remote() {
            return Ok(());
        }
        self.put_overwrite(&self.run_report_key(run_id), json)
            .await
            .map(|_| ())
    }
}

/// This machine's host name, for run reports' folder; `localhost` when it cannot be read.
pub fn host_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname writes at most that many bytes.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    let name = String::from_utf8_lossy(&buf[..end]).trim().to_string();
    if rc != 0 || name.is_empty() || name.contains('/') {
        "localhost".to_string()
    } else {
        name
    }
}
