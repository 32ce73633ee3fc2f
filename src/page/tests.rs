//! Tests of the page pipeline: one parse per page, what each role reads from it.

use super::*;

/// A report the list gives as a file is judged by its list title as an item page is: a
/// body whose name holds a word that keeps other titles out (评估, 培训) still publishes one.
#[test]
fn a_file_listed_straight_is_judged_by_the_item_rule() {
    for (title, report) in [
        ("上海市教育评估院2022年政府信息公开工作年度报告", true),
        ("某某县职业技能培训中心2022年政府信息公开工作年度报告", true),
        ("某某县2022年政府信息公开工作年度报告解读", false),
    ] {
        let metadata = attachment_metadata(&ListEvidence {
            title: Some(title.to_string()),
            ..ListEvidence::default()
        });
        assert_eq!(metadata.is_annual_report, report, "{title}");
    }
}

/// A year's list page that says it lists nothing is a list of no entries (walked, nothing
/// found), in either script; an item page saying the same is still an empty template.
#[test]
fn a_list_page_that_says_it_is_empty_is_an_empty_list() {
    let url = Url::parse("http://a.gov.cn/xxgk/nb/2016/index.html").expect("url");
    for says in ["暂无信息", "暂无数据", "暫無記錄", "没有相关信息"] {
        let html = format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>2016年度</title></head>\
             <body><div class=\"header\"><a href=\"/\">首页</a></div><h2>2016年度</h2><p>{says}</p></body></html>"
        );
        let input = PageInput {
            url: &url,
            status: 200,
            content_type: Some("text/html; charset=utf-8"),
            body: html.as_bytes(),
        };
        let list = analyse(input, &PageRole::List { list_api: None });
        assert_eq!(list.kind, PageKind::Content, "{says}");
        assert!(
            matches!(&list.view, View::List(page) if page.items.is_empty()),
            "{says}"
        );
        let item = analyse(
            input,
            &PageRole::Item {
                evidence: ListEvidence::default(),
                portal_name: "某县人民政府".into(),
            },
        );
        assert_eq!(item.kind, PageKind::EmptyTemplate, "{says}");
    }
}

/// A year's list page that says it lists nothing and loads a script named for data or a
/// list (`data.js` for a date picker, a table library's `dataTables…js`) is still an empty
/// list, not one a script fills: the script's name is weaker evidence than what the page says.
#[test]
fn an_empty_list_page_loading_a_data_script_is_an_empty_list() {
    let url = Url::parse("http://a.gov.cn/xxgk/nb/2016/index.html").expect("url");
    for script in [
        "/js/data.js",
        "/js/dataTables.bootstrap.min.js",
        "/js/list.js",
    ] {
        let html = format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>2016年度</title>\
             <script src=\"{script}\"></script></head><body><div class=\"header\">\
             <a href=\"/\">首页</a></div><h2>2016年度</h2><p>暂无信息</p></body></html>"
        );
        let input = PageInput {
            url: &url,
            status: 200,
            content_type: Some("text/html; charset=utf-8"),
            body: html.as_bytes(),
        };
        let list = analyse(input, &PageRole::List { list_api: None });
        assert!(
            matches!(&list.view, View::List(page)
                if page.items.is_empty() && page.needs_javascript.is_none()),
            "{script}: {:?}",
            list.view
        );
    }
}
