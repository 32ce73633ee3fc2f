//! Portal health (issue 13): a second run against portals that changed since the first reports
//! `health` events in the run report, the printed summary and `nianbao report`: a section URL
//! that now redirects elsewhere, a section page redesigned so that it lists nothing, a new
//! anti-bot challenge. Portals that did not change report none.

mod common;

use std::time::Duration;

use common::{Harness, stderr};
use nianbao_sim::{FaultKind, FaultTarget, PathFault, SiteSpec};
use serde_json::Value;

const CHALLENGE: &str = "<html><head><meta content=\"Xk2.abcdefghij\" r=\"m\">\
<script type=\"text/javascript\" r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=12345;$_ts.cd=\"qwerty\";</script>\
<script type=\"text/javascript\" src=\"/tQrlMwxgEtCS/abc.294cc83.js\" r='m'></script></head><body></body></html>";

const REDESIGNED: &str = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>台上镇人民政府</title></head>\
<body><div class=\"main\"><h1>新版网站</h1><p>本站已全新改版，请从首页进入各栏目浏览政府信息公开内容。</p></div></body></html>";

/// The health event kinds of each portal in the newest run report.
fn health(h: &Harness) -> Vec<(String, Vec<String>)> {
    let mut runs: Vec<_> = std::fs::read_dir(h.data_dir().join("runs"))
        .expect("runs/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    runs.sort();
    let newest: Value =
        serde_json::from_slice(&std::fs::read(runs.last().expect("a run report")).expect("read"))
            .expect("run report JSON");
    newest["portals"]
        .as_object()
        .expect("portals")
        .iter()
        .map(|(name, p)| {
            let kinds = p["health"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|e| e["kind"].as_str().expect("kind").to_string())
                        .collect()
                })
                .unwrap_or_default();
            (name.clone(), kinds)
        })
        .collect()
}

fn kinds_of<'a>(all: &'a [(String, Vec<String>)], portal: &str) -> &'a [String] {
    &all.iter()
        .find(|(n, _)| n == portal)
        .unwrap_or_else(|| panic!("no portal {portal} in the run report"))
        .1
}

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
}
