//! What a backfill's ledger and the coverage report claim must hold when the section reaches
//! beyond its host, the run is stopped, or its year range leaves lists and entries out: a year
//! list the section's menu puts on another site is not walked and says so, one on another host of
//! the section's site is walked at the portal's own gap, a report the list
//! gives as a file on a file server is fetched, a report page on another host is fetched when the
//! portal's `item_hosts` names that host and is named in the ledger when not, a list page that failed before a stop is still
//! failed after the resumed run, an interrupted run never makes a year `not_found`, and a year
//! range fetches no entry titled with another year and walks no year list that cannot hold its
//! reports, without hiding them from a later backfill or calling their years `not_found`. The run
//! report's `requests` of a portal are its own on every host it asked: two portals on one host
//! each count theirs, and a portal counts its file server's.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::route_server::{
    Route, RouteServer, newest_run_report, portals_config, redirect, run_nianbao, write_config,
};
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

/// The links of the section's year menu: each year's list at the URL given.
fn menu_links(years: &[(i32, String)]) -> String {
    let links: String = years
        .iter()
        .map(|(y, url)| format!("<li><a href=\"{url}\">{y}年</a></li>"))
        .collect();
    format!("<div class=\"years\"><ul>{links}</ul></div>")
}

/// The section's year menu: each year's list at the URL given.
fn year_menu(years: &[(i32, String)]) -> Vec<u8> {
    page(
        "政府信息公开年报",
        &format!("{}<p>请选择年度</p>", menu_links(years)),
    )
}

/// The entries of a list, each dated `published`.
fn entries_html(entries: &[(String, String)], published: &str) -> String {
    let items: String = entries
        .iter()
        .map(|(url, title)| {
            format!("<li><a href=\"{url}\">{title}</a><span>{published}</span></li>")
        })
        .collect();
    format!("<ul>{items}</ul>")
}

fn year_list(year: i32, entries: &[(String, String)]) -> Vec<u8> {
    let published = format!("{}-01-20", year + 1);
    page(&format!("{year}年"), &entries_html(entries, &published))
}

fn report_page(year: i32) -> Vec<u8> {
    body_report_page(PORTAL, &format!("{PORTAL}办公室"), year)
}

/// The `year` report of `body`, its year in its heading, published by `issuer`.
fn body_report_page(body: &str, issuer: &str, year: i32) -> Vec<u8> {
    let title = format!("{body}{year}年政府信息公开工作年度报告");
    page(
        &title,
        &format!(
            "<h1>{title}</h1><div class=\"content\"><p>发布机构：{issuer}</p><p>一、总体情况</p>\
             <p>{year}年，{body}认真贯彻落实《中华人民共和国政府信息公开条例》，全面推进政务公开。</p></div>"
        ),
    )
}

/// The year between `prefix` and `suffix` of a request target (`/nb/2017/index.html`).
fn year_in(target: &str, prefix: &str, suffix: &str) -> Option<i32> {
    target
        .strip_prefix(prefix)
        .and_then(|t| t.strip_suffix(suffix))
        .and_then(|y| y.parse::<i32>().ok())
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
    // Left by the list's own rule, which says so, not only by the queue's scope.
    let portal_run = &run["portals"][PORTAL];
    assert_eq!(portal_run["excluded"]["other_host_item"], 1, "{portal_run}");
    let list = &portal_run["lists"]["2023"];
    assert_eq!(list["other_site_pages"], 1, "{list}");
    assert_eq!(
        list["other_site_hosts"],
        serde_json::json!(["127.0.0.92"]),
        "{list}"
    );
    assert!(
        stops(&run, "2021").contains(&old_list),
        "the 2021 ledger names the list not walked: {}",
        stops(&run, "2021")
    );
    let cell = coverage_cell(&config, 2021);
    assert_eq!(cell["state"], "not_walked", "{cell}");
    assert!(
        cell["note"].as_str().unwrap_or("").contains("another site"),
        "{cell}"
    );
    assert_eq!(coverage_cell(&config, 2022)["state"], "captured");
}

/// `host:port` of a route server, and the address it is bound to.
fn bound(server: &RouteServer) -> (std::net::IpAddr, u16) {
    let addr: std::net::SocketAddr = server
        .base
        .trim_start_matches("http://")
        .parse()
        .expect("a route server's base is http://IP:PORT");
    (addr.ip(), addr.port())
}

/// A portal on `www.example.gov.cn` (its hosts are names, looked up in the test's own table, all
/// on loopback servers) whose menu puts 2021's list on `old.example.gov.cn` and 2020's on
/// `www.other.gov.cn`. `old` is on the portal's site: its robots.txt is asked first, its list is
/// walked, its report archived, the 2021 ledger is complete, and its requests keep the portal's
/// own `per_host_interval`, not the default. The 2023 list's pager links its second page on
/// `old` by an absolute URL, with no 下一页 link: that page is walked and its report archived.
/// `www.other.gov.cn` is another site: never asked, and the 2020 ledger says why, as before.
#[test]
fn a_year_list_on_another_host_of_the_site_is_walked() {
    const GAP: Duration = Duration::from_millis(500);
    let www = RouteServer::bind("127.0.0.111");
    let old = RouteServer::bind("127.0.0.112");
    let other = RouteServer::bind("127.0.0.113");
    let name = |server: &RouteServer, host: &str| format!("http://{host}:{}", bound(server).1);
    let (www_base, old_base, other_base) = (
        name(&www, "www.example.gov.cn"),
        name(&old, "old.example.gov.cn"),
        name(&other, "www.other.gov.cn"),
    );
    let old_list = format!("{old_base}/old/2021/index.html");
    let other_list = format!("{other_base}/nb/2020/index.html");
    let menu = year_menu(&[
        (2023, "/nb/2023/index.html".into()),
        (2021, old_list.clone()),
        (2020, other_list.clone()),
    ]);
    let title = |year: i32| format!("{PORTAL}{year}年政府信息公开工作年度报告");
    let list_2023 = page(
        "2023年",
        &format!(
            "{}<div class=\"page\">共2页 <a href=\"{old_base}/nb/2023/index_1.html\">2</a></div>",
            entries_html(&[("/art/2023.html".into(), title(2023))], "2024-01-20")
        ),
    );
    let list_2023_page_2 = year_list(2023, &[("/art/2022.html".into(), title(2022))]);
    // The old host's list states its count, so its ledger can be judged complete.
    let list_2021 = page(
        "2021年",
        &format!(
            "{}<p>共1条</p>",
            entries_html(&[("/art/2021.html".into(), title(2021))], "2022-01-20")
        ),
    );
    www.serve(Arc::new(move |target: &str| match target {
        "/nb/" => (200, HTML.into(), menu.clone()),
        "/nb/2023/index.html" => (200, HTML.into(), list_2023.clone()),
        "/art/2023.html" => (200, HTML.into(), report_page(2023)),
        _ => (404, HTML.into(), page("404", "404")),
    }));
    old.serve(Arc::new(move |target: &str| match target {
        "/old/2021/index.html" => (200, HTML.into(), list_2021.clone()),
        "/nb/2023/index_1.html" => (200, HTML.into(), list_2023_page_2.clone()),
        "/art/2021.html" => (200, HTML.into(), report_page(2021)),
        "/art/2022.html" => (200, HTML.into(), report_page(2022)),
        _ => (404, HTML.into(), page("404", "404")),
    }));
    let list_2020 = year_list(2020, &[("/art/2020.html".into(), title(2020))]);
    other.serve(Arc::new(move |target: &str| match target {
        "/nb/2020/index.html" => (200, HTML.into(), list_2020.clone()),
        _ => (200, HTML.into(), report_page(2020)),
    }));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = write_config(
        dir.path(),
        &format!(
            "data_dir = \"data\"\n[politeness]\nuser_agent = \"nianbao-test/0.1 (+http://127.0.0.1/contact)\"\n\
             per_host_interval = \"20ms\"\n[fetch]\nretry_base = \"20ms\"\nmax_retries = 1\n\
             [[portal]]\nname = \"{PORTAL}\"\nurl = \"{www_base}/nb/\"\nper_host_interval = \"{}ms\"\n",
            GAP.as_millis()
        ),
    );
    let hosts = [
        ("www.example.gov.cn", bound(&www).0),
        ("old.example.gov.cn", bound(&old).0),
        ("www.other.gov.cn", bound(&other).0),
    ];
    let network = nianbao::crawl::Network {
        lookup: nianbao::fetch::Lookup::Table(Arc::new(
            hosts
                .iter()
                .map(|(host, ip)| (host.to_string(), vec![*ip]))
                .collect(),
        )),
        private_names: hosts.iter().map(|(host, _)| host.to_string()).collect(),
    };
    let settings =
        nianbao::config::load(&config, &Default::default()).expect("the test's config loads");
    let run = {
        let store = Arc::new(nianbao::store::Store::open(&settings.data_dir).expect("store opens"));
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let backfill = nianbao::crawl::run_on(
            &settings,
            store,
            nianbao::crawl::Mode::Backfill { years: 2019..=2024 },
            network,
            std::future::pending(),
        );
        runtime
            .block_on(async { tokio::time::timeout(Duration::from_secs(120), backfill).await })
            .expect("the backfill ends within its time limit")
            .expect("the backfill runs")
    };

    let records = export(&config);
    let urls: Vec<&str> = records.iter().filter_map(|r| r["url"].as_str()).collect();
    for year in [2021, 2022] {
        let old_report = format!("{old_base}/art/{year}.html");
        assert!(urls.contains(&old_report.as_str()), "{urls:?}");
    }
    let asked = old.requests();
    assert_eq!(
        asked.first().map(String::as_str),
        Some("/robots.txt"),
        "the old host's robots.txt is asked first: {asked:?}"
    );
    assert!(
        asked.iter().any(|t| t == "/old/2021/index.html"),
        "{asked:?}"
    );
    let times: Vec<Instant> = old.timed_requests().into_iter().map(|(_, t)| t).collect();
    assert!(times.len() >= 3, "{asked:?}");
    for pair in times.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(
            gap >= GAP - Duration::from_millis(50),
            "the old host was asked {gap:?} after its previous request, within the portal's {GAP:?}: {asked:?}"
        );
    }
    assert!(
        other.requests().is_empty(),
        "another site was asked: {:?}",
        other.requests()
    );

    let ledgers = &run.portals[PORTAL].lists;
    assert_eq!(
        ledgers["2021"].verdict(),
        nianbao::report::Verdict::Ok,
        "{:?}",
        ledgers["2021"]
    );
    let stops_2020: Vec<&String> = ledgers["2020"].stops.iter().collect();
    assert_eq!(
        stops_2020,
        [&format!(
            "the list is on another site, not walked: {other_list} (configure it as a portal of its own)"
        )],
        "{:?}",
        ledgers["2020"]
    );
    assert_eq!(coverage_cell(&config, 2021)["state"], "captured");
    assert_eq!(coverage_cell(&config, 2020)["state"], "not_walked");
}

/// The portal's list on host A gives its 2023 report as a page on host B (a county's reports on
/// its disclosure platform) and links a page on host C (another body's site). Loopback addresses
/// are each their own site, so B is the list's only when `item_hosts` names it: without it
/// neither B nor C is asked anything and the ledger and the run report name both; with it B's
/// robots.txt is asked, then the report, once, and the report is archived under the portal,
/// while C is still not asked and still named.
#[test]
fn a_report_page_on_another_host_is_fetched_when_item_hosts_names_it() {
    let portal = RouteServer::bind("127.0.0.94");
    let platform = RouteServer::bind("127.0.0.95");
    let elsewhere = RouteServer::bind("127.0.0.96");
    let report_url = format!("{}/xxgk/2023.html", platform.base);
    let other_url = format!("{}/art/9.html", elsewhere.base);
    let list = year_list(
        2023,
        &[
            (
                report_url.clone(),
                format!("{PORTAL}2023年政府信息公开工作年度报告"),
            ),
            (
                "/art/2022.html".into(),
                format!("{PORTAL}2022年政府信息公开工作年度报告"),
            ),
            (
                other_url.clone(),
                "某某市2023年政府信息公开工作年度报告".into(),
            ),
        ],
    );
    portal.serve(Arc::new(move |target: &str| match target {
        "/nb/" => (200, HTML.into(), list.clone()),
        "/art/2022.html" => (200, HTML.into(), report_page(2022)),
        _ => (404, HTML.into(), page("404", "404")),
    }));
    platform.serve(Arc::new(|target: &str| match target {
        "/robots.txt" => (
            200,
            "text/plain".into(),
            b"User-agent: *\nDisallow: /private/\n".to_vec(),
        ),
        "/xxgk/2023.html" => (200, HTML.into(), report_page(2023)),
        _ => (404, HTML.into(), page("404", "404")),
    }));
    elsewhere.serve(Arc::new(|_: &str| (200, HTML.into(), report_page(2023))));
    let hosts = |server: &RouteServer| -> String {
        let url = url::Url::parse(&server.base).expect("a server's base is a URL");
        url.host_str().unwrap_or_default().to_string()
    };
    let (platform_host, elsewhere_host) = (hosts(&platform), hosts(&elsewhere));
    let section = format!("{}/nb/", portal.base);

    // Without item_hosts: B is another site.
    let dir = tempfile::tempdir().expect("scratch dir");
    let without = config(dir.path(), &section, "20ms");
    let out = run_nianbao(&without, &["backfill", "--years", "2019-2024"]);
    assert!(out.status.success(), "backfill: {}", stderr(&out));
    assert!(
        platform.requests().is_empty(),
        "the platform was asked: {:?}",
        platform.requests()
    );
    let urls: Vec<String> = export(&without)
        .iter()
        .filter_map(|r| r["url"].as_str().map(str::to_string))
        .collect();
    assert!(!urls.contains(&report_url), "{urls:?}");
    let run = newest_run_report(dir.path());
    let ledger = &run["portals"][PORTAL]["lists"]["all"];
    assert_eq!(ledger["found"], 3, "{ledger}");
    assert_eq!(ledger["fetched"], 1, "{ledger}");
    assert_eq!(ledger["other_site_pages"], 2, "{ledger}");
    assert_eq!(
        ledger["other_site_hosts"],
        serde_json::json!([platform_host, elsewhere_host]),
        "{ledger}"
    );
    assert_eq!(
        run["portals"][PORTAL]["excluded"]["other_host_item"], 2,
        "{run}"
    );
    let summary = stderr(&out);
    assert!(
        summary.contains(&format!(
            "found 3 items (2 on other sites, not fetched: {platform_host}, {elsewhere_host}), fetched 1"
        )),
        "{summary}"
    );

    // With item_hosts naming B: its report is the list's item.
    let dir = tempfile::tempdir().expect("scratch dir");
    let written = config(dir.path(), &section, "20ms");
    let text = std::fs::read_to_string(&written).expect("the config just written")
        + &format!("item_hosts = [\"{platform_host}\"]\n");
    let with = write_config(dir.path(), &text);
    let out = run_nianbao(&with, &["backfill", "--years", "2019-2024"]);
    assert!(out.status.success(), "backfill: {}", stderr(&out));
    assert_eq!(
        platform.requests(),
        ["/robots.txt", "/xxgk/2023.html"],
        "the platform is asked its robots.txt first, then the report once"
    );
    assert!(
        elsewhere.requests().is_empty(),
        "the other site was asked: {:?}",
        elsewhere.requests()
    );
    let records = export(&with);
    let report = records
        .iter()
        .find(|r| r["url"] == report_url.as_str())
        .unwrap_or_else(|| panic!("the platform's report is archived: {records:?}"));
    assert_eq!(report["portal"], PORTAL, "{report}");
    let run = newest_run_report(dir.path());
    let ledger = &run["portals"][PORTAL]["lists"]["all"];
    assert_eq!(ledger["found"], 3, "{ledger}");
    assert_eq!(ledger["fetched"], 2, "{ledger}");
    assert_eq!(ledger["other_site_pages"], 1, "{ledger}");
    assert_eq!(
        ledger["other_site_hosts"],
        serde_json::json!([elsewhere_host]),
        "{ledger}"
    );
    assert!(
        stderr(&out).contains(&format!(
            "found 3 items (1 on other sites, not fetched: {elsewhere_host}), fetched 2"
        )),
        "{}",
        stderr(&out)
    );
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
        if let Some(y) = year_in(target, "/nb/", "/index.html") {
            let item = (
                format!("/art/{y}.html"),
                format!("{PORTAL}{y}年政府信息公开工作年度报告"),
            );
            return (200, HTML.into(), year_list(y, &[item]));
        }
        if let Some(y) = year_in(target, "/art/", ".html") {
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

/// The reports of departments that the section's own list gives: (path, list title, body, report
/// year). The titles name no year, are cut short (what was cut may have been 解读, making it no
/// report), or name the year in Traditional characters.
const SECTION_ENTRIES: [(&str, &str, &str, i32); 4] = [
    (
        "/art/jyj-2015.html",
        "某某县教育局政府信息公开工作年度报告",
        "某某县教育局",
        2015,
    ),
    (
        "/art/jyj-2013.html",
        "某某县教育局政府信息公开工作年度报告",
        "某某县教育局",
        2013,
    ),
    (
        "/art/mzj-2013.html",
        "某某县民政局2013年政府信息公开工作年度报告解...",
        "某某县民政局",
        2013,
    ),
    (
        "/art/wjw-2014.html",
        "某某縣衛生健康委員會2014年政府資訊公開工作年度報告",
        "某某县卫生健康委员会",
        2014,
    ),
];

const MENU_YEARS: std::ops::RangeInclusive<i32> = 2012..=2020;

/// A county's report section: a menu of year lists 2012-2020 and, on the section's own page,
/// `SECTION_ENTRIES`. The list of year Y holds the county's report of Y - `lag` (0: the site
/// labels its lists by report year; 1: by year of publication), titled with its year.
fn year_lists_route(lag: i32) -> Route {
    let years: Vec<(i32, String)> = MENU_YEARS
        .rev()
        .map(|y| (y, format!("/nb/{y}/index.html")))
        .collect();
    let menu = menu_links(&years);
    Arc::new(move |target: &str| {
        if target == "/nb/" {
            let entries: Vec<(String, String)> = SECTION_ENTRIES
                .iter()
                .map(|(path, title, ..)| (path.to_string(), title.to_string()))
                .collect();
            let list = entries_html(&entries, "2016-03-01");
            return (
                200,
                HTML.into(),
                page("政府信息公开年报", &format!("{menu}{list}")),
            );
        }
        if let Some(y) = year_in(target, "/nb/", "/index.html").filter(|y| MENU_YEARS.contains(y)) {
            let report = y - lag;
            let entry = (
                format!("/art/{report}.html"),
                format!("{PORTAL}{report}年政府信息公开工作年度报告"),
            );
            let list = entries_html(&[entry], &format!("{}-01-20", report + 1));
            return (
                200,
                HTML.into(),
                page(&format!("{y}年"), &format!("{menu}{list}")),
            );
        }
        if let Some(y) = year_in(target, "/art/", ".html") {
            return (200, HTML.into(), report_page(y));
        }
        match SECTION_ENTRIES.iter().find(|(path, ..)| *path == target) {
            Some((_, _, body, year)) => (200, HTML.into(), body_report_page(body, body, *year)),
            None => (404, HTML.into(), page("404", "404")),
        }
    })
}

/// The list and item pages among `requests`, each once.
fn pages_asked(requests: &[String]) -> BTreeSet<String> {
    let pages: Vec<&String> = requests
        .iter()
        .filter(|t| t.starts_with("/nb/") || t.starts_with("/art/"))
        .collect();
    let once: BTreeSet<String> = pages.iter().map(|t| t.to_string()).collect();
    assert_eq!(once.len(), pages.len(), "a page asked twice: {pages:?}");
    once
}

fn paths(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|p| p.to_string()).collect()
}

/// The paths of the archived documents.
fn archived(config: &std::path::Path) -> BTreeSet<String> {
    export(config)
        .iter()
        .filter_map(|r| r["url"].as_str())
        .filter_map(|u| url::Url::parse(u).ok())
        .map(|u| u.path().to_string())
        .collect()
}

/// A backfill of 2015-2016 of a section with year lists 2012-2020 (labelled by report year)
/// walks the lists 2015 to 2017 only and fetches no entry whose title names another year (the
/// 2017 report in its list, the Traditional 2014 one in the section's), but fetches those whose
/// titles name no year or are cut, and judges them from their pages: it archives exactly the
/// 2015-2016 reports. Coverage calls a year it left out `not_walked`, never `not_found`. A
/// backfill of 2012-2020 then fetches all it left out, and archives all the rest, without asking
/// again for what it has.
#[test]
fn a_year_range_fetches_nothing_its_titles_and_year_lists_put_outside_it() {
    let portal = RouteServer::bind("127.0.0.94");
    portal.serve(year_lists_route(0));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = config(dir.path(), &format!("{}/nb/", portal.base), "20ms");
    let out = run_nianbao(&config, &["backfill", "--years", "2015-2016"]);
    assert!(out.status.success(), "backfill: {}", stderr(&out));

    let first = portal.requests();
    assert_eq!(
        pages_asked(&first),
        paths(&[
            "/nb/",
            "/nb/2015/index.html",
            "/nb/2016/index.html",
            "/nb/2017/index.html",
            "/art/2015.html",
            "/art/2016.html",
            "/art/jyj-2015.html",
            "/art/jyj-2013.html",
            "/art/mzj-2013.html",
        ])
    );
    assert_eq!(
        archived(&config),
        paths(&["/art/2015.html", "/art/2016.html", "/art/jyj-2015.html"])
    );
    let run = newest_run_report(dir.path());
    let lists = &run["portals"][PORTAL]["lists"];
    assert_eq!(lists["all"]["skipped_by_title"], 1, "{lists}");
    assert_eq!(lists["2017"]["skipped_by_title"], 1, "{lists}");
    assert_eq!(
        lists["all"]["years_not_walked"],
        serde_json::json!([2012, 2013, 2014, 2018, 2019, 2020]),
        "{lists}"
    );
    assert_eq!(
        lists["all"]["found"], 4,
        "every entry counts as found: {lists}"
    );
    let summary = stderr(&out);
    assert!(
        summary.contains("(1 titled with other years, not fetched)")
            && summary.contains(
                "year lists outside the range, not walked: 2012, 2013, 2014, 2018, 2019, 2020"
            ),
        "{summary}"
    );
    for year in [2013, 2014, 2017, 2018] {
        let cell = coverage_cell(&config, year);
        assert_eq!(cell["state"], "not_walked", "{year}: {cell}");
    }
    assert_eq!(coverage_cell(&config, 2016)["state"], "captured");

    let out = run_nianbao(&config, &["backfill", "--years", "2012-2020"]);
    assert!(out.status.success(), "backfill: {}", stderr(&out));
    let second = pages_asked(&portal.requests()[first.len()..]);
    let items: BTreeSet<String> = second
        .iter()
        .filter(|t| t.starts_with("/art/"))
        .cloned()
        .collect();
    let mut left_out: Vec<&str> = vec![
        "/art/jyj-2013.html",
        "/art/mzj-2013.html",
        "/art/wjw-2014.html",
    ];
    let years: Vec<String> = [2012, 2013, 2014, 2017, 2018, 2019, 2020]
        .iter()
        .map(|y| format!("/art/{y}.html"))
        .collect();
    left_out.extend(years.iter().map(String::as_str));
    assert_eq!(items, paths(&left_out), "the second backfill's items");
    let mut all: Vec<String> = MENU_YEARS.map(|y| format!("/art/{y}.html")).collect();
    all.extend(SECTION_ENTRIES.iter().map(|(path, ..)| path.to_string()));
    assert_eq!(archived(&config), all.into_iter().collect::<BTreeSet<_>>());
    assert_eq!(coverage_cell(&config, 2014)["state"], "captured");
}

/// A site that files each report under the year it was published: the 2016 report sits in the
/// list of 2017. A backfill of 2016 walks the lists of 2016 and 2017, leaves the 2015 report of
/// the 2016 list unfetched by its title, and archives the 2016 report. The nightly crawl after
/// it still finds the entry the backfill left by its title new, and archives it.
#[test]
fn a_report_filed_under_the_next_year_is_found() {
    let portal = RouteServer::bind("127.0.0.95");
    portal.serve(year_lists_route(1));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = config(dir.path(), &format!("{}/nb/", portal.base), "20ms");
    let out = run_nianbao(&config, &["backfill", "--years", "2016"]);
    assert!(out.status.success(), "backfill: {}", stderr(&out));
    let asked = pages_asked(&portal.requests());
    let of_years: BTreeSet<String> = asked
        .into_iter()
        .filter(|t| {
            year_in(t, "/nb/", "/index.html")
                .or_else(|| year_in(t, "/art/", ".html"))
                .is_some()
        })
        .collect();
    assert_eq!(
        of_years,
        paths(&[
            "/nb/2016/index.html",
            "/nb/2017/index.html",
            "/art/2016.html"
        ])
    );
    assert!(
        archived(&config).contains("/art/2016.html"),
        "{:?}",
        archived(&config)
    );
    assert_eq!(coverage_cell(&config, 2016)["state"], "captured");

    let before = portal.requests().len();
    let out = run_nianbao(&config, &["crawl"]);
    assert!(out.status.success(), "crawl: {}", stderr(&out));
    let crawled = pages_asked(&portal.requests()[before..]);
    assert!(crawled.contains("/art/wjw-2014.html"), "{crawled:?}");
    assert!(
        archived(&config).contains("/art/wjw-2014.html"),
        "{:?}",
        archived(&config)
    );
}

/// A body's report of `year` that links its file at `file`.
fn report_with_file(body: &str, year: i32, file: &str) -> Vec<u8> {
    let title = format!("{body}{year}年政府信息公开工作年度报告");
    page(
        &title,
        &format!(
            "<h1>{title}</h1><div class=\"content\"><p>发布机构：{body}办公室</p><p>一、总体情况</p>\
             <p>{year}年，{body}认真贯彻落实《中华人民共和国政府信息公开条例》。</p>\
             <p>附件：<a href=\"{file}\">{year}年度报告.pdf</a></p></div>"
        ),
    )
}

fn pdf(year: i32) -> (u16, String, Vec<u8>) {
    let body = format!("%PDF-1.4\n{year} report\n%%EOF\n");
    (200, "application/pdf".into(), body.into_bytes())
}

/// The sections of `bodies` (`(prefix, body)`) on one host, each at `/prefix/`: each lists its
/// 2023 report, which links its file at `{files}/prefix/files/2023.pdf` (`files` empty: on this
/// host), and its 2022 report at an old address that redirects to the report.
fn sections_route(bodies: &'static [(&'static str, &'static str)], files: String) -> Route {
    Arc::new(move |target: &str| {
        let (prefix, rest) = target
            .trim_start_matches('/')
            .split_once('/')
            .unwrap_or_default();
        let Some((_, body)) = bodies.iter().find(|(p, _)| *p == prefix) else {
            return (404, HTML.into(), page("404", "404"));
        };
        let title = |year: i32| format!("{body}{year}年政府信息公开工作年度报告");
        match rest {
            "" => {
                let entries = [
                    (format!("/{prefix}/art/2023.html"), title(2023)),
                    (format!("/{prefix}/old/2022.html"), title(2022)),
                ];
                (200, HTML.into(), year_list(2023, &entries))
            }
            "art/2023.html" => {
                let file = format!("{files}/{prefix}/files/2023.pdf");
                (200, HTML.into(), report_with_file(body, 2023, &file))
            }
            "old/2022.html" => redirect(302, &format!("/{prefix}/art/2022.html")),
            "art/2022.html" => (
                200,
                HTML.into(),
                body_report_page(body, &format!("{body}办公室"), 2022),
            ),
            "files/2023.pdf" => pdf(2023),
            _ => (404, HTML.into(), page("404", "404")),
        }
    })
}

/// Each portal's `requests` and each host's in a run report.
fn requests_of(run: &Value) -> (BTreeMap<String, u64>, BTreeMap<String, u64>) {
    let count = |v: &Value| v["requests"].as_u64().expect("requests is a count");
    let portals = run["portals"]
        .as_object()
        .expect("portals")
        .iter()
        .map(|(name, p)| (name.clone(), count(p)))
        .collect();
    let hosts = run["hosts"]
        .as_array()
        .expect("hosts")
        .iter()
        .map(|h| (h["host"].as_str().expect("host").to_string(), count(h)))
        .collect();
    (portals, hosts)
}

const CITY: &str = "某某市人民政府";
const EDUCATION: &str = "某某市教育局";

/// A city government and its education bureau on one host (one server, two sections), each with
/// two reports, one behind a redirect, and one file. Each portal's `requests` are the requests
/// the server saw for its own paths (the redirect hop and the file included), plus robots.txt
/// for the one that asked it: the two add up to what the server saw, once, and to the host's
/// `requests`, where each portal once claimed the whole host's.
#[test]
fn two_portals_on_one_host_each_count_their_own_requests() {
    const BODIES: &[(&str, &str)] = &[("city", CITY), ("edu", EDUCATION)];
    let server = RouteServer::bind("127.0.0.97");
    server.serve(sections_route(BODIES, String::new()));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = portals_config(
        dir.path(),
        &[
            (CITY, format!("{}/city/", server.base)),
            (EDUCATION, format!("{}/edu/", server.base)),
        ],
    );
    let out = run_nianbao(&config, &["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let seen = server.requests();
    let robots = seen.iter().filter(|t| *t == "/robots.txt").count();
    assert_eq!(robots, 1, "robots.txt once: {seen:?}");
    let (portals, hosts) = requests_of(&newest_run_report(dir.path()));
    for (prefix, name) in BODIES {
        let own: Vec<&String> = seen
            .iter()
            .filter(|t| t.starts_with(&format!("/{prefix}/")))
            .collect();
        let expected: BTreeSet<String> = [
            "",
            "art/2023.html",
            "files/2023.pdf",
            "old/2022.html",
            "art/2022.html",
        ]
        .iter()
        .map(|p| format!("/{prefix}/{p}"))
        .collect();
        assert_eq!(
            own.iter().map(|t| t.to_string()).collect::<BTreeSet<_>>(),
            expected,
            "{name}'s pages, its redirect and its file, each once: {seen:?}"
        );
        let counted = portals[*name];
        assert!(
            (own.len() as u64..=own.len() as u64 + 1).contains(&counted),
            "{name}: {counted} requests counted, {} asked for its paths (and robots.txt at most): {seen:?}",
            own.len()
        );
    }
    assert_eq!(
        portals.values().sum::<u64>(),
        seen.len() as u64,
        "the portals' requests add up to the server's: {portals:?}, {seen:?}"
    );
    assert_eq!(
        hosts.values().copied().collect::<Vec<_>>(),
        [seen.len() as u64],
        "one host, every request: {hosts:?}"
    );
}

/// A portal whose report links its file on a file server: the portal's `requests` count the
/// file server's requests (its robots.txt and the file) beside the portal host's, and add up to
/// the two hosts' `requests`, where they once counted the portal's host only.
#[test]
fn a_portal_counts_its_requests_to_a_file_server() {
    const BODIES: &[(&str, &str)] = &[("city", CITY)];
    let portal = RouteServer::bind("127.0.0.98");
    let files = RouteServer::bind("127.0.0.99");
    portal.serve(sections_route(BODIES, files.base.clone()));
    files.serve(Arc::new(|target: &str| match target {
        "/city/files/2023.pdf" => pdf(2023),
        _ => (404, HTML.into(), page("404", "404")),
    }));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = portals_config(dir.path(), &[(CITY, format!("{}/city/", portal.base))]);
    let out = run_nianbao(&config, &["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    assert_eq!(
        files.requests(),
        ["/robots.txt", "/city/files/2023.pdf"],
        "the file server is asked its robots.txt, then the file"
    );
    let seen = portal.requests().len() + files.requests().len();
    let (portals, hosts) = requests_of(&newest_run_report(dir.path()));
    assert_eq!(
        portals[CITY],
        seen as u64,
        "the portal's requests on both hosts: portal {:?}, files {:?}",
        portal.requests(),
        files.requests()
    );
    assert_eq!(hosts.len(), 2, "{hosts:?}");
    assert_eq!(hosts.values().sum::<u64>(), seen as u64, "{hosts:?}");
}

/// Report pages that answer 500 on every attempt, or 404, are not fetched: a backfill whose list
/// shows every page and every stated entry still says the list is incomplete, counts them out of
/// `fetched` and names the failures; the next backfill fetches them and says `ok`.
#[test]
fn a_report_that_failed_leaves_its_list_incomplete() {
    let portal = RouteServer::bind("127.0.0.89");
    let failing = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let fails = failing.clone();
    portal.serve(Arc::new(move |target: &str| {
        if target == "/nb/" {
            let entries: Vec<(String, String)> = (2017..=2019)
                .map(|y| {
                    let title = format!("{PORTAL}{y}年政府信息公开工作年度报告");
                    (format!("/art/{y}.html"), title)
                })
                .collect();
            let list = entries_html(&entries, "2020-01-20");
            let pager = "<div class=\"page\">共3条 共1页 当前第1页</div>";
            return (
                200,
                HTML.into(),
                page("政府信息公开年报", &format!("{list}{pager}")),
            );
        }
        if fails.load(std::sync::atomic::Ordering::SeqCst) {
            match target {
                "/art/2018.html" => {
                    return (500, HTML.into(), page("500", "Internal Server Error"));
                }
                "/art/2017.html" => return (404, HTML.into(), page("404", "404")),
                _ => {}
            }
        }
        match year_in(target, "/art/", ".html") {
            Some(y) => (200, HTML.into(), report_page(y)),
            None => (404, HTML.into(), page("404", "404")),
        }
    }));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = config(dir.path(), &format!("{}/nb/", portal.base), "20ms");
    let out = run_nianbao(&config, &["backfill", "--years", "2017-2019"]);
    let summary = stderr(&out);
    assert!(
        portal.requests().iter().any(|t| t == "/art/2018.html"),
        "{:?}",
        portal.requests()
    );
    let run = newest_run_report(dir.path());
    let ledger = &run["portals"][PORTAL]["lists"]["all"];
    assert_eq!(ledger["found"], 3, "{ledger}");
    assert_eq!(
        ledger["fetched"], 1,
        "the failed reports are not fetched: {ledger}"
    );
    assert!(
        summary.contains(
            "list all: site states 1 pages, 3 items; walked 1 pages, found 3 items, fetched 1 \
             [incomplete: 2 items failed: http_404, http_500]"
        ),
        "{summary}"
    );
    let status = run_nianbao(&config, &["status"]);
    assert!(
        String::from_utf8_lossy(&status.stdout)
            .contains("[incomplete: 2 items failed: http_404, http_500]"),
        "{}",
        String::from_utf8_lossy(&status.stdout)
    );

    // The coverage report does not take the walk for proof that 2018 has no report.
    assert_ne!(coverage_cell(&config, 2018)["state"], "not_found");

    failing.store(false, std::sync::atomic::Ordering::SeqCst);
    let out = run_nianbao(&config, &["backfill", "--years", "2017-2019"]);
    assert!(out.status.success(), "backfill: {}", stderr(&out));
    assert!(
        stderr(&out).contains("found 3 items, fetched 2 [ok]"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        archived(&config),
        paths(&["/art/2017.html", "/art/2018.html", "/art/2019.html"])
    );
}

/// An entry the failure policy calls gone (one 404 is enough with `gone_after_not_found = 1`)
/// is not asked by a backfill: the list is not complete, and its ledger says so until
/// `nianbao failures --retry-all-gone` puts the entry back and a backfill fetches it.
#[test]
fn a_gone_entry_leaves_a_backfill_incomplete() {
    let portal = RouteServer::bind("127.0.0.90");
    let failing = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let fails = failing.clone();
    portal.serve(Arc::new(move |target: &str| {
        if target == "/nb/" {
            let entries: Vec<(String, String)> = (2018..=2019)
                .map(|y| {
                    let title = format!("{PORTAL}{y}年政府信息公开工作年度报告");
                    (format!("/art/{y}.html"), title)
                })
                .collect();
            let list = entries_html(&entries, "2020-01-20");
            let pager = "<div class=\"page\">共2条 共1页 当前第1页</div>";
            return (
                200,
                HTML.into(),
                page("政府信息公开年报", &format!("{list}{pager}")),
            );
        }
        if target == "/art/2018.html" && fails.load(std::sync::atomic::Ordering::SeqCst) {
            return (404, HTML.into(), page("404", "404"));
        }
        match year_in(target, "/art/", ".html") {
            Some(y) => (200, HTML.into(), report_page(y)),
            None => (404, HTML.into(), page("404", "404")),
        }
    }));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = config(dir.path(), &format!("{}/nb/", portal.base), "20ms");
    let text = std::fs::read_to_string(&config).expect("config written");
    let text = text.replace(
        "[[portal]]",
        "[crawl]\ngone_after_not_found = 1\n[[portal]]",
    );
    std::fs::write(&config, text).expect("config rewritten");
    let asked = |requests: &[String]| requests.iter().filter(|t| *t == "/art/2018.html").count();

    let out = run_nianbao(&config, &["backfill", "--years", "2018-2019"]);
    assert!(
        stderr(&out).contains("[incomplete: 1 item failed: http_404]"),
        "{}",
        stderr(&out)
    );
    let before = portal.requests().len();
    let out = run_nianbao(&config, &["backfill", "--years", "2018-2019"]);
    assert_eq!(
        asked(&portal.requests()[before..]),
        0,
        "a gone entry is not asked"
    );
    assert!(
        stderr(&out).contains("found 2 items, fetched 0 [incomplete: 1 item gone, not asked]"),
        "{}",
        stderr(&out)
    );
    let ledger = &newest_run_report(dir.path())["portals"][PORTAL]["lists"]["all"];
    assert_eq!(ledger["gone_items"], 1, "{ledger}");

    failing.store(false, std::sync::atomic::Ordering::SeqCst);
    let out = run_nianbao(&config, &["failures", "--retry-all-gone"]);
    assert!(out.status.success(), "failures: {}", stderr(&out));
    let out = run_nianbao(&config, &["backfill", "--years", "2018-2019"]);
    assert!(
        stderr(&out).contains("found 2 items, fetched 1 [ok]"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        archived(&config),
        paths(&["/art/2018.html", "/art/2019.html"])
    );
}
