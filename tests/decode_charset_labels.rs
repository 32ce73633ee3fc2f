//! Decode tests of labels that do not match the bytes: a UTF-8, GB2312, Latin or BOM label on other
//! bytes falls through to the detector or is checked against them, and a label the bytes agree
//! with is believed, a few odd characters or a paragraph in another encoding notwithstanding.

mod decode_charset_support;

use decode_charset_support::*;
use nianbao::decode::{CharsetSource, decode};

/// The page in `encoding`, declaring `meta` in a `<meta charset>` when given.
fn page_in(
    encoding: &'static encoding_rs::Encoding,
    meta: Option<&str>,
    title: &str,
    body: &str,
) -> Vec<u8> {
    let meta = meta
        .map(|m| format!("<meta charset=\"{m}\">"))
        .unwrap_or_default();
    let html =
        format!("<html><head>{meta}<title>{title}</title></head><body><p>{body}</p></body></html>");
    let (bytes, _, unmappable) = encoding.encode(&html);
    assert!(!unmappable, "{} holds the page", encoding.name());
    bytes.into_owned()
}

#[test]
fn a_utf8_label_on_legacy_bytes_falls_through_to_the_detector() {
    let simplified = sample_report_text(400);
    let title = "阿拉山口市2024年政府信息公开工作年度报告";
    let pages = [
        (
            encoding_rs::GBK,
            encoding_rs::GB18030,
            title,
            simplified.as_str(),
        ),
        (
            encoding_rs::GB18030,
            encoding_rs::GB18030,
            title,
            simplified.as_str(),
        ),
        (
            encoding_rs::BIG5,
            encoding_rs::BIG5,
            "政府資訊公開年度報告",
            BIG5_TEXT,
        ),
        // A short page: a title and one line.
        (encoding_rs::GBK, encoding_rs::GB18030, title, "详见附件。"),
    ];
    for (written, read, title, body) in pages {
        for (header, meta) in [
            (Some("text/html; charset=utf-8"), None),
            (Some("text/html"), Some("utf-8")),
            (None, Some("UTF-8")),
        ] {
            let case = format!("{} bytes, header {header:?}, meta {meta:?}", written.name());
            let decoded = decode(&page_in(written, meta, title, body), header);
            assert_eq!(decoded.encoding, read, "{case}");
            assert_eq!(decoded.source, CharsetSource::Detector, "{case}");
            assert_eq!(decoded.declared.as_deref(), Some("utf-8"), "{case}");
            assert!(!decoded.had_errors && !decoded.mojibake, "{case}");
            assert!(
                decoded.text.contains(title) && decoded.text.contains(body),
                "{case}"
            );
        }
    }
}

#[test]
fn a_utf8_page_with_a_few_bad_bytes_stays_utf8() {
    let text = sample_report_text(1200);
    let utf8 = page_in(encoding_rs::UTF_8, Some("utf-8"), "年度报告", &text);
    let (gbk_footer, _, _) = encoding_rs::GBK.encode("主办单位：阿拉山口市人民政府办公室 版权所有");
    let at = utf8.len() - "</p></body></html>".len();
    let pages: [(&str, Vec<u8>); 3] = [
        (
            "three stray bytes",
            [&utf8[..at], b"\xFF\xFE\xFF", &utf8[at..]].concat(),
        ),
        (
            "a GBK footer",
            [&utf8[..at], &gbk_footer, &utf8[at..]].concat(),
        ),
        ("a cut last character", utf8[..at - 1].to_vec()),
    ];
    for (case, body) in pages {
        for header in [Some("text/html; charset=utf-8"), None] {
            let decoded = decode(&body, header);
            assert_eq!(decoded.encoding, encoding_rs::UTF_8, "{case}, {header:?}");
            assert_ne!(
                decoded.source,
                CharsetSource::Detector,
                "{case}, {header:?}"
            );
            assert!(decoded.had_errors, "{case}: the bad bytes are still seen");
            let start: String = text.chars().take(200).collect();
            assert!(decoded.text.contains(&start), "{case}, {header:?}");
        }
    }
}

#[test]
fn a_gb2312_label_on_big5_bytes_falls_through_to_the_detector() {
    let title = "某縣人民政府2021年政府資訊公開工作年度報告";
    for (header, meta) in [
        (Some("text/html; charset=gb2312"), None),
        (Some("text/html; charset=GBK"), None),
        (None, Some("gb2312")),
    ] {
        let body = page_in(encoding_rs::BIG5, meta, title, BIG5_TEXT);
        let decoded = decode(&body, header);
        let case = format!("header {header:?}, meta {meta:?}");
        assert_eq!(decoded.encoding, encoding_rs::BIG5, "{case}");
        assert_eq!(decoded.source, CharsetSource::Detector, "{case}");
        assert!(
            decoded.text.contains(title) && decoded.text.contains(BIG5_TEXT),
            "{case}"
        );
    }
}

/// Greek, kana, box drawing and circled numbers in a real GBK page (a formula, a name, a table
/// drawn in text) do not make it Big5.
#[test]
fn a_gbk_page_with_some_kana_greek_and_box_drawing_stays_gbk() {
    let text = format!(
        "{}系数α＝0.85，β≈1.2；①②③；日本友好城市代表团（ヤマダ タロウ）来访。\
         ┌──┬──┐│申请│答复│└──┴──┘",
        sample_report_text(300)
    );
    let body = page_in(encoding_rs::GBK, None, "年度报告", &text);
    let decoded = decode(&body, Some("text/html; charset=gb2312"));
    assert_eq!(decoded.encoding, encoding_rs::GB18030);
    assert_eq!(decoded.source, CharsetSource::HttpHeader);
    assert!(decoded.text.contains(&text));
}

/// Probe H #4: a Latin label (Tomcat's default `ISO-8859-1`, `windows-1252`, `us-ascii`) on
/// GBK, GB18030 or Big5 bytes is checked against them like any other label; the label stays on
/// record as declared, and `cjk_trial` says what decided.
#[test]
fn a_latin_label_on_chinese_bytes_is_checked_against_them() {
    let simplified = sample_report_text(600);
    let pages = [
        (encoding_rs::GBK, simplified.clone()),
        (encoding_rs::GB18030, format!("{simplified}𠮷")),
        (encoding_rs::BIG5, BIG5_TEXT.to_string()),
    ];
    for (encoding, text) in pages {
        for label in [
            "iso-8859-1",
            "ISO-8859-1",
            "windows-1252",
            "us-ascii",
            "latin1",
        ] {
            for where_ in [Label::Header, Label::Meta, Label::Both] {
                let (body, header) = labelled_page(encoding, label, where_, &text, b"", Some(0));
                let case = format!("{} bytes, {label} in {where_:?}", encoding.name());
                let decoded = decode(&body, header.as_deref());
                assert_eq!(decoded.encoding, read_as(encoding), "{case}");
                assert_eq!(decoded.source, CharsetSource::CjkTrial, "{case}");
                assert_eq!(
                    decoded.declared.as_deref(),
                    Some(label.to_ascii_lowercase().as_str()),
                    "{case}"
                );
                assert!(decoded.text.contains(&text), "{case}");
            }
        }
    }
}

/// A Latin label is still believed where it fits: markup in ASCII, an English page with a few
/// accented letters.
#[test]
fn a_latin_label_on_latin_bytes_is_believed() {
    let english = "Café menu: crème brûlée, naïve façade, résumé — «déjà vu» ½ price, £5 or €6. ";
    let (body, _, _) = encoding_rs::WINDOWS_1252.encode(english);
    let body = [b"<html><body><p>".as_slice(), &body, b"</p></body></html>"].concat();
    let decoded = decode(&body, Some("text/html; charset=ISO-8859-1"));
    assert_eq!(decoded.encoding, encoding_rs::WINDOWS_1252);
    assert_eq!(decoded.source, CharsetSource::HttpHeader);
    assert!(decoded.text.contains(english));
    let ascii = decode(
        b"<html><body>report</body></html>",
        Some("text/html; charset=us-ascii"),
    );
    assert_eq!(ascii.source, CharsetSource::HttpHeader);
}

/// Probe H #5: UTF-16 without a BOM or a label (a `<meta charset=gbk>` inside it cannot be read
/// by the prescan) is recognised by its NUL bytes, little- and big-endian; so it is under a
/// server's default `charset=utf-8`, which would keep every other byte as a NUL.
#[test]
fn utf16_without_a_bom_is_recognised_by_its_nul_bytes() {
    let simplified = sample_report_text(300);
    for meta in ["", "<meta charset=\"gbk\">"] {
        let html = format!(
            "<html><head>{meta}<title>{TITLE}</title></head><body><p>{simplified}</p></body></html>"
        );
        let le: Vec<u8> = html.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = html.encode_utf16().flat_map(u16::to_be_bytes).collect();
        for (body, encoding) in [(le, encoding_rs::UTF_16LE), (be, encoding_rs::UTF_16BE)] {
            for header in [
                None,
                Some("text/html"),
                Some("text/html; charset=gbk"),
                Some("text/html; charset=utf-8"),
            ] {
                let case = format!("{}, meta {meta:?}, header {header:?}", encoding.name());
                let decoded = decode(&body, header);
                assert_eq!(decoded.encoding, encoding, "{case}");
                assert_eq!(decoded.source, CharsetSource::Utf16Trial, "{case}");
                assert_eq!(decoded.text, html, "{case}");
            }
        }
    }
}

/// Probe H #5: a UTF-8 BOM in front of GBK bytes (an editor's "save with BOM") no longer turns
/// the page into replacement characters; a UTF-8 page with a BOM and one bad byte keeps the BOM's
/// word.
#[test]
fn a_utf8_bom_on_gbk_bytes_reads_the_gbk() {
    let text = sample_report_text(600);
    let (gbk, _) = labelled_page(encoding_rs::GBK, "", Label::None, &text, b"", Some(0));
    let body = [b"\xEF\xBB\xBF".as_slice(), &gbk].concat();
    let decoded = decode(&body, Some("text/html"));
    assert_eq!(decoded.encoding, encoding_rs::GB18030);
    assert_eq!(decoded.source, CharsetSource::CjkTrial);
    assert!(decoded.text.contains(&text) && decoded.text.contains(TITLE));
    let (utf8, _) = labelled_page(encoding_rs::UTF_8, "", Label::None, &text, b"\xFF", Some(9));
    let body = [b"\xEF\xBB\xBF".as_slice(), &utf8].concat();
    let decoded = decode(&body, None);
    assert_eq!(decoded.encoding, encoding_rs::UTF_8);
    assert_eq!(decoded.source, CharsetSource::Bom);
}

/// Probe H #3: a valid UTF-8 page labelled UTF-8 in which one paragraph is GBK, as large as the
/// rest of its text, stays UTF-8 (the UTF-8 title and text readable, the paragraph U+FFFD).
#[test]
fn a_utf8_page_with_a_gbk_paragraph_stays_utf8() {
    let para = sample_report_text(150);
    let html = format!(
        "<html><head><meta charset=\"utf-8\"><title>{TITLE}</title></head><body>\
         <h1>{TITLE}</h1><p>发布日期：2024-01-20 发布机构：某县人民政府办公室</p><p>PARA</p>\
         <p>一、总体情况 二、主动公开政府信息情况</p></body></html>"
    );
    let at = html.find("PARA").expect("the placeholder is in the page");
    let body = [
        &html.as_bytes()[..at],
        &encode(encoding_rs::GBK, &para),
        &html.as_bytes()[at + 4..],
    ]
    .concat();
    for header in [Some("text/html; charset=utf-8"), None] {
        let decoded = decode(&body, header);
        assert_eq!(decoded.encoding, encoding_rs::UTF_8, "{header:?}");
        assert_ne!(decoded.source, CharsetSource::Detector, "{header:?}");
        assert!(decoded.text.contains(TITLE), "{header:?}");
    }
}
