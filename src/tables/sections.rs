//! Sections 二, 三 and 四 read from table rows: which table a block of rows is, the stable row and
//! column keys of each cell, and the cells themselves. Rows come from an HTML grid (`aligned`:
//! slots line up under their headers) or from a flattened cell stream (only the order is known).

use std::cell::OnceCell;

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

/// Table 三 row keys, matched on the most specific label (the rightmost that matches).
const T3_ROWS: &[(&str, &str)] = &[
    ("本年新收", "new"),
    ("上年结转", "carried_over"),
    ("结转下年度", "carried_forward"),
    ("予以公开", "public"),
    ("部分公开", "partial"),
    ("国家秘密", "withheld_1"),
    ("禁止", "withheld_2"),
    ("三安全一稳定", "withheld_3"),
    ("第三方", "withheld_4"),
    ("内部事务", "withheld_5"),
    ("过程性信息", "withheld_6"),
    ("行政执法案卷", "withheld_7"),
    ("行政查询事项", "withheld_8"),
    ("不掌握", "unavailable_1"),
    ("另行制作", "unavailable_2"),
    ("没有现成信息", "unavailable_2"),
    ("仍不明确", "unavailable_3"),
    ("信访举报投诉", "not_processed_1"),
    ("重复申请", "not_processed_2"),
    ("公开出版物", "not_processed_3"),
    ("大量反复申请", "not_processed_4"),
    ("确认或重新出具", "not_processed_5"),
    ("逾期不补正", "other_1"),
    ("缴纳费用", "other_2"),
    ("收费通知", "other_2"),
    ("缴费", "other_2"),
    ("其他处理", "other"),
    ("(七)总计", "total"),
    ("(七)合计", "total"),
];

/// Table 三 columns in printed order.
pub const T3_COLS: [&str; 7] = [
    "natural",
    "commercial",
    "research",
    "nonprofit",
    "legal",
    "org_other",
    "total",
];

fn t3_label_key(label: &str) -> Option<&'static str> {
    let label = normalise(label);
    // `3.其他`, `（3）其他`, `③其他`: the last sub-item of （六） (2021).
    if sub_item(&label) == Some("其他") {
        return Some("other_3");
    }
    if label == "总计" || label == "合计" {
        return Some("total");
    }
    T3_ROWS
        .iter()
        .find(|(needle, _)| label.contains(needle))
        .map(|(_, key)| *key)
}

/// The text after a sub-item's number (`1.`, `1、`, `1．`, `（1）`, `①`, `⑴`, `⒈`, or a bare `1`),
/// for a label already normalised; `None` for a label that is not a numbered sub-item.
fn sub_item(label: &str) -> Option<&str> {
    let mut chars = label.chars();
    let first = chars.next()?;
    if matches!(first, '\u{2460}'..='\u{249B}') {
        // Circled, parenthesised and full-stop digits: ①…⑳, ⑴…⒇, ⒈…⒛.
        return Some(chars.as_str().trim_start_matches(['.', '、']));
    }
    let rest = label.strip_prefix('(').unwrap_or(label);
    let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 || digits > 2 {
        return None;
    }
    let rest = &rest[digits..];
    let rest = if label.starts_with('(') {
        rest.strip_prefix(')')?
    } else {
        rest.strip_prefix(['.', '、', ')']).unwrap_or(rest)
    };
    Some(rest)
}

/// The key of a data row of table 三: a row with at least one value cell whose label matches.
/// A row that ends in a label holds a value only where a cell says one: an empty cell between
/// header labels (a corner, a cell a merged header covers) is no value. A row whose last label
/// is a column's (合计) after other columns' (商业企业 …) is the header's, whatever empty cells
/// follow it (a sheet prints the cells of 总计 merged down from the row above empty).
fn t3_data_row(row: &[Slot]) -> Option<(&'static str, String)> {
    let cells = distinct(row);
    let stated = |c: &&Slot| is_value(&c.text) && !c.text.trim().is_empty();
    if trailing_values(&cells) == 0 && !cells.iter().any(stated) {
        return None;
    }
    let labels = labels(row);
    if let Some((own, before)) = labels.split_last()
        && t3_col_key(own).is_some()
        && before
            .iter()
            .any(|l| t3_col_key(l).is_some_and(|k| k != "total"))
    {
        return None;
    }
    t3_row_key(&labels)
}

/// A row's key from its labels: its own (rightmost) label, else the nearest label to its left
/// that names a row (a label wrapped onto a second cell). A numbered sub-item keeps its own
/// label or none: `2.逾期未交` under （六）其他处理 is no `other` row.
fn t3_row_key(labels: &[String]) -> Option<(&'static str, String)> {
    let own = labels.last()?;
    if let Some(key) = t3_label_key(own) {
        return Some((key, own.clone()));
    }
    let own_text = normalise(own);
    if sub_item(&own_text).is_some() {
        return None;
    }
    let left = labels
        .iter()
        .rev()
        .skip(1)
        .find_map(|l| t3_label_key(l).map(|key| (key, l.clone())));
    match left {
        // `其他` unnumbered under （六）其他处理: its third sub-item.
        Some(("other", _)) if own_text == "其他" => Some(("other_3", own.clone())),
        left => left,
    }
}

fn t3_col_key(label: &str) -> Option<&'static str> {
    let label = normalise(label);
    Some(match label.as_str() {
        l if l.contains("自然人") => "natural",
        l if l.contains("商业企业") => "commercial",
        l if l.contains("科研机构") => "research",
        l if l.contains("社会公益") => "nonprofit",
        l if l.contains("法律服务") => "legal",
        "其他" | "其它" => "org_other",
        "总计" | "合计" => "total",
        _ => return None,
    })
}

/// Column keys by slot from the header rows above the first data row, or from every row of a
/// table that holds only the header (a header printed as a table of its own). A 总计 or 合计
/// under 法人或其他组织 is that group's subtotal, not the table's total: no key.
fn t3_header_columns(block: &Block) -> Option<Vec<Option<&'static str>>> {
    let first_data = block
        .rows
        .iter()
        .position(|r| t3_data_row(r).is_some())
        .unwrap_or(block.rows.len());
    let width = block.rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut columns = vec![None; width];
    let mut under_org = vec![false; width];
    for row in block.rows[..first_data].iter() {
        // A spreadsheet's merged 法人或其他组织 prints in its first cell, the cells it covers
        // empty: those after it, up to the next header, are under it too.
        let mut org_run = false;
        for (i, slot) in row.iter().enumerate() {
            if slot.text.trim().is_empty() {
                under_org[i] |= org_run;
                continue;
            }
            org_run = false;
            match t3_col_key(&slot.text) {
                Some("total") if under_org[i] => columns[i] = None,
                Some(key) => columns[i] = Some(key),
                None if normalise(&slot.text).contains("法人或其他组织") => {
                    under_org[i] = true;
                    org_run = true;
                }
                None => {}
            }
        }
    }
    let found: Vec<_> = columns.iter().flatten().collect();
    let complete = T3_COLS
        .iter()
        .all(|k| found.iter().filter(|f| **f == k).count() == 1);
    complete.then_some(columns)
}

/// A block whose labels show a column outside the template (小计, or 合计 beside 总计): its rows
/// hold more values than the template's seven, so they cannot be read by position.
fn has_extra_column(block: &Block) -> bool {
    block.any_label(&["小计"]) || (block.any_label(&["合计"]) && block.any_label(&["总计"]))
}

/// Where a row's template values sit among its distinct cells when no header places them: the
/// seven values after its labels, in printed order. More than seven are read only when the extra
/// cells are blank and the table shows no extra column: in a grid they are empty label cells
/// before the values (a group cell left empty), in a cell stream empty label cells of the next
/// row (a merged cell a DOC prints as an empty cell). Anything else is not read: a number in the
/// wrong column is worse than none. `extra_column` is `has_extra_column(block)`, worked out once
/// a block (it reads every cell: asked again for each row, a sheet of many wide rows took
/// minutes).
fn t3_positional(block: &Block, extra_column: &OnceCell<bool>, cells: &[&Slot]) -> Option<usize> {
    let n = T3_COLS.len();
    let values = trailing_values(cells);
    let first = cells.len() - values;
    if values < n {
        return None;
    }
    if values == n {
        return Some(first);
    }
    if *extra_column.get_or_init(|| has_extra_column(block)) {
        return None;
    }
    let blank = |s: &&Slot| matches!(read_value(&s.text).state, CellState::Blank);
    if block.aligned {
        cells[first..cells.len() - n]
            .iter()
            .all(blank)
            .then_some(cells.len() - n)
    } else {
        cells[first + n..].iter().all(blank).then_some(first)
    }
}

/// Whether a label's text begins with an ordinal (`一、`, `（二）`, `3.`, `①`): it starts a row
/// or group of table 三.
fn has_ordinal(label: &str) -> bool {
    let label = normalise(label);
    if sub_item(&label).is_some() {
        return true;
    }
    let rest = label.strip_prefix('(').unwrap_or(&label);
    let numerals = rest
        .chars()
        .take_while(|c| "一二三四五六七八九十".contains(*c))
        .count();
    let after = rest.chars().nth(numerals);
    numerals > 0 && (after == Some('、') || (label.starts_with('(') && after == Some(')')))
}

/// Whether `part`, printed on a line after `label`'s, is the rest of `label` wrapped over lines:
/// it has no ordinal and names no column or header, and it names no row on its own unless
/// `label` is a numbered label that names none (cut short: `2.没有现成信` + `息需要另行制作`).
fn continues(label: &str, part: &str) -> bool {
    let header = |text: &str| {
        let text = normalise(text);
        t3_col_key(&text).is_some()
            || text.contains("法人或其他组织")
            || text.contains("申请人情况")
    };
    if has_ordinal(part) || header(part) {
        return false;
    }
    t3_label_key(part).is_none() || (has_ordinal(label) && t3_label_key(label).is_none())
}

/// Table 三's rows from extracted text with each label's wrapped parts joined. A part that
/// `continues` a label is its rest: of the row above when it comes on a line after that row's
/// values (the values beside a label's first line), else of the label cell on the line before
/// (the values beside a later line). Figures are never moved.
fn rejoined(block: &Block) -> Block {
    let mut rows: Vec<Vec<Slot>> = Vec::new();
    for row in &block.rows {
        let values = trailing_values(&distinct(row));
        let (labels, vals) = row.split_at(row.len() - values);
        let mut labels: Vec<Slot> = labels.to_vec();
        if let Some(above) = rows.last_mut() {
            let above_values = trailing_values(&distinct(above));
            let own = above.len() - above_values;
            let values_line = above.last().map(|s| s.line);
            while above_values > 0
                && own > 0
                && labels.first().is_some_and(|s| {
                    Some(s.line) > values_line && continues(&above[own - 1].text, &s.text)
                })
            {
                let part = labels.remove(0);
                above[own - 1].text.push_str(&part.text);
            }
        }
        let mut joined: Vec<Slot> = Vec::new();
        for slot in labels {
            match joined.last_mut() {
                Some(last) if slot.line > last.line && continues(&last.text, &slot.text) => {
                    last.text.push_str(&slot.text);
                    last.line = slot.line;
                }
                _ => joined.push(slot),
            }
        }
        joined.extend(vals.iter().cloned());
        rows.push(joined);
    }
    Block {
        rows,
        aligned: false,
    }
}

/// Table 三, each row under its column keys; rows whose values cannot be placed go to `unread`.
pub fn read_t3(blocks: &[&Block], cells: &mut Vec<Cell>, unread: &mut Vec<String>) {
    let mut columns: Option<Vec<Option<&'static str>>> = None;
    let start = cells.len();
    for block in blocks {
        let rejoined_block;
        let block = if block.aligned {
            *block
        } else {
            rejoined_block = rejoined(block);
            &rejoined_block
        };
        if block.aligned {
            columns = t3_header_columns(block).or(columns);
        }
        let extra_column = OnceCell::new();
        for row in &block.rows {
            let Some((row_key, row_label)) = t3_data_row(row) else {
                if let Some(why) = unplaced(row) {
                    unread.push(why);
                }
                continue;
            };
            let mut push = |col: &str, text: &str| {
                cells.push(Cell::new(
                    Section::Applications,
                    row_key,
                    col,
                    &row_label,
                    col_label(col),
                    text,
                ));
            };
            match (&columns, block.aligned) {
                // The columns found above hold for rows as wide as the header.
                (Some(cols), true) if cols.len() == row.len() => {
                    let mut last_cell = None;
                    for (i, slot) in row.iter().enumerate() {
                        let Some(Some(col)) = cols.get(i) else {
                            continue;
                        };
                        if last_cell == Some(slot.cell) {
                            continue;
                        }
                        last_cell = Some(slot.cell);
                        push(col, &slot.text);
                    }
                }
                // A continuation laid out without the header's group cells: its values are the
                // header's value columns, counted from the right. A row wider than the header
                // has a cell the header does not place.
                (Some(cols), true) if row.len() < cols.len() => {
                    let first = cols.iter().position(Option::is_some).unwrap_or(cols.len());
                    let value_cols = &cols[first..];
                    let d = distinct(row);
                    let values = trailing_values(&d);
                    if values < value_cols.len() {
                        unread.push(format!(
                            "三 {row_label}: {values} values under a header of {} columns",
                            value_cols.len()
                        ));
                        continue;
                    }
                    for (slot, col) in d[d.len() - value_cols.len()..].iter().zip(value_cols) {
                        if let Some(col) = col {
                            push(col, &slot.text);
                        }
                    }
                }
                _ => {
                    let d = distinct(row);
                    let Some(at) = t3_positional(block, &extra_column, &d) else {
                        unread.push(format!(
                            "三 {row_label}: {} values and no header to place them",
                            trailing_values(&d)
                        ));
                        continue;
                    };
                    for (slot, col) in d[at..].iter().zip(T3_COLS) {
                        push(col, &slot.text);
                    }
                }
            }
        }
    }
    // A 2021 table's （六）其他处理 printed as a row of its own above its three sub-items is a group
    // label (blank or a subtotal), not the 2019 `other` row.
    if cells[start..]
        .iter()
        .any(|c| c.row_key.starts_with("other_"))
    {
        cells.retain(|c| !(c.section == Section::Applications && c.row_key == "other"));
    }
}

/// Why a row of figures whose label names no template row is not read (`三 2.逾期未交: 7 values
/// beside a label that names no row`), rather than dropped without a word; `None` for a row
/// without figures or a header row.
fn unplaced(row: &[Slot]) -> Option<String> {
    let cells = distinct(row);
    let values = &cells[cells.len() - trailing_values(&cells)..];
    let stated = values.iter().filter(|s| !s.text.trim().is_empty()).count();
    let labels = labels(row);
    let own = labels.last()?;
    if stated == 0 || t3_col_key(own).is_some() {
        return None;
    }
    Some(format!(
        "三 {own}: {} values beside a label that names no row",
        values.len()
    ))
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
                None if normalise(row_label).contains("第二十条") => continue,
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
