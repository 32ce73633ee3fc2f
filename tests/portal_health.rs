//! Portal health (issue 13): a second run against portals that changed since the first reports
//! `health` events in the run report, the printed summary and `nianbao report`: a section URL
//! that now redirects elsewhere, a section page redesigned so that it lists nothing, a new
//! anti-bot challenge. Portals that did not change report none. A file server that stops
//! answering while the section still walks is `files_unreachable`. A night the section cannot
//! be walked neither ends nor renews an event.

mod common;
mod portal_health_support;

use std::sync::Arc;
use std::time::Duration;

use common::route_server::{
    RouteServer, newest_run_report, portals_config, report_page, run_nianbao,
};
use common::{Harness, stderr};
use nianbao_sim::{FaultKind, FaultTarget, PathFault, SiteSpec};
use portal_health_support::{
    CITY, COUNTY, HTML, TOWN, TwoFileHosts, event_of, health, kinds_in, kinds_of, newest, numbered,
    numbered_list,
};
use serde_json::Value;

const CHALLENGE: &str = "<html><head><meta content=\"Xk2.abcdefghij\" r=\"m\">\
<script type=\"text/javascript\" r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=12345;$_ts.cd=\"qwerty\";</script>\
<script type=\"text/javascript\" src=\"/tQrlMwxgEtCS/abc.294cc83.js\" r='m'></script></head><body></body></html>";

const REDESIGNED: &str = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>台上镇人民政府</title></head>\
<body><div class=\"main\"><h1>新版网站</h1><p>本站已全新改版，请从首页进入各栏目浏览政府信息公开内容。</p></div></body></html>";

#[test]
fn a_second_run_reports_what_changed_on_each_portal() {
    let sites = ["trs", "nometa", "big5", "gbk"]
        .iter()
        .map(|n| SiteSpec::standard_named(n).expect("standard site"))
        .collect();
    let h = Harness::with_sites(sites, Duration::from_millis(50));
    let first = h.run(&["crawl"]);
    assert_eq!(first.status.code(), Some(0), "crawl: {}", stderr(&first));
    for (portal, kinds) in health(&h) {
        assert!(kinds.is_empty(), "{portal}: {kinds:?} on a first run");
    }

    let trs = h.sim.site("trs");
    trs.add_path_fault(PathFault {
        target: FaultTarget::Exact(trs.section_url().path().to_string()),
        kind: FaultKind::Redirect {
            status: 302,
            location: "/portal/gkml/index.html".into(),
        },
    });
    let nometa = h.sim.site("nometa");
    nometa.add_path_fault(PathFault {
        target: FaultTarget::Exact(nometa.section_url().path().to_string()),
        kind: FaultKind::Body {
            status: 200,
            content_type: "text/html; charset=utf-8".into(),
            body: REDESIGNED.as_bytes().to_vec(),
        },
    });
    h.sim.site("big5").add_path_fault(PathFault {
        target: FaultTarget::AllButRobots,
        kind: FaultKind::Body {
            status: 412,
            content_type: "text/html".into(),
            body: CHALLENGE.as_bytes().to_vec(),
        },
    });
    let second = h.run(&["crawl"]);
    let summary = stderr(&second);
    let events = health(&h);
    let second_run = newest(&h)["run_id"].as_str().expect("run_id").to_string();
    let names: Vec<(String, String)> = h
        .sim
        .sites()
        .iter()
        .map(|s| (s.name().to_string(), s.portal_name().to_string()))
        .collect();
    let portal = |short: &str| {
        names
            .iter()
            .find(|(n, _)| n == short)
            .map(|(_, p)| p.clone())
            .expect("site")
    };

    assert!(
        kinds_of(&events, &portal("trs")).contains(&"redirected".to_string()),
        "{events:?}\n{summary}"
    );
    assert!(
        kinds_of(&events, &portal("nometa")).contains(&"structure_changed".to_string()),
        "{events:?}\n{summary}"
    );
    assert!(
        kinds_of(&events, &portal("big5")).contains(&"new_challenge".to_string()),
        "{events:?}\n{summary}"
    );
    assert!(
        kinds_of(&events, &portal("gbk")).is_empty(),
        "an unchanged portal: {events:?}"
    );
    for kind in ["redirected", "structure_changed", "new_challenge"] {
        assert!(
            summary.contains(&format!("HEALTH {kind}")),
            "the summary names {kind}:\n{summary}"
        );
    }

    // The coverage data carries them per portal.
    let out = h.run(&["report", "--format", "json"]);
    assert!(out.status.success(), "report: {}", stderr(&out));
    let coverage: Value = serde_json::from_slice(&out.stdout).expect("coverage JSON");
    let health_of = |name: &str| -> String {
        coverage["portals"]
            .as_array()
            .expect("portals")
            .iter()
            .find(|p| p["portal"] == name)
            .map(|p| p["health"].to_string())
            .expect("portal in the coverage data")
    };
    assert!(health_of(&portal("trs")).contains("redirected"));
    assert!(health_of(&portal("big5")).contains("new_challenge"));
    assert_eq!(health_of(&portal("gbk")), "[]");

    // A dry run between neither ends nor renews an event; a third run that finds the section
    // still redesigned and still challenged raises both again, since the second run; the
    // redirect was one night's news.
    let dry = h.run(&["crawl", "--dry-run"]);
    assert!(
        matches!(dry.status.code(), Some(0 | 1)),
        "dry run: {}",
        stderr(&dry)
    );
    let third = h.run(&["crawl"]);
    let summary = stderr(&third);
    let run = newest(&h);
    let events = health(&h);
    for (site, kind) in [("nometa", "structure_changed"), ("big5", "new_challenge")] {
        let event = event_of(&run, &portal(site), kind);
        assert_eq!(
            event["since"],
            second_run.as_str(),
            "{site}: {event}\n{summary}"
        );
    }
    // The redirect was one night's news; its section stays unreachable (its new address
    // answers 404), which is carried as any event that lasts.
    assert!(
        !kinds_of(&events, &portal("trs")).contains(&"redirected".to_string()),
        "{events:?}"
    );
    assert!(kinds_of(&events, &portal("gbk")).is_empty(), "{events:?}");
    let since = format!("(since the run {second_run})");
    assert!(
        summary.contains("HEALTH structure_changed") && summary.contains(&since),
        "the summary says since when:\n{summary}"
    );
    let out = h.run(&["report", "--format", "json"]);
    assert!(out.status.success(), "report: {}", stderr(&out));
    let coverage: Value = serde_json::from_slice(&out.stdout).expect("coverage JSON");
    let shown = coverage["portals"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["portal"] == portal("nometa").as_str()))
        .map(|p| p["health"].to_string())
        .unwrap_or_default();
    assert!(shown.contains(&since), "{shown}");

    // The old template back: the event ends.
    h.sim.site("nometa").clear_path_faults();
    let fourth = h.run(&["crawl"]);
    let events = health(&h);
    assert!(
        kinds_of(&events, &portal("nometa")).is_empty(),
        "{events:?}\n{}",
        stderr(&fourth)
    );
}

/// The county's file server answers on the first night, fails one file of four on the second
/// (no event: it answered the others) and answers 503 to all on the third: `files_unreachable`
/// names it with its count, kinds and an example, in the run report, the summary and the
/// coverage data, and the crawl still exits 0. The town's file server never answered: its
/// failures are counted each night, and no event is raised (nothing says it ever served).
#[test]
fn a_file_server_that_stops_answering_is_a_health_event() {
    let site = TwoFileHosts::new();
    let (files, dead) = (
        TwoFileHosts::host(&site.files.base),
        TwoFileHosts::host(&site.dead),
    );

    let (first, _) = site.night(1, 0);
    assert_eq!(site.pdf_requests(), 4, "{:?}", site.files.requests());
    assert_eq!(
        first["portals"][COUNTY]["file_hosts"][&files]["answered"], 4,
        "{first}"
    );
    let reports = TwoFileHosts::host(&site.reports.base);
    let city = &first["portals"][CITY]["report_hosts"][&reports];
    assert_eq!(city["answered"], 3, "{}", first["portals"][CITY]);

    let (second, summary) = site.night(2, 1);
    let county = &second["portals"][COUNTY]["file_hosts"][&files];
    assert_eq!(county["answered"], 3, "{county}");
    assert!(county["failed"].as_u64() >= Some(1), "{county}");
    assert!(
        kinds_in(&second, COUNTY).is_empty(),
        "one file of four: {summary}"
    );
    let town = &second["portals"][TOWN]["file_hosts"][&dead];
    assert_eq!(town["answered"], 0, "{}", second["portals"][TOWN]);
    // Nothing listens there, so its robots.txt cannot be read either: counted as failed.
    assert!(town["failed"].as_u64() >= Some(3), "{town}");
    assert!(town["kinds"].get("robots_unavailable").is_some(), "{town}");
    assert!(
        kinds_in(&second, TOWN).is_empty(),
        "never answered: {summary}"
    );

    let before = site.pdf_requests();
    let (third, summary) = site.night(3, 2);
    // Four reports, each file asked at most twice (`max_retries = 1`).
    let asked = site.pdf_requests() - before;
    assert!(
        (1..=8).contains(&asked),
        "{asked} requests for the county's PDFs"
    );
    assert_eq!(
        kinds_in(&third, COUNTY),
        ["\"files_unreachable\""],
        "{summary}"
    );
    assert!(
        kinds_in(&third, TOWN).is_empty(),
        "never answered: {summary}"
    );
    // The city's section walked; its reports' host answered 503 to each of its three pages.
    assert_eq!(
        kinds_in(&third, CITY),
        ["\"reports_unreachable\""],
        "{summary}"
    );
    assert!(
        summary.contains(&format!(
            "HEALTH reports_unreachable: reports' host {reports}: all 3"
        )),
        "{summary}"
    );
    let detail = third["portals"][COUNTY]["health"][0]["detail"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    for part in [files.as_str(), "http_503", "/f/", "(last run: 3 answered)"] {
        assert!(detail.contains(part), "{part} in {detail}");
    }
    assert!(
        summary.contains(&format!("HEALTH files_unreachable: file server {files}")),
        "{summary}"
    );

    let out = run_nianbao(&site.config, &["report", "--format", "json"]);
    assert!(out.status.success(), "report: {}", stderr(&out));
    let coverage: Value = serde_json::from_slice(&out.stdout).expect("coverage JSON");
    let county = coverage["portals"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["portal"] == COUNTY))
        .map(|p| p["health"].to_string())
        .unwrap_or_default();
    assert!(county.contains("files_unreachable"), "{county}");

    // A dry run between neither ends nor renews them; a fourth night with both servers still
    // down raises both again, since the third night's run.
    let dry = run_nianbao(&site.config, &["crawl", "--dry-run"]);
    assert_eq!(dry.status.code(), Some(0), "dry run: {}", stderr(&dry));
    let third_run = third["run_id"].as_str().expect("run_id").to_string();
    let (fourth, summary) = site.night(4, 2);
    for (portal, kind, host) in [
        (COUNTY, "files_unreachable", &files),
        (CITY, "reports_unreachable", &reports),
    ] {
        let event = &fourth["portals"][portal]["health"][0];
        assert_eq!(event["kind"], kind, "{portal}: {summary}");
        assert_eq!(event["host"], host.as_str(), "{event}");
        assert_eq!(event["since"], third_run.as_str(), "{event}");
        let detail = event["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains(&format!("since the run {third_run}")),
            "{detail}"
        );
    }
    assert!(
        kinds_in(&fourth, TOWN).is_empty(),
        "never answered: {summary}"
    );
    assert!(
        summary.contains(&format!("HEALTH files_unreachable: file server {files}"))
            && summary.contains(&format!("(since the run {third_run})")),
        "{summary}"
    );

    // Both answer again on the fifth night: the events end.
    let (fifth, summary) = site.night(5, 0);
    assert!(kinds_in(&fifth, COUNTY).is_empty(), "{summary}");
    assert!(kinds_in(&fifth, CITY).is_empty(), "{summary}");
}

/// A file server's robots.txt that fails for a reason of its own (a redirect loop, a redirect
/// to a host that is down) disallows its files as any unreadable robots.txt does, but says
/// nothing of the server: no failure is counted against it in `file_hosts`. One whose server
/// answers 503 is the server's failure, counted `robots_unavailable`.
#[test]
fn a_robots_txt_that_is_not_the_servers_fault_is_not_counted_against_it() {
    let portal = RouteServer::bind("127.0.0.211");
    let looping = RouteServer::bind("127.0.0.212");
    let moved = RouteServer::bind("127.0.0.213");
    let failing = RouteServer::bind("127.0.0.215");
    let dead = {
        let listener = std::net::TcpListener::bind("127.0.0.214:0")
            .or_else(|_| std::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind loopback");
        format!("http://{}", listener.local_addr().expect("address"))
    };
    let servers = [
        ("/a/", looping.base.clone()),
        ("/b/", moved.base.clone()),
        ("/c/", failing.base.clone()),
    ];
    portal.serve(Arc::new(move |target: &str| {
        for (section, files) in &servers {
            let prefix = section.trim_matches('/');
            if target == *section {
                return (200, HTML.into(), numbered_list("", prefix, 3));
            }
            if let Some(i) = numbered(target, &format!("/{prefix}/"), ".html") {
                let pdf = format!("{files}/f/{i}.pdf");
                return (200, HTML.into(), report_page(2007 + i as u32, &pdf));
            }
        }
        (404, HTML.into(), b"<html><body>404</body></html>".to_vec())
    }));
    let pdf = || (200, "application/pdf".into(), b"%PDF-1.4\n%%EOF\n".to_vec());
    looping.serve(Arc::new(move |target: &str| match target {
        "/robots.txt" => common::route_server::redirect(302, "/robots.txt"),
        _ => pdf(),
    }));
    let to_dead = format!("{dead}/robots.txt");
    moved.serve(Arc::new(move |target: &str| match target {
        "/robots.txt" => common::route_server::redirect(302, &to_dead),
        _ => pdf(),
    }));
    failing.serve(Arc::new(move |target: &str| match target {
        "/robots.txt" => (503, HTML.into(), b"<html><body>503</body></html>".to_vec()),
        _ => pdf(),
    }));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = portals_config(
        dir.path(),
        &[
            (COUNTY, format!("{}/a/", portal.base)),
            (TOWN, format!("{}/b/", portal.base)),
            (CITY, format!("{}/c/", portal.base)),
        ],
    );
    let out = run_nianbao(&config, &["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let run = newest_run_report(dir.path());

    // robots.txt semantics are kept: no file was asked of any of the three servers.
    for server in [&looping, &moved, &failing] {
        let asked = server.requests();
        assert!(asked.iter().all(|t| t == "/robots.txt"), "{asked:?}");
        assert!(!asked.is_empty(), "robots.txt asked");
    }
    for (portal, server) in [(COUNTY, &looping), (TOWN, &moved)] {
        let counted = &run["portals"][portal]["file_hosts"][TwoFileHosts::host(&server.base)];
        assert!(
            counted["failed"].as_u64().unwrap_or(0) == 0,
            "{portal}: {}",
            run["portals"][portal]
        );
    }
    let city = &run["portals"][CITY]["file_hosts"][TwoFileHosts::host(&failing.base)];
    assert_eq!(city["failed"], 3, "{}", run["portals"][CITY]);
    assert_eq!(city["kinds"]["robots_unavailable"], 3, "{city}");
}

/// A night the section cannot be walked neither ends nor renews a lasting event: a portal
/// redesigned on night 2, unreachable on night 3 (its section answers 503) and still redesigned
/// on night 4 raises `structure_changed` again, since night 2. A second portal, first redesigned
/// on night 4, is compared with night 2, the last night that read its lists.
#[test]
fn a_night_the_section_cannot_be_walked_ends_no_event() {
    let nometa = || SiteSpec::standard_named("nometa").expect("standard site");
    let sites = vec![
        nometa(),
        nometa().renamed("nometa-copy", "另一个镇人民政府"),
    ];
    let h = Harness::with_sites(sites, Duration::from_millis(50));
    let portal = |short: &str| h.sim.site(short).portal_name().to_string();
    let serve = |short: &str, status: u16, body: &str| {
        let site = h.sim.site(short);
        site.clear_path_faults();
        site.add_path_fault(PathFault {
            target: FaultTarget::Exact(site.section_url().path().to_string()),
            kind: FaultKind::Body {
                status,
                content_type: "text/html; charset=utf-8".into(),
                body: body.as_bytes().to_vec(),
            },
        });
    };
    let night = |n: usize| -> (Value, String) {
        let out = h.run(&["crawl"]);
        let summary = stderr(&out);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "night {n}: {summary}"
        );
        (newest(&h), summary)
    };
    let (first, _) = night(1);
    assert!(kinds_in(&first, &portal("nometa")).is_empty(), "{first}");
    serve("nometa", 200, REDESIGNED);
    let (second, summary) = night(2);
    let second_run = second["run_id"].as_str().expect("run_id").to_string();
    assert_eq!(
        kinds_in(&second, &portal("nometa")),
        ["\"structure_changed\""],
        "{summary}"
    );

    let section = |short: &str| {
        let path = h.sim.site(short).section_url().path().to_string();
        h.sim
            .site(short)
            .requests()
            .iter()
            .filter(|r| r.target == path)
            .count()
    };
    let before = section("nometa");
    for short in ["nometa", "nometa-copy"] {
        serve(short, 503, "<html><body>503</body></html>");
    }
    let (third, summary) = night(3);
    let asked = section("nometa") - before;
    // Its first request and the retries the config allows (`max_retries = 3`), no more.
    assert!(asked <= 4, "the section asked {asked} times: {summary}");
    for short in ["nometa", "nometa-copy"] {
        let name = portal(short);
        assert_eq!(kinds_in(&third, &name), ["\"unreachable\""], "{summary}");
        let detail = event_of(&third, &name, "unreachable")["detail"].to_string();
        assert!(detail.contains("http_503"), "{detail}");
    }
    assert!(
        summary
            .lines()
            .any(|l| l.contains("HEALTH unreachable") && l.contains("http_503")),
        "{summary}"
    );

    for short in ["nometa", "nometa-copy"] {
        serve(short, 200, REDESIGNED);
    }
    let (fourth, summary) = night(4);
    let still = event_of(&fourth, &portal("nometa"), "structure_changed");
    assert_eq!(still["since"], second_run.as_str(), "{still}\n{summary}");
    let first_look = event_of(&fourth, &portal("nometa-copy"), "structure_changed");
    assert_eq!(first_look["since"], Value::Null, "{first_look}\n{summary}");
    let detail = first_look["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains(&format!(
            "the run {second_run}, the last that walked the section"
        )),
        "{detail}"
    );
}
