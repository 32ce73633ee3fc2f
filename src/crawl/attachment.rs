//! An item's attachments: fetched after its page is read, each recorded with its hash or with
//! why it is missing, and what the item then waits for before it is fetched again for the
//! missing ones (the failure policy's schedule, or a raised `max_body_bytes`).

use std::sync::Arc;

use chrono::Utc;
use url::Url;

use super::item::excluded_key;
use super::list::kind_name;
use super::revisit::{Held, PreviousVersion};
use super::{Engine, Task};
use crate::classify::{self, PageKind};
use crate::export::{AttachmentRecord, non_empty};
use crate::extract::AttachmentLink;
use crate::fetch::{Capture, ExcludeReason, FetchOptions, FetchOutcome, StoredExchange};
use crate::page::PageRole;
use crate::store::{AttachmentWait, UrlState};

impl Engine {
    /// Whether an archived item is fetched again now, without validators, for the attachments
    /// it lacks (see `AttachmentWait`).
    pub(super) fn attachments_due(&self, state: &UrlState) -> bool {
        state.attachments_due(
            Utc::now(),
            self.settings.fetch.max_body_bytes,
            self.settings.crawl.failures.retry_max,
        )
    }

    /// What an item archived with `attachments` waits for before it is fetched again for the
    /// ones it lacks; None when it lacks none.
    pub(super) fn attachment_wait(
        &self,
        task: &Task,
        known: Option<&UrlState>,
        attachments: &[AttachmentRecord],
    ) -> Option<AttachmentWait> {
        let missing = || attachments.iter().filter(|a| a.sha256.is_none());
        let oversize_at = missing().filter_map(|a| a.max_body_bytes).max();
        let failed: Vec<&str> = missing()
            .filter(|a| a.max_body_bytes.is_none())
            .map(|a| a.missing.as_deref().unwrap_or("attachment"))
            .collect();
        let previous = known
            .filter(|s| s.doc_id.is_some())
            .and_then(|s| s.attachment_wait.as_ref());
        let policy = &self.settings.crawl.failures;
        let wait = policy.attachments_after(previous, oversize_at, &failed, Utc::now());
        if let Some(retry) = wait.as_ref().and_then(|w| w.retry.as_ref()) {
            if retry.gone {
                tracing::info!(
                    url = %task.request.url,
                    kind = %retry.last_kind,
                    "attachment gone: the item is not fetched again for it (`nianbao failures --retry URL` puts it back)"
                );
            } else {
                tracing::info!(
                    url = %task.request.url,
                    kind = %retry.last_kind,
                    next_retry_at = %retry.next_retry_at,
                    "archived without an attachment; asked for again when its retry is due"
                );
            }
        }
        wait
    }

    /// Fetches an item's attachments (`links`) from any public host. A failed attachment is
    /// recorded in the item's record without a hash, with why it is missing, and counted. At a
    /// revisit, `previous` is the version archived before: see `fetch_attachment`.
    pub(super) async fn fetch_attachments(
        &self,
        portal: &str,
        links: &[AttachmentLink],
        previous: Option<&PreviousVersion>,
    ) -> Option<(Vec<AttachmentRecord>, Vec<StoredExchange>)> {
        let mut records = Vec::new();
        let mut exchanges = Vec::new();
        for link in links {
            let held = previous.and_then(|p| p.held(link.url.as_str()));
            let (record, exchange) = self.fetch_attachment(portal, link, held).await?;
            records.push(record);
            exchanges.extend(exchange);
        }
        Some((records, exchanges))
    }

    /// Fetches one attachment: its record, and the exchange to keep with the version when a
    /// body came. None when the run stopped before it was asked.
    ///
    /// `held` is the attachment as the report's previous version holds it, at a revisit: it is
    /// asked with the validators of its last response, and a 304 keeps it as it was (record and
    /// exchange; nothing stored or derived again). A request that fails keeps it too (counted
    /// and logged as any failure), so that no version loses a file to one failed request; only
    /// a new body (another file, or one past `max_body_bytes`) changes it.
    pub(super) async fn fetch_attachment(
        &self,
        portal: &str,
        link: &AttachmentLink,
        held: Option<Held<'_>>,
    ) -> Option<(AttachmentRecord, Option<StoredExchange>)> {
        let any_host = |_: &Url| -> Result<(), ExcludeReason> { Ok(()) };
        let validators = held.as_ref().and_then(Held::validators);
        let options = FetchOptions {
            validators: validators.as_ref(),
            scope: &any_host,
            allow_private: self.allow_private(portal),
            hold: None,
            stop: Some(&self.stopping),
        };
        let request = crate::discover::PageRequest::Get(link.url.clone());
        let mut record = AttachmentRecord {
            url: link.url.to_string(),
            name: non_empty(link.name.clone()),
            content_type: None,
            sha256: None,
            raw_path: None,
            text: Default::default(),
            missing: None,
            max_body_bytes: None,
            tls_unverified: false,
            report_withdrawn: None,
        };
        let outcome = self.fetch(portal, &request, &options).await;
        self.count_server(portal, &link.url, &outcome, true);
        if let (FetchOutcome::NotModified(_), Some(held)) = (&outcome, &held) {
            self.report(portal, |r| r.attachments_not_modified += 1);
            return Some(held.kept());
        }
        match outcome {
            FetchOutcome::Fetched(capture) if capture.has_content_status() => {
                self.report(portal, |r| r.attachments_fetched += 1);
                record.tls_unverified = capture.tls_unverified;
                let capture = Arc::new(capture);
                if let Some(kind) = self.not_a_document(portal, link, &capture).await {
                    tracing::warn!(url = %link.url, %kind, "attachment is no document");
                    let kind = format!("attachment_{kind}");
                    self.report(portal, |r| {
                        *r.failures.entry(kind.clone()).or_default() += 1
                    });
                    if let Some(held) = &held {
                        return Some(kept_after_failure(link, held));
                    }
                    record.missing = Some(kind);
                    return Some((record, None));
                }
                let capture = Arc::unwrap_or_clone(capture);
                // `点击下载` says nothing of the file; the server's file name does.
                if record
                    .name
                    .as_deref()
                    .is_none_or(crate::extract::names_no_file)
                    && let Some(file) = capture.disposition_filename()
                {
                    record.name = Some(file);
                }
                let sniffed = classify::sniff_document_type(&capture.body, Some(link.url.as_str()))
                    .map(str::to_string);
                record.content_type =
                    sniffed.or_else(|| capture.header("content-type").map(str::to_string));
                match self.store_bodies(&capture).await {
                    Ok((blob, exchange)) => {
                        let url = link.url.as_str();
                        let (sha, path) = (&blob.sha256, &blob.raw_path);
                        if let Some(text) =
                            self.derive_text(portal, url, sha, path, capture.body).await
                        {
                            record.text = text;
                        }
                        record.sha256 = Some(blob.sha256);
                        record.raw_path = Some(blob.raw_path);
                        return Some((record, Some(exchange)));
                    }
                    Err(e) => {
                        tracing::error!(url = %link.url, "cannot store attachment: {e:#}");
                        if let Some(held) = &held {
                            return Some(kept_after_failure(link, held));
                        }
                        record.missing = Some("archive".into());
                    }
                }
            }
            FetchOutcome::Stopped { .. } => return None,
            FetchOutcome::Oversize { url, limit } => {
                // Not a fault of the host: it cannot come at this limit, so it is counted
                // apart and the log says which limit to raise.
                tracing::warn!(
                    url = %url,
                    limit,
                    "attachment larger than max_body_bytes ({limit} bytes); not stored (raise fetch.max_body_bytes to keep it)"
                );
                self.report(portal, |r| r.oversize += 1);
                record.missing = Some(crate::export::MISSING_OVERSIZE.into());
                record.max_body_bytes = Some(limit);
            }
            other => {
                let what = match &other {
                    FetchOutcome::Fetched(c) => format!("HTTP {}", c.status),
                    o => o.describe(),
                };
                tracing::warn!(url = %link.url, "attachment not fetched: {what}");
                self.report(portal, |r| {
                    *r.failures.entry("attachment".into()).or_default() += 1
                });
                if let Some(held) = &held {
                    return Some(kept_after_failure(link, held));
                }
                record.missing = Some(missing_kind(&other));
            }
        }
        Some((record, None))
    }

    /// Counts what `outcome` says of the server of `url` in the portal's `file_hosts` (an
    /// attachment) or `report_hosts` (a report's page, counted only off the section's host:
    /// the section's own host failing is `unreachable` or a list's failures).
    pub(super) fn count_server(&self, portal: &str, url: &Url, outcome: &FetchOutcome, file: bool) {
        let Some(failure) = server_failure(outcome) else {
            return;
        };
        if !file
            && self
                .portals
                .get(portal)
                .is_none_or(|scope| scope.host == crate::gate::host_key(url))
        {
            return;
        }
        let host = host_of(url);
        self.report(portal, |r| {
            let hosts = if file {
                &mut r.file_hosts
            } else {
                &mut r.report_hosts
            };
            hosts.entry(host).or_default().count(url.as_str(), failure)
        });
    }

    /// What an attachment's answer is instead of a document: a page that says the file is not
    /// there (a soft 404 served with 200), a login wall, a challenge or notice, an empty page, a
    /// line of error text or JSON, a script that alerts and goes back, bytes that are neither a
    /// document nor text (random bytes under a `.pdf` name: `not_text`), a page of the site
    /// (`site_page`: the home page a download script redirects to, a column it forwards to).
    /// A sniffed document, or a page with text of its own and no site around it (Word saves
    /// pages as `.doc`), is one; so is any page of content for a page of the article (`第2页`,
    /// `正文`), which is a web page by design.
    async fn not_a_document(
        &self,
        portal: &str,
        link: &AttachmentLink,
        capture: &Arc<Capture>,
    ) -> Option<String> {
        if classify::sniff_document_type(&capture.body, Some(capture.url.as_str())).is_some() {
            return None;
        }
        // Download scripts answer a missing file with 200, a document's Content-Type and an
        // empty body or a line of text, which the page classifier would take for the file.
        if let Some(kind) = classify::non_document_answer(&capture.body) {
            return Some(kind.to_string());
        }
        let role = PageRole::Item {
            evidence: crate::extract::ListEvidence::default(),
            portal_name: self.portal_name_of(portal),
        };
        let analysis = match self.read_page(portal, capture, role).await {
            Ok(analysis) => analysis,
            Err(failure) => return Some(failure.name().to_string()),
        };
        let kind = analysis.kind;
        if matches!(
            kind,
            PageKind::SoftNotFound
                | PageKind::ServerError
                | PageKind::LoginWall
                | PageKind::EmptyTemplate
                | PageKind::Challenge { .. }
                | PageKind::NotText { .. }
        ) {
            return Some(kind_name(&kind));
        }
        let article_page = link
            .name
            .as_deref()
            .is_some_and(crate::export::names_article_page);
        let text = analysis.decoded.map(|d| d.text).filter(|_| !article_page)?;
        let (url, redirected) = (capture.url.clone(), !capture.redirects.is_empty());
        // The page parsed within bounds in `read_page`: parsing it again is as safe, and is
        // CPU work, kept off the runtime's threads.
        let site = tokio::task::spawn_blocking(move || {
            classify::is_site_page(&url, redirected, &classify::PageFacts::of(&text))
        })
        .await
        .unwrap_or(false);
        site.then(|| "site_page".to_string())
    }
}

/// A held attachment kept by a version after its request failed (the failure is counted by the
/// caller).
fn kept_after_failure(
    link: &AttachmentLink,
    held: &Held<'_>,
) -> (AttachmentRecord, Option<StoredExchange>) {
    tracing::info!(url = %link.url, "kept the file the previous version holds; asked again at the next revisit");
    held.kept()
}

/// Why an attachment that was asked for and did not come is missing, in the names the run
/// report and the failure policy use (`http_404`, `timeout`, `blocked` …).
fn missing_kind(outcome: &FetchOutcome) -> String {
    match outcome {
        FetchOutcome::Fetched(c) | FetchOutcome::NotModified(c) => format!("http_{}", c.status),
        FetchOutcome::Blocked { .. } => "blocked".into(),
        FetchOutcome::Excluded { reason, .. } => excluded_key(reason).into(),
        FetchOutcome::Oversize { .. } => crate::export::MISSING_OVERSIZE.into(),
        FetchOutcome::Failed { kind, .. } => kind.name(),
        FetchOutcome::HostPaused { .. } => "host_paused".into(),
        FetchOutcome::Stopped { .. } => "stopped".into(),
    }
}

/// The failure kind of a file server whose robots.txt could not be read (5xx, connect, timeout).
const ROBOTS_UNAVAILABLE: &str = "robots_unavailable";

/// What a fetch's outcome says of its server: `Some(None)` it answered, `Some(Some(kind))` it
/// failed (`crate::health::fails_the_host`, or its robots.txt could not be read), None it says
/// nothing (blocked, excluded, stopped).
fn server_failure(outcome: &FetchOutcome) -> Option<Option<String>> {
    match outcome {
        // A server that is down cannot give its robots.txt either, and then nothing on it is
        // asked: that is the failure a host that refuses connections shows. A robots.txt that
        // redirects in a loop, to a host that failed, or is too large says nothing of the server.
        FetchOutcome::Excluded {
            reason:
                ExcludeReason::RobotsUnavailable {
                    on_server: true, ..
                },
            ..
        } => Some(Some(ROBOTS_UNAVAILABLE.into())),
        FetchOutcome::Blocked { .. }
        | FetchOutcome::Excluded { .. }
        | FetchOutcome::Stopped { .. } => None,
        other => {
            let kind = missing_kind(other);
            Some(crate::health::fails_the_host(&kind).then_some(kind))
        }
    }
}

/// A server's name in the run report: its host, with the port when the URL names one.
fn host_of(url: &Url) -> String {
    let host = url.host_str().unwrap_or("");
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}
