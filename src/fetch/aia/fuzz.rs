//! Fuzz tests of what the AIA code reads from outside: bodies fetched from caIssuers addresses
//! (DER, PEM, PKCS#7 in DER and PEM), the caIssuers addresses of a certificate, and the files
//! kept in `data_dir/tls/intermediates/`. Real certificates and bundles cut short and changed
//! byte by byte, and plain noise: an error or the CA certificates they hold, never a panic.

use std::sync::LazyLock;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use super::reader::tests::{base64_lines, bundle, ca_der, leaf_with_aia};
use super::reader::{ca_certificates, ca_issuers, intermediate_of};
use super::{Intermediates, MAX_CERT_BYTES, pkcs7};

/// Two CA certificates, made once for every case.
static CAS: LazyLock<(Vec<u8>, Vec<u8>)> =
    LazyLock::new(|| (ca_der("fuzzed CA one"), ca_der("fuzzed CA two")));
/// A leaf naming an http and an ldap caIssuers address.
static LEAF: LazyLock<Vec<u8>> = LazyLock::new(leaf_with_aia);

fn pem(label: &str, der: &[u8]) -> Vec<u8> {
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        base64_lines(der)
    )
    .into_bytes()
}

/// The bodies a caIssuers address may give, whole: a CA in DER, a bundle of two, each in PEM;
/// and a leaf with its AIA extension.
fn whole(kind: usize) -> Vec<u8> {
    let (one, two) = &*CAS;
    match kind % 5 {
        0 => one.clone(),
        1 => bundle(&[one, two]),
        2 => [pem("CERTIFICATE", one), pem("CERTIFICATE", two)].concat(),
        3 => pem("PKCS7", &bundle(&[one, two])),
        _ => LEAF.clone(),
    }
}

/// Which whole body, where to cut it, which bytes to change, noise, and which shape to make.
type Input = (usize, u16, Vec<(usize, u8)>, Vec<u8>, u8);

/// A body: a whole one, one cut at a per-mille point and with bytes changed, or noise alone
/// or behind a PKCS#7 or PEM opening.
fn body() -> impl Strategy<Value = Input> {
    (
        0usize..5,
        0u16..1000,
        prop::collection::vec((any::<usize>(), 1u8..=255), 0..4),
        prop::collection::vec(any::<u8>(), 0..300),
        0u8..5,
    )
}

fn made((kind, cut, flips, noise, shape): &Input) -> Vec<u8> {
    match shape {
        0 => noise.clone(),
        1 => {
            let mut head = bundle(&[]);
            head.truncate(16);
            head.extend_from_slice(noise);
            head
        }
        2 => [b"-----BEGIN PKCS7-----\n".as_slice(), noise].concat(),
        3 => whole(*kind),
        _ => {
            let mut bytes = whole(*kind);
            bytes.truncate(bytes.len() * usize::from(*cut) / 1000);
            let len = bytes.len();
            for (at, xor) in flips {
                if let Some(b) = bytes.get_mut(at % len.max(1)) {
                    *b ^= xor;
                }
            }
            bytes
        }
    }
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: 128,
        failure_persistence: None,
        ..Config::default()
    })
}

#[test]
fn bodies_give_ca_certificates_or_an_error() {
    runner()
        .run(&body(), |input| {
            let bytes = made(&input);
            match ca_certificates(&bytes) {
                Ok(certs) => {
                    prop_assert!(!certs.is_empty());
                    for der in &certs {
                        let parsed = x509_parser::parse_x509_certificate(der.as_ref());
                        prop_assert!(parsed.is_ok_and(|(_, c)| c.is_ca()));
                    }
                    let first = intermediate_of(&bytes).ok();
                    prop_assert_eq!(first.as_ref(), certs.first());
                }
                Err(why) => {
                    prop_assert!(!why.is_empty());
                    prop_assert!(intermediate_of(&bytes).is_err());
                }
            }
            // A whole body, untouched, gives its CAs in order; a leaf is refused.
            let (kind, _, _, _, shape) = &input;
            if *shape == 3 {
                let certs = ca_certificates(&bytes);
                if kind % 5 == 4 {
                    let why = certs.err().unwrap_or_default();
                    prop_assert!(why.contains("not a CA's"), "{}", why);
                } else {
                    let certs = certs.unwrap_or_default();
                    let ders: Vec<&[u8]> = certs.iter().map(|c| c.as_ref()).collect();
                    let (one, two) = &*CAS;
                    let expected: &[&[u8]] = if kind % 5 == 0 { &[one] } else { &[one, two] };
                    prop_assert_eq!(ders, expected);
                }
            }
            if let Ok(found) = pkcs7::certificates(&bytes) {
                prop_assert!(found.len() <= pkcs7::MAX_CERTS);
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("AIA bodies: {e}"));
}

#[test]
fn certificates_give_http_addresses_or_an_error() {
    runner()
        .run(&body(), |input| {
            let bytes = made(&input);
            if let Ok(addresses) = ca_issuers(&bytes) {
                prop_assert!(addresses.len() <= 4);
                for a in &addresses {
                    prop_assert!(
                        a.get(..7)
                            .is_some_and(|s| s.eq_ignore_ascii_case("http://"))
                    );
                }
            }
            // The leaf, untouched, names its one http address; a CA, none.
            let (kind, _, _, _, shape) = &input;
            if *shape == 3 && matches!(kind % 5, 0 | 4) {
                let expected: Vec<String> = match kind % 5 {
                    4 => vec!["http://ca.example.cn/sub.cer".into()],
                    _ => Vec::new(),
                };
                prop_assert_eq!(ca_issuers(&bytes).ok(), Some(expected));
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("caIssuers: {e}"));
}

/// Of a kept directory holding one CA among garbage, an empty file, a file past the size
/// bound, a cut certificate, a directory named like a kept file and an unreadable file, the CA
/// alone is learned; a `dir` that is a file is an error naming it.
#[test]
fn kept_files_that_hold_no_ca_are_skipped() {
    let scratch = tempfile::tempdir().expect("scratch dir");
    let dir = scratch.path().join("intermediates");
    std::fs::create_dir(&dir).expect("make the kept dir");
    let (one, two) = &*CAS;
    let write = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).expect("write");
    write("good.der", one);
    write("empty.der", b"");
    write("garbage.der", b"\x30\x82\xff\xff<html>");
    write("cut.der", &two[..two.len() / 2]);
    let mut huge = two.clone();
    huge.resize(usize::try_from(MAX_CERT_BYTES).unwrap_or(usize::MAX) + 1, 0);
    write("huge.der", &huge);
    std::fs::create_dir(dir.join("folder.der")).expect("make a folder");
    write("locked.der", b"not a certificate either");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let locked = std::fs::Permissions::from_mode(0o000);
        std::fs::set_permissions(dir.join("locked.der"), locked).expect("lock a file");
    }
    let intermediates = Intermediates::default();
    assert_eq!(intermediates.load(&dir).expect("loaded"), 1);
    let learned = intermediates.snapshot();
    assert_eq!(learned.len(), 1);
    assert_eq!(learned[0].as_ref(), one.as_slice());

    let file = scratch.path().join("a-file");
    std::fs::write(&file, b"").expect("write");
    let error = Intermediates::default()
        .load(&file)
        .expect_err("a file is no folder");
    assert!(error.to_string().contains("a-file"), "{error}");
}
