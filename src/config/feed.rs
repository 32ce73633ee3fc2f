//! The `[feed]` table: where committed document versions are published besides the local feed
//! (a NATS JetStream stream). Read here, checked once into `FeedSettings`; the publisher
//! (`jetstream`) reads only the result.

use serde::Deserialize;

use super::ConfigError;
use super::diagnose::{KeyPath, Source};

pub const DEFAULT_FEED_STREAM: &str = "NIANBAO";
pub const DEFAULT_FEED_SUBJECT: &str = "nianbao.records";

const NATS_FORM: &str = "a NATS server URL such as \"nats://127.0.0.1:4222\" (nats:// or tls://)";
const STREAM_FORM: &str = "a stream name of letters, digits, `-` and `_` (at most 64)";
const SUBJECT_FORM: &str = "a subject such as \"nianbao.records\": tokens of letters, digits, `-` and `_` joined by dots, no wildcards";

/// `[feed]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFeed {
    pub nats: Option<String>,
    pub stream: Option<String>,
    pub subject: Option<String>,
}

/// Where the feed is published, when `[feed] nats` is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedSettings {
    /// The NATS server, e.g. `nats://127.0.0.1:4222`.
    pub nats: String,
    /// The JetStream stream, created with the subjects `<subject>.>` when it does not exist.
    pub stream: String,
    /// The subject prefix: a version of portal P is published on `<subject>.<P>`.
    pub subject: String,
}

pub(super) fn resolve(
    raw: Option<RawFeed>,
    source: &Source<'_>,
) -> Result<Option<FeedSettings>, ConfigError> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let table = KeyPath::root().key("feed");
    let Some(nats) = raw.nats else {
        return Err(source.at_key(
            &table,
            format!("missing key `nats` ({NATS_FORM}): the [feed] table publishes to it"),
        ));
    };
    let nats = check_nats(&nats).map_err(|m| source.at_key(&table.key("nats"), m))?;
    let stream = match raw.stream {
        None => DEFAULT_FEED_STREAM.to_owned(),
        Some(s) if is_stream_name(&s) => s,
        Some(s) => {
            return Err(source.at_key(
                &table.key("stream"),
                format!("expected {STREAM_FORM}, found {s:?}"),
            ));
        }
    };
    let subject = match raw.subject {
        None => DEFAULT_FEED_SUBJECT.to_owned(),
        Some(s) if is_subject(&s) => s,
        Some(s) => {
            return Err(source.at_key(
                &table.key("subject"),
                format!("expected {SUBJECT_FORM}, found {s:?}"),
            ));
        }
    };
    Ok(Some(FeedSettings {
        nats,
        stream,
        subject,
    }))
}

/// The NATS server URL as shown in messages, summaries and run reports: a password in it
/// (`nats://user:pass@host`, sent to the server as NATS authentication) is shown as `***`.
pub fn nats_shown(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            // A URL with a password has a host, so it can take another one.
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(_) => url.to_owned(),
        Err(_) => super::raw::without_userinfo(url),
    }
}

fn check_nats(given: &str) -> Result<String, String> {
    let trimmed = given.trim();
    let text = &nats_shown(trimmed);
    let url = url::Url::parse(trimmed)
        .map_err(|e| format!("expected {NATS_FORM}, found {text:?} ({e})"))?;
    if !matches!(url.scheme(), "nats" | "tls") {
        return Err(format!(
            "expected {NATS_FORM}, found scheme `{}` in {text:?}",
            url.scheme()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("expected {NATS_FORM}, found no host in {text:?}"));
    }
    if !matches!(url.path(), "" | "/") || url.query().is_some() {
        return Err(format!(
            "expected {NATS_FORM}, found a path or query in {text:?}"
        ));
    }
    Ok(trimmed.to_owned())
}

fn is_token(token: &str) -> bool {
    !token.is_empty()
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn is_stream_name(name: &str) -> bool {
    name.len() <= 64 && is_token(name)
}

fn is_subject(subject: &str) -> bool {
    subject.len() <= 200 && subject.split('.').all(is_token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_is_never_shown() {
        assert_eq!(
            nats_shown("nats://ops:s3cret@nats.x:4222"),
            "nats://ops:***@nats.x:4222"
        );
        assert_eq!(nats_shown("nats://nats.x:4222"), "nats://nats.x:4222");
        assert_eq!(nats_shown("nats://ops@nats.x"), "nats://ops@nats.x");
        let error = check_nats("nats://ops:s3cret@nats.x/path").expect_err("a path");
        assert!(!error.contains("s3cret"), "{error}");
        let error = check_nats("nats://ops:s3cret@nats.x:99999").expect_err("a port");
        assert!(!error.contains("s3cret"), "{error}");
    }

    #[test]
    fn nats_urls() {
        let cases = [
            ("nats://127.0.0.1:4222", Ok(())),
            ("  tls://nats.example.org ", Ok(())),
            ("http://127.0.0.1:4222", Err("scheme `http`")),
            ("127.0.0.1:4222", Err("relative URL")),
            ("nats://", Err("no host")),
            ("nats://h:4222/stream", Err("path or query")),
            ("", Err("relative URL")),
        ];
        for (input, want) in cases {
            match (check_nats(input), want) {
                (Ok(url), Ok(())) => assert_eq!(url, input.trim()),
                (Err(m), Err(part)) => {
                    assert!(m.contains(part), "{input:?}: {m}");
                    assert!(m.starts_with("expected a NATS server URL"), "{m}");
                }
                (got, want) => panic!("{input:?}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn stream_names_and_subjects() {
        for ok in ["NIANBAO", "nianbao-records_2", "A"] {
            assert!(is_stream_name(ok), "{ok}");
        }
        for bad in [
            "",
            "NIAN BAO",
            "a.b",
            "a*",
            "a>",
            "a/b",
            "报告",
            &"x".repeat(65),
        ] {
            assert!(!is_stream_name(bad), "{bad:?}");
        }
        for ok in ["nianbao.records", "reports", "a-b.c_d.e1"] {
            assert!(is_subject(ok), "{ok}");
        }
        for bad in ["", "a..b", ".a", "a.", "a.*", "a.>", "a b", "a.报告"] {
            assert!(!is_subject(bad), "{bad:?}");
        }
    }
}
