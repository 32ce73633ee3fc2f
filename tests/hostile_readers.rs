//! Hostile-input probe of the readers added after the hostile family (README "Bad input is
//! catalogued…"): the statistics-table readers (HTML tables, a spreadsheet's text, PDF text) and
//! the page readers behind `inspect` (glued labels, banner titles, issuers, month-day list rows).
//! Each pathological input is read at doubling sizes and the time and peak memory printed with
//! their ratios (2x a doubling is linear, 4x quadratic). Figures are printed, never asserted:
//! the probe is `#[ignore]`d and run by hand (README "Development"):
//!
//! `cargo test --locked --test hostile_readers -- --ignored --nocapture` (`PROBE=sheet` runs only
//! the inputs whose name holds `sheet`).

mod attachment_support;
mod common;
mod hostile_readers_support;

use common::tables::ROWS_2021;
use hostile_readers_support::{pages, tables as inputs};
use nianbao::tables;

#[test]
#[ignore = "a probe printing figures; see README"]
fn probe_hostile_readers() {
    inputs::sheet_probes();
    inputs::pdf_probes();
    inputs::html_table_probes();
    pages::page_probes();
    pages::xlsx_probes();
}

// ---- regressions of what the probe found ----

/// Table 三 as a sheet's rows without a header, each row its label, `blanks` empty cells (a
/// group cell left empty, as merged cells print) and its seven values; the section heading
/// first, and a 小计 caption row when `subtotal` (a column outside the template).
fn wide_sheet_block(values: &[[String; 7]], blanks: usize, subtotal: bool) -> String {
    let mut out = String::from("三、收到和处理政府信息公开申请情况\n");
    if subtotal {
        out.push_str("小计\t\t\n");
    }
    for ((label, _), vals) in ROWS_2021.iter().zip(values) {
        out.push_str(&format!(
            "{label}\t{}{}\t\n",
            "\t".repeat(blanks),
            vals.join("\t")
        ));
    }
    out
}

/// Probe finding: a sheet of wide rows placed by position asked, for every row, whether the
/// whole table shows a 小计 or 合计 column, reading every cell again (1,000 rows of 200 cells:
/// two minutes). It is asked once a table now; this checks that the answer is each table's
/// own: the rows of a table with no extra column are read, those of the next sheet-table that
/// has one are not.
#[test]
fn wide_rows_placed_by_position_each_table_by_its_own_columns() {
    let values = common::tables::distinct_values_2021();
    let text = format!(
        "Sheet1\n{}{}",
        wide_sheet_block(&values, 60, false),
        wide_sheet_block(&values, 60, true)
    );
    let t = tables::read_sheet_text(&text);
    common::tables::assert_t3(&t, &values, "the table without a 小计 column");
    assert_eq!(
        t.unread.len(),
        ROWS_2021.len(),
        "every row of the 小计 table is unread: {:?}",
        t.unread
    );
}

/// Probe finding: the grid counted its slots again for every cell (8,000 rows: 8.6 s in a
/// debug build, 4x the time per doubling). The count is kept as the grid grows; the bound it
/// guards still holds: a table past `MAX_SLOTS` keeps its first rows, and a long table is read
/// whole.
#[test]
fn a_long_table_is_read_whole_and_the_slot_bound_still_cuts() {
    use nianbao::tables::grid::{MAX_COLS, MAX_SLOTS, tables_of_html};
    let rows: String = (0..3_000)
        .map(|i| format!("<tr><td>{i}</td><td>x</td></tr>"))
        .collect();
    let grid = tables_of_html(&format!("<table>{rows}</table>")).remove(0);
    assert_eq!(grid.slots.len(), 3_000);
    assert_eq!(grid.at(2_999, 0).map(|c| c.text.as_str()), Some("2999"));

    let full_rows = MAX_SLOTS / MAX_COLS;
    let wide = format!("<tr><td colspan={MAX_COLS}>w</td></tr>").repeat(full_rows + 5);
    let grid = tables_of_html(&format!("<table>{wide}</table>")).remove(0);
    let slots: usize = grid.slots.iter().map(Vec::len).sum();
    assert_eq!(
        slots,
        full_rows * MAX_COLS,
        "the first {full_rows} rows kept"
    );
    assert_eq!(grid.cells.len(), full_rows);
}

/// Probe finding: a caption or a spanning cell repeated its text in every slot it covers, so
/// that 100 captions of 8 KB over a sheet 1,000 columns wide held 800 MB and took two minutes
/// to read (a cell of a few KB over an HTML grid's million slots, gigabytes). A long cell now
/// keeps its text in its first slot; the tables around such notes read as before.
#[test]
fn long_notes_spanning_a_wide_sheet_or_grid_leave_the_tables_read() {
    let values = common::tables::distinct_values_2021();
    let note = "注：本表数据".repeat(400);
    let wide = format!("{}\t\n", "7\t".repeat(300));
    let notes = format!("{note}\t\n").repeat(20);
    let text = format!(
        "Sheet1\n{wide}{notes}\n{}",
        wide_sheet_block(&values, 2, false)
    );
    let t = tables::read_sheet_text(&text);
    common::tables::assert_t3(&t, &values, "a sheet with long notes over 300 columns");

    let grid_note = format!(
        "<table><tr><td rowspan=20 colspan=1000>{note}</td></tr>{}</table>",
        "<tr></tr>".repeat(19)
    );
    let t3 = common::tables::t3_html(&values, common::tables::Drift::None, None);
    let t = common::tables::read(&format!(
        "{grid_note}<p>三、收到和处理政府信息公开申请情况</p>{t3}"
    ));
    common::tables::assert_t3(&t, &values, "a page with a long note over 20,000 slots");
}
