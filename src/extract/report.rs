//! Annual-report recognition for extract: whether a title names a 政府信息公开年度报告 and the year
//! it covers — from the title, or from the statistics period the body states. The year covered is
//! not the publish year: the 2017 report is published in 2018.

use std::sync::LazyLock;

use regex::Regex;
use url::Url;

use super::labels::simplified;

/// Title words that make a page about reports rather than a report: guides, catalogues, notices,
/// plans, readings (an infographic, 一图读懂, too), notes correcting, delaying or withdrawing a
/// report (a corrected report, `…年度报告（更正）`, is still one), training, press conferences.
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
/// report word, no word of another kind of document, no disclosure of another kind.
fn plain_report_title(title: &str) -> bool {
    let t = normalise_title(title);
    DISCLOSURE.iter().any(|d| t.contains(d))
        && REPORT.iter().any(|r| t.contains(r))
        && !NOT_A_REPORT.iter().any(|n| t.contains(n))
        && !is_other_disclosure(&t)
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
/// another kind of document (解读, 通知, 指南 …) decides `None` whatever the rest says; one that
/// names a document of some other kind (政府工作报告, 统计公报 …) needs its body's evidence.
pub(crate) fn decide(e: &Evidence<'_>) -> Option<String> {
    if let Some(title) = e.title {
        if is_annual_report_title(title) {
            return Some("title".into());
        }
        let t = normalise_title(title);
        if NOT_A_REPORT.iter().any(|n| t.contains(n)) {
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

/// The year a report title names (`2017年度…年度报告`, `…年报(2009年)`, `二〇一七年度…`), or `None`.
pub fn report_year_from_title(title: &str) -> Option<i32> {
    let t = normalise_title(title);
    let t = REVISION_YEAR.replace_all(&t, "");
    let t = TITLE_DATE.replace_all(&t, "");
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

/// The year of the statistics period a report body states, or `None`.
pub fn report_year_from_body(text: &str) -> Option<i32> {
    STATISTICS_PERIOD
        .captures(text)
        .and_then(|c| c.get(1).or_else(|| c.get(2)))
        .and_then(|m| m.as_str().parse().ok())
        .filter(|y| REPORT_YEARS.contains(y))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reports of other kinds of disclosure, and annual reports on other subjects, are not
    /// government information-disclosure reports by their title, nor by a 年报 column and path;
    /// a government's own report whose title names its department's subject still is.
    #[test]
    fn other_disclosures_and_other_annual_subjects_are_not_reports() {
        let others = [
            "阿勒泰市税务局2022年度涉税信息公开情况报告",
            "阿勒泰市财政局2022年度预决算信息公开情况报告",
            "阿勒泰市某热电有限公司2022年度环境信息公开年度报告",
            "阿勒泰市市场监督管理局2022年度行政执法信息公开情况报告",
            "新疆大学2021-2022学年信息公开工作年度报告",
        ];
        let subjects = [
            "阿勒泰市2022年法治政府建设年度报告",
            "阿勒泰市2022年度社会信用体系建设年度报告",
            "阿勒泰市2022年度安全生产工作年度报告",
            "阿勒泰市2022年度企业年度报告公示情况",
        ];
        let reports = [
            "阿勒泰市生态环境局2022年政府信息公开工作年度报告",
            "阿勒泰市财政局2022年度政府信息公开工作年度报告",
            "阿勒泰市税务局2022年政府信息公开年报",
            "某某镇2019年度报告",
            "某某县2022年度政务公开工作年度报告",
        ];
        let url = Url::parse("http://a.gov.cn/zwgk/ndbg/content_2001.html").expect("url");
        let decided = |title: &str| {
            decide(&Evidence {
                title: Some(title),
                column: Some("政府信息公开年报"),
                category: None,
                url: &url,
                lines: &[],
                period: false,
            })
        };
        for script in ["simplified", "traditional"] {
            let write = |t: &str| -> String {
                if script == "traditional" {
                    t.chars()
                        .map(|c| crate::traditional::traditional_forms(c).next().unwrap_or(c))
                        .collect()
                } else {
                    t.to_string()
                }
            };
            for title in others {
                let t = write(title);
                assert!(!is_annual_report_title(&t), "{t}");
                assert_eq!(decided(&t), None, "{t}");
            }
            for title in subjects {
                let t = write(title);
                assert_eq!(decided(&t), None, "{t}");
            }
            for title in reports {
                let t = write(title);
                assert!(decided(&t).is_some(), "{t}");
            }
        }
    }

    #[test]
    fn annual_report_titles() {
        let cases = [
            ("阿图什市2017年度政府信息公开年度报告", true),
            ("阿拉山口市2024年政府信息公开工作年度报告", true),
            ("北京市人民政府2009年政府信息公开工作年报", true),
            ("2016年政府信息公开工作报告", true),
            ("市教育局2018年度信息公开工作年度报告", true),
            ("鄂尔多斯市2020年政务公开工作年度报告", true),
            ("2009年政府信息公開年度報告", true),
            ("政府資訊公開年度報告（2019年）", true),
            ("政府信息公开年报(2009年)", true),
            ("政府信息公开指南", false),
            ("政府信息公开目录", false),
            ("关于报送2017年政府信息公开年度报告的通知", false),
            ("《2017年政府信息公开年度报告》解读", false),
            ("《2017年政府資訊公開年度報告》解讀", false),
            ("一图读懂某某县2020年政府信息公开工作年度报告", false),
            ("一圖讀懂某某縣2020年政府資訊公開工作年度報告", false),
            ("一图看懂：2022年政务公开工作年度报告", false),
            ("图解某某市2021年政府信息公开年报", false),
            ("关于某某县2020年政府信息公开工作年度报告的更正说明", false),
            ("某某县2020年政府信息公开工作年度报告勘误表", false),
            (
                "关于和义县卫生健康局2020年政府信息公开工作年度报告有关情况的说明",
                false,
            ),
            (
                "關於某某縣2020年政府資訊公開工作年度報告有關情況的說明",
                false,
            ),
            ("关于2020年度政府信息公开工作年度报告的说明", false),
            ("关于某某县2020年政府信息公开工作年度报告的更正", false),
            ("某某市2016年政府信息公开年度报告（更正）", true),
            ("某某市2016年政府信息公开年度报告（更正版）", true),
            ("2021年政府信息公开年报编制培训会召开", false),
            (
                "关于延期发布和义县2021年政府信息公开工作年度报告的说明",
                false,
            ),
            ("和义县2021年政府信息公开工作年度报告撤回说明", false),
            ("和义县2021年政府信息公开工作年度报告新闻发布会", false),
            ("2018年政府工作报告", false),
            ("2017年度部门决算报告", false),
            ("企业年报公示", false),
            ("山西品牌丝路行（南美站）正式启动", false),
            ("", false),
        ];
        for (title, want) in cases {
            assert_eq!(is_annual_report_title(title), want, "{title}");
        }
    }

    /// Bodies whose names hold a word that keeps other titles out are still reports' authors;
    /// the same words outside the name still keep a title out.
    #[test]
    fn reports_of_bodies_named_with_excluded_words() {
        let cases = [
            ("上海市教育评估院2022年政府信息公开工作年度报告", true),
            (
                "新疆维吾尔自治区环境工程评估中心2022年政府信息公开工作年度报告",
                true,
            ),
            (
                "阿勒泰市职业技能培训中心2022年政府信息公开工作年度报告",
                true,
            ),
            ("阿勒泰市食品药品检查所2022年政府信息公开工作年度报告", true),
            ("上海市教育評估院2022年政府資訊公開工作年度報告", true),
            (
                "阿勒泰市職業技能培訓中心2022年政府資訊公開工作年度報告",
                true,
            ),
            ("一图读懂某某县2020年政府信息公开工作年度报告", false),
            ("图解某某市2021年政府信息公开年报", false),
            ("一圖讀懂某某縣2020年政府資訊公開工作年度報告", false),
            ("上海市教育评估院2022年政府信息公开工作年度报告解读", false),
            (
                "上海市教育评估院关于报送2022年政府信息公开工作年度报告的通知",
                false,
            ),
            ("阿勒泰市2022年政府信息公开年报编制培训会召开", false),
            ("2021年政府信息公开年报编制培训会召开", false),
        ];
        for (title, want) in cases {
            assert_eq!(is_annual_report_title(title), want, "{title}");
        }
    }

    /// (title, ColumnName, URL, body lines, statistics period, wanted decision)
    type DecideCase<'a> = (
        Option<&'a str>,
        Option<&'a str>,
        &'a str,
        &'a [&'a str],
        bool,
        Option<&'a str>,
    );

    fn decide_for(
        title: Option<&str>,
        column: Option<&str>,
        url: &str,
        lines: &[&str],
        period: bool,
    ) -> Option<String> {
        let url = Url::parse(url).expect("test URLs are absolute");
        let lines: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
        decide(&Evidence {
            title,
            column,
            category: None,
            url: &url,
            lines: &lines,
            period,
        })
    }

    #[test]
    fn annual_reports_from_all_the_evidence() {
        let sections = [
            "一、总体情况",
            "二、主动公开政府信息情况",
            "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况",
            "五、存在的主要问题及改进情况",
            "六、其他需要报告的事项",
        ];
        let plain = "http://a.gov.cn/art/2024/1/20/art_1.html";
        let cases: &[DecideCase] = &[
            (
                Some("阿勒泰市2023年政府信息公开工作年度报告"),
                None,
                plain,
                &[],
                false,
                Some("title"),
            ),
            // The title holds only the site's short name.
            (
                Some("市教育局"),
                None,
                "http://a.gov.cn/zfxxgk/gknb/202401/t20240120_1.html",
                &sections,
                true,
                Some("url+sections+period"),
            ),
            (
                Some("市教育局"),
                Some("信息公开年报"),
                plain,
                &[],
                true,
                Some("column+period"),
            ),
            (None, None, plain, &sections, true, Some("sections+period")),
            // One piece of evidence is not enough.
            (
                Some("市教育局"),
                None,
                "http://a.gov.cn/ndbg/t1.html",
                &[],
                false,
                None,
            ),
            (Some("市教育局"), None, plain, &sections, false, None),
            // A title naming another kind of document decides.
            (
                Some("《2023年政府信息公开工作年度报告》解读"),
                Some("政府信息公开年报"),
                "http://a.gov.cn/xxgknb/t1.html",
                &sections,
                true,
                None,
            ),
            (
                Some("万载县2022年国民经济和社会发展统计公报"),
                None,
                plain,
                &["一、综合", "二、农业"],
                false,
                None,
            ),
        ];
        for (title, column, url, lines, period, want) in cases {
            assert_eq!(
                decide_for(*title, *column, url, lines, *period).as_deref(),
                *want,
                "{title:?} {url}"
            );
        }
    }

    #[test]
    fn report_years_from_titles() {
        let cases = [
            ("阿图什市2017年度政府信息公开年度报告", Some(2017)),
            ("北京市政府信息公开年报(2009年)", Some(2009)),
            ("2009年北京市政府信息公開年度報告", Some(2009)),
            ("政府信息公开工作年度报告（2015）", Some(2015)),
            ("二〇一七年度政府信息公开工作年度报告", Some(2017)),
            ("二零二三年政府信息公开年报", Some(2023)),
            ("2024政府信息公开年度报告", Some(2024)),
            ("政府信息公开年度报告", None),
            ("第12345号", None),
            ("和义县２０２１年政府信息公开工作年度报告", Some(2021)),
            ("２０２１年度和义县政府信息公开工作年度报告", Some(2021)),
            // Found by the fuzzer: a number that is no report's year.
            ("政府信息公开工作年度报告<div>1900-00-00", None),
            ("1900年政府信息公开工作年度报告（2019年）", Some(2019)),
            // A revision's or a publication's year is not the year covered.
            (
                "阿勒泰市2022年政府信息公开工作年度报告（2023年度修订）",
                Some(2022),
            ),
            (
                "阿勒泰市2022年政府資訊公開工作年度報告（2023年度修訂）",
                Some(2022),
            ),
            (
                "2023年度发布：阿勒泰市2022年政府信息公开工作年度报告",
                Some(2022),
            ),
            (
                "阿勒泰市2022年政府信息公开工作年度报告（2023年1月）",
                Some(2022),
            ),
            // A publication date in figures, as list links carry it, is no year covered.
            ("某某县政府信息公开工作年度报告 2020-01-15", None),
            ("[2020.01.15]某某县政府信息公开年报2019", Some(2019)),
            ("某某县政府信息公开年报（2019） 2020/1/15", Some(2019)),
        ];
        for (title, want) in cases {
            assert_eq!(report_year_from_title(title), want, "{title}");
        }
    }

    #[test]
    fn report_years_from_opening_lines() {
        let cases: &[(&[&str], Option<i32>)] = &[
            (
                &["根据《条例》规定，现将本单位2022年度政府信息公开工作情况报告如下。"],
                Some(2022),
            ),
            (
                &["现将阿勒泰市2022年政府信息公开工作年度报告公布如下。"],
                Some(2022),
            ),
            (
                &["根據《條例》規定，現將本單位2022年度政府資訊公開工作情況報告如下。"],
                Some(2022),
            ),
            (&["本报告中所列数据的统计期限为2022年度。"], Some(2022)),
            (&["本報告中所列數據的統計期限為2022年度。"], Some(2022)),
            (&["与2021年相比，本年度公开数量有所增加。"], None),
            (
                &["现将有关情况报告如下。", "2022年，我市认真贯彻落实。"],
                None,
            ),
            (&["现将2023年1月15日印发的通知转发给你们。"], None),
            // A whole calendar year named as the period, with no word for it.
            (
                &["本报告根据《条例》编制，所列数据为2022年1月1日至12月31日期间的情况。"],
                Some(2022),
            ),
            (
                &["本报告根据《条例》编制，报告期为二〇二二年一月一日至二〇二二年十二月三十一日。"],
                Some(2022),
            ),
            (
                &["报告期为2022年01月01日起至2022年12月31日止。"],
                Some(2022),
            ),
            (&["数据为2021年1月1日至2022年12月31日的累计。"], None),
            (&["2022年1月1日至6月30日，共收到申请3件。"], None),
        ];
        for (lines, want) in cases {
            let lines: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
            assert_eq!(report_year_from_opening(&lines), *want, "{lines:?}");
        }
    }

    #[test]
    fn report_years_from_statistics_period() {
        let cases = [
            (
                "本报告中所列统计数据时限从2017年1月1日起至2017年12月31日止。",
                Some(2017),
            ),
            (
                "所列数据统计期限从2024年1月1日起至2024年12月31日止。",
                Some(2024),
            ),
            ("统计期限为自2024年1月1日起至12月31日止", Some(2024)),
            ("本报告统计时限为2024年1月1日至2024年12月31日", Some(2024)),
            (
                "本报告所列数据的统计期限自2020年01月01日起至2020年12月31日止",
                Some(2020),
            ),
            // The first reports' period starts when the regulations took effect.
            (
                "本报告中所列数据的统计期限自2008年5月1日起至2008年12月31日止。",
                Some(2008),
            ),
            ("统计期限自2008年05月01日起至2008年12月31日止", Some(2008)),
            ("统计期限自2010年5月1日起", None),
            ("统计期限自1900年1月1日起", None),
            // A publish date or a plan is not a statistics period.
            ("2018年2月7日", None),
            ("统计局于2024年3月1日发布", None),
        ];
        for (text, want) in cases {
            assert_eq!(report_year_from_body(text), want, "{text}");
        }
    }
}
