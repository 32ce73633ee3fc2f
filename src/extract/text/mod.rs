//! Visible text of an item page for extract: element text without scripts and styles, the page
//! as lines (block and cell boundaries become line breaks). The article body and the heading
//! candidates are in `content`, the signature block that closes a report in `signature`.

mod content;
mod signature;

pub(crate) use content::BodyText;
pub(super) use content::is_heading;
pub(crate) use signature::{is_org_name, signature};

use std::ops::Range;
use std::sync::LazyLock;

use ego_tree::NodeId;
use scraper::{ElementRef, Html, Node, Selector};

/// Elements whose text a reader never sees.
pub(crate) fn is_skipped(tag: &str) -> bool {
    matches!(
        tag,
        "script" | "style" | "noscript" | "template" | "head" | "select" | "option" | "textarea"
    )
}

/// Elements that start a new line of text.
fn is_block(tag: &str) -> bool {
    matches!(
        tag,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "br"
            | "dd"
            | "div"
            | "dl"
            | "dt"
            | "footer"
            | "form"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hr"
            | "li"
            | "main"
            | "nav"
            | "ol"
            | "p"
            | "pre"
            | "section"
            | "table"
            | "tbody"
            | "td"
            | "th"
            | "thead"
            | "tr"
            | "ul"
    )
}

/// Collapses every run of whitespace (including U+3000, `&nbsp;`, `&ensp;`) to one space and trims.
/// One pass into one buffer: it runs on every text node extraction looks at (some 70 a page).
pub(crate) fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for part in crate::page::words::words_and_zero_width(text) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(part);
    }
    out
}

/// The element's visible text, whitespace collapsed.
pub(crate) fn visible_text(element: ElementRef<'_>) -> String {
    let mut out = String::new();
    push_text(element, &mut out, false);
    collapse(&out)
}

/// The element's visible text, whitespace collapsed, or `None` as soon as it holds more than
/// `max_chars` characters other than whitespace: bounded work on elements that may hold a page.
pub(crate) fn visible_text_within(element: ElementRef<'_>, max_chars: usize) -> Option<String> {
    raw_text_within(element, max_chars).map(|text| collapse(&text))
}

/// `visible_text_within` with its whitespace as the page has it, for a caller that ignores
/// whitespace anyway (the label lookup, asked of every element of a page).
pub(crate) fn raw_text_within(element: ElementRef<'_>, max_chars: usize) -> Option<String> {
    let mut out = String::new();
    let mut seen = 0usize;
    // Empty elements hold no characters but still cost a visit: they are bounded too.
    let max_nodes = 64 + 4 * max_chars;
    let mut visited = 0usize;
    if element.children().nth(max_nodes).is_some() {
        return None;
    }
    let mut stack: Vec<ego_tree::NodeRef<'_, Node>> = element.children().rev().collect();
    while let Some(child) = stack.pop() {
        visited += 1;
        if visited > max_nodes {
            return None;
        }
        match child.value() {
            Node::Text(t) => {
                // Characters, not words: the first word of a paragraph of Chinese runs to its
                // end, and this is asked of every element above it.
                let room = max_chars + 1 - seen;
                seen += t.chars().filter(|c| !c.is_whitespace()).take(room).count();
                if seen > max_chars {
                    return None;
                }
                out.push_str(t);
            }
            Node::Element(e) if !is_skipped(e.name()) => {
                if child.children().nth(max_nodes).is_some() {
                    return None;
                }
                stack.extend(child.children().rev());
            }
            _ => {}
        }
    }
    Some(out)
}

/// Appends the element's text; with `lines`, block boundaries become `\n`.
fn push_text(element: ElementRef<'_>, out: &mut String, lines: bool) {
    push_text_marking(element, out, lines, &[], &mut []);
}

/// `push_text`, also noting where the text of each `marked` element begins and ends in `out`
/// (`ranges[i]` for the element `marked` pairs with `i`; one the walk does not reach keeps
/// `None`). `marked` is sorted by node id and searched by halves: a hostile page may hold
/// hundreds of thousands of containers. Walks on an explicit stack: markup from the network may
/// nest deeper than the call stack allows.
fn push_text_marking(
    element: ElementRef<'_>,
    out: &mut String,
    lines: bool,
    marked: &[(NodeId, usize)],
    ranges: &mut [Option<Range<usize>>],
) {
    enum Step<'a> {
        Node(ego_tree::NodeRef<'a, Node>),
        Newline,
        /// The end of the element marked `.0`, whose text began at `.1`.
        End(usize, usize),
    }
    let mut stack: Vec<Step<'_>> = element.children().rev().map(Step::Node).collect();
    while let Some(step) = stack.pop() {
        let child = match step {
            Step::Newline => {
                out.push('\n');
                continue;
            }
            Step::End(index, start) => {
                if let Some(range) = ranges.get_mut(index) {
                    *range = Some(start..out.len());
                }
                continue;
            }
            Step::Node(child) => child,
        };
        match child.value() {
            Node::Text(t) => out.push_str(t),
            Node::Element(e) => {
                let tag = e.name();
                if is_skipped(tag) {
                    continue;
                }
                let block = lines && is_block(tag);
                if block {
                    out.push('\n');
                    stack.push(Step::Newline);
                }
                if let Some(index) = marked_index(marked, child.id()) {
                    stack.push(Step::End(index, out.len()));
                }
                stack.extend(child.children().rev().map(Step::Node));
            }
            _ => {}
        }
    }
}

/// The index `marked` (sorted by node id) pairs with `id`.
fn marked_index(marked: &[(NodeId, usize)], id: NodeId) -> Option<usize> {
    marked
        .binary_search_by_key(&id, |(marked, _)| *marked)
        .ok()
        .map(|at| marked[at].1)
}

/// The element's text as non-empty lines, whitespace collapsed within each.
pub(crate) fn lines(element: ElementRef<'_>) -> Vec<String> {
    let mut out = String::new();
    push_text(element, &mut out, true);
    lines_of(&out, |_| true)
}

/// The non-empty lines of `text` for which `keep` holds of the line as printed (before its
/// whitespace is collapsed), collapsed: the others are never copied.
fn lines_of(text: &str, keep: impl Fn(&str) -> bool) -> Vec<String> {
    text.lines()
        .filter(|line| keep(line))
        .map(collapse)
        .filter(|line| !line.is_empty())
        .collect()
}

static BODY: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("body").expect("`body` is a valid selector"));

pub(crate) fn body(doc: &Html) -> Option<ElementRef<'_>> {
    crate::page::select(doc, &BODY).next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_whitespace_run_becomes_one_space_and_the_ends_are_trimmed() {
        let cases = [
            ("", ""),
            ("   ", ""),
            ("a", "a"),
            (
                "  发布机构：\u{3000}\u{3000}某县人民政府  ",
                "发布机构： 某县人民政府",
            ),
            ("索引号\u{a0}\u{2002}\t\n 123", "索引号 123"),
            ("\u{feff}成文日期\u{200b}2024-01-02", "成文日期 2024-01-02"),
            ("a \u{200b} b\r\n\r\nc", "a b c"),
        ];
        for (text, expected) in cases {
            assert_eq!(collapse(text), expected, "{text:?}");
        }
    }
}
