//! The response headers a fetch outcome reads, parsed: `Retry-After` (seconds or an HTTP date)
//! and the file name of a `Content-Disposition` in every form servers send.

use std::time::Duration;

use chrono::{DateTime, Utc};
use percent_encoding::percent_decode_str;

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
