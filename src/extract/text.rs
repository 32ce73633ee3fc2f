//! Visible text of an item page for extract: element text without scripts and styles, the page
//! as lines (block and cell boundaries become line breaks), the article body, the heading, and the
//! signature block (issuing body above the date) that closes a report.

use std::sync::LazyLock;

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
                let room = max_chars + 1 - seen;
                let mut found = 0;
                for word in crate::page::words::words(t) {
                    found += word.chars().take(room - found).count();
                    if found == room {
                        break;
                    }
                }
                seen += found;
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

/// Appends the element's text; with `lines`, block boundaries become `\n`. Walks on an explicit
/// stack: markup from the network may nest deeper than the call stack allows.
fn push_text(element: ElementRef<'_>, out: &mut String, lines: bool) {
    enum Step<'a> {
        Node(ego_tree::NodeRef<'a, Node>),
        Newline,
    }
    let mut stack: Vec<Step<'_>> = element.children().rev().map(Step::Node).collect();
    while let Some(step) = stack.pop() {
        let child = match step {
            Step::Newline => {
                out.push('\n');
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
                stack.extend(child.children().rev().map(Step::Node));
            }
            _ => {}
        }
    }
}

/// The element's text as non-empty lines, whitespace collapsed within each.
pub(crate) fn lines(element: ElementRef<'_>) -> Vec<String> {
    lines_where(element, |_| true)
}

/// The same, keeping only the lines for which `keep` holds of the line as printed (before its
/// whitespace is collapsed): the others are never copied.
pub(crate) fn lines_where(element: ElementRef<'_>, keep: impl Fn(&str) -> bool) -> Vec<String> {
    let mut out = String::new();
    push_text(element, &mut out, true);
    out.lines()
        .filter(|line| keep(line))
        .map(collapse)
        .filter(|line| !line.is_empty())
        .collect()
}

static BODY: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("body").expect("`body` is a valid selector"));

/// Containers the CMSs in the wild put the article text in (TRS, Hanweb, 开普云 UCAP, gov.cn).
static CONTENT: LazyLock<Selector> = LazyLock::new(|| {
    Selector::parse(
        ".TRS_Editor, .TRS_UEDITOR, .trs_paper_default, #UCAP-CONTENT, #PrintArea, #zoom, \
         .article-body, .main-txt, .pages_content, .article-content, .art_con, .detail-content, \
         #content, .content, .zw, #zw, .wzcon, .view, article",
    )
    .expect("the content-container selector list is valid")
});

pub(crate) fn body(doc: &Html) -> Option<ElementRef<'_>> {
    doc.select(&BODY).next()
}

/// Lines of the article body: the known content container with the most text, else the whole
/// body.
pub(crate) fn content_lines(doc: &Html) -> Vec<String> {
    let best = doc
        .select(&CONTENT)
        .map(|e| (lines(e), e))
        .max_by_key(|(lines, _)| lines.iter().map(|l| l.chars().count()).sum::<usize>());
    match best {
        Some((lines, _)) if !lines.is_empty() => lines,
        _ => body(doc).map(lines).unwrap_or_default(),
    }
}

static HEADINGS: LazyLock<Selector> = LazyLock::new(|| {
    Selector::parse("h1, h2, h3, .con-title, .article-title, .detail-title, .title, #title")
        .expect("the heading selector list is valid")
});

/// The page heading: the first heading that agrees with the `<title>` or the list entry; failing
/// that, the first `h1`/`h2`. Headings made of a link (a site logo) and the site name are skipped.
pub(crate) fn heading(doc: &Html, hints: &[&str], site_names: &[&str]) -> Option<String> {
    let candidates: Vec<(String, bool)> = doc
        .select(&HEADINGS)
        .filter(|e| {
            !e.ancestors()
                .filter_map(ElementRef::wrap)
                .any(|a| a.value().name() == "a")
        })
        .filter(|e| {
            !e.descendants()
                .filter_map(ElementRef::wrap)
                .any(|a| a.value().name() == "a")
        })
        .map(|e| (visible_text(e), matches!(e.value().name(), "h1" | "h2")))
        .filter(|(t, _)| {
            let n = t.chars().count();
            (4..=200).contains(&n) && !site_names.iter().any(|s| s == t)
        })
        .collect();
    let agrees = |text: &str| {
        hints.iter().any(|hint| {
            let hint = collapse(hint);
            !hint.is_empty() && (hint.contains(text) || text.contains(hint.trim_end_matches('…')))
        })
    };
    candidates
        .iter()
        .find(|(t, _)| agrees(t))
        .or_else(|| candidates.iter().find(|(_, major)| *major))
        .map(|(t, _)| t.clone())
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

fn is_org_name(line: &str) -> bool {
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
