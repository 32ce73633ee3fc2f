//! Fetch outcomes: every way a fetch can end, as a value the crawl records and counts.

mod headers;

use std::net::IpAddr;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

pub use headers::{disposition_filename, parse_retry_after};

/// Validators from an earlier response, for a conditional request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// One HTTP exchange as it happened: what was asked, what came back, and the bytes both as they
/// came over the wire and after content decoding.
#[derive(Debug, Clone)]
pub struct Capture {
    /// The URL of this exchange (the last hop of a redirect chain).
    pub url: Url,
    /// Earlier hops of the redirect chain with their statuses.
    pub redirects: Vec<(Url, u16)>,
    pub method: String,
    pub request_headers: Vec<(String, String)>,
    pub request_body: Option<Vec<u8>>,
    pub status: u16,
    /// "HTTP/1.1", "HTTP/2.0" ...
    pub http_version: String,
    /// Response headers as received, names lower-cased.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The peer's address.
    pub ip: Option<IpAddr>,
    /// The body as it came over the wire (de-chunked, Content-Encoding still applied).
    pub wire: Bytes,
    /// The body after content decoding (gzip, deflate): what is archived and parsed. Without
    /// content coding it shares the wire's buffer.
    pub body: Bytes,
    pub fetched_at: DateTime<Utc>,
    /// Fetched over HTTPS without verifying the server's certificate (its portal's
    /// `tls_verify = false`): whoever reads it cannot be sure the server was the portal's.
    pub tls_unverified: bool,
}

impl Capture {
    /// The first value of a response header, when it is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| std::str::from_utf8(v).ok())
    }

    /// The Location header as a URL reference. Raw bytes that are not UTF-8 (an IIS server's GBK
    /// file name, `/xxgknb/年报列表.asp`) go on as their percent-escapes, as browsers send them,
    /// so the server gets its own bytes back.
    pub fn location(&self) -> Option<String> {
        let (_, raw) = self
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("location"))?;
        let text = match std::str::from_utf8(raw) {
            Ok(text) => text.to_string(),
            Err(_) => percent_encoding::percent_encode(raw, percent_encoding::CONTROLS).to_string(),
        };
        Some(text.trim().to_string()).filter(|t| !t.is_empty())
    }

    /// The file name the server gives the body (`Content-Disposition: attachment;
    /// filename*=UTF-8''%E5%B9%B4…`, `filename="…"` in UTF-8 or GBK, or RFC 2047
    /// `=?UTF-8?B?…?=`), without any folder part.
    pub fn disposition_filename(&self) -> Option<String> {
        let (_, raw) = self
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-disposition"))?;
        disposition_filename(raw)
    }

    /// Whether the body is the resource asked for: 200, or 203 from a proxy. 204 and 205 carry
    /// nothing, 206 a part (nianbao never asks for one), and the other codes below 400 are not
    /// answers with a page either.
    pub fn has_content_status(&self) -> bool {
        matches!(self.status, 200 | 203)
    }

    /// Whether content decoding changed the body, so the wire bytes are a file of their own.
    pub fn wire_differs(&self) -> bool {
        let shared = self.wire.as_ptr() == self.body.as_ptr() && self.wire.len() == self.body.len();
        !shared && self.wire != self.body
    }

    pub fn validators(&self) -> Validators {
        Validators {
            etag: self.header("etag").map(str::to_string),
            last_modified: self.header("last-modified").map(str::to_string),
        }
    }
}

/// An HTTP exchange as kept in the store beside an archived version, so that WARC records can be
/// written for it at any later time: what was asked, the status line and headers as received, the
/// peer address, and where the wire body is archived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredExchange {
    pub url: String,
    pub method: String,
    pub request_headers: Vec<(String, String)>,
    pub request_body: Option<String>,
    pub http_version: String,
    pub status: u16,
    /// Response headers as received (names lower-cased; values that are not UTF-8 are kept lossily).
    pub headers: Vec<(String, String)>,
    pub ip: Option<String>,
    pub fetched_at: String,
    /// sha256 and archive path of the body as it came over the wire (Content-Encoding applied);
    /// the same as the raw body's when the response was not content-encoded.
    pub wire_sha256: String,
    pub wire_path: String,
}

impl StoredExchange {
    /// Describes `capture`, whose wire body is archived at `wire_sha256` / `wire_path`.
    pub fn of(capture: &Capture, wire_sha256: String, wire_path: String) -> StoredExchange {
        StoredExchange {
            url: capture.url.to_string(),
            method: capture.method.clone(),
            request_headers: capture.request_headers.clone(),
            request_body: capture
                .request_body
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).into_owned()),
            http_version: capture.http_version.clone(),
            status: capture.status,
            headers: capture
                .headers
                .iter()
                .map(|(n, v)| (n.clone(), String::from_utf8_lossy(v).into_owned()))
                .collect(),
            ip: capture.ip.map(|ip| ip.to_string()),
            fetched_at: capture
                .fetched_at
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            wire_sha256,
            wire_path,
        }
    }
}

/// Why a URL was not fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExcludeReason {
    Scheme(String),
    PrivateAddress,
    /// Outside the portal's section (another host, site navigation ...).
    OutOfScope(String),
    Robots,
    /// robots.txt could not be read (5xx, unreachable, a redirect loop): everything is
    /// disallowed for now. `on_server`: the server itself failed (see `RobotsRules::DisallowAll`).
    RobotsUnavailable {
        why: String,
        on_server: bool,
    },
}

impl std::fmt::Display for ExcludeReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExcludeReason::Scheme(s) => write!(f, "scheme {s} is not http or https"),
            ExcludeReason::PrivateAddress => write!(f, "private, loopback or link-local address"),
            ExcludeReason::OutOfScope(why) => write!(f, "out of scope: {why}"),
            ExcludeReason::Robots => write!(f, "disallowed by robots.txt"),
            ExcludeReason::RobotsUnavailable { why, .. } => {
                write!(f, "{why}; everything disallowed for now")
            }
        }
    }
}

/// Kinds of failure, counted in run reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FailKind {
    Timeout,
    Connect,
    /// The body ended before its announced length.
    Truncated,
    /// A status that is neither success nor redirect (after retries for 429 and 5xx).
    Status(u16),
    TooManyRedirects,
    BadRedirect,
    /// The Content-Encoding could not be decoded.
    Decode,
    /// The response head broke HTTP (a NUL or a bare CR in a header value, a bad status line):
    /// not retried, as the server would send the same again.
    Malformed,
    /// The server's HTTPS certificate was refused (expired, not yet valid, for another name, of
    /// an issuer not trusted): not retried, as it cannot change within the run.
    TlsCertificate,
    /// The TLS handshake failed: cut by the server (retried), or with no protocol version or
    /// cipher in common (not retried).
    TlsHandshake,
    Other,
}

impl FailKind {
    /// A short stable name, used as a key in run reports.
    pub fn name(&self) -> String {
        match self {
            FailKind::Timeout => "timeout".into(),
            FailKind::Connect => "connect".into(),
            FailKind::Truncated => "truncated".into(),
            FailKind::Status(s) => format!("http_{s}"),
            FailKind::TooManyRedirects => "too_many_redirects".into(),
            FailKind::BadRedirect => "bad_redirect".into(),
            FailKind::Decode => "content_decoding".into(),
            FailKind::Malformed => "malformed_response".into(),
            FailKind::TlsCertificate => "tls_certificate".into(),
            FailKind::TlsHandshake => "tls_handshake".into(),
            FailKind::Other => "other".into(),
        }
    }
}

/// How a fetch ended.
#[derive(Debug)]
pub enum FetchOutcome {
    Fetched(Capture),
    /// 304: unchanged since the validators were issued.
    NotModified(Capture),
    /// An anti-bot challenge page: never archived as content.
    Blocked {
        capture: Capture,
        challenge: crate::classify::ChallengeKind,
    },
    Excluded {
        url: Url,
        reason: ExcludeReason,
    },
    /// The body passed max_body_bytes (after decompression): recorded, not stored.
    Oversize {
        url: Url,
        limit: u64,
    },
    Failed {
        url: Url,
        kind: FailKind,
        detail: String,
    },
    /// The host was paused for the rest of the run before this request was sent.
    HostPaused {
        url: Url,
        reason: String,
    },
    /// The run was asked to stop before this request was sent: the task is left for the next
    /// run, and the server sees nothing more.
    Stopped {
        url: Url,
    },
}

impl FetchOutcome {
    /// One line describing the outcome, for logs and error messages.
    pub fn describe(&self) -> String {
        match self {
            FetchOutcome::Fetched(c) => format!("HTTP {}", c.status),
            FetchOutcome::NotModified(_) => "not modified".into(),
            FetchOutcome::Blocked { challenge, .. } => {
                format!("anti-bot challenge ({challenge:?})")
            }
            FetchOutcome::Excluded { reason, .. } => reason.to_string(),
            FetchOutcome::Oversize { limit, .. } => format!("body larger than {limit} bytes"),
            FetchOutcome::Failed { kind, detail, .. } => format!("{}: {detail}", kind.name()),
            FetchOutcome::HostPaused { reason, .. } => format!("host {reason}"),
            FetchOutcome::Stopped { .. } => "not sent: the run is stopping".into(),
        }
    }
}
