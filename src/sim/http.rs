//! Simulator HTTP/1.1 wire layer: parses requests from raw bytes and writes responses byte by byte,
//! so a simulated portal controls status lines, chunking, gzip, charset labels and truncation
//! exactly. Sits under the simulator's server loop; never panics on any input.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Longest request head (request line + headers) accepted before answering 400.
const MAX_HEAD_BYTES: usize = 32 * 1024;
/// Longest request body accepted (the dataproxy form posts are a few hundred bytes).
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// One parsed request.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub method: String,
    /// Origin-form target: path plus `?query` when there is one.
    pub target: String,
    /// HTTP/1.0 closes after each response unless asked to keep alive.
    pub http10: bool,
    /// Header names lower-cased, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    pub fn query(&self) -> &str {
        self.target.split_once('?').map(|(_, q)| q).unwrap_or("")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Query parameters followed by urlencoded form fields of the body (first occurrence wins
    /// in `param`).
    pub fn params(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = url::form_urlencoded::parse(self.query().as_bytes())
            .into_owned()
            .collect();
        if !self.body.is_empty() {
            out.extend(url::form_urlencoded::parse(&self.body).into_owned());
        }
        out
    }

    pub fn param(&self, name: &str) -> Option<String> {
        self.params()
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    pub fn accepts_gzip(&self) -> bool {
        self.header("accept-encoding").is_some_and(|v| {
            v.split(',').any(|c| {
                let mut parts = c.split(';');
                let coding = parts.next().unwrap_or("").trim();
                let refused = parts.any(|p| p.trim().replace(' ', "") == "q=0");
                coding.eq_ignore_ascii_case("gzip") && !refused
            })
        })
    }

    fn wants_close(&self) -> bool {
        let conn = self.header("connection").map(str::to_ascii_lowercase);
        match conn.as_deref() {
            Some(v) if v.contains("close") => true,
            Some(v) if v.contains("keep-alive") => false,
            _ => self.http10,
        }
    }
}

/// What went wrong reading a request; every variant is answered with 400 and a closed connection.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ParseError {
    #[error("malformed request line")]
    RequestLine,
    #[error("malformed header line")]
    Header,
    #[error("request head too large")]
    HeadTooLarge,
    #[error("bad or unsupported body framing")]
    Framing,
}

/// The outcome of reading from a connection.
pub(crate) enum ReadOutcome {
    Request(Request),
    /// The peer closed (or went idle) between requests: nothing to answer.
    Closed,
    /// Bytes arrived that are not a request; the raw head (lossy) is kept for the request log.
    Garbage {
        raw: String,
        error: ParseError,
    },
}

/// Reads one request from `stream`, keeping leftover bytes (pipelining) in `buf`.
pub(crate) async fn read_request<S: AsyncReadExt + Unpin>(
    stream: &mut S,
    buf: &mut Vec<u8>,
) -> ReadOutcome {
    let head_end = loop {
        if let Some(end) = find_head_end(buf) {
            break end;
        }
        if buf.len() > MAX_HEAD_BYTES {
            return garbage(buf, ParseError::HeadTooLarge);
        }
        let mut chunk = [0u8; 4096];
        let read =
            tokio::time::timeout(std::time::Duration::from_secs(20), stream.read(&mut chunk));
        match read.await {
            Ok(Ok(0)) | Err(_) | Ok(Err(_)) => {
                if buf.iter().all(|b| b.is_ascii_whitespace()) {
                    return ReadOutcome::Closed;
                }
                return garbage(buf, ParseError::RequestLine);
            }
            Ok(Ok(n)) => buf.extend_from_slice(chunk.get(..n).unwrap_or(&[])),
        }
    };
    let head: Vec<u8> = buf.drain(..head_end.1).collect();
    let head_text = String::from_utf8_lossy(head.get(..head_end.0).unwrap_or(&[])).into_owned();
    let mut req = match parse_head(&head_text) {
        Ok(r) => r,
        Err(error) => {
            return ReadOutcome::Garbage {
                raw: head_text,
                error,
            };
        }
    };
    if req.header("transfer-encoding").is_some() {
        return ReadOutcome::Garbage {
            raw: head_text,
            error: ParseError::Framing,
        };
    }
    let length = match req
        .header("content-length")
        .map(|v| v.trim().parse::<usize>())
    {
        None => 0,
        Some(Ok(n)) if n <= MAX_BODY_BYTES => n,
        Some(_) => {
            return ReadOutcome::Garbage {
                raw: head_text,
                error: ParseError::Framing,
            };
        }
    };
    while buf.len() < length {
        let mut chunk = [0u8; 4096];
        let read =
            tokio::time::timeout(std::time::Duration::from_secs(20), stream.read(&mut chunk));
        match read.await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(chunk.get(..n).unwrap_or(&[])),
            _ => {
                return ReadOutcome::Garbage {
                    raw: head_text,
                    error: ParseError::Framing,
                };
            }
        }
    }
    req.body = buf.drain(..length).collect();
    ReadOutcome::Request(req)
}

fn garbage(buf: &[u8], error: ParseError) -> ReadOutcome {
    let shown = buf.get(..buf.len().min(200)).unwrap_or(&[]);
    ReadOutcome::Garbage {
        raw: String::from_utf8_lossy(shown).into_owned(),
        error,
    }
}

/// (end of the head text, end of the blank line) for `\r\n\r\n` or a bare `\n\n`.
fn find_head_end(buf: &[u8]) -> Option<(usize, usize)> {
    let crlf = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| (p, p + 4));
    let lf = buf
        .windows(2)
        .position(|w| w == b"\n\n")
        .map(|p| (p, p + 2));
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}

fn parse_head(text: &str) -> Result<Request, ParseError> {
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let line = lines.next().ok_or(ParseError::RequestLine)?;
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ParseError::RequestLine);
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(ParseError::RequestLine);
    }
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return Err(ParseError::RequestLine),
    };
    let target = origin_form(target).ok_or(ParseError::RequestLine)?;
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line.split_once(':').ok_or(ParseError::Header)?;
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            return Err(ParseError::Header);
        }
        headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
    }
    Ok(Request {
        method: method.to_string(),
        target,
        http10,
        headers,
        body: Vec::new(),
    })
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Accepts origin-form (`/path?q`) and absolute-form (`http://host/path`) targets.
fn origin_form(target: &str) -> Option<String> {
    if target.starts_with('/') && !target.bytes().any(|b| b.is_ascii_control()) {
        return Some(target.to_string());
    }
    let url = url::Url::parse(target).ok()?;
    let mut out = url.path().to_string();
    if let Some(q) = url.query() {
        out.push('?');
        out.push_str(q);
    }
    Some(out)
}

/// A response as a simulated portal wants it on the wire.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub status: u16,
    /// Headers besides the framing ones the writer adds (Content-Length, Transfer-Encoding,
    /// Content-Encoding, Connection, Date).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The site compresses this response when the request accepts gzip.
    pub gzip_when_accepted: bool,
    /// Send the body with chunked transfer coding instead of Content-Length.
    pub chunked: bool,
    /// Announce the full Content-Length, send only half the body, then close.
    pub truncate: bool,
    /// Close the connection after this response.
    pub close: bool,
    /// Bytes repeated inside the body, streamed rather than held (large hostile pages).
    pub filler: Option<Filler>,
    /// The exact bytes to send instead of a well-formed response (framing errors, control
    /// characters in header values); the connection closes after them.
    pub raw: Option<Vec<u8>>,
}

/// `bytes` repeated `count` times, inserted at offset `at` of a response body and written in
/// pieces, so a 20 MB page costs the simulator a few kilobytes. Sent with Content-Length, never
/// gzipped or chunked.
#[derive(Debug, Clone)]
pub(crate) struct Filler {
    pub at: usize,
    pub bytes: Vec<u8>,
    pub count: usize,
}

impl Filler {
    fn len(&self) -> usize {
        self.bytes.len().saturating_mul(self.count)
    }
}

impl Response {
    pub fn new(status: u16, content_type: &str, body: Vec<u8>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".to_string(), content_type.to_string())],
            body,
            gzip_when_accepted: false,
            chunked: false,
            truncate: false,
            close: false,
            filler: None,
            raw: None,
        }
    }

    /// A response that is exactly `wire` on the connection, which then closes.
    pub fn raw(wire: Vec<u8>) -> Response {
        let mut resp = Response::new(200, "text/html", Vec::new());
        resp.raw = Some(wire);
        resp
    }

    pub fn text(status: u16, body: &str) -> Response {
        Response::new(
            status,
            "text/plain; charset=utf-8",
            body.as_bytes().to_vec(),
        )
    }

    pub fn header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        412 => "Precondition Failed",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

/// Whether the connection stays open after answering `req` with `resp`.
pub(crate) fn keep_alive(req: Option<&Request>, resp: &Response) -> bool {
    !resp.close && !resp.truncate && resp.raw.is_none() && req.is_some_and(|r| !r.wants_close())
}

/// Writes `resp` as the answer to `req` (None for garbage) and flushes it.
pub(crate) async fn write_response<S: AsyncWriteExt + Unpin>(
    stream: &mut S,
    req: Option<&Request>,
    resp: &Response,
) -> std::io::Result<()> {
    if let Some(raw) = &resp.raw {
        stream.write_all(raw).await?;
        return stream.flush().await;
    }
    if let Some(filler) = &resp.filler {
        return write_filled(stream, req, resp, filler).await;
    }
    let keep = keep_alive(req, resp);
    let head_only = req.is_some_and(|r| r.method == "HEAD");
    let gzip = resp.gzip_when_accepted && req.is_some_and(Request::accepts_gzip);
    let body = if gzip {
        gzip_bytes(&resp.body)?
    } else {
        resp.body.clone()
    };

    let mut head = status_and_headers(resp);
    if gzip {
        head.push_str("Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n");
    }
    if resp.chunked && !resp.truncate {
        head.push_str("Transfer-Encoding: chunked\r\n");
    } else {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str(if keep {
        "Connection: keep-alive\r\n\r\n"
    } else {
        "Connection: close\r\n\r\n"
    });

    let mut wire = head.into_bytes();
    if !head_only {
        if resp.truncate {
            wire.extend_from_slice(body.get(..body.len() / 2).unwrap_or(&[]));
        } else if resp.chunked {
            // Realistic servers flush in pieces; 4 KiB chunks make the framing visible.
            for piece in body.chunks(4096) {
                wire.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
                wire.extend_from_slice(piece);
                wire.extend_from_slice(b"\r\n");
            }
            wire.extend_from_slice(b"0\r\n\r\n");
        } else {
            wire.extend_from_slice(&body);
        }
    }
    stream.write_all(&wire).await?;
    stream.flush().await
}

/// The status line, the response's own headers and Date.
fn status_and_headers(resp: &Response) -> String {
    let mut head = format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status));
    for (name, value) in &resp.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Date: {}\r\n",
        httpdate::fmt_http_date(std::time::SystemTime::now())
    ));
    head
}

/// Writes a response whose body carries a [`Filler`], in pieces of about 64 KiB.
async fn write_filled<S: AsyncWriteExt + Unpin>(
    stream: &mut S,
    req: Option<&Request>,
    resp: &Response,
    filler: &Filler,
) -> std::io::Result<()> {
    let keep = keep_alive(req, resp);
    let at = filler.at.min(resp.body.len());
    let mut head = status_and_headers(resp);
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: {}\r\n\r\n",
        resp.body.len() + filler.len(),
        if keep { "keep-alive" } else { "close" }
    ));
    stream.write_all(head.as_bytes()).await?;
    if req.is_some_and(|r| r.method == "HEAD") {
        return stream.flush().await;
    }
    stream.write_all(resp.body.get(..at).unwrap_or(&[])).await?;
    let per_write = (64 * 1024 / filler.bytes.len().max(1)).max(1);
    let piece = filler.bytes.repeat(per_write.min(filler.count));
    let mut left = filler.count;
    while left > 0 {
        let n = left.min(per_write);
        let bytes = piece.get(..n * filler.bytes.len()).unwrap_or(&piece);
        stream.write_all(bytes).await?;
        left -= n;
    }
    stream.write_all(resp.body.get(at..).unwrap_or(&[])).await?;
    stream.flush().await
}

fn gzip_bytes(body: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(body)?;
    enc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_request_lines_and_rejects_garbage() {
        let cases: &[(&str, Option<(&str, &str)>)] = &[
            (
                "GET /a/b.html?x=1 HTTP/1.1\r\nHost: h",
                Some(("GET", "/a/b.html?x=1")),
            ),
            (
                "POST http://h:1/dp.jsp?p=1 HTTP/1.0",
                Some(("POST", "/dp.jsp?p=1")),
            ),
            ("GARBAGE", None),
            ("GET / HTTP/2.0", None),
            ("get / HTTP/1.1", None),
            ("GET nopath HTTP/1.1", None),
            ("GET / HTTP/1.1\r\nno colon here", None),
            ("GET / HTTP/1.1\r\nbad name: v", None),
        ];
        for (text, want) in cases {
            let got = parse_head(text).ok();
            assert_eq!(
                got.as_ref().map(|r| (r.method.as_str(), r.target.as_str())),
                *want,
                "{text:?}"
            );
        }
    }

    #[test]
    fn gzip_acceptance_follows_qvalues() {
        let cases = [
            ("gzip, deflate", true),
            ("br", false),
            ("gzip;q=0", false),
            ("GZIP", true),
        ];
        for (value, want) in cases {
            let req = Request {
                method: "GET".into(),
                target: "/".into(),
                http10: false,
                headers: vec![("accept-encoding".into(), value.into())],
                body: vec![],
            };
            assert_eq!(req.accepts_gzip(), want, "{value}");
        }
    }
}
