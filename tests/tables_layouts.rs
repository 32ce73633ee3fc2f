//! Table layouts nobody wrote the reader for, found by an audit: table 三's header in another
//! shape (the 法人或其他组织 columns reordered, a subtotal column, the header as a table of its
//! own, a continuation table), group labels in rows of their own, sub-items numbered otherwise,
//! table 三 as text extracted from a document, table 四 with a value too many. A value must land
//! in its own cell or not be read at all (listed in `unread`), never one column over.

mod common;

use common::tables::*;
use nianbao::tables::{self, Status, Template};

/// How a table 三 is laid out, beyond `t3_html`'s printed shape.
#[derive(Debug, Clone, Default)]
struct Layout {
    /// The five 法人或其他组织 columns in this order (indices into `COLS`); printed order if empty.
    orgs: Vec<usize>,
    /// A subtotal column after the five, under 法人或其他组织, with this header.
    subtotal: Option<&'static str>,
    /// The header in a table of its own.
    header_table: bool,
    /// The rows from this one on in a second table, without the header or the 三 group cell.
    split_at: Option<usize>,
    /// Each group label （三）…（六） in a row of its own, with these cells (`""`: blank; `"sum"`:
    /// the group's subtotals) and its sub-items under it.
    group_rows: Option<&'static str>,
    /// Sub-item labels replaced (`withheld_1` → `（1）属于国家秘密`).
    labels: Vec<(&'static str, String)>,
}

fn t3_layout(values: &[[String; 7]], layout: &Layout) -> String {
    let orgs = if layout.orgs.is_empty() {
        vec![1, 2, 3, 4, 5]
    } else {
        layout.orgs.clone()
    };
    let mut order = vec![0];
    order.extend(&orgs);
    let org_span = orgs.len() + usize::from(layout.subtotal.is_some());
    let row_cells = |vals: &[String; 7]| -> String {
        let mut out = String::new();
        for &c in &order {
            out.push_str(&format!("<td>{}</td>", vals[c]));
        }
        if layout.subtotal.is_some() {
            let sub: u64 = vals[1..6]
                .iter()
                .map(|v| v.parse::<u64>().unwrap_or(0))
                .sum();
            out.push_str(&format!("<td>{sub}</td>"));
        }
        out.push_str(&format!("<td>{}</td>", vals[6]));
        out
    };
    let mut out = format!(
        "<table><tr><td rowspan=3 colspan=3>（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>\
         <td colspan={}>申请人情况</td></tr><tr><td rowspan=2>自然人</td><td colspan={org_span}>法人或其他组织</td>\
         <td rowspan=2>总计</td></tr><tr>",
        org_span + 2
    );
    for &c in &orgs {
        out.push_str(&format!(
            "<td>{}</td>",
            [
                "",
                "商业企业",
                "科研机构",
                "社会公益组织",
                "法律服务机构",
                "其他"
            ][c]
        ));
    }
    if let Some(sub) = layout.subtotal {
        out.push_str(&format!("<td>{sub}</td>"));
    }
    out.push_str("</tr>");
    if layout.header_table {
        out.push_str("</table><table>");
    }
    let groups: [(usize, usize, &str); 4] = [
        (4, 8, "（三）不予公开"),
        (12, 3, "（四）无法提供"),
        (15, 5, "（五）不予处理"),
        (20, 3, "（六）其他处理"),
    ];
    let result_rows = 22 + if layout.group_rows.is_some() { 4 } else { 0 };
    for (i, ((label, key), vals)) in ROWS_2021.iter().zip(values).enumerate() {
        let label = layout
            .labels
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, l)| l.clone())
            .unwrap_or_else(|| label.to_string());
        if Some(i) == layout.split_at {
            out.push_str("</table><p>（续表）</p><table>");
        }
        let continued = layout.split_at.is_some_and(|s| i >= s);
        let mut pre = String::new();
        if i == 2 {
            pre.push_str(&format!(
                "<td rowspan={result_rows}>三、本年度办理结果</td>"
            ));
        }
        let group = groups
            .iter()
            .find(|(first, n, _)| (*first..first + n).contains(&i));
        match (group, layout.group_rows) {
            (None, _) if matches!(i, 0 | 1 | 24) => {
                out.push_str(&format!(
                    "<tr><td colspan=3>{label}</td>{}</tr>",
                    row_cells(vals)
                ));
            }
            (None, _) => out.push_str(&format!(
                "<tr>{pre}<td colspan=2>{label}</td>{}</tr>",
                row_cells(vals)
            )),
            (Some(&(first, n, glabel)), Some(cells)) => {
                if i == first {
                    let group_cells = if cells == "sum" {
                        let mut sum = [0u64; 7];
                        for row in &values[first..first + n] {
                            for (s, v) in sum.iter_mut().zip(row) {
                                *s += v.parse::<u64>().unwrap_or(0);
                            }
                        }
                        row_cells(&sum.map(|v| v.to_string()))
                    } else {
                        "<td></td>".repeat(order.len() + 1 + usize::from(layout.subtotal.is_some()))
                    };
                    out.push_str(&format!(
                        "<tr>{pre}<td colspan=2>{glabel}</td>{group_cells}</tr>"
                    ));
                }
                out.push_str(&format!(
                    "<tr><td colspan=2>{label}</td>{}</tr>",
                    row_cells(vals)
                ));
            }
            (Some(&(first, n, glabel)), None) => {
                if i == first || (continued && Some(i) == layout.split_at) {
                    let rest = n - (i - first);
                    pre.push_str(&format!("<td rowspan={rest}>{glabel}</td>"));
                }
                out.push_str(&format!(
                    "<tr>{pre}<td>{label}</td>{}</tr>",
                    row_cells(vals)
                ));
            }
        }
    }
    out.push_str("</table>");
    out
}

/// Header blocks nobody wrote the reader for: the 法人或其他组织 columns in another order, a 小计
/// (or 合计) subtotal column beside them, the header printed as a table of its own, a
/// continuation table. Every value must land under its own column: read by position, the
/// subtotal column moved every value one column left, and a header alone in its table or a
/// continuation of a reordered table swapped 商业企业 and 科研机构 with every check passing.
#[test]
fn header_layouts_place_every_value_under_its_column() {
    let values = distinct_values_2021();
    let reordered = vec![3, 1, 5, 2, 4];
    let layouts = [
        (
            "reordered",
            Layout {
                orgs: reordered.clone(),
                ..Layout::default()
            },
        ),
        (
            "小计",
            Layout {
                subtotal: Some("小计"),
                ..Layout::default()
            },
        ),
        (
            "合计 under 法人",
            Layout {
                subtotal: Some("合计"),
                ..Layout::default()
            },
        ),
        (
            "header table",
            Layout {
                header_table: true,
                ..Layout::default()
            },
        ),
        (
            "header table, 小计",
            Layout {
                header_table: true,
                subtotal: Some("小计"),
                ..Layout::default()
            },
        ),
        (
            "header table, reordered",
            Layout {
                header_table: true,
                orgs: vec![2, 1, 3, 4, 5],
                ..Layout::default()
            },
        ),
        (
            "continued",
            Layout {
                split_at: Some(13),
                ..Layout::default()
            },
        ),
        (
            "continued, reordered",
            Layout {
                split_at: Some(13),
                orgs: reordered.clone(),
                ..Layout::default()
            },
        ),
        (
            "continued, 合计",
            Layout {
                split_at: Some(13),
                subtotal: Some("合计"),
                ..Layout::default()
            },
        ),
    ];
    for (what, layout) in layouts {
        let t = read(&t3_layout(&values, &layout));
        assert_eq!(t.template, Template::T2021, "{what}");
        assert_t3(&t, &values, what);
        assert_all_pass(&t, what);
    }
}

/// A sub-item label from its number and text.
type Numbering = fn(usize, &str) -> String;

/// Group labels （三）…（六） in rows of their own (blank or with subtotals) and sub-items numbered
/// `（1）`, `①`, `(1)`, `1、`: the same 175 cells, and no 2019 `other` row in a 2021 table. A
/// sub-item whose label names no template row is not read: `2.逾期未交` under （六）其他处理 was
/// read as the 2019 `other` row, as were `（3）其他` and `③其他`.
#[test]
fn group_rows_and_numbered_sub_items() {
    let values = distinct_values_2021();
    for cells in ["", "sum"] {
        let t = read(&t3_layout(
            &values,
            &Layout {
                group_rows: Some(cells),
                ..Layout::default()
            },
        ));
        assert_eq!(t.template, Template::T2021, "group rows {cells:?}");
        assert_t3(&t, &values, &format!("group rows {cells:?}"));
        assert_all_pass(&t, "group rows");
    }
    let numbered = |style: Numbering| -> Vec<(&'static str, String)> {
        ROWS_2021
            .iter()
            .filter_map(|(label, key)| {
                let (n, rest) = label.split_once('.')?;
                Some((*key, style(n.parse().ok()?, rest)))
            })
            .collect()
    };
    let styles: [(&str, Numbering); 5] = [
        ("（1）", |n, rest| format!("（{n}）{rest}")),
        ("(1)", |n, rest| format!("({n}){rest}")),
        ("①", |n, rest| {
            format!("{}{rest}", char::from_u32(0x245F + n as u32).unwrap_or('?'))
        }),
        ("1、", |n, rest| format!("{n}、{rest}")),
        ("1．", |n, rest| format!("{n}．{rest}")),
    ];
    for (what, style) in styles {
        let layout = Layout {
            labels: numbered(style),
            ..Layout::default()
        };
        let t = read(&t3_layout(&values, &layout));
        assert_t3(&t, &values, what);
        assert_all_pass(&t, what);
    }
    let unknown = Layout {
        labels: vec![("other_2", "2.逾期未交".to_string())],
        ..Layout::default()
    };
    let t = read(&t3_layout(&values, &unknown));
    assert_eq!(t.template, Template::T2021);
    assert!(raw(&t, 3, "other", "natural").is_none(), "no `other` row");
    assert!(raw(&t, 3, "other_2", "natural").is_none());
    assert_eq!(raw(&t, 3, "other_3", "total"), Some(values[22][6].clone()));
    assert_eq!(
        status(&t, "t3_dispositions", "natural"),
        Some(Status::NotAssessable)
    );
    // None of （六）'s sub-items recognised: no row takes the group's key, so the table is not
    // mistaken for the 2019 format (whose （六） is one row).
    let none = Layout {
        labels: vec![
            ("other_1", "1.逾期未补".to_string()),
            ("other_2", "2.逾期未交".to_string()),
            ("other_3", "3.其余".to_string()),
        ],
        ..Layout::default()
    };
    let t = read(&t3_layout(&values, &none));
    assert!(raw(&t, 3, "other", "natural").is_none(), "no `other` row");
    assert_ne!(t.template, Template::T2019);
}

/// Table 三's rows as extracted text holds them: the header's cells, then each row's label cells
/// and values, a merged cell as an empty cell in each row it covers (as a DOC's table comes out).
fn t3_text_rows(values: &[[String; 7]], subtotal: bool) -> Vec<Vec<String>> {
    let groups = [
        (4, "（三）不予公开"),
        (12, "（四）无法提供"),
        (15, "（五）不予处理"),
        (20, "（六）其他处理"),
    ];
    let mut header = vec![
        "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
        "申请人情况",
        "自然人",
        "法人或其他组织",
        "总计",
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
    ];
    if subtotal {
        header.push("小计");
    }
    let mut rows = vec![header.into_iter().map(String::from).collect::<Vec<_>>()];
    for (i, ((label, _), vals)) in ROWS_2021.iter().zip(values).enumerate() {
        let mut row: Vec<String> = match i {
            0 | 1 | 24 => vec![label.to_string()],
            2 => vec!["三、本年度办理结果".into(), label.to_string()],
            3 | 23 => vec![String::new(), label.to_string()],
            _ => match groups.iter().find(|(first, _)| *first == i) {
                Some((_, g)) => vec![String::new(), g.to_string(), label.to_string()],
                None => vec![String::new(), String::new(), label.to_string()],
            },
        };
        row.extend(vals[..6].iter().cloned());
        if subtotal {
            let sub: u64 = vals[1..6]
                .iter()
                .map(|v| v.parse::<u64>().unwrap_or(0))
                .sum();
            row.push(sub.to_string());
        }
        row.push(vals[6].clone());
        rows.push(row);
    }
    rows
}

fn as_pipes(rows: &[Vec<String>]) -> String {
    rows.iter().flatten().map(|c| format!("{c} |\n")).collect()
}

/// Table 三 as the text extracted from a document shows it: `cell |` lines, tab-separated rows
/// (a DOC's table) and space-aligned rows (`pdftotext -layout`). The empty cells of merged cells
/// were read as the previous row's last values, so every value moved one column; tab-separated
/// and space-aligned rows were not read at all. Rows that cannot be placed are left unread, with
/// the reason: eight values a row (a 小计 column), or a row short of a value (a blank cell that
/// `-layout` does not print).
#[test]
fn extracted_text_tables() {
    let values = distinct_values_2021();
    let rows = t3_text_rows(&values, false);
    let intro = "三、收到和处理政府信息公开申请情况\n";
    for (what, text) in [
        ("pipes", as_pipes(&rows)),
        ("tabs", as_tabs(&rows)),
        ("layout", as_layout(&rows)),
    ] {
        let t = tables::read_text(&format!("{intro}{text}"));
        assert_eq!(t.template, Template::T2021, "{what}");
        assert_t3(&t, &values, what);
        assert_all_pass(&t, what);
        assert!(t.unread.is_empty(), "{what}: {:?}", t.unread);
    }
    let t = tables::read_text(&as_pipes(&t3_text_rows(&values, true)));
    assert_eq!(t.cells.iter().filter(|c| c.table == 3).count(), 0);
    assert_eq!(t.template, Template::Unknown);
    assert_eq!(t.unread.len(), 25, "{:?}", t.unread);
    assert!(
        t.unread[0].contains("一、本年新收") && t.unread[0].contains("8 values"),
        "{:?}",
        t.unread[0]
    );
    let mut blank = values.clone();
    blank[2][3] = String::new(); // （一）予以公开 / 社会公益组织 left blank
    let t = tables::read_text(&as_layout(&t3_text_rows(&blank, false)));
    assert!(
        raw(&t, 3, "public", "natural").is_none(),
        "a short row is not placed"
    );
    assert_eq!(raw(&t, 3, "partial", "total"), Some(values[3][6].clone()));
    assert_eq!(t.unread.len(), 1, "{:?}", t.unread);
    assert!(t.unread[0].contains("予以公开"), "{:?}", t.unread);
    assert_eq!(
        status(&t, "t3_dispositions", "natural"),
        Some(Status::NotAssessable)
    );
}

/// Table 四's row holds 15 values; one more before them is read past only when it is an empty
/// cell. A row of 16 figures (a 合计 column, a number where a label belongs) was read as its last
/// 15, every figure possibly one column over: now it is left unread, with the reason.
#[test]
fn table_4_with_a_sixteenth_value_is_not_read() {
    let values = [
        "2", "1", "0", "1", "4", "3", "0", "1", "0", "4", "0", "1", "0", "1", "2",
    ];
    let with_first = |cell: &str| {
        let mut html = t4_html(values, Drift::None);
        let at = html.rfind("</tr><tr>").map(|i| i + "</tr><tr>".len());
        html.insert_str(at.unwrap_or(0), &format!("<td>{cell}</td>"));
        read(&html)
    };
    let t = with_first("");
    assert_eq!(raw(&t, 4, "review", "upheld").as_deref(), Some("2"));
    assert_eq!(
        raw(&t, 4, "suit_after_review", "total").as_deref(),
        Some("2")
    );
    assert!(t.unread.is_empty(), "{:?}", t.unread);
    let t = with_first("9");
    assert_eq!(t.cells.iter().filter(|c| c.table == 4).count(), 0);
    assert_eq!(t.unread, ["四: a row of 16 values, not 15"]);
    assert_eq!(status(&t, "t4_totals", "review"), None);
}
