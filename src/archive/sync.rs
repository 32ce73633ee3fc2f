//! Deferred durability for a crawl's archive files (`[archive] sync = "filesystem"`). Written one
//! by one, each raw file costs two fsyncs (the file, then its folder after the rename), and each
//! fsync on ext4 forces a journal commit of its own. A crawl so configured instead writes and
//! renames its files without them and hands the commit a [`FileSync`]: the commit makes every
//! file written so far durable with one `syncfs` for each filesystem the archive's folders are
//! on, once for a whole batch of commits, before it records anything that names them
//! (`Store::commit`). On the raw farm this took about 6% off the crawl's CPU and a quarter of its
//! context switches. It is not the default: `syncfs` also waits for every other process's dirty
//! data on the filesystem, and a busy neighbour made the crawl several times slower.
//!
//! The folders are opened once, when the crawl starts, and kept open: since Linux 5.8, `syncfs`
//! reports a write-back error met on the filesystem since the descriptor was opened or last
//! synced, so an error in the background write-back of one of our files is not missed. (Older
//! kernels report no such error from `syncfs`; there, a file whose write-back failed is found
//! by the sha256 check of every read, as a disk fault is.)
//!
//! After a crash, a file renamed into place but never synced may be short or empty. No record
//! names it, since its commit never happened, and `Archive::store` writes a damaged copy again.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::ArchiveError;

/// Syncs the filesystems under an archive's folders. Clones share one set of open folders.
#[derive(Debug, Clone)]
pub struct FileSync {
    inner: Arc<Folders>,
}

#[derive(Debug)]
struct Folders {
    data_dir: PathBuf,
    /// One open folder for each filesystem (device) the archive writes to.
    open: Vec<(PathBuf, File)>,
    #[cfg(test)]
    syncs: std::sync::atomic::AtomicUsize,
    /// Makes the next sync fail as a dying disk would (EIO).
    #[cfg(test)]
    fail_next: std::sync::atomic::AtomicBool,
}

impl FileSync {
    /// Opens `folders` (they must exist), keeping one for each filesystem they are on.
    pub(super) fn open(data_dir: &Path, folders: &[PathBuf]) -> Result<FileSync, ArchiveError> {
        let mut open: Vec<(PathBuf, File)> = Vec::new();
        let mut devices = Vec::new();
        for folder in folders {
            let io = |source| ArchiveError::Io {
                path: folder.clone(),
                source,
            };
            let file = File::open(folder).map_err(io)?;
            let device = device(&file).map_err(io)?;
            if !devices.contains(&device) {
                devices.push(device);
                open.push((folder.clone(), file));
            }
        }
        Ok(FileSync {
            inner: Arc::new(Folders {
                data_dir: data_dir.to_path_buf(),
                open,
                #[cfg(test)]
                syncs: Default::default(),
                #[cfg(test)]
                fail_next: Default::default(),
            }),
        })
    }

    /// Makes every file written and renamed under the archive's folders so far durable.
    pub fn sync(&self) -> Result<(), SyncFailed> {
        #[cfg(test)]
        self.inner
            .syncs
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        for (folder, file) in &self.inner.open {
            #[cfg(test)]
            if self
                .inner
                .fail_next
                .swap(false, std::sync::atomic::Ordering::SeqCst)
            {
                return Err(SyncFailed {
                    folder: folder.clone(),
                    source: std::io::Error::from_raw_os_error(libc::EIO),
                });
            }
            if let Err(source) = syncfs(file) {
                crate::store::fault::note(&self.inner.data_dir, folder, &source);
                return Err(SyncFailed {
                    folder: folder.clone(),
                    source,
                });
            }
        }
        Ok(())
    }

    /// Whether `other` is this one or a clone of it (a batch syncs each once).
    pub fn same(&self, other: &FileSync) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    #[cfg(test)]
    pub fn syncs(&self) -> usize {
        self.inner.syncs.load(std::sync::atomic::Ordering::SeqCst)
    }

    #[cfg(test)]
    pub fn fail_next(&self) {
        self.inner
            .fail_next
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A failed sync, naming the folder whose filesystem it was.
#[derive(Debug)]
pub struct SyncFailed {
    pub folder: PathBuf,
    pub source: std::io::Error,
}

impl SyncFailed {
    /// The same failure again, for each commit of the batch it failed.
    pub fn copy(&self) -> SyncFailed {
        let source = self.source.raw_os_error().map_or_else(
            || std::io::Error::new(self.source.kind(), self.source.to_string()),
            std::io::Error::from_raw_os_error,
        );
        SyncFailed {
            folder: self.folder.clone(),
            source,
        }
    }
}

#[cfg(target_os = "linux")]
fn syncfs(folder: &File) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: syncfs only reads the descriptor, which `folder` keeps open for the call.
    match unsafe { libc::syncfs(folder.as_raw_fd()) } {
        0 => Ok(()),
        _ => Err(std::io::Error::last_os_error()),
    }
}

/// Never reached: elsewhere `Archive::with_deferred_sync` leaves every file its own fsyncs.
#[cfg(not(target_os = "linux"))]
fn syncfs(_folder: &File) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

#[cfg(unix)]
fn device(folder: &File) -> std::io::Result<u64> {
    use std::os::unix::fs::MetadataExt;
    Ok(folder.metadata()?.dev())
}

#[cfg(not(unix))]
fn device(_folder: &File) -> std::io::Result<u64> {
    Ok(0)
}
