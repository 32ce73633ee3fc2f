//! The certificates of a certs-only PKCS#7 bundle (`.p7c`, application/pkcs7-mime), as some CAs
//! publish the certificate their caIssuers address names: ContentInfo → signedData → [0]
//! IMPLICIT certificates, read in DER with the reader `x509-parser` is built on. A pure function
//! of bytes, bounded by them: a length past the end is an error, never a read or an allocation.

use x509_parser::asn1_rs::{Any, Class, FromDer, Tag};
use x509_parser::nom;

/// The signedData content type (1.2.840.113549.1.7.2), the contents of its OID.
const SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
/// At most this many certificates of one bundle are read: a CA's has one to three.
pub(super) const MAX_CERTS: usize = 16;

/// Whether `der` starts as a PKCS#7 ContentInfo of signedData does: a SEQUENCE whose first
/// element is that OID. Says nothing of what follows.
pub(super) fn is_bundle(der: &[u8]) -> bool {
    let mut oid = vec![0x06, 0x09];
    oid.extend_from_slice(SIGNED_DATA);
    der.first() == Some(&0x30)
        && der
            .get(2..16)
            .is_some_and(|head| head.windows(oid.len()).any(|w| w == oid.as_slice()))
}

/// The DER of each certificate in the bundle's `certificates` set, in its order (at most
/// `MAX_CERTS`; other kinds of entry, such as attribute certificates, are passed over).
/// A bundle cut short, with an element of the wrong kind, or without certificates is an error
/// saying which.
pub(super) fn certificates(der: &[u8]) -> Result<Vec<&[u8]>, String> {
    let (_, info) = element(der, "its ContentInfo", Class::Universal, Tag::Sequence)?;
    let (rest, kind) = element(info.data, "its content type", Class::Universal, Tag::Oid)?;
    if kind.data != SIGNED_DATA {
        return Err("its content type is not signedData".into());
    }
    let (_, content) = element(rest, "its content", Class::ContextSpecific, Tag(0))?;
    let (_, signed) = element(
        content.data,
        "its signedData",
        Class::Universal,
        Tag::Sequence,
    )?;
    let (rest, _) = element(signed.data, "its version", Class::Universal, Tag::Integer)?;
    let (rest, _) = element(rest, "its digestAlgorithms", Class::Universal, Tag::Set)?;
    let (rest, _) = element(
        rest,
        "its encapContentInfo",
        Class::Universal,
        Tag::Sequence,
    )?;
    // certificates [0] is optional: crls [1] or signerInfos may come next.
    let (_, set) = any(rest, "its certificates")?;
    if set.class() != Class::ContextSpecific || set.tag() != Tag(0) {
        return Err("a bundle without certificates".into());
    }
    let mut certs = Vec::new();
    let mut rest = set.data;
    while !rest.is_empty() && certs.len() < MAX_CERTS {
        let (after, entry) = any(rest, "a certificate in it")?;
        if entry.class() == Class::Universal && entry.tag() == Tag::Sequence {
            certs.push(&rest[..rest.len() - after.len()]);
        }
        rest = after;
    }
    if certs.is_empty() {
        return Err("its certificates set holds no certificate".into());
    }
    Ok(certs)
}

/// The next DER element of `input`, `what` naming it in the error.
fn any<'a>(input: &'a [u8], what: &str) -> Result<(&'a [u8], Any<'a>), String> {
    Any::from_der(input).map_err(|e| match e {
        nom::Err::Incomplete(_) => format!("{what} is cut short"),
        nom::Err::Error(e) | nom::Err::Failure(e) => format!("{what} cannot be read: {e}"),
    })
}

/// The next DER element of `input`, which must be of `class` and `tag`.
fn element<'a>(
    input: &'a [u8],
    what: &str,
    class: Class,
    tag: Tag,
) -> Result<(&'a [u8], Any<'a>), String> {
    let (rest, found) = any(input, what)?;
    if found.class() != class || found.tag() != tag {
        return Err(format!(
            "{what} is not where a bundle has it (found {:?} tag {})",
            found.class(),
            found.tag().0
        ));
    }
    Ok((rest, found))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::aia::reader::tests::{bundle, ca_der, signed_data, tlv};

    #[test]
    fn the_certificates_of_a_bundle_are_read_in_order() {
        let (root, sub) = (ca_der("a root"), ca_der("an intermediate"));
        let p7c = bundle(&[root.as_slice(), sub.as_slice()]);
        assert!(is_bundle(&p7c));
        assert_eq!(
            certificates(&p7c).expect("a bundle"),
            vec![root.as_slice(), sub.as_slice()]
        );
        // An attribute certificate ([1]) beside them is passed over.
        let mut set = tlv(0xa1, b"\x30\x00");
        set.extend_from_slice(&sub);
        let p7c = signed_data(&tlv(0xa0, &set));
        assert_eq!(certificates(&p7c).expect("a bundle"), vec![sub.as_slice()]);
    }

    #[test]
    fn malformed_bundles_are_errors() {
        let sub = ca_der("an intermediate");
        let good = bundle(&[sub.as_slice()]);
        let mut data = good.clone();
        data[14] = 0x01; // 1.2.840.113549.1.7.1: data, not signedData
        // The certificates set saying it is ~4 GiB long.
        let huge = signed_data(&[&[0xa0, 0x84, 0xff, 0xff, 0xff, 0xf0][..], &sub].concat());
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            ("empty", Vec::new(), "cut short"),
            ("truncated", good[..good.len() / 2].to_vec(), "cut short"),
            (
                "one byte short",
                good[..good.len() - 1].to_vec(),
                "cut short",
            ),
            ("not signedData", data, "not signedData"),
            (
                "wrong outer tag",
                [&[0x31], &good[1..]].concat(),
                "ContentInfo is not where",
            ),
            (
                "no certificates",
                signed_data(&tlv(0x31, &[])),
                "without certificates",
            ),
            (
                "empty set",
                signed_data(&tlv(0xa0, &[])),
                "holds no certificate",
            ),
            ("huge length", huge, "cut short"),
            (
                "endless length bytes",
                vec![0x30, 0xff, 0xff, 0xff, 0xff],
                "",
            ),
        ];
        for (what, bytes, says) in &cases {
            let why = certificates(bytes).expect_err(what);
            assert!(why.contains(says), "{what}: {why}");
        }
        // Every cut of the bundle, and every byte flipped, reads or fails: no panic.
        for end in 0..good.len() {
            let _ = certificates(&good[..end]);
        }
        for at in 0..good.len() {
            let mut flipped = good.clone();
            flipped[at] ^= 0xff;
            let _ = certificates(&flipped);
        }
        let many: Vec<&[u8]> = (0..MAX_CERTS + 4).map(|_| sub.as_slice()).collect();
        assert_eq!(certificates(&bundle(&many)).expect("read").len(), MAX_CERTS);
    }
}
