//! One host's politeness: its gap between request starts, its concurrency permits, its backoff and
//! Retry-After pause, its pause for the rest of the run, and its robots.txt rules. Every request
//! to the host, redirects and retries included, passes `Host::acquire`.
//!
//! The gap is kept on tokio's clock as a `last_start` instant checked at the moment a request is
//! let through, after every permit is held: a request that passed the gap and then waited for a
//! global or server permit checks it again, so two requests of one host never start closer than
//! the interval, however long they queued.
//!
//! The server sees a request start some time after it was let through (a new connection, a
//! thread descheduled before it writes, a busy server reading late), and that time varies; so
//! `last_start` moves on to the moment the answer's headers arrive (`Host::answered`), by which
//! time the server has certainly seen the request. The next request is let through an interval
//! after that, so the server never sees two starts closer than the interval (issue 10: on a
//! loaded machine nginx logged gaps down to 0.93 s at a 1 s interval when the gap ran from the
//! moment of letting through). It costs each gap the time to the answer's first byte.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::robots::RobotsRules;

/// Why a host takes no more requests this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PauseReason {
    /// Too many consecutive failures (timeouts, connection errors, 5xx).
    Failing { failures: u32 },
    /// Anti-bot challenges: the host does not want us now.
    Blocked { challenges: u32 },
    /// The host asked for a pause (Retry-After) longer than `politeness.max_retry_after`.
    RetryAfter { asked: Duration, cap: Duration },
    /// 403 on this many distinct URLs in a row, with no challenge to tell it from a refusal of
    /// our address (a firewall that blocks it after some requests answers so).
    Refused { refusals: u32 },
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
            PauseReason::RetryAfter { asked, cap } => write!(
                f,
                "paused for the run: Retry-After of {} s is longer than max_retry_after ({} s)",
                asked.as_secs(),
                cap.as_secs()
            ),
            PauseReason::Refused { refusals } => {
                write!(f, "refused: 403 on {refusals} requests in a row")
            }
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
    /// The host's HTTPS certificate or handshake failed in a way that cannot change within the
    /// run: what failed, and the key that lets its portal be archived anyway. Its other URLs
    /// were not asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_failure: Option<String>,
    /// Pages were fetched from the host over HTTPS without verifying its certificate.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tls_unverified: bool,
    /// The host sends its HTTPS chain without its intermediate certificate, which was fetched
    /// from this caIssuers (AIA) address and completed the chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intermediate_fetched: Option<String>,
}

struct HostState {
    interval: Duration,
    /// No request starts before this instant (Retry-After, backoff).
    not_before: Option<Instant>,
    last_start: Option<Instant>,
    consecutive_failures: u32,
    /// The URLs answered 403 since the host last answered anything else.
    refused: std::collections::HashSet<String>,
    challenges: u32,
    requests: u64,
    retry_after_pauses: u32,
    paused: Option<PauseReason>,
    tls_failure: Option<(crate::fetch::FailKind, String)>,
    tls_unverified: bool,
    intermediate_fetched: Option<String>,
}

impl HostState {
    /// The first instant the next request may start; `None` when it may start now.
    fn due(&self, now: Instant) -> Option<Instant> {
        let gap_end = self.last_start.map(|t| t + self.interval);
        [self.not_before, gap_end]
            .into_iter()
            .flatten()
            .max()
            .filter(|t| *t > now)
    }
}

/// Permission to send one request: held until the response body is read.
pub struct Slot {
    host: OwnedSemaphorePermit,
    _server: Option<OwnedSemaphorePermit>,
    _global: OwnedSemaphorePermit,
}

/// A crawl task's claim on one of the pages the run may hold in memory at once, from the moment
/// its first request is let through until the task drops it (its page read and archived). The
/// claim is taken after the host's gap, so a host waiting out its gap holds none, and only once
/// per task: redirect hops, retries and a list's further API pages reuse it, so a task never
/// waits for a claim while holding one and the claims cannot deadlock. Without it every worker
/// could hold a fetched page while the CPU pool works through the backlog (issue 10: some 600
/// pages, 70 MB, on the raw farm).
pub struct PageHold {
    pool: Arc<Semaphore>,
    claim: Mutex<Option<OwnedSemaphorePermit>>,
}

impl PageHold {
    pub fn new(pool: &Arc<Semaphore>) -> PageHold {
        PageHold {
            pool: pool.clone(),
            claim: Mutex::new(None),
        }
    }

    fn claim(&self) -> std::sync::MutexGuard<'_, Option<OwnedSemaphorePermit>> {
        self.claim
            .lock()
            .expect("a page hold's lock is never held across a panic")
    }

    /// Takes the claim unless it is held already; true when this call took it.
    async fn take(&self) -> bool {
        if self.claim().is_some() {
            return false;
        }
        let permit = self
            .pool
            .clone()
            .acquire_owned()
            .await
            .expect("the page pool's semaphore is never closed");
        *self.claim() = Some(permit);
        true
    }

    fn give_back(&self) {
        self.claim().take();
    }
}

/// The host's permit of a request that will be retried: its server and global permits are given
/// back, and `Host::retry` lets the retry through without another request of the host taking
/// its turn (a retried URL goes before the host's queue, and a host paused by the failure never
/// sees the queued request).
pub struct RetryTurn(OwnedSemaphorePermit);

impl Slot {
    /// Gives back the server and global permits and keeps the host's, for a retry.
    pub fn into_retry(self) -> RetryTurn {
        RetryTurn(self.host)
    }
}

/// One host's politeness.
pub struct Host {
    key: String,
    permits: Arc<Semaphore>,
    state: Mutex<HostState>,
    robots: Mutex<HashMap<String, Arc<tokio::sync::OnceCell<RobotsRules>>>>,
    /// The deliberately broken gate of the tests (see `gate::BROKEN_GATE_ENV`): no waits at all.
    ignore_waits: bool,
}

impl Host {
    pub(super) fn new(
        key: String,
        interval: Duration,
        concurrency: usize,
        ignore_waits: bool,
    ) -> Host {
        Host {
            key,
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            state: Mutex::new(HostState {
                interval,
                not_before: None,
                last_start: None,
                consecutive_failures: 0,
                refused: std::collections::HashSet::new(),
                challenges: 0,
                requests: 0,
                retry_after_pauses: 0,
                tls_failure: None,
                tls_unverified: false,
                intermediate_fetched: None,
                paused: None,
            }),
            robots: Mutex::new(HashMap::new()),
            ignore_waits,
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

    /// Waits until this host may receive a request. Order: the host's permit, the host's gap,
    /// then the server's permit (`server`, shared by every host name on one address) and a
    /// global permit, so a host that is waiting out its gap holds neither. Once every permit is
    /// held the gap is checked again and the start recorded under one lock: if the gap moved
    /// meanwhile (another request of this host started, Retry-After arrived, Crawl-delay widened
    /// it), the server and global permits are given back and the wait starts over.
    pub async fn acquire(
        &self,
        global: &Arc<Semaphore>,
        server: Option<&Arc<Semaphore>>,
        hold: Option<&PageHold>,
    ) -> Result<Slot, PauseReason> {
        let host_permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .expect("host semaphores are never closed");
        self.admit(host_permit, global, server, hold).await
    }

    /// Waits like `acquire` for a retry that kept its host permit.
    pub async fn retry(
        &self,
        turn: RetryTurn,
        global: &Arc<Semaphore>,
        server: Option<&Arc<Semaphore>>,
        hold: Option<&PageHold>,
    ) -> Result<Slot, PauseReason> {
        self.admit(turn.0, global, server, hold).await
    }

    /// With the host's permit held: the gap, then the task's page claim (`hold`), the server's
    /// and a global permit, then the gap checked again and the start recorded (see `acquire`).
    async fn admit(
        &self,
        host_permit: OwnedSemaphorePermit,
        global: &Arc<Semaphore>,
        server: Option<&Arc<Semaphore>>,
        hold: Option<&PageHold>,
    ) -> Result<Slot, PauseReason> {
        loop {
            loop {
                let wait = {
                    let state = self.state();
                    if let Some(reason) = &state.paused {
                        return Err(reason.clone());
                    }
                    self.due(&state)
                };
                match wait {
                    Some(until) => tokio::time::sleep_until(until).await,
                    None => break,
                }
            }
            let claimed = match hold {
                Some(hold) => hold.take().await,
                None => false,
            };
            let server_permit = match server {
                Some(server) => Some(
                    server
                        .clone()
                        .acquire_owned()
                        .await
                        .expect("server semaphores are never closed"),
                ),
                None => None,
            };
            let global_permit = global
                .clone()
                .acquire_owned()
                .await
                .expect("the global semaphore is never closed");
            let mut state = self.state();
            if let Some(reason) = &state.paused {
                return Err(reason.clone());
            }
            if self.due(&state).is_some() {
                // Permits drop here, before the next wait, and a claim taken for this request
                // goes back: a host waiting out its gap holds no page.
                if claimed && let Some(hold) = hold {
                    hold.give_back();
                }
                continue;
            }
            state.last_start = Some(Instant::now());
            state.requests += 1;
            return Ok(Slot {
                host: host_permit,
                _server: server_permit,
                _global: global_permit,
            });
        }
    }

    /// The answer to a request let through by `acquire` began to arrive (or the exchange failed):
    /// the server has seen the request by now, so the gap runs from now at the earliest.
    pub fn answered(&self) {
        let now = Instant::now();
        let mut state = self.state();
        if state.last_start.is_some_and(|t| t < now) {
            state.last_start = Some(now);
        }
    }

    fn due(&self, state: &HostState) -> Option<Instant> {
        if self.ignore_waits {
            return None;
        }
        state.due(Instant::now())
    }

    /// Widens the gap between requests (Crawl-delay); never narrows it.
    pub fn widen_interval(&self, interval: Duration) {
        let mut state = self.state();
        if interval > state.interval {
            state.interval = interval;
        }
    }

    pub fn interval(&self) -> Duration {
        self.state().interval
    }

    /// A request succeeded: the failure streak ends.
    pub fn on_success(&self) {
        self.state().consecutive_failures = 0;
    }

    /// Defers every request to this host until `now + delay` (Retry-After, backoff).
    pub fn defer(&self, delay: Duration, retry_after: bool) {
        self.defer_until(Instant::now() + delay);
        if retry_after {
            self.state().retry_after_pauses += 1;
        }
    }

    /// Defers every request to this host until `until`.
    pub fn defer_until(&self, until: Instant) {
        let mut state = self.state();
        if state.not_before.is_none_or(|t| t < until) {
            state.not_before = Some(until);
        }
    }

    /// The host asked for a Retry-After pause longer than `cap`: it is left alone for the rest
    /// of the run rather than retried at the cap.
    pub fn pause_for_retry_after(&self, asked: Duration, cap: Duration) -> PauseReason {
        let mut state = self.state();
        state.retry_after_pauses += 1;
        state
            .paused
            .get_or_insert(PauseReason::RetryAfter { asked, cap })
            .clone()
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

    /// The host answered `url` with a 403 that carries no challenge: pauses the host when that
    /// many distinct URLs in a row, `limit`, were refused. A 403 on one access-restricted page
    /// among answered ones pauses nothing.
    pub fn on_refusal(&self, url: &url::Url, limit: u32) {
        let mut state = self.state();
        state.refused.insert(url.to_string());
        let refusals = u32::try_from(state.refused.len()).unwrap_or(u32::MAX);
        if refusals >= limit && state.paused.is_none() {
            state.paused = Some(PauseReason::Refused { refusals });
        }
    }

    /// The host answered with something other than a 403 (a page, a 304, a 404): its run of
    /// refusals ends.
    pub fn on_answer(&self) {
        self.state().refused.clear();
    }

    /// A request failed on the host's certificate or on a handshake it will refuse again: the
    /// host's other HTTPS requests of the run fail the same way without being sent.
    pub fn on_tls_failure(&self, kind: crate::fetch::FailKind, detail: String) {
        self.state().tls_failure.get_or_insert((kind, detail));
    }

    /// The failure `on_tls_failure` recorded, if any.
    pub fn tls_failure(&self) -> Option<(crate::fetch::FailKind, String)> {
        self.state().tls_failure.clone()
    }

    /// A page was fetched from the host without verifying its certificate.
    pub fn fetched_unverified(&self) {
        self.state().tls_unverified = true;
    }

    /// The host's chain came without its intermediate, fetched from `address`, which
    /// completed it.
    pub fn intermediate_fetched(&self, address: String) {
        self.state().intermediate_fetched.get_or_insert(address);
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

    /// The first instant the next request may start, and the gap, once the host was asked or
    /// told to wait; `None` for a host that neither asked nor waits.
    pub fn turn(&self) -> Option<(Instant, Duration)> {
        let state = self.state();
        let gap_end = state.last_start.map(|t| t + state.interval);
        [state.not_before, gap_end]
            .into_iter()
            .flatten()
            .max()
            .map(|next| (next, state.interval))
    }

    pub fn summary(&self) -> HostSummary {
        let state = self.state();
        HostSummary {
            host: self.key.clone(),
            requests: state.requests,
            challenges: state.challenges,
            retry_after_pauses: state.retry_after_pauses,
            paused: state.paused.as_ref().map(|p| p.to_string()),
            tls_failure: state
                .tls_failure
                .as_ref()
                .map(|(kind, detail)| crate::fetch::tls_failure_line(*kind, detail)),
            tls_unverified: state.tls_unverified,
            intermediate_fetched: state.intermediate_fetched.clone(),
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
