//! A spreadsheet's text as table blocks (`read_sheet_text`): each run of a sheet's rows a grid
//! of slots, as an HTML table's, cut at the report's section headings and where another table's
//! header starts.

use super::Section;
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
    // The table the rows so far are, from its header: a header of another table starts a new
    // one (two tables on a sheet with no heading between them).
    let mut table: Option<Section> = None;
    for line in text.lines() {
        if !line.contains('\t') {
            flush(&mut rows, &mut blocks);
            table = None;
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
            table = None;
            continue;
        }
        if let Some(header) = header_of(&filled) {
            if table.is_some_and(|t| t != header) {
                flush(&mut rows, &mut blocks);
            }
            table = Some(header);
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
                let spanning: Slot = slots[last].spanned();
                slots.push(spanning);
                continue;
            }
            cell += 1;
            slots.push(Slot {
                text: text.clone(),
                cell,
                line: out.len(),
            });
        }
        out.push(slots);
        if caption {
            since = out.len();
        }
    }
    out
}

/// The table whose header a row is part of: 四 when cells say 行政复议 and 行政诉讼, 三 when it
/// holds the corner note, 申请人情况 or 法人或其他组织, 二 when a cell is 信息内容 or the row is a
/// caption 第二十条第（N）项.
fn header_of(cells: &[&String]) -> Option<Section> {
    let labels: Vec<String> = cells.iter().map(|c| normalise(c)).collect();
    let any = |needle: &str| labels.iter().any(|l| l.contains(needle));
    let is = |label: &str| labels.iter().any(|l| l == label);
    if is("行政复议") && is("行政诉讼") {
        Some(Section::Reviews)
    } else if any("本列数据的勾稽关系") || any("申请人情况") || any("法人或其他组织")
    {
        Some(Section::Applications)
    } else if labels.iter().any(|l| l == "信息内容") || (labels.len() == 1 && any("第二十条"))
    {
        Some(Section::Proactive)
    } else {
        None
    }
}

/// A heading of the report's sections (一 to 六: `headings`).
pub(super) fn is_section_heading(text: &str) -> bool {
    super::headings::section_heading(text).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::sections::MAX_SPANNED_TEXT;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| c.to_string()).collect()
    }

    /// A caption spans the table; a long one (a note) only in its first slot: repeated over a
    /// sheet's width, 100 captions of 8 KB over 1,000 columns took 800 MB and two minutes.
    #[test]
    fn a_caption_spans_the_table_a_long_one_only_its_first_slot() {
        let long = "注".repeat(MAX_SPANNED_TEXT);
        let rows = grid_rows(vec![
            row(&["1", "2", "3", "4"]),
            row(&["第二十条第（一）项"]),
            row(&[long.as_str()]),
        ]);
        let texts = |r: &[Slot]| r.iter().map(|s| s.text.clone()).collect::<Vec<_>>();
        assert_eq!(texts(&rows[1]), vec!["第二十条第（一）项"; 4]);
        assert_eq!(texts(&rows[2]), [long.as_str(), "", "", ""]);
        assert!(rows[2].iter().all(|s| s.cell == rows[2][0].cell));
    }
}
