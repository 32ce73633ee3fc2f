//! Unit tests of annual-report recognition and report years (`extract::report`).

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
        // Documents about reports, drafts and reports of part of a year.
        ("中华人民共和国政府信息公开工作年度报告格式", false),
        ("关于报送2022年度政府信息公开工作年度报告的函", false),
        ("关于2022年度政府信息公开工作年度报告的补充说明", false),
        ("和义县2022年政府信息公开工作年度报告（草案）", false),
        ("和义县2022年1-6月政府信息公开工作情况报告", false),
        ("关于2022年政府信息公开工作年度报告", true),
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
        // A span of two years names no one year; a month names when it was published.
        ("和义县2021-2022年度政府信息公开工作年度报告", None),
        ("和义县2021至2022年政府信息公开工作年度报告", None),
        ("政府信息公开工作年度报告（2023年1月）", None),
        ("2023年1月20日和义县政府信息公开工作年度报告", None),
        ("和义县政府信息公开工作年度报告（二〇二三年一月）", None),
        ("和义县2008年5月至12月政府信息公开工作年度报告", Some(2008)),
        ("和义县2022年1-12月政府信息公开工作情况报告", Some(2022)),
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
        (
            "本報告中所列數據的統計期限自2022年1月1日起至2022年12月31日止。",
            Some(2022),
        ),
        // A period of two years covers no one year.
        ("统计期限自2021年1月1日起至2022年12月31日止。", None),
        (
            "统计期限自2022年1月1日起至2022年12月31日止。2023年将继续。",
            Some(2022),
        ),
        ("统计期限自1900年1月1日起", None),
        // A publish date or a plan is not a statistics period.
        ("2018年2月7日", None),
        ("统计局于2024年3月1日发布", None),
    ];
    for (text, want) in cases {
        assert_eq!(report_year_from_body(text), want, "{text}");
    }
}
