//! Address safety in the fetch layer: a crawl of a public portal never reaches a private,
//! loopback or link-local address (each redirect hop passes the same check); a portal that itself
//! lives on loopback (the tests, the demo) may. Only http and https are fetched.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use nianbao::config::{FetchSettings, Politeness};
use nianbao::discover::PageRequest;
use nianbao::fetch::{ExcludeReason, FetchOptions, FetchOutcome, Fetcher};
use nianbao::gate::HostGate;
use nianbao::sim::{Simulator, SiteSpec};
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
    let options = FetchOptions {
        validators: None,
        scope: &any,
        allow_private: true,
    };
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
    let any = |_: &Url| -> Result<(), ExcludeReason> { Ok(()) };
    // allow_private lets the literal-address check pass, so only the resolver stands in the way.
    let options = FetchOptions {
        validators: None,
        scope: &any,
        allow_private: true,
    };
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
    assert!(
        matches!(outcome, FetchOutcome::Failed { .. }),
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
        matches!(outcome, FetchOutcome::Fetched(ref c) if c.body == b"ok"),
        "{}",
        outcome.describe()
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}
