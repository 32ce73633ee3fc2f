//! Disk faults: the first write that failed because the filesystem under a data_dir is full or
//! read-only, remembered per data_dir so that a running crawl can stop at once (rather than fetch
//! pages it cannot keep) and the command can end with exit code 3 and a message naming the path.
//! A write that fails for want of a file descriptor (the open-files limit, `ulimit -n`) is one
//! too: every write after it would fail the same way. So is a request that could not be made
//! for want of one (its socket refused with EMFILE or ENFILE): no answer of the server's, and
//! every later request would fail the same way; it is remembered for the whole process, as the
//! limit is the process's.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// First disk fault per data_dir, for this process.
static FAULTS: Mutex<Vec<(PathBuf, String)>> = Mutex::new(Vec::new());

/// The first request that could not be made for want of a file descriptor, for this process.
static REQUEST: Mutex<Option<String>> = Mutex::new(None);

/// Whether an I/O error says the process (EMFILE) or the system (ENFILE) has no file
/// descriptor left: the machine's limit, not the file's fault.
pub(crate) fn is_out_of_files(error: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        matches!(error.raw_os_error(), Some(libc::EMFILE | libc::ENFILE))
    }
    #[cfg(not(unix))]
    {
        let _ = error;
        false
    }
}

/// The open-files limit in force, in words, for the message of a fault that met it.
fn open_files_limit() -> String {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit(2) writes only the struct passed by reference.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
            return format!(
                "the open-files limit (ulimit -n) is {}; raise it, e.g. LimitNOFILE= in a systemd unit",
                limit.rlim_cur
            );
        }
    }
    "the open-files limit (ulimit -n) was met; raise it".to_string()
}

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
    let out_of_files = is_out_of_files(error);
    if !is_disk_fault(error) && !out_of_files {
        return;
    }
    let mut faults = super::unpoisoned(FAULTS.lock());
    if !faults.iter().any(|(dir, _)| dir == data_dir) {
        let first = if out_of_files {
            format!("{}: {error} ({})", what.display(), open_files_limit())
        } else {
            format!("{}: {error}", what.display())
        };
        faults.push((data_dir.to_path_buf(), first));
    }
}

/// Remembers a request to `url` that failed for want of a file descriptor (`detail`: the
/// client's words); only the first is kept.
pub(crate) fn note_request(url: &url::Url, detail: &str) {
    let mut first = super::unpoisoned(REQUEST.lock());
    if first.is_none() {
        *first = Some(format!(
            "a request to {url}: {detail} ({})",
            open_files_limit()
        ));
    }
}

/// The first request that failed for want of a file descriptor, if any.
pub(crate) fn request() -> Option<String> {
    super::unpoisoned(REQUEST.lock()).clone()
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
