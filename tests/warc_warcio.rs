//! Our WARC files read by an independent implementation, warcio: its digest checker
//! (`warcio check`), its indexer's record offsets (`warcio index`), and the payloads it decodes
//! (`.ci/warcio_verify.py`) against the bodies we wrote.
//!
//! Needs python3 with warcio installed, so it is ignored by a plain `cargo test`; CI runs it with
//! `cargo test --test warc_warcio -- --ignored`, where a missing warcio fails loudly.

mod warc_common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use nianbao::warc::{
    ResponseKind, RevisitOf, WarcCapture, WarcReader, WarcSettings, WarcWriter, cdxj_index,
};
use sha2::{Digest, Sha256};
use warc_common::*;

const VERIFY_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/warcio_verify.py");

/// Runs python3 with `args`; returns (success, stdout, stderr).
fn python(args: &[&str]) -> (bool, String, String) {
    match Command::new("python3").args(args).output() {
        Ok(out) => (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ),
        Err(e) => (false, String::new(), format!("python3 did not start: {e}")),
    }
}

fn path_args(files: &[PathBuf]) -> Vec<&str> {
    files
        .iter()
        .map(|p| p.to_str().expect("temp paths are UTF-8"))
        .collect()
}

/// Writes the sample captures and a revisit over several files; returns the captures and the
/// files in order.
fn write_sample(dir: &Path) -> ([WarcCapture; 5], Vec<PathBuf>) {
    let settings = WarcSettings {
        // Small enough to spread the captures over several files.
        max_file_bytes: 4000,
        ..WarcSettings::default()
    };
    let (mut writer, _) = WarcWriter::open(dir, settings).expect("writer opens");
    let captures = [
        plain_page(),
        gzip_page(),
        chunked_post(),
        attachment(),
        h2_with_gbk_header(),
    ];
    let mut written = Vec::new();
    for c in &captures {
        let doc = serde_json::json!({"url": c.target_uri, "status": c.status});
        written.push(writer.write_capture(c, None, Some(&doc)).expect("written"));
    }
    let revisit = writer
        .write_capture(
            &plain_page_refetch(),
            Some(&RevisitOf::from(&written[0])),
            None,
        )
        .expect("written");
    assert_eq!(revisit.kind, ResponseKind::Revisit);
    writer.sync().expect("sync");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("dir lists")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    (captures, files)
}

/// A CDXJ line split into key, timestamp and parsed JSON.
fn cdxj_parts(line: &str) -> (String, String, serde_json::Value) {
    let mut parts = line.splitn(3, ' ');
    let key = parts.next().unwrap_or_default().to_string();
    let stamp = parts.next().unwrap_or_default().to_string();
    let json = serde_json::from_str(parts.next().unwrap_or_default()).expect("CDXJ JSON");
    (key, stamp, json)
}

#[test]
#[ignore = "needs python3 with cdxj-indexer (pip install cdxj-indexer); CI runs it with --ignored"]
fn cdxj_matches_pywb_indexer() {
    let (ok, _, err) = python(&["-c", "import cdxj_indexer"]);
    assert!(
        ok,
        "this test needs python3 with pywb's indexer: run `pip install cdxj-indexer` first ({err})"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let (_, files) = write_sample(dir.path());
    assert!(files.len() > 1, "rotation spread the captures");
    let ours: Vec<_> = cdxj_index(dir.path())
        .expect("index")
        .iter()
        .map(|l| cdxj_parts(l))
        .collect();

    let mut args = vec![
        "-c",
        "import sys; from cdxj_indexer.main import main; main(sys.argv[1:])",
        "-s",
    ];
    args.extend(path_args(&files));
    let (ok, out, err) = python(&args);
    assert!(ok, "cdxj-indexer failed: {err}");
    // It also indexes metadata records (no status), under their own `urn:` key, never under a
    // page's key (issue 13); we index responses and revisits only.
    let all: Vec<_> = out.lines().map(cdxj_parts).collect();
    let page_keys: BTreeSet<&str> = all
        .iter()
        .filter(|(_, _, json)| json.get("status").is_some())
        .map(|(key, _, _)| key.as_str())
        .collect();
    let metadata: Vec<_> = all
        .iter()
        .filter(|(_, _, j)| j.get("status").is_none())
        .collect();
    assert_eq!(metadata.len(), 5, "one metadata record per capture");
    for (key, _, json) in metadata {
        assert!(
            key.starts_with("urn:nianbao:metadata:") && !page_keys.contains(key.as_str()),
            "a metadata record indexed under a page's key: {key} {json}"
        );
    }
    let mut theirs: Vec<_> = all
        .into_iter()
        .filter(|(_, _, json)| json.get("status").is_some())
        .collect();
    // It names files by the path it was given; we by file name.
    for (_, _, json) in &mut theirs {
        let name = json["filename"]
            .as_str()
            .and_then(|f| Path::new(f).file_name())
            .map(|n| n.to_string_lossy().into_owned());
        json["filename"] = serde_json::json!(name);
    }
    assert_eq!(ours.len(), 6);
    assert_eq!(ours, theirs);
}

#[test]
#[ignore = "needs python3 with warcio (pip install warcio); CI runs it with --ignored"]
fn warcio_reads_and_checks_our_files() {
    let (ok, _, err) = python(&["-c", "import warcio"]);
    assert!(
        ok,
        "this test needs python3 with warcio: run `pip install warcio` first ({err})"
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let (captures, files) = write_sample(dir.path());
    assert!(files.len() > 1, "rotation spread the captures");

    // Our own view of every record: (type, uri, offset, length, status).
    let mut ours = Vec::new();
    for file in &files {
        for record in WarcReader::open(file).expect("opens") {
            let r = record.expect("reads");
            let status = nianbao::warc::parse_http_head(&r.block)
                .filter(|_| matches!(r.warc_type(), Some("response" | "revisit")))
                .and_then(|h| h.status);
            ours.push((
                r.warc_type().unwrap_or_default().to_string(),
                r.header("WARC-Target-URI").map(str::to_string),
                r.offset,
                r.length,
                status,
            ));
        }
    }
    let revisits = ours.iter().filter(|r| r.0 == "revisit").count();
    assert_eq!(revisits, 1);

    // 1. Digests: every block digest, and every response's payload digest, as warcio computes them.
    let mut args = vec!["-m", "warcio.cli", "check", "-v"];
    args.extend(path_args(&files));
    let (ok, out, err) = python(&args);
    assert!(ok, "warcio check failed:\n{out}\n{err}");
    assert!(!out.contains("fail"), "{out}");
    assert_eq!(
        out.matches("digest pass").count(),
        ours.len() - revisits,
        "{out}"
    );
    assert_eq!(
        out.matches("digest present but not checked (revisit)")
            .count(),
        revisits,
        "{out}"
    );

    // 2. warcio's index finds the same records at the same offsets and lengths.
    let mut theirs = Vec::new();
    for file in &files {
        let f = file.to_str().expect("temp paths are UTF-8");
        let (ok, out, err) = python(&[
            "-m",
            "warcio.cli",
            "index",
            "-f",
            "warc-type,warc-target-uri,offset,length,http:status",
            f,
        ]);
        assert!(ok, "warcio index failed: {err}");
        for line in out.lines() {
            let v: serde_json::Value = serde_json::from_str(line).expect("index lines are JSON");
            let num = |k: &str| {
                v[k].as_str()
                    .and_then(|s| s.parse::<u64>().ok())
                    .or_else(|| v[k].as_u64())
            };
            theirs.push((
                v["warc-type"].as_str().unwrap_or_default().to_string(),
                v["warc-target-uri"].as_str().map(str::to_string),
                num("offset").expect("offset"),
                num("length").expect("length"),
                num("http:status").map(|s| s as u16),
            ));
        }
    }
    assert_eq!(theirs, ours);

    // 3. The payloads warcio decodes (de-chunked, gunzipped) are the bodies the crawl parsed.
    let mut args = vec![VERIFY_SCRIPT];
    args.extend(path_args(&files));
    let (ok, out, err) = python(&args);
    assert!(ok, "warcio_verify.py failed: {err}");
    let mut decoded: Vec<&str> = out.lines().collect();
    decoded.sort_unstable();
    let mut expected: Vec<String> = captures
        .iter()
        .map(|c| {
            let gzipped = c
                .response_headers
                .iter()
                .any(|(n, v)| n == "content-encoding" && v == b"gzip");
            let body = if gzipped {
                gunzip(&c.wire_body)
            } else {
                c.wire_body.to_vec()
            };
            format!("{}\t{}", c.target_uri, hex::encode(Sha256::digest(&body)))
        })
        .collect();
    expected.sort_unstable();
    assert_eq!(decoded, expected);
    assert!(Path::new(VERIFY_SCRIPT).exists());
}
