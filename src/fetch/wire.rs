//! One HTTP request on the wire: sends it, reads the body up to the cap within its time limits,
//! and has `coding` undo the Content-Encoding so that both the wire bytes and the decoded bytes
//! are kept.
//!
//! Time limits: the connection within `connect_timeout` (set on the client), the response headers
//! within `timeout`, no pause between body bytes longer than `read_timeout`, and the whole
//! exchange within `timeout + expected bytes / min_rate`, where the expected bytes are the
//! announced Content-Length or else the body cap; and the body, from its headers on, at no less
//! than `min_rate` on average once `timeout` has passed. A large file from a slow server
//! finishes; a stalled or dripping connection is cut.

use std::borrow::Cow;
use std::time::Duration;

use bytes::BytesMut;
use chrono::Utc;
use tokio::time::{Instant, timeout, timeout_at};

use super::coding::{decode_content, decode_cut_content, inflate_stray_gzip};
use super::outcome::{Capture, FailKind, Validators};
use super::tls;
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
    /// The certificate's chain lacks an intermediate nianbao has learned: the caIssuers
    /// addresses its leaf names (or why they could not be read), to fetch it from.
    MissingIntermediate(super::aia::MissingIntermediate),
    /// This process (EMFILE) or the system (ENFILE) had no file descriptor left for the
    /// request: no answer of the server's, and every later request would fail the same way.
    OutOfFiles(String),
}

impl SendError {
    /// What failed, in words.
    pub(super) fn detail(self) -> String {
        match self {
            SendError::Transient(_, detail)
            | SendError::Fatal(_, detail)
            | SendError::OutOfFiles(detail) => detail,
            SendError::Oversize { limit } => format!("more than {limit} bytes"),
            SendError::MissingIntermediate(missing) => missing.to_string(),
        }
    }
}

/// `https`: the request was one (see `tls::classify`).
fn classify_error(error: &reqwest::Error, https: bool) -> SendError {
    let detail = error_chain(error);
    // A TLS error after the answer began (in the body) is a truncated body.
    let before_answer = error.is_connect() || error.is_request();
    if is_out_of_files(error) {
        SendError::OutOfFiles(detail)
    } else if let Some(aia) = before_answer
        .then(|| tls::missing_intermediate(error))
        .flatten()
    {
        SendError::MissingIntermediate(aia)
    } else if error.is_timeout() {
        SendError::Transient(FailKind::Timeout, detail)
    } else if is_malformed_head(error) {
        SendError::Fatal(FailKind::Malformed, detail)
    } else if let Some((kind, why, transient)) = before_answer
        .then(|| tls::classify(error, https && error.is_connect()))
        .flatten()
    {
        // The client's own wording repeats what `why` says, less plainly.
        tracing::debug!("{why}: {detail}");
        if transient {
            SendError::Transient(kind, why)
        } else {
            SendError::Fatal(kind, why)
        }
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

/// Whether an I/O error in the chain says no file descriptor was left (EMFILE, ENFILE).
fn is_out_of_files(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(error);
    while let Some(e) = source {
        if e.downcast_ref::<std::io::Error>()
            .is_some_and(crate::store::fault::is_out_of_files)
        {
            return true;
        }
        source = e.source();
    }
    false
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

/// Sends `request` once with `client`; `tls_unverified` says the client verifies no
/// certificate, which the capture of an HTTPS exchange records. With `cut_at` (robots.txt, of
/// which only a first part is read) a longer body, announced or sent, is not oversize: its
/// first `cut_at` bytes are kept and the rest is never read.
#[allow(clippy::too_many_arguments)]
pub(super) async fn send_once(
    (client, tls_unverified): (&reqwest::Client, bool),
    request: &PageRequest,
    validators: Option<&Validators>,
    user_agent: &str,
    settings: &FetchSettings,
    cut_at: Option<u64>,
    answered: impl FnOnce(),
) -> Result<Capture, SendError> {
    let max_body_bytes = settings.max_body_bytes;
    let url = request.url().clone();
    let https = url.scheme() == "https";
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
    let (method, request_body) = match request {
        PageRequest::Get(_) => (reqwest::Method::GET, None),
        PageRequest::Post { .. } => {
            headers.push((
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            ));
            (reqwest::Method::POST, body_of(request))
        }
    };
    // Credentials in a URL (a link or a Location such as `http://user:pw@host/`) are never sent:
    // the client would turn them into an Authorization header, a login the crawl was never asked
    // to attempt. The page is asked for as any visitor asks for it.
    let mut sent_url = url.clone();
    if sent_url.has_authority() {
        // Only a URL without a host refuses userinfo changes, and such a URL has none.
        let _ = sent_url.set_username("");
        let _ = sent_url.set_password(None);
    }
    let mut builder = client.request(method.clone(), sent_url);
    for (name, value) in &headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    if let Some(body) = &request_body {
        builder = builder.body(body.clone());
    }
    let started = Instant::now();
    let mut response = match timeout_at(started + settings.timeout, builder.send()).await {
        Ok(sent) => {
            answered();
            sent.map_err(|e| classify_error(&e, https))?
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
        && cut_at.is_none()
    {
        return Err(SendError::Oversize {
            limit: max_body_bytes,
        });
    }
    let read_limit = cut_at.map_or(max_body_bytes, |cut| cut.min(max_body_bytes));
    let expected = response
        .content_length()
        .unwrap_or(max_body_bytes)
        .min(read_limit);
    let overall = overall_limit(settings, expected);
    let deadline = started + overall;
    // Sized by the stated length (never more than PREALLOCATE_MAX, whatever a header claims),
    // so a body is read into one buffer that the capture then shares with every reader.
    let stated = response.content_length().unwrap_or(0).min(PREALLOCATE_MAX);
    let mut wire = BytesMut::with_capacity(stated as usize);
    let headers_at = Instant::now();
    loop {
        // The body must also keep up `min_rate` since the headers came, after `timeout` of grace:
        // a body that dribbles (a byte a second is never silent for `read_timeout`) is cut
        // soon, not after the whole body's allowance (an hour for the 50 MiB cap).
        let pace = headers_at + overall_limit(settings, wire.len() as u64);
        let read = match timeout_at(
            deadline.min(pace),
            timeout(settings.read_timeout, response.chunk()),
        )
        .await
        {
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
            Err(_) if Instant::now() >= deadline => {
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
            Err(_) => {
                return Err(SendError::Transient(
                    FailKind::Timeout,
                    format!(
                        "body not complete: {} bytes in {} since the headers, slower than \
                             min_rate {} bytes/s after {} of grace",
                        wire.len(),
                        show(headers_at.elapsed()),
                        settings.min_rate,
                        show(settings.timeout)
                    ),
                ));
            }
        };
        match read {
            Ok(Some(chunk)) => {
                if let Some(cut) = cut_at
                    && (wire.len() + chunk.len()) as u64 >= read_limit
                {
                    // Dropping the response closes the connection: the rest is never read.
                    let keep = (read_limit as usize)
                        .saturating_sub(wire.len())
                        .min(chunk.len());
                    wire.extend_from_slice(&chunk[..keep]);
                    tracing::debug!(%url, cut, "body cut at its read limit");
                    break;
                }
                if (wire.len() + chunk.len()) as u64 > max_body_bytes {
                    return Err(SendError::Oversize {
                        limit: max_body_bytes,
                    });
                }
                wire.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => return Err(classify_error(&e, https)),
        }
    }
    let encoding = response_headers
        .iter()
        .find(|(n, _)| n == "content-encoding")
        .map(|(_, v)| String::from_utf8_lossy(v).trim().to_ascii_lowercase());
    let wire = wire.freeze();
    // A cut body's compressed stream ends where the cut came: it decodes to the body's start.
    let body = match cut_at {
        Some(_) => decode_cut_content(&wire, encoding.as_deref(), read_limit)?,
        None => decode_content(&wire, encoding.as_deref(), max_body_bytes)?,
    };
    let content_type = response_headers
        .iter()
        .find(|(n, _)| n == "content-type")
        .map(|(_, v)| String::from_utf8_lossy(v).into_owned());
    let (body, layers) = inflate_stray_gzip(body, content_type.as_deref(), max_body_bytes)?;
    if layers > 0 {
        tracing::info!(%url, layers, "gzip body beyond its Content-Encoding inflated");
    }
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
        request_body,
        status,
        http_version,
        headers: response_headers,
        ip,
        wire,
        body,
        fetched_at: Utc::now(),
        tls_unverified: tls_unverified && https,
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

/// A POST's form, encoded as a browser encodes it: values in the form's charset (characters it
/// lacks as `&#N;`), then percent-encoded.
fn body_of(request: &PageRequest) -> Option<Vec<u8>> {
    let PageRequest::Post { form, charset, .. } = request else {
        return None;
    };
    let encode: &dyn Fn(&str) -> Cow<'_, [u8]> = &|text| match charset {
        Some(encoding) => encoding.encode(text).0,
        None => Cow::Borrowed(text.as_bytes()),
    };
    Some(
        url::form_urlencoded::Serializer::new(String::new())
            .encoding_override(Some(encode))
            .extend_pairs(form)
            .finish()
            .into_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A form goes in its charset, as a browser sends a page's form: `年报` is `%C4%EA%B1%A8` in
    /// GBK, `%E5%B9%B4%E6%8A%A5` in UTF-8, `年報` is `%A6%7E%B3%F8` in Big5; a character the
    /// charset lacks goes as `&#N;`.
    #[test]
    fn a_form_is_sent_in_its_charset() {
        let body = |column: &str, charset| {
            let post = PageRequest::Post {
                url: url::Url::parse("http://h.example/list.aspx").expect("URL"),
                form: vec![("lb".into(), column.into()), ("t".into(), "€ ☃".into())],
                charset,
            };
            String::from_utf8(body_of(&post).expect("a body")).expect("ASCII")
        };
        assert_eq!(
            body("年报", None),
            "lb=%E5%B9%B4%E6%8A%A5&t=%E2%82%AC+%E2%98%83"
        );
        assert_eq!(
            body("年报", Some(encoding_rs::GBK)),
            "lb=%C4%EA%B1%A8&t=%80+%26%239731%3B"
        );
        assert_eq!(
            body("年報", Some(encoding_rs::BIG5)),
            "lb=%A6%7E%B3%F8&t=%A3%E1+%26%239731%3B"
        );
        let get = PageRequest::Get(url::Url::parse("http://h.example/").expect("URL"));
        assert_eq!(body_of(&get), None);
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
}
