//! HTTPS portals whose certificates are broken, as Chinese government portals' often are:
//! each fault is named (`tls_certificate` with what is wrong: the expiry date, the names the
//! certificate is for, an issuer not trusted), asked once and never retried, and the host's
//! other URLs are not asked at all; a handshake the server cuts is retried; a portal with
//! `tls_verify = false` is archived with its records marked `tls_unverified`, while another
//! portal with the same fault is not. All servers are the test's own, on loopback.

mod common;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use common::route_server::{RouteServer, newest_run_report, run_nianbao, write_config};
use common::tls_fetch::{MAX_RETRIES, county_route, fetch, fetcher, ip, page_server, runtime};
use common::tls_server::{
    HandshakeCut, PROTOCOL_VERSION_ALERT, ServedCert, TestCa, Validity, self_signed,
};
use nianbao::config::{FetchSettings, Politeness};
use nianbao::fetch::{FailKind, FetchOutcome, Fetcher, TlsHosts};
use nianbao::gate::{HostGate, HostPattern};

/// Each certificate fault fails as `tls_certificate`, saying what is wrong, after one
/// handshake: no retry, and the host's next URL is not asked at all. The good certificate of
/// the trusted CA, sent with or without the intermediate it needs, shows the fault is the fault.
#[test]
fn each_certificate_fault_is_named_and_asked_once() {
    let ca = TestCa::new("nianbao test root");
    let intermediate = ca.intermediate("nianbao test intermediate");
    let stranger = TestCa::new("a CA nobody trusts");
    let faults: Vec<(&str, &str, ServedCert, &str)> = vec![
        (
            "expired.county.gov.cn",
            "127.0.0.61",
            ca.issue(&["expired.county.gov.cn"], Validity::Expired, true),
            "certificate expired on 2019-12-31",
        ),
        (
            "early.county.gov.cn",
            "127.0.0.62",
            ca.issue(&["early.county.gov.cn"], Validity::NotYet, true),
            "certificate not valid before 2099-01-01",
        ),
        (
            "county.gov.cn",
            "127.0.0.63",
            ca.issue(&["platform.province.gov.cn"], Validity::Current, true),
            "certificate issued for another name: county.gov.cn is not among",
        ),
        (
            "chain.county.gov.cn",
            "127.0.0.64",
            intermediate.issue(&["chain.county.gov.cn"], Validity::Current, false),
            "certificate of an unknown issuer",
        ),
        (
            "self.county.gov.cn",
            "127.0.0.65",
            self_signed(&["self.county.gov.cn"]),
            "certificate of an unknown issuer",
        ),
        (
            "private.county.gov.cn",
            "127.0.0.66",
            stranger.issue(&["private.county.gov.cn"], Validity::Current, true),
            "certificate of an unknown issuer",
        ),
    ];
    let good: Vec<(&str, &str, ServedCert)> = vec![
        (
            "good.county.gov.cn",
            "127.0.0.67",
            ca.issue(&["good.county.gov.cn"], Validity::Current, true),
        ),
        (
            "chained.county.gov.cn",
            "127.0.0.68",
            intermediate.issue(&["chained.county.gov.cn"], Validity::Current, true),
        ),
    ];
    let dir = tempfile::tempdir().expect("scratch dir");
    let names: Vec<(&str, IpAddr)> = faults
        .iter()
        .map(|(name, addr, _, _)| (*name, ip(addr)))
        .chain(good.iter().map(|(name, addr, _)| (*name, ip(addr))))
        .collect();
    let fetcher = fetcher(&names, &ca, dir.path());
    let runtime = runtime();
    for (name, addr, cert, problem) in &faults {
        let server = page_server(addr, cert);
        let port = server.base.rsplit(':').next().expect("a port");
        let (outcome, sent) = fetch(&runtime, &fetcher, &format!("https://{name}:{port}/a.html"));
        let FetchOutcome::Failed { kind, detail, .. } = &outcome else {
            panic!("{name}: {}", outcome.describe());
        };
        assert_eq!(*kind, FailKind::TlsCertificate, "{name}: {detail}");
        assert!(detail.contains(problem), "{name}: {detail}");
        assert_eq!((sent, server.connections()), (1, 1), "{name}: not retried");
        let (again, sent) = fetch(&runtime, &fetcher, &format!("https://{name}:{port}/b.html"));
        assert!(
            matches!(
                again,
                FetchOutcome::Failed {
                    kind: FailKind::TlsCertificate,
                    ..
                }
            ),
            "{name}: {}",
            again.describe()
        );
        assert_eq!(
            (sent, server.connections()),
            (0, 1),
            "{name}: not asked again"
        );
        // The host's plain-http pages owe nothing to its certificate.
        let plain = RouteServer::bind(addr);
        plain.serve(Arc::new(|_: &str| {
            (200, "text/html".to_string(), b"<p>ok</p>".to_vec())
        }));
        let plain_port = plain.base.rsplit(':').next().expect("a port");
        let (outcome, _) = fetch(
            &runtime,
            &fetcher,
            &format!("http://{name}:{plain_port}/c.html"),
        );
        assert!(
            matches!(outcome, FetchOutcome::Fetched(_)),
            "{name}: {}",
            outcome.describe()
        );
        let summary = fetcher
            .gate()
            .summaries()
            .into_iter()
            .find(|h| h.host == *name)
            .expect("a host summary");
        let line = summary.tls_failure.expect("the host's TLS failure");
        assert!(
            line.contains(problem) && line.contains("tls_verify = false"),
            "{line}"
        );
    }
    for (name, addr, cert) in &good {
        let server = page_server(addr, cert);
        let port = server.base.rsplit(':').next().expect("a port");
        let (outcome, sent) = fetch(&runtime, &fetcher, &format!("https://{name}:{port}/a.html"));
        let FetchOutcome::Fetched(capture) = &outcome else {
            panic!("{name}: {}", outcome.describe());
        };
        assert_eq!((capture.status, capture.tls_unverified), (200, false));
        assert_eq!(sent, 1);
    }
}

/// An `extra_ca_file` that cannot be read or holds no certificate stops the fetcher from
/// being built, naming the file and the key.
#[test]
fn a_bad_extra_ca_file_is_named() {
    let dir = tempfile::tempdir().expect("scratch dir");
    let not_pem = dir.path().join("national.pem");
    std::fs::write(&not_pem, "这不是证书\n").expect("write");
    for path in [dir.path().join("missing.pem"), not_pem] {
        let settings = FetchSettings {
            extra_ca_file: Some(path.clone()),
            ..FetchSettings::default()
        };
        let gate = Arc::new(HostGate::new(Politeness::default(), HashMap::new()));
        let Err(error) = Fetcher::new(gate, settings) else {
            panic!("{}: a fetcher was built", path.display());
        };
        let text = format!("{error:#}");
        assert!(
            text.contains("fetch.extra_ca_file") && text.contains(&path.display().to_string()),
            "{text}"
        );
    }
}

/// A server that cuts the handshake may be busy or behind a flaky filter: that is retried, on
/// the usual schedule, and named `tls_handshake`.
#[test]
fn a_cut_handshake_is_retried() {
    let cut = HandshakeCut::start("127.0.0.69", &[]);
    let dir = tempfile::tempdir().expect("scratch dir");
    let name = "busy.county.gov.cn";
    let fetcher = fetcher(&[(name, cut.addr.ip())], &TestCa::new("root"), dir.path());
    let runtime = runtime();
    let url = format!("https://{name}:{}/a.html", cut.addr.port());
    let (outcome, sent) = fetch(&runtime, &fetcher, &url);
    let FetchOutcome::Failed { kind, detail, .. } = &outcome else {
        panic!("{}", outcome.describe());
    };
    assert_eq!(*kind, FailKind::TlsHandshake, "{detail}");
    let attempts = MAX_RETRIES as usize + 1;
    assert_eq!((sent as usize, cut.connections()), (attempts, attempts));
}

/// A server that refuses every TLS version offered (one of TLS 1.0 only) will refuse again:
/// `tls_handshake`, saying so, asked once.
#[test]
fn a_refused_protocol_version_is_not_retried() {
    let old = HandshakeCut::start("127.0.0.70", PROTOCOL_VERSION_ALERT);
    let dir = tempfile::tempdir().expect("scratch dir");
    let name = "old.county.gov.cn";
    let fetcher = fetcher(&[(name, old.addr.ip())], &TestCa::new("root"), dir.path());
    let runtime = runtime();
    let url = format!("https://{name}:{}/a.html", old.addr.port());
    let (outcome, sent) = fetch(&runtime, &fetcher, &url);
    let FetchOutcome::Failed { kind, detail, .. } = &outcome else {
        panic!("{}", outcome.describe());
    };
    assert_eq!(*kind, FailKind::TlsHandshake, "{detail}");
    assert!(detail.contains("TLS 1.0 or 1.1"), "{detail}");
    assert_eq!((sent, old.connections()), (1, 1));
}

/// A host set unverified is fetched, its capture marked; another host with the same fault is
/// still refused, and a redirect from the unverified host to it follows its own setting.
#[test]
fn an_unverified_host_is_fetched_and_marked_and_no_other() {
    let ca = TestCa::new("root");
    let lax = ("lax.county.gov.cn", "127.0.0.81");
    let strict = ("strict.county.gov.cn", "127.0.0.82");
    let strict_server = page_server(strict.1, &ca.issue(&[strict.0], Validity::Expired, true));
    let strict_port = strict_server
        .base
        .rsplit(':')
        .next()
        .expect("a port")
        .to_string();
    let lax_server = RouteServer::bind_tls(lax.1, &ca.issue(&[lax.0], Validity::Expired, true));
    let onward = format!("https://{}:{strict_port}/moved.html", strict.0);
    lax_server.serve(Arc::new(move |target: &str| {
        if target == "/moved.html" {
            return common::route_server::redirect(302, &onward);
        }
        (200, "text/html".to_string(), b"<html>ok</html>".to_vec())
    }));
    let lax_port = lax_server.base.rsplit(':').next().expect("a port");
    let dir = tempfile::tempdir().expect("scratch dir");
    let mut fetcher = fetcher(
        &[(lax.0, ip(lax.1)), (strict.0, ip(strict.1))],
        &ca,
        dir.path(),
    );
    let mut hosts = TlsHosts::all(true);
    hosts.portal([HostPattern::parse(lax.0).expect("a host")], false);
    fetcher.set_tls_hosts(hosts).expect("clients build");
    let runtime = runtime();
    let (outcome, _) = fetch(
        &runtime,
        &fetcher,
        &format!("https://{}:{lax_port}/a.html", lax.0),
    );
    let FetchOutcome::Fetched(capture) = &outcome else {
        panic!("{}", outcome.describe());
    };
    assert!(capture.tls_unverified);
    let (outcome, _) = fetch(
        &runtime,
        &fetcher,
        &format!("https://{}:{lax_port}/moved.html", lax.0),
    );
    let FetchOutcome::Failed { kind, url, .. } = &outcome else {
        panic!("{}", outcome.describe());
    };
    assert_eq!(*kind, FailKind::TlsCertificate);
    assert_eq!(url.host_str(), Some(strict.0));
    assert_eq!(strict_server.connections(), 1);
}

/// A crawl of two portals whose certificates expired: the one set `tls_verify = false` is
/// archived with `tls_unverified` in each record; the other is asked once (its robots.txt),
/// reported with its certificate's problem and the key to set, and nothing of it is archived.
#[test]
fn a_crawl_archives_only_the_portal_that_turns_verification_off() {
    let ca = TestCa::new("root");
    let (lax_ip, strict_ip) = ("127.0.0.83", "127.0.0.84");
    let lax = RouteServer::bind_tls(lax_ip, &ca.issue(&[lax_ip], Validity::Expired, true));
    let strict = RouteServer::bind_tls(strict_ip, &ca.issue(&[strict_ip], Validity::Expired, true));
    lax.serve(Arc::new(county_route));
    strict.serve(Arc::new(county_route));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = write_config(
        dir.path(),
        &format!(
            "data_dir = \"data\"\n[politeness]\nuser_agent = \"nianbao-test/0.1 (+http://127.0.0.1/contact)\"\n\
             per_host_interval = \"10ms\"\n[fetch]\nretry_base = \"10ms\"\nmax_retries = 2\n\
             [[portal]]\nname = \"甲县人民政府\"\nurl = \"{}/xxgk/list.html\"\ntls_verify = false\n\
             [[portal]]\nname = \"乙县人民政府\"\nurl = \"{}/xxgk/list.html\"\n",
            lax.base, strict.base
        ),
    );
    let out = run_nianbao(&config, &["crawl"]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let said = format!("{stdout}{}", common::stderr(&out));
    assert_eq!(strict.connections(), 1, "{said}");
    assert!(
        said.contains(&format!(
            "host {strict_ip}: tls_certificate: certificate expired on 2019-12-31"
        )) && said.contains("tls_verify = false"),
        "{said}"
    );
    let records = common::route_server::exported(&config);
    assert!(!records.is_empty(), "{said}");
    for record in &records {
        assert_eq!(record["portal"], "甲县人民政府", "{record}");
        assert_eq!(record["tls_unverified"], true, "{record}");
        let attachment = &record["attachments"][0];
        assert!(attachment["sha256"].is_string(), "{record}");
        assert_eq!(attachment["tls_unverified"], true, "{record}");
    }
    let report = newest_run_report(dir.path());
    assert!(
        report["portals"]["乙县人民政府"]["failures"]["tls_certificate"].as_u64() >= Some(1),
        "{report}"
    );
    let portal_line = report["portals"]["乙县人民政府"]["tls_failure"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(
        portal_line.starts_with(&format!(
            "host {strict_ip}: tls_certificate: certificate expired"
        )) && said.contains(&format!("HTTPS: {portal_line}")),
        "{portal_line}"
    );
    assert!(
        report["portals"]["甲县人民政府"]
            .get("tls_failure")
            .is_none()
    );
    let host = |ip: &str| {
        report["hosts"]
            .as_array()
            .and_then(|hosts| hosts.iter().find(|h| h["host"] == ip))
            .cloned()
            .unwrap_or_else(|| panic!("{ip} in {report}"))
    };
    assert_eq!(host(lax_ip)["tls_unverified"], true);
    assert!(host(lax_ip).get("tls_failure").is_none());
    let line = host(strict_ip)["tls_failure"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(line.contains("certificate expired on 2019-12-31"), "{line}");
    // `inspect` fetches as the crawl does: the portal's own setting holds.
    let inspect = |base: &str| run_nianbao(&config, &["inspect", &format!("{base}/art/1.html")]);
    let lax_page = inspect(&lax.base);
    assert!(lax_page.status.success(), "{}", common::stderr(&lax_page));
    let strict_page = inspect(&strict.base);
    assert!(
        !strict_page.status.success()
            && common::stderr(&strict_page).contains("tls_certificate: certificate expired"),
        "{}",
        common::stderr(&strict_page)
    );
    let status = run_nianbao(&config, &["status"]);
    let status = String::from_utf8_lossy(&status.stdout).into_owned();
    assert!(
        status.contains(&format!(
            "paused host {strict_ip}: tls_certificate: certificate expired"
        )) && status.contains("tls_verify = false"),
        "{status}"
    );
}
