//! Discover against synthetic pages built in the test from the structures portals use: plain and
//! query pagers, TRS `createPageHTML`, www.gov.cn `home_N.htm`, Hanweb jpage datastores and
//! dataproxy responses, year subsection menus, table lists and broken HTML.

use chrono::NaiveDate;
use nianbao::discover::{
    ListPage, PageRequest, StatedCount, YearSection, discover, page_kind_hint, parse_datastore,
};
use url::Url;

fn url(s: &str) -> Url {
    Url::parse(s).expect("test URL literal is valid")
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// A portal page around `body`: header menu, breadcrumb, friend links and footer, none of which
/// may turn up as items.
fn page(body: &str) -> String {
    format!(
        r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body>
<div class="header"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>
<li><a href="/hdjl/">互动交流</a></li><li><a href="mailto:zfxxgk@example.gov.cn">联系我们</a></li></ul></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="./">年报</a></div>
{body}
<div class="yqlj">友情链接：<a href="http://www.gov.cn/">中国政府网</a> <a href="http://www.zj.gov.cn/">浙江省人民政府</a></div>
<div class="footer"><a href="/about.html">关于我们</a> <a href="/map.html">网站地图</a> 更新：2024-01-01</div>
</body></html>"#
    )
}

fn urls(requests: &[PageRequest]) -> Vec<&str> {
    requests.iter().map(|r| r.url().as_str()).collect()
}

fn item_urls(page: &ListPage) -> Vec<&str> {
    page.items.iter().map(|i| i.url.as_str()).collect()
}

const DATED_UL: &str = r##"<div class="list"><ul>
<li><a href="/art/2020/1/20/art_1_101.html" title="浙江省经济和信息化厅2019年政府信息公开工作年度报告">浙江省经济和信息化厅2019年政府信息...</a><span>[2020-01-20]</span></li>
<li><a href="/art/2019/1/18/art_1_102.html">浙江省经济和信息化厅2018年政府信息公开工作年度报告</a><span>[2019-01-18]</span></li>
<li><a href="javascript:void(0)">此条链接由脚本打开不是条目</a><span>[2019-01-10]</span></li>
<li><a href="#">锚点链接也不是条目</a><span>[2019-01-09]</span></li>
<li><a href="/art/2018/1/25/art_1_103.html">浙江省经济和信息化厅2017年政府信息公开工作年度报告</a><span>[2018-01-25]</span></li>
</ul></div>"##;

#[test]
fn query_pager_with_stated_pages_lists_every_other_page() {
    let html = page(&format!(
        r#"{DATED_UL}<div class="page">共5页 共87条
<a href="list.jsp?cat=3&amp;page=1">首页</a> <a href="list.jsp?cat=3&amp;page=2">下一页</a>
<a href="list.jsp?cat=3&amp;page=2">2</a> <a href="list.jsp?cat=3&amp;page=5">尾页</a></div>"#
    ));
    let u = url("http://jxt.example.gov.cn/col/list.jsp?cat=3&page=1");
    let got = discover(&u, &html);
    assert_eq!(
        item_urls(&got),
        [
            "http://jxt.example.gov.cn/art/2020/1/20/art_1_101.html",
            "http://jxt.example.gov.cn/art/2019/1/18/art_1_102.html",
            "http://jxt.example.gov.cn/art/2018/1/25/art_1_103.html",
        ]
    );
    // The title attribute holds the untruncated title.
    assert_eq!(
        got.items[0].title.as_deref(),
        Some("浙江省经济和信息化厅2019年政府信息公开工作年度报告")
    );
    assert_eq!(got.items[0].date, date(2020, 1, 20));
    assert_eq!(
        urls(&got.next_pages),
        [
            "http://jxt.example.gov.cn/col/list.jsp?cat=3&page=2",
            "http://jxt.example.gov.cn/col/list.jsp?cat=3&page=3",
            "http://jxt.example.gov.cn/col/list.jsp?cat=3&page=4",
            "http://jxt.example.gov.cn/col/list.jsp?cat=3&page=5",
        ]
    );
    assert_eq!(
        got.stated,
        Some(StatedCount {
            items: Some(87),
            pages: Some(5)
        })
    );
}

#[test]
fn counters_in_their_printed_forms() {
    let cases = [
        ("共 5 页", None, Some(5)),
        ("总共123条记录 页次：1/9", Some(123), Some(9)),
        ("共有 40 条 第1/4页", Some(40), Some(4)),
        ("共计&nbsp;<font>2&nbsp;</font>页", None, Some(2)),
    ];
    for (pager, items, pages) in cases {
        let html = page(&format!(
            r#"{DATED_UL}<div class="page">{pager} <a href="list.aspx?pageIndex=2">下一页</a></div>"#
        ));
        let got = discover(&url("http://example.gov.cn/list.aspx?pageIndex=1"), &html);
        assert_eq!(got.stated, Some(StatedCount { items, pages }), "{pager}");
        assert_eq!(
            got.next_pages.len() as u64,
            pages.map_or(1, |p| p - 1),
            "{pager}"
        );
        assert_eq!(
            got.next_pages.first().map(|r| r.url().as_str()),
            Some("http://example.gov.cn/list.aspx?pageIndex=2"),
            "{pager}"
        );
    }
}

#[test]
fn next_link_only_pager_gives_just_the_next_page() {
    let html = page(
        r#"<table class="news"><tbody>
<tr><td><a href="/news/2019/a1.html">关于印发2019年政务公开工作要点的通知</a></td><td>2019年04月02日</td></tr>
<tr><td><a href="/news/2019/a2.html">市政府办公室关于做好年度报告编制工作的通知</a></td><td>2019年01月15日</td></tr>
</tbody></table>
<p class="pager"><a href="javascript:goPage(0)">上一页</a> <a href="/news/more.html?start=20">下一页</a></p>"#,
    );
    let got = discover(&url("http://example.gov.cn/news/more.html?start=0"), &html);
    assert_eq!(
        urls(&got.next_pages),
        ["http://example.gov.cn/news/more.html?start=20"]
    );
    assert_eq!(got.stated, None);
    assert_eq!(got.items.len(), 2);
    assert_eq!(got.items[0].date, date(2019, 4, 2));
}

#[test]
fn trs_create_page_html_lists_all_pages() {
    // (script, page URL, the other pages, the records the script states)
    let cases: [(&str, &str, Vec<&str>, Option<u64>); 4] = [
        (
            r#"<script>createPageHTML(5, 2, "index", "shtml");</script>"#,
            "http://example.gov.cn/zfxxgk/ndbg/index_2.shtml",
            vec![
                "index.shtml",
                "index_1.shtml",
                "index_3.shtml",
                "index_4.shtml",
            ],
            None,
        ),
        (
            r#"<script>var countPage = 5; var currentPage = 0;
               createPageHTML(countPage, currentPage, "index", "shtml");</script>"#,
            "http://example.gov.cn/zfxxgk/ndbg/",
            vec![
                "index_1.shtml",
                "index_2.shtml",
                "index_3.shtml",
                "index_4.shtml",
            ],
            None,
        ),
        (
            r#"<script>createPageHTML('page_div', 3, 1, 'index', 'htm', 60);</script>"#,
            "http://example.gov.cn/zfxxgk/ndbg/index_1.htm",
            vec!["index.htm", "index_2.htm"],
            Some(60),
        ),
        (
            // The function's definition precedes the call; only the call counts.
            r#"<script>function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){}
               createPageHTML(2, 0, "index", "html");</script>"#,
            "http://example.gov.cn/zfxxgk/ndbg/index.html",
            vec!["index_1.html"],
            None,
        ),
    ];
    for (script, page_url, expected, records) in cases {
        let html = page(&format!("{DATED_UL}{script}"));
        let u = url(page_url);
        let got = discover(&u, &html);
        let expected: Vec<String> = expected
            .iter()
            .map(|f| format!("http://example.gov.cn/zfxxgk/ndbg/{f}"))
            .collect();
        assert_eq!(urls(&got.next_pages), expected, "{script}");
        assert_eq!(
            got.stated.and_then(|s| s.pages),
            Some(expected.len() as u64 + 1),
            "{script}"
        );
        assert_eq!(got.stated.and_then(|s| s.items), records, "{script}");
    }
}

#[test]
fn govcn_home_n_pages() {
    let pager_with_count = r#"<div class="pages">共 3 页 <a href="home_1.htm">2</a> <a href="home_2.htm">3</a> <a href="home_1.htm">下一页</a></div>"#;
    let got = discover(
        &url("http://www.gov.cn/zhengce/zuixin/home.htm"),
        &page(&format!("{DATED_UL}{pager_with_count}")),
    );
    assert_eq!(
        urls(&got.next_pages),
        [
            "http://www.gov.cn/zhengce/zuixin/home_1.htm",
            "http://www.gov.cn/zhengce/zuixin/home_2.htm"
        ]
    );

    // Without a count, from page 3: only the next one.
    let pager = r#"<div class="pages"><a href="home_2.htm">上一页</a> <a href="home_3.htm">4</a> <a href="home_4.htm">5</a> <a href="home_4.htm">下一页</a></div>"#;
    let got = discover(
        &url("http://www.gov.cn/zhengce/zuixin/home_3.htm"),
        &page(&format!("{DATED_UL}{pager}")),
    );
    assert_eq!(
        urls(&got.next_pages),
        ["http://www.gov.cn/zhengce/zuixin/home_4.htm"]
    );
}

/// A Hanweb column page: `count` records embedded, totals stated in the jpage script.
fn hanweb_page(count: usize, script: &str) -> String {
    let records: String = (1..=count)
        .map(|i| {
            format!(
                r#"<record><![CDATA[<li><a href="/art/2018/2/{d}/art_1234_{i}.html" title="第{i}号 浙江省政府信息公开年度报告" target="_blank">第{i}号 浙江省政府信息...</a><span>2018-02-{d:02}</span></li>]]></record>
"#,
                d = i % 28 + 1
            )
        })
        .collect();
    page(&format!(
        r#"<div class="main"><div id="4567890"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=3096&path=/&columnid=1229012345&unitid=4567890&webname=%E6%B5%99%E6%B1%9F%E7%9C%81&permissiontype=0"></a>]]></nextgroup>
<recordset>
{records}</recordset></datastore></script></div>
{script}</div>"#
    ))
}

#[test]
fn hanweb_datastore_yields_records_and_dataproxy_ranges() {
    let scripts = [
        r#"<script>$(document).ready(function(){ $('#4567890').jpage({ dataStore: dataStore, perPage:15, totalRecord:95, proxyUrl:'/module/web/jpage/dataproxy.jsp', groupSize:3 }); });</script>"#,
        r#"<script>var perpage = 15; var totalRecord = 95;</script>"#,
    ];
    for script in scripts {
        let u = url("http://www.zj.gov.cn/col/col1229012345/index.html");
        let html = hanweb_page(45, script);
        let got = discover(&u, &html);
        assert_eq!(got.items.len(), 45, "{script}");
        assert_eq!(
            got.items[0].url.as_str(),
            "http://www.zj.gov.cn/art/2018/2/2/art_1234_1.html"
        );
        assert_eq!(
            got.items[0].title.as_deref(),
            Some("第1号 浙江省政府信息公开年度报告")
        );
        assert_eq!(got.items[0].date, date(2018, 2, 2));
        assert_eq!(got.stated.and_then(|s| s.items), Some(95));

        let form: Vec<(String, String)> = [
            ("col", "1"),
            ("appid", "1"),
            ("webid", "3096"),
            ("path", "/"),
            ("columnid", "1229012345"),
            ("unitid", "4567890"),
            ("webname", "浙江省"),
            ("permissiontype", "0"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let expected: Vec<PageRequest> = [(46, 90), (91, 95)]
            .iter()
            .map(|(s, e)| PageRequest::Post {
                url: url(&format!(
                    "http://www.zj.gov.cn/module/web/jpage/dataproxy.jsp?startrecord={s}&endrecord={e}&perpage=15"
                )),
                form: form.clone(),
                charset: None,
            })
            .collect();
        assert_eq!(got.next_pages, expected, "{script}");
        assert!(page_kind_hint(&u, &html));
    }
}

#[test]
fn hanweb_total_inside_the_datastore() {
    let html = hanweb_page(15, "<script>perpage:15</script>")
        .replace("<recordset>", "<totalrecord>40</totalrecord><recordset>");
    let got = discover(
        &url("http://www.example.gov.cn/col/col1229012345/index.html"),
        &html,
    );
    assert_eq!(got.items.len(), 15);
    assert_eq!(got.stated.and_then(|s| s.items), Some(40));
    assert_eq!(
        urls(&got.next_pages),
        [
            "http://www.example.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=16&endrecord=40&perpage=15"
        ]
    );
}

#[test]
fn dataproxy_response_parses_into_items() {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<datastore>
<totalrecord>95</totalrecord>
<totalpage>7</totalpage>
<recordset>
<record><![CDATA[<tr><td><a href="/art/2018/2/10/art_1234_567.html" title="2017年政府信息公开工作年度报告" target="_blank">2017年政府信息公开工作...</a></td><td>2018-02-10</td></tr>]]></record>
<record><![CDATA[<li><a href="/art/2017/3/1/art_1234_566.html">2016年政府信息公开工作年度报告</a><span>2017-03-01</span></li>]]></record>
<record><![CDATA[<li><a href="http://other.gov.cn/art/2016/1/5/art_9_1.html">2015年度报告（外站）</a><span>2016-01-05</span></li>]]></record>
</recordset>
</datastore>"#;
    let u = url(
        "http://www.zj.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15",
    );
    let got = parse_datastore(&u, xml);
    assert_eq!(
        item_urls(&got),
        [
            "http://www.zj.gov.cn/art/2018/2/10/art_1234_567.html",
            "http://www.zj.gov.cn/art/2017/3/1/art_1234_566.html",
            "http://other.gov.cn/art/2016/1/5/art_9_1.html",
        ]
    );
    assert_eq!(
        got.items[0].title.as_deref(),
        Some("2017年政府信息公开工作年度报告")
    );
    assert_eq!(got.items[0].date, date(2018, 2, 10));
    assert_eq!(got.items[1].date, date(2017, 3, 1));
    assert_eq!(
        got.stated,
        Some(StatedCount {
            items: Some(95),
            pages: Some(7)
        })
    );
    assert!(got.next_pages.is_empty());
}

#[test]
fn year_subsections_from_the_section_menu() {
    let html = page(
        r#"<div class="left"><ul class="sub-column">
<li><a href="/zfxxgk/ndbg/2019/">2019年</a></li>
<li><a href="/zfxxgk/ndbg/2018/">2018年度</a></li>
<li><a href="/zfxxgk/ndbg/2017/index.html">2017</a></li>
<li><a href="/zfxxgk/ndbg/2016/" title="2016年">2016年政府信息公开年报</a></li>
<li><a href="/zfxxgk/ndbg/2015/">2015年</a></li>
<li><a href="/zfxxgk/ndbg/2015/">2015年</a></li>
<li><a href="/zfxxgk/ndbg/1999/">1999年</a></li>
</ul></div>
<div class="list"><ul>
<li><a href="/zfxxgk/ndbg/2018/t1.html">2017年度政府信息公开工作年度报告</a><span>2018-01-31</span></li>
<li><a href="/zfxxgk/ndbg/2017/t2.html">2016年政府信息公开年报</a><span>2017-03-30</span></li>
<li><a href="/zfxxgk/ndbg/2016/t3.html">2016年工作要点</a><span>2016-02-01</span></li>
</ul></div>"#,
    );
    let got = discover(&url("http://example.gov.cn/zfxxgk/ndbg/"), &html);
    let expected: Vec<YearSection> = [
        (2019, "/zfxxgk/ndbg/2019/"),
        (2018, "/zfxxgk/ndbg/2018/"),
        (2017, "/zfxxgk/ndbg/2017/index.html"),
        (2016, "/zfxxgk/ndbg/2016/"),
        (2015, "/zfxxgk/ndbg/2015/"),
    ]
    .iter()
    .map(|(year, path)| YearSection {
        year: *year,
        url: url(&format!("http://example.gov.cn{path}")),
    })
    .collect();
    assert_eq!(got.year_sections, expected);
    // The report titled like a subsection is an item of the list.
    assert_eq!(got.items.len(), 3);
    assert_eq!(
        got.items[1].title.as_deref(),
        Some("2016年政府信息公开年报")
    );
}

#[test]
fn a_lone_report_link_is_not_a_year_subsection() {
    let html = page(
        r#"<p>相关链接：<a href="/zfxxgk/ndbg/t20180131_1.html">2017年政府信息公开年报</a></p>"#,
    );
    let got = discover(&url("http://example.gov.cn/zfxxgk/"), &html);
    assert!(got.year_sections.is_empty());
}

#[test]
fn table_list_with_date_cells_and_base_href() {
    let html = r#"<html><head><base href="http://www.example.gov.cn/xxgk/ndbg/"></head><body>
<table class="bor"><tr><td><a href="../../">首页</a> &gt;&gt; <a href="../">信息公开</a></td></tr></table>
<table class="list">
<tr><th>标题</th><th>发布日期</th></tr>
<tr><td>1</td><td><a href="202003/t20200311_1.html">市人民政府办公室2019年政府信息公开工作年度报告</a></td><td>2020/03/11</td></tr>
<tr><td>2</td><td><a href="201905/t20190530_2.html">市人民政府办公室2018年政府信息公开工作年度报告</a></td><td>2019.05.30</td></tr>
<tr><td>3</td><td><a href="201903/t20190320_3.html">市人民政府办公室2017年政府信息公开工作年度报告</a></td><td>2019-03-20</td></tr>
</table></body></html>"#;
    let got = discover(&url("http://mirror.example.org/any/page.html"), html);
    assert_eq!(
        item_urls(&got),
        [
            "http://www.example.gov.cn/xxgk/ndbg/202003/t20200311_1.html",
            "http://www.example.gov.cn/xxgk/ndbg/201905/t20190530_2.html",
            "http://www.example.gov.cn/xxgk/ndbg/201903/t20190320_3.html",
        ]
    );
    let dates: Vec<_> = got.items.iter().map(|i| i.date).collect();
    assert_eq!(
        dates,
        [date(2020, 3, 11), date(2019, 5, 30), date(2019, 3, 20)]
    );
}

#[test]
fn date_inside_the_link() {
    let html = page(
        r#"<div class="list">
<div class="row"><a href="/a/1.html"><span class="t">2019年度政府信息公开工作报告</span><span class="d">2020-01-15</span></a></div>
<div class="row"><a href="/a/2.html"><span class="t">2018年度政府信息公开工作报告</span><span class="d">2019-01-16</span></a></div>
</div>"#,
    );
    let got = discover(&url("http://example.gov.cn/list/"), &html);
    assert_eq!(got.items.len(), 2);
    assert_eq!(
        got.items[0].title.as_deref(),
        Some("2019年度政府信息公开工作报告")
    );
    assert_eq!(got.items[0].date, date(2020, 1, 15));
}

#[test]
fn broken_html_does_not_panic() {
    let unclosed = r#"<html><body><div class="list"><ul>
<li><a href="/a/1.html">第一条政府信息公开年度报告<span>2018-02-10
<li><a href="/a/2.html">第二条政府信息公开年度报告<span>2018-02-11
<li><a href="/a/3.html">第三条政府信息公开年度报告</a><span>2018-02-12
</ul"#;
    let got = discover(&url("http://example.gov.cn/list/"), unclosed);
    assert_eq!(got.items.len(), 3);
    assert_eq!(got.items[2].date, date(2018, 2, 12));

    let hostile = [
        "",
        "<",
        "<a href=",
        "<a href='javascript:'>下一页</a><a href='http://[::1'>x</a>",
        "共99999999999999999999页 共-1条 页次：1/0",
        "<script>createPageHTML(</script><script>createPageHTML(99999999999, 5, 'index', 'html')</script>",
        "<script>createPageHTML(3,9,'index','html')</script>",
        "<script type='text/xml'><datastore><record><![CDATA[<li><a href=",
        "<datastore><totalrecord>18446744073709551615</totalrecord><recordset></recordset></datastore><script>perpage:0 columnid=1 unitid=2</script>",
        "<datastore><totalrecord>999999999</totalrecord></datastore><script>perpage=999999999 groupsize=999999999 columnid=1 unitid=2</script>",
        "<table><tr><td><a href='/x'>2017年</a><tr><td>",
        "<base href='mailto:x'><a href='/a/1.html'>标题标题标题标题标题</a>2019-13-45",
    ];
    for html in hostile {
        let u = url("http://example.gov.cn/list/index_2.html");
        let got = discover(&u, html);
        assert!(got.next_pages.len() <= 10_000, "{html}");
        let _ = page_kind_hint(&u, html);
        let _ = parse_datastore(&u, html);
    }
}
