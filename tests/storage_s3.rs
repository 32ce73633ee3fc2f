//! The archive on an S3-compatible object store (issue 14, "Storage"), against moto's S3 server
//! started by each test on loopback: every file a record names is an object with its sha256, put
//! once and create-only; a second crawl writes nothing; a fresh cache writes nothing either (each
//! put is refused as already there); `kill -9` and a restart end with the objects of an
//! uninterrupted run; WARC files and run reports are put when closed, also after a crash; readers
//! fetch what the local cache lacks. Skipped, with a message, where moto_server is absent.
#![allow(clippy::disallowed_macros)] // tests and benches print figures and progress

mod common;
mod s3_support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{COMMAND_LIMIT, Harness, run_limited, stderr};
use nianbao::dedup::sha256_hex;
use nianbao_sim::SiteSpec;
use s3_support::{AWS_ENV, Moto, Object};
use serde_json::Value;

const INTERVAL: Duration = Duration::from_millis(30);
const PREFIX: &str = "archive";

fn sites() -> Vec<SiteSpec> {
    ["trs", "gbk", "nometa"]
        .iter()
        .map(|n| SiteSpec::standard_named(n).expect("standard site"))
        .collect()
}

fn with_aws(mut cmd: Command) -> Command {
    cmd.envs(AWS_ENV.iter().copied());
    cmd
}

fn run(h: &Harness, args: &[&str]) -> Output {
    run_limited(with_aws(h.command(args)), COMMAND_LIMIT)
}

/// A config beside the harness's own: the same simulated portals, another data_dir and bucket.
fn second_config(h: &Harness, moto: &Moto, name: &str, bucket: &str) -> std::path::PathBuf {
    let config = h.dir.path().join(format!("{name}.toml"));
    let text = h.sim.config_toml(&h.dir.path().join(name), h.interval)
        + &warc_toml()
        + &moto.storage_toml(bucket, PREFIX);
    std::fs::write(&config, text).expect("write config");
    config
}

/// Small WARC files, so that runs rotate.
fn warc_toml() -> String {
    "\n[warc]\nmax_file_bytes = 1048576\n".to_string()
}

fn command_with(config: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nianbao"));
    cmd.arg("--config").arg(config).args(args);
    cmd.env("NIANBAO_LOG", "nianbao=info");
    with_aws(cmd)
}

/// Every archive file the records name, with the sha256 its object must have (`None` for text,
/// whose bytes are checked against the local copy).
fn named_files(records: &[Value], data_dir: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let text = |r: &Value, files: &mut BTreeMap<String, String>| {
        if let Some(path) = r["text_path"].as_str() {
            let bytes = std::fs::read(data_dir.join(path)).expect("local text file");
            files.insert(path.to_string(), sha256_hex(&bytes));
        }
    };
    for r in records {
        let raw = r["raw_path"].as_str().expect("raw_path").to_string();
        files.insert(raw, r["sha256"].as_str().expect("sha256").to_string());
        text(r, &mut files);
        for a in r["attachments"].as_array().expect("attachments") {
            if let (Some(path), Some(sha)) = (a["raw_path"].as_str(), a["sha256"].as_str()) {
                files.insert(path.to_string(), sha.to_string());
            }
            text(a, &mut files);
        }
    }
    files
}

fn assert_named_files_stored(
    records: &[Value],
    data_dir: &Path,
    objects: &BTreeMap<String, Object>,
) {
    let named = named_files(records, data_dir);
    assert!(
        named.keys().any(|k| k.starts_with("text/")),
        "the crawl derived some attachment text"
    );
    for (key, sha) in &named {
        let object = objects
            .get(key)
            .unwrap_or_else(|| panic!("{key} is an object in the bucket"));
        assert_eq!(&object.sha256, sha, "{key}: the object's bytes");
    }
}

/// Only raw and text objects: the content-addressed part of the bucket.
fn content(objects: &BTreeMap<String, Object>) -> BTreeMap<String, Object> {
    objects
        .iter()
        .filter(|(k, _)| k.starts_with("raw/") || k.starts_with("text/"))
        .map(|(k, o)| (k.clone(), o.clone()))
        .collect()
}

/// Every local WARC file is an object with the same bytes, under `warc/<label>/`.
fn assert_warcs_stored(data_dir: &Path, objects: &BTreeMap<String, Object>) -> usize {
    let files = common::warc_files(data_dir);
    assert!(!files.is_empty(), "the crawl wrote WARC files");
    let stored: BTreeMap<String, &Object> = objects
        .iter()
        .filter(|(k, _)| k.starts_with("warc/"))
        .map(|(k, o)| (k.rsplit('/').next().expect("name").to_string(), o))
        .collect();
    for file in &files {
        let name = file
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let object = stored.get(&name).unwrap_or_else(|| {
            panic!(
                "WARC file {name} is in the bucket (have {:?})",
                stored.keys()
            )
        });
        let bytes = std::fs::read(file).expect("read WARC");
        assert_eq!(
            object.sha256,
            sha256_hex(&bytes),
            "{name}: the object's bytes"
        );
    }
    files.len()
}

fn export_with(config: &Path) -> Vec<Value> {
    let out = run_limited(
        command_with(config, &["export", "--format", "jsonl"]),
        COMMAND_LIMIT,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

#[test]
fn every_file_is_put_once_and_a_second_crawl_writes_nothing() {
    let Some(moto) = Moto::start("every_file_is_put_once_and_a_second_crawl_writes_nothing") else {
        return;
    };
    let bucket = "nianbao-first";
    moto.create_bucket(bucket);
    let h = Harness::with_sites(sites(), INTERVAL);
    h.edit_config(|c| c + &warc_toml() + &moto.storage_toml(bucket, PREFIX));

    let started = Instant::now();
    let out = run(&h, &["crawl"]);
    let first_took = started.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let records = h.export();
    assert!(records.len() >= 10, "the simulator's reports were archived");
    let objects = moto.objects(bucket, PREFIX);
    assert_named_files_stored(&records, &h.data_dir(), &objects);
    let content_after_first = content(&objects);
    // Each content-addressed key was put exactly once: one successful PUT, one version.
    let puts = moto.successful_puts(bucket, &format!("{PREFIX}/raw/"))
        + moto.successful_puts(bucket, &format!("{PREFIX}/text/"));
    assert_eq!(
        puts,
        content_after_first.len(),
        "one PUT per raw and text object"
    );
    assert!(content_after_first.values().all(|o| o.versions == 1));
    let warcs = assert_warcs_stored(&h.data_dir(), &objects);
    let reports: Vec<&String> = objects.keys().filter(|k| k.starts_with("runs/")).collect();
    assert_eq!(reports.len(), 1, "one run report: {reports:?}");
    let local_report = std::fs::read_dir(h.data_dir().join("runs"))
        .expect("runs folder")
        .map(|e| e.expect("entry").path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .expect("a local run report");
    assert_eq!(
        objects[reports[0]].sha256,
        sha256_hex(&std::fs::read(&local_report).expect("read report")),
        "the run report in the bucket is the local one"
    );

    // The same archive again: nothing new to put.
    let out = run(&h, &["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let again = moto.objects(bucket, PREFIX);
    assert_eq!(
        content(&again),
        content_after_first,
        "the second crawl put nothing"
    );

    // Another machine (a fresh data_dir, same bucket) archives the same portals. The simulator's
    // pages carry a generation time, so their bodies differ; the attachments do not. Every put of
    // a key already there is refused (412) and leaves the object as it was.
    let fresh = second_config(&h, &moto, "fresh", bucket);
    let refused_before = moto.refused_puts(bucket, &format!("{PREFIX}/"));
    let out = run_limited(command_with(&fresh, &["crawl"]), COMMAND_LIMIT);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let fresh_records = export_with(&fresh);
    let fresh_named = named_files(&fresh_records, &h.dir.path().join("fresh"));
    let shared: Vec<&String> = fresh_named
        .keys()
        .filter(|k| content_after_first.contains_key(*k))
        .collect();
    assert!(
        shared.iter().filter(|k| k.starts_with("text/")).count() >= 1,
        "the fresh crawl archived attachments the first one had: {} shared keys",
        shared.len()
    );
    let after_fresh = moto.objects(bucket, PREFIX);
    for key in &shared {
        assert_eq!(
            after_fresh[*key], content_after_first[*key],
            "{key}: not written again (same version, one version)"
        );
    }
    assert!(
        moto.refused_puts(bucket, &format!("{PREFIX}/")) - refused_before >= shared.len(),
        "each shared key was offered and refused as already there"
    );
    assert!(content(&after_fresh).values().all(|o| o.versions == 1));
    eprintln!(
        "first crawl {first_took:?}: {} records, {} raw/text objects, {warcs} WARC files",
        records.len(),
        content_after_first.len()
    );
}

#[test]
fn readers_fetch_what_the_cache_lacks() {
    let Some(moto) = Moto::start("readers_fetch_what_the_cache_lacks") else {
        return;
    };
    let bucket = "nianbao-readers";
    moto.create_bucket(bucket);
    let h = Harness::with_sites(
        vec![SiteSpec::standard_named("trs").expect("trs")],
        INTERVAL,
    );
    h.edit_config(|c| c + &moto.storage_toml(bucket, PREFIX));
    let out = run(&h, &["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let records = h.export();
    assert!(!records.is_empty());
    std::fs::remove_dir_all(h.data_dir().join("raw")).expect("empty the raw cache");

    let out = run(
        &h,
        &[
            "feed",
            "--consumer",
            "check",
            "--exec",
            "sha256sum \"$NIANBAO_RAW_PATH\"; echo \"stored $NIANBAO_RAW_STORED\"; echo \"url $NIANBAO_RAW_URL\"",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for r in &records {
        let sha = r["sha256"].as_str().expect("sha256");
        let path = h.data_dir().join(r["raw_path"].as_str().expect("raw_path"));
        // A compressed file is read through a plain copy; a plain one as it is.
        let read = if path.to_string_lossy().ends_with(".zst") {
            format!("{sha}  ")
        } else {
            format!("{sha}  {}", path.display())
        };
        assert!(
            stdout.contains(&read) && stdout.contains(&format!("stored {}", path.display())),
            "the consumer read {} with its sha256 from the cache:\n{stdout}",
            path.display()
        );
        let url = format!(
            "url s3://{bucket}/{PREFIX}/{}",
            r["raw_path"].as_str().expect("raw")
        );
        assert!(stdout.contains(&url), "NIANBAO_RAW_URL {url}:\n{stdout}");
    }

    // A damaged object is named, never handed on.
    std::fs::remove_dir_all(h.data_dir().join("raw")).expect("empty the raw cache");
    let victim = records[0]["raw_path"].as_str().expect("raw");
    let key = format!("{PREFIX}/{victim}");
    let status = Command::new("python3")
        .args(["-c", "import sys, boto3\ns3 = boto3.client('s3', endpoint_url=sys.argv[1], aws_access_key_id='t', aws_secret_access_key='t', region_name='us-east-1')\ns3.put_object(Bucket=sys.argv[2], Key=sys.argv[3], Body=b'not the page')"])
        .args([&moto.endpoint(), bucket, &key])
        .stdout(Stdio::null())
        .status()
        .expect("python3 runs");
    assert!(status.success());
    let out = run(&h, &["feed", "--consumer", "again", "--exec", "true"]);
    assert_ne!(
        out.status.code(),
        Some(0),
        "a damaged object stops the feed"
    );
    assert!(
        stderr(&out).contains(&key),
        "the error names the object: {}",
        stderr(&out)
    );
}

/// Keys and bytes of the content-addressed objects: what two archives of the same portals share.
fn shas(objects: &BTreeMap<String, Object>) -> BTreeSet<(String, String)> {
    content(objects)
        .into_iter()
        .map(|(k, o)| (k, o.sha256))
        .collect()
}

/// data_dir's content-addressed files, as (key, sha256).
fn local_files(data_dir: &Path) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for top in ["raw", "text"] {
        for shard in std::fs::read_dir(data_dir.join(top)).into_iter().flatten() {
            for file in std::fs::read_dir(shard.expect("entry").path()).expect("shard folder") {
                let path = file.expect("entry").path();
                let key = path.strip_prefix(data_dir).expect("below data_dir");
                // A `.zst` file by the body it holds, as the bucket's objects are listed.
                let bytes = common::read_raw(&path);
                out.insert((key.to_string_lossy().into_owned(), sha256_hex(&bytes)));
            }
        }
    }
    out
}

#[test]
fn kill_9_and_restart_end_with_the_objects_of_an_uninterrupted_run() {
    let Some(moto) = Moto::start("kill_9_and_restart_end_with_the_objects_of_an_uninterrupted_run")
    else {
        return;
    };
    let h = Harness::with_sites(sites(), INTERVAL);
    const BACKFILL: &[&str] = &["backfill", "--years", "2009-2024"];

    moto.create_bucket("nianbao-whole");
    let whole = second_config(&h, &moto, "whole", "nianbao-whole");
    let started = Instant::now();
    let out = run_limited(command_with(&whole, BACKFILL), COMMAND_LIMIT);
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let uninterrupted = moto.objects("nianbao-whole", PREFIX);

    moto.create_bucket("nianbao-killed");
    let killed = second_config(&h, &moto, "killed", "nianbao-killed");
    let killed_dir = h.dir.path().join("killed");
    let mut kills = 0;
    for fraction in [0.3, 0.6] {
        let mut child = command_with(&killed, BACKFILL)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nianbao starts");
        std::thread::sleep(took.mul_f64(fraction));
        if child.try_wait().expect("wait").is_none() {
            let _ = Command::new("kill")
                .arg("-9")
                .arg(child.id().to_string())
                .status();
            kills += 1;
        }
        let _ = child.wait();
    }
    assert!(kills > 0, "at least one run was killed mid-crawl");
    // A crash leaves its WARC file behind, not yet in the bucket.
    let local_before = common::warc_files(&killed_dir).len();
    assert!(local_before > 0, "the killed runs had archived captures");
    let out = run_limited(command_with(&killed, BACKFILL), COMMAND_LIMIT);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let objects = moto.objects("nianbao-killed", PREFIX);

    let records = export_with(&killed);
    let whole_records = export_with(&whole);
    assert_eq!(records.len(), whole_records.len(), "the same versions");
    // Attachments and their text are the same bytes in both runs (the simulator's pages carry a
    // generation time, so pages are compared through the records' own sha256 below).
    let attached = |records: &[Value], dir: &Path| -> BTreeSet<(String, String)> {
        let named = named_files(records, dir);
        let pages: BTreeSet<&str> = records
            .iter()
            .filter_map(|r| r["raw_path"].as_str())
            .collect();
        named
            .into_iter()
            .filter(|(k, _)| !pages.contains(k.as_str()))
            .collect()
    };
    let whole_attached = attached(&whole_records, &h.dir.path().join("whole"));
    assert!(!whole_attached.is_empty(), "the portals have attachments");
    assert_eq!(
        attached(&records, &killed_dir),
        whole_attached,
        "the same attachment and text objects"
    );
    let in_bucket = |objects: &BTreeMap<String, Object>| shas(objects);
    assert!(whole_attached.is_subset(&in_bucket(&objects)));
    assert!(whole_attached.is_subset(&in_bucket(&uninterrupted)));
    // The uninterrupted run put every content-addressed file it archived in data_dir (pages a
    // re-fetch found unchanged included), nothing else; the killed runs never put a file their
    // data_dir lacks (a file archived locally just before a kill is put when it is met again).
    let whole_local = local_files(&h.dir.path().join("whole"));
    assert_eq!(
        shas(&uninterrupted),
        whole_local,
        "bucket = data_dir's raw/ and text/"
    );
    let killed_local = local_files(&killed_dir);
    assert!(shas(&objects).is_subset(&killed_local));
    let killed_named: BTreeSet<String> = named_files(&records, &killed_dir).into_keys().collect();
    let orphans: Vec<String> = content(&objects)
        .into_keys()
        .filter(|k| !killed_named.contains(k))
        .collect();
    assert_named_files_stored(&records, &killed_dir, &objects);
    let warcs = assert_warcs_stored(&killed_dir, &objects);
    assert!(
        warcs > local_before,
        "the last run wrote WARC files of its own"
    );
    eprintln!(
        "uninterrupted backfill {took:?}; {kills} kills; {} raw/text objects ({} not named by a record); {warcs} WARC files ({local_before} left by killed runs)",
        content(&objects).len(),
        orphans.len()
    );
}

#[test]
fn a_failed_put_commits_no_record() {
    let Some(moto) = Moto::start("a_failed_put_commits_no_record") else {
        return;
    };
    // No such bucket: every put fails, so no record may be committed to point at its files.
    let h = Harness::with_sites(
        vec![SiteSpec::standard_named("trs").expect("trs")],
        INTERVAL,
    );
    h.edit_config(|c| c + &moto.storage_toml("nianbao-absent", PREFIX));
    let out = run(&h, &["crawl"]);
    let log = stderr(&out);
    assert!(
        log.contains("s3://nianbao-absent/archive/raw/"),
        "the failure names the object: {log}"
    );
    assert!(h.export().is_empty(), "no record without its objects");
}
