//! Where one statistics table ends: the report's section headings (一、总体情况 … 六、其他需要报告的
//! 事项, in either template's wording and either script, numbered or not) and the lines printed
//! among a table's rows that are not rows (注：…, 单位：…, 合计, a page footer). Blocks of rows are
//! cut at a heading before any table is read, so a table never takes the next one's heading, or
//! the figures printed beside it, as a row of its own.

use super::label::{CellState, normalise, read_value};
use super::sections::{Block, Slot};

/// The wording of each section heading, normalised, by section number.
const HEADINGS: &[(u8, &[&str])] = &[
    (1, &["总体情况"]),
    (2, &["主动公开政府信息情况", "主动公开情况"]),
    (
        3,
        &[
            "收到和处理政府信息公开申请情况",
            "依申请公开政府信息情况",
            "依申请公开情况",
        ],
    ),
    (5, &["存在的主要问题及改进情况", "存在的主要问题和改进情况"]),
    (6, &["其他需要报告的事项"]),
];

/// Longest label, in characters, read as a heading: a heading may carry its numbering, the year or
/// a unit (`三、收到和处理政府信息公开申请情况（单位：件）`); a sentence that mentions one is longer.
const MAX_HEADING_CHARS: usize = 36;

/// The section a heading opens (1 to 6), if `text` is one.
pub(super) fn section_heading(text: &str) -> Option<u8> {
    let label = normalise(text);
    if label.chars().count() > MAX_HEADING_CHARS {
        return None;
    }
    if let Some((n, _)) = HEADINGS
        .iter()
        .find(|(_, words)| words.iter().any(|w| label.contains(w)))
    {
        return Some(*n);
    }
    // 四: 政府信息公开行政复议、行政诉讼情况 (2021), 因政府信息公开申请行政复议、提起行政诉讼情况 …
    (label.contains("行政复议") && label.contains("行政诉讼") && label.contains("情况"))
        .then_some(4)
}

/// A line printed among a table's rows that is no row: a note (注：…, 备注, 说明), a unit line
/// (单位：件), a total of the rows above (合计, 小计) or a page footer (第 3 页, 第3页 共10页, - 3 -).
pub(super) fn not_a_row(text: &str) -> bool {
    let label = normalise(text);
    let label = label.replace('註', "注");
    let note = ["注:", "注1", "备注", "说明:"]
        .iter()
        .any(|p| label.starts_with(p))
        || label == "注";
    let unit = label.starts_with("单位:") || label.starts_with("(单位:");
    let total = matches!(label.as_str(), "合计" | "小计" | "总合计");
    note || unit || total || is_page_footer(&label)
}

/// `第3页`, `第3页共10页`, `共10页第3页`, `-3-`, `3/10` (a normalised label).
fn is_page_footer(label: &str) -> bool {
    let strip_digits = |s: &str| -> String { s.chars().filter(|c| !c.is_ascii_digit()).collect() };
    let has_digit = label.chars().any(|c| c.is_ascii_digit());
    let shape = strip_digits(label);
    has_digit
        && matches!(
            shape.as_str(),
            "第页" | "第页共页" | "共页第页" | "--" | "/"
        )
}

/// Blocks cut at every section heading a row holds: the rows before it are one block, the rows
/// after it another (each then read as the table its own labels say it is). The heading is no
/// row; nor are the figures printed on its line after it. In a grid the heading's whole row goes
/// (its other slots are the heading spanned, or figures beside it); in a cell stream, where a row
/// is only labels then values, the labels before the heading stay with the rows above and the
/// labels after its figures start the next block's first row.
pub(super) fn cut_at_headings(blocks: Vec<Block>) -> Vec<Block> {
    let mut out = Vec::with_capacity(blocks.len());
    for block in blocks {
        let aligned = block.aligned;
        let mut current: Vec<Vec<Slot>> = Vec::new();
        for row in block.rows {
            let Some(at) = row.iter().position(|s| section_heading(&s.text).is_some()) else {
                current.push(row);
                continue;
            };
            let mut before = row;
            let after = before.split_off(at);
            if !aligned && !before.is_empty() {
                current.push(before);
            }
            if !current.is_empty() {
                out.push(Block {
                    rows: std::mem::take(&mut current),
                    aligned,
                });
            }
            if !aligned {
                let heading_cell = after.first().map(|s| s.cell);
                let rest: Vec<Slot> = after
                    .into_iter()
                    .skip_while(|s| Some(s.cell) == heading_cell)
                    .skip_while(|s| !matches!(read_value(&s.text).state, CellState::Text))
                    .collect();
                if !rest.is_empty() {
                    current.push(rest);
                }
            }
        }
        if !current.is_empty() {
            out.push(Block {
                rows: current,
                aligned,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_of_every_section_and_not_the_rows_that_share_their_numbers() {
        for (text, n) in [
            ("一、总体情况", Some(1)),
            ("二、主动公开政府信息情况", Some(2)),
            ("（二）主動公開政府信息情況", Some(2)),
            ("三、收到和处理政府信息公开申请情况", Some(3)),
            ("收到和處理政府信息公開申請情況", Some(3)),
            ("三、收到和处理政府信息公开申请情况（单位：件）", Some(3)),
            ("四、政府信息公开行政复议、行政诉讼情况", Some(4)),
            (
                "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况",
                Some(4),
            ),
            ("五、存在的主要问题及改进情况", Some(5)),
            ("六、其他需要报告的事项", Some(6)),
            ("三、本年度办理结果", None),
            ("四、结转下年度继续办理", None),
            ("一、本年新收政府信息公开申请数量", None),
            ("其他主动公开文件", None),
            (
                "本机关全年共收到政府信息公开申请12件，其收到和处理政府信息公开申请情况如下表所示，较上年有所增加",
                None,
            ),
        ] {
            assert_eq!(section_heading(text), n, "{text}");
        }
    }

    #[test]
    fn notes_units_totals_and_footers_are_not_rows() {
        for text in [
            "注：本表数据截至2021年12月31日",
            "註：",
            "备注",
            "单位：件",
            "（单位：万元）",
            "合计",
            "合 计",
            "第 3 页",
            "第3页 共10页",
            "- 3 -",
        ] {
            assert!(not_a_row(text), "{text}");
        }
        for text in [
            "其他主动公开文件",
            "规章",
            "行政规范性文件",
            "第二十条第（一）项",
        ] {
            assert!(!not_a_row(text), "{text}");
        }
    }

    /// A sheet holding table 二, then table 三's heading with figures in the cells beside it (the
    /// sheet reader cuts only at a heading alone on its row), then table 四: table 二 keeps its
    /// rows, the heading is no `extra_N` row, table 四 is read.
    #[test]
    fn a_sheet_heading_with_figures_beside_it_ends_table_two() {
        let mut text = String::from("统计表\n");
        for row in [
            "第二十条第（一）项\t\t\t",
            "信息内容\t本年制发件数\t本年废止件数\t现行有效件数\t",
            "规章\t1\t0\t9\t",
            "其他主动公开文件\t12\t0\t80\t",
            "單位：件\t2\t\t\t",
            "三、收到和處理政府信息公開申請情況\t12\t3\t\t",
            "四、政府信息公开行政复议、行政诉讼情况\t",
            "行政复议\t\t\t\t\t行政诉讼\t",
        ] {
            text.push_str(row);
            text.push('\n');
        }
        let heads = "结果维持\t结果纠正\t其他结果\t尚未审结\t总计\t";
        text.push_str(&format!("{heads}{heads}{heads}\n"));
        let values: String = (1..=15).map(|n| format!("{n}\t")).collect();
        text.push_str(&values);
        text.push('\n');
        let t = super::super::read_sheet_text(&text);
        let mut rows: Vec<(&str, &str)> = t
            .cells
            .iter()
            .filter(|c| c.table == 2)
            .map(|c| (c.row_key.as_str(), c.row_label.as_str()))
            .collect();
        rows.dedup();
        assert_eq!(
            rows,
            [("regulations", "规章"), ("extra_1", "其他主动公开文件")]
        );
        let review = t.cell(super::super::Section::Reviews, "suit_after_review", "total");
        assert_eq!(review.and_then(|c| c.value), Some(15.0), "{:?}", t.unread);
    }

    /// Any text, in any script and of any length up to 1 MB: no panic, a section of 1 to 6 or
    /// none; a heading with a numbering and a unit is its section while its label is short
    /// enough, and none past `MAX_HEADING_CHARS`.
    #[test]
    fn fuzzed_headings_are_a_section_or_none() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};

        let text = prop_oneof![
            any::<String>(),
            "[一二三四五六、（）()注單单位：:合計计 \\p{Han}\\p{Cyrillic}\\p{Arabic}0-9]{0,60}",
        ];
        let heading = (
            prop::sample::select(
                HEADINGS
                    .iter()
                    .flat_map(|(n, ws)| ws.iter().map(|w| (*n, *w)))
                    .collect::<Vec<_>>(),
            ),
            prop::sample::select(vec!["", "一、", "（二）", "3.", "第三部分 ", "四 "]),
            prop::sample::select(vec!["", "（单位：件）", "(2023年)", "：", " 續"]),
            0usize..40,
        );
        let mut runner = TestRunner::new(Config {
            cases: 256,
            failure_persistence: None,
            ..Config::default()
        });
        runner
            .run(
                &(text, heading),
                |(text, ((n, word), before, after, filler))| {
                    prop_assert!(section_heading(&text).is_none_or(|s| (1..=6).contains(&s)));
                    let _ = not_a_row(&text);
                    let long = format!("{before}{word}{after}{}", "的".repeat(filler));
                    let short_enough = normalise(&long).chars().count() <= MAX_HEADING_CHARS;
                    prop_assert_eq!(
                        section_heading(&long),
                        short_enough.then_some(n),
                        "{}",
                        long
                    );
                    Ok(())
                },
            )
            .unwrap_or_else(|e| panic!("headings: {e}"));

        let megabyte = "表".repeat(350_000);
        assert_eq!(section_heading(&format!("一、总体情况{megabyte}")), None);
        assert_eq!(
            section_heading(&format!("{megabyte}其他需要报告的事项")),
            None
        );
        assert!(not_a_row(&format!("注：{megabyte}")));
        assert!(!not_a_row(&megabyte));
    }
}
