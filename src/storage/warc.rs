//! WARC files into storage: a file is put (create-only) once it is closed, that is when the
//! writer rotates away from it or the run ends, under `warc/<run label>/<name>`. Each uploaded
//! file leaves a marker in `data_dir/storage-uploaded/warc/`, so a file a crash left behind is
//! put at the next start and a file already put is not read again.

use std::path::{Path, PathBuf};

use super::{Put, Storage, StorageError};

/// Markers of uploaded WARC files, relative to data_dir.
const MARKER_DIR: &str = "storage-uploaded/warc";

/// Uploads the closed WARC files of one folder.
#[derive(Debug, Clone)]
pub struct WarcUploads {
    storage: Storage,
    warc_dir: PathBuf,
    marker_dir: PathBuf,
}

impl WarcUploads {
    /// `None` with data_dir storage: WARC files are already where they belong.
    pub fn new(storage: &Storage, warc_dir: &Path) -> Option<WarcUploads> {
        storage.is_remote().then(|| WarcUploads {
            storage: storage.clone(),
            warc_dir: warc_dir.to_path_buf(),
            marker_dir: storage.data_dir().join(MARKER_DIR),
        })
    }

    /// The key a WARC file goes to.
    pub fn key(&self, name: &str) -> String {
        format!("warc/{}/{name}", self.storage.run_label)
    }

    /// Puts every WARC file in the folder that is not `open` (the file still being written) and
    /// has no marker yet. Returns how many were put now. Blocking.
    pub fn upload_closed(&self, open: Option<&Path>) -> Result<usize, StorageError> {
        let io = |op, path: &Path| {
            let path = path.to_path_buf();
            move |source| StorageError::Local { op, path, source }
        };
        let mut names: Vec<String> = std::fs::read_dir(&self.warc_dir)
            .map_err(io("list", &self.warc_dir))?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".warc.gz"))
            .filter(|name| {
                open.and_then(Path::file_name)
                    .is_none_or(|o| o != name.as_str())
            })
            .collect();
        names.sort();
        let mut uploaded = 0;
        for name in names {
            let key = self.key(&name);
            let url = self.storage.url(&key);
            let marker = self.marker_dir.join(&name);
            if std::fs::read_to_string(&marker).is_ok_and(|m| m == url) {
                continue;
            }
            let path = self.warc_dir.join(&name);
            let len = std::fs::metadata(&path).map_err(io("read", &path))?.len();
            // A part at a time: a WARC file may be as large as `max_file_bytes` (1 GB).
            if self.storage.put_file(&key, &path, true)? == Put::AlreadyThere {
                // Written by an earlier start that died before its marker: the same file. A
                // different size means another writer used this name: never take it as ours.
                let (storage, owned) = (self.storage.clone(), key.clone());
                let there = self
                    .storage
                    .block_on(async move { storage.head(&owned).await })?;
                if there.as_ref().map(|o| o.size) != Some(len) {
                    return Err(StorageError::Task {
                        what: url,
                        message: format!(
                            "another object of {} bytes is already there; the local file {} has {len} bytes",
                            there.map_or(0, |o| o.size),
                            path.display()
                        ),
                    });
                }
            }
            std::fs::create_dir_all(&self.marker_dir)
                .map_err(io("create folder", &self.marker_dir))?;
            std::fs::write(&marker, &url).map_err(io("write", &marker))?;
            tracing::info!(file = %name, url = %url, "WARC file put into storage");
            uploaded += 1;
        }
        Ok(uploaded)
    }
}
