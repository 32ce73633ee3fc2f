//! Issue 8 through the real binary, in a nightly crawl (which queues one further page at a time):
//! a GBK `list.asp?lb=年报` portal whose pager links 首页 to `&page=1` is walked pages 1, 2 and 3
//! once each (page 1 again under its second URL once ended the list before page 3), with the
//! Chinese query value sent in GBK as a browser sends it (points 3 and 5); a Hanweb column with
//! `perPage: 3, totalRecord: 8, groupSize: 1` gets both ranges 4-6 and 7-8 (point 4); a TRS channel
//! index holding only year sub-channels yields their items (point 1). The ledger line says what
//! was stated, walked, found and fetched.

mod common;

use std::sync::Arc;

use common::route_server::{RouteServer, run_nianbao, write_config};
use common::stderr;
use encoding_rs::GBK;
use serde_json::Value;

const ITEMS: u64 = 8;
const PER_PAGE: u64 = 3;
const PAGES: u64 = ITEMS.div_ceil(PER_PAGE);
/// 年报 in GBK, percent-encoded: what a browser sends for `lb=年报` on a GBK page.
const LB_GBK: &str = "%C4%EA%B1%A8";

fn gbk(html: &str) -> Vec<u8> {
    GBK.encode(html).0.into_owned()
}

/// List page `n` (1-based) of the section, as the legacy ASP portal renders it.
fn list_page(n: u64) -> Vec<u8> {
    let first = (n - 1) * PER_PAGE + 1;
    let last = (n * PER_PAGE).min(ITEMS);
    let rows: String = (first..=last)
        .map(|i| {
            let year = 2024 - i as i32;
            format!(
                "<tr><td><a href=\"show.asp?id={i}\">某某县{year}年政府信息公开工作年度报告</a></td><td>{}-01-{:02}</td></tr>\n",
                year + 1,
                i
            )
        })
        .collect();
    // The pager names the first page `&page=1`, although the section's URL has no page number.
    let pager = format!(
        "共{ITEMS}条 共{PAGES}页 当前第{n}页 <a href=\"list.asp?lb=年报&page=1\">首页</a> \
         <a href=\"list.asp?lb=年报&page={prev}\">上一页</a> <a href=\"list.asp?lb=年报&page={next}\">下一页</a> \
         <a href=\"list.asp?lb=年报&page={PAGES}\">尾页</a>",
        prev = n.saturating_sub(1).max(1),
        next = (n + 1).min(PAGES),
    );
    gbk(&format!(
        "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\"><title>年报</title></head>\
         <body><div class=\"nav\"><a href=\"/\">首页</a></div><table class=\"list\">{rows}</table>\
         <div class=\"page\">{pager}</div><div class=\"foot\">主办：某某县人民政府办公室</div></body></html>"
    ))
}

fn item_page(i: u64) -> Vec<u8> {
    let year = 2024 - i as i32;
    gbk(&format!(
        "<html><head><meta charset=\"gbk\"><title>某某县{year}年政府信息公开工作年度报告</title></head><body>\
         <h1>某某县{year}年政府信息公开工作年度报告</h1>\
         <p>本报告中所列统计数据时限从{year}年1月1日起至{year}年12月31日止。</p>\
         <p>一、总体情况。本年度主动公开政府信息情况良好，依申请公开办理及时，第{i}号。</p></body></html>"
    ))
}

fn route(target: &str) -> (u16, String, Vec<u8>) {
    let html = "text/html; charset=gb2312".to_string();
    let section = format!("/list.asp?lb={LB_GBK}");
    if target == section {
        return (200, html, list_page(1));
    }
    for n in 1..=PAGES {
        if target == format!("{section}&page={n}") {
            return (200, html, list_page(n));
        }
    }
    for i in 1..=ITEMS {
        if target == format!("/show.asp?id={i}") {
            return (200, html, item_page(i));
        }
    }
    if target.starts_with("/list.asp") {
        // Any other query (the UTF-8 form of 年报 among them) is another, empty list.
        return (
            200,
            html,
            gbk("<html><body><p>没有找到相关记录</p></body></html>"),
        );
    }
    (
        404,
        "text/html".into(),
        b"<html><body>404</body></html>".to_vec(),
    )
}

#[test]
fn a_nightly_crawl_walks_each_page_number_once_and_its_ledger_is_honest() {
    let server = RouteServer::bind("127.0.0.23");
    let base = server.base.clone();
    server.serve(Arc::new(route));

    let dir = tempfile::tempdir().expect("scratch dir");
    let config = write_config(
        dir.path(),
        &format!(
            "data_dir = \"data\"\n[politeness]\nuser_agent = \"nianbao-test/0.1 (+http://127.0.0.1/contact)\"\n\
             per_host_interval = \"20ms\"\n[crawl]\nknown_pages_before_stop = 1\n\
             [[portal]]\nname = \"某某县人民政府\"\nurl = \"{base}/list.asp?lb={LB_GBK}\"\n"
        ),
    );
    let out = run_nianbao(&config, &["crawl"]);
    assert_eq!(out.status.code(), Some(0), "crawl: {}", stderr(&out));

    let requests = server.requests();
    let list_requests: Vec<&String> = requests
        .iter()
        .filter(|t| t.starts_with("/list.asp"))
        .collect();
    assert_eq!(
        list_requests,
        vec![
            &format!("/list.asp?lb={LB_GBK}"),
            &format!("/list.asp?lb={LB_GBK}&page=2"),
            &format!("/list.asp?lb={LB_GBK}&page=3"),
        ],
        "each page once, page 1 never again as &page=1, the query in GBK: {requests:?}"
    );
    for i in 1..=ITEMS {
        let path = format!("/show.asp?id={i}");
        assert!(requests.contains(&path), "{path} fetched: {requests:?}");
    }

    let summary = stderr(&out);
    let line = format!(
        "list all: site states {PAGES} pages, {ITEMS} items; walked {PAGES} pages, found {ITEMS} items, fetched {ITEMS} [ok]"
    );
    assert!(summary.contains(&line), "{line}\n{summary}");

    let report_path = std::fs::read_dir(dir.path().join("data").join("runs"))
        .expect("runs folder")
        .map(|e| e.expect("entry").path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .expect("a run report");
    let report: Value =
        serde_json::from_slice(&std::fs::read(report_path).expect("read")).expect("JSON");
    let all = &report["portals"]["某某县人民政府"]["lists"]["all"];
    assert_eq!(all["walked"], serde_json::json!([1, 2, 3]), "{all}");
    assert_eq!(all["pages"], PAGES, "{all}");
    assert_eq!(all["fetched"], ITEMS, "{all}");
}

/// A Hanweb jpage column (perPage 3, groupSize 1, totalRecord 8, 3 records embedded) and a TRS
/// channel index whose body is only `2017年 -> ./2017/`, `2016年 -> ./2016/`.
fn hanweb_and_channel_route(target: &str) -> (u16, String, Vec<u8>) {
    let html = "text/html; charset=utf-8".to_string();
    let record = |i: u64| {
        format!(
            "<record><![CDATA[<li><a href=\"/art/2020/1/{i}/art_1229_{i}.html\">某某县{}年政府信息公开工作年度报告</a><span>2020-01-{i:02}</span></li>]]></record>",
            2024 - i
        )
    };
    if target == "/col/col1229/index.html" {
        let records: String = (1..=3).map(record).collect();
        let body = format!(
            "<html><head><meta charset=\"utf-8\"><title>年报</title></head><body><div id=\"4501\">\
             <script type=\"text/xml\"><datastore><recordset>{records}</recordset></datastore></script></div>\
             <script>$('#4501').jpage({{ dataStore: dataStore, totalRecord:8, perPage:3, groupSize:1, \
             proxyUrl:'/module/web/jpage/dataproxy.jsp', columnid:1229, unitid:4501 }});</script></body></html>"
        );
        return (200, html, body.into_bytes());
    }
    if let Some(query) = target.strip_prefix("/module/web/jpage/dataproxy.jsp?") {
        let get = |k: &str| -> u64 {
            query
                .split('&')
                .find_map(|p| p.strip_prefix(&format!("{k}="))?.parse().ok())
                .unwrap_or(0)
        };
        let records: String = (get("startrecord")..=get("endrecord").min(8))
            .map(record)
            .collect();
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><datastore><totalrecord>8</totalrecord><recordset>{records}</recordset></datastore>"
        );
        return (200, "text/xml; charset=utf-8".into(), body.into_bytes());
    }
    if target == "/nb/" {
        let body = "<html><head><meta charset=\"utf-8\"><title>政府信息公开年报</title></head><body>\
                    <ul><li><a href=\"./2017/\">2017年</a></li><li><a href=\"./2016/\">2016年</a></li></ul></body></html>";
        return (200, html, body.as_bytes().to_vec());
    }
    for year in [2017, 2016] {
        if target == format!("/nb/{year}/") {
            let body = format!(
                "<html><head><meta charset=\"utf-8\"><title>{year}年</title></head><body><ul class=\"list\">\
                 <li><a href=\"./t{year}0301_1.html\">某某县{year}年政府信息公开工作年度报告</a><span>{}-03-01</span></li>\
                 </ul></body></html>",
                year + 1
            );
            return (200, html, body.into_bytes());
        }
    }
    let item = |title: String| {
        format!(
            "<html><head><meta charset=\"utf-8\"><title>{title}</title></head><body><h1>{title}</h1>\
             <p>本报告中所列统计数据时限从上年1月1日起至12月31日止。一、总体情况。本年度主动公开政府信息情况良好。</p></body></html>"
        )
        .into_bytes()
    };
    if target.starts_with("/art/2020/1/") {
        return (200, html, item(format!("某某县报告 {target}")));
    }
    if target.starts_with("/nb/201") && target.ends_with(".html") {
        return (200, html, item(format!("某某县年度报告 {target}")));
    }
    (
        404,
        "text/html".into(),
        b"<html><body>404</body></html>".to_vec(),
    )
}

#[test]
fn a_nightly_crawl_requests_every_hanweb_range_and_walks_year_sub_channels() {
    let server = RouteServer::bind("127.0.0.24");
    let base = server.base.clone();
    server.serve(Arc::new(hanweb_and_channel_route));

    let dir = tempfile::tempdir().expect("scratch dir");
    let config = write_config(
        dir.path(),
        &format!(
            "data_dir = \"data\"\n[politeness]\nuser_agent = \"nianbao-test/0.1 (+http://127.0.0.1/contact)\"\n\
             per_host_interval = \"20ms\"\n[crawl]\nknown_pages_before_stop = 1\n\
             [[portal]]\nname = \"汉威县\"\nurl = \"{base}/col/col1229/index.html\"\n\
             [[portal]]\nname = \"年报频道\"\nurl = \"{base}/nb/\"\n"
        ),
    );
    let out = run_nianbao(&config, &["crawl"]);
    assert_eq!(out.status.code(), Some(0), "crawl: {}", stderr(&out));

    let requests = server.requests();
    let ranges: Vec<&String> = requests
        .iter()
        .filter(|t| t.contains("dataproxy.jsp"))
        .collect();
    assert_eq!(
        ranges,
        vec![
            "/module/web/jpage/dataproxy.jsp?startrecord=4&endrecord=6&perpage=3",
            "/module/web/jpage/dataproxy.jsp?startrecord=7&endrecord=8&perpage=3",
        ],
        "{requests:?}"
    );
    let items = requests.iter().filter(|t| t.starts_with("/art/")).count();
    assert_eq!(items, 8, "every record's item fetched: {requests:?}");
    for year in [2017, 2016] {
        let item = format!("/nb/{year}/t{year}0301_1.html");
        assert!(requests.contains(&item), "{item}: {requests:?}");
    }
    let summary = stderr(&out);
    assert!(
        summary.contains(
            "list all: site states 8 items in 3 ranges; walked 3 ranges, found 8 items, fetched 8 [ok]"
        ),
        "{summary}"
    );
    assert!(
        !summary.contains("empty_template"),
        "the channel index is a list: {summary}"
    );
}
