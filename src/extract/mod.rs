//! Extract: item page -> the government metadata of the export record (title, 发布机构, 索引号,
//! 发布日期, 文号, report year, whether it is an annual report, attachments), each value with its
//! provenance. Pure: a URL, decoded text and the list entry's evidence in, values out.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;
use url::Url;

/// What the list page showed beside the link to this item: evidence for the metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListEvidence {
    pub title: Option<String>,
    pub date: Option<NaiveDate>,
    /// Fields a JSON list API carried, label -> value.
    pub fields: Vec<(String, String)>,
}

/// A link from an item page to a document file (PDF, DOC, DOCX, WPS, XLS, XLSX, OFD, ZIP).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentLink {
    pub url: Url,
    /// The link text, or the file name when the text is empty.
    pub name: Option<String>,
}

/// The metadata of one item page. A value that is not known is `None`, never an empty string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Metadata {
    pub title: Option<String>,
    /// 发布机构
    pub issuing_body: Option<String>,
    /// 索引号
    pub index_number: Option<String>,
    /// 文号
    pub doc_number: Option<String>,
    /// 发布日期
    pub publish_date: Option<NaiveDate>,
    /// The year the report covers (not the year it was published).
    pub report_year: Option<i32>,
    pub is_annual_report: bool,
    /// Every labelled field as printed on the page, label normalised.
    pub fields: BTreeMap<String, String>,
    /// Field name -> where its value came from (e.g. "label:发布机构", "meta:PubDate", "list", "url").
    pub provenance: BTreeMap<String, String>,
    pub attachments: Vec<AttachmentLink>,
}

/// Extracts the metadata of the item page at `url`. `portal_name` is the issuing body of last resort.
pub fn extract(url: &Url, html: &str, evidence: &ListEvidence, portal_name: &str) -> Metadata {
    let _ = (url, html, evidence, portal_name);
    Metadata::default()
}

/// The report year a title names (placeholder until the extractor lands).
pub fn report_year_from_title(title: &str) -> Option<i32> {
    let _ = title;
    None
}

/// Whether a title names an annual report on government information disclosure (placeholder).
pub fn is_annual_report_title(title: &str) -> bool {
    title.contains("年度报告")
}
