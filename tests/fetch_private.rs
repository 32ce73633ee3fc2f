//! Address safety in the fetch layer: a crawl of a public portal never reaches a private,
//! loopback or link-local address (each redirect hop passes the same check), whether a URL names
//! it or a host name resolves to it; a portal that itself lives on loopback (the tests, the demo)
//! may. Only http and https are fetched, and never through a proxy from the environment.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use nianbao::config::{FetchSettings, Politeness};
use nianbao::discover::PageRequest;
use nianbao::fetch::{ExcludeReason, FetchOptions, FetchOutcome, Fetcher, Lookup};
use nianbao::gate::HostGate;
use nianbao_sim::{Simulator, SiteSpec};
use url::Url;

fn fetcher() -> Fetcher {
    let politeness = Politeness {
        per_host_interval: Duration::from_millis(20),
        ..Politeness::default()
    };
    let gate = Arc::new(HostGate::new(politeness, HashMap::new()));
    Fetcher::new(gate, FetchSettings::default()).expect("client builds")
}

#[test]
fn private_addresses_are_refused_unless_the_portal_is_on_one() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let sim = runtime
        .block_on(Simulator::start(vec![
            SiteSpec::standard_named("gbk").expect("standard site"),
        ]))
        .expect("simulator starts");
    let site = sim.site("gbk");
    let any = |_: &Url| -> Result<(), ExcludeReason> { Ok(()) };
    let fetcher = fetcher();

    let refused = [
        site.section_url(),
        Url::parse("http://localhost:9/").expect("URL"),
        Url::parse("http://169.254.169.254/latest/meta-data/").expect("URL"),
        Url::parse("http://10.0.0.1/").expect("URL"),
        Url::parse("http://[::1]:9/").expect("URL"),
    ];
    for url in refused {
        let options = FetchOptions {
            validators: None,
            scope: &any,
            allow_private: false,
            hold: None,
            stop: None,
        };
        let outcome = runtime.block_on(fetcher.fetch(&PageRequest::Get(url.clone()), &options));
        assert!(
            matches!(
                outcome,
                FetchOutcome::Excluded {
                    reason: ExcludeReason::PrivateAddress,
                    ..
                }
            ),
            "{url}: {}",
            outcome.describe()
        );
    }
    assert!(
        site.requests().is_empty(),
        "nothing reached the loopback server: {:?}",
        site.requests().len()
    );

    // A portal on loopback may fetch from loopback.
    let options = common::open_fetch_options();
    let outcome = runtime.block_on(fetcher.fetch(&PageRequest::Get(site.section_url()), &options));
    assert!(
        matches!(outcome, FetchOutcome::Fetched(ref c) if c.status == 200),
        "{}",
        outcome.describe()
    );

    // Only http and https.
    let ftp = Url::parse("ftp://ftp.example.gov.cn/report.pdf").expect("URL");
    let outcome = runtime.block_on(fetcher.fetch(&PageRequest::Get(ftp), &options));
    assert!(
        matches!(
            outcome,
            FetchOutcome::Excluded {
                reason: ExcludeReason::Scheme(_),
                ..
            }
        ),
        "{}",
        outcome.describe()
    );
}

/// A name that resolves to a private address is dropped by the resolver before any connection,
/// unless the name is one the fetcher was told may be private (a portal configured on it).
#[test]
fn names_resolving_to_private_addresses_are_not_connected_to() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    runtime.spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = [0u8; 2048];
                let _ = socket.read(&mut buf).await;
                let _ = socket
                    .write_all(
                        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                    )
                    .await;
            });
        }
    });
    let url = Url::parse(&format!("http://localhost:{port}/page.html")).expect("URL");
    // allow_private lets the literal-address check pass, so only the resolver stands in the way.
    let options = common::open_fetch_options();
    let settings = FetchSettings {
        max_retries: 0,
        ..FetchSettings::default()
    };
    let politeness = Politeness {
        respect_robots: false,
        ..Politeness::default()
    };

    let public_only = Fetcher::new(
        Arc::new(HostGate::new(politeness.clone(), HashMap::new())),
        settings.clone(),
    )
    .expect("client builds");
    let outcome = runtime.block_on(public_only.fetch(&PageRequest::Get(url.clone()), &options));
    // A refusal, recorded as such: not a connect error to be retried.
    assert!(
        matches!(
            outcome,
            FetchOutcome::Excluded {
                reason: ExcludeReason::PrivateAddress,
                ..
            }
        ),
        "{}",
        outcome.describe()
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 0, "no connection was made");

    let named = Fetcher::with_private_names(
        Arc::new(HostGate::new(politeness, HashMap::new())),
        settings,
        ["localhost".to_string()].into_iter().collect(),
    )
    .expect("client builds");
    let outcome = runtime.block_on(named.fetch(&PageRequest::Get(url), &options));
    assert!(
        matches!(outcome, FetchOutcome::Fetched(ref c) if c.body[..] == b"ok"[..]),
        "{}",
        outcome.describe()
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

/// Host names looked up through the fetcher's resolver (a fixed table standing in for DNS, the
/// way an /etc/hosts file would): names whose every address is special-purpose are refused before
/// any connection, as a recorded refusal; only a name configured as a portal's may resolve to
/// loopback.
#[test]
fn names_resolved_to_special_purpose_addresses_are_refused_through_the_resolver() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let sim = runtime
        .block_on(Simulator::start(vec![
            SiteSpec::standard_named("gbk").expect("standard site"),
        ]))
        .expect("simulator starts");
    let site = sim.site("gbk");
    let port = site
        .base_url()
        .port()
        .expect("the simulator listens on a port");
    let loopback = site
        .base_url()
        .host_str()
        .expect("host")
        .parse()
        .expect("an address");
    let table: HashMap<String, Vec<std::net::IpAddr>> = [
        ("portal.county.gov.cn", vec![loopback]),
        ("intranet.county.gov.cn", vec![loopback]),
        (
            "meta.county.gov.cn",
            vec!["169.254.169.254".parse().expect("ip")],
        ),
        (
            "nat64.county.gov.cn",
            vec!["64:ff9b::a9fe:a9fe".parse().expect("ip")],
        ),
        (
            "cgnat.county.gov.cn",
            vec!["100.64.1.1".parse().expect("ip")],
        ),
        (
            "mixed.county.gov.cn",
            vec!["10.0.0.1".parse().expect("ip"), loopback],
        ),
    ]
    .into_iter()
    .map(|(n, a)| (n.to_string(), a))
    .collect();
    let politeness = Politeness {
        per_host_interval: Duration::from_millis(20),
        respect_robots: false,
        ..Politeness::default()
    };
    let fetcher = Fetcher::with_lookup(
        Arc::new(HostGate::new(politeness, HashMap::new())),
        FetchSettings::default(),
        ["portal.county.gov.cn".to_string()].into_iter().collect(),
        Lookup::Table(Arc::new(table)),
    )
    .expect("client builds");
    let any = |_: &Url| -> Result<(), ExcludeReason> { Ok(()) };
    // A public portal's crawl, and a crawl of a portal configured on a private address: neither
    // may reach a name that is not that portal's.
    let public = FetchOptions {
        validators: None,
        scope: &any,
        allow_private: false,
        hold: None,
        stop: None,
    };
    let private_portal = FetchOptions {
        validators: None,
        scope: &any,
        allow_private: true,
        hold: None,
        stop: None,
    };
    let path = site.section_url().path().to_string();
    let at = |name: &str| Url::parse(&format!("http://{name}:{port}{path}")).expect("URL");
    for name in [
        "intranet.county.gov.cn",
        "meta.county.gov.cn",
        "nat64.county.gov.cn",
        "cgnat.county.gov.cn",
        "mixed.county.gov.cn",
    ] {
        for options in [&public, &private_portal] {
            let outcome = runtime.block_on(fetcher.fetch(&PageRequest::Get(at(name)), options));
            assert!(
                matches!(
                    outcome,
                    FetchOutcome::Excluded {
                        reason: ExcludeReason::PrivateAddress,
                        ..
                    }
                ),
                "{name}: {}",
                outcome.describe()
            );
        }
    }
    assert!(
        site.requests().is_empty(),
        "a refused name reached the server: {:?}",
        site.requests()
    );
    let outcome = runtime.block_on(fetcher.fetch(
        &PageRequest::Get(at("portal.county.gov.cn")),
        &private_portal,
    ));
    assert!(
        matches!(outcome, FetchOutcome::Fetched(ref c) if c.status == 200),
        "{}",
        outcome.describe()
    );
    assert_eq!(site.requests().len(), 1);
}

/// Proxies named in the environment are not used: a proxy resolves names itself, past the
/// address filter. The crawl runs with every proxy variable pointing at a listener of the test's
/// own, which sees no connection, and the portal is still archived.
#[test]
fn proxies_from_the_environment_are_never_used() {
    use std::sync::atomic::{AtomicUsize, Ordering};

    let h = common::Harness::with_sites(
        vec![SiteSpec::standard_named("nometa").expect("standard site")],
        Duration::from_millis(20),
    );
    let proxy = h
        .runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let proxy_url = format!("http://{}", proxy.local_addr().expect("address"));
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = connections.clone();
    h.runtime.spawn(async move {
        while let Ok((_socket, _)) = proxy.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    let mut cmd = h.command(&["crawl"]);
    for var in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        cmd.env(var, &proxy_url);
    }
    cmd.env_remove("NO_PROXY").env_remove("no_proxy");
    let out = common::run_limited(cmd, common::COMMAND_LIMIT);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr:\n{}",
        common::stderr(&out)
    );
    assert_eq!(connections.load(Ordering::SeqCst), 0, "the proxy was used");
    let site = h.sim.site("nometa");
    let archived = h
        .export()
        .iter()
        .filter(|r| r["portal"] == site.portal_name())
        .count();
    assert_eq!(archived, site.truth().len());
}
