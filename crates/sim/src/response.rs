//! Simulator HTTP/1.1 wire layer, response side: writes responses byte by byte, so a simulated
//! portal controls status lines, chunking, gzip, truncation, streamed fillers and raw (malformed)
//! answers exactly.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use tokio::io::AsyncWriteExt;

use super::http::Request;

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
    /// Written this long after the request arrived.
    pub delay: Option<std::time::Duration>,
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
            delay: None,
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

    fn get() -> Request {
        Request {
            method: "GET".into(),
            target: "/".into(),
            http10: false,
            headers: vec![],
            body: vec![],
        }
    }

    fn written(resp: &Response) -> Vec<u8> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a test runtime starts");
        let mut wire = Vec::new();
        runtime
            .block_on(write_response(&mut wire, Some(&get()), resp))
            .expect("writing to a Vec cannot fail");
        wire
    }

    #[test]
    fn a_filler_is_streamed_into_the_body_under_the_full_content_length() {
        let mut resp = Response::new(200, "text/html", b"<p></p>".to_vec());
        resp.filler = Some(Filler {
            at: 3,
            bytes: b"ab".to_vec(),
            count: 100_000,
        });
        let wire = written(&resp);
        let split = wire
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a head")
            + 4;
        let head = String::from_utf8_lossy(&wire[..split]).into_owned();
        let body = &wire[split..];
        assert!(head.contains("Content-Length: 200007\r\n"), "{head}");
        assert_eq!(body.len(), 200_007);
        assert!(body.starts_with(b"<p>abab") && body.ends_with(b"ab</p>"));
        assert!(keep_alive(Some(&get()), &resp));
    }

    #[test]
    fn a_raw_response_is_sent_as_is_and_closes() {
        let resp = Response::raw(b"HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n".to_vec());
        assert_eq!(written(&resp), b"HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n");
        assert!(!keep_alive(Some(&get()), &resp));
    }
}
