//! Issue 12: the statistics tables of two real reports, every cell read by hand from the page
//! (not from the parser's output), and the checks' results a careful reader reaches.
//! - `../shared/real-pages-2/12-pingtan-2024-annual-report-item.html`: 2021 format, HTML tables
//!   with rowspan/colspan headers and `&nbsp;` runs inside labels.
//! - `../shared/sample-reports/alashankou-2024-report.txt`: 2021 format flattened to `cell |`
//!   lines; its （七）总计 row is all zeros although 5 applications were received and answered.

use std::path::{Path, PathBuf};

use nianbao::tables::{self, CellState, Status, Tables, Template};

fn shared(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared")
        .join(rel)
}

const T3_ROWS: [&str; 25] = [
    "new",
    "carried_over",
    "public",
    "partial",
    "withheld_1",
    "withheld_2",
    "withheld_3",
    "withheld_4",
    "withheld_5",
    "withheld_6",
    "withheld_7",
    "withheld_8",
    "unavailable_1",
    "unavailable_2",
    "unavailable_3",
    "not_processed_1",
    "not_processed_2",
    "not_processed_3",
    "not_processed_4",
    "not_processed_5",
    "other_1",
    "other_2",
    "other_3",
    "total",
    "carried_forward",
];
const T3_COLS: [&str; 7] = [
    "natural",
    "commercial",
    "research",
    "nonprofit",
    "legal",
    "org_other",
    "total",
];
const T4_ROWS: [&str; 3] = ["review", "suit_direct", "suit_after_review"];
const T4_COLS: [&str; 5] = ["upheld", "corrected", "other", "pending", "total"];

fn raw_of(t: &Tables, table: u8, row: &str, col: &str) -> Option<String> {
    t.cells
        .iter()
        .find(|c| c.table == table && c.row_key == row && c.col_key == col)
        .map(|c| c.raw.clone())
}

/// Every expected cell is there with its raw text, and there are no others.
fn assert_cells(t: &Tables, table: u8, expected: &[(&str, &str, &str)]) {
    let mut wrong = Vec::new();
    for (row, col, raw) in expected {
        let found = raw_of(t, table, row, col);
        if found.as_deref() != Some(*raw) {
            wrong.push(format!(
                "table {table} {row}/{col}: want {raw:?}, found {found:?}"
            ));
        }
    }
    let count = t.cells.iter().filter(|c| c.table == table).count();
    if count != expected.len() {
        wrong.push(format!(
            "table {table}: {count} cells, want {}",
            expected.len()
        ));
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

fn grid3(rows: &[[&'static str; 7]; 25]) -> Vec<(&'static str, &'static str, &'static str)> {
    let mut out = Vec::new();
    for (r, values) in T3_ROWS.iter().zip(rows) {
        for (c, v) in T3_COLS.iter().zip(values) {
            out.push((*r, *c, *v));
        }
    }
    out
}

fn grid4(values: [&'static str; 15]) -> Vec<(&'static str, &'static str, &'static str)> {
    let mut out = Vec::new();
    for (i, v) in values.into_iter().enumerate() {
        out.push((T4_ROWS[i / 5], T4_COLS[i % 5], v));
    }
    out
}

fn statuses(t: &Tables, check: &str) -> Vec<(String, Status)> {
    t.checks
        .iter()
        .filter(|c| c.check == check)
        .map(|c| (c.scope.clone(), c.status))
        .collect()
}

const Z: [&str; 7] = ["0"; 7];

#[test]
fn pingtan_2024_every_cell_and_check() {
    let body = std::fs::read(shared(
        "real-pages-2/12-pingtan-2024-annual-report-item.html",
    ))
    .expect("the Pingtan page is in ../shared/real-pages-2");
    let t = tables::read_body(&body, Some("text/html"), false);
    assert_eq!(t.template, Template::T2021);
    assert_cells(
        &t,
        2,
        &[
            ("regulations", "issued", "0"),
            ("regulations", "repealed", "0"),
            ("regulations", "in_force", "0"),
            ("normative_docs", "issued", "62"),
            ("normative_docs", "repealed", "33"),
            ("normative_docs", "in_force", "440"),
            ("licensing", "decisions", "4529"),
            ("penalty", "decisions", "1100"),
            ("enforcement", "decisions", "65"),
            ("fees", "fee_amount", "18651.06"),
        ],
    );
    let fee = t
        .cells
        .iter()
        .find(|c| c.row_key == "fees")
        .expect("fee cell");
    assert_eq!((fee.state, fee.value), (CellState::Number, Some(18651.06)));
    assert_cells(
        &t,
        3,
        &grid3(&[
            ["217", "1", "0", "0", "0", "0", "218"], // 一、本年新收
            Z,                                       // 二、上年结转
            ["71", "0", "0", "0", "0", "0", "71"],   // （一）予以公开
            ["29", "0", "0", "0", "0", "0", "29"],   // （二）部分公开
            ["4", "0", "0", "0", "0", "0", "4"],     // 1.属于国家秘密
            Z,
            Z,
            ["3", "0", "0", "0", "0", "0", "3"], // 4.保护第三方合法权益
            ["32", "0", "0", "0", "0", "0", "32"], // 5.属于三类内部事务信息
            Z,
            Z,
            Z,
            ["75", "0", "0", "0", "0", "0", "75"], // 1.本机关不掌握相关政府信息
            Z,
            Z,
            Z,
            ["1", "0", "0", "0", "0", "0", "1"], // 2.重复申请
            Z,
            Z,
            Z,
            ["1", "0", "0", "0", "0", "0", "1"], // 1.逾期不补正
            Z,
            ["1", "1", "0", "0", "0", "0", "2"],     // 3.其他
            ["217", "1", "0", "0", "0", "0", "218"], // （七）总计
            Z,                                       // 四、结转下年度
        ]),
    );
    assert_cells(
        &t,
        4,
        &grid4([
            "2", "1", "3", "1", "7", "0", "0", "0", "0", "0", "13", "2", "4", "0", "19",
        ]),
    );
    // Labels keep their printed form, spaces collapsed.
    let nonprofit = t
        .cells
        .iter()
        .find(|c| c.col_key == "nonprofit")
        .expect("nonprofit");
    assert_eq!(nonprofit.col_label, "社会公益组织");
    // Every in-report check passes on this page.
    for check in [
        "t3_balance",
        "t3_dispositions",
        "t3_row_sum",
        "t4_totals",
        "non_negative_integers",
    ] {
        let s = statuses(&t, check);
        assert!(!s.is_empty(), "{check} ran");
        assert!(
            s.iter().all(|(_, st)| *st == Status::Pass),
            "{check}: {s:?}"
        );
    }
    assert_eq!(statuses(&t, "t3_balance").len(), 7);
    assert_eq!(statuses(&t, "t3_row_sum").len(), 25);
    // The text states 10407 items published proactively; it says 办理 (not 收到) 218 applications,
    // which is not a headline figure, so there is nothing to hold against the table.
    let figures: Vec<_> = t.figures.iter().map(|f| (f.kind, f.value)).collect();
    assert_eq!(figures, [("published", 10407)]);
    assert!(
        t.figures[0]
            .sentence
            .contains("全年主动公开各类政府信息10407条")
    );
    assert!(statuses(&t, "text_vs_table").is_empty());
}

#[test]
fn alashankou_2024_every_cell_and_check() {
    let text = std::fs::read_to_string(shared("sample-reports/alashankou-2024-report.txt"))
        .expect("the 阿拉山口 report is in ../shared/sample-reports");
    let t = tables::read_text(&text);
    assert_eq!(t.template, Template::T2021);
    assert_cells(
        &t,
        2,
        &[
            ("regulations", "issued", "0"),
            ("regulations", "repealed", "0"),
            ("regulations", "in_force", "0"),
            ("normative_docs", "issued", "0"),
            ("normative_docs", "repealed", "1"),
            ("normative_docs", "in_force", "0"),
            ("licensing", "decisions", "170"),
            ("penalty", "decisions", "69"),
            ("enforcement", "decisions", "13"),
            ("fees", "fee_amount", "144"),
        ],
    );
    let five = ["0", "0", "0", "0", "0", "5", "5"];
    let mut rows = [Z; 25];
    rows[0] = five; // 一、本年新收: 其他 5, 总计 5
    rows[2] = five; // （一）予以公开
    assert_cells(&t, 3, &grid3(&rows));
    assert_cells(&t, 4, &grid4(["0"; 15]));
    // 一 + 二 = 5 but （七）总计 + 四 = 0 in the 其他 and 总计 columns; the other columns balance.
    let balance = statuses(&t, "t3_balance");
    for (scope, status) in &balance {
        let want = if matches!(scope.as_str(), "org_other" | "total") {
            Status::Fail
        } else {
            Status::Pass
        };
        assert_eq!(*status, want, "t3_balance {scope}");
    }
    let failed = t
        .checks
        .iter()
        .find(|c| c.check == "t3_balance" && c.scope == "total")
        .expect("t3_balance total");
    assert_eq!((failed.left, failed.right), (Some(5.0), Some(0.0)));
    let dispositions = statuses(&t, "t3_dispositions");
    assert_eq!(
        dispositions
            .iter()
            .filter(|(_, s)| *s == Status::Fail)
            .count(),
        2,
        "{dispositions:?}"
    );
    assert!(
        statuses(&t, "t3_row_sum")
            .iter()
            .all(|(_, s)| *s == Status::Pass)
    );
    assert!(
        statuses(&t, "t4_totals")
            .iter()
            .all(|(_, s)| *s == Status::Pass)
    );
    // The text: 收到申请5件 and 行政复议0件, both equal to the table.
    let figures: Vec<_> = t.figures.iter().map(|f| (f.kind, f.value)).collect();
    assert_eq!(figures, [("applications", 5), ("reviews", 0)]);
    assert_eq!(
        statuses(&t, "text_vs_table"),
        [
            ("applications".to_string(), Status::Pass),
            ("reviews".to_string(), Status::Pass)
        ]
    );
}
