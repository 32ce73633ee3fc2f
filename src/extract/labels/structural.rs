//! Label and value pairs in the markup for labels: table cells (beside or below), `<dt>`/`<dd>`,
//! a label element and the text after it in its parent, and a pair in one inline element.

use scraper::{ElementRef, Node};

use super::inline::{inline_fields, opens_with_label, value_end};
use super::{
    COLONS, Labelled, MAX_LABEL_TEXT_CHARS, MAX_VALUE_CHARS, VOLATILE_LABELS, accept_value,
    collapse, known_label, text,
};

/// `<th>label</th><td>value</td>`, `<dt>label</dt><dd>value</dd>`, and `<span>label</span>value`
/// / `<label>label</label><span>value</span>` / `label：<em>value</em>` where the value follows
/// inside the same parent; and `<span>label：value</span>`, a pair in one inline element.
pub(super) fn structural_fields(body: ElementRef<'_>, found: &mut Labelled) {
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
                // A value printed on the line under its label (`发布机构：<br>和义县民政局`): the
                // break before it is no empty value; one after it ends it, as below.
                if e.value().name() == "br" && value.trim().is_empty() {
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
