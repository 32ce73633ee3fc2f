//! What a certificate says about its missing intermediate: the caIssuers addresses of a leaf's
//! Authority Information Access extension, and whether a body fetched from one holds a CA
//! certificate (DER or PEM). Pure functions of bytes; malformed input is an error, never a panic.

use rustls::pki_types::CertificateDer;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::oid_registry::OID_PKIX_ACCESS_DESCRIPTOR_CA_ISSUERS;

/// At most this many caIssuers addresses of one certificate are tried.
const MAX_ADDRESSES: usize = 4;
/// The PKCS#7 signedData type, which a `.p7c` bundle of certificates starts with.
const PKCS7_SIGNED_DATA: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02,
];

/// The http caIssuers addresses (OID 1.3.6.1.5.5.7.48.2) a certificate names, in its order:
/// none for a certificate without the extension; an error for bytes that are no certificate.
/// Other schemes (ldap:) are left out: only a plain GET is made.
pub(crate) fn ca_issuers(der: &[u8]) -> Result<Vec<String>, String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der)
        .map_err(|e| format!("the certificate cannot be read: {e}"))?;
    let mut addresses = Vec::new();
    for extension in cert.extensions() {
        let ParsedExtension::AuthorityInfoAccess(aia) = extension.parsed_extension() else {
            continue;
        };
        for access in &aia.accessdescs {
            if access.access_method != OID_PKIX_ACCESS_DESCRIPTOR_CA_ISSUERS {
                continue;
            }
            if let GeneralName::URI(uri) = access.access_location
                && uri
                    .get(..7)
                    .is_some_and(|s| s.eq_ignore_ascii_case("http://"))
                && !addresses.iter().any(|a| a == uri)
                && addresses.len() < MAX_ADDRESSES
            {
                addresses.push(uri.to_string());
            }
        }
    }
    Ok(addresses)
}

/// The CA certificate `body` holds, as DER: DER itself, or the first PEM certificate block.
/// A body that holds none, or a certificate that is no CA's, is an error saying which.
pub(crate) fn intermediate_of(body: &[u8]) -> Result<CertificateDer<'static>, String> {
    let der = if body.trim_ascii_start().starts_with(b"-----BEGIN") {
        let pem = x509_parser::pem::Pem::iter_from_buffer(body)
            .filter_map(Result::ok)
            .find(|pem| pem.label == "CERTIFICATE")
            .ok_or("a PEM file without a certificate block")?;
        pem.contents
    } else {
        body.to_vec()
    };
    match x509_parser::parse_x509_certificate(&der) {
        Ok((_, cert)) if cert.is_ca() => Ok(CertificateDer::from(der)),
        Ok(_) => Err("a certificate that is not a CA's (no basicConstraints CA:true)".into()),
        Err(_) if is_pkcs7(&der) => {
            Err("a PKCS#7 bundle (.p7c), which nianbao does not read".into())
        }
        Err(e) => Err(format!("not a certificate (DER or PEM): {e}")),
    }
}

/// Whether `ca` is the certificate that issued `leaf`: its subject is the leaf's issuer.
/// Either unreadable is no.
pub(crate) fn issued(ca: &[u8], leaf: &[u8]) -> bool {
    match (
        x509_parser::parse_x509_certificate(ca),
        x509_parser::parse_x509_certificate(leaf),
    ) {
        (Ok((_, ca)), Ok((_, leaf))) => ca.subject().as_raw() == leaf.issuer().as_raw(),
        _ => false,
    }
}

/// Whether `der` starts as a PKCS#7 ContentInfo of signedData does.
fn is_pkcs7(der: &[u8]) -> bool {
    der.first() == Some(&0x30)
        && der.get(2..16).is_some_and(|head| {
            head.windows(PKCS7_SIGNED_DATA.len())
                .any(|w| w == PKCS7_SIGNED_DATA)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A leaf naming two caIssuers addresses (one http, one ldap) and an OCSP responder.
    fn leaf_with_aia() -> Vec<u8> {
        let mut params =
            rcgen::CertificateParams::new(vec!["county.gov.cn".to_string()]).expect("a valid name");
        params
            .custom_extensions
            .push(rcgen::CustomExtension::from_oid_content(
                &[1, 3, 6, 1, 5, 5, 7, 1, 1],
                aia_value(&[
                    (2, "http://ca.example.cn/sub.cer"),
                    (1, "http://ocsp.example.cn/"),
                    (2, "ldap://ca.example.cn/cn=sub"),
                ]),
            ));
        let key = rcgen::KeyPair::generate().expect("a key");
        params
            .self_signed(&key)
            .expect("a certificate")
            .der()
            .to_vec()
    }

    /// The DER of an AuthorityInfoAccessSyntax: (last arc of the id-ad OID, URI) pairs.
    fn aia_value(entries: &[(u8, &str)]) -> Vec<u8> {
        let mut body = Vec::new();
        for (arc, uri) in entries {
            let mut access = vec![0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, *arc];
            access.push(0x86);
            access.push(uri.len() as u8);
            access.extend_from_slice(uri.as_bytes());
            body.push(0x30);
            body.push(access.len() as u8);
            body.extend(access);
        }
        let mut value = vec![0x30, body.len() as u8];
        value.extend(body);
        value
    }

    #[test]
    fn the_http_ca_issuers_address_is_read() {
        assert_eq!(
            ca_issuers(&leaf_with_aia()).expect("a certificate"),
            vec!["http://ca.example.cn/sub.cer".to_string()]
        );
    }

    #[test]
    fn malformed_certificates_are_errors() {
        let good = leaf_with_aia();
        let mut cases: Vec<(&str, Vec<u8>)> = vec![
            ("empty", Vec::new()),
            ("truncated", good[..good.len() / 2].to_vec()),
            ("one byte short", good[..good.len() - 1].to_vec()),
            ("not DER", b"<html>404</html>".to_vec()),
        ];
        // The outer length made wrong, and made huge (four length bytes saying ~4 GiB).
        let mut wrong = good.clone();
        wrong[3] = wrong[3].wrapping_add(7);
        cases.push(("wrong length", wrong));
        let mut huge = vec![0x30, 0x84, 0xff, 0xff, 0xff, 0xf0];
        huge.extend_from_slice(&good[4..]);
        cases.push(("huge length", huge));
        cases.push(("endless length bytes", vec![0x30, 0xff, 0xff, 0xff, 0xff]));
        for (what, bytes) in &cases {
            assert!(ca_issuers(bytes).is_err(), "{what}");
            assert!(intermediate_of(bytes).is_err(), "{what}");
        }
        // Every cut of the certificate, and every byte flipped, reads or fails: no panic.
        for end in 0..good.len() {
            let _ = ca_issuers(&good[..end]);
        }
        for at in 0..good.len() {
            let mut flipped = good.clone();
            flipped[at] ^= 0xff;
            let _ = ca_issuers(&flipped);
            let _ = intermediate_of(&flipped);
        }
    }

    #[test]
    fn a_body_must_hold_a_ca_certificate() {
        let key = rcgen::KeyPair::generate().expect("a key");
        let mut params = rcgen::CertificateParams::default();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca = params.self_signed(&key).expect("a CA certificate");
        let der = ca.der().to_vec();
        assert_eq!(intermediate_of(&der).expect("DER").as_ref(), der.as_slice());
        assert_eq!(
            intermediate_of(ca.pem().as_bytes()).expect("PEM").as_ref(),
            der.as_slice()
        );
        let leaf = intermediate_of(&leaf_with_aia()).expect_err("a leaf is no CA");
        assert!(leaf.contains("not a CA's"), "{leaf}");
        let mut p7c = vec![0x30, 0x82, 0x01, 0x00];
        p7c.extend_from_slice(PKCS7_SIGNED_DATA);
        p7c.extend_from_slice(&[0xa0, 0x00]);
        let bundle = intermediate_of(&p7c).expect_err("a bundle is not read");
        assert!(bundle.contains("PKCS#7"), "{bundle}");
        let pem =
            intermediate_of(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        assert!(pem.is_err());
    }
}
