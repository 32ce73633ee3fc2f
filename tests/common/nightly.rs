//! A test portal of the nightly tests' own whose section changes between nights as real sections
//! change (`Section`: a numbered list, served by `route_server::numbered_portal`), crawled night
//! by night through the real binary (`Portal::night`), and a section of per-year subsections
//! (`Years`).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;

use super::route_server::{RouteServer, numbered_portal, portals_config, redirect, run_nianbao};
use super::stderr;

/// How the portal's section lists its reports tonight.
#[derive(Clone)]
pub struct Section {
    /// Report ids in list order, the pinned ones left out.
    pub listed: Vec<usize>,
    /// Old reports pinned (置顶) above the list on page 1, or on every page.
    pub pinned: Vec<usize>,
    pub pinned_on_every_page: bool,
    pub per_page: usize,
    /// The list states 共N条 (else only its pages).
    pub states_items: bool,
    /// Dates shown beside entries: a report's id decides its date, except these (filed late).
    pub dated: Vec<(usize, NaiveDate)>,
    /// What the list's pages answer instead of the list, tonight.
    pub list_status: u16,
    /// The list's pages answer a notice (访问过于频繁) with 200 tonight.
    pub list_notice: bool,
    /// Reports whose page was replaced in place (a corrected text at the same URL).
    pub revised: Vec<usize>,
    /// Reports still listed whose page answers 404.
    pub deleted: Vec<usize>,
    /// The list's last page shows no pager at all.
    pub bare_last_page: bool,
    /// A page of the list (by number) that answers 500 tonight.
    pub failing_page: Option<usize>,
    /// The list moved from `list.html` to `list.shtml`, which the old URL redirects to.
    pub moved_list: bool,
    /// Reports moved to another URL (`from` id, `to` id): listed and served at `to`, with the
    /// title, date and page of `from`; `from` answers 404.
    pub moved_reports: Vec<(usize, usize)>,
}

impl Section {
    /// `reports` reports, newest (highest id) first, ten to a page.
    pub fn newest_first(reports: usize) -> Section {
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

    pub fn pages(&self) -> usize {
        self.listed.len().div_ceil(self.per_page).max(1)
    }

    /// The id in the URL report `id` is listed and served at.
    pub fn url_id(&self, id: usize) -> usize {
        self.moved_reports
            .iter()
            .find(|(from, _)| *from == id)
            .map_or(id, |(_, to)| *to)
    }

    /// The report served at `/art/{url_id}.html`, if any.
    pub fn served(&self, url_id: usize) -> Option<Vec<u8>> {
        let id = self
            .moved_reports
            .iter()
            .find(|(_, to)| *to == url_id)
            .map(|(from, _)| *from)
            .or_else(|| Some(url_id).filter(|i| self.url_id(*i) == *i))?;
        let listed = self.listed.contains(&id) || self.pinned.contains(&id);
        (listed && !self.deleted.contains(&id)).then(|| item_page(id, self.revised.contains(&id)))
    }

    pub fn date_of(&self, id: usize) -> NaiveDate {
        self.dated
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, d)| *d)
            .unwrap_or_else(|| {
                NaiveDate::from_ymd_opt(2015, 1, 1).expect("a date")
                    + chrono::Days::new(id as u64 * 20)
            })
    }

    pub fn list_page(&self, n: usize) -> Vec<u8> {
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

pub fn title(id: usize) -> String {
    format!("某某县人民政府关于第{id}号政府信息公开事项的报告")
}

/// Report `id`'s page; `revised`, as corrected in place (更正).
pub fn item_page(id: usize, revised: bool) -> Vec<u8> {
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
pub struct Portal {
    pub server: RouteServer,
    pub section: Arc<Mutex<Section>>,
    pub dir: tempfile::TempDir,
    pub config: std::path::PathBuf,
}

/// What one night asked of the portal.
pub struct Night {
    pub list_pages: usize,
    pub items: BTreeSet<usize>,
    pub summary: String,
}

impl Portal {
    pub fn new(section: Section) -> Portal {
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
            dir,
            config,
        }
    }

    /// Adds `keys` to the config's `[crawl]` table.
    pub fn with_crawl(self, keys: &str) -> Portal {
        let text = std::fs::read_to_string(&self.config).expect("config");
        let text = text.replace("[fetch]", &format!("[crawl]\n{keys}\n[fetch]"));
        std::fs::write(&self.config, text).expect("config");
        self
    }

    pub fn change(&self, change: impl FnOnce(&mut Section)) {
        change(&mut self.section.lock().expect("section lock"));
    }

    /// Runs one nightly crawl; what it asked for.
    pub fn night(&self) -> Night {
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
pub fn second_night(section: Section, change: impl FnOnce(&mut Section)) -> Night {
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

pub fn ids(ids: impl IntoIterator<Item = usize>) -> BTreeSet<usize> {
    ids.into_iter().collect()
}

/// A section whose page is a menu of per-year subsections (`/nb/{label}/`), each listing that
/// year's reports (`/art/{year}_{k}.html`).
#[derive(Clone)]
pub struct Years {
    /// (year, folder of its subsection, reports listed)
    pub years: Vec<(i32, String, usize)>,
}

impl Years {
    /// Serves the years 2021 to 2024, three reports each, on a server of its own at 127.0.0.1;
    /// the state can be changed between nights.
    pub fn serve() -> (RouteServer, Arc<Mutex<Years>>) {
        let server = RouteServer::bind("127.0.0.1");
        let state = Arc::new(Mutex::new(Years {
            years: (2021..=2024).map(|y| (y, y.to_string(), 3)).collect(),
        }));
        let served = state.clone();
        server.serve(Arc::new(move |target: &str| {
            served.lock().expect("years lock").answer(target)
        }));
        (server, state)
    }

    pub fn menu(&self) -> String {
        self.years
            .iter()
            .map(|(y, folder, _)| format!("<a href=\"/nb/{folder}/\">{y}年</a> "))
            .collect()
    }

    pub fn answer(&self, target: &str) -> (u16, String, Vec<u8>) {
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

pub fn year_title(year: i32, k: usize) -> String {
    format!("某某县第{k}部门{year}年政府信息公开工作年度报告")
}
