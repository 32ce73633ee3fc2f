//! Attachment links of an item page: `a[href]`, `iframe`/`embed` `src`, and `<a>` whose `onclick`
//! or `download` names a document file (PDF, DOC, DOCX, WPS, XLS, XLSX, OFD, ZIP), resolved against
//! `<base href>` and the page URL. Site header, footer and navigation links are not the item's.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;
use scraper::{ElementRef, Html, Selector};
use url::Url;

use super::AttachmentLink;
use super::text::visible_text;

const EXTENSIONS: &[&str] = &["pdf", "doc", "docx", "wps", "xls", "xlsx", "ofd", "zip"];

static LINKS: LazyLock<Selector> = LazyLock::new(|| {
    Selector::parse("a, iframe[src], embed[src], object[data]")
        .expect("the link selector list is valid")
});
static BASE: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("base[href]").expect("`base[href]` is a valid selector"));

/// A quoted path ending in a document extension inside an `onclick` handler.
static QUOTED_FILE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"['"]([^'"]+\.(?i:pdf|docx?|wps|xlsx?|ofd|zip)(?:\?[^'"]*)?)['"]"#)
        .expect("the quoted file pattern is valid")
});

/// The document-file links of the page, deduplicated by URL, in page order.
pub(crate) fn attachments(page: &Url, doc: &Html) -> Vec<AttachmentLink> {
    let base = crate::page::select(doc, &BASE)
        .next()
        .and_then(|b| b.value().attr("href"))
        .and_then(|href| page.join(href.trim()).ok())
        .unwrap_or_else(|| page.clone());
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for element in crate::page::select(doc, &LINKS) {
        if in_site_chrome(element) {
            continue;
        }
        let Some(target) = link_target(element) else {
            continue;
        };
        let Ok(mut url) = base.join(&target) else {
            continue;
        };
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

/// Where an element points: `href`/`src`/`data`, or the file an `onclick` names.
fn link_target(element: ElementRef<'_>) -> Option<String> {
    let attrs = element.value();
    let direct = ["href", "src", "data"]
        .iter()
        .find_map(|a| attrs.attr(a))
        .map(str::trim)
        .filter(|h| {
            let lower = h.to_ascii_lowercase();
            !h.is_empty()
                && !h.starts_with('#')
                && !lower.starts_with("javascript:")
                && !lower.starts_with("mailto:")
        });
    if let Some(direct) = direct {
        return Some(direct.to_string());
    }
    let onclick = attrs.attr("onclick")?;
    QUOTED_FILE
        .captures(onclick)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().to_string())
}

/// True when the URL's path, or a query value (`?filename=x.pdf`), ends in a document extension,
/// or the link's `download` attribute names such a file.
fn is_document(url: &Url, element: ElementRef<'_>) -> bool {
    let ends_in_extension = |text: &str| {
        let lower = text.to_ascii_lowercase();
        lower
            .rsplit_once('.')
            .is_some_and(|(_, ext)| EXTENSIONS.contains(&ext))
    };
    ends_in_extension(url.path())
        || url.query_pairs().any(|(_, v)| ends_in_extension(&v))
        || element
            .value()
            .attr("download")
            .is_some_and(|d| ends_in_extension(d.trim()))
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
