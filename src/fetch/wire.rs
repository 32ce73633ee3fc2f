//! One HTTP request on the wire: sends it, reads the body up to the cap within its time limits,
//! and decodes the Content-Encoding ourselves so that both the wire bytes and the decoded bytes
//! are kept.
//!
//! Time limits: the connection within `connect_timeout` (set on the client), the response headers
//! within `timeout`, no pause between body bytes longer than `read_timeout`, and the whole
//! exchange within `timeout + expected bytes / min_rate`, where the expected bytes are the
//! announced Content-Length or else the body cap. A large file from a slow server finishes; a
//! stalled or dripping connection is cut.

use std::io::Read;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use chrono::Utc;
use tokio::time::{Instant, timeout, timeout_at};

use super::outcome::{Capture, FailKind, Validators};
use crate::config::FetchSettings;
use crate::discover::PageRequest;

const ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
const ACCEPT_LANGUAGE: &str = "zh-CN,zh;q=0.9,en;q=0.5";
/// Only encodings we decode ourselves are offered.
const ACCEPT_ENCODING: &str = "gzip, deflate";

pub(super) enum SendError {
    /// Worth retrying: timeouts, connection errors, truncated bodies.
    Transient(FailKind, String),
    /// Not worth retrying.
    Fatal(FailKind, String),
    Oversize {
        limit: u64,
    },
}

fn classify_error(error: &reqwest::Error) -> SendError {
    let detail = error_chain(error);
    if error.is_timeout() {
        SendError::Transient(FailKind::Timeout, detail)
    } else if is_malformed_head(error) {
        SendError::Fatal(FailKind::Malformed, detail)
    } else if error.is_connect() {
        SendError::Transient(FailKind::Connect, detail)
    } else if error.is_body() || error.is_decode() {
        SendError::Transient(FailKind::Truncated, detail)
    } else if error.is_request() {
        SendError::Transient(FailKind::Connect, detail)
    } else {
        SendError::Fatal(FailKind::Other, detail)
    }
}

/// Whether the HTTP client refused the response head itself (hyper's parse errors), which
/// reqwest reports as a request error like a refused connection.
fn is_malformed_head(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(error);
    while let Some(e) = source {
        if e.downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_parse)
        {
            return true;
        }
        source = e.source();
    }
    false
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

pub(super) async fn send_once(
    client: &reqwest::Client,
    request: &PageRequest,
    validators: Option<&Validators>,
    user_agent: &str,
    settings: &FetchSettings,
    answered: impl FnOnce(),
) -> Result<Capture, SendError> {
    let max_body_bytes = settings.max_body_bytes;
    let url = request.url().clone();
    let mut headers: Vec<(String, String)> = vec![
        ("user-agent".into(), user_agent.into()),
        ("accept".into(), ACCEPT.into()),
        ("accept-language".into(), ACCEPT_LANGUAGE.into()),
        ("accept-encoding".into(), ACCEPT_ENCODING.into()),
    ];
    if let Some(v) = validators {
        if let Some(etag) = &v.etag {
            headers.push(("if-none-match".into(), etag.clone()));
        }
        if let Some(lm) = &v.last_modified {
            headers.push(("if-modified-since".into(), lm.clone()));
        }
    }
    let (method, body) = match request {
        PageRequest::Get(_) => (reqwest::Method::GET, None),
        PageRequest::Post { form, .. } => {
            let encoded = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form)
                .finish();
            headers.push((
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            ));
            (reqwest::Method::POST, Some(encoded.into_bytes()))
        }
    };
    let mut builder = client.request(method.clone(), url.clone());
    for (name, value) in &headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    if let Some(body) = &body {
        builder = builder.body(body.clone());
    }
    let started = Instant::now();
    let mut response = match timeout_at(started + settings.timeout, builder.send()).await {
        Ok(sent) => {
            answered();
            sent.map_err(|e| classify_error(&e))?
        }
        Err(_) => {
            return Err(SendError::Transient(
                FailKind::Timeout,
                format!("no response headers within {}", show(settings.timeout)),
            ));
        }
    };
    let status = response.status().as_u16();
    let http_version = format!("{:?}", response.version());
    let ip = response.remote_addr().map(|a| a.ip());
    let response_headers: Vec<(String, Vec<u8>)> = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_ascii_lowercase(),
                value.as_bytes().to_vec(),
            )
        })
        .collect();
    if let Some(length) = response.content_length()
        && length > max_body_bytes
    {
        return Err(SendError::Oversize {
            limit: max_body_bytes,
        });
    }
    let expected = response.content_length().unwrap_or(max_body_bytes);
    let overall = overall_limit(settings, expected);
    let deadline = started + overall;
    // Sized by the stated length (never more than PREALLOCATE_MAX, whatever a header claims),
    // so a body is read into one buffer that the capture then shares with every reader.
    let stated = response.content_length().unwrap_or(0).min(PREALLOCATE_MAX);
    let mut wire = BytesMut::with_capacity(stated as usize);
    loop {
        let read =
            match timeout_at(deadline, timeout(settings.read_timeout, response.chunk())).await {
                Ok(Ok(read)) => read,
                Ok(Err(_)) => {
                    return Err(SendError::Transient(
                        FailKind::Timeout,
                        format!(
                            "no bytes for {} after {} body bytes (read_timeout)",
                            show(settings.read_timeout),
                            wire.len()
                        ),
                    ));
                }
                Err(_) => {
                    return Err(SendError::Transient(
                        FailKind::Timeout,
                        format!(
                            "body not complete within {} ({} of {expected} bytes; timeout plus \
                         min_rate {} bytes/s)",
                            show(overall),
                            wire.len(),
                            settings.min_rate
                        ),
                    ));
                }
            };
        match read {
            Ok(Some(chunk)) => {
                if (wire.len() + chunk.len()) as u64 > max_body_bytes {
                    return Err(SendError::Oversize {
                        limit: max_body_bytes,
                    });
                }
                wire.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => return Err(classify_error(&e)),
        }
    }
    let encoding = response_headers
        .iter()
        .find(|(n, _)| n == "content-encoding")
        .map(|(_, v)| String::from_utf8_lossy(v).trim().to_ascii_lowercase());
    let wire = wire.freeze();
    let body = decode_content(&wire, encoding.as_deref(), max_body_bytes)?;
    headers.insert(
        0,
        (
            "host".into(),
            url[url::Position::BeforeHost..url::Position::AfterPort].to_string(),
        ),
    );
    Ok(Capture {
        url,
        redirects: Vec::new(),
        method: method.to_string(),
        request_headers: headers,
        request_body: body_of(request),
        status,
        http_version,
        headers: response_headers,
        ip,
        wire,
        body,
        fetched_at: Utc::now(),
    })
}

/// The most a stated Content-Length reserves before its bytes arrive.
const PREALLOCATE_MAX: u64 = 1 << 20;

/// The longest one exchange may take when `expected` body bytes are to come.
fn overall_limit(settings: &FetchSettings, expected: u64) -> Duration {
    let rate = settings.min_rate.max(1) as f64;
    settings.timeout + Duration::from_secs_f64(expected as f64 / rate)
}

fn show(d: Duration) -> humantime::FormattedDuration {
    humantime::format_duration(Duration::from_millis(d.as_millis() as u64))
}

fn body_of(request: &PageRequest) -> Option<Vec<u8>> {
    match request {
        PageRequest::Get(_) => None,
        PageRequest::Post { form, .. } => Some(
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form)
                .finish()
                .into_bytes(),
        ),
    }
}

/// Undoes the content codings of a `Content-Encoding` list (`gzip`, `gzip, gzip`: the last one
/// applied first undone first), refusing to inflate past the cap. A body sent without content
/// coding is the wire bytes themselves, shared, not copied. A compression we never offered
/// (`br`, `zstd`) cannot be read: a failure, not a page of compressed bytes. Other names we
/// never offered (`utf-8`, seen over plain bodies) leave the bytes as they are.
fn decode_content(
    wire: &Bytes,
    encoding: Option<&str>,
    max_body_bytes: u64,
) -> Result<Bytes, SendError> {
    let codings: Vec<&str> = encoding
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty() && *c != "identity")
        .collect();
    if let Some(unreadable) = codings
        .iter()
        .find(|c| matches!(**c, "br" | "zstd" | "compress" | "x-compress"))
    {
        return Err(SendError::Fatal(
            FailKind::Decode,
            format!("content coding {unreadable:?}, never offered, cannot be decoded"),
        ));
    }
    let mut body = wire.clone();
    for coding in codings.iter().rev() {
        body = decode_coding(&body, coding, max_body_bytes)?;
    }
    Ok(body)
}

/// Undoes one content coding (gzip or deflate); any other name leaves the bytes as they are.
fn decode_coding(wire: &Bytes, coding: &str, max_body_bytes: u64) -> Result<Bytes, SendError> {
    let encoding = Some(coding);
    let mut out = Vec::new();
    let result = match encoding {
        None | Some("") | Some("identity") => return Ok(wire.clone()),
        Some("gzip") | Some("x-gzip") => flate2::read::MultiGzDecoder::new(&wire[..])
            .take(max_body_bytes + 1)
            .read_to_end(&mut out),
        Some("deflate") => {
            // Servers send either zlib-wrapped or raw deflate under this name.
            let zlib = flate2::read::ZlibDecoder::new(&wire[..])
                .take(max_body_bytes + 1)
                .read_to_end(&mut out);
            if zlib.is_err() {
                out.clear();
                flate2::read::DeflateDecoder::new(&wire[..])
                    .take(max_body_bytes + 1)
                    .read_to_end(&mut out)
            } else {
                zlib
            }
        }
        // An encoding we never offered: keep the bytes as they are.
        Some(_) => return Ok(wire.clone()),
    };
    match result {
        Ok(_) if out.len() as u64 > max_body_bytes => Err(SendError::Oversize {
            limit: max_body_bytes,
        }),
        Ok(_) => Ok(Bytes::from(out)),
        Err(e) => Err(SendError::Transient(
            FailKind::Decode,
            format!("cannot decode {encoding:?} body: {e}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gzip(data: &[u8]) -> Bytes {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(data).expect("in-memory write");
        enc.finish().expect("in-memory gzip").into()
    }

    /// `gzip, gzip` is undone twice; `br`, never offered, is a failure rather than a page of
    /// compressed bytes; a bogus name over a plain body leaves it as it is.
    #[test]
    fn a_list_of_codings_is_undone_in_turn() {
        let page = "政府信息公开年度报告".repeat(50).into_bytes();
        let twice = gzip(&gzip(&page));
        let body = decode_content(&twice, Some("gzip, gzip"), 1 << 20)
            .ok()
            .expect("decodes");
        assert_eq!(body, page);
        assert!(matches!(
            decode_content(&Bytes::from(page.clone()), Some("br"), 1 << 20),
            Err(SendError::Fatal(FailKind::Decode, _))
        ));
        let plain = decode_content(&Bytes::from(page.clone()), Some("utf-8"), 1 << 20)
            .ok()
            .expect("kept");
        assert_eq!(plain, page);
    }

    #[test]
    fn gzip_is_decoded_and_capped() {
        let page = "政府信息公开年度报告".repeat(100).into_bytes();
        let wire = gzip(&page);
        let body = decode_content(&wire, Some("gzip"), 1 << 20)
            .ok()
            .expect("decodes");
        assert_eq!(body, page);
        // A small wire body that inflates past the cap is refused, not inflated.
        let bomb = gzip(&vec![0u8; 4 << 20]);
        assert!(bomb.len() < 64 * 1024);
        assert!(matches!(
            decode_content(&bomb, Some("gzip"), 1 << 20),
            Err(SendError::Oversize { .. })
        ));
    }

    #[test]
    fn the_overall_limit_scales_with_the_expected_body() {
        // The defaults, as the README states them: a 10 MB PDF at the minimum rate of 16 KiB/s
        // gets 30 s plus 640 s.
        let settings = FetchSettings::default();
        assert_eq!(
            overall_limit(&settings, 10 * 1024 * 1024),
            Duration::from_secs(670)
        );
        assert_eq!(overall_limit(&settings, 0), Duration::from_secs(30));
    }

    #[test]
    fn broken_gzip_is_a_decode_failure_and_identity_passes_through() {
        let wire = gzip(b"hello world, hello world");
        let broken = wire.slice(..wire.len() / 2);
        assert!(matches!(
            decode_content(&broken, Some("gzip"), 1 << 20),
            Err(SendError::Transient(FailKind::Decode, _))
        ));
        // Without content coding (or with a name that is none, as a server's `utf-8`) the body
        // is the wire's own buffer.
        let plain = Bytes::from_static(b"abc");
        for encoding in [None, Some("identity"), Some("utf-8")] {
            let body = decode_content(&plain, encoding, 10)
                .ok()
                .expect("passes through");
            assert_eq!(body, plain);
            assert_eq!(
                body.as_ptr(),
                plain.as_ptr(),
                "{encoding:?} copied the body"
            );
        }
    }
}
