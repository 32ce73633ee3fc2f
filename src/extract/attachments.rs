//! Attachment links of an item page: `a[href]`, `iframe`/`frame`/`embed` `src`, a
//! `<meta http-equiv="refresh">` target, and `<a>` whose `onclick`
//! or `javascript:` href names a document file (PDF, DOC, DOCX, WPS, XLS, XLSX, PPT, OFD, ZIP,
//! RAR ...), resolved against `<base href>` and the page URL with the query in the page's
//! encoding, as a browser sends it. A link counts when its URL, a query value (`?filename=x.pdf`),
//! its `download` attribute, or its text (`<a href="download.jsp?id=8">年报.pdf</a>`) names a
//! document file, or when it is a download script's link offered as one (`点击下载`). A viewer
//! page (`viewer.html?file=/upload/x.pdf`) stands for the file it shows. Site header, footer and
//! navigation links are not the item's.

use std::collections::HashSet;
use std::sync::LazyLock;

use encoding_rs::Encoding;
use regex::Regex;
use scraper::{ElementRef, Html, Selector};
use url::Url;

use super::AttachmentLink;
use super::text::visible_text;
use crate::classify::document_type_for_name;

static LINKS: LazyLock<Selector> = LazyLock::new(|| {
    Selector::parse("a, iframe[src], frame[src], embed[src], object[data], meta[http-equiv]")
        .expect("the link selector list is valid")
});

/// A quoted path with an extension inside an `onclick` handler or a `javascript:` href; only
/// those whose extension is a document type's are taken.
static QUOTED_FILE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"['"]([^'"]+\.[A-Za-z0-9]{1,5}(?:\?[^'"]*)?)['"]"#)
        .expect("the quoted file pattern is valid")
});

/// Words in the name of a server-side download script (`download.jsp`, `DownloadServlet`,
/// `downfile.do`, `getFile`), lower-cased.
const DOWNLOAD_SCRIPT_WORDS: &[&str] = &["download", "downfile", "filedown", "getfile"];
/// Link texts that offer a download (Simplified and Traditional).
const DOWNLOAD_TEXT_WORDS: &[&str] = &["下载", "下載", "附件", "download"];
/// Path endings of a web page, which a link's text never turns into a file.
const PAGE_EXTENSIONS: &[&str] = &["html", "htm", "shtml", "xhtml", "jhtml"];

/// Whether the URL's path, or a query value (`?filename=x.pdf`), names a document file.
fn names_document(url: &Url) -> bool {
    document_type_for_name(url.path()).is_some()
        || url
            .query_pairs()
            .any(|(_, v)| document_type_for_name(&v).is_some())
}

static FRAMES: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("iframe[src], frame[src]").expect("static selector is valid"));

/// The web page on the item's own host that its first frame shows (`<iframe
/// src="/xxgk/content/2044.html">`): not a document file or a viewer of one (those are its
/// attachments), a script or a blank frame.
pub(crate) fn framed_page(page: &Url, doc: &Html, encoding: &'static Encoding) -> Option<Url> {
    let base = crate::discover::base_url(doc, page, encoding);
    crate::page::select(doc, &FRAMES).find_map(|frame| {
        let mut url = base.join(&link_target(frame)?)?;
        url.set_fragment(None);
        (matches!(url.scheme(), "http" | "https")
            && url.host_str() == page.host_str()
            && viewed_file(&url).is_none()
            && !names_document(&url))
        .then_some(url)
    })
}

/// A link text that names no file but only offers one (`下载`, `点击下载`, `附件`, `查看附件`):
/// the server's file name says more.
pub(crate) fn names_no_file(text: &str) -> bool {
    let compact: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && !"[]【】()（）:：>》".contains(*c))
        .collect::<String>()
        .to_lowercase();
    compact.chars().count() <= 8
        && DOWNLOAD_TEXT_WORDS
            .iter()
            .chain(&["点击", "點擊", "查看"])
            .any(|w| compact.contains(w))
}

/// The document-file links of the page, deduplicated by URL, in page order.
pub(crate) fn attachments(
    page: &Url,
    doc: &Html,
    encoding: &'static Encoding,
) -> Vec<AttachmentLink> {
    let base = crate::discover::base_url(doc, page, encoding);
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for element in crate::page::select(doc, &LINKS) {
        if in_site_chrome(element) {
            continue;
        }
        let Some(target) = link_target(element) else {
            continue;
        };
        let Some(mut url) = base.join(&target) else {
            continue;
        };
        if let Some(shown) = viewed_file(&url) {
            url = shown;
        }
        url.set_fragment(None);
        if !matches!(url.scheme(), "http" | "https") || !is_document(&url, element) {
            continue;
        }
        if !seen.insert(url.as_str().to_string()) {
            continue;
        }
        let name = link_name(element, &url);
        out.push(AttachmentLink { url, name });
    }
    out
}

/// Where an element points: `href`/`src`/`data`, or the file an `onclick` handler or a
/// `javascript:` href names (`javascript:downLoad('/attach/x.docx','年报.docx')`).
fn link_target(element: ElementRef<'_>) -> Option<String> {
    let attrs = element.value();
    if attrs.name() == "meta" {
        return crate::classify::refresh_target(attrs);
    }
    let direct = ["href", "src", "data"]
        .iter()
        .find_map(|a| attrs.attr(a))
        .map(str::trim)
        .filter(|h| !h.is_empty() && !h.starts_with('#'));
    let script = match direct {
        Some(h)
            if h.get(..11)
                .is_some_and(|s| s.eq_ignore_ascii_case("javascript:")) =>
        {
            Some(h)
        }
        Some(h)
            if h.get(..7)
                .is_some_and(|s| s.eq_ignore_ascii_case("mailto:")) =>
        {
            None
        }
        Some(h) => return Some(h.to_string()),
        None => None,
    };
    [script, attrs.attr("onclick")]
        .into_iter()
        .flatten()
        .find_map(quoted_file)
}

/// The first quoted path in a script whose extension is a document type's.
fn quoted_file(script: &str) -> Option<String> {
    QUOTED_FILE
        .captures_iter(script)
        .filter_map(|c| c.get(1))
        .map(|m| m.as_str())
        .find(|path| document_type_for_name(path).is_some())
        .map(str::to_string)
}

/// The file a PDF viewer page shows (`/pdfjs/web/viewer.html?file=/upload/x.pdf`): its `file`
/// value, resolved against the viewer as the viewer resolves it.
fn viewed_file(url: &Url) -> Option<Url> {
    if document_type_for_name(url.path()).is_some() || !is_web_page(url.path()) {
        return None;
    }
    let (_, file) = url
        .query_pairs()
        .find(|(k, v)| k.eq_ignore_ascii_case("file") && document_type_for_name(v).is_some())?;
    url.join(file.trim()).ok()
}

/// True when the URL's path, or a query value (`?filename=x.pdf`), names a document file; or the
/// link's `download` attribute or text names one, for a URL that is not a web page
/// (`download.jsp?id=8812` with the text `年报.pdf`); or the link offers a download script's file
/// (`DownloadServlet?fid=9`, `点击下载`).
fn is_document(url: &Url, element: ElementRef<'_>) -> bool {
    if names_document(url) {
        return true;
    }
    if is_web_page(url.path()) || element.value().name() != "a" {
        return false;
    }
    let text = visible_text(element);
    let names_file = [
        element.value().attr("download"),
        element.value().attr("title"),
    ]
    .into_iter()
    .flatten()
    .chain([text.as_str()])
    .any(|t| document_type_for_name(t.trim()).is_some());
    if names_file {
        return true;
    }
    // A script serves one file per query (`?fid=9`); a download centre's page has none.
    let script = url
        .path()
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let lower_text = text.to_lowercase();
    url.query().is_some_and(|q| !q.is_empty())
        && DOWNLOAD_SCRIPT_WORDS.iter().any(|w| script.contains(w))
        && DOWNLOAD_TEXT_WORDS.iter().any(|w| lower_text.contains(w))
}

/// Whether a URL path names a web page (`.html`, `.shtml` …).
fn is_web_page(path: &str) -> bool {
    crate::classify::sniff::extension(path)
        .is_some_and(|ext| PAGE_EXTENSIONS.contains(&ext.as_str()))
}

/// Links inside the site header, footer or navigation belong to the site, not to the item.
fn in_site_chrome(element: ElementRef<'_>) -> bool {
    element.ancestors().filter_map(ElementRef::wrap).any(|a| {
        let v = a.value();
        matches!(v.name(), "header" | "footer" | "nav")
            || [v.attr("class"), v.attr("id")].iter().flatten().any(|s| {
                let s = s.to_ascii_lowercase();
                s.split(|c: char| c.is_whitespace())
                    .any(|token| token.starts_with("footer") || token.starts_with("header"))
            })
    })
}

/// The link text, else its `title`/`download`, else the file name from the URL.
fn link_name(element: ElementRef<'_>, url: &Url) -> Option<String> {
    let text = visible_text(element);
    if !text.is_empty() {
        return Some(text);
    }
    let attr = ["title", "download"]
        .iter()
        .filter_map(|a| element.value().attr(a))
        .map(str::trim)
        .find(|t| !t.is_empty());
    if let Some(attr) = attr {
        return Some(attr.to_string());
    }
    let from_query = url
        .query_pairs()
        .find(|(k, _)| k.eq_ignore_ascii_case("filename") || k.eq_ignore_ascii_case("name"))
        .map(|(_, v)| v.into_owned());
    let from_path = url
        .path_segments()
        .and_then(|mut s| s.next_back())
        .map(percent_decode);
    from_query.or(from_path).filter(|n| !n.is_empty())
}

fn percent_decode(segment: &str) -> String {
    url::form_urlencoded::parse(format!("x={segment}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| segment.to_string())
}
