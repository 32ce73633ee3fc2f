//! Sections 二, 三 and 四 read from table rows: which table a block of rows is, the stable row and
//! column keys of each cell, and the cells themselves. Rows come from an HTML grid (`aligned`:
//! slots line up under their headers) or from a flattened cell stream (only the order is known).
//! Table 三, the largest, is read in `t3`; tables 二 and 四 here.

mod t3;

use t3::t3_row_key;
pub(super) use t3::{T3_COLS, read_t3};

use super::headings::{not_a_row, section_heading};
use super::label::{CellState, normalise, read_value};
use super::{Cell, Section};

/// One slot of a row: its text and the cell it belongs to (a spanning cell fills several slots).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub text: String,
    pub cell: usize,
    /// The grid row or text line it was printed on.
    pub line: usize,
}

/// Longest text a spanning cell repeats in the slots it covers after its first in a row. Labels
/// and headers a reader places by column are far shorter; a longer cell (a note, a paragraph)
/// keeps its text in its first slot only, the others empty: repeated over a sheet's width or a
/// grid's million slots, one such cell cost gigabytes and minutes.
pub const MAX_SPANNED_TEXT: usize = 1024;

impl Slot {
    /// This slot as repeated in the next slot the same cell covers.
    pub fn spanned(&self) -> Slot {
        Slot {
            text: if self.text.len() <= MAX_SPANNED_TEXT {
                self.text.clone()
            } else {
                String::new()
            },
            cell: self.cell,
            line: self.line,
        }
    }
}

/// Rows of one table as read.
#[derive(Debug, Clone, Default)]
pub struct Block {
    pub rows: Vec<Vec<Slot>>,
    /// Slots line up under the header cells (an HTML grid); false for a cell stream.
    pub aligned: bool,
}

impl Block {
    fn any_label(&self, needles: &[&str]) -> bool {
        self.rows.iter().flatten().any(|slot| {
            let label = normalise(&slot.text);
            needles.iter().any(|n| label.contains(n))
        })
    }

    /// A cell that says exactly `label` (a header cell, not a sentence that mentions it).
    fn is_label(&self, label: &str) -> bool {
        self.rows
            .iter()
            .flatten()
            .any(|slot| normalise(&slot.text) == label)
    }

    /// Which section this block is, if any.
    pub fn section(&self) -> Option<Section> {
        if self.any_label(&["本年新收", "自然人", "上年结转"]) {
            Some(Section::Applications)
        } else if self.any_label(&["行政复议"])
            && (self.any_label(&["结果维持", "尚未审结"])
                || (self.is_label("行政复议") && self.is_label("行政诉讼")))
        {
            Some(Section::Reviews)
        } else if self.any_label(&["第二十条", "信息内容", "处理决定数量", "行政事业性收费"])
        {
            Some(Section::Proactive)
        } else if self.rows.iter().any(|r| t3_row_key(&labels(r)).is_some()) {
            Some(Section::Applications)
        } else {
            None
        }
    }
}

fn is_value(text: &str) -> bool {
    !matches!(read_value(text).state, CellState::Text)
}

/// The distinct cells of a row in order.
fn distinct(row: &[Slot]) -> Vec<&Slot> {
    let mut out: Vec<&Slot> = Vec::new();
    for slot in row {
        if out.last().is_none_or(|last| last.cell != slot.cell) {
            out.push(slot);
        }
    }
    out
}

/// The label cells of a row: the distinct cells before its trailing values.
fn labels(row: &[Slot]) -> Vec<String> {
    let cells = distinct(row);
    let values = trailing_values(&cells);
    cells[..cells.len() - values]
        .iter()
        .map(|s| s.text.clone())
        .collect()
}

/// How many cells at the end of a row read as values (numbers, zeros, blanks, n/a).
fn trailing_values(cells: &[&Slot]) -> usize {
    cells.iter().rev().take_while(|s| is_value(&s.text)).count()
}

fn col_label(key: &str) -> &'static str {
    match key {
        "natural" => "自然人",
        "commercial" => "商业企业",
        "research" => "科研机构",
        "nonprofit" => "社会公益组织",
        "legal" => "法律服务机构",
        "org_other" => "其他",
        "total" => "总计",
        "upheld" => "结果维持",
        "corrected" => "结果纠正",
        "other" => "其他结果",
        "pending" => "尚未审结",
        _ => "",
    }
}

/// Table 四: the row of 15 values (行政复议 5, 未经复议直接起诉 5, 复议后起诉 5), by position.
/// More than 15 are read only when the extra cells before them are blank (an empty label cell);
/// a table with none such, or with another layout (one row per 复议/诉讼), goes to `unread`.
pub fn read_t4(blocks: &[&Block], cells: &mut Vec<Cell>, unread: &mut Vec<String>) {
    const ROWS: [(&str, &str); 3] = [
        ("review", "行政复议"),
        ("suit_direct", "行政诉讼 未经复议直接起诉"),
        ("suit_after_review", "行政诉讼 复议后起诉"),
    ];
    const COLS: [&str; 5] = ["upheld", "corrected", "other", "pending", "total"];
    let mut why = None;
    for block in blocks {
        let Some(row) = block.rows.iter().rev().find(|row| {
            let d = distinct(row);
            trailing_values(&d) >= 15
        }) else {
            why.get_or_insert_with(|| "四: no row of 15 values".to_string());
            continue;
        };
        let d = distinct(row);
        let extra = &d[d.len() - trailing_values(&d)..d.len() - 15];
        if !extra
            .iter()
            .all(|s| matches!(read_value(&s.text).state, CellState::Blank))
        {
            why = Some(format!("四: a row of {} values, not 15", 15 + extra.len()));
            continue;
        }
        let values = &d[d.len() - 15..];
        for (i, slot) in values.iter().enumerate() {
            let (row_key, row_label) = ROWS[i / 5];
            let col = COLS[i % 5];
            cells.push(Cell::new(
                Section::Reviews,
                row_key,
                col,
                row_label,
                col_label(col),
                &slot.text,
            ));
        }
        return;
    }
    unread.extend(why);
}

fn t2_row_key(label: &str) -> Option<&'static str> {
    let label = normalise(label);
    Some(match label.as_str() {
        "规章" => "regulations",
        l if l.contains("规范性文件") => "normative_docs",
        l if l.contains("行政许可") => "licensing",
        l if l.contains("其他对外管理服务") => "other_services",
        l if l.contains("行政处罚") => "penalty",
        l if l.contains("行政强制") => "enforcement",
        l if l.contains("行政事业性收费") => "fees",
        l if l.contains("政府集中采购") => "procurement",
        _ => return None,
    })
}

/// Whether a table 二 row that names no template row reads as one of information content (其他主动
/// 公开文件): not a caption (第二十条第（一）项) or header of the template, not a label of table 三 or
/// 四, not a note, unit, total or page footer (`headings::not_a_row`), nor one without a word. Such
/// a row taken as an `extra_N` would be summed downstream, or flag the report as off-template.
fn reads_as_t2_content(label: &str) -> bool {
    let text = normalise(label);
    let template = text.contains("第二十条")
        || text == "信息内容"
        || t2_col_key(label).is_some()
        || t3_row_key(&[label.to_string()]).is_some()
        || ["申请人情况", "法人或其他组织", "行政复议", "行政诉讼"]
            .iter()
            .any(|l| text.contains(l))
        || !col_label_key(&text).is_empty();
    let worded = text.chars().filter(|c| c.is_alphabetic()).count() >= 2;
    worded && !template && !not_a_row(label) && section_heading(label).is_none()
}

/// The key of a table 三 or 四 column header (`自然人` → `natural`), empty for any other label.
fn col_label_key(text: &str) -> &'static str {
    [
        "natural",
        "commercial",
        "research",
        "nonprofit",
        "legal",
        "total",
        "upheld",
        "corrected",
        "other",
        "pending",
    ]
    .into_iter()
    .find(|key| col_label(key) == text)
    .unwrap_or("")
}

fn t2_col_key(label: &str) -> Option<&'static str> {
    let label = normalise(label);
    Some(match label.as_str() {
        l if l.contains("制发") => "issued",
        l if l.contains("废止") => "repealed",
        l if l.contains("现行有效") => "in_force",
        l if l.contains("收费金额") => "fee_amount",
        l if l.contains("新制作") => "made",
        l if l.contains("新公开") => "published",
        l if l.contains("对外公开总数") => "public_total",
        l if l.contains("上一年项目") => "items_last_year",
        l if l.contains("增/减") || l.contains("增减") => "items_change",
        l if l.contains("采购项目数") => "procurement_items",
        l if l.contains("采购总金额") => "procurement_amount",
        l if l.contains("处理决定") => "decisions",
        _ => return None,
    })
}

/// Table 二, row by row: a row holding `信息内容` sets the column headers for the rows after it.
pub fn read_t2(blocks: &[&Block], cells: &mut Vec<Cell>) {
    let mut extra = 0;
    for block in blocks {
        let mut header: Vec<String> = Vec::new();
        for row in &block.rows {
            let d = distinct(row);
            let values = trailing_values(&d);
            let label_cells: Vec<&str> = d[..d.len() - values]
                .iter()
                .map(|s| s.text.as_str())
                .collect();
            if let Some(at) = label_cells.iter().position(|l| normalise(l) == "信息内容") {
                let end = if values > 0 {
                    label_cells.len() - 1
                } else {
                    label_cells.len()
                };
                header = label_cells[(at + 1).min(end)..end]
                    .iter()
                    .map(|s| s.to_string())
                    .collect();
            }
            // A template row's label, then its values whatever they hold: a text cell among the
            // figures (`行政许可 | 120 | +3 | 150`, `无`, `增加3`) is a value of the row, not the
            // row's label.
            let template_row = d
                .iter()
                .position(|c| t2_row_key(&c.text).is_some())
                .filter(|at| *at + 1 < d.len() && *at < d.len() - values);
            if let Some(at) = template_row {
                let row_label = d[at].text.as_str();
                let row_key = t2_row_key(row_label).unwrap_or_default();
                push_t2_row(cells, &header, row_key, row_label, &d[at + 1..]);
                continue;
            }
            if values == 0 || label_cells.is_empty() {
                continue;
            }
            let row_label = label_cells[label_cells.len() - 1];
            let row_key = match t2_row_key(row_label) {
                Some(key) => key.to_string(),
                None if !reads_as_t2_content(row_label) => continue,
                None => {
                    extra += 1;
                    format!("extra_{extra}")
                }
            };
            push_t2_row(cells, &header, &row_key, row_label, &d[d.len() - values..]);
        }
    }
}

/// One table 二 row's values, each under the header's column at its place.
fn push_t2_row(
    cells: &mut Vec<Cell>,
    header: &[String],
    row_key: &str,
    row_label: &str,
    values: &[&Slot],
) {
    for (i, slot) in values.iter().enumerate() {
        let col_label = header.get(i).cloned().unwrap_or_default();
        let col_key = t2_col_key(&col_label)
            .map(str::to_string)
            .unwrap_or_else(|| format!("value_{}", i + 1));
        cells.push(Cell::new(
            Section::Proactive,
            row_key,
            &col_key,
            row_label,
            &col_label,
            &slot.text,
        ));
    }
}

/// One cell per key. A table printed twice (a page break that repeats rows, the same table in two
/// formats) gives its cells again: they are kept once. Two different figures for one cell (two
/// reports' tables in one text, a county's and its department's) leave no figure: which report
/// is this one's is not for the reader to guess, so the cell is listed unread with both.
pub fn one_per_key(cells: &mut Vec<Cell>, unread: &mut Vec<String>) {
    let mut first: std::collections::HashMap<(u8, &str, &str), usize> =
        std::collections::HashMap::new();
    let mut conflicting = vec![false; cells.len()];
    let mut repeated = vec![false; cells.len()];
    for (i, c) in cells.iter().enumerate() {
        match first.entry((c.table, c.row_key.as_str(), c.col_key.as_str())) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(i);
            }
            std::collections::hash_map::Entry::Occupied(slot) => {
                repeated[i] = true;
                let at = *slot.get();
                if normalise(&cells[at].raw) != normalise(&c.raw) {
                    if !conflicting[at] {
                        unread.push(format!(
                            "{} {} / {}: printed twice, {} and {}: not read",
                            ["二", "三", "四"][usize::from(c.table.clamp(2, 4) - 2)],
                            cells[at].row_label,
                            cells[at].col_label,
                            cells[at].raw,
                            c.raw
                        ));
                    }
                    conflicting[at] = true;
                }
            }
        }
    }
    let dropped: Vec<bool> = cells
        .iter()
        .enumerate()
        .map(|(i, c)| {
            repeated[i]
                || first
                    .get(&(c.table, c.row_key.as_str(), c.col_key.as_str()))
                    .is_some_and(|&at| conflicting[at])
        })
        .collect();
    let mut index = 0;
    cells.retain(|_| {
        let keep = !dropped[index];
        index += 1;
        keep
    });
}
