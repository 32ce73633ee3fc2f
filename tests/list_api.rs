//! A portal whose section is a TRS 信息公开 JSON list API (`list_api = "trs_xxgk"`): the crawl reads
//! the items from the JSON, fetches them, and the metadata the API carries (索引号, 文号, 发布机构,
//! 发布日期) reaches the export records with its provenance.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{raw_file, run_limited, stderr};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Answers a request target with (status, content type, body).
type Route = Arc<dyn Fn(&str) -> (u16, String, Vec<u8>) + Send + Sync>;

/// A minimal HTTP/1.1 server: answers each connection from `route` and closes it.
async fn serve(listener: TcpListener, route: Route, log: Arc<Mutex<Vec<String>>>) {
    loop {
        let Ok((mut socket, _)) = listener.accept().await else {
            return;
        };
        let route = route.clone();
        let log = log.clone();
        tokio::spawn(async move {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                match socket.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            let head = String::from_utf8_lossy(&buf).into_owned();
            let target = head.split_whitespace().nth(1).unwrap_or("/").to_string();
            log.lock().expect("log lock").push(target.clone());
            let (status, content_type, body) = route(&target);
            let header = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = socket.write_all(header.as_bytes()).await;
            let _ = socket.write_all(&body).await;
        });
    }
}

#[test]
fn a_json_list_api_section_is_crawled_with_its_metadata() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let listener = runtime
        .block_on(TcpListener::bind("127.0.0.21:0"))
        .or_else(|_| runtime.block_on(TcpListener::bind("127.0.0.1:0")))
        .expect("bind loopback");
    let base = format!("http://{}", listener.local_addr().expect("address"));
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
    let log = Arc::new(Mutex::new(Vec::new()));
    runtime.spawn(serve(listener, route, log.clone()));

    let dir = tempfile::tempdir().expect("scratch dir");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = \"data\"\n[politeness]\nuser_agent = \"nianbao-test/0.1 (+http://127.0.0.1/contact)\"\n\
             per_host_interval = \"50ms\"\n[[portal]]\nname = \"湖北省市场监督管理局\"\nurl = \"{base}/api/xxgk/list\"\n\
             list_api = \"trs_xxgk\"\n"
        ),
    )
    .expect("write config");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_nianbao"));
    cmd.arg("--config").arg(&config).arg("crawl");
    let out = run_limited(cmd, Duration::from_secs(60));
    assert_eq!(out.status.code(), Some(0), "crawl: {}", stderr(&out));

    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_nianbao"));
    cmd.arg("--config")
        .arg(&config)
        .args(["export", "--format", "jsonl"]);
    let out = run_limited(cmd, Duration::from_secs(60));
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
    let requests = log.lock().expect("log lock").clone();
    assert_eq!(
        requests.first().map(String::as_str),
        Some("/robots.txt"),
        "robots.txt first: {requests:?}"
    );
}
