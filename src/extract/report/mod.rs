//! Annual-report recognition for extract: whether a title names a 政府信息公开年度报告 and the year
//! it covers — from the title, or from the statistics period the body states. The year covered is
//! not the publish year: the 2017 report is published in 2018.

use std::sync::LazyLock;

use regex::Regex;
use url::Url;

use super::labels::simplified;

mod about;
mod year;

pub(crate) use year::report_year_from_opening;
pub use year::{report_year_from_body, report_year_from_title, report_year_of_report_title};

/// Title words that make a page about reports rather than a report: guides, catalogues, notices,
/// plans, readings (an infographic, 一图读懂, too), notes correcting, delaying or withdrawing a
/// report (a corrected report, `…年度报告（更正）`, is still one), training, press conferences,
/// drafts (`…（征求意见稿）` by its 意见, `…（草案）`, `…（送审稿）`).
const NOT_A_REPORT: &[&str] = &[
    "指南",
    "目录",
    "通知",
    "要点",
    "方案",
    "办法",
    "制度",
    "规定",
    "意见",
    "批复",
    "公告",
    "通报",
    "解读",
    "考核",
    "评估",
    "评议",
    "检查",
    "图读",
    "图看",
    "图解",
    "更正说明",
    "更正声明",
    "的更正",
    "勘误表",
    "勘误说明",
    // 关于…年度报告有关情况的说明: a note about a report (often that none will come).
    "有关情况的说明",
    "有关情况说明",
    "报告的说明",
    "年报的说明",
    "培训",
    "延期",
    "撤回",
    "发布会",
    "草案",
    "草稿",
    "初稿",
    "送审稿",
    "讨论稿",
];

const DISCLOSURE: &[&str] = &["政府信息公开", "政务公开", "信息公开"];
const REPORT: &[&str] = &["年度报告", "年报", "工作报告", "情况的报告", "情况报告"];

/// Title words that name a kind of document; a title with one that is not a disclosure report's
/// (`政府工作报告`, `统计公报`, `决算公开`, `…召开…推进会`), and that does not say 年度报告 or 年报,
/// names another document, which a 年报 column and a `/xxgknb/` path do not make a report: only
/// its body can.
const DOCUMENT_KINDS: &[&str] = &[
    "报告",
    "报表",
    "公报",
    "总结",
    "决算",
    "预算",
    "会议",
    "召开",
    "讲话",
    "简报",
    "纪要",
    "推进会",
    "座谈会",
];

/// Simplified form of a title with whitespace removed; 資訊 (Taiwan usage) reads as 信息.
fn normalise_title(title: &str) -> String {
    title
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(simplified)
        // Full-width digits (２０２１年) read as ASCII ones.
        .map(crate::dates::ascii_digit)
        .collect::<String>()
        .replace("资讯", "信息")
}

/// Disclosures of other kinds, each under its own rules, whose reports say 信息公开 too: tax,
/// budget and final-account, a company's environmental, law-enforcement and a university's
/// academic-year disclosure. A title with one of them and without 政府信息公开 or 政务公开 is no
/// government information-disclosure report.
const OTHER_DISCLOSURES: &[&str] = &[
    "涉税信息公开",
    "预决算信息公开",
    "预算信息公开",
    "决算信息公开",
    "环境信息公开",
    "环境信息依法披露",
    "执法信息公开",
    "学年信息公开",
    "学年度信息公开",
];

/// The title rule without the exception for bodies named with excluded words: 信息公开 and a
/// report word, nothing that makes it another document (`names_another_document`), no
/// disclosure of another kind.
fn plain_report_title(title: &str) -> bool {
    let t = normalise_title(title);
    DISCLOSURE.iter().any(|d| t.contains(d))
        && REPORT.iter().any(|r| t.contains(r))
        && !names_another_document(&t)
        && !is_other_disclosure(&t)
}

/// A normalised title that names a document other than a year's report whatever else it says:
/// a word of `NOT_A_REPORT`, a head that is about reports (`about::names_a_document_about_reports`),
/// or a part of a year (`about::names_part_of_a_year`).
fn names_another_document(t: &str) -> bool {
    NOT_A_REPORT.iter().any(|n| t.contains(n))
        || about::names_a_document_about_reports(t)
        || about::names_part_of_a_year(t)
}

/// A normalised title of a disclosure of another kind (`OTHER_DISCLOSURES`).
fn is_other_disclosure(t: &str) -> bool {
    OTHER_DISCLOSURES.iter().any(|o| t.contains(o))
        && !t.contains("政府信息公开")
        && !t.contains("政务公开")
}

/// A title that says 年度报告 of some other subject after its year (`某市2022年法治政府建设年度报告`,
/// `…社会信用体系建设年度报告`, `…企业年度报告公示情况`): the words between the year and 年度报告 name
/// a subject that is not disclosure. `某某镇2019年度报告` names none.
fn names_another_annual_subject(t: &str) -> bool {
    let Some(report_at) = t.find("年度报告").or_else(|| t.find("年报")) else {
        return false;
    };
    let before = &t[..report_at];
    let Some(year) = YEAR_IN_TITLE.find_iter(before).last() else {
        return false;
    };
    let subject = before[year.end()..]
        .trim_start_matches('度')
        .replace("工作", "");
    subject.chars().filter(|c| !c.is_ascii()).count() >= 2
        && !DISCLOSURE.iter().any(|d| subject.contains(d))
}

static YEAR_IN_TITLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:19|20)\d{2}\s*年").expect("the title year pattern is valid"));

/// True for the title of an annual report on government information disclosure, in Simplified or
/// Traditional characters; false for guides, catalogues, notices and everything else. A report by
/// a body whose own name holds a word that `NOT_A_REPORT` keeps out (`上海市教育评估院…`,
/// `…职业技能培训中心…`, `…食品药品检查所…`) is read without the body's name, which must put a place
/// before the word and a name's ending after it, so that `一图读懂某某县…` and `图解某某市…` stay
/// what they are.
pub fn is_annual_report_title(title: &str) -> bool {
    if plain_report_title(title) {
        return true;
    }
    let Some(name) = super::issuer::name_in_title(title) else {
        return false;
    };
    let (t, n) = (normalise_title(title), normalise_title(&name));
    let Some(at) = t.find(&n) else {
        return false;
    };
    let subject = format!("{}{}", &t[..at], &t[at + n.len()..]);
    let inside_the_name = |word: &&str| {
        n.match_indices(*word).all(|(i, w)| {
            n[..i].contains(['省', '市', '县', '区', '州', '旗', '盟', '镇', '乡'])
                && i + w.len() < n.len()
        })
    };
    plain_report_title(&subject)
        && NOT_A_REPORT
            .iter()
            .filter(|w| n.contains(**w))
            .all(inside_the_name)
}

/// What a page offers to decide whether it is an annual report.
pub(crate) struct Evidence<'a> {
    pub title: Option<&'a str>,
    /// `<meta name="ColumnName">`.
    pub column: Option<&'a str>,
    /// The labelled 分类.
    pub category: Option<&'a str>,
    pub url: &'a Url,
    /// The article body as lines.
    pub lines: &'a [String],
    /// The body states a statistics period (`统计期限…自2023年1月1日起`).
    pub period: bool,
}

/// Headings of the national report template (2008 and 2021 formats), numbered `一、` … `七、`.
pub(crate) const TEMPLATE_SECTIONS: &[&str] = &[
    "总体情况",
    "概述",
    "主动公开政府信息情况",
    "收到和处理政府信息公开申请情况",
    "依申请公开政府信息情况",
    "政府信息公开行政复议",
    "因政府信息公开申请行政复议",
    "政府信息公开的收费及减免情况",
    "存在的主要问题及改进情况",
    "其他需要报告的事项",
];
/// Distinct template headings that make a body a report's.
const MIN_TEMPLATE_SECTIONS: usize = 3;
/// Body lines read for headings.
const MAX_SECTION_LINES: usize = 2_000;

/// Whether the page is an annual disclosure report, and the evidence that decided it: `title`
/// when the title says so; otherwise at least two of `column` (ColumnName or 分类 names the
/// 年报 column), `url` (a `gknb`/`ndbg`/`xxgknb` path segment), `sections` (the template's
/// numbered headings) and `period` (a statistics period), joined by `+`. A title that names
/// another kind of document (解读, 通知, 指南, a template, a half year's report …) decides `None`
/// whatever the rest says; one that
/// names a document of some other kind (政府工作报告, 统计公报 …) needs its body's evidence.
pub(crate) fn decide(e: &Evidence<'_>) -> Option<String> {
    if let Some(title) = e.title {
        if is_annual_report_title(title) {
            return Some("title".into());
        }
        if names_another_document(&normalise_title(title)) {
            return None;
        }
    }
    let column = [e.column, e.category].into_iter().flatten().any(|c| {
        let c = normalise_title(c);
        (c.contains("年报") || c.contains("年度报告")) && !c.contains("指南")
    });
    let url = e
        .url
        .path_segments()
        .into_iter()
        .flatten()
        .any(is_report_column_segment);
    let sections = template_sections(e.lines) >= MIN_TEMPLATE_SECTIONS;
    // A title that says 年度报告 or 年报 but not whose (`某某镇2019年度报告`) may still be one.
    let names_another_kind = e.title.is_some_and(|title| {
        let t = normalise_title(title);
        let another_document = DOCUMENT_KINDS.iter().any(|k| t.contains(k))
            && !t.contains("年度报告")
            && !t.contains("年报");
        another_document || is_other_disclosure(&t) || names_another_annual_subject(&t)
    });
    // The column and the path say where the page is filed, not what it is.
    if names_another_kind && !sections && !e.period {
        return None;
    }
    let found: Vec<&str> = [
        (column, "column"),
        (url, "url"),
        (sections, "sections"),
        (e.period, "period"),
    ]
    .into_iter()
    .filter_map(|(yes, name)| yes.then_some(name))
    .collect();
    (found.len() >= 2).then(|| found.join("+"))
}

/// `gknb`, `xxgknb`, `zfxxgknb`, `ndbg`, `zfxxgkndbg`: the annual-report column of a site.
fn is_report_column_segment(segment: &str) -> bool {
    let s = segment.to_ascii_lowercase();
    s == "ndbg" || ((s.ends_with("nb") || s.ends_with("ndbg")) && s.contains("gk"))
}

/// Whether `text` shows at least two of the report template's numbered headings.
pub(crate) fn shows_report_sections(text: &str) -> bool {
    let lines: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(MAX_SECTION_LINES)
        .map(str::to_string)
        .collect();
    template_sections(&lines) >= 2
}

/// The number of distinct template headings among the body's numbered lines.
fn template_sections(lines: &[String]) -> usize {
    let mut seen = [false; TEMPLATE_SECTIONS.len()];
    for line in lines.iter().take(MAX_SECTION_LINES) {
        let Some((number, heading)) = line.split_once('、') else {
            continue;
        };
        if number.is_empty()
            || !number.chars().all(|c| "一二三四五六七八九十".contains(c))
            || heading.chars().count() > 40
        {
            continue;
        }
        for (i, section) in TEMPLATE_SECTIONS.iter().enumerate() {
            if heading.contains(section) {
                seen[i] = true;
            }
        }
    }
    seen.iter().filter(|s| **s).count()
}

#[cfg(test)]
mod tests;
