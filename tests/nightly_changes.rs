//! The nightly crawl on a section that changes between nights in the ways real sections change,
//! through the real binary: a portal of the test's own whose list (`numbered_portal`) is
//! crawled, changed, and crawled again on the same data_dir. Each night must archive the reports
//! that appeared since the last one, with few requests: a report added at the top, above pinned
//! (置顶) entries, on the last page of a list sorted oldest first, anywhere in a list in no date
//! order, in the middle of a list whose stated count grew, or as more than a page of new reports;
//! a list or year subsection that moved, a list that failed for a night, a report moved, corrected
//! or deleted in place.

mod common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use common::route_server::{
    RouteServer, newest_run_report, numbered_portal, portals_config, redirect, run_nianbao,
};
use common::stderr;

/// How the portal's section lists its reports tonight.
#[derive(Clone)]
struct Section {
    /// Report ids in list order, the pinned ones left out.
    listed: Vec<usize>,
    /// Old reports pinned (置顶) above the list on page 1, or on every page.
    pinned: Vec<usize>,
    pinned_on_every_page: bool,
    per_page: usize,
    /// The list states 共N条 (else only its pages).
    states_items: bool,
    /// Dates shown beside entries: a report's id decides its date, except these (filed late).
    dated: Vec<(usize, NaiveDate)>,
    /// What the list's pages answer instead of the list, tonight.
    list_status: u16,
    /// The list's pages answer a notice (访问过于频繁) with 200 tonight.
    list_notice: bool,
    /// Reports whose page was replaced in place (a corrected text at the same URL).
    revised: Vec<usize>,
    /// Reports still listed whose page answers 404.
    deleted: Vec<usize>,
    /// The list's last page shows no pager at all.
    bare_last_page: bool,
    /// A page of the list (by number) that answers 500 tonight.
    failing_page: Option<usize>,
    /// The list moved from `list.html` to `list.shtml`, which the old URL redirects to.
    moved_list: bool,
    /// Reports moved to another URL (`from` id, `to` id): listed and served at `to`, with the
    /// title, date and page of `from`; `from` answers 404.
    moved_reports: Vec<(usize, usize)>,
}

impl Section {
    /// `reports` reports, newest (highest id) first, ten to a page.
    fn newest_first(reports: usize) -> Section {
        Section {
            listed: (1..=reports).rev().collect(),
            pinned: Vec::new(),
            pinned_on_every_page: false,
            per_page: 10,
            states_items: true,
            dated: Vec::new(),
            list_status: 200,
            list_notice: false,
            revised: Vec::new(),
            deleted: Vec::new(),
            bare_last_page: false,
            failing_page: None,
            moved_list: false,
            moved_reports: Vec::new(),
        }
    }

    fn pages(&self) -> usize {
        self.listed.len().div_ceil(self.per_page).max(1)
    }

    /// The id in the URL report `id` is listed and served at.
    fn url_id(&self, id: usize) -> usize {
        self.moved_reports
            .iter()
            .find(|(from, _)| *from == id)
            .map_or(id, |(_, to)| *to)
    }

    /// The report served at `/art/{url_id}.html`, if any.
    fn served(&self, url_id: usize) -> Option<Vec<u8>> {
        let id = self
            .moved_reports
            .iter()
            .find(|(_, to)| *to == url_id)
            .map(|(from, _)| *from)
            .or_else(|| Some(url_id).filter(|i| self.url_id(*i) == *i))?;
        let listed = self.listed.contains(&id) || self.pinned.contains(&id);
        (listed && !self.deleted.contains(&id)).then(|| item_page(id, self.revised.contains(&id)))
    }

    fn date_of(&self, id: usize) -> NaiveDate {
        self.dated
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, d)| *d)
            .unwrap_or_else(|| {
                NaiveDate::from_ymd_opt(2015, 1, 1).expect("a date")
                    + chrono::Days::new(id as u64 * 20)
            })
    }

    fn list_page(&self, n: usize) -> Vec<u8> {
        let pinned: &[usize] = if n == 1 || self.pinned_on_every_page {
            &self.pinned
        } else {
            &[]
        };
        let entries: String = pinned
            .iter()
            .chain(
                self.listed
                    .iter()
                    .skip((n - 1) * self.per_page)
                    .take(self.per_page),
            )
            .map(|&i| {
                format!(
                    "<li><a href=\"/art/{}.html\">{}</a><span>{}</span></li>",
                    self.url_id(i),
                    title(i),
                    self.date_of(i)
                )
            })
            .collect();
        let pages = self.pages();
        let numbers: String = (1..=pages)
            .map(|p| format!("<a href=\"/xxgk/list.html?page={p}\">{p}</a> "))
            .collect();
        let items = if self.states_items {
            format!("共{}条 ", self.listed.len() + self.pinned.len())
        } else {
            String::new()
        };
        let pager = format!(
            "<div class=\"page\">{items}共{pages}页 当前第{n}页 <a href=\"/xxgk/list.html\">首页</a> {numbers}\
             <a href=\"/xxgk/list.html?page={next}\">下一页</a> <a href=\"/xxgk/list.html?page={pages}\">尾页</a></div>",
            next = (n + 1).min(pages),
        );
        let pager = match self.bare_last_page && n == pages {
            true => String::new(),
            false => pager,
        };
        let html = format!(
            "<html><head><meta charset=\"utf-8\"><title>年报</title></head><body><ul>{entries}</ul>\
             {pager}</body></html>"
        );
        match self.moved_list {
            true => html.replace("list.html", "list.shtml").into_bytes(),
            false => html.into_bytes(),
        }
    }
}

fn title(id: usize) -> String {
    format!("某某县人民政府关于第{id}号政府信息公开事项的报告")
}

/// Report `id`'s page; `revised`, as corrected in place (更正).
fn item_page(id: usize, revised: bool) -> Vec<u8> {
    let correction = match revised {
        true => "<p>更正：第二部分数据有误，已更正。</p>",
        false => "",
    };
    format!(
        "<html><head><meta charset=\"utf-8\"><title>{t}</title></head><body><h1>{t}</h1>\
         <div class=\"content\"><p>发布机构：某某县人民政府办公室</p><p>一、总体情况</p>\
         <p>第{id}号事项，某某县人民政府认真贯彻落实《中华人民共和国政府信息公开条例》。</p>{correction}</div></body></html>",
        t = title(id)
    )
    .into_bytes()
}

/// A portal serving `section` (changed between nights through the handle), crawled night by night.
struct Portal {
    server: RouteServer,
    section: Arc<Mutex<Section>>,
    _dir: tempfile::TempDir,
    config: std::path::PathBuf,
}

/// What one night asked of the portal.
struct Night {
    list_pages: usize,
    items: BTreeSet<usize>,
    summary: String,
}

impl Portal {
    fn new(section: Section) -> Portal {
        let server = RouteServer::bind("127.0.0.1");
        let section = Arc::new(Mutex::new(section));
        let served = section.clone();
        server.serve(Arc::new(move |target: &str| {
            let section = served.lock().expect("section lock").clone();
            let failing = section
                .failing_page
                .is_some_and(|n| target.ends_with(&format!("?page={n}")));
            if failing {
                let body = b"<html><body>Internal Server Error</body></html>".to_vec();
                return (500, "text/html".into(), body);
            }
            if target.starts_with("/xxgk/list.") && section.list_notice {
                let body = "<html><head><meta charset=\"utf-8\"><title>提示</title></head><body>\
                            <h2>您的访问过于频繁，请稍后再试！</h2></body></html>";
                return (
                    200,
                    "text/html; charset=utf-8".into(),
                    body.as_bytes().to_vec(),
                );
            }
            if target.starts_with("/xxgk/list.") && section.list_status != 200 {
                let body = b"<html><body>Internal Server Error</body></html>".to_vec();
                return (section.list_status, "text/html".into(), body);
            }
            let target = match (section.moved_list, target.strip_prefix("/xxgk/list.html")) {
                (true, Some(query)) => return redirect(301, &format!("/xxgk/list.shtml{query}")),
                (true, None) => target.replacen("/xxgk/list.shtml", "/xxgk/list.html", 1),
                (false, _) if target.starts_with("/xxgk/list.shtml") => String::new(),
                (false, _) => target.to_string(),
            };
            numbered_portal(
                &target,
                section.pages(),
                |n| section.list_page(n),
                |i| section.served(i),
            )
        }));
        let dir = tempfile::tempdir().expect("scratch dir");
        let config = portals_config(
            dir.path(),
            &[("某某县人民政府", format!("{}/xxgk/list.html", server.base))],
        );
        Portal {
            server,
            section,
            _dir: dir,
            config,
        }
    }

    /// Adds `keys` to the config's `[crawl]` table.
    fn with_crawl(self, keys: &str) -> Portal {
        let text = std::fs::read_to_string(&self.config).expect("config");
        let text = text.replace("[fetch]", &format!("[crawl]\n{keys}\n[fetch]"));
        std::fs::write(&self.config, text).expect("config");
        self
    }

    fn change(&self, change: impl FnOnce(&mut Section)) {
        change(&mut self.section.lock().expect("section lock"));
    }

    /// Runs one nightly crawl; what it asked for.
    fn night(&self) -> Night {
        let before = self.server.requests().len();
        let out = run_nianbao(&self.config, &["crawl"]);
        let summary = stderr(&out);
        let asked: Vec<String> = self.server.requests().split_off(before);
        let list_pages = asked
            .iter()
            .filter(|t| t.starts_with("/xxgk/list."))
            .count();
        let items = asked
            .iter()
            .filter_map(|t| t.strip_prefix("/art/")?.strip_suffix(".html")?.parse().ok())
            .collect();
        Night {
            list_pages,
            items,
            summary,
        }
    }
}

/// A first night over `section`, which archives every report, then `change`, then a second night.
fn second_night(section: Section, change: impl FnOnce(&mut Section)) -> Night {
    let portal = Portal::new(section);
    let first = portal.night();
    let listed = {
        let section = portal.section.lock().expect("section lock");
        section.listed.len() + section.pinned.len()
    };
    assert_eq!(first.items.len(), listed, "{}", first.summary);
    portal.change(change);
    portal.night()
}

fn ids(ids: impl IntoIterator<Item = usize>) -> BTreeSet<usize> {
    ids.into_iter().collect()
}

#[test]
fn a_report_added_at_the_top_costs_two_list_pages() {
    let night = second_night(Section::newest_first(25), |s| s.listed.insert(0, 26));
    assert_eq!(night.items, ids([26]), "{}", night.summary);
    assert_eq!(night.list_pages, 2, "{}", night.summary);
}

#[test]
fn more_than_a_page_of_new_reports_is_archived_in_one_night() {
    let night = second_night(Section::newest_first(25), |s| {
        for id in 26..=36 {
            s.listed.insert(0, id);
        }
    });
    assert_eq!(night.items, ids(26..=36), "{}", night.summary);
    assert_eq!(night.list_pages, 3, "{}", night.summary);
}

#[test]
fn reports_added_below_pinned_entries_are_archived() {
    for every_page in [false, true] {
        let night = second_night(
            Section {
                pinned: vec![3, 1],
                pinned_on_every_page: every_page,
                listed: (4..=25).rev().chain([2]).collect(),
                ..Section::newest_first(0)
            },
            |s| s.listed.insert(0, 26),
        );
        assert_eq!(
            night.items,
            ids([26]),
            "every page {every_page}: {}",
            night.summary
        );
        assert_eq!(
            night.list_pages, 2,
            "every page {every_page}: {}",
            night.summary
        );
    }
}

#[test]
fn a_list_sorted_oldest_first_is_walked_from_its_last_page() {
    // The first night archives every report too: the last page, which may link no other page,
    // leads back through the pages page 1 named.
    for (states_items, bare_last_page) in [(true, false), (false, false), (false, true)] {
        let night = second_night(
            Section {
                listed: (1..=25).collect(),
                states_items,
                bare_last_page,
                ..Section::newest_first(0)
            },
            |s| s.listed.push(26),
        );
        let case = format!("states items {states_items}, bare last page {bare_last_page}");
        assert_eq!(night.items, ids([26]), "{case}: {}", night.summary);
        // Page 1, the last page, and the one before it (the last holds a report not seen).
        assert_eq!(night.list_pages, 3, "{case}: {}", night.summary);
    }
}

#[test]
fn a_list_in_no_date_order_is_walked_whole() {
    // Sorted by title (第10号 before 第2号), and shuffled.
    let by_title = |ids: &mut Vec<usize>| ids.sort_by_key(|i| title(*i));
    let shuffled = |ids: &mut Vec<usize>| {
        ids.sort_by_key(|i| (i * 7919) % 31);
    };
    for (name, order) in [
        ("by title", &by_title as &dyn Fn(&mut Vec<usize>)),
        ("shuffled", &shuffled),
    ] {
        let mut listed: Vec<usize> = (1..=25).collect();
        order(&mut listed);
        let night = second_night(
            Section {
                listed,
                states_items: false,
                ..Section::newest_first(0)
            },
            |s| {
                s.listed.push(26);
                order(&mut s.listed);
            },
        );
        assert_eq!(night.items, ids([26]), "{name}: {}", night.summary);
        assert_eq!(night.list_pages, 3, "{name}: {}", night.summary);
    }
}

#[test]
fn a_report_filed_late_in_the_middle_of_a_list_whose_count_grew_is_archived() {
    let night = second_night(Section::newest_first(45), |s| {
        // Filed today, dated with the old reports around it: page 3 of 5.
        s.listed.insert(25, 46);
        s.dated
            .push((46, NaiveDate::from_ymd_opt(2016, 2, 1).expect("a date")));
    });
    assert_eq!(night.items, ids([46]), "{}", night.summary);
    // Pages 1 to 3, and 4, which holds only known reports.
    assert_eq!(night.list_pages, 4, "{}", night.summary);
}

/// The walk that looks for what a grown count added fails on the page holding it: the next
/// night compares with the count from before, not with the one the failed night read, and so
/// walks on to the report.
#[test]
fn a_grown_count_the_walk_could_not_account_for_is_looked_into_again() {
    let portal = Portal::new(Section::newest_first(45));
    portal.night();
    portal.change(|s| {
        s.listed.insert(25, 46);
        s.dated
            .push((46, NaiveDate::from_ymd_opt(2016, 2, 1).expect("a date")));
        s.failing_page = Some(3);
    });
    let failed = portal.night();
    assert!(failed.items.is_empty(), "{}", failed.summary);
    assert!(
        failed.summary.contains("page 3 failed: http_500"),
        "{}",
        failed.summary
    );
    let report = newest_run_report(portal._dir.path());
    let ledger = &report["portals"]["某某县人民政府"]["lists"]["all"];
    assert_eq!(ledger["stated_before"], 45, "{ledger}");
    assert_eq!(ledger["accounted"], 45, "{ledger}");
    portal.change(|s| s.failing_page = None);
    let night = portal.night();
    assert_eq!(night.items, ids([46]), "{}", night.summary);
    let report = newest_run_report(portal._dir.path());
    assert_eq!(
        report["portals"]["某某县人民政府"]["lists"]["all"]["accounted"],
        46
    );
}

#[test]
fn pages_that_change_size_or_shift_hold_no_surprise() {
    // Ten to a page, then fifteen: nothing new, one page.
    let night = second_night(Section::newest_first(25), |s| s.per_page = 15);
    assert!(night.items.is_empty(), "{}", night.summary);
    assert_eq!(night.list_pages, 1, "{}", night.summary);
    // A new report and a new page size together.
    let night = second_night(Section::newest_first(25), |s| {
        s.per_page = 15;
        s.listed.insert(0, 26);
    });
    assert_eq!(night.items, ids([26]), "{}", night.summary);
    assert_eq!(night.list_pages, 2, "{}", night.summary);
}

#[test]
fn a_list_that_fails_one_night_gives_its_new_reports_the_next() {
    for notice in [false, true] {
        let portal = Portal::new(Section::newest_first(25));
        portal.night();
        portal.change(|s| {
            s.listed.insert(0, 26);
            s.list_status = 500;
            s.list_notice = notice;
        });
        let failed = portal.night();
        assert!(
            failed.items.is_empty(),
            "notice {notice}: {}",
            failed.summary
        );
        assert!(
            failed.summary.contains("UNREACHABLE"),
            "notice {notice}: {}",
            failed.summary
        );
        portal.change(|s| {
            s.listed.insert(0, 27);
            s.list_status = 200;
            s.list_notice = false;
        });
        let night = portal.night();
        assert_eq!(
            night.items,
            ids([26, 27]),
            "notice {notice}: {}",
            night.summary
        );
        assert_eq!(night.list_pages, 2, "notice {notice}: {}", night.summary);
    }
}

/// A report corrected in place (same URL) is a new version at its revisit (every night here,
/// `revisit_after = "0s"`); one whose page now answers 404 keeps its archived version, and the
/// 404 is counted.
#[test]
fn a_report_corrected_or_deleted_in_place_is_seen_at_its_revisit() {
    let portal = Portal::new(Section::newest_first(25)).with_crawl("revisit_after = \"0s\"");
    portal.night();
    portal.change(|s| {
        s.revised.push(25);
        s.deleted.push(24);
    });
    let night = portal.night();
    assert!(
        night.items.contains(&25) && night.items.contains(&24),
        "{}",
        night.summary
    );
    let report = newest_run_report(portal._dir.path());
    let counts = &report["portals"]["某某县人民政府"];
    assert_eq!(counts["new_versions"], 1, "{report}");
    assert_eq!(counts["new_documents"], 0, "{report}");
    assert_eq!(counts["failures"]["http_404"], 1, "{report}");
    let records = common::route_server::exported(&portal.config);
    let deleted: Vec<_> = records
        .iter()
        .filter(|r| {
            r["url"]
                .as_str()
                .is_some_and(|u| u.ends_with("/art/24.html"))
        })
        .collect();
    assert_eq!(
        deleted.len(),
        1,
        "the deleted report's version stays archived"
    );
}

#[test]
fn a_list_moved_to_a_new_url_that_the_old_one_redirects_to_is_followed() {
    let portal = Portal::new(Section::newest_first(25));
    portal.night();
    portal.change(|s| {
        s.moved_list = true;
        s.listed.insert(0, 26);
    });
    let night = portal.night();
    assert_eq!(night.items, ids([26]), "{}", night.summary);
    // The old URL's redirect, then pages 1 and 2 at the new one.
    assert_eq!(night.list_pages, 3, "{}", night.summary);
    let report = newest_run_report(portal._dir.path());
    let landed = report["portals"]["某某县人民政府"]["section_landed"].as_str();
    assert!(
        landed.is_some_and(|u| u.ends_with("/xxgk/list.shtml")),
        "{report}"
    );
}

#[test]
fn a_report_moved_to_a_new_url_is_an_alias_not_a_new_document() {
    let portal = Portal::new(Section::newest_first(25));
    portal.night();
    portal.change(|s| s.moved_reports.push((25, 125)));
    let night = portal.night();
    assert_eq!(night.items, ids([125]), "{}", night.summary);
    let report = newest_run_report(portal._dir.path());
    let counts = &report["portals"]["某某县人民政府"];
    assert_eq!(counts["new_documents"], 0, "{report}");
    assert_eq!(counts["new_aliases"], 1, "{report}");
}

/// A section whose page is a menu of per-year subsections (`/nb/{label}/`), each listing that
/// year's reports (`/art/{year}_{k}.html`).
#[derive(Clone)]
struct Years {
    /// (year, folder of its subsection, reports listed)
    years: Vec<(i32, String, usize)>,
}

impl Years {
    fn menu(&self) -> String {
        self.years
            .iter()
            .map(|(y, folder, _)| format!("<a href=\"/nb/{folder}/\">{y}年</a> "))
            .collect()
    }

    fn answer(&self, target: &str) -> (u16, String, Vec<u8>) {
        let html = "text/html; charset=utf-8".to_string();
        let page = |body: String| {
            format!(
                "<html><head><meta charset=\"utf-8\"><title>年报</title></head><body>\
                 <div class=\"menu\">{}</div>{body}</body></html>",
                self.menu()
            )
            .into_bytes()
        };
        if target == "/nb/" {
            return (200, html, page(String::new()));
        }
        for (year, folder, reports) in &self.years {
            if target == format!("/nb/{folder}/") {
                let entries: String = (1..=*reports)
                    .map(|k| {
                        format!(
                            "<li><a href=\"/art/{year}_{k}.html\">{}</a><span>{}-03-{k:02}</span></li>",
                            year_title(*year, k),
                            year + 1
                        )
                    })
                    .collect();
                return (200, html, page(format!("<ul>{entries}</ul>")));
            }
            let report = (1..=*reports).find(|k| target == format!("/art/{year}_{k}.html"));
            if let Some(k) = report {
                let t = year_title(*year, k);
                let body = format!(
                    "<html><head><meta charset=\"utf-8\"><title>{t}</title></head><body><h1>{t}</h1>\
                     <div class=\"content\"><p>一、总体情况</p><p>{year}年，第{k}个部门认真贯彻落实《中华人民共和国政府信息公开条例》。</p>\
                     </div></body></html>"
                );
                return (200, html, body.into_bytes());
            }
        }
        (404, html, b"<html><body>404</body></html>".to_vec())
    }
}

fn year_title(year: i32, k: usize) -> String {
    format!("某某县第{k}部门{year}年政府信息公开工作年度报告")
}

/// A new year's subsection is walked the night it appears, and so is an old year's moved to a
/// new URL (once); a report filed late into an older year's subsection is left to a backfill, by
/// design, and the ledger names the year lists the night did not walk.
#[test]
fn year_subsections_that_appear_or_move_are_walked_and_older_ones_are_named() {
    let server = RouteServer::bind("127.0.0.1");
    let state = Arc::new(Mutex::new(Years {
        years: (2021..=2024).map(|y| (y, y.to_string(), 3)).collect(),
    }));
    let served = state.clone();
    server.serve(Arc::new(move |target: &str| {
        served.lock().expect("years lock").answer(target)
    }));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = portals_config(
        dir.path(),
        &[("某某县人民政府", format!("{}/nb/", server.base))],
    );
    let night = |what: &str| {
        let before = server.requests().len();
        let out = run_nianbao(&config, &["crawl"]);
        assert_eq!(out.status.code(), Some(0), "{what}: {}", stderr(&out));
        (server.requests().split_off(before), stderr(&out))
    };
    let (first, _) = night("first night");
    assert_eq!(first.iter().filter(|t| t.starts_with("/art/")).count(), 12);
    {
        let mut years = state.lock().expect("years lock");
        years.years.push((2025, "2025".into(), 1));
        years.years[0].1 = "y2021".into();
        years.years[1].2 = 4;
    }
    let (asked, summary) = night("second night");
    let items: BTreeSet<&str> = asked
        .iter()
        .filter(|t| t.starts_with("/art/"))
        .map(String::as_str)
        .collect();
    assert_eq!(items, BTreeSet::from(["/art/2025_1.html"]), "{summary}");
    for walked in ["/nb/2025/", "/nb/2024/", "/nb/y2021/"] {
        assert!(asked.iter().any(|t| t == walked), "{walked}: {asked:?}");
    }
    // 2022's late report waits for a backfill: the ledger says which years were left.
    assert!(!asked.iter().any(|t| t == "/nb/2022/"), "{asked:?}");
    assert!(
        summary.contains("older year lists not walked (nightly): 2022, 2023"),
        "{summary}"
    );
}
