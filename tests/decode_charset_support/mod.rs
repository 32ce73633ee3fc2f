//! Shared helpers of the decode tests: sample report text in Simplified and Traditional, encoded
//! and labelled by header, `<meta>`, both or neither.
#![allow(dead_code)]

pub const BIG5_TEXT: &str = "政府資訊公開年度報告。本機關依據政府資訊公開法規定，主動公開施政計畫、業務統計及預算決算等資訊，\
    並受理民眾申請提供政府資訊。本年度共受理申請案件一百二十件，均已依法處理完畢。";

pub fn sample_report_text(chars: usize) -> String {
    let path = format!(
        "{}/../shared/sample-reports/alashankou-2024-report.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    text.chars().take(chars).collect()
}

// ---- One bad spot in a declared page, Latin labels, UTF-16 without a BOM (probe H #3-#5) ----

pub const TITLE: &str = "某县人民政府2023年政府信息公开工作年度报告";

/// Simplified text as Traditional, character by character, so it fits Big5.
pub fn traditional(text: &str) -> String {
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
pub fn encode(encoding: &'static encoding_rs::Encoding, text: &str) -> Vec<u8> {
    encoding.encode(text).0.into_owned()
}

/// Where a label is given: in the header, in a `<meta>`, both, or nowhere.
#[derive(Debug, Clone, Copy)]
pub enum Label {
    Header,
    Meta,
    Both,
    None,
}

/// Builds a page of `text` in `encoding` labelled `label` (as `where_`), with `bad` inserted
/// `at` a character offset of the text, or, for `at == None`, with the page cut right after `bad`
/// (a last character cut short). Returns the body and the Content-Type header.
pub fn labelled_page(
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
pub fn read_as(encoding: &'static encoding_rs::Encoding) -> &'static encoding_rs::Encoding {
    if encoding == encoding_rs::GBK {
        encoding_rs::GB18030
    } else {
        encoding
    }
}
