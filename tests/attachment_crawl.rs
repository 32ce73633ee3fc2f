//! Attachment-only reports end to end (issue 13): a simulated township portal whose report is
//! only a PDF (a CID font through the predefined CMap UniGB-UCS2-H, no ToUnicode) is crawled;
//! the export record names the attachment's text and how it was made, and the text file holds
//! the report's headings. `nianbao text` derives it again for an archive that lacks it.

mod attachment_support;
mod common;

use std::time::Duration;

use attachment_support::{REPORT_LABELS, compact, have_tool};
use common::{Harness, stderr};
use nianbao_sim::{DocSpec, SiteSpec};
use serde_json::Value;

const TITLE: &str = "花甸镇2025年政府信息公开工作年度报告";

fn harness() -> Harness {
    let mut site = SiteSpec::standard()
        .into_iter()
        .find(|s| s.name == "nometa")
        .expect("the bundled nometa portal");
    site.docs.push(
        DocSpec::new(TITLE, "2026-01-20 09:00")
            .report(2025)
            .attachment_only(),
    );
    Harness::with_sites(vec![site], Duration::from_millis(20))
}

fn report_record(h: &Harness) -> Value {
    h.export()
        .into_iter()
        .find(|r| r["title"] == TITLE)
        .expect("the attachment-only report is archived")
}

#[test]
fn an_attachment_only_report_gets_its_text_in_the_export_record() {
    let h = harness();
    let out = h.run(&["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let summary = stderr(&out);
    let record = report_record(&h);
    assert_eq!(record["is_annual_report"], true);
    let attachment = &record["attachments"][0];
    assert!(attachment["raw_path"].is_string(), "{attachment}");
    if !have_tool(
        "pdftotext",
        "an_attachment_only_report_gets_its_text_in_the_export_record",
    ) {
        assert_eq!(attachment["text_source"], "missing:pdftotext");
        assert!(
            summary.contains("WARNING: pdftotext is not installed"),
            "{summary}"
        );
        return;
    }
    let source = attachment["text_source"].as_str().expect("text_source");
    assert!(source.starts_with("pdftotext "), "{attachment}");
    assert_eq!(attachment["text_error"], Value::Null, "{attachment}");
    let path = attachment["text_path"].as_str().expect("text_path");
    let sha = attachment["sha256"].as_str().expect("sha256");
    assert_eq!(path, format!("text/{}/{sha}.txt", &sha[..2]));
    let text = std::fs::read_to_string(h.data_dir().join(path)).expect("text file");
    let text = compact(&text);
    assert!(text.contains(TITLE), "{text}");
    for label in REPORT_LABELS {
        assert!(text.contains(label), "{label} missing from {text}");
    }
    let quality = &attachment["text_quality"];
    assert_eq!(
        quality["template_labels"].as_array().map(Vec::len),
        Some(REPORT_LABELS.len())
    );
    assert_eq!(quality["replacement_chars"], 0);
    assert_eq!(quality["needs_ocr"], false);
    assert!(
        quality["cjk_ratio"].as_f64().is_some_and(|r| r > 0.8),
        "{quality}"
    );
    assert!(summary.contains("attachments' text: derived="), "{summary}");
    // A web page has no text of its own in the record.
    assert_eq!(record["text_path"], Value::Null);

    // An archive made before text was derived: `nianbao text` derives what is missing.
    std::fs::remove_dir_all(h.data_dir().join("text")).expect("remove text folder");
    let again = h.run(&["text"]);
    assert!(again.status.success(), "{}", stderr(&again));
    let said = String::from_utf8_lossy(&again.stdout);
    assert!(said.contains("text: 1 files tried (derived=1)"), "{said}");
    assert!(h.data_dir().join(path).is_file(), "text written again");
    let nothing = h.run(&["text"]);
    assert!(String::from_utf8_lossy(&nothing.stdout).contains("text: 0 files tried (none needed)"));
}
