//! Attachment links of an item page: `a[href]`, `iframe`/`frame`/`embed` `src`, a
//! `<meta http-equiv="refresh">` target, and `<a>` whose `onclick`
//! or `javascript:` href names a document file (PDF, DOC, DOCX, WPS, XLS, XLSX, PPT, OFD, ZIP,
//! RAR ...), resolved against `<base href>` and the page URL with the query in the page's
//! encoding, as a browser sends it. A link counts when its URL, a query value (`?filename=x.pdf`),
//! its `download` attribute, or its text (`<a href="download.jsp?id=8">年报.pdf</a>`) names a
//! document file, or when it is a download script's link offered as one (`点击下载`). A viewer
//! page (`viewer.html?file=/upload/x.pdf`) stands for the file it shows. Site header, footer,
//! sidebar, navigation and share links are not the item's, nor are the files of other items a
//! page points to under 相关链接 or 上一篇/下一篇.

mod target;

use std::collections::HashSet;
use std::sync::LazyLock;

use encoding_rs::Encoding;
use regex::Regex;
use scraper::{ElementRef, Html, Selector};
use url::Url;

use super::AttachmentLink;
use super::text::{visible_text, visible_text_within};
use crate::classify::document_type_for_name;
use target::{link_target, viewed_file};

static LINKS: LazyLock<Selector> = LazyLock::new(|| {
    Selector::parse(
        "a, iframe[src], frame[src], embed[src], object[data], meta[http-equiv], [onclick]",
    )
    .expect("the link selector list is valid")
});

/// A file size after a file name in a link's text (`年报.pdf（356KB）`, `年报.pdf (1.2 MB)`,
/// `年报.pdf[356K]`, `年报.pdf 356KB`, `年报.pdf（大小：2.1M）`), in ASCII or full-width brackets.
static SIZE_SUFFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)[\s\u{3000}]*[（(\[【]?\s*(?:(?:文件)?大小[:：]?\s*)?\d+(?:[.,]\d+)?\s*(?:[kmg]i?b?|b|bytes?|字节)\s*[）)\]】]?[\s\u{3000}]*$",
    )
    .expect("the size suffix pattern is valid")
});

/// Words in the name of a server-side download script (`download.jsp`, `DownloadServlet`,
/// `downfile.do`, `getFile`), lower-cased.
const DOWNLOAD_SCRIPT_WORDS: &[&str] = &["download", "downfile", "filedown", "getfile"];
/// Link texts that offer a download (Simplified and Traditional).
const DOWNLOAD_TEXT_WORDS: &[&str] = &["下载", "下載", "附件", "download"];
/// Path endings of a web page, which a link's text never turns into a file.
const PAGE_EXTENSIONS: &[&str] = &["html", "htm", "shtml", "xhtml", "jhtml"];

/// Starts of `class`/`id` words that mark the site's furniture around an item: its header and
/// footer (`foot`, `bottom`, `copyright` on older templates), sidebar and share buttons.
const CHROME_MARKS: &[&str] = &[
    "header",
    "footer",
    "foot",
    "bottom",
    "copyright",
    "side",
    "share",
    "bdshare",
];

/// Labels (Simplified; Traditional pages are compared in Simplified) that open a block of links
/// to other items: the page's neighbours and related reading. `相关附件` and `相关文件`
/// are left out: portals label the item's own files so.
const OTHER_ITEMS_LABELS: &[&str] = &[
    "相关链接",
    "相关连结",
    "相关文章",
    "相关阅读",
    "相关信息",
    "相关资讯",
    "相关新闻",
    "相关报道",
    "相关解读",
    "延伸阅读",
    "推荐阅读",
    "上一篇",
    "下一篇",
    "上一条",
    "下一条",
    "上一则",
    "下一则",
    "上篇",
    "下篇",
];

/// Levels above a link searched for a block that opens with an `OTHER_ITEMS_LABELS` label: a
/// related list is `div > h3 + ul > li > a`, or a table's rows (`table > tbody > tr > td > a`).
const LABELLED_BLOCK_LEVELS: usize = 5;

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
        let Some(target) = link_target(element) else {
            continue;
        };
        let Some(mut url) = base.join(&target) else {
            continue;
        };
        // The file a viewer shows is the attachment whatever its URL looks like: the viewer
        // says it is a document.
        let viewed = viewed_file(&url);
        let is_viewed = viewed.is_some();
        if let Some(shown) = viewed {
            url = shown;
        }
        url.set_fragment(None);
        // `a.pdf;jsessionid=…`: a new session at every visit would make the same file new at
        // every revisit of its page, and hides the `.pdf` that names it a document.
        crate::discover::drop_session_ids(&mut url);
        if !matches!(url.scheme(), "http" | "https") || !(is_viewed || is_document(&url, element)) {
            continue;
        }
        // Last, as it walks up the tree: only document links are looked at.
        if in_site_chrome(element)
            || under_other_items_label(element)
            || !seen.insert(url.as_str().to_string())
        {
            continue;
        }
        let name = link_name(element, &url);
        out.push(AttachmentLink { url, name });
    }
    out
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
    .any(|t| document_type_for_name(without_size(t)).is_some());
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
    let download_script = DOWNLOAD_SCRIPT_WORDS.iter().any(|w| script.contains(w));
    let offered = DOWNLOAD_TEXT_WORDS.iter().any(|w| lower_text.contains(w));
    url.query().is_some_and(|q| !q.is_empty())
        && ((download_script && offered) || labelled_as_attachment(element))
}

/// Characters of text before a link read for its label (`相关附件下载：`).
const LABEL_MAX_CHARS: usize = 16;

/// Whether the text just before a link labels it as the item's file (`附件：<a>`, `附件1：`,
/// `<span>附件下载：</span><a>`, `<td>附件</td><td><a>`): the nearest text before it among its
/// siblings, else among its parent's, that is no other link's.
fn labelled_as_attachment(element: ElementRef<'_>) -> bool {
    let before = |node: ElementRef<'_>| {
        node.prev_siblings().find_map(|sibling| {
            // A long text is no label: bounded work however large the sibling is.
            let text = match sibling.value() {
                scraper::Node::Text(text) => {
                    let text = text.trim_end();
                    let start = text
                        .char_indices()
                        .rev()
                        .nth(LABEL_MAX_CHARS)
                        .map_or(0, |(i, _)| i);
                    text[start..].to_string()
                }
                _ => {
                    let sibling = ElementRef::wrap(sibling)?;
                    // Another link's text (`<a>下载</a><a href="news.jsp?id=3">`) labels nothing.
                    let is_link = || {
                        sibling.value().name() == "a"
                            || sibling
                                .descendent_elements()
                                .any(|e| e.value().name() == "a")
                    };
                    visible_text_within(sibling, LABEL_MAX_CHARS)
                        .filter(|_| !is_link())
                        .unwrap_or_else(|| "…".into())
                }
            };
            let text = text.trim().to_string();
            (!text.is_empty()).then_some(text)
        })
    };
    let parent = element.parent().and_then(ElementRef::wrap);
    let Some(label) = before(element).or_else(|| parent.and_then(before)) else {
        return false;
    };
    let label = label
        .trim_end_matches(|c: char| c.is_whitespace() || c.is_ascii_digit() || ":：".contains(c));
    ["附件", "下载", "下載"].iter().any(|w| label.ends_with(w))
}

/// Whether a URL path names a web page (`.html`, `.shtml` …).
fn is_web_page(path: &str) -> bool {
    crate::classify::sniff::extension(path)
        .is_some_and(|ext| PAGE_EXTENSIONS.contains(&ext.as_str()))
}

/// Links inside the site header, footer, navigation, sidebar or share buttons belong to the
/// site, not to the item.
fn in_site_chrome(element: ElementRef<'_>) -> bool {
    element.ancestors().filter_map(ElementRef::wrap).any(|a| {
        let v = a.value();
        matches!(v.name(), "header" | "footer" | "nav" | "aside")
            || [v.attr("class"), v.attr("id")].iter().flatten().any(|s| {
                let s = s.to_ascii_lowercase();
                s.split(|c: char| c.is_whitespace())
                    .any(|token| CHROME_MARKS.iter().any(|mark| token.starts_with(mark)))
            })
    })
}

/// Whether a link sits in a block that opens with a label of other items (`上一篇：<a>`,
/// `<div><h3>相关链接</h3><ul><li><a>`): the file it names is another item's.
fn under_other_items_label(element: ElementRef<'_>) -> bool {
    element
        .ancestors()
        .filter_map(ElementRef::wrap)
        .take_while(|a| a.value().name() != "body")
        .take(LABELLED_BLOCK_LEVELS)
        .any(|block| {
            let first = block
                .text()
                .map(str::trim)
                .find(|t| !t.is_empty())
                .unwrap_or("");
            let head: String = first
                .chars()
                .filter(|c| !c.is_whitespace())
                .take(8)
                .collect();
            let head = crate::traditional::to_simplified(&head);
            OTHER_ITEMS_LABELS
                .iter()
                .any(|label| head.starts_with(label))
        })
}

/// A link text or attribute without the file size after its file name (`年报.pdf（356KB）` is
/// `年报.pdf`), trimmed. A text that is nothing but a size is kept.
pub(crate) fn without_size(text: &str) -> &str {
    let text = text.trim();
    match SIZE_SUFFIX.find(text) {
        Some(size) if size.start() > 0 => text[..size.start()].trim(),
        _ => text,
    }
}

/// The link text, else its `title`/`download`, else the file name from the URL.
fn link_name(element: ElementRef<'_>, url: &Url) -> Option<String> {
    let text = visible_text(element);
    if !text.is_empty() {
        return Some(without_size(&text).to_string());
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

/// A file name from a URL's last path segment. Old GBK portals escape the name's GBK bytes
/// (`%C4%EA%B1%A8.pdf`): bytes that are not UTF-8 but that GB18030 reads cleanly are read so,
/// not turned into U+FFFD.
fn percent_decode(segment: &str) -> String {
    let plus_as_space = segment.replace('+', " ");
    let bytes: Vec<u8> = percent_encoding::percent_decode_str(&plus_as_space).collect();
    match String::from_utf8(bytes) {
        Ok(name) => name,
        Err(not_utf8) => {
            let bytes = not_utf8.into_bytes();
            match encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(&bytes) {
                Some(name) => name.into_owned(),
                None => String::from_utf8_lossy(&bytes).into_owned(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_escaped_in_gbk_or_utf8_reads_as_the_name() {
        let cases = [
            ("%C4%EA%B1%A8.pdf", "年报.pdf"),
            ("%E5%B9%B4%E6%8A%A5.pdf", "年报.pdf"),
            ("2023%C4%EA%B6%C8%B1%A8%B8%E6.doc", "2023年度报告.doc"),
            ("a+b%20c.pdf", "a b c.pdf"),
            // Neither UTF-8 nor GB18030: kept, with U+FFFD for the bad byte.
            ("%FF.pdf", "\u{FFFD}.pdf"),
        ];
        for (segment, name) in cases {
            assert_eq!(percent_decode(segment), name, "{segment}");
        }
    }

    #[test]
    fn a_size_after_a_file_name_is_no_part_of_it() {
        let cases = [
            ("年报.pdf（356KB）", "年报.pdf"),
            ("年报.pdf (1.2 MB)", "年报.pdf"),
            ("年报.pdf(1.2MB)", "年报.pdf"),
            ("年报.pdf [356K]", "年报.pdf"),
            ("年报.pdf【356k】", "年报.pdf"),
            ("年报.pdf 356KB", "年报.pdf"),
            ("年报.pdf\u{3000}356KB", "年报.pdf"),
            ("年報.docx（大小：2.1M）", "年報.docx"),
            ("年报.doc（文件大小:88 KiB）", "年报.doc"),
            ("年报.pdf (1,024 bytes)", "年报.pdf"),
            ("年报.pdf（1024字节）", "年报.pdf"),
            ("  年报.pdf  ", "年报.pdf"),
            // Nothing to take away: a name, a name ending in a number, a size alone.
            ("2022年年报", "2022年年报"),
            ("附件1", "附件1"),
            ("年报（2022）.pdf", "年报（2022）.pdf"),
            ("356KB", "356KB"),
        ];
        for (text, want) in cases {
            assert_eq!(without_size(text), want, "{text}");
        }
    }
}
