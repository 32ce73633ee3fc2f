//! Statistics tables as `pdftotext -layout` prints them, in the shapes an audit found unread or
//! at risk: table 四's headers printed with a space between characters (`行 政 复 议`) and wrapped
//! over two lines (`结 果` / `维 持`), and table 三's row labels wrapped over two or three lines
//! with the numbers beside any of them. Both templates, Simplified and Traditional labels. A value
//! lands in its own cell or is listed in `unread`, never one row or column over.

mod common;

use common::tables::{
    COLS, Drift, ROWS_2021, assert_t4, distinct_values_2021, drift, raw, t2_rows,
};
use nianbao::tables;

const T4: [&str; 15] = [
    "2", "1", "3", "1", "7", "0", "4", "0", "1", "5", "13", "2", "4", "0", "19",
];

/// `行政复议` as a letter-spaced PDF prints it: `行 政 复 议`.
fn spaced(label: &str) -> String {
    label
        .chars()
        .map(String::from)
        .collect::<Vec<_>>()
        .join(" ")
}

/// How table 四's header comes out of `pdftotext -layout`.
#[derive(Debug, Clone, Copy)]
enum T4Header {
    /// Each header on one line, a space between its characters.
    OneLine,
    /// The five column heads wrapped after two characters (`结 果` over `维 持`), 总计 on the
    /// second line, cells two spaces apart.
    Wrapped,
    /// As `Wrapped`, words apart by a single space inside a cell and two between cells, and a
    /// blank line between the header and the values.
    WrappedBlankLine,
}

fn t4_layout(header: T4Header, d: Drift) -> String {
    let l = |s: &str| spaced(&drift(s, d));
    let mut out = format!(
        "{}\n\n      {}                                   {}\n",
        drift("四、政府信息公开行政复议、行政诉讼情况", d),
        l("行政复议"),
        l("行政诉讼")
    );
    out.push_str(&format!(
        "                                              {}             {}\n",
        l("未经复议直接起诉"),
        l("复议后起诉")
    ));
    let heads = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"];
    match header {
        T4Header::OneLine => {
            let line: Vec<String> = (0..3).flat_map(|_| heads.map(l)).collect();
            out.push_str(&format!("   {}\n", line.join("   ")));
        }
        T4Header::Wrapped | T4Header::WrappedBlankLine => {
            let half = |s: &str, first: bool| -> String {
                let chars: Vec<char> = drift(s, d).chars().collect();
                let part: String = if first {
                    chars[..2].iter().collect()
                } else {
                    chars[2..].iter().collect()
                };
                spaced(&part)
            };
            let top: Vec<String> = (0..3)
                .flat_map(|_| heads[..4].iter().map(|h| half(h, true)))
                .collect();
            let bottom: Vec<String> = (0..3)
                .flat_map(|_| {
                    let mut b: Vec<String> = heads[..4].iter().map(|h| half(h, false)).collect();
                    b.push(l("总计"));
                    b
                })
                .collect();
            out.push_str(&format!("   {}\n", top.join("  ")));
            out.push_str(&format!("   {}\n", bottom.join("  ")));
            if matches!(header, T4Header::WrappedBlankLine) {
                out.push('\n');
            }
        }
    }
    out.push_str(&format!("    {}\n\n", T4.join("      ")));
    out
}

/// Table 四 with its headers letter-spaced (`行 政 复 议`), on one line or wrapped over two
/// (`结 果` / `维 持`, `尚 未` / `审 结`), with or without a blank line before the values, after
/// a table 三 of either template, Simplified or Traditional: its 15 values under their keys. The
/// wrapped header was not recognised as table 四 (no cell said 结果维持 or 尚未审结), so the row
/// was not read.
#[test]
fn table_4_with_letter_spaced_and_wrapped_headers() {
    for header in [
        T4Header::OneLine,
        T4Header::Wrapped,
        T4Header::WrappedBlankLine,
    ] {
        for d in [Drift::None, Drift::Traditional] {
            for template in ["2019", "2021"] {
                let what = format!("{header:?}, {d:?}, {template}");
                let t3 = t3_layout(&t3_rows(template, &[]), d);
                let t = tables::read_text(&format!("{t3}\n{}", t4_layout(header, d)));
                assert_t4(&t, &T4, &what);
                assert_eq!(t.template.name(), template, "{what}");
            }
        }
    }
}

/// How a wrapped label's lines hold the row's values.
#[derive(Debug, Clone, Copy)]
enum Wrap {
    /// Over two lines, the values beside the second (read before this test).
    TwoValuesSecond,
    /// Over two lines, the values beside the first.
    TwoValuesFirst,
    /// Over three lines, the values beside the middle one (vertically centred).
    ThreeValuesMiddle,
    /// Over three lines, the values beside the first.
    ThreeValuesFirst,
    /// Over three lines, the values beside the last.
    ThreeValuesLast,
}

/// One row of table 三 as text: its label cells (group labels, then its own label), its values.
struct Row {
    cells: Vec<String>,
    values: Vec<String>,
    wrap: Option<Wrap>,
}

/// Table 三 of a template as rows, the rows whose keys are in `wrapped` wrapped as given.
fn t3_rows(template: &str, wrapped: &[(&str, Wrap)]) -> Vec<Row> {
    let values = distinct_values_2021();
    let mut rows: Vec<(String, &str, [String; 7])> = ROWS_2021
        .iter()
        .zip(&values)
        .map(|((label, key), v)| (label.to_string(), *key, v.clone()))
        .collect();
    if template == "2019" {
        let other: [String; 7] = std::array::from_fn(|c| {
            (20..23)
                .map(|r| values[r][c].parse::<u64>().expect("a count"))
                .sum::<u64>()
                .to_string()
        });
        rows.splice(20..23, [("（六）其他处理".to_string(), "other", other)]);
    }
    let groups = [
        ("withheld_1", "（三）不予公开"),
        ("unavailable_1", "（四）无法提供"),
        ("not_processed_1", "（五）不予处理"),
        ("other_1", "（六）其他处理"),
    ];
    rows.into_iter()
        .map(|(label, key, vals)| {
            let mut cells = Vec::new();
            if key == "public" {
                cells.push("三、本年度办理结果".to_string());
            }
            if let Some((_, g)) = groups.iter().find(|(k, _)| *k == key) {
                cells.push(g.to_string());
            }
            cells.push(label);
            Row {
                cells,
                values: vals.to_vec(),
                wrap: wrapped.iter().find(|(k, _)| *k == key).map(|(_, w)| *w),
            }
        })
        .collect()
}

/// A label cut in `n` parts of about equal length.
fn parts(label: &str, n: usize) -> Vec<String> {
    let chars: Vec<char> = label.chars().collect();
    let size = chars.len().div_ceil(n);
    chars.chunks(size).map(|c| c.iter().collect()).collect()
}

/// Table 三 as `pdftotext -layout` prints it: the header over three lines (its 法人或其他组织
/// columns wrapped over two), then each row a line, cells apart by runs of spaces; a wrapped
/// label's parts on lines of their own, the values beside the part `Wrap` says.
fn t3_layout(rows: &[Row], d: Drift) -> String {
    let l = |s: &str| drift(s, d);
    let mut out = format!(
        "{}\n\n    {}     {}\n",
        l("三、收到和处理政府信息公开申请情况"),
        l("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"),
        l("申请人情况")
    );
    out.push_str(&format!(
        "                      {}     {}     {}\n",
        l("自然人"),
        l("法人或其他组织"),
        l("总计")
    ));
    out.push_str(&format!(
        "                              {}\n",
        ["商业", "科研", "社会公", "法律服", "其他"]
            .map(l)
            .join("    ")
    ));
    out.push_str(&format!(
        "                              {}\n",
        ["企业", "机构", "益组织", "务机构"].map(l).join("    ")
    ));
    for row in rows {
        let (groups, own) = row.cells.split_at(row.cells.len() - 1);
        let own = l(&own[0]);
        let (lines, beside) = match row.wrap {
            None => (vec![own], 0),
            Some(Wrap::TwoValuesSecond) => (parts(&own, 2), 1),
            Some(Wrap::TwoValuesFirst) => (parts(&own, 2), 0),
            Some(Wrap::ThreeValuesMiddle) => (parts(&own, 3), 1),
            Some(Wrap::ThreeValuesFirst) => (parts(&own, 3), 0),
            Some(Wrap::ThreeValuesLast) => (parts(&own, 3), 2),
        };
        for (i, part) in lines.iter().enumerate() {
            let mut cells: Vec<String> = Vec::new();
            if i == 0 {
                cells.extend(groups.iter().map(|g| l(g)));
            }
            cells.push(part.clone());
            if i == beside {
                cells.extend(row.values.iter().cloned());
            }
            out.push_str(&format!("    {}\n", cells.join("     ")));
        }
    }
    out
}

/// The rows whose labels wrap: a long one of each group and of the rows without a group.
const WRAPPED: [&str; 6] = [
    "partial",
    "withheld_3",
    "unavailable_2",
    "not_processed_5",
    "other_1",
    "other_2",
];

/// Every value of `rows` read under its own table 三 row and column of `template`, and nothing
/// left unread.
fn assert_every_t3_value(t: &tables::Tables, template: &str, rows: &[Row], what: &str) {
    let keys: Vec<&str> = if template == "2019" {
        let mut k: Vec<&str> = ROWS_2021[..20].iter().map(|(_, k)| *k).collect();
        k.push("other");
        k.extend(ROWS_2021[23..].iter().map(|(_, k)| *k));
        k
    } else {
        ROWS_2021.iter().map(|(_, k)| *k).collect()
    };
    for (key, row) in keys.iter().zip(rows) {
        for (col, v) in COLS.iter().zip(&row.values) {
            let got = raw(t, 3, key, col);
            assert_eq!(got.as_deref(), Some(v.as_str()), "{what}: {key}/{col}");
        }
    }
    assert!(t.unread.is_empty(), "{what}: {:?}", t.unread);
}

/// Table 三's row labels wrapped over two or three lines, with the values beside the first, the
/// middle or the last line, in both templates, Simplified and Traditional: every value is read
/// under its own row and column, or its row is listed in `unread`; no value is read under
/// another row. Beside the first line of two, the row (`1.申请人无正当理由逾期不` …) named no
/// template row and was dropped without a word; over three lines a label's parts on lines of
/// their own broke the table.
#[test]
fn table_3_rows_with_wrapped_labels() {
    let wraps = [
        Wrap::TwoValuesSecond,
        Wrap::TwoValuesFirst,
        Wrap::ThreeValuesMiddle,
        Wrap::ThreeValuesFirst,
        Wrap::ThreeValuesLast,
    ];
    for wrap in wraps {
        for d in [Drift::None, Drift::Traditional] {
            for template in ["2019", "2021"] {
                let what = format!("{wrap:?}, {d:?}, {template}");
                let wrapped: Vec<(&str, Wrap)> = WRAPPED.iter().map(|k| (*k, wrap)).collect();
                let rows = t3_rows(template, &wrapped);
                let t = tables::read_text(&t3_layout(&rows, d));
                assert_eq!(t.template.name(), template, "{what}: {:?}", t.unread);
                assert_every_t3_value(&t, template, &rows, &what);
            }
        }
    }
}

/// A justified line of the text (runs of spaces) that names 行政复议 and 行政诉讼 is no table 四
/// header: the report stays `free`, with nothing unread. Taking any cell that mentions them for
/// the header turned such a report `unknown` (a 2018 report of the simulator).
#[test]
fn a_sentence_naming_reviews_and_suits_is_no_header() {
    for d in [Drift::None, Drift::Traditional] {
        let text = drift(
            "一、总体情况\n全年收到政府信息公开申请3件。\n\
             四、政府信息公开行政复议、行政诉讼情况\n\
             本年度因政府信息公开工作被申请行政复议0件，  提起行政诉讼0件。\n\
             五、存在的主要问题及改进情况\n",
            d,
        );
        let t = tables::read_text(&text);
        assert_eq!(t.template.name(), "free", "{d:?}: {:?}", t.unread);
        assert!(t.unread.is_empty(), "{d:?}: {:?}", t.unread);
    }
}

/// A row of figures whose label names no template row, wrapped or not (`2.逾期未交`), is listed in
/// `unread` with its label; it was dropped without a word. The rows around it keep their values.
#[test]
fn a_row_naming_no_template_row_is_listed_unread() {
    for wrap in [
        None,
        Some(Wrap::TwoValuesFirst),
        Some(Wrap::ThreeValuesMiddle),
    ] {
        let mut rows = t3_rows("2021", &[]);
        let at = ROWS_2021
            .iter()
            .position(|(_, k)| *k == "other_2")
            .expect("other_2 row");
        *rows[at].cells.last_mut().expect("a label") = "2.申请人逾期未交纳费用的申请".to_string();
        rows[at].wrap = wrap;
        let t = tables::read_text(&t3_layout(&rows, Drift::None));
        let what = format!("{wrap:?}");
        assert!(raw(&t, 3, "other_2", "natural").is_none(), "{what}");
        assert_eq!(t.unread.len(), 1, "{what}: {:?}", t.unread);
        assert!(
            t.unread[0].contains("逾期未交") && t.unread[0].contains("names no row"),
            "{what}: {:?}",
            t.unread
        );
        for key in ["other_1", "other_3", "total"] {
            let row = ROWS_2021
                .iter()
                .position(|(_, k)| *k == key)
                .expect("a row");
            assert_eq!(
                raw(&t, 3, key, "total").as_deref(),
                Some(rows[row].values[6].as_str()),
                "{what}: {key}"
            );
        }
    }
}

/// Table 二 as `pdftotext -layout` prints it, then table 三's heading with figures on its line (a
/// page number, a count printed beside it), right after table 二's last row: a fuzz case read it
/// as table 二's `extra_1` row, and with no blank line after it, tables 二 and 三 read as one
/// table 三 and table 二 was lost. 合计, 注, 单位 and 第 N 页 lines with figures are no rows either;
/// both templates, both scripts, and every value of table 三 is still read.
#[test]
fn table_two_ends_at_table_three_heading_with_figures_on_its_line() {
    for d in [Drift::None, Drift::Traditional] {
        for template in ["2019", "2021"] {
            for blank_after_heading in [true, false] {
                let what =
                    format!("{d:?}, {template}, blank line after heading {blank_after_heading}");
                let (header, normative) = if template == "2019" {
                    (
                        "本年新制作数量     本年新公开数量     对外公开总数量",
                        "规范性文件",
                    )
                } else {
                    (
                        "本年制发件数     本年废止件数     现行有效件数",
                        "行政规范性文件",
                    )
                };
                let mut text = drift("二、主动公开政府信息情况\n\n    第二十条第（一）项\n", d);
                for line in [
                    format!("    信息内容     {header}"),
                    "    规章     1     0     9".to_string(),
                    format!("    {normative}     5     1     40"),
                    "    其他主动公开文件     12     0     80".to_string(),
                    "    合计     18     1     129".to_string(),
                    "    注：本表数据截至12月31日     2".to_string(),
                    "    单位：件     2".to_string(),
                    "    第 2 页     2".to_string(),
                    "三、收到和处理政府信息公开申请情况     12     3".to_string(),
                ] {
                    text.push_str(&drift(&line, d));
                    text.push('\n');
                }
                let rows = t3_rows(template, &[]);
                let t3 = t3_layout(&rows, d);
                // t3_layout opens with the heading and a blank line: the heading is above.
                let body = t3.split_once("\n\n").map_or("", |(_, b)| b);
                if blank_after_heading {
                    text.push('\n');
                }
                text.push_str(body);
                let t = tables::read_text(&text);
                let got = t2_rows(&t);
                assert_eq!(
                    got,
                    [
                        ("regulations", drift("规章", d).as_str()),
                        ("normative_docs", drift(normative, d).as_str()),
                        ("extra_1", drift("其他主动公开文件", d).as_str()),
                    ],
                    "{what}"
                );
                assert_every_t3_value(&t, template, &rows, &what);
            }
        }
    }
}
