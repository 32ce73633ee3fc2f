//! WARC output of real crawls of the simulator: every archived version has a response record
//! whose payload is the archived body and a metadata record with its export record; a re-fetch
//! with an identical payload is a revisit; `export --format warc` writes what was crawled with
//! WARC output off; `export --format cdxj` indexes it. The warcio half (`--ignored`, run by CI
//! after `pip install warcio`) has an independent reader check digests and payloads.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

use common::{Harness, stderr, warc_files};
use nianbao::dedup::sha256_hex;
use nianbao::warc::{WarcReader, WarcRecord, parse_http_head};
use nianbao_sim::SiteSpec;
use serde_json::Value;

const INTERVAL: Duration = Duration::from_millis(50);
const VERIFY_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/warcio_verify.py");

fn sites() -> Vec<SiteSpec> {
    // trs: attachments and a document at two URLs; nometa: gzip and chunked responses.
    ["trs", "nometa"]
        .iter()
        .map(|n| SiteSpec::standard_named(n).expect("standard site"))
        .collect()
}

fn records(files: &[PathBuf]) -> Vec<WarcRecord> {
    files
        .iter()
        .flat_map(|f| {
            WarcReader::open(f)
                .expect("WARC file opens")
                .map(|r| r.expect("every record reads"))
        })
        .collect()
}

fn header<'a>(record: &'a WarcRecord, name: &str) -> Option<&'a str> {
    record
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The payload of a response record with its Content-Encoding undone.
fn decoded_payload(record: &WarcRecord) -> Vec<u8> {
    let head = parse_http_head(&record.block).expect("response block starts with an HTTP head");
    let body = &record.block[head.body_offset..];
    let gzipped = head
        .headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("content-encoding") && v.contains("gzip"));
    if gzipped {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(body)
            .read_to_end(&mut out)
            .expect("gzip payload decodes");
        out
    } else {
        body.to_vec()
    }
}

/// Checks that each export record (and attachment) has a response whose decoded payload hashes
/// to its sha256, and a metadata record carrying the export record.
fn assert_versions_in_warc(exported: &[Value], warc: &[WarcRecord]) {
    let mut payloads: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in warc
        .iter()
        .filter(|r| header(r, "WARC-Type") == Some("response"))
    {
        let uri = header(r, "WARC-Target-URI")
            .expect("response has a target")
            .to_string();
        payloads
            .entry(uri)
            .or_default()
            .insert(sha256_hex(&decoded_payload(r)));
    }
    let metadata: Vec<Value> = warc
        .iter()
        .filter(|r| header(r, "WARC-Type") == Some("metadata"))
        .map(|r| serde_json::from_slice(&r.block).expect("metadata is JSON"))
        .collect();
    for record in exported {
        let url = record["url"].as_str().expect("url");
        let sha = record["sha256"].as_str().expect("sha256");
        assert!(
            payloads.get(url).is_some_and(|s| s.contains(sha)),
            "no response record for {url} with the archived payload {sha}"
        );
        for a in record["attachments"].as_array().expect("attachments") {
            let (url, sha) = (
                a["url"].as_str().expect("url"),
                a["sha256"].as_str().expect("sha256"),
            );
            assert!(
                payloads.get(url).is_some_and(|s| s.contains(sha)),
                "no response record for attachment {url}"
            );
        }
        let found = metadata
            .iter()
            .find(|m| m["id"] == record["id"] && m["seq"] == record["seq"])
            .unwrap_or_else(|| panic!("no metadata record for seq {}", record["seq"]));
        // The whole record, as exported, but for its aliases: those are the document's other
        // URLs when it is read, and a later page with the same content adds one.
        let without_aliases = |v: &Value| {
            let mut v = v.clone();
            v.as_object_mut()
                .expect("a record is an object")
                .remove("aliases");
            v
        };
        assert_eq!(
            without_aliases(found),
            without_aliases(record),
            "metadata record of seq {}",
            record["seq"]
        );
    }
}

#[test]
fn a_crawl_writes_warc_with_responses_metadata_and_revisits() {
    let h = Harness::with_sites(sites(), INTERVAL);
    let out = h.run(&["crawl"]);
    assert_eq!(out.status.code(), Some(0), "crawl: {}", stderr(&out));
    let exported = h.export();
    let files = warc_files(&h.data_dir());
    assert!(!files.is_empty(), "the crawl wrote WARC files");
    let warc = records(&files);
    assert_eq!(
        header(&warc[0], "WARC-Type"),
        Some("warcinfo"),
        "each file opens with warcinfo"
    );
    assert_versions_in_warc(&exported, &warc);
    // Request and response pair up.
    let ids: BTreeSet<&str> = warc
        .iter()
        .filter_map(|r| header(r, "WARC-Record-ID"))
        .collect();
    for r in warc
        .iter()
        .filter(|r| header(r, "WARC-Type") == Some("request"))
    {
        let to = header(r, "WARC-Concurrent-To").expect("a request names its response");
        assert!(ids.contains(to), "request's Concurrent-To {to} exists");
    }

    // A second crawl re-fetches list pages whose payload did not change: revisit records that
    // refer to the original responses.
    let out = h.run(&["crawl"]);
    assert_eq!(out.status.code(), Some(0), "second crawl: {}", stderr(&out));
    let warc = records(&warc_files(&h.data_dir()));
    let ids: BTreeSet<&str> = warc
        .iter()
        .filter_map(|r| header(r, "WARC-Record-ID"))
        .collect();
    let revisits: Vec<&WarcRecord> = warc
        .iter()
        .filter(|r| header(r, "WARC-Type") == Some("revisit"))
        .collect();
    assert!(
        !revisits.is_empty(),
        "identical payloads are written as revisits"
    );
    for r in revisits {
        assert_eq!(
            header(r, "WARC-Profile"),
            Some("http://netpreserve.org/warc/1.1/revisit/identical-payload-digest")
        );
        let refers = header(r, "WARC-Refers-To").expect("revisit refers to its original");
        assert!(
            ids.contains(refers),
            "the original response {refers} is in the archive"
        );
    }
}

#[test]
fn export_writes_warc_for_captures_made_with_warc_off_and_indexes_it() {
    let h = Harness::with_sites(
        vec![SiteSpec::standard_named("nometa").expect("standard site")],
        INTERVAL,
    );
    h.edit_config(|text| format!("{text}\n[warc]\nenabled = false\n"));
    let out = h.run(&["crawl"]);
    assert_eq!(out.status.code(), Some(0), "crawl: {}", stderr(&out));
    assert!(
        warc_files(&h.data_dir()).is_empty(),
        "no WARC while it is off"
    );
    let exported = h.export();

    let out = h.run(&["export", "--format", "warc"]);
    assert!(out.status.success(), "export warc: {}", stderr(&out));
    let files = warc_files(&h.data_dir());
    assert_versions_in_warc(&exported, &records(&files));
    // Nothing is written twice.
    let out = h.run(&["export", "--format", "warc"]);
    assert!(stderr(&out).contains("already in WARC"), "{}", stderr(&out));
    assert_eq!(warc_files(&h.data_dir()).len(), files.len());

    let out = h.run(&["export", "--format", "cdxj"]);
    assert!(out.status.success());
    // The index is of every WARC file: --since is refused, not quietly ignored.
    let since = h.run(&["export", "--format", "cdxj", "--since", "3"]);
    assert_eq!(since.status.code(), Some(2), "{}", stderr(&since));
    assert!(
        stderr(&since).contains("--since 3 does not apply to --format cdxj"),
        "{}",
        stderr(&since)
    );
    assert!(since.stdout.is_empty(), "no index printed");
    let lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted, "CDXJ is sorted");
    for record in &exported {
        let url = record["url"].as_str().expect("url");
        let line = lines
            .iter()
            .find(|l| {
                l.contains(&format!("\"url\": \"{url}\""))
                    || l.contains(&format!("\"url\":\"{url}\""))
            })
            .unwrap_or_else(|| panic!("no CDXJ line for {url}"));
        let json: Value = serde_json::from_str(line.splitn(3, ' ').nth(2).expect("json part"))
            .expect("CDXJ JSON");
        let file = h
            .data_dir()
            .join("warc")
            .join(json["filename"].as_str().expect("filename"));
        let offset: u64 = json["offset"]
            .as_str()
            .map(|s| s.parse().expect("offset"))
            .or(json["offset"].as_u64())
            .expect("offset");
        let at = records(&[file])
            .into_iter()
            .find(|r| r.offset == offset)
            .expect("a record at the indexed offset");
        assert_eq!(header(&at, "WARC-Target-URI"), Some(url));
    }
}

fn python(args: &[&str]) -> (bool, String, String) {
    match std::process::Command::new("python3").args(args).output() {
        Ok(out) => (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ),
        Err(e) => (false, String::new(), format!("python3 did not start: {e}")),
    }
}

/// CI: `pip install warcio`, then `cargo test --test warc_crawl -- --ignored`.
#[test]
#[ignore = "needs python3 with warcio (pip install warcio); CI runs it with --ignored"]
fn warcio_checks_and_reads_a_crawls_warc() {
    let h = Harness::with_sites(sites(), INTERVAL);
    let out = h.run(&["crawl"]);
    assert_eq!(out.status.code(), Some(0), "crawl: {}", stderr(&out));
    let exported = h.export();
    let files = warc_files(&h.data_dir());
    let paths: Vec<&str> = files
        .iter()
        .map(|p| p.to_str().expect("UTF-8 temp path"))
        .collect();

    let mut check = vec!["-m", "warcio.cli", "check", "-v"];
    check.extend(&paths);
    let (ok, out, err) = python(&check);
    assert!(
        ok,
        "warcio check failed (is warcio installed? pip install warcio):\n{out}\n{err}"
    );
    assert!(
        !out.contains("digest failed"),
        "warcio found a bad digest:\n{out}"
    );
    let mut index = vec!["-m", "warcio.cli", "index"];
    index.extend(&paths);
    let (ok, out, err) = python(&index);
    assert!(
        ok && out.lines().count() > exported.len(),
        "warcio index: {err}"
    );

    let mut verify = vec![VERIFY_SCRIPT];
    verify.extend(&paths);
    let (ok, out, err) = python(&verify);
    assert!(ok, "warcio_verify.py: {err}");
    let seen: BTreeSet<(String, String)> = out
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(u, s)| (u.to_string(), s.to_string()))
        .collect();
    for record in &exported {
        let key = (
            record["url"].as_str().expect("url").to_string(),
            record["sha256"].as_str().expect("sha").to_string(),
        );
        assert!(
            seen.contains(&key),
            "warcio's payload for {} is not the archived body",
            key.0
        );
        let raw = common::raw_body(&h.data_dir(), record);
        assert_eq!(sha256_hex(&raw), key.1, "the raw file is the WARC payload");
    }
}
