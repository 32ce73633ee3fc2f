//! nianbao's certificate verifier: the one reqwest would build (the system's CA certificates
//! and `fetch.extra_ca_file`'s), and, for a chain it finds of an unknown issuer, a second try
//! with the intermediates nianbao has learned added to those the server sent. What still fails
//! says which caIssuers addresses the leaf names, for the fetch to learn from. Names, dates and
//! signatures are the wrapped verifier's alone: a learned certificate only helps a chain that
//! then reaches a trusted root.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, OtherError, SignatureScheme};

use super::Intermediates;

/// The leaf's chain reaches no trusted root, even with the learned intermediates: the http
/// caIssuers addresses the leaf names (none, or what reading it failed on).
#[derive(Debug, Clone, thiserror::Error)]
#[error("certificate of an unknown issuer, its chain lacking an intermediate")]
pub(crate) struct MissingIntermediate {
    pub aia: Result<Vec<String>, String>,
    /// The leaf, whose issuer a fetched certificate must be.
    pub leaf: CertificateDer<'static>,
}

#[derive(Debug)]
pub(crate) struct AiaVerifier {
    inner: Arc<dyn ServerCertVerifier>,
    learned: Arc<Intermediates>,
}

impl AiaVerifier {
    pub(crate) fn new(inner: Arc<dyn ServerCertVerifier>, learned: Arc<Intermediates>) -> Self {
        AiaVerifier { inner, learned }
    }
}

fn unknown_issuer(result: &Result<ServerCertVerified, rustls::Error>) -> bool {
    matches!(
        result,
        Err(rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer
        ))
    )
}

impl ServerCertVerifier for AiaVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let first = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        if !unknown_issuer(&first) {
            return first;
        }
        let learned = self.learned.snapshot();
        if !learned.is_empty() {
            let mut chain: Vec<CertificateDer<'_>> = intermediates.to_vec();
            chain.extend(learned);
            let again =
                self.inner
                    .verify_server_cert(end_entity, &chain, server_name, ocsp_response, now);
            if !unknown_issuer(&again) {
                return again;
            }
        }
        Err(rustls::Error::InvalidCertificate(CertificateError::Other(
            OtherError(Arc::new(MissingIntermediate {
                aia: super::reader::ca_issuers(end_entity),
                leaf: end_entity.clone().into_owned(),
            })),
        )))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }

    fn requires_raw_public_keys(&self) -> bool {
        self.inner.requires_raw_public_keys()
    }

    fn root_hint_subjects(&self) -> Option<&[rustls::DistinguishedName]> {
        self.inner.root_hint_subjects()
    }
}
