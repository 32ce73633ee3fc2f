//! The failure policy, as a pure function: from a URL's failure history, the kind of its latest
//! failure and the time, when it is asked again, or that it is `gone` and never asked again by
//! the nightly crawl; and the same for the attachments an archived item lacks. No store, no
//! clock: the caller passes `now`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// First wait before a failed URL is asked again; it doubles with each further failure.
pub const DEFAULT_RETRY_FIRST: Duration = Duration::from_secs(24 * 3600);
/// Longest wait between two attempts.
pub const DEFAULT_RETRY_MAX: Duration = Duration::from_secs(30 * 24 * 3600);
/// A URL that keeps failing is gone after this many failures in a row...
pub const DEFAULT_GONE_AFTER_FAILURES: u32 = 6;
/// ...spread over at least this long.
pub const DEFAULT_GONE_AFTER_SPAN: Duration = Duration::from_secs(30 * 24 * 3600);
/// A URL answered 404 or 410 this many times in a row is gone.
pub const DEFAULT_GONE_AFTER_NOT_FOUND: u32 = 2;
/// A retry is due at a run that starts at most this long before its time, so that a nightly
/// timer whose start wanders (RandomizedDelaySec) still retries it on the intended night.
pub const DUE_SLACK: Duration = Duration::from_secs(6 * 3600);

/// How failures are scheduled (`[crawl]` keys `failed_retry_first`, `failed_retry_max`,
/// `gone_after_failures`, `gone_after_span`, `gone_after_not_found`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailurePolicy {
    pub retry_first: Duration,
    pub retry_max: Duration,
    pub gone_after_failures: u32,
    pub gone_after_span: Duration,
    pub gone_after_not_found: u32,
}

impl Default for FailurePolicy {
    fn default() -> Self {
        FailurePolicy {
            retry_first: DEFAULT_RETRY_FIRST,
            retry_max: DEFAULT_RETRY_MAX,
            gone_after_failures: DEFAULT_GONE_AFTER_FAILURES,
            gone_after_span: DEFAULT_GONE_AFTER_SPAN,
            gone_after_not_found: DEFAULT_GONE_AFTER_NOT_FOUND,
        }
    }
}

/// Where a failed URL stands. Kept in its URL state; the store indexes it by `next_retry_at`
/// (or as gone) so that a run reads only the retries that are due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetrySchedule {
    /// The first failure of the current streak (since the last success or manual retry).
    pub first_failed_at: DateTime<Utc>,
    pub last_failed_at: DateTime<Utc>,
    /// The latest failure's kind: `http_404`, `timeout`, `connect`, `blocked`, `host_paused` …
    pub last_kind: String,
    /// Failures in a row that were `http_404` / `http_410`.
    #[serde(default)]
    pub not_found_streak: u32,
    /// When the nightly crawl asks again (meaningless once gone).
    pub next_retry_at: DateTime<Utc>,
    /// Never asked again by the nightly crawl (see `nianbao failures --retry`).
    pub gone: bool,
}

/// What an item archived without some of its attachments waits for before it is fetched again
/// for their sake. Kept in its URL state. An attachment larger than `max_body_bytes` can come
/// only once the limit is raised above the one it passed; one that failed otherwise (a 404, a
/// timeout, an answer that is no document) is asked for again on the failure policy's schedule,
/// as a failed page is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentWait {
    /// The `max_body_bytes` that attachments were larger than.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oversize_at: Option<u64>,
    /// Fetches in a row of the item in which attachments failed otherwise.
    #[serde(default)]
    pub failures: u32,
    /// When those attachments are asked for again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetrySchedule>,
}

impl AttachmentWait {
    /// Whether a run starting at `now`, with this `max_body_bytes`, fetches the item again
    /// (without validators) for its attachments. A retry set by a clock ahead (further than
    /// `longest`, the policy's `retry_max`, from `now`) is due, as a failed URL's is.
    pub fn is_due(&self, now: DateTime<Utc>, max_body_bytes: u64, longest: Duration) -> bool {
        self.oversize_at.is_some_and(|limit| max_body_bytes > limit)
            || self
                .retry
                .as_ref()
                .is_some_and(|r| r.is_due(now) || r.set_by_a_clock_ahead(now, longest))
    }
}

/// A failure that says the page is not there, rather than that it could not be reached now.
pub fn is_not_found(kind: &str) -> bool {
    matches!(kind, "http_404" | "http_410")
}

/// A failure that says nothing about the page: its host was paused for the run, answered
/// with an anti-bot challenge, or failed its HTTPS certificate or handshake (the operator may
/// yet set the portal's `tls_verify = false`). Retried on the schedule, it never makes a URL gone.
pub fn says_nothing_of_the_page(kind: &str) -> bool {
    matches!(
        kind,
        "host_paused" | "blocked" | "tls_certificate" | "tls_handshake"
    )
}

impl FailurePolicy {
    /// The schedule after one more failure of `kind` at `now`. `failures` counts the streak,
    /// this failure included; `previous` is the schedule before it (None for a first failure).
    pub fn after_failure(
        &self,
        previous: Option<&RetrySchedule>,
        failures: u32,
        kind: &str,
        now: DateTime<Utc>,
    ) -> RetrySchedule {
        let first_failed_at = previous.map(|p| p.first_failed_at).unwrap_or(now).min(now);
        let not_found_streak = if is_not_found(kind) {
            previous.map(|p| p.not_found_streak).unwrap_or(0) + 1
        } else {
            0
        };
        let span = (now - first_failed_at).to_std().unwrap_or_default();
        // Portals answer 404 for a day while a page is republished: answers in a row count
        // only when they are that far apart (a backfill right after a crawl asks again at once).
        let not_found_for_a_while =
            not_found_streak <= 1 || span >= self.retry_first.saturating_sub(DUE_SLACK);
        let gone = !says_nothing_of_the_page(kind)
            && ((not_found_streak > 0
                && not_found_streak >= self.gone_after_not_found
                && not_found_for_a_while)
                || (failures >= self.gone_after_failures && span >= self.gone_after_span));
        RetrySchedule {
            first_failed_at,
            last_failed_at: now,
            last_kind: kind.to_string(),
            not_found_streak,
            next_retry_at: now + to_chrono(self.wait_after(failures)),
            gone,
        }
    }

    /// What an item waits for after a fetch that archived it without some attachments: those
    /// larger than `oversize_at`, and those that failed with the kinds in `failed`. `previous`
    /// is its wait before this fetch. None when nothing is missing.
    pub fn attachments_after(
        &self,
        previous: Option<&AttachmentWait>,
        oversize_at: Option<u64>,
        failed: &[&str],
        now: DateTime<Utc>,
    ) -> Option<AttachmentWait> {
        // One schedule for the item: a 404 makes it gone only when every failed attachment
        // said it is not there.
        let kind = failed.iter().find(|k| !is_not_found(k)).or(failed.first());
        if oversize_at.is_none() && kind.is_none() {
            return None;
        }
        let previous = previous.filter(|p| p.retry.is_some());
        let failures = kind.map_or(0, |_| previous.map_or(0, |p| p.failures) + 1);
        let retry = kind.map(|kind| {
            self.after_failure(previous.and_then(|p| p.retry.as_ref()), failures, kind, now)
        });
        Some(AttachmentWait {
            oversize_at,
            failures,
            retry,
        })
    }

    /// The wait after the `failures`-th failure in a row: first, 2×first, 4×first … capped.
    pub fn wait_after(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(32);
        self.retry_first
            .checked_mul(1u32 << doublings.min(31))
            .unwrap_or(self.retry_max)
            .min(self.retry_max)
    }
}

impl RetrySchedule {
    /// Whether a run starting at `now` asks for the URL.
    pub fn is_due(&self, now: DateTime<Utc>) -> bool {
        !self.gone && self.next_retry_at <= now + to_chrono(DUE_SLACK)
    }
}

impl RetrySchedule {
    /// Whether this retry was set by a clock ahead of the one that reads it now: it waits longer
    /// than `longest` (the policy's `retry_max`) from `now`, which no failure at `now` or before
    /// can set. Such a retry (a clock that ran in 2090 for a night, then was set right) is due
    /// now rather than decades from now.
    pub fn set_by_a_clock_ahead(&self, now: DateTime<Utc>, longest: Duration) -> bool {
        !self.gone && self.next_retry_at > clock_ahead_after(now, longest)
    }
}

/// The instant past which a retry read at `now` can only have been set by a clock ahead of this
/// one, where no wait is longer than `longest` (see `RetrySchedule::set_by_a_clock_ahead`).
pub fn clock_ahead_after(now: DateTime<Utc>, longest: Duration) -> DateTime<Utc> {
    due_horizon(now)
        .checked_add_signed(to_chrono(longest))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

impl RetrySchedule {
    /// The schedule made due at `now` by hand (`nianbao failures --retry`), its streak forgotten.
    pub fn due_now(&self, now: DateTime<Utc>) -> RetrySchedule {
        RetrySchedule {
            first_failed_at: now,
            not_found_streak: 0,
            next_retry_at: now,
            gone: false,
            ..self.clone()
        }
    }
}

/// The latest instant a run starting at `now` treats as due.
pub fn due_horizon(now: DateTime<Utc>) -> DateTime<Utc> {
    now + to_chrono(DUE_SLACK)
}

fn to_chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(days: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_700_000_000, 0).expect("valid instant")
            + chrono::Duration::days(days)
    }

    /// Runs a failure streak of `kinds`, one per day listed, and returns every schedule.
    fn streak(policy: &FailurePolicy, runs: &[(i64, &str)]) -> Vec<RetrySchedule> {
        let mut out: Vec<RetrySchedule> = Vec::new();
        for (n, (day, kind)) in runs.iter().enumerate() {
            let next = policy.after_failure(out.last(), n as u32 + 1, kind, at(*day));
            out.push(next);
        }
        out
    }

    #[test]
    fn transient_waits_double_up_to_the_cap() {
        let p = FailurePolicy::default();
        let days: Vec<u64> = (1..=8).map(|n| p.wait_after(n).as_secs() / 86400).collect();
        assert_eq!(days, vec![1, 2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(p.wait_after(u32::MAX), p.retry_max);
    }

    #[test]
    fn gone_needs_both_the_count_and_the_span() {
        let p = FailurePolicy::default();
        // Six timeouts on the schedule's own days: 0, 1, 3, 7, 15, 31 -> span 31 days: gone.
        let s = streak(
            &p,
            &[
                (0, "timeout"),
                (1, "timeout"),
                (3, "http_503"),
                (7, "connect"),
                (15, "timeout"),
                (31, "timeout"),
            ],
        );
        assert!(s[..5].iter().all(|s| !s.gone));
        assert!(s[5].gone, "{:?}", s[5]);
        assert_eq!(s[5].first_failed_at, at(0));
        // Six failures within one week are not enough: the span rule keeps it scheduled.
        let quick = streak(
            &p,
            &[
                (0, "timeout"),
                (1, "timeout"),
                (2, "timeout"),
                (3, "timeout"),
                (4, "timeout"),
                (5, "timeout"),
            ],
        );
        assert!(!quick[5].gone);
        assert_eq!(quick[5].next_retry_at, at(5) + chrono::Duration::days(30));
        // A paused host, a challenge or a TLS failure says nothing of the page: never gone
        // for it.
        for kind in ["host_paused", "blocked", "tls_certificate", "tls_handshake"] {
            let s = streak(
                &p,
                &[
                    (0, kind),
                    (1, kind),
                    (3, kind),
                    (7, kind),
                    (15, kind),
                    (31, kind),
                    (61, kind),
                ],
            );
            assert!(s.iter().all(|s| !s.gone), "{kind}: {s:?}");
        }
    }

    #[test]
    fn not_found_is_gone_on_the_second_answer_in_a_row() {
        let p = FailurePolicy::default();
        let s = streak(&p, &[(0, "http_404"), (1, "http_410")]);
        assert!(!s[0].gone);
        assert!(s[1].gone);
        // Two 404s moments apart (a backfill right after a crawl) are not yet gone; the same
        // answer the next night is.
        let minutes = |m: i64| at(0) + chrono::Duration::minutes(m);
        let first = p.after_failure(None, 1, "http_404", minutes(0));
        let again = p.after_failure(Some(&first), 2, "http_404", minutes(1));
        assert!(!again.gone, "{again:?}");
        let next_night = p.after_failure(
            Some(&again),
            3,
            "http_404",
            at(1) - chrono::Duration::hours(5),
        );
        assert!(next_night.gone, "{next_night:?}");
        // A 404 between timeouts starts a new not-found streak.
        let s = streak(&p, &[(0, "http_404"), (1, "timeout"), (3, "http_404")]);
        assert!(s.iter().all(|s| !s.gone), "{s:?}");
        // gone_after_not_found = 1: gone at once.
        let once = FailurePolicy {
            gone_after_not_found: 1,
            ..FailurePolicy::default()
        };
        assert!(once.after_failure(None, 1, "http_410", at(0)).gone);
        assert!(!once.after_failure(None, 1, "http_500", at(0)).gone);
    }

    #[test]
    fn missing_attachments_wait_for_the_limit_or_the_schedule() {
        let p = FailurePolicy::default();
        let limit = 1_000_000;
        assert_eq!(p.attachments_after(None, None, &[], at(0)), None);
        // Oversize alone: due only once the limit is raised above the one it passed.
        let big = p
            .attachments_after(None, Some(limit), &[], at(0))
            .expect("a wait");
        assert_eq!((big.failures, big.retry.as_ref()), (0, None));
        assert!(!big.is_due(at(0), limit, p.retry_max));
        assert!(
            !big.is_due(at(400), limit, p.retry_max),
            "time alone never brings it"
        );
        assert!(!big.is_due(at(0), limit / 2, p.retry_max));
        assert!(big.is_due(at(0), limit + 1, p.retry_max));
        // A 404: due on the failure policy's schedule, waits doubling.
        let first = p
            .attachments_after(None, None, &["http_404"], at(0))
            .expect("a wait");
        assert_eq!(first.failures, 1);
        assert!(!first.is_due(at(0), limit, p.retry_max));
        assert!(first.is_due(at(1), limit, p.retry_max));
        let second = p
            .attachments_after(Some(&first), Some(limit), &["timeout"], at(1))
            .expect("a wait");
        assert_eq!(second.failures, 2);
        let retry = second.retry.as_ref().expect("scheduled");
        assert_eq!(retry.next_retry_at, at(3));
        assert_eq!(retry.first_failed_at, at(0));
        assert!(!second.is_due(at(2), limit, p.retry_max));
        assert!(
            second.is_due(at(2), limit + 1, p.retry_max),
            "a raised limit is due at once"
        );
        // A streak that only had oversize attachments before starts at one.
        let after_big = p
            .attachments_after(Some(&big), None, &["timeout"], at(5))
            .expect("a wait");
        assert_eq!(after_big.failures, 1);
        // Not found twice a day apart: gone, never due; a timeout beside it keeps it scheduled.
        let gone = p
            .attachments_after(Some(&first), None, &["http_404"], at(1))
            .expect("a wait");
        assert!(gone.retry.as_ref().is_some_and(|r| r.gone));
        assert!(!gone.is_due(at(100), limit, p.retry_max));
        let mixed = p
            .attachments_after(Some(&first), None, &["http_404", "timeout"], at(1))
            .expect("a wait");
        assert!(mixed.retry.as_ref().is_some_and(|r| !r.gone));
        // Made due by hand.
        let back = gone.retry.as_ref().expect("scheduled").due_now(at(2));
        assert!(back.is_due(at(2)) && back.not_found_streak == 0);
    }

    #[test]
    fn due_allows_the_slack_of_a_wandering_timer() {
        let p = FailurePolicy::default();
        let s = p.after_failure(None, 1, "timeout", at(0));
        assert!(!s.is_due(at(0)));
        assert!(s.is_due(at(1) - chrono::Duration::hours(5)));
        assert!(!s.is_due(at(1) - chrono::Duration::hours(7)));
        let gone = RetrySchedule { gone: true, ..s };
        assert!(!gone.is_due(at(100)));
    }
}
