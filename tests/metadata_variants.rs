//! Metadata variants a careful reader reads without effort and the first reading got wrong, read
//! as the crawl reads an item page (`page::analyse` from bytes): a value on the line under its
//! label (`发布机构：<br>和义县民政局`), a year in Chinese numerals with an Arabic zero among them
//! (`二0二一年`) or in financial numerals (`贰零贰壹年`), a 发布日期 of eight digits (`20210128`), a
//! year only the opening sentence names in Chinese numerals; and the variants found read right,
//! kept so that they stay so.

mod common;

use chrono::NaiveDate;
use common::pages::read_as;
use encoding_rs::UTF_8;
use nianbao::dates::{parse_date, parse_field_date};
use nianbao::extract::{ListEvidence, Metadata, report_year_from_title};
use nianbao::page::{PageRole, View};

const URL: &str = "http://www.hy.gov.cn/zwgk/xxgknb/a/report.html";

/// The sections of a 2019-template report, under any metadata block.
const SECTIONS: &str = "<p>一、总体情况</p><p>我局认真贯彻落实条例。</p><p>二、主动公开政府信息情况</p>\
<p>三、收到和处理政府信息公开申请情况</p><p>四、政府信息公开行政复议、行政诉讼情况</p>\
<p>五、存在的主要问题及改进情况</p>";

/// The item page at `URL` with `title`, `head` markup and `body` opening its text, read as the crawl reads it.
fn read(title: &str, head: &str, body: &str) -> Metadata {
    let html = format!(
        "<html><head><meta charset=\"utf-8\">{head}<title>{title}</title></head>\
         <body><div class=\"content\">{body}{SECTIONS}</div></body></html>"
    );
    let role = PageRole::Item {
        evidence: ListEvidence::default(),
        portal_name: "和义县人民政府".into(),
    };
    match read_as(URL, &html, UTF_8, &role).view {
        View::Item { metadata, .. } => *metadata,
        _ => panic!("{title}: not read as an item"),
    }
}

const TITLE: &str = "和义县民政局2021年政府信息公开工作年度报告";

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn prov(m: &Metadata, key: &str) -> Option<String> {
    m.provenance.get(key).cloned()
}

/// A metadata table that prints each value under its label in the same cell: the line break is
/// no empty value (which had also hidden the page's 来源 as from a slot left blank).
#[test]
fn value_on_the_line_under_its_label() {
    let table = "<table><tr><td>发布机构：<br>和义县民政局</td><td>索 引 号：<br>11652301-2021-001</td></tr>\
                 <tr><td>发布日期:<br>2022-01-28</td><td>文号：<br/>和民发〔2022〕5号</td></tr></table>";
    let m = read(TITLE, "", table);
    assert_eq!(m.issuing_body.as_deref(), Some("和义县民政局"));
    assert_eq!(prov(&m, "issuing_body").as_deref(), Some("label:发布机构"));
    assert_eq!(m.index_number.as_deref(), Some("11652301-2021-001"));
    assert_eq!(m.publish_date, date(2022, 1, 28));
    assert_eq!(m.doc_number.as_deref(), Some("和民发〔2022〕5号"));
    // A break after the value still ends it.
    let m = read(
        TITLE,
        "",
        "<div class=\"info\">来源：<br>和义县民政局<br>2022-01-28</div>",
    );
    assert_eq!(
        m.fields.get("来源").map(String::as_str),
        Some("和义县民政局")
    );
}

/// A year typed in Chinese numerals with an Arabic or Latin zero (`二0二一`, `二O二一`), as where
/// 〇 is hard to type, or in financial numerals (`贰零贰壹`), in a title, an opening and a date.
#[test]
fn years_in_chinese_numerals_typed_with_another_zero() {
    for title in [
        "和义县二0二一年政府信息公开工作年度报告",
        "和义县二O二一年度政府信息公开工作年度报告",
        "和义县二Ｏ二一年政府信息公开工作年度报告",
        "和义县贰零贰壹年政府信息公开工作年度报告",
        "和義縣貳零貳壹年政府資訊公開工作年度報告",
    ] {
        assert_eq!(report_year_from_title(title), Some(2021), "{title}");
    }
    // A month in such numerals is still when it was published, not the year covered.
    assert_eq!(
        report_year_from_title("和义县政府信息公开工作年度报告（二0二二年一月）"),
        None
    );
    assert_eq!(parse_date("二0二二年一月二十八日"), date(2022, 1, 28));
    let m = read(
        "和义县民政局政府信息公开工作年度报告",
        "",
        "<div><p>本报告统计期限为二0二一年一月一日至二0二一年十二月三十一日。</p></div>",
    );
    assert_eq!(m.report_year, Some(2021));
}

/// 发布日期 printed as eight digits, with or without a time; an impossible one is no date, and
/// eight digits in running text are no date either.
#[test]
fn publish_date_of_eight_digits() {
    for (value, want) in [
        ("20220128", date(2022, 1, 28)),
        ("20220128 09:30:00", date(2022, 1, 28)),
        ("２０２２０１２８", date(2022, 1, 28)),
        ("20220230", None),
        ("00000000", None),
        ("19000101", None),
    ] {
        let table = format!("<table><tr><td>发布日期：</td><td>{value}</td></tr></table>");
        let m = read(TITLE, "", &table);
        assert_eq!(m.publish_date, want, "{value}");
        if want.is_some() {
            assert_eq!(prov(&m, "publish_date").as_deref(), Some("label:发布日期"));
        }
    }
    let m = read(TITLE, "<meta name=\"PubDate\" content=\"20220128\">", "");
    assert_eq!(m.publish_date, date(2022, 1, 28));
    assert_eq!(prov(&m, "publish_date").as_deref(), Some("meta:PubDate"));
    assert_eq!(parse_field_date("索引号20220128"), None);
    assert_eq!(parse_date("20220128"), None);
}

/// A page whose title names no year and whose opening sentence names it in Chinese numerals.
#[test]
fn opening_names_the_year_in_chinese_numerals() {
    for (opening, want) in [
        (
            "现将和义县民政局二〇二〇年度政府信息公开工作情况报告如下。",
            Some(2020),
        ),
        (
            "现将和义县民政局二0二〇年政府信息公开工作年度报告公布如下。",
            Some(2020),
        ),
        ("本报告统计期限为二〇二〇年度。", Some(2020)),
        ("现将和义县民政局政府信息公开工作情况报告如下。", None),
    ] {
        let m = read(
            "和义县民政局政府信息公开工作年度报告",
            "",
            &format!("<div><p>{opening}</p></div>"),
        );
        assert_eq!(m.report_year, want, "{opening}");
        if want.is_some() {
            assert_eq!(
                prov(&m, "report_year").as_deref(),
                Some("opening"),
                "{opening}"
            );
        }
    }
}

/// Variants checked and found read right: kept as a table so they stay right.
#[test]
fn variants_read_right() {
    for (title, want) in [
        ("和义县2021年度政府信息公开工作年度报告", Some(2021)),
        ("和义县2021 年政府信息公开工作年度报告", Some(2021)),
        ("和义县２０２１年政府信息公开工作年度报告", Some(2021)),
        ("和義縣2021年政府資訊公開工作年度報告", Some(2021)),
        (
            "和义县2020年政府信息公开工作年度报告（2021年1月修订）",
            Some(2020),
        ),
        ("关于2020年度政府信息公开工作的报告", Some(2020)),
        ("和义县2019-2020年度政府信息公开工作年度报告", None),
        ("和义县2020年1-12月政府信息公开工作情况报告", Some(2020)),
        ("和义县十三五期间政府信息公开工作年度报告", None),
        ("和义县〔2021〕政府信息公开工作年度报告", Some(2021)),
    ] {
        assert_eq!(report_year_from_title(title), want, "{title}");
    }
    for (printed, want) in [
        ("2021/1/28", date(2021, 1, 28)),
        ("2021.01.28", date(2021, 1, 28)),
        ("2021年1月28日", date(2021, 1, 28)),
        ("2021-01-28 09:30:00", date(2021, 1, 28)),
        ("2021-02-30", None),
        ("0000-00-00", None),
        ("1900-01-01", None),
    ] {
        assert_eq!(parse_date(printed), want, "{printed}");
    }
    // The table's date beats the meta tag's, which is kept.
    let m = read(
        TITLE,
        "<meta name=\"PubDate\" content=\"2022-01-30 10:00\">",
        "<table><tr><td>发布日期：</td><td>2022-01-28</td></tr></table>",
    );
    assert_eq!(m.publish_date, date(2022, 1, 28));
    assert_eq!(
        m.fields.get("meta:PubDate").map(String::as_str),
        Some("2022-01-30 10:00")
    );
    // A source that is the website, and a value followed by the page's buttons.
    let m = read(
        TITLE,
        "",
        "<div class=\"info\">来源：本网　　发布时间：2022-01-28</div>",
    );
    assert_ne!(prov(&m, "issuing_body").as_deref(), Some("label:来源"));
    let m = read(
        TITLE,
        "",
        "<table><tr><td>发布机构：</td><td>和义县民政局&nbsp; 【打印】【关闭】</td></tr></table>",
    );
    assert_eq!(m.issuing_body.as_deref(), Some("和义县民政局"));
    for (value, want) in [
        ("无", None),
        ("/", None),
        ("——", None),
        ("国办发〔2021〕5号", Some("国办发〔2021〕5号")),
        ("和民发[2021]5号", Some("和民发[2021]5号")),
        ("和民发(2021)5号", Some("和民发(2021)5号")),
    ] {
        let m = read(
            TITLE,
            "",
            &format!(
                "<table><tr><td>文号：</td><td>{value}</td><td>索引号:</td><td>11652301-2021-001</td></tr></table>"
            ),
        );
        assert_eq!(m.doc_number.as_deref(), want, "{value}");
        assert_eq!(m.index_number.as_deref(), Some("11652301-2021-001"));
    }
}
