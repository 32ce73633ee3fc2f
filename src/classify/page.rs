//! What an HTML page shows a reader: its visible text (scripts, styles and templates removed),
//! the part of it outside navigation-ish boilerplate, and the few structural facts classify
//! needs. Shared with dedup, which hashes the same visible text.

use std::collections::HashSet;

use ego_tree::NodeId;
use scraper::{Html, Node};

/// One step of a depth-first walk, kept on an explicit stack: deeply nested markup from the
/// network must not overflow the call stack.
enum Edge<N> {
    Open(N),
    Close(N),
}

/// Elements whose text a reader never sees.
const HIDDEN: &[&str] = &[
    "script", "style", "noscript", "template", "head", "title", "textarea", "select",
];

/// Elements that are page furniture rather than content.
const BOILERPLATE_ELEMENTS: &[&str] = &["nav", "header", "footer", "aside"];

/// Fragments of `id` / `class` values that mark page furniture on portal templates
/// (头部, 导航, 当前位置, 页脚, 版权, 无障碍 "wza").
const BOILERPLATE_MARKS: &[&str] = &[
    "nav",
    "menu",
    "header",
    "footer",
    "foot",
    "banner",
    "breadcrumb",
    "crumb",
    "copyright",
    "sidebar",
    "position",
    "location",
    "dqwz",
    "wza",
    "search",
    "share",
    "topbar",
    "top-bar",
    "top_bar",
    "bottom",
    "friendlink",
    "link-box",
];

/// Fragments of `id` / `class` values, besides the `<footer>` element, that mark the page's
/// footer or a part of it (页脚, 版权).
const FOOTER_MARKS: &[&str] = &["foot", "copyright"];

/// Facts about one HTML page.
#[derive(Debug, Default)]
pub struct PageFacts {
    pub title: String,
    /// Visible text of the page, whitespace collapsed to single spaces.
    pub visible_text: String,
    /// Visible text outside navigation, header, footer and similar furniture.
    pub main_text: String,
    /// Bytes of inline script text.
    pub script_bytes: usize,
    pub has_password_input: bool,
    /// An `<iframe>`, `<frame>`, `<embed>` or `<object>`: the content may live elsewhere.
    pub has_embedded_frame: bool,
    /// A `<script type="text/xml">` data island (Hanweb lists keep their records there).
    pub has_xml_data_island: bool,
    /// Hrefs of `<a>` elements, in document order.
    pub links: Vec<String>,
    /// The text of links within `main_text`, one line a link: a list entry's title is not
    /// what the page itself says. Only short pages are read for that, so a long page's stops
    /// being kept at `LINK_TEXT_KEPT` bytes (a list of thousands of links copies no titles).
    pub main_link_text: String,
    /// Where a `<meta http-equiv="refresh" content="0;url=…">` sends the reader.
    pub redirect: Option<String>,
    /// Non-whitespace characters of `visible_text` and `main_text`, counted once: classify asks
    /// for them several times a page.
    visible_count: usize,
    main_count: usize,
}

impl PageFacts {
    /// Facts of a page parsed within `page::parse`'s bounds (none for a page beyond them).
    pub fn of(html: &str) -> PageFacts {
        match crate::page::parse(html) {
            Ok(parsed) => PageFacts::of_document(&parsed.doc),
            Err(_) => PageFacts::default(),
        }
    }

    pub fn of_document(document: &Html) -> PageFacts {
        let mut facts = PageFacts::default();
        let mut hidden_depth = 0usize;
        let mut boilerplate_depth = 0usize;
        let mut in_title = false;
        let mut in_xml_island = false;
        let mut in_script = false;
        let mut link_depth = 0usize;
        let holds_footer = holding_a_footer(document);
        let furniture = |node: ego_tree::NodeRef<'_, Node>, element: &scraper::node::Element| {
            is_boilerplate(element) && !left_open(element, holds_footer.contains(&node.id()))
        };
        let mut stack = vec![Edge::Open(document.tree.root())];
        while let Some(edge) = stack.pop() {
            match edge {
                Edge::Open(node) => {
                    stack.push(Edge::Close(node));
                    stack.extend(node.children().rev().map(Edge::Open));
                    match node.value() {
                        Node::Element(element) => {
                            let name = element.name();
                            if HIDDEN.contains(&name) {
                                hidden_depth += 1;
                            }
                            if furniture(node, element) {
                                boilerplate_depth += 1;
                            }
                            match name {
                                "title" => in_title = facts.title.is_empty(),
                                "script" => {
                                    in_script = true;
                                    in_xml_island = element
                                        .attr("type")
                                        .is_some_and(|t| t.trim().eq_ignore_ascii_case("text/xml"));
                                }
                                "input" => {
                                    facts.has_password_input |= element
                                        .attr("type")
                                        .is_some_and(|t| t.trim().eq_ignore_ascii_case("password"));
                                }
                                "iframe" | "frame" | "embed" | "object" => {
                                    facts.has_embedded_frame = true
                                }
                                "a" => {
                                    if let Some(href) = element.attr("href") {
                                        facts.links.push(href.trim().to_owned());
                                    }
                                    link_depth += 1;
                                }
                                "meta" if facts.redirect.is_none() => {
                                    facts.redirect = refresh_target(element);
                                }
                                _ => {}
                            }
                        }
                        Node::Text(text) => {
                            if in_title {
                                facts.title.push_str(text);
                            } else if in_script {
                                facts.script_bytes += text.len();
                                facts.has_xml_data_island |=
                                    in_xml_island && !text.trim().is_empty();
                            }
                            if hidden_depth == 0 {
                                let in_main = boilerplate_depth == 0;
                                if in_main && link_depth > 0 && keeps_link_text(&facts) {
                                    facts.main_link_text.push_str(text);
                                }
                                let main = in_main.then_some(&mut facts.main_text);
                                push_visible(&mut facts.visible_text, main, text);
                            }
                        }
                        _ => {}
                    }
                }
                Edge::Close(node) => {
                    if let Node::Element(element) = node.value() {
                        let name = element.name();
                        if HIDDEN.contains(&name) {
                            hidden_depth = hidden_depth.saturating_sub(1);
                        }
                        if furniture(node, element) {
                            boilerplate_depth = boilerplate_depth.saturating_sub(1);
                        }
                        match name {
                            "title" => in_title = false,
                            "script" => {
                                in_script = false;
                                in_xml_island = false;
                            }
                            "a" => {
                                link_depth = link_depth.saturating_sub(1);
                                if keeps_link_text(&facts) {
                                    facts.main_link_text.push('\n');
                                }
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
        facts.title = collapse(&facts.title);
        trim_end_in_place(&mut facts.visible_text);
        trim_end_in_place(&mut facts.main_text);
        facts.visible_count = count_chars(&facts.visible_text);
        facts.main_count = count_chars(&facts.main_text);
        facts
    }

    /// Characters of visible text that are not whitespace.
    pub fn visible_chars(&self) -> usize {
        self.visible_count
    }

    /// Characters of main (non-boilerplate) text that are not whitespace.
    pub fn main_chars(&self) -> usize {
        self.main_count
    }
}

/// Bytes of `main_link_text` kept: more than the whole main text of any page read for what its
/// links say (a few hundred characters).
const LINK_TEXT_KEPT: usize = 4096;

fn keeps_link_text(facts: &PageFacts) -> bool {
    facts.main_link_text.len() < LINK_TEXT_KEPT
}

/// The URL of a `<meta http-equiv="refresh" content="0; url='…'">`, when the element is one.
pub fn refresh_target(element: &scraper::node::Element) -> Option<String> {
    if !element
        .attr("http-equiv")
        .is_some_and(|e| e.trim().eq_ignore_ascii_case("refresh"))
    {
        return None;
    }
    let content = element.attr("content")?;
    let (_, rest) = content.split_once([';', ','])?;
    let rest = rest.trim_start();
    let url = match rest.get(..3) {
        Some(key) if key.eq_ignore_ascii_case("url") => {
            let after = rest[3..].trim_start();
            after.strip_prefix('=').unwrap_or(after)
        }
        _ => rest,
    };
    let url = url.trim().trim_matches(|c| c == '\'' || c == '"').trim();
    (!url.is_empty()).then(|| url.to_string())
}

fn is_boilerplate(element: &scraper::node::Element) -> bool {
    if BOILERPLATE_ELEMENTS.contains(&element.name()) {
        return true;
    }
    let marked = |value: &str| {
        let value = value.to_ascii_lowercase();
        BOILERPLATE_MARKS.iter().any(|mark| value.contains(mark))
    };
    element.attr("id").is_some_and(marked) || element.attr("class").is_some_and(marked)
}

/// Whether furniture holds the page's footer, and so the rest of the page after its lost end tag,
/// given the page's `holding_a_footer` marks (made once, so that nested furniture costs no walk
/// of its subtree each): for readers that skip furniture element by element.
pub(crate) fn holds_the_page(
    element: scraper::ElementRef<'_>,
    holding_a_footer: &HashSet<NodeId>,
) -> bool {
    left_open(element.value(), holding_a_footer.contains(&element.id()))
}

/// Furniture that holds a footer and is not one itself (nor a `bottom` block, which holds the
/// footer's parts on older templates).
fn left_open(element: &scraper::node::Element, holds_footer: bool) -> bool {
    holds_footer && !is_footer(element) && !marked_with(element, &["bottom"])
}

/// The page's footer or a part of it. A `bottom` block is furniture that often holds one
/// (`.bottom > .copyright`) but says less on its own: a menu's last row may be `menu-bottom`.
fn is_footer(element: &scraper::node::Element) -> bool {
    element.name() == "footer" || marked_with(element, FOOTER_MARKS)
}

fn marked_with(element: &scraper::node::Element, marks: &[&str]) -> bool {
    let marked = |value: &str| {
        let value = value.to_ascii_lowercase();
        marks.iter().any(|mark| value.contains(mark))
    };
    element.attr("id").is_some_and(marked) || element.attr("class").is_some_and(marked)
}

/// The elements that hold a footer of the page. Furniture that is not itself a footer and holds
/// one is a header, menu or wrapper whose end tag the template lost (`<div class="header">` never
/// closed): it holds the rest of the page, whose text is the page's own. Each footer marks its
/// ancestors up to the first already marked, so the walk is linear in the page.
pub(crate) fn holding_a_footer(document: &Html) -> HashSet<NodeId> {
    let mut marked = HashSet::new();
    for node in document.tree.root().descendants() {
        let Node::Element(element) = node.value() else {
            continue;
        };
        if !is_footer(element) {
            continue;
        }
        for ancestor in node.ancestors() {
            if !marked.insert(ancestor.id()) {
                break;
            }
        }
    }
    marked
}

/// Characters that are not whitespace, in text `push_collapsed` wrote: its only whitespace is
/// the ASCII space, so a count of characters less a count of bytes, both fast scans.
fn count_chars(text: &str) -> usize {
    debug_assert!(!text.contains(|c: char| c.is_whitespace() && c != ' '));
    text.chars().count() - text.bytes().filter(|&b| b == b' ').count()
}

/// Appends `text` to `out` with every whitespace run (including U+3000 and nbsp) collapsed to
/// one space, and a space between consecutive text nodes.
pub fn push_collapsed(out: &mut String, text: &str) {
    for word in crate::page::words::words(text) {
        if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
        out.push_str(word);
    }
    if text.ends_with(char::is_whitespace) && !out.is_empty() && !out.ends_with(' ') {
        out.push(' ');
    }
}

/// `push_collapsed` of `text` to `visible` and, when given, to `main`, splitting it into words
/// once: the words added to `visible` are joined already.
fn push_visible(visible: &mut String, main: Option<&mut String>, text: &str) {
    let before = visible.len();
    push_collapsed(visible, text);
    let Some(main) = main else { return };
    let joined = visible[before..].trim_matches(' ');
    if !joined.is_empty() {
        if !main.is_empty() && !main.ends_with(' ') {
            main.push(' ');
        }
        main.push_str(joined);
    }
    if text.ends_with(char::is_whitespace) && !main.is_empty() && !main.ends_with(' ') {
        main.push(' ');
    }
}

fn collapse(text: &str) -> String {
    let mut out = String::new();
    push_collapsed(&mut out, text);
    trim_end_in_place(&mut out);
    out
}

fn trim_end_in_place(text: &mut String) {
    let len = text.trim_end().len();
    text.truncate(len);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The counts are of characters that are not whitespace, of every kind (ASCII, U+3000, nbsp,
    /// line breaks), in visible text and in main text (navigation left out); the title, scripts
    /// and the text of hidden elements count for neither.
    #[test]
    fn counts_leave_out_whitespace_of_every_kind() {
        let html = "<html><head><title> 年报 </title><script>var x = 1;</script></head><body>\
            <div class=\"nav\">首页 | 政务公开</div>\
            <p>政府\u{3000}信息 公开\u{a0}工作\n年度 report 2023</p>\
            <textarea>hidden</textarea><noscript>none</noscript></body></html>";
        let facts = PageFacts::of_document(&Html::parse_document(html));
        // 政府信息公开工作年度 (10) + report (6) + 2023 (4).
        let main = 20;
        assert_eq!(facts.main_chars(), main, "{:?}", facts.main_text);
        // The navigation adds 首页|政务公开 (7).
        assert_eq!(facts.visible_chars(), main + 7, "{:?}", facts.visible_text);
    }

    /// A header or menu left open holds the rest of the page, its footer too: that text is the
    /// page's. A footer holding its parts, and a `bottom` block holding the copyright, stay
    /// furniture, as does a closed header.
    #[test]
    fn furniture_that_holds_the_footer_was_left_open() {
        let main = |body: &str| {
            let html = format!("<html><body>{body}</body></html>");
            PageFacts::of_document(&Html::parse_document(&html)).main_text
        };
        let page = "<h1>年报</h1><p>正文</p>";
        let footer = "<div class=\"footer\"><div class=\"copyright\">版权所有</div></div>";
        for open in [
            "<div class=\"header\">首页",
            "<div id=\"nav\">首页",
            "<header>首页",
        ] {
            assert_eq!(
                main(&format!("{open}{page}{footer}")),
                "首页 年报 正文",
                "{open}"
            );
        }
        assert_eq!(
            main(&format!("<div class=\"header\">首页</div>{page}{footer}")),
            "年报 正文"
        );
        assert_eq!(
            main(&format!(
                "{page}<div class=\"bottom\"><p class=\"copyright\">版权</p></div>"
            )),
            "年报 正文"
        );
    }

    proptest::proptest! {
        /// Main text built from the words already added to the visible text is what collapsing
        /// each text node again gives, whatever both held before.
        #[test]
        fn main_text_from_visible_words_equals_collapsing_again(
            nodes in proptest::collection::vec(
                (proptest::string::string_regex("[ a年\u{3000}\n\u{a0}]{0,6}").unwrap(), proptest::bool::ANY),
                0..12,
            ),
            visible_start in "[ a]{0,2}",
        ) {
            let (mut visible, mut main) = (visible_start.clone(), String::new());
            let (mut visible_ref, mut main_ref) = (visible_start, String::new());
            for (text, in_main) in &nodes {
                push_visible(&mut visible, in_main.then_some(&mut main), text);
                push_collapsed(&mut visible_ref, text);
                if *in_main {
                    push_collapsed(&mut main_ref, text);
                }
            }
            proptest::prop_assert_eq!(visible, visible_ref);
            proptest::prop_assert_eq!(main, main_ref);
        }
    }
}
