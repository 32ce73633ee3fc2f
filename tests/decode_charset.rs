//! Decode tests: the real pages, synthesized GBK / Big5 bodies, BOMs and the `<meta>` prescan.

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

const BIG5_TEXT: &str = "政府資訊公開年度報告。本機關依據政府資訊公開法規定，主動公開施政計畫、業務統計及預算決算等資訊，\
    並受理民眾申請提供政府資訊。本年度共受理申請案件一百二十件，均已依法處理完畢。";

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

fn sample_report_text(chars: usize) -> String {
    let path = format!(
        "{}/../shared/sample-reports/alashankou-2024-report.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    text.chars().take(chars).collect()
}

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

// ---- One bad spot in a declared page, Latin labels, UTF-16 without a BOM (probe H #3-#5) ----

const TITLE: &str = "某县人民政府2023年政府信息公开工作年度报告";

/// Simplified text as Traditional, character by character, so it fits Big5.
fn traditional(text: &str) -> String {
    text.chars()
        .map(|c| {
            nianbao::traditional::traditional_forms(c)
                .next()
                .unwrap_or(c)
        })
        .collect()
}

/// Encodes `text`; an unmappable character becomes a numeric character reference, as a server
/// that re-encodes a page writes it.
fn encode(encoding: &'static encoding_rs::Encoding, text: &str) -> Vec<u8> {
    encoding.encode(text).0.into_owned()
}

/// Where a label is given: in the header, in a `<meta>`, both, or nowhere.
#[derive(Debug, Clone, Copy)]
enum Label {
    Header,
    Meta,
    Both,
    None,
}

const LABELS: [Label; 4] = [Label::Header, Label::Meta, Label::Both, Label::None];

/// Builds a page of `text` in `encoding` labelled `label` (as `where_`), with `bad` inserted
/// `at` a character offset of the text, or, for `at == None`, with the page cut right after `bad`
/// (a last character cut short). Returns the body and the Content-Type header.
fn labelled_page(
    encoding: &'static encoding_rs::Encoding,
    label: &str,
    where_: Label,
    text: &str,
    bad: &[u8],
    at: Option<usize>,
) -> (Vec<u8>, Option<String>) {
    let meta = match where_ {
        Label::Meta | Label::Both => format!("<meta charset=\"{label}\">"),
        _ => String::new(),
    };
    let header = match where_ {
        Label::Header | Label::Both => Some(format!("text/html; charset={label}")),
        _ => Some("text/html".to_string()),
    };
    let title = if encoding == encoding_rs::BIG5 {
        traditional(TITLE)
    } else {
        TITLE.to_string()
    };
    let head = format!("<html><head>{meta}<title>{title}</title></head><body><p>");
    let mut body = encode(encoding, &head);
    match at {
        Some(at) => {
            let (before, after): (String, String) = (
                text.chars().take(at).collect(),
                text.chars().skip(at).collect(),
            );
            body.extend(encode(encoding, &before));
            // A line break after the bad bytes, as where a line was cut short: a cut lead byte
            // before a character's bytes takes one of them (in a browser too), and the bytes
            // after it pair wrongly up to the next ASCII byte.
            body.extend_from_slice(bad);
            body.push(b'\n');
            body.extend(encode(encoding, &after));
            body.extend_from_slice(b"</p></body></html>");
        }
        None => {
            body.extend(encode(encoding, text));
            body.extend_from_slice(bad);
        }
    }
    (body, header)
}

/// The encoding a page's label names as nianbao reads it (gbk is read by the GB18030 decoder).
fn read_as(encoding: &'static encoding_rs::Encoding) -> &'static encoding_rs::Encoding {
    if encoding == encoding_rs::GBK {
        encoding_rs::GB18030
    } else {
        encoding
    }
}

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
