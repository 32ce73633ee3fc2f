//! Shared helpers of the backfill-ledger tests: the config, the pages of the simulated portal
//! (year menus, year lists, report pages, PDFs), and what the export, coverage and archive say.
#![allow(dead_code)]

use std::collections::BTreeSet;

use crate::common::route_server::{run_nianbao, write_config};
use crate::common::stderr;
use serde_json::Value;

pub const HTML: &str = "text/html; charset=utf-8";

pub const PORTAL: &str = "某某县人民政府";

pub fn config(dir: &std::path::Path, url: &str, interval: &str) -> std::path::PathBuf {
    let text = format!(
        "data_dir = \"data\"\n[politeness]\nuser_agent = \"nianbao-test/0.1 (+http://127.0.0.1/contact)\"\n\
         per_host_interval = \"{interval}\"\n[fetch]\nretry_base = \"20ms\"\nmax_retries = 1\n\
         [[portal]]\nname = \"{PORTAL}\"\nurl = \"{url}\"\n"
    );
    write_config(dir, &text)
}

pub fn page(title: &str, body: &str) -> Vec<u8> {
    format!(
        "<html><head><meta charset=\"utf-8\"><title>{title}</title></head><body>{body}</body></html>"
    )
    .into_bytes()
}

/// The links of the section's year menu: each year's list at the URL given.
pub fn menu_links(years: &[(i32, String)]) -> String {
    let links: String = years
        .iter()
        .map(|(y, url)| format!("<li><a href=\"{url}\">{y}年</a></li>"))
        .collect();
    format!("<div class=\"years\"><ul>{links}</ul></div>")
}

/// The section's year menu: each year's list at the URL given.
pub fn year_menu(years: &[(i32, String)]) -> Vec<u8> {
    page(
        "政府信息公开年报",
        &format!("{}<p>请选择年度</p>", menu_links(years)),
    )
}

/// The entries of a list, each dated `published`.
pub fn entries_html(entries: &[(String, String)], published: &str) -> String {
    let items: String = entries
        .iter()
        .map(|(url, title)| {
            format!("<li><a href=\"{url}\">{title}</a><span>{published}</span></li>")
        })
        .collect();
    format!("<ul>{items}</ul>")
}

pub fn year_list(year: i32, entries: &[(String, String)]) -> Vec<u8> {
    let published = format!("{}-01-20", year + 1);
    page(&format!("{year}年"), &entries_html(entries, &published))
}

pub fn report_page(year: i32) -> Vec<u8> {
    body_report_page(PORTAL, &format!("{PORTAL}办公室"), year)
}

/// The `year` report of `body`, its year in its heading, published by `issuer`.
pub fn body_report_page(body: &str, issuer: &str, year: i32) -> Vec<u8> {
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
pub fn year_in(target: &str, prefix: &str, suffix: &str) -> Option<i32> {
    target
        .strip_prefix(prefix)
        .and_then(|t| t.strip_suffix(suffix))
        .and_then(|y| y.parse::<i32>().ok())
}

pub fn export(config: &std::path::Path) -> Vec<Value> {
    let out = run_nianbao(config, &["export"]);
    assert!(out.status.success(), "export: {}", stderr(&out));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("export line is JSON"))
        .collect()
}

/// The coverage cell of `year` for the portal's own body.
pub fn coverage_cell(config: &std::path::Path, year: i32) -> Value {
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

pub fn stops(run: &Value, list: &str) -> String {
    run["portals"][PORTAL]["lists"][list]["stops"].to_string()
}

pub fn paths(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|p| p.to_string()).collect()
}

/// The paths of the archived documents.
pub fn archived(config: &std::path::Path) -> BTreeSet<String> {
    export(config)
        .iter()
        .filter_map(|r| r["url"].as_str())
        .filter_map(|u| url::Url::parse(u).ok())
        .map(|u| u.path().to_string())
        .collect()
}

pub fn pdf(year: i32) -> (u16, String, Vec<u8>) {
    let body = format!("%PDF-1.4\n{year} report\n%%EOF\n");
    (200, "application/pdf".into(), body.into_bytes())
}
