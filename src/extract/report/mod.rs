//! Annual-report recognition for extract: whether a title names a 政府信息公开年度报告 and the year
//! it covers — from the title, or from the statistics period the body states. The year covered is
//! not the publish year: the 2017 report is published in 2018.

use std::sync::LazyLock;

use regex::Regex;
use url::Url;

use super::labels::simplified;

mod about;

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

static YEAR_OF_TITLE: LazyLock<[Regex; 4]> = LazyLock::new(|| {
    [
        r"((?:19|20)\d{2})\s*年度",
        r"((?:19|20)\d{2})\s*年",
        r"[（(]\s*((?:19|20)\d{2})\s*[)）]",
        r"(?:^|\D)((?:19|20)\d{2})(?:\D|$)",
    ]
    .map(|p| Regex::new(p).expect("the title year patterns are valid"))
});

static CHINESE_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([〇零○一二三四五六七八九]{4})\s*年").expect("the Chinese year pattern is valid")
});

/// A year a title gives for when the report was revised or published, not the year it covers:
/// `…年度报告（2023年度修订）`, `2023年度发布：…`.
static REVISION_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"[（(]?(?:19|20)\d{2}\s*年度?\s*(?:修[订訂]|修正|更正|发布|印发)[^）)\d]{0,10}[）)]?",
    )
    .expect("the revision year pattern is valid")
});

/// A date in figures (`2020-01-15`, `[2020.1.15]`, `2020/01/15`): a list's or a page's stamp of
/// when it was published, never how a title states the year it covers.
static TITLE_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:19|20)\d{2}[-./]\d{1,2}[-./]\d{1,2}").expect("the title date pattern is valid")
});

/// A month in a title (`（2023年1月）`, `2023年1月20日`, `（二〇二三年一月）`): when it was published,
/// not the year covered.
/// A range of months that starts there (`2022年1-6月`, `2022年1月1日至…`) is left alone.
static TITLE_MONTH: LazyLock<Regex> = LazyLock::new(|| {
    let (year, month, day) = (
        r"(?:(?:19|20)\d{2}|[〇零○一二三四五六七八九]{4})",
        r"(?:\d{1,2}|[一二三四五六七八九十元]{1,2})",
        r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})",
    );
    Regex::new(&format!(
        r"{year}\s*年\s*{month}\s*月(?:\s*{day}\s*日)?(.?)"
    ))
    .expect("the title month pattern is valid")
});

/// Two years joined as one span (`2021-2022年度`, `2021—2022年`, `2021至2022年`): a title that
/// covers both names no one report year.
static YEAR_SPAN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"((?:19|20)\d{2})\s*年?\s*(?:-|—|–|－|~|～|至|到)\s*((?:19|20)\d{2})\s*年")
        .expect("the year span pattern is valid")
});

/// The year a report title names (`2017年度…年度报告`, `…年报(2009年)`, `二〇一七年度…`), or `None`:
/// none for a span of two years, and a month's year is no year covered.
pub fn report_year_from_title(title: &str) -> Option<i32> {
    let t = normalise_title(title);
    let t = REVISION_YEAR.replace_all(&t, "");
    let t = TITLE_DATE.replace_all(&t, "");
    if YEAR_SPAN
        .captures_iter(&t)
        .any(|c| c.get(1).map(|m| m.as_str()) != c.get(2).map(|m| m.as_str()))
    {
        return None;
    }
    let t = TITLE_MONTH.replace_all(&t, |caps: &regex::Captures<'_>| {
        let next = caps.get(1).map_or("", |m| m.as_str());
        let whole = caps.get(0).map_or("", |m| m.as_str());
        if ["-", "—", "–", "－", "~", "～", "至", "到", "起"].contains(&next) {
            whole.to_string()
        } else {
            next.to_string()
        }
    });
    for re in YEAR_OF_TITLE.iter() {
        let year = re
            .captures_iter(&t)
            .filter_map(|c| c.get(1)?.as_str().parse().ok())
            .find(|y| REPORT_YEARS.contains(y));
        if year.is_some() {
            return year;
        }
    }
    let caps = CHINESE_YEAR.captures(&t)?;
    year_number(caps.get(1)?.as_str())
}

/// A report year printed in Arabic (`2022`) or Chinese (`二〇二二`) numerals, when it is one.
fn year_number(printed: &str) -> Option<i32> {
    let mut year = 0i32;
    for c in printed.chars() {
        let digit = "〇一二三四五六七八九"
            .chars()
            .position(|d| d == c)
            .or(match c {
                '零' | '○' => Some(0),
                _ => c.to_digit(10).and_then(|d| usize::try_from(d).ok()),
            })?;
        year = year * 10 + i32::try_from(digit).ok()?;
    }
    REPORT_YEARS.contains(&year).then_some(year)
}

/// The year a title names when it is an annual report's title (`is_annual_report_title`), or
/// `None`: how a list entry's title gives the report year before its page is read.
pub fn report_year_of_report_title(title: &str) -> Option<i32> {
    is_annual_report_title(title)
        .then(|| report_year_from_title(title))
        .flatten()
}

/// Years a report can cover: the national regulations took effect in 2008, and a few cities
/// reported under their own rules from 2004; a title's `1900` is no report's year.
const REPORT_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// `统计期限…自2024年1月1日起`, `统计数据时限从2017年1月1日起至…`, `统计时限为2024年1月1日至…`; the
/// first reports' period starts on 1 May 2008, when the regulations took effect.
static STATISTICS_PERIOD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"统计[^。；;\n]{0,16}?(?:期限|时限|时间|期间|时段|区间|期)[^。；;\n\d]{0,12}(?:((?:19|20)\d{2})\s*年\s*0?1\s*月|(2008)\s*年\s*0?5\s*月)\s*0?1\s*日",
    )
    .expect("the statistics period pattern is valid")
});

/// The year the opening of a report says it covers: `现将本单位2022年度政府信息公开工作情况报告如下`,
/// `现将某市2022年…年度报告公布如下`, `统计期限为2022年度`. Not a statistics period with dates, so
/// it is no evidence that the page is a report, only the year of one.
static OPENING_YEAR: LazyLock<[Regex; 2]> = LazyLock::new(|| {
    [
        r"现将[^。；;]{0,40}?((?:19|20)\d{2})\s*年度?[^。；;\d]{0,40}?(?:报告|年报)",
        r"统计[^。；;]{0,16}?(?:期限|时限|时间|期间|时段|区间)\s*(?:为|是)?\s*((?:19|20)\d{2})\s*年度",
    ]
    .map(|p| Regex::new(p).expect("the opening year patterns are valid"))
});

/// A whole calendar year the opening names as the period it reports on, with no word for it:
/// `本报告根据…编制…2022年1月1日至12月31日`, `二〇二二年一月一日至二〇二二年十二月三十一日`. The year
/// is the first one; a second one must be the same (`2021年1月1日至2022年12月31日` is no one year).
static WHOLE_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    let year = r"((?:19|20)\d{2}|[〇零○一二三四五六七八九]{4})";
    Regex::new(&format!(
        r"{year}年(?:0?1|一|元)月(?:0?1|一)日起?(?:至|到|-|—|－|~|～)(?:{year}年)?(?:12|十二)月(?:31|三十一)日"
    ))
    .expect("the whole-year period pattern is valid")
});

/// Lines at the start of a report body read for `OPENING_YEAR`.
const OPENING_YEAR_LINES: usize = 8;

/// The year a report's opening lines say it covers (`OPENING_YEAR`, `WHOLE_YEAR`), or `None`.
pub(crate) fn report_year_from_opening(lines: &[String]) -> Option<i32> {
    lines.iter().take(OPENING_YEAR_LINES).find_map(|line| {
        let line = normalise_title(line);
        let stated = OPENING_YEAR.iter().find_map(|re| {
            re.captures(&line)?
                .get(1)?
                .as_str()
                .parse()
                .ok()
                .filter(|y| REPORT_YEARS.contains(y))
        });
        stated.or_else(|| {
            WHOLE_YEAR.captures_iter(&line).find_map(|caps| {
                let year = year_number(caps.get(1)?.as_str())?;
                let end = caps.get(2).map_or(Some(year), |m| year_number(m.as_str()));
                (end == Some(year)).then_some(year)
            })
        })
    })
}

/// The year a statistics period's end names (`…起至2022年12月31日止`), read in the rest of its
/// sentence.
static PERIOD_END_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[^。；;\n]{0,12}?((?:19|20)\d{2})\s*年").expect("the period end pattern is valid")
});

/// The year of the statistics period a report body states, in Simplified or Traditional
/// characters (`統計期限自2022年1月1日起`), or `None`; none when the period ends in another year
/// (`自2021年1月1日起至2022年12月31日止` covers two).
pub fn report_year_from_body(text: &str) -> Option<i32> {
    let text = crate::traditional::to_simplified(text);
    let caps = STATISTICS_PERIOD.captures(&text)?;
    let start = caps.get(1).or_else(|| caps.get(2))?.as_str();
    let rest = &text[caps.get(0)?.end()..];
    let end = PERIOD_END_YEAR
        .captures(rest)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str());
    if end.is_some_and(|end| end != start) {
        return None;
    }
    start.parse().ok().filter(|y| REPORT_YEARS.contains(y))
}

#[cfg(test)]
mod tests;
