//! Labelled fields of an item page (索引号, 发布机构, 发布日期 ...): label normalisation
//! (padding, inner spans, colons, Traditional forms) and the two ways pages pair a label with its
//! value — structurally (table cells, `<span>label</span>value`) and inline (`label：value` text).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use regex::Regex;
use scraper::{ElementRef, Node};

use super::text::{self, collapse};

/// The labels nianbao knows, in canonical Simplified form. Only these become `fields`: an open
/// "anything before a colon" rule would take body sentences (`会议决定：…`) as fields.
pub(crate) const KNOWN_LABELS: &[&str] = &[
    "索引号",
    "索取号",
    "信息索引号",
    "发布机构",
    "发布单位",
    "发文机关",
    "发文单位",
    "发文机构",
    "信息来源",
    "资讯来源",
    "来源",
    "公开单位",
    "发布机关",
    "公开责任部门",
    "信息发布机构",
    "文号",
    "发文字号",
    "发文文号",
    "发布日期",
    "公开日期",
    "发布时间",
    "生成日期",
    "成文日期",
    "成文时间",
    "发文日期",
    "印发日期",
    "施行日期",
    "实施日期",
    "生效日期",
    "失效日期",
    "废止日期",
    "时间",
    "日期",
    "主题分类",
    "体裁分类",
    "组配分类",
    "服务对象分类",
    "信息分类",
    "分类",
    "所属主题",
    "主题词",
    "关键词",
    "名称",
    "标题",
    "文件名称",
    "有效性",
    "时效性",
    "公开方式",
    "公开范围",
    "公开时限",
    "公开形式",
    "公开属性",
    "责任部门",
    "作者",
];

/// View counters (浏览次数, 点击数 ...), the font-size switch (字号：大 中 小) and the web editor's
/// name (责任编辑：张三): known, so that they end the value printed before them, but never kept as
/// fields. They are page furniture (the counters change on every visit, the editor is whoever
/// posted the page), not document metadata, and keeping them would make two captures of an
/// unchanged document differ.
const VOLATILE_LABELS: &[&str] = &[
    "字号",
    "责任编辑",
    "编辑",
    "浏览次数",
    "浏览量",
    "点击数",
    "点击量",
    "点击次数",
    "点击率",
    "阅读次数",
    "阅读数",
    "阅读量",
    "访问次数",
    "访问量",
];

/// Longest value a label may own: longer text is a paragraph or a whole page, not a field.
const MAX_VALUE_CHARS: usize = 200;
/// Longest element text that is tried as a bare label (`<th>索&ensp;引&ensp;号</th>`).
const MAX_LABEL_TEXT_CHARS: usize = 24;

/// Normalises a printed label: drops all whitespace (spaces, `&ensp;`, `&nbsp;`, U+3000, zero-width
/// characters), brackets and colons, and maps Traditional characters to Simplified, so that
/// `索&ensp;引&ensp;號：` becomes `索引号`.
pub fn normalise_label(raw: &str) -> String {
    normalised_within(raw, usize::MAX).unwrap_or_default()
}

/// `normalise_label`, or `None` as soon as the label passes `max_bytes` bytes.
fn normalised_within(raw: &str, max_bytes: usize) -> Option<String> {
    let mut label = String::with_capacity(raw.len().min(max_bytes));
    for c in raw
        .chars()
        .filter(|c| !is_label_padding(*c))
        .map(simplified)
    {
        if label.len() >= max_bytes {
            return None;
        }
        label.push(c);
    }
    Some(label)
}

/// What a printed label may carry around and between its characters.
fn is_label_padding(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{200b}'
                | '\u{200c}'
                | '\u{200d}'
                | '\u{feff}'
                | ':'
                | '：'
                | '∶'
                | '﹕'
                | '︰'
                | '︓'
                | '【'
                | '】'
                | '['
                | ']'
                | '［'
                | '］'
        )
}

pub(crate) use crate::traditional::simplified;

/// Every label nianbao recognises: the metadata labels and the view counters.
fn all_labels() -> impl Iterator<Item = &'static str> {
    KNOWN_LABELS.iter().chain(VOLATILE_LABELS).copied()
}

/// The canonical label for printed text, when it is a label nianbao knows.
fn known_label(raw: &str) -> Option<&'static str> {
    // An early end: extraction asks this of every cell and text run of a page, and most are far
    // longer than any label.
    let label = normalised_within(raw, 4 * *LONGEST_LABEL)?;
    all_labels().find(|known| *known == label)
}

/// The characters of the longest label nianbao knows; in UTF-8 it is at most four times as many
/// bytes, the bound `known_label` stops at.
static LONGEST_LABEL: LazyLock<usize> =
    LazyLock::new(|| all_labels().map(|l| l.chars().count()).max().unwrap_or(0));

/// The colons that end a label: full-width and ASCII, and the look-alikes pages pasted from Word
/// or typeset vertically carry (`∶` U+2236, `﹕` U+FE55, `︰` U+FE30, `︓` U+FE13).
const COLONS: [char; 6] = [':', '：', '∶', '﹕', '︰', '︓'];
/// `COLONS` as a regex class.
const COLON_CLASS: &str = "[:：∶﹕︰︓]";

/// The labels as one regex alternation, longest first, each in either script and with any padding
/// between its characters.
fn label_alternatives(labels: impl Iterator<Item = &'static str>) -> String {
    let mut labels: Vec<&str> = labels.collect();
    labels.sort_by_key(|l| std::cmp::Reverse(l.chars().count()));
    let alternatives: Vec<String> = labels
        .iter()
        .map(|label| {
            let chars: Vec<String> = label
                .chars()
                .map(|c| {
                    let traditional = traditional_forms(c);
                    if traditional.is_empty() {
                        regex::escape(&c.to_string())
                    } else {
                        format!("[{c}{traditional}]")
                    }
                })
                .collect();
            chars.join(r"\s*")
        })
        .collect();
    alternatives.join("|")
}

/// `label：` or `【label】` somewhere in a line, with any padding between the label's characters.
/// Longer labels come first so that `信息来源：` is not read as `来源：`.
static INLINE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    let alternatives = label_alternatives(all_labels());
    Regex::new(&format!(
        r"(?:{alternatives})\s*{COLON_CLASS}|[【\[［]\s*(?:{alternatives})\s*[】\]］]\s*{COLON_CLASS}?"
    ))
    .expect("the inline label pattern is built from escaped literals")
});

/// Labels a line may open with and no colon after, a space before the value (`索引号 113600…`,
/// `发布机构 和义县财政局`, `发布日期 2023-01-05`): only those whose value has a shape running text
/// does not (a code, a body's name, a date). `来源`, `时间`, `名称` open sentences too.
const BARE_LABELS: &[&str] = &[
    "索引号",
    "信息索引号",
    "发布机构",
    "发布单位",
    "发文机关",
    "发布机关",
    "发布日期",
    "公开日期",
    "发布时间",
];

/// A `BARE_LABELS` label opening a line, then whitespace.
static BARE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    let alternatives = label_alternatives(BARE_LABELS.iter().copied());
    Regex::new(&format!(r"^(?:{alternatives})\s+"))
        .expect("the bare label pattern is built from escaped literals")
});

/// Where a value ends short of the next known label: at an unknown `标签：` after a gap
/// (`发布日期：2016-11-22 浏览量：`, `来源：某局 编辑：张三`), at a bracketed block of words
/// (`【字体：大 中 小】`, `【打印本页】`, but not a 文号's `【2023】`), or at a page tool's word after
/// a gap (`打印本页`, `关闭窗口`, `分享到`). Matched on the text mapped to Simplified.
static VALUE_END: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?:^|\s)\p{{Han}}{{2,6}}\s*{COLON_CLASS}|[【\[［]\s*[\p{{Han}}&&[^〇零○一二三四五六七八九十]]|(?:^|\s)(?:打印|关闭|字体|字号|分享|收藏)"
    ))
    .expect("the value end pattern is valid")
});

/// The length of the value at the start of `rest`: up to `VALUE_END` or the next known label,
/// or all of it. A known label ends the value even glued to it in one text node
/// (`和义县政务服务办公室作者：张三`, `某局發佈日期：2024-01-05`): a value never holds `label：`.
fn value_end(rest: &str) -> usize {
    // Mapped characters keep their UTF-8 length, so an offset in one holds in the other.
    let mapped: String = rest.chars().map(simplified).collect();
    let unknown = VALUE_END.find(&mapped).map_or(rest.len(), |m| m.start());
    let known = INLINE_LABEL.find(&mapped).map_or(rest.len(), |m| m.start());
    unknown.min(known)
}

/// The Traditional characters that map to `c`, for the inline pattern.
fn traditional_forms(c: char) -> String {
    crate::traditional::traditional_forms(c).collect()
}

/// The labelled fields of a page, and the labels it prints with no value beside them.
#[derive(Debug, Default)]
pub(crate) struct Labelled {
    /// label -> value as printed (whitespace collapsed); view counters left out.
    pub fields: BTreeMap<String, String>,
    /// Labels printed with an empty value (`发布机构：` and nothing): the page has a slot for the
    /// value and left it blank, which is itself evidence (see the issuing body in `extract`).
    pub blank: BTreeSet<String>,
    /// Labels whose value came from a `label：value` text line rather than a metadata block
    /// (cells, label elements): running text, when the value fails its shape.
    pub inline: BTreeSet<String>,
}

/// Every known labelled field of the page body. Table cells and label elements are read first,
/// then `label：value` text lines; the first value found for a label wins.
pub(crate) fn labelled_fields(body_text: &text::BodyText<'_>) -> Labelled {
    let mut found = Labelled::default();
    let Some(body) = body_text.body else {
        return found;
    };
    structural_fields(body, &mut found);
    // Only a line with a colon or a bracket can hold `label：value` or `【label】value`.
    // One search for each character, not one for any: each is a fast byte search.
    let may_hold_label = |line: &str| {
        COLONS
            .iter()
            .chain(&['】', ']', '］'])
            .any(|c| line.contains(*c))
    };
    for line in body_text.lines_where(may_hold_label) {
        inline_fields(&line, &mut found);
    }
    // Only a line opening with a bare label's first character can hold one.
    let may_open_bare = |line: &str| {
        line.trim_start()
            .chars()
            .next()
            .is_some_and(|c| matches!(simplified(c), '索' | '信' | '发' | '公'))
    };
    let bare: Vec<(&str, String)> = body_text
        .lines_where(may_open_bare)
        .iter()
        .filter_map(|line| bare_field(line))
        .collect();
    // A name is only a name by its ending (`…办公室`), which a sentence can share: a bare
    // issuer is read only beside a bare code or date, the block it is printed in.
    let beside_code_or_date = bare
        .iter()
        .any(|(label, _)| !ISSUER_BARE_LABELS.contains(label));
    for (label, value) in bare {
        if found.fields.contains_key(label)
            || (ISSUER_BARE_LABELS.contains(&label) && !beside_code_or_date)
        {
            continue;
        }
        found.fields.insert(label.to_string(), value);
        found.inline.insert(label.to_string());
    }
    let Labelled { fields, blank, .. } = &mut found;
    blank.retain(|label| !fields.contains_key(label));
    found
}

/// `<th>label</th><td>value</td>`, `<dt>label</dt><dd>value</dd>`, and `<span>label</span>value`
/// / `<label>label</label><span>value</span>` / `label：<em>value</em>` where the value follows
/// inside the same parent; and `<span>label：value</span>`, a pair in one inline element.
fn structural_fields(body: ElementRef<'_>, found: &mut Labelled) {
    for node in body.descendants() {
        if let Node::Text(t) = node.value() {
            label_text(node, t, found);
            continue;
        }
        let Some(element) = ElementRef::wrap(node) else {
            continue;
        };
        if text::is_skipped(element.value().name()) {
            continue;
        }
        // Bounded: a container's whole text is never collected just to see it is not a label.
        let Some(own) = text::raw_text_within(element, MAX_LABEL_TEXT_CHARS) else {
            inline_pair(element, found);
            continue;
        };
        let Some(label) = known_label(&own) else {
            inline_pair(element, found);
            continue;
        };
        if found.fields.contains_key(label) || VOLATILE_LABELS.contains(&label) {
            continue;
        }
        let value = match element.value().name() {
            "th" | "td" => next_cell(element, &["th", "td"]).or_else(|| cell_below(element)),
            "dt" => next_cell(element, &["dd"]),
            _ => following_text(*element),
        };
        keep_structural(label, value, found);
    }
}

/// Records a label's value found in the markup: the value, or the label as left blank.
fn keep_structural(label: &str, value: Option<String>, found: &mut Labelled) {
    match value.as_deref().map(accept_value) {
        Some(Some(value)) => {
            found.fields.insert(label.to_string(), value);
        }
        Some(None) if value.as_deref().is_some_and(|v| collapse(v).is_empty()) => {
            found.blank.insert(label.to_string());
        }
        _ => {}
    }
}

/// Elements a header line prints its pairs in side by side (`<span>发布时间：…</span><span>来源：
/// …</span><span>作者：…</span>`): their text runs on into the next one's with no gap, so each is
/// read on its own, where its pair ends with it.
fn is_inline_pair_holder(tag: &str) -> bool {
    matches!(
        tag,
        "span" | "em" | "i" | "b" | "strong" | "font" | "label" | "small" | "a" | "u" | "cite"
    )
}

/// `<span>来源：和义县财政局</span>`: an inline element whose text opens with a known label, read
/// as a line of its own.
fn inline_pair(element: ElementRef<'_>, found: &mut Labelled) {
    if !is_inline_pair_holder(element.value().name()) {
        return;
    }
    let Some(own) = text::visible_text_within(element, MAX_VALUE_CHARS) else {
        return;
    };
    if opens_with_label(&own) {
        inline_fields(&own, found);
    }
}

/// `来源：<em>和义县财政局</em>`: a text node that is only a known label and its colon, its value
/// in the elements after it. Without the colon a bare word of the article (`时间`, `名称`) before
/// a `<strong>` would be taken for a label.
fn label_text(node: ego_tree::NodeRef<'_, Node>, printed: &str, found: &mut Labelled) {
    if !printed.trim_end().ends_with(COLONS)
        || node.next_sibling().is_none_or(|n| !n.value().is_element())
        || node
            .parent()
            .and_then(ElementRef::wrap)
            .is_some_and(|p| text::is_skipped(p.value().name()))
    {
        return;
    }
    let Some(label) = known_label(printed) else {
        return;
    };
    if found.fields.contains_key(label) || VOLATILE_LABELS.contains(&label) {
        return;
    }
    keep_structural(label, following_text(node), found);
}

/// The next sibling cell's text, unless that cell is itself a label or opens with one: an empty
/// `文号` cell is followed by the next pair's label, not by a value
/// (`<td>文号：</td><td>成文日期：2022年01月20日</td>`).
fn next_cell(element: ElementRef<'_>, tags: &[&str]) -> Option<String> {
    let next = element
        .next_siblings()
        .filter_map(ElementRef::wrap)
        .find(|e| tags.contains(&e.value().name()))?;
    let value = text::visible_text_within(next, MAX_VALUE_CHARS)?;
    if known_label(&value).is_some() || opens_with_label(&value) || holds_label(next) {
        return None;
    }
    // The next pair printed in the same cell (`<td>和义县财政局作者：张三</td>`) is not the value.
    Some(value[..value_end(&value)].to_string())
}

/// The cell under a label cell in a table whose labels make a header row and whose values are the
/// row below (`<tr><th>索引号</th><th>发布机构</th></tr><tr><td>…</td><td>…</td></tr>`): only
/// when every cell of the row is a label, the row below has as many cells, and none of them is one.
fn cell_below(element: ElementRef<'_>) -> Option<String> {
    let is_label_cell = |cell: &ElementRef<'_>| {
        text::raw_text_within(*cell, MAX_LABEL_TEXT_CHARS)
            .is_some_and(|t| known_label(&t).is_some())
    };
    let row = element
        .parent()
        .and_then(ElementRef::wrap)
        .filter(|r| r.value().name() == "tr")?;
    let labels = row_cells(row);
    if labels.len() < 2 || !labels.iter().all(is_label_cell) {
        return None;
    }
    let column = labels.iter().position(|c| c.id() == element.id())?;
    let below = row
        .next_siblings()
        .filter_map(ElementRef::wrap)
        .find(|e| e.value().name() == "tr")?;
    let values = row_cells(below);
    let holds_a_label = |cell: &ElementRef<'_>| {
        is_label_cell(cell)
            || text::visible_text_within(*cell, MAX_VALUE_CHARS)
                .is_none_or(|t| opens_with_label(&t))
    };
    if values.len() != labels.len() || values.iter().any(holds_a_label) {
        return None;
    }
    text::visible_text_within(values[column], MAX_VALUE_CHARS)
}

/// The cells of a table row.
fn row_cells(row: ElementRef<'_>) -> Vec<ElementRef<'_>> {
    row.children()
        .filter_map(ElementRef::wrap)
        .filter(|e| matches!(e.value().name(), "th" | "td"))
        .collect()
}

/// Text that starts with `label：` for a label nianbao knows.
fn opens_with_label(text: &str) -> bool {
    INLINE_LABEL
        .find(text.trim_start())
        .is_some_and(|m| m.start() == 0)
}

/// Whether an element holds a label element of its own (`<div><span>主题分类</span>…</div>`):
/// the next pair of a metadata grid, which ends the value of an empty one before it.
fn holds_label(element: ElementRef<'_>) -> bool {
    element
        .descendants()
        .filter_map(ElementRef::wrap)
        .filter_map(|e| text::raw_text_within(e, MAX_LABEL_TEXT_CHARS))
        .any(|own| known_label(&own).is_some())
}

/// The text that follows a label (element or text node) inside its parent, up to the next label
/// element, the next element holding one, a text node opening the next pair (`…</em>作者：`), or
/// where `value_end` says the value ends.
fn following_text(label: ego_tree::NodeRef<'_, Node>) -> Option<String> {
    let mut value = String::new();
    for sibling in label.next_siblings() {
        match sibling.value() {
            Node::Text(t) => {
                let t: &str = t;
                let start = t.trim_start();
                if !value.trim().is_empty()
                    && (opens_with_label(start) || (!start.is_empty() && value_end(start) == 0))
                {
                    break;
                }
                value.push_str(t);
            }
            Node::Element(_) => {
                let Some(e) = ElementRef::wrap(sibling) else {
                    continue;
                };
                if text::is_skipped(e.value().name()) {
                    continue;
                }
                let t = text::visible_text_within(e, MAX_VALUE_CHARS)?;
                let t = t.trim_start();
                let end = value_end(t);
                if known_label(t).is_some() || holds_label(e) || end == 0 {
                    break;
                }
                value.push(' ');
                value.push_str(&t[..end]);
                // The next pair starts inside this element (`<span>某局 作者：张三</span>`).
                if end < t.len() {
                    break;
                }
            }
            _ => {}
        }
        if value.chars().count() > MAX_VALUE_CHARS {
            return None;
        }
    }
    // Text run on after the value in the same node (`某局 【打印本页】`, `某局 编辑：张三`).
    value.truncate(value_end(&value));
    Some(value)
}

/// `label：value` pairs in one text line; a value runs to the next label, known or not.
fn inline_fields(line: &str, found: &mut Labelled) {
    if line.chars().count() > MAX_VALUE_CHARS * 2 {
        return;
    }
    let matches: Vec<regex::Match<'_>> = INLINE_LABEL
        .find_iter(line)
        .filter(|m| {
            // `新闻来源：` is not the label `来源`: a label starts a line or follows a gap (or
            // opens with its own bracket, `…办公室【发布日期】`).
            // `1.索引号：…` is a numbered sentence explaining the label (a guide), not a field.
            // Furniture and publishing labels end a value even where a span printed right
            // after it leaves no gap (`信息来源：区教育局浏览次数：`): no value ends with them.
            let before = line[..m.start()].trim_end();
            (m.as_str().starts_with(['【', '[', '［'])
                || line[..m.start()]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !is_han(c))
                || known_label(m.as_str()).is_some_and(ends_a_value_anywhere))
                && !is_enumerator(before)
        })
        .collect();
    for (i, m) in matches.iter().enumerate() {
        let Some(label) = known_label(m.as_str()) else {
            continue;
        };
        if found.fields.contains_key(label) || VOLATILE_LABELS.contains(&label) {
            continue;
        }
        let end = matches.get(i + 1).map_or(line.len(), |next| next.start());
        let rest = line.get(m.end()..end).unwrap_or_default();
        let rest = rest.get(..value_end(rest)).unwrap_or_default();
        match accept_value(rest) {
            Some(value) => {
                found.fields.insert(label.to_string(), value);
                found.inline.insert(label.to_string());
            }
            None if collapse(rest).is_empty() => {
                found.blank.insert(label.to_string());
            }
            None => {}
        }
    }
}

/// The `BARE_LABELS` that name the issuing body.
const ISSUER_BARE_LABELS: &[&str] = &["发布机构", "发布单位", "发文机关", "发布机关"];

/// `索引号 113600MB1234567X/2023-00012`: a `BARE_LABELS` label opening a line with no colon, and
/// its value, when the rest of the line is that field's value by its shape alone.
fn bare_field(line: &str) -> Option<(&'static str, String)> {
    let m = BARE_LABEL.find(line)?;
    let label = known_label(m.as_str())?;
    let rest = &line[m.end()..];
    let value = accept_value(&rest[..value_end(rest)])?;
    let fits = match label {
        "索引号" | "信息索引号" => {
            super::shape::fits(label, &value) && !value.contains(' ')
        }
        "发布日期" | "公开日期" | "发布时间" => {
            value.starts_with(|c: char| c.is_ascii_digit() || "〇零○一二".contains(c))
                && crate::dates::parse_date(&value).is_some()
        }
        _ => text::is_org_name(&value),
    };
    fits.then_some((label, value))
}

/// Labels that end the value before them even with no gap between: the page furniture and the
/// publishing labels (发布日期, 发布时间, 发布机构).
fn ends_a_value_anywhere(label: &str) -> bool {
    VOLATILE_LABELS.contains(&label) || label.starts_with("发布")
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}')
}

/// Text ending in a list number: `1.`, `3、`, `（2）`, `二、`.
fn is_enumerator(before: &str) -> bool {
    let mut chars = before.chars().rev();
    let numeral =
        |c: char| c.is_ascii_digit() || "一二三四五六七八九十０１２３４５６７８９".contains(c);
    match chars.next() {
        Some('.' | '．' | '、' | ')' | '）') => chars.next().is_some_and(numeral),
        _ => false,
    }
}

/// A label's value as printed, without the label punctuation that sits outside the label
/// element (`<strong>索引号</strong>：000014348/…`): colons, spaces, `&nbsp;`, `&ensp;`, `|`.
fn accept_value(raw: &str) -> Option<String> {
    let value = collapse(raw);
    let value = value.trim_matches(|c: char| c.is_whitespace() || c == '|' || COLONS.contains(&c));
    if value.is_empty() || value.chars().count() > MAX_VALUE_CHARS {
        return None;
    }
    Some(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `known_label` stops early on long text; every known label, however padded and in either
    /// script, is still found, and text one character past a label is not one.
    #[test]
    fn known_labels_are_found_however_long_their_padding() {
        for label in all_labels() {
            let padded: String = label.chars().flat_map(|c| [c, '\u{3000}', ' ']).collect();
            assert_eq!(
                known_label(&format!("【{padded}】：")),
                Some(label),
                "{padded:?}"
            );
            let traditional: String = label
                .chars()
                .map(|c| traditional_forms(c).chars().next().unwrap_or(c))
                .collect();
            assert_eq!(known_label(&traditional), Some(label), "{traditional:?}");
            assert_eq!(known_label(&format!("{label}的")), None);
        }
        assert_eq!(known_label(&"政府信息公开".repeat(1000)), None);
    }

    #[test]
    fn labels_normalise_to_canonical_simplified() {
        let cases = [
            ("索\u{2002}引\u{2002}号", "索引号"),
            ("索 引 号：", "索引号"),
            ("索\u{3000}引\u{3000}号:", "索引号"),
            ("文\u{a0}\u{a0}\u{a0}\u{a0}号", "文号"),
            ("\n  发布机构 \t", "发布机构"),
            ("【发布日期】", "发布日期"),
            ("索引號", "索引号"),
            ("發布機構", "发布机构"),
            ("發佈日期：", "发布日期"),
            ("來\u{3000}\u{3000}源", "来源"),
            ("文號", "文号"),
            ("發文字號", "发文字号"),
            ("主題分類", "主题分类"),
            ("有\u{2002}效\u{2002}性", "有效性"),
            ("\u{feff}名\u{200b}称", "名称"),
        ];
        for (raw, want) in cases {
            assert_eq!(normalise_label(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn inline_pairs_split_at_next_label() {
        let cases: &[(&str, &[(&str, &str)])] = &[
            (
                "发布日期：2016-11-22 浏览次数： 信息来源：省发改委",
                &[("发布日期", "2016-11-22"), ("信息来源", "省发改委")],
            ),
            (
                "索 引 号：ATS001-2018-000001 发布機構：阿图什政府网",
                &[
                    ("索引号", "ATS001-2018-000001"),
                    ("发布机构", "阿图什政府网"),
                ],
            ),
            (
                "发布时间：2022-05-06 15:16 阅读量：12",
                &[("发布时间", "2022-05-06 15:16")],
            ),
            ("新闻来源：新华社", &[]),
            ("来源:", &[]),
        ];
        for (line, want) in cases {
            let mut found = Labelled::default();
            inline_fields(line, &mut found);
            let got: Vec<(&str, &str)> = found
                .fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            assert_eq!(got.len(), want.len(), "{line}: {got:?}");
            for pair in *want {
                assert!(got.contains(pair), "{line}: {got:?} lacks {pair:?}");
            }
        }
    }
}
