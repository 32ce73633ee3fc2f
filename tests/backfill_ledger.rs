//! What a backfill's ledger and the coverage report claim must hold when the section reaches
//! beyond its host or the run is stopped: a year list the section's menu puts on another host is
//! not walked and says so, a report the list gives as a file on a file server is fetched, a list
//! page that failed before a stop is still failed after the resumed run, and an interrupted run
//! never makes a year `not_found`.

mod common;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::route_server::{RouteServer, newest_run_report, run_nianbao, write_config};
use common::stderr;
use serde_json::Value;

const HTML: &str = "text/html; charset=utf-8";
const PORTAL: &str = "某某县人民政府";

fn config(dir: &std::path::Path, url: &str, interval: &str) -> std::path::PathBuf {
    let text = format!(
        "data_dir = \"data\"\n[politeness]\nuser_agent = \"nianbao-test/0.1 (+http://127.0.0.1/contact)\"\n\
         per_host_interval = \"{interval}\"\n[fetch]\nretry_base = \"20ms\"\nmax_retries = 1\n\
         [[portal]]\nname = \"{PORTAL}\"\nurl = \"{url}\"\n"
    );
    write_config(dir, &text)
}

fn page(title: &str, body: &str) -> Vec<u8> {
    format!(
        "<html><head><meta charset=\"utf-8\"><title>{title}</title></head><body>{body}</body></html>"
    )
    .into_bytes()
}

/// The section's year menu: each year's list at the URL given.
fn year_menu(years: &[(i32, String)]) -> Vec<u8> {
    let links: String = years
        .iter()
        .map(|(y, url)| format!("<li><a href=\"{url}\">{y}年</a></li>"))
        .collect();
    page(
        "政府信息公开年报",
        &format!("<div class=\"years\"><ul>{links}</ul></div><p>请选择年度</p>"),
    )
}

fn year_list(year: i32, entries: &[(String, String)]) -> Vec<u8> {
    let items: String = entries
        .iter()
        .map(|(url, title)| {
            format!(
                "<li><a href=\"{url}\">{title}</a><span>{}-01-20</span></li>",
                year + 1
            )
        })
        .collect();
    page(&format!("{year}年"), &format!("<ul>{items}</ul>"))
}

fn report_page(year: i32) -> Vec<u8> {
    let title = format!("{PORTAL}{year}年政府信息公开工作年度报告");
    page(
        &title,
        &format!(
            "<h1>{title}</h1><div class=\"content\"><p>发布机构：{PORTAL}办公室</p><p>一、总体情况</p>\
             <p>{year}年，{PORTAL}认真贯彻落实《中华人民共和国政府信息公开条例》，全面推进政务公开。</p></div>"
        ),
    )
}

fn export(config: &std::path::Path) -> Vec<Value> {
    let out = run_nianbao(config, &["export"]);
    assert!(out.status.success(), "export: {}", stderr(&out));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("export line is JSON"))
        .collect()
}

/// The coverage cell of `year` for the portal's own body.
fn coverage_cell(config: &std::path::Path, year: i32) -> Value {
    let out = run_nianbao(config, &["report", "--format", "json"]);
    assert!(out.status.success(), "report: {}", stderr(&out));
    let coverage: Value = serde_json::from_slice(&out.stdout).expect("coverage JSON");
    let cells = coverage["portals"][0]["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .flat_map(|r| r["cells"].as_array().cloned().unwrap_or_default())
        .filter(|c| c["year"] == year)
        .collect::<Vec<_>>();
    // Rows are bodies: the one that holds a report that year, else the first.
    cells
        .iter()
        .find(|c| c["state"] != "not_walked" && c["state"] != "not_found")
        .or(cells.first())
        .cloned()
        .unwrap_or_else(|| panic!("no cell for {year}: {coverage}"))
}

fn stops(run: &Value, list: &str) -> String {
    run["portals"][PORTAL]["lists"][list]["stops"].to_string()
}

/// The section's menu puts 2021's list on an old host, and 2023's list gives its report as a PDF
/// on a file server, beside an entry that is another site's page. The PDF is fetched and
/// archived; the old host is never asked, its year's ledger and coverage cell say why; the other
/// site's page is not fetched.
#[test]
fn lists_and_reports_on_other_hosts() {
    let portal = RouteServer::bind("127.0.0.91");
    let old = RouteServer::bind("127.0.0.92");
    let files = RouteServer::bind("127.0.0.93");
    let old_list = format!("{}/old/2021/index.html", old.base);
    let pdf = format!("{}/files/2023nb.pdf", files.base);
    let elsewhere = format!("{}/art/9.html", old.base);
    let menu = year_menu(&[
        (2023, "/nb/2023/index.html".into()),
        (2022, "/nb/2022/index.html".into()),
        (2021, old_list.clone()),
    ]);
    let list_2023 = year_list(
        2023,
        &[
            (
                pdf.clone(),
                format!("{PORTAL}2023年政府信息公开工作年度报告"),
            ),
            (
                elsewhere.clone(),
                "某某市2023年政府信息公开工作年度报告".into(),
            ),
        ],
    );
    let list_2022 = year_list(
        2022,
        &[(
            "/art/2022.html".into(),
            format!("{PORTAL}2022年政府信息公开工作年度报告"),
        )],
    );
    portal.serve(Arc::new(move |target: &str| match target {
        "/nb/" => (200, HTML.into(), menu.clone()),
        "/nb/2023/index.html" => (200, HTML.into(), list_2023.clone()),
        "/nb/2022/index.html" => (200, HTML.into(), list_2022.clone()),
        "/art/2022.html" => (200, HTML.into(), report_page(2022)),
        _ => (404, HTML.into(), page("404", "404")),
    }));
    old.serve(Arc::new(|target: &str| match target {
        "/old/2021/index.html" => (200, HTML.into(), page("2021年", "<ul></ul>")),
        _ => (200, HTML.into(), report_page(2023)),
    }));
    files.serve(Arc::new(|target: &str| match target {
        "/files/2023nb.pdf" => (
            200,
            "application/pdf".into(),
            b"%PDF-1.4\n2023 report of the county\n%%EOF\n".to_vec(),
        ),
        _ => (404, HTML.into(), page("404", "404")),
    }));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = config(dir.path(), &format!("{}/nb/", portal.base), "20ms");
    let out = run_nianbao(&config, &["backfill", "--years", "2019-2024"]);
    assert!(out.status.success(), "backfill: {}", stderr(&out));

    let records = export(&config);
    let urls: Vec<&str> = records.iter().filter_map(|r| r["url"].as_str()).collect();
    assert!(urls.contains(&pdf.as_str()), "the PDF report: {urls:?}");
    assert!(
        files.requests().iter().any(|t| t == "/files/2023nb.pdf"),
        "the file server was asked: {:?}",
        files.requests()
    );
    assert!(
        old.requests().is_empty(),
        "the old host was asked: {:?}",
        old.requests()
    );
    assert!(!urls.contains(&elsewhere.as_str()), "{urls:?}");

    let run = newest_run_report(dir.path());
    assert!(
        stops(&run, "2021").contains(&old_list),
        "the 2021 ledger names the list not walked: {}",
        stops(&run, "2021")
    );
    let cell = coverage_cell(&config, 2021);
    assert_eq!(cell["state"], "not_walked", "{cell}");
    assert!(
        cell["note"].as_str().unwrap_or("").contains("another host"),
        "{cell}"
    );
    assert_eq!(coverage_cell(&config, 2022)["state"], "captured");
}

fn spawn_backfill(config: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .arg("--config")
        .arg(config)
        .args(["backfill", "--years", "2017-2024"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the nianbao binary starts")
}

/// A backfill stopped by SIGTERM after a year's list page failed: the coverage report of the
/// interrupted run calls no year with a report `not_found`; after the resumed run the failed list
/// is still `incomplete` and its year `not_walked`, as after a run that was never stopped.
#[test]
fn a_stop_neither_hides_a_failed_list_nor_makes_years_not_found() {
    let portal = RouteServer::bind("127.0.0.91");
    let years: Vec<i32> = (2017..=2024).rev().collect();
    let menu = year_menu(
        &years
            .iter()
            .map(|y| (*y, format!("/nb/{y}/index.html")))
            .collect::<Vec<_>>(),
    );
    portal.serve(Arc::new(move |target: &str| {
        if target == "/nb/" {
            return (200, HTML.into(), menu.clone());
        }
        if target == "/nb/2024/index.html" {
            return (500, HTML.into(), page("500", "Internal Server Error"));
        }
        let year = |prefix: &str, suffix: &str| {
            target
                .strip_prefix(prefix)
                .and_then(|t| t.strip_suffix(suffix))
                .and_then(|y| y.parse::<i32>().ok())
        };
        if let Some(y) = year("/nb/", "/index.html") {
            let item = (
                format!("/art/{y}.html"),
                format!("{PORTAL}{y}年政府信息公开工作年度报告"),
            );
            return (200, HTML.into(), year_list(y, &[item]));
        }
        if let Some(y) = year("/art/", ".html") {
            return (200, HTML.into(), report_page(y));
        }
        (404, HTML.into(), page("404", "404"))
    }));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = config(dir.path(), &format!("{}/nb/", portal.base), "250ms");
    let mut child = spawn_backfill(&config);
    let start = Instant::now();
    let failed = |r: &[String]| r.iter().filter(|t| *t == "/nb/2024/index.html").count() >= 2;
    while !failed(&portal.requests()) && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(failed(&portal.requests()), "{:?}", portal.requests());
    let ok = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .expect("kill runs")
        .success();
    assert!(ok, "SIGTERM sent");
    let status = child.wait().expect("the run ends");
    assert_eq!(
        status.code(),
        Some(130),
        "the run was stopped with work left"
    );

    // Stopped early: years whose reports the run had no time to fetch are not `not_found`.
    let out = run_nianbao(&config, &["report", "--format", "json"]);
    assert!(out.status.success(), "report: {}", stderr(&out));
    let coverage: Value = serde_json::from_slice(&out.stdout).expect("coverage JSON");
    let archived: Vec<i64> = export(&config)
        .iter()
        .filter_map(|r| r["report_year"].as_i64())
        .collect();
    for row in coverage["portals"][0]["rows"].as_array().expect("rows") {
        for cell in row["cells"].as_array().expect("cells") {
            let year = cell["year"].as_i64().expect("year");
            if (2017..=2023).contains(&year) && !archived.contains(&year) {
                assert_ne!(cell["state"], "not_found", "{year} after the stop: {cell}");
            }
        }
    }
    assert!(
        archived.len() < 7,
        "the stop came before the end: {archived:?}"
    );

    let out = run_nianbao(&config, &["backfill", "--years", "2017-2024"]);
    assert_eq!(out.status.code(), Some(0), "resumed: {}", stderr(&out));
    let run = newest_run_report(dir.path());
    assert!(
        stops(&run, "2024").contains("failed"),
        "the resumed run's ledger keeps the failed page: {}",
        run["portals"][PORTAL]["lists"]
    );
    let cell = coverage_cell(&config, 2024);
    assert_eq!(cell["state"], "not_walked", "{cell}");
    for year in 2017..=2023 {
        assert_eq!(coverage_cell(&config, year)["state"], "captured", "{year}");
    }
}
