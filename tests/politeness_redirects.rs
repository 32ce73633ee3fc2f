//! Redirects as the servers saw them: nianbao follows each hop itself, through the host gate (so
//! hops are spaced like any request); it never follows a list or item page to another host or to
//! a scheme other than http/https, and it gives up after `max_redirects` (10) hops. A Location
//! with a user name and password is asked for without them: no request carries credentials. A
//! 304 to a request without validators is no redirect and no "unchanged": it is a failure.

mod common;
mod politeness_support;

use std::time::Duration;

use common::{Harness, stderr};
use nianbao_sim::FaultKind;
use politeness_support::*;

/// nometa's first item redirects twice before it answers.
fn crawl_two_hops(broken_gate: bool) -> (Harness, std::process::Output, [String; 3]) {
    let h = Harness::with_sites(vec![site("nometa")], INTERVAL);
    let s = h.sim.site("nometa");
    let item = doc_paths(s).first().expect("documents").clone();
    let hop1 = format!("{item}?hop=1");
    let hop2 = format!("{item}?hop=2");
    s.add_path_fault(at(&item, redirect(&hop1)));
    // The second hop is absolute, the way many servers send it.
    s.add_path_fault(at(&hop1, redirect(s.url(&hop2).as_str())));
    let out = crawl(&h, broken_gate);
    (h, out, [item, hop1, hop2])
}

#[test]
fn spacing_checks_fail_on_a_broken_gate() {
    let (h, _, _) = crawl_two_hops(true);
    assert_spacing_broken(h.sim.site("nometa"), INTERVAL);
}

#[test]
fn same_host_redirects_are_followed_hop_by_hop_through_the_gate() {
    let (h, out, [item, hop1, hop2]) = crawl_two_hops(false);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", stderr(&out));
    let s = h.sim.site("nometa");
    let requests = s.requests();
    let start = requests
        .iter()
        .position(|r| r.target == item)
        .expect("the item was requested");
    let chain: Vec<(&str, u16)> = requests[start..start + 3]
        .iter()
        .map(|r| (r.target.as_str(), r.status))
        .collect();
    assert_eq!(
        chain,
        vec![
            (item.as_str(), 302),
            (hop1.as_str(), 302),
            (hop2.as_str(), 200)
        ]
    );
    for pair in requests[start..start + 3].windows(2) {
        let gap = pair[1].at.duration_since(pair[0].at);
        assert!(gap + SLACK >= INTERVAL, "hop after only {gap:?}");
    }
    assert_eq!(archived_of(&h.export(), s), s.truth().len());
    assert_spaced(s, INTERVAL);
    assert_identified(s);
}

#[test]
fn a_redirect_to_another_host_or_scheme_is_not_followed() {
    // big5 is served but not crawled: it only stands for "another host".
    let h = Harness::with_sites(vec![site("nometa"), site("big5")], INTERVAL);
    keep_portals(&h, 1);
    let s = h.sim.site("nometa");
    let other = h.sim.site("big5");
    let paths = doc_paths(s);
    // The newest two: listed on the first list page, which is not redirected.
    let (away, ftp) = match paths.as_slice() {
        [.., a, b] => (a.clone(), b.clone()),
        _ => panic!("nometa has at least two documents"),
    };
    s.add_path_fault(at(&away, redirect(other.url("/elsewhere.html").as_str())));
    let ftp_target = format!("ftp://{}/report.pdf", other.host());
    s.add_path_fault(at(&ftp, redirect(&ftp_target)));
    // A later list page moved to the other host is not followed either.
    let lists = s.list_urls();
    let list_page = lists
        .first()
        .and_then(|(_, urls)| urls.get(1))
        .expect("nometa's section has a second list page");
    let moved_list = list_page.path().to_string();
    s.add_path_fault(at(&moved_list, redirect(other.url("/list.html").as_str())));
    let out = h.run(&["crawl"]);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", stderr(&out));
    assert!(
        other.requests().is_empty(),
        "the other host got {:?}",
        other.requests()
    );
    assert_eq!(count_target(s, &away), 1);
    assert_eq!(count_target(s, &ftp), 1);
    assert_eq!(count_target(s, &moved_list), 1);
    // Exactly the items that answered 200 are archived: the redirected ones are not.
    let served: std::collections::BTreeSet<String> = s
        .requests()
        .into_iter()
        .filter(|r| r.status == 200 && paths.contains(&r.target))
        .map(|r| r.target)
        .collect();
    assert!(!served.contains(&away) && !served.contains(&ftp));
    assert_eq!(archived_of(&h.export(), s), served.len());
    let report = run_report(&h);
    let excluded = &report["portals"][s.portal_name()]["excluded"];
    assert_eq!(excluded["out_of_scope"], 2, "{excluded}");
    assert_eq!(excluded["scheme"], 1, "{excluded}");
    assert_identified(s);
}

#[test]
fn more_than_ten_redirects_stop_the_chain() {
    let h = Harness::with_sites(vec![site("nometa")], Duration::from_millis(100));
    let s = h.sim.site("nometa");
    let item = doc_paths(s).first().expect("documents").clone();
    let hop = |n: u32| {
        if n == 0 {
            item.clone()
        } else {
            format!("{item}?hop={n}")
        }
    };
    for n in 0..=12 {
        s.add_path_fault(at(&hop(n), redirect(&hop(n + 1))));
    }
    let out = h.run(&["crawl"]);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", stderr(&out));
    let chain: Vec<String> = s
        .requests()
        .into_iter()
        .filter(|r| r.path() == item)
        .map(|r| r.target)
        .collect();
    // The first request and ten redirects followed; the eleventh Location is never requested.
    assert_eq!(chain, (0..=10).map(hop).collect::<Vec<_>>());
    assert_eq!(archived_of(&h.export(), s), s.truth().len() - 1);
    let report = run_report(&h);
    assert_eq!(
        report["portals"][s.portal_name()]["failures"]["too_many_redirects"],
        1
    );
}

#[test]
fn a_redirect_to_a_url_with_userinfo_sends_no_credentials() {
    let h = Harness::with_sites(vec![site("nometa")], Duration::from_millis(100));
    let s = h.sim.site("nometa");
    let item = doc_paths(s).first().expect("documents").clone();
    let hop = format!("{item}?hop=1");
    let mut location = s.url(&hop);
    location
        .set_username("crawler")
        .and_then(|()| location.set_password(Some("secret")))
        .expect("an http URL takes userinfo");
    s.add_path_fault(at(&item, redirect(location.as_str())));
    let out = h.run(&["crawl"]);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", stderr(&out));
    let asked: Vec<_> = s
        .requests()
        .into_iter()
        .filter(|r| r.path() == item)
        .collect();
    // The item, then the Location without its userinfo, and no request carried credentials.
    assert_eq!(
        asked.iter().map(|r| r.target.clone()).collect::<Vec<_>>(),
        [item.clone(), hop]
    );
    for r in s.requests() {
        assert_eq!(
            r.header("authorization"),
            None,
            "{} sent credentials",
            r.target
        );
    }
    assert_eq!(archived_of(&h.export(), s), s.truth().len());
}

#[test]
fn a_304_to_a_request_that_asked_nothing_conditional_is_a_failure() {
    let h = Harness::with_sites(vec![site("nometa")], Duration::from_millis(100));
    let s = h.sim.site("nometa");
    // A first crawl sends no validators: a 304 answers a question nobody asked. Its body, which
    // a 304 may not have, looks like a next response: it must not be read as the next answer
    // on the connection (every other document, asked after it, is archived).
    let item = doc_paths(s).last().expect("documents").clone();
    s.add_path_fault(at(
        &item,
        FaultKind::Body {
            status: 304,
            content_type: "text/html".into(),
            body: b"<html>HTTP/1.1 200 OK not modified</html>".repeat(50),
        },
    ));
    let out = h.run(&["crawl"]);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", stderr(&out));
    assert_eq!(count_target(s, &item), 1);
    assert_eq!(archived_of(&h.export(), s), s.truth().len() - 1);
    let report = run_report(&h);
    let portal = &report["portals"][s.portal_name()];
    assert_eq!(portal["failures"]["http_304"], 1, "{portal}");
    assert_eq!(portal["not_modified"], 0, "{portal}");
}
