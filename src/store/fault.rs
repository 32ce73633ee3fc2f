//! Disk faults: the first write that failed because the filesystem under a data_dir is full or
//! read-only, remembered per data_dir so that a running crawl can stop at once (rather than fetch
//! pages it cannot keep) and the command can end with exit code 3 and a message naming the path.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// First disk fault per data_dir, for this process.
static FAULTS: Mutex<Vec<(PathBuf, String)>> = Mutex::new(Vec::new());

/// Whether an I/O error means the filesystem cannot take more writes (as opposed to one bad
/// file): full, over quota, read-only, or past the process's file size limit (`ulimit -f`, which
/// stops every write that grows a file past it, as a full disk does).
pub fn is_disk_fault(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        ErrorKind::StorageFull
            | ErrorKind::QuotaExceeded
            | ErrorKind::ReadOnlyFilesystem
            | ErrorKind::FileTooLarge
    )
}

/// Remembers a failed write under `data_dir` when it is a disk fault. `what` names the path.
pub fn note(data_dir: &Path, what: &Path, error: &std::io::Error) {
    if !is_disk_fault(error) {
        return;
    }
    let mut faults = super::unpoisoned(FAULTS.lock());
    if !faults.iter().any(|(dir, _)| dir == data_dir) {
        faults.push((
            data_dir.to_path_buf(),
            format!("{}: {error}", what.display()),
        ));
    }
}

/// The first disk fault noted under `data_dir`, if any.
pub fn first(data_dir: &Path) -> Option<String> {
    let faults = super::unpoisoned(FAULTS.lock());
    faults
        .iter()
        .find(|(dir, _)| dir == data_dir)
        .map(|(_, what)| what.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_full_or_read_only_filesystems_are_disk_faults() {
        let dir = Path::new("/nonexistent/fault-test");
        note(
            dir,
            &dir.join("a"),
            &std::io::Error::from(ErrorKind::NotFound),
        );
        assert_eq!(first(dir), None);
        note(
            dir,
            &dir.join("raw/x"),
            &std::io::Error::from(ErrorKind::StorageFull),
        );
        note(
            dir,
            &dir.join("raw/y"),
            &std::io::Error::from(ErrorKind::ReadOnlyFilesystem),
        );
        let fault = first(dir).expect("noted");
        assert!(
            fault.starts_with("/nonexistent/fault-test/raw/x: "),
            "{fault}"
        );
        assert_eq!(first(Path::new("/nonexistent/other")), None);
    }
}
