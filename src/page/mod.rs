//! Page: one fetched body, read once. Decode (charset with evidence), parse within bounds
//! (`bounded`), classify, then discover (a list page) or extract and hash (an item page), all
//! from the one parse. The crawl and `inspect` both call `analyse`, so what `inspect` shows is
//! what the crawl does. Pure: bytes in, values out; `analyse_guarded` turns a panic into a value.
//! `words` splits page text at whitespace for all of them, and `select` and `elements` find their
//! elements in document order.

mod bounded;
pub mod words;

use std::panic::AssertUnwindSafe;

use scraper::{ElementRef, Html, Selector};
use url::Url;

pub use bounded::{Bound, MAX_DEPTH, MAX_PARSE_BYTES, MAX_TAGS, Parsed, parse};

use crate::classify::{self, PageFacts, PageKind};
use crate::decode::{self, Decoded};
use crate::dedup;
use crate::discover::{self, JsonListFormat, ListPage};
use crate::extract::{self, ListEvidence, Metadata};

/// The elements of `doc` that `selector` matches, in document order: what every reader of a
/// parsed page selects through (clippy refuses `Html::select`). `Html::select` goes through the
/// parser's node store instead, in the order the nodes were made, and foster parenting makes
/// that differ from the page's: a link that broken markup leaves inside a `<table>` but outside
/// its cells is made after the cells' links, and shown before the table.
pub fn select<'a>(
    doc: &'a Html,
    selector: &'a Selector,
) -> impl Iterator<Item = ElementRef<'a>> + 'a {
    elements(doc).filter(|element| selector.matches(element))
}

/// Every element of `doc`, in document order (see `select`).
pub fn elements(doc: &Html) -> impl Iterator<Item = ElementRef<'_>> {
    doc.tree.root().descendants().filter_map(ElementRef::wrap)
}

/// What the page is expected to be, and what its reading needs.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum PageRole {
    /// A page of a section's list; `list_api` when the section is a JSON list API.
    List { list_api: Option<JsonListFormat> },
    /// An item listed on a list page, with what the list showed beside it.
    Item {
        evidence: ListEvidence,
        portal_name: String,
    },
    /// Unknown (`inspect`): a list when discover finds a list on it, an item otherwise.
    Guess { portal_name: String },
}

/// One response as the pipeline reads it.
#[derive(Debug, Clone, Copy)]
pub struct PageInput<'a> {
    pub url: &'a Url,
    pub status: u16,
    pub content_type: Option<&'a str>,
    /// The body after content decoding (gzip), as stored.
    pub body: &'a [u8],
}

/// What a page turned out to be and what was read from it.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The decoded text; `None` for a document file (PDF, DOC ...).
    pub decoded: Option<Decoded>,
    pub kind: PageKind,
    /// Nesting deeper than `MAX_DEPTH` was flattened before parsing.
    pub flattened: bool,
    pub view: View,
}

/// What was read from a page of content.
#[derive(Debug, Clone)]
pub enum View {
    /// Nothing: the page is not content (challenge, soft 404, too complex, not text ...).
    Nothing,
    /// Boxed: a list page's view is the largest by far, and most views are items.
    List(Box<ListPage>),
    Item {
        metadata: Box<Metadata>,
        /// `dedup::content_hash` of an HTML page, the body's sha256 for a document file.
        content_hash: String,
        /// An annual report page's article text fingerprint (see `same_report`); None for other
        /// pages and document files.
        fingerprint: Option<crate::same_report::Fingerprint>,
    },
    /// A list page whose answer cannot be read (a JSON list API that answered something else).
    Unusable(String),
}

/// A page the pipeline could not finish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageFailure {
    /// The pipeline panicked on this page; the message is the panic's.
    Panic(String),
    /// The pipeline did not finish within the crawl's time limit per page.
    Timeout { secs: u64 },
    /// The page killed the process that read it (after it was in flight at an abnormal end):
    /// it is quarantined.
    Crashed,
}

impl PageFailure {
    /// A short stable name for run reports and URL states.
    pub fn name(&self) -> &'static str {
        match self {
            PageFailure::Panic(_) => "parse_panic",
            PageFailure::Timeout { .. } => "parse_timeout",
            PageFailure::Crashed => "quarantined",
        }
    }
}

impl std::fmt::Display for PageFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PageFailure::Panic(message) => write!(f, "page pipeline panicked: {message}"),
            PageFailure::Timeout { secs } => write!(f, "page pipeline took longer than {secs} s"),
            PageFailure::Crashed => write!(
                f,
                "reading the page killed the process again: quarantined until cleared"
            ),
        }
    }
}

/// `analyse`, with a panic caught and returned as this page's failure rather than the run's.
pub fn analyse_guarded(input: PageInput<'_>, role: &PageRole) -> Result<Analysis, PageFailure> {
    std::panic::catch_unwind(AssertUnwindSafe(|| analyse(input, role))).map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".into());
        PageFailure::Panic(message)
    })
}

/// Reads one page: decode, parse once, classify, then discover or extract as `role` says.
pub fn analyse(input: PageInput<'_>, role: &PageRole) -> Analysis {
    let name_hint = Some(input.url.path());
    let attachment = classify::attachment_kind(input.content_type, input.body, name_hint);
    let sniffed = || classify::sniff_document_type(input.body, name_hint).is_some();
    if let Some(kind) = attachment.clone().filter(|_| sniffed()) {
        return document(input, role, kind);
    }
    let decoded = decode::decode(input.body, input.content_type);
    let mut analysis = Analysis {
        decoded: None,
        kind: PageKind::Content,
        flattened: false,
        view: View::Nothing,
    };
    // Bytes that are no document nor text (random bytes, an image, a compressed blob) are
    // neither a page nor, though a Content-Type or a `.pdf` name calls them one, a document.
    if let Some(kind) = classify::not_text(&decoded) {
        analysis.kind = kind;
        analysis.decoded = Some(decoded);
        return analysis;
    }
    if let Some(kind) = attachment {
        return document(input, role, kind);
    }
    let text = decoded.text.as_str();
    let html = classify::is_html(input.content_type, text);
    if !html && !matches!(role, PageRole::Item { .. }) {
        // JSON list APIs, Hanweb datastore answers, feeds: data for discover, not a page.
        analysis.view = match role {
            PageRole::List {
                list_api: Some(format),
            } => json_list(input.url, &decoded, *format),
            _ if is_datastore_answer(input.url, text) => {
                View::List(Box::new(discover::parse_datastore(input.url, text)))
            }
            _ if discover::is_ucap_answer(input.url, text) => ucap_list(input.url, text),
            _ => View::Nothing,
        };
        analysis.decoded = Some(decoded);
        return analysis;
    }
    let parsed = match bounded::parse(text) {
        Ok(parsed) => parsed,
        Err(bound) => {
            analysis.kind = PageKind::TooComplex {
                bound: bound.name().to_string(),
            };
            analysis.decoded = Some(decoded);
            return analysis;
        }
    };
    analysis.flattened = parsed.flattened;
    let doc = &parsed.doc;
    let facts = PageFacts::of_document(doc);
    // An item served as plain text is content as it is: nothing in it can be a challenge. An
    // empty answer of no type says nothing, as an empty template does.
    analysis.kind = if html {
        classify::classify_html(input.status, text, &facts)
    } else if text.trim().is_empty() {
        PageKind::EmptyTemplate
    } else {
        PageKind::Content
    };
    if analysis.kind == PageKind::EmptyTemplate {
        // A channel index (links to per-year sub-channels and nothing else) has too little text
        // to tell from an empty template by size: its sub-channels make it a list. So do entries
        // a script holds as data, and a list a script fills, which is reported as needing
        // JavaScript rather than as empty.
        if let PageRole::List { list_api: None } | PageRole::Guess { .. } = role {
            let mut page = discover::discover_document(input.url, doc, text, decoded.encoding);
            // A list page that says it lists nothing (a year's subsection with 暂无信息) is a
            // list of no entries, walked completely, not a template that failed to fill.
            let says_empty = matches!(role, PageRole::List { .. }) && says_list_is_empty(&facts);
            // Nor one a script fills only because it loads a script named for data or a list
            // (`data.js` for a date picker): the page's own word outweighs the name.
            if says_empty && discover::needs_javascript_by_script_name(&page) {
                page.needs_javascript = None;
            }
            if discover::is_channel_index(&page)
                || !page.items.is_empty()
                || !page.next_pages.is_empty()
                || page.needs_javascript.is_some()
                || page.leads_to_api
                || says_empty
            {
                analysis.kind = PageKind::Content;
                analysis.view = View::List(Box::new(page));
                analysis.decoded = Some(decoded);
                return analysis;
            }
        }
    }
    if analysis.kind == PageKind::Content {
        analysis.view =
            match role {
                PageRole::List {
                    list_api: Some(format),
                } => json_list(input.url, &decoded, *format),
                PageRole::List { list_api: None } if is_datastore_answer(input.url, text) => {
                    View::List(Box::new(discover::parse_datastore(input.url, text)))
                }
                PageRole::List { list_api: None } if discover::is_ucap_answer(input.url, text) => {
                    ucap_list(input.url, text)
                }
                PageRole::List { list_api: None } => View::List(Box::new(
                    discover::discover_document(input.url, doc, text, decoded.encoding),
                )),
                PageRole::Item {
                    evidence,
                    portal_name,
                } => item_view(
                    input.url,
                    doc,
                    text,
                    decoded.encoding,
                    &facts,
                    evidence,
                    portal_name,
                ),
                PageRole::Guess { portal_name } => {
                    let page = discover::discover_document(input.url, doc, text, decoded.encoding);
                    if discover::looks_like_list(&page, text, facts.main_chars()) {
                        View::List(Box::new(page))
                    } else {
                        item_view(
                            input.url,
                            doc,
                            text,
                            decoded.encoding,
                            &facts,
                            &ListEvidence::default(),
                            portal_name,
                        )
                    }
                }
            };
    }
    analysis.decoded = Some(decoded);
    analysis
}

/// A document file (PDF, DOC ...): as an item, the list's title and date say what it is.
fn document(input: PageInput<'_>, role: &PageRole, kind: PageKind) -> Analysis {
    let view = match role {
        PageRole::Item { evidence, .. } => View::Item {
            metadata: Box::new(attachment_metadata(evidence)),
            content_hash: dedup::sha256_hex(input.body),
            fingerprint: None,
        },
        _ => View::Nothing,
    };
    Analysis {
        decoded: None,
        kind,
        flattened: false,
        view,
    }
}

fn item_view(
    url: &Url,
    doc: &scraper::Html,
    text: &str,
    encoding: &'static encoding_rs::Encoding,
    facts: &PageFacts,
    evidence: &ListEvidence,
    portal_name: &str,
) -> View {
    let (mut metadata, article) =
        extract::extract_document_and_text(url, doc, encoding, evidence, portal_name);
    // The other pages of an article split over pages, and the page a frame shows where the
    // page itself shows almost nothing, are kept with it, as its attachments are.
    let pages = discover::article_pages(url, doc, text, encoding)
        .into_iter()
        .map(|(page, number)| (page, format!("第{number}页")));
    let framed = (facts.has_embedded_frame && facts.main_chars() < FRAMED_BODY_MAX_CHARS)
        .then(|| extract::framed_page(url, doc, encoding))
        .flatten()
        .map(|page| (page, FRAMED_BODY_NAME.to_string()));
    for (page, name) in pages.chain(framed) {
        if page != *url && !metadata.attachments.iter().any(|a| a.url == page) {
            metadata.attachments.push(extract::AttachmentLink {
                url: page,
                name: Some(name),
            });
        }
    }
    // From the article text extraction read, not another walk of the body.
    let fingerprint = crate::same_report::wanted(&metadata)
        .then(|| crate::same_report::fingerprint_of_lines(&article))
        .flatten();
    View::Item {
        metadata: Box::new(metadata),
        content_hash: dedup::content_hash_of(facts),
        fingerprint,
    }
}

/// Main text below which a page with a frame shows its article in the frame.
const FRAMED_BODY_MAX_CHARS: usize = 200;
/// The name an item's framed article is kept under.
pub const FRAMED_BODY_NAME: &str = "正文";

/// A JSON list API's answer as a list, or why it cannot be read. Read from the decoded text: an
/// API answers in GBK as readily as its pages, under a charset label as wrong as theirs.
fn json_list(url: &Url, decoded: &Decoded, format: JsonListFormat) -> View {
    match discover::parse_json_list(url, decoded.text.as_bytes(), format) {
        Ok(page) => View::List(Box::new(page)),
        Err(e) => View::Unusable(e.to_string()),
    }
}

/// A UCAP `/queryList` answer as a list, or why it cannot be read.
fn ucap_list(url: &Url, text: &str) -> View {
    match discover::parse_ucap_answer(url, text) {
        Ok(page) => View::List(Box::new(page)),
        Err(e) => View::Unusable(e),
    }
}

/// What a list page prints when it has no entries (暂无信息, 暂无数据 …), in either script.
const EMPTY_LIST_PHRASES: &[&str] = &[
    "暂无信息",
    "暂无数据",
    "暂无内容",
    "暂无记录",
    "暂无相关",
    "暂无文章",
    "没有记录",
    "无记录",
    "没有相关信息",
    "没有相关内容",
];

/// Whether a short page says it lists nothing.
fn says_list_is_empty(facts: &PageFacts) -> bool {
    let main = crate::traditional::to_simplified(&facts.main_text);
    EMPTY_LIST_PHRASES.iter().any(|p| main.contains(p))
}

/// A Hanweb `dataproxy.jsp` answer: the XML datastore of a list's next range.
fn is_datastore_answer(url: &Url, text: &str) -> bool {
    let head = text.trim_start();
    url.path().ends_with("dataproxy.jsp")
        || (head.starts_with("<?xml") && head.contains("<datastore"))
}

/// Metadata of an item that is itself a document file (the list links straight to a PDF): only
/// the list entry and the title's wording can say what it is, and whose it is.
fn attachment_metadata(evidence: &ListEvidence) -> Metadata {
    let mut metadata = Metadata::default();
    if let Some(title) = crate::export::non_empty(evidence.title.clone()) {
        metadata.provenance.insert("title".into(), "list".into());
        metadata.report_year = extract::report_year_from_title(&title);
        if metadata.report_year.is_some() {
            metadata
                .provenance
                .insert("report_year".into(), "title".into());
        }
        metadata.is_annual_report = extract::is_annual_report_title(&title);
        if let Some(body) = extract::issuer_from_title(&title) {
            metadata.issuing_body = Some(body);
            metadata
                .provenance
                .insert("issuing_body".into(), "title".into());
        }
        metadata.title = Some(title);
    }
    if let Some(date) = evidence.date {
        metadata.publish_date = Some(date);
        metadata
            .provenance
            .insert("publish_date".into(), "list".into());
    }
    metadata
}

#[cfg(test)]
mod tests;
