//! Host gate: the one politeness type per host. A `Host` owns its rate limiter (governor, burst
//! 1), its concurrency permits, its backoff and Retry-After pause, its pause for the rest of the
//! run, and its robots.txt rules. Every request, redirects and retries included, passes `acquire`.
//! A request takes its host's permit, waits for the host's gap, and only then takes a global
//! permit, so a slow or waiting host never holds a global slot.

mod robots;

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use url::Url;

pub use robots::{ROBOTS_MAX_BYTES, RobotsRules};

use crate::config::Politeness;

/// Why a host takes no more requests this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PauseReason {
    /// Too many consecutive failures (timeouts, connection errors, 5xx).
    Failing { failures: u32 },
    /// Anti-bot challenges: the host does not want us now.
    Blocked { challenges: u32 },
    /// The host asked, with Retry-After, for a longer pause than `max_retry_after`.
    RetryAfter { seconds: u64 },
}

impl std::fmt::Display for PauseReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PauseReason::Failing { failures } => {
                write!(f, "paused after {failures} consecutive failures")
            }
            PauseReason::Blocked { challenges } => {
                write!(f, "blocked by anti-bot challenges ({challenges})")
            }
            PauseReason::RetryAfter { seconds } => write!(
                f,
                "paused for the run: Retry-After of {seconds}s exceeds max_retry_after"
            ),
        }
    }
}

/// What a host reported over the run, for the run report and `nianbao status`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HostSummary {
    pub host: String,
    pub requests: u64,
    pub challenges: u32,
    pub retry_after_pauses: u32,
    /// Set when the host was paused for the rest of the run.
    pub paused: Option<String>,
}

struct HostState {
    /// No request starts before this instant (Retry-After, backoff).
    not_before: Option<Instant>,
    last_start: Option<Instant>,
    consecutive_failures: u32,
    challenges: u32,
    requests: u64,
    retry_after_pauses: u32,
    paused: Option<PauseReason>,
}

/// One host's politeness.
pub struct Host {
    key: String,
    interval: Mutex<Duration>,
    limiter: Mutex<Arc<DefaultDirectRateLimiter>>,
    permits: Arc<Semaphore>,
    state: Mutex<HostState>,
    robots: Mutex<HashMap<String, Arc<tokio::sync::OnceCell<RobotsRules>>>>,
}

fn limiter_for(interval: Duration) -> Arc<DefaultDirectRateLimiter> {
    let quota = Quota::with_period(interval.max(Duration::from_millis(1)))
        .expect("the period is at least one millisecond, so the quota is valid")
        .allow_burst(NonZeroU32::MIN);
    Arc::new(RateLimiter::direct(quota))
}

/// Permission to send one request: held until the response body is read.
pub struct Slot {
    _host: OwnedSemaphorePermit,
    _global: OwnedSemaphorePermit,
}

impl Host {
    fn new(key: String, interval: Duration, concurrency: usize) -> Host {
        Host {
            key,
            interval: Mutex::new(interval),
            limiter: Mutex::new(limiter_for(interval)),
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            state: Mutex::new(HostState {
                not_before: None,
                last_start: None,
                consecutive_failures: 0,
                challenges: 0,
                requests: 0,
                retry_after_pauses: 0,
                paused: None,
            }),
            robots: Mutex::new(HashMap::new()),
        }
    }

    pub fn key(&self) -> &str {
        &self.key
    }

    fn state(&self) -> std::sync::MutexGuard<'_, HostState> {
        self.state
            .lock()
            .expect("host state lock is never held across a panic")
    }

    pub fn paused(&self) -> Option<PauseReason> {
        self.state().paused.clone()
    }

    /// Waits until this host may receive a request, then for a global slot.
    pub async fn acquire(&self, global: &Arc<Semaphore>) -> Result<Slot, PauseReason> {
        let host_permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .expect("host semaphores are never closed");
        loop {
            let wait = {
                let state = self.state();
                if let Some(reason) = &state.paused {
                    return Err(reason.clone());
                }
                let interval = *self
                    .interval
                    .lock()
                    .expect("interval lock is never poisoned");
                // The limiter knows nothing of gaps imposed after it was built (Crawl-delay swaps
                // it), so the last start is checked as well.
                let gap_end = state.last_start.map(|t| t + interval);
                [state.not_before, gap_end]
                    .into_iter()
                    .flatten()
                    .max()
                    .filter(|t| *t > Instant::now())
            };
            match wait {
                Some(until) => tokio::time::sleep_until(until).await,
                None => break,
            }
        }
        let limiter = self
            .limiter
            .lock()
            .expect("limiter lock is never poisoned")
            .clone();
        limiter.until_ready().await;
        let global_permit = global
            .clone()
            .acquire_owned()
            .await
            .expect("the global semaphore is never closed");
        {
            let mut state = self.state();
            if let Some(reason) = &state.paused {
                return Err(reason.clone());
            }
            state.last_start = Some(Instant::now());
            state.requests += 1;
        }
        Ok(Slot {
            _host: host_permit,
            _global: global_permit,
        })
    }

    /// Widens the gap between requests (Crawl-delay); never narrows it.
    pub fn widen_interval(&self, interval: Duration) {
        let mut current = self
            .interval
            .lock()
            .expect("interval lock is never poisoned");
        if interval > *current {
            *current = interval;
            *self.limiter.lock().expect("limiter lock is never poisoned") = limiter_for(interval);
        }
    }

    pub fn interval(&self) -> Duration {
        *self
            .interval
            .lock()
            .expect("interval lock is never poisoned")
    }

    /// A request succeeded: the failure streak ends.
    pub fn on_success(&self) {
        self.state().consecutive_failures = 0;
    }

    /// Defers every request to this host until `now + delay` (Retry-After, backoff).
    pub fn defer(&self, delay: Duration, retry_after: bool) {
        let mut state = self.state();
        let until = Instant::now() + delay;
        if state.not_before.is_none_or(|t| t < until) {
            state.not_before = Some(until);
        }
        if retry_after {
            state.retry_after_pauses += 1;
        }
    }

    /// Pauses the host for the rest of the run (a Retry-After longer than the cap is not slept on).
    pub fn pause(&self, reason: PauseReason) {
        let mut state = self.state();
        if let PauseReason::RetryAfter { .. } = reason {
            state.retry_after_pauses += 1;
        }
        if state.paused.is_none() {
            state.paused = Some(reason);
        }
    }

    /// A request failed after its retries; pauses the host when the streak reaches `limit`.
    pub fn on_failure(&self, limit: u32) {
        let mut state = self.state();
        state.consecutive_failures += 1;
        if state.consecutive_failures >= limit && state.paused.is_none() {
            state.paused = Some(PauseReason::Failing {
                failures: state.consecutive_failures,
            });
        }
    }

    /// The host answered with an anti-bot challenge: back off, and stop after `limit` of them.
    pub fn on_challenge(&self, backoff: Duration, limit: u32) {
        self.defer(backoff, false);
        let mut state = self.state();
        state.challenges += 1;
        if state.challenges >= limit && state.paused.is_none() {
            state.paused = Some(PauseReason::Blocked {
                challenges: state.challenges,
            });
        }
    }

    pub fn summary(&self) -> HostSummary {
        let state = self.state();
        HostSummary {
            host: self.key.clone(),
            requests: state.requests,
            challenges: state.challenges,
            retry_after_pauses: state.retry_after_pauses,
            paused: state.paused.as_ref().map(|p| p.to_string()),
        }
    }

    /// The robots.txt cell of one origin (scheme, host and port) of this host.
    pub fn robots_cell(&self, origin: &str) -> Arc<tokio::sync::OnceCell<RobotsRules>> {
        self.robots
            .lock()
            .expect("robots lock is never poisoned")
            .entry(origin.to_string())
            .or_default()
            .clone()
    }
}

/// Every host of a run, plus the global cap.
pub struct HostGate {
    hosts: Mutex<HashMap<String, Arc<Host>>>,
    global: Arc<Semaphore>,
    politeness: Politeness,
    intervals: HashMap<String, Duration>,
}

/// The key a host is gated by: its lower-cased name or address, without port.
pub fn host_key(url: &Url) -> String {
    url.host_str().unwrap_or("").to_ascii_lowercase()
}

impl HostGate {
    /// `intervals` holds per-host overrides of the configured gap (from portal settings).
    pub fn new(politeness: Politeness, intervals: HashMap<String, Duration>) -> HostGate {
        HostGate {
            hosts: Mutex::new(HashMap::new()),
            global: Arc::new(Semaphore::new(politeness.max_concurrency.max(1))),
            politeness,
            intervals,
        }
    }

    pub fn politeness(&self) -> &Politeness {
        &self.politeness
    }

    pub fn global(&self) -> &Arc<Semaphore> {
        &self.global
    }

    pub fn host(&self, url: &Url) -> Arc<Host> {
        let key = host_key(url);
        let mut hosts = self.hosts.lock().expect("hosts lock is never poisoned");
        hosts
            .entry(key.clone())
            .or_insert_with(|| {
                let interval = self
                    .intervals
                    .get(&key)
                    .copied()
                    .unwrap_or(self.politeness.per_host_interval);
                Arc::new(Host::new(
                    key,
                    interval,
                    self.politeness.per_host_concurrency,
                ))
            })
            .clone()
    }

    /// A summary of every host that received a request, sorted by host.
    pub fn summaries(&self) -> Vec<HostSummary> {
        let hosts = self.hosts.lock().expect("hosts lock is never poisoned");
        let mut all: Vec<HostSummary> = hosts.values().map(|h| h.summary()).collect();
        all.sort_by(|a, b| a.host.cmp(&b.host));
        all
    }
}
