//! Pace of a host's work: how many workers drain one host's queue (one more than the requests it
//! may have in flight, so that reading a page never holds up the host's next request), and the
//! tests' knob that makes reading slow to prove it.

use std::time::Duration;

/// Workers per host beyond `per_host_concurrency`. A worker fetches a page and then reads and
/// archives it; the host's permits (`gate::Host`) keep requests in flight at the configured
/// concurrency, so a spare worker can only wait: for a permit, then for the gap. While another
/// worker reads its page, the spare one's request starts the moment the gap ends, instead of
/// after the reading (issue 10: with one worker, a host whose pages took longer to read than its
/// gap saw every gap stretched to the reading's length; tests/politeness_pipeline.rs).
pub(super) const SPARE_WORKERS: usize = 1;

/// The most workers one host's queue gets.
pub(super) fn workers_per_host(per_host_concurrency: usize) -> usize {
    per_host_concurrency.max(1) + SPARE_WORKERS
}

/// Test-only knob: milliseconds by which every page's reading is made longer (a wait before the
/// page goes to the CPU pool), so that tests can show a slow reader does not hold up its host's
/// next request. Read only by debug builds (release builds compile the check out), capped at
/// [`PAGE_DELAY_MAX`], and logged when set. Never set it outside a test.
#[doc(hidden)]
pub const PAGE_DELAY_ENV: &str = "NIANBAO_TEST_ONLY_PAGE_DELAY_MS";
#[doc(hidden)]
pub const PAGE_DELAY_MAX: Duration = Duration::from_secs(5);

pub(super) fn page_delay_requested() -> Duration {
    #[cfg(debug_assertions)]
    {
        let ms = std::env::var(PAGE_DELAY_ENV)
            .ok()
            .and_then(|v| v.parse::<u64>().ok());
        let delay = ms.map_or(Duration::ZERO, |ms| {
            Duration::from_millis(ms).min(PAGE_DELAY_MAX)
        });
        if !delay.is_zero() {
            tracing::warn!(
                "{PAGE_DELAY_ENV} is set: every page's reading takes {delay:?} longer (tests only)"
            );
        }
        delay
    }
    #[cfg(not(debug_assertions))]
    {
        Duration::ZERO
    }
}
