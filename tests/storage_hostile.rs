//! Misbehaving S3 servers, on a raw TCP listener on loopback (no moto needed). One takes each
//! request and never answers: a crawl pointed at it must end, each storage call giving up after
//! `storage.timeout` per request and `STORAGE_ATTEMPTS` requests, the item failing (fetched again
//! later) with its key named and no record committed; after a few failed calls in a row the
//! others fail at once, without a request. Others answer a LIST with pages that never end: the
//! commands that list must stop at the page that repeats and name the listing. Others answer a
//! GET with a body cut short or other bytes: readers through the cache name the key, hand
//! nothing on and keep nothing. Others acknowledge PUTs and keep nothing: `verify --storage` and
//! the readers name the missing objects.

mod common;
mod s3_support;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{COMMAND_LIMIT, Harness, run_limited, stderr};
use nianbao::storage::STORAGE_ATTEMPTS;
use nianbao_sim::SiteSpec;
use s3_support::AWS_ENV;

/// What the raw server does with one request: holds it unanswered, or sends these bytes (a whole
/// HTTP response) and keeps the connection, or sends them and closes it.
enum Answer {
    Hold,
    Send(Vec<u8>),
    SendAndClose(Vec<u8>),
}

/// Picks the answer to a request from its request line and how many requests to the same bucket
/// came before it.
type Answerer = fn(&str, usize) -> Answer;

/// An S3 endpoint on a raw TCP listener: it reads each request (head and body), logs its request
/// line, and answers as `answer` says; the hung server answers nothing.
struct RawS3 {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<String>>>,
}

impl RawS3 {
    fn hung() -> RawS3 {
        RawS3::start(|_, _| Answer::Hold)
    }

    fn start(answer: Answerer) -> RawS3 {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let addr = listener.local_addr().expect("listener address");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let seen = seen.clone();
                std::thread::spawn(move || serve(stream, seen, answer));
            }
        });
        RawS3 { addr, requests }
    }

    /// How many times each request line was sent.
    fn counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for line in self.requests.lock().expect("request log").iter() {
            *counts.entry(line.clone()).or_insert(0) += 1;
        }
        counts
    }

    /// Request lines sent, in order.
    fn lines(&self) -> Vec<String> {
        self.requests.lock().expect("request log").clone()
    }
}

/// Reads requests off one connection and answers each as `answer` says; a held request keeps the
/// connection open without a byte of answer, until the client gives up.
fn serve(mut stream: TcpStream, seen: Arc<Mutex<Vec<String>>>, answer: Answerer) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let mut body_left = 0usize;
    loop {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        loop {
            if body_left > 0 {
                let take = body_left.min(buf.len());
                buf.drain(..take);
                body_left -= take;
                if body_left > 0 {
                    break;
                }
            }
            let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                break;
            };
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            buf.drain(..end + 4);
            let line = head.lines().next().unwrap_or_default().to_string();
            body_left = head
                .lines()
                .filter_map(|l| l.split_once(':'))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.trim().parse().ok())
                .unwrap_or(0);
            let earlier = {
                let mut seen = seen.lock().expect("request log");
                let earlier = seen
                    .iter()
                    .filter(|l| bucket_of(l) == bucket_of(&line))
                    .count();
                seen.push(line.clone());
                earlier
            };
            match answer(&line, earlier) {
                Answer::Hold => {}
                Answer::Send(bytes) => {
                    if stream.write_all(&bytes).is_err() {
                        return;
                    }
                }
                Answer::SendAndClose(bytes) => {
                    let _ = stream.write_all(&bytes);
                    return;
                }
            }
        }
    }
}

/// The first path segment of a request line (`GET /bucket/key HTTP/1.1`): path-style requests
/// name their bucket there.
fn bucket_of(line: &str) -> &str {
    let path = line.split(' ').nth(1).unwrap_or_default();
    path.trim_start_matches('/')
        .split(['/', '?'])
        .next()
        .unwrap_or_default()
}

/// A whole HTTP response.
fn response(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\n");
    for (name, value) in headers {
        out += &format!("{name}: {value}\r\n");
    }
    if !headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("content-length"))
    {
        out += &format!("Content-Length: {}\r\n", body.len());
    }
    out += "\r\n";
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

/// The config's `[storage]` table for `bucket` on the raw server.
fn storage_table(server: &RawS3, bucket: &str) -> String {
    format!(
        "\n[storage]\nurl = \"s3://{bucket}/archive\"\nendpoint = \"http://{}\"\nallow_http = true\nregion = \"us-east-1\"\ntimeout = \"1s\"\n",
        server.addr
    )
}

#[test]
fn a_hung_s3_server_fails_the_items_and_the_crawl_ends() {
    let server = RawS3::hung();
    let h = Harness::with_sites(
        vec![SiteSpec::standard_named("trs").expect("trs")],
        Duration::from_millis(30),
    );
    h.edit_config(|c| c + &storage_table(&server, "nianbao-hung"));
    let mut cmd = h.command(&["crawl"]);
    cmd.envs(AWS_ENV.iter().copied());
    // The limit is the test's bound, not a speed claim: with object_store's defaults one put
    // alone held the crawl for over three minutes.
    let out = run_limited(cmd, COMMAND_LIMIT);
    let log = stderr(&out);
    assert!(
        log.contains("s3://nianbao-hung/archive/raw/"),
        "the failure names the object: {log}"
    );
    assert!(h.export().is_empty(), "no record without its objects");
    let counts = server.counts();
    assert!(
        counts
            .keys()
            .any(|l| l.starts_with("PUT /nianbao-hung/archive/raw/")),
        "the crawl tried to put its files: {counts:?}; {log}"
    );
    // After three failed calls in a row the bucket is not asked again for a while: the items
    // after them fail at once instead of each waiting out its own timeouts.
    let failed_items = log.matches("cannot archive: storage:").count();
    let keys_sent = counts
        .keys()
        .filter(|l| l.starts_with("PUT /nianbao-hung/archive/raw/"))
        .count();
    assert!(
        log.contains("storage: did not try s3://nianbao-hung/archive/raw/"),
        "later calls are not tried: {log}"
    );
    assert!(
        keys_sent < failed_items,
        "{keys_sent} keys sent for {failed_items} failed items: every item waited for the hung server"
    );
    for (line, n) in &counts {
        assert!(
            *n <= STORAGE_ATTEMPTS as usize,
            "{line} was sent {n} times, more than {STORAGE_ATTEMPTS} attempts"
        );
    }
}

/// A ListObjectsV2 page with `keys` (below `archive/runs/`) and, when given, a next token.
fn list_page(keys: &[&str], token: Option<&str>) -> Answer {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Prefix>archive/runs/</Prefix>",
    );
    for key in keys {
        xml += &format!(
            "<Contents><Key>archive/runs/{key}</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>\"0\"</ETag><Size>2</Size></Contents>"
        );
    }
    match token {
        Some(t) => {
            xml += &format!(
                "<IsTruncated>true</IsTruncated><NextContinuationToken>{t}</NextContinuationToken>"
            )
        }
        None => xml += "<IsTruncated>false</IsTruncated>",
    }
    xml += "</ListBucketResult>";
    Answer::Send(response(
        "200 OK",
        &[("Content-Type", "application/xml")],
        xml.as_bytes(),
    ))
}

/// The page number a LIST asks for: 0 without a continuation token, else the token's number.
fn page_asked(line: &str) -> usize {
    line.split(['?', '&', ' '])
        .find_map(|p| p.strip_prefix("continuation-token="))
        .and_then(|t| t.trim_start_matches('p').parse().ok())
        .unwrap_or(0)
}

/// Three LISTs that never end: `list-again` sends a new key and the same token each time,
/// `list-same-key` new tokens with the same key on every page, `list-empty` new tokens and no
/// keys. A listing that follows them for ever is held after 50 requests (so a broken client ends
/// too, on its timeouts, and the request count shows it).
fn endless_lists(line: &str, earlier: usize) -> Answer {
    if earlier >= 50 {
        return Answer::Hold;
    }
    let next = format!("p{}", page_asked(line) + 1);
    match bucket_of(line) {
        "list-again" => list_page(&[&format!("host-a/{earlier:04}.json")], Some("p1")),
        "list-same-key" => list_page(&["host-a/20260101T000000.000Z.json"], Some(&next)),
        "list-empty" => list_page(&[], Some(&next)),
        _ => Answer::SendAndClose(response("404 Not Found", &[], b"")),
    }
}

#[test]
fn a_list_that_never_ends_is_stopped_and_named() {
    let server = RawS3::start(endless_lists);
    let h = Harness::with_sites(
        vec![SiteSpec::standard_named("trs").expect("trs")],
        Duration::from_millis(30),
    );
    for (bucket, args) in [
        ("list-again", &["status", "--all-shards"][..]),
        (
            "list-same-key",
            &["report", "--all-shards", "--format", "json"][..],
        ),
        ("list-empty", &["status", "--all-shards"][..]),
    ] {
        let base = std::fs::read_to_string(&h.config).expect("the harness config");
        h.edit_config(|c| c + &storage_table(&server, bucket));
        let mut cmd = h.command(args);
        cmd.envs(AWS_ENV.iter().copied());
        let out = run_limited(cmd, COMMAND_LIMIT);
        h.edit_config(|_| base);
        let log = stderr(&out);
        assert_ne!(out.status.code(), Some(0), "{bucket}: {log}");
        assert!(
            log.contains(&format!("s3://{bucket}/archive/runs")) && log.contains("does not end"),
            "{bucket}: the error names the listing that does not end: {log}"
        );
        let lists = server
            .lines()
            .iter()
            .filter(|l| bucket_of(l) == bucket && l.contains("list-type=2"))
            .count();
        assert!(
            lists <= 2,
            "{bucket}: {lists} LIST requests, the listing went on after the page that repeated: {log}"
        );
    }
}

/// Takes every PUT (200 with an ETag) and answers a GET of a raw file with bytes that are not
/// the object: `get-short` says 100000 bytes, sends a few and closes; `get-other` sends whole,
/// other bytes.
fn lying_gets(line: &str, _earlier: usize) -> Answer {
    let method = line.split(' ').next().unwrap_or_default();
    match (method, bucket_of(line)) {
        ("PUT", _) => Answer::Send(response("200 OK", &[("ETag", "\"0\"")], b"")),
        ("GET", "get-short") if line.contains("/raw/") => Answer::SendAndClose(response(
            "200 OK",
            &[("Content-Length", "100000")],
            b"<html>cut",
        )),
        ("GET", "get-other") if line.contains("/raw/") => {
            Answer::Send(response("200 OK", &[], b"not the object that was put"))
        }
        _ => Answer::SendAndClose(response("404 Not Found", &[], b"")),
    }
}

/// Files below `dir`, recursively (none when it is missing).
fn files_below(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match path.is_dir() {
            true => out.extend(files_below(&path)),
            false => out.push(path),
        }
    }
    out
}

#[test]
fn a_get_that_lies_is_named_never_handed_on_nor_cached() {
    let server = RawS3::start(lying_gets);
    for bucket in ["get-short", "get-other"] {
        let h = Harness::with_sites(
            vec![SiteSpec::standard_named("trs").expect("trs")],
            Duration::from_millis(30),
        );
        // No WARC during the crawl: `export --format warc` then reads every raw file.
        h.edit_config(|c| c + &storage_table(&server, bucket) + "\n[warc]\nenabled = false\n");
        let mut cmd = h.command(&["crawl"]);
        cmd.envs(AWS_ENV.iter().copied());
        let out = run_limited(cmd, COMMAND_LIMIT);
        assert_eq!(out.status.code(), Some(0), "{bucket}: {}", stderr(&out));
        assert!(!h.export().is_empty(), "{bucket}: the crawl archived");
        let raw = h.data_dir().join("raw");
        std::fs::remove_dir_all(&raw).expect("empty the raw cache");
        let handed = h.dir.path().join("handed-on");
        let exec = format!("cat \"$NIANBAO_RAW_PATH\" >> '{}'", handed.display());
        for args in [
            &["feed", "--consumer", "c", "--exec", &exec][..],
            &["tables"][..],
            &["export", "--format", "warc"][..],
        ] {
            let mut cmd = h.command(args);
            cmd.envs(AWS_ENV.iter().copied());
            let out = run_limited(cmd, COMMAND_LIMIT);
            let log = stderr(&out);
            assert!(
                log.contains(&format!("s3://{bucket}/archive/raw/")),
                "{bucket} {args:?}: the error names the object: {log}"
            );
            assert!(
                files_below(&raw).is_empty(),
                "{bucket} {args:?}: bad bytes kept in the cache: {:?}",
                files_below(&raw)
            );
            assert!(
                !handed.exists(),
                "{bucket} {args:?}: the consumer was handed bytes"
            );
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                !stdout.contains("not the object") && !stdout.contains("<html>cut"),
                "{bucket} {args:?}: the lying bytes were written out"
            );
        }
    }
}

/// Answers a PUT as if it stored the object and keeps nothing: `put-nothing` says 200,
/// `put-taken` says 412 (create-only: already there). Every GET and HEAD finds nothing.
fn lying_puts(line: &str, _earlier: usize) -> Answer {
    let method = line.split(' ').next().unwrap_or_default();
    match (method, bucket_of(line)) {
        ("PUT", "put-taken") if line.contains("/raw/") => {
            Answer::Send(response("412 Precondition Failed", &[], b""))
        }
        ("PUT", _) => Answer::Send(response("200 OK", &[("ETag", "\"0\"")], b"")),
        _ => Answer::Send(response("404 Not Found", &[], b"")),
    }
}

/// A create-only PUT is trusted (a HEAD after each would double a crawl's requests to storage);
/// a server that acknowledged one it did not keep is found by `verify --storage`, which names
/// each stored copy that is missing.
#[test]
fn a_put_the_server_did_not_keep_is_found_by_verify_storage() {
    let server = RawS3::start(lying_puts);
    for bucket in ["put-nothing", "put-taken"] {
        let h = Harness::with_sites(
            vec![SiteSpec::standard_named("trs").expect("trs")],
            Duration::from_millis(30),
        );
        h.edit_config(|c| c + &storage_table(&server, bucket));
        let mut cmd = h.command(&["crawl"]);
        cmd.envs(AWS_ENV.iter().copied());
        let out = run_limited(cmd, COMMAND_LIMIT);
        assert_eq!(out.status.code(), Some(0), "{bucket}: {}", stderr(&out));
        let records = h.export();
        assert!(!records.is_empty(), "{bucket}: the crawl archived");
        let mut cmd = h.command(&["verify", "--storage"]);
        cmd.envs(AWS_ENV.iter().copied());
        let out = run_limited(cmd, COMMAND_LIMIT);
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
        assert_eq!(out.status.code(), Some(1), "{bucket}: {all}");
        for r in &records {
            let key = r["raw_path"].as_str().expect("raw_path");
            assert!(
                all.contains(&format!("s3://{bucket}/archive/{key}")),
                "{bucket}: verify names the missing copy {key}: {all}"
            );
        }
        // A reader that needs the file data_dir no longer holds names it as missing.
        std::fs::remove_dir_all(h.data_dir().join("raw")).expect("empty the raw cache");
        let mut cmd = h.command(&["feed", "--consumer", "c", "--exec", "true"]);
        cmd.envs(AWS_ENV.iter().copied());
        let out = run_limited(cmd, COMMAND_LIMIT);
        let log = stderr(&out);
        assert_ne!(out.status.code(), Some(0), "{bucket}: {log}");
        assert!(
            log.contains(&format!("storage object s3://{bucket}/archive/raw/"))
                && log.contains("is missing"),
            "{bucket}: the reader names the missing object: {log}"
        );
    }
}
