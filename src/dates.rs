//! Dates as Chinese government portals print them (`2018-02-10 12:20`, `2011/3/28`,
//! `2017年05月15日`, `二〇二五年一月十七日`, `2007-08-20-23:59:59`). Pure; shared by discover
//! (dates beside list entries) and extract (labelled dates, signature blocks).

use chrono::NaiveDate;

/// Parses the first date in `text`, or `None` when there is none.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let re = regex::Regex::new(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})").ok()?;
    let caps = re.captures(text)?;
    let year = caps[1].parse().ok()?;
    let month = caps[2].parse().ok()?;
    let day = caps[3].parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}
