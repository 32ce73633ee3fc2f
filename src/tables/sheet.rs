//! A spreadsheet's text as table blocks (`read_sheet_text`): each run of a sheet's rows a grid
//! of slots, as an HTML table's, cut at the report's section headings.

use super::label::{CellState, normalise, read_value};
use super::sections::{Block, Slot};

pub(super) fn blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut rows: Vec<Vec<String>> = Vec::new();
    let flush = |rows: &mut Vec<Vec<String>>, blocks: &mut Vec<Block>| {
        if !rows.is_empty() {
            blocks.push(Block {
                rows: grid_rows(std::mem::take(rows)),
                aligned: true,
            });
        }
    };
    for line in text.lines() {
        if !line.contains('\t') {
            flush(&mut rows, &mut blocks);
            continue;
        }
        let mut cells: Vec<String> = line.split('\t').map(|c| c.trim().to_string()).collect();
        while cells.last().is_some_and(String::is_empty) {
            cells.pop();
        }
        let filled: Vec<&String> = cells.iter().filter(|c| !c.is_empty()).collect();
        if let [only] = filled.as_slice()
            && is_section_heading(only)
        {
            flush(&mut rows, &mut blocks);
            continue;
        }
        if !filled.is_empty() {
            rows.push(cells);
        }
    }
    flush(&mut rows, &mut blocks);
    blocks
}

/// A sheet's rows as grid slots, padded to the widest. The text keeps no merges, so the two a
/// table's reading needs are restored as an HTML grid has them (one cell over several slots):
/// a caption row (one label, in the first column: 第二十条第（八）项) spans the table, and a
/// row's empty cells after its last are its last cell's where nothing stands above them since
/// the last caption (a header over several columns) or where the row above ends in one such
/// cell over the same columns (a value under it: 本年收费金额, 采购总金额). Other empty cells
/// stay empty slots of their own: a blank value.
fn grid_rows(rows: Vec<Vec<String>>) -> Vec<Vec<Slot>> {
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    let text_only = |row: &[String]| {
        row.iter()
            .all(|c| c.is_empty() || matches!(read_value(c).state, CellState::Text))
    };
    let mut out: Vec<Vec<Slot>> = Vec::new();
    let mut since = 0;
    let mut cell = 0;
    for mut row in rows {
        row.resize(width, String::new());
        let last = row.iter().rposition(|c| !c.is_empty()).unwrap_or(0);
        let caption = last == 0 && text_only(&row);
        let spans = caption
            || (last + 1 < width
                && match out[since..]
                    .iter()
                    .rev()
                    .find(|above| above[last..].iter().any(|s| !s.text.is_empty()))
                {
                    None => text_only(&row),
                    Some(above) => {
                        !above[last].text.is_empty()
                            && above[last..].iter().all(|s| s.cell == above[last].cell)
                    }
                });
        let mut slots: Vec<Slot> = Vec::with_capacity(width);
        for (i, text) in row.iter().enumerate() {
            if spans && i > last {
                let spanning: Slot = slots[last].clone();
                slots.push(spanning);
                continue;
            }
            cell += 1;
            slots.push(Slot {
                text: text.clone(),
                cell,
            });
        }
        out.push(slots);
        if caption {
            since = out.len();
        }
    }
    out
}

/// The heading of statistics section 二, 三 or 四.
fn is_section_heading(text: &str) -> bool {
    let label = normalise(text);
    label.contains("主动公开政府信息情况")
        || label.contains("收到和处理政府信息公开申请情况")
        || (label.contains("行政复议") && label.contains("行政诉讼") && label.contains("情况"))
}
