//! Table 三 (依申请) read from a block's rows: its row and column keys, the header that places the
//! columns, rows a cell stream broke in two rejoined, and the rows of figures no template row names.

use std::cell::OnceCell;

use super::super::label::{CellState, normalise, read_value};
use super::super::{Cell, Section};
use super::{Block, Slot, col_label, distinct, is_value, labels, trailing_values};

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
pub(super) fn t3_row_key(labels: &[String]) -> Option<(&'static str, String)> {
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
