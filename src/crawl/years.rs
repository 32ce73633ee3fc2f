//! What a backfill of some years can tell from a list page, before fetching anything, to lie
//! outside those years: an entry whose title is an annual report's and names another year, and
//! a per-year list that cannot hold a report of theirs. Pure: a title or a list's year in, yes or
//! no out. What it cannot tell is fetched and judged from the page, as every entry once was.

use std::ops::RangeInclusive;

/// The report year an entry's title names, when that year is outside `years`: the entry is not
/// fetched. `None` (fetch it) for a title that names no year, is not an annual report's title
/// (`extract::report_year_of_report_title`, the reader that gives an item its year from its list
/// entry), or is cut short (`某某县2014年政府信息公开工作...`): what was cut may make it another
/// document whose year the page states otherwise.
/// Skipping asks more than reading a year does: the year must be written as the year the report
/// covers (`states_as_a_year`). The reader already passes over a date in figures
/// (`…年度报告 2020-01-15`), but takes `（2020年1月15日）` (which may also open a period,
/// `2022年1月1日至12月31日`) and a bare number: such an entry is fetched and judged from its page.
pub(super) fn title_year_outside(title: &str, years: &RangeInclusive<i32>) -> Option<i32> {
    let title = title.trim();
    if crate::discover::cut_stem(title).len() < title.len() {
        return None;
    }
    crate::extract::report_year_of_report_title(title)
        .filter(|year| !years.contains(year) && states_as_a_year(title, *year))
}

/// Whether `title` writes `year` as a year: `2014年度`, `2014年` not starting a date
/// (`2020年1月15日` says when it was published), `（2014）`, or Chinese numerals (`二〇一四年`,
/// no digits of it at all). Not a bare number, which may be part of a date or a document
/// number.
fn states_as_a_year(title: &str, year: i32) -> bool {
    let title: String = title
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(crate::dates::ascii_digit)
        .collect();
    let digits = year.to_string();
    if !title.contains(&digits) {
        return true;
    }
    title.match_indices(&digits).any(|(at, _)| {
        let before = title[..at].chars().next_back();
        let after = &title[at + digits.len()..];
        if before.is_some_and(|c| c.is_ascii_digit()) {
            return false;
        }
        if let Some(rest) = after.strip_prefix('年') {
            let month = rest.chars().take_while(char::is_ascii_digit).count();
            return rest.starts_with('度')
                || !(1..=2).contains(&month)
                || !rest[month..].starts_with('月');
        }
        matches!(before, Some('(' | '（')) && after.starts_with([')', '）'])
    })
}

/// Whether a backfill of `years` (A-B) walks the per-year list labelled `label`: the lists A to
/// B+1. Sites label year lists by the report year (2019年度) or by the year of publication (the
/// 2019 report, published early in 2020, under 2020), so the list of B+1 may hold B's report.
/// The label's wording is not trusted to tell which (a 2020年度 column may be the year's
/// publications): the one more list costs its list pages, its entries being judged by title.
pub(super) fn walks_year_list(label: i32, years: &RangeInclusive<i32>) -> bool {
    (*years.start()..=years.end().saturating_add(1)).contains(&label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_outside_the_years_names_an_annual_report_of_another_year() {
        let years = 2015..=2016;
        let cases = [
            ("2014年政府信息公开工作年度报告", Some(2014)),
            ("XX县2014年度政府信息公开工作报告", Some(2014)),
            ("2014年政府資訊公開工作年度報告", Some(2014)),
            ("某某縣2017年度政府信息公開工作年度報告", Some(2017)),
            ("二〇一三年政府信息公开工作年度报告", Some(2013)),
            // Inside the years: fetched.
            ("某某县2015年政府信息公开工作年度报告", None),
            ("2016年度政府信息公开工作年度报告", None),
            // No year, cut short, or not a report's title: fetched and judged from the page.
            ("某某县政府信息公开工作年度报告", None),
            ("某某县2014年政府信息公开工作...", None),
            ("某某县2014年政府信息公开工作年度报告…", None),
            ("关于2014年政府信息公开工作年度报告的更正说明", None),
            ("2014年政府信息公开指南", None),
            ("某某县2014年政府工作报告", None),
            // A year written as one, not a date or a bare number.
            ("某某县政府信息公开工作年度报告（2014）", Some(2014)),
            ("某某县２０１４年度政府信息公开工作年度报告", Some(2014)),
            ("某某县政府信息公开工作年度报告 2014-01-15", None),
            ("某某县政府信息公开工作年度报告（2014年1月15日）", None),
            ("某某县政府信息公开工作年度报告 2014.01.15", None),
            ("", None),
        ];
        for (title, want) in cases {
            assert_eq!(title_year_outside(title, &years), want, "{title}");
        }
    }

    #[test]
    fn a_backfill_walks_the_year_lists_of_its_years_and_the_year_after() {
        let years = 2015..=2016;
        let walked: Vec<i32> = (2010..=2020)
            .filter(|y| walks_year_list(*y, &years))
            .collect();
        assert_eq!(walked, [2015, 2016, 2017]);
        assert!(walks_year_list(i32::MAX, &(2015..=i32::MAX)));
    }
}
