//! Time limits of one exchange, against servers of the test's own: a large body from a slow
//! server finishes although it takes longer than `timeout`, because the overall limit grows with
//! the body at `min_rate`; a connection that stalls is cut after `read_timeout`; one that drips
//! a byte at a time is cut by the overall limit; one that never answers is cut after `timeout`.

mod common;
mod politeness_support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use nianbao::config::{FetchSettings, Politeness};
use nianbao::discover::PageRequest;
use nianbao::fetch::{ExcludeReason, FailKind, FetchOptions, FetchOutcome, Fetcher};
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
    let politeness = Politeness {
        respect_robots: false,
        ..Politeness::default()
    };
    let fetcher = Fetcher::new(
        Arc::new(HostGate::new(politeness, HashMap::new())),
        settings,
    )
    .expect("client builds");
    let any = |_: &Url| -> Result<(), ExcludeReason> { Ok(()) };
    let options = FetchOptions {
        validators: None,
        scope: &any,
        allow_private: true,
    };
    let url = Url::parse(&format!("http://{}/report.pdf", server.addr)).expect("URL");
    let outcome = runtime.block_on(fetcher.fetch(&PageRequest::Get(url), &options));
    (outcome, server.requests().len())
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
fn a_dripping_connection_is_cut_by_the_overall_limit() {
    // One byte every 50 ms is never silent for the 200 ms read timeout, but 2 000 bytes at that
    // pace would take 100 s, far past timeout + 2 000 / min_rate = 0.4 s.
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
