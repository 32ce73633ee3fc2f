//! Issue 8: the list patterns that once yielded nothing or too little, each as a table of generated
//! variants read through the one page pipeline (`page::analyse`, as the crawl and `inspect` read
//! them): channel indexes of year sub-channels, Simplified and Traditional pagers, one page under
//! two URLs, Hanweb jpage ranges, and Chinese query values on GBK/Big5 pages.

mod common;

use common::pages::{read_list, traditional};
use encoding_rs::{BIG5, Encoding, GBK, UTF_8};
use nianbao::classify::PageKind;
use nianbao::discover::{ListPage, PageRequest, extend_ranges};
use nianbao::page::{PageInput, PageRole, View, analyse};
use url::Url;

fn url(s: &str) -> Url {
    Url::parse(s).expect("test URL literal is valid")
}

/// A portal page around `body`, with a dated list of three items.
fn list_page(charset: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html><html><head><meta charset="{charset}"><title>政府信息公开年报</title></head><body>
<div class="header"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li></ul></div>
<div class="list"><ul>
<li><a href="/art/2020/t20200120_101.html">某某县人民政府2019年政府信息公开工作年度报告</a><span>2020-01-20</span></li>
<li><a href="/art/2019/t20190118_102.html">某某县人民政府2018年政府信息公开工作年度报告</a><span>2019-01-18</span></li>
<li><a href="/art/2018/t20180125_103.html">某某县人民政府2017年政府信息公开工作年度报告</a><span>2018-01-25</span></li>
</ul></div>
{body}
<div class="footer">主办单位：某某县人民政府办公室 联系电话：0000-0000000 地址：某某县人民路1号</div>
</body></html>"#
    )
}

fn read(page_url: &str, html: &str) -> ListPage {
    let (kind, page) = read_list(page_url, html, UTF_8);
    assert_eq!(kind, PageKind::Content, "{page_url}");
    page
}

/// The next pages as (URL, number) pairs.
fn numbered(page: &ListPage) -> Vec<(String, Option<u64>)> {
    page.next_pages
        .iter()
        .map(|r| (r.url().to_string(), page.number_of(r)))
        .collect()
}

// ---- 1. A channel index that holds only per-year sub-channels ----

#[test]
fn a_channel_index_of_year_sub_channels_is_a_list_not_an_empty_template() {
    // The page of the report (issue 8, point 1): a TRS 年报 column listing only `2017年 -> ./2017/`.
    let exact = r#"<html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body>
<ul class="nb"><li><a href="./2017/">2017年</a></li><li><a href="./2016/">2016年</a></li></ul>
</body></html>"#;
    type Variant = (&'static str, String, Vec<(i32, &'static str)>);
    let variants: Vec<Variant> = vec![
        (
            "as reported",
            exact.to_string(),
            vec![
                (2017, "http://www.example.gov.cn/xxgk/nb/2017/"),
                (2016, "http://www.example.gov.cn/xxgk/nb/2016/"),
            ],
        ),
        (
            "年度 labels",
            exact.replace("2017年<", "2017年度<").replace("2016年<", "2016年度<"),
            vec![
                (2017, "http://www.example.gov.cn/xxgk/nb/2017/"),
                (2016, "http://www.example.gov.cn/xxgk/nb/2016/"),
            ],
        ),
        (
            "Chinese numerals",
            exact.replace("2017年<", "二〇一七年<").replace("2016年<", "二零一六年<"),
            vec![
                (2017, "http://www.example.gov.cn/xxgk/nb/2017/"),
                (2016, "http://www.example.gov.cn/xxgk/nb/2016/"),
            ],
        ),
        (
            "report folders",
            exact
                .replace("2017年<", "2017年政府信息公开工作年度报告<")
                .replace("2016年<", "2016年政府信息公开工作年度报告<"),
            vec![
                (2017, "http://www.example.gov.cn/xxgk/nb/2017/"),
                (2016, "http://www.example.gov.cn/xxgk/nb/2016/"),
            ],
        ),
        (
            "年报 labels",
            exact.replace("2017年<", "2017年报<").replace("2016年<", "2016年报<"),
            vec![
                (2017, "http://www.example.gov.cn/xxgk/nb/2017/"),
                (2016, "http://www.example.gov.cn/xxgk/nb/2016/"),
            ],
        ),
        (
            "年度报告 labels, Traditional",
            exact.replace("2017年<", "2017年度報告<").replace("2016年<", "2016年度報告<"),
            vec![
                (2017, "http://www.example.gov.cn/xxgk/nb/2017/"),
                (2016, "http://www.example.gov.cn/xxgk/nb/2016/"),
            ],
        ),
        (
            "政务公开年报 labels",
            exact
                .replace("2017年<", "2017年度政务公开年报<")
                .replace("2016年<", "2016年度政务公开年报<"),
            vec![
                (2017, "http://www.example.gov.cn/xxgk/nb/2017/"),
                (2016, "http://www.example.gov.cn/xxgk/nb/2016/"),
            ],
        ),
        (
            // Found by the zoo: five or more such folders once read as an undated list of reports.
            "six report folders",
            r#"<html><head><meta charset="utf-8"></head><body><ul class="channels">
<li><a href="./2019/">2019年政府信息公开工作年度报告</a></li><li><a href="./2018/">2018年政府信息公开工作年度报告</a></li><li><a href="./2017/">2017年政府信息公开工作年度报告</a></li><li><a href="./2016/">2016年政府信息公开工作年度报告</a></li><li><a href="./2015/">2015年政府信息公开工作年度报告</a></li><li><a href="./2014/">2014年政府信息公开工作年度报告</a></li>
</ul></body></html>"#
                .to_string(),
            vec![
                (2019, "http://www.example.gov.cn/xxgk/nb/2019/"),
                (2018, "http://www.example.gov.cn/xxgk/nb/2018/"),
                (2017, "http://www.example.gov.cn/xxgk/nb/2017/"),
                (2016, "http://www.example.gov.cn/xxgk/nb/2016/"),
                (2015, "http://www.example.gov.cn/xxgk/nb/2015/"),
                (2014, "http://www.example.gov.cn/xxgk/nb/2014/"),
            ],
        ),
        (
            "a select box of years",
            r#"<html><head><meta charset="utf-8"></head><body><select onchange="location=this.value">
<option value="">请选择年份</option><option value="./2019/index.html">2019年</option>
<option value="./2018/index.html">2018年</option></select></body></html>"#
                .to_string(),
            vec![
                (2019, "http://www.example.gov.cn/xxgk/nb/2019/index.html"),
                (2018, "http://www.example.gov.cn/xxgk/nb/2018/index.html"),
            ],
        ),
    ];
    for (name, html, want) in variants {
        let (kind, page) = read_list("http://www.example.gov.cn/xxgk/nb/", &html, UTF_8);
        assert_eq!(kind, PageKind::Content, "{name}");
        let got: Vec<(i32, &str)> = page
            .year_sections
            .iter()
            .map(|s| (s.year, s.url.as_str()))
            .collect();
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn a_page_with_items_and_year_tabs_gives_both() {
    let html = list_page(
        "utf-8",
        r#"<div class="tabs"><a href="?year=2019">2019</a><a href="?year=2018">2018</a></div>"#,
    );
    let page = read("http://www.example.gov.cn/nb/list.jsp", &html);
    assert_eq!(page.items.len(), 3);
    let years: Vec<(i32, &str)> = page
        .year_sections
        .iter()
        .map(|s| (s.year, s.url.as_str()))
        .collect();
    assert_eq!(
        years,
        vec![
            (2019, "http://www.example.gov.cn/nb/list.jsp?year=2019"),
            (2018, "http://www.example.gov.cn/nb/list.jsp?year=2018"),
        ]
    );
}

/// A section page of year blocks, each a heading, the year's newest reports and a "more" link to
/// the year's own list: the more links are the year sections, and the reports are items.
#[test]
fn year_blocks_with_more_links_lead_to_each_years_list() {
    let block = |heading: &str, year: i32, more: &str| {
        let items: String = (0..3)
            .map(|i| {
                format!(
                    "<li><a href=\"./{year}/t{year}0315_{i}.html\">某某县第{i}局{year}年政府信息公开工作年度报告</a>\
                     <span>{}-03-1{i}</span></li>",
                    year + 1
                )
            })
            .collect();
        format!(
            "<div class=\"panel\"><div class=\"hd\">{heading}</div><ul>{items}</ul>\
             <a class=\"more\" href=\"./{year}/\">{more}</a></div>"
        )
    };
    type Heading = (&'static str, fn(i32) -> String);
    let headings: [Heading; 4] = [
        ("<h3>YYYY年度</h3>", |y| format!("<h3>{y}年度</h3>")),
        ("<span>YYYY年</span>", |y| format!("<span>{y}年</span>")),
        ("<strong>YYYY年年报</strong>", |y| {
            format!("<strong>{y}年年报</strong>")
        }),
        ("<h4>YYYY</h4>", |y| format!("<h4>{y}</h4>")),
    ];
    for (shape, heading) in headings {
        for more in [
            "更多&gt;&gt;",
            "更多",
            "more&raquo;",
            "查看更多",
            "&gt;&gt;",
        ] {
            let blocks: String = [2023, 2022, 2021]
                .iter()
                .map(|&y| block(&heading(y), y, more))
                .collect();
            let html = format!(
                "<html><head><meta charset=\"utf-8\"><title>政府信息公开年报</title></head><body>\
                 <div class=\"header\"><a href=\"/\">首页</a><a class=\"more\" href=\"/zwgk/\">更多</a></div>\
                 {blocks}</body></html>"
            );
            for (encoding, html) in [
                (UTF_8, html.clone()),
                (encoding_rs::BIG5, traditional(&html)),
            ] {
                let case = format!("{shape}, {more}, {}", encoding.name());
                let (kind, page) = read_list("http://www.example.gov.cn/xxgk/nb/", &html, encoding);
                assert_eq!(kind, PageKind::Content, "{case}");
                let got: Vec<(i32, &str)> = page
                    .year_sections
                    .iter()
                    .map(|s| (s.year, s.url.as_str()))
                    .collect();
                assert_eq!(
                    got,
                    [2023, 2022, 2021]
                        .iter()
                        .map(|&y| (y, format!("http://www.example.gov.cn/xxgk/nb/{y}/")))
                        .collect::<Vec<_>>()
                        .iter()
                        .map(|(y, u)| (*y, u.as_str()))
                        .collect::<Vec<_>>(),
                    "{case}"
                );
                assert_eq!(page.items.len(), 9, "{case}");
            }
        }
    }
    // A "more" link in a block of two years, or of none, names no year.
    let html = list_page(
        "utf-8",
        r#"<div class="box"><span>2019年</span><span>2018年</span><a href="/all/">更多</a></div>
<div class="box"><span>最新公开</span><a href="/new/">更多</a></div>"#,
    );
    let page = read("http://www.example.gov.cn/nb/list.html", &html);
    assert!(page.year_sections.is_empty(), "{:?}", page.year_sections);
}

/// A short section list (or the short last page of a long one) beside a longer box of hot news
/// keeps its own entries: they live under the section's folder, the box's elsewhere.
#[test]
fn a_short_list_beside_a_longer_sidebar_keeps_its_own_entries() {
    let section = |n: usize| -> String {
        (1..=n)
            .map(|i| {
                format!(
                    "<li><a href=\"/zwgk/xxgknb/20220{i}/t20220{i}10_{i}.html\">某某县第{i}局2021年政府信息公开工作年度报告</a><span>2022-0{i}-10</span></li>"
                )
            })
            .collect()
    };
    let sidebar = |n: usize| -> String {
        (1..=n)
            .map(|i| {
                format!(
                    "<li><a href=\"/zwdt/bmdt/202403/t202403{i:02}_{i}.html\">某某县公安局第{i}号通告</a><span>2024-03-{i:02}</span></li>"
                )
            })
            .collect()
    };
    for (own, hot) in [(3, 8), (4, 8), (6, 10), (2, 12)] {
        for sidebar_first in [false, true] {
            let main = format!(
                "<div class=\"main\"><ul class=\"list\">{}</ul></div>",
                section(own)
            );
            let side = format!(
                "<div class=\"side\"><h3>最新信息</h3><ul class=\"list\">{}</ul></div>",
                sidebar(hot)
            );
            let body = if sidebar_first {
                format!("{side}{main}")
            } else {
                format!("{main}{side}")
            };
            let html = format!(
                "<html><head><meta charset=\"utf-8\"><title>政府信息公开年报</title></head><body>{body}</body></html>"
            );
            for (encoding, html) in [
                (UTF_8, html.clone()),
                (encoding_rs::BIG5, traditional(&html)),
            ] {
                let case = format!(
                    "{own} own, {hot} hot, sidebar first {sidebar_first}, {}",
                    encoding.name()
                );
                let (_, page) = read_list(
                    "http://www.example.gov.cn/zwgk/xxgknb/index_2.html",
                    &html,
                    encoding,
                );
                let paths: Vec<&str> = page.items.iter().map(|i| i.url.path()).collect();
                assert_eq!(paths.len(), own, "{case}: {paths:?}");
                assert!(
                    paths.iter().all(|p| p.starts_with("/zwgk/xxgknb/")),
                    "{case}: {paths:?}"
                );
            }
        }
    }
}

/// A section page that shows nothing and sends the reader on (a refresh, a script that only sets
/// `location`, a frameset, an iframe) leads to the list's page; a list with entries keeps its
/// frames to itself.
#[test]
fn a_shell_page_leads_to_the_page_it_sends_the_reader_to() {
    let target = "http://www.example.gov.cn/zwgk/xxgknb/list_1.shtml";
    let shells = [
        r#"<meta http-equiv="refresh" content="0;url=/zwgk/xxgknb/list_1.shtml">"#,
        r#"<META HTTP-EQUIV="Refresh" CONTENT="0; URL='list_1.shtml'">"#,
        r#"<meta http-equiv="refresh" content="3; URL = /zwgk/xxgknb/list_1.shtml">"#,
        r#"<meta http-equiv="refresh" content="0;/zwgk/xxgknb/list_1.shtml">"#,
        "<script>window.location.href='/zwgk/xxgknb/list_1.shtml';</script>",
        "<script type=\"text/javascript\">\n  location.replace(\"list_1.shtml\")\n</script>",
        "<script>top.location = \"/zwgk/xxgknb/list_1.shtml\"</script>",
        r#"<iframe src="/zwgk/xxgknb/list_1.shtml" width="100%" height="900" frameborder="0"></iframe>"#,
    ];
    for shell in shells {
        for text in ["", "页面跳转中……", "頁面跳轉中"] {
            let html = format!(
                "<html><head><meta charset=\"utf-8\"><title>政府信息公开年报</title></head><body>{shell}<p>{text}</p></body></html>"
            );
            let (kind, page) = read_list("http://www.example.gov.cn/zwgk/xxgknb/", &html, UTF_8);
            assert_eq!(kind, PageKind::Content, "{shell}");
            let next: Vec<&str> = page.next_pages.iter().map(|p| p.url().as_str()).collect();
            assert_eq!(next, [target], "{shell} {text}");
        }
    }
    let frameset = r#"<html><head><title>年报</title></head><frameset rows="80,*"><frame src="/top.html"><frame src="list_1.shtml"></frameset></html>"#;
    let (kind, page) = read_list("http://www.example.gov.cn/zwgk/xxgknb/", frameset, UTF_8);
    assert_eq!(kind, PageKind::Content);
    let next: Vec<&str> = page.next_pages.iter().map(|p| p.url().as_str()).collect();
    assert_eq!(next, ["http://www.example.gov.cn/top.html", target]);
    // A list with entries keeps its frames and scripts to itself.
    let html = list_page(
        "utf-8",
        "<iframe src=\"/video/player.html\"></iframe><script>var u='x'; location.href='/other/';</script>",
    );
    let page = read("http://www.example.gov.cn/zwgk/xxgknb/", &html);
    assert_eq!(page.items.len(), 3);
    assert!(page.next_pages.is_empty(), "{:?}", page.next_pages);
}

/// An inline frame on another host is a widget (a weather box, a visitor counter), never the page
/// a shell shows: a page with little text of its own beside one leads nowhere through it, and a
/// shell with its own frame beside one leads only to its own. A report page with such a widget and
/// a header left open once read as a shell list whose next page was the widget.
#[test]
fn an_iframe_on_another_host_is_never_a_shell_target() {
    let widget = r#"<iframe src="https://weather.example.com/?c=code&id=26" width="260" height="26"></iframe>"#;
    for text in ["", "页面跳转中……"] {
        let html = format!(
            "<html><head><meta charset=\"utf-8\"><title>政府信息公开年报</title></head><body>{widget}<p>{text}</p></body></html>"
        );
        let (_, page) = read_list("http://www.example.gov.cn/zwgk/xxgknb/", &html, UTF_8);
        assert!(page.next_pages.is_empty(), "{text}: {:?}", page.next_pages);
        let own = format!(
            "<html><head><meta charset=\"utf-8\"><title>政府信息公开年报</title></head><body>{widget}<iframe src=\"list_1.shtml\"></iframe><p>{text}</p></body></html>"
        );
        let (_, page) = read_list("http://www.example.gov.cn/zwgk/xxgknb/", &own, UTF_8);
        let next: Vec<&str> = page.next_pages.iter().map(|p| p.url().as_str()).collect();
        assert_eq!(
            next,
            ["http://www.example.gov.cn/zwgk/xxgknb/list_1.shtml"],
            "{text}"
        );
    }
}

// ---- 2. Simplified and Traditional pagers ----

#[test]
fn the_big5_pager_of_the_report_is_followed() {
    // Issue 8, point 2, as reported: `共2頁 第1頁 <a href="index_2.htm">下一頁</a> <a>尾頁</a>`.
    let html = list_page(
        "big5",
        r#"<div class="page">共2頁 第1頁 <a href="index_2.htm">下一頁</a> <a>尾頁</a></div>"#,
    );
    let (kind, page) = read_list(
        "http://www.example.gov.tw/nb/index.htm",
        &traditional(&html),
        BIG5,
    );
    assert_eq!(kind, PageKind::Content);
    assert_eq!(page.items.len(), 3);
    assert_eq!(page.stated.and_then(|s| s.pages), Some(2));
    assert_eq!(page.number, Some(1));
    assert_eq!(
        numbered(&page),
        vec![(
            "http://www.example.gov.tw/nb/index_2.htm".to_string(),
            Some(2)
        )]
    );
}

struct PagerCase {
    name: &'static str,
    page_url: &'static str,
    pager: &'static str,
    stated_pages: Option<u64>,
    stated_items: Option<u64>,
    number: Option<u64>,
    next: &'static [(&'static str, u64)],
}

const PAGERS: &[PagerCase] = &[
    PagerCase {
        name: "image links labelled by title and alt (TRS numbering from 尾页)",
        page_url: "http://a.gov.cn/nb/index.html",
        pager: r#"<a href="index_1.html" title="下一页"><img src="/i/next.gif"></a> <a href="index_3.html"><img src="/i/last.gif" alt="尾页"></a>"#,
        stated_pages: None,
        stated_items: None,
        number: Some(1),
        next: &[
            ("http://a.gov.cn/nb/index_1.html", 2),
            ("http://a.gov.cn/nb/index_2.html", 3),
            ("http://a.gov.cn/nb/index_3.html", 4),
        ],
    },
    PagerCase {
        name: "onclick and javascript: hrefs that set location, Traditional",
        page_url: "http://a.gov.cn/nb/index.html",
        pager: r#"共3頁 <a href="javascript:;" onclick="window.location.href='index_1.html'">下一頁</a> <a href="javascript:location.href='index_2.html'">末頁</a>"#,
        stated_pages: Some(3),
        stated_items: None,
        number: Some(1),
        next: &[
            ("http://a.gov.cn/nb/index_1.html", 2),
            ("http://a.gov.cn/nb/index_2.html", 3),
        ],
    },
    PagerCase {
        name: "Simplified, index_2 is page 2",
        page_url: "http://a.gov.cn/nb/index.htm",
        pager: r#"共3页 第1页 <a href="index_2.htm">下一页</a> <a href="index_3.htm">尾页</a>"#,
        stated_pages: Some(3),
        stated_items: None,
        number: Some(1),
        next: &[
            ("http://a.gov.cn/nb/index_2.htm", 2),
            ("http://a.gov.cn/nb/index_3.htm", 3),
        ],
    },
    PagerCase {
        name: "TRS numbering, index_1 is page 2, count from 尾页",
        page_url: "http://a.gov.cn/nb/index.html",
        pager: r#"<a href="index_1.html">下页</a> <a href="index_3.html">末页</a>"#,
        stated_pages: None,
        stated_items: None,
        number: Some(1),
        next: &[
            ("http://a.gov.cn/nb/index_1.html", 2),
            ("http://a.gov.cn/nb/index_2.html", 3),
            ("http://a.gov.cn/nb/index_3.html", 4),
        ],
    },
    PagerCase {
        name: "首页 to index_0, Traditional 上一頁/下一頁/末頁",
        page_url: "http://a.gov.cn/nb/index_1.html",
        pager: r#"<a href="index_0.html">首頁</a> <a href="index_0.html">上一頁</a> <a href="index_2.html">下一頁</a> <a href="index_2.html">末頁</a>"#,
        stated_pages: None,
        stated_items: None,
        number: Some(2),
        next: &[
            ("http://a.gov.cn/nb/index.html", 1),
            ("http://a.gov.cn/nb/index_2.html", 3),
        ],
    },
    PagerCase {
        name: "首页 to index.html, numbered links, 共N條",
        page_url: "http://a.gov.cn/nb/index_2.html",
        pager: r#"共25條 <a href="index.html">首页</a> <a href="index.html">1</a> <a href="index_1.html">2</a> 3 <a href="index_1.html">上一页</a> <a>下一页</a>"#,
        stated_pages: None,
        stated_items: Some(25),
        number: Some(3),
        next: &[],
    },
    PagerCase {
        name: "query pager, 首页 names ?page=1, 後頁/尾頁",
        page_url: "http://a.gov.cn/list.asp?lmid=45",
        pager: r#"共3頁 <a href="list.asp?lmid=45&page=1">首頁</a> <a href="list.asp?lmid=45&page=2">後頁</a> <a href="list.asp?lmid=45&page=3">尾頁</a>"#,
        stated_pages: Some(3),
        stated_items: None,
        number: Some(1),
        next: &[
            ("http://a.gov.cn/list.asp?lmid=45&page=2", 2),
            ("http://a.gov.cn/list.asp?lmid=45&page=3", 3),
        ],
    },
    PagerCase {
        name: "query pager counted from 0",
        page_url: "http://a.gov.cn/list.jsp?c=1&pageIndex=0",
        pager: r#"第1/3页 <a href="list.jsp?c=1&pageIndex=1">下一页</a>"#,
        stated_pages: Some(3),
        stated_items: None,
        number: Some(1),
        next: &[
            ("http://a.gov.cn/list.jsp?c=1&pageIndex=1", 2),
            ("http://a.gov.cn/list.jsp?c=1&pageIndex=2", 3),
        ],
    },
    PagerCase {
        name: "› arrow, no count",
        page_url: "http://a.gov.cn/list.php?page=2",
        pager: r#"<a href="list.php?page=1">‹</a> <a href="list.php?page=3">›</a>"#,
        stated_pages: None,
        stated_items: None,
        number: Some(2),
        next: &[("http://a.gov.cn/list.php?page=3", 3)],
    },
    PagerCase {
        name: "> arrow and Next on numbered files",
        page_url: "http://a.gov.cn/nb/list_2.shtml",
        pager: r#"<a href="list_1.shtml">&lt;</a> <a href="list_3.shtml">Next</a>"#,
        stated_pages: None,
        stated_items: None,
        number: Some(3),
        next: &[("http://a.gov.cn/nb/list_3.shtml", 4)],
    },
    PagerCase {
        name: "当前第2页 beside a plain next link",
        page_url: "http://a.gov.cn/search?q=nb&start=10",
        pager: r#"当前第2页 <a href="search?q=nb&start=20">下一頁</a>"#,
        stated_pages: None,
        stated_items: None,
        number: Some(2),
        next: &[("http://a.gov.cn/search?q=nb&start=20", 3)],
    },
    PagerCase {
        name: "select jump box lists every page",
        page_url: "http://a.gov.cn/nb/index.html",
        pager: r#"<select onchange="location=this.value"><option value="index.html">1</option><option value="index_1.html">2</option><option value="index_2.html">3</option></select> <a href="index_1.html">下一页</a>"#,
        stated_pages: None,
        stated_items: None,
        number: Some(1),
        next: &[
            ("http://a.gov.cn/nb/index_1.html", 2),
            ("http://a.gov.cn/nb/index_2.html", 3),
        ],
    },
    // Pagers whose CMS writes absolute links under the host it was set up with, on a page
    // asked under another host name of the same site.
    PagerCase {
        name: "numbered files on another host of the site, without a next link",
        page_url: "http://hd.gov.cn/nb/index.html",
        pager: r#"<a href="http://www.hd.gov.cn/nb/index.html">1</a> <a href="http://www.hd.gov.cn/nb/index_1.html">2</a> <a href="http://www.hd.gov.cn/nb/index_2.html">3</a>"#,
        stated_pages: None,
        stated_items: None,
        number: Some(1),
        next: &[("http://www.hd.gov.cn/nb/index_1.html", 2)],
    },
    PagerCase {
        name: "numbered files on another host of the site, with 尾頁",
        page_url: "http://hd.gov.cn/nb/index.html",
        pager: r#"<a href="http://www.hd.gov.cn/nb/index_1.html">2</a> <a href="http://www.hd.gov.cn/nb/index_3.html">尾頁</a>"#,
        stated_pages: None,
        stated_items: None,
        number: Some(1),
        next: &[
            ("http://www.hd.gov.cn/nb/index_1.html", 2),
            ("http://www.hd.gov.cn/nb/index_2.html", 3),
            ("http://www.hd.gov.cn/nb/index_3.html", 4),
        ],
    },
    PagerCase {
        name: "pages named by their number on another host of the site",
        page_url: "http://hd.gov.cn/nb/1.html",
        pager: r#"共3页 <a href="http://www.hd.gov.cn/nb/2.html">2</a> <a href="http://www.hd.gov.cn/nb/3.html">3</a>"#,
        stated_pages: Some(3),
        stated_items: None,
        number: Some(1),
        next: &[
            ("http://www.hd.gov.cn/nb/2.html", 2),
            ("http://www.hd.gov.cn/nb/3.html", 3),
        ],
    },
    PagerCase {
        name: "query pages on another host of the site",
        page_url: "https://xxgk.hd.gov.cn/list.jsp?id=4",
        pager: r#"共3页 <a href="https://www.hd.gov.cn/list.jsp?id=4&pageNo=2">2</a> <a href="https://www.hd.gov.cn/list.jsp?id=4&pageNo=3">3</a>"#,
        stated_pages: Some(3),
        stated_items: None,
        number: Some(1),
        next: &[
            ("https://www.hd.gov.cn/list.jsp?id=4&pageNo=2", 2),
            ("https://www.hd.gov.cn/list.jsp?id=4&pageNo=3", 3),
        ],
    },
    // Another site's folder of the same name is not this list's pager.
    PagerCase {
        name: "numbered files on another site are not a pager",
        page_url: "http://www.hd.gov.cn/nb/index.html",
        pager: r#"<a href="http://www.hebei.gov.cn/nb/index_1.html">2</a> <a href="http://www.hebei.gov.cn/nb/index_3.html">尾页</a>"#,
        stated_pages: None,
        stated_items: None,
        number: None,
        next: &[],
    },
    PagerCase {
        name: "共N页 共N条 with page-size remainder",
        page_url: "http://a.gov.cn/nb/index.html",
        pager: r#"共2页 共23条 每页20条 <a href="index_1.html">下一页</a> <a href="index_1.html">尾页</a>"#,
        stated_pages: Some(2),
        stated_items: Some(23),
        number: Some(1),
        next: &[("http://a.gov.cn/nb/index_1.html", 2)],
    },
];

#[test]
fn pager_variants_give_every_page_with_its_number() {
    for case in PAGERS {
        let html = list_page(
            "utf-8",
            &format!(r#"<div class="page">{}</div>"#, case.pager),
        );
        let page = read(case.page_url, &html);
        assert_eq!(
            page.items.len(),
            3,
            "{}: pager links are not items",
            case.name
        );
        let stated = page.stated.unwrap_or_default();
        assert_eq!(stated.pages, case.stated_pages, "{}", case.name);
        assert_eq!(stated.items, case.stated_items, "{}", case.name);
        assert_eq!(page.number, case.number, "{}", case.name);
        let want: Vec<(String, Option<u64>)> = case
            .next
            .iter()
            .map(|(u, n)| (u.to_string(), Some(*n)))
            .collect();
        assert_eq!(numbered(&page), want, "{}", case.name);
    }
}

/// A pager whose links call a page function of the page's script (`onclick="goPage(2)"`, with
/// `function goPage(p){ location.href='…pageNum='+p; }`): its pages are the URLs it builds.
#[test]
fn pager_links_that_call_a_page_function_lead_to_the_urls_it_builds() {
    let functions = [
        (
            "goPage",
            "function goPage(p){ location.href='/col/col1229/index.html?uid=4001&pageNum='+p; }",
            "",
        ),
        (
            "toPage",
            "function toPage(n) {\n  window.location.href = \"/col/col1229/index.html?uid=4001&pageNum=\" + n;\n}",
            "",
        ),
        (
            "jump",
            "function jump(i){window.location.replace('/col/col1229/index.html?uid=4001&pageNum=' + i + '&size=20');}",
            "&size=20",
        ),
        (
            "gotoPage",
            "function gotoPage(pg){ document.location = '/col/col1229/index.html?uid=4001&pageNum='+pg }",
            "",
        ),
    ];
    let page_url = "http://www.example.gov.cn/col/col1229/index.html?uid=4001&pageNum=2";
    for (name, script, suffix) in functions {
        for (call_in, scheme) in [("onclick", ""), ("href", "javascript:")] {
            for (next, last, count) in [
                ("下一页", "尾页", "第 2 页 / 共 3 页"),
                ("下一頁", "末頁", "第 2 頁 / 共 3 頁"),
            ] {
                let link = |n: u64, label: &str| match call_in {
                    "onclick" => format!(
                        "<a href=\"javascript:void(0)\" onclick=\"{name}({n})\">{label}</a>"
                    ),
                    _ => format!("<a href=\"{scheme}{name}('{n}')\">{label}</a>"),
                };
                let pager = format!(
                    "<div class=\"pages\">{count} {}{}{}</div><script>{script}</script>",
                    link(1, "1"),
                    link(3, next),
                    link(3, last)
                );
                let html = list_page("utf-8", &pager);
                let page = read(page_url, &html);
                let case = format!("{name}, {call_in}, {next}");
                assert_eq!(page.items.len(), 3, "{case}");
                assert_eq!(page.number, Some(2), "{case}");
                let url = |n: u64| {
                    format!(
                        "http://www.example.gov.cn/col/col1229/index.html?uid=4001&pageNum={n}{suffix}"
                    )
                };
                let got: Vec<String> = page
                    .next_pages
                    .iter()
                    .map(|r| r.url().to_string())
                    .collect();
                assert!(got.contains(&url(3)), "{case}: {got:?}");
                assert!(
                    got.iter().all(|u| [url(1), url(3)].contains(u)),
                    "{case}: {got:?}"
                );
            }
        }
    }
    // A function that opens something other than its argument is not a page function.
    let html = list_page(
        "utf-8",
        "<div class=\"pages\"><a onclick=\"show(2)\" href=\"#\">下一页</a></div>\
         <script>function show(p){ location.href='/detail.jsp?id='+current; }</script>",
    );
    let page = read("http://www.example.gov.cn/list.jsp", &html);
    assert!(page.next_pages.is_empty(), "{:?}", page.next_pages);
}

/// ASP.NET WebForms pagers post the page's form back: AspNetPager (`'AspNetPager1','3'`),
/// GridView (`'GridView1','Page$3'`) and LinkButtons (`WebForm_DoPostBackWithOptions`, no
/// argument), with the form around the page or opened between table rows (the parser closes it
/// there at once), in Simplified and Traditional, UTF-8, GBK and Big5. Each page is a POST to the
/// form's action with the page's own view state and the link's target and argument; postback
/// links that are no pager links (a tree menu, a search button) are not followed.
#[test]
fn asp_net_postback_pagers_post_the_form_back_for_each_page() {
    let page_url = "http://www.example.gov.cn/zwgk/nb/list.aspx?cid=12";
    let view_state = "/wEPDwUKLTEyMzQ1Njc4OQ9kFgICAw8WAh4EVGV4dGVkZA==";
    let fields = format!(
        "<input type=\"hidden\" name=\"__EVENTTARGET\" value=\"\" />\
         <input type=\"hidden\" name=\"__EVENTARGUMENT\" value=\"\" />\
         <input type=\"hidden\" name=\"__VIEWSTATE\" value=\"{view_state}\" />\
         <input type=\"hidden\" name=\"__EVENTVALIDATION\" value=\"/wEWAwL+raDpAgK\" />\
         <input type=\"hidden\" name=\"hidColumn\" value=\"年报\" />\
         <input type=\"text\" name=\"txtKey\" value=\"\" /><input type=\"submit\" name=\"btnSearch\" value=\"搜索\" />\
         <input type=\"checkbox\" name=\"chkAll\" /><select name=\"ddlYear\"><option value=\"\">全部</option>\
         <option value=\"2021\" selected=\"selected\">2021</option></select>\
         <a href=\"javascript:__doPostBack('TreeView1','s2021')\">2021年</a>"
    );
    type Link = fn(u64, &str) -> String;
    let aspnetpager: Link = |n, label| {
        format!("<a href=\"javascript:__doPostBack('AspNetPager1','{n}')\">{label}</a> ")
    };
    let gridview: Link = |n, label| {
        format!(
            "<a href=\"javascript:__doPostBack('ctl00$Main$GridView1','Page${n}')\">{label}</a> "
        )
    };
    let pagers: [(&str, Link); 2] = [
        ("AspNetPager1", aspnetpager),
        ("ctl00$Main$GridView1", gridview),
    ];
    for (target, link) in pagers {
        for (next, last, encoding) in [
            ("下一页", "尾页", UTF_8),
            ("下一頁", "尾頁", BIG5),
            ("下一页", "尾页", GBK),
        ] {
            for in_table in [false, true] {
                // Page 2 of 4: 首页 上一页 1 [2] 3 4 下一页 尾页.
                let pager = format!(
                    "<div class=\"pager\">{}{}{}<span class=\"current\">2</span> {}{}{}{}</div>",
                    link(1, "首页"),
                    link(1, "上一页"),
                    link(1, "1"),
                    link(3, "3"),
                    link(4, "4"),
                    link(3, next),
                    link(4, last)
                );
                let body = if in_table {
                    format!(
                        "<table><form name=\"form1\" method=\"post\" action=\"./list.aspx?cid=12\" id=\"form1\">\
                         <tr><td>{fields}</td></tr><tr><td>{pager}</td></tr></form></table>"
                    )
                } else {
                    format!(
                        "<form name=\"form1\" method=\"post\" action=\"./list.aspx?cid=12\" id=\"form1\">\
                         <div>{fields}</div>{pager}</form>"
                    )
                };
                let mut html = list_page(encoding.name(), &body);
                if encoding == BIG5 {
                    html = traditional(&html);
                }
                let case = format!("{target}, {}, in table {in_table}", encoding.name());
                let (kind, page) = read_list(page_url, &html, encoding);
                assert_eq!(kind, PageKind::Content, "{case}");
                assert_eq!(page.items.len(), 3, "{case}");
                let mut got: Vec<(Option<u64>, String)> = Vec::new();
                for request in &page.next_pages {
                    let PageRequest::Post { url, form, charset } = request else {
                        panic!("{case}: a GET {request:?}");
                    };
                    // Sent in the page's encoding, as a browser sends the form (a GBK page is
                    // read as GB18030, which writes its characters alike).
                    let sent_in = charset.unwrap_or(UTF_8);
                    let column = if encoding == BIG5 { "年報" } else { "年报" };
                    assert_eq!(
                        sent_in.encode(column).0,
                        encoding.encode(column).0,
                        "{case}: sent in {}",
                        sent_in.name()
                    );
                    assert_eq!(url.as_str(), page_url, "{case}");
                    let value = |name: &str| {
                        form.iter()
                            .find(|(k, _)| k == name)
                            .map(|(_, v)| v.as_str())
                    };
                    assert_eq!(value("__EVENTTARGET"), Some(target), "{case}");
                    assert_eq!(value("__VIEWSTATE"), Some(view_state), "{case}");
                    assert_eq!(
                        value("__EVENTVALIDATION"),
                        Some("/wEWAwL+raDpAgK"),
                        "{case}"
                    );
                    assert_eq!(value("ddlYear"), Some("2021"), "{case}");
                    assert_eq!(value("hidColumn"), Some(column), "{case}");
                    assert_eq!(value("txtKey"), Some(""), "{case}");
                    assert_eq!(value("btnSearch"), None, "{case}: no button is sent");
                    assert_eq!(
                        value("chkAll"),
                        None,
                        "{case}: an unchecked box is not sent"
                    );
                    got.push((
                        page.number_of(request),
                        value("__EVENTARGUMENT").unwrap_or("").to_string(),
                    ));
                }
                got.sort();
                let arg = |n: u64| match target {
                    "AspNetPager1" => n.to_string(),
                    _ => format!("Page${n}"),
                };
                assert_eq!(
                    got,
                    vec![(Some(1), arg(1)), (Some(3), arg(3)), (Some(4), arg(4))],
                    "{case}"
                );
            }
        }
    }

    // A LinkButton pager on page 1 (no way back, no page 1 link): 下一页 posts no argument and
    // leads to page 2.
    let button = "<a id=\"lbtnNext\" href=\"javascript:WebForm_DoPostBackWithOptions(new WebForm_PostBackOptions(&quot;ctl00$Main$lbtnNext&quot;, &quot;&quot;, true, &quot;&quot;, &quot;&quot;, false, true))\">下一页</a>";
    let body = format!(
        "<form method=\"post\" action=\"list.aspx?cid=12\" id=\"aspnetForm\">\
         <input type=\"hidden\" name=\"__VIEWSTATE\" value=\"{view_state}\" />{button}</form>"
    );
    let page = read(page_url, &list_page("utf-8", &body));
    assert_eq!(page.number, Some(1));
    let [PageRequest::Post { form, .. }] = page.next_pages.as_slice() else {
        panic!("one postback: {:?}", page.next_pages);
    };
    assert_eq!(page.number_of(&page.next_pages[0]), Some(2));
    assert_eq!(
        form[..2],
        [
            (
                "__EVENTTARGET".to_string(),
                "ctl00$Main$lbtnNext".to_string()
            ),
            ("__EVENTARGUMENT".to_string(), String::new())
        ]
    );

    // Postback links without a form holding a view state, or that are no pager links, lead
    // nowhere.
    for body in [
        "<div class=\"pager\"><a href=\"javascript:__doPostBack('AspNetPager1','2')\">下一页</a></div>".to_string(),
        format!(
            "<form method=\"post\"><input type=\"hidden\" name=\"__VIEWSTATE\" value=\"{view_state}\" />\
             <a href=\"javascript:__doPostBack('TreeView1','s2021')\">2021年</a>\
             <a href=\"javascript:__doPostBack('btnSearch','')\">搜索</a></form>"
        ),
    ] {
        let page = read(page_url, &list_page("utf-8", &body));
        assert!(page.next_pages.is_empty(), "{body}: {:?}", page.next_pages);
    }
}

// ---- 3. The same page under two URLs ----

#[test]
fn the_first_page_linked_under_another_url_has_the_first_page_number() {
    // Issue 8, point 3, as reported: `list.asp?lmid=45`, whose pager links 首页 to `&page=1`.
    let pager = |current: u64| {
        format!(
            r#"<div class="page">共3页 当前第{current}页 <a href="list.asp?lmid=45&page=1">首页</a>
<a href="list.asp?lmid=45&page={prev}">上一页</a> <a href="list.asp?lmid=45&page={next}">下一页</a>
<a href="list.asp?lmid=45&page=3">尾页</a></div>"#,
            prev = current.saturating_sub(1).max(1),
            next = (current + 1).min(3)
        )
    };
    let walk = [
        ("http://a.gov.cn/list.asp?lmid=45", 1),
        ("http://a.gov.cn/list.asp?lmid=45&page=2", 2),
        ("http://a.gov.cn/list.asp?lmid=45&page=3", 3),
    ];
    let mut numbers_of_page_1 = Vec::new();
    for (page_url, current) in walk {
        let page = read(page_url, &list_page("utf-8", &pager(current)));
        assert_eq!(page.number, Some(current), "{page_url}");
        let first = PageRequest::Get(url("http://a.gov.cn/list.asp?lmid=45&page=1"));
        if current != 1 {
            numbers_of_page_1.push(page.number_of(&first));
        }
        // Every page of the list is numbered 1..=3, whatever URL names it.
        let mut all: Vec<u64> = page
            .next_pages
            .iter()
            .filter_map(|r| page.number_of(r))
            .chain(page.number)
            .collect();
        all.sort_unstable();
        assert_eq!(all, vec![1, 2, 3], "{page_url}");
    }
    assert_eq!(numbers_of_page_1, vec![Some(1), Some(1)]);
}

// ---- 4. Hanweb jpage ranges ----

fn hanweb_page(per_page: u64, group: u64, total: Option<u64>, embedded: u64) -> String {
    let records: String = (1..=embedded)
        .map(|i| {
            format!(
                "<record><![CDATA[<li><a href=\"/art/2020/1/{i}/art_1_{i}.html\">某某县2019年政府信息公开工作年度报告之{i}</a><span>2020-01-{:02}</span></li>]]></record>",
                i.min(28)
            )
        })
        .collect();
    let total_script = total
        .map(|t| format!("totalRecord:{t},"))
        .unwrap_or_default();
    format!(
        r#"<html><head><meta charset="utf-8"></head><body><div id="4501">
<script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=1&path=/&columnid=1229&unitid=4501&webname=x&permissiontype=0"></a>]]></nextgroup>
<recordset>{records}</recordset></datastore></script></div>
<script>$(document).ready(function(){{ $('#4501').jpage({{ dataStore: dataStore, {total_script} perPage:{per_page}, groupSize:{group}, proxyUrl:'/module/web/jpage/dataproxy.jsp', }}); }});</script>
</body></html>"#
    )
}

fn ranges(requests: &[PageRequest]) -> Vec<(u64, u64)> {
    requests
        .iter()
        .filter_map(|r| {
            let get = |k: &str| -> Option<u64> {
                r.url()
                    .query_pairs()
                    .find(|(key, _)| key == k)?
                    .1
                    .parse()
                    .ok()
            };
            Some((get("startrecord")?, get("endrecord")?))
        })
        .collect()
}

/// A dataproxy answer holding records `start..=end` and (when given) the total.
fn answer(start: u64, end: u64, total: Option<u64>) -> String {
    let records: String = (start..=end)
        .map(|i| format!("<record><![CDATA[<li><a href=\"/art/x/art_1_{i}.html\">某某县2019年政府信息公开工作年度报告之{i}</a><span>2020-01-01</span></li>]]></record>"))
        .collect();
    let total = total
        .map(|t| format!("<totalrecord>{t}</totalrecord>"))
        .unwrap_or_default();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><datastore>{total}<recordset>{records}</recordset></datastore>"
    )
}

fn read_answer(request: &PageRequest, xml: &str) -> ListPage {
    let analysis = analyse(
        PageInput {
            url: request.url(),
            status: 200,
            content_type: Some("text/xml; charset=utf-8"),
            body: xml.as_bytes(),
        },
        &PageRole::List { list_api: None },
    );
    let View::List(mut page) = analysis.view else {
        panic!("a dataproxy answer reads as a list: {}", request.url());
    };
    extend_ranges(request, &mut page);
    *page
}

#[test]
fn hanweb_ranges_cover_the_stated_total_for_any_page_and_group_size() {
    // (perPage, groupSize, totalRecord, embedded records, ranges requested from the first page)
    type Case = (u64, u64, u64, u64, &'static [(u64, u64)]);
    let cases: &[Case] = &[
        // Issue 8, point 4, as reported: 7-8 was never requested.
        (3, 1, 8, 3, &[(4, 6), (7, 8)]),
        (3, 1, 9, 3, &[(4, 6), (7, 9)]),
        (15, 3, 45, 45, &[]),
        (15, 3, 46, 45, &[(46, 46)]),
        (15, 3, 91, 45, &[(46, 90), (91, 91)]),
        (15, 3, 100, 45, &[(46, 90), (91, 100)]),
        (10, 2, 20, 20, &[]),
        (10, 2, 41, 20, &[(21, 40), (41, 41)]),
        (1, 1, 3, 1, &[(2, 2), (3, 3)]),
    ];
    for (per_page, group, total, embedded, want) in cases {
        let html = hanweb_page(*per_page, *group, Some(*total), *embedded);
        let page = read("http://www.example.gov.cn/col/col1229/index.html", &html);
        assert_eq!(page.items.len() as u64, *embedded);
        assert_eq!(
            ranges(&page.next_pages),
            want.to_vec(),
            "perPage {per_page}, groupSize {group}, total {total}"
        );
        // Each range is numbered by its first record: one range is one page of the list.
        for r in &page.next_pages {
            assert!(page.number_of(r).is_some(), "{}", r.url());
        }
    }
}

#[test]
fn each_hanweb_answer_leads_on_to_the_ranges_after_it() {
    // The nightly crawl queues one range at a time: the answer of 4-6 must lead to 7-8.
    let page = read(
        "http://www.example.gov.cn/col/col1229/index.html",
        &hanweb_page(3, 1, Some(8), 3),
    );
    let first = page.next_pages[0].clone();
    assert_eq!(ranges(std::slice::from_ref(&first)), vec![(4, 6)]);
    let after = read_answer(&first, &answer(4, 6, Some(8)));
    assert_eq!(after.items.len(), 3);
    assert_eq!(ranges(&after.next_pages), vec![(7, 8)]);
    let PageRequest::Post { form, .. } = &after.next_pages[0] else {
        panic!("a range is a POST");
    };
    assert!(form.iter().any(|(k, v)| k == "columnid" && v == "1229"));
    let last = read_answer(&after.next_pages[0], &answer(7, 8, Some(8)));
    assert!(last.next_pages.is_empty(), "7-8 ends the list");
}

#[test]
fn without_a_total_ranges_go_on_until_one_comes_back_short() {
    let page = read(
        "http://www.example.gov.cn/col/col1229/index.html",
        &hanweb_page(3, 1, None, 3),
    );
    assert_eq!(ranges(&page.next_pages), vec![(4, 6)]);
    let full = read_answer(&page.next_pages[0], &answer(4, 6, None));
    assert_eq!(ranges(&full.next_pages), vec![(7, 9)]);
    let short = read_answer(&full.next_pages[0], &answer(7, 8, None));
    assert!(short.next_pages.is_empty(), "a short answer ends the list");
    let empty = read_answer(&full.next_pages[0], &answer(7, 6, None));
    assert!(empty.next_pages.is_empty(), "an empty answer ends the list");
}

// ---- 5. Non-ASCII query strings on GBK/Big5 pages ----

/// `text` as a browser puts it in a query: its bytes in `encoding`, non-ASCII ones percent-encoded.
fn query_bytes(text: &str, encoding: &'static Encoding) -> String {
    encoding
        .encode(text)
        .0
        .iter()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(b) {
                (*b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[test]
fn links_with_chinese_query_values_are_joined_in_the_page_encoding() {
    let cases: &[(&'static Encoding, &str, &str)] = &[
        (GBK, "gbk", "年报"),
        (GBK, "gb2312", "年报"),
        (BIG5, "big5", "年報"),
        (UTF_8, "utf-8", "年报"),
    ];
    for (encoding, label, value) in cases {
        let html = list_page(
            label,
            &format!(
                r#"<div class="page">共3页 <a href="list.asp?lb={value}&page=2">下一页</a> <a href="list.asp?lb={value}&page=3">尾页</a></div>"#
            ),
        );
        let html = if *encoding == BIG5 {
            traditional(&html)
        } else {
            html
        };
        let q = query_bytes(value, encoding);
        let page_url = format!("http://a.gov.cn/list.asp?lb={q}");
        let (kind, page) = read_list(&page_url, &html, encoding);
        assert_eq!(kind, PageKind::Content, "{label}");
        let got: Vec<String> = page
            .next_pages
            .iter()
            .map(|r| r.url().to_string())
            .collect();
        assert_eq!(
            got,
            vec![
                format!("http://a.gov.cn/list.asp?lb={q}&page=2"),
                format!("http://a.gov.cn/list.asp?lb={q}&page=3"),
            ],
            "{label}"
        );
    }
}

#[test]
fn the_gbk_query_of_the_report_is_sent_as_a_browser_sends_it() {
    // Issue 8, point 5, as reported: `list.asp?lb=年报&page=2` on a GBK page.
    let html = list_page(
        "gbk",
        r#"<div class="page"><a href="list.asp?lb=年报&page=2">下一页</a></div>"#,
    );
    let (_, page) = read_list("http://a.gov.cn/list.asp?lb=%C4%EA%B1%A8", &html, GBK);
    assert_eq!(
        page.next_pages
            .iter()
            .map(|r| r.url().as_str())
            .collect::<Vec<_>>(),
        vec!["http://a.gov.cn/list.asp?lb=%C4%EA%B1%A8&page=2"]
    );
}

// ---- Lists only a script fills ----

/// Entries a script holds as a JSON array (`var listData = [{"title", "url", "pubDate"}]`) are
/// the list's items, whatever the keys are called, in any encoding; a menu held as data (no
/// dates) is not a list, and data that is not JSON is reported as needing JavaScript.
#[test]
fn entries_a_script_holds_as_json_are_the_lists_items() {
    let entries = |keys: [&str; 3], n: usize| -> String {
        let [title, url, date] = keys;
        let rows: Vec<String> = (1..=n)
            .map(|i| {
                format!(
                    "{{\"{title}\": \"某某县第{i}局2021年政府信息公开工作年度报告\", \"{url}\": \"/zwgk/xxgknb/202201/t202201{i:02}_6{i:02}.html\", \"{date}\": \"2022-01-{i:02}\", \"views\": {i}}}"
                )
            })
            .collect();
        rows.join(", ")
    };
    let shell = |script: &str| {
        format!(
            "<html><head><meta charset=\"utf-8\"><title>政府信息公开年报</title></head><body>\
             <div class=\"header\"><a href=\"/\">首页</a></div><ul id=\"list\"></ul>\
             <script>{script}</script></body></html>"
        )
    };
    let key_sets = [
        ["title", "url", "pubDate"],
        ["docTitle", "linkUrl", "publishTime"],
        ["TITLE", "URL", "PUBDATE"],
        ["name", "href", "date"],
    ];
    for keys in key_sets {
        for n in [1, 3, 12] {
            for (encoding, html) in [
                (
                    UTF_8,
                    shell(&format!("var listData = [{}];", entries(keys, n))),
                ),
                (
                    encoding_rs::GBK,
                    shell(&format!(
                        "window.DATA = [{}]; render(window.DATA);",
                        entries(keys, n)
                    )),
                ),
                (
                    encoding_rs::BIG5,
                    traditional(&shell(&format!("var list=[{}]", entries(keys, n)))),
                ),
            ] {
                let case = format!("{keys:?}, {n} entries, {}", encoding.name());
                let (kind, page) =
                    read_list("http://www.example.gov.cn/zwgk/xxgknb/", &html, encoding);
                assert_eq!(kind, PageKind::Content, "{case}");
                let got: Vec<(String, Option<String>)> = page
                    .items
                    .iter()
                    .map(|i| (i.url.to_string(), i.date.map(|d| d.to_string())))
                    .collect();
                let want: Vec<(String, Option<String>)> = (1..=n)
                    .map(|i| {
                        (
                            format!("http://www.example.gov.cn/zwgk/xxgknb/202201/t202201{i:02}_6{i:02}.html"),
                            Some(format!("2022-01-{i:02}")),
                        )
                    })
                    .collect();
                assert_eq!(got, want, "{case}");
                assert!(
                    page.items
                        .iter()
                        .all(|i| i.title.as_deref().is_some_and(|t| t.contains("2021年"))),
                    "{case}"
                );
            }
        }
    }
    // A menu held as data has no dates: not a list.
    let menu = shell(
        r#"var menus = [{"title": "首页", "url": "/"}, {"title": "政务公开", "url": "/zwgk/"}];"#,
    );
    let (_, page) = read_list("http://www.example.gov.cn/zwgk/xxgknb/", &menu, UTF_8);
    assert!(page.items.is_empty(), "{:?}", page.items);
    // A JavaScript object literal is not JSON: the list needs JavaScript, and says so.
    let literal = shell(
        "var listData = [{title: '某某县2021年年报', url: '/a/t1.html', pubDate: '2022-01-15'}];",
    );
    let (kind, page) = read_list("http://www.example.gov.cn/zwgk/xxgknb/", &literal, UTF_8);
    assert_eq!(kind, PageKind::Content);
    assert!(page.items.is_empty());
    assert_eq!(
        page.needs_javascript.as_deref(),
        Some("a script holds entries as data that is not a dated JSON list")
    );
}

#[test]
fn a_list_only_a_script_fills_is_reported_as_needing_javascript() {
    let with_list = list_page(
        "utf-8",
        r#"<script>$.get("/count.jsp?pageSize=1");</script>"#,
    );
    let cases: &[(&str, &str, Option<&str>)] = &[
        (
            "jQuery ajax and jqPaginator",
            r#"<html><head><meta charset="utf-8"><title>年报</title></head><body><ul id="list"></ul><div id="pager"></div>
<script>$.ajax({url: "/api/xxgk/list.do", data: {pageNo: 1, pageSize: 15}, success: function(d){ render(d); }});
$('#pager').jqPaginator({totalPages: 1});</script></body></html>"#,
            Some("a script fetches and pages the list from /api/xxgk/list.do"),
        ),
        (
            "fetch and laypage",
            r#"<html><head><meta charset="utf-8"></head><body><div class="news"></div>
<script>fetch('/nb/list.json').then(r => r.json()).then(d => layui.laypage.render({count: d.total}));</script></body></html>"#,
            Some("a script fetches and pages the list from /nb/list.json"),
        ),
        (
            "a Vue application",
            r#"<html><head><meta charset="utf-8"><link href="/js/chunk-vendors.3a1b2c.js" rel="preload"></head>
<body><div id="app"></div><script src="/js/chunk-vendors.3a1b2c.js"></script><script src="/js/app.9f8e7d6c.js"></script></body></html>"#,
            Some("an empty <div id=\"app\"> that a script application fills"),
        ),
        (
            "a gkmlpt catalogue",
            r#"<html><head><meta charset="utf-8"><title>政府信息公开</title>
<link rel="stylesheet" href="/gkmlpt/static/css/index.css"></head><body><div id="app"></div>
<script>window.GKMLPT = { SID: '755031', BASE: '/gkmlpt/' };</script>
<script src="/gkmlpt/static/js/index.js"></script></body></html>"#,
            Some(
                "a gkmlpt catalogue (政府信息公开目录管理平台) that a script fills from /gkmlpt/api/all/{column}?page=1&sid=755031; configure that URL with list_api = \"gkmlpt\"",
            ),
        ),
        (
            "a script that fetches but a list already on the page",
            &with_list,
            None,
        ),
        (
            "an empty page without scripts",
            r#"<html><head><meta charset="utf-8"></head><body><p>暂无信息</p></body></html>"#,
            None,
        ),
    ];
    for (name, html, want) in cases {
        let (_, page) = read_list("http://a.gov.cn/nb/", html, UTF_8);
        assert_eq!(page.needs_javascript.as_deref(), *want, "{name}");
        // `inspect` reads the page as the crawl does and says so.
        let (json, text) = inspect_file(html);
        if let Some(want) = want {
            assert_eq!(json["kind"], "needs_javascript", "{name}");
            assert_eq!(json["kind_detail"], *want, "{name}");
            assert!(
                text.contains(&format!("kind:     needs_javascript ({want})")),
                "{text}"
            );
        } else {
            assert_ne!(json["kind"], "needs_javascript", "{name}");
        }
    }
}

/// Runs `nianbao inspect` on `html` saved to a file (as JSON, then as text) in an empty folder.
fn inspect_file(html: &str) -> (serde_json::Value, String) {
    let dir = tempfile::tempdir().expect("scratch dir");
    let path = dir.path().join("page.html");
    std::fs::write(&path, html).expect("write page");
    let run = |format: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_nianbao"))
            .current_dir(dir.path())
            .arg("inspect")
            .arg(&path)
            .args(["--url", "http://a.gov.cn/nb/", "--format", format])
            .output()
            .expect("nianbao runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let json = serde_json::from_str(&run("json")).expect("inspect prints JSON");
    (json, run("text"))
}

/// 动易 PowerEasy lists cut each title and put the whole one in a tooltip of fields, one a line
/// (`文章标题：…&#13;&#10;作    者：…`): the entry's title is the tooltip's title line.
#[test]
fn a_tooltip_of_fields_gives_the_whole_title() {
    for (label, whole, cut) in [
        (
            "文章标题",
            "清河县财政局2010年政府信息公开工作年度报告",
            "清河县财政局2010年政府信息公...",
        ),
        (
            "文章標題",
            "清河縣財政局2010年政府信息公開工作年度報告",
            "清河縣財政局2010年政府信息公...",
        ),
    ] {
        let row = |id: u32, date: &str| {
            format!(
                "<tr><td><a href=\"/xxgk/ShowArticle.asp?ArticleID={id}\" title=\"{label}：{whole}&#13;&#10;作    者：admin&#13;&#10;更新时间：{date} 10:00:00&#13;&#10;点击次数：12\">{cut}</a></td><td>{date}</td></tr>"
            )
        };
        let html = format!(
            "<html><head><meta charset=\"utf-8\"><title>公开年报</title></head><body>\
             <table class=\"list\">{}{}{}</table></body></html>",
            row(1242, "2011-03-28"),
            row(1235, "2011-03-20"),
            row(1228, "2011-03-10")
        );
        let page = read("http://www.example.gov.cn/xxgk/list.asp?lb=nb", &html);
        let titles: Vec<Option<&str>> = page.items.iter().map(|i| i.title.as_deref()).collect();
        assert_eq!(titles, vec![Some(whole); 3], "{label}");
    }
}

/// Entries opened by script on older sites (`<a href="javascript:void(0);"
/// onclick="window.open('../art/1.html')">`, a `javascript:window.open(…)` href, code that only
/// sets `location`) lead to the pages they open, in Simplified/UTF-8 and Traditional/Big5; a
/// call of some other function leads nowhere.
#[test]
fn list_entries_opened_by_script_lead_to_the_pages_they_open() {
    type Attrs = fn(&str) -> String;
    let forms: [(&str, Attrs); 4] = [
        ("onclick window.open", |u| {
            format!(
                "href=\"javascript:void(0);\" onclick=\"window.open('{u}','_blank');return false;\""
            )
        }),
        ("href # and open()", |u| {
            format!("href=\"#\" onclick=\"open(&quot;{u}&quot;)\"")
        }),
        ("javascript: href", |u| {
            format!("href=\"javascript:window.open('{u}')\"")
        }),
        ("location", |u| {
            format!("href=\"javascript:;\" onclick=\"location.href='{u}'\"")
        }),
    ];
    for (form, attrs) in forms {
        for encoding in [UTF_8, BIG5] {
            let row = |n: u32, year: u32| {
                format!(
                    "<li><a {}>某某县人民政府{year}年政府信息公开工作年度报告</a><span>{}-01-20</span></li>",
                    attrs(&format!("../art/{n}.html")),
                    year + 1
                )
            };
            let mut html = format!(
                "<html><head><meta charset=\"{}\"><title>年报</title></head><body><ul class=\"list\">{}{}{}</ul></body></html>",
                encoding.name(),
                row(1, 2022),
                row(2, 2021),
                row(3, 2020)
            );
            if encoding == BIG5 {
                html = traditional(&html);
            }
            let (_, page) = read_list(
                "http://www.example.gov.cn/xxgk/nb/index.html",
                &html,
                encoding,
            );
            let urls: Vec<String> = page.items.iter().map(|i| i.url.to_string()).collect();
            let want: Vec<String> = (1..=3)
                .map(|n| format!("http://www.example.gov.cn/xxgk/art/{n}.html"))
                .collect();
            assert_eq!(urls, want, "{form}, {}", encoding.name());
        }
    }
    let html = list_page(
        "utf-8",
        "<ul class=\"other\"><li><a href=\"javascript:void(0)\" onclick=\"showDetail('../art/9.html')\">某某县人民政府2019年政府信息公开工作年度报告</a><span>2020-01-20</span></li></ul>",
    );
    let page = read("http://www.example.gov.cn/xxgk/nb/index.html", &html);
    assert!(
        page.items
            .iter()
            .all(|i| !i.url.as_str().ends_with("/art/9.html")),
        "{:?}",
        page.items
    );
}

/// `inspect` reads a channel index (links to each year's list, little text) as a list, and a
/// report whose sidebar links its column's years as an item.
#[test]
fn inspect_reads_a_channel_index_as_a_list() {
    let years = |label: &str| -> String {
        (2019..=2023)
            .rev()
            .map(|y| format!("<li><a href=\"./{y}/\">{y}{label}</a></li>"))
            .collect()
    };
    for label in ["年度报告", "年", "年度"] {
        let index = format!(
            "<html><head><meta charset=\"utf-8\"><title>政府信息公开年报</title></head><body>\
             <div class=\"crumb\">当前位置：首页 &gt; 政务公开 &gt; 政府信息公开年报</div>\
             <ul class=\"years\">{}</ul></body></html>",
            years(label)
        );
        let at = url("http://www.example.gov.cn/zwgk/xxgknb/index.html");
        assert!(nianbao::discover::page_kind_hint(&at, &index), "{label}");
    }
    let paragraph = "<p>2022年，某某县人民政府认真贯彻落实《中华人民共和国政府信息公开条例》，\
                     围绕全县中心工作，不断加大政府信息公开力度，主动公开政府信息，回应社会关切。</p>";
    let report = format!(
        "<html><head><meta charset=\"utf-8\"><title>某某县人民政府2022年政府信息公开工作年度报告</title></head><body>\
         <div class=\"side\"><ul>{}</ul></div><h1>某某县人民政府2022年政府信息公开工作年度报告</h1>\
         <div class=\"content\">{}</div></body></html>",
        years("年"),
        paragraph.repeat(20)
    );
    let at = url("http://www.example.gov.cn/zwgk/xxgknb/2022/t20230120_1.html");
    assert!(!nianbao::discover::page_kind_hint(&at, &report));
}

// ---- Pagers that misprint: a stale count, a 第1页 link, pages named by their number ----

/// A pager whose count is stale (共5页, printed by a template, on a list of 7 pages) still leads
/// to the pages it links beyond the count: page 5 links 6, 7 and 下一页 to 6. Numbered files
/// (TRS-numbered and 1-numbered), query pages, Simplified and Traditional.
#[test]
fn pages_linked_beyond_a_stale_count_are_walked() {
    /// A pager's name, its page 5's URL, and the URL of its page k.
    type Shape = (&'static str, &'static str, fn(u64) -> String);
    let shapes: &[Shape] = &[
        ("trs files", "http://a.gov.cn/nb/index_4.html", |k| {
            format!("http://a.gov.cn/nb/index_{}.html", k - 1)
        }),
        ("1-numbered files", "http://a.gov.cn/nb/list_5.shtml", |k| {
            format!("http://a.gov.cn/nb/list_{k}.shtml")
        }),
        (
            "query pages",
            "http://a.gov.cn/nb/list.jsp?cid=7&page=5",
            |k| format!("http://a.gov.cn/nb/list.jsp?cid=7&page={k}"),
        ),
    ];
    for (name, page_url, page) in shapes {
        for script in ["simplified", "traditional"] {
            let links: String = (1..=7)
                .map(|k| format!(r#"<a href="{}">{k}</a> "#, page(k)))
                .collect();
            let pager = format!(
                r#"<div class="page">共5页 当前第5页 {links}<a href="{}">下一页</a> <a href="{}">尾页</a></div>"#,
                page(6),
                page(5)
            );
            let mut html = list_page("utf-8", &pager);
            if script == "traditional" {
                html = traditional(&html);
            }
            let page_5 = read(page_url, &html);
            assert_eq!(page_5.number, Some(5), "{name} {script}");
            let next = numbered(&page_5);
            for k in [6, 7] {
                assert!(
                    next.contains(&(page(k), Some(k))),
                    "{name} {script}: page {k} missing from {next:?}"
                );
            }
            assert!(
                next.iter().all(|(_, n)| n.is_some_and(|n| n != 5)),
                "{name}: {next:?}"
            );
        }
    }
}

/// Pagers of files named by their number alone (`list/2.html`): only links that print their
/// own number are pages (items named `12345.html` in the same folder are not), a 首页 link
/// printed as 第1页 is page 1 and not the page it is on, and the walk goes on page by page.
#[test]
fn pages_named_by_their_number_are_walked_in_turn() {
    let item_links = r#"<ul><li><a href="/nb/list/20211.html">某某县2021年政府信息公开工作年度报告</a></li>
<li><a href="/nb/list/20201.html">某某县2020年政府信息公开工作年度报告</a></li></ul>"#;
    for ext in ["html", "shtml", "htm"] {
        for labels in ["plain", "bracketed", "first-as-page-1"] {
            for current in [1u64, 2, 7] {
                let label = |k: u64| match labels {
                    "bracketed" => format!("[{k}]"),
                    _ => k.to_string(),
                };
                let mut pager = String::new();
                if labels == "first-as-page-1" {
                    pager.push_str(&format!(r#"<a href="/nb/list/1.{ext}">第1页</a> "#));
                }
                for k in 1..=11u64 {
                    if k == current {
                        pager.push_str(&format!("<span>{k}</span> "));
                    } else if k <= 3 || k + 2 >= current && k <= current + 2 || k == 11 {
                        pager.push_str(&format!(
                            r#"<a href="/nb/list/{k}.{ext}">{}</a> "#,
                            label(k)
                        ));
                    } else if k == 4 {
                        pager.push_str("… ");
                    }
                }
                let html = list_page(
                    "utf-8",
                    &format!(r#"{item_links}<div class="page">{pager}</div>"#),
                );
                let page_url = format!("http://a.gov.cn/nb/list/{current}.{ext}");
                let page = read(&page_url, &html);
                let case = format!("{ext} {labels} page {current}");
                assert_eq!(page.number, Some(current), "{case}");
                let next = numbered(&page);
                let want = (
                    format!("http://a.gov.cn/nb/list/{}.{ext}", current + 1),
                    Some(current + 1),
                );
                assert_eq!(next, vec![want], "{case}");
            }
        }
    }
}

/// A 首页 link printed as `第1页` (or `第1頁`) is not the page's own number: on every page of a
/// pager read by its 下一页 link, it made the page page 1, and the walk dropped page 2 as page 1
/// walked already under another URL.
#[test]
fn a_first_page_link_printed_as_page_1_is_not_the_current_page() {
    for (first, next) in [
        ("第1页", "下一页"),
        ("第1頁", "下一頁"),
        ("[第1页]", "下页"),
    ] {
        let pager = format!(
            r#"<div class="page"><a href="/nb/page-1.html">{first}</a> <a href="/nb/page-1.html">上一页</a> <a href="/nb/page-3.html">{next}</a></div>"#
        );
        let page = read(
            "http://a.gov.cn/nb/page-2.html",
            &list_page("utf-8", &pager),
        );
        assert_ne!(page.number, Some(1), "{first}");
        let next_urls: Vec<String> = numbered(&page).into_iter().map(|(u, _)| u).collect();
        assert_eq!(next_urls, vec!["http://a.gov.cn/nb/page-3.html"], "{first}");
    }
    // Printed as the page's own place, not as a link, it is the page's number.
    let pager = r#"<div class="page">第2页 <a href="/nb/page-1.html">首页</a> <a href="/nb/page-3.html">下一页</a></div>"#;
    let page = read("http://a.gov.cn/nb/page-2.html", &list_page("utf-8", pager));
    assert_eq!(page.number, Some(2));
}

/// A list whose further pages only a script reaches (`<a href="#page2" onclick="loadPage(2)">`,
/// `javascript:;` links, links with no href) says so, so that its ledger does not pass a list
/// of one page; a pager whose links lead somewhere, or a script pager this crate follows, does
/// not. An empty list that a script fetches page by page from `…?page=1&size=10` needs
/// JavaScript too.
#[test]
fn a_pager_only_a_script_runs_is_reported() {
    let scripted = [
        r##"<a href="#page1">1</a> <a href="#page2" onclick="loadPage(2)">2</a> <a href="#page3" onclick="loadPage(3)">3</a>"##,
        r#"<a href="javascript:;" onclick="goto(2)">2</a> <a href="javascript:void(0)">下一页</a>"#,
        r#"<span>1</span> <a onclick="turn(2)">[2]</a> <a onclick="turn(3)">[3]</a>"#,
    ];
    for pager in scripted {
        for script in ["simplified", "traditional"] {
            let mut html = list_page("utf-8", &format!(r#"<div class="page">{pager}</div>"#));
            if script == "traditional" {
                html = traditional(&html);
            }
            let page = read("http://a.gov.cn/nb/index.html", &html);
            assert_eq!(page.items.len(), 3, "{pager}");
            assert!(page.next_pages.is_empty(), "{pager}");
            let seen = page.pager_needs_javascript.unwrap_or_default();
            assert!(seen.contains("page 2"), "{pager}: {seen:?}");
        }
    }
    let followed = [
        r#"<a href="index_1.html">2</a> <a href="index_1.html">下一页</a>"#,
        r#"<script>function goPage(p){ location.href='list.jsp?pageNum='+p; }</script><a href="javascript:goPage(2)">2</a>"#,
        r##"<a href="#top">1</a> <a href="javascript:window.print()">打印</a>"##,
    ];
    for pager in followed {
        let html = list_page("utf-8", &format!(r#"<div class="page">{pager}</div>"#));
        let page = read("http://a.gov.cn/nb/list.jsp", &html);
        assert_eq!(page.pager_needs_javascript, None, "{pager}");
    }
    let shell = r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body>
<div class="list"><ul class="list-ul"></ul></div><div id="pager"></div>
<script>$(function(){$.getJSON("/api/list?page=1&size=10",function(d){render(d.data);});});</script>
</body></html>"#;
    let (_, page) = read_list("http://a.gov.cn/nb/", shell, UTF_8);
    let seen = page.needs_javascript.unwrap_or_default();
    assert!(seen.contains("/api/list?page=1&size=10"), "{seen:?}");
}
