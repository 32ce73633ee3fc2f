//! DOM helpers shared by the discover submodules: the page's base URL, link resolution and
//! filtering, whitespace-normalised text, and the words that mark pager links rather than items.

use scraper::{ElementRef, Html, Node, Selector};
use std::sync::LazyLock;
use url::Url;

static BASE_HREF: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("base[href]").expect("static selector is valid CSS"));
pub(super) static LINKS: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("a[href]").expect("static selector is valid CSS"));

/// The URL relative links resolve against: `<base href>` (itself resolved against the page URL)
/// when the page has one, else the page URL.
pub(super) fn base_url(doc: &Html, page_url: &Url) -> Url {
    doc.select(&BASE_HREF)
        .next()
        .and_then(|b| b.value().attr("href"))
        .and_then(|href| page_url.join(href.trim()).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .unwrap_or_else(|| page_url.clone())
}

/// Resolves an `href` to an absolute http(s) URL without fragment; `None` for script, mail,
/// fragment-only and otherwise unusable links, which never lead to another page.
pub(super) fn resolve(base: &Url, href: &str) -> Option<Url> {
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
    let mut url = base.join(href).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    url.set_fragment(None);
    Some(url)
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

/// Labels of pager and "more" links: never list items.
pub(super) fn is_pager_label(text: &str) -> bool {
    let t = compact(text);
    if t.is_empty() {
        return false;
    }
    const WORDS: &[&str] = &[
        "首页",
        "尾页",
        "末页",
        "上一页",
        "下一页",
        "上页",
        "下页",
        "前页",
        "后页",
        "前一页",
        "后一页",
        "第一页",
        "最后一页",
        "最末页",
        "跳转",
        "转到",
        "GO",
        "Go",
        "go",
        "确定",
        "更多",
        "更多>>",
        "更多>",
        "more",
        "More",
        "MORE",
        "more>>",
        ">>",
        "<<",
        ">",
        "<",
        "»",
        "«",
        "...",
        "…",
        "下一组",
        "上一组",
    ];
    if WORDS.contains(&t.as_str()) {
        return true;
    }
    let digits = t.trim_start_matches('[').trim_end_matches(']');
    !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) && digits.len() < 4
}

/// Labels of a "next page" link.
pub(super) fn is_next_label(text: &str) -> bool {
    let t = compact(text);
    matches!(
        t.as_str(),
        "下一页" | "下页" | "后页" | "后一页" | "下一页>" | "下一页>>" | "next" | "Next" | "NEXT"
    )
}

/// Labels of a "last page" link.
pub(super) fn is_last_label(text: &str) -> bool {
    let t = compact(text);
    matches!(
        t.as_str(),
        "尾页" | "末页" | "最后一页" | "最末页" | "last" | "Last"
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
