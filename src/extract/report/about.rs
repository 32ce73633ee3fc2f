//! Titles that say 年度报告 yet name another document, read from what a Chinese title puts last
//! (its head): a document about reports (`关于报送…年度报告的函`, `…年度报告格式`,
//! `…年度报告发布情况一览表`), and a report on part of a year (`…2022年1-6月…工作情况报告`).
//! Pure: a normalised title (`normalise_title`) in, yes or no out.

use std::sync::LazyLock;

use regex::Regex;

/// The words a report's name ends with; what follows the last of them is the title's head.
const REPORT_ENDINGS: &[&str] = &["年度报告", "年报", "工作报告", "情况的报告", "情况报告"];

/// Heads after the report's name that make the title a document about reports: its format or
/// template, a note on how it was drawn up, a list or compilation of who published, a Q&A.
/// `统计表`, `全文`, `附件`, `（更正版）`, a date, a file suffix or the body's name after the report's
/// name leave it the report.
const HEADS_ABOUT_REPORTS: &[&str] = &[
    "格式",
    "模板",
    "范本",
    "样本",
    "样式",
    "编制说明",
    "填报说明",
    "提醒",
    "一览表",
    "汇总",
    "汇编",
    "清单",
    "情况",
    "问答",
];

/// Whether the title's head, after the report's name, names a document about reports: one of
/// `HEADS_ABOUT_REPORTS`, or `的` and a noun (`关于…年度报告的函`, `…编制工作的提醒`): `关于X的Y`
/// is a Y. `关于2022年政府信息公开工作年度报告` and `关于…工作情况的报告` end with the report.
pub(super) fn names_a_document_about_reports(t: &str) -> bool {
    let Some(end) = REPORT_ENDINGS
        .iter()
        .filter_map(|r| t.rfind(r).map(|at| at + r.len()))
        .max()
    else {
        return false;
    };
    let head = &t[end..];
    HEADS_ABOUT_REPORTS.iter().any(|h| head.contains(h))
        || head
            .split_once('的')
            .is_some_and(|(_, noun)| noun.chars().next().is_some_and(is_han))
}

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// `1-6月`, `1至9月`, `一至六月`, `上半年`, `下半年`, `第一季度`, `三季度`: a part of a year; the
/// year before a range of months is read too.
static PART_OF_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    let month = r"(\d{1,2}|[一二三四五六七八九十]{1,3})";
    Regex::new(&format!(
        r"(?:((?:19|20)\d{{2}})\s*年\s*)?{month}\s*月?\s*(?:-|—|–|－|~|～|至|到)\s*{month}\s*月|上半年|下半年|半年度|季度"
    ))
    .expect("the part-of-year pattern is valid")
});

/// The year the regulations took effect, on 1 May: its reports cover May to December.
const FIRST_YEAR: &str = "2008";

/// Whether the title names a report on part of a year (`某某县2022年1-6月政府信息公开工作情况报告`,
/// `…上半年…`, `…第一季度…`): no annual report. `1-12月` is the whole year, and so is
/// `2008年5月至12月`, the first reporting year.
pub(super) fn names_part_of_a_year(t: &str) -> bool {
    PART_OF_YEAR.captures_iter(t).any(|caps| {
        let (Some(from), Some(to)) = (caps.get(2), caps.get(3)) else {
            return true;
        };
        let first = if caps.get(1).is_some_and(|y| y.as_str() == FIRST_YEAR) {
            5
        } else {
            1
        };
        !(month_number(from.as_str()) == Some(first) && month_number(to.as_str()) == Some(12))
    })
}

/// A month printed in figures (`6`) or Chinese numerals (`六`, `十二`).
fn month_number(printed: &str) -> Option<u32> {
    if let Ok(n) = printed.parse() {
        return Some(n);
    }
    let digit = |c: char| "一二三四五六七八九".chars().position(|d| d == c);
    let chars: Vec<char> = printed.chars().collect();
    let n = match chars.as_slice() {
        ['十'] => 10,
        ['十', d] => 10 + digit(*d)? + 1,
        [d] => digit(*d)? + 1,
        _ => return None,
    };
    u32::try_from(n).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_about_reports() {
        let cases = [
            ("关于报送2022年度政府信息公开工作年度报告的函", true),
            ("关于2022年政府信息公开工作年度报告编制工作的提醒", true),
            ("某某县2022年度政府信息公开工作年度报告编制说明", true),
            ("中华人民共和国政府信息公开工作年度报告格式", true),
            ("政府信息公开工作年度报告(模板)", true),
            ("某某县2022年政府信息公开工作年度报告发布情况一览表", true),
            ("关于2022年度政府信息公开工作年度报告的补充说明", true),
            ("关于2022年政府信息公开工作年度报告", false),
            ("关于某某县2022年度政府信息公开工作情况的报告", false),
            ("某某县2022年政府信息公开工作年度报告统计表", false),
            ("某某县2022年政府信息公开工作年度报告(更正版)", false),
            (
                "2022年政府信息公开工作年度报告-某某县机构编制委员会办公室",
                false,
            ),
            ("某某县2022年政府信息公开工作年度报告.pdf", false),
            ("政府信息公开指南", false),
        ];
        for (title, want) in cases {
            assert_eq!(names_a_document_about_reports(title), want, "{title}");
        }
    }

    #[test]
    fn parts_of_a_year() {
        let cases = [
            ("某某县2022年1-6月政府信息公开工作情况报告", true),
            ("某某县2022年1至9月政府信息公开工作情况", true),
            ("某某县2022年一至六月政府信息公开工作情况报告", true),
            ("某某县2022年上半年政府信息公开工作情况报告", true),
            ("某某县2022年第三季度政府信息公开工作报告", true),
            ("某某县2022年1-12月政府信息公开工作情况报告", false),
            ("某某县2008年5月至12月政府信息公开工作年度报告", false),
            ("某某县2009年5月至12月政府信息公开工作情况报告", true),
            ("某某县2022年一月至十二月政府信息公开工作情况报告", false),
            ("某某县2022年政府信息公开工作年度报告（2023年1月）", false),
            ("某某县2021-2022年度政府信息公开工作年度报告", false),
        ];
        for (title, want) in cases {
            assert_eq!(names_part_of_a_year(title), want, "{title}");
        }
    }
}
