//! Raw bodies stored compressed (issue 10): a crawl of the simulator keeps its pages as
//! `raw/ab/<sha256>.zst` where that pays, every reader (export's sha256, `feed --exec`, `text`,
//! `tables`, `export --format warc`) gets the plain body, and an archive begun with
//! `compress = "none"` and carried on with zstd reads everything and holds no body twice.
#![allow(clippy::disallowed_macros)] // tests and benches print figures and progress

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{Harness, raw_file, read_raw, stderr};
use nianbao::dedup::sha256_hex;
use nianbao_sim::{DocSpec, SiteSpec};
use serde_json::Value;

const INTERVAL: Duration = Duration::from_millis(60);

fn sites() -> Vec<SiteSpec> {
    ["gbk", "nometa", "big5"]
        .iter()
        .map(|n| SiteSpec::standard_named(n).expect("standard site"))
        .collect()
}

fn crawl(h: &Harness) {
    let out = h.run(&["crawl"]);
    assert!(out.status.success(), "crawl: {}", stderr(&out));
}

/// Every file under raw/, as (path relative to data_dir, bytes on disk).
fn raw_files(data_dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for shard in std::fs::read_dir(data_dir.join("raw")).expect("raw/") {
        for file in std::fs::read_dir(shard.expect("entry").path()).expect("shard folder") {
            let path = file.expect("entry").path();
            let key = path.strip_prefix(data_dir).expect("below data_dir");
            out.insert(
                key.to_string_lossy().into_owned(),
                std::fs::read(&path).expect("read"),
            );
        }
    }
    out
}

/// No body is on disk twice: each sha256 names one file, plain or `.zst`.
fn assert_each_body_once(files: &BTreeMap<String, Vec<u8>>) {
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for path in files.keys() {
        let sha = path
            .trim_end_matches(".zst")
            .rsplit('/')
            .next()
            .expect("name");
        if let Some(other) = seen.insert(sha, path) {
            panic!("one body written twice: {other} and {path}");
        }
    }
}

/// Every record's (and attachment's) raw file holds the body with the record's sha256.
fn assert_bodies_match(data_dir: &Path, records: &[Value]) {
    for r in records {
        let body = read_raw(&raw_file(data_dir, r));
        assert_eq!(sha256_hex(&body), r["sha256"], "{}", r["raw_path"]);
        for a in r["attachments"].as_array().expect("attachments") {
            if let (Some(path), Some(sha)) = (a["raw_path"].as_str(), a["sha256"].as_str()) {
                assert_eq!(sha256_hex(&read_raw(&data_dir.join(path))), sha, "{path}");
            }
        }
    }
}

/// `feed --exec` with a consumer that keeps what it was handed: the copy at NIANBAO_RAW_PATH, and
/// that path beside NIANBAO_RAW_STORED. Returns (seq -> (plain path, stored path, bytes)).
fn feed_exec(
    h: &Harness,
    consumer: &str,
    fail: bool,
) -> BTreeMap<u64, (PathBuf, PathBuf, Vec<u8>)> {
    let out_dir = h.dir.path().join(format!("seen-{consumer}"));
    std::fs::create_dir_all(&out_dir).expect("out dir");
    let script = format!(
        "cp \"$NIANBAO_RAW_PATH\" \"{dir}/$NIANBAO_SEQ\" && printf '%s\\n%s\\n' \"$NIANBAO_RAW_PATH\" \"$NIANBAO_RAW_STORED\" > \"{dir}/$NIANBAO_SEQ.paths\"{tail}",
        dir = out_dir.display(),
        tail = if fail { " && exit 7" } else { "" }
    );
    let out = h.run(&["feed", "--consumer", consumer, "--exec", &script]);
    if fail {
        assert!(stderr(&out).contains("failed on seq 1"), "{}", stderr(&out));
    } else {
        assert!(out.status.success(), "feed --exec: {}", stderr(&out));
    }
    let mut seen = BTreeMap::new();
    for entry in std::fs::read_dir(&out_dir).expect("out dir") {
        let path = entry.expect("entry").path();
        let Ok(seq) = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .parse::<u64>()
        else {
            continue;
        };
        let paths = std::fs::read_to_string(path.with_extension("paths")).expect("paths");
        let mut lines = paths.lines();
        let plain = PathBuf::from(lines.next().expect("plain path"));
        let stored = PathBuf::from(lines.next().expect("stored path"));
        seen.insert(seq, (plain, stored, std::fs::read(&path).expect("copy")));
    }
    seen
}

/// The feed hands every consumer plain bytes and removes its temporary copies afterwards.
fn assert_feed_plain(h: &Harness, records: &[Value]) {
    let seen = feed_exec(h, "reader", false);
    assert_eq!(seen.len(), records.len(), "one call per record");
    for r in records {
        let seq = r["seq"].as_u64().expect("seq");
        let (plain, stored, bytes) = &seen[&seq];
        assert_eq!(sha256_hex(bytes), r["sha256"], "seq {seq}: plain bytes");
        assert_eq!(
            stored,
            &raw_file(&h.data_dir(), r),
            "seq {seq}: NIANBAO_RAW_STORED"
        );
        if stored.to_string_lossy().ends_with(".zst") {
            assert_ne!(plain, stored, "seq {seq}: a copy, not the .zst file");
            assert!(
                !plain.exists(),
                "seq {seq}: {} left behind",
                plain.display()
            );
        } else {
            assert_eq!(
                plain, stored,
                "seq {seq}: a plain raw file is handed on as it is"
            );
        }
    }
    // A consumer that fails gets its copy removed too.
    let failed = feed_exec(h, "failing", true);
    let (plain, stored, _) = failed.get(&1).expect("the first record was offered");
    if stored.to_string_lossy().ends_with(".zst") {
        assert!(
            !plain.exists(),
            "{} left behind by a failed consumer",
            plain.display()
        );
    }
    let copies = std::fs::read_dir(h.data_dir().join("tmp/plain"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(copies, 0, "no plain copy left in tmp/plain");
}

/// `text --redo`, `tables` and `export --format warc` read the archive as it is.
fn assert_readers_work(h: &Harness, records: &[Value]) {
    let text = h.run(&["text", "--redo"]);
    assert!(text.status.success(), "text: {}", stderr(&text));
    let said = String::from_utf8_lossy(&text.stdout);
    assert!(!said.contains("failed"), "text: {said}");

    let tables = h.run(&["tables"]);
    assert!(tables.status.success(), "tables: {}", stderr(&tables));
    let objects: Vec<Value> = String::from_utf8_lossy(&tables.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    let reports = records
        .iter()
        .filter(|r| r["is_annual_report"] == true)
        .count();
    assert!(reports > 0);
    assert_eq!(
        objects.len(),
        reports,
        "one tables object per annual report"
    );
    assert!(
        objects.iter().any(|o| o.to_string().contains("\"pass\"")),
        "a check passes on the decompressed pages: {objects:?}"
    );

    let warc = h.run(&["export", "--format", "warc"]);
    assert!(
        warc.status.success(),
        "export --format warc: {}",
        stderr(&warc)
    );
    let payloads = warc_payload_shas(&h.data_dir());
    for r in records {
        assert!(
            payloads.contains(r["sha256"].as_str().expect("sha256")),
            "the WARC holds the body of {} ({} payloads; {})",
            r["raw_path"],
            payloads.len(),
            stderr(&warc)
        );
    }
}

/// sha256 of every WARC response's payload in data_dir's WARC files, content-decoded.
fn warc_payload_shas(data_dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for file in common::warc_files(data_dir) {
        for record in nianbao::warc::WarcReader::open(&file).expect("WARC opens") {
            let record = record.expect("WARC record");
            if record.warc_type() != Some("response") {
                continue;
            }
            let split = record
                .block
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .expect("HTTP head");
            let head = String::from_utf8_lossy(&record.block[..split]).to_ascii_lowercase();
            let payload = &record.block[split + 4..];
            let body = if head.contains("content-encoding: gzip") {
                let mut inflated = Vec::new();
                flate2::read::MultiGzDecoder::new(payload)
                    .read_to_end(&mut inflated)
                    .expect("gzip payload");
                inflated
            } else {
                payload.to_vec()
            };
            out.insert(sha256_hex(&body));
        }
    }
    out
}

#[test]
fn a_crawl_keeps_pages_compressed_and_every_reader_reads_them_plain() {
    let h = Harness::with_sites(sites(), INTERVAL);
    h.edit_config(|t| t + "\n[warc]\nenabled = false\n");
    crawl(&h);
    let data = h.data_dir();
    let records = h.export();
    assert!(records.len() >= 6, "{}", records.len());

    let files = raw_files(&data);
    assert_each_body_once(&files);
    let pages: Vec<&Value> = records
        .iter()
        .filter(|r| {
            r["content_type"]
                .as_str()
                .is_some_and(|t| t.contains("html"))
        })
        .collect();
    assert!(!pages.is_empty());
    for r in &pages {
        let path = r["raw_path"].as_str().expect("raw_path");
        assert!(
            path.ends_with(".zst"),
            "an HTML page is stored compressed: {path}"
        );
    }
    let (mut plain, mut packed) = (0usize, 0usize);
    for (path, bytes) in &files {
        let body = read_raw(&data.join(path));
        if path.ends_with(".zst") {
            assert!(
                bytes.len() * 10 <= body.len() * 9,
                "{path}: kept though it saves little"
            );
            packed += bytes.len();
        } else {
            plain += bytes.len();
        }
        let sha = path
            .trim_end_matches(".zst")
            .rsplit('/')
            .next()
            .expect("name");
        assert_eq!(sha256_hex(&body), sha, "{path}: named by the body's sha256");
    }
    eprintln!("raw/: {packed} bytes compressed, {plain} bytes plain");
    assert_bodies_match(&data, &records);
    assert_feed_plain(&h, &records);
    assert_readers_work(&h, &records);

    // `inspect` reads an archived .zst page as the crawl read it.
    let page = pages
        .iter()
        .find(|r| r["title"].is_string())
        .expect("a page with a title");
    let path = raw_file(&data, page);
    let out = h.run(&[
        "inspect",
        path.to_str().expect("UTF-8 path"),
        "--url",
        page["url"].as_str().expect("url"),
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "inspect: {}", stderr(&out));
    let seen: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(
        seen["title"],
        page["title"],
        "inspect of {}",
        path.display()
    );
}

#[test]
fn an_archive_begun_plain_and_carried_on_with_zstd_reads_everything_once() {
    let h = Harness::with_sites(sites(), INTERVAL);
    h.edit_config(|t| {
        t.replace("[fetch]\n", "[crawl]\nrevisit_after = \"0s\"\n\n[fetch]\n")
            + "\n[warc]\nenabled = false\n\n[archive]\ncompress = \"none\"\n"
    });
    crawl(&h);
    let data = h.data_dir();
    let before = raw_files(&data);
    assert!(
        before.keys().all(|p| !p.ends_with(".zst")),
        "compress = \"none\" writes plain files: {:?}",
        before.keys()
    );

    // New and changed documents, crawled with zstd.
    let site = h.sim.site("gbk");
    site.add_document(
        DocSpec::new("2024年度政府信息公开工作年度报告", "2025-01-20 09:30").report(2024),
    );
    let edited = site.truth()[0].path.clone();
    site.edit_document(&edited, "补充说明：本报告数据截至2024年12月31日。");
    h.edit_config(|t| t.replace("compress = \"none\"", "compress = \"zstd\""));
    crawl(&h);

    let after = raw_files(&data);
    assert_each_body_once(&after);
    for (path, bytes) in &before {
        assert_eq!(
            after.get(path),
            Some(bytes),
            "{path}: an old plain file is untouched"
        );
    }
    assert!(
        after
            .keys()
            .any(|p| p.ends_with(".zst") && !before.contains_key(p)),
        "the second crawl wrote compressed files"
    );
    let records = h.export();
    let old = records
        .iter()
        .filter(|r| !r["raw_path"].as_str().expect("raw_path").ends_with(".zst"))
        .count();
    assert!(
        old > 0 && old < records.len(),
        "a mixed archive: {old} of {}",
        records.len()
    );
    assert_bodies_match(&data, &records);
    assert_feed_plain(&h, &records);
    assert_readers_work(&h, &records);
}
