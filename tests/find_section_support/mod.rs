//! Shared helpers of the find-section tests: the config and the run of `find-section`, and the
//! simulated county portals in every variant of encoding, script and label form.
#![allow(dead_code)]

use std::sync::Arc;

use crate::common;
use crate::common::pages::traditional;
use crate::common::route_server::{RouteServer, write_config};
use crate::common::stderr;
use encoding_rs::Encoding;
use serde_json::Value;

/// A config with a gap of `interval_ms` and nothing else: find-section needs no portal.
pub fn config(dir: &std::path::Path, interval_ms: u64) -> std::path::PathBuf {
    write_config(
        dir,
        &format!(
            "data_dir = \"data\"\n[politeness]\nuser_agent = \"nianbao-test/0.1 (+http://127.0.0.1/contact)\"\n\
             per_host_interval = \"{interval_ms}ms\"\n[fetch]\nretry_base = \"20ms\"\nmax_retries = 1\n"
        ),
    )
}

/// Runs `find-section START --format json` (and `extra`) with a config of `interval_ms`.
pub fn find_section(start: &str, interval_ms: u64, extra: &[&str]) -> (Option<i32>, Value, String) {
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = config(dir.path(), interval_ms);
    let mut args = vec!["find-section", start, "--format", "json"];
    args.extend_from_slice(extra);
    let out = common::route_server::run_nianbao(&config, &args);
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "find-section prints JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            stderr(&out)
        )
    });
    (out.status.code(), json, stderr(&out))
}

/// How a portal prints the labels and which characters and bytes it uses.
#[derive(Debug, Clone, Copy)]
pub struct Variant {
    pub encoding: &'static Encoding,
    pub traditional: bool,
    /// Labels as link text, as a `title` attribute of an empty link, or as an image's `alt`.
    pub label: LabelForm,
    /// The home page links the disclosure column; otherwise only a report in its news box.
    pub navigation: bool,
    /// The column is a page of per-year lists rather than one list.
    pub year_lists: bool,
}

#[derive(Debug, Clone, Copy)]
pub enum LabelForm {
    Text,
    Title,
    ImageAlt,
    /// `<a href="javascript:void(0);" onclick="window.open('…')">`.
    Script,
    /// `<li onclick="window.location.href='…'">`, no link at all.
    MenuScript,
}

/// The characters these pages print beyond `common::pages::traditional`'s.
pub fn to_traditional(html: &str) -> String {
    const MORE: &[(char, char)] = &[
        ('资', '資'),
        ('讯', '訊'),
        ('门', '門'),
        ('户', '戶'),
        ('网', '網'),
        ('闻', '聞'),
        ('动', '動'),
        ('内', '內'),
        ('关', '關'),
        ('录', '錄'),
        ('业', '業'),
        ('规', '規'),
        ('发', '發'),
        ('构', '構'),
        ('总', '總'),
        ('体', '體'),
        ('况', '況'),
    ];
    traditional(html)
        .chars()
        .map(|c| MORE.iter().find(|(s, _)| *s == c).map_or(c, |(_, t)| *t))
        .collect()
}

/// A link to `href` labelled `label` in the variant's form.
pub fn link(v: Variant, href: &str, label: &str) -> String {
    match v.label {
        LabelForm::Text => format!("<a href=\"{href}\">{label}</a>"),
        LabelForm::Title => {
            format!("<a href=\"{href}\" title=\"{label}\"><span class=\"icon\"></span></a>")
        }
        LabelForm::ImageAlt => {
            format!("<a href=\"{href}\"><img src=\"/img/nav.png\" alt=\"{label}\"></a>")
        }
        LabelForm::Script => {
            format!("<a href=\"javascript:void(0);\" onclick=\"window.open('{href}')\">{label}</a>")
        }
        LabelForm::MenuScript => {
            format!("<li onclick=\"window.location.href='{href}'\">{label}</li>")
        }
    }
}

/// The pages of one county portal (`other` is another site's base), by request target.
pub fn county_page(v: Variant, target: &str, other: &str) -> Option<String> {
    let html = |title: &str, body: String| {
        format!(
            "<html><head><meta charset=\"{}\"><title>{title}</title>\
             <meta name=\"SiteIDCode\" content=\"5109030018\"></head><body>{body}</body></html>",
            v.encoding.name()
        )
    };
    let report = |year: i32| format!("某某县{year}年政府信息公开工作年度报告");
    let page = match target {
        "/" | "/index.html" => {
            let mut nav = String::from(
                "<div class=\"nav\"><a href=\"/\">首页</a><a href=\"/news/\">新闻中心</a>",
            );
            if v.navigation {
                nav.push_str(&link(v, "/zwgk/", "政务公开"));
            }
            nav.push_str("<a href=\"/hdjl/\">互动交流</a></div>");
            let news = format!(
                "<div class=\"news\"><ul><li><a href=\"/news/1.html\">县春耕活动</a><span>2024-03-02</span></li>\
                 <li><a href=\"/zwgk/nb/2023/t1.html\">{}</a><span>2024-01-20</span></li></ul></div>",
                report(2023)
            );
            let foot = format!(
                "<div class=\"foot\"><a href=\"/qynb/\">企业年报公示</a>\
                 <a href=\"/private/xxgk/\">政府信息公开平台</a>\
                 <a href=\"{other}/xxgk/\">市政府信息公开</a></div>"
            );
            html("某某县人民政府门户网站", format!("{nav}{news}{foot}"))
        }
        "/zwgk/" => html(
            "政务公开_某某县人民政府",
            format!(
                "<div class=\"left\">{}{}{}{}</div>",
                link(v, "/zwgk/zn/", "政府信息公开指南"),
                link(v, "/zwgk/zd/", "政府信息公开制度"),
                link(v, "/zwgk/fdzdgknr/", "法定主动公开内容"),
                link(v, "/zwgk/nb/", "政府信息公开年报"),
            ),
        ),
        "/zwgk/nb/" if v.year_lists => html(
            "政府信息公开年报_某某县人民政府",
            format!(
                "<ul class=\"years\">{}</ul>",
                (2019..=2023)
                    .rev()
                    .map(|y| format!("<li><a href=\"/zwgk/nb/{y}/\">{y}年度</a></li>"))
                    .collect::<String>()
            ),
        ),
        "/zwgk/nb/" => html(
            "政府信息公开年报_某某县人民政府",
            format!(
                "<div class=\"crumb\">首页 &gt; 政务公开 &gt; 政府信息公开年报</div><ul class=\"list\">{}</ul><div class=\"page\">共1页</div>",
                (2014..=2023)
                    .rev()
                    .map(|y| format!(
                        "<li><a href=\"/zwgk/nb/{y}/t1.html\">{}</a><span>{}-01-20</span></li>",
                        report(y),
                        y + 1
                    ))
                    .collect::<String>()
            ),
        ),
        "/zwgk/nb/2023/t1.html" => html(
            &report(2023),
            format!(
                "<div class=\"crumb\"><a href=\"/\">首页</a> &gt; {} &gt; {}</div>\
                 <h1>{}</h1><p>发布机构：某某县人民政府办公室</p><p>一、总体情况</p>",
                link(v, "/zwgk/", "政务公开"),
                link(v, "/zwgk/nb/", "政府信息公开年报"),
                report(2023)
            ),
        ),
        "/zwgk/fdzdgknr/" => html(
            "法定主动公开内容",
            "<ul><li><a href=\"/zwgk/fdzdgknr/gz/\">规章</a></li></ul>".into(),
        ),
        "/robots.txt" => return Some("User-agent: *\nDisallow: /private/\n".into()),
        // Home pages that only send the reader on.
        "/refresh/" => html(
            "",
            "<meta http-equiv=\"refresh\" content=\"0; url=/index.html\">".into(),
        ),
        "/script/" => html(
            "",
            "<script>window.location.href = \"/index.html\";</script>".into(),
        ),
        _ => return None,
    };
    Some(if v.traditional {
        to_traditional(&page)
    } else {
        page
    })
}

/// Serves a county portal of variant `v` on `ip`; `other` is another site's base URL.
pub fn serve_county(ip: &str, v: Variant, other: String) -> RouteServer {
    let server = RouteServer::bind(ip);
    server.serve(Arc::new(move |target: &str| {
        let content_type = format!("text/html; charset={}", v.encoding.name());
        match county_page(v, target, &other) {
            Some(page) => {
                let (bytes, _, unmappable) = v.encoding.encode(&page);
                assert!(!unmappable, "test page encodable in {}", v.encoding.name());
                let content_type = if target == "/robots.txt" {
                    "text/plain".to_string()
                } else {
                    content_type
                };
                (200, content_type, bytes.into_owned())
            }
            None => (
                404,
                content_type,
                b"<html><body>not found</body></html>".to_vec(),
            ),
        }
    }));
    server
}

/// A Simplified county portal in `encoding` with its labels as link text, on `ip`, and the
/// other site it links (which answers 404), on `other_ip`.
pub fn plain_county(
    ip: &str,
    other_ip: &str,
    encoding: &'static Encoding,
) -> (RouteServer, RouteServer) {
    let other = RouteServer::bind(other_ip);
    other.serve(Arc::new(|_: &str| (404, "text/html".into(), Vec::new())));
    let v = Variant {
        encoding,
        traditional: false,
        label: LabelForm::Text,
        navigation: true,
        year_lists: false,
    };
    (serve_county(ip, v, other.base.clone()), other)
}
