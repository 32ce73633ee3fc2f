//! Fuzz target of the config's duration keys (`tests/fuzz.rs` runs it): any string at any of
//! them loads as the duration humantime reads, at most 100 years, or is an error naming the
//! config file, the key and its line; never a panic, never a duration past the clock's reach.

use std::time::Duration;

use nianbao::config::{self, ConfigError, Overrides, Settings};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use super::{DEFAULT_CASES, run};

/// The longest duration a key may hold (`config::raw::MAX_DURATION`).
const HUNDRED_YEARS: Duration = Duration::from_secs(3_155_760_000);

/// Every duration key: its table, its name, and how to read it back from the settings.
type Read = fn(&Settings) -> Duration;
const KEYS: &[(&str, &str, Read)] = &[
    ("politeness", "per_host_interval", |s| {
        s.politeness.per_host_interval
    }),
    ("politeness", "max_retry_after", |s| {
        s.politeness.max_retry_after
    }),
    ("fetch", "timeout", |s| s.fetch.timeout),
    ("fetch", "connect_timeout", |s| s.fetch.connect_timeout),
    ("fetch", "read_timeout", |s| s.fetch.read_timeout),
    ("fetch", "retry_base", |s| s.fetch.retry_base),
    ("crawl", "revisit_after", |s| s.crawl.revisit_after),
    ("crawl", "failed_retry_first", |s| {
        s.crawl.failures.retry_first
    }),
    ("crawl", "failed_retry_max", |s| s.crawl.failures.retry_max),
    ("crawl", "gone_after_span", |s| {
        s.crawl.failures.gone_after_span
    }),
    ("crawl", "text_time_limit", |s| s.crawl.text_time_limit),
];

/// Duration-like text: numbers of any size, signs, fractions, units real and not, digits of
/// other scripts, spaces, and plain noise.
fn duration_text() -> impl Strategy<Value = String> {
    let number = prop_oneof![
        (0u64..100_000).prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        "[0-9]{15,40}",
        "-[0-9]{1,12}",
        "[0-9]{1,6}\\.[0-9]{0,6}",
        "[٠-٩０-９१-९]{1,4}",
        Just("三".to_string()),
    ];
    let unit = prop::sample::select(vec![
        "", "s", "ms", "us", "ns", "m", "min", "h", "d", "w", "M", "y", "years", "秒", "ｓ", " s",
    ]);
    let composed = prop::collection::vec((number, unit), 1..4).prop_map(|parts| {
        parts
            .iter()
            .map(|(n, u)| format!("{n}{u}"))
            .collect::<Vec<_>>()
            .join(" ")
    });
    // Spans of years up to the most humantime reads: where the clock's reach ends.
    let years = (
        1u64..600_000_000_000,
        prop::sample::select(vec!["y", "years", "M"]),
    )
        .prop_map(|(n, unit)| format!("{n}{unit}"));
    prop_oneof![4 => composed, 2 => years, 1 => any::<String>(), 1 => "\\PC{0,12}"]
}

fn check((key, text): (usize, String)) -> Result<(), TestCaseError> {
    let (table, name, read) = KEYS[key % KEYS.len()];
    let dir = tempfile::tempdir().expect("scratch dir");
    let file = dir.path().join("config.toml");
    let value = toml::Value::String(text.clone());
    std::fs::write(&file, format!("[{table}]\n{name} = {value}\n")).expect("write config");
    match config::load(&file, &Overrides::default()) {
        Ok(settings) => {
            let parsed = humantime::parse_duration(&text);
            prop_assert!(
                parsed.is_ok(),
                "{name} = {text:?} loaded, humantime refuses it"
            );
            let parsed = parsed.unwrap_or_default();
            prop_assert!(
                parsed <= HUNDRED_YEARS,
                "{name} = {text:?} loaded: {parsed:?}"
            );
            let got = read(&settings);
            prop_assert_eq!(got, parsed, "{} = {:?}", name, text);
        }
        Err(ConfigError::Invalid {
            path,
            location,
            key,
            message,
        }) => {
            prop_assert_eq!(path, file);
            prop_assert_eq!(key, Some(format!("{table}.{name}")), "{}", message);
            prop_assert_eq!(location.map(|l| l.line), Some(2), "{}", message);
            prop_assert!(!message.is_empty());
        }
        Err(other) => prop_assert!(false, "{name} = {text:?}: {other}"),
    }
    Ok(())
}

#[test]
fn fuzz_config_durations() {
    run(
        "config_durations",
        "tests/fuzz-corpus/config-durations.txt",
        DEFAULT_CASES,
        (0..KEYS.len(), duration_text()),
        check,
    );
}
