//! Consistency checks (勾稽) on one report's cells, and across years for one issuer. A check on a
//! blank, "not applicable" or text cell is `uncertain` (blank is not 0); one whose cells are not
//! in the report at all is `not_assessable`.

use serde::Serialize;

use super::label::CellState;
use super::sections::T3_COLS;
use super::{Cell, Section, Tables};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Fail,
    Uncertain,
    NotAssessable,
}

/// One check's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// Stable name: `t3_balance`, `t3_dispositions`, `t3_row_sum`, `t4_totals`,
    /// `non_negative_integers`, `text_vs_table`, `carried_over_vs_last_year`,
    /// `in_force_vs_last_year`.
    pub check: &'static str,
    /// What it was run on: a column or row key, a figure kind.
    pub scope: String,
    pub status: Status,
    /// The two sides compared, when both are numbers.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "super::whole_if_integral"
    )]
    pub left: Option<f64>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "super::whole_if_integral"
    )]
    pub right: Option<f64>,
    /// The rule with its numbers, or why it could not be decided.
    pub detail: String,
}

/// The cells a side of a check sums, looked up; `Err` says why they cannot be summed.
enum Sum {
    Known(f64),
    Missing(String),
    Unclear(String),
}

fn sum(tables: &Tables, section: Section, rows: &[&str], cols: &[&str]) -> Sum {
    let mut total = 0.0;
    for row in rows {
        for col in cols {
            match tables.cell(section, row, col) {
                None => return Sum::Missing(format!("{row}/{col} not found")),
                Some(cell) => match (cell.state, cell.value) {
                    (CellState::Number | CellState::Zero, Some(v)) => total += v,
                    (state, _) => {
                        return Sum::Unclear(format!(
                            "{row}/{col} is {} ({:?})",
                            state_name(state),
                            cell.raw
                        ));
                    }
                },
            }
        }
    }
    Sum::Known(total)
}

fn state_name(state: CellState) -> &'static str {
    match state {
        CellState::Number => "number",
        CellState::Zero => "zero",
        CellState::Blank => "blank",
        CellState::Na => "na",
        CellState::Text => "text",
    }
}

fn compare(
    check: &'static str,
    scope: &str,
    rule: &str,
    left: Sum,
    right: Sum,
    tolerance: f64,
) -> Check {
    let (status, l, r, detail) = match (left, right) {
        (Sum::Known(l), Sum::Known(r)) => {
            let ok = (l - r).abs() <= tolerance + 1e-9;
            let status = if ok { Status::Pass } else { Status::Fail };
            (status, Some(l), Some(r), format!("{rule}: {l} vs {r}"))
        }
        (Sum::Missing(why), _) | (_, Sum::Missing(why)) => {
            (Status::NotAssessable, None, None, format!("{rule}: {why}"))
        }
        (Sum::Unclear(why), _) | (_, Sum::Unclear(why)) => {
            (Status::Uncertain, None, None, format!("{rule}: {why}"))
        }
    };
    Check {
        check,
        scope: scope.to_string(),
        status,
        left: l,
        right: r,
        detail,
    }
}

const DISPOSITIONS: &[&str] = &[
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
];

/// The checks one report's own cells and text allow.
pub fn within(tables: &Tables) -> Vec<Check> {
    let mut out = Vec::new();
    let t3 = Section::Applications;
    let has_t3 = tables.cells.iter().any(|c| c.section == t3);
    if has_t3 {
        let mut rows: Vec<&str> = DISPOSITIONS.to_vec();
        if tables
            .cells
            .iter()
            .any(|c| c.section == t3 && c.row_key == "other_1")
        {
            rows.extend(["other_1", "other_2", "other_3"]);
        } else {
            rows.push("other");
        }
        for col in T3_COLS {
            out.push(compare(
                "t3_balance",
                col,
                "一 + 二 = （七）总计 + 四",
                sum(tables, t3, &["new", "carried_over"], &[col]),
                sum(tables, t3, &["total", "carried_forward"], &[col]),
                0.0,
            ));
            out.push(compare(
                "t3_dispositions",
                col,
                "（七）总计 = Σ（一）…（六）",
                sum(tables, t3, &["total"], &[col]),
                sum(tables, t3, &rows, &[col]),
                0.0,
            ));
        }
        let mut t3_rows: Vec<&str> = vec!["new", "carried_over"];
        t3_rows.extend(rows.iter().copied());
        t3_rows.extend(["total", "carried_forward"]);
        for row in t3_rows {
            out.push(compare(
                "t3_row_sum",
                row,
                "总计 = 自然人 + 法人或其他组织 (5 columns)",
                sum(tables, t3, &[row], &["total"]),
                sum(tables, t3, &[row], &T3_COLS[..6]),
                0.0,
            ));
        }
    }
    if tables.cells.iter().any(|c| c.section == Section::Reviews) {
        for row in ["review", "suit_direct", "suit_after_review"] {
            out.push(compare(
                "t4_totals",
                row,
                "总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结",
                sum(tables, Section::Reviews, &[row], &["total"]),
                sum(
                    tables,
                    Section::Reviews,
                    &[row],
                    &["upheld", "corrected", "other", "pending"],
                ),
                0.0,
            ));
        }
    }
    out.push(non_negative(tables));
    out.extend(text_vs_table(tables));
    out
}

/// Counts in tables 三 and 四 and table 二's counts are non-negative integers (万元 amounts may
/// be decimals).
fn non_negative(tables: &Tables) -> Check {
    let bad: Vec<&Cell> = tables
        .cells
        .iter()
        .filter(|c| {
            !matches!(
                c.col_key.as_str(),
                "fee_amount" | "procurement_amount" | "items_change"
            )
        })
        .filter(|c| c.value.is_some_and(|v| v < 0.0 || v.fract() != 0.0))
        .collect();
    let counted = tables.cells.iter().filter(|c| c.value.is_some()).count();
    let (status, detail) = match (counted, bad.first()) {
        (0, _) => (Status::NotAssessable, "no numeric cells".to_string()),
        (_, None) => (Status::Pass, format!("{counted} numeric cells")),
        (_, Some(first)) => (
            Status::Fail,
            format!(
                "{} of {counted} cells are not non-negative integers, first table {} {}/{} = {:?}",
                bad.len(),
                first.table,
                first.row_key,
                first.col_key,
                first.raw
            ),
        ),
    };
    Check {
        check: "non_negative_integers",
        scope: "all".into(),
        status,
        left: None,
        right: None,
        detail,
    }
}

/// The text's headline figures against the table cells that count the same thing.
fn text_vs_table(tables: &Tables) -> Vec<Check> {
    let pairs: [(&str, Section, &[&str]); 3] = [
        ("applications", Section::Applications, &["new"]),
        ("reviews", Section::Reviews, &["review"]),
        (
            "lawsuits",
            Section::Reviews,
            &["suit_direct", "suit_after_review"],
        ),
    ];
    let mut out = Vec::new();
    for (kind, section, rows) in pairs {
        let Some(figure) = tables.figures.iter().find(|f| f.kind == kind) else {
            continue;
        };
        let mut check = compare(
            "text_vs_table",
            kind,
            &format!("text \"{}\" = table", figure.sentence),
            Sum::Known(figure.value as f64),
            sum(tables, section, rows, &["total"]),
            0.0,
        );
        if check.status == Status::NotAssessable {
            check.detail = format!(
                "the text states {} {}, the table has no such cell",
                kind, figure.value
            );
        }
        out.push(check);
    }
    out
}

/// The report of the year before, by the same issuer, as the cross-year checks need it.
pub struct LastYear<'a> {
    pub tables: &'a Tables,
    pub id: &'a str,
    pub version: u32,
    pub year: i32,
}

/// 二、上年结转 this year = 四、结转下年度 last year, per column; 现行有效 last year + 本年制发 −
/// 本年废止 = 现行有效 this year (2021 format on both sides).
pub fn across_years(this: &Tables, last: Option<LastYear<'_>>) -> Vec<Check> {
    let t3 = Section::Applications;
    let Some(last) = last else {
        return vec![Check {
            check: "carried_over_vs_last_year",
            scope: "total".into(),
            status: Status::NotAssessable,
            left: None,
            right: None,
            detail: "no report of the year before by this issuer in the archive".into(),
        }];
    };
    let whence = format!("last year = {} v{} ({})", last.id, last.version, last.year);
    let mut out = Vec::new();
    for col in T3_COLS {
        let mut check = compare(
            "carried_over_vs_last_year",
            col,
            "二、上年结转 = last year's 四、结转下年度",
            sum(this, t3, &["carried_over"], &[col]),
            sum(last.tables, t3, &["carried_forward"], &[col]),
            0.0,
        );
        check.detail = format!("{}; {whence}", check.detail);
        out.push(check);
    }
    for row in ["regulations", "normative_docs"] {
        let p = Section::Proactive;
        let expected = match (
            sum(last.tables, p, &[row], &["in_force"]),
            sum(this, p, &[row], &["issued"]),
            sum(this, p, &[row], &["repealed"]),
        ) {
            (Sum::Known(a), Sum::Known(b), Sum::Known(c)) => Sum::Known(a + b - c),
            (Sum::Missing(w), _, _) | (_, Sum::Missing(w), _) | (_, _, Sum::Missing(w)) => {
                Sum::Missing(w)
            }
            (Sum::Unclear(w), _, _) | (_, Sum::Unclear(w), _) | (_, _, Sum::Unclear(w)) => {
                Sum::Unclear(w)
            }
        };
        let mut check = compare(
            "in_force_vs_last_year",
            row,
            "现行有效 last year + 本年制发 − 本年废止 ≈ 现行有效",
            expected,
            sum(this, p, &[row], &["in_force"]),
            0.0,
        );
        // Documents also lapse or are revised without a 废止 record: a small gap (within 10% or
        // 2 documents) is worth a look, not a verdict.
        if let (Status::Fail, Some(l), Some(r)) = (check.status, check.left, check.right)
            && (l - r).abs() <= (r.abs() * 0.1).max(2.0)
        {
            check.status = Status::Uncertain;
        }
        check.detail = format!("{}; {whence}", check.detail);
        out.push(check);
    }
    out
}
