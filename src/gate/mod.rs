//! Host gate: politeness between the frontier and the wire. A `Host` (one per host name) owns its
//! gap, permits, backoff, pauses and robots.txt rules; the `HostGate` holds every host of a run,
//! the global cap, and one permit pool per server address, so that many host names served from
//! one address (county sites on one provincial platform) share that server's cap. `site` says
//! which hosts are one site: where a portal's lists are walked, which hosts they take items from,
//! and whose configured gap a host without one of its own takes.

mod host;
mod robots;
mod site;
pub mod turns;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use tokio::sync::Semaphore;
use url::Url;

pub use host::{Host, HostSummary, PageHold, PauseReason, RetryTurn, Slot};
pub use robots::{ROBOTS_MAX_BYTES, RobotsRules, product_token};
pub use site::{HOST_PATTERN_FORM, HostPattern, is_item_host, registrable_domain, same_site};
pub use turns::HostTurn;

use crate::config::Politeness;

/// Test-only knob: the environment variable that breaks the gate on purpose, so that the tests'
/// spacing assertions can be shown to fail. It is read only by debug builds (release builds
/// compile the check out) and only when set to exactly [`BROKEN_GATE_VALUE`]; the gate then lets
/// every request through without its gap, backoff or Retry-After wait, and logs a warning.
/// Never set it outside a test.
#[doc(hidden)]
pub const BROKEN_GATE_ENV: &str = "NIANBAO_TEST_ONLY_BROKEN_GATE";
#[doc(hidden)]
pub const BROKEN_GATE_VALUE: &str = "ignore-every-wait";

fn broken_gate_requested() -> bool {
    #[cfg(debug_assertions)]
    {
        let on = std::env::var(BROKEN_GATE_ENV).is_ok_and(|v| v == BROKEN_GATE_VALUE);
        if on {
            tracing::warn!(
                "{BROKEN_GATE_ENV} is set: the host gate ignores every wait (tests only)"
            );
        }
        on
    }
    #[cfg(not(debug_assertions))]
    {
        false
    }
}

/// Every host of a run, the server permit pools and the global cap.
pub struct HostGate {
    hosts: Mutex<HashMap<String, Arc<Host>>>,
    servers: Mutex<HashMap<IpAddr, Arc<Semaphore>>>,
    global: Arc<Semaphore>,
    /// The pages a run may hold in memory at once (see `PageHold`).
    pages: Arc<Semaphore>,
    politeness: Politeness,
    /// Gaps configured for hosts (a portal's `per_host_interval`), by host.
    intervals: HashMap<String, Duration>,
    /// The largest of those gaps on each site, by registrable domain: a host without a gap of
    /// its own takes its site's (one server behind several names, more often than not).
    site_intervals: HashMap<String, Duration>,
    /// The waits the previous run left, by host, until each host is first asked (see `turns`).
    carried: Mutex<HashMap<String, tokio::time::Instant>>,
    /// After a previous run that died: the latest moment it may have asked a host it did not
    /// name in its turns; each such host gets a whole gap from then (see `turns`).
    others_asked: Mutex<Option<tokio::time::Instant>>,
    ignore_waits: bool,
}

/// How many fetched pages a run holds in memory at once, reading or archiving them or waiting to:
/// twice the requests it may have in flight, so the network keeps working while the CPU pool
/// reads, and never one a worker for every host's spare turn.
fn pages_in_hand(max_concurrency: usize) -> usize {
    max_concurrency.max(1) * 2
}

/// The key a host is gated by: its lower-cased name or address, without port.
pub fn host_key(url: &Url) -> String {
    url.host_str().unwrap_or("").to_ascii_lowercase()
}

impl HostGate {
    /// `intervals` holds per-host overrides of the configured gap (from portal settings); the
    /// other hosts of each one's site take the largest of those on the site (see `interval_of`).
    pub fn new(politeness: Politeness, intervals: HashMap<String, Duration>) -> HostGate {
        let ignore_waits = broken_gate_requested();
        HostGate::build(politeness, intervals, ignore_waits)
    }

    fn build(
        politeness: Politeness,
        intervals: HashMap<String, Duration>,
        ignore_waits: bool,
    ) -> HostGate {
        let mut site_intervals: HashMap<String, Duration> = HashMap::new();
        for (host, &interval) in &intervals {
            if let Some(domain) = registrable_domain(host) {
                let gap = site_intervals.entry(domain).or_insert(interval);
                *gap = (*gap).max(interval);
            }
        }
        HostGate {
            hosts: Mutex::new(HashMap::new()),
            servers: Mutex::new(HashMap::new()),
            global: Arc::new(Semaphore::new(politeness.max_concurrency.max(1))),
            pages: Arc::new(Semaphore::new(pages_in_hand(politeness.max_concurrency))),
            politeness,
            intervals,
            site_intervals,
            carried: Mutex::new(HashMap::new()),
            others_asked: Mutex::new(None),
            ignore_waits,
        }
    }

    pub fn politeness(&self) -> &Politeness {
        &self.politeness
    }

    pub fn global(&self) -> &Arc<Semaphore> {
        &self.global
    }

    /// A new task's claim on a page in memory, taken at its first request.
    pub fn page_hold(&self) -> PageHold {
        PageHold::new(&self.pages)
    }

    pub fn host(&self, url: &Url) -> Arc<Host> {
        self.host_named(host_key(url))
    }

    /// The host of `url` if some request has reached the gate for it; never makes one (a URL
    /// that is refused before any request leaves no host behind in the run report).
    pub fn existing_host(&self, url: &Url) -> Option<Arc<Host>> {
        let hosts = self.hosts.lock().expect("hosts lock is never poisoned");
        hosts.get(&host_key(url)).cloned()
    }

    fn host_named(&self, key: String) -> Arc<Host> {
        let mut hosts = self.hosts.lock().expect("hosts lock is never poisoned");
        hosts
            .entry(key.clone())
            .or_insert_with(|| {
                let host = Host::new(
                    key.clone(),
                    self.interval_of(&key),
                    self.politeness.per_host_concurrency,
                    self.ignore_waits,
                );
                let carried = self
                    .carried
                    .lock()
                    .expect("carried lock is never poisoned")
                    .remove(&key)
                    .or_else(|| Some(self.others_asked()? + host.interval()));
                if let Some(until) = carried {
                    host.defer_until(until);
                }
                Arc::new(host)
            })
            .clone()
    }

    /// The permit pool of the server at `ip`, shared by every host name that resolves to it;
    /// `None` when `politeness.per_ip_concurrency` is 0 (no per-server cap).
    pub fn server(&self, ip: IpAddr) -> Option<Arc<Semaphore>> {
        let permits = self.politeness.per_ip_concurrency;
        if permits == 0 {
            return None;
        }
        let mut servers = self.servers.lock().expect("servers lock is never poisoned");
        Some(
            servers
                .entry(canonical(ip))
                .or_insert_with(|| Arc::new(Semaphore::new(permits)))
                .clone(),
        )
    }

    /// Every host's turn as of now, for the next run (see `turns`).
    pub fn turns(&self) -> Vec<HostTurn> {
        let (now, wall) = (tokio::time::Instant::now(), SystemTime::now());
        let hosts: Vec<Arc<Host>> = self
            .hosts
            .lock()
            .expect("hosts lock is never poisoned")
            .values()
            .cloned()
            .collect();
        let mut turns: Vec<HostTurn> = hosts
            .iter()
            .filter_map(|host| {
                let (next, interval) = host.turn()?;
                let next = if next >= now {
                    wall + (next - now)
                } else {
                    wall.checked_sub(now - next).unwrap_or(wall)
                };
                Some(HostTurn {
                    host: host.key().to_string(),
                    next_ms: turns::unix_ms(next),
                    interval_ms: u64::try_from(interval.as_millis()).unwrap_or(u64::MAX),
                })
            })
            .collect();
        // Hosts the previous run left waiting that this run has not asked yet.
        let carried = self.carried.lock().expect("carried lock is never poisoned");
        for (key, until) in carried.iter() {
            turns.push(HostTurn {
                host: key.clone(),
                next_ms: turns::unix_ms(wall + until.saturating_duration_since(now)),
                interval_ms: u64::try_from(self.interval_of(key).as_millis()).unwrap_or(u64::MAX),
            });
        }
        turns.sort_by(|a, b| a.host.cmp(&b.host));
        turns
    }

    /// Holds each host until the wait the previous run left for it is over (see `turns`). A wait
    /// is never longer than the longest this run would honour (`max_retry_after`, or the host's
    /// gap when that is longer), whatever the clock did between the runs.
    pub fn resume_turns(&self, previous: turns::Carried) {
        let now = tokio::time::Instant::now();
        let mut carried = self.carried.lock().expect("carried lock is never poisoned");
        for (key, wait) in previous.waits {
            let cap = self.politeness.max_retry_after.max(self.interval_of(&key));
            carried.insert(key, now + wait.min(cap));
        }
        *self
            .others_asked
            .lock()
            .expect("others_asked lock is never poisoned") = previous
            .others_asked_ago
            .map(|ago| now.checked_sub(ago).unwrap_or(now));
    }

    fn others_asked(&self) -> Option<tokio::time::Instant> {
        *self
            .others_asked
            .lock()
            .expect("others_asked lock is never poisoned")
    }

    /// The moment a host no turn names may last have been asked by a run that died, for the
    /// next run's file, while it still matters: until the longest gap a host may have has passed.
    pub fn others_asked_ms(&self) -> Option<u64> {
        let at = self.others_asked()?;
        let now = tokio::time::Instant::now();
        let longest = self
            .intervals
            .values()
            .copied()
            .fold(self.politeness.per_host_interval, Duration::max);
        let ago = now.saturating_duration_since(at);
        let wall = SystemTime::now().checked_sub(ago)?;
        (ago < longest).then(|| turns::unix_ms(wall))
    }

    /// The gap of host `key`: its own configured one, else the largest configured on its site
    /// (same registrable domain; an IP address is a site of its own) where that is longer than
    /// the default, else the default. A shorter gap set for one host vouches for that host
    /// only: its site's other hosts (another portal's among them) never get less than the
    /// default. Asked when the host is first used, not per request.
    fn interval_of(&self, key: &str) -> Duration {
        if let Some(&own) = self.intervals.get(key) {
            return own;
        }
        let default = self.politeness.per_host_interval;
        registrable_domain(key)
            .and_then(|domain| self.site_intervals.get(&domain).copied())
            .map_or(default, |site| site.max(default))
    }

    /// A summary of every host that received a request, sorted by host.
    pub fn summaries(&self) -> Vec<HostSummary> {
        let hosts = self.hosts.lock().expect("hosts lock is never poisoned");
        let mut all: Vec<HostSummary> = hosts.values().map(|h| h.summary()).collect();
        all.sort_by(|a, b| a.host.cmp(&b.host));
        all
    }
}

/// An IPv4 address written as IPv4-mapped IPv6 is the same server.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests;
