//! Politeness per server: host names that resolve to one address share that server's
//! `per_ip_concurrency`, as the server saw it (the most requests it had in flight at once).
//! Many county sites run on one provincial platform: one address, many names.

mod common;
mod politeness_support;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use nianbao::config::{FetchSettings, Politeness};
use nianbao::discover::PageRequest;
use nianbao::fetch::{FetchOutcome, Fetcher, Lookup};
use nianbao::gate::HostGate;
use politeness_support::server::{Script, ScriptedServer};
use url::Url;

const NAMES: [&str; 2] = ["a.county.gov.cn", "b.county.gov.cn"];
const PER_NAME: usize = 4;

/// Fetches `PER_NAME` pages from each of two names on one server that holds every response
/// 300 ms, with two requests in flight allowed per host; returns what the server saw.
fn fetch_from_two_names_on_one_server(per_ip_concurrency: usize) -> ScriptedServer {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let server = ScriptedServer::start(
        &runtime,
        "127.0.0.41",
        Script::Hold {
            delay: Duration::from_millis(300),
        },
    );
    let ip: IpAddr = server.addr.ip();
    let table: HashMap<String, Vec<IpAddr>> =
        NAMES.iter().map(|n| (n.to_string(), vec![ip])).collect();
    let politeness = Politeness {
        per_host_interval: Duration::from_millis(10),
        per_host_concurrency: 2,
        max_concurrency: 8,
        per_ip_concurrency,
        respect_robots: false,
        ..Politeness::default()
    };
    let settings = FetchSettings {
        max_retries: 0,
        ..FetchSettings::default()
    };
    let fetcher = Arc::new(
        Fetcher::with_lookup(
            Arc::new(HostGate::new(politeness, HashMap::new())),
            settings,
            NAMES.iter().map(|n| n.to_string()).collect(),
            Lookup::Table(Arc::new(table)),
        )
        .expect("client builds"),
    );
    let port = server.addr.port();
    let tasks: Vec<_> = NAMES
        .iter()
        .flat_map(|name| (0..PER_NAME).map(move |i| (*name, i)))
        .map(|(name, i)| {
            let fetcher = fetcher.clone();
            let url = Url::parse(&format!("http://{name}:{port}/page{i}.html")).expect("URL");
            runtime.spawn(async move {
                let options = common::open_fetch_options();
                fetcher.fetch(&PageRequest::Get(url), &options).await
            })
        })
        .collect();
    for task in tasks {
        let outcome = runtime.block_on(task).expect("fetch task");
        assert!(
            matches!(outcome, FetchOutcome::Fetched(ref c) if c.status == 200),
            "{}",
            outcome.describe()
        );
    }
    server
}

#[test]
fn host_names_on_one_address_share_the_servers_cap() {
    let server = fetch_from_two_names_on_one_server(2);
    let requests = server.requests();
    assert_eq!(requests.len(), NAMES.len() * PER_NAME);
    for name in NAMES {
        let from = requests
            .iter()
            .filter(|(host, _)| host.starts_with(name))
            .count();
        assert_eq!(from, PER_NAME, "requests for {name}: {requests:?}");
    }
    assert_eq!(
        server.max_in_flight(),
        2,
        "two hosts of two permits each, one server of two"
    );
}

/// The check above can fail: without the per-server cap the same fetches put four requests in
/// flight on the one server.
#[test]
fn without_the_per_server_cap_the_server_sees_every_hosts_share_at_once() {
    let server = fetch_from_two_names_on_one_server(0);
    assert_eq!(server.max_in_flight(), NAMES.len() * 2);
}
