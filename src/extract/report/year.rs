//! Report years for extract: the year an annual report covers, read from its title
//! (`report_year_from_title`), its opening lines (`report_year_from_opening`) or the statistics
//! period its body states (`report_year_from_body`); never the year it was published.

use std::sync::LazyLock;

use regex::Regex;

use super::{is_annual_report_title, normalise_title};

static YEAR_OF_TITLE: LazyLock<[Regex; 4]> = LazyLock::new(|| {
    [
        r"((?:19|20)\d{2})\s*年度",
        r"((?:19|20)\d{2})\s*年",
        r"[（(]\s*((?:19|20)\d{2})\s*[)）]",
        r"(?:^|\D)((?:19|20)\d{2})(?:\D|$)",
    ]
    .map(|p| Regex::new(p).expect("the title year patterns are valid"))
});

/// The digits a year is printed in with Chinese numerals: 〇 as `零`, `○`, a Latin `O` or an
/// Arabic `0` among them (`二0二一年`, as typed where 〇 is hard to find), and the financial
/// numerals (`贰零贰壹年`, Traditional `貳零貳壹年`).
const CHINESE_DIGITS: &str = "[〇零○OＯ0一二三四五六七八九壹贰貳叁參肆伍陆陸柒捌玖]";

static CHINESE_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"({CHINESE_DIGITS}{{4}})\s*年"))
        .expect("the Chinese year pattern is valid")
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
        &format!(r"(?:(?:19|20)\d{{2}}|{CHINESE_DIGITS}{{4}})"),
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
            .or_else(|| "零壹贰叁肆伍陆柒捌玖".chars().position(|d| d == c))
            .or(match c {
                '○' | 'O' | 'Ｏ' => Some(0),
                '貳' => Some(2),
                '參' => Some(3),
                '陸' => Some(6),
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
        r"现将[^。；;]{0,40}?((?:19|20)\d{2}|YEAR)\s*年度?[^。；;\d]{0,40}?(?:报告|年报)",
        r"统计[^。；;]{0,16}?(?:期限|时限|时间|期间|时段|区间)\s*(?:为|是)?\s*((?:19|20)\d{2}|YEAR)\s*年度",
    ]
    .map(|p| {
        // The year in Chinese numerals too (`现将本局二〇二二年度…报告如下`).
        let p = p.replace("YEAR", &format!("{CHINESE_DIGITS}{{4}}"));
        Regex::new(&p).expect("the opening year patterns are valid")
    })
});

/// A whole calendar year the opening names as the period it reports on, with no word for it:
/// `本报告根据…编制…2022年1月1日至12月31日`, `二〇二二年一月一日至二〇二二年十二月三十一日`. The year
/// is the first one; a second one must be the same (`2021年1月1日至2022年12月31日` is no one year).
static WHOLE_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    let year = format!(r"((?:19|20)\d{{2}}|{CHINESE_DIGITS}{{4}})");
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
        let stated = OPENING_YEAR
            .iter()
            .find_map(|re| year_number(re.captures(&line)?.get(1)?.as_str()));
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
