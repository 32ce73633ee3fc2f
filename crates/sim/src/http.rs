//! Simulator HTTP/1.1 wire layer, request side: parses requests from raw bytes, never panicking on
//! any input. The response side (`response`) is re-exported here. Sits under the simulator's
//! server loop.

use tokio::io::AsyncReadExt;

pub(crate) use super::response::{Filler, Response, keep_alive, reason, write_response};

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

    pub fn wants_close(&self) -> bool {
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
