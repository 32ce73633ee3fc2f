//! Storage in a folder (data_dir, or `folder` storage): keys as plain relative paths below a
//! root, written through a temporary file so a reader never sees half an object, and the
//! poll that runs a data_dir call, which never waits, to its end.

use std::future::Future;
use std::path::{Path, PathBuf};

use super::{ObjectInfo, Put, StorageError};

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

pub(in crate::storage) fn local_put(
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
pub(in crate::storage) fn local_put_file(
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

pub(in crate::storage) fn local_get(
    root: &Path,
    key: &str,
) -> Result<Option<Vec<u8>>, StorageError> {
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

pub(in crate::storage) fn local_head(
    root: &Path,
    key: &str,
) -> Result<Option<ObjectInfo>, StorageError> {
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

pub(in crate::storage) fn local_list(
    root: &Path,
    prefix: &str,
) -> Result<Vec<ObjectInfo>, StorageError> {
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

/// Removes the file at `key`; one already gone is no error (a delete is done once it is gone).
pub(in crate::storage) fn local_delete(root: &Path, key: &str) -> Result<(), StorageError> {
    let path = local_path(root, key)?;
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(StorageError::Local {
            op: "delete",
            path,
            source: e,
        }),
        _ => Ok(()),
    }
}

/// Polls a future that never waits (data_dir calls are plain file I/O) to its end.
pub(in crate::storage) fn poll_ready<T>(work: impl Future<Output = T>) -> T {
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
    fn a_delete_removes_the_file_and_names_the_one_it_cannot() {
        let dir = tempfile::tempdir().expect("scratch");
        let root = dir.path();
        let key = "runs/host/20260101T000000.000Z.json";
        local_put(root, key, b"{}", true).expect("put");
        local_delete(root, key).expect("delete");
        assert!(!root.join(key).exists(), "the file is gone");
        assert_eq!(local_head(root, key).expect("head"), None);
        // Gone already: done.
        local_delete(root, key).expect("delete again");
        assert!(matches!(
            local_delete(root, "runs/../x"),
            Err(StorageError::BadKey { .. })
        ));
        // What cannot be removed as a file (a folder here: root may ignore permissions) is an
        // error naming its path.
        let folder = "runs/host/a-folder.json";
        std::fs::create_dir_all(root.join(folder)).expect("folder");
        let err = local_delete(root, folder).expect_err("a folder is not removed as a file");
        assert!(
            matches!(&err, StorageError::Local { op: "delete", path, .. } if *path == root.join(folder)),
            "{err:?}"
        );
        assert!(root.join(folder).is_dir());
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
