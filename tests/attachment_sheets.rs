//! Spreadsheet attachments (XLSX, XLS and Kingsoft ET, ODS), made in the tests: their text is
//! each visible sheet's name and then its rows, a tab after each cell, numbers and dates as a
//! sheet shows them; the statistics tables in them are read by `nianbao tables` in the layouts
//! real bodies use (a sheet per table or all on one, headers merged over two rows, a 小计
//! column, Traditional labels, the 2019 template); damaged, truncated, encrypted and oversized
//! files are a `text_error`, never a panic or an abort. A loopback portal's report page linking
//! an XLSX and an XLS is crawled end to end.
#![allow(clippy::disallowed_macros)] // tests and benches print figures and progress

mod attachment_support;
mod common;

use std::time::Instant;

use attachment_support::sheets::{self, Sheet};
use common::route_server::{
    RouteServer, exported, numbered_portal, portals_config, record_ending, run_nianbao,
};
use common::stderr;
use common::tables::{
    COLS, Drift, ROWS_2021, assert_all_pass, assert_t3, assert_t4, distinct_values_2021, drift, raw,
};
use nianbao::tables::{self, Template};
use nianbao::text::{self, TextInfo, Tools};

/// Stores `body` in a fresh archive and derives its text as the crawl does.
fn derive(body: &[u8]) -> (TextInfo, Option<String>) {
    let (_dir, info, text) = attachment_support::derive_stored(body, &Tools::default());
    (info.expect("a spreadsheet is a format with text"), text)
}

fn cells(row: &[&str]) -> Vec<String> {
    row.iter().map(|c| c.to_string()).collect()
}

/// A workbook with what a sheet's text must render: an empty row, a merged cell, whole numbers,
/// a fraction, a date, empty columns left of the first value, a hidden sheet.
fn sample(with_dates_and_hidden: bool) -> (Vec<Sheet>, String) {
    let date = if with_dates_and_hidden {
        "date:45306"
    } else {
        ""
    };
    let mut first = Sheet::new(
        "总表",
        vec![
            cells(&["某某县2023年政府信息公开工作年度报告"]),
            cells(&[]),
            cells(&["项目", "数量", "金额（万元）", "日期"]),
            cells(&["行政规范性文件", "12", "3.5", date]),
            cells(&["", "", "", ""]),
            cells(&["合并单元格", "", "7", "251000"]),
        ],
    );
    first.merges.push((5, 0, 5, 1));
    let mut hidden = Sheet::new("隐藏", vec![cells(&["不应出现"])]);
    hidden.hidden = true;
    let second = Sheet::new(
        "表二",
        vec![cells(&["", "", "甲", "乙"]), cells(&["", "", "0", "0.1"])],
    );
    let mut book = vec![first];
    if with_dates_and_hidden {
        book.push(hidden);
    }
    book.push(second);
    let date_text = if with_dates_and_hidden {
        "2024-01-15\t"
    } else {
        ""
    };
    let text = format!(
        "总表\n某某县2023年政府信息公开工作年度报告\t\n项目\t数量\t金额（万元）\t日期\t\n\
         行政规范性文件\t12\t3.5\t{date_text}\n合并单元格\t\t7\t251000\t\n表二\n甲\t乙\t\n0\t0.1\t\n"
    );
    (book, text)
}

/// The text of each kind, exactly; `text_source` names the reader and the quality is measured.
#[test]
fn each_kind_gives_its_sheets_rows_with_a_tab_after_each_cell() {
    let (full, full_text) = sample(true);
    let (plain, plain_text) = sample(false);
    let cases = [
        ("xlsx", sheets::xlsx(&full), "xlsx-cells", &full_text),
        ("xls", sheets::xls(&full), "xls-biff8", &full_text),
        (
            "xls in a Book stream (older writers)",
            sheets::ole2_with("/Book", &sheets::biff8_workbook(&full, false)),
            "xls-biff8",
            &full_text,
        ),
        ("ods", sheets::ods(&plain), "ods-cells", &plain_text),
    ];
    for (what, body, source, want) in cases {
        let started = Instant::now();
        let (info, text) = derive(&body);
        assert_eq!(info.text_error, None, "{what}: {info:?}");
        assert_eq!(info.text_source.as_deref(), Some(source), "{what}");
        assert_eq!(text.as_deref(), Some(want.as_str()), "{what}");
        let q = info.text_quality.clone().expect("quality measured");
        assert!(q.chars > 20 && q.replacement_chars == 0, "{what}: {q:?}");
        assert!(info.from_spreadsheet(), "{what}");
        assert!(started.elapsed().as_secs() < 10, "{what}");
    }
}

/// A table laid out on a sheet: its rows and its merged areas.
type Laid = (Vec<Vec<String>>, Vec<(u32, u32, u32, u32)>);

/// Table 三's rows of a template (`(label, key)`), as a sheet lays them out: the header over
/// three rows with merged cells (申请人情况 over the columns, 自然人 and 总计 over two rows,
/// 法人或其他组织 over its five), label cells merged across and down as printed; a 小计 column
/// after the five when asked. Returns the rows and the merged areas, from row `top`.
fn t3_grid(
    rows: &[(&str, &str)],
    values: &[[String; 7]],
    d: Drift,
    subtotal: bool,
    top: u32,
) -> Laid {
    let l = |s: &str| drift(s, d);
    let last = if subtotal { 10 } else { 9 };
    let width = last as usize + 1;
    let mut out = vec![vec![String::new(); width]; 3];
    let mut merges = vec![
        (top, 0, top + 2, 2),
        (top, 3, top, last),
        (top + 1, 3, top + 2, 3),
        (top + 1, 4, top + 1, last - 1),
        (top + 1, last, top + 2, last),
    ];
    out[0][0] = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）".into();
    out[0][3] = l("申请人情况");
    out[1][3] = l("自然人");
    out[1][4] = l("法人或其他组织");
    out[1][last as usize] = l("总计");
    let mut heads = vec![
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
    ];
    if subtotal {
        heads.push("小计");
    }
    for (i, h) in heads.iter().enumerate() {
        out[2][4 + i] = l(h);
    }
    let groups = [
        ("withheld_", "（三）不予公开"),
        ("unavailable_", "（四）无法提供"),
        ("not_processed_", "（五）不予处理"),
        ("other_", "（六）其他处理"),
    ];
    let results = rows
        .iter()
        .filter(|(label, _)| {
            !["一、", "二、", "四、"]
                .iter()
                .any(|p| label.starts_with(p))
        })
        .count() as u32;
    for (i, ((label, key), vals)) in rows.iter().zip(values).enumerate() {
        let r = top + 3 + i as u32;
        let mut row = vec![String::new(); width];
        if ["一、", "二、", "四、"]
            .iter()
            .any(|p| label.starts_with(p))
        {
            row[0] = l(label);
            merges.push((r, 0, r, 2));
        } else if label.starts_with('（') {
            if *key == "public" {
                row[0] = l("三、本年度办理结果");
                merges.push((r, 0, r + results - 1, 0));
            }
            row[1] = l(label);
            merges.push((r, 1, r, 2));
        } else {
            let (prefix, group) = groups
                .iter()
                .find(|(p, _)| key.starts_with(p))
                .expect("a sub-item of a group");
            if key.ends_with("_1") {
                let size = rows.iter().filter(|(_, k)| k.starts_with(prefix)).count() as u32;
                row[1] = l(group);
                merges.push((r, 1, r + size - 1, 1));
            }
            row[2] = l(label);
        }
        for (c, v) in vals[..6].iter().enumerate() {
            row[3 + c] = v.clone();
        }
        if subtotal {
            let sub: u64 = vals[1..6]
                .iter()
                .map(|v| v.parse::<u64>().unwrap_or(0))
                .sum();
            row[9] = sub.to_string();
        }
        row[last as usize] = vals[6].clone();
        out.push(row);
    }
    (out, merges)
}

/// Table 四 as a sheet lays it out: 行政复议 and 行政诉讼 over their columns, the two kinds of
/// suit over five each, the column heads of 行政复议 merged over two rows, then the values.
fn t4_grid(values: &[&str; 15], d: Drift, top: u32) -> Laid {
    let l = |s: &str| drift(s, d);
    let heads = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"];
    let mut rows = vec![vec![String::new(); 15]; 3];
    let mut merges = vec![
        (top, 0, top, 4),
        (top, 5, top, 14),
        (top + 1, 5, top + 1, 9),
        (top + 1, 10, top + 1, 14),
    ];
    rows[0][0] = l("行政复议");
    rows[0][5] = l("行政诉讼");
    rows[1][5] = l("未经复议直接起诉");
    rows[1][10] = l("复议后起诉");
    for (i, h) in heads.iter().enumerate() {
        rows[1][i] = l(h);
        merges.push((top + 1, i as u32, top + 2, i as u32));
        rows[2][5 + i] = l(h);
        rows[2][10 + i] = l(h);
    }
    rows.push(values.iter().map(|v| v.to_string()).collect());
    (rows, merges)
}

const T4: [&str; 15] = [
    "1", "0", "0", "0", "1", "0", "1", "0", "0", "1", "0", "0", "0", "0", "0",
];

/// The 2019 template's table 三: （六）其他处理 one row (the 2021 three summed).
fn rows_and_values_2019(
    values: &[[String; 7]],
) -> (Vec<(&'static str, &'static str)>, Vec<[String; 7]>) {
    let mut rows = ROWS_2021[..20].to_vec();
    rows.push(("（六）其他处理", "other"));
    rows.extend_from_slice(&ROWS_2021[23..]);
    let mut vals = values[..20].to_vec();
    let other: [String; 7] = std::array::from_fn(|c| {
        (20..23)
            .map(|r| values[r][c].parse::<u64>().expect("a count"))
            .sum::<u64>()
            .to_string()
    });
    vals.push(other);
    vals.extend_from_slice(&values[23..]);
    (rows, vals)
}

/// The layouts a body's statistics come in: every table on a sheet of its own, or all on one
/// sheet under the report's section headings.
fn workbook(
    rows: &[(&str, &str)],
    values: &[[String; 7]],
    d: Drift,
    subtotal: bool,
    one_sheet: bool,
) -> Vec<Sheet> {
    if one_sheet {
        let mut all = vec![cells(&[
            "某某县人民政府2025年政府信息公开工作年度报告统计表",
        ])];
        let mut merges = Vec::new();
        all.push(vec![drift("三、收到和处理政府信息公开申请情况", d)]);
        let (t3, m3) = t3_grid(rows, values, d, subtotal, all.len() as u32);
        all.extend(t3);
        merges.extend(m3);
        all.push(cells(&[]));
        all.push(vec![drift("四、政府信息公开行政复议、行政诉讼情况", d)]);
        let (t4, m4) = t4_grid(&T4, d, all.len() as u32);
        all.extend(t4);
        merges.extend(m4);
        let mut sheet = Sheet::new("统计表", all);
        sheet.merges = merges;
        return vec![sheet];
    }
    let (t3, m3) = t3_grid(rows, values, d, subtotal, 0);
    let (t4, m4) = t4_grid(&T4, d, 0);
    let mut s3 = Sheet::new(&drift("表三 收到和处理政府信息公开申请情况", d), t3);
    s3.merges = m3;
    let mut s4 = Sheet::new("表四", t4);
    s4.merges = m4;
    vec![s3, s4]
}

/// The workbook as each kind of spreadsheet nianbao reads.
fn each_kind(book: &[Sheet]) -> [(&'static str, Vec<u8>); 3] {
    [
        ("xlsx", sheets::xlsx(book)),
        ("xls", sheets::xls(book)),
        ("ods", sheets::ods(book)),
    ]
}

/// Every value of table 三 under its row and column, for the template's `rows` (2021 or 2019).
fn assert_t3_rows(t: &tables::Tables, rows: &[(&str, &str)], vals: &[[String; 7]], what: &str) {
    for ((_, key), row) in rows.iter().zip(vals) {
        for (col, v) in COLS.iter().zip(row) {
            assert_eq!(
                raw(t, 3, key, col).as_deref(),
                Some(v.as_str()),
                "{what}: {key}/{col}"
            );
        }
    }
}

/// Every value of table 三 under its column and table 四 by position, from the text of each
/// kind of spreadsheet in each layout, with the checks passing. Read as a DOC's text is (a
/// sequence of cells), the header merged over two rows and the 小计 column left tables unread.
#[test]
fn statistics_tables_in_a_spreadsheet_are_read_in_every_layout() {
    let values = distinct_values_2021();
    let (rows_2019, values_2019) = rows_and_values_2019(&values);
    let layouts = [
        ("a sheet per table", Drift::None, false, false, false),
        ("all on one sheet", Drift::None, false, true, false),
        ("a 小计 column", Drift::None, true, false, false),
        ("a 小计 column on one sheet", Drift::None, true, true, false),
        (
            "Traditional labels",
            Drift::Traditional,
            false,
            false,
            false,
        ),
        ("the 2019 template", Drift::None, false, false, true),
    ];
    for (layout, d, subtotal, one_sheet, is_2019) in layouts {
        let (rows, vals): (&[(&str, &str)], &[[String; 7]]) = if is_2019 {
            (&rows_2019, &values_2019)
        } else {
            (&ROWS_2021, &values)
        };
        let book = workbook(rows, vals, d, subtotal, one_sheet);
        for (kind, body) in each_kind(&book) {
            let what = format!("{layout}, {kind}");
            let (info, text) = derive(&body);
            assert_eq!(info.text_error, None, "{what}");
            let text = text.expect("text stored");
            let t = tables::read_sheet_text(&text);
            assert!(t.unread.is_empty(), "{what}: {:?}", t.unread);
            if is_2019 {
                assert_eq!(t.template, Template::T2019, "{what}");
                assert_t3_rows(&t, rows, vals, &what);
            } else {
                assert_eq!(t.template, Template::T2021, "{what}");
                assert_t3(&t, vals, &what);
            }
            assert_t4(&t, &T4, &what);
            assert_all_pass(&t, &what);
        }
    }
}

/// Damaged, truncated, encrypted and oversized spreadsheets: a `text_error` naming what is wrong
/// (the entry, the stream, the sheet), no text, never a panic out of the extractor or an abort.
#[test]
fn damaged_encrypted_and_oversized_spreadsheets_are_errors() {
    let (book, _) = sample(true);
    let mut cases: Vec<(String, Vec<u8>, &str)> = Vec::new();
    for (kind, body) in [
        ("xlsx", sheets::xlsx(&book)),
        ("xls", sheets::xls(&book)),
        ("ods", sheets::ods(&sample(false).0)),
    ] {
        // Cut where what is gone is needed (a compound file's unused tail reads without it).
        for cut in [body.len() / 4, body.len().min(1100)] {
            cases.push((
                format!("{kind} cut at {cut}"),
                body[..cut].to_vec(),
                "damaged or truncated",
            ));
        }
    }
    cases.push((
        "an XLS with a password (FILEPASS)".into(),
        sheets::ole2_with("/Workbook", &sheets::biff8_workbook(&book, true)),
        "encrypted",
    ));
    cases.push((
        "an XLSX saved with a password (an OLE2 EncryptedPackage)".into(),
        sheets::ole2_with("/EncryptedPackage", &[7u8; 5000]),
        "encrypted",
    ));
    let mut bomb = sheets::xlsx_parts(&book);
    bomb[6].1 = [
        b"<worksheet>".as_slice(),
        &vec![b' '; 40 << 20],
        b"</worksheet>",
    ]
    .concat();
    cases.push((
        "an XLSX whose sheet inflates past 32 MiB".into(),
        sheets::zip_parts(&bomb),
        "xl/worksheets/sheet1.xml",
    ));
    let mut strings = sheets::xlsx_parts(&book);
    let sst = String::from_utf8(strings[4].1.clone()).expect("UTF-8");
    let at = sst.find("uniqueCount=\"").expect("a count") + 13;
    let end = at + sst[at..].find('"').expect("quoted");
    strings[4].1 = format!("{}4000000000{}", &sst[..at], &sst[end..]).into_bytes();
    cases.push((
        "an XLSX declaring four billion shared strings".into(),
        sheets::zip_parts(&strings),
        "xl/sharedStrings.xml",
    ));
    // calamine reserves the count wherever the `sst` tag stands: a long comment before it
    // (or a long attribute) must not hide the count from the bound.
    let mut hidden = strings.clone();
    let sst = String::from_utf8(hidden[4].1.clone()).expect("UTF-8");
    let at = sst.find("<sst").expect("an sst tag");
    hidden[4].1 = format!("{}<!--{}-->{}", &sst[..at], "x".repeat(8000), &sst[at..]).into_bytes();
    cases.push((
        "an XLSX declaring four billion shared strings after a long comment".into(),
        sheets::zip_parts(&hidden),
        "xl/sharedStrings.xml",
    ));
    let mut far = Sheet::new("远", vec![cells(&["1"])]);
    far.rows.resize(65535, Vec::new());
    far.rows.push(vec![String::new(); 255]);
    far.rows[65535].push("2".into());
    cases.push((
        "an XLS whose two cells span a whole sheet".into(),
        sheets::xls(&[far]),
        "span",
    ));
    let repeated = "<table:table-row table:number-rows-repeated=\"1000000\"><table:table-cell table:number-columns-repeated=\"16384\" office:value-type=\"float\" office:value=\"1\"/></table:table-row>";
    let content = sheets::ods_content(&[Sheet::new("a", vec![cells(&["x"])])])
        .replace("<table:table-row>", &format!("{repeated}<table:table-row>"));
    cases.push((
        "an ODS repeating a cell over a whole sheet".into(),
        sheets::ods_with_content(&content),
        "span",
    ));
    // A MULRK whose last column comes before its first: calamine's arithmetic on it overflows
    // (a panic in a debug build, caught; a length error otherwise).
    let mut workbook = sheets::biff8_workbook(&book, false);
    let eof = workbook.len() - 4;
    workbook.splice(eof..eof, [0xBD, 0x00, 0x06, 0x00, 0, 0, 5, 0, 1, 0]);
    cases.push((
        "an XLS with a backwards MULRK".into(),
        sheets::ole2_with("/Workbook", &workbook),
        "",
    ));
    for (what, body, says) in cases {
        assert!(
            text::sniff(&body).is_some(),
            "{what}: sniffed as a format with text"
        );
        let started = Instant::now();
        let (info, text) = derive(&body);
        let error = info.text_error.clone().unwrap_or_default();
        assert!(
            !error.is_empty() && error.contains(says),
            "{what}: {info:?}"
        );
        assert_eq!(text, None, "{what}");
        assert!(
            started.elapsed().as_secs() < 20,
            "{what}: {:?}",
            started.elapsed()
        );
    }
}

const LIST: &str = "<html><head><meta charset=\"utf-8\"><title>年报</title></head><body><ul>\
    <li><a href=\"/art/1.html\">某某县人民政府2025年政府信息公开工作年度报告</a><span>2026-01-20</span></li>\
    </ul></body></html>";

fn report_page() -> Vec<u8> {
    "<html><head><meta charset=\"utf-8\"><title>某某县人民政府2025年政府信息公开工作年度报告</title></head><body>\
     <h1>某某县人民政府2025年政府信息公开工作年度报告</h1><div class=\"content\">\
     <p>发布机构：某某县人民政府办公室</p><p>一、总体情况</p><p>2025年，某某县人民政府认真贯彻落实《中华人民共和国政府信息公开条例》。统计数据见附件。</p>\
     <p>附件：<a href=\"/files/1.xlsx\">2025年度报告统计表.xlsx</a></p>\
     <p><a href=\"/files/2.xls\">2025年度报告统计表（旧版）.xls</a></p>\
     <p><a href=\"/files/3.et\">2025年度报告附表.et</a></p></div></body></html>"
        .as_bytes()
        .to_vec()
}

/// A report page linking an XLSX, an XLS and a damaged ET, crawled from a portal of the test's
/// own: the export record gives each its text (`text_source`, `text_quality`) or its error, and
/// `nianbao tables` reads the statistics from the first spreadsheet, with the checks passing.
#[test]
fn a_report_with_spreadsheet_attachments_is_crawled_and_its_tables_read() {
    let values = distinct_values_2021();
    let book = workbook(&ROWS_2021, &values, Drift::None, true, false);
    let xlsx = sheets::xlsx(&book);
    let xls = sheets::xls(&book);
    let et = xls[..xls.len() / 2].to_vec();
    let octets = "application/octet-stream";
    let files = vec![
        ("/files/1.xlsx", octets, xlsx),
        ("/files/2.xls", "application/vnd.ms-excel", xls),
        ("/files/3.et", octets, et),
    ];
    let (_server, dir, config) = crawl_portal("127.0.0.2", report_page(), files);
    let records = exported(&config);
    let record = record_ending(&records, "/art/1.html");
    let attachments = record["attachments"].as_array().expect("attachments");
    let by_url = |path: &str| {
        attachments
            .iter()
            .find(|a| a["url"].as_str().is_some_and(|u| u.ends_with(path)))
            .unwrap_or_else(|| panic!("{path} attached: {record}"))
    };
    for (path, source) in [
        ("/files/1.xlsx", "xlsx-cells"),
        ("/files/2.xls", "xls-biff8"),
    ] {
        let a = by_url(path);
        assert_eq!(a["text_source"], source, "{a}");
        assert!(a["text_error"].is_null(), "{a}");
        let text = std::fs::read_to_string(
            dir.path()
                .join("data")
                .join(a["text_path"].as_str().expect("text_path")),
        )
        .expect("text file");
        assert!(
            text.starts_with("表三 收到和处理政府信息公开申请情况\n"),
            "{path}: {text}"
        );
        assert!(
            text.contains("商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t小计\t"),
            "{path}: {text}"
        );
        let labels = a["text_quality"]["template_labels"].to_string();
        assert!(
            labels.contains("收到和处理政府信息公开申请情况"),
            "{path}: {a}"
        );
    }
    let et = by_url("/files/3.et");
    assert_eq!(et["text_source"], "xls-biff8", "{et}");
    assert!(et["text_path"].is_null(), "{et}");
    assert!(
        et["text_error"]
            .as_str()
            .is_some_and(|e| e.contains("damaged or truncated")),
        "{et}"
    );

    // An archive made before spreadsheets had text gets it from `nianbao text`.
    let out = run_nianbao(&config, &["text", "--redo"]);
    assert!(out.status.success(), "text: {}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("derived=2") && said.contains("failed=1"),
        "{said}"
    );

    let line = tables_of(&config, &record["id"]);
    assert_eq!(line["template"], "2021", "{line}");
    assert!(
        line["read_from"]["url"]
            .as_str()
            .is_some_and(|u| u.ends_with("/files/1.xlsx")),
        "{line}"
    );
    let cell = |table: u64, row: &str, col: &str| cell_of(&line, table, row, col);
    assert_eq!(
        cell(3, "new", "research").as_deref(),
        Some(values[0][2].as_str()),
        "{line}"
    );
    assert_eq!(
        cell(3, "carried_forward", "total").as_deref(),
        Some(values[24][6].as_str())
    );
    assert_eq!(cell(4, "suit_direct", "corrected").as_deref(), Some("1"));
    // Every check passes but the one across years, which has no report of 2024 to compare with.
    let checks = line["checks"].as_array().expect("checks");
    assert!(checks.len() > 40, "{line}");
    for c in checks {
        let across_years = c["check"] == "carried_over_vs_last_year";
        let want = if across_years {
            "not_assessable"
        } else {
            "pass"
        };
        assert_eq!(c["status"], want, "{c}");
    }
}

/// A report page whose one attachment is a zip of the report (a DOCX)
/// and its statistics workbook (an XLSX), crawled from a portal of the test's own: the record
/// gives the zip the text of both under their names, and `nianbao tables` reads the statistics
/// from the workbook's section as a grid, naming the entry it read.
#[test]
fn a_report_posted_as_a_zip_is_crawled_and_its_tables_read() {
    let values = distinct_values_2021();
    let book = sheets::xlsx(&workbook(&ROWS_2021, &values, Drift::None, true, false));
    let report = attachment_support::docx(attachment_support::REPORT_LINES);
    let body = attachment_support::zip(&[("2025.docx", report), ("统计表.xlsx", book)]);
    let page = report_page_linking("/files/2025.zip", "2025年度报告.zip");
    let files = vec![("/files/2025.zip", "application/zip", body)];
    let (_server, dir, config) = crawl_portal("127.0.0.3", page, files);
    let records = exported(&config);
    let record = record_ending(&records, "/art/1.html");
    let a = record["attachments"]
        .as_array()
        .and_then(|all| {
            all.iter()
                .find(|a| a["url"].as_str().is_some_and(|u| u.ends_with(".zip")))
        })
        .unwrap_or_else(|| panic!("the zip attached: {record}"));
    assert_eq!(a["text_source"], "zip:docx-xml;xlsx-cells", "{a}");
    assert!(a["text_error"].is_null(), "{a}");
    let text = std::fs::read_to_string(
        dir.path()
            .join("data")
            .join(a["text_path"].as_str().expect("text_path")),
    )
    .expect("text file");
    assert!(text.starts_with("=== 2025.docx ===\n"), "{text}");
    assert!(
        text.contains("=== 统计表.xlsx ===\n表三 收到和处理政府信息公开申请情况\n"),
        "{text}"
    );

    let line = tables_of(&config, &record["id"]);
    assert_eq!(line["template"], "2021", "{line}");
    assert_eq!(line["read_from"]["entry"], "统计表.xlsx", "{line}");
    let cell = |table: u64, row: &str, col: &str| cell_of(&line, table, row, col);
    assert_eq!(
        cell(3, "new", "research").as_deref(),
        Some(values[0][2].as_str()),
        "{line}"
    );
    assert_eq!(cell(4, "suit_direct", "corrected").as_deref(), Some("1"));
}

/// Serves a portal of one list page leading to `page`, the files it links at their paths with
/// their Content-Types, and crawls it: the server (kept alive), the scratch folder and the
/// config.
fn crawl_portal(
    address: &str,
    page: Vec<u8>,
    files: Vec<(&'static str, &'static str, Vec<u8>)>,
) -> (RouteServer, tempfile::TempDir, std::path::PathBuf) {
    let server = RouteServer::bind(address);
    server.serve(std::sync::Arc::new(move |target: &str| {
        if let Some((_, content_type, body)) = files.iter().find(|(path, ..)| *path == target) {
            return (200, content_type.to_string(), body.clone());
        }
        match target {
            "/nb/" => (
                200,
                "text/html; charset=utf-8".into(),
                LIST.as_bytes().to_vec(),
            ),
            t => numbered_portal(
                t,
                1,
                |_| LIST.as_bytes().to_vec(),
                |n| (n == 1).then(|| page.clone()),
            ),
        }
    }));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = portals_config(
        dir.path(),
        &[("某某县人民政府", format!("{}/nb/", server.base))],
    );
    let out = run_nianbao(&config, &["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    (server, dir, config)
}

/// The `nianbao tables --format jsonl` line of the record `id`.
fn tables_of(config: &std::path::Path, id: &serde_json::Value) -> serde_json::Value {
    let out = run_nianbao(config, &["tables", "--format", "jsonl"]);
    assert!(out.status.success(), "tables: {}", stderr(&out));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON line"))
        .find(|t| t["id"] == *id)
        .expect("the report's tables")
}

/// The raw value of one cell of a `tables` line.
fn cell_of(line: &serde_json::Value, table: u64, row: &str, col: &str) -> Option<String> {
    line["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .find(|c| c["table"] == table && c["row_key"] == row && c["col_key"] == col)
        .map(|c| c["raw"].as_str().unwrap_or_default().to_string())
}

fn report_page_linking(path: &str, label: &str) -> Vec<u8> {
    format!(
        "<html><head><meta charset=\"utf-8\"><title>某某县人民政府2025年政府信息公开工作年度报告</title></head><body>\
         <h1>某某县人民政府2025年政府信息公开工作年度报告</h1><div class=\"content\">\
         <p>发布机构：某某县人民政府办公室</p><p>报告全文及统计表见附件。</p>\
         <p>附件：<a href=\"{path}\">{label}</a></p></div></body></html>"
    )
    .into_bytes()
}

/// Not a check: the time to derive the text of a report's statistics workbook and of a larger
/// one (20 sheets of 200 rows), printed (`cargo test --test attachment_sheets -- --ignored
/// --nocapture`).
#[test]
#[ignore]
fn measure_derive_time() {
    let values = distinct_values_2021();
    let report = workbook(&ROWS_2021, &values, Drift::None, true, true);
    let big: Vec<Sheet> = (0..20)
        .map(|s| {
            let rows = (0..200)
                .map(|r| {
                    let mut row = vec![format!("第{s}表第{r}行 政府信息公开事项")];
                    row.extend((0..9).map(|c| ((r * 7 + c * 13 + s) % 997).to_string()));
                    row
                })
                .collect();
            Sheet::new(&format!("表{s}"), rows)
        })
        .collect();
    for (what, book) in [("report", &report), ("20 sheets x 200 rows", &big)] {
        for (kind, body) in [("xlsx", sheets::xlsx(book)), ("xls", sheets::xls(book))] {
            let started = Instant::now();
            let (info, text) = derive(&body);
            eprintln!(
                "{what} {kind}: {} bytes, text {} bytes, {:?} ({:?})",
                body.len(),
                text.map_or(0, |t| t.len()),
                started.elapsed(),
                info.text_error
            );
        }
    }
}

/// Table 二 of both templates from a sheet reads as from the page's HTML: every cell the same,
/// a value merged over three columns (收费金额, 采购总金额) once, under its own header.
#[test]
fn table_two_in_a_sheet_reads_as_on_the_page() {
    let t2021: &[&[&str]] = &[
        &["第二十条第（一）项"],
        &["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        &["规章", "-", "-", "-"],
        &["行政规范性文件", "5", "1", "40"],
        &["其他主动公开文件", "12", "", "80"],
        &["第二十条第（八）项"],
        &["信息内容", "本年收费金额（单位：万元）", "", ""],
        &["行政事业性收费", "251000元", "", ""],
    ];
    let t2019: &[&[&str]] = &[
        &["第二十条第（一）项"],
        &[
            "信息内容",
            "本年新制作数量",
            "本年新公开数量",
            "对外公开总数量",
        ],
        &["规范性文件", "3", "3", "27"],
        &["第二十条第（五）项"],
        &["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
        &["行政许可", "56", "-2", "310"],
        &["第二十条第（九）项"],
        &["信息内容", "采购项目数量", "采购总金额", ""],
        &["政府集中采购", "4", "35.5", ""],
    ];
    for (what, rows, merged) in [("2021", t2021, (6, 7)), ("2019", t2019, (7, 8))] {
        let html: String = rows
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let cells: String = if row.len() == 1 {
                    format!("<td colspan=4>{}</td>", row[0])
                } else if i == merged.0 || i == merged.1 {
                    let span = if what == "2021" { 3 } else { 2 };
                    let head: String = row[..4 - span]
                        .iter()
                        .map(|c| format!("<td>{c}</td>"))
                        .collect();
                    format!("{head}<td colspan={span}>{}</td>", row[4 - span])
                } else {
                    row.iter().map(|c| format!("<td>{c}</td>")).collect()
                };
                format!("<tr>{cells}</tr>")
            })
            .collect();
        let page = common::tables::read(&format!("<table>{html}</table>"));
        let sheet = Sheet::new("表二", rows.iter().map(|r| cells(r)).collect());
        let (info, text) = derive(&sheets::xlsx(&[sheet]));
        assert_eq!(info.text_error, None, "{what}");
        let t = tables::read_sheet_text(&text.expect("text"));
        let of = |t: &tables::Tables| -> Vec<(String, String, String)> {
            t.cells
                .iter()
                .filter(|c| c.table == 2)
                .map(|c| (c.row_key.clone(), c.col_key.clone(), c.raw.clone()))
                .collect()
        };
        assert!(!of(&page).is_empty(), "{what}");
        assert_eq!(of(&t), of(&page), "{what}");
        assert_eq!(t.template, page.template, "{what}");
    }
}

/// A template's name, its table 三 rows (label, key) and their values.
type TemplateRows<'a> = (&'static str, &'a [(&'a str, &'a str)], &'a [[String; 7]]);

/// Replaces every cell that says `from` by `to` (labels drifted alike).
fn relabel(book: &mut [Sheet], from: &str, to: &str) {
    for sheet in book {
        for cell in sheet.rows.iter_mut().flatten() {
            if *cell == from {
                *cell = to.to_string();
            }
        }
    }
}

/// A 合计 column after the five 法人或其他组织 columns (their subtotal: the template has none),
/// in both templates, Simplified and Traditional (合計), a sheet per table or all on one, each
/// kind of spreadsheet: every template value under its own column, the checks passing, the 合计
/// values not read. The sheet's text prints 法人或其他组织 in the first of the cells it is merged
/// over, so the 合计 under the others was taken for 总计: no header placed the values, and the
/// whole table went unread.
#[test]
fn a_heji_subtotal_under_the_legal_persons_is_left_out() {
    let values = distinct_values_2021();
    let (rows_2019, values_2019) = rows_and_values_2019(&values);
    let templates: [TemplateRows; 2] = [
        ("2021", &ROWS_2021, &values),
        ("2019", &rows_2019, &values_2019),
    ];
    for (template, rows, vals) in templates {
        for d in [Drift::None, Drift::Traditional] {
            for one_sheet in [false, true] {
                let mut book = workbook(rows, vals, d, true, one_sheet);
                relabel(&mut book, &drift("小计", d), &drift("合计", d));
                for (kind, body) in each_kind(&book) {
                    let what = format!("{template}, {d:?}, one sheet {one_sheet}, {kind}");
                    let (info, text) = derive(&body);
                    assert_eq!(info.text_error, None, "{what}");
                    let text = text.expect("text stored");
                    assert!(text.contains(&drift("合计", d)), "{what}: {text}");
                    let t = tables::read_sheet_text(&text);
                    assert!(t.unread.is_empty(), "{what}: {:?}", t.unread);
                    assert_eq!(t.template.name(), template, "{what}");
                    assert_t3_rows(&t, rows, vals, &what);
                    let t3 = t.cells.iter().filter(|c| c.table == 3).count();
                    assert_eq!(t3, rows.len() * 7, "{what}: no 合计 value read");
                    assert_all_pass(&t, &what);
                }
            }
        }
    }
}

/// Table 二 of a template as sheet rows (a caption row, its header, its rows).
fn t2_rows(template: &str, d: Drift) -> Vec<Vec<String>> {
    let rows: &[&[&str]] = if template == "2021" {
        &[
            &["第二十条第（一）项"],
            &["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
            &["规章", "0", "0", "3"],
            &["行政规范性文件", "5", "1", "40"],
            &["第二十条第（五）项"],
            &["信息内容", "本年处理决定数量"],
            &["行政许可", "thousands:12345"],
        ]
    } else {
        &[
            &["第二十条第（一）项"],
            &[
                "信息内容",
                "本年新制作数量",
                "本年新公开数量",
                "对外公开总数量",
            ],
            &["规范性文件", "3", "3", "27"],
            &["第二十条第（五）项"],
            &["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
            &["行政许可", "56", "-2", "thousands:12345"],
        ]
    };
    rows.iter()
        .map(|r| r.iter().map(|c| drift(c, d)).collect())
        .collect()
}

/// Tables 二, 三 and 四 one under the other on one sheet with no section heading between them
/// (an empty row or none), in both templates, Simplified and Traditional, each kind of
/// spreadsheet: each is read whole. They were one table, taken for 三 (it holds 本年新收), so
/// 二's and 四's values were lost. 行政许可's 12,345 (a `#,##0` format in the XLSX) reads 12345.
#[test]
fn tables_one_under_another_on_a_sheet_are_split_at_each_header() {
    let values = distinct_values_2021();
    let (rows_2019, values_2019) = rows_and_values_2019(&values);
    let templates: [TemplateRows; 2] = [
        ("2021", &ROWS_2021, &values),
        ("2019", &rows_2019, &values_2019),
    ];
    for (template, rows, vals) in templates {
        for d in [Drift::None, Drift::Traditional] {
            for gap in [false, true] {
                let mut all = t2_rows(template, d);
                if gap {
                    all.push(cells(&[]));
                }
                let (t3, mut merges) = t3_grid(rows, vals, d, false, all.len() as u32);
                all.extend(t3);
                if gap {
                    all.push(cells(&[]));
                }
                let (t4, m4) = t4_grid(&T4, d, all.len() as u32);
                all.extend(t4);
                merges.extend(m4);
                let mut sheet = Sheet::new("统计表", all);
                sheet.merges = merges;
                let book = vec![sheet];
                for (kind, body) in each_kind(&book) {
                    let what = format!("{template}, {d:?}, empty row {gap}, {kind}");
                    let (info, text) = derive(&body);
                    assert_eq!(info.text_error, None, "{what}");
                    let t = tables::read_sheet_text(&text.expect("text stored"));
                    assert!(t.unread.is_empty(), "{what}: {:?}", t.unread);
                    assert_eq!(t.template.name(), template, "{what}");
                    let licensing = t
                        .cell(tables::Section::Proactive, "licensing", "decisions")
                        .unwrap_or_else(|| panic!("{what}: 行政许可 read: {:?}", t.cells));
                    assert_eq!(licensing.value, Some(12345.0), "{what}");
                    let first_t2 = if template == "2021" {
                        ("normative_docs", "in_force", "40")
                    } else {
                        ("normative_docs", "public_total", "27")
                    };
                    assert_eq!(
                        raw(&t, 2, first_t2.0, first_t2.1).as_deref(),
                        Some(first_t2.2),
                        "{what}"
                    );
                    assert_t3_rows(&t, rows, vals, &what);
                    assert_t4(&t, &T4, &what);
                    assert_all_pass(&t, &what);
                }
            }
        }
    }
}

/// Numbers under a number format come out as the XLSX shows them: 1,234 (`#,##0`) as 1234, a
/// percentage (`0.0%`, the cell holding 0.125) as `12.5%`, which reads as 12.5. calamine gives
/// the stored number; the XLS and ODS readers give no format, so there the stored number stands.
#[test]
fn formatted_numbers_read_as_the_sheet_shows_them() {
    let book = vec![Sheet::new(
        "表",
        vec![
            cells(&["项目", "数量", "占比"]),
            cells(&["行政许可", "thousands:1234", "percent:0.125"]),
        ],
    )];
    for (kind, body, want) in [
        ("xlsx", sheets::xlsx(&book), "行政许可\t1234\t12.5%\t"),
        ("xls", sheets::xls(&book), "行政许可\t1234\t0.125\t"),
        ("ods", sheets::ods(&book), "行政许可\t1234\t0.125\t"),
    ] {
        let (info, text) = derive(&body);
        assert_eq!(info.text_error, None, "{kind}");
        let text = text.expect("text stored");
        assert!(text.contains(want), "{kind}: {text}");
    }
    let pct = tables::read_value("12.5%");
    assert_eq!(pct.number, Some(12.5));
}

/// A report page whose one attachment is a DOCX holding the report's text and no table: the
/// version reads as `free`, with `read_from` naming the document, not `attachment_only` (which
/// says the tables are in a document not read).
#[test]
fn a_report_whose_document_holds_no_table_is_free_text_read_from_it() {
    let report = attachment_support::docx(attachment_support::REPORT_LINES);
    let page = report_page_linking("/files/2025.docx", "2025年度报告.docx");
    let docx_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    let files = vec![("/files/2025.docx", docx_type, report)];
    let (_server, _dir, config) = crawl_portal("127.0.0.4", page, files);
    let records = exported(&config);
    let record = record_ending(&records, "/art/1.html");
    let line = tables_of(&config, &record["id"]);
    assert_eq!(line["template"], "free", "{line}");
    assert!(
        line["read_from"]["url"]
            .as_str()
            .is_some_and(|u| u.ends_with("/files/2025.docx")),
        "{line}"
    );
    assert_eq!(line["cells"], serde_json::json!([]), "{line}");
}
