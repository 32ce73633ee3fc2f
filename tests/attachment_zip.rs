//! ZIP attachments, made in the tests: the text of every document a zip holds (DOCX, XLSX, PDF,
//! a zip inside it), in the archive's order under a line naming it (names in UTF-8, or in GBK
//! without the UTF-8 flag as Chinese Windows tools write them); damaged, encrypted and bomb
//! zips, and entries that fail, are a `text_error`, never a panic, the other entries' text kept.
//! The crawl of a report page linking a zip is in attachment_sheets.rs.

mod attachment_support;

use attachment_support::sheets::{self, Sheet};
use attachment_support::*;
use nianbao::text::{self, Tools};

/// A zip whose entry `ascii_name` is renamed to `name` in GBK bytes, without the UTF-8 flag
/// (what Chinese Windows zip tools write). `ascii_name` must be as long as `name` in GBK.
fn with_gbk_name(zip: Vec<u8>, ascii_name: &str, name: &str) -> Vec<u8> {
    let gbk = encoding_rs::GBK.encode(name).0.into_owned();
    assert_eq!(
        gbk.len(),
        ascii_name.len(),
        "a placeholder as long as the name"
    );
    replace_all(zip, ascii_name.as_bytes(), &gbk)
}

fn replace_all(mut bytes: Vec<u8>, from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut at = 0;
    while let Some(i) = bytes[at..].windows(from.len()).position(|w| w == from) {
        bytes[at + i..at + i + from.len()].copy_from_slice(to);
        at += i + from.len();
    }
    bytes
}

/// Sets the "encrypted" flag of entry `name` in its local and central headers.
fn flag_encrypted(mut zip: Vec<u8>, name: &str) -> Vec<u8> {
    for (signature, flags_at, name_at) in [(b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)] {
        let starts: Vec<usize> = zip
            .windows(4)
            .enumerate()
            .filter(|(_, w)| w == signature)
            .map(|(i, _)| i)
            .collect();
        for start in starts {
            if zip[start + name_at..].starts_with(name.as_bytes()) {
                zip[start + flags_at] |= 1;
            }
        }
    }
    zip
}

fn statistics_sheet() -> Vec<u8> {
    let row = |cells: &[&str]| cells.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    sheets::xlsx(&[Sheet::new(
        "表二",
        vec![row(&["信息内容", "本年制发件数"]), row(&["规章", "3"])],
    )])
}

/// A zip of a DOCX named in GBK, an XLSX named in UTF-8, a text file and a zip holding another
/// DOCX: the documents' text in the archive's order, each under its name, the text file left
/// out; `text_source` names each section's source, and the text splits back by it.
#[test]
fn the_documents_in_a_zip_give_their_text_under_their_names() {
    let inner = zip(&[("说明.docx", docx(&["附件说明：统计表见附表"]))]);
    let outer = zip(&[
        ("XXXXXXXXXXXX.docx", docx(REPORT_LINES)),
        ("附表.xlsx", statistics_sheet()),
        ("readme.txt", b"see the report".to_vec()),
        ("附件.zip", inner),
    ]);
    let outer = with_gbk_name(outer, "XXXXXXXXXXXX.docx", "2023年报正文.docx");
    let (_d, info, text) = derive_stored(&outer, &Tools::default());
    let info = info.expect("a zip of documents has text");
    let text = text.expect("text stored");
    assert_eq!(
        info.text_source.as_deref(),
        Some("zip:docx-xml;xlsx-cells;docx-xml"),
        "{info:?}"
    );
    assert_eq!(info.text_error, None, "{info:?}");
    assert_eq!(info.outcome(), "derived");
    let mut want = String::from("=== 2023年报正文.docx ===\n");
    for line in REPORT_LINES {
        want.push_str(line);
        want.push('\n');
    }
    want.push_str("=== 附表.xlsx ===\n表二\n信息内容\t本年制发件数\t\n规章\t3\t\n");
    want.push_str("=== 附件.zip/说明.docx ===\n附件说明：统计表见附表\n");
    assert_eq!(text, want);
    let q = info.text_quality.as_ref().expect("quality measured");
    assert_eq!(q.template_labels, REPORT_LABELS);

    let sections = info
        .zip_sections(&text)
        .expect("the text splits by its source");
    let parts: Vec<(&str, bool)> = sections
        .iter()
        .map(|s| (s.name, s.from_spreadsheet()))
        .collect();
    assert_eq!(
        parts,
        [
            ("2023年报正文.docx", false),
            ("附表.xlsx", true),
            ("附件.zip/说明.docx", false)
        ]
    );
    assert_eq!(
        sections[1].text,
        "表二\n信息内容\t本年制发件数\t\n规章\t3\t\n"
    );
}

/// A zip holding no document and no image is kept without text; one holding page scans and
/// nothing that gives text needs OCR, as an image does.
#[test]
fn a_zip_without_documents_has_no_text_and_a_zip_of_scans_needs_ocr() {
    let bare = zip(&[("readme.txt", b"nothing".to_vec())]);
    let (_d, info, _) = derive_stored(&bare, &Tools::default());
    assert_eq!(info, None);

    let scans = zip(&[
        ("readme.txt", b"nothing".to_vec()),
        ("第1页.png", b"\x89PNG\r\n\x1a\n0000".to_vec()),
        ("第2页.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00".to_vec()),
    ]);
    let (_d, info, text) = derive_stored(&scans, &Tools::default());
    let info = info.expect("a zip of scans is described");
    assert_eq!(info.text_source.as_deref(), Some("zip:image"), "{info:?}");
    assert!(
        info.text_quality.as_ref().is_some_and(|q| q.needs_ocr),
        "{info:?}"
    );
    assert_eq!((info.outcome().as_str(), text), ("needs_ocr", None));
}

/// A zip whose only document is a PDF, read where the PDF tool is missing, waits for the tool
/// as a PDF does (`nianbao text` derives it once the tool is installed), and is counted so.
#[test]
fn a_zips_pdf_without_the_pdf_tool_waits_for_it() {
    let body = zip(&[(
        "2023年报.pdf",
        cid_pdf(CidEncoding::IdentityHToUnicode, REPORT_LINES),
    )]);
    let (_d, info, _) = derive_stored(&body, &Tools::default());
    let info = info.expect("a zip of a PDF is described");
    assert_eq!(
        info.text_source.as_deref(),
        Some("zip:missing:pdftotext"),
        "{info:?}"
    );
    assert_eq!(info.outcome(), "missing:pdftotext", "{info:?}");
}

/// A PDF in a zip is read by pdftotext from a temporary copy, which is gone afterwards.
#[test]
fn a_pdf_in_a_zip_is_read_from_a_copy_that_goes() {
    if !have_tool("pdftotext", "a_pdf_in_a_zip_is_read_from_a_copy_that_goes") {
        return;
    }
    let tools = Tools::discover();
    let body = zip(&[(
        "2023年报.pdf",
        cid_pdf(CidEncoding::IdentityHToUnicode, REPORT_LINES),
    )]);
    let (dir, info, text) = derive_stored(&body, &tools);
    let info = info.expect("a zip of a PDF has text");
    let text = text.expect("text stored");
    let pdf_source = tools.pdftotext.as_ref().expect("found").source();
    assert_eq!(
        info.text_source,
        Some(format!("zip:{pdf_source}")),
        "{info:?}"
    );
    assert!(text.starts_with("=== 2023年报.pdf ===\n"), "{text}");
    assert!(compact(&text).contains(&compact(REPORT_LINES[0])), "{text}");
    let plain = dir.path().join("tmp/plain");
    let left: Vec<_> = std::fs::read_dir(&plain)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "temporary copies left: {left:?}");
}

/// A damaged zip, one whose entries all fail, one with an encrypted entry, a bomb and a damaged
/// document beside a good one: `text_error` names the zip's or each entry's fault; where some
/// entry gave text, the text is kept (outcome `derived_partial`), its failed entries' sections
/// empty. Never a panic.
#[test]
fn damaged_encrypted_and_bomb_zips_are_errors() {
    let good = docx(REPORT_LINES);
    let both = zip(&[
        ("年报.docx", good.clone()),
        ("附表.xlsx", statistics_sheet()),
    ]);

    let (_d, info, _) = derive_stored(&both[..both.len() - 30], &Tools::default());
    let info = info.expect("a damaged zip is recorded");
    assert_eq!(info.text_path, None, "{info:?}");
    assert_eq!(info.text_source.as_deref(), Some("zip:"));
    let error = info.text_error.as_deref().unwrap_or_default();
    assert!(error.contains("not a readable zip"), "{error}");

    let locked = flag_encrypted(both.clone(), "附表.xlsx");
    let (_d, info, text) = derive_stored(&locked, &Tools::default());
    let info = info.expect("recorded");
    let error = info.text_error.as_deref().unwrap_or_default();
    assert!(
        error.starts_with("zip entry 附表.xlsx: encrypted"),
        "{error}"
    );
    assert_eq!(info.outcome(), "derived_partial");
    assert_eq!(info.text_source.as_deref(), Some("zip:docx-xml"));
    assert!(
        text.expect("the DOCX's text kept")
            .contains(REPORT_LINES[1])
    );

    let bomb = zip(&[
        ("年报.docx", good.clone()),
        ("zeros.bin", vec![0u8; 40 << 20]),
    ]);
    assert!(bomb.len() < 1 << 20, "a bomb is small: {}", bomb.len());
    let (_d, info, text) = derive_stored(&bomb, &Tools::default());
    let info = info.expect("recorded");
    let error = info.text_error.as_deref().unwrap_or_default();
    assert!(
        error.starts_with("zip entry zeros.bin declares 41943040 bytes"),
        "{error}"
    );
    assert!(
        text.expect("the DOCX's text kept")
            .contains(REPORT_LINES[1])
    );

    let broken = zip(&[
        ("坏.docx", good[..good.len() / 2].to_vec()),
        ("年报.docx", good.clone()),
    ]);
    let (_d, info, text) = derive_stored(&broken, &Tools::default());
    let info = info.expect("recorded");
    let error = info.text_error.as_deref().unwrap_or_default();
    assert!(error.starts_with("zip entry 坏.docx: "), "{error}");
    assert_eq!(info.text_source.as_deref(), Some("zip:docx-xml;docx-xml"));
    let text = text.expect("the good DOCX's text kept");
    assert!(
        text.starts_with("=== 坏.docx ===\n=== 年报.docx ===\n"),
        "{text}"
    );

    // One level of nesting is opened, not two: a zip in a zip in the file is named, unread.
    let deepest = zip(&[("深.docx", good.clone())]);
    let deep = zip(&[
        ("年报.docx", good.clone()),
        ("a.zip", zip(&[("b.zip", deepest)])),
    ]);
    let (_d, info, text) = derive_stored(&deep, &Tools::default());
    let info = info.expect("recorded");
    assert_eq!(
        info.text_error.as_deref(),
        Some(
            "zip entry a.zip/b.zip: unsupported: a zip inside a zip inside the file is not opened"
        )
    );
    assert!(!text.expect("the DOCX's text kept").contains("深.docx"));

    let all_bad = zip(&[("坏.docx", good[..good.len() / 2].to_vec())]);
    let (_d, info, _) = derive_stored(&all_bad, &Tools::default());
    let info = info.expect("recorded");
    assert_eq!(info.text_path, None);
    let error = info.text_error.as_deref().unwrap_or_default();
    assert!(
        error.starts_with("no document in the zip gave text; zip entry 坏.docx: "),
        "{error}"
    );
    assert_eq!(info.outcome(), "failed");
}

/// A zip storing a DOCX uncompressed shows the DOCX's `word/` part names in its bytes, which
/// the sniffer takes for a DOCX of its own: its entries say it is a zip, and it is read as one.
#[test]
fn a_zip_storing_a_docx_uncompressed_is_read_as_a_zip() {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    writer
        .start_file("年报.docx", stored)
        .expect("entry starts");
    writer
        .write_all(&docx(REPORT_LINES))
        .expect("entry written");
    let body = writer.finish().expect("zip finishes").into_inner();
    assert_eq!(text::sniff(&body), Some(text::TextFormat::Zip));
    let (_d, info, text) = derive_stored(&body, &Tools::default());
    let info = info.expect("a zip of a DOCX has text");
    assert_eq!(
        info.text_source.as_deref(),
        Some("zip:docx-xml"),
        "{info:?}"
    );
    let want = format!("=== 年报.docx ===\n{}\n", REPORT_LINES[0]);
    assert!(text.expect("text").starts_with(&want));
}

/// Zips inside a zip count against the file's one bound (128 MiB inflated): of five nested
/// zips of 30 MiB of zeros each, the fifth's passes it and is named, not inflated; the report
/// after them, small enough for what is left, is read.
#[test]
fn nested_zips_share_the_files_bound() {
    let inner = zip(&[("zeros.bin", vec![0u8; 30 << 20])]);
    let mut entries: Vec<(String, Vec<u8>)> = (1..=5)
        .map(|i| (format!("{i}.zip"), inner.clone()))
        .collect();
    entries.push(("年报.docx".into(), docx(REPORT_LINES)));
    let borrowed: Vec<(&str, Vec<u8>)> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.clone()))
        .collect();
    let (_d, info, text) = derive_stored(&zip(&borrowed), &Tools::default());
    let info = info.expect("recorded");
    let error = info.text_error.as_deref().unwrap_or_default();
    assert!(
        error.starts_with("zip entry 5.zip/zeros.bin declares 31457280 bytes; at most"),
        "{error}"
    );
    assert_eq!(info.text_source.as_deref(), Some("zip:docx-xml"));
    assert!(text.expect("the report's text").contains(REPORT_LINES[1]));
}
