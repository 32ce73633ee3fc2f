//! Benchmark of the statistics-table readers on the hostile inputs whose time once grew faster
//! than the input (README "Bad input is catalogued…"): a sheet of wide rows placed by position,
//! an HTML table of many rows, long captions over a wide sheet. Each is read at two sizes, 4x
//! apart, and the growth printed (4x for a reading linear in the input, 16x for a quadratic one).
//! A plain `main` (harness = false): figures are printed, never asserted.
//!
//! `cargo bench --bench table_readers`
#![allow(clippy::disallowed_macros)] // tests and benches print figures and progress

use std::time::{Duration, Instant};

use nianbao::tables;

/// Table 三's labels, cycled over the rows (what a reader matches against).
const LABELS: &[&str] = &[
    "一、本年新收政府信息公开申请数量",
    "二、上年结转政府信息公开申请数量",
    "（一）予以公开",
    "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "（七）总计",
    "四、结转下年度继续办理",
];

const HEADING: &str = "三、收到和处理政府信息公开申请情况";

/// Rows of a label and `width` values, under table 三's heading, as a sheet's text.
fn wide_rows(rows: usize, width: usize) -> String {
    let mut out = format!("Sheet1\n{HEADING}\n");
    for i in 0..rows {
        out.push_str(LABELS[i % LABELS.len()]);
        out.push('\t');
        out.push_str(&"7\t".repeat(width));
        out.push('\n');
    }
    out
}

/// An HTML page with table 三's heading and a table of `rows` labelled rows.
fn long_table(rows: usize) -> String {
    let body: String = (0..rows)
        .map(|i| {
            format!(
                "<tr><td>{}</td><td>{i}</td><td>1</td><td>2</td><td>3</td><td>4</td><td>5</td><td>{i}</td></tr>",
                LABELS[i % LABELS.len()]
            )
        })
        .collect();
    format!(
        "<html><body><p>{HEADING}</p><table><tr><td>自然人</td><td>总计</td></tr>{body}</table></body></html>"
    )
}

/// A sheet 1,000 columns wide, then 100 caption rows of `kb` KB each.
fn long_captions(kb: usize) -> String {
    let mut out = format!("Sheet1\n{HEADING}\n{}\n", "7\t".repeat(1_000));
    out.push_str(&format!("{}\t\n", "注".repeat(kb * 1024 / 3)).repeat(100));
    out
}

fn time(read: impl Fn()) -> Duration {
    let start = Instant::now();
    read();
    start.elapsed()
}

fn case(name: &str, sizes: [usize; 2], make: impl Fn(usize) -> String, read: impl Fn(&str)) {
    let mut times = Vec::new();
    for n in sizes {
        let input = make(n);
        let took = time(|| read(&input));
        println!(
            "  {name}, n = {n:6}: {:9.1} ms ({:.2} MB)",
            took.as_secs_f64() * 1e3,
            input.len() as f64 / 1e6
        );
        times.push(took);
    }
    println!(
        "  {name}: 4x n took {:.1}x the time (linear 4, quadratic 16)",
        times[1].as_secs_f64() / times[0].as_secs_f64().max(1e-9)
    );
}

fn main() {
    println!("table readers on hostile inputs");
    case(
        "sheet rows of 200 values placed by position",
        [1_000, 4_000],
        |n| wide_rows(n, 200),
        |t| drop(std::hint::black_box(tables::read_sheet_text(t))),
    );
    case("HTML table rows", [5_000, 20_000], long_table, |h| {
        drop(std::hint::black_box(tables::read_body(
            h.as_bytes(),
            Some("text/html; charset=utf-8"),
            false,
        )))
    });
    case(
        "100 captions of n KB over 1,000 sheet columns",
        [8, 32],
        long_captions,
        |t| drop(std::hint::black_box(tables::read_sheet_text(t))),
    );
}
