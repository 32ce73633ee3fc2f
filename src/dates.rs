//! Dates as Chinese government portals print them (`2018-02-10 12:20`, `2011/3/28`,
//! `2017年05月15日`, `二〇二五年一月十七日`, `2023年元月5日`, `2007-08-20-23:59:59`, `2018.02.10`) and as their
//! URLs carry them (`t20180210_`, `/art/2018/2/10/`). Pure; shared by discover (dates beside list
//! entries) and extract (labelled dates, signature blocks).

use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use regex::Regex;

/// Years outside this range are page furniture (phone numbers, counters), not dates.
const YEARS: std::ops::RangeInclusive<i32> = 1949..=2100;

/// 元月 is the first month (`2023年元月5日`), printed only between 年 and 月.
static ARABIC_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*[-/.月]|年\s*(元)\s*月)\s*(\d{1,2})")
        .expect("the Arabic date pattern is a valid regex")
});

/// `〇`, `○`, `O` and an Arabic `0` (`二0二一年`) all stand for zero in printed years; days and months use 十 forms, and the
/// first month may be 元月.
static CHINESE_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"([〇零○OＯ0一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3}|元)\s*月\s*([一二三四五六七八九十]{1,3})\s*日",
    )
    .expect("the Chinese-numeral date pattern is a valid regex")
});

static URL_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:[/_]t|/art/|/)((?:19|20)\d{2})(?:(\d{2})(\d{2})[_/.]|/(\d{1,2})/(\d{1,2})/)")
        .expect("the URL date pattern is a valid regex")
});

/// Parses the first real date in `text`, or `None` when there is none. Impossible dates
/// (`2023-02-30`) and numbers glued to longer digit runs are skipped, not clamped.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = ascii_digits(text);
    let arabic = first_arabic(&text);
    let chinese = first_chinese(&text);
    match (arabic, chinese) {
        (Some((a, da)), Some((c, dc))) => Some(if a <= c { da } else { dc }),
        (Some((_, d)), None) | (None, Some((_, d))) => Some(d),
        (None, None) => None,
    }
}

/// A date field's value printed as eight digits (`20210128`, `20210128 09:30`), as some
/// templates print 发布日期: read only where the whole value is the date, since a run of eight
/// digits elsewhere is as often a number or an id.
static COMPACT_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d{4})(\d{2})(\d{2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
        .expect("the compact date pattern is a valid regex")
});

/// `parse_date` for the value of a labelled date field, which may also be eight digits alone
/// (`COMPACT_DATE`).
pub fn parse_field_date(value: &str) -> Option<NaiveDate> {
    parse_date(value).or_else(|| {
        let value = ascii_digits(value.trim());
        let caps = COMPACT_DATE.captures(&value)?;
        ymd(
            caps.get(1)?.as_str().parse().ok()?,
            caps.get(2)?.as_str().parse().ok()?,
            caps.get(3)?.as_str().parse().ok()?,
        )
    })
}

/// The date a URL carries in a full form: TRS `t20180210_123.html`, Hanweb `/art/2018/2/10/`,
/// or `/20180210/`. A month-only directory (`/201802/`) is not a date and gives `None`.
pub fn parse_url_date(url: &str) -> Option<NaiveDate> {
    let found = URL_DATE.captures_iter(url).find_map(|caps| {
        let year = caps.get(1)?.as_str().parse().ok()?;
        let (month, day) = match (caps.get(2), caps.get(3)) {
            (Some(m), Some(d)) => (m.as_str(), d.as_str()),
            _ => (caps.get(4)?.as_str(), caps.get(5)?.as_str()),
        };
        ymd(year, month.parse().ok()?, day.parse().ok()?)
    });
    found.or_else(|| {
        FOLDER_DATES.iter().find_map(|re| {
            re.captures_iter(url).find_map(|caps| {
                ymd(
                    caps.get(1)?.as_str().parse().ok()?,
                    caps.get(2)?.as_str().parse().ok()?,
                    caps.get(3)?.as_str().parse().ok()?,
                )
            })
        })
    })
}

/// A month and day printed without their year (`01-20`, `[1/20]`, `1月20日`), as list templates
/// print dates beside entries whose year the page shows elsewhere.
static MONTH_DAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[\[(（【]?\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*[\])）】]?$")
        .expect("the month-day pattern is a valid regex")
});

/// A month folder of a URL (`/202401/`, `/2024-01/`): the year and month a CMS filed a page under.
static MONTH_FOLDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"/((?:19|20)\d{2})-?(\d{2})/").expect("the month folder pattern is a valid regex")
});

/// The date of an entry whose list prints only its month and day (`01-20`), from the URL of
/// the entry: the date the URL carries when its month and day are the printed ones
/// (`t20240120_1.html`), else the year of a month folder of the printed month (`/202401/`).
/// `None` when the text is no month and day or the URL does not agree: a year is never guessed.
pub fn month_day_in_url(text: &str, url: &str) -> Option<NaiveDate> {
    let (month, day) = month_day(text)?;
    if let Some(date) = parse_url_date(url)
        && (date.month(), date.day()) == (month, day)
    {
        return Some(date);
    }
    MONTH_FOLDER.captures_iter(url).find_map(|caps| {
        let year = caps.get(1)?.as_str().parse().ok()?;
        let folder_month: u32 = caps.get(2)?.as_str().parse().ok()?;
        (folder_month == month)
            .then(|| ymd(year, month, day))
            .flatten()
    })
}

/// The month and day of a text that is a month and day and nothing else (`01-20`, `[1/20]`,
/// `1月20日`), when they can be a date of some year.
pub fn month_day(text: &str) -> Option<(u32, u32)> {
    let text = ascii_digits(text.trim());
    let caps = MONTH_DAY.captures(&text)?;
    let month: u32 = caps.get(1)?.as_str().parse().ok()?;
    let day: u32 = caps.get(2)?.as_str().parse().ok()?;
    // 2024 is a leap year: 02-29 is a month and day too.
    ymd(2024, month, day).map(|_| (month, day))
}

/// Dates as folders in other CMSs' URLs: `/2022-01/20/content_1107.htm` (www.gov.cn),
/// `/202201/20/`, `/2022/0120/`, `/2022-01-20/`.
static FOLDER_DATES: LazyLock<[Regex; 4]> = LazyLock::new(|| {
    [
        r"/((?:19|20)\d{2})-(\d{2})/(\d{2})/",
        r"/((?:19|20)\d{2})(\d{2})/(\d{2})/",
        r"/((?:19|20)\d{2})/(\d{2})(\d{2})/",
        r"/((?:19|20)\d{2})-(\d{2})-(\d{2})/",
    ]
    .map(|p| Regex::new(p).expect("the URL folder date patterns are valid"))
});

/// Byte offset and date of the first valid Arabic-numeral date.
fn first_arabic(text: &str) -> Option<(usize, NaiveDate)> {
    ARABIC_DATE.captures_iter(text).find_map(|caps| {
        let whole = caps.get(0)?;
        // `12018-02-10` or `2018-02-101` are parts of longer numbers, not dates.
        let before = text[..whole.start()].chars().next_back();
        let after = text[whole.end()..].chars().next();
        if before.is_some_and(|c| c.is_ascii_digit()) || after.is_some_and(|c| c.is_ascii_digit()) {
            return None;
        }
        let month = match caps.get(2) {
            Some(m) => m.as_str().parse().ok()?,
            None => 1,
        };
        let date = ymd(
            caps.get(1)?.as_str().parse().ok()?,
            month,
            caps.get(4)?.as_str().parse().ok()?,
        )?;
        Some((whole.start(), date))
    })
}

/// Byte offset and date of the first valid Chinese-numeral date (`二〇二五年一月十七日`).
fn first_chinese(text: &str) -> Option<(usize, NaiveDate)> {
    CHINESE_DATE.captures_iter(text).find_map(|caps| {
        let year_text = caps.get(1)?.as_str();
        let mut year = 0i32;
        for c in year_text.chars() {
            year = year * 10 + i32::try_from(chinese_digit(c)?).ok()?;
        }
        let month = match caps.get(2)?.as_str() {
            "元" => 1,
            month => chinese_number(month)?,
        };
        let day = chinese_number(caps.get(3)?.as_str())?;
        Some((caps.get(0)?.start(), ymd(year, month, day)?))
    })
}

fn ymd(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    if !YEARS.contains(&year) {
        return None;
    }
    NaiveDate::from_ymd_opt(year, month, day)
}

fn chinese_digit(c: char) -> Option<u32> {
    Some(match c {
        '〇' | '零' | '○' | 'O' | 'Ｏ' | '0' => 0,
        '一' => 1,
        '二' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

/// 1..=39 in Chinese numerals: `七`, `十`, `十七`, `二十`, `三十一`.
fn chinese_number(text: &str) -> Option<u32> {
    let chars: Vec<char> = text.chars().collect();
    match chars.as_slice() {
        ['十'] => Some(10),
        ['十', one] => Some(10 + chinese_digit(*one).filter(|d| *d > 0)?),
        [ten, '十'] => Some(10 * chinese_digit(*ten).filter(|d| *d > 1)?),
        [ten, '十', one] => Some(
            10 * chinese_digit(*ten).filter(|d| *d > 1)?
                + chinese_digit(*one).filter(|d| *d > 0)?,
        ),
        [one] => chinese_digit(*one).filter(|d| *d > 0),
        _ => None,
    }
}

/// Full-width digits (`２０１８`) printed by some portals become ASCII so one pattern serves.
fn ascii_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '－' => '-',
            '／' => '/',
            '．' => '.',
            _ => ascii_digit(c),
        })
        .collect()
}

/// A full-width digit (`２`) as its ASCII digit; any other character as it is.
pub(crate) fn ascii_digit(c: char) -> char {
    match c {
        '０'..='９' => {
            char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or(c)
        }
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn printed_dates() {
        let cases: &[(&str, Option<NaiveDate>)] = &[
            ("2018-02-10 12:20", d(2018, 2, 10)),
            ("2011/3/28", d(2011, 3, 28)),
            ("2017年05月15日", d(2017, 5, 15)),
            ("2025年1月17日", d(2025, 1, 17)),
            ("二〇二五年一月十七日", d(2025, 1, 17)),
            ("二零一七年十二月三十一日", d(2017, 12, 31)),
            ("二〇一八年二月七日", d(2018, 2, 7)),
            ("二〇二〇年十月二十日", d(2020, 10, 20)),
            ("2007-08-20-23:59:59", d(2007, 8, 20)),
            ("2018.02.10", d(2018, 2, 10)),
            ("发布时间：2022-05-06 15:16", d(2022, 5, 6)),
            ("２０１８年２月１０日", d(2018, 2, 10)),
            ("２０２２－０１－１０", d(2022, 1, 10)),
            ("２０２２／１／１０", d(2022, 1, 10)),
            ("2018 年 2 月 10 日", d(2018, 2, 10)),
            // 元月 is January, between 年 and 月 only.
            ("2023年元月5日", d(2023, 1, 5)),
            ("2023 年 元 月 05 日 10:20", d(2023, 1, 5)),
            ("二〇二三年元月五日", d(2023, 1, 5)),
            ("2023-元-05", None),
            // Impossible or out-of-range dates are rejected, and the next real one is taken.
            ("2023-02-30", None),
            ("2023-13-01", None),
            ("二〇二三年二月三十日", None),
            ("1000-01-01", None),
            ("2023-02-30 or 2023-03-01", d(2023, 3, 1)),
            // Parts of longer numbers are not dates.
            ("0908-4263417", None),
            ("120180-2-10", None),
            ("第2018号", None),
            ("", None),
            // The earliest date in the text wins, whatever its form.
            ("二〇二五年一月十七日 2025-02-01", d(2025, 1, 17)),
        ];
        for (text, want) in cases {
            assert_eq!(parse_date(text), *want, "{text}");
        }
    }

    #[test]
    fn month_and_day_take_the_year_of_the_entry_url() {
        let cases: &[(&str, &str, Option<NaiveDate>)] = &[
            (
                "01-20",
                "http://a.gov.cn/nb/202401/t20240120_1.html",
                d(2024, 1, 20),
            ),
            (
                "[1/20]",
                "http://a.gov.cn/art/2024/1/20/art_1_2.html",
                d(2024, 1, 20),
            ),
            (
                "1月20日",
                "http://a.gov.cn/nb/202401/t20240120_1.html",
                d(2024, 1, 20),
            ),
            (
                "01-20",
                "http://a.gov.cn/nb/202401/content_1.html",
                d(2024, 1, 20),
            ),
            (
                "01-20",
                "http://a.gov.cn/nb/2024-01/content_1.html",
                d(2024, 1, 20),
            ),
            // The URL disagrees, or carries no year: no date is guessed.
            ("01-21", "http://a.gov.cn/nb/202402/t20240120_1.html", None),
            ("01-20", "http://a.gov.cn/nb/content_1.html", None),
            ("02-30", "http://a.gov.cn/nb/202402/content_1.html", None),
            // Not a month and day.
            (
                "2024-01-20",
                "http://a.gov.cn/nb/202401/t20240120_1.html",
                None,
            ),
            (
                "第01-20号",
                "http://a.gov.cn/nb/202401/t20240120_1.html",
                None,
            ),
        ];
        for (text, url, want) in cases {
            assert_eq!(month_day_in_url(text, url), *want, "{text} {url}");
        }
    }

    #[test]
    fn url_dates() {
        let cases: &[(&str, Option<NaiveDate>)] = &[
            (
                "http://www.xjats.gov.cn/zwgk/xxgknb/201802/t20180210_123.html",
                d(2018, 2, 10),
            ),
            (
                "http://fgw.zj.gov.cn/art/2016/11/22/art_1621004_30332664.html",
                d(2016, 11, 22),
            ),
            ("https://a.gov.cn/x/20180210/1.html", d(2018, 2, 10)),
            ("https://a.gov.cn/x/201802/index.html", None),
            ("https://a.gov.cn/x/t20180230_1.html", None),
            ("https://a.gov.cn/content/post_12345.html", None),
            (
                "http://www.gov.cn/zhengce/content/2022-01/20/content_1107.htm",
                d(2022, 1, 20),
            ),
            (
                "https://a.gov.cn/xxgk/202201/20/content_1.html",
                d(2022, 1, 20),
            ),
            (
                "https://a.gov.cn/2022/0120/c1234a56789/page.htm",
                d(2022, 1, 20),
            ),
            ("https://a.gov.cn/news/2022-01-20/1107.html", d(2022, 1, 20)),
            ("https://a.gov.cn/news/2022-13-20/1107.html", None),
        ];
        for (url, want) in cases {
            assert_eq!(parse_url_date(url), *want, "{url}");
        }
    }
}
