//! Chains sent without their intermediate certificate, completed as browsers complete them
//! (Authority Information Access): the verifier (`verifier`) tries again with the intermediates
//! learned so far; when the chain is still incomplete the fetch reads the leaf's caIssuers
//! address (`reader`), fetches the certificate there (or a PKCS#7 bundle, `pkcs7`) once a run,
//! through the host gate like any request, learns the one that issued the leaf and asks the
//! page again once. Learned intermediates that completed a chain are kept in
//! `data_dir/tls/intermediates/<sha256>.der` and the 64 most recently kept learned again at
//! start (`kept`).
//! Nothing is trusted because it was fetched: the chain must still reach a trusted root.

mod kept;
mod pkcs7;
mod reader;
mod verifier;

#[cfg(test)]
mod fuzz;

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rustls::pki_types::CertificateDer;
use url::Url;

use super::wire::{SendError, send_once};
use super::{Fetcher, is_private_host};
use crate::config::FetchSettings;
use crate::discover::PageRequest;
pub(super) use verifier::MissingIntermediate;

/// Learned intermediates kept in memory; the oldest gives way.
const MAX_LEARNED: usize = 64;
/// An intermediate certificate is a few KiB: a larger answer is no certificate.
const MAX_CERT_BYTES: u64 = 64 * 1024;
/// The whole fetch of one intermediate.
const CERT_TIMEOUT: Duration = Duration::from_secs(10);

/// What one caIssuers address gave in this run: its CA certificates (one, or those of a
/// PKCS#7 bundle), or why none.
type Fetched = Result<Vec<CertificateDer<'static>>, String>;

/// The intermediates learned in this run or kept from earlier runs, shared by the verifier
/// and the fetch.
#[derive(Debug, Default)]
pub(crate) struct Intermediates {
    certs: Mutex<VecDeque<CertificateDer<'static>>>,
    /// Where those that completed a chain are kept, once the crawl names its data_dir.
    dir: Mutex<Option<PathBuf>>,
    /// Each caIssuers address asked in this run, asked once.
    fetched: Mutex<HashMap<String, Arc<tokio::sync::OnceCell<Fetched>>>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding one of these locks leaves plain data behind, still usable.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Intermediates {
    pub(crate) fn snapshot(&self) -> Vec<CertificateDer<'static>> {
        lock(&self.certs).iter().cloned().collect()
    }

    fn learn(&self, der: CertificateDer<'static>) {
        let mut certs = lock(&self.certs);
        if certs.contains(&der) {
            return;
        }
        if certs.len() >= MAX_LEARNED {
            certs.pop_front();
        }
        certs.push_back(der);
    }

    fn cell(&self, address: &str) -> Arc<tokio::sync::OnceCell<Fetched>> {
        lock(&self.fetched)
            .entry(address.to_string())
            .or_default()
            .clone()
    }
}

/// The TLS setup of the verifying client: reqwest's own (its crypto provider, TLS 1.2 and 1.3,
/// HTTP/1.1, the platform verifier with `extra_roots`), the verifier wrapped in nianbao's.
pub(super) fn verifying_tls(
    extra_roots: Vec<CertificateDer<'static>>,
    learned: Arc<Intermediates>,
) -> anyhow::Result<rustls::ClientConfig> {
    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
    let inner = if extra_roots.is_empty() {
        rustls_platform_verifier::Verifier::new(provider.clone())
    } else {
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra_roots, provider.clone())
    }
    .map_err(|e| anyhow::anyhow!("cannot load the CA certificates: {e}"))?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .map_err(|e| anyhow::anyhow!("TLS versions: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier::AiaVerifier::new(
            Arc::new(inner),
            learned,
        )))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// An intermediate fetched for a page's chain: where from, and the certificate.
pub(super) struct Learned {
    pub address: String,
    der: CertificateDer<'static>,
}

impl Fetcher {
    /// Keeps the intermediates nianbao learns in `dir` (`data_dir/tls/intermediates`, for a
    /// crawl and for `inspect` and `find-section` with a config), and learns those kept there
    /// by earlier runs. They are a cache that only saves AIA fetches: a `dir` that cannot be
    /// read (a file, a folder without permission) is said once, and the run goes on keeping
    /// none there.
    pub fn keep_intermediates(&self, dir: &Path) {
        match self.intermediates.load(dir) {
            Ok(learned) => {
                tracing::debug!(learned, dir = %dir.display(), "intermediate certificates loaded")
            }
            Err(e) => tracing::warn!(
                "kept intermediates not used: {e:#}; this run fetches them again and keeps none"
            ),
        }
    }

    /// Fetches the intermediate `missing`'s chain lacks from the first of its caIssuers
    /// addresses that gives the CA certificate that issued its leaf, each address once a run
    /// (an address asked earlier gives what it gave then), and learns it. The error says why
    /// each address gave none.
    pub(super) async fn fetch_intermediate(
        &self,
        missing: &MissingIntermediate,
        allow_private: bool,
        sent: &AtomicU64,
    ) -> Result<Learned, String> {
        let addresses = match &missing.aia {
            Ok(addresses) if !addresses.is_empty() => addresses,
            Ok(_) => {
                return Err(
                    "the certificate names no AIA address (an http caIssuers URL) \
                            to fetch it from"
                        .into(),
                );
            }
            Err(why) => return Err(format!("its AIA address cannot be read: {why}")),
        };
        let mut failures = Vec::new();
        for address in addresses {
            let fetched = self
                .intermediates
                .cell(address)
                .get_or_init(|| self.get_certificate(address, allow_private, sent))
                .await
                .clone();
            match fetched.map(|certs| reader::issuer_in(&certs, &missing.leaf, address)) {
                Ok(Ok(der)) => {
                    self.intermediates.learn(der.clone());
                    return Ok(Learned {
                        address: address.clone(),
                        der,
                    });
                }
                Ok(Err(why)) => failures.push(why),
                Err(why) => failures.push(format!(
                    "fetching the intermediate from {address} failed: {why}"
                )),
            }
        }
        Err(failures.join("; "))
    }

    /// A page's chain verified with `learned`: it is kept for the next runs.
    pub(super) fn completed_chain(&self, learned: &Learned) {
        self.intermediates.keep(&learned.der);
    }

    /// One plain GET of a caIssuers address, through its host's gate, counted; at most
    /// `MAX_CERT_BYTES` within `CERT_TIMEOUT`, never retried.
    async fn get_certificate(
        &self,
        address: &str,
        allow_private: bool,
        sent: &AtomicU64,
    ) -> Fetched {
        let url = Url::parse(address).map_err(|e| format!("not a URL: {e}"))?;
        if !allow_private && is_private_host(&url) {
            return Err("it is a private address".into());
        }
        let server = self
            .server_of(&url)
            .await
            .map_err(|reason| reason.to_string())?;
        let host = self.gate.host(&url);
        let slot = host
            .acquire(self.gate.global(), server.as_ref(), None)
            .await
            .map_err(|reason| reason.to_string())?;
        sent.fetch_add(1, Ordering::Relaxed);
        let settings = FetchSettings {
            max_body_bytes: MAX_CERT_BYTES,
            timeout: CERT_TIMEOUT,
            read_timeout: self.settings.read_timeout.min(CERT_TIMEOUT),
            ..self.settings.clone()
        };
        let result = send_once(
            (&self.client, false),
            &PageRequest::Get(url.clone()),
            None,
            &self.politeness().user_agent,
            &settings,
            None,
            || host.answered(),
        )
        .await;
        if result.is_err() {
            host.answered();
        }
        drop(slot);
        match result {
            Ok(capture) if capture.status == 200 => {
                host.on_success();
                reader::ca_certificates(&capture.body)
            }
            Ok(capture) => Err(format!("HTTP {}", capture.status)),
            Err(SendError::Oversize { limit }) => Err(format!("larger than {limit} bytes")),
            Err(SendError::Transient(kind, detail) | SendError::Fatal(kind, detail)) => {
                Err(format!("{}: {detail}", kind.name()))
            }
            Err(SendError::OutOfFiles(detail)) => {
                crate::store::fault::note_request(&url, &detail);
                Err(format!("no file descriptor left: {detail}"))
            }
            Err(SendError::MissingIntermediate(_)) => {
                Err("its own HTTPS chain lacks an intermediate".into())
            }
        }
    }
}
