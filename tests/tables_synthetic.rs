//! Issue 12: synthetic tables for each kind of drift real reports show, the 2019 format, free text
//! and attachment-only pages. Tables are generated from a
//! value matrix, then the labels are drifted (spaces, bracket widths, circled ordinals,
//! Traditional characters) and the same cells must come out. Arbitrary markup: `tables_markup`.

use nianbao::tables::{self, CellState, Status, Tables, Template};

const ROWS_2021: [(&str, &str); 25] = [
    ("一、本年新收政府信息公开申请数量", "new"),
    ("二、上年结转政府信息公开申请数量", "carried_over"),
    ("（一）予以公开", "public"),
    (
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
        "partial",
    ),
    ("1.属于国家秘密", "withheld_1"),
    ("2.其他法律行政法规禁止公开", "withheld_2"),
    ("3.危及“三安全一稳定”", "withheld_3"),
    ("4.保护第三方合法权益", "withheld_4"),
    ("5.属于三类内部事务信息", "withheld_5"),
    ("6.属于四类过程性信息", "withheld_6"),
    ("7.属于行政执法案卷", "withheld_7"),
    ("8.属于行政查询事项", "withheld_8"),
    ("1.本机关不掌握相关政府信息", "unavailable_1"),
    ("2.没有现成信息需要另行制作", "unavailable_2"),
    ("3.补正后申请内容仍不明确", "unavailable_3"),
    ("1.信访举报投诉类申请", "not_processed_1"),
    ("2.重复申请", "not_processed_2"),
    ("3.要求提供公开出版物", "not_processed_3"),
    ("4.无正当理由大量反复申请", "not_processed_4"),
    ("5.要求行政机关确认或重新出具已获取信息", "not_processed_5"),
    (
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "other_1",
    ),
    (
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "other_2",
    ),
    ("3.其他", "other_3"),
    ("（七）总计", "total"),
    ("四、结转下年度继续办理", "carried_forward"),
];
const COLS: [&str; 7] = [
    "natural",
    "commercial",
    "research",
    "nonprofit",
    "legal",
    "org_other",
    "total",
];

#[derive(Debug, Clone, Copy)]
enum Drift {
    None,
    /// `商业 企业`, `总 计`: a space between characters.
    Spaces,
    /// `(一)` for `（一）`.
    HalfBrackets,
    /// `㈠` for `（一）`.
    Circled,
    /// 總計, 商業企業 ...
    Traditional,
    /// `&nbsp;` runs and line breaks inside labels.
    Nbsp,
}

fn drift(label: &str, d: Drift) -> String {
    match d {
        Drift::None => label.to_string(),
        Drift::Spaces => {
            let chars: Vec<char> = label.chars().collect();
            chars
                .chunks(2)
                .map(|c| c.iter().collect::<String>())
                .collect::<Vec<_>>()
                .join(" ")
        }
        Drift::HalfBrackets => label.replace('（', "(").replace('）', ")"),
        Drift::Circled => label
            .replace("（一）", "㈠")
            .replace("（二）", "㈡")
            .replace("（七）", "㈦"),
        Drift::Traditional => label
            .chars()
            .map(|c| match c {
                '总' => '總',
                '计' => '計',
                '业' => '業',
                '请' => '請',
                '开' => '開',
                '处' => '處',
                '结' => '結',
                '转' => '轉',
                '数' => '數',
                '复' => '復',
                '议' => '議',
                '诉' => '訴',
                '讼' => '訟',
                '维' => '維',
                '审' => '審',
                '规' => '規',
                '许' => '許',
                '罚' => '罰',
                c => c,
            })
            .collect(),
        Drift::Nbsp => {
            let mid = label.chars().count() / 2;
            let (a, b): (String, String) = (
                label.chars().take(mid).collect(),
                label.chars().skip(mid).collect(),
            );
            format!("{a} &nbsp; &nbsp;\n <br/>{b}&nbsp;")
        }
    }
}

/// A balancing 2021 value matrix: 10 new natural, 2 commercial, 1 carried over.
fn values_2021() -> Vec<[String; 7]> {
    let row = |n: u64, c: u64| -> [String; 7] { [n, c, 0, 0, 0, 0, n + c].map(|v| v.to_string()) };
    let mut rows = vec![row(0, 0); 25];
    rows[0] = row(10, 2);
    rows[1] = row(1, 0);
    rows[2] = row(6, 1); // public
    rows[3] = row(2, 0); // partial
    rows[12] = row(1, 1); // unavailable_1
    rows[22] = row(1, 0); // other_3
    rows[23] = row(10, 2); // total
    rows[24] = row(1, 0); // carried forward
    rows
}

/// Table 三 in the printed shape (rowspan/colspan headers and group cells), labels drifted.
fn t3_html(values: &[[String; 7]], d: Drift, split_at: Option<usize>) -> String {
    let l = |s: &str| drift(s, d);
    let mut out = format!(
        "<table><tbody><tr><td rowspan=\"3\" colspan=\"3\">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td><td colspan=\"7\">申请人情况</td></tr>\
         <tr><td rowspan=\"2\">{}</td><td colspan=\"5\">法人或其他组织</td><td rowspan=\"2\">{}</td></tr><tr>",
        l("自然人"),
        l("总计")
    );
    for h in [
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
    ] {
        out.push_str(&format!("<td>{}</td>", l(h)));
    }
    out.push_str("</tr>\n");
    for (i, ((label, _), vals)) in ROWS_2021.iter().zip(values).enumerate() {
        if Some(i) == split_at {
            // A table split in two: the rest follows in a second table with no header.
            out.push_str("</tbody></table><p>（续表）</p><table><tbody>");
        }
        out.push_str("<tr>");
        match i {
            0 | 1 | 24 => out.push_str(&format!("<td colspan=\"3\">{}</td>", l(label))),
            2 => out.push_str(&format!(
                "<td rowspan=\"22\">{}</td><td colspan=\"2\">{}</td>",
                l("三、本年度办理结果"),
                l(label)
            )),
            3 | 23 => out.push_str(&format!("<td colspan=\"2\">{}</td>", l(label))),
            4 => out.push_str(&format!(
                "<td rowspan=\"8\">{}</td><td>{}</td>",
                l("（三）不予公开"),
                l(label)
            )),
            12 => out.push_str(&format!(
                "<td rowspan=\"3\">{}</td><td>{}</td>",
                l("（四）无法提供"),
                l(label)
            )),
            15 => out.push_str(&format!(
                "<td rowspan=\"5\">{}</td><td>{}</td>",
                l("（五）不予处理"),
                l(label)
            )),
            20 => out.push_str(&format!(
                "<td rowspan=\"3\">{}</td><td>{}</td>",
                l("（六）其他处理"),
                l(label)
            )),
            _ => out.push_str(&format!("<td>{}</td>", l(label))),
        }
        for v in vals {
            out.push_str(&format!("<td>{v}</td>"));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>");
    out
}

fn t4_html(values: [&str; 15], d: Drift) -> String {
    let l = |s: &str| drift(s, d);
    let heads = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"];
    let mut out = format!(
        "<table><tr><td colspan=5>{}</td><td colspan=10>{}</td></tr><tr>",
        l("行政复议"),
        l("行政诉讼")
    );
    for h in heads {
        out.push_str(&format!("<td rowspan=2>{}</td>", l(h)));
    }
    out.push_str(&format!(
        "<td colspan=5>{}</td><td colspan=5>{}</td></tr><tr>",
        l("未经复议直接起诉"),
        l("复议后起诉")
    ));
    for h in heads.iter().chain(&heads) {
        out.push_str(&format!("<td>{}</td>", l(h)));
    }
    out.push_str("</tr><tr>");
    for v in values {
        out.push_str(&format!("<td>{v}</td>"));
    }
    out.push_str("</tr></table>");
    out
}

fn read(html: &str) -> Tables {
    tables::read_body(
        format!("<html><body>{html}</body></html>").as_bytes(),
        Some("text/html; charset=utf-8"),
        false,
    )
}

fn raw(t: &Tables, table: u8, row: &str, col: &str) -> Option<String> {
    t.cells
        .iter()
        .find(|c| c.table == table && c.row_key == row && c.col_key == col)
        .map(|c| c.raw.clone())
}

fn status(t: &Tables, check: &str, scope: &str) -> Option<Status> {
    t.checks
        .iter()
        .find(|c| c.check == check && c.scope == scope)
        .map(|c| c.status)
}

fn assert_t3(t: &Tables, values: &[[String; 7]], what: &str) {
    for ((_, key), vals) in ROWS_2021.iter().zip(values) {
        for (col, v) in COLS.iter().zip(vals) {
            assert_eq!(
                raw(t, 3, key, col).as_deref(),
                Some(v.as_str()),
                "{what}: {key}/{col}"
            );
        }
    }
    assert_eq!(
        t.cells.iter().filter(|c| c.table == 3).count(),
        175,
        "{what}"
    );
}

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

/// A balancing 2021 matrix whose seven columns all differ, so that two columns swapped, or every
/// value moved one column over, shows (`values_2021` is zero in most columns).
fn distinct_values_2021() -> Vec<[String; 7]> {
    let mut m = vec![[0u64; 7]; 25];
    for (r, row) in m.iter_mut().enumerate().take(23).skip(2) {
        for (c, v) in row.iter_mut().take(6).enumerate() {
            *v = ((r * 7 + c * 3) % 5 + c) as u64;
        }
    }
    let totals: Vec<u64> = (0..6).map(|c| (2..23).map(|r| m[r][c]).sum()).collect();
    for (c, total) in totals.into_iter().enumerate() {
        m[23][c] = total;
        m[24][c] = c as u64 + 1; // carried forward
        m[1][c] = c as u64; // carried over
        m[0][c] = total + m[24][c] - m[1][c];
    }
    for row in m.iter_mut() {
        row[6] = row[..6].iter().sum();
    }
    m.into_iter().map(|r| r.map(|v| v.to_string())).collect()
}

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

fn assert_all_pass(t: &Tables, what: &str) {
    assert!(!t.checks.is_empty(), "{what}: checks ran");
    for c in &t.checks {
        assert_eq!(c.status, Status::Pass, "{what}: {c:?}");
    }
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

/// As the DOC and DOCX text extraction writes a table: a tab after each cell, a row a line.
fn as_tabs(rows: &[Vec<String>]) -> String {
    rows.iter()
        .map(|r| r.iter().map(|c| format!("{c}\t")).collect::<String>() + "\n")
        .collect()
}

/// As `pdftotext -layout` prints a table: cells apart by runs of spaces, empty cells gone.
fn as_layout(rows: &[Vec<String>]) -> String {
    rows.iter()
        .map(|r| {
            let cells: Vec<&str> = r
                .iter()
                .map(String::as_str)
                .filter(|c| !c.is_empty())
                .collect();
            format!("    {}\n", cells.join("     "))
        })
        .collect()
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
