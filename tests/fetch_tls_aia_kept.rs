//! HTTPS chains sent without their intermediate certificate, through the intermediates kept in
//! data_dir: `find-section` uses them, the 64 newest are learned, a crawl archives a portal whose
//! chain lacks its intermediate, and goes on when the kept intermediates' path is a file.

mod common;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use common::route_server::{RouteServer, newest_run_report, run_nianbao};
use common::tls_fetch::{
    aia_server, config_trusting, fetch, fetcher, ip, page_server, port, runtime,
};
use common::tls_server::TestCa;
use nianbao::fetch::FetchOutcome;

/// A county portal whose server sends its chain without the intermediate, and the server of
/// the address its certificate names, where the intermediate is.
struct Lacking {
    ca: TestCa,
    intermediate: TestCa,
    aia: RouteServer,
    address: String,
    portal: RouteServer,
}

impl Lacking {
    fn serve(portal_ip: &str, aia_ip: &str) -> Lacking {
        let ca = TestCa::new("nianbao test root");
        let intermediate = ca.intermediate("nianbao test intermediate");
        let aia = aia_server(aia_ip, 200, "application/pkix-cert", intermediate.der());
        let address = format!("{}/sub.cer", aia.base);
        let portal = RouteServer::bind_tls(
            portal_ip,
            &intermediate.issue_with_aia(&[portal_ip], &[&address]),
        );
        portal.serve(Arc::new(common::tls_fetch::county_route));
        Lacking {
            ca,
            intermediate,
            aia,
            address,
            portal,
        }
    }
}

/// `find-section` with a config learns the intermediates kept in its data_dir: a portal whose
/// chain lacks its intermediate is walked verified, its AIA address asked nothing.
#[test]
fn find_section_uses_the_kept_intermediates() {
    let (portal_ip, aia_ip) = ("127.0.0.171", "127.0.0.172");
    let Lacking {
        ca,
        intermediate,
        aia,
        portal,
        ..
    } = Lacking::serve(portal_ip, aia_ip);
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = config_trusting(dir.path(), &ca, "");
    let kept = dir.path().join("data").join("tls").join("intermediates");
    std::fs::create_dir_all(&kept).expect("the kept directory");
    std::fs::write(kept.join("sub.der"), intermediate.der()).expect("keep the intermediate");
    let start = format!("{}/xxgk/list.html", portal.base);
    let out = run_nianbao(&config, &["find-section", &start, "--format", "json"]);
    let finding: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("JSON ({e}): {}", common::stderr(&out)));
    assert_eq!(finding["failures"], serde_json::json!([]), "{finding}");
    assert!(finding["requests"].as_u64() >= Some(1), "{finding}");
    assert!(portal.connections() >= 1);
    assert_eq!(
        aia.requests(),
        Vec::<String>::new(),
        "learned from data_dir"
    );
}

/// At most 64 kept intermediates are learned at start, the most recently kept: behind 64 newer
/// ones, the one a host needs is not learned and its address is asked; kept again by that
/// fetch, it is the newest, and the next fetcher learns it and asks the address nothing.
#[test]
fn the_64_newest_kept_intermediates_are_learned() {
    let ca = TestCa::new("nianbao test root");
    let intermediate = ca.intermediate("nianbao test intermediate");
    let (name, page_ip, aia_ip) = ("kept.county.gov.cn", "127.0.0.181", "127.0.0.182");
    let aia = aia_server(aia_ip, 200, "application/pkix-cert", intermediate.der());
    let address = format!("{}/sub.cer", aia.base);
    let page = page_server(page_ip, &intermediate.issue_with_aia(&[name], &[&address]));
    let dir = tempfile::tempdir().expect("scratch dir");
    let kept = dir.path().join("tls").join("intermediates");
    std::fs::create_dir_all(&kept).expect("the kept directory");
    let now = SystemTime::now();
    let keep = |file: &str, der: &[u8], days_ago: u64| {
        let path = kept.join(file);
        std::fs::write(&path, der).expect("keep a certificate");
        std::fs::File::options()
            .write(true)
            .open(&path)
            .and_then(|f| f.set_modified(now - Duration::from_secs(days_ago * 86_400)))
            .expect("date the file");
    };
    // The one needed is the oldest, and the first by name.
    keep("00-needed.der", &intermediate.der(), 100);
    for i in 0..64 {
        let other = TestCa::new(&format!("another CA {i}"));
        keep(&format!("{i:02}-other.der"), &other.der(), i);
    }
    let names: Vec<(&str, IpAddr)> = vec![(name, ip(page_ip))];
    let runtime = runtime();
    for (run, asked) in [("first", 1), ("second", 1)] {
        let fetcher = fetcher(&names, &ca, dir.path());
        fetcher.keep_intermediates(&kept);
        let url = format!("https://{name}:{}/{run}.html", port(&page));
        let (outcome, _) = fetch(&runtime, &fetcher, &url);
        assert!(
            matches!(&outcome, FetchOutcome::Fetched(c) if !c.tls_unverified),
            "{run}: {}",
            outcome.describe()
        );
        assert_eq!(aia.requests().len(), asked, "{run} fetcher");
    }
}

/// A crawl of a portal whose server sends its chain without the intermediate archives its
/// report verified, and its run report and summary name the address the intermediate came
/// from; the next run learns it from data_dir and asks the address nothing.
#[test]
fn a_crawl_archives_a_portal_whose_chain_lacks_its_intermediate() {
    let (portal_ip, aia_ip) = ("127.0.0.151", "127.0.0.152");
    let Lacking {
        ca,
        aia,
        address,
        portal,
        ..
    } = Lacking::serve(portal_ip, aia_ip);
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = config_trusting(
        dir.path(),
        &ca,
        &format!(
            "[[portal]]\nname = \"丙县人民政府\"\nurl = \"{}/xxgk/list.html\"\n",
            portal.base
        ),
    );
    let out = run_nianbao(&config, &["crawl"]);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        common::stderr(&out)
    );
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains(&format!(
            "host {portal_ip}: intermediate fetched: {address}"
        )),
        "{said}"
    );
    let records = common::route_server::exported(&config);
    assert!(!records.is_empty(), "{said}");
    for record in &records {
        assert!(record.get("tls_unverified").is_none(), "{record}");
    }
    let report = newest_run_report(dir.path());
    let host = report["hosts"]
        .as_array()
        .and_then(|hosts| hosts.iter().find(|h| h["host"] == portal_ip))
        .cloned()
        .unwrap_or_else(|| panic!("{portal_ip} in {report}"));
    assert_eq!(host["intermediate_fetched"], address.as_str(), "{host}");
    assert!(host.get("tls_failure").is_none(), "{host}");
    assert_eq!(aia.requests().len(), 1);
    let connections = portal.connections();
    let again = run_nianbao(&config, &["crawl"]);
    assert!(
        portal.connections() > connections,
        "the next run asks the portal"
    );
    assert!(again.status.success(), "{}", common::stderr(&again));
    assert_eq!(
        aia.requests().len(),
        1,
        "the next run learns it from data_dir"
    );
    // `inspect` with the config learns it from there too.
    let page = run_nianbao(
        &config,
        &["inspect", &format!("{}/art/1.html", portal.base)],
    );
    assert!(page.status.success(), "{}", common::stderr(&page));
    assert_eq!(aia.requests().len(), 1, "inspect learns it from data_dir");
}

/// Kept intermediates are a cache: with `data_dir/tls/intermediates` a regular file, the crawl
/// goes on as if there were none kept. It fetches the intermediate, archives the report
/// verified, says once (at start, not per host or certificate) that the path cannot be used,
/// and leaves the file as it was.
#[test]
fn a_crawl_goes_on_when_the_kept_intermediates_path_is_a_file() {
    let (portal_ip, aia_ip) = ("127.0.0.153", "127.0.0.154");
    let Lacking {
        ca, aia, portal, ..
    } = Lacking::serve(portal_ip, aia_ip);
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = config_trusting(
        dir.path(),
        &ca,
        &format!(
            "[[portal]]\nname = \"丁县人民政府\"\nurl = \"{}/xxgk/list.html\"\n",
            portal.base
        ),
    );
    let tls = dir.path().join("data").join("tls");
    std::fs::create_dir_all(&tls).expect("make data/tls");
    let kept = tls.join("intermediates");
    std::fs::write(&kept, b"not a folder").expect("write the file");
    let out = run_nianbao(&config, &["crawl"]);
    let stderr = common::stderr(&out);
    assert!(out.status.success(), "{stderr}");
    let records = common::route_server::exported(&config);
    assert!(!records.is_empty(), "{stderr}");
    for record in &records {
        assert!(record.get("tls_unverified").is_none(), "{record}");
    }
    assert_eq!(aia.requests().len(), 1, "{stderr}");
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains(&kept.display().to_string()))
        .collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert!(
        warnings[0].contains("WARN") && warnings[0].contains("kept intermediates not used"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&kept).expect("the file"), b"not a folder");
}
