//! Shared helpers of the simulator tests: raw exchanges on a socket and their parsed answer, and a
//! client for ordinary requests.
#![allow(dead_code)]

use nianbao_sim::SiteHandle;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A response as it came off the wire, framing undone but content coding kept.
#[derive(Debug)]
pub struct Raw {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Raw {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `request` bytes on a fresh connection and reads until the server closes.
pub async fn raw_exchange(host: &str, request: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(host)
        .await
        .expect("simulator accepts connections");
    stream.write_all(request).await.expect("write request");
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await.expect("read response");
    out
}

/// Parses one response from `bytes` (Content-Length or chunked).
pub fn parse(bytes: &[u8]) -> Raw {
    let end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("response has a head");
    let head = String::from_utf8_lossy(&bytes[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().expect("status line");
    let status = status_line
        .split(' ')
        .nth(1)
        .expect("status code")
        .parse()
        .expect("numeric status");
    let headers: Vec<(String, String)> = lines
        .map(|l| {
            let (n, v) = l.split_once(':').expect("header has a colon");
            (n.to_ascii_lowercase(), v.trim().to_string())
        })
        .collect();
    let rest = &bytes[end + 4..];
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v == "chunked");
    let body = if chunked {
        let mut body = Vec::new();
        let mut pos = 0;
        loop {
            let line_end = pos
                + rest[pos..]
                    .windows(2)
                    .position(|w| w == b"\r\n")
                    .expect("chunk size line");
            let size = usize::from_str_radix(
                std::str::from_utf8(&rest[pos..line_end]).expect("ascii"),
                16,
            )
            .expect("hex chunk size");
            pos = line_end + 2;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&rest[pos..pos + size]);
            pos += size + 2;
        }
        body
    } else {
        let len: usize = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .map(|(_, v)| v.parse().expect("numeric length"))
            .expect("content-length");
        rest[..len.min(rest.len())].to_vec()
    };
    Raw {
        status,
        headers,
        body,
    }
}

pub async fn get_raw(site: &SiteHandle, target: &str, extra: &str) -> Raw {
    let req = format!(
        "GET {target} HTTP/1.1\r\nHost: {}\r\nUser-Agent: sim-test\r\n{extra}Connection: close\r\n\r\n",
        site.host()
    );
    parse(&raw_exchange(&site.host(), req.as_bytes()).await)
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("nianbao-test/0.1")
        .build()
        .expect("client builds")
}

/// GET through reqwest, retrying once past a scripted 429/503.
pub async fn get(client: &reqwest::Client, url: url::Url) -> (u16, Vec<u8>) {
    for _ in 0..3 {
        let resp = client
            .get(url.clone())
            .send()
            .await
            .expect("request succeeds");
        let status = resp.status().as_u16();
        let body = resp.bytes().await.expect("body").to_vec();
        if status != 429 && status != 503 {
            return (status, body);
        }
    }
    panic!("{url} kept failing");
}

pub fn target_of(url: &url::Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    }
}
