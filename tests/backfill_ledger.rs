//! What a backfill's ledger and the coverage report claim when the section reaches beyond its
//! host: a year list the section's menu puts on another site is not walked and says so, one on
//! another host of the section's site is walked at the portal's own gap, a report the list gives
//! as a file on a file server is fetched, and a report page on another host is fetched when the
//! portal's `item_hosts` names that host and is named in the ledger when not. Stops and failures
//! are in `backfill_ledger_stops.rs`, year ranges in `backfill_ledger_years.rs`, request counts in
//! `backfill_ledger_requests.rs`.

mod backfill_ledger_support;
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use backfill_ledger_support::*;
use common::route_server::{RouteServer, newest_run_report, run_nianbao, write_config};
use common::stderr;

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
