//! Attachments' text (issue 13): text derived from generated and LibreOffice-made PDF, DOC,
//! DOCX, Word 2003 XML and OFD files with Chinese text, stored beside the raw file, with its
//! quality measured; damaged files, scans and zip bombs are recorded, never a panic.

mod attachment_support;

use std::time::Instant;

use attachment_support::*;
use nianbao::text::{self, TextFormat, TextInfo, Tools};

fn assert_report_text(text: &str, info: &TextInfo, what: &str) {
    let compact_text = compact(text);
    for line in REPORT_LINES {
        assert!(
            compact_text.contains(&compact(line)),
            "{what}: {line:?} missing from {text:?}"
        );
    }
    let q = info.text_quality.as_ref().expect("quality measured");
    assert_eq!(q.template_labels, REPORT_LABELS, "{what}");
    assert_eq!(q.replacement_chars, 0, "{what}");
    assert!(q.cjk_ratio > 0.85, "{what}: cjk ratio {}", q.cjk_ratio);
    assert!(!q.needs_ocr, "{what}");
    assert_eq!(info.text_error, None, "{what}");
}

#[test]
fn pdfs_with_predefined_cmaps_and_no_to_unicode_are_read() {
    if !have_tool(
        "pdftotext",
        "pdfs_with_predefined_cmaps_and_no_to_unicode_are_read",
    ) {
        return;
    }
    let tools = Tools::discover();
    assert!(
        tools.pdftotext.as_ref().is_some_and(|t| t.cjk_cmaps),
        "pdftotext reads the probe in UniGB-UCS2-H (poppler-data is installed)"
    );
    for encoding in CidEncoding::ALL {
        let (_dir, info, text) = derive_stored(&cid_pdf(encoding, REPORT_LINES), &tools);
        let info = info.expect("a PDF has text to derive");
        let source = info.text_source.clone().expect("source recorded");
        assert!(source.starts_with("pdftotext "), "{source}");
        assert_report_text(&text.expect("text stored"), &info, &format!("{encoding:?}"));
    }
}

#[test]
fn a_libreoffice_pdf_is_read() {
    if !have_tool("pdftotext", "a_libreoffice_pdf_is_read") {
        return;
    }
    let (_dir, info, text) = derive_stored(&fixture("report-libreoffice.pdf"), &Tools::discover());
    let (info, text) = (info.expect("PDF"), text.expect("text stored"));
    let q = info.text_quality.clone().expect("quality");
    assert_eq!(q.template_labels, REPORT_LABELS);
    assert!(
        compact(&text).contains("本年新收政府信息公开申请3件"),
        "{text}"
    );
    assert_eq!(q.pages, Some(1));
}

#[test]
fn a_scan_without_a_text_layer_needs_ocr() {
    if !have_tool("pdftotext", "a_scan_without_a_text_layer_needs_ocr") {
        return;
    }
    let (_dir, info, _) = derive_stored(&scanned_pdf(), &Tools::discover());
    let info = info.expect("PDF");
    let q = info.text_quality.clone().expect("quality measured");
    assert!(q.needs_ocr, "{q:?}");
    assert_eq!(q.pages, Some(2));
    assert_eq!(info.outcome(), "needs_ocr");
    assert!(info.text_path.is_some(), "the (empty) text is still kept");
}

#[test]
fn without_pdftotext_the_missing_tool_is_recorded() {
    let (_dir, info, text) = derive_stored(
        &cid_pdf(CidEncoding::UniGbUcs2H, REPORT_LINES),
        &Tools::default(),
    );
    let info = info.expect("PDF");
    assert_eq!(info.text_source.as_deref(), Some("missing:pdftotext"));
    assert!(
        info.text_error
            .as_deref()
            .is_some_and(|e| e.contains("pdftotext is not installed")),
        "{info:?}"
    );
    assert_eq!(info.outcome(), "missing:pdftotext");
    assert_eq!(text, None);
    assert!(Tools::default().missing()[0].starts_with("pdftotext is not installed"));
}

#[test]
fn docx_and_ofd_text_comes_from_their_xml() {
    let tools = Tools::default();
    let (_d, info, text) = derive_stored(&docx(REPORT_LINES), &tools);
    let info = info.expect("DOCX");
    assert_eq!(info.text_source.as_deref(), Some("docx-xml"));
    let text = text.expect("text stored");
    assert_report_text(&text, &info, "generated DOCX");
    // Runs join, paragraphs split.
    assert_eq!(text.lines().next(), Some(REPORT_LINES[0]));

    let (_d, info, text) = derive_stored(&fixture("report.docx"), &tools);
    let info = info.expect("DOCX");
    assert_eq!(
        info.text_quality.expect("quality").template_labels,
        REPORT_LABELS
    );
    assert!(
        text.expect("text").contains("行政规范性文件\t12"),
        "cells are tab-separated"
    );

    let second: &[&str] = &["第二页", "六、其他需要报告的事项"];
    let (_d, info, text) = derive_stored(&ofd(&[&REPORT_LINES[..8], second]), &tools);
    let info = info.expect("OFD");
    assert_eq!(info.text_source.as_deref(), Some("ofd-xml"));
    let text = text.expect("text stored");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0], REPORT_LINES[0],
        "TextCodes on one baseline are one line"
    );
    assert_eq!(lines[1], REPORT_LINES[1]);
    assert!(
        text.find("第二页") > text.find(REPORT_LINES[7]),
        "pages in order"
    );
    assert_report_text(&text, &info, "generated OFD");
}

#[test]
fn doc_and_wps_are_told_by_their_bytes_not_their_name() {
    let doc = fixture("report.doc");
    let word_xml = fixture("report-word2003-xml.doc");
    let docx_bytes = fixture("report.docx");
    assert_eq!(text::sniff(&doc), Some(TextFormat::Ole));
    assert_eq!(text::sniff(&word_xml), Some(TextFormat::WordXml));
    assert_eq!(text::sniff(&docx_bytes), Some(TextFormat::Docx));
    assert_eq!(
        text::sniff(b"<html><body>w:wordDocument</body></html>"),
        None
    );
    assert_eq!(text::sniff(b"%PDF-1.7\n"), Some(TextFormat::Pdf));

    let tools = Tools::default();
    for (name, body, source) in [
        ("report.doc (Word 97 binary)", &doc, "doc-piece-table"),
        (
            "report-word2003-xml.doc (what WPS writes as .doc)",
            &word_xml,
            "word-xml",
        ),
    ] {
        let (_d, info, text) = derive_stored(body, &tools);
        let info = info.expect(name);
        assert_eq!(info.text_source.as_deref(), Some(source), "{name}");
        let text = text.expect("text stored");
        let q = info.text_quality.clone().expect("quality");
        assert_eq!(q.template_labels, REPORT_LABELS, "{name}: {text}");
        assert_eq!(q.replacement_chars, 0, "{name}");
        let compact_text = compact(&text);
        for line in [
            "集安市花甸镇2023年政府信息公开工作年度报告",
            "本年新收政府信息公开申请3件。",
            "规章0",
        ] {
            assert!(
                compact_text.contains(line),
                "{name}: {line} missing from {text:?}"
            );
        }
    }
}

#[test]
fn the_doc_reader_agrees_with_catdoc() {
    // catdoc, not antiword: antiword wraps table cells at its line width and splits words
    // across lines (`行政规范性文` / `件`), so it is no oracle for tables.
    if !have_tool("catdoc", "the_doc_reader_agrees_with_catdoc") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("report.doc");
    std::fs::write(&path, fixture("report.doc")).expect("write");
    let out = std::process::Command::new("catdoc")
        .args(["-d", "utf-8"])
        .arg(&path)
        .output()
        .expect("antiword runs");
    let theirs = compact(&String::from_utf8_lossy(&out.stdout));
    let (_d, _, ours) = derive_stored(&fixture("report.doc"), &Tools::default());
    assert_eq!(compact(&ours.expect("text")), theirs);
}

#[test]
fn damaged_files_of_each_kind_are_recorded_not_fatal() {
    let tools = Tools::discover();
    let whole: Vec<(&str, Vec<u8>)> = vec![
        ("pdf", cid_pdf(CidEncoding::GbkEucH, REPORT_LINES)),
        ("libreoffice pdf", fixture("report-libreoffice.pdf")),
        ("docx", docx(REPORT_LINES)),
        ("ofd", ofd(&[REPORT_LINES])),
        ("doc", fixture("report.doc")),
        ("word xml", fixture("report-word2003-xml.doc")),
    ];
    for (name, body) in whole {
        for cut in [body.len() / 2, 600.min(body.len() / 3)] {
            let part = &body[..cut];
            let Some(_) = text::sniff(part) else {
                continue; // cut before the bytes that tell the format
            };
            let (_d, info, text) = derive_stored(part, &tools);
            let info = info.expect("a sniffed format is always recorded");
            assert!(info.text_source.is_some(), "{name} cut at {cut}: {info:?}");
            let zipped_or_ole = matches!(name, "docx" | "ofd" | "doc");
            if zipped_or_ole {
                let error = info.text_error.clone().unwrap_or_default();
                assert!(
                    error.contains("damaged or truncated"),
                    "{name} cut at {cut}: {info:?}"
                );
                assert_eq!(text, None);
            } else {
                assert!(
                    info.text_error.is_some() || text.is_some(),
                    "{name} cut at {cut}: {info:?}"
                );
            }
        }
    }
}

#[test]
fn a_zip_bomb_costs_an_error_not_memory() {
    let bomb = zip_bomb(300 << 20);
    assert!(bomb.len() < 2 << 20, "the bomb is small: {}", bomb.len());
    let started = Instant::now();
    let (_d, info, text) = derive_stored(&bomb, &Tools::default());
    let info = info.expect("a DOCX-looking zip is recorded");
    let error = info.text_error.clone().unwrap_or_default();
    assert!(
        error.contains("word/document.xml") && error.contains("bytes"),
        "{info:?}"
    );
    assert_eq!(text, None);
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
}

#[test]
fn a_zip_bomb_that_lies_about_its_size_is_cut() {
    let mut bomb = zip_bomb(300 << 20);
    // Rewrite the declared uncompressed size of document.xml, in its local header (name at
    // offset 30, size at 22) and its central directory entry (name at 46, size at 24).
    let name = b"word/document.xml";
    let mut patched = 0;
    let mut at = 0;
    while let Some(found) = bomb[at..].windows(name.len()).position(|w| w == name) {
        let i = at + found;
        for (sig, name_at, size_at) in [(&b"PK\x03\x04"[..], 30, 22), (&b"PK\x01\x02"[..], 46, 24)]
        {
            if i >= name_at && &bomb[i - name_at..i - name_at + 4] == sig {
                let h = i - name_at;
                bomb[h + size_at..h + size_at + 4].copy_from_slice(&1000u32.to_le_bytes());
                patched += 1;
            }
        }
        at = i + name.len();
    }
    assert_eq!(patched, 2, "both headers rewritten");
    let started = Instant::now();
    let (_d, info, _) = derive_stored(&bomb, &Tools::default());
    let info = info.expect("recorded");
    let error = info.text_error.clone().unwrap_or_default();
    assert!(
        !error.contains("declares"),
        "the lie passed the declared-size check: {error}"
    );
    assert!(error.contains("word/document.xml"), "{info:?}");
    assert!(started.elapsed().as_secs() < 10);
}

#[test]
fn a_pdftotext_without_cjk_cmaps_is_said_so_in_every_pdf_record() {
    if !have_tool(
        "pdftotext",
        "a_pdftotext_without_cjk_cmaps_is_said_so_in_every_pdf_record",
    ) {
        return;
    }
    let mut tools = Tools::discover();
    if let Some(t) = tools.pdftotext.as_mut() {
        t.cjk_cmaps = false;
    }
    let (_d, info, _) = derive_stored(&fixture("report-libreoffice.pdf"), &tools);
    assert_eq!(
        info.expect("PDF").text_error.as_deref(),
        Some(text::NO_CJK_CMAPS)
    );
    assert_eq!(tools.missing(), vec![text::NO_CJK_CMAPS.to_string()]);
    // DOCX needs no PDF tool: nothing to say.
    let (_d, info, _) = derive_stored(&docx(REPORT_LINES), &tools);
    assert_eq!(info.expect("DOCX").text_error, None);
}
