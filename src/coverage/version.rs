//! What the matrix reads of an archived version (`ReportVersion`): a few fields of its export
//! record, and the formats (`html`, `pdf`, `doc` …) of its page and attachments.

use crate::export::ExportRecord;
use crate::store::{Delisting, Withdrawal};

/// What the matrix reads of an archived version: a few fields of its export record, so that an
/// archive's reports are held without their fields, provenance, attachments and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportVersion {
    pub id: String,
    pub version: u32,
    pub seq: u64,
    pub portal: String,
    pub url: String,
    pub raw_path: String,
    pub fetched_at: String,
    pub title: Option<String>,
    pub issuing_body: Option<String>,
    pub publish_date: Option<String>,
    pub report_year: Option<i32>,
    pub is_annual_report: bool,
    /// `html`, `pdf`, `doc`, `ofd` … of the page and its attachments, joined by `+`.
    pub kind: String,
    /// The document's withdrawal now, when the record carries it (as `nianbao export` gives it).
    pub withdrawn: Option<Withdrawal>,
    /// The delisting of the version's URL now, when the record carries it (as `nianbao export`
    /// gives it).
    pub delisted: Option<Delisting>,
    /// The id of the archived document this one re-publishes (`same_report_as`), if any.
    pub same_report_as: Option<String>,
}

impl From<&ExportRecord> for ReportVersion {
    fn from(r: &ExportRecord) -> Self {
        ReportVersion {
            id: r.id.clone(),
            version: r.version,
            seq: r.seq,
            portal: r.portal.clone(),
            url: r.url.clone(),
            raw_path: r.raw_path.clone(),
            fetched_at: r.fetched_at.clone(),
            title: r.title.clone(),
            issuing_body: r.issuing_body.clone(),
            publish_date: r.publish_date.clone(),
            report_year: r.report_year,
            is_annual_report: r.is_annual_report,
            kind: kind_of(r),
            withdrawn: r.withdrawn.clone(),
            delisted: r.delisted.clone(),
            same_report_as: r.same_report_as.as_ref().map(|s| s.id.clone()),
        }
    }
}

/// `html`, `pdf`, `doc`, `ofd` … of the page and its attachments.
fn kind_of(record: &ExportRecord) -> String {
    let mut kinds = vec![file_kind(record.content_type.as_deref(), &record.url)];
    for a in &record.attachments {
        let k = file_kind(a.content_type.as_deref(), &a.url);
        if !kinds.contains(&k) {
            kinds.push(k);
        }
    }
    kinds.join("+")
}

fn file_kind(content_type: Option<&str>, url: &str) -> String {
    let ct = content_type.unwrap_or("").to_ascii_lowercase();
    let ext = url
        .split(['?', '#'])
        .next()
        .and_then(|p| p.rsplit('/').next())
        .and_then(|f| f.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()))
        .unwrap_or_default();
    let kind = if ct.contains("html") {
        "html"
    } else if ct.contains("pdf") || ext == "pdf" {
        "pdf"
    } else if ct.contains("ofd") || ext == "ofd" {
        "ofd"
    } else if ct.contains("word")
        || ct.contains("msword")
        || ["doc", "docx", "wps"].contains(&ext.as_str())
    {
        "doc"
    } else if ["htm", "html", "shtml", "jhtml"].contains(&ext.as_str()) {
        "html"
    } else if ext.is_empty() || ext.len() > 5 {
        "file"
    } else {
        return ext;
    };
    kind.to_string()
}
