//! Fetch outcomes: every way a fetch can end, as a value the crawl records and counts.

use std::net::IpAddr;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use percent_encoding::percent_decode_str;
use serde::{Deserialize, Serialize};
use url::Url;

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

/// Parses a Retry-After value: delay seconds or an HTTP date. `None` when unusable. Seconds too
/// many for a number are as long as can be (the host is paused); fractional seconds, which the
/// standard does not allow but servers send, are read rounded up.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(
            value
                .parse::<u64>()
                .map_or(Duration::MAX, Duration::from_secs),
        );
    }
    if let Some((whole, fraction)) = value.split_once('.')
        && !whole.is_empty()
        && whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
        && let Ok(seconds) = value.parse::<f64>()
    {
        return Some(Duration::try_from_secs_f64(seconds.ceil()).unwrap_or(Duration::MAX));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    let now: std::time::SystemTime = now.into();
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The file name of a `Content-Disposition` value: `filename*` (RFC 5987) first, then
/// `filename`, whose raw bytes are UTF-8 or else GBK (as Chinese servers send them), and whose
/// RFC 2047 encoded word (`=?UTF-8?B?…?=`, `=?GBK?Q?…?=`) is decoded.
pub fn disposition_filename(raw: &[u8]) -> Option<String> {
    let text = match std::str::from_utf8(raw) {
        Ok(text) => text.to_string(),
        Err(_) => encoding_rs::GBK
            .decode_without_bom_handling(raw)
            .0
            .into_owned(),
    };
    let params: Vec<(String, String)> = parameters(&text)
        .into_iter()
        .skip(1)
        .filter_map(|p| {
            let (k, v) = p.split_once('=')?;
            let v = v.trim().trim_matches('"');
            Some((k.trim().to_ascii_lowercase(), v.to_string()))
        })
        .collect();
    let extended = params
        .iter()
        .find(|(k, _)| k == "filename*")
        .and_then(|(_, v)| {
            let (charset, rest) = v.split_once('\'')?;
            let (_, encoded) = rest.split_once('\'')?;
            let bytes: Vec<u8> = percent_decode_str(encoded).collect();
            let encoding = encoding_rs::Encoding::for_label(charset.trim().as_bytes())?;
            Some(encoding.decode_without_bom_handling(&bytes).0.into_owned())
        });
    let plain = || {
        let (_, v) = params.iter().find(|(k, _)| k == "filename")?;
        Some(
            encoded_word(v)
                .or_else(|| percent_encoded(v))
                .unwrap_or_else(|| v.clone()),
        )
    };
    let name = extended.or_else(plain)?;
    let name = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(&name)
        .trim()
        .to_string();
    (!name.is_empty()).then_some(name)
}

/// The `;`-separated parts of a header value; a `;` inside a quoted string is part of it
/// (`filename="年报;第50号.pdf"`).
fn parameters(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (at, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => {
                parts.push(&text[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// A `filename` that a server percent-encoded (Java's `URLEncoder`: `%E5%B9%B4+%E6%8A%A5.pdf`,
/// `+` for a space), decoded; only when it clearly is: every `%` starts an escape, there is one,
/// and the bytes are UTF-8, or else GBK without a fault or a private-use character. A name holding `%` otherwise is kept.
fn percent_encoded(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let escapes: Vec<usize> = value.match_indices('%').map(|(at, _)| at).collect();
    let all_escapes = escapes.iter().all(|&at| {
        bytes
            .get(at + 1..at + 3)
            .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
    });
    if escapes.is_empty() || !all_escapes {
        return None;
    }
    let spaced = if value.contains(' ') {
        // URLEncoder leaves no space; a literal one means `+` is the name's own.
        value.to_string()
    } else {
        value.replace('+', " ")
    };
    let decoded: Vec<u8> = percent_decode_str(&spaced).collect();
    match String::from_utf8(decoded) {
        Ok(name) => Some(name),
        Err(e) => {
            let (name, _, faulty) = encoding_rs::GBK.decode(e.as_bytes());
            // GBK maps some byte pairs of other charsets (Big5) to private-use code points.
            let odd = name
                .chars()
                .any(|c| c.is_control() || ('\u{E000}'..='\u{F8FF}').contains(&c));
            (!faulty && !odd).then(|| name.into_owned())
        }
    }
}

/// One RFC 2047 encoded word (`=?UTF-8?B?5bm05oql?=`, `=?GBK?Q?=C4=EA?=`), decoded.
fn encoded_word(value: &str) -> Option<String> {
    let inner = value.trim().strip_prefix("=?")?.strip_suffix("?=")?;
    let mut parts = inner.splitn(3, '?');
    let (charset, kind, text) = (parts.next()?, parts.next()?, parts.next()?);
    let encoding = encoding_rs::Encoding::for_label(charset.as_bytes())?;
    let bytes = match kind {
        "B" | "b" => data_encoding::BASE64.decode(text.as_bytes()).ok()?,
        "Q" | "q" => percent_decode_str(&text.replace('_', " ").replace('=', "%")).collect(),
        _ => return None,
    };
    Some(encoding.decode_without_bom_handling(&bytes).0.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_and_http_dates() {
        let now = DateTime::parse_from_rfc3339("2026-11-24T10:00:00Z")
            .expect("valid")
            .with_timezone(&Utc);
        let cases = [
            ("120", Some(Duration::from_secs(120))),
            (" 0 ", Some(Duration::ZERO)),
            (
                "Tue, 24 Nov 2026 10:00:30 GMT",
                Some(Duration::from_secs(30)),
            ),
            ("Tue, 24 Nov 2026 09:00:00 GMT", Some(Duration::ZERO)),
            ("soon", None),
            ("-5", None),
            ("99999999999999999999", Some(Duration::MAX)),
            ("2.5", Some(Duration::from_secs(3))),
            ("2.", Some(Duration::from_secs(2))),
            (".5", None),
            ("1e3", None),
        ];
        for (value, expected) in cases {
            assert_eq!(parse_retry_after(value, now), expected, "{value:?}");
        }
    }

    #[test]
    fn disposition_file_names_in_every_form_servers_send() {
        let cases: [(&[u8], Option<&str>); 17] = [
            (
                b"attachment; filename*=UTF-8''%E5%B9%B4%E6%8A%A5.pdf",
                Some("年报.pdf"),
            ),
            (
                b"attachment; filename=\"x.pdf\"; filename*=utf-8''%E5%B9%B4%E6%8A%A5.pdf",
                Some("年报.pdf"),
            ),
            (
                "attachment; filename=\"年报.doc\"".as_bytes(),
                Some("年报.doc"),
            ),
            (
                b"attachment; filename=\"\xC4\xEA\xB1\xA8.doc\"",
                Some("年报.doc"),
            ),
            (
                b"attachment; filename=\"=?UTF-8?B?5bm05oqlLnBkZg==?=\"",
                Some("年报.pdf"),
            ),
            (b"attachment; filename=\"C:\\upload\\r.pdf\"", Some("r.pdf")),
            (b"inline", None),
            // Java's URLEncoder (`+` for a space), in UTF-8 and in GBK.
            (
                b"attachment;filename=%E5%92%8C%E4%B9%89%E5%8E%BF+%E5%B9%B4%E6%8A%A509.pdf",
                Some("和义县 年报09.pdf"),
            ),
            (
                b"attachment; filename=\"%E5%B9%B4%E5%A0%B1.docx\"",
                Some("年報.docx"),
            ),
            (b"attachment;filename=%C4%EA%B1%A8.doc", Some("年报.doc")),
            (b"inline;filename=%A6~%B3%F8.pdf", Some("%A6~%B3%F8.pdf")),
            (
                b"attachment; filename=report%20final.pdf",
                Some("report final.pdf"),
            ),
            // Not clearly encoded: kept as sent.
            (b"attachment; filename=\"100%.pdf\"", Some("100%.pdf")),
            (b"attachment; filename=\"a+b%2.pdf\"", Some("a+b%2.pdf")),
            (b"attachment; filename=\"a+b.pdf\"", Some("a+b.pdf")),
            // A quoted `;` is the name's.
            (
                "attachment; filename=\"和义县年报;第50号.pdf\"".as_bytes(),
                Some("和义县年报;第50号.pdf"),
            ),
            (
                "attachment; filename=\"年報;第50號.pdf\"; size=12".as_bytes(),
                Some("年報;第50號.pdf"),
            ),
        ];
        for (raw, want) in cases {
            assert_eq!(
                disposition_filename(raw).as_deref(),
                want,
                "{}",
                String::from_utf8_lossy(raw)
            );
        }
    }
}
