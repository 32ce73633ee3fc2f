//! Certificates for the HTTPS test servers (`RouteServer::bind_tls`), made afresh by each test:
//! a private CA and what it issues (valid, expired, not yet valid, for another name, through an
//! intermediate the server does not send), a self-signed one, and a CA's PKCS#7 bundle. Plus a server that cuts every
//! TLS handshake after the client's first message, as an overloaded or filtered server does, or
//! refuses it as a server of TLS 1.0 only does.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, date_time_ymd,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// When a certificate may be used.
#[derive(Debug, Clone, Copy)]
pub enum Validity {
    /// 2020 to 2100.
    Current,
    /// 2015 to 2019-12-31.
    Expired,
    /// From 2099 on.
    NotYet,
}

/// A certificate authority of the test's own, which nothing trusts unless told to.
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
    /// The intermediates between this CA and its root, the root's first (none for a root).
    above: Vec<CertificateDer<'static>>,
}

impl TestCa {
    pub fn new(name: &str) -> TestCa {
        let issuer =
            CertifiedIssuer::self_signed(ca_params(name), key()).expect("a CA certificate is made");
        TestCa {
            issuer,
            above: Vec::new(),
        }
    }

    /// A CA certificate this one issues, for a chain of three.
    pub fn intermediate(&self, name: &str) -> TestCa {
        let issuer = CertifiedIssuer::signed_by(ca_params(name), key(), &self.issuer)
            .expect("an intermediate certificate is made");
        let mut above = self.above.clone();
        above.push(self.issuer.der().clone());
        TestCa { issuer, above }
    }

    /// The CA's certificate as PEM, as an operator's `extra_ca_file` holds it.
    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// The CA's certificate as DER, as a CA's caIssuers address serves it.
    pub fn der(&self) -> Vec<u8> {
        self.issuer.der().to_vec()
    }

    /// A current server certificate for `names` whose Authority Information Access names
    /// `ca_issuers` (each an address of the issuer's certificate), sent without any
    /// intermediate, as many government servers send theirs.
    pub fn issue_with_aia(&self, names: &[&str], ca_issuers: &[&str]) -> ServedCert {
        let key = key();
        let mut params = leaf_params(names, Validity::Current);
        params.custom_extensions.push(aia_extension(ca_issuers));
        let leaf = params
            .signed_by(&key, &self.issuer)
            .expect("a server certificate is made");
        ServedCert {
            chain: vec![leaf.der().clone()],
            key,
        }
    }

    /// A server certificate for `names` (host names or IP addresses), sent with the
    /// intermediates below the root when `with_chain`.
    pub fn issue(&self, names: &[&str], validity: Validity, with_chain: bool) -> ServedCert {
        let key = key();
        let params = leaf_params(names, validity);
        let leaf = params
            .signed_by(&key, &self.issuer)
            .expect("a server certificate is made");
        let mut chain = vec![leaf.der().clone()];
        if with_chain && !self.above.is_empty() {
            chain.push(self.issuer.der().clone());
            chain.extend(self.above.iter().skip(1).rev().cloned());
        }
        ServedCert { chain, key }
    }
}

/// A certificate for `names` signed by its own key.
pub fn self_signed(names: &[&str]) -> ServedCert {
    let key = key();
    let cert = leaf_params(names, Validity::Current)
        .self_signed(&key)
        .expect("a self-signed certificate is made");
    ServedCert {
        chain: vec![cert.der().clone()],
        key,
    }
}

/// A self-signed certificate for `names` whose AIA names `ca_issuers`.
pub fn self_signed_with_aia(names: &[&str], ca_issuers: &[&str]) -> ServedCert {
    let key = key();
    let mut params = leaf_params(names, Validity::Current);
    params.custom_extensions.push(aia_extension(ca_issuers));
    let cert = params
        .self_signed(&key)
        .expect("a self-signed certificate is made");
    ServedCert {
        chain: vec![cert.der().clone()],
        key,
    }
}

/// An Authority Information Access extension (1.3.6.1.5.5.7.1.1) of caIssuers addresses,
/// written out in DER: rcgen makes none of its own.
fn aia_extension(ca_issuers: &[&str]) -> rcgen::CustomExtension {
    let mut descriptions = Vec::new();
    for uri in ca_issuers {
        // id-ad-caIssuers (1.3.6.1.5.5.7.48.2), then the URI as a [6] GeneralName.
        let mut access = vec![0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02];
        access.push(0x86);
        access.push(u8::try_from(uri.len()).expect("a test URI is shorter than 128 bytes"));
        access.extend_from_slice(uri.as_bytes());
        descriptions.push(0x30);
        descriptions.push(u8::try_from(access.len()).expect("a short access description"));
        descriptions.extend(access);
    }
    let mut value = vec![0x30];
    value.push(u8::try_from(descriptions.len()).expect("short access descriptions"));
    value.extend(descriptions);
    rcgen::CustomExtension::from_oid_content(&[1, 3, 6, 1, 5, 5, 7, 1, 1], value)
}

/// A certs-only PKCS#7 SignedData of `certs` in DER (`.p7c`, application/pkcs7-mime), as some
/// CAs publish the certificate their caIssuers address names: the shape `openssl crl2pkcs7
/// -nocrl` writes (version 1, no digest algorithms, no data, the certificates, no signers).
pub fn pkcs7_bundle(certs: &[Vec<u8>]) -> Vec<u8> {
    const DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
    const SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
    let mut signed = der(0x02, &[1]);
    signed.extend(der(0x31, &[]));
    signed.extend(der(0x30, &der(0x06, DATA)));
    signed.extend(der(0xa0, &certs.concat()));
    signed.extend(der(0x31, &[]));
    let mut info = der(0x06, SIGNED_DATA);
    info.extend(der(0xa0, &der(0x30, &signed)));
    der(0x30, &info)
}

/// One DER element: `tag`, the length of `content` (short or long form), `content`.
fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let len = content.len().to_be_bytes();
    let skip = len.iter().take_while(|b| **b == 0).count();
    let mut out = vec![tag];
    if content.len() < 128 {
        out.push(len[len.len() - 1]);
    } else {
        out.push(0x80 | u8::try_from(len.len() - skip).expect("a length of at most 8 bytes"));
        out.extend_from_slice(&len[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// What a server presents: its certificate chain and the leaf's key.
pub struct ServedCert {
    chain: Vec<CertificateDer<'static>>,
    key: KeyPair,
}

impl ServedCert {
    /// A rustls server configuration presenting this chain (the ring provider named outright:
    /// the test build has two, and rustls picks no default then).
    pub fn server_config(&self) -> Arc<rustls::ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key.serialize_der()));
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("the provider has protocol versions")
            .with_no_client_auth()
            .with_single_cert(self.chain.clone(), key)
            .expect("the key matches the certificate");
        Arc::new(config)
    }
}

fn key() -> KeyPair {
    KeyPair::generate().expect("a key is generated")
}

fn ca_params(name: &str) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.not_before = date_time_ymd(2010, 1, 1);
    params.not_after = date_time_ymd(2100, 1, 1);
    params
}

fn leaf_params(names: &[&str], validity: Validity) -> CertificateParams {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let mut params = CertificateParams::new(names).expect("valid names");
    (params.not_before, params.not_after) = match validity {
        Validity::Current => (date_time_ymd(2020, 1, 1), date_time_ymd(2100, 1, 1)),
        Validity::Expired => (date_time_ymd(2015, 1, 1), date_time_ymd(2019, 12, 31)),
        Validity::NotYet => (date_time_ymd(2099, 1, 1), date_time_ymd(2100, 1, 1)),
    };
    params
}

/// A TLS alert record: fatal (2), protocol_version (70), as a server that speaks only TLS 1.0
/// answers a client offering 1.2 and 1.3.
pub const PROTOCOL_VERSION_ALERT: &[u8] = &[0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46];

/// A server on `ip` that reads the start of each TLS handshake (the ClientHello), writes
/// `reply` (nothing: the handshake is cut) and closes the connection; counts the connections.
pub struct HandshakeCut {
    pub runtime: tokio::runtime::Runtime,
    pub addr: std::net::SocketAddr,
    connections: Arc<AtomicUsize>,
}

impl HandshakeCut {
    pub fn start(ip: &str, reply: &'static [u8]) -> HandshakeCut {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let listener = runtime
            .block_on(TcpListener::bind(format!("{ip}:0")))
            .expect("bind loopback");
        let addr = listener.local_addr().expect("address");
        let connections = Arc::new(AtomicUsize::new(0));
        let seen = connections.clone();
        runtime.spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                seen.fetch_add(1, Ordering::SeqCst);
                let mut hello = [0u8; 512];
                let _ = socket.read(&mut hello).await;
                let _ = socket.write_all(reply).await;
            }
        });
        HandshakeCut {
            runtime,
            addr,
            connections,
        }
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}
