//! `nianbao find-section`: the real binary walks simulated portals from their home pages to the
//! annual-report section, in Simplified and Traditional, UTF-8, GBK and Big5, with the labels as
//! text, `title`, an image's `alt` or a script's menu entry, the column reached from the navigation or only through a
//! report's breadcrumb; never leaves the site, never asks what robots.txt refuses or what its
//! labels do not lead to, keeps the host gap, and stops within its budget.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::pages::traditional;
use common::route_server::{RouteServer, write_config};
use common::stderr;
use encoding_rs::{BIG5, Encoding, GBK, UTF_8};
use nianbao::discover::section::{LinkRole, read_signs};
use serde_json::Value;
use url::Url;

macro_rules! shared_page {
    ($path:literal) => {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/", $path)
    };
}

/// A config with a gap of `interval_ms` and nothing else: find-section needs no portal.
fn config(dir: &std::path::Path, interval_ms: u64) -> std::path::PathBuf {
    write_config(
        dir,
        &format!(
            "data_dir = \"data\"\n[politeness]\nuser_agent = \"nianbao-test/0.1 (+http://127.0.0.1/contact)\"\n\
             per_host_interval = \"{interval_ms}ms\"\n[fetch]\nretry_base = \"20ms\"\nmax_retries = 1\n"
        ),
    )
}

/// Runs `find-section START --format json` (and `extra`) with a config of `interval_ms`.
fn find_section(start: &str, interval_ms: u64, extra: &[&str]) -> (Option<i32>, Value, String) {
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
struct Variant {
    encoding: &'static Encoding,
    traditional: bool,
    /// Labels as link text, as a `title` attribute of an empty link, or as an image's `alt`.
    label: LabelForm,
    /// The home page links the disclosure column; otherwise only a report in its news box.
    navigation: bool,
    /// The column is a page of per-year lists rather than one list.
    year_lists: bool,
}

#[derive(Debug, Clone, Copy)]
enum LabelForm {
    Text,
    Title,
    ImageAlt,
    /// `<a href="javascript:void(0);" onclick="window.open('…')">`.
    Script,
    /// `<li onclick="window.location.href='…'">`, no link at all.
    MenuScript,
}

/// The characters these pages print beyond `common::pages::traditional`'s.
fn to_traditional(html: &str) -> String {
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
fn link(v: Variant, href: &str, label: &str) -> String {
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
fn county_page(v: Variant, target: &str, other: &str) -> Option<String> {
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
fn serve_county(ip: &str, v: Variant, other: String) -> RouteServer {
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

#[test]
fn the_section_is_found_from_the_home_page_in_every_variant() {
    let other = RouteServer::bind("127.0.0.62");
    other.serve(Arc::new(|_: &str| {
        (200, "text/html".into(), b"<html></html>".to_vec())
    }));
    let mut variants = Vec::new();
    for (encoding, traditional) in [(UTF_8, false), (GBK, false), (BIG5, true), (UTF_8, true)] {
        for label in [
            LabelForm::Text,
            LabelForm::Title,
            LabelForm::ImageAlt,
            LabelForm::Script,
            LabelForm::MenuScript,
        ] {
            variants.push(Variant {
                encoding,
                traditional,
                label,
                navigation: true,
                year_lists: false,
            });
        }
    }
    // The column reached only through the report in the home page's news box; and a column of
    // per-year lists.
    variants.push(Variant {
        encoding: UTF_8,
        traditional: false,
        label: LabelForm::Text,
        navigation: false,
        year_lists: false,
    });
    variants.push(Variant {
        encoding: BIG5,
        traditional: true,
        label: LabelForm::Text,
        navigation: false,
        year_lists: true,
    });
    variants.push(Variant {
        encoding: GBK,
        traditional: false,
        label: LabelForm::Title,
        navigation: true,
        year_lists: true,
    });
    for v in variants {
        let server = serve_county("127.0.0.61", v, other.base.clone());
        let (code, found, err) = find_section(&format!("{}/", server.base), 20, &[]);
        assert_eq!(code, Some(0), "{v:?}: {found}\n{err}");
        let best = &found["candidates"][0];
        assert_eq!(
            best["url"],
            format!("{}/zwgk/nb/", server.base),
            "{v:?}: {found}"
        );
        if v.year_lists {
            assert_eq!(best["kind"], "channel_index", "{v:?}: {best}");
            assert_eq!(best["year_lists"], 5, "{v:?}: {best}");
        } else {
            assert_eq!(best["kind"], "list", "{v:?}: {best}");
            assert_eq!(best["reports"], 10, "{v:?}: {best}");
            assert_eq!(best["entries"], 10, "{v:?}: {best}");
            assert_eq!(best["first_year"], 2014, "{v:?}: {best}");
            assert_eq!(best["last_year"], 2023, "{v:?}: {best}");
        }
        let label = |s: &str| {
            if v.traditional {
                to_traditional(s)
            } else {
                s.to_string()
            }
        };
        let path: Vec<String> = if v.navigation {
            vec![label("政务公开"), label("政府信息公开年报")]
        } else {
            vec![
                label("某某县2023年政府信息公开工作年度报告"),
                label("政府信息公开年报"),
            ]
        };
        assert_eq!(best["path"], serde_json::json!(path), "{v:?}: {best}");
        assert_eq!(found["site_code"], "5109030018", "{v:?}");
        assert_eq!(
            found["body"],
            label("某某县人民政府").as_str(),
            "{v:?}: {found}"
        );
        // Only the pages on the way: never the guide, the rules, the enterprises' filings, a
        // path robots.txt refuses, or the news.
        let asked = server.requests();
        for never in [
            "/zwgk/zn/",
            "/zwgk/zd/",
            "/qynb/",
            "/private/xxgk/",
            "/news/",
            "/hdjl/",
        ] {
            assert!(
                !asked.iter().any(|t| t == never),
                "{v:?}: asked {never}: {asked:?}"
            );
        }
        assert_eq!(
            asked.iter().filter(|t| *t == "/robots.txt").count(),
            1,
            "{asked:?}"
        );
        // Found on the first report column's page: nothing asked after it.
        assert_eq!(
            asked.last().map(String::as_str),
            Some("/zwgk/nb/"),
            "{v:?}: {asked:?}"
        );
        assert!(asked.len() <= 5, "{v:?}: {asked:?}");
        assert_eq!(found["requests"], asked.len() - 1, "{v:?}: {asked:?}");
        // The other site's link is named, not followed.
        assert_eq!(
            found["elsewhere"][0]["url"],
            format!("{}/xxgk/", other.base),
            "{v:?}: {found}"
        );
    }
    assert!(other.requests().is_empty(), "{:?}", other.requests());
}

/// A portal of `pages` pages that each link the next as 政务公开 N and never list a report.
fn endless_hub(pages: usize) -> RouteServer {
    let server = RouteServer::bind("127.0.0.63");
    server.serve(Arc::new(move |target: &str| {
        let n: usize = target
            .trim_start_matches("/hub/")
            .trim_end_matches(".html")
            .parse()
            .unwrap_or(0);
        if target != "/" && !target.starts_with("/hub/") || n > pages {
            return (404, "text/html".into(), b"<html></html>".to_vec());
        }
        let links: String = (n + 1..=n + 3)
            .map(|m| format!("<a href=\"/hub/{m}.html\">政务公开{m}</a>"))
            .collect();
        (
            200,
            "text/html; charset=utf-8".into(),
            format!("<html><head><title>某某市人民政府</title></head><body>{links}</body></html>")
                .into_bytes(),
        )
    }));
    server
}

/// A Simplified county portal in `encoding` with its labels as link text, on `ip`, and the
/// other site it links (which answers 404), on `other_ip`.
fn plain_county(
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

#[test]
fn a_home_page_that_only_sends_the_reader_on_is_followed() {
    let (server, _other) = plain_county("127.0.0.67", "127.0.0.66", GBK);
    for shell in ["/refresh/", "/script/"] {
        let (code, found, err) = find_section(&format!("{}{shell}", server.base), 20, &[]);
        assert_eq!(code, Some(0), "{shell}: {found}\n{err}");
        assert_eq!(
            found["candidates"][0]["url"],
            format!("{}/zwgk/nb/", server.base),
            "{shell}: {found}"
        );
        assert_eq!(
            found["candidates"][0]["path"],
            serde_json::json!(["政务公开", "政府信息公开年报"]),
            "{shell}: {found}"
        );
        assert_eq!(found["body"], "某某县人民政府", "{shell}: {found}");
        assert_eq!(found["site_code"], "5109030018", "{shell}: {found}");
    }
}

#[test]
fn a_disclosure_platform_only_a_script_fills_is_named_with_its_api() {
    let server = RouteServer::bind("127.0.0.68");
    server.serve(Arc::new(|target: &str| {
        let html = "text/html; charset=utf-8".to_string();
        match target {
            "/" => (
                200,
                html,
                "<html><head><title>某某区人民政府</title></head><body>\
                 <a href=\"/gkmlpt/index\">政府信息公开</a><a href=\"/news/\">新闻</a></body></html>"
                    .into(),
            ),
            "/gkmlpt/index" => (
                200,
                html,
                "<html><head><meta charset=\"utf-8\"><title>政府信息公开</title>\
                 <link rel=\"stylesheet\" href=\"/gkmlpt/static/css/index.css\"></head><body><div id=\"app\"></div>\
                 <script>window.GKMLPT = { SID: '755031', BASE: '/gkmlpt/' };</script>\
                 <script src=\"/gkmlpt/static/js/index.js\"></script></body></html>"
                    .into(),
            ),
            _ => (404, html, Vec::new()),
        }
    }));
    let start = format!("{}/", server.base);
    let (code, found, err) = find_section(&start, 20, &[]);
    assert_eq!(code, Some(0), "{found}\n{err}");
    let best = &found["candidates"][0];
    assert_eq!(
        best["url"],
        format!("{}/gkmlpt/index", server.base),
        "{found}"
    );
    assert_eq!(best["kind"], "needs_javascript", "{best}");
    assert!(
        best["detail"]
            .as_str()
            .is_some_and(|d| d.contains("sid=755031") && d.contains("list_api = \"gkmlpt\"")),
        "{best}"
    );
    // The text form says how to read it instead of offering the page as a seed.
    let dir = tempfile::tempdir().expect("scratch dir");
    let out = common::route_server::run_nianbao(&config(dir.path(), 20), &["find-section", &start]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("filled by a script"), "{text}");
    assert!(!text.contains("[[portal]]"), "{text}");
}

/// A county's disclosure platform listing its departments and a town, each with a 年报 column.
fn platform() -> RouteServer {
    const BODIES: [(&str, &str); 3] = [
        ("czj", "某某县财政局"),
        ("jyj", "某某县教育局"),
        ("mmz", "某某镇"),
    ];
    let server = RouteServer::bind("127.0.0.69");
    server.serve(Arc::new(|target: &str| {
        let page = |title: &str, body: String| {
            (
                200,
                "text/html; charset=utf-8".to_string(),
                format!("<html><head><title>{title}</title></head><body>{body}</body></html>").into_bytes(),
            )
        };
        let reports = |name: &str, prefix: &str| {
            (2021..=2023)
                .map(|y| {
                    format!(
                        "<li><a href=\"{prefix}{y}.html\">{name}{y}年政府信息公开工作年度报告</a><span>{}-01-15</span></li>",
                        y + 1
                    )
                })
                .collect::<String>()
        };
        match target {
            "/" => page(
                "某某县人民政府门户网站",
                "<a href=\"/xxgk/\">政府信息公开</a><a href=\"/news/\">新闻中心</a>".into(),
            ),
            "/xxgk/" => page(
                "政府信息公开",
                format!(
                    "<ul><li><a href=\"/xxgk/zn/\">政府信息公开指南</a></li><li><a href=\"/xxgk/nb/\">政府信息公开年报</a></li></ul>\
                     <h3>部门信息公开</h3><ul>{}</ul><a href=\"/news/\">新闻中心</a>",
                    BODIES
                        .iter()
                        .map(|(d, name)| format!("<li><a href=\"/xxgk/{d}/\">{name}</a></li>"))
                        .collect::<String>()
                ),
            ),
            "/xxgk/nb/" => page("政府信息公开年报", format!("<ul>{}</ul>", reports("某某县人民政府", "/xxgk/nb/"))),
            _ => {
                for (d, name) in BODIES {
                    if target == format!("/xxgk/{d}/") {
                        return page(
                            &format!("{name}信息公开"),
                            format!(
                                "<a href=\"/xxgk/{d}/zn/\">政府信息公开指南</a><a href=\"/xxgk/{d}/nb/\">政府信息公开年报</a>"
                            ),
                        );
                    }
                    if target == format!("/xxgk/{d}/nb/") {
                        return page(
                            "政府信息公开年报",
                            format!("<ul>{}</ul>", reports(name, &format!("/xxgk/{d}/nb/"))),
                        );
                    }
                }
                (404, "text/html".into(), Vec::new())
            }
        }
    }));
    server
}

#[test]
fn with_all_every_body_on_a_platform_gets_its_seed_entry() {
    let server = platform();
    let start = format!("{}/", server.base);
    let (code, found, err) = find_section(&start, 20, &["--all"]);
    assert_eq!(code, Some(0), "{found}\n{err}");
    let mut sections: Vec<(String, Value)> = found["candidates"]
        .as_array()
        .expect("candidates")
        .iter()
        .map(|c| {
            (
                c["url"].as_str().unwrap_or("").replace(&server.base, ""),
                c["body"].clone(),
            )
        })
        .collect();
    sections.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        sections,
        [
            ("/xxgk/czj/nb/".to_string(), Value::from("某某县财政局")),
            ("/xxgk/jyj/nb/".to_string(), Value::from("某某县教育局")),
            ("/xxgk/mmz/nb/".to_string(), Value::from("某某镇")),
            ("/xxgk/nb/".to_string(), Value::Null),
        ],
        "{found}"
    );
    // The way to each column and the column, never its reports, the guides or the news.
    let asked = server.requests();
    assert!(
        !asked
            .iter()
            .any(|t| t.contains("/zn/") || t == "/news/" || t.ends_with(".html")),
        "{asked:?}"
    );
    assert_eq!(found["requests"], 9, "{asked:?}");
    // The text form prints an entry for each, the county's own under the home page's name.
    let dir = tempfile::tempdir().expect("scratch dir");
    let out = common::route_server::run_nianbao(
        &config(dir.path(), 20),
        &["find-section", &start, "--all"],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let names: Vec<String> = text
        .split("[[portal]]")
        .skip(1)
        .map(|entry| toml_like::parse(entry).name)
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["某某县人民政府", "某某县教育局", "某某县财政局", "某某镇"],
        "{text}"
    );
    // Without --all the walk ends at the county's own column and never asks a department.
    let (_, found, _) = find_section(&start, 20, &[]);
    assert_eq!(
        found["candidates"].as_array().map(Vec::len),
        Some(1),
        "{found}"
    );
    assert_eq!(
        found["candidates"][0]["url"],
        format!("{}/xxgk/nb/", server.base)
    );
}

#[test]
fn a_site_without_a_section_ends_within_the_budget_and_keeps_the_gap() {
    let server = endless_hub(100);
    let (code, found, err) =
        find_section(&format!("{}/", server.base), 150, &["--max-requests", "7"]);
    assert_eq!(code, Some(1), "{found}\n{err}");
    assert_eq!(found["candidates"], serde_json::json!([]), "{found}");
    assert_eq!(found["requests"], 7, "{found}");
    let timed = server.timed_requests();
    let pages: Vec<_> = timed.iter().filter(|(t, _)| t != "/robots.txt").collect();
    assert_eq!(pages.len(), 7, "{timed:?}");
    // The configured gap of 150 ms between requests to the host, robots.txt included.
    for pair in timed.windows(2) {
        let gap = pair[1].1.duration_since(pair[0].1);
        assert!(
            gap >= Duration::from_millis(140),
            "gap of {gap:?} before {}: {timed:?}",
            pair[1].0
        );
    }
    // The text form says so.
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = config(dir.path(), 20);
    let start = format!("{}/", server.base);
    let out = common::route_server::run_nianbao(
        &config,
        &["find-section", &start, "--max-requests", "2"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("no section found"), "{text}");
    assert!(text.contains("requests: 2"), "{text}");
}

#[test]
fn the_text_form_ends_with_a_seed_entry_that_loads() {
    let (server, _other) = plain_county("127.0.0.65", "127.0.0.64", UTF_8);
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = config(dir.path(), 20);
    let start = format!("{}/", server.base);
    let out = common::route_server::run_nianbao(&config, &["find-section", &start]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.contains("path:  政务公开 > 政府信息公开年报"),
        "{text}"
    );
    let seed = &text[text.find("[[portal]]").expect("a seed entry")..];
    // The entry is a portal nianbao loads as it is.
    let with_seed = format!(
        "{}{seed}",
        std::fs::read_to_string(&config).expect("config")
    );
    let config = write_config(dir.path(), &with_seed);
    let dry = common::route_server::run_nianbao(&config, &["crawl", "--dry-run"]);
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    let summary = String::from_utf8_lossy(&dry.stdout);
    let would_fetch = summary
        .lines()
        .filter(|l| l.starts_with("would fetch "))
        .count();
    assert_eq!(would_fetch, 10, "{summary}");
    let seed = toml_like::parse(seed);
    assert_eq!(seed.name, "某某县人民政府");
    assert_eq!(seed.url, format!("{}/zwgk/nb/", server.base));
}

/// The two keys of the printed seed entry, read without a TOML crate in the tests.
mod toml_like {
    pub struct Seed {
        pub name: String,
        pub url: String,
    }

    pub fn parse(entry: &str) -> Seed {
        let value = |key: &str| -> String {
            let line = entry
                .lines()
                .find(|l| l.starts_with(&format!("{key} = ")))
                .unwrap_or_else(|| panic!("{key} in {entry}"));
            serde_json::from_str(&line[key.len() + 3..]).expect("a quoted string")
        };
        Seed {
            name: value("name"),
            url: value("url"),
        }
    }
}

/// A real report page of 平潭 whose breadcrumb (`../`) links its column, served with a real
/// TRS 信息公开年报 list (鄂尔多斯's: 4 reports among 10 entries) as that column.
#[test]
fn from_a_real_report_page_its_column_is_found_and_the_body_named() {
    let server = RouteServer::bind("127.0.0.70");
    server.serve(Arc::new(|target: &str| {
        let path = match target {
            "/zwgk/zfxxgk/zfxxgknb/202503/t20250310_97791.htm" => {
                shared_page!("real-pages-2/12-pingtan-2024-annual-report-item.html")
            }
            "/zwgk/zfxxgk/zfxxgknb/" => shared_page!("real-pages/trs-ordos-xxgknb-list-utf8.html"),
            _ => return (404, "text/html".into(), Vec::new()),
        };
        let body = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        (200, "text/html; charset=utf-8".into(), body)
    }));
    let start = format!(
        "{}/zwgk/zfxxgk/zfxxgknb/202503/t20250310_97791.htm",
        server.base
    );
    let (code, found, err) = find_section(&start, 20, &[]);
    assert_eq!(code, Some(0), "{found}\n{err}");
    let best = &found["candidates"][0];
    assert_eq!(
        best["url"],
        format!("{}/zwgk/zfxxgk/zfxxgknb/", server.base),
        "{found}"
    );
    assert_eq!(
        (best["reports"].as_u64(), best["entries"].as_u64()),
        (Some(4), Some(10)),
        "{best}"
    );
    assert_eq!(found["body"], "平潭综合实验区党工委管委会", "{found}");
    // The column with news filed beside its reports ends the walk: nothing asked after it.
    let asked = server.requests();
    assert_eq!(
        asked.last().map(String::as_str),
        Some("/zwgk/zfxxgk/zfxxgknb/"),
        "{asked:?}"
    );
}

/// The signs of a real page in `shared/` (UTF-8) fetched from `url`.
fn real_signs(path: &str, url: &str) -> nianbao::discover::section::PageSigns {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let html = String::from_utf8_lossy(&bytes);
    read_signs(&Url::parse(url).expect("URL literal"), &html, UTF_8)
}

/// The report columns a page links: (URL, label).
fn report_columns(signs: &nianbao::discover::section::PageSigns) -> Vec<(&str, &str)> {
    signs
        .links
        .iter()
        .filter(|l| l.role == LinkRole::ReportColumn)
        .map(|l| (l.url.as_str(), l.label.as_str()))
        .collect()
}

#[test]
fn real_pages_name_their_report_column_and_nothing_else_does() {
    // A 2024 report of 平潭 links its column in the breadcrumb (`../`) and names it in its meta.
    let pingtan = real_signs(
        shared_page!("real-pages-2/12-pingtan-2024-annual-report-item.html"),
        "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202503/t20250310_97791.htm",
    );
    assert_eq!(pingtan.column_name.as_deref(), Some("政府信息公开年报"));
    let columns = report_columns(&pingtan);
    assert_eq!(
        columns,
        [(
            "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/",
            "政府信息公开年报"
        )]
    );
    assert!(
        pingtan.links.iter().any(|l| l.role == LinkRole::Disclosure
            && l.url.as_str() == "https://www.pingtan.gov.cn/zwgk/zfxxgk/"),
        "{:?}",
        pingtan.links
    );
    // 邯郸's guide page links the platform's 年报 column with its label split over two lines.
    let handan = real_signs(
        shared_page!("real-pages-2/07-handan-gkzn-guide-list.html"),
        "http://hdzfxxgk.hd.gov.cn/zfxxgkzn/",
    );
    let columns = report_columns(&handan);
    assert_eq!(
        columns,
        [("http://hdzfxxgk.hd.gov.cn/zfxxgknb/", "政府信息 公开年报")]
    );
    assert_eq!(handan.column_name.as_deref(), Some("政府信息公开指南"));
    // 鄂尔多斯's 信息公开年报 list links itself as the column, beside the guide and the rules.
    let ordos = real_signs(
        shared_page!("real-pages/trs-ordos-xxgknb-list-utf8.html"),
        "http://www.ordos.gov.cn/xxgk/xxgknb/",
    );
    let roles: Vec<_> = ordos
        .links
        .iter()
        .map(|l| (l.url.path(), l.label.as_str(), l.role))
        .collect();
    assert!(
        roles.contains(&("/xxgk/xxgknb/", "信息公开年报", LinkRole::ReportColumn)),
        "{roles:?}"
    );
    assert!(
        !roles
            .iter()
            .any(|(_, label, _)| label.contains("指南") || label.contains("制度")),
        "{roles:?}"
    );
    // Pages of other columns link no report column.
    for (path, url) in [
        (
            shared_page!("real-pages-2/01-wanzai-tjgb2022-item.html"),
            "http://www.wanzai.gov.cn/a/1.shtml",
        ),
        (
            shared_page!("real-pages-2/03-yichun-tjgb2022-item.html"),
            "https://www.yichun.gov.cn/a/1.shtml",
        ),
        (
            shared_page!("real-pages-2/05-handan-jyj-notice-item.html"),
            "http://hdzfxxgk.hd.gov.cn/a/1.html",
        ),
        (
            shared_page!("real-pages-2/11-cmse-xwfbh-item.html"),
            "http://www.cmse.gov.cn/a/1.html",
        ),
        (
            shared_page!("real-pages/hanweb-zj-fgw-detail-meta-utf8.html"),
            "https://fzggw.zj.gov.cn/art/1.html",
        ),
    ] {
        let signs = real_signs(path, url);
        assert!(
            !signs.links.iter().any(|l| l.role == LinkRole::ReportColumn),
            "{path}: {:?}",
            signs.links
        );
    }
}
