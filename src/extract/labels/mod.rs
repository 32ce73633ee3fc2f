//! Labelled fields of an item page (索引号, 发布机构, 发布日期 ...): the labels nianbao knows and
//! their normalisation (padding, inner spans, colons, Traditional forms), here; the two ways pages
//! pair a label with its value, in `structural` (table cells, `<span>label</span>value`) and
//! `inline` (`label：value` text, where values end).

mod inline;
mod structural;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use super::text::{self, collapse};
use inline::{ISSUER_BARE_LABELS, bare_field, inline_fields};
use structural::structural_fields;

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
}
