//! Time limits of one exchange, against servers of the test's own: a large body from a slow
//! server finishes although it takes longer than `timeout`, because the overall limit grows with
//! the body at `min_rate`; a connection that stalls is cut after `read_timeout`; one that drips
//! a byte at a time is cut once it falls below `min_rate`; one that never answers is cut after
//! `timeout`; one that never opens (a listener whose accept queue is full) is cut after
//! `connect_timeout`.

mod common;
mod politeness_support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use nianbao::config::{FetchSettings, Politeness};
use nianbao::discover::PageRequest;
use nianbao::fetch::{FailKind, FetchOutcome, Fetcher};
use nianbao::gate::HostGate;
use politeness_support::server::{Script, ScriptedServer};
use url::Url;

/// Fetches one page from a server following `script` with tight limits: headers within 300 ms,
/// no silence over 200 ms, and 20 000 bytes/s as the slowest rate a body is given time for.
fn fetch_with(ip: &str, script: Script) -> (FetchOutcome, usize) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = ScriptedServer::start(&runtime, ip, script);
    let settings = FetchSettings {
        timeout: Duration::from_millis(300),
        read_timeout: Duration::from_millis(200),
        min_rate: 20_000,
        max_retries: 0,
        ..FetchSettings::default()
    };
    let url = Url::parse(&format!("http://{}/report.pdf", server.addr)).expect("URL");
    let outcome = fetch_once(&runtime, settings, url);
    (outcome, server.requests().len())
}

/// One fetch of `url` with `settings`, no robots.txt, no retries beyond what `settings` say.
fn fetch_once(
    runtime: &tokio::runtime::Runtime,
    settings: FetchSettings,
    url: Url,
) -> FetchOutcome {
    let politeness = Politeness {
        respect_robots: false,
        ..Politeness::default()
    };
    let fetcher = Fetcher::new(
        Arc::new(HostGate::new(politeness, HashMap::new())),
        settings,
    )
    .expect("client builds");
    let options = common::open_fetch_options();
    runtime.block_on(fetcher.fetch(&PageRequest::Get(url), &options))
}

fn timed_out(outcome: &FetchOutcome, cause: &str) -> bool {
    matches!(outcome, FetchOutcome::Failed { kind: FailKind::Timeout, detail, .. } if detail.contains(cause))
}

#[test]
fn a_large_body_from_a_slow_server_finishes() {
    // 40 000 bytes over about a second (1 000 bytes every 25 ms): three times `timeout`, but
    // within timeout + 40 000 / min_rate = 2.3 s, and never silent for long.
    let (outcome, requests) = fetch_with(
        "127.0.0.51",
        Script::Trickle {
            length: 40_000,
            chunk: 1_000,
            every: Duration::from_millis(25),
            stop_after: None,
        },
    );
    assert!(
        matches!(outcome, FetchOutcome::Fetched(ref c) if c.body.len() == 40_000),
        "{}",
        outcome.describe()
    );
    assert_eq!(requests, 1);
}

#[test]
fn a_stalled_connection_is_cut_after_the_read_timeout() {
    let (outcome, requests) = fetch_with(
        "127.0.0.52",
        Script::Trickle {
            length: 40_000,
            chunk: 1_000,
            every: Duration::from_millis(10),
            stop_after: Some(5_000),
        },
    );
    assert!(
        timed_out(&outcome, "read_timeout"),
        "{}",
        outcome.describe()
    );
    assert_eq!(requests, 1, "max_retries = 0: one attempt");
}

#[test]
fn a_dripping_connection_is_cut_once_it_falls_below_min_rate() {
    // One byte every 50 ms is never silent for the 200 ms read timeout, but 20 bytes a second is
    // far below min_rate: cut about `timeout` after the headers (the overall limit,
    // timeout + 2 000 / min_rate, would cut it soon after).
    let (outcome, _) = fetch_with(
        "127.0.0.53",
        Script::Trickle {
            length: 2_000,
            chunk: 1,
            every: Duration::from_millis(50),
            stop_after: None,
        },
    );
    assert!(
        timed_out(&outcome, "body not complete"),
        "{}",
        outcome.describe()
    );
}

#[test]
fn a_server_that_never_answers_is_cut_after_the_timeout() {
    let (outcome, requests) = fetch_with("127.0.0.54", Script::Silent);
    assert!(
        timed_out(&outcome, "no response headers"),
        "{}",
        outcome.describe()
    );
    assert_eq!(requests, 1);
}

/// A loopback listener whose accept queue is full: the kernel drops further SYNs, so a new
/// connection neither opens nor fails until the client gives up. Returns its port and the
/// connections that fill the queue (kept open for the test's length).
fn full_listener(ip: &str) -> (u16, i32, Vec<std::net::TcpStream>) {
    let addr: std::net::Ipv4Addr = ip.parse().expect("an IPv4 address");
    // SAFETY: plain socket calls on a descriptor this function owns; the sockaddr is zeroed and
    // filled field by field, and its size is passed with it.
    let (fd, port) = unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
        assert!(fd >= 0, "socket");
        let mut sa: libc::sockaddr_in = std::mem::zeroed();
        sa.sin_family = libc::AF_INET as libc::sa_family_t;
        sa.sin_addr.s_addr = u32::from(addr).to_be();
        let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
        assert_eq!(libc::bind(fd, (&raw const sa).cast(), len), 0, "bind");
        assert_eq!(libc::listen(fd, 0), 0, "listen");
        let mut bound: libc::sockaddr_in = std::mem::zeroed();
        let mut bound_len = len;
        libc::getsockname(fd, (&raw mut bound).cast(), &mut bound_len);
        (fd, u16::from_be(bound.sin_port))
    };
    let target = std::net::SocketAddr::from((addr, port));
    let mut fillers = Vec::new();
    for _ in 0..8 {
        match std::net::TcpStream::connect_timeout(&target, Duration::from_millis(300)) {
            Ok(stream) => fillers.push(stream),
            Err(_) => break,
        }
    }
    (port, fd, fillers)
}

#[test]
fn a_connection_that_never_opens_is_cut_after_the_connect_timeout() {
    let ip = "127.0.0.55";
    let (port, fd, fillers) = full_listener(ip);
    assert!(!fillers.is_empty(), "the queue took some connections first");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    // Everything but the connection has all the time in the world: only connect_timeout can
    // end this fetch soon, and the outcome says which limit did.
    let settings = FetchSettings {
        connect_timeout: Duration::from_millis(300),
        timeout: Duration::from_secs(60),
        read_timeout: Duration::from_secs(60),
        max_retries: 0,
        ..FetchSettings::default()
    };
    let url = Url::parse(&format!("http://{ip}:{port}/report.pdf")).expect("URL");
    let outcome = fetch_once(&runtime, settings, url);
    // SAFETY: the descriptor was opened by `full_listener` and is closed once.
    unsafe { libc::close(fd) };
    drop(fillers);
    assert!(
        matches!(&outcome, FetchOutcome::Failed { kind: FailKind::Timeout, detail, .. } if detail.contains("(Connect)")),
        "{}",
        outcome.describe()
    );
}
