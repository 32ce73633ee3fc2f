//! Decode tests over generated lying labels: label spellings browsers and servers use, labels in
//! several places that disagree, and bodies cut or spliced; each checks the decoded title and
//! body against the text that was encoded, and that the record names the label it overruled.

use encoding_rs::{BIG5, Encoding, GB18030, UTF_8, UTF_16BE, UTF_16LE};
use nianbao::decode::{CharsetSource, decode};

const TITLE: &str = "某某县人民政府2023年政府信息公开工作年度报告";

/// Body text with GBK-only and GB18030 four-byte characters (䶮, 𠀀), bopomofo and the euro sign.
const BODY: &str = "本年度共主动公开政府信息一千二百条，收到政府信息公开申请三十件，\
    全部按期答复。行政复议和行政诉讼情况统计如下：维持、纠正、其他、尚未审结、总计。";

const RARE: &str = "䶮𠀀ㄅ€";

fn page(meta: &str, title: &str, body: &str) -> String {
    format!(
        "<html><head>{meta}<title>{title}</title></head><body><h1>{title}</h1>\
         <p>{body}</p><p>{body}</p><p>{body}</p></body></html>"
    )
}

fn enc(encoding: &'static Encoding, text: &str) -> Vec<u8> {
    let (bytes, _, had_errors) = encoding.encode(text);
    assert!(!had_errors, "{} encodes the test text", encoding.name());
    bytes.into_owned()
}

fn big5_text(text: &str) -> String {
    text.chars()
        .map(|c| {
            nianbao::traditional::traditional_forms(c)
                .next()
                .unwrap_or(c)
        })
        .filter(|&c| !BIG5.encode(&c.to_string()).2)
        .collect()
}

/// (case, body, Content-Type, encoding expected, label expected in the record, text expected)
struct Case {
    name: String,
    body: Vec<u8>,
    content_type: Option<String>,
    encoding: &'static Encoding,
    declared: Option<&'static str>,
    wants: Vec<String>,
}

fn header(label: &str) -> Option<String> {
    Some(format!("text/html; charset={label}"))
}

fn gbk_page_with(meta: &str) -> Vec<u8> {
    enc(GB18030, &page(meta, TITLE, &format!("{BODY}{RARE}")))
}

fn cases() -> Vec<Case> {
    let wants = vec![TITLE.to_string(), BODY.to_string(), RARE.to_string()];
    let mut cases = Vec::new();
    let mut add = |name: &str,
                   body: Vec<u8>,
                   content_type: Option<String>,
                   encoding: &'static Encoding,
                   declared: Option<&'static str>,
                   wants: Vec<String>| {
        cases.push(Case {
            name: name.to_string(),
            body,
            content_type,
            encoding,
            declared,
            wants,
        })
    };
    // Label spellings over a GB18030 page holding GBK-only and four-byte characters.
    for (label, declared) in [
        ("gb2312", Some("gb2312")),
        ("x-gbk", Some("x-gbk")),
        ("GB_2312-80", Some("gb_2312-80")),
        ("gbk", Some("gbk")),
        ("\"gb2312\"", Some("gb2312")),
        // Not WHATWG labels: no declaration, the bytes decide.
        ("zh_CN.GBK", None),
        ("EUC-CN", None),
        ("cp936", None),
        ("", None),
        // Single-byte labels over GBK bytes: overruled.
        ("iso-8859-1", Some("iso-8859-1")),
        ("x-user-defined", Some("x-user-defined")),
        // UTF-8 spellings over GBK bytes: overruled.
        ("utf8", Some("utf8")),
        ("UTF-8;", Some("utf-8")),
        // A UTF-16 label over GBK bytes (no NUL bytes): the bytes are not UTF-16.
        ("utf-16", Some("utf-16")),
        ("utf-16be", Some("utf-16be")),
    ] {
        add(
            &format!("header {label} on gbk"),
            gbk_page_with(""),
            header(label),
            GB18030,
            declared,
            wants.clone(),
        );
        add(
            &format!("meta {label} on gbk"),
            gbk_page_with(&format!("<meta charset=\"{label}\">")),
            None,
            GB18030,
            // `<meta charset=""gb2312"">` and `<meta charset="utf-8;">` name no encoding: no
            // declaration, as in a browser.
            declared.filter(|_| !label.contains('"') && !label.ends_with(';')),
            wants.clone(),
        );
    }
    let utf8 = page("", TITLE, &format!("{BODY}{RARE}"));
    for label in [
        "utf8",
        "UTF-8;",
        "\"utf-8\"",
        "gb2312",
        "big5",
        "iso-8859-1",
        "utf-16",
    ] {
        add(
            &format!("header {label} on utf-8"),
            utf8.clone().into_bytes(),
            header(label),
            UTF_8,
            None,
            wants.clone(),
        );
    }
    // Two charset parameters: the first names the bytes, the second lies; and the other way.
    add(
        "two charset parameters, first true",
        gbk_page_with(""),
        Some("text/html; charset=gbk; charset=utf-8".into()),
        GB18030,
        Some("gbk"),
        wants.clone(),
    );
    add(
        "two charset parameters, first lies",
        gbk_page_with(""),
        Some("text/html; charset=utf-8; charset=gbk".into()),
        GB18030,
        None,
        wants.clone(),
    );
    // Big5 (and HKSCS label) pages, and a Big5 page labelled gbk.
    let trad_title = big5_text(TITLE);
    let trad_body = big5_text(BODY);
    let big5 = enc(BIG5, &page("", &trad_title, &trad_body));
    let big5_wants = vec![trad_title.clone(), trad_body.clone()];
    for label in ["big5-hkscs", "big5", "gbk", "gb2312", "utf-8", "iso-8859-1"] {
        add(
            &format!("header {label} on big5"),
            big5.clone(),
            header(label),
            BIG5,
            None,
            big5_wants.clone(),
        );
    }
    // Places: BOM over header and meta, header over meta, meta charset over http-equiv.
    let mut bom_utf8 = b"\xEF\xBB\xBF".to_vec();
    bom_utf8.extend(page("<meta charset=\"gbk\">", TITLE, BODY).as_bytes());
    add(
        "utf-8 bom, gbk header and meta",
        bom_utf8,
        header("gbk"),
        UTF_8,
        None,
        vec![TITLE.into(), BODY.into()],
    );
    let http_equiv = "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">";
    add(
        "gbk header, utf-8 meta and http-equiv",
        gbk_page_with(&format!("<meta charset=\"utf-8\">{http_equiv}")),
        header("gbk"),
        GB18030,
        Some("gbk"),
        wants.clone(),
    );
    add(
        "utf-8 header, gbk meta charset",
        gbk_page_with("<meta charset=\"gbk\">"),
        header("utf-8"),
        GB18030,
        None,
        wants.clone(),
    );
    add(
        "meta charset gbk before http-equiv utf-8",
        gbk_page_with(&format!("<meta charset=\"gbk\">{http_equiv}")),
        None,
        GB18030,
        Some("gbk"),
        wants.clone(),
    );
    add(
        "http-equiv utf-8 before meta charset gbk",
        gbk_page_with(&format!("{http_equiv}<meta charset=\"gbk\">")),
        None,
        GB18030,
        None,
        wants.clone(),
    );
    // A meta the prescan does not see: after 1024 bytes, inside a comment, in the body, and an
    // XML declaration. The bytes decide.
    let long_comment = format!("<!-- {} -->", "x".repeat(1200));
    let long_script = format!("<script>var a = \"{}\";</script>", "y".repeat(1200));
    for (name, meta) in [
        (
            "meta after a long comment",
            format!("{long_comment}<meta charset=\"gbk\">"),
        ),
        (
            "meta after a long script",
            format!("{long_script}<meta charset=\"gbk\">"),
        ),
        (
            "meta inside a comment",
            "<!-- <meta charset=\"utf-8\"> -->".to_string(),
        ),
    ] {
        add(
            name,
            gbk_page_with(&meta),
            None,
            GB18030,
            None,
            wants.clone(),
        );
    }
    let mut xml = b"<?xml version=\"1.0\" encoding=\"gbk\"?>".to_vec();
    xml.extend(gbk_page_with(""));
    add(
        "xml declaration gbk",
        xml,
        None,
        GB18030,
        None,
        wants.clone(),
    );
    // UTF-16 with and without BOM, labelled utf-8 or not at all.
    for (name, encoding, bom) in [
        ("utf-16le with bom", UTF_16LE, &b"\xFF\xFE"[..]),
        ("utf-16be with bom", UTF_16BE, &b"\xFE\xFF"[..]),
        ("utf-16le without bom", UTF_16LE, &b""[..]),
        ("utf-16be without bom", UTF_16BE, &b""[..]),
    ] {
        let mut body = bom.to_vec();
        for unit in page("", TITLE, &format!("{BODY}{RARE}")).encode_utf16() {
            let bytes = if encoding == UTF_16LE {
                unit.to_le_bytes()
            } else {
                unit.to_be_bytes()
            };
            body.extend_from_slice(&bytes);
        }
        for content_type in [None, header("utf-8")] {
            add(
                name,
                body.clone(),
                content_type,
                encoding,
                None,
                wants.clone(),
            );
        }
    }
    // Bodies: a GBK page cut in the middle of a two-byte and of a four-byte character, a GBK page
    // with one invalid byte, mixed Simplified and Traditional in UTF-8.
    let gbk = gbk_page_with("<meta charset=\"gb2312\">");
    let cut_at = |c: char| {
        let bytes = enc(GB18030, &c.to_string());
        let at = gbk
            .windows(bytes.len())
            .rposition(|w| w == bytes.as_slice())
            .expect("the character is in the page");
        gbk[..at + bytes.len() - 1].to_vec()
    };
    add(
        "gbk cut inside a two-byte character",
        cut_at('总'),
        None,
        GB18030,
        Some("gb2312"),
        vec![TITLE.into(), BODY.into()],
    );
    add(
        "gbk cut inside a four-byte character",
        cut_at('𠀀'),
        header("gbk"),
        GB18030,
        Some("gbk"),
        vec![TITLE.into(), BODY.into()],
    );
    let mut invalid = gbk.clone();
    let at = invalid.len() / 2;
    invalid.insert(at, 0xFF);
    add(
        "gbk with one invalid byte",
        invalid,
        header("gb2312"),
        GB18030,
        Some("gb2312"),
        vec![TITLE.into()],
    );
    let mixed = page(
        "",
        &format!("{TITLE}（{trad_title}）"),
        &format!("{BODY}{trad_body}"),
    );
    for content_type in [None, header("gb2312"), header("big5")] {
        add(
            "mixed simplified and traditional in utf-8",
            mixed.clone().into_bytes(),
            content_type,
            UTF_8,
            None,
            vec![TITLE.into(), trad_title.clone(), trad_body.clone()],
        );
    }
    cases
}

#[test]
fn lying_labels_decode_to_the_text_that_was_encoded() {
    let mut wrong = Vec::new();
    for case in cases() {
        let decoded = decode(&case.body, case.content_type.as_deref());
        let mut faults = Vec::new();
        if decoded.encoding != case.encoding {
            faults.push(format!("encoding {}", decoded.encoding.name()));
        }
        for want in &case.wants {
            if !decoded.text.contains(want.as_str()) {
                faults.push(format!("text lacks {want}"));
            }
        }
        if let Some(label) = case.declared
            && decoded.declared.as_deref() != Some(label)
        {
            faults.push(format!("declared {:?}, want {label}", decoded.declared));
        }
        if !faults.is_empty() {
            wrong.push(format!(
                "{} ({:?}): {} [source {:?}, declared {:?}]",
                case.name,
                case.content_type,
                faults.join("; "),
                decoded.source,
                decoded.declared
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn an_overruled_label_is_kept_beside_the_encoding_used() {
    let decoded = decode(&gbk_page_with(""), header("iso-8859-1").as_deref());
    assert_eq!(decoded.encoding, GB18030);
    assert_eq!(decoded.source, CharsetSource::CjkTrial);
    assert_eq!(decoded.declared.as_deref(), Some("iso-8859-1"));
}
