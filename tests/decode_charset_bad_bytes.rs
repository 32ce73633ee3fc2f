//! Decode tests of pages with a bad byte: one bad spot, in every label form and position and on
//! real pages re-encoded, keeps the declared encoding.

mod decode_charset_support;

use decode_charset_support::*;
use nianbao::decode::{CharsetSource, decode};

const LABELS: [Label; 4] = [Label::Header, Label::Meta, Label::Both, Label::None];

/// (encoding, label, text, the bad spots: name and bytes)
type BadSpotCase = (
    &'static encoding_rs::Encoding,
    &'static str,
    String,
    Vec<(&'static str, Vec<u8>)>,
);

fn bad_spot_cases() -> Vec<BadSpotCase> {
    let simplified = sample_report_text(1200);
    let rare = format!("{}𠮷𣲙", sample_report_text(1200));
    // What Big5 cannot hold becomes `&#NNNNN;`, as in the page a server would send.
    let big5_text = encoding_rs::BIG5
        .decode_without_bom_handling(&encode(encoding_rs::BIG5, &traditional(&simplified)))
        .0
        .into_owned();
    // A footer pasted in UTF-8, then a space as in `版权所有 </div>`.
    let utf8_footer = "版权所有 ".as_bytes().to_vec();
    let gbk_footer = encode(encoding_rs::GBK, "主办单位：某县人民政府办公室 版权所有 ");
    let cut = |encoding: &'static encoding_rs::Encoding, c: &str| encode(encoding, c)[..1].to_vec();
    vec![
        (
            encoding_rs::GBK,
            "gbk",
            simplified.clone(),
            vec![
                ("a cut character", cut(encoding_rs::GBK, "年")),
                ("a stray 0xFF", vec![0xFF]),
                ("a UTF-8 fragment", utf8_footer.clone()),
            ],
        ),
        (
            encoding_rs::GB18030,
            "gb18030",
            rare,
            vec![
                (
                    "a cut four-byte character",
                    encode(encoding_rs::GB18030, "𠮷")[..2].to_vec(),
                ),
                ("a UTF-8 fragment", utf8_footer.clone()),
            ],
        ),
        (
            encoding_rs::BIG5,
            "big5",
            big5_text,
            vec![
                ("a cut character", cut(encoding_rs::BIG5, "年")),
                ("a stray 0x80", vec![0x80]),
                ("a UTF-8 fragment", utf8_footer),
            ],
        ),
        (
            encoding_rs::UTF_8,
            "utf-8",
            simplified,
            vec![
                ("a cut character", cut(encoding_rs::UTF_8, "年")),
                ("a stray 0xFF", vec![0xFF]),
                ("a GBK footer", gbk_footer),
            ],
        ),
    ]
}

/// Probe H #3: one bad spot (a character cut short, a stray byte, a fragment in another
/// encoding) at the top, in the middle or at the very end of a labelled GBK, GB18030, Big5 or
/// UTF-8 page keeps the label, as a browser does, with U+FFFD for the bad bytes; unlabelled, the
/// same page is read in its own encoding. Never windows-1252.
#[test]
fn one_bad_spot_keeps_the_declared_encoding() {
    let mut checked = 0;
    for (encoding, label, text, bad_spots) in bad_spot_cases() {
        let chars = text.chars().count();
        for (bad_name, bad) in &bad_spots {
            for (at_name, at) in [
                ("at the top", Some(3)),
                ("in the middle", Some(chars / 2)),
                ("at the end", Some(chars)),
                ("cutting the page", None),
            ] {
                for where_ in LABELS {
                    let (body, header) = labelled_page(encoding, label, where_, &text, bad, at);
                    let case = format!("{label} page, {bad_name} {at_name}, label {where_:?}");
                    let decoded = decode(&body, header.as_deref());
                    assert_eq!(decoded.encoding, read_as(encoding), "{case}");
                    let source = match where_ {
                        Label::Header | Label::Both => Some(CharsetSource::HttpHeader),
                        Label::Meta => Some(CharsetSource::Meta),
                        Label::None => None,
                    };
                    if let Some(source) = source {
                        assert_eq!(decoded.source, source, "{case}");
                    }
                    let title = if encoding == encoding_rs::BIG5 {
                        traditional(TITLE)
                    } else {
                        TITLE.to_string()
                    };
                    assert!(decoded.text.contains(&title), "{case}");
                    let start: String = text.chars().skip(4).take(100).collect();
                    let end: String = text.chars().skip(chars - 100).collect();
                    assert!(
                        decoded.text.contains(&start) && decoded.text.contains(&end),
                        "{case}"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 11 * 4 * 4);
}

/// The real pages (all UTF-8) re-encoded as a GBK or Big5 server would send them, under the
/// header's label, then spoiled by one lead byte cut from its character near the top, in the
/// middle and near the end: the page decodes to the clean text with one U+FFFD there. Under
/// Tomcat's `ISO-8859-1` the clean page decodes to the clean text.
#[test]
fn real_pages_re_encoded_keep_their_label_through_one_bad_byte() {
    let mut pages = 0;
    for dir in ["real-pages", "real-pages-2"] {
        let dir = format!("{}/../shared/{dir}", env!("CARGO_MANIFEST_DIR"));
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("read {dir}: {e}")) {
            let path = entry.expect("a readable directory entry").path();
            if path.extension().is_none_or(|ext| ext != "html") {
                continue;
            }
            let page = std::fs::read_to_string(&path).expect("the real pages are UTF-8");
            let name = path.file_name().expect("a file name").to_string_lossy();
            for (encoding, label, page) in [
                (encoding_rs::GBK, "gbk", page.clone()),
                (encoding_rs::BIG5, "big5", traditional(&page)),
            ] {
                let bytes = encode(encoding, &page);
                let clean = encoding.decode_without_bom_handling(&bytes).0.into_owned();
                let header = format!("text/html; charset={label}");
                let decoded = decode(&bytes, Some(&header));
                assert_eq!(decoded.encoding, read_as(encoding), "{name} in {label}");
                assert_eq!(decoded.text, clean, "{name} in {label}");
                let latin = decode(&bytes, Some("text/html; charset=ISO-8859-1"));
                // A page with a handful of CJK bytes (the 360 challenge's Big5 copy) is too
                // little text to tell GBK from Big5 under a Latin label.
                if bytes.iter().filter(|b| !b.is_ascii()).count() >= 200 {
                    assert_eq!(latin.encoding, read_as(encoding), "{name} in {label}");
                    assert_eq!(latin.source, CharsetSource::CjkTrial, "{name} in {label}");
                    assert_eq!(latin.text, clean, "{name} in {label}");
                }
                let lead = encode(encoding, "年")[0];
                for tenth in [1, 5, 9] {
                    // Before a `<`, so the cut lead byte cannot take the next character's byte.
                    let Some(at) = bytes[bytes.len() * tenth / 10..]
                        .iter()
                        .position(|&b| b == b'<')
                        .map(|p| p + bytes.len() * tenth / 10)
                    else {
                        continue;
                    };
                    let spoiled = [&bytes[..at], &[lead], &bytes[at..]].concat();
                    let decoded = decode(&spoiled, Some(&header));
                    let case = format!("{name} in {label}, cut at {tenth}/10");
                    assert_eq!(decoded.encoding, read_as(encoding), "{case}");
                    assert_eq!(decoded.source, CharsetSource::HttpHeader, "{case}");
                    let clean_at = encoding.decode_without_bom_handling(&bytes[..at]).0.len();
                    let expected = format!("{}\u{FFFD}{}", &clean[..clean_at], &clean[clean_at..]);
                    assert_eq!(decoded.text, expected, "{case}");
                }
            }
            pages += 1;
        }
    }
    assert_eq!(pages, 24);
}
