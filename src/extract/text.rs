//! Visible text of an item page for extract: element text without scripts and styles, the page
//! as lines (block and cell boundaries become line breaks), the article body, the elements that
//! may be its heading, and the signature block (issuing body above the date) that closes a report.

use std::ops::Range;
use std::sync::LazyLock;

use ego_tree::NodeId;
use scraper::node::Element;
use scraper::{ElementRef, Html, Node, Selector};

use crate::dates::parse_date;

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
pub(super) fn is_heading(element: &Element) -> bool {
    matches!(element.name(), "h1" | "h2" | "h3")
        || element.id() == Some("title")
        || element.classes().any(|class| {
            matches!(
                class,
                "con-title" | "article-title" | "detail-title" | "title"
            )
        })
}

/// Endings of an issuing body's name as signed under a document.
const ORG_ENDINGS: &[&str] = &[
    "政府",
    "办公室",
    "办公厅",
    "局",
    "委员会",
    "管委会",
    "厅",
    "委",
    "办",
    "中心",
    "院",
    "署",
    "处",
    "所",
    "站",
    "队",
    "部",
    "馆",
    "会",
];

/// The signature block closing the body: an organisation line directly above a date-only line
/// (`阿拉山口市人民政府办公室` / `2025年1月17日`), or both on one line.
pub(crate) fn signature(lines: &[String]) -> Option<String> {
    let (index, date_line) = lines
        .iter()
        .enumerate()
        .rev()
        .find(|(_, line)| is_date_only(line))?;
    if let Some(org) = org_before_date(date_line) {
        return Some(org);
    }
    let above = lines.get(index.checked_sub(1)?)?;
    is_org_name(above).then(|| above.clone())
}

/// The longest line a signature date can be on: an organisation of 40 characters, a space and
/// a date in words (`二〇二五年十二月三十一日`). Body paragraphs are longer and are skipped before
/// any date is looked for in them: this runs on every line from the end of the page.
const SIGNATURE_LINE_MAX_CHARS: usize = 64;

fn is_date_only(line: &str) -> bool {
    // Bytes first: a line of more than 64 characters has more than 64 bytes.
    if line.len() > SIGNATURE_LINE_MAX_CHARS && line.chars().count() > SIGNATURE_LINE_MAX_CHARS {
        return false;
    }
    let only_date = line
        .chars()
        .all(|c| c.is_ascii_digit() || "年月日〇零○一二三四五六七八九十-/. ".contains(c));
    (only_date && parse_date(line).is_some()) || org_before_date(line).is_some()
}

/// `阿拉山口市人民政府办公室 2025年1月17日` on one line.
fn org_before_date(line: &str) -> Option<String> {
    let (org, date) = line.rsplit_once(' ')?;
    let date_only = parse_date(date).is_some()
        && date
            .chars()
            .all(|c| c.is_ascii_digit() || "年月日〇零○一二三四五六七八九十-/.".contains(c));
    (date_only && is_org_name(org)).then(|| org.to_string())
}

/// Whether a line is an organisation's name: 4 to 40 characters, no sentence punctuation, a
/// name's ending (`政府`, `办公室`, `局` …).
pub(crate) fn is_org_name(line: &str) -> bool {
    let n = line.chars().count();
    (4..=40).contains(&n)
        && !line
            .chars()
            .any(|c| "。，,：:；;！？、（）()《》".contains(c))
        && line.chars().next().is_some_and(|c| !c.is_ascii())
        && ORG_ENDINGS.iter().any(|end| line.ends_with(end))
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn owned(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn signature_blocks() {
        let cases: &[(&[&str], Option<&str>)] = &[
            (
                &["正文。", "阿拉山口市人民政府办公室", "2025年1月17日"],
                Some("阿拉山口市人民政府办公室"),
            ),
            (
                &[
                    "正文。",
                    "某县人民政府",
                    "二〇二五年一月十七日",
                    "打印本页 关闭窗口",
                ],
                Some("某县人民政府"),
            ),
            (
                &["正文。", "阿拉山口市人民政府办公室 2025年1月17日"],
                Some("阿拉山口市人民政府办公室"),
            ),
            (
                &["以上报告。热诚欢迎社会各界提出意见。", "2018年2月7日"],
                None,
            ),
            (&["正文。", "2018年2月7日"], None),
            // A body paragraph that ends in a date is not a signature line.
            (
                &[
                    "某县人民政府",
                    "本报告所列数据的统计期限自2024年1月1日起至2024年12月31日止，\
                     如对本报告有疑问，请与某县人民政府办公室联系，联系时间为2025年1月17日",
                ],
                None,
            ),
            // The longest organisation and date in words still make a signature.
            (
                &[
                    "正文。",
                    "某某某某某某某某某某某某某某某某某某某某某某某某某某某某某某某某某人民政府办公室 二〇二五年十二月三十一日",
                ],
                Some(
                    "某某某某某某某某某某某某某某某某某某某某某某某某某某某某某某某某某人民政府办公室",
                ),
            ),
            (&["没有日期的正文。"], None),
        ];
        for (lines, want) in cases {
            assert_eq!(signature(&owned(lines)).as_deref(), *want, "{lines:?}");
        }
    }

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
