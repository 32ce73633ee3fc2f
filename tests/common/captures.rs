//! Captures for tests that commit to a store directly, without a crawl.

use nianbao::export::ExportRecord;
use nianbao::store::NewCapture;

/// A capture of `url` on `portal` whose content hashes to `content_hash` (which also names its
/// raw file), with no exchanges: writing it to WARC writes only its mark.
pub fn capture(portal: &str, url: &str, content_hash: &str, report: bool) -> NewCapture {
    let record: ExportRecord = serde_json::from_value(serde_json::json!({
        "id": "", "version": 0, "seq": 0, "portal": portal, "url": url, "aliases": [],
        "list_url": null, "fetched_at": "2026-11-24T00:00:00Z", "http_status": 200,
        "content_type": "text/html", "charset": null, "charset_source": null,
        "sha256": format!("sha-{content_hash}"), "content_hash": content_hash,
        "raw_path": format!("raw/00/{content_hash}"), "title": null, "issuing_body": null,
        "index_number": null, "doc_number": null, "publish_date": null, "report_year": null,
        "is_annual_report": report, "fields": {}, "provenance": {}, "attachments": [],
    }))
    .expect("a well-formed record");
    NewCapture {
        record,
        etag: None,
        last_modified: None,
        exchanges: vec![],
        unsynced_files: None,
        attachment_wait: None,
        list_title: None,
        list_date: None,
        list: None,
        list_name: None,
        fingerprint: None,
    }
}
