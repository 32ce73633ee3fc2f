//! One WARC record as bytes: named headers, the HTTP request/response blocks built from a
//! [`WarcCapture`], SHA-1 Base32 digests and v4 UUID record ids. Pure, apart from the random ids.

use chrono::{DateTime, Utc};
use sha1::{Digest, Sha1};

use super::WarcCapture;

/// The WARC-Profile of a revisit whose payload is byte-identical to an earlier response's.
pub const REVISIT_PROFILE: &str =
    "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest";

/// `sha1:` + Base32 of SHA-1 over `bytes`: the labelled-digest form WARC tools compare.
pub fn sha1_base32(bytes: &[u8]) -> String {
    let digest = Sha1::digest(bytes);
    format!("sha1:{}", data_encoding::BASE32.encode(&digest))
}

/// WARC-Payload-Digest of a wire body: the entity after transfer decoding, before content
/// decoding. Equal digests mean a re-fetch may be written as a revisit.
pub fn payload_digest(wire_body: &[u8]) -> String {
    sha1_base32(wire_body)
}

/// WARC-Block-Digest of a record block.
pub fn block_digest(block: &[u8]) -> String {
    sha1_base32(block)
}

/// A fresh `<urn:uuid:...>` with a random (version 4, RFC 4122 variant) UUID.
pub fn new_record_id() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    // hex of 16 bytes is always 32 ASCII characters, so these slices are in range.
    format!(
        "<urn:uuid:{}-{}-{}-{}-{}>",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// WARC-Date: UTC to the second, `YYYY-MM-DDThh:mm:ssZ`.
pub fn warc_date(date: DateTime<Utc>) -> String {
    date.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A record before framing: its named headers (without Content-Length, added from the block) and
/// its block.
#[derive(Debug, Clone)]
pub struct Record {
    pub headers: Vec<(String, String)>,
    pub block: Vec<u8>,
}

impl Record {
    pub fn new(warc_type: &str, record_id: &str, date: DateTime<Utc>) -> Record {
        Record {
            headers: vec![
                ("WARC-Type".into(), warc_type.into()),
                ("WARC-Record-ID".into(), record_id.into()),
                ("WARC-Date".into(), warc_date(date)),
            ],
            block: Vec::new(),
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Record {
        self.headers.push((name.into(), one_line(&value.into())));
        self
    }

    /// The record as written: version line, headers, Content-Length, blank line, block, and the
    /// two CRLFs that end every record.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.block.len() + 512);
        out.extend_from_slice(b"WARC/1.1\r\n");
        for (name, value) in &self.headers {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", self.block.len()).as_bytes());
        out.extend_from_slice(&self.block);
        out.extend_from_slice(b"\r\n\r\n");
        out
    }
}

/// Header values must stay on one line, or they would end the header block early.
fn one_line(value: &str) -> String {
    value.replace(['\r', '\n'], " ")
}

fn one_line_bytes(value: &[u8]) -> Vec<u8> {
    value
        .iter()
        .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b })
        .collect()
}

/// The request as sent: request line, headers, blank line, body.
///
/// A `Host` header is added when the caller's list lacks one: the HTTP/1.1 client sends it on the
/// wire without listing it, and replay tools need it.
pub fn request_block(capture: &WarcCapture) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(
        format!(
            "{} {} {}\r\n",
            one_line(&capture.method),
            one_line(&capture.request_target),
            one_line(&capture.http_version)
        )
        .as_bytes(),
    );
    let has_host = capture
        .request_headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("host"));
    if !has_host && let Some(host) = host_of(&capture.target_uri) {
        out.extend_from_slice(format!("Host: {host}\r\n").as_bytes());
    }
    for (name, value) in &capture.request_headers {
        out.extend_from_slice(format!("{}: {}\r\n", one_line(name), one_line(value)).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    if let Some(body) = &capture.request_body {
        out.extend_from_slice(body);
    }
    out
}

/// `host[:port]` as the Host header carries it.
fn host_of(uri: &str) -> Option<String> {
    let url = url::Url::parse(uri).ok()?;
    let host = url.host_str()?;
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    })
}

/// The response head: status line and headers, ending with the blank line.
///
/// The body we hold is already de-chunked, so a `Transfer-Encoding: chunked` header would make
/// readers try to de-chunk it again. When the headers say chunked, Transfer-Encoding is dropped
/// and Content-Length is set to the length of the body we write; every other header is kept as
/// received, Content-Encoding included.
pub fn response_head(capture: &WarcCapture) -> Vec<u8> {
    let reason = capture.reason.clone().unwrap_or_else(|| {
        reqwest::StatusCode::from_u16(capture.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("")
            .to_string()
    });
    let mut out = Vec::new();
    out.extend_from_slice(
        format!(
            "{} {} {}\r\n",
            one_line(&capture.http_version),
            capture.status,
            one_line(&reason)
        )
        .as_bytes(),
    );
    let chunked = capture.response_headers.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("transfer-encoding")
            && String::from_utf8_lossy(v)
                .to_ascii_lowercase()
                .contains("chunked")
    });
    for (name, value) in &capture.response_headers {
        if chunked
            && (name.eq_ignore_ascii_case("transfer-encoding")
                || name.eq_ignore_ascii_case("content-length"))
        {
            continue;
        }
        out.extend_from_slice(one_line(name).as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(&one_line_bytes(value));
        out.extend_from_slice(b"\r\n");
    }
    if chunked {
        out.extend_from_slice(
            format!("Content-Length: {}\r\n", capture.wire_body.len()).as_bytes(),
        );
    }
    out.extend_from_slice(b"\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_ids_are_v4_uuids() {
        for _ in 0..50 {
            let id = new_record_id();
            let uuid = id
                .strip_prefix("<urn:uuid:")
                .and_then(|s| s.strip_suffix('>'))
                .expect("framed as <urn:uuid:...>");
            let groups: Vec<&str> = uuid.split('-').collect();
            let lengths: Vec<usize> = groups.iter().map(|g| g.len()).collect();
            assert_eq!(lengths, [8, 4, 4, 4, 12], "{id}");
            assert!(groups[2].starts_with('4'), "version nibble: {id}");
            assert!(
                matches!(groups[3].chars().next(), Some('8' | '9' | 'a' | 'b')),
                "variant bits: {id}"
            );
        }
    }

    #[test]
    fn digests_are_sha1_base32() {
        // SHA-1 of "" and "abc" (FIPS 180 test vectors), Base32 encoded.
        let cases = [
            (&b""[..], "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ"),
            (&b"abc"[..], "sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5"),
        ];
        for (input, expected) in cases {
            assert_eq!(payload_digest(input), expected);
        }
    }

    #[test]
    fn header_values_cannot_break_lines() {
        let r = Record::new("metadata", "<urn:uuid:x>", DateTime::<Utc>::UNIX_EPOCH)
            .header("WARC-Target-URI", "http://a/\r\nWARC-Type: evil");
        let text = String::from_utf8(r.to_bytes()).expect("ascii");
        let type_lines = text.split("\r\n").filter(|l| l.starts_with("WARC-Type:"));
        assert_eq!(type_lines.count(), 1, "{text}");
        assert!(text.starts_with("WARC/1.1\r\nWARC-Type: metadata\r\n"));
        assert!(text.contains("WARC-Date: 1970-01-01T00:00:00Z\r\n"));
        assert!(text.ends_with("Content-Length: 0\r\n\r\n\r\n\r\n"));
    }
    fn capture(headers: &[(&str, &str)], body: &[u8]) -> WarcCapture {
        WarcCapture {
            target_uri: "http://www.example.gov.cn:8080/a?b=1".into(),
            date: DateTime::<Utc>::UNIX_EPOCH,
            ip: None,
            method: "GET".into(),
            request_target: "/a?b=1".into(),
            http_version: "HTTP/1.1".into(),
            request_headers: vec![("user-agent".into(), "t".into())],
            request_body: None,
            status: 503,
            reason: None,
            response_headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
                .collect(),
            wire_body: bytes::Bytes::copy_from_slice(body),
        }
    }

    #[test]
    fn response_heads_drop_chunking_and_keep_the_rest() {
        let cases: [(&[(&str, &str)], &str); 4] = [
            (
                &[("content-type", "text/html"), ("content-length", "3")],
                "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/html\r\ncontent-length: 3\r\n\r\n",
            ),
            (
                &[
                    ("transfer-encoding", "chunked"),
                    ("content-encoding", "gzip"),
                ],
                "HTTP/1.1 503 Service Unavailable\r\ncontent-encoding: gzip\r\nContent-Length: 3\r\n\r\n",
            ),
            (
                // A stray Content-Length beside chunking is replaced, not kept twice.
                &[
                    ("Transfer-Encoding", "gzip, Chunked"),
                    ("Content-Length", "99"),
                ],
                "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 3\r\n\r\n",
            ),
            (
                &[("x-note", "a\r\nb")],
                "HTTP/1.1 503 Service Unavailable\r\nx-note: a  b\r\n\r\n",
            ),
        ];
        for (headers, expected) in cases {
            let head = response_head(&capture(headers, b"abc"));
            assert_eq!(String::from_utf8_lossy(&head), expected, "{headers:?}");
        }
    }

    #[test]
    fn request_blocks_carry_the_host_sent_on_the_wire() {
        let mut c = capture(&[], b"");
        assert_eq!(
            String::from_utf8_lossy(&request_block(&c)),
            "GET /a?b=1 HTTP/1.1\r\nHost: www.example.gov.cn:8080\r\nuser-agent: t\r\n\r\n"
        );
        c.request_headers.push(("host".into(), "other".into()));
        c.method = "POST".into();
        c.request_body = Some(b"x=1".to_vec());
        assert_eq!(
            String::from_utf8_lossy(&request_block(&c)),
            "POST /a?b=1 HTTP/1.1\r\nuser-agent: t\r\nhost: other\r\n\r\nx=1"
        );
    }
}
