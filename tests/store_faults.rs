//! Issue 9, the store under disk faults: a full filesystem, a read-only data_dir, a truncated raw
//! file and a damaged sled directory each give a clear message naming the path, exit code 3
//! (where the command cannot go on), and lose nothing already committed. The filesystem cases
//! mount a small tmpfs, which needs root: where the mount fails they print why and pass.
#![allow(clippy::disallowed_macros)] // tests and benches print figures and progress

mod common;
mod politeness_support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{Harness, raw_file, stderr};
use nianbao_sim::DocSpec;
use politeness_support::*;
use serde_json::Value;

const INTERVAL: Duration = Duration::from_millis(30);
const STORE_EXIT: i32 = 3;

/// A tmpfs mounted for one test, unmounted when dropped.
struct Tmpfs {
    path: PathBuf,
}

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(at).expect("mount point");
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .output();
        match out {
            Ok(o) if o.status.success() => Some(Tmpfs {
                path: at.to_path_buf(),
            }),
            Ok(o) => {
                eprintln!(
                    "SKIPPED: cannot mount a tmpfs here (needs root): {}",
                    String::from_utf8_lossy(&o.stderr).trim()
                );
                None
            }
            Err(e) => {
                eprintln!("SKIPPED: cannot run mount: {e}");
                None
            }
        }
    }

    fn remount(&self, option: &str) {
        let status = Command::new("mount")
            .args(["-o", &format!("remount,{option}")])
            .arg(&self.path)
            .status()
            .expect("run mount");
        assert!(status.success(), "remount {option}");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.path).status();
    }
}

/// The no-metadata site with its data_dir on `data_dir`.
fn harness_on(data_dir: Option<&Path>) -> Harness {
    harness_of("nometa", data_dir)
}

fn harness_of(name: &str, data_dir: Option<&Path>) -> Harness {
    let h = Harness::with_sites(vec![site(name)], INTERVAL);
    if let Some(dir) = data_dir {
        let dir = dir.to_string_lossy().into_owned();
        h.edit_config(|t| {
            let first = t.lines().next().expect("data_dir line").to_string();
            t.replacen(&first, &format!("data_dir = {dir:?}"), 1)
        });
    }
    h
}

fn export_of(h: &Harness, data_dir: &Path) -> Vec<Value> {
    let out = h.run(&["--data-dir", &data_dir.to_string_lossy(), "export"]);
    assert!(out.status.success(), "export: {}", stderr(&out));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

fn assert_store_failure(out: &std::process::Output, names: &Path) {
    let log = stderr(out);
    assert_eq!(out.status.code(), Some(STORE_EXIT), "stderr:\n{log}");
    assert!(
        log.contains(&*names.to_string_lossy()),
        "the message names {}:\n{log}",
        names.display()
    );
}

/// A data_dir on a fresh 24 MB tmpfs, after a first crawl of the simulator. Fields drop in
/// order: the harness, then the mount, then its mount point.
struct Mounted {
    h: Harness,
    data: PathBuf,
    before: Vec<Value>,
    fs: Tmpfs,
    _scratch: tempfile::TempDir,
}

impl Mounted {
    /// `None` (with the skip message of `Tmpfs::mount`) where a tmpfs cannot be mounted.
    fn crawled() -> Option<Mounted> {
        let scratch = tempfile::tempdir().expect("scratch");
        let fs = Tmpfs::mount(&scratch.path().join("mnt"), "24m")?;
        let data = fs.path.join("data");
        let h = harness_on(Some(&data));
        let first = h.run(&["crawl"]);
        assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
        let before = export_of(&h, &data);
        Some(Mounted {
            h,
            data,
            before,
            fs,
            _scratch: scratch,
        })
    }
}

#[test]
fn a_full_filesystem_stops_the_crawl_with_exit_3_and_keeps_what_was_committed() {
    // Kept whole: its fields must drop in order (the mount before its mount point).
    let Some(m) = Mounted::crawled() else {
        return;
    };
    assert!(!m.before.is_empty());

    // Fill the filesystem to the last byte, then give the site new, large documents.
    let filler = m.fs.path.join("filler");
    let _ = Command::new("dd")
        .args(["if=/dev/zero", "bs=1M"])
        .arg(format!("of={}", filler.display()))
        .output();
    let s = m.h.sim.site("nometa");
    let known = s.truth().len();
    for n in 0..12 {
        s.add_document(DocSpec::new(&format!("新的报告{n}"), "2026-03-02 09:00").with_attachment());
    }
    let new_paths: Vec<String> = doc_paths(s)[known..].to_vec();
    // A slower gap, so that the stop shows in what the server saw.
    m.h.edit_config(|t| t.replace("per_host_interval = ", "per_host_interval = \"300ms\"\n#"));
    let full = m.h.run(&["crawl"]);
    assert_store_failure(&full, &m.data);
    let log = stderr(&full);
    assert!(log.contains("No space left"), "{log}");
    assert!(log.contains("cannot take writes"), "{log}");
    // The run stopped at the first failed write instead of fetching pages it could not keep.
    let asked = new_paths.iter().filter(|p| count_target(s, p) > 0).count();
    assert!(
        asked < new_paths.len() / 2,
        "{asked} of {} new items fetched",
        new_paths.len()
    );

    // Space again: everything committed before is there, raw files included.
    std::fs::remove_file(&filler).expect("remove filler");
    let after = export_of(&m.h, &m.data);
    assert_eq!(after[..m.before.len()], m.before[..]);
    for record in &m.before {
        assert!(raw_file(&m.data, record).exists());
    }
    let again = m.h.run(&["crawl"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(
        export_of(&m.h, &m.data).len(),
        m.before.len() + new_paths.len()
    );
}

#[test]
fn a_read_only_data_dir_gives_exit_3_naming_it() {
    // Kept whole: its fields must drop in order (the mount before its mount point).
    let Some(m) = Mounted::crawled() else {
        return;
    };

    m.fs.remount("ro");
    for args in [&["crawl"][..], &["status"][..]] {
        let out = m.h.run(args);
        assert_store_failure(&out, &m.data);
        assert!(stderr(&out).contains("Read-only"), "{}", stderr(&out));
    }
    m.fs.remount("rw");
    assert_eq!(export_of(&m.h, &m.data), m.before);
}

#[test]
fn a_damaged_sled_directory_gives_exit_3_naming_it() {
    let h = harness_on(None);
    let first = h.run(&["crawl"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let data = h.data_dir();
    let records = h.export();
    let index = data.join("index");
    // Overwrite every file of the sled directory with garbage of the same size.
    for entry in walk(&index) {
        let len = std::fs::metadata(&entry).expect("metadata").len() as usize;
        std::fs::write(&entry, vec![0x5a; len.max(64)]).expect("damage");
    }
    for args in [&["status"][..], &["crawl"][..], &["export"][..]] {
        let out = h.run(args);
        assert_store_failure(&out, &index);
        assert!(stderr(&out).contains("damaged"), "{}", stderr(&out));
    }
    // The raw files, which the index points to, are untouched.
    for record in &records {
        assert!(raw_file(&data, record).exists());
    }
}

/// A file size limit (`ulimit -f` in the job that starts the crawl): a write past it fails with
/// EFBIG, and the kernel first sends SIGXFSZ, whose default action kills the process mid-write.
/// The crawl must instead stop like on a full disk: exit 3 naming the path, nothing lost, and a
/// run without the limit resumes.
#[test]
fn a_file_size_limit_stops_the_crawl_with_exit_3_not_a_signal() {
    use std::os::unix::process::{CommandExt as _, ExitStatusExt as _};
    let h = harness_on(None);
    let first = h.run(&["crawl"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let before = h.export();
    let s = h.sim.site("nometa");
    let known = s.truth().len();
    for n in 0..6 {
        s.add_document(DocSpec::new(&format!("新的报告{n}"), "2026-03-02 09:00").with_attachment());
    }
    let added = s.truth().len() - known;
    let mut cmd = h.command(&["crawl"]);
    // SAFETY: setrlimit is async-signal-safe and touches only the child's own limits.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: FILE_SIZE_LIMIT,
                rlim_max: FILE_SIZE_LIMIT,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let limited = common::run_limited(cmd, common::COMMAND_LIMIT);
    assert_eq!(
        limited.status.signal(),
        None,
        "killed by a signal:\n{}",
        stderr(&limited)
    );
    assert_store_failure(&limited, &h.data_dir());
    let log = stderr(&limited);
    assert!(log.contains("File too large"), "{log}");
    // The index is whole: it is not called damaged, nor is its restore from a backup asked for.
    assert!(log.contains("cannot take writes"), "{log}");
    assert!(!log.contains("damaged"), "{log}");

    let after = h.export();
    assert_eq!(after[..before.len()], before[..]);
    let again = h.run(&["crawl"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(h.export().len(), before.len() + added);
}

/// Smaller than the index's files after the first crawl (sled's are some 512 KB), so the second
/// crawl's first write that grows one of them, or a raw file, goes past it.
const FILE_SIZE_LIMIT: libc::rlim_t = 64 * 1024;

#[test]
fn a_truncated_raw_file_is_named_by_feed_and_export_and_repaired_by_a_recrawl() {
    // The legacy site sends no gzip: a page's raw file is also what WARC records are made of.
    // WARC output is off while crawling, so that `export --format warc` has work to do.
    let h = harness_of("gbk", None);
    h.edit_config(|t| {
        t.replace("[fetch]\n", "[crawl]\nrevisit_after = \"0s\"\n\n[fetch]\n")
            + "\n[warc]\nenabled = false\n"
    });
    let first = h.run(&["crawl"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let data = h.data_dir();
    let records = h.export();
    let victim = raw_file(&data, &records[1]);
    let full = std::fs::read(&victim).expect("raw file");
    // The body as the server sends it (the file may hold it compressed).
    let body = common::read_raw(&victim);
    std::fs::write(&victim, &full[..full.len() / 2]).expect("truncate");

    // The feed hands over the first record, then stops at the damaged one, naming its file.
    let out = h.run(&["feed", "--consumer", "c", "--exec", "cat >/dev/null"]);
    assert_store_failure(&out, &victim);
    let list = h.run(&["feed", "--list"]);
    assert!(
        String::from_utf8_lossy(&list.stdout).contains("c\tposition 1"),
        "{}",
        String::from_utf8_lossy(&list.stdout)
    );

    // WARC export writes every other version and names the damaged file.
    let out = h.run(&["export", "--format", "warc"]);
    assert_store_failure(&out, &victim);
    assert!(
        stderr(&out).contains("1 archived version(s) could not be written"),
        "{}",
        stderr(&out)
    );

    // A crawl that is sent the same body again (here by a server that ignores validators)
    // writes the file afresh, and says so.
    let url = url::Url::parse(records[1]["url"].as_str().expect("url")).expect("URL");
    let content_type = records[1]["content_type"]
        .as_str()
        .unwrap_or("text/html")
        .to_string();
    let target = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    h.sim.site("gbk").add_path_fault(at(
        &target,
        nianbao_sim::FaultKind::Body {
            status: 200,
            content_type,
            body,
        },
    ));
    let recrawl = h.run(&["crawl"]);
    assert_eq!(recrawl.status.code(), Some(0), "{}", stderr(&recrawl));
    assert!(
        stderr(&recrawl).contains(&*victim.to_string_lossy()),
        "{}",
        stderr(&recrawl)
    );
    assert_eq!(std::fs::read(&victim).expect("raw file"), full);
    assert_eq!(h.export(), records, "nothing else changed");
    let out = h.run(&["feed", "--consumer", "c", "--exec", "cat >/dev/null"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = h.run(&["export", "--format", "warc"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn an_index_that_lost_commits_gives_exit_3_naming_it() {
    let h = harness_on(None);
    let first = h.run(&["crawl"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let data = h.data_dir();
    let records = h.export();
    let index = data.join("index");
    let saved = data.parent().expect("parent").join("saved-index");
    copy_dir(&index, &saved);
    // sled opens these without complaint, rolled back or empty: the seal beside it tells.
    for damage in ["truncate", "empty", "remove"] {
        let _ = std::fs::remove_dir_all(&index);
        copy_dir(&saved, &index);
        let db = index.join("db");
        match damage {
            "truncate" => {
                let len = std::fs::metadata(&db).expect("db").len();
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&db)
                    .expect("open db");
                file.set_len(len / 8).expect("truncate");
            }
            "empty" => std::fs::write(&db, b"").expect("empty"),
            _ => std::fs::remove_dir_all(&index).expect("remove"),
        }
        for args in [&["status"][..], &["crawl"][..]] {
            let out = h.run(args);
            assert_store_failure(&out, &index);
            assert!(
                stderr(&out).contains("damaged"),
                "{damage}: {}",
                stderr(&out)
            );
        }
    }
    let _ = std::fs::remove_dir_all(&index);
    copy_dir(&saved, &index);
    assert_eq!(h.export(), records, "the restored index is whole");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
