//! The config and seed files as written: serde shapes with `Option` fields and
//! `deny_unknown_fields`, plus value types that check their own form while deserializing, so a bad
//! value fails with the span of the value. `resolve` turns these into `Settings`.

use std::time::Duration;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use url::Url;

/// `config.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    pub data_dir: Option<String>,
    pub seeds: Option<Vec<String>>,
    pub operator: Option<String>,
    pub politeness: Option<RawPoliteness>,
    pub fetch: Option<RawFetch>,
    pub crawl: Option<RawCrawl>,
    pub warc: Option<RawWarc>,
    pub archive: Option<RawArchive>,
    pub feed: Option<super::feed::RawFeed>,
    pub storage: Option<RawStorage>,
    pub portal: Option<Vec<RawPortal>>,
}

/// A seed file: nothing but `[[portal]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSeedFile {
    pub portal: Option<Vec<RawPortal>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPoliteness {
    pub user_agent: Option<ContactUserAgent>,
    pub per_host_interval: Option<HumanDuration>,
    pub per_host_concurrency: Option<usize>,
    pub per_ip_concurrency: Option<usize>,
    pub max_concurrency: Option<usize>,
    pub respect_robots: Option<bool>,
    pub max_retry_after: Option<HumanDuration>,
    pub host_failure_limit: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFetch {
    pub timeout: Option<HumanDuration>,
    pub connect_timeout: Option<HumanDuration>,
    pub read_timeout: Option<HumanDuration>,
    pub min_rate: Option<ByteSize>,
    pub max_body_bytes: Option<ByteSize>,
    pub max_retries: Option<u32>,
    pub retry_base: Option<HumanDuration>,
    pub max_redirects: Option<u32>,
    pub tls_verify: Option<bool>,
    pub extra_ca_file: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCrawl {
    pub known_pages_before_stop: Option<u32>,
    pub max_list_pages: Option<u32>,
    pub revisit_after: Option<HumanDuration>,
    pub failed_retry_first: Option<HumanDuration>,
    pub failed_retry_max: Option<HumanDuration>,
    pub gone_after_failures: Option<u32>,
    pub gone_after_span: Option<HumanDuration>,
    pub gone_after_not_found: Option<u32>,
    pub sweep_every: Option<SweepEvery>,
    pub text_time_limit: Option<HumanDuration>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWarc {
    pub enabled: Option<bool>,
    pub max_file_bytes: Option<ByteSize>,
}

/// `[archive]`: how raw bodies are kept in data_dir.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawArchive {
    pub compress: Option<String>,
    pub sync: Option<String>,
}

/// `[storage]`: where raw bodies, text and WARC files go besides data_dir.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStorage {
    pub url: Option<String>,
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub allow_http: Option<bool>,
    pub timeout: Option<HumanDuration>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPortal {
    pub name: Option<String>,
    pub url: Option<HttpUrl>,
    pub per_host_interval: Option<HumanDuration>,
    pub verified: Option<bool>,
    pub list_api: Option<String>,
    pub only_report_titles: Option<bool>,
    /// Hosts beside the section's own site whose pages its lists take as items.
    pub item_hosts: Option<Vec<String>>,
    pub tls_verify: Option<bool>,
}

/// The expected forms, worded once so the serde errors and the later checks say the same thing.
pub(super) const DURATION_FORM: &str = "a duration such as \"2s\" or \"500ms\"";
pub(super) const URL_FORM: &str = "an http:// or https:// URL with a host";
pub(super) const USER_AGENT_FORM: &str =
    "a user agent with a contact URL (http://, https:// or mailto:)";
pub(super) const SIZE_FORM: &str =
    "a number of bytes, or a size such as \"50MB\", \"50MiB\" or \"512KiB\"";

/// The longest duration any key takes. humantime reads up to ~584 billion years, and a deadline
/// that far from now overflows the clock (a panic where a text tool's limit is added to it).
pub(super) const MAX_DURATION: Duration = Duration::from_secs(3_155_760_000); // humantime's "100y"

/// A humantime duration string ("2s", "500ms", "10m"), at most `MAX_DURATION`.
#[derive(Debug, Clone, Copy)]
pub(super) struct HumanDuration(pub Duration);

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DurationVisitor;
        impl Visitor<'_> for DurationVisitor {
            type Value = HumanDuration;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(DURATION_FORM)
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<HumanDuration, E> {
                let d = humantime::parse_duration(text)
                    .map_err(|_| E::custom(format!("expected {DURATION_FORM}, found {text:?}")))?;
                if d > MAX_DURATION {
                    return Err(E::custom(format!(
                        "expected {DURATION_FORM} of at most 100 years, found {text:?}"
                    )));
                }
                Ok(HumanDuration(d))
            }
        }
        deserializer.deserialize_str(DurationVisitor)
    }
}

/// `crawl.sweep_every`: a humantime duration, or `"off"` (also `0` or `"0s"`) for no sweeps.
#[derive(Debug, Clone, Copy)]
pub(super) struct SweepEvery(pub Option<Duration>);

/// The expected form of `crawl.sweep_every`.
pub(super) const SWEEP_FORM: &str = "a duration such as \"30d\", or \"off\"";

impl<'de> Deserialize<'de> for SweepEvery {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SweepVisitor;
        impl Visitor<'_> for SweepVisitor {
            type Value = SweepEvery;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(SWEEP_FORM)
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<SweepEvery, E> {
                match n {
                    0 => Ok(SweepEvery(None)),
                    _ => Err(E::custom(format!(
                        "expected {SWEEP_FORM} (a number other than 0 has no unit), found {n}"
                    ))),
                }
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<SweepEvery, E> {
                match u64::try_from(n) {
                    Ok(n) => self.visit_u64(n),
                    Err(_) => Err(E::custom(format!("expected {SWEEP_FORM}, found {n}"))),
                }
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<SweepEvery, E> {
                if text.trim().eq_ignore_ascii_case("off") {
                    return Ok(SweepEvery(None));
                }
                let d = humantime::parse_duration(text)
                    .map_err(|_| E::custom(format!("expected {SWEEP_FORM}, found {text:?}")))?;
                // The same bound as every other duration key (README, "Configuration").
                if d > MAX_DURATION {
                    return Err(E::custom(format!(
                        "expected a duration such as \"30d\" of at most 100 years, or \"off\", found {text:?}"
                    )));
                }
                Ok(SweepEvery(Some(d).filter(|d| !d.is_zero())))
            }
        }
        deserializer.deserialize_any(SweepVisitor)
    }
}

/// A number of bytes: a whole number, or a number with a unit. `KB`, `MB`, `GB`, `TB` are powers
/// of 1000; `KiB`, `MiB`, `GiB`, `TiB`, and `K`, `M`, `G`, `T` alone (as nginx and systemd read
/// them), powers of 1024; case does not matter, a space may stand before the unit.
#[derive(Debug, Clone, Copy)]
pub(super) struct ByteSize(pub u64);

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SizeVisitor;
        impl Visitor<'_> for SizeVisitor {
            type Value = ByteSize;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(SIZE_FORM)
            }
            fn visit_u64<E: de::Error>(self, bytes: u64) -> Result<ByteSize, E> {
                Ok(ByteSize(bytes))
            }
            fn visit_i64<E: de::Error>(self, bytes: i64) -> Result<ByteSize, E> {
                u64::try_from(bytes)
                    .map(ByteSize)
                    .map_err(|_| E::custom(format!("expected {SIZE_FORM}, found {bytes}")))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<ByteSize, E> {
                parse_size(text).map(ByteSize).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(SizeVisitor)
    }
}

fn parse_size(text: &str) -> Result<u64, String> {
    let refused = |why: &str| format!("expected {SIZE_FORM}, found {text:?}{why}");
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let multiplier: u64 = match unit.trim_start().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "t" | "tib" => 1 << 40,
        _ => return Err(refused("")),
    };
    if let Ok(whole) = number.parse::<u64>() {
        return whole
            .checked_mul(multiplier)
            .ok_or_else(|| refused(" (too large)"));
    }
    // A fraction of a unit ("1.5GB"); rounded down to whole bytes.
    let fraction: f64 = number
        .parse()
        .ok()
        .filter(|f: &f64| f.is_finite())
        .ok_or_else(|| refused(""))?;
    let bytes = fraction * multiplier as f64;
    if bytes >= u64::MAX as f64 {
        return Err(refused(" (too large)"));
    }
    Ok(bytes as u64)
}

/// An absolute http(s) URL with a host: the only kind a portal section can be fetched from.
#[derive(Debug, Clone)]
pub(super) struct HttpUrl(pub Url);

impl<'de> Deserialize<'de> for HttpUrl {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct UrlVisitor;
        impl Visitor<'_> for UrlVisitor {
            type Value = HttpUrl;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(URL_FORM)
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<HttpUrl, E> {
                parse_http_url(text).map(HttpUrl).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(UrlVisitor)
    }
}

/// `text` without what may be a user name and password (the authority up to its last `@`), for
/// an error on a URL that does not parse (`http://ops:s3cret@host:99999/`).
pub(super) fn without_userinfo(text: &str) -> String {
    let Some((scheme, rest)) = text.split_once("://") else {
        return text.to_string();
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    match authority.rfind('@') {
        Some(at) => format!("{scheme}://…@{}", rest.get(at + 1..).unwrap_or_default()),
        None => text.to_string(),
    }
}

fn parse_http_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|e| {
        let shown = without_userinfo(text);
        format!("expected {URL_FORM}, found {shown:?} ({e})")
    })?;
    // Never sent (requests carry no userinfo), so it could only leak: into the crawl summary,
    // logs and run reports. Neither the text nor the name is repeated here.
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "expected {URL_FORM} and no user name or password (nianbao never sends them), \
             found one for {}",
            url.host_str().unwrap_or_default()
        ));
    }
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "expected {URL_FORM}, found scheme `{}` in {text:?}",
            url.scheme()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("expected {URL_FORM}, found no host in {text:?}"));
    }
    // Nothing listens there: the portal would come out unreachable every night.
    if url.port() == Some(0) {
        return Err(format!(
            "expected {URL_FORM} and a port from 1 to 65535, found port 0 in {text:?}"
        ));
    }
    Ok(url)
}

/// A User-Agent that tells site operators how to reach whoever runs the crawler.
#[derive(Debug, Clone)]
pub(super) struct ContactUserAgent(pub String);

impl<'de> Deserialize<'de> for ContactUserAgent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AgentVisitor;
        impl Visitor<'_> for AgentVisitor {
            type Value = ContactUserAgent;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(USER_AGENT_FORM)
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<ContactUserAgent, E> {
                if has_contact(text) {
                    Ok(ContactUserAgent(text.trim().to_owned()))
                } else {
                    Err(E::custom(format!(
                        "expected {USER_AGENT_FORM}, found {text:?}"
                    )))
                }
            }
        }
        deserializer.deserialize_str(AgentVisitor)
    }
}

/// Portal operators block crawlers they cannot identify; a contact URL is the least we owe them.
pub(super) fn has_contact(user_agent: &str) -> bool {
    ["http://", "https://", "mailto:"]
        .iter()
        .any(|scheme| user_agent.contains(scheme))
        // Control characters would be rejected by the HTTP client at the first request.
        && !user_agent.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_url_accepts_only_absolute_http_with_host() {
        let cases = [
            ("http://www.xjats.gov.cn/zwgk/", Ok("www.xjats.gov.cn")),
            (
                "https://www.qz.gov.cn/col/col1229055848/index.html",
                Ok("www.qz.gov.cn"),
            ),
            ("ftp://www.xjats.gov.cn/", Err("scheme `ftp`")),
            ("www.xjats.gov.cn/zwgk/", Err("relative URL without a base")),
            ("http://", Err("empty host")),
            ("mailto:a@b.cn", Err("scheme `mailto`")),
        ];
        for (input, expected) in cases {
            match (parse_http_url(input), expected) {
                (Ok(url), Ok(host)) => assert_eq!(url.host_str(), Some(host), "{input}"),
                (Err(message), Err(part)) => {
                    assert!(message.contains(part), "{input}: {message}");
                    assert!(message.starts_with("expected an http://"), "{message}");
                }
                (got, want) => panic!("{input}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn sizes_with_and_without_units() {
        let cases = [
            ("52428800", Some(52_428_800)),
            ("50MB", Some(50_000_000)),
            ("50 MiB", Some(50 << 20)),
            ("50m", Some(50 << 20)),
            ("512KiB", Some(512 << 10)),
            ("16 kb", Some(16_000)),
            ("1.5GB", Some(1_500_000_000)),
            ("1.5 GiB", Some(3 << 29)),
            ("1TB", Some(1_000_000_000_000)),
            (" 2048 B ", Some(2048)),
            ("50 megs", None),
            ("MB", None),
            ("1.2.3MB", None),
            ("-5MB", None),
            ("99999999999TB", None),
            ("", None),
        ];
        for (text, bytes) in cases {
            match (parse_size(text), bytes) {
                (Ok(got), Some(want)) => assert_eq!(got, want, "{text:?}"),
                (Err(message), None) => {
                    assert!(
                        message.starts_with("expected a number of bytes"),
                        "{message}"
                    );
                    assert!(message.contains(&format!("{text:?}")), "{message}");
                }
                (got, want) => panic!("{text:?}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn user_agent_needs_a_contact() {
        let cases = [
            ("nianbao/0.1 (+https://example.org/nianbao)", true),
            ("nianbao/0.1 (+http://example.org)", true),
            ("nianbao/0.1 (mailto:ops@example.org)", true),
            ("nianbao/0.1", false),
            ("nianbao/0.1 (example.org)", false),
            ("nianbao/0.1 (+https://example.org)\r\nX-Evil: 1", false),
        ];
        for (agent, ok) in cases {
            assert_eq!(has_contact(agent), ok, "{agent:?}");
        }
    }
}
