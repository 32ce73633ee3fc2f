//! The article body of an item page: the known content containers (TRS, Hanweb, UCAP, gov.cn),
//! the body's text walked once with where each container's text lies in it (`BodyText`), and the
//! elements that may be the page's heading.

use std::ops::Range;

use ego_tree::NodeId;
use scraper::node::Element;
use scraper::{ElementRef, Html};

use super::{body, is_skipped, lines, lines_of, marked_index, push_text_marking};

/// Ids of the containers the CMSs in the wild put the article text in (TRS, Hanweb, 开普云 UCAP,
/// gov.cn), matched as CSS matches them in a page without quirks: exactly.
const CONTENT_IDS: &[&str] = &["UCAP-CONTENT", "PrintArea", "zoom", "content", "zw"];
/// Classes of the same containers; `<article>` is one too.
const CONTENT_CLASSES: &[&str] = &[
    "TRS_Editor",
    "TRS_UEDITOR",
    "trs_paper_default",
    "article-body",
    "main-txt",
    "pages_content",
    "article-content",
    "art_con",
    "detail-content",
    "content",
    "zw",
    "wzcon",
    "view",
];

/// Whether the element is a known content container. Checked by hand, not by a selector list:
/// a list of 18 selectors matched against every element cost more than reading the text.
fn is_content_container(element: &Element) -> bool {
    element.name() == "article"
        || element.id().is_some_and(|id| CONTENT_IDS.contains(&id))
        || element
            .classes()
            .any(|class| CONTENT_CLASSES.contains(&class))
}

/// Whether the element is one whose text a reader never sees, or inside one.
fn is_hidden(element: ElementRef<'_>) -> bool {
    std::iter::once(element)
        .chain(element.ancestors().filter_map(ElementRef::wrap))
        .any(|e| is_skipped(e.value().name()))
}

/// The body's text, walked once with block boundaries as line breaks, and where the text of each
/// outermost content container lies in it: the label lines and the article's lines both come
/// from it.
pub(crate) struct BodyText<'a> {
    pub body: Option<ElementRef<'a>>,
    text: String,
    /// Content containers inside no other, in document order, with their text's range in
    /// `text` when the walk from the body reached them.
    containers: Vec<(ElementRef<'a>, Option<Range<usize>>)>,
}

impl<'a> BodyText<'a> {
    pub(crate) fn of(doc: &'a Html) -> BodyText<'a> {
        let containers: Vec<ElementRef<'a>> = crate::page::elements(doc)
            .filter(|e| is_content_container(e.value()) && !is_hidden(*e))
            .filter(|e| {
                !e.ancestors()
                    .filter_map(ElementRef::wrap)
                    .any(|a| is_content_container(a.value()))
            })
            .collect();
        let mut marked: Vec<(NodeId, usize)> = containers
            .iter()
            .enumerate()
            .map(|(index, e)| (e.id(), index))
            .collect();
        marked.sort_unstable();
        let mut ranges = vec![None; containers.len()];
        let mut text = String::new();
        let body = body(doc);
        if let Some(body) = body {
            push_text_marking(body, &mut text, true, &marked, &mut ranges);
            // The body itself is not inside the walk from it.
            if let Some(index) = marked_index(&marked, body.id()) {
                ranges[index] = Some(0..text.len());
            }
        }
        BodyText {
            body,
            text,
            containers: containers.into_iter().zip(ranges).collect(),
        }
    }

    /// The body's lines for which `keep` holds of the line as printed, collapsed.
    pub(crate) fn lines_where(&self, keep: impl Fn(&str) -> bool) -> Vec<String> {
        lines_of(&self.text, keep)
    }

    /// Lines of the article body: the visible content container with the most text, else the
    /// whole body. A container in a `<noscript>`, `<select>` or other element a reader never
    /// sees is not content. Only containers inside no other are read: a visible container's
    /// text holds all of the text of those inside it, so an inner one never has more, and when
    /// it has as much its lines are the same.
    pub(crate) fn content_lines(&self) -> Vec<String> {
        let best = self
            .containers
            .iter()
            .map(|(element, range)| match range {
                Some(range) => lines_of(&self.text[range.clone()], |_| true),
                None => lines(*element),
            })
            .max_by_key(|lines| lines.iter().map(|l| l.chars().count()).sum::<usize>());
        match best {
            Some(lines) if !lines.is_empty() => lines,
            _ => self.lines_where(|_| true),
        }
    }
}

/// Whether the element may be the page's heading: `h1`-`h3` and the heading classes and id of
/// portal templates, checked by hand like the content containers.
pub(in crate::extract) fn is_heading(element: &Element) -> bool {
    matches!(element.name(), "h1" | "h2" | "h3")
        || element.id() == Some("title")
        || element.classes().any(|class| {
            matches!(
                class,
                "con-title" | "article-title" | "detail-title" | "title"
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Selector;

    use super::super::push_text;

    /// Content lines as they were chosen before `BodyText`: every container the selector list
    /// matches, each walked on its own. Two changes since: containers are taken in document
    /// order (see `crate::page::select`), and one inside an element whose text is never
    /// shown (or that is one) no longer counts.
    fn content_lines_by_selector(doc: &Html) -> Vec<String> {
        let content = Selector::parse(
            ".TRS_Editor, .TRS_UEDITOR, .trs_paper_default, #UCAP-CONTENT, #PrintArea, #zoom, \
             .article-body, .main-txt, .pages_content, .article-content, .art_con, .detail-content, \
             #content, .content, .zw, #zw, .wzcon, .view, article",
        )
        .expect("valid");
        let best = crate::page::select(doc, &content)
            .filter(|e| !is_hidden(*e))
            .map(lines)
            .max_by_key(|lines| lines.iter().map(|l| l.chars().count()).sum::<usize>());
        match best {
            Some(lines) if !lines.is_empty() => lines,
            _ => body(doc).map(lines).unwrap_or_default(),
        }
    }

    /// The elements the heading selector list matched before `is_heading`.
    fn headings_by_selector(doc: &Html) -> Vec<NodeId> {
        let headings = Selector::parse(
            "h1, h2, h3, .con-title, .article-title, .detail-title, .title, #title",
        )
        .expect("valid");
        crate::page::select(doc, &headings)
            .map(|e| e.id())
            .collect()
    }

    fn headings_by_hand(doc: &Html) -> Vec<NodeId> {
        crate::page::elements(doc)
            .filter(|e| is_heading(e.value()))
            .map(|e| e.id())
            .collect()
    }

    fn assert_same_as_selectors(html: &str, what: &str) {
        let doc = Html::parse_document(html);
        let body_text = BodyText::of(&doc);
        assert_eq!(
            body_text.content_lines(),
            content_lines_by_selector(&doc),
            "content lines of {what}"
        );
        assert_eq!(
            headings_by_hand(&doc),
            headings_by_selector(&doc),
            "headings of {what}"
        );
        let mut whole = String::new();
        if let Some(body) = body(&doc) {
            push_text(body, &mut whole, true);
        }
        assert_eq!(body_text.text, whole, "body text of {what}");
    }

    /// Every real page in the shared folders and every fuzz page reads the same as with the
    /// selector lists.
    #[test]
    fn real_pages_read_as_with_selectors() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let folders = [
            format!("{root}/shared/real-pages"),
            format!("{root}/shared/real-pages-2"),
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz-corpus/pages").to_string(),
        ];
        let mut pages = 0;
        for folder in folders {
            let entries = std::fs::read_dir(&folder).unwrap_or_else(|e| panic!("{folder}: {e}"));
            for entry in entries {
                let path = entry.expect("a folder entry").path();
                if path.extension().is_none_or(|e| e != "html") {
                    continue;
                }
                let bytes = std::fs::read(&path).expect("a readable page");
                let decoded = crate::decode::decode(&bytes, None);
                assert_same_as_selectors(&decoded.text, &path.display().to_string());
                pages += 1;
            }
        }
        assert!(pages >= 25, "only {pages} pages read");
    }

    /// Every class and id of the two selector lists, alone, among others and in other cases.
    const ATTRIBUTES: &[&str] = &[
        "",
        "",
        "",
        " class=\"TRS_Editor\"",
        " class=\"TRS_UEDITOR\"",
        " class=\"trs_paper_default\"",
        " id=\"UCAP-CONTENT\"",
        " id=\"PrintArea\"",
        " id=\"zoom\"",
        " class=\"article-body\"",
        " class=\"main-txt\"",
        " class=\"pages_content\"",
        " class=\"article-content\"",
        " class=\"art_con\"",
        " class=\"detail-content\"",
        " id=\"content\"",
        " class=\"content\"",
        " class=\"zw\"",
        " id=\"zw\"",
        " class=\"wzcon\"",
        " class=\"view\"",
        " class=\"x  TRS_Editor\ty\"",
        " class=\"Content\"",
        " id=\"Zoom\"",
        " id=\"content view\"",
        " class=\"con-title\"",
        " class=\"article-title\"",
        " class=\"detail-title\"",
        " class=\"title\"",
        " id=\"title\"",
        " class=\"title zw\"",
        " class=\"Title\"",
    ];

    /// Each class and id alone, on a container beside other text, and on a heading.
    #[test]
    fn each_attribute_reads_as_with_selectors() {
        for attribute in ATTRIBUTES {
            for tag in ["div", "span", "td", "article"] {
                let html = format!(
                    "<html><body><p>导航 首页</p><table><tr><{tag}{attribute}>正文 第一段<br>第二段</{tag}>\
                     </tr></table><p>页脚</p></body></html>"
                );
                assert_same_as_selectors(&html, &html);
            }
        }
    }

    /// A page of 20,000 content containers side by side reads like the same page measured by the
    /// selector list. (A list of marks searched at every element made this take minutes.)
    #[test]
    fn many_containers_side_by_side() {
        let mut html = String::from("<html><body><p>导航</p>");
        for i in 0..20_000 {
            html.push_str(&format!("<p class=\"view\">段落{i}</p>"));
        }
        html.push_str("</body></html>");
        let doc = Html::parse_document(&html);
        let lines = BodyText::of(&doc).content_lines();
        assert_eq!(lines, ["段落19999"], "the last of the longest");
        assert_eq!(lines, content_lines_by_selector(&doc));
    }

    /// A random tree of containers (by class, by id, by tag, nested, inline, in hidden
    /// elements, differing only in case), headings and text.
    fn tree() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let text = proptest::sample::select(vec![
            "正文",
            "",
            "  ",
            "a b",
            "\u{3000}",
            "发布机构：某县",
            "2024年1月2日",
            "\n",
        ])
        .prop_map(str::to_string);
        text.prop_recursive(5, 40, 4, |inner| {
            (
                proptest::sample::select(vec![
                    "div", "span", "p", "article", "section", "noscript", "template", "select",
                    "h1", "h3", "h4", "a", "table", "td", "li", "b",
                ]),
                proptest::sample::select(ATTRIBUTES.to_vec()),
                proptest::collection::vec(inner, 0..4),
            )
                .prop_map(|(tag, attr, children)| {
                    format!("<{tag}{attr}>{}</{tag}>", children.concat())
                })
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]
        #[test]
        fn any_tree_reads_as_with_selectors(
            html_attr in proptest::sample::select(vec!["", " class=\"content\""]),
            body_attr in proptest::sample::select(vec!["", " id=\"zoom\"", " class=\"title\""]),
            trees in proptest::collection::vec(tree(), 1..4),
        ) {
            let html = format!(
                "<html{html_attr}><head><title>t</title></head><body{body_attr}>{}</body></html>",
                trees.concat()
            );
            assert_same_as_selectors(&html, &html);
        }
    }
}
