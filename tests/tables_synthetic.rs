//! Issue 12: synthetic tables for each kind of drift real reports show, the 2019 format, free text
//! and attachment-only pages. Tables are generated from a
//! value matrix, then the labels are drifted (spaces, bracket widths, circled ordinals,
//! Traditional characters) and the same cells must come out. Arbitrary markup: `tables_markup`.

mod common;

use common::tables::*;
use nianbao::tables::{self, CellState, Status, Template};

#[test]
fn every_label_drift_reads_the_same_cells() {
    let values = values_2021();
    for d in [
        Drift::None,
        Drift::Spaces,
        Drift::HalfBrackets,
        Drift::Circled,
        Drift::Traditional,
        Drift::Nbsp,
    ] {
        let t4 = [
            "1", "0", "0", "1", "2", "0", "0", "0", "0", "0", "0", "1", "0", "0", "1",
        ];
        let t = read(&format!("{}{}", t3_html(&values, d, None), t4_html(t4, d)));
        assert_eq!(t.template, Template::T2021, "{d:?}");
        assert_t3(&t, &values, &format!("{d:?}"));
        assert_eq!(
            raw(&t, 4, "suit_after_review", "corrected").as_deref(),
            Some("1"),
            "{d:?}"
        );
        for c in &t.checks {
            assert_eq!(c.status, Status::Pass, "{d:?}: {c:?}");
        }
    }
}

#[test]
fn a_table_split_in_two_is_read_whole() {
    let values = values_2021();
    let t = read(&t3_html(&values, Drift::None, Some(13)));
    assert_t3(&t, &values, "split");
    assert_eq!(status(&t, "t3_balance", "total"), Some(Status::Pass));
}

#[test]
fn blank_is_not_zero_and_dashes_are_not_applicable() {
    let mut values = values_2021();
    values[23][6] = String::new(); // （七）总计/总计 left blank, as Shanghai 2019 does
    for (i, na) in ["-", "—", "/", "不适用"].iter().enumerate() {
        values[5 + i][2] = na.to_string();
    }
    // A word where a number belongs: read as text, and found by its column header (through the
    // header's rowspan/colspan), since the row no longer ends in seven values.
    values[10][3] = "无".into();
    let t = read(&t3_html(&values, Drift::None, None));
    let cell = |row: &str, col: &str| {
        t.cells
            .iter()
            .find(|c| c.row_key == row && c.col_key == col)
            .expect("cell")
    };
    assert_eq!(
        (cell("total", "total").state, cell("total", "total").value),
        (CellState::Blank, None)
    );
    for row in ["withheld_2", "withheld_3", "withheld_4", "withheld_5"] {
        assert_eq!(cell(row, "research").state, CellState::Na, "{row}");
    }
    assert_eq!(cell("new", "research").state, CellState::Zero);
    assert_eq!(
        (
            cell("withheld_7", "nonprofit").state,
            cell("withheld_7", "nonprofit").raw.as_str()
        ),
        (CellState::Text, "无")
    );
    assert_eq!(cell("new", "natural").state, CellState::Number);
    // A blank total cannot be checked: uncertain, never a pass (and never read as 0 = fail).
    assert_eq!(status(&t, "t3_balance", "total"), Some(Status::Uncertain));
    assert_eq!(
        status(&t, "t3_dispositions", "research"),
        Some(Status::Uncertain)
    );
    assert_eq!(status(&t, "t3_balance", "natural"), Some(Status::Pass));
}

#[test]
fn numbers_that_do_not_add_up_fail_with_the_numbers() {
    let mut values = values_2021();
    values[2][0] = "7".into(); // 予以公开 one too many for 自然人
    let t = read(&t3_html(&values, Drift::None, None));
    let c = t
        .checks
        .iter()
        .find(|c| c.check == "t3_dispositions" && c.scope == "natural")
        .expect("check");
    assert_eq!(
        (c.status, c.left, c.right),
        (Status::Fail, Some(10.0), Some(11.0))
    );
    assert_eq!(status(&t, "t3_row_sum", "public"), Some(Status::Fail));
    let t4 = read(&t4_html(
        [
            "1", "1", "0", "0", "3", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0",
        ],
        Drift::None,
    ));
    assert_eq!(status(&t4, "t4_totals", "review"), Some(Status::Fail));
    assert_eq!(status(&t4, "t4_totals", "suit_direct"), Some(Status::Pass));
}

#[test]
fn the_text_against_the_table() {
    let values = values_2021();
    let t3 = t3_html(&values, Drift::None, None);
    let agree = read(&format!("<p>全年共收到政府信息公开申请十二件。</p>{t3}"));
    assert_eq!(
        status(&agree, "text_vs_table", "applications"),
        Some(Status::Pass)
    );
    let contradict = read(&format!(
        "<p>全年收到政府信息公开申请15件，均已办结。</p>{t3}"
    ));
    let c = contradict
        .checks
        .iter()
        .find(|c| c.check == "text_vs_table")
        .expect("check");
    assert_eq!(
        (c.status, c.left, c.right),
        (Status::Fail, Some(15.0), Some(12.0))
    );
    assert!(
        c.detail.contains("全年收到政府信息公开申请15件"),
        "{}",
        c.detail
    );
}

/// Table 二 in the 2021 layout with an extra row and a fee written `251000元`.
#[test]
fn table_two_2021_with_an_extra_row_and_units() {
    let html = "<table><tr><td colspan=4>第二十条第（一）项</td></tr>\
        <tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>\
        <tr><td>规章</td><td>-</td><td>-</td><td>-</td></tr>\
        <tr><td>行政规范性文件</td><td>5</td><td>1</td><td>40</td></tr>\
        <tr><td>其他主动公开文件</td><td>12</td><td></td><td>80</td></tr>\
        <tr><td colspan=4>第二十条第（八）项</td></tr>\
        <tr><td>信息内容</td><td colspan=3>本年收费金额（单位：万元）</td></tr>\
        <tr><td>行政事业性收费</td><td colspan=3>251000元</td></tr></table>";
    let t = read(html);
    assert_eq!(t.template, Template::T2021);
    let cell = |row: &str, col: &str| {
        t.cells
            .iter()
            .find(|c| c.table == 2 && c.row_key == row && c.col_key == col)
            .unwrap_or_else(|| panic!("{row}/{col}"))
    };
    assert_eq!(cell("regulations", "issued").state, CellState::Na);
    assert_eq!(cell("normative_docs", "in_force").value, Some(40.0));
    assert_eq!(cell("extra_1", "issued").row_label, "其他主动公开文件");
    assert_eq!(cell("extra_1", "repealed").state, CellState::Blank);
    let fee = cell("fees", "fee_amount");
    assert_eq!(
        (fee.raw.as_str(), fee.value, fee.state),
        ("251000元", Some(251000.0), CellState::Number)
    );
    assert_eq!(t.cells.iter().filter(|c| c.table == 2).count(), 10);
}

/// The 2019 format: other columns in 二, one （六）其他处理 row in 三.
#[test]
fn the_2019_format() {
    let mut rows: Vec<(&str, &str)> = ROWS_2021[..20].to_vec();
    rows.push(("（六）其他处理", "other"));
    rows.extend_from_slice(&ROWS_2021[23..]);
    let mut html = String::from(
        "<table><tr><td colspan=4>第二十条第（一）项</td></tr>\
         <tr><td>信息内容</td><td>本年新制作数量</td><td>本年新公开数量</td><td>对外公开总数量</td></tr>\
         <tr><td>规范性文件</td><td>3</td><td>3</td><td>27</td></tr>\
         <tr><td colspan=4>第二十条第（五）项</td></tr>\
         <tr><td>信息内容</td><td>上一年项目数量</td><td>本年增/减</td><td>处理决定数量</td></tr>\
         <tr><td>行政许可</td><td>56</td><td>-2</td><td>310</td></tr>\
         <tr><td colspan=4>第二十条第（九）项</td></tr>\
         <tr><td>信息内容</td><td>采购项目数量</td><td colspan=2>采购总金额</td></tr>\
         <tr><td>政府集中采购</td><td>4</td><td colspan=2>35.5</td></tr></table>\
         <table><tr><td colspan=3 rowspan=3>（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td><td colspan=7>申请人情况</td></tr>\
         <tr><td rowspan=2>自然人</td><td colspan=5>法人或其他组织</td><td rowspan=2>总计</td></tr>\
         <tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>",
    );
    for (label, key) in &rows {
        let v = match *key {
            "new" | "total" => ["3", "1", "0", "0", "0", "0", "4"],
            "public" => ["2", "1", "0", "0", "0", "0", "3"],
            "other" => ["1", "0", "0", "0", "0", "0", "1"],
            _ => ["0"; 7],
        };
        html.push_str(&format!("<tr><td colspan=3>{label}</td>"));
        for x in v {
            html.push_str(&format!("<td>{x}</td>"));
        }
        html.push_str("</tr>");
    }
    html.push_str("</table>");
    let t = read(&html);
    assert_eq!(t.template, Template::T2019);
    assert_eq!(t.cells.iter().filter(|c| c.table == 3).count(), 161);
    assert_eq!(raw(&t, 3, "other", "natural").as_deref(), Some("1"));
    assert_eq!(
        raw(&t, 2, "normative_docs", "public_total").as_deref(),
        Some("27")
    );
    assert_eq!(
        raw(&t, 2, "licensing", "items_change").as_deref(),
        Some("-2")
    );
    assert_eq!(
        raw(&t, 2, "procurement", "procurement_amount").as_deref(),
        Some("35.5")
    );
    assert_eq!(status(&t, "t3_dispositions", "total"), Some(Status::Pass));
    // 本年增/减 may be negative; the other counts must not.
    assert_eq!(
        status(&t, "non_negative_integers", "all"),
        Some(Status::Pass)
    );
}

/// A report page that shows nothing of the report (its body loaded by script, in an iframe, or
/// scanned pages) is `unknown`: `free` would say the report has no tables. A free-text report
/// shows its numbered headings or its figures.
#[test]
fn a_page_that_shows_nothing_of_the_report_is_unknown_not_free() {
    for body in [
        "<h1>某某县2022年政府信息公开工作年度报告</h1><div id=\"content\"></div>\
         <script>$.get('/content/202301/2041.json', function(d){ $('#content').html(d.content); });</script>",
        "<h1>某某县2022年政府信息公开工作年度报告</h1><iframe src=\"/xxgk/content/2044.html\"></iframe>",
        "<h1>某某县2022年政府信息公开工作年度报告</h1><p><img src=\"/upload/p1.jpg\"></p><p><img src=\"/upload/p2.jpg\"></p>",
    ] {
        assert_eq!(read(body).template, Template::Unknown, "{body}");
    }
    let headings = "<p>一、概述</p><p>本机关认真贯彻落实条例。</p><p>二、主动公开政府信息情况</p>\
                    <p>本年度主动公开信息较多。</p><p>三、依申请公开政府信息情况</p><p>无。</p>";
    assert_eq!(read(headings).template, Template::Free);
}

#[test]
fn free_text_and_attachment_only() {
    let text = "<p>2014年，本机关主动公开政府信息三千二百一十条。全年共收到政府信息公开申请二十件，行政复议1件，行政诉讼0件。</p>";
    let t = read(text);
    assert_eq!(t.template, Template::Free);
    let figures: Vec<_> = t.figures.iter().map(|f| (f.kind, f.value)).collect();
    assert_eq!(
        figures,
        [
            ("published", 3210),
            ("applications", 20),
            ("reviews", 1),
            ("lawsuits", 0)
        ]
    );
    let attached = tables::read_body(text.as_bytes(), Some("text/html"), true);
    assert_eq!(attached.template, Template::AttachmentOnly);
    let pdf = tables::read_body(
        b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n",
        Some("application/pdf"),
        false,
    );
    assert_eq!(pdf.template, Template::AttachmentOnly);
}

/// A text cell among a table 二 row's figures (`+3`, `增加3`, `无`, `——`) is a value of the row:
/// the row keeps its template key and every value its own column. It made the text the row's
/// label (`extra_1` labelled `+3`) and moved the figures one column left.
#[test]
fn a_text_cell_among_table_2_figures_keeps_its_column() {
    for change in ["+3", "增加3", "无", "——", "增3个"] {
        let html = format!(
            "<table><tr><td colspan=4>第二十条第（五）项</td></tr>\
             <tr><td>信息内容</td><td>上一年项目数量</td><td>本年增/减</td><td>处理决定数量</td></tr>\
             <tr><td>行政许可</td><td>120</td><td>{change}</td><td>150</td></tr>\
             <tr><td>行政处罚</td><td>无</td><td>0</td><td>12</td></tr></table>"
        );
        let t = read(&html);
        assert_eq!(
            raw(&t, 2, "licensing", "items_last_year").as_deref(),
            Some("120"),
            "{change}"
        );
        assert_eq!(
            raw(&t, 2, "licensing", "items_change").as_deref(),
            Some(change),
            "{change}"
        );
        assert_eq!(
            raw(&t, 2, "licensing", "decisions").as_deref(),
            Some("150"),
            "{change}"
        );
        assert_eq!(
            raw(&t, 2, "penalty", "items_last_year").as_deref(),
            Some("无")
        );
        assert_eq!(raw(&t, 2, "penalty", "decisions").as_deref(), Some("12"));
        assert!(
            !t.cells
                .iter()
                .any(|c| c.table == 2 && c.row_key.starts_with("extra")),
            "{change}: {:?}",
            t.cells
                .iter()
                .filter(|c| c.table == 2)
                .map(|c| (&c.row_key, &c.col_key, &c.raw))
                .collect::<Vec<_>>()
        );
    }
}

/// Table 二 in either template's wording, with a legitimate extra row (其他主动公开文件) and the
/// lines printed among its rows that are no rows, figures beside each: a 合计 line, a note, a
/// unit line, a page footer.
fn t2_rows_html(template: &str, d: Drift) -> String {
    let l = |s: &str| drift(s, d);
    let (header, rows) = if template == "2019" {
        (
            ["本年新制作数量", "本年新公开数量", "对外公开总数量"],
            [("规章", ["1", "1", "9"]), ("规范性文件", ["5", "5", "40"])],
        )
    } else {
        (
            ["本年制发件数", "本年废止件数", "现行有效件数"],
            [
                ("规章", ["1", "0", "9"]),
                ("行政规范性文件", ["5", "1", "40"]),
            ],
        )
    };
    let mut out = format!(
        "<tr><td colspan=4>{}</td></tr><tr><td colspan=4>第二十条第（一）项</td></tr>\
         <tr><td>信息内容</td><td>{}</td></tr>",
        l("二、主动公开政府信息情况"),
        header.map(l).join("</td><td>")
    );
    let lines = [
        ("其他主动公开文件", ["12", "0", "80"]),
        ("合计", ["18", "1", "129"]),
    ];
    for (label, v) in rows.iter().chain(&lines) {
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td></tr>",
            l(label),
            v.join("</td><td>")
        ));
    }
    for line in ["注：本表数据截至12月31日", "单位：件", "第 2 页"] {
        out.push_str(&format!(
            "<tr><td>{}</td><td colspan=3>2</td></tr>",
            l(line)
        ));
    }
    out
}

/// Table 二 ends at the next table's heading. A fuzz case read table 三's heading as an
/// `extra_1` row of table 二; with one `<table>` for all tables, table 二 was not read at all. The
/// heading spans its row, or stands in a cell of its own with figures beside it, numbered or not,
/// in one `<table>` for all tables or closing table 二's own; both templates' table 二, both
/// scripts. Table 二 keeps its rows and its one true extra row; 合计, 注, 单位 and 第 N 页 lines
/// are no rows; tables 三 and 四 after it are read in full.
#[test]
fn table_two_ends_at_the_next_tables_heading() {
    let values = values_2021();
    let t4 = [
        "1", "0", "0", "1", "2", "0", "0", "0", "0", "0", "0", "1", "0", "0", "1",
    ];
    let inner = |table: &str| -> String {
        table
            .trim_start_matches("<table>")
            .trim_start_matches("<tbody>")
            .trim_end_matches("</table>")
            .trim_end_matches("</tbody>")
            .to_string()
    };
    for d in [Drift::None, Drift::Traditional] {
        let headings = [
            format!(
                "<tr><td colspan=10>{}</td></tr>",
                drift("三、收到和处理政府信息公开申请情况", d)
            ),
            format!(
                "<tr><td>{}</td><td>12</td><td>3</td><td>15</td></tr>",
                drift("三、收到和处理政府信息公开申请情况", d)
            ),
            format!(
                "<tr><td colspan=10>{}</td></tr>",
                drift("收到和处理政府信息公开申请情况", d)
            ),
        ];
        let t4_heading = format!(
            "<tr><td colspan=10>{}</td></tr>",
            drift("四、政府信息公开行政复议、行政诉讼情况", d)
        );
        for template in ["2019", "2021"] {
            for (h, heading) in headings.iter().enumerate() {
                let t2 = t2_rows_html(template, d);
                let t3 = t3_html(&values, d, None);
                let t4_table = t4_html(t4, d);
                let one_table = format!(
                    "<table>{t2}{heading}{}{t4_heading}{}</table>",
                    inner(&t3),
                    inner(&t4_table)
                );
                let one_each = format!("<table>{t2}{heading}</table>{t3}{t4_table}");
                for (layout, html) in [("one table", one_table), ("one each", one_each)] {
                    let what = format!("{d:?}, {template}, heading {h}, {layout}");
                    let t = read(&html);
                    let rows = t2_rows(&t);
                    let normative = if template == "2019" {
                        "规范性文件"
                    } else {
                        "行政规范性文件"
                    };
                    assert_eq!(
                        rows,
                        [
                            ("regulations", drift("规章", d).as_str()),
                            ("normative_docs", drift(normative, d).as_str()),
                            ("extra_1", drift("其他主动公开文件", d).as_str()),
                        ],
                        "{what}"
                    );
                    assert_t3(&t, &values, &what);
                    assert_t4(&t, &t4, &what);
                }
            }
        }
    }
}
