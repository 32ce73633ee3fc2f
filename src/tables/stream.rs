//! Tables in text: which lines of a text hold table cells (`cell |` lines, tab-separated rows,
//! space-aligned rows) and runs of them as blocks of rows, for a page without HTML tables and for
//! text extracted from a document.

use super::label::{CellState, read_value};
use super::sections::{Block, Slot};
use super::{Section, sheet};

/// Which lines of a text hold table cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LineForms {
    /// `cell |` lines only (a page's own text: runs of spaces there are layout, not cells).
    Pipes,
    /// Also tab-separated and space-aligned rows (text extracted from a document).
    Extracted,
}

/// The cells one line holds, if it is a table line: `cell |` is one cell; a line of tab-separated
/// cells (the trailing tab ends the row; empty cells are kept: merged cells print empty) needs
/// two that are not empty; a line whose cells runs of two or more spaces set apart needs two
/// (an empty cell leaves no trace there, so its row reads short and is not placed by position).
fn line_cells(line: &str, forms: LineForms) -> Option<Vec<String>> {
    let trimmed = line.trim();
    if let Some(cell) = trimmed.strip_suffix('|') {
        return Some(vec![cell.trim().to_string()]);
    }
    if forms == LineForms::Pipes {
        return None;
    }
    if line.contains('\t') {
        let mut cells: Vec<String> = line
            .trim_end_matches(['\r', '\n'])
            .split('\t')
            .map(|c| c.trim().to_string())
            .collect();
        if cells.last().is_some_and(String::is_empty) {
            cells.pop();
        }
        return (cells.iter().filter(|c| !c.is_empty()).count() >= 2).then_some(cells);
    }
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut spaces = 0;
    for c in trimmed.chars() {
        if c.is_whitespace() {
            spaces += if c == '\u{3000}' { 2 } else { 1 };
            continue;
        }
        if spaces >= 2 && !cell.is_empty() {
            cells.push(std::mem::take(&mut cell));
        } else if spaces == 1 {
            cell.push(' ');
        }
        spaces = 0;
        cell.push(c);
    }
    if !cell.is_empty() {
        cells.push(cell);
    }
    (cells.len() >= 2).then_some(cells)
}
/// Runs of table lines (`line_cells`) as blocks of rows: a row is its label cells and the values
/// after them. In extracted text, up to two lines of one text cell between table lines are parts
/// of a label wrapped over lines (`pdftotext -layout` prints a long label's other lines alone),
/// not the table's end, unless one is a section heading; each token keeps its line, so that a
/// table's reader can join a label's parts. A block of values alone right after table 四's
/// header (a blank line between them) is that table's.
pub(super) fn stream_blocks(text: &str, forms: LineForms) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    let cells: Vec<Option<Vec<String>>> = lines.iter().map(|l| line_cells(l, forms)).collect();
    let fragment = |i: usize| -> bool {
        let line = lines[i].trim();
        cells[i].is_none()
            && !line.is_empty()
            && matches!(read_value(line).state, CellState::Text)
            && !sheet::is_section_heading(line)
    };
    // A run of fragment lines counts when table lines stand right before and after it.
    let kept = |i: usize| -> bool {
        if forms != LineForms::Extracted || !fragment(i) {
            return false;
        }
        let before = (i.saturating_sub(3)..i).rev().find(|&j| !fragment(j));
        let after = (i + 1..lines.len().min(i + 4)).find(|&j| !fragment(j));
        match (before, after) {
            (Some(b), Some(a)) => cells[b].is_some() && cells[a].is_some() && a - b <= 3,
            _ => false,
        }
    };
    let mut blocks: Vec<Block> = Vec::new();
    let mut tokens: Vec<(String, usize)> = Vec::new();
    let flush = |tokens: &mut Vec<(String, usize)>, blocks: &mut Vec<Block>| {
        if tokens.is_empty() {
            return;
        }
        let mut rows: Vec<Vec<Slot>> = Vec::new();
        let mut row: Vec<Slot> = Vec::new();
        let mut in_values = false;
        for (i, (token, line)) in tokens.drain(..).enumerate() {
            let value = !matches!(read_value(&token).state, CellState::Text);
            if !value && in_values {
                rows.push(std::mem::take(&mut row));
            }
            in_values = value;
            row.push(Slot {
                text: token,
                cell: i,
                line,
            });
        }
        if !row.is_empty() {
            rows.push(row);
        }
        let block = Block {
            rows,
            aligned: false,
        };
        let values_only = block.rows.iter().flatten().all(|s| is_value_text(&s.text));
        match blocks.last_mut() {
            Some(last)
                if values_only
                    && last.section() == Some(Section::Reviews)
                    && !last.rows.iter().flatten().any(|s| is_value_text(&s.text)) =>
            {
                last.rows.extend(block.rows)
            }
            _ => blocks.push(block),
        }
    };
    for (i, line) in lines.iter().enumerate() {
        match &cells[i] {
            Some(c) => tokens.extend(c.iter().map(|c| (c.clone(), i))),
            None if kept(i) => tokens.push((line.trim().to_string(), i)),
            None => flush(&mut tokens, &mut blocks),
        }
    }
    flush(&mut tokens, &mut blocks);
    blocks
}

fn is_value_text(text: &str) -> bool {
    !matches!(read_value(text).state, CellState::Text)
}
