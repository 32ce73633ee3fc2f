//! Table generators and lookups shared by the table tests (`tables_synthetic`,
//! `tables_layouts`): table 三 and 四 as HTML from a value matrix, labels drifted, and the cells,
//! checks and values a test compares.

use nianbao::tables::{self, Status, Tables};

pub const ROWS_2021: [(&str, &str); 25] = [
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
pub const COLS: [&str; 7] = [
    "natural",
    "commercial",
    "research",
    "nonprofit",
    "legal",
    "org_other",
    "total",
];

#[derive(Debug, Clone, Copy)]
pub enum Drift {
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

pub fn drift(label: &str, d: Drift) -> String {
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
pub fn values_2021() -> Vec<[String; 7]> {
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
pub fn t3_html(values: &[[String; 7]], d: Drift, split_at: Option<usize>) -> String {
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

pub fn t4_html(values: [&str; 15], d: Drift) -> String {
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

pub fn read(html: &str) -> Tables {
    tables::read_body(
        format!("<html><body>{html}</body></html>").as_bytes(),
        Some("text/html; charset=utf-8"),
        false,
    )
}

/// Table 二's rows as read: each row's key and label, once, in order.
pub fn t2_rows(t: &Tables) -> Vec<(&str, &str)> {
    let mut rows: Vec<(&str, &str)> = t
        .cells
        .iter()
        .filter(|c| c.table == 2)
        .map(|c| (c.row_key.as_str(), c.row_label.as_str()))
        .collect();
    rows.dedup();
    rows
}

pub fn raw(t: &Tables, table: u8, row: &str, col: &str) -> Option<String> {
    t.cells
        .iter()
        .find(|c| c.table == table && c.row_key == row && c.col_key == col)
        .map(|c| c.raw.clone())
}

pub fn status(t: &Tables, check: &str, scope: &str) -> Option<Status> {
    t.checks
        .iter()
        .find(|c| c.check == check && c.scope == scope)
        .map(|c| c.status)
}

pub fn assert_t3(t: &Tables, values: &[[String; 7]], what: &str) {
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

/// Every value of table 四, `values` row by row (复议, 直接起诉, 复议后起诉; five columns each).
pub fn assert_t4(t: &Tables, values: &[&str; 15], what: &str) {
    for (i, v) in values.iter().enumerate() {
        let row = ["review", "suit_direct", "suit_after_review"][i / 5];
        let col = ["upheld", "corrected", "other", "pending", "total"][i % 5];
        assert_eq!(
            raw(t, 4, row, col).as_deref(),
            Some(*v),
            "{what}: 四 {row}/{col}: {:?}",
            t.unread
        );
    }
}

/// A balancing 2021 matrix whose seven columns all differ, so that two columns swapped, or every
/// value moved one column over, shows (`values_2021` is zero in most columns).
pub fn distinct_values_2021() -> Vec<[String; 7]> {
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

pub fn assert_all_pass(t: &Tables, what: &str) {
    assert!(!t.checks.is_empty(), "{what}: checks ran");
    for c in &t.checks {
        assert_eq!(c.status, Status::Pass, "{what}: {c:?}");
    }
}

/// As the DOC and DOCX text extraction writes a table: a tab after each cell, a row a line.
pub fn as_tabs(rows: &[Vec<String>]) -> String {
    rows.iter()
        .map(|r| r.iter().map(|c| format!("{c}\t")).collect::<String>() + "\n")
        .collect()
}

/// As `pdftotext -layout` prints a table: cells apart by runs of spaces, empty cells gone.
pub fn as_layout(rows: &[Vec<String>]) -> String {
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
