//! Export: the export record, the contract with downstream parsers. One record per archived
//! document version, in archive (seq) order; `nianbao export` and `nianbao feed` print them as
//! JSON lines. A value that is not known is null: never an empty string, never a guess.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::text::TextInfo;

/// One archived document version as downstream parsers see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportRecord {
    /// Stable document id: the same document keeps it across versions and runs.
    pub id: String,
    /// 1 for the first capture of a document, then 2, 3 ... for each changed content hash.
    pub version: u32,
    /// Archive sequence number: strictly increasing in commit order, never reused.
    pub seq: u64,
    pub portal: String,
    /// The URL this version was fetched from.
    pub url: String,
    /// Other URLs at which the same document was found.
    pub aliases: Vec<String>,
    /// The document is withdrawn now: every URL it was found at answers 404 or 410, or a page
    /// saying it does not exist (since when, and how). Filled by `nianbao export` from the URL
    /// states, never stored with a version (as `aliases`); left out when it is not withdrawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<crate::store::Withdrawal>,
    /// The record's URL is delisted now: a complete walk of the list it was found on no longer
    /// shows it, and its page still answers (since when). Filled by `nianbao export` from the
    /// URL states, never stored with a version; left out when it is not delisted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delisted: Option<crate::store::Delisting>,
    /// The archived document this one is the same report as: a report re-published at a new
    /// URL with a changed page text (a site revamp), found by year, title, issuing body and a
    /// nearly equal text (`evidence`). A link, not a merge: both documents keep their records.
    /// Filled from the document, never stored with a version; left out when there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same_report_as: Option<crate::same_report::SameReport>,
    /// The list page on which the document was found.
    pub list_url: Option<String>,
    /// RFC 3339, UTC.
    pub fetched_at: String,
    pub http_status: u16,
    pub content_type: Option<String>,
    /// The encoding_rs name of the encoding used to decode the page.
    pub charset: Option<String>,
    pub charset_source: Option<String>,
    /// For a web page, U+FFFD characters in its decoded text: bytes its encoding could not read
    /// (a cut character, a stray byte). Null for a document file, and in records written before
    /// pages counted them.
    #[serde(default)]
    pub replacement_chars: Option<u64>,
    /// For a web page, whether its decoded text looks like mojibake (runs of U+FFFD, or UTF-8
    /// read as Latin-1): its fields may be garbled; the raw bytes are kept as they came.
    #[serde(default)]
    pub mojibake: Option<bool>,
    /// The page was fetched over HTTPS without verifying the server's certificate (its
    /// portal's `tls_verify = false`): nothing proves it came from the portal's server. Left
    /// out when it was verified (or fetched over http).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tls_unverified: bool,
    /// sha256 of the raw body (after content decoding, as archived at `raw_path`).
    pub sha256: String,
    /// Hash of the normalised main content (and the attachments' sha256s).
    pub content_hash: String,
    /// Path of the raw body relative to data_dir.
    pub raw_path: String,
    pub title: Option<String>,
    /// 发布机构
    pub issuing_body: Option<String>,
    /// 索引号
    pub index_number: Option<String>,
    /// 文号
    pub doc_number: Option<String>,
    /// 发布日期, YYYY-MM-DD.
    pub publish_date: Option<String>,
    pub report_year: Option<i32>,
    pub is_annual_report: bool,
    pub fields: BTreeMap<String, String>,
    pub provenance: BTreeMap<String, String>,
    pub attachments: Vec<AttachmentRecord>,
    /// For a document that is itself a PDF, DOC, DOCX, WPS, OFD, RTF, sheet or ZIP file: its
    /// derived text (`text_path`, `text_source`, `text_quality`, `text_error`; null for a web page).
    #[serde(flatten)]
    pub text: TextInfo,
}

/// A document file linked from an item page, archived as a child of the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttachmentRecord {
    pub url: String,
    pub name: Option<String>,
    pub content_type: Option<String>,
    pub sha256: Option<String>,
    pub raw_path: Option<String>,
    /// The attachment's derived text: `text_path`, `text_source`, `text_quality`, `text_error`.
    #[serde(flatten)]
    pub text: TextInfo,
    /// Why a missing attachment (sha256 null) is missing: `oversize`, `http_404`, `timeout`,
    /// `attachment_soft_not_found` … Left out when it is not missing, and in records written
    /// before attachments said why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<String>,
    /// For an `oversize` attachment: the `max_body_bytes` it was larger than.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_body_bytes: Option<u64>,
    /// Fetched over HTTPS without verifying the server's certificate (as the record's own
    /// `tls_unverified`); left out otherwise.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tls_unverified: bool,
    /// The withdrawal of the report that holds the file, when that report is withdrawn now (the
    /// record's `withdrawn`): a fact about the report, not about the file's own URL, which is
    /// not asked. Given by `nianbao export` as `withdrawn` is; never stored with a version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_withdrawn: Option<crate::store::Withdrawal>,
}

/// `missing` of an attachment larger than `max_body_bytes`.
pub const MISSING_OVERSIZE: &str = "oversize";

/// Whether an attachment is a page of the article rather than a document file: another page of
/// an item split over pages (`第N页`), or the page its frame shows (`正文`).
pub fn is_article_page(a: &AttachmentRecord) -> bool {
    a.name.as_deref().is_some_and(names_article_page)
        && a.content_type
            .as_deref()
            .is_some_and(|t| t.contains("html"))
}

/// Whether an attachment's name is one the page pipeline gives a page of the article (`第2页`,
/// `正文`), which is a web page by design.
pub fn names_article_page(name: &str) -> bool {
    name == crate::page::FRAMED_BODY_NAME
        || name
            .strip_prefix('第')
            .and_then(|n| n.strip_suffix('页'))
            .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
}

/// Turns an empty or whitespace-only string into `None`, so that no record ever carries "".
pub fn non_empty(value: Option<String>) -> Option<String> {
    value.and_then(|v| {
        let trimmed = v.trim();
        if trimmed.is_empty() {
            None
        } else {
            Some(trimmed.to_string())
        }
    })
}
