//! The page's embedded data: each portal's notes table and the note index of every cell.

use super::*;

/// A portal of a few bodies (captured, late, not found, not yet due): the notes table holds
/// each distinct note once, in the order cells first use it, and every cell points at its own.
#[test]
fn each_cell_points_at_its_note_in_a_table_of_distinct_notes() {
    let today = NaiveDate::from_ymd_opt(2025, 2, 1).expect("date");
    let records = vec![
        record("甲县", "d1", 1, "甲县人民政府", 2021, "2022-03-01"),
        record("甲县", "d2", 1, "甲县人民政府", 2023, "2024-05-01"),
        record("甲县", "d3", 1, "甲县教育局", 2022, "2023-01-20"),
        record("甲县", "d4", 1, "甲县财政局", 2023, "2024-02-20"),
    ];
    let configured = vec![("甲县".to_string(), None)];
    let runs = vec![run("2025-01-10", vec![("甲县", complete())])];
    let c = build(&configured, &versions(&records), &runs, today, "now".into());
    let p = &c.portals[0];
    assert_eq!(p.rows.len(), 3);
    let data = super::super::html::compact_portal(p);
    let notes: Vec<&str> = data[9]
        .as_array()
        .expect("notes are an array")
        .iter()
        .map(|n| n.as_str().expect("a note is a string"))
        .collect();
    let mut first_used: Vec<&str> = Vec::new();
    for row in &p.rows {
        for cell in &row.cells {
            if !first_used.contains(&cell.note.as_str()) {
                first_used.push(&cell.note);
            }
        }
    }
    assert!(first_used.len() > 2, "{first_used:?}");
    assert_eq!(notes, first_used);
    for (r, row) in p.rows.iter().enumerate() {
        for (i, cell) in row.cells.iter().enumerate() {
            let index = data[10][r][3][i][1].as_u64().expect("a note index");
            assert_eq!(
                notes.get(index as usize).copied(),
                Some(cell.note.as_str()),
                "{} {}",
                row.issuing_body,
                cell.year
            );
        }
    }
}
