//! One request with its retries, behind the host gate: backoff on 429 and 5xx within
//! Retry-After's bounds, anti-bot challenges recognised, a page's 403 without one counted as
//! the host's refusal, TLS failures that cannot change recorded for the host, and a chain sent
//! without its intermediate completed (`aia`) and asked again once. `Fetcher::fetch_counted`
//! calls it for each redirect hop and robots.txt.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::Utc;
use url::Url;

use super::outcome::{Capture, FailKind, FetchOutcome, Validators, parse_retry_after};
use super::wire::{SendError, send_once};
use super::{CHALLENGE_LIMIT, Fetcher, aia, tls, tls_failure_line};
use crate::classify::{self, PageKind};
use crate::discover::PageRequest;
use crate::gate::{Host, PageHold, PauseReason};

impl Fetcher {
    /// One request with its retries: the response of the last attempt, or the outcome that ends
    /// the fetch (failure, challenge, paused host, oversize body). A chain sent without its
    /// intermediate is completed from its caIssuers address (`aia`; a private one only when
    /// `allow_private`) and the request asked again once. What it is `asked` for decides whether
    /// a 403 counts towards the host's refusals and whether the body is cut (see `Asked`).
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn exchange(
        &self,
        host: &Arc<Host>,
        request: &PageRequest,
        validators: Option<&Validators>,
        hold: Option<&PageHold>,
        stop: Option<&std::sync::atomic::AtomicBool>,
        allow_private: bool,
        asked: Asked,
        sent: &AtomicU64,
    ) -> Result<Capture, Box<FetchOutcome>> {
        let url = request.url().clone();
        let limit = self.politeness().host_failure_limit;
        let server = match self.server_of(&url).await {
            Ok(server) => server,
            Err(reason) => return Err(Box::new(FetchOutcome::Excluded { url, reason })),
        };
        let mut attempt = 0;
        // A retry keeps the host's permit, so no other request of the host goes before it.
        let mut turn: Option<crate::gate::RetryTurn> = None;
        // The intermediate fetched for this request's chain, once.
        let mut learned: Option<aia::Learned> = None;
        loop {
            let admitted = match turn.take() {
                Some(turn) => {
                    host.retry(turn, self.gate.global(), server.as_ref(), hold)
                        .await
                }
                None => {
                    host.acquire(self.gate.global(), server.as_ref(), hold)
                        .await
                }
            };
            let slot = match admitted {
                Ok(slot) => slot,
                Err(reason) => return Err(Box::new(paused(url, reason))),
            };
            // The gate counted this request for its host as it let it through: it counts for
            // the fetch's owner too, at the same point.
            sent.fetch_add(1, Ordering::Relaxed);
            // Waiting for the host's turn can outlast a stop: then nothing is sent.
            // So can a request this process had no file descriptor for: every later one would
            // fail the same way, and the run is stopping (see `store::fault`).
            if stop.is_some_and(|s| s.load(std::sync::atomic::Ordering::SeqCst))
                || crate::store::fault::request().is_some()
            {
                drop(slot);
                return Err(Box::new(FetchOutcome::Stopped { url }));
            }
            let result = send_once(
                self.client_for(&url),
                request,
                validators,
                &self.politeness().user_agent,
                &self.settings,
                asked.cut_at(),
                || host.answered(),
            )
            .await;
            if result.is_err() {
                // The server may have seen the request at any moment until now.
                host.answered();
            }
            let kept = slot.into_retry();
            let (kind, detail) = match result {
                Ok(response) => {
                    if let Some(learned) = learned.take() {
                        self.completed_chain(&learned);
                        host.intermediate_fetched(learned.address);
                    }
                    if response.tls_unverified {
                        host.fetched_unverified();
                    }
                    if let Some(challenge) = challenge_of(&response) {
                        host.on_challenge(self.backoff(attempt + 2), CHALLENGE_LIMIT);
                        return Err(Box::new(FetchOutcome::Blocked {
                            capture: response,
                            challenge,
                        }));
                    }
                    if response.status != 429 && response.status < 500 {
                        // Counted while the host's turn is held, so no queued request of the
                        // host goes out after the refusal that pauses it.
                        if asked.counts_refusals() {
                            note_refusal(host, &url, response.status, limit);
                        }
                        return Ok(response);
                    }
                    let cap = self.politeness().max_retry_after;
                    let retry_after = response
                        .header("retry-after")
                        .and_then(|v| parse_retry_after(v, Utc::now()));
                    if let Some(asked) = retry_after
                        && asked > cap
                    {
                        let reason = host.pause_for_retry_after(asked, cap);
                        tracing::warn!(host = host.key(), %url, "{reason}");
                        return Err(Box::new(paused(url, reason)));
                    }
                    // Retry-After is a floor, never a shortcut: `0` or a date in the past (a
                    // server with a slow clock) still waits out the backoff.
                    let backoff = self.backoff(attempt);
                    host.defer(
                        retry_after.map_or(backoff, |asked| asked.max(backoff)),
                        retry_after.is_some(),
                    );
                    if attempt >= self.settings.max_retries {
                        host.on_failure(limit);
                        return Err(Box::new(FetchOutcome::Failed {
                            url,
                            kind: FailKind::Status(response.status),
                            detail: format!(
                                "HTTP {} after {} attempts",
                                response.status,
                                attempt + 1
                            ),
                        }));
                    }
                    attempt += 1;
                    turn = Some(kept);
                    continue;
                }
                Err(SendError::OutOfFiles(detail)) => {
                    // Not the server's failure: nothing counts against the host, and the task
                    // is left whole for the next run, as on a stop.
                    tracing::error!(%url, "no file descriptor left for the request: {detail}");
                    crate::store::fault::note_request(&url, &detail);
                    return Err(Box::new(FetchOutcome::Stopped { url }));
                }
                Err(SendError::Oversize { limit }) => {
                    return Err(Box::new(FetchOutcome::Oversize { url, limit }));
                }
                Err(SendError::Fatal(kind, detail)) => {
                    if matches!(kind, FailKind::TlsCertificate | FailKind::TlsHandshake) {
                        tracing::warn!(host = host.key(), %url, "{}", tls_failure_line(kind, &detail));
                        host.on_tls_failure(kind, detail.clone());
                    }
                    return Err(Box::new(FetchOutcome::Failed { url, kind, detail }));
                }
                Err(SendError::MissingIntermediate(missing)) => {
                    let why = match learned.take() {
                        Some(learned) => format!(
                            "the intermediate fetched from {} does not complete it to a \
                             trusted root",
                            learned.address
                        ),
                        None => {
                            // The host's turn is not held while another host is asked.
                            drop(kept);
                            match self.fetch_intermediate(&missing, allow_private, sent).await {
                                Ok(fetched) => {
                                    learned = Some(fetched);
                                    continue;
                                }
                                // Not asked for want of a file descriptor: the run stops.
                                Err(_) if crate::store::fault::request().is_some() => {
                                    return Err(Box::new(FetchOutcome::Stopped { url }));
                                }
                                Err(why) => why,
                            }
                        }
                    };
                    let (kind, detail) = (FailKind::TlsCertificate, tls::incomplete_chain(&why));
                    tracing::warn!(host = host.key(), %url, "{}", tls_failure_line(kind, &detail));
                    host.on_tls_failure(kind, detail.clone());
                    return Err(Box::new(FetchOutcome::Failed { url, kind, detail }));
                }
                Err(SendError::Transient(kind, detail)) => (kind, detail),
            };
            if attempt >= self.settings.max_retries {
                host.on_failure(limit);
                return Err(Box::new(FetchOutcome::Failed {
                    url,
                    kind,
                    detail: format!("{detail} (after {} attempts)", attempt + 1),
                }));
            }
            host.defer(self.backoff(attempt), false);
            attempt += 1;
            turn = Some(kept);
        }
    }
}

/// A 403 without a challenge is a refusal of the host's (see `Host::on_refusal`); any other
/// answer ends the host's run of them, except a redirect, whose answer is its target's (a
/// firewall may send every request to its own 403 page).
fn note_refusal(host: &Host, url: &Url, status: u16, limit: u32) {
    match status {
        403 => host.on_refusal(url, limit),
        300..=399 if status != 304 => {}
        _ => host.on_answer(),
    }
}

pub(super) fn paused(url: Url, reason: PauseReason) -> FetchOutcome {
    FetchOutcome::HostPaused {
        url,
        reason: reason.to_string(),
    }
}

/// What a request is for, which decides how its answer is taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Asked {
    /// A page or attachment (or a redirect hop to one): a 403 counts towards the host's
    /// refusals, and the body is read whole up to `max_body_bytes`.
    Page,
    /// robots.txt: its 403 means "allow all", so it counts no refusal; RFC 9309 2.5 has its first
    /// 500 KiB read, so a longer (or endless) one is cut there, not oversize.
    Robots,
}

impl Asked {
    /// Whether a 403 answer counts towards the host's refusals.
    fn counts_refusals(self) -> bool {
        match self {
            Asked::Page => true,
            Asked::Robots => false,
        }
    }

    /// The length past which the body is not read (and the rest is not an oversize failure).
    fn cut_at(self) -> Option<u64> {
        match self {
            Asked::Robots => Some(crate::gate::ROBOTS_MAX_BYTES as u64),
            Asked::Page => None,
        }
    }
}

/// Bytes of a response read for a challenge: every challenge page is far shorter.
const CHALLENGE_HEAD_BYTES: usize = 256 * 1024;

/// The anti-bot challenge a response carries, if any.
fn challenge_of(response: &Capture) -> Option<classify::ChallengeKind> {
    let firewall = firewall_status(response.status);
    // Most pages carry no challenge marker at all: they are parsed once, later, off this thread.
    if !firewall && !classify::may_be_challenge(response.status, &response.body) {
        return None;
    }
    let head = &response.body[..response.body.len().min(CHALLENGE_HEAD_BYTES)];
    let (body, text) = if firewall {
        // Rare and short: read in its own charset (a GBK block page), for its words too.
        let decoded = crate::decode::decode(head, response.header("content-type"));
        (head, std::borrow::Cow::Owned(decoded.text))
    } else {
        (&response.body[..], String::from_utf8_lossy(head))
    };
    match classify::classify(
        response.status,
        response.header("content-type"),
        body,
        Some(&text),
        Some(response.url.path()),
    ) {
        PageKind::Challenge { challenge } => Some(challenge),
        _ => None,
    }
}

/// A client error that says nothing of the URL itself: firewalls answer their block, check and
/// notice pages with statuses of their own choosing (阿里云盾 405, 418, 468, 493), and such a
/// page is read for its words as one served with 200 is. 401 asks for credentials for that URL
/// alone (IIS's own 401 page says 访问被拒绝 as a block does); 403 is a refusal of its own; 404
/// and 410 say the page is gone; 429 is retried.
fn firewall_status(status: u16) -> bool {
    (400..500).contains(&status) && !matches!(status, 401 | 403 | 404 | 410 | 429)
}

#[cfg(test)]
mod tests {
    use super::Asked;

    /// Each property of a request is its own: only robots.txt is cut, and a kind that counts
    /// no refusals is not cut for that reason alone.
    #[test]
    fn only_robots_txt_is_cut_and_only_pages_count_refusals() {
        let robots_cut = Some(crate::gate::ROBOTS_MAX_BYTES as u64);
        for (asked, counts_refusals, cut_at) in [
            (Asked::Page, true, None),
            (Asked::Robots, false, robots_cut),
        ] {
            assert_eq!(asked.counts_refusals(), counts_refusals, "{asked:?}");
            assert_eq!(asked.cut_at(), cut_at, "{asked:?}");
        }
    }
}
