//! Classify: decides what a fetched response is (a page of content, an attachment, an anti-bot
//! challenge, a soft 404, a login wall, an empty template) before anything is extracted or archived.
//! Pure: status, headers and decoded text in, a verdict out.

use serde::Serialize;

/// The anti-bot systems seen in front of government portals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChallengeKind {
    /// 瑞数 (Ruishu / botgate): HTTP 412 with a `$_ts` / `$_ss` script.
    Ruishu,
    /// 加速乐 / 知道创宇云防御: HTTP 521 with `__jsl_clearance`.
    Jiasule,
    /// 360 磐云 WAF "请稍后" page with a `waf_answer` form.
    Waf360,
    /// Some other interstitial that demands JavaScript or a cookie before content.
    Other,
}

/// What a response turned out to be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum PageKind {
    /// An HTML page with content (a list page or an item page; the crawl role decides which).
    Content,
    /// A binary or office document (PDF, DOC, ...), with the type sniffed from the bytes.
    Attachment {
        content_type: String,
    },
    Challenge {
        challenge: ChallengeKind,
    },
    /// Status 200 but the page says it does not exist (页面不存在 ...).
    SoftNotFound,
    LoginWall,
    /// A page template whose content area is empty.
    EmptyTemplate,
}

impl PageKind {
    /// True when the page must never be archived as a document or as a new version.
    pub fn is_bad(&self) -> bool {
        !matches!(self, PageKind::Content | PageKind::Attachment { .. })
    }
}

/// Classifies a response. `content_type` is the Content-Type header; `body` the decompressed
/// bytes; `text` the decoded text when the body is text.
pub fn classify(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
    text: Option<&str>,
) -> PageKind {
    let _ = (status, content_type, body, text);
    PageKind::Content
}

/// The media type of an attachment, sniffed from its leading bytes (PDF, OLE2 DOC/XLS/WPS,
/// OOXML DOCX/XLSX, OFD, ZIP). `None` when the bytes are not a recognised document type.
pub fn sniff_document_type(body: &[u8]) -> Option<&'static str> {
    let _ = body;
    None
}
