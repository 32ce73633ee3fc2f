//! The unit tests of `not_text`, on real pages and report texts, awkward text (UTF-16, GBK, a
//! stray control) and binary bodies (random bytes, PNG, gzip, a text prefix before binary).

use std::io::Write as _;

use super::*;
use crate::decode::decode;

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/");
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/not-text/");

fn read(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

/// Every real page and report text of the shared sets, by name.
fn real_texts() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for dir in ["real-pages", "real-pages-2", "sample-reports"] {
        let dir = format!("{SHARED}{dir}");
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("read {dir}: {e}"));
        for entry in entries {
            let path = entry.expect("a readable directory entry").path();
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if matches!(ext, "html" | "json" | "txt") {
                let name = path.display().to_string();
                out.push((name.clone(), read(&name)));
            }
        }
    }
    out.sort();
    out
}

/// Deterministic bytes that look random (xorshift64).
fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut s = seed.max(1);
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 32) as u8
        })
        .collect()
}

/// A real PNG: a 256×192 RGB picture with noise, as a photo or screenshot is.
fn png() -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    }
    let (w, h) = (256u32, 192u32);
    let noise = random_bytes((w * h) as usize, 7);
    let mut raw = Vec::new();
    for y in 0..h {
        raw.push(0);
        for x in 0..w {
            let n = noise[(y * w + x) as usize] / 4;
            raw.extend_from_slice(&[(x as u8).wrapping_add(n), (y as u8).wrapping_add(n), n]);
        }
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&raw).expect("writes to a Vec");
    let idat = z.finish().expect("writes to a Vec");
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &idat);
    chunk(&mut out, b"IEND", &[]);
    out
}

fn gzip(body: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(body).expect("writes to a Vec");
    z.finish().expect("writes to a Vec")
}

/// The bytes of a page of the shared sets.
fn real_page(name: &str) -> Vec<u8> {
    read(&format!("{SHARED}{name}"))
}

fn utf16(text: &str, little: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let units = bom.then_some(0xFEFF).into_iter().chain(text.encode_utf16());
    for unit in units {
        out.extend_from_slice(&if little {
            unit.to_le_bytes()
        } else {
            unit.to_be_bytes()
        });
    }
    out
}

fn gbk(text: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(text).0.into_owned()
}

/// Binary bodies served as a page, with the Content-Type they came with.
fn binary_samples() -> Vec<(String, Vec<u8>, Option<&'static str>)> {
    let page = real_page("real-pages-2/12-pingtan-2024-annual-report-item.html");
    let random = random_bytes(200 * 1024, 42);
    let xz = read(&format!("{FIXTURES}readme.md.xz"));
    // A 7z archive's signature header, then LZMA2 data (the xz stream's, after its header).
    let mut seven_zip = b"7z\xBC\xAF\x27\x1C\x00\x04".to_vec();
    seven_zip.extend_from_slice(&random_bytes(24, 9));
    seven_zip.extend_from_slice(&xz[12..]);
    // `openssl enc`'s output: a salt header, then ciphertext.
    let mut encrypted = b"Salted__".to_vec();
    encrypted.extend_from_slice(&random_bytes(64 * 1024, 1234));
    let mut html_then_random = "<!DOCTYPE html><html><head><title>2023年年报</title></head><body>"
        .as_bytes()
        .to_vec();
    html_then_random.extend_from_slice(&random);
    let mut bom16_random = vec![0xFF, 0xFE];
    bom16_random.extend_from_slice(&random);
    let mut cases: Vec<(String, Vec<u8>, Option<&'static str>)> = Vec::new();
    for label in [
        None,
        Some("text/html"),
        Some("text/html; charset=gbk"),
        Some("text/html; charset=utf-8"),
        Some("text/html; charset=iso-8859-1"),
        Some("text/html; charset=big5"),
        Some("text/html; charset=utf-16"),
        Some("text/html; charset=shift_jis"),
    ] {
        cases.push((format!("random bytes as {label:?}"), random.clone(), label));
    }
    let html = Some("text/html");
    cases.extend([
        ("random bytes after a UTF-16 BOM".into(), bom16_random, html),
        (
            "random bytes after an HTML head".into(),
            html_then_random,
            html,
        ),
        ("a PNG".into(), png(), html),
        ("a JPEG".into(), read(&format!("{FIXTURES}photo.jpg")), html),
        ("a gzip blob".into(), gzip(&page), html),
        (
            "a zstd blob".into(),
            zstd::encode_all(&page[..], 3).expect("compresses"),
            html,
        ),
        ("an xz blob".into(), xz, html),
        ("a 7z blob".into(), seven_zip, html),
        ("an encrypted blob".into(), encrypted, html),
    ]);
    cases
}

/// Text that must stay text: every real page; one in UTF-16, under a lying label, with bad
/// bytes, double-encoded.
fn text_samples() -> Vec<(String, Vec<u8>, Option<&'static str>)> {
    let mut cases: Vec<(String, Vec<u8>, Option<&'static str>)> = real_texts()
        .into_iter()
        .map(|(name, body)| (name, body, None))
        .collect();
    let page = real_page("real-pages-2/12-pingtan-2024-annual-report-item.html");
    let text = decode(&page, None).text;
    let gbk_page = gbk(&text.replace("utf-8", "gbk").replace("UTF-8", "gbk"));
    let mut bad_gbk = gbk_page.clone();
    for at in [1000, 5000, 20000, 40000, 60000] {
        let at = at.min(bad_gbk.len() - 1);
        bad_gbk[at] = 0xFF;
    }
    cases.extend([
        ("UTF-16LE with a BOM".into(), utf16(&text, true, true), None),
        (
            "UTF-16BE with a BOM".into(),
            utf16(&text, false, true),
            None,
        ),
        (
            "UTF-16LE without a BOM".into(),
            utf16(&text, true, false),
            None,
        ),
        (
            "UTF-16BE without a BOM".into(),
            utf16(&text, false, false),
            None,
        ),
        (
            "UTF-16LE labelled utf-16".into(),
            utf16(&text, true, false),
            Some("text/html; charset=utf-16"),
        ),
        ("a GBK page".into(), gbk_page.clone(), None),
        (
            "UTF-16LE labelled utf-8".into(),
            utf16(&text, true, false),
            Some("text/html; charset=utf-8"),
        ),
        (
            "UTF-16BE labelled gbk".into(),
            utf16(&text, false, false),
            Some("text/html; charset=gbk"),
        ),
        (
            "UTF-16LE with a BOM labelled gbk".into(),
            utf16(&text, true, true),
            Some("text/html; charset=gbk"),
        ),
        (
            "UTF-8 read as Latin-1, saved as UTF-8".into(),
            page.iter()
                .map(|&b| char::from(b))
                .collect::<String>()
                .into_bytes(),
            None,
        ),
        (
            "UTF-8 read as windows-1252, saved as UTF-8".into(),
            encoding_rs::WINDOWS_1252
                .decode(&page)
                .0
                .into_owned()
                .into_bytes(),
            None,
        ),
        ("a GBK page with bad bytes".into(), bad_gbk, None),
        (
            "UTF-8 labelled gb2312".into(),
            page.clone(),
            Some("text/html; charset=gb2312"),
        ),
        (
            "UTF-8 labelled iso-8859-1".into(),
            page.clone(),
            Some("text/html; charset=iso-8859-1"),
        ),
        (
            "GBK labelled utf-8".into(),
            gbk_page.clone(),
            Some("text/html; charset=utf-8"),
        ),
        (
            "GBK labelled iso-8859-1".into(),
            gbk_page.clone(),
            Some("text/html; charset=iso-8859-1"),
        ),
        (
            "GBK labelled big5".into(),
            gbk_page,
            Some("text/html; charset=big5"),
        ),
    ]);
    cases
}

/// A real page with its last `percent` of characters in the other encoding: UTF-8 with a
/// GBK part, and GBK with a UTF-8 part.
fn mixed_pages() -> Vec<(String, Vec<u8>, Option<&'static str>)> {
    let page = real_page("real-pages-2/12-pingtan-2024-annual-report-item.html");
    let chars: Vec<char> = decode(&page, None).text.chars().collect();
    let mut cases = Vec::new();
    for percent in [5, 10, 30, 50, 70, 90] {
        let cut = chars.len() - chars.len() * percent / 100;
        let head: String = chars[..cut].iter().collect();
        let tail: String = chars[cut..].iter().collect();
        let utf8_gbk = [head.as_bytes(), &gbk(&tail)].concat();
        let gbk_utf8 = [gbk(&head.replace("utf-8", "gbk")), tail.into_bytes()].concat();
        for label in [
            None,
            Some("text/html; charset=utf-8"),
            Some("text/html; charset=gbk"),
        ] {
            cases.push((
                format!("UTF-8 with {percent}% GBK, {label:?}"),
                utf8_gbk.clone(),
                label,
            ));
            cases.push((
                format!("GBK with {percent}% UTF-8, {label:?}"),
                gbk_utf8.clone(),
                label,
            ));
        }
    }
    cases
}

fn verdict(body: &[u8], label: Option<&str>) -> (Option<PageKind>, String) {
    let decoded = decode(body, label);
    let utf16 =
        decoded.encoding == encoding_rs::UTF_16LE || decoded.encoding == encoding_rs::UTF_16BE;
    let share = odd_share(&decoded.text, utf16);
    let seen = format!(
        "{}‰ ({} of {} as {})",
        share.per_mille(),
        share.odd,
        share.chars,
        decoded.encoding.name()
    );
    (not_text(&decoded), seen)
}

/// The byte scans that let most texts skip the count one character at a time agree with it,
/// on every sample and on each kind of odd character alone.
#[test]
fn the_quick_scan_counts_as_the_character_count_does() {
    let mut texts: Vec<(String, bool)> = binary_samples()
        .into_iter()
        .chain(text_samples())
        .chain(mixed_pages())
        .map(|(_, body, label)| {
            let decoded = decode(&body, label);
            let utf16 = decoded.encoding == encoding_rs::UTF_16LE
                || decoded.encoding == encoding_rs::UTF_16BE;
            (decoded.text, utf16)
        })
        .collect();
    for odd in [
        "\0", "\u{1}", "\u{1F}", "\u{7F}", "\u{80}", "\u{9F}", "\u{FFFD}",
    ] {
        for utf16 in [false, true] {
            texts.push((format!("报告{odd}© 第一页\u{A0}"), utf16));
            texts.push((format!("ç{odd}"), utf16));
        }
    }
    texts.push(("\t\n\u{C}\r © \u{A0} ·".to_string(), false));
    assert!(texts.len() > 60, "{} samples", texts.len());
    for (text, utf16) in &texts {
        assert_eq!(
            count(text, *utf16),
            count_each(text, *utf16),
            "{:?}",
            text.chars().take(40).collect::<String>()
        );
    }
}

#[test]
fn binary_bodies_are_not_text() {
    for (name, body, label) in binary_samples() {
        let (kind, seen) = verdict(&body, label);
        assert!(
            matches!(kind, Some(PageKind::NotText { .. })),
            "{name} under {label:?}: {seen}"
        );
    }
}

/// Every real page and report of the shared sets; such a page in UTF-16, in GBK with bad
/// bytes, under a lying label, mixing two encodings, or double-encoded.
#[test]
fn real_pages_and_awkward_text_are_text() {
    let cases = text_samples();
    assert!(
        cases.len() > 39,
        "the shared pages are there: {}",
        cases.len()
    );
    for (name, body, label) in cases.into_iter().chain(mixed_pages()) {
        let (kind, seen) = verdict(&body, label);
        assert_eq!(kind, None, "{name} under {label:?}: {seen}");
        assert!(seen.starts_with("0‰"), "{name} under {label:?}: {seen}");
    }
}

/// A long body is read in windows spread over all of it: a page of text in front of a binary
/// rest, or behind a binary start, does not hide it; a long page of text with a little
/// binary inside it is text.
#[test]
fn a_text_prefix_does_not_hide_a_binary_rest() {
    let page = real_page("real-pages-2/11-cmse-xwfbh-item.html");
    assert!(page.len() > WHOLE_TEXT_MAX_BYTES, "a page read in windows");
    let random = random_bytes(2 * 1024 * 1024, 5);
    let utf8 = Some("text/html; charset=utf-8");
    let cases = [
        ("text, then binary", [&page[..], &random].concat(), true),
        ("binary, then text", [&random[..], &page].concat(), true),
        ("a long page", page.repeat(8), false),
        (
            "a long page with 16 KB of binary inside",
            [&page.repeat(4)[..], &random[..16 * 1024], &page.repeat(4)].concat(),
            false,
        ),
    ];
    for (name, body, binary) in cases {
        let (kind, seen) = verdict(&body, utf8);
        assert_eq!(kind.is_some(), binary, "{name}: {seen}");
    }
}

/// A short answer with a stray control byte or two is text; one of random bytes is not.
#[test]
fn a_stray_control_is_still_text() {
    for body in ["文件不存在\0".as_bytes(), b"OK\x1a", b"\0\0\0\0"] {
        assert_eq!(verdict(body, None).0, None, "{body:?}");
    }
    assert!(verdict(&random_bytes(200, 3), None).0.is_some());
}
