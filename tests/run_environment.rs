//! The machine a crawl runs on as input: a terminal that closes under a manual run (SIGHUP) stops
//! it as SIGTERM does, and the rerun resumes it to the archive an uninterrupted crawl makes; an
//! open-files limit that archive writes run into stops the crawl with exit 3 naming the limit,
//! and so does one that requests run into, blaming no portal; a stop while the crawl waits for
//! the store's lock ends it with exit 130.

mod common;

use std::collections::BTreeSet;
use std::io::BufRead;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Harness, stderr};
use nianbao_sim::SiteSpec;
use serde_json::Value;

fn sites() -> Vec<SiteSpec> {
    ["trs", "gbk"]
        .iter()
        .map(|n| SiteSpec::standard_named(n).expect("standard site"))
        .collect()
}

/// What two crawls of the same sites on other addresses must agree on: each version's title,
/// content hash and report year.
fn contents(records: &[Value]) -> BTreeSet<String> {
    records
        .iter()
        .map(|r| format!("{} {} {}", r["title"], r["content_hash"], r["report_year"]))
        .collect()
}

/// Waits for the child for at most `limit`; `None` if it is still running.
fn wait_for(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some(status) = child.try_wait().expect("wait") {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

fn run_reports(h: &Harness) -> Vec<Value> {
    std::fs::read_dir(h.data_dir().join("runs"))
        .map(|entries| {
            entries
                .filter_map(|e| std::fs::read(e.ok()?.path()).ok())
                .filter_map(|bytes| serde_json::from_slice(&bytes).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// A manual run whose terminal closes gets SIGHUP: it must stop as SIGTERM does (exit 130, the
/// frontier saved, the report says interrupted), not die with nothing saved, and the rerun must
/// end with what an uninterrupted crawl archives.
#[test]
fn sighup_stops_a_crawl_as_sigterm_does_and_the_rerun_resumes_it() {
    let reference = Harness::with_sites(sites(), Duration::from_millis(20));
    let out = reference.run(&["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let want = contents(&reference.export());
    assert!(!want.is_empty(), "the reference crawl archived something");

    let h = Harness::with_sites(sites(), Duration::from_millis(300));
    let mut child = h
        .command(&["crawl"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the nianbao binary starts");
    let site = h.sim.site("trs");
    let start = Instant::now();
    while site.requests().len() < 4 && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(site.requests().len() >= 4, "the crawl reached the site");
    let ok = Command::new("kill")
        .arg("-HUP")
        .arg(child.id().to_string())
        .status()
        .expect("kill runs")
        .success();
    assert!(ok, "kill -HUP {}", child.id());
    let status = wait_for(&mut child, Duration::from_secs(30)).expect("SIGHUP stops the run");
    assert_eq!(
        status.code(),
        Some(130),
        "SIGHUP ends as an interruption: {status}"
    );
    assert!(
        run_reports(&h).iter().any(|r| r["interrupted"] == true),
        "the run report says interrupted"
    );

    h.edit_config(|t| {
        t.replace(
            "per_host_interval = \"300ms\"",
            "per_host_interval = \"20ms\"",
        )
    });
    let out = h.run(&["crawl"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "the rerun completes: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("resuming an interrupted"),
        "the rerun resumes: {}",
        stderr(&out)
    );
    assert_eq!(contents(&h.export()), want, "the resumed archive");
}

/// Runs `cmd` with its open-files limit (soft and hard) set to `files`.
fn with_open_files_limit(cmd: &mut Command, files: u64) {
    // SAFETY: setrlimit(2) is async-signal-safe and the closure touches nothing else.
    unsafe {
        cmd.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: files,
                rlim_max: files,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
}

/// Crawls `sites` once without a limit (the reference) and once under an open-files limit of
/// `files`, which must stop with exit 3 naming the limit, no panic and no portal blamed; `check`
/// looks further at that run's stderr. A rerun with the limit lifted must then end with the
/// reference's archive.
fn stopped_by_the_limit_and_resumed(sites: Vec<SiteSpec>, files: u64, check: impl Fn(&str)) {
    let reference = Harness::with_sites(sites.clone(), Duration::from_millis(10));
    let out = reference.run(&["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let want = contents(&reference.export());
    assert!(!want.is_empty(), "the reference crawl archived something");

    let h = Harness::with_sites(sites, Duration::from_millis(10));
    let mut cmd = h.command(&["crawl"]);
    with_open_files_limit(&mut cmd, files);
    let out = common::run_limited(cmd, Duration::from_secs(120));
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains(&format!("open-files limit (ulimit -n) is {files}")),
        "{err}"
    );
    assert!(!err.contains("UNREACHABLE"), "no portal blamed: {err}");
    check(&err);

    let out = h.run(&["crawl"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "the rerun completes: {}",
        stderr(&out)
    );
    assert_eq!(contents(&h.export()), want, "the archive after the rerun");
}

/// A crawl of several portals on their own hosts, with attachments and the default
/// max_concurrency, under an open-files limit its archive writes run into: it stops with exit 3
/// and a message naming the limit, never a panic, and a rerun with the limit lifted ends with
/// what an uninterrupted crawl archives. About 100 s in a debug build, so ignored by default.
#[test]
#[ignore = "about 100 s: cargo test --locked --test run_environment -- --ignored"]
fn a_low_open_files_limit_stops_the_crawl_naming_it_and_loses_nothing() {
    let sites: Vec<SiteSpec> = ["trs", "gbk", "nometa", "hanweb"]
        .iter()
        .filter_map(|n| SiteSpec::standard_named(n))
        .collect();
    stopped_by_the_limit_and_resumed(sites, 20, |_| {});
}

/// A crawl whose requests find no file descriptor left (EMFILE on the socket; the repro was
/// RLIMIT_NOFILE 16) met the limit, not a server's failure: exit 3 naming the limit, no portal
/// unreachable, no robots.txt "unavailable", no retry, and a rerun with the limit lifted asks
/// again what was not answered and ends with the archive of an uninterrupted crawl.
#[test]
fn requests_out_of_file_descriptors_stop_the_crawl_and_blame_no_portal() {
    // Eight portals on their own hosts ask for robots.txt at once, before any page is archived.
    let sites = || -> Vec<SiteSpec> {
        (1..=8)
            .map(|i| {
                SiteSpec::standard_named("trs")
                    .expect("standard site")
                    .renamed(&format!("trs{i}"), &format!("门户{i}"))
            })
            .collect()
    };
    stopped_by_the_limit_and_resumed(sites(), 16, |err| {
        assert!(
            err.contains("no file descriptor left for a request"),
            "a request named: {err}"
        );
        // The run report cannot be written at this limit (its file is refused too), so what
        // the run counted is read from its log: robots.txt is never "unavailable" and no
        // request that found no descriptor is retried.
        assert!(
            !err.contains("robots.txt unavailable"),
            "robots.txt not blamed: {err}"
        );
        assert!(
            !err.contains("(os error 24) (after"),
            "a request without a descriptor is not retried: {err}"
        );
    });
}

/// A crawl waiting for the store's lock, which another process holds, is stopped by SIGTERM as
/// the README promises: exit 130 and a message, not a kill by the signal.
#[test]
fn sigterm_while_waiting_for_the_store_lock_ends_with_exit_130() {
    let h = Harness::with_sites(sites(), Duration::from_millis(10));
    std::fs::create_dir_all(h.data_dir()).expect("create the data_dir");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(h.data_dir().join("nianbao.lock"))
        .expect("open the store's lock file");
    lock.try_lock().expect("the test holds the store's lock");
    let mut child = h
        .command(&["crawl"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the nianbao binary starts");
    let pipe = child.stderr.take().expect("stderr is piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(pipe).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut said = Vec::new();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(30)) {
        let waiting = line.contains("waiting up to");
        said.push(line);
        if waiting {
            break;
        }
    }
    assert!(
        said.iter().any(|l| l.contains("waiting up to")),
        "the crawl waits for the lock: {said:?}"
    );
    let ok = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .expect("kill runs")
        .success();
    assert!(ok, "kill -TERM {}", child.id());
    let status = wait_for(&mut child, Duration::from_secs(30)).expect("SIGTERM stops the wait");
    said.extend(rx.try_iter());
    assert_eq!(status.code(), Some(130), "exit 130: {status} {said:?}");
    assert!(
        said.iter()
            .any(|l| l.contains("stopped while waiting for the store's lock")),
        "{said:?}"
    );
    assert!(
        h.sim.site("trs").requests().is_empty() && h.sim.site("gbk").requests().is_empty(),
        "nothing was started"
    );
}
