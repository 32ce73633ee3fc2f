//! A small HTTP/1.1 server of the test's own, for portals the simulator does not model: each
//! request target is answered by a route function and logged, and each connection is closed
//! after its answer. A route that needs the request's headers or answers with headers of its
//! own (validators, a 304) is a `HeadedRoute`. `bind_tls` makes it an HTTPS server with the
//! certificate chain of a `tls_server::ServedCert`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// Answers a request target with (status, content type, body); see `redirect` for a redirect.
pub type Route = Arc<dyn Fn(&str) -> (u16, String, Vec<u8>) + Send + Sync>;

/// Answers a request, seen whole, with an `Answer`.
pub type HeadedRoute = Arc<dyn Fn(&Request) -> Answer + Send + Sync>;

/// A request as the server read it: its target and its headers (names lower-cased).
#[derive(Debug, Clone)]
pub struct Request {
    pub target: String,
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The value of header `name` (lower-case), if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether it is a conditional request (If-None-Match or If-Modified-Since).
    pub fn is_conditional(&self) -> bool {
        self.header("if-none-match").is_some() || self.header("if-modified-since").is_some()
    }
}

/// A status, headers of the route's own and a body (Content-Length and Connection are added).
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// The content type by which a route's answer says its body is a Location (see `redirect`).
const REDIRECT: &str = "route-server/redirect";

/// A route's answer that redirects to `location` with `status`: sent with that Location header
/// and no body.
pub fn redirect(status: u16, location: &str) -> (u16, String, Vec<u8>) {
    (status, REDIRECT.into(), location.as_bytes().to_vec())
}

/// A bound server and the runtime it runs on: `bind`, then `serve` (a route may need `base`).
pub struct RouteServer {
    pub runtime: tokio::runtime::Runtime,
    /// `http://IP:PORT` (`https://` for a server bound with `bind_tls`)
    pub base: String,
    listener: Mutex<Option<TcpListener>>,
    log: Arc<Mutex<Vec<(Request, Instant)>>>,
    tls: Option<TlsAcceptor>,
    /// Connections accepted, TLS handshakes that failed among them included.
    connections: Arc<AtomicUsize>,
}

impl RouteServer {
    /// Binds `ip` at a free port (127.0.0.1 where `ip` cannot be bound).
    pub fn bind(ip: &str) -> RouteServer {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let listener = runtime
            .block_on(TcpListener::bind(format!("{ip}:0")))
            .or_else(|_| runtime.block_on(TcpListener::bind("127.0.0.1:0")))
            .expect("bind loopback");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        RouteServer {
            runtime,
            base,
            listener: Mutex::new(Some(listener)),
            log: Arc::new(Mutex::new(Vec::new())),
            tls: None,
            connections: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// As `bind`, an HTTPS server presenting `certificate` (a handshake the client gives up
    /// ends the connection; the server goes on).
    pub fn bind_tls(ip: &str, certificate: &super::tls_server::ServedCert) -> RouteServer {
        let mut server = RouteServer::bind(ip);
        server.base = server.base.replacen("http://", "https://", 1);
        server.tls = Some(TlsAcceptor::from(certificate.server_config()));
        server
    }

    /// Connections accepted so far (for an HTTPS server: TLS handshakes begun).
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// Starts answering with `route` (once).
    pub fn serve(&self, route: Route) {
        self.serve_headed(Arc::new(move |request: &Request| {
            let (status, content_type, body) = route(&request.target);
            if content_type == REDIRECT {
                let location = String::from_utf8_lossy(&body).into_owned();
                return Answer {
                    status,
                    headers: vec![("Location".into(), location)],
                    body: Vec::new(),
                };
            }
            Answer {
                status,
                headers: vec![("Content-Type".into(), content_type)],
                body,
            }
        }))
    }

    /// Starts answering with `route`, which sees each request whole (once).
    pub fn serve_headed(&self, route: HeadedRoute) {
        let listener = self
            .listener
            .lock()
            .expect("listener lock")
            .take()
            .expect("a server is served once");
        let server = Serving {
            route,
            log: self.log.clone(),
            tls: self.tls.clone(),
            connections: self.connections.clone(),
        };
        self.runtime.spawn(server.run(listener));
    }

    /// Every request target received, in order.
    pub fn requests(&self) -> Vec<String> {
        self.timed_requests().into_iter().map(|(t, _)| t).collect()
    }

    /// Every request target received, in order, with when its head was read in full.
    pub fn timed_requests(&self) -> Vec<(String, Instant)> {
        self.log
            .lock()
            .expect("log lock")
            .iter()
            .map(|(r, t)| (r.target.clone(), *t))
            .collect()
    }

    /// Every request received, in order, with its headers.
    pub fn received(&self) -> Vec<Request> {
        self.log
            .lock()
            .expect("log lock")
            .iter()
            .map(|(r, _)| r.clone())
            .collect()
    }
}

/// What the accept loop answers with.
struct Serving {
    route: HeadedRoute,
    log: Arc<Mutex<Vec<(Request, Instant)>>>,
    tls: Option<TlsAcceptor>,
    connections: Arc<AtomicUsize>,
}

impl Serving {
    async fn run(self, listener: TcpListener) {
        let this = Arc::new(self);
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            this.connections.fetch_add(1, Ordering::SeqCst);
            let this = this.clone();
            tokio::spawn(async move {
                match &this.tls {
                    Some(acceptor) => {
                        if let Ok(stream) = acceptor.accept(socket).await {
                            this.answer(stream).await;
                        }
                    }
                    None => this.answer(socket).await,
                }
            });
        }
    }

    /// Reads one request head from `socket`, logs it and writes the route's answer.
    async fn answer(&self, mut socket: impl AsyncRead + AsyncWrite + Unpin) {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let head = String::from_utf8_lossy(&buf).into_owned();
        let mut lines = head.split("\r\n");
        let target = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("/")
            .to_string();
        let headers = lines
            .take_while(|l| !l.is_empty())
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let request = Request { target, headers };
        self.log
            .lock()
            .expect("log lock")
            .push((request.clone(), Instant::now()));
        let answer = (self.route)(&request);
        let mut header = format!("HTTP/1.1 {} X\r\n", answer.status);
        for (name, value) in &answer.headers {
            header.push_str(&format!("{name}: {value}\r\n"));
        }
        header.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            answer.body.len()
        ));
        let _ = socket.write_all(header.as_bytes()).await;
        let _ = socket.write_all(&answer.body).await;
        let _ = socket.shutdown().await;
    }
}

/// Writes `text` as `dir/config.toml` and returns its path.
pub fn write_config(dir: &std::path::Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(&path, text).expect("write config");
    path
}
/// Backfills `years` (`2000-2030`) of one county portal whose section is `base` + `section`,
/// `interval` apart per host, in a scratch data_dir kept alive by the returned folder.
pub fn backfill_county(
    base: &str,
    section: &str,
    interval: &str,
    years: &str,
) -> (std::process::Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = write_config(
        dir.path(),
        &format!(
            "data_dir = \"data\"\n[politeness]\nuser_agent = \"nianbao-test/0.1 (+http://127.0.0.1/contact)\"\n\
             per_host_interval = \"{interval}\"\n[[portal]]\nname = \"某某县人民政府\"\nurl = \"{base}{section}\"\n"
        ),
    );
    let out = run_nianbao(&config, &["backfill", "--years", years]);
    (out, dir)
}

/// A config of the test's own portals (`(name, section URL)`), fast: a 20 ms gap, one retry.
pub fn portals_config(dir: &std::path::Path, portals: &[(&str, String)]) -> std::path::PathBuf {
    let mut text = "data_dir = \"data\"\n[politeness]\nuser_agent = \"nianbao-test/0.1 (+http://127.0.0.1/contact)\"\n\
         per_host_interval = \"20ms\"\n[fetch]\nretry_base = \"20ms\"\nmax_retries = 1\n"
        .to_string();
    for (name, url) in portals {
        text.push_str(&format!("[[portal]]\nname = \"{name}\"\nurl = \"{url}\"\n"));
    }
    write_config(dir, &text)
}

/// A county's report page for `year`, UTF-8, linking one attachment at `attachment`.
pub fn report_page(year: u32, attachment: &str) -> Vec<u8> {
    format!(
        "<html><head><meta charset=\"utf-8\"><title>某某县人民政府{year}年政府信息公开工作年度报告</title></head><body>\
         <h1>某某县人民政府{year}年政府信息公开工作年度报告</h1><div class=\"content\">\
         <p>发布机构：某某县人民政府办公室</p><p>一、总体情况</p><p>{year}年，某某县人民政府认真贯彻落实《中华人民共和国政府信息公开条例》。</p>\
         <p>附件：<a href=\"{attachment}\">{year}年度报告.pdf</a></p></div></body></html>"
    )
    .into_bytes()
}

/// Runs the real binary with `--config config` and `args`, within a minute.
pub fn run_nianbao(config: &std::path::Path, args: &[&str]) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_nianbao"));
    cmd.arg("--config").arg(config).args(args);
    super::run_limited(cmd, std::time::Duration::from_secs(60))
}

/// The route of a numbered test portal: its list's first page at `/xxgk/list.html`, page N at
/// `/xxgk/list.html?page=N` (1 to `pages`), item N at `/art/N.html` where `item_page` answers,
/// and 404 for anything else.
pub fn numbered_portal(
    target: &str,
    pages: usize,
    list_page: impl Fn(usize) -> Vec<u8>,
    item_page: impl Fn(usize) -> Option<Vec<u8>>,
) -> (u16, String, Vec<u8>) {
    let html = "text/html; charset=utf-8".to_string();
    if target == "/xxgk/list.html" {
        return (200, html, list_page(1));
    }
    let page = target
        .strip_prefix("/xxgk/list.html?page=")
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| (1..=pages).contains(n));
    if let Some(n) = page {
        return (200, html, list_page(n));
    }
    let item = target
        .strip_prefix("/art/")
        .and_then(|t| t.strip_suffix(".html"))
        .and_then(|i| i.parse::<usize>().ok())
        .and_then(&item_page);
    match item {
        Some(body) => (200, html, body),
        None => (404, html, b"<html><body>404</body></html>".to_vec()),
    }
}

/// A fresh folder with the config of one county portal whose section is `section`, crawled once
/// (exit 0, or the test fails with the crawl's output); the folder lives as long as the result.
pub fn crawled_county(section: String) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = portals_config(dir.path(), &[("某某县人民政府", section)]);
    let out = run_nianbao(&config, &["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", super::stderr(&out));
    (dir, config)
}

/// Every record `nianbao export --format jsonl` prints for `config`, in archive order.
pub fn exported(config: &std::path::Path) -> Vec<serde_json::Value> {
    let out = run_nianbao(config, &["export", "--format", "jsonl"]);
    assert!(out.status.success(), "export: {}", super::stderr(&out));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

/// The exported record whose URL ends in `path`.
pub fn record_ending<'a>(records: &'a [serde_json::Value], path: &str) -> &'a serde_json::Value {
    records
        .iter()
        .find(|r| r["url"].as_str().is_some_and(|u| u.ends_with(path)))
        .unwrap_or_else(|| panic!("{path} is archived: {records:?}"))
}

/// The newest run report under `dir/data/runs`, as JSON.
pub fn newest_run_report(dir: &std::path::Path) -> serde_json::Value {
    let mut reports: Vec<_> = std::fs::read_dir(dir.join("data").join("runs"))
        .expect("runs folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    reports.sort();
    let newest = reports.last().expect("a run report");
    serde_json::from_slice(&std::fs::read(newest).expect("read report")).expect("report is JSON")
}
