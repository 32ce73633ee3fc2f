//! Annual-report recognition and report years on titles and pages nobody wrote the rules for:
//! a body's own report in its many spellings, the look-alikes a portal files beside it (notices,
//! readings, the template, a half year's report, notes about a report, drafts), and the year a
//! report covers when the title, the body and the URL say different things. Titles go through
//! the list filter of `only_report_titles` and the list entry's year; pages through the one page
//! pipeline (`page::analyse`) in the role of an item, from bytes in UTF-8, GBK or Big5.

mod common;

use common::pages::read_as;
use encoding_rs::{BIG5, Encoding, GBK, UTF_8};
use nianbao::extract::{ListEvidence, is_annual_report_title, report_year_of_report_title};
use nianbao::page::{PageRole, View};
use url::Url;

/// `title` in Traditional characters, each character in its first Traditional form.
fn traditional(title: &str) -> String {
    title
        .chars()
        .map(|c| {
            nianbao::traditional::traditional_forms(c)
                .next()
                .unwrap_or(c)
        })
        .collect()
}

/// (title, an annual report's title, the year a list entry gives)
type TitleCase = (&'static str, bool, Option<i32>);

/// Every title in Simplified and in Traditional characters, through the filter
/// `only_report_titles` applies and the year a list entry gives an item.
fn check_titles(cases: &[TitleCase]) {
    for (title, report, year) in cases {
        for t in [title.to_string(), traditional(title)] {
            assert_eq!(is_annual_report_title(&t), *report, "{t}: report");
            assert_eq!(report_year_of_report_title(&t), *year, "{t}: year");
        }
    }
}

#[test]
fn a_bodys_own_report_in_its_spellings() {
    check_titles(&[
        ("和义县2022年政府信息公开工作年度报告", true, Some(2022)),
        ("政府信息公开工作年度报告（2022）", true, Some(2022)),
        ("和义县二〇二二年政府信息公开工作年度报告", true, Some(2022)),
        ("关于2022年政府信息公开工作年度报告", true, Some(2022)),
        (
            "关于和义县2022年度政府信息公开工作情况的报告",
            true,
            Some(2022),
        ),
        ("和义县2022年政府信息公开工作年度报告.pdf", true, Some(2022)),
        (
            "和义县2022年政府信息公开工作年度报告（附件）",
            true,
            Some(2022),
        ),
        (
            "和义县2022年政府信息公开工作年度报告（更正版）",
            true,
            Some(2022),
        ),
        (
            "和义县2022年政府信息公开工作年度报告统计表",
            true,
            Some(2022),
        ),
        (
            "和义县绩效考核办公室2022年政府信息公开工作年度报告",
            true,
            Some(2022),
        ),
        (
            "2022年政府信息公开工作年度报告-和义县机构编制委员会办公室",
            true,
            Some(2022),
        ),
        (
            "和义县人民政府政府信息公开工作年报（2009年）",
            true,
            Some(2009),
        ),
        ("政务公开年度报告", true, None),
    ]);
}

/// Documents about reports, and reports of part of a year, are no body's annual report, however
/// much of a report's name they hold.
#[test]
fn documents_about_reports_are_not_reports() {
    check_titles(&[
        ("政府信息公开工作年度报告格式", false, None),
        ("中华人民共和国政府信息公开工作年度报告格式", false, None),
        ("政府信息公开工作年度报告（模板）", false, None),
        ("关于报送2022年度政府信息公开工作年度报告的函", false, None),
        (
            "关于2022年政府信息公开工作年度报告编制工作的提醒",
            false,
            None,
        ),
        (
            "和义县2022年度政府信息公开工作年度报告编制说明",
            false,
            None,
        ),
        (
            "关于2022年度政府信息公开工作年度报告的补充说明",
            false,
            None,
        ),
        (
            "和义县2022年政府信息公开工作年度报告发布情况一览表",
            false,
            None,
        ),
        (
            "和义县各部门2022年政府信息公开工作年度报告汇总",
            false,
            None,
        ),
        (
            "和义县2022年政府信息公开工作年度报告（征求意见稿）",
            false,
            None,
        ),
        ("和义县2022年政府信息公开工作年度报告（草案）", false, None),
        (
            "和义县2022年政府信息公开工作年度报告（送审稿）",
            false,
            None,
        ),
        ("和义县2022年1-6月政府信息公开工作情况报告", false, None),
        ("和义县2022年上半年政府信息公开工作情况报告", false, None),
        ("和义县2022年第一季度政府信息公开工作报告", false, None),
        // Still the look-alikes the rules knew.
        (
            "关于做好2022年政府信息公开工作年度报告编制发布工作的通知",
            false,
            None,
        ),
        ("一图读懂和义县2022年政府信息公开工作年度报告", false, None),
    ]);
}

/// The year is the one a title states as the year covered: a span of two states none, and a
/// month is when the report came out.
#[test]
fn the_year_a_title_states() {
    check_titles(&[
        ("和义县2021-2022年度政府信息公开工作年度报告", true, None),
        ("和义县2021—2022年政府信息公开工作年度报告", true, None),
        ("政府信息公开工作年度报告（2023年1月）", true, None),
        (
            "和义县政府信息公开工作年度报告（2023年1月发布）",
            true,
            None,
        ),
        (
            "和义县2022年政府信息公开工作年度报告（2023年1月20日）",
            true,
            Some(2022),
        ),
        (
            "和义县2022年1-12月政府信息公开工作情况报告",
            true,
            Some(2022),
        ),
        ("二零二二年度政府信息公开年报", true, Some(2022)),
        (
            "和义县政府信息公开工作年度报告（二〇二三年一月）",
            true,
            None,
        ),
        // The first reports covered May to December 2008, from when the regulations took effect.
        (
            "和义县2008年5月至12月政府信息公开工作年度报告",
            true,
            Some(2008),
        ),
    ]);
}

/// The national template's numbered headings, as a report (or the template itself) prints them.
const SECTIONS: &str = "<p>一、总体情况</p><p>本年度共主动公开信息若干条。</p>\
    <p>二、主动公开政府信息情况</p><p>三、收到和处理政府信息公开申请情况</p>\
    <p>四、政府信息公开行政复议、行政诉讼情况</p><p>五、存在的主要问题及改进情况</p>\
    <p>六、其他需要报告的事项</p>";

/// A page of a county portal: `<title>`, an `<h1>`, a metadata table and the body; `column` is
/// its `<meta name="ColumnName">`.
fn item_page(title: &str, column: Option<&str>, body: &str) -> String {
    let column = column
        .map(|c| format!("<meta name=\"ColumnName\" content=\"{c}\">"))
        .unwrap_or_default();
    format!(
        "<html><head>{column}<title>{title}_和义县人民政府</title></head><body>\
         <table><tr><td>发布机构：</td><td>和义县人民政府办公室</td></tr>\
         <tr><td>发布日期：</td><td>2023-01-20</td></tr></table>\
         <h1>{title}</h1><div class=\"content\">{body}</div></body></html>"
    )
}

/// `(is_annual_report, report_year, provenance of the year)` of `html` read as an item at
/// `at`, sent as bytes of `encoding` that the server names.
fn read_item(at: &str, html: &str, encoding: &'static Encoding) -> (bool, Option<i32>, String) {
    let role = PageRole::Item {
        evidence: ListEvidence::default(),
        portal_name: "和义县人民政府".into(),
    };
    let analysis = read_as(at, html, encoding, &role);
    let View::Item { metadata, .. } = analysis.view else {
        panic!("{at}: read as {:?}, not an item", analysis.kind);
    };
    let source = metadata
        .provenance
        .get("report_year")
        .cloned()
        .unwrap_or_default();
    (metadata.is_annual_report, metadata.report_year, source)
}

/// (case, URL, title, ColumnName, body, wanted (is_annual_report, report_year, year's source))
type PageCase = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    String,
    Wanted,
);
type Wanted = (bool, Option<i32>, &'static str);

const PLAIN: &str = "http://www.hy.gov.cn/art/2023/1/20/art_1229_1.html";
const REPORT_COLUMN: &str = "http://www.hy.gov.cn/zfxxgk/zfxxgknb/202301/t20230120_1.html";

/// A title that names one year and a statistics period that names another: the title's year
/// stands and the period's is kept in `fields` as `body:report_year`.
#[test]
fn a_title_year_that_the_period_contradicts() {
    let body =
        format!("<p>本报告中所列数据的统计期限自2021年1月1日起至2021年12月31日止。</p>{SECTIONS}");
    for year in ["2022", "2021"] {
        let html = item_page(
            &format!("和义县{year}年政府信息公开工作年度报告"),
            None,
            &body,
        );
        let url = Url::parse(PLAIN).expect("test URLs are absolute");
        let m = nianbao::extract::extract(&url, &html, &ListEvidence::default(), "");
        assert_eq!(m.report_year.map(|y| y.to_string()).as_deref(), Some(year));
        let noted = m.fields.get("body:report_year").map(String::as_str);
        let want = (year != "2021").then_some("2021");
        assert_eq!(noted, want, "title year {year}");
    }
}

/// Pages in each encoding: what a careful reader finds on them. The Big5 pages are written in
/// Traditional characters, as a Big5 portal writes them.
#[test]
fn item_pages_as_a_careful_reader_reads_them() {
    let period = |from: &str, to: &str| {
        format!("<p>本报告中所列数据的统计期限自{from}起至{to}止。</p>{SECTIONS}")
    };
    let period_2022 = period("2022年1月1日", "2022年12月31日");
    let cases: Vec<PageCase> = vec![
        (
            "published in 2023 for 2022",
            PLAIN,
            "和义县2022年政府信息公开工作年度报告",
            None,
            period_2022.clone(),
            (true, Some(2022), "title"),
        ),
        (
            "the year only in the statistics period",
            PLAIN,
            "和义县水利局政府信息公开工作年度报告",
            None,
            period_2022.clone(),
            (true, Some(2022), "body"),
        ),
        (
            "the year only in the opening",
            PLAIN,
            "和义县审计局政府信息公开工作年度报告",
            None,
            format!("<p>根据《条例》规定，现将本局2022年度政府信息公开工作情况报告如下。</p>{SECTIONS}"),
            (true, Some(2022), "opening"),
        ),
        (
            "the year only in the URL",
            "http://www.hy.gov.cn/zfxxgk/ndbg/2022ndbg/index.html",
            "政府信息公开工作年度报告",
            None,
            "<p>根据《条例》规定编制本报告。</p><p>本年度主动公开政府信息若干条。</p>".into(),
            (true, None, ""),
        ),
        (
            "a period of two years",
            PLAIN,
            "和义县2021-2022年度政府信息公开工作年度报告",
            None,
            period("2021年1月1日", "2022年12月31日"),
            (true, None, ""),
        ),
        (
            "a month in the title is when it came out",
            PLAIN,
            "政府信息公开工作年度报告（2023年1月）",
            None,
            "<p>根据《条例》规定编制本报告。</p><p>本年度主动公开政府信息若干条。</p>".into(),
            (true, None, ""),
        ),
        (
            "the template, filed in the report column with the headings",
            REPORT_COLUMN,
            "政府信息公开工作年度报告格式",
            Some("政府信息公开年报"),
            period("2022年1月1日", "2022年12月31日"),
            (false, None, ""),
        ),
        (
            "half a year's report in the report column",
            REPORT_COLUMN,
            "和义县2022年1-6月政府信息公开工作情况报告",
            Some("政府信息公开年报"),
            period("2022年1月1日", "2022年6月30日"),
            (false, None, ""),
        ),
        (
            "a draft",
            PLAIN,
            "和义县2022年政府信息公开工作年度报告（草案）",
            None,
            period_2022.clone(),
            (false, None, ""),
        ),
        (
            "a note about a report",
            PLAIN,
            "关于2022年度政府信息公开工作年度报告的补充说明",
            None,
            "<p>我县2022年度政府信息公开工作年度报告已于2023年1月20日发布，现将有关数据补充说明如下。</p><p>表中数据有误，特此说明。</p>".into(),
            (false, None, ""),
        ),
    ];
    for (case, at, title, column, body, (report, year, source)) in &cases {
        let simplified = item_page(title, *column, body);
        let traditional = traditional(&simplified);
        for (html, encoding) in [
            (&simplified, UTF_8),
            (&simplified, GBK),
            (&traditional, BIG5),
        ] {
            let (got_report, got_year, got_source) = read_item(at, html, encoding);
            let name = encoding.name();
            assert_eq!(got_report, *report, "{case} ({name}): is_annual_report");
            assert_eq!(got_year, *year, "{case} ({name}): report_year");
            if *report {
                assert_eq!(got_source, *source, "{case} ({name}): report_year source");
            }
        }
    }
}
