//! Hostile-input probe of the readers added after the hostile family (README "Bad input is
//! catalogued…"): the statistics-table readers (HTML tables, a spreadsheet's text, PDF text) and
//! the page readers behind `inspect` (glued labels, banner titles, issuers, month-day list rows).
//! Each pathological input is read at doubling sizes and the time and peak memory printed with
//! their ratios (2x a doubling is linear, 4x quadratic). Figures are printed, never asserted:
//! the probe is `#[ignore]`d and run by hand (README "Fuzzing"):
//!
//! `cargo test --locked --test hostile_readers -- --ignored --nocapture` (`PROBE=sheet` runs only
//! the inputs whose name holds `sheet`).

mod common;

use std::time::{Duration, Instant};

use common::tables::ROWS_2021;
use nianbao::extract::ListEvidence;
use nianbao::page::{self, PageInput, PageRole};
use nianbao::tables;
use url::Url;

/// Sizes each input is built at: each twice the one before.
const DOUBLINGS: u32 = 3;

/// The peak resident memory of this process since the last reset, in MB (Linux; `None`
/// elsewhere). Writing 5 to `clear_refs` resets the peak to the current size.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn peak_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Reads `make(n)` at `base`, 2x, 4x … and prints each time, peak memory and the growth.
fn probe(name: &str, base: usize, make: impl Fn(usize) -> String, read: impl Fn(&str)) {
    if std::env::var("PROBE").is_ok_and(|only| !name.contains(&only)) {
        return;
    }
    let mut last: Option<Duration> = None;
    for k in 0..DOUBLINGS {
        let n = base << k;
        let input = make(n);
        reset_peak();
        let start = Instant::now();
        read(&input);
        let took = start.elapsed();
        let growth = last
            .map(|l| format!("{:5.1}x", took.as_secs_f64() / l.as_secs_f64().max(1e-9)))
            .unwrap_or_else(|| "     ".into());
        println!(
            "{name:44} n={n:>8} {:7.2} MB in: {:9.1} ms {growth}  peak {:7.1} MB",
            input.len() as f64 / 1e6,
            took.as_secs_f64() * 1e3,
            peak_mb().unwrap_or(f64::NAN)
        );
        last = Some(took);
    }
}

fn page_as(role: &PageRole, html: &str) {
    let url = Url::parse("http://127.0.0.1/xxgk/ndbg/t20240120_1.html").expect("valid URL");
    let input = PageInput {
        url: &url,
        status: 200,
        content_type: Some("text/html; charset=utf-8"),
        body: html.as_bytes(),
    };
    std::hint::black_box(page::analyse(input, role));
}

fn item() -> PageRole {
    PageRole::Item {
        evidence: ListEvidence::default(),
        portal_name: "测试市人民政府".into(),
    }
}

fn list() -> PageRole {
    PageRole::List { list_api: None }
}

fn labels() -> Vec<&'static str> {
    ROWS_2021.iter().map(|(label, _)| *label).collect()
}

/// Table 三's 2021 header as a sheet's rows (a tab after each cell).
const SHEET_HEAD: &str = "三、收到和处理政府信息公开申请情况\n\
    （本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\t\t\t申请人情况\t\t\t\t\t\t\t\n\
    \t\t\t自然人\t法人或其他组织\t\t\t\t\t总计\t\n\
    \t\t\t\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t\t\n";

fn sheet_rows(n: usize, row: impl Fn(usize) -> String) -> String {
    let mut out = String::from("Sheet1\n");
    out.push_str(SHEET_HEAD);
    for i in 0..n {
        out.push_str(&row(i));
        out.push('\n');
    }
    out
}

fn sheet_probes() {
    let labels = labels();
    probe(
        "sheet: rows of a label and 7 numbers",
        5_000,
        |n| {
            sheet_rows(n, |i| {
                format!(
                    "{}\t\t\t{i}\t1\t2\t3\t4\t5\t{i}\t",
                    labels[i % labels.len()]
                )
            })
        },
        |t| drop(std::hint::black_box(tables::read_sheet_text(t))),
    );
    probe(
        "sheet: one row of n columns",
        1_000,
        |n| sheet_rows(1, |_| "7\t".repeat(n)),
        |t| drop(std::hint::black_box(tables::read_sheet_text(t))),
    );
    probe(
        "sheet: n rows of 200 columns",
        1_000,
        |n| {
            sheet_rows(n, |i| {
                format!("{}\t", labels[i % labels.len()]) + &"7\t".repeat(200)
            })
        },
        |t| drop(std::hint::black_box(tables::read_sheet_text(t))),
    );
    probe(
        "sheet: rows whose cells are all labels",
        2_000,
        |n| {
            sheet_rows(n, |i| {
                labels
                    .iter()
                    .cycle()
                    .skip(i)
                    .take(10)
                    .map(|l| format!("{l}\t"))
                    .collect()
            })
        },
        |t| drop(std::hint::black_box(tables::read_sheet_text(t))),
    );
    probe(
        "sheet: n section headings, each a header",
        1_000,
        |n| {
            let mut out = String::from("Sheet1\n");
            for i in 0..n {
                out.push_str(SHEET_HEAD);
                out.push_str(&format!(
                    "{}\t\t\t1\t0\t0\t0\t0\t0\t1\t\n",
                    labels[i % labels.len()]
                ));
            }
            out
        },
        |t| drop(std::hint::black_box(tables::read_sheet_text(t))),
    );
    probe(
        "sheet: odd numbers in count cells",
        2_000,
        |n| {
            let odd = [
                "1e308",
                "NaN",
                "-0",
                "1234567890123456789012345678901234567890",
                "-1",
                "inf",
                "1.5",
                "0x10",
            ];
            sheet_rows(n, |i| {
                let v = odd[i % odd.len()];
                format!(
                    "{}\t\t\t{v}\t{v}\t{v}\t{v}\t{v}\t{v}\t{v}\t",
                    labels[i % labels.len()]
                )
            })
        },
        |t| drop(std::hint::black_box(tables::read_sheet_text(t))),
    );
    probe(
        "sheet: 100 captions of n KB over 1,000 columns",
        8,
        |n| {
            let mut out = sheet_rows(1, |_| "7\t".repeat(1_000));
            out.push_str(&format!("{}\t\n", "申".repeat(n * 1024 / 3)).repeat(100));
            out
        },
        |t| drop(std::hint::black_box(tables::read_sheet_text(t))),
    );
    probe(
        "sheet: one cell of n KB",
        1_000,
        |n| sheet_rows(1, |_| format!("{}\t1\t", "申".repeat(n * 1024 / 3))),
        |t| drop(std::hint::black_box(tables::read_sheet_text(t))),
    );
}

fn pdf_probes() {
    let labels = labels();
    probe(
        "pdf text: lines of numbers set apart by spaces",
        50_000,
        |n| {
            (0..n)
                .map(|i| format!("{i}    1    2    3    4    5    {i}\n"))
                .collect()
        },
        |t| drop(std::hint::black_box(tables::read_text(t))),
    );
    probe(
        "pdf text: labelled rows of numbers",
        20_000,
        |n| {
            (0..n)
                .map(|i| {
                    format!(
                        "{}    {i}    1    2    3    4    5    {i}\n",
                        labels[i % labels.len()]
                    )
                })
                .collect()
        },
        |t| drop(std::hint::black_box(tables::read_text(t))),
    );
    probe(
        "pdf text: one line of n KB of numbers",
        1_000,
        |n| "12  ".repeat(n * 256),
        |t| drop(std::hint::black_box(tables::read_text(t))),
    );
    probe(
        "pdf text: one line of n KB, no spaces",
        1_000,
        |n| "申请".repeat(n * 1024 / 6),
        |t| drop(std::hint::black_box(tables::read_text(t))),
    );
    probe(
        "pdf text: wrapped heads (label parts alone)",
        5_000,
        |n| {
            (0..n)
                .map(|i| {
                    let l: Vec<char> = labels[i % labels.len()].chars().collect();
                    let half = l.len() / 2;
                    format!(
                        "{}\n{}    1    0    0    0    0    0    1\n",
                        l[..half].iter().collect::<String>(),
                        l[half..].iter().collect::<String>()
                    )
                })
                .collect()
        },
        |t| drop(std::hint::black_box(tables::read_text(t))),
    );
    probe(
        "pdf text: header lines repeated",
        2_000,
        |n| {
            "自然人    商业企业    科研机构    社会公益组织    法律服务机构    其他    总计\n行政复议    行政诉讼\n结果维持    结果纠正    其他结果    尚未审结    总计\n".repeat(n)
        },
        |t| drop(std::hint::black_box(tables::read_text(t))),
    );
    probe(
        "pdf text: `cell |` lines",
        50_000,
        |n| {
            (0..n)
                .map(|i| format!("{} |\n{i} |\n", labels[i % labels.len()]))
                .collect()
        },
        |t| drop(std::hint::black_box(tables::read_text(t))),
    );
}

fn html_table_probes() {
    let labels = labels();
    let read = |h: &str| {
        drop(std::hint::black_box(tables::read_body(
            h.as_bytes(),
            Some("text/html; charset=utf-8"),
            false,
        )))
    };
    probe(
        "html table: n rows",
        2_000,
        |n| {
            let rows: String = (0..n)
                .map(|i| format!("<tr><td>{}</td><td>{i}</td><td>1</td><td>2</td><td>3</td><td>4</td><td>5</td><td>{i}</td></tr>", labels[i % labels.len()]))
                .collect();
            format!(
                "<html><body><p>三、收到和处理政府信息公开申请情况</p><table><tr><td>自然人</td><td>商业企业</td><td>总计</td></tr>{rows}</table></body></html>"
            )
        },
        read,
    );
    probe(
        "html table: one row of n cells",
        1_000,
        |n| {
            format!(
                "<html><body><table><tr>{}</tr></table></body></html>",
                "<td>7</td>".repeat(n)
            )
        },
        read,
    );
    probe(
        "html table: rowspan/colspan over the sheet",
        100,
        |n| {
            format!(
                "<html><body><table><tr><td rowspan=65534 colspan=1000>总计</td><td>1</td></tr>{}</table></body></html>",
                "<tr><td>2</td></tr>".repeat(n)
            )
        },
        read,
    );
    probe(
        "html table: a cell of n KB over 10,000 slots",
        8,
        |n| {
            format!(
                "<html><body><table><tr><td rowspan=10 colspan=1000>{}</td></tr>{}</table></body></html>",
                "申".repeat(n * 1024 / 3),
                "<tr></tr>".repeat(9)
            )
        },
        read,
    );
    probe(
        "html table: tables nested in cells",
        500,
        |n| {
            format!(
                "<html><body>{}{}</body></html>",
                "<table><tr><td>总计".repeat(n),
                "</td></tr></table>".repeat(n)
            )
        },
        read,
    );
}

fn page_probes() {
    probe(
        "page: label：value pairs glued on one line",
        25_000,
        |n| {
            let pairs: String = (0..n)
                .map(|i| {
                    [
                        "索引号：",
                        "发布机构：某县人民政府",
                        "发布日期：2024-01-20",
                        "文号：",
                        "来源：",
                    ][i % 5]
                        .to_string()
                        + &i.to_string()
                })
                .collect();
            format!("<html><head><title>年报</title></head><body><div>{pairs}</div></body></html>")
        },
        |h| page_as(&item(), h),
    );
    probe(
        "page: <title> and <h1> of n KB",
        256,
        |n| {
            let t = "某县人民政府2023年政府信息公开工作年度报告".repeat(n * 1024 / 60);
            format!(
                "<html><head><title>{t}-某县人民政府</title></head><body><h1>{t}</h1><p>正文</p></body></html>"
            )
        },
        |h| page_as(&item(), h),
    );
    probe(
        "page: n headings",
        12_500,
        |n| {
            let hs: String = (0..n)
                .map(|i| format!("<h2>某县{i}政府信息公开工作年度报告</h2>"))
                .collect();
            format!(
                "<html><head><title>某县1政府信息公开工作年度报告_某县人民政府</title></head><body>{hs}</body></html>"
            )
        },
        |h| page_as(&item(), h),
    );
    probe(
        "page: issuer candidates (n signatures)",
        12_500,
        |n| {
            let ps: String = (0..n)
                .map(|i| format!("<p>某{i}县人民政府办公室</p><p>2024年1月20日</p>"))
                .collect();
            format!(
                "<html><head><title>2023年政府信息公开工作年度报告</title></head><body><h1>2023年政府信息公开工作年度报告</h1><p>本报告由某县人民政府办公室编制。</p>{ps}</body></html>"
            )
        },
        |h| page_as(&item(), h),
    );
    probe(
        "list: month-day dated rows",
        25_000,
        |n| {
            let rows: String = (0..n)
                .map(|i| format!("<li><a href=\"/xxgk/ndbg/{i}.html\">某县{i}政府信息公开工作年度报告</a><span>{:02}-{:02}</span></li>", i % 12 + 1, i % 28 + 1))
                .collect();
            format!("<html><head><title>年报</title></head><body><ul>{rows}</ul></body></html>")
        },
        |h| page_as(&list(), h),
    );
    probe(
        "list: rows dated in full (to compare)",
        25_000,
        |n| {
            let rows: String = (0..n)
                .map(|i| format!("<li><a href=\"/xxgk/ndbg/{i}.html\">某县{i}政府信息公开工作年度报告</a><span>2024-{:02}-{:02}</span></li>", i % 12 + 1, i % 28 + 1))
                .collect();
            format!("<html><head><title>年报</title></head><body><ul>{rows}</ul></body></html>")
        },
        |h| page_as(&list(), h),
    );
}

#[test]
#[ignore = "a probe printing figures; see README"]
fn probe_hostile_readers() {
    sheet_probes();
    pdf_probes();
    html_table_probes();
    page_probes();
    xlsx_probes();
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

mod attachment_support;

/// A spreadsheet's text derived as the crawl derives it, in a scratch archive; `None` with the
/// error when there is none.
fn derive_sheet(body: &[u8]) -> Result<usize, String> {
    use nianbao::archive::Archive;
    use nianbao::text::{self, Tools};
    let dir = tempfile::tempdir().expect("temp dir");
    let archive = Archive::open(dir.path()).expect("archive opens");
    let blob = archive.store(body).expect("raw file stored");
    let info = text::derive_and_store(
        &archive,
        &Tools::default(),
        &blob.sha256,
        &blob.raw_path,
        None,
    )
    .expect("a spreadsheet is a format with text");
    match info.text_error {
        Some(e) => Err(e),
        None => Ok(info
            .text_path
            .map(|p| {
                std::fs::metadata(dir.path().join(p))
                    .map(|m| m.len() as usize)
                    .unwrap_or(0)
            })
            .unwrap_or(0)),
    }
}

/// XLSX files: far cells under a whole-sheet dimension, many sheets, long strings.
fn xlsx_probes() {
    use attachment_support::sheets::{self, Sheet};
    let with_sheet_xml = |xml: String| {
        let mut parts = sheets::xlsx_parts(&[Sheet::new("a", vec![vec!["1".into()]])]);
        let at = parts
            .iter()
            .position(|(n, _)| n == "xl/worksheets/sheet1.xml")
            .expect("sheet part");
        parts[at].1 = xml.into_bytes();
        sheets::zip_parts(&parts)
    };
    let ns = "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"";
    let run = |name: &str, body: Vec<u8>| {
        reset_peak();
        let start = Instant::now();
        let out = derive_sheet(&body);
        println!(
            "{name:44} {:7.2} MB in: {:9.1} ms  peak {:7.1} MB  {:?}",
            body.len() as f64 / 1e6,
            start.elapsed().as_secs_f64() * 1e3,
            peak_mb().unwrap_or(f64::NAN),
            out.map_err(|e| e.chars().take(120).collect::<String>())
        );
    };
    if std::env::var("PROBE").is_ok_and(|only| !"xlsx".contains(&only)) {
        return;
    }
    run(
        "xlsx: dimension A1:XFD1048576, two cells",
        with_sheet_xml(format!(
            "<worksheet {ns}><dimension ref=\"A1:XFD1048576\"/><sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c></row><row r=\"1048576\"><c r=\"XFD1048576\"><v>2</v></c></row></sheetData></worksheet>"
        )),
    );
    run(
        "xlsx: a styled empty cell at XFD1048576",
        with_sheet_xml(format!(
            "<worksheet {ns}><sheetData><row r=\"1\"><c r=\"A1\" s=\"1\"><v>1</v></c></row><row r=\"1048576\"><c r=\"XFD1048576\" s=\"1\"/></row></sheetData></worksheet>"
        )),
    );
    run(
        "xlsx: one inline string of 10 MB",
        with_sheet_xml(format!(
            "<worksheet {ns}><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>{}</t></is></c><c r=\"B1\"><v>1</v></c></row></sheetData></worksheet>",
            "申".repeat(10 << 20 >> 2)
        )),
    );
    let many: Vec<Sheet> = (0..1_000)
        .map(|i| Sheet::new(&format!("s{i}"), vec![vec!["总计".into(), "1".into()]]))
        .collect();
    run("xlsx: 1,000 sheets", sheets::xlsx(&many));
}
