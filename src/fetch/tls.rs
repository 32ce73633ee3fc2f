//! HTTPS: which hosts are fetched without verifying their certificates (their portal's
//! `tls_verify = false`), the extra CA certificates an operator trusts, and what a failed
//! handshake's cause chain says, named for the run report. Never a fallback to http.

use std::error::Error;
use std::path::Path;

use chrono::DateTime;
use rustls::CertificateError;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, UnixTime};

use super::outcome::FailKind;
use crate::gate::HostPattern;

/// The config key that lets a portal whose certificate is broken be archived.
const TLS_VERIFY_ADVICE: &str = "to archive it anyway, set `tls_verify = false` in its portal's [[portal]] table \
     (captures are then marked tls_unverified)";

/// A host's TLS failure as the run report and `status` name it: the kind, what failed and,
/// for a certificate, the key that lets its portal be archived anyway.
pub fn tls_failure_line(kind: FailKind, detail: &str) -> String {
    match kind {
        FailKind::TlsCertificate => format!("{}: {detail}; {TLS_VERIFY_ADVICE}", kind.name()),
        _ => format!("{}: {detail}", kind.name()),
    }
}

/// Which hosts' certificates are verified: `default` for every host but those a portal
/// names (its section's host and its `item_hosts`) with a `tls_verify` of its own.
#[derive(Debug, Clone)]
pub struct TlsHosts {
    default: bool,
    portals: Vec<(HostPattern, bool)>,
}

impl TlsHosts {
    /// Every host verified or not, as `default` says.
    pub fn all(default: bool) -> TlsHosts {
        TlsHosts {
            default,
            portals: Vec::new(),
        }
    }

    /// `default` for every host, and each portal's own `tls_verify`, where it sets one, for
    /// its section's host and its `item_hosts`.
    pub fn of_portals(default: bool, portals: &[crate::config::Portal]) -> TlsHosts {
        let mut hosts = TlsHosts::all(default);
        for portal in portals {
            if let Some(verify) = portal.tls_verify {
                let own = HostPattern::Exact(crate::gate::host_key(&portal.url));
                hosts.portal(
                    std::iter::once(own).chain(portal.item_hosts.iter().cloned()),
                    verify,
                );
            }
        }
        hosts
    }

    /// The hosts of one portal follow its own setting.
    pub fn portal(&mut self, hosts: impl IntoIterator<Item = HostPattern>, verify: bool) {
        self.portals
            .extend(hosts.into_iter().map(|pattern| (pattern, verify)));
    }

    /// Whether `host`'s certificate is verified. A host two portals name is verified if
    /// either asks for it: an unverified fetch is the exception that must be asked for.
    pub fn verifies(&self, host: &str) -> bool {
        let mut named = self
            .portals
            .iter()
            .filter(|(pattern, _)| pattern.matches(host))
            .map(|(_, verify)| *verify)
            .peekable();
        if named.peek().is_none() {
            return self.default;
        }
        named.any(|verify| verify)
    }

    /// Whether some host may be fetched unverified (a second client is needed).
    pub fn any_unverified(&self) -> bool {
        !self.default || self.portals.iter().any(|(_, verify)| !verify)
    }
}

/// The CA certificates of a PEM file, trusted beside the system's.
pub fn extra_roots(path: &Path) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let pem = std::fs::read(path)
        .map_err(|e| anyhow::anyhow!("fetch.extra_ca_file: cannot read {}: {e}", path.display()))?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            anyhow::anyhow!(
                "fetch.extra_ca_file: {} is not a PEM file of certificates: {e}",
                path.display()
            )
        })?;
    if certs.is_empty() {
        anyhow::bail!(
            "fetch.extra_ca_file: {} holds no certificate (expected PEM blocks \
             `-----BEGIN CERTIFICATE-----`)",
            path.display()
        );
    }
    Ok(certs)
}

/// The failure a TLS error in `error`'s cause chain makes, with its reason and whether it is
/// worth another try, when there is one. `connecting_https`: the error came while connecting
/// for an HTTPS request, so a connection cut before any answer was cut in its handshake.
pub(super) fn classify(
    error: &(dyn Error + 'static),
    connecting_https: bool,
) -> Option<(FailKind, String, bool)> {
    if let Some(tls) = causes(error).find_map(|e| e.downcast_ref::<rustls::Error>()) {
        return Some(match tls {
            rustls::Error::InvalidCertificate(problem) => (
                FailKind::TlsCertificate,
                certificate_problem(problem),
                false,
            ),
            rustls::Error::PeerIncompatible(why) => (
                FailKind::TlsHandshake,
                format!(
                    "no TLS version or cipher in common with the server ({why:?}); \
                     servers that offer only TLS 1.0 or 1.1 cannot be fetched"
                ),
                false,
            ),
            rustls::Error::AlertReceived(alert)
                if matches!(
                    alert,
                    rustls::AlertDescription::ProtocolVersion
                        | rustls::AlertDescription::HandshakeFailure
                        | rustls::AlertDescription::InsufficientSecurity
                ) =>
            {
                (
                    FailKind::TlsHandshake,
                    format!(
                        "the server refused the TLS handshake ({alert:?}): it may offer only \
                         TLS 1.0 or 1.1, or ciphers that are not supported"
                    ),
                    false,
                )
            }
            other => (
                FailKind::TlsHandshake,
                format!("TLS handshake failed: {other}"),
                true,
            ),
        });
    }
    // A TCP connection is refused or times out; one that ends or is reset while connecting
    // for an HTTPS request ended during the handshake: worth another try.
    let cut = causes(error)
        .filter_map(|e| e.downcast_ref::<std::io::Error>())
        .any(|io| {
            matches!(
                io.kind(),
                std::io::ErrorKind::UnexpectedEof
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
            )
        });
    (connecting_https && cut).then(|| {
        (
            FailKind::TlsHandshake,
            "the server closed the connection during the TLS handshake".to_string(),
            true,
        )
    })
}

/// An error and its causes. An `io::Error` that wraps another error is followed into it:
/// its own `source` skips the wrapped error (rustls's errors reach reqwest that way).
fn causes<'a>(error: &'a (dyn Error + 'static)) -> impl Iterator<Item = &'a (dyn Error + 'static)> {
    std::iter::successors(Some(error), |&e: &&'a (dyn Error + 'static)| {
        match e
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            Some(inner) => Some(inner as &(dyn Error + 'static)),
            None => e.source(),
        }
    })
}

/// What a certificate whose chain lacks an intermediate nianbao has learned says about it
/// (`aia::MissingIntermediate`), when that is what `error` failed on.
pub(super) fn missing_intermediate(
    error: &(dyn Error + 'static),
) -> Option<super::aia::MissingIntermediate> {
    causes(error).find_map(|e| match e.downcast_ref::<rustls::Error>()? {
        rustls::Error::InvalidCertificate(CertificateError::Other(other)) => other
            .0
            .downcast_ref::<super::aia::MissingIntermediate>()
            .cloned(),
        _ => None,
    })
}

/// Why a chain that lacks its intermediate stays incomplete: `why` says what its caIssuers
/// address gave, or that it names none.
pub(super) fn incomplete_chain(why: &str) -> String {
    format!("{UNKNOWN_ISSUER}; its chain lacks the intermediate: {why}")
}

const UNKNOWN_ISSUER: &str = "certificate of an unknown issuer: a self-signed certificate, a \
     private or national CA (trust it with fetch.extra_ca_file), or a chain sent without its \
     intermediate certificate";

/// A certificate problem in words an operator acts on.
fn certificate_problem(problem: &CertificateError) -> String {
    match problem {
        CertificateError::Expired => "certificate expired".into(),
        CertificateError::ExpiredContext { not_after, .. } => {
            format!("certificate expired on {}", day(*not_after))
        }
        CertificateError::NotValidYet => "certificate not valid yet".into(),
        CertificateError::NotValidYetContext { not_before, .. } => {
            format!("certificate not valid before {}", day(*not_before))
        }
        CertificateError::NotValidForName => "certificate issued for another name".into(),
        CertificateError::NotValidForNameContext {
            expected,
            presented,
        } => format!(
            "certificate issued for another name: {} is not among {}",
            expected.to_str(),
            if presented.is_empty() {
                "its names (it names none)".to_string()
            } else {
                presented.join(", ")
            }
        ),
        CertificateError::UnknownIssuer => UNKNOWN_ISSUER.into(),
        other => format!("certificate refused: {other}"),
    }
}

fn day(time: UnixTime) -> String {
    i64::try_from(time.as_secs())
        .ok()
        .and_then(|secs| DateTime::from_timestamp(secs, 0))
        .map_or_else(
            || format!("{} (UNIX time)", time.as_secs()),
            |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_portal_setting_covers_its_hosts_only() {
        let pattern = |text| HostPattern::parse(text).expect("a pattern");
        let mut hosts = TlsHosts::all(true);
        assert!(!hosts.any_unverified());
        hosts.portal(
            [pattern("old.county.gov.cn"), pattern("*.platform.cn")],
            false,
        );
        assert!(hosts.any_unverified());
        assert!(!hosts.verifies("old.county.gov.cn"));
        assert!(!hosts.verifies("x.platform.cn"));
        assert!(hosts.verifies("www.county.gov.cn"));
        // Another portal on the same host that wants it verified wins.
        hosts.portal([pattern("x.platform.cn")], true);
        assert!(hosts.verifies("x.platform.cn"));
        let mut lax = TlsHosts::all(false);
        lax.portal([pattern("strict.gov.cn")], true);
        assert!(lax.verifies("strict.gov.cn"));
        assert!(!lax.verifies("other.gov.cn"));
    }

    #[test]
    fn certificate_problems_name_their_dates_and_names() {
        let expired = CertificateError::ExpiredContext {
            time: UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_700_000_000)),
            not_after: UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_577_750_400)),
        };
        assert_eq!(
            certificate_problem(&expired),
            "certificate expired on 2019-12-31 00:00:00 UTC"
        );
        let name = CertificateError::NotValidForNameContext {
            expected: rustls::pki_types::ServerName::try_from("county.gov.cn")
                .expect("a name")
                .to_owned(),
            presented: vec!["DnsName(\"platform.gov.cn\")".into()],
        };
        assert!(certificate_problem(&name).contains("county.gov.cn is not among"));
    }
}
