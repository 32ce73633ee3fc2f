//! The HTTPS fetch tests' shared parts: a page server presenting a certificate, a plain server
//! answering every path alike, a fetcher (and a config) that trusts a test CA and finds test
//! host names on loopback, and one fetch counted.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use nianbao::config::{FetchSettings, Politeness};
use nianbao::discover::PageRequest;
use nianbao::fetch::{FetchOutcome, Fetcher, Lookup};
use nianbao::gate::HostGate;
use url::Url;

use super::route_server::RouteServer;
use super::tls_server::{ServedCert, TestCa};

pub const MAX_RETRIES: u32 = 2;

/// A page server on `ip` presenting `cert`, answering every path with a small page.
pub fn page_server(ip: &str, cert: &ServedCert) -> RouteServer {
    let server = RouteServer::bind_tls(ip, cert);
    server.serve(Arc::new(|_: &str| {
        (
            200,
            "text/html; charset=utf-8".to_string(),
            "<html><body><p>年报</p></body></html>".as_bytes().to_vec(),
        )
    }));
    server
}

/// A fetcher that finds each of `names` at its address, trusts `ca` (as `fetch.extra_ca_file`)
/// and retries twice, 10 ms apart; robots.txt is not asked, so the servers count pages only.
pub fn fetcher(names: &[(&str, IpAddr)], ca: &TestCa, dir: &std::path::Path) -> Fetcher {
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).expect("write the CA file");
    let table: HashMap<String, Vec<IpAddr>> = names
        .iter()
        .map(|(name, ip)| (name.to_string(), vec![*ip]))
        .collect();
    let politeness = Politeness {
        per_host_interval: Duration::from_millis(10),
        respect_robots: false,
        ..Politeness::default()
    };
    let settings = FetchSettings {
        max_retries: MAX_RETRIES,
        retry_base: Duration::from_millis(10),
        extra_ca_file: Some(ca_file),
        ..FetchSettings::default()
    };
    Fetcher::with_lookup(
        Arc::new(HostGate::new(politeness, HashMap::new())),
        settings,
        names.iter().map(|(name, _)| name.to_string()).collect(),
        Lookup::Table(Arc::new(table)),
    )
    .expect("client builds")
}

/// Fetches `url`; also returns how many requests the fetch counted.
pub fn fetch(
    runtime: &tokio::runtime::Runtime,
    fetcher: &Fetcher,
    url: &str,
) -> (FetchOutcome, u64) {
    let url = Url::parse(url).expect("URL");
    let options = super::open_fetch_options();
    let sent = AtomicU64::new(0);
    let outcome = runtime.block_on(fetcher.fetch_counted(&PageRequest::Get(url), &options, &sent));
    (outcome, sent.load(Ordering::SeqCst))
}

/// An http server on `ip` answering every path with `status`, `content_type` and `body`, as a
/// CA's caIssuers address does.
pub fn aia_server(ip: &str, status: u16, content_type: &str, body: Vec<u8>) -> RouteServer {
    let server = RouteServer::bind(ip);
    let content_type = content_type.to_string();
    server.serve(Arc::new(move |_: &str| {
        (status, content_type.clone(), body.clone())
    }));
    server
}

/// The port of `server`'s base URL.
pub fn port(server: &RouteServer) -> String {
    server.base.rsplit(':').next().expect("a port").to_string()
}

/// A config in `dir` (data_dir `data`) trusting `ca` as `fetch.extra_ca_file`, then `rest`.
pub fn config_trusting(dir: &Path, ca: &TestCa, rest: &str) -> PathBuf {
    let ca_file = dir.join("root.pem");
    std::fs::write(&ca_file, ca.pem()).expect("write the CA file");
    super::route_server::write_config(
        dir,
        &format!(
            "data_dir = \"data\"\n[politeness]\nuser_agent = \"nianbao-test/0.1 (+http://127.0.0.1/contact)\"\n\
             per_host_interval = \"10ms\"\n[fetch]\nretry_base = \"10ms\"\nmax_retries = 2\n\
             extra_ca_file = \"{}\"\n{rest}",
            ca_file.display(),
        ),
    )
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

pub fn ip(text: &str) -> IpAddr {
    text.parse().expect("an IP address")
}

/// The report of a county, with its PDF, on each of two portal hosts with an expired
/// certificate.
pub fn county_route(target: &str) -> (u16, String, Vec<u8>) {
    if target == "/files/r.pdf" {
        let pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n";
        return (200, "application/pdf".to_string(), pdf.to_vec());
    }
    super::route_server::numbered_portal(
        target,
        1,
        |_| {
            "<html><head><meta charset=\"utf-8\"><title>政府信息公开年报</title></head><body><ul>\
             <li><a href=\"/art/1.html\">某某县人民政府2024年政府信息公开工作年度报告</a><span>2025-01-20</span></li>\
             </ul></body></html>"
                .as_bytes()
                .to_vec()
        },
        |i| (i == 1).then(|| super::route_server::report_page(2024, "/files/r.pdf")),
    )
}
