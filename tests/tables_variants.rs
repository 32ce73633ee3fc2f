//! The real Pingtan 2024 report (`../shared/real-pages-2/12-pingtan-2024-annual-report-item.html`,
//! 2021 format) printed as careful readers meet it elsewhere: letter-spaced or Traditional labels,
//! as `pdftotext -layout` or DOC text, across a page break, rows reordered, its header lost,
//! numbered otherwise, labels shortened. Each must read to the page's own figures, or to no
//! figure with a reason: never a figure from another row, column or table.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::tables::{as_layout, as_tabs, raw, status};
use nianbao::tables::{self, CellState, Status, Tables, Template};

fn pingtan() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/real-pages-2/12-pingtan-2024-annual-report-item.html");
    std::fs::read_to_string(&path).expect("the Pingtan page is in ../shared/real-pages-2")
}

fn read_html(html: &str) -> Tables {
    tables::read_body(html.as_bytes(), Some("text/html; charset=utf-8"), false)
}

/// The page's three tables as the text of a document shows them: each cell once, on the row it
/// starts (a `rowspan` label beside its first row only), each table under its section heading.
fn as_text(html: &str, render: fn(&[Vec<String>]) -> String) -> String {
    let headings = [
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
    ];
    let grids = tables::grid::tables_of_html(html);
    assert_eq!(grids.len(), 3, "the page prints tables 二, 三 and 四");
    let mut text = String::from("一、总体情况\n本机关全年办理政府信息公开申请。\n");
    for (heading, grid) in headings.iter().zip(&grids) {
        let rows: Vec<Vec<String>> = (0..grid.slots.len())
            .map(|r| {
                grid.row_cells(r)
                    .into_iter()
                    .filter(|c| c.row == r)
                    .map(|c| c.text.clone())
                    .collect()
            })
            .collect();
        text.push_str(heading);
        text.push('\n');
        text.push_str(&render(&rows));
    }
    text.push_str("五、存在的主要问题及改进情况\n无。\n");
    text
}

/// The cells by their keys; a key read twice is a failure of its own.
fn by_key(t: &Tables, what: &str) -> BTreeMap<(u8, String, String), String> {
    let mut out = BTreeMap::new();
    for c in &t.cells {
        let key = (c.table, c.row_key.clone(), c.col_key.clone());
        assert!(
            out.insert(key.clone(), c.raw.clone()).is_none(),
            "{what}: {key:?} read twice"
        );
    }
    out
}

/// Every figure the page gives, and no other.
fn assert_same(page: &Tables, t: &Tables, what: &str) {
    assert_eq!(t.template, Template::T2021, "{what}");
    let want = by_key(page, "page");
    let got = by_key(t, what);
    let wrong: Vec<String> = want
        .keys()
        .chain(got.keys().filter(|k| !want.contains_key(*k)))
        .filter(|k| want.get(*k) != got.get(*k))
        .map(|k| format!("{k:?}: want {:?}, read {:?}", want.get(k), got.get(k)))
        .collect();
    assert!(
        wrong.is_empty(),
        "{what}:\n{}\nunread: {:?}",
        wrong.join("\n"),
        t.unread
    );
}

/// `1.属于国家秘密` as `①属于国家秘密`: a digit and a point before a label's first character.
fn circled_sub_items(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let label_follows = chars
            .get(i + 2)
            .is_some_and(|n| ('\u{4e00}'..='\u{9fff}').contains(n));
        match (c.to_digit(10), chars.get(i + 1)) {
            (Some(d @ 1..=8), Some('.')) if label_follows => {
                out.push(char::from_u32(0x2460 + d - 1).unwrap_or(c));
                i += 2;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// The text with the first line holding `find` changed by `f`.
fn edit(text: &str, find: &str, f: impl Fn(&str) -> String) -> String {
    let mut done = false;
    text.lines()
        .map(|l| {
            if !done && l.contains(find) {
                done = true;
                f(l)
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Simplified characters of the tables' labels and their Traditional forms.
const TRADITIONAL: [(char, char); 24] = [
    ('开', '開'),
    ('请', '請'),
    ('处', '處'),
    ('总', '總'),
    ('计', '計'),
    ('数', '數'),
    ('结', '結'),
    ('转', '轉'),
    ('条', '條'),
    ('项', '項'),
    ('规', '規'),
    ('许', '許'),
    ('罚', '罰'),
    ('费', '費'),
    ('议', '議'),
    ('诉', '訴'),
    ('讼', '訟'),
    ('维', '維'),
    ('审', '審'),
    ('机', '機'),
    ('关', '關'),
    ('业', '業'),
    ('组', '組'),
    ('织', '織'),
];

fn traditional(text: &str) -> String {
    text.chars()
        .map(|c| {
            TRADITIONAL
                .iter()
                .find(|(s, _)| *s == c)
                .map_or(c, |(_, t)| *t)
        })
        .collect()
}

/// A space after every CJK character outside tags, as a letter-spaced PDF prints labels.
fn letter_spaced(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ => {}
        }
        out.push(c);
        if !in_tag && ('\u{4e00}'..='\u{9fff}').contains(&c) {
            out.push(' ');
        }
    }
    out
}

#[test]
fn variants_a_careful_reader_reads_alike() {
    let html = pingtan();
    let page = read_html(&html);
    assert_eq!(page.cells.len(), 200, "the page's 10 + 175 + 15 figures");
    assert_same(&page, &read_html(&traditional(&html)), "Traditional labels");
    assert_same(
        &page,
        &read_html(&letter_spaced(&html)),
        "letter-spaced labels",
    );
    let layout = as_text(&html, as_layout);
    let tabs = as_text(&html, as_tabs);
    assert_same(&page, &tables::read_text(&layout), "pdftotext -layout");
    assert_same(&page, &tables::read_text(&tabs), "DOC text");
    assert_same(
        &page,
        &tables::read_text(&traditional(&layout)),
        "layout, Traditional",
    );
    let variants = [
        (
            "a page break with running header and page number inside table 三",
            edit(&layout, "4.保护第三方合法权益", |l| {
                format!(
                    "{l}\n\n                         — 5 —\n\u{c}    平潭综合实验区2024年政府信息公开工作年度报告\n"
                )
            }),
        ),
        ("四、结转 printed before 二、上年结转", {
            let last = layout
                .lines()
                .find(|l| l.contains("四、结转下年度"))
                .expect("the page has 四、结转下年度继续办理");
            edit(
                &layout.replace(&format!("{last}\n"), ""),
                "二、上年结转",
                |l| format!("{last}\n{l}"),
            )
        }),
        (
            "table 三 without its header rows",
            edit(
                &edit(
                    &edit(&layout, "勾稽关系", |_| String::new()),
                    "法人或其他组织",
                    |_| String::new(),
                ),
                "科研",
                |_| String::new(),
            ),
        ),
        ("sub-items numbered ①", circled_sub_items(&layout)),
        (
            "labels shortened as portals print them",
            layout
                .replace("（区分处理的，只计这一情形，不计其他情形）", "")
                .replace("“三安全一稳定”", "三安全一稳定")
                .replace("一、本年新收政府信息公开申请数量", "一、本年新收申请数量")
                .replace("四、结转下年度继续办理", "四、结转下年度办理"),
        ),
        (
            "a label over two lines, the values beside its second",
            edit(&layout, "一、本年新收", |l| {
                l.replacen("一、本年新收政府信息", "一、本年新收政府信息\n    ", 1)
            }),
        ),
    ];
    for (what, text) in &variants {
        assert_same(&page, &tables::read_text(text), what);
    }
}

/// Issue: `pdftotext -layout` sets narrow columns one space apart, and a cell `2 17` or `2 1` was
/// read as 217 or 21 (every space was removed before reading the number). Only thousands grouped
/// by a space (`4 529`) read as one number; other digits apart are no figure: the row then holds
/// six values, which no header places, and is listed unread.
#[test]
fn digits_apart_by_a_space() {
    let layout = as_text(&pingtan(), as_layout);
    let text = edit(&layout, "行政许可", |l| l.replace("4529", "4 529"));
    let text = edit(&text, "一、本年新收", |l| {
        l.replacen("217", "2 17", 1)
    });
    let t = tables::read_text(&text);
    let licensing = t
        .cells
        .iter()
        .find(|c| c.row_key == "licensing")
        .expect("行政许可 is read");
    assert_eq!(
        (licensing.state, licensing.value),
        (CellState::Number, Some(4529.0))
    );
    // The row is not read (its six other values are not placed by position either), and says so.
    assert!(
        !t.cells.iter().any(|c| c.table == 3 && c.row_key == "new"),
        "{:?}",
        t.cells.iter().find(|c| c.table == 3 && c.row_key == "new")
    );
    assert!(
        t.unread.iter().any(|u| u.starts_with("三 一、本年新收")),
        "{:?}",
        t.unread
    );
    assert_eq!(
        status(&t, "t3_balance", "natural"),
        Some(Status::NotAssessable)
    );
}

/// Counts that are negative, fractional or do not add up are read as printed and the checks say so.
#[test]
fn counts_that_do_not_add_up_fail_their_checks() {
    let layout = as_text(&pingtan(), as_layout);
    let text = edit(&layout, "2.重复申请", |l| l.replacen(" 1 ", " -1 ", 1));
    let text = edit(&text, "（七）总计", |l| l.replacen("217", "300", 1));
    let text = edit(&text, "3.其他", |l| l.replacen(" 1 ", " 1.5 ", 1));
    let t = tables::read_text(&text);
    assert_eq!(
        raw(&t, 3, "not_processed_2", "natural").as_deref(),
        Some("-1")
    );
    assert_eq!(raw(&t, 3, "other_3", "natural").as_deref(), Some("1.5"));
    assert_eq!(raw(&t, 3, "total", "natural").as_deref(), Some("300"));
    assert_eq!(
        status(&t, "non_negative_integers", "all"),
        Some(Status::Fail)
    );
    assert_eq!(status(&t, "t3_balance", "natural"), Some(Status::Fail));
    assert_eq!(status(&t, "t3_row_sum", "total"), Some(Status::Fail));
    assert_eq!(status(&t, "t3_balance", "commercial"), Some(Status::Pass));
}

/// Issue: two reports' tables in one text (a county's, then a department's, in one PDF) gave two
/// cells for one key, 217 and 17, and the same table printed twice every cell twice. A figure two
/// tables print alike is kept once; one they print differently is no figure, listed unread.
#[test]
fn tables_printed_twice() {
    let html = pingtan();
    let page = read_html(&html);
    let layout = as_text(&html, as_layout);
    let table_3 = {
        let from = layout.find("三、收到和处理").expect("table 三's heading");
        let to = layout
            .find("四、政府信息公开行政复议")
            .expect("table 四's heading");
        &layout[from..to]
    };
    let twice = layout.replace(table_3, &format!("{table_3}{table_3}"));
    assert_same(&page, &tables::read_text(&twice), "table 三 printed twice");

    let department = edit(
        &edit(&layout, "一、本年新收", |l| {
            l.replace("217", "17").replace("218", "18")
        }),
        "（七）总计",
        |l| l.replace("217", "17").replace("218", "18"),
    );
    let text = format!("{layout}平潭综合实验区某局2024年政府信息公开工作年度报告\n{department}");
    let t = tables::read_text(&text);
    let read = by_key(&t, "two reports");
    let want = by_key(&page, "page");
    for ((table, row, col), raw) in &read {
        let key = (*table, row.clone(), col.clone());
        assert_eq!(want.get(&key), Some(raw), "{key:?}");
    }
    for (row, col) in [("new", "natural"), ("new", "total"), ("total", "natural")] {
        assert_eq!(raw(&t, 3, row, col), None, "{row}/{col}");
    }
    assert_eq!(raw(&t, 3, "new", "commercial").as_deref(), Some("1"));
    assert_eq!(read.len(), 200 - 4, "{:?}", t.unread);
    assert!(
        t.unread.contains(
            &"三 一、本年新收政府信息公开申请数量 / 自然人: printed twice, 217 and 17: not read"
                .to_string()
        ),
        "{:?}",
        t.unread
    );
    assert_eq!(
        status(&t, "t3_balance", "natural"),
        Some(Status::NotAssessable)
    );
}
