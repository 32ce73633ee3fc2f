//! Misbehaving S3 servers: an endpoint on loopback that takes each request and never answers.
//! A crawl pointed at it must end, each storage call giving up after `storage.timeout` per
//! request and `STORAGE_ATTEMPTS` requests, the item failing (fetched again later) with its key
//! named and no record committed; after a few failed calls in a row the others fail at once,
//! without a request. No moto needed: the server is a raw TCP listener.

mod common;

use std::collections::BTreeMap;
use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{COMMAND_LIMIT, Harness, run_limited, stderr};
use nianbao::storage::STORAGE_ATTEMPTS;
use nianbao_sim::SiteSpec;

/// An S3 endpoint that reads each request's head and never answers; it counts request lines.
struct HungServer {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<String>>>,
}

impl HungServer {
    fn start() -> HungServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let addr = listener.local_addr().expect("listener address");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let seen = seen.clone();
                std::thread::spawn(move || hold(stream, seen));
            }
        });
        HungServer { addr, requests }
    }

    /// How many times each request line was sent.
    fn counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for line in self.requests.lock().expect("request log").iter() {
            *counts.entry(line.clone()).or_insert(0) += 1;
        }
        counts
    }
}

/// Reads request heads off one connection and keeps it open without a byte of answer, until the
/// client gives up.
fn hold(mut stream: TcpStream, seen: Arc<Mutex<Vec<String>>>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let line = head.lines().next().unwrap_or_default().to_string();
            seen.lock().expect("request log").push(line);
            buf.drain(..end + 4);
        }
    }
}

#[test]
fn a_hung_s3_server_fails_the_items_and_the_crawl_ends() {
    let server = HungServer::start();
    let h = Harness::with_sites(
        vec![SiteSpec::standard_named("trs").expect("trs")],
        Duration::from_millis(30),
    );
    h.edit_config(|c| {
        c + &format!(
            "\n[storage]\nurl = \"s3://nianbao-hung/archive\"\nendpoint = \"http://{}\"\nallow_http = true\nregion = \"us-east-1\"\ntimeout = \"1s\"\n",
            server.addr
        )
    });
    let mut cmd = h.command(&["crawl"]);
    cmd.envs([
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", "us-east-1"),
    ]);
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
