//! Pagers in the forms portals print them, through the real binary in a backfill, with assertions
//! on what the servers saw and on the run report: pages of 10, 15, 20 and 50 entries whose last
//! page holds one, pagers numbered from 0 (`index_0.html`, `?page=0`) or from 1 (`index_1.html` as
//! TRS numbers it, or `index_2.html`), printed as `上一页 1 2 3 … 17 下一页 尾页`, as a `<select>`,
//! as a TRS `createPageHTML` script, as `共17页 第1页`, and in Traditional with full-width digits
//! (`共１７頁`, `下一頁`, `末頁`). Every report is asked once, no list page outside the section is
//! asked, and every walk ends. Links and lists nianbao cannot read are in `list_forms_links.rs`.

mod common;
mod list_forms_support;

use std::collections::HashMap;
use std::sync::Arc;

use common::route_server::{RouteServer, backfill_county, newest_run_report};
use common::{assert_in_scope, stderr};
use list_forms_support::*;

/// How a list names its pages and prints its pager.
#[derive(Clone, Copy, Debug)]
enum Form {
    /// `createPageHTML(17, 0, "index", "html")`, pages `index.html`, `index_1.html` ….
    TrsScript,
    /// `上一页 1 2 3 … 17 下一页 尾页` over `index.html`, `index_1.html` … (TRS numbering).
    EllipsisTrs,
    /// The same over `index.html`, `index_2.html` … (page 2 is `index_2`).
    EllipsisFromTwo,
    /// Every page linked by number, page 1 as `index_0.html` (which the section page also is).
    FromZeroFiles,
    /// `list.jsp?page=0` is page 1: 首页, 下一页 and 尾页 links.
    QueryFromZero,
    /// `<a href="?page=3">下一页</a>`: a query alone, relative to the page.
    QueryAlone,
    /// A `<select>` whose options are the pages' URLs.
    SelectOfPages,
    /// `共17页 第1页` and a 下一页 link.
    StatedCount,
    /// `共１７頁 第１頁` with 下一頁 and 末頁 links.
    TraditionalFullWidth,
}

impl Form {
    fn section(self) -> &'static str {
        match self {
            Form::QueryFromZero | Form::QueryAlone => "/nb/list.jsp",
            _ => "/nb/index.html",
        }
    }

    /// The request target of page `k` (1-based) as the pager links it.
    fn target(self, k: usize) -> String {
        match self {
            Form::QueryFromZero => format!("/nb/list.jsp?page={}", k - 1),
            Form::QueryAlone if k == 1 => "/nb/list.jsp".into(),
            Form::QueryAlone => format!("/nb/list.jsp?page={k}"),
            Form::FromZeroFiles => format!("/nb/index_{}.html", k - 1),
            Form::EllipsisFromTwo if k > 1 => format!("/nb/index_{k}.html"),
            _ if k == 1 => "/nb/index.html".into(),
            _ => format!("/nb/index_{}.html", k - 1),
        }
    }

    /// The href of page `k` as the pager writes it.
    fn href(self, k: usize) -> String {
        let target = self.target(k);
        match self {
            Form::QueryAlone => format!("?page={k}"),
            _ => target.trim_start_matches("/nb/").to_string(),
        }
    }

    fn pager(self, k: usize, pages: usize) -> String {
        let a = |n: usize, label: &str| format!("<a href=\"{}\">{label}</a>", self.href(n));
        let next = |label: &str| {
            if k < pages {
                a(k + 1, label)
            } else {
                String::new()
            }
        };
        match self {
            Form::TrsScript => format!(
                "<div class=\"page\"><script>createPageHTML({pages}, {}, \"index\", \"html\");</script></div>",
                k - 1
            ),
            Form::EllipsisTrs | Form::EllipsisFromTwo => {
                let numbers: String = [1, 2, 3, pages]
                    .into_iter()
                    .filter(|n| *n <= pages)
                    .map(|n| match n == k {
                        true => format!("<span>{n}</span> "),
                        false => format!("{} ", a(n, &n.to_string())),
                    })
                    .collect();
                let prev = if k > 1 {
                    a(k - 1, "上一页")
                } else {
                    String::new()
                };
                format!(
                    "<div class=\"page\">{prev} {numbers}… {} {}</div>",
                    next("下一页"),
                    a(pages, "尾页")
                )
            }
            Form::FromZeroFiles => {
                let numbers: String = (1..=pages)
                    .map(|n| match n == k {
                        true => format!("<span>{n}</span> "),
                        false => format!("{} ", a(n, &n.to_string())),
                    })
                    .collect();
                format!("<div class=\"page\">{numbers}</div>")
            }
            Form::QueryFromZero => format!(
                "<div class=\"page\">{} {} {}</div>",
                a(1, "首页"),
                next("下一页"),
                a(pages, "尾页")
            ),
            Form::QueryAlone => format!("<div class=\"page\">{}</div>", next("下一页")),
            Form::SelectOfPages => {
                let options: String = (1..=pages)
                    .map(|n| format!("<option value=\"{}\">{n}</option>", self.href(n)))
                    .collect();
                format!(
                    "<div class=\"page\"><select onchange=\"location.href=this.value\">{options}</select></div>"
                )
            }
            Form::StatedCount => {
                format!(
                    "<div class=\"page\">共{pages}页 第{k}页 {}</div>",
                    next("下一页")
                )
            }
            Form::TraditionalFullWidth => format!(
                "<div class=\"page\">共{}頁 第{}頁 {} {}</div>",
                full_width(pages),
                full_width(k),
                next("下一頁"),
                a(pages, "末頁")
            ),
        }
    }
}

/// `17` as `１７`.
fn full_width(n: usize) -> String {
    n.to_string()
        .chars()
        .map(|c| char::from_u32(u32::from(c) - u32::from('0') + u32::from('０')).unwrap_or(c))
        .collect()
}

/// A list of `total` reports in pages of `size` in the given form: page k's entries, its pager,
/// and the reports at `/art/{tag}-{i}.html`. `index_0.html` is page 1 too, and the section page
/// of a `?page=0` list is its page 1.
fn form_portal(form: Form, size: usize, total: usize) -> RouteServer {
    let server = RouteServer::bind("127.0.0.201");
    let pages = total.div_ceil(size);
    let mut numbers: HashMap<String, usize> = (1..=pages).map(|k| (form.target(k), k)).collect();
    numbers.insert(form.section().to_string(), 1);
    let tag = format!("{form:?}");
    server.serve(Arc::new(move |target: &str| {
        if let Some(&k) = numbers.get(target) {
            let entries: String = ((k - 1) * size + 1..=(k * size).min(total))
                .map(|i| {
                    format!(
                        "<li><a href=\"/art/{tag}-{i}.html\">某某县人民政府政府信息公开工作年度报告（{i}）</a><span>2023-{:02}-{:02}</span></li>",
                        12 - i / 28 % 12,
                        28 - i % 28
                    )
                })
                .collect();
            let body = format!("<ul>{entries}</ul>{}", form.pager(k, pages));
            return (200, HTML.to_string(), page("", &body));
        }
        if target.starts_with("/art/") {
            return (200, HTML.to_string(), report(target));
        }
        not_found()
    }));
    server
}

/// Each pager form, at a page size of 10, 15, 20 or 50 entries and a last page of one: every
/// report is asked once, every list page at most once (page 1 under a second name counted), none
/// outside the section, and the ledger found every report with no page left unwalked.
#[test]
fn every_pager_form_at_every_page_size_finds_each_report_once() {
    let forms = [
        (Form::TrsScript, 10, 161),
        (Form::EllipsisTrs, 10, 161),
        (Form::EllipsisFromTwo, 15, 46),
        (Form::FromZeroFiles, 20, 41),
        (Form::QueryFromZero, 50, 101),
        (Form::QueryAlone, 10, 21),
        (Form::SelectOfPages, 15, 31),
        (Form::StatedCount, 20, 41),
        (Form::TraditionalFullWidth, 10, 161),
    ];
    for (form, size, total) in forms {
        let server = form_portal(form, size, total);
        let (out, dir) = backfill_county(&server.base, form.section(), "1ms", "2000-2100");
        let summary = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "{form:?}: {summary}");
        let requests = server.requests();
        assert_in_scope(&requests, "/nb/");
        for i in 1..=total {
            let path = format!("/art/{form:?}-{i}.html");
            let asked = requests.iter().filter(|t| **t == path).count();
            assert_eq!(asked, 1, "{form:?}: {path} asked {asked} times: {summary}");
        }
        let pages = total.div_ceil(size);
        for k in 1..=pages {
            let target = form.target(k);
            let asked = requests.iter().filter(|t| **t == target).count();
            assert!(asked <= 1, "{form:?}: {target} asked {asked} times");
        }
        let listed = requests.iter().filter(|t| t.starts_with("/nb/")).count();
        assert!(
            listed <= pages + 1,
            "{form:?}: {listed} list pages: {requests:?}"
        );
        let run = newest_run_report(dir.path());
        let ledger = &run["portals"][PORTAL]["lists"]["all"];
        assert_eq!(ledger["found"], total, "{form:?}: {ledger}");
        assert_eq!(ledger["pages"], pages, "{form:?}: {ledger}");
        if matches!(
            form,
            Form::TrsScript | Form::StatedCount | Form::TraditionalFullWidth
        ) {
            assert_eq!(ledger["stated_pages"], pages, "{form:?}: {ledger}");
        }
        let stops = ledger["stops"].to_string();
        assert!(!stops.contains("not walked"), "{form:?}: {ledger}");
    }
}
