//! HTTPS chains sent without their intermediate certificate, completed as browsers complete
//! them: the intermediate is fetched from the leaf's caIssuers (AIA) address once a run, the
//! page asked again once and archived as verified, and the intermediate kept in data_dir for
//! the next run. A leaf naming no address, an address that gives no issuer's certificate, and a
//! chain to a CA nobody trusts still fail as `tls_certificate`, saying why, asked once. All
//! servers are the test's own, on loopback.
//! The intermediates kept in data_dir and read again are in `fetch_tls_aia_kept.rs`.

mod common;

use std::net::IpAddr;

use common::route_server::RouteServer;
use common::tls_fetch::{aia_server, fetch, fetcher, ip, page_server, port, runtime};
use common::tls_server::{TestCa, pkcs7_bundle, self_signed_with_aia};
use nianbao::fetch::{FailKind, FetchOutcome};

fn intermediate_of(summaries: Vec<nianbao::gate::HostSummary>, host: &str) -> Option<String> {
    summaries
        .into_iter()
        .find(|h| h.host == host)
        .and_then(|h| h.intermediate_fetched)
}

/// The intermediate, served as DER, as PEM and in a PKCS#7 bundle after its root, is fetched
/// once for two pages of the host and kept alone, and not fetched at all by a second fetcher on
/// the same data_dir, which learns it from there.
#[test]
fn a_missing_intermediate_is_fetched_once_and_kept() {
    let ca = TestCa::new("nianbao test root");
    let intermediate = ca.intermediate("nianbao test intermediate");
    let pem = intermediate.pem().into_bytes();
    let p7c = pkcs7_bundle(&[ca.der(), intermediate.der()]);
    let cases = [
        (
            "der.county.gov.cn",
            "127.0.0.121",
            "127.0.0.122",
            "application/pkix-cert",
            intermediate.der(),
        ),
        (
            "pem.county.gov.cn",
            "127.0.0.123",
            "127.0.0.124",
            "application/x-pem-file",
            pem,
        ),
        (
            "p7c.county.gov.cn",
            "127.0.0.125",
            "127.0.0.126",
            "application/pkcs7-mime",
            p7c,
        ),
    ];
    let runtime = runtime();
    for (name, page_ip, aia_ip, content_type, served) in cases {
        let aia = aia_server(aia_ip, 200, content_type, served);
        let address = format!("{}/sub.cer", aia.base);
        let page = page_server(page_ip, &intermediate.issue_with_aia(&[name], &[&address]));
        let dir = tempfile::tempdir().expect("scratch dir");
        let kept = dir.path().join("tls").join("intermediates");
        let names: Vec<(&str, IpAddr)> = vec![(name, ip(page_ip))];
        let first = fetcher(&names, &ca, dir.path());
        first.keep_intermediates(&kept);
        for path in ["a.html", "b.html"] {
            let url = format!("https://{name}:{}/{path}", port(&page));
            let (outcome, _) = fetch(&runtime, &first, &url);
            let FetchOutcome::Fetched(capture) = &outcome else {
                panic!("{name} {path}: {}", outcome.describe());
            };
            assert_eq!((capture.status, capture.tls_unverified), (200, false));
        }
        assert_eq!(aia.requests(), vec!["/sub.cer".to_string()], "{name}");
        assert_eq!(
            intermediate_of(first.gate().summaries(), name),
            Some(address.clone())
        );
        let files: Vec<Vec<u8>> = std::fs::read_dir(&kept)
            .expect("kept")
            .map(|entry| std::fs::read(entry.expect("an entry").path()).expect("a kept file"))
            .collect();
        assert_eq!(
            files,
            vec![intermediate.der()],
            "{name}: the intermediate kept"
        );
        let second = fetcher(&names, &ca, dir.path());
        second.keep_intermediates(&kept);
        let url = format!("https://{name}:{}/c.html", port(&page));
        let (outcome, sent) = fetch(&runtime, &second, &url);
        assert!(
            matches!(&outcome, FetchOutcome::Fetched(c) if !c.tls_unverified),
            "{name}: {}",
            outcome.describe()
        );
        assert_eq!(
            (sent, aia.requests().len()),
            (1, 1),
            "{name}: learned from disk"
        );
        assert_eq!(intermediate_of(second.gate().summaries(), name), None);
    }
}

/// Each caIssuers address is asked once a run, whichever hosts' leaves name it: a leaf of
/// another intermediate naming the address is refused with what it gave the first time, a
/// third host's leaf is verified with the intermediate learned, and an address that answered
/// 404 for one host is not asked again for the next.
#[test]
fn an_address_is_asked_once_a_run_across_hosts() {
    let ca = TestCa::new("nianbao test root");
    let intermediate = ca.intermediate("nianbao test intermediate");
    let other = ca.intermediate("another intermediate");
    let aia = aia_server(
        "127.0.0.162",
        200,
        "application/pkix-cert",
        intermediate.der(),
    );
    let gone = aia_server("127.0.0.166", 404, "text/html", b"<p>404</p>".to_vec());
    let (address, missing) = (
        format!("{}/sub.cer", aia.base),
        format!("{}/sub.cer", gone.base),
    );
    // (host, its address, the leaf's issuer, what its page gives)
    let hosts = [
        (
            "a.county.gov.cn",
            "127.0.0.161",
            &intermediate,
            &address,
            None,
        ),
        (
            "b.county.gov.cn",
            "127.0.0.163",
            &other,
            &address,
            Some("is not the one that issued it"),
        ),
        (
            "c.county.gov.cn",
            "127.0.0.164",
            &intermediate,
            &address,
            None,
        ),
        (
            "d.county.gov.cn",
            "127.0.0.165",
            &other,
            &missing,
            Some("failed: HTTP 404"),
        ),
        (
            "e.county.gov.cn",
            "127.0.0.167",
            &other,
            &missing,
            Some("failed: HTTP 404"),
        ),
    ];
    let names: Vec<(&str, IpAddr)> = hosts.iter().map(|h| (h.0, ip(h.1))).collect();
    let dir = tempfile::tempdir().expect("scratch dir");
    let fetcher = fetcher(&names, &ca, dir.path());
    let runtime = runtime();
    for (name, page_ip, issuer, address, problem) in hosts {
        let page = page_server(
            page_ip,
            &issuer.issue_with_aia(&[name], &[address.as_str()]),
        );
        let url = format!("https://{name}:{}/a.html", port(&page));
        let (outcome, _) = fetch(&runtime, &fetcher, &url);
        match (&outcome, problem) {
            (FetchOutcome::Fetched(capture), None) => assert!(!capture.tls_unverified, "{name}"),
            (FetchOutcome::Failed { kind, detail, .. }, Some(problem)) => {
                assert_eq!(*kind, FailKind::TlsCertificate, "{name}: {detail}");
                assert!(detail.contains(problem), "{name}: {detail}");
            }
            _ => panic!("{name}: {}", outcome.describe()),
        }
    }
    assert_eq!(aia.requests(), vec!["/sub.cer".to_string()], "asked once");
    assert_eq!(gone.requests(), vec!["/sub.cer".to_string()], "asked once");
    assert_eq!(
        intermediate_of(fetcher.gate().summaries(), "a.county.gov.cn"),
        Some(address.clone())
    );
}

/// A leaf that names no AIA address fails as before, saying so; one whose address gives no
/// certificate of its issuer fails saying what the address gave. Each asks the host once for
/// its page, the address once, and the host's next page is not asked at all.
#[test]
fn an_intermediate_that_cannot_be_had_fails_the_host_once() {
    let ca = TestCa::new("nianbao test root");
    let intermediate = ca.intermediate("nianbao test intermediate");
    let other = ca.intermediate("another intermediate");
    let cases: Vec<(&str, &str, &str, Option<RouteServer>, &str)> = vec![
        (
            "none.county.gov.cn",
            "127.0.0.131",
            "",
            None,
            "names no AIA address",
        ),
        (
            "gone.county.gov.cn",
            "127.0.0.132",
            "127.0.0.133",
            Some(aia_server(
                "127.0.0.133",
                404,
                "text/html",
                b"<p>404</p>".to_vec(),
            )),
            "failed: HTTP 404",
        ),
        (
            "html.county.gov.cn",
            "127.0.0.134",
            "127.0.0.135",
            Some(aia_server(
                "127.0.0.135",
                200,
                "text/html",
                "<html>证书下载</html>".as_bytes().to_vec(),
            )),
            "failed: not a certificate",
        ),
        (
            "wrong.county.gov.cn",
            "127.0.0.136",
            "127.0.0.137",
            Some(aia_server(
                "127.0.0.137",
                200,
                "application/pkix-cert",
                other.der(),
            )),
            "is not the one that issued it",
        ),
    ];
    let runtime = runtime();
    for (name, page_ip, _, aia, problem) in &cases {
        let cert = match aia {
            Some(aia) => intermediate.issue_with_aia(&[name], &[&format!("{}/sub.cer", aia.base)]),
            None => intermediate.issue(&[name], common::tls_server::Validity::Current, false),
        };
        let page = page_server(page_ip, &cert);
        let dir = tempfile::tempdir().expect("scratch dir");
        let fetcher = fetcher(&[(name, ip(page_ip))], &ca, dir.path());
        for path in ["a.html", "b.html"] {
            let url = format!("https://{name}:{}/{path}", port(&page));
            let (outcome, _) = fetch(&runtime, &fetcher, &url);
            let FetchOutcome::Failed { kind, detail, .. } = &outcome else {
                panic!("{name}: {}", outcome.describe());
            };
            assert_eq!(*kind, FailKind::TlsCertificate, "{name}: {detail}");
            assert!(
                detail.contains("certificate of an unknown issuer") && detail.contains(problem),
                "{name}: {detail}"
            );
        }
        assert_eq!(page.connections(), 1, "{name}: asked once");
        if let Some(aia) = aia {
            assert_eq!(aia.requests().len(), 1, "{name}: its address asked once");
        }
        assert_eq!(intermediate_of(fetcher.gate().summaries(), name), None);
    }
}

/// Nothing is trusted because it was fetched: a leaf of a CA nobody trusts, whose address
/// gives its real intermediate, is asked again once and refused; so is a self-signed leaf
/// whose address gives a trusted CA's intermediate.
#[test]
fn a_fetched_intermediate_trusts_nothing_new() {
    let ca = TestCa::new("nianbao test root");
    let trusted = ca.intermediate("nianbao test intermediate");
    let stranger = TestCa::new("a CA nobody trusts").intermediate("its intermediate");
    let runtime = runtime();
    let (name, page_ip, aia_ip) = ("stranger.county.gov.cn", "127.0.0.141", "127.0.0.142");
    let aia = aia_server(aia_ip, 200, "application/pkix-cert", stranger.der());
    let address = format!("{}/sub.cer", aia.base);
    let page = page_server(page_ip, &stranger.issue_with_aia(&[name], &[&address]));
    let dir = tempfile::tempdir().expect("scratch dir");
    let fetcher = fetcher(&[(name, ip(page_ip))], &ca, dir.path());
    let (outcome, _) = fetch(
        &runtime,
        &fetcher,
        &format!("https://{name}:{}/a.html", port(&page)),
    );
    let FetchOutcome::Failed { kind, detail, .. } = &outcome else {
        panic!("{}", outcome.describe());
    };
    assert_eq!(*kind, FailKind::TlsCertificate, "{detail}");
    assert!(
        detail.contains(&format!("fetched from {address} does not complete it")),
        "{detail}"
    );
    assert_eq!((page.connections(), aia.requests().len()), (2, 1));
    let (name, page_ip, aia_ip) = ("self.county.gov.cn", "127.0.0.143", "127.0.0.144");
    let aia = aia_server(aia_ip, 200, "application/pkix-cert", trusted.der());
    let address = format!("{}/sub.cer", aia.base);
    let page = page_server(page_ip, &self_signed_with_aia(&[name], &[&address]));
    let fetcher = common::tls_fetch::fetcher(&[(name, ip(page_ip))], &ca, dir.path());
    let (outcome, _) = fetch(
        &runtime,
        &fetcher,
        &format!("https://{name}:{}/a.html", port(&page)),
    );
    assert!(
        matches!(
            &outcome,
            FetchOutcome::Failed { kind: FailKind::TlsCertificate, detail, .. }
                if detail.contains("is not the one that issued it")
        ),
        "{}",
        outcome.describe()
    );
    assert_eq!((page.connections(), aia.requests().len()), (1, 1));
}
