//! HTML table to grid, after the WHATWG table model: row groups (`thead`, `tbody`, `tfoot`, bare
//! rows), `rowspan` and `colspan` filling slots, `rowspan="0"` reaching the end of its row group,
//! spans clamped so that no page can make the grid grow past its own rows or `MAX_COLS` columns.
//! Rows of tables nested in a cell belong to the nested table, not to this one. Pure and total.

use scraper::{ElementRef, Html, Selector};

/// Widest grid kept; the table model clamps `colspan` to 1000 as well.
pub const MAX_COLS: usize = 1000;
/// Most slots one grid may hold; a table past it keeps its first rows.
pub const MAX_SLOTS: usize = 1_000_000;
/// Largest `rowspan` honoured (the table model's limit).
const MAX_ROWSPAN: usize = 65_534;

/// One cell of a table, as written in the HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GridCell {
    /// The cell's text, whitespace runs collapsed to one space and trimmed.
    pub text: String,
    /// Top-left slot.
    pub row: usize,
    pub col: usize,
    pub rowspan: usize,
    pub colspan: usize,
}

/// A table as a grid of slots, each slot naming the cell that covers it (`None`: no cell).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grid {
    pub cells: Vec<GridCell>,
    pub slots: Vec<Vec<Option<usize>>>,
}

impl Grid {
    /// The cell covering a slot.
    pub fn at(&self, row: usize, col: usize) -> Option<&GridCell> {
        let index = (*self.slots.get(row)?.get(col)?)?;
        self.cells.get(index)
    }

    /// The distinct cells of a row, left to right (a cell spanning several slots once).
    pub fn row_cells(&self, row: usize) -> Vec<&GridCell> {
        let mut out: Vec<&GridCell> = Vec::new();
        let mut last = None;
        for slot in self.slots.get(row).map(Vec::as_slice).unwrap_or(&[]) {
            if let Some(index) = slot
                && last != Some(*index)
            {
                last = Some(*index);
                if let Some(cell) = self.cells.get(*index) {
                    out.push(cell);
                }
            }
        }
        out
    }

    pub fn width(&self) -> usize {
        self.slots.iter().map(Vec::len).max().unwrap_or(0)
    }

    /// Every row as the texts of its slots (a spanning cell's text in each slot it covers).
    pub fn texts(&self) -> Vec<Vec<String>> {
        (0..self.slots.len())
            .map(|r| {
                (0..self.width())
                    .map(|c| {
                        self.at(r, c)
                            .map(|cell| cell.text.clone())
                            .unwrap_or_default()
                    })
                    .collect()
            })
            .collect()
    }
}

/// Every `<table>` of a document in document order, each as a grid.
pub fn tables_of(doc: &Html) -> Vec<Grid> {
    let selector = Selector::parse("table").expect("`table` is a valid selector");
    crate::page::select(doc, &selector).map(grid_of).collect()
}

/// One parsed fragment or page of HTML, every table as a grid (for tests and tools).
pub fn tables_of_html(html: &str) -> Vec<Grid> {
    tables_of(&Html::parse_document(html))
}

fn is(element: &ElementRef<'_>, name: &str) -> bool {
    element.value().name().eq_ignore_ascii_case(name)
}

fn child_elements<'a>(element: ElementRef<'a>) -> impl Iterator<Item = ElementRef<'a>> {
    element.children().filter_map(ElementRef::wrap)
}

/// The grid of one `<table>` element.
pub fn grid_of(table: ElementRef<'_>) -> Grid {
    // Row groups in table-model order: `tfoot`s are laid out after every other group.
    let mut groups: Vec<Vec<ElementRef<'_>>> = Vec::new();
    let mut footers: Vec<Vec<ElementRef<'_>>> = Vec::new();
    let mut bare: Vec<ElementRef<'_>> = Vec::new();
    for child in child_elements(table) {
        if is(&child, "tr") {
            bare.push(child);
            continue;
        }
        let rows: Vec<_> = child_elements(child).filter(|e| is(e, "tr")).collect();
        if is(&child, "thead") || is(&child, "tbody") {
            if !bare.is_empty() {
                groups.push(std::mem::take(&mut bare));
            }
            groups.push(rows);
        } else if is(&child, "tfoot") {
            footers.push(rows);
        }
    }
    if !bare.is_empty() {
        groups.push(bare);
    }
    groups.extend(footers);
    let mut grid = Grid::default();
    // Slots the grid holds, kept as it grows: summing the rows again for every cell made a
    // table of many rows quadratic to read.
    let mut slot_count = 0;
    for group in groups {
        let start = grid.slots.len();
        let end = start + group.len();
        for (i, tr) in group.into_iter().enumerate() {
            let row = start + i;
            if grid.slots.len() <= row {
                grid.slots.push(Vec::new());
            }
            let mut col = 0;
            for cell in child_elements(tr).filter(|e| is(e, "td") || is(e, "th")) {
                // The next slot not already taken by a cell spanning down from above.
                while grid.slots[row].get(col).is_some_and(Option::is_some) {
                    col += 1;
                }
                if col >= MAX_COLS {
                    break;
                }
                let colspan = span(cell.value().attr("colspan"), 1).clamp(1, MAX_COLS - col);
                let rowspan = match span(cell.value().attr("rowspan"), 1) {
                    0 => end - row,
                    n => n.min(MAX_ROWSPAN).min(end - row),
                };
                if slot_count + rowspan * colspan > MAX_SLOTS {
                    return grid;
                }
                let index = grid.cells.len();
                grid.cells.push(GridCell {
                    text: cell_text(cell),
                    row,
                    col,
                    rowspan,
                    colspan,
                });
                for r in row..row + rowspan {
                    while grid.slots.len() <= r {
                        grid.slots.push(Vec::new());
                    }
                    let line = &mut grid.slots[r];
                    if line.len() < col + colspan {
                        slot_count += col + colspan - line.len();
                        line.resize(col + colspan, None);
                    }
                    for slot in line.iter_mut().skip(col).take(colspan) {
                        // Overlapping spans: the first cell keeps the slot, as browsers do.
                        if slot.is_none() {
                            *slot = Some(index);
                        }
                    }
                }
                col += colspan;
            }
        }
    }
    grid
}

/// A span attribute as the table model reads it: leading digits; garbage is the default.
fn span(value: Option<&str>, default: usize) -> usize {
    let Some(value) = value else { return default };
    let digits: String = value
        .trim()
        .chars()
        .take_while(char::is_ascii_digit)
        .take(7)
        .collect();
    digits.parse().unwrap_or(default)
}

/// The text of a cell, nested tables' text included, whitespace collapsed.
fn cell_text(cell: ElementRef<'_>) -> String {
    let mut out = String::new();
    for piece in cell.text() {
        for word in piece.split(|c: char| c.is_whitespace()) {
            if word.is_empty() {
                continue;
            }
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
            out.push_str(word);
        }
        if piece.ends_with(char::is_whitespace) && !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(html: &str) -> Vec<Vec<String>> {
        tables_of_html(html).remove(0).texts()
    }

    #[test]
    fn spans_fill_slots() {
        let t = texts(
            "<table><tr><td rowspan=2 colspan=2>a</td><td>b</td></tr><tr><td>c</td></tr>\
             <tr><td>d</td><td colspan=2>e</td></tr></table>",
        );
        assert_eq!(t[0], ["a", "a", "b"]);
        assert_eq!(t[1], ["a", "a", "c"]);
        assert_eq!(t[2], ["d", "e", "e"]);
    }

    #[test]
    fn rowspan_zero_reaches_the_end_of_its_group_only() {
        let t = texts(
            "<table><tbody><tr><td rowspan=0>x</td><td>1</td></tr><tr><td>2</td></tr></tbody>\
             <tbody><tr><td>y</td><td>3</td></tr></tbody></table>",
        );
        assert_eq!(t, [["x", "1"], ["x", "2"], ["y", "3"]]);
    }

    #[test]
    fn tfoot_is_laid_out_after_the_other_groups() {
        let t = texts(
            "<table><tfoot><tr><td>f</td></tr></tfoot><tbody><tr><td>b</td></tr></tbody>\
             <thead><tr><td>h</td></tr></thead></table>",
        );
        assert_eq!(t, [["b"], ["h"], ["f"]]);
    }

    #[test]
    fn absurd_spans_are_clamped() {
        let grid = tables_of_html(
            "<table><tr><td colspan=99999999 rowspan=99999999>a</td></tr><tr><td>b</td></tr></table>",
        )
        .remove(0);
        assert_eq!(grid.width(), MAX_COLS);
        assert_eq!(
            grid.slots.len(),
            2,
            "a rowspan stops at its row group's end"
        );
        let garbage =
            tables_of_html("<table><tr><td colspan=-3 rowspan=abc>a</td><td>b</td></tr></table>")
                .remove(0);
        assert_eq!(garbage.texts(), [["a", "b"]]);
    }

    #[test]
    fn nested_tables_keep_their_rows() {
        let grids = tables_of_html(
            "<table><tr><td><table><tr><td>in</td></tr></table></td><td>out</td></tr></table>",
        );
        assert_eq!(grids.len(), 2);
        assert_eq!(grids[0].slots.len(), 1);
        assert_eq!(grids[1].texts(), [["in"]]);
    }
}
