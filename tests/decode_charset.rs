//! Decode tests: the real pages, synthesized GBK / Big5 bodies, BOMs and the `<meta>` prescan.
//! Labels that do not match the bytes are in `decode_charset_labels.rs`, pages with a bad byte in
//! `decode_charset_bad_bytes.rs`.

mod decode_charset_support;

use decode_charset_support::*;
use nianbao::decode::{CharsetSource, decode, prescan, repair_mojibake_runs};

fn real_page(name: &str) -> Vec<u8> {
    let path = format!("{}/../shared/real-pages/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

/// (file, Content-Type header, encoding, source, declared label, a string the text must contain)
type RealCase = (
    &'static str,
    Option<&'static str>,
    &'static str,
    CharsetSource,
    Option<&'static str>,
    &'static str,
);

#[test]
fn real_pages_decode_with_the_expected_encoding_and_source() {
    let cases: &[RealCase] = &[
        (
            "hanweb-zj-fgw-detail-meta-utf8.html",
            None,
            "UTF-8",
            CharsetSource::Meta,
            Some("utf-8"),
            "发布日期",
        ),
        (
            "trs-shanxi-gov-detail-createPageHTML-utf8.html",
            None,
            "UTF-8",
            CharsetSource::Meta,
            Some("utf-8"),
            "山西",
        ),
        (
            "trs-govcn-gongbao-detail-utf8.html",
            None,
            "UTF-8",
            CharsetSource::Meta,
            Some("utf-8"),
            "国务院",
        ),
        (
            "kaipu-ucap-gansu-samr-detail-meta-pubdate-mismatch-utf8.html",
            None,
            "UTF-8",
            CharsetSource::Meta,
            Some("utf-8"),
            "发布时间",
        ),
        (
            "trs-hubei-samr-xxgk-detail-ensp-labels-utf8.html",
            None,
            "UTF-8",
            CharsetSource::Meta,
            Some("utf-8"),
            "发布机构",
        ),
        (
            "trs-ordos-xxgknb-list-utf8.html",
            None,
            "UTF-8",
            CharsetSource::Meta,
            Some("utf-8"),
            "年度报告",
        ),
        (
            "ruishu-412-challenge-scjg-gansu-home-utf8.html",
            None,
            "UTF-8",
            CharsetSource::Meta,
            Some("utf-8"),
            "$_ts",
        ),
        (
            "ruishu-412-challenge-scjg-hubei-ss-variant-utf8.html",
            None,
            "UTF-8",
            CharsetSource::Meta,
            Some("utf-8"),
            "$_ss",
        ),
        (
            "ruishu6-412-challenge-zscqj-hubei-utf8.html",
            None,
            "UTF-8",
            CharsetSource::Meta,
            Some("utf-8"),
            "$_ss",
        ),
        (
            "waf-knownsec-jiasule-browser-check-utf8.html",
            None,
            "UTF-8",
            CharsetSource::Meta,
            Some("utf-8"),
            "知道创宇云防御",
        ),
        (
            "waf-360panyun-yunnan-gov-challenge-mojibake.html",
            None,
            "UTF-8",
            CharsetSource::Meta,
            Some("utf-8"),
            "waf_answer",
        ),
        // Declares GB2312 but the bytes are UTF-8: the bytes win, the label is kept as evidence.
        (
            "encoding-mislabel-people-trs-gb2312-meta-utf8-bytes.html",
            None,
            "UTF-8",
            CharsetSource::Utf8Trial,
            Some("gb2312"),
            "郑板桥",
        ),
        // The same lie told by the HTTP header instead.
        (
            "encoding-mislabel-people-trs-gb2312-meta-utf8-bytes.html",
            Some("text/html; charset=GB2312"),
            "UTF-8",
            CharsetSource::Utf8Trial,
            Some("gb2312"),
            "郑板桥",
        ),
        // The list API is JSON with no declaration at all.
        (
            "trs-hubei-samr-xxgk-list-api.json",
            Some("application/json"),
            "UTF-8",
            CharsetSource::Utf8Trial,
            None,
            "PUBLISHER",
        ),
        // A header that agrees with the bytes decides.
        (
            "trs-govcn-gongbao-detail-utf8.html",
            Some("text/html;charset=\"UTF-8\""),
            "UTF-8",
            CharsetSource::HttpHeader,
            Some("utf-8"),
            "国务院",
        ),
    ];
    for &(file, header, encoding, source, declared, needle) in cases {
        let decoded = decode(&real_page(file), header);
        assert_eq!(decoded.encoding.name(), encoding, "{file}");
        assert_eq!(decoded.source, source, "{file}");
        assert_eq!(decoded.declared.as_deref(), declared, "{file}");
        assert!(!decoded.had_errors, "{file}");
        assert!(decoded.text.contains(needle), "{file} lacks {needle}");
        let expect_mojibake = file.contains("mojibake");
        assert_eq!(decoded.mojibake, expect_mojibake, "{file}");
    }
}

#[test]
fn the_360_page_is_mojibake_and_repairs_to_its_chinese_title() {
    let decoded = decode(
        &real_page("waf-360panyun-yunnan-gov-challenge-mojibake.html"),
        None,
    );
    assert!(decoded.text.contains("è¯·ç¨"));
    let repaired = repair_mojibake_runs(&decoded.text);
    assert!(
        repaired.contains("请稍候... | 磐云"),
        "{}",
        &repaired[..repaired.len().min(600)]
    );
}

fn gbk_page(text: &str) -> Vec<u8> {
    let html = format!("<html><head><title>{text}</title></head><body><p>{text}</p></body></html>");
    let (bytes, _, had_errors) = encoding_rs::GBK.encode(&html);
    assert!(!had_errors, "GBK can encode {text}");
    bytes.into_owned()
}

#[test]
fn gbk_bytes_under_a_gb2312_label_decode_cleanly() {
    // 镕 and 喆 are in GBK but not in GB2312.
    let text = "朱镕基 张喆 2023年政府信息公开工作年度报告";
    let body = gbk_page(text);
    for header in [
        Some("text/html; charset=gb2312"),
        Some("text/html; charset=GBK"),
        None,
    ] {
        let decoded = decode(&body, header);
        assert_eq!(decoded.encoding, encoding_rs::GB18030, "{header:?}");
        assert!(!decoded.had_errors, "{header:?}");
        assert!(!decoded.mojibake, "{header:?}");
        assert!(decoded.text.contains(text), "{header:?}: {}", decoded.text);
        let source = if header.is_some() {
            CharsetSource::HttpHeader
        } else {
            CharsetSource::Detector
        };
        assert_eq!(decoded.source, source, "{header:?}");
    }
}

#[test]
fn gbk_bytes_under_a_gb2312_meta_decode_cleanly() {
    let text = "朱镕基 张喆 政府信息公开";
    let html = format!(
        "<html><head><meta charset=gb2312><title>{text}</title></head><body>{text}</body></html>"
    );
    let (body, _, _) = encoding_rs::GBK.encode(&html);
    let decoded = decode(&body, Some("text/html"));
    assert_eq!(decoded.encoding, encoding_rs::GB18030);
    assert_eq!(decoded.source, CharsetSource::Meta);
    assert_eq!(decoded.declared.as_deref(), Some("gb2312"));
    assert!(decoded.text.contains(text));
}

#[test]
fn gb18030_only_characters_decode_under_a_gbk_label() {
    // U+20000 (𠀀) needs GB18030's four-byte form.
    let text = "𠀀 政府信息公开";
    let (body, _, had_errors) = encoding_rs::GB18030.encode(text);
    assert!(!had_errors);
    let decoded = decode(&body, Some("text/html; charset=gbk"));
    assert_eq!(decoded.text, text);
    assert!(!decoded.had_errors);
}

#[test]
fn undeclared_big5_is_detected_as_big5_not_gbk() {
    let html = format!(
        "<html><head><title>政府資訊公開</title></head><body><p>{BIG5_TEXT}</p></body></html>"
    );
    let (body, _, had_errors) = encoding_rs::BIG5.encode(&html);
    assert!(!had_errors);
    for header in [Some("text/html"), None] {
        let decoded = decode(&body, header);
        assert_eq!(decoded.encoding, encoding_rs::BIG5, "{header:?}");
        assert_eq!(decoded.source, CharsetSource::Detector);
        assert_eq!(decoded.declared, None);
        assert!(decoded.text.contains(BIG5_TEXT));
    }
}

#[test]
fn a_big5_label_on_gbk_bytes_falls_through_to_the_detector() {
    let text = "朱镕基 张喆 2023年政府信息公开工作年度报告。本机关依法主动公开政府信息，受理依申请公开，\
        并按时发布年度报告，接受社会监督。";
    let body = gbk_page(text);
    let decoded = decode(&body, Some("text/html; charset=big5"));
    assert_eq!(decoded.encoding, encoding_rs::GB18030);
    assert_eq!(decoded.source, CharsetSource::Detector);
    assert_eq!(decoded.declared.as_deref(), Some("big5"));
    assert!(decoded.text.contains(text));
    assert!(!decoded.had_errors);
}

#[test]
fn byte_order_marks_decide_first() {
    let text = "<p>政府信息公开</p>";
    let mut utf8 = vec![0xEF, 0xBB, 0xBF];
    utf8.extend_from_slice(text.as_bytes());
    let mut le = vec![0xFF, 0xFE];
    le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let mut be = vec![0xFE, 0xFF];
    be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    for (body, encoding) in [(utf8, "UTF-8"), (le, "UTF-16LE"), (be, "UTF-16BE")] {
        // The BOM beats a contradicting header.
        let decoded = decode(&body, Some("text/html; charset=gbk"));
        assert_eq!(decoded.encoding.name(), encoding);
        assert_eq!(decoded.source, CharsetSource::Bom);
        assert_eq!(decoded.text, text, "the BOM is not part of the text");
    }
}

#[test]
fn a_utf16_label_on_utf8_bytes_means_utf8() {
    let body = "<meta charset=utf-16><p>政府信息公开</p>".as_bytes();
    let decoded = decode(body, None);
    assert_eq!(decoded.encoding, encoding_rs::UTF_8);
    assert_eq!(decoded.source, CharsetSource::Meta);
    let decoded = decode(body, Some("text/html; charset=utf-16"));
    assert_eq!(decoded.encoding, encoding_rs::UTF_8);
    assert_eq!(decoded.source, CharsetSource::Utf8Trial);
}

#[test]
fn replacement_runs_are_mojibake() {
    // Invalid everywhere: lone continuation bytes under a UTF-8 label.
    let body = b"<meta charset=utf-8><p>\x80\x81\x82\x83 report</p>";
    let decoded = decode(body, None);
    assert!(decoded.had_errors);
    assert!(decoded.mojibake);
    let one = decode(b"<meta charset=utf-8><p>\x80 report</p>", None);
    assert!(one.had_errors);
    assert!(!one.mojibake, "one stray byte is not mojibake");
}

#[test]
fn meta_prescan_table() {
    let long_comment = format!("<!-- {} -->", "x".repeat(1100));
    let after_limit = format!("{long_comment}<meta charset=gbk>");
    let cases: Vec<(&str, Option<&str>)> = vec![
        ("<meta charset=gbk>", Some("GBK")),
        ("<meta charset=\"big5\">", Some("Big5")),
        ("<meta charset='gb2312'>", Some("GBK")),
        ("<META CHARSET=GB18030>", Some("gb18030")),
        ("<meta charset = ' gbk ' >", Some("GBK")),
        (
            "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">",
            Some("GBK"),
        ),
        (
            "<meta content='text/html;charset=big5' http-equiv='content-type'>",
            Some("Big5"),
        ),
        (
            "<meta http-equiv=Content-Type content=text/html;charset=GBK>",
            Some("GBK"),
        ),
        (
            "<meta http-equiv=\"Content-Type\" content=\"text/html; charset='big5'\">",
            Some("Big5"),
        ),
        // content= without the pragma is not a declaration.
        ("<meta content=\"text/html; charset=gbk\">", None),
        // The pragma with charset= somewhere else in the value still counts.
        (
            "<meta http-equiv=content-type content=\"charsetx; charset=gbk\">",
            Some("GBK"),
        ),
        // Inside a comment, or in an attribute value of another tag: not a declaration.
        (
            "<!-- <meta charset=gbk> --><meta charset=big5>",
            Some("Big5"),
        ),
        ("<!--><meta charset=gbk>", Some("GBK")),
        (
            "<div title=\"<meta charset=gbk>\"><meta charset=big5>",
            Some("Big5"),
        ),
        ("<?xml version=\"1.0\"?><meta charset=gbk>", Some("GBK")),
        // The first charset attribute wins; a repeated attribute is ignored.
        ("<meta charset=gbk charset=big5>", Some("GBK")),
        ("<meta charset=utf-16le>", Some("UTF-8")),
        ("<meta charset=x-user-defined>", Some("windows-1252")),
        (
            "<meta charset=no-such-encoding><meta charset=gbk>",
            Some("GBK"),
        ),
        ("<metadata charset=gbk>", None),
        ("<meta charset=gbk", None),
        (&after_limit, None),
        ("", None),
    ];
    for (html, expected) in cases {
        let found = prescan(html.as_bytes()).map(|m| m.encoding.name());
        assert_eq!(found, expected, "{}", &html[..html.len().min(80)]);
    }
}

#[test]
fn a_prefix_of_a_page_prescans_to_nothing_or_to_the_same_answer() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/real-pages");
    let mut pages = 0;
    for entry in std::fs::read_dir(dir).expect("the real pages directory exists") {
        let path = entry.expect("a readable directory entry").path();
        if path.extension().is_none_or(|ext| ext != "html") {
            continue;
        }
        let body = std::fs::read(&path).expect("a readable real page");
        let full = prescan(&body);
        assert!(
            full.is_some(),
            "{path:?} declares a charset in its first 1024 bytes"
        );
        for len in 0..=body.len().min(1100) {
            let partial = prescan(&body[..len]);
            assert!(
                partial.is_none() || partial == full,
                "{path:?} cut at {len}: {partial:?}"
            );
        }
        pages += 1;
    }
    assert_eq!(pages, 12);
}
