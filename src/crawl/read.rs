//! Reading a fetched page on the CPU pool: the crash guard's suspects and quarantine (a page
//! that killed the process is read in a child first), the time limit, and the flags a read
//! raises (mojibake, a challenge, markup flattened).

use std::sync::Arc;

use chrono::{SecondsFormat, Utc};
use url::Url;

use super::{Engine, PAGE_TIME_LIMIT, guard};
use crate::page::{self, Analysis, PageFailure, PageInput, PageRole};

impl Engine {
    /// Reads a fetched page once (decode, bounded parse, classify, discover or extract) on the
    /// CPU pool: at most one page per core at a time, off the network threads, with a panic or
    /// an overrun recorded as this page's failure. Mojibake is flagged here.
    pub(crate) async fn read_page(
        &self,
        portal: &str,
        capture: &Arc<crate::fetch::Capture>,
        role: PageRole,
    ) -> Result<Analysis, PageFailure> {
        if self.is_suspect(capture.url.as_str()) {
            self.probe_suspect(portal, capture, &role).await?;
        }
        if !self.page_delay.is_zero() {
            tokio::time::sleep(self.page_delay).await;
        }
        // The permit moves into the blocking task: a page that overruns its time limit keeps
        // its core until it ends, so runaway pages can never pile up more work than cores.
        let permit = self.cpu_permit().await;
        let page = capture.clone();
        // Only the reading of a page is journalled: it is what input can crash, and it is short,
        // so a `kill -9` at a random moment rarely finds a page there (and never twice running).
        let url = capture.url.as_str();
        self.journal.begin(url, portal);
        let work = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            guard::poison_check(&page.body);
            let input = PageInput {
                url: &page.url,
                status: page.status,
                content_type: page.header("content-type"),
                body: &page.body,
            };
            page::analyse_guarded(input, &role)
        });
        let analysis = match tokio::time::timeout(PAGE_TIME_LIMIT, work).await {
            Ok(Ok(result)) => result,
            // A panic is caught inside the task; a join error is a cancelled runtime.
            Ok(Err(e)) => Err(PageFailure::Panic(e.to_string())),
            Err(_) => Err(PageFailure::Timeout {
                secs: PAGE_TIME_LIMIT.as_secs(),
            }),
        };
        self.journal.end(url);
        match &analysis {
            Ok(analysis) => {
                // Bytes that are not text are counted as such, not as text in the wrong charset.
                let not_text = matches!(analysis.kind, crate::classify::PageKind::NotText { .. });
                if let Some(decoded) = analysis.decoded.as_ref().filter(|_| !not_text) {
                    self.flag_mojibake(portal, &capture.url, decoded);
                }
                // A notice (访问过于频繁, 已被拦截, 网站维护中) carries none of the markers the
                // fetch looks for: the host backs off here, as for a challenge seen there.
                if let crate::classify::PageKind::Challenge { challenge } = &analysis.kind {
                    tracing::warn!(url = %capture.url, ?challenge, "anti-bot challenge or notice; host backs off");
                    self.fetcher.challenged(&capture.url);
                }
                if analysis.flattened {
                    tracing::warn!(url = %capture.url, depth = page::MAX_DEPTH, "markup nested deeper than the parse limit; flattened");
                    self.report(portal, |r| {
                        *r.not_content.entry("flattened".into()).or_default() += 1
                    });
                }
            }
            Err(failure) => {
                tracing::error!(url = %capture.url, "cannot read page: {failure}");
                self.report(portal, |r| {
                    *r.failures.entry(failure.name().into()).or_default() += 1
                });
            }
        }
        analysis
    }

    fn is_suspect(&self, url: &str) -> bool {
        self.suspects
            .lock()
            .expect("suspect lock is never poisoned")
            .get(url)
            .is_some_and(|s| !s.quarantined)
    }

    /// Whether `url` is quarantined: the crawl does not touch it.
    pub(crate) fn is_quarantined(&self, url: &str) -> bool {
        self.suspects
            .lock()
            .expect("suspect lock is never poisoned")
            .get(url)
            .is_some_and(|s| s.quarantined)
    }

    /// Reads a suspect's page in a child process first. A child that dies makes this the URL's
    /// second abnormal end: it is quarantined, and this process lives on. A child that finishes
    /// clears the suspect.
    async fn probe_suspect(
        &self,
        portal: &str,
        capture: &crate::fetch::Capture,
        role: &PageRole,
    ) -> Result<(), PageFailure> {
        let url = capture.url.to_string();
        let request = guard::ProbeRequest {
            url: capture.url.clone(),
            status: capture.status,
            content_type: capture.header("content-type").map(str::to_string),
            role: role.clone(),
        };
        let survived = match guard::probe_in_child(&request, &capture.body).await {
            Ok(survived) => survived,
            Err(e) => {
                // Without a child to read it in, the page is read here as usual.
                tracing::warn!(url = %url, "cannot start a process to check a suspect page: {e}");
                true
            }
        };
        let suspect = {
            let mut suspects = self
                .suspects
                .lock()
                .expect("suspect lock is never poisoned");
            if survived {
                suspects.remove(&url);
                None
            } else {
                suspects.get_mut(&url).map(|s| {
                    s.strikes += 1;
                    s.quarantined = true;
                    s.last_at = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
                    s.clone()
                })
            }
        };
        let stored = match &suspect {
            None => self.store.remove_suspect(&url).map(|_| ()),
            Some(suspect) => self.store.put_suspect(&url, suspect),
        };
        if let Err(e) = stored {
            tracing::error!(url = %url, "cannot record the suspect check: {e}");
        }
        if survived {
            tracing::info!(url = %url, "suspect page read without harm in a separate process");
            return Ok(());
        }
        tracing::error!(url = %url, "reading this page killed a process again: quarantined");
        self.report(portal, |r| {
            *r.failures.entry("quarantined".into()).or_default() += 1
        });
        self.quarantined
            .lock()
            .expect("quarantine list lock is never poisoned")
            .push(url);
        Err(PageFailure::Crashed)
    }

    /// Mojibake in a decoded page (U+FFFD runs, UTF-8 read as Latin-1) is logged and counted:
    /// the raw bytes are kept untouched either way, so a better decoder can revisit them.
    pub(crate) fn flag_mojibake(&self, portal: &str, url: &Url, decoded: &crate::decode::Decoded) {
        if decoded.mojibake {
            tracing::warn!(url = %url, charset = decoded.encoding.name(), source = decoded.source.as_str(), "page text looks like mojibake");
            self.report(portal, |r| r.mojibake += 1);
        }
    }
}
