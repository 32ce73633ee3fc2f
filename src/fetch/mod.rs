//! Fetch: one polite HTTP exchange at a time. Every hop of a redirect and every retry passes the
//! host gate and robots.txt; bodies are read up to a cap, kept as they came over the wire and
//! content-decoded by us (reqwest's decompression would drop the wire bytes). Outcomes, failures
//! included, are values: nothing here aborts a run. HTTPS certificates are verified except on
//! the hosts of a portal that turns it off (`tls`), a chain sent without its intermediate
//! completed from the certificate's caIssuers address (`aia`); a host whose certificate fails
//! is asked nothing more in the run.

mod aia;
mod coding;
mod exchange;
mod outcome;
mod scope;
mod tls;
mod wire;

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use rand::Rng;
use url::Url;

pub use coding::{decode_wire_body, inflate_saved_gzip};
pub use outcome::{
    Capture, ExcludeReason, FailKind, FetchOutcome, StoredExchange, Validators,
    disposition_filename, parse_retry_after,
};
pub use scope::{Lookup, PublicResolver, ResolveError, is_private_host, is_private_ip};
pub use tls::{TlsHosts, extra_roots, tls_failure_line};

use crate::config::{FetchSettings, Politeness};
use crate::discover::PageRequest;
use crate::gate::{Host, HostGate, PageHold, RobotsRules, product_token};

/// RFC 9309: follow at least five redirects for robots.txt.
const ROBOTS_MAX_REDIRECTS: u32 = 5;
/// Challenges from one host before it is left alone for the rest of the run.
const CHALLENGE_LIMIT: u32 = 3;

/// Options of one fetch.
pub struct FetchOptions<'a> {
    /// Validators of the last response, for a conditional request.
    pub validators: Option<&'a Validators>,
    /// Decides whether a URL (each redirect hop) is inside the crawl's scope.
    pub scope: &'a (dyn Fn(&Url) -> Result<(), ExcludeReason> + Send + Sync),
    /// Allow private, loopback and link-local addresses (the portal itself is on one).
    pub allow_private: bool,
    /// The task's claim on a page in memory, taken at its first request (`HostGate::page_hold`);
    /// none for fetches made while the task already holds a page (its attachments).
    pub hold: Option<&'a PageHold>,
    /// Set when the run is asked to stop: a request not yet sent (a task waiting for its host's
    /// gap, a retry) is not sent at all.
    pub stop: Option<&'a std::sync::atomic::AtomicBool>,
}

/// The HTTP client with the host gate in front of it.
pub struct Fetcher {
    client: reqwest::Client,
    /// The client that verifies no certificate, built only when some host is to be fetched
    /// so (`tls_hosts`).
    unverified: Option<reqwest::Client>,
    tls_hosts: TlsHosts,
    /// Intermediate certificates learned from the caIssuers addresses of chains sent without
    /// them, which the verifying client's verifier completes chains with (`aia`).
    intermediates: Arc<aia::Intermediates>,
    gate: Arc<HostGate>,
    settings: FetchSettings,
    resolver: PublicResolver,
}

impl Fetcher {
    /// A fetcher whose DNS answers are limited to public addresses.
    pub fn new(gate: Arc<HostGate>, settings: FetchSettings) -> anyhow::Result<Fetcher> {
        Fetcher::with_private_names(gate, settings, std::collections::HashSet::new())
    }

    /// A fetcher for which the host names in `private_names` may resolve to private, loopback or
    /// link-local addresses (a portal configured on such a name); every other name may not.
    pub fn with_private_names(
        gate: Arc<HostGate>,
        settings: FetchSettings,
        private_names: std::collections::HashSet<String>,
    ) -> anyhow::Result<Fetcher> {
        Fetcher::with_lookup(gate, settings, private_names, Lookup::System)
    }

    /// As `with_private_names`, with host names looked up by `lookup` (a fixed table in tests).
    ///
    /// Proxies named in the environment (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`) are ignored:
    /// a proxy would resolve names itself, past the address filter. Time limits are applied per
    /// exchange (see `wire`), except the connect timeout, which the client applies.
    pub fn with_lookup(
        gate: Arc<HostGate>,
        settings: FetchSettings,
        private_names: std::collections::HashSet<String>,
        lookup: Lookup,
    ) -> anyhow::Result<Fetcher> {
        let resolver = PublicResolver::with_lookup(private_names, lookup);
        let intermediates = Arc::new(aia::Intermediates::default());
        let client = client(&settings, &resolver, Some(&intermediates))?;
        let tls_hosts = TlsHosts::all(settings.tls_verify);
        let mut fetcher = Fetcher {
            client,
            unverified: None,
            tls_hosts: tls_hosts.clone(),
            intermediates,
            gate,
            settings,
            resolver,
        };
        fetcher.set_tls_hosts(tls_hosts)?;
        Ok(fetcher)
    }

    /// Which hosts' certificates are verified (by default every host's, unless
    /// `fetch.tls_verify` is false): the crawl gives each portal's hosts its `tls_verify`.
    pub fn set_tls_hosts(&mut self, hosts: TlsHosts) -> anyhow::Result<()> {
        if hosts.any_unverified() && self.unverified.is_none() {
            self.unverified = Some(client(&self.settings, &self.resolver, None)?);
        }
        self.tls_hosts = hosts;
        Ok(())
    }

    /// The client for a request to `url`, and whether it leaves the certificate unverified.
    fn client_for(&self, url: &Url) -> (&reqwest::Client, bool) {
        match &self.unverified {
            Some(unverified) if !self.tls_hosts.verifies(&crate::gate::host_key(url)) => {
                (unverified, true)
            }
            _ => (&self.client, false),
        }
    }

    pub fn gate(&self) -> &Arc<HostGate> {
        &self.gate
    }

    fn politeness(&self) -> &Politeness {
        self.gate.politeness()
    }

    /// Exponential backoff with jitter, capped.
    fn backoff(&self, attempt: u32) -> Duration {
        let base = self.settings.retry_base.as_secs_f64() * 2f64.powi(attempt.min(16) as i32);
        let jitter = rand::rng().random_range(0.75..1.25);
        Duration::from_secs_f64(base * jitter).min(self.politeness().max_retry_after)
    }

    /// A page fetched from `url` read as an anti-bot challenge or notice: its host backs off, and
    /// is paused for the run after `CHALLENGE_LIMIT` of them, as for one the fetch recognised.
    pub fn challenged(&self, url: &Url) {
        self.gate
            .host(url)
            .on_challenge(self.backoff(2), CHALLENGE_LIMIT);
    }

    /// A new task's claim on a page in memory (see `PageHold`).
    pub fn page_hold(&self) -> PageHold {
        self.gate.page_hold()
    }

    /// Fetches `request`, following redirects by hand.
    pub async fn fetch(&self, request: &PageRequest, options: &FetchOptions<'_>) -> FetchOutcome {
        self.fetch_counted(request, options, &AtomicU64::new(0))
            .await
    }

    /// As `fetch`, adding one to `sent` for every request it makes, on any host: each redirect
    /// hop, each retry, and robots.txt when this fetch is the one that asks for it. A request is
    /// counted where its host's gate lets it through and counts it for the host
    /// (`HostSummary::requests`), so the two never disagree on what a request is (one that a
    /// stop then keeps from being sent counts in both).
    pub async fn fetch_counted(
        &self,
        request: &PageRequest,
        options: &FetchOptions<'_>,
        sent: &AtomicU64,
    ) -> FetchOutcome {
        let mut current = request.clone();
        let mut redirects = Vec::new();
        for _hop in 0..=self.settings.max_redirects {
            let url = current.url().clone();
            // Looked up, not made: a URL refused below must leave no host in the run report.
            let tls_failed = || {
                self.gate
                    .existing_host(&url)
                    .and_then(|host| known_tls_failure(&host, &url))
            };
            if let Some(failed) = tls_failed() {
                return failed;
            }
            if let Err(reason) = self.admit(&url, options, sent).await {
                // robots.txt not asked for want of a file descriptor says nothing of the host.
                if crate::store::fault::request().is_some() {
                    return FetchOutcome::Stopped { url };
                }
                // robots.txt that failed on the host's certificate: the page would too.
                return tls_failed().unwrap_or(FetchOutcome::Excluded { url, reason });
            }
            let host = self.gate.host(&url);
            let validators = if redirects.is_empty() {
                options.validators
            } else {
                None
            };
            let mut response = match self
                .exchange(
                    &host,
                    &current,
                    validators,
                    options.hold,
                    options.stop,
                    options.allow_private,
                    exchange::Asked::Page,
                    sent,
                )
                .await
            {
                Ok(response) => response,
                Err(outcome) => return *outcome,
            };
            if !options.allow_private
                && let Some(ip) = response.ip
                && is_private_ip(ip)
            {
                return FetchOutcome::Excluded {
                    url,
                    reason: ExcludeReason::PrivateAddress,
                };
            }
            if (300..400).contains(&response.status) && response.status != 304 {
                // A redirect that leads nowhere is no page: its body is the server's "Object
                // moved" note.
                let Some(location) = response.location() else {
                    return FetchOutcome::Failed {
                        url,
                        kind: FailKind::BadRedirect,
                        detail: format!("HTTP {} without a Location header", response.status),
                    };
                };
                let Ok(next) = url.join(&location) else {
                    return FetchOutcome::Failed {
                        url,
                        kind: FailKind::BadRedirect,
                        detail: format!("unusable Location header {location:?}"),
                    };
                };
                redirects.push((url, response.status));
                // A redirected POST becomes a GET, as browsers do for 301, 302 and 303.
                current = PageRequest::Get(next);
                continue;
            }
            response.redirects = std::mem::take(&mut redirects);
            host.on_success();
            // A 304 says "as you had it" only to a request that named what it had: to one
            // without validators it is an answer with no page, a failure like a 204.
            return if response.status == 304 && validators.is_some() {
                FetchOutcome::NotModified(response)
            } else {
                FetchOutcome::Fetched(response)
            };
        }
        FetchOutcome::Failed {
            url: current.url().clone(),
            kind: FailKind::TooManyRedirects,
            detail: format!("more than {} redirects", self.settings.max_redirects),
        }
    }

    /// Scheme, address, scope and robots.txt checks for one hop.
    async fn admit(
        &self,
        url: &Url,
        options: &FetchOptions<'_>,
        sent: &AtomicU64,
    ) -> Result<(), ExcludeReason> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(ExcludeReason::Scheme(url.scheme().to_string()));
        }
        if !options.allow_private && is_private_host(url) {
            return Err(ExcludeReason::PrivateAddress);
        }
        (options.scope)(url)?;
        if let Some(url::Host::Domain(name)) = url.host()
            && let Err(ResolveError::Refused { .. }) = self.resolver.addresses(name).await
        {
            return Err(ExcludeReason::PrivateAddress);
        }
        if self.politeness().respect_robots {
            let host = self.gate.host(url);
            let origin = url.origin().ascii_serialization();
            let cell = host.robots_cell(&origin);
            // Boxed: only the first request of an origin fetches robots.txt, and every task
            // waiting for its request would otherwise make room for that fetch (1,872 bytes a
            // fetch instead of 1,408).
            let rules = cell
                .get_or_init(|| {
                    Box::pin(self.fetch_robots(&host, url, options.allow_private, sent))
                })
                .await;
            if let Some(delay) = rules.crawl_delay() {
                host.widen_interval(delay.min(self.politeness().max_retry_after));
            }
            if !rules.allowed(url.as_str()) {
                return Err(match rules {
                    RobotsRules::DisallowAll { why, on_server } => {
                        ExcludeReason::RobotsUnavailable {
                            why: why.clone(),
                            on_server: *on_server,
                        }
                    }
                    _ => ExcludeReason::Robots,
                });
            }
        }
        Ok(())
    }

    /// Reads robots.txt for `url`'s origin. Redirects are followed even to another host, as
    /// RFC 9309 (2.3.1.2) asks, so a robots.txt moved to the www or https host still governs;
    /// each hop passes the gate of the host it goes to, and only to http(s) and, for a public
    /// crawl, public addresses.
    async fn fetch_robots(
        &self,
        host: &Arc<Host>,
        url: &Url,
        allow_private: bool,
        sent: &AtomicU64,
    ) -> RobotsRules {
        let Ok(mut robots_url) = url.join("/robots.txt") else {
            return RobotsRules::AllowAll;
        };
        let mut hop_host = host.clone();
        for _ in 0..=ROBOTS_MAX_REDIRECTS {
            // Only a failure of the asked server itself counts against it: one of another host
            // a redirect led to is that host's.
            let own_server = Arc::ptr_eq(&hop_host, host);
            let request = PageRequest::Get(robots_url.clone());
            let response = match self
                .exchange(
                    &hop_host,
                    &request,
                    None,
                    None,
                    None,
                    allow_private,
                    exchange::Asked::Robots,
                    sent,
                )
                .await
            {
                Ok(response) => response,
                Err(outcome) => {
                    return RobotsRules::DisallowAll {
                        why: format!("robots.txt unavailable: {}", outcome.describe()),
                        on_server: own_server && server_is_down(&outcome),
                    };
                }
            };
            if (300..400).contains(&response.status)
                && let Some(next) = response
                    .header("location")
                    .and_then(|l| robots_url.join(l.trim()).ok())
            {
                if !matches!(next.scheme(), "http" | "https")
                    || (!allow_private && is_private_host(&next))
                {
                    return RobotsRules::DisallowAll {
                        why: format!("robots.txt redirects to {next}, which is not fetched"),
                        on_server: false,
                    };
                }
                hop_host = self.gate.host(&next);
                robots_url = next;
                continue;
            }
            let agent = product_token(&self.politeness().user_agent);
            return match RobotsRules::from_response(agent, response.status, &response.body) {
                RobotsRules::DisallowAll { why, on_server } => RobotsRules::DisallowAll {
                    why,
                    on_server: on_server && own_server,
                },
                rules => rules,
            };
        }
        RobotsRules::DisallowAll {
            why: "robots.txt redirects too often".into(),
            on_server: false,
        }
    }
}

impl Fetcher {
    /// The permit pool of the server `url` is served from (its first public address), for the
    /// per-server cap. A name that resolves only to refused addresses is an exclusion; a name
    /// that does not resolve is left to the connection, which fails and is retried like any
    /// connect error.
    async fn server_of(
        &self,
        url: &Url,
    ) -> Result<Option<Arc<tokio::sync::Semaphore>>, ExcludeReason> {
        let ip = match url.host() {
            Some(url::Host::Ipv4(ip)) => std::net::IpAddr::V4(ip),
            Some(url::Host::Ipv6(ip)) => std::net::IpAddr::V6(ip),
            Some(url::Host::Domain(name)) => match self.resolver.addresses(name).await {
                Ok(addrs) => match addrs.first() {
                    Some(ip) => *ip,
                    None => return Ok(None),
                },
                Err(ResolveError::Refused { .. }) => return Err(ExcludeReason::PrivateAddress),
                Err(ResolveError::Lookup { .. }) => return Ok(None),
            },
            None => return Ok(None),
        };
        Ok(self.gate.server(ip))
    }
}

/// Whether a robots.txt request's failure is its server's (down, 5xx, TLS, paused), as
/// `crate::health::fails_the_host` judges a file's; a redirect loop, a bad redirect, an oversize
/// or undecodable body is the file's.
fn server_is_down(outcome: &FetchOutcome) -> bool {
    match outcome {
        FetchOutcome::Failed { kind, .. } => crate::health::fails_the_host(&kind.name()),
        FetchOutcome::HostPaused { .. } => true,
        _ => false,
    }
}

/// The failure of an HTTPS request to `url` on a host whose certificate or handshake already
/// failed in this run: nothing is sent. Its plain-http URLs are still asked.
fn known_tls_failure(host: &Host, url: &Url) -> Option<FetchOutcome> {
    if url.scheme() != "https" {
        return None;
    }
    let (kind, detail) = host.tls_failure()?;
    Some(FetchOutcome::Failed {
        url: url.clone(),
        kind,
        detail: format!(
            "{detail} (as the host's earlier request did; not asked again in this run)"
        ),
    })
}

/// One HTTP client: verifying certificates with the system's CA certificates and
/// `fetch.extra_ca_file`'s, completing chains with `learned` intermediates (`aia`); or, without
/// `learned`, accepting any certificate and name (a portal that asks for it).
fn client(
    settings: &FetchSettings,
    resolver: &PublicResolver,
    learned: Option<&Arc<aia::Intermediates>>,
) -> anyhow::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        // Old servers fold header lines and put a space before the colon
        // (`Content-Type :`); browsers read both, so a page is not lost to them.
        .http1_allow_obsolete_multiline_headers_in_responses(true)
        .http1_allow_spaces_after_header_name_in_responses(true)
        .connect_timeout(settings.connect_timeout)
        .pool_max_idle_per_host(2)
        .dns_resolver(Arc::new(resolver.clone()));
    let extra_roots = match &settings.extra_ca_file {
        Some(path) => tls::extra_roots(path)?,
        None => Vec::new(),
    };
    builder = match learned {
        Some(learned) => {
            builder.tls_backend_preconfigured(aia::verifying_tls(extra_roots, learned.clone())?)
        }
        None => builder
            .tls_certs_merge(
                extra_roots
                    .iter()
                    .map(|der| reqwest::Certificate::from_der(der))
                    .collect::<Result<Vec<_>, _>>()?,
            )
            .tls_danger_accept_invalid_certs(true),
    };
    Ok(builder.build()?)
}
