//! Nights that must stay cheap and add nothing, through the real binary against a loopback
//! portal that counts what it is asked: report pages whose body changes at every visit while the
//! report does not (a view counter, today's date in the header, a token in a script, a CSRF
//! input, a generation-time comment, the current time), crawled three nights with
//! `revisit_after = "0s"` so that every night refetches every report: each stays one version,
//! and a report whose text, or the date in it, was corrected on the third night takes a second
//! one. And what a second night asks of a portal where nothing changed.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use common::nightly::{Section, item_page};
use common::route_server::{RouteServer, exported, numbered_portal, portals_config, run_nianbao};
use common::stderr;

/// What report `id` prints that changes at each visit (`n` counts the server's visits).
fn volatile(id: usize, n: usize) -> String {
    let weekday = ["一", "二", "三", "四", "五", "六", "日"][n % 7];
    match id {
        1 => format!("<div class=\"info\">浏览次数：{n}</div>"),
        2 => format!("<span>访问量：{n}</span>"),
        3 => format!("<span>点击数：{n}</span>"),
        4 => format!("<span>阅读：{n}</span>"),
        5 => format!(
            "<div class=\"top\">今天是2026年12月{}日 星期{weekday}</div>",
            1 + n % 28
        ),
        6 => format!("<script>var token = \"{n:x}{n}\";</script>"),
        7 => format!("<form><input type=\"hidden\" name=\"csrf_token\" value=\"t{n}\"></form>"),
        8 => format!("<!-- generated 0.0{n}s -->"),
        9 => format!("<span>浏览：{n}次</span> <span>点击：{n}</span> <span>人气：{n}</span>"),
        10 => format!(
            "<div>当前时间：2026-12-{:02} 21:{:02}:00</div>",
            1 + n % 28,
            n % 60
        ),
        _ => String::new(),
    }
}

#[test]
fn a_page_that_changes_at_every_visit_is_one_version_and_a_corrected_report_two() {
    const REPORTS: usize = 12;
    // One list page, so that each night walks it and revisits every report.
    let section = Section {
        per_page: 20,
        ..Section::newest_first(REPORTS)
    };
    let visits = Arc::new(AtomicUsize::new(0));
    let corrected = Arc::new(AtomicBool::new(false));
    let server = RouteServer::bind("127.0.0.1");
    let (seen, fixed) = (visits.clone(), corrected.clone());
    server.serve(Arc::new(move |target: &str| {
        let n = seen.fetch_add(1, Ordering::SeqCst);
        numbered_portal(
            target,
            section.pages(),
            |p| section.list_page(p),
            |i| {
                // Corrected on the third night: report 12 in its text, report 11 in the
                // date it was issued, printed as a header prints today's date.
                let third = fixed.load(Ordering::SeqCst);
                let page = String::from_utf8(item_page(i, i == REPORTS && third)).ok()?;
                let issued = match third {
                    true => "<p>本报告于2023年1月6日 星期五印发。</p>",
                    false => "<p>本报告于2023年1月5日 星期四印发。</p>",
                };
                let page = match i == REPORTS - 1 {
                    true => page.replacen("</div></body>", &format!("{issued}</div></body>"), 1),
                    false => page,
                };
                let page = page.replacen("<body>", &format!("<body>{}", volatile(i, n)), 1);
                (i <= REPORTS).then(|| page.into_bytes())
            },
        )
    }));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = portals_config(
        dir.path(),
        &[("某某县人民政府", format!("{}/xxgk/list.html", server.base))],
    );
    let text = std::fs::read_to_string(&config).expect("config");
    let text = text.replacen("[fetch]", "[crawl]\nrevisit_after = \"0s\"\n[fetch]", 1);
    std::fs::write(&config, text).expect("config");

    for night in 1..=3 {
        if night == 3 {
            corrected.store(true, Ordering::SeqCst);
        }
        let before = server.requests().len();
        let out = run_nianbao(&config, &["crawl"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "night {night}: {}",
            stderr(&out)
        );
        let asked = server.requests().split_off(before);
        let reports = asked.iter().filter(|t| t.starts_with("/art/")).count();
        assert_eq!(
            reports, REPORTS,
            "night {night} asks every report: {asked:?}"
        );
    }

    let records = exported(&config);
    let mut wrong = Vec::new();
    for id in 1..=REPORTS {
        let versions: Vec<_> = records
            .iter()
            .filter(|r| {
                r["url"]
                    .as_str()
                    .is_some_and(|u| u.ends_with(&format!("/art/{id}.html")))
            })
            .map(|r| r["version"].as_u64())
            .collect();
        let expected = if id >= REPORTS - 1 { 2 } else { 1 };
        if versions.len() != expected {
            wrong.push(format!("report {id} ({}): {versions:?}", volatile(id, 0)));
        }
    }
    assert!(wrong.is_empty(), "versions not as expected: {wrong:#?}");
}

/// What README "Nightly harvest" says a night asks of a portal where nothing changed: its list
/// until a page of known items (`known_pages_before_stop = 1`: page 1), no report before
/// `revisit_after` (7 days), and no attachment of a report not revisited. Here 3 list pages,
/// 40 reports, 20 of them with a PDF.
#[test]
fn a_night_with_nothing_new_asks_one_list_page_and_no_report_or_file() {
    const REPORTS: usize = 40;
    let section = Section {
        per_page: 14,
        ..Section::newest_first(REPORTS)
    };
    assert_eq!(section.pages(), 3);
    let server = RouteServer::bind("127.0.0.1");
    server.serve(Arc::new(move |target: &str| {
        if let Some(id) = target.strip_prefix("/files/") {
            let pdf = format!("%PDF-1.4\n% report {id}\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");
            return (200, "application/pdf".into(), pdf.into_bytes());
        }
        numbered_portal(
            target,
            section.pages(),
            |p| section.list_page(p),
            |i| {
                let page = String::from_utf8(item_page(i, false)).ok()?;
                let file = format!("<p>附件：<a href=\"/files/{i}.pdf\">第{i}号报告.pdf</a></p>");
                let page = match i % 2 {
                    0 => page.replacen("</div></body>", &format!("{file}</div></body>"), 1),
                    _ => page,
                };
                (i <= REPORTS).then(|| page.into_bytes())
            },
        )
    }));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = portals_config(
        dir.path(),
        &[("某某县人民政府", format!("{}/xxgk/list.html", server.base))],
    );
    let mut nights = Vec::new();
    for night in 1..=2 {
        let before = server.requests().len();
        let out = run_nianbao(&config, &["crawl"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "night {night}: {}",
            stderr(&out)
        );
        let asked = server.requests().split_off(before);
        let count = |prefix: &str| asked.iter().filter(|t| t.starts_with(prefix)).count();
        nights.push((
            count("/xxgk/list."),
            count("/art/"),
            count("/files/"),
            asked,
        ));
    }
    let (first, second) = (&nights[0], &nights[1]);
    assert_eq!((first.0, first.1, first.2), (3, 40, 20), "{:?}", first.3);
    assert_eq!((second.0, second.1, second.2), (1, 0, 0), "{:?}", second.3);
}
