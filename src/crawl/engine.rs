//! The `Engine`'s methods its workers call: fetching on a portal's behalf, the portal's site and
//! item scopes, the CPU and disk pools, WARC writes of what was fetched, and the per-portal report.

use url::Url;

use crate::discover::PageRequest;
use crate::fetch::{ExcludeReason, FetchOptions, FetchOutcome};
use crate::gate::{host_key, is_item_host, same_site};
use crate::report::PortalReport;

use super::{Engine, PortalScope};

impl Engine {
    /// Writes a capture that created no version to the WARC output, if it is on.
    pub(crate) async fn warc_live(&self, portal: &str, capture: &crate::fetch::Capture) {
        let Some(sink) = self.warc.clone() else {
            return;
        };
        let capture = capture.clone();
        let result = self.blocking_io(move || sink.write_live(&capture)).await;
        self.warc_result(portal, result);
    }

    /// One core of the CPU pool, for reading a page or deriving an attachment's text. The
    /// caller moves it into its blocking task, and starts timing that work only once it holds
    /// it, so waiting for a core never counts against a time limit.
    pub(crate) async fn cpu_permit(&self) -> tokio::sync::OwnedSemaphorePermit {
        self.cpu
            .clone()
            .acquire_owned()
            .await
            .expect("the CPU pool's semaphore is never closed")
    }

    /// Runs a blocking write on the disk pool. The permit moves into the blocking task, so a
    /// write whose caller went away still counts until it ends.
    pub(crate) async fn blocking_io<T: Send + 'static>(
        &self,
        write: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, tokio::task::JoinError> {
        let permit = self
            .io
            .clone()
            .acquire_owned()
            .await
            .expect("the disk pool's semaphore is never closed");
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            write()
        })
        .await
    }

    pub(super) fn warc_result(
        &self,
        portal: &str,
        result: Result<anyhow::Result<()>, tokio::task::JoinError>,
    ) {
        let error = match result {
            Ok(Ok(())) => return,
            Ok(Err(e)) => format!("{e:#}"),
            Err(e) => e.to_string(),
        };
        // The version stays unmarked, so the next run (or `export --format warc`) writes it.
        tracing::error!("cannot write WARC records: {error}");
        self.report(portal, |r| {
            *r.failures.entry("warc".into()).or_default() += 1
        });
    }

    pub(crate) fn report<R>(&self, portal: &str, f: impl FnOnce(&mut PortalReport) -> R) -> R {
        let mut reports = self.reports.lock().expect("report lock is never poisoned");
        f(reports.entry(portal.to_string()).or_default())
    }

    fn scope_of(&self, portal: &str) -> Option<&PortalScope> {
        self.portals.get(portal)
    }

    /// Fetches `request` on `portal`'s behalf: every request the fetch makes, on whatever host
    /// (the site's other hosts, `item_hosts`, a file server, robots.txt it had to ask for),
    /// counts in the portal's `requests`.
    pub(crate) async fn fetch(
        &self,
        portal: &str,
        request: &PageRequest,
        options: &FetchOptions<'_>,
    ) -> FetchOutcome {
        match self.scope_of(portal) {
            Some(scope) => {
                self.fetcher
                    .fetch_counted(request, options, &scope.requests)
                    .await
            }
            // Tasks of portals no longer configured are never queued (see `seed`).
            None => self.fetcher.fetch(request, options).await,
        }
    }

    /// The scope rule for list pages: the portal's site (`gate::same_site`), on every hop, so
    /// that a year's list on `old.x.gov.cn` is walked for a section on `www.x.gov.cn` and a
    /// redirect never leads a list off the site. `item_hosts` do not widen it: they name hosts
    /// of reports, not of lists.
    pub(crate) fn site_scope(
        &self,
        portal: &str,
    ) -> impl Fn(&Url) -> Result<(), ExcludeReason> + Send + Sync {
        let host = self
            .scope_of(portal)
            .map(|s| s.host.clone())
            .unwrap_or_default();
        move |url: &Url| {
            let at = host_key(url);
            if same_site(&host, &at) {
                Ok(())
            } else {
                Err(ExcludeReason::OutOfScope(format!(
                    "{at} is not on the portal's site {host}"
                )))
            }
        }
    }

    /// Whether a list page at `url` is on the portal's site, where its lists are walked.
    pub(crate) fn on_portal_site(&self, portal: &str, url: &Url) -> bool {
        self.scope_of(portal)
            .is_some_and(|s| same_site(&s.host, &host_key(url)))
    }

    /// The scope rule for items a list gives as pages: the portal's site and its `item_hosts`
    /// (`gate::is_item_host`), on every hop, so that a redirect leaves neither.
    pub(crate) fn item_scope(
        &self,
        portal: &str,
    ) -> impl Fn(&Url) -> Result<(), ExcludeReason> + Send + Sync {
        let (host, item_hosts) = self
            .scope_of(portal)
            .map(|s| (s.host.clone(), s.portal.item_hosts.clone()))
            .unwrap_or_default();
        move |url: &Url| {
            let at = host_key(url);
            if is_item_host(&host, &at, &item_hosts) {
                Ok(())
            } else {
                Err(ExcludeReason::OutOfScope(format!(
                    "{at} is neither on the portal's site {host} nor among its item_hosts"
                )))
            }
        }
    }

    /// The hosts beside its own site whose pages the portal's lists take as items.
    pub(crate) fn item_hosts(&self, portal: &str) -> &[crate::gate::HostPattern] {
        self.scope_of(portal)
            .map(|s| s.portal.item_hosts.as_slice())
            .unwrap_or_default()
    }

    pub(crate) fn allow_private(&self, portal: &str) -> bool {
        self.scope_of(portal).is_some_and(|s| s.allow_private)
    }

    /// Whether this run sweeps `portal`.
    pub(crate) fn sweeps(&self, portal: &str) -> bool {
        self.swept.contains(portal)
    }

    pub(crate) fn portal_name_of(&self, portal: &str) -> String {
        self.scope_of(portal)
            .map(|s| s.portal.name.clone())
            .unwrap_or_else(|| portal.to_string())
    }
}
