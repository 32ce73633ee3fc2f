//! A portal whose section is a TRS 信息公开 JSON list API (`list_api = "trs_xxgk"`): the crawl reads
//! the items from the JSON, fetches them, and the metadata the API carries (索引号, 文号, 发布机构,
//! 发布日期) reaches the export records with its provenance.

mod common;

use std::sync::Arc;

use common::route_server::{Route, RouteServer, run_nianbao, write_config};
use common::{raw_file, stderr};
use serde_json::Value;

#[test]
fn a_json_list_api_section_is_crawled_with_its_metadata() {
    let server = RouteServer::bind("127.0.0.21");
    let base = server.base.clone();
    let items = [
        (
            "/zfxxgk/nb/202401/t20240125_1.shtml",
            "MB1686999/2024-00001",
            "鄂市监〔2024〕1号",
            "2023年度政府信息公开工作年度报告",
            "2024-01-25 09:00:00",
            2023,
        ),
        (
            "/zfxxgk/nb/202301/t20230128_2.shtml",
            "MB1686999/2023-00002",
            "无",
            "2022年度政府信息公开工作年度报告",
            "2023-01-28 10:30:00",
            2022,
        ),
    ];
    let list = serde_json::json!({
        "data": items.iter().map(|(path, idx, num, title, date, _)| serde_json::json!({
            "IdxID": idx, "URL": format!("{base}{path}"), "FILENAME": title, "FILETYPE": "年度报告",
            "FILENUM": num, "PUBLISHER": "湖北省市场监督管理局", "PUBDATE": date, "DOCRELTIME": date,
        })).collect::<Vec<_>>()
    });
    let list_body = serde_json::to_vec(&list).expect("JSON");
    let pages: Vec<(String, Vec<u8>)> = items
        .iter()
        .map(|(path, _, _, title, _, year)| {
            // Item pages carry no metadata table: the API is the only source of 索引号 and 文号.
            let html = format!(
                "<html><head><meta charset=\"utf-8\"><title>{title}</title></head><body><h1>{title}</h1>\
                 <p>本报告中所列统计数据时限从{year}年1月1日起至{year}年12月31日止。</p>\
                 <p>一、总体情况。本年度主动公开政府信息情况良好，依申请公开办理及时。</p></body></html>"
            );
            (path.to_string(), html.into_bytes())
        })
        .collect();
    let route: Route = Arc::new(move |target: &str| {
        if target == "/api/xxgk/list" {
            return (
                200,
                "application/json;charset=utf-8".into(),
                list_body.clone(),
            );
        }
        match pages.iter().find(|(p, _)| p == target) {
            Some((_, body)) => (200, "text/html; charset=utf-8".into(), body.clone()),
            None => (
                404,
                "text/html".into(),
                b"<html><body>404</body></html>".to_vec(),
            ),
        }
    });
    server.serve(route);

    let dir = tempfile::tempdir().expect("scratch dir");
    let config = write_config(
        dir.path(),
        &format!(
            "data_dir = \"data\"\n[politeness]\nuser_agent = \"nianbao-test/0.1 (+http://127.0.0.1/contact)\"\n\
             per_host_interval = \"50ms\"\n[[portal]]\nname = \"湖北省市场监督管理局\"\nurl = \"{base}/api/xxgk/list\"\n\
             list_api = \"trs_xxgk\"\n"
        ),
    );
    let out = run_nianbao(&config, &["crawl"]);
    assert_eq!(out.status.code(), Some(0), "crawl: {}", stderr(&out));

    let out = run_nianbao(&config, &["export", "--format", "jsonl"]);
    let records: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(records.len(), 2, "both items of the API are archived");
    for (path, idx, num, title, date, year) in items {
        let r = records
            .iter()
            .find(|r| r["url"].as_str().is_some_and(|u| u.ends_with(path)))
            .unwrap_or_else(|| panic!("{path} archived"));
        assert_eq!(r["index_number"], idx, "{path}");
        assert_eq!(
            r["doc_number"],
            if num == "无" {
                Value::Null
            } else {
                Value::from(num)
            },
            "{path}"
        );
        assert_eq!(r["issuing_body"], "湖北省市场监督管理局", "{path}");
        assert_eq!(r["publish_date"], &date[..10], "{path}");
        assert_eq!(r["report_year"], year, "{path}");
        assert_eq!(r["title"], title, "{path}");
        assert_eq!(r["is_annual_report"], true, "{path}");
        assert!(
            r["provenance"]["index_number"]
                .as_str()
                .is_some_and(|p| p.starts_with("list")),
            "{}",
            r["provenance"]
        );
        assert!(
            r["list_url"]
                .as_str()
                .is_some_and(|u| u.ends_with("/api/xxgk/list"))
        );
        assert!(raw_file(&dir.path().join("data"), r).exists());
    }
    let requests = server.requests();
    assert_eq!(
        requests.first().map(String::as_str),
        Some("/robots.txt"),
        "robots.txt first: {requests:?}"
    );
}
