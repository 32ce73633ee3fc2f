//! The probe's inputs for the statistics-table readers: a spreadsheet's text
//! (`read_sheet_text`), PDF text (`read_text`) and HTML tables (`read_body`).

use nianbao::tables;

use super::probe;
use crate::common::tables::ROWS_2021;

pub fn labels() -> Vec<&'static str> {
    ROWS_2021.iter().map(|(label, _)| *label).collect()
}

/// Table 三's 2021 header as a sheet's rows (a tab after each cell).
pub const SHEET_HEAD: &str = "三、收到和处理政府信息公开申请情况\n\
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

pub fn sheet_probes() {
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

pub fn pdf_probes() {
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

pub fn html_table_probes() {
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
