//! Resolves the raw tables of one file into settings: fills defaults from the `DEFAULT_*`
//! constants and checks the ranges serde cannot (positive gaps, at least one permit, a body cap
//! worth having). Forms (duration, URL, user agent) were already checked while deserializing.

use std::path::Path;
use std::time::Duration;

use super::diagnose::{KeyPath, Source};
use super::raw::{
    DURATION_FORM, HumanDuration, RawArchive, RawCrawl, RawFetch, RawPoliteness, RawWarc,
};
use super::*;
use crate::archive::Compression;
use crate::store::FailurePolicy;

mod portal;
mod storage;

pub(super) use portal::portals;
pub(super) use storage::storage;

pub(super) fn politeness(
    raw: Option<RawPoliteness>,
    source: &Source<'_>,
) -> Result<Politeness, ConfigError> {
    let table = KeyPath::root().key("politeness");
    let Some(raw) = raw else {
        return Ok(Politeness::default());
    };
    let per_host_concurrency = permits(
        raw.per_host_concurrency,
        DEFAULT_PER_HOST_CONCURRENCY,
        1,
        &table.key("per_host_concurrency"),
        source,
    )?;
    let max_concurrency = permits(
        raw.max_concurrency,
        DEFAULT_MAX_CONCURRENCY,
        1,
        &table.key("max_concurrency"),
        source,
    )?;
    // A host permit is taken before the global one is needed; more host permits than global
    // ones could never be used and usually means the two keys were swapped.
    if per_host_concurrency > max_concurrency {
        return Err(source.at_key(
            &table.key("per_host_concurrency"),
            format!(
                "expected a number no larger than politeness.max_concurrency \
                 ({max_concurrency}), found {per_host_concurrency}"
            ),
        ));
    }
    Ok(Politeness {
        user_agent: raw
            .user_agent
            .map_or_else(|| DEFAULT_USER_AGENT.to_owned(), |ua| ua.0),
        per_host_interval: gap(
            raw.per_host_interval,
            &table.key("per_host_interval"),
            source,
        )?,
        per_host_concurrency,
        // Zero is allowed here: it turns the per-server cap off.
        per_ip_concurrency: permits(
            raw.per_ip_concurrency,
            DEFAULT_PER_IP_CONCURRENCY,
            0,
            &table.key("per_ip_concurrency"),
            source,
        )?,
        max_concurrency,
        respect_robots: raw.respect_robots.unwrap_or(DEFAULT_RESPECT_ROBOTS),
        max_retry_after: positive(
            raw.max_retry_after,
            DEFAULT_MAX_RETRY_AFTER,
            &table.key("max_retry_after"),
            source,
        )?,
        host_failure_limit: at_least(
            raw.host_failure_limit,
            DEFAULT_HOST_FAILURE_LIMIT,
            1,
            &table.key("host_failure_limit"),
            source,
        )?,
    })
}

pub(super) fn fetch(
    raw: Option<RawFetch>,
    config_dir: &Path,
    source: &Source<'_>,
) -> Result<FetchSettings, ConfigError> {
    let table = KeyPath::root().key("fetch");
    let Some(raw) = raw else {
        return Ok(FetchSettings::default());
    };
    Ok(FetchSettings {
        timeout: positive(raw.timeout, DEFAULT_TIMEOUT, &table.key("timeout"), source)?,
        connect_timeout: positive(
            raw.connect_timeout,
            DEFAULT_CONNECT_TIMEOUT,
            &table.key("connect_timeout"),
            source,
        )?,
        read_timeout: positive(
            raw.read_timeout,
            DEFAULT_READ_TIMEOUT,
            &table.key("read_timeout"),
            source,
        )?,
        min_rate: size_at_least(
            raw.min_rate,
            DEFAULT_MIN_RATE,
            MIN_MIN_RATE,
            &table.key("min_rate"),
            source,
        )?,
        max_body_bytes: size_at_least(
            raw.max_body_bytes,
            DEFAULT_MAX_BODY_BYTES,
            MIN_MAX_BODY_BYTES,
            &table.key("max_body_bytes"),
            source,
        )?,
        max_retries: at_most(
            raw.max_retries,
            DEFAULT_MAX_RETRIES,
            MAX_MAX_RETRIES,
            &table.key("max_retries"),
            source,
        )?,
        retry_base: positive(
            raw.retry_base,
            DEFAULT_RETRY_BASE,
            &table.key("retry_base"),
            source,
        )?,
        max_redirects: raw.max_redirects.unwrap_or(DEFAULT_MAX_REDIRECTS),
        tls_verify: raw.tls_verify.unwrap_or(true),
        extra_ca_file: match raw.extra_ca_file {
            None => None,
            Some(written) if written.trim().is_empty() => {
                return Err(source.at_key(
                    &table.key("extra_ca_file"),
                    "expected the path of a PEM file of CA certificates, found \"\"",
                ));
            }
            Some(written) => Some(config_dir.join(written)),
        },
    })
}

pub(super) fn crawl(
    raw: Option<RawCrawl>,
    source: &Source<'_>,
) -> Result<CrawlSettings, ConfigError> {
    let table = KeyPath::root().key("crawl");
    let Some(raw) = raw else {
        return Ok(CrawlSettings::default());
    };
    Ok(CrawlSettings {
        known_pages_before_stop: at_least(
            raw.known_pages_before_stop,
            DEFAULT_KNOWN_PAGES_BEFORE_STOP,
            1,
            &table.key("known_pages_before_stop"),
            source,
        )?,
        max_list_pages: at_least(
            raw.max_list_pages,
            DEFAULT_MAX_LIST_PAGES,
            1,
            &table.key("max_list_pages"),
            source,
        )?,
        // Zero is allowed here: it means "revisit every time".
        revisit_after: raw
            .revisit_after
            .map(|HumanDuration(d)| d)
            .unwrap_or(DEFAULT_REVISIT_AFTER),
        sweep_every: raw
            .sweep_every
            .map_or(Some(DEFAULT_SWEEP_EVERY), |every| every.0),
        failures: failure_policy(&raw, &table, source)?,
        text_time_limit: match raw.text_time_limit {
            Some(HumanDuration(d)) if d.is_zero() => {
                return Err(source.at_key(
                    &table.key("text_time_limit"),
                    "expected a duration of at least 1s, found 0".to_string(),
                ));
            }
            Some(HumanDuration(d)) => d,
            None => crate::text::TOOL_TIME_LIMIT,
        },
    })
}

/// The `[crawl]` keys of the failure policy. Zero waits are allowed (retry at every run).
fn failure_policy(
    raw: &RawCrawl,
    table: &KeyPath,
    source: &Source<'_>,
) -> Result<FailurePolicy, ConfigError> {
    let d = FailurePolicy::default();
    let duration = |v: &Option<HumanDuration>, default| v.as_ref().map(|h| h.0).unwrap_or(default);
    let (retry_first, retry_max) = (
        duration(&raw.failed_retry_first, d.retry_first),
        duration(&raw.failed_retry_max, d.retry_max),
    );
    if retry_first > retry_max {
        let key = if raw.failed_retry_max.is_some() {
            "failed_retry_max"
        } else {
            "failed_retry_first"
        };
        return Err(source.at_key(
            &table.key(key),
            format!(
                "expected failed_retry_first ({}) no longer than failed_retry_max ({}): the first wait doubles up to the longest",
                humantime::format_duration(retry_first),
                humantime::format_duration(retry_max)
            ),
        ));
    }
    Ok(FailurePolicy {
        retry_first,
        retry_max,
        gone_after_failures: at_least(
            raw.gone_after_failures,
            d.gone_after_failures,
            1,
            &table.key("gone_after_failures"),
            source,
        )?,
        gone_after_span: duration(&raw.gone_after_span, d.gone_after_span),
        gone_after_not_found: at_least(
            raw.gone_after_not_found,
            d.gone_after_not_found,
            1,
            &table.key("gone_after_not_found"),
            source,
        )?,
    })
}

pub(super) fn warc(raw: Option<RawWarc>, source: &Source<'_>) -> Result<WarcConfig, ConfigError> {
    let table = KeyPath::root().key("warc");
    let Some(raw) = raw else {
        return Ok(WarcConfig::default());
    };
    Ok(WarcConfig {
        enabled: raw.enabled.unwrap_or(DEFAULT_WARC_ENABLED),
        max_file_bytes: size_at_least(
            raw.max_file_bytes,
            DEFAULT_WARC_MAX_FILE_BYTES,
            MIN_WARC_FILE_BYTES,
            &table.key("max_file_bytes"),
            source,
        )?,
    })
}

/// `[archive]`: zstd, and a sync per file, by default.
pub(super) fn archive(
    raw: Option<RawArchive>,
    source: &Source<'_>,
) -> Result<ArchiveSettings, ConfigError> {
    let Some(raw) = raw else {
        return Ok(ArchiveSettings::default());
    };
    let mut settings = ArchiveSettings::default();
    if let Some(name) = raw.compress {
        settings.compress = named(&name, Compression::from_name, Compression::NAMES)
            .map_err(|e| source.at_key(&KeyPath::root().key("archive").key("compress"), e))?;
    }
    if let Some(name) = raw.sync {
        settings.sync = named(&name, SyncMode::from_name, SyncMode::NAMES)
            .map_err(|e| source.at_key(&KeyPath::root().key("archive").key("sync"), e))?;
    }
    Ok(settings)
}

/// The value a name stands for among `names`, or what to say of a name that is none of them.
fn named<T>(name: &str, from_name: fn(&str) -> Option<T>, names: &[&str]) -> Result<T, String> {
    from_name(name.trim()).ok_or_else(|| {
        format!(
            "expected one of {}, found {name:?}",
            names
                .iter()
                .map(|n| format!("\"{n}\""))
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// `data_dir` as written, resolved against the config file's folder (not the working directory),
/// so `nianbao -c /etc/nianbao/config.toml` finds the same archive from anywhere.
pub(super) fn data_dir(
    raw: Option<String>,
    config_dir: &Path,
    source: &Source<'_>,
) -> Result<std::path::PathBuf, ConfigError> {
    let written = raw.unwrap_or_else(|| DEFAULT_DATA_DIR.to_owned());
    if written.trim().is_empty() {
        return Err(source.at_key(
            &KeyPath::root().key("data_dir"),
            "expected a folder path such as \"data\", found \"\"",
        ));
    }
    // No shell reads the file: "~/archive" would be a folder named `~` beside the config.
    if written.trim_start().starts_with('~') {
        return Err(source.at_key(
            &KeyPath::root().key("data_dir"),
            format!(
                "expected a folder path such as \"data\" or \"/srv/nianbao/data\", found {written:?}: \
                 `~` is not expanded here; write the home folder out"
            ),
        ));
    }
    let path = config_dir.join(written);
    if path.exists() && !path.is_dir() {
        return Err(source.at_key(
            &KeyPath::root().key("data_dir"),
            format!("expected a folder, found a file: {}", path.display()),
        ));
    }
    Ok(path)
}

fn missing(source: &Source<'_>, table: &KeyPath, key: &str) -> ConfigError {
    source.at_key(table, format!("missing key `{key}`, which is required"))
}

fn positive(
    value: Option<HumanDuration>,
    default: Duration,
    key: &KeyPath,
    source: &Source<'_>,
) -> Result<Duration, ConfigError> {
    match value {
        None => Ok(default),
        Some(HumanDuration(d)) if d.is_zero() => Err(source.at_key(
            key,
            format!("expected {DURATION_FORM} greater than zero, found a zero duration"),
        )),
        Some(HumanDuration(d)) => Ok(d),
    }
}

/// Longest gap between two requests to one host: longer ones are typing slips (`"1M"` is a
/// month; a minute is `"1m"`) that would leave a crawl waiting silently.
pub const MAX_PER_HOST_INTERVAL: Duration = Duration::from_secs(3600);
/// Most retries of one request.
pub const MAX_MAX_RETRIES: u32 = 10;

/// A per-host gap: positive and at most `MAX_PER_HOST_INTERVAL`.
pub(super) fn gap(
    value: Option<HumanDuration>,
    key: &KeyPath,
    source: &Source<'_>,
) -> Result<Duration, ConfigError> {
    let d = positive(value, DEFAULT_PER_HOST_INTERVAL, key, source)?;
    if d > MAX_PER_HOST_INTERVAL {
        return Err(source.at_key(
            key,
            format!(
                "expected {DURATION_FORM} of at most an hour, found {} (a minute is \"1m\"; \"1M\" is a month)",
                humantime::format_duration(d)
            ),
        ));
    }
    Ok(d)
}

fn at_least<T>(
    value: Option<T>,
    default: T,
    min: T,
    key: &KeyPath,
    source: &Source<'_>,
) -> Result<T, ConfigError>
where
    T: PartialOrd + std::fmt::Display + Copy,
{
    bounded(value, default, key, source, |v| {
        (v < min).then(|| format!("expected a whole number of {min} or more, found {v}"))
    })
}

/// Most requests in flight any concurrency key may ask for. Far more than one process has sockets
/// for; a larger number is a slip, and one past the async semaphore's limit (2^61) aborted the
/// crawl at its start.
pub const MAX_IN_FLIGHT: usize = 100_000;

/// A concurrency key: a whole number from `min` to `MAX_IN_FLIGHT`.
fn permits(
    value: Option<usize>,
    default: usize,
    min: usize,
    key: &KeyPath,
    source: &Source<'_>,
) -> Result<usize, ConfigError> {
    bounded(value, default, key, source, |v| {
        if v < min {
            Some(format!(
                "expected a whole number of {min} or more, found {v}"
            ))
        } else if v > MAX_IN_FLIGHT {
            Some(format!(
                "expected a whole number of at most {MAX_IN_FLIGHT}, found {v}"
            ))
        } else {
            None
        }
    })
}

/// A size key (`max_body_bytes`, written as bytes or with a unit) of at least `min` bytes.
fn size_at_least(
    value: Option<super::raw::ByteSize>,
    default: u64,
    min: u64,
    key: &KeyPath,
    source: &Source<'_>,
) -> Result<u64, ConfigError> {
    bounded(value.map(|size| size.0), default, key, source, |v| {
        (v < min).then(|| format!("expected a size of {min} bytes or more, found {v} bytes"))
    })
}

fn at_most<T>(
    value: Option<T>,
    default: T,
    max: T,
    key: &KeyPath,
    source: &Source<'_>,
) -> Result<T, ConfigError>
where
    T: PartialOrd + std::fmt::Display + Copy,
{
    bounded(value, default, key, source, |v| {
        (v > max).then(|| format!("expected a whole number of at most {max}, found {v}"))
    })
}

/// `value` (or `default` when absent), unless `refuse` says what is wrong with it.
fn bounded<T: Copy>(
    value: Option<T>,
    default: T,
    key: &KeyPath,
    source: &Source<'_>,
    refuse: impl Fn(T) -> Option<String>,
) -> Result<T, ConfigError> {
    match value {
        Some(v) => match refuse(v) {
            Some(message) => Err(source.at_key(key, message)),
            None => Ok(v),
        },
        None => Ok(default),
    }
}
