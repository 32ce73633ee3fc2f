//! DOM helpers shared by the discover submodules: the page's base URL, link resolution and
//! filtering, whitespace-normalised text, and the words that mark pager links rather than items.

use std::borrow::Cow;
use std::sync::LazyLock;

use encoding_rs::Encoding;
use scraper::{ElementRef, Html, Node, Selector};
use url::Url;

pub(crate) use super::session::drop_session_ids;

static BASE_HREF: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("base[href]").expect("static selector is valid CSS"));
pub(super) static LINKS: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("a[href]").expect("static selector is valid CSS"));

/// What relative links of one page resolve against: its base URL and the page's encoding, which a
/// browser uses for the query of a link (`list.asp?lb=年报` on a GBK page is sent as
/// `lb=%C4%EA%B1%A8`, and the server answers a different page to the UTF-8 form).
#[derive(Debug, Clone)]
pub(crate) struct LinkBase {
    pub url: Url,
    pub encoding: &'static Encoding,
}

impl LinkBase {
    /// A base for text that came as UTF-8 (JSON, XML answers, tests).
    pub(super) fn utf8(url: &Url) -> LinkBase {
        LinkBase {
            url: url.clone(),
            encoding: encoding_rs::UTF_8,
        }
    }

    /// Joins `href` as a browser on this page would, query encoded in the page's encoding.
    pub(crate) fn join(&self, href: &str) -> Option<Url> {
        join_encoded(&self.url, href, self.encoding)
    }
}

/// `base.join(href)` with the query of `href` encoded in `encoding` rather than UTF-8.
pub(crate) fn join_encoded(base: &Url, href: &str, encoding: &'static Encoding) -> Option<Url> {
    // Encodings that cannot encode (UTF-16) send UTF-8 queries, as browsers do.
    let output = encoding.output_encoding();
    if output == encoding_rs::UTF_8 {
        return base.join(href).ok();
    }
    let encode: &dyn Fn(&str) -> Cow<'_, [u8]> = &|s: &str| output.encode(s).0;
    Url::options()
        .base_url(Some(base))
        .encoding_override(Some(encode))
        .parse(href)
        .ok()
}

/// The first `max_bytes` of `text` at most, cut at a character boundary: the part of a page
/// a script scan reads.
pub(super) fn head(text: &str, max_bytes: usize) -> &str {
    let mut end = text.len().min(max_bytes);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The base relative links resolve against: `<base href>` (itself resolved against the page URL)
/// when the page has one, else the page URL; with the page's encoding.
pub(crate) fn base_url(doc: &Html, page_url: &Url, encoding: &'static Encoding) -> LinkBase {
    let url = crate::page::select(doc, &BASE_HREF)
        .next()
        .and_then(|b| b.value().attr("href"))
        .and_then(|href| page_url.join(href.trim()).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .unwrap_or_else(|| page_url.clone());
    LinkBase { url, encoding }
}

/// Resolves an `href` to an absolute http(s) URL without fragment or empty query; `None` for script, mail,
/// fragment-only and otherwise unusable links, which never lead to another page.
pub(super) fn resolve(base: &LinkBase, href: &str) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    let lower = href.to_ascii_lowercase();
    if ["javascript:", "mailto:", "tel:", "data:", "vbscript:"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        return None;
    }
    let mut url = base.join(href)?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    url.set_fragment(None);
    // `index.html?` is `index.html`: a pager's 下一页 on the last page that links the page
    // itself so spelt must not lead to it once more.
    if url.query() == Some("") {
        url.set_query(None);
    }
    drop_session_ids(&mut url);
    Some(url)
}

/// The folder of `url` (its path up to the last `/`), whatever its host: pages of one pager or
/// one article are in one folder, on one host or on several hosts of one site.
pub(super) fn folder(url: &Url) -> Option<String> {
    url.join("./").ok().map(|u| u.path().to_string())
}

/// Whether two links are on one site (see `gate::site`): a page linking its other pages by
/// absolute URLs names the host its CMS was set up with (`www.x.gov.cn`), which may not be the
/// one the page was asked under (`x.gov.cn`).
pub(super) fn same_site(a: &Url, b: &Url) -> bool {
    match (a.host_str(), b.host_str()) {
        // Most links are on the page's own host: no lookup in the suffix list for them.
        (Some(a), Some(b)) => a == b || crate::gate::same_site(a, b),
        _ => false,
    }
}

/// Where a link leads: its `href`, or, for a script link (`href="javascript:void(0);"` or `#`),
/// the page its `onclick` or `javascript:` href opens (`window.open('../art/1.html')`, or code
/// that only sets `location`).
pub(super) fn link_url(base: &LinkBase, a: ElementRef<'_>) -> Option<Url> {
    let href = a.value().attr("href");
    if let Some(url) = href.and_then(|h| resolve(base, h)) {
        return Some(url);
    }
    [a.value().attr("onclick"), href]
        .into_iter()
        .flatten()
        .find_map(|code| super::script::opened_page(code))
        .and_then(|target| resolve(base, target))
}

/// A list title without the `...`/`…` a list cuts long titles with (`清河县2011年政府信息公开工作...`).
pub(crate) fn cut_stem(title: &str) -> &str {
    title.trim_end_matches(['.', '…', '。', ' '])
}

/// Collapses runs of whitespace (including NBSP and the ideographic space) into one space.
pub(super) fn normalise(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c == '\u{a0}' || c == '\u{3000}')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Text with all whitespace removed, for comparing short labels like "下 一 页".
pub(super) fn compact(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\u{3000}')
        .collect()
}

/// The text under `el`, skipping `skip` (and everything under it), scripts and styles.
pub(super) fn text_without(el: ElementRef<'_>, skip: Option<ElementRef<'_>>) -> String {
    let mut out = String::new();
    collect_text(el, skip, &mut out);
    normalise(&out)
}

/// Walks the tree on an explicit stack: markup from the network may nest deeper than the call
/// stack allows.
fn collect_text(el: ElementRef<'_>, skip: Option<ElementRef<'_>>, out: &mut String) {
    enum Step<'a> {
        Node(ego_tree::NodeRef<'a, Node>),
        Space,
    }
    let mut stack: Vec<Step<'_>> = el.children().rev().map(Step::Node).collect();
    while let Some(step) = stack.pop() {
        let child = match step {
            Step::Space => {
                out.push(' ');
                continue;
            }
            Step::Node(child) => child,
        };
        match child.value() {
            Node::Text(t) => out.push_str(t),
            Node::Element(e) => {
                if matches!(e.name(), "script" | "style" | "textarea" | "noscript") {
                    continue;
                }
                if let Some(child_el) = ElementRef::wrap(child) {
                    out.push(' ');
                    if Some(child_el) == skip {
                        continue;
                    }
                    // Block-ish elements separate words; inline ones do not, but a space
                    // between table cells or list parts never joins a date to a title.
                    stack.push(Step::Space);
                    stack.extend(child.children().rev().map(Step::Node));
                }
            }
            _ => {}
        }
    }
}

/// The visible text of the document (no scripts or styles), whitespace-normalised.
pub(super) fn visible_text(doc: &Html) -> String {
    text_without(doc.root_element(), None)
}

/// A pager label without its arrows and brackets ("下一页>>" -> "下一页", "[2]" -> "2"),
/// Traditional characters folded to Simplified (頁 -> 页, 後 -> 后 ...), ASCII lower-cased.
pub(super) fn pager_core(text: &str) -> String {
    let t = compact(text);
    let core = t.trim_matches(|c: char| "<>‹›«»[]【】()（）|".contains(c));
    core.chars()
        .map(|c| match c {
            '頁' => '页',
            '後' => '后',
            '條' => '条',
            '項' => '项',
            '個' => '个',
            '轉' => '转',
            '確' => '确',
            '計' => '计',
            '總' => '总',
            '當' => '当',
            '記' => '记',
            '錄' => '录',
            '數' => '数',
            '壹' => '一',
            c => fold_digit(c).to_ascii_lowercase(),
        })
        .collect()
}

/// A full-width digit (`１７`) as its ASCII digit; any other character as it is.
pub(super) fn fold_digit(c: char) -> char {
    match c {
        '０'..='９' => {
            char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or(c)
        }
        c => c,
    }
}

/// Labels of pager and "more" links: never list items.
pub(super) fn is_pager_label(text: &str) -> bool {
    let t = compact(text);
    if t.is_empty() {
        return false;
    }
    if is_next_label(&t) || is_last_label(&t) || is_first_label(&t) || is_prev_label(&t) {
        return true;
    }
    const ARROWS: &[&str] = &[">>", "<<", ">", "<", "»", "«", "›", "‹", "...", "…"];
    if ARROWS.contains(&t.as_str()) {
        return true;
    }
    const WORDS: &[&str] = &[
        "跳转",
        "转到",
        "go",
        "确定",
        "更多",
        "more",
        "下一组",
        "上一组",
    ];
    let core = pager_core(&t);
    if WORDS.contains(&core.as_str()) {
        return true;
    }
    // A page number, bare or as 第2页/第2頁.
    let number = core
        .strip_prefix('第')
        .and_then(|c| c.strip_suffix('页'))
        .unwrap_or(&core);
    !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()) && number.len() < 4
}

/// Labels of a "next page" link: 下一页/下一頁/下页/后页/後頁/>/›/Next.
pub(super) fn is_next_label(text: &str) -> bool {
    let t = compact(text);
    if matches!(t.as_str(), ">" | "›") {
        return true;
    }
    matches!(
        pager_core(&t).as_str(),
        "下一页" | "下页" | "后页" | "后一页" | "next" | "nextpage" | "next page"
    )
}

/// Labels of a "last page" link: 尾页/尾頁/末页/末頁/最后一页.
pub(super) fn is_last_label(text: &str) -> bool {
    matches!(
        pager_core(text).as_str(),
        "尾页" | "末页" | "最后一页" | "最末页" | "最后页" | "last" | "lastpage"
    )
}

/// Labels of a "first page" link: 首页/首頁/第一页.
pub(super) fn is_first_label(text: &str) -> bool {
    matches!(
        pager_core(text).as_str(),
        "首页" | "第一页" | "最前页" | "first" | "firstpage"
    )
}

/// Labels of a "previous page" link: 上一页/上一頁/上页/前页.
pub(super) fn is_prev_label(text: &str) -> bool {
    let t = compact(text);
    if matches!(t.as_str(), "<" | "‹") {
        return true;
    }
    matches!(
        pager_core(&t).as_str(),
        "上一页" | "上页" | "前页" | "前一页" | "prev" | "previous" | "prevpage"
    )
}

/// The class and id of an element, lower-cased, for skipping navigation blocks.
pub(super) fn class_and_id(el: ElementRef<'_>) -> String {
    let v = el.value();
    let mut s = String::new();
    for attr in ["class", "id"] {
        if let Some(a) = v.attr(attr) {
            s.push_str(&a.to_ascii_lowercase());
            s.push(' ');
        }
    }
    s
}
