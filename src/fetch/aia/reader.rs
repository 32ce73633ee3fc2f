//! What a certificate says about its missing intermediate: the caIssuers addresses of a leaf's
//! Authority Information Access extension, the CA certificates a body fetched from one holds
//! (DER, PEM or a PKCS#7 bundle) and which of them issued the leaf. Pure functions of bytes; malformed input is an error, never a panic.

use rustls::pki_types::CertificateDer;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::oid_registry::OID_PKIX_ACCESS_DESCRIPTOR_CA_ISSUERS;

use super::pkcs7;

/// At most this many caIssuers addresses of one certificate are tried.
const MAX_ADDRESSES: usize = 4;
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

/// The CA certificates a body fetched from a caIssuers address holds, as DER, in its order: a
/// certificate in DER, PEM certificate blocks, or a certs-only PKCS#7 bundle (`.p7c`) in DER or
/// in a PEM `PKCS7` block (`pkcs7`). Certificates that are no CA's are left out; a body that
/// holds none is an error saying what it holds.
pub(crate) fn ca_certificates(body: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let objects: Vec<Vec<u8>> = if body.trim_ascii_start().starts_with(b"-----BEGIN") {
        let blocks: Vec<Vec<u8>> = x509_parser::pem::Pem::iter_from_buffer(body)
            .filter_map(Result::ok)
            .filter(|pem| matches!(pem.label.as_str(), "CERTIFICATE" | "PKCS7"))
            .take(pkcs7::MAX_CERTS)
            .map(|pem| pem.contents)
            .collect();
        if blocks.is_empty() {
            return Err("a PEM file without a certificate or PKCS7 block".into());
        }
        blocks
    } else {
        vec![body.to_vec()]
    };
    let mut found = Vec::new();
    let mut refused = None;
    for object in &objects {
        let certs = match x509_parser::parse_x509_certificate(object) {
            Ok(_) => vec![object.as_slice()],
            Err(_) if pkcs7::is_bundle(object) => pkcs7::certificates(object)
                .map_err(|why| format!("a PKCS#7 bundle that cannot be read: {why}"))?,
            Err(e) => return Err(format!("not a certificate (DER, PEM or PKCS#7): {e}")),
        };
        for der in certs {
            match x509_parser::parse_x509_certificate(der) {
                Ok((_, cert)) if cert.is_ca() => found.push(CertificateDer::from(der.to_vec())),
                Ok(_) => {
                    refused = Some("a certificate that is not a CA's (no basicConstraints CA:true)")
                }
                Err(_) => refused = Some("a PKCS#7 bundle holding what is not a certificate"),
            }
        }
    }
    if found.is_empty() {
        return Err(refused.unwrap_or("no certificate").into());
    }
    Ok(found)
}

/// The CA certificate a file kept in data_dir holds (one, in DER).
pub(crate) fn intermediate_of(bytes: &[u8]) -> Result<CertificateDer<'static>, String> {
    ca_certificates(bytes)?
        .into_iter()
        .next()
        .ok_or_else(|| "no certificate".into())
}

/// The certificate among `certs` (what `address` gave) that issued `leaf`, or why none did.
pub(crate) fn issuer_in(
    certs: &[CertificateDer<'static>],
    leaf: &[u8],
    address: &str,
) -> Result<CertificateDer<'static>, String> {
    match certs.iter().find(|der| issued(der, leaf)) {
        Some(der) => Ok(der.clone()),
        None if certs.len() == 1 => Err(format!(
            "the certificate at {address} is not the one that issued it"
        )),
        None => Err(format!(
            "none of the {} certificates at {address} is the one that issued it",
            certs.len()
        )),
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

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A leaf naming two caIssuers addresses (one http, one ldap) and an OCSP responder.
    pub(crate) fn leaf_with_aia() -> Vec<u8> {
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
        let mut p7c = vec![0x30, 0x82, 0x01, 0x00, 0x06, 0x09];
        p7c.extend_from_slice(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02]);
        p7c.extend_from_slice(&[0xa0, 0x00]);
        let bundle = intermediate_of(&p7c).expect_err("a cut bundle");
        assert!(
            bundle.contains("PKCS#7 bundle that cannot be read"),
            "{bundle}"
        );
        let pem =
            intermediate_of(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        assert!(pem.is_err());
    }

    /// A DER element: `tag`, its length (short or long form), `content`.
    pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len().to_be_bytes();
        let skip = len.iter().take_while(|b| **b == 0).count();
        match content.len() {
            0..=127 => out.push(len[len.len() - 1]),
            _ => {
                out.push(0x80 | (len.len() - skip) as u8);
                out.extend_from_slice(&len[skip..]);
            }
        }
        out.extend_from_slice(content);
        out
    }

    /// A certs-only PKCS#7 SignedData of `certs`, as a CA's `.p7c` is (`openssl crl2pkcs7
    /// -nocrl` writes this shape): version 1, no digest algorithms, data content absent, the
    /// certificates, no signers.
    pub(crate) fn bundle(certs: &[&[u8]]) -> Vec<u8> {
        signed_data(&[tlv(0xa0, &certs.concat()), tlv(0x31, &[])].concat())
    }

    /// A ContentInfo of signedData whose SignedData holds `after_encap` after its first three
    /// elements (version 1, no digest algorithms, data content absent).
    pub(crate) fn signed_data(after_encap: &[u8]) -> Vec<u8> {
        let mut body = tlv(0x02, &[1]);
        body.extend(tlv(0x31, &[]));
        body.extend(tlv(
            0x30,
            &tlv(
                0x06,
                &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01],
            ),
        ));
        body.extend_from_slice(after_encap);
        let mut info = tlv(
            0x06,
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02],
        );
        info.extend(tlv(0xa0, &tlv(0x30, &body)));
        tlv(0x30, &info)
    }

    fn ca_params(name: &str) -> rcgen::CertificateParams {
        let mut params = rcgen::CertificateParams::default();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        params
    }

    /// A self-signed CA certificate named `name`.
    pub(crate) fn ca_der(name: &str) -> Vec<u8> {
        let key = rcgen::KeyPair::generate().expect("a key");
        let ca = ca_params(name).self_signed(&key).expect("a CA certificate");
        ca.der().to_vec()
    }

    /// A root, an intermediate it signed and a leaf the intermediate signed, as DER.
    fn chain() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
        let root = rcgen::CertifiedIssuer::self_signed(ca_params("a root"), key()).expect("a root");
        let sub = rcgen::CertifiedIssuer::signed_by(ca_params("an intermediate"), key(), &root)
            .expect("an intermediate");
        let leaf = rcgen::CertificateParams::new(vec!["county.gov.cn".to_string()])
            .expect("a valid name")
            .signed_by(&key(), &sub)
            .expect("a leaf");
        (root.der().to_vec(), sub.der().to_vec(), leaf.der().to_vec())
    }

    fn key() -> rcgen::KeyPair {
        rcgen::KeyPair::generate().expect("a key")
    }

    #[test]
    fn a_bundle_gives_the_certificate_that_issued_the_leaf() {
        let (root, sub, leaf) = chain();
        let address = "http://ca.example.cn/sub.p7c";
        // The root first, and the leaf itself in the bundle: only CA certificates are taken,
        // and of them the leaf's issuer.
        let p7c = bundle(&[root.as_slice(), sub.as_slice(), leaf.as_slice()]);
        let pem = format!(
            "-----BEGIN PKCS7-----\n{}\n-----END PKCS7-----\n",
            base64_lines(&p7c)
        );
        for body in [p7c.clone(), pem.into_bytes()] {
            let certs = ca_certificates(&body).expect("a bundle");
            assert_eq!(certs.len(), 2);
            let issuer = issuer_in(&certs, &leaf, address).expect("its issuer");
            assert_eq!(issuer.as_ref(), sub.as_slice());
        }
        // A bundle without the leaf's issuer says so; one of leaves only holds no CA's.
        let certs =
            ca_certificates(&bundle(&[root.as_slice(), &ca_der("another")])).expect("a bundle");
        let none = issuer_in(&certs, &leaf, address).expect_err("no issuer");
        assert!(
            none.contains("none of the 2 certificates at http://ca.example.cn/sub.p7c"),
            "{none}"
        );
        let leaves = ca_certificates(&bundle(&[leaf.as_slice()])).expect_err("no CA");
        assert!(leaves.contains("not a CA's"), "{leaves}");
        let junk = ca_certificates(&bundle(&[b"\x30\x03\x02\x01\x01".as_slice()]))
            .expect_err("no certificate");
        assert!(junk.contains("what is not a certificate"), "{junk}");
        let empty = ca_certificates(&bundle(&[])).expect_err("empty");
        assert!(empty.contains("holds no certificate"), "{empty}");
    }

    /// `der` in base64, 64 characters a line, as a PEM block's body.
    pub(crate) fn base64_lines(der: &[u8]) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut text = Vec::new();
        for chunk in der.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
            for i in 0..4 {
                text.push(if i <= chunk.len() {
                    ALPHABET[(n >> (18 - 6 * i) & 63) as usize]
                } else {
                    b'='
                });
            }
        }
        text.chunks(64)
            .map(|line| String::from_utf8_lossy(line).into_owned())
            .collect::<Vec<_>>()
            .join("\n")
    }
}
