//! A column's name printed as the page's heading (and often as its `<title>`) is not the report's
//! title: `<h1>政府信息公开年报</h1>` over `<div class="article-title">和义县教育局2023年…</div>`.
//! The report's own title is taken from the title-like element, the metadata table's 标题 row or
//! a title meta, else the list entry; the column's name is kept when nothing better is there, and
//! a real title that holds a column's name is never taken for one. Read as the crawl reads an
//! item page (`page::analyse` from bytes in UTF-8, GBK and Big5), and once through a crawl.

mod common;

use std::sync::Arc;

use common::pages::read_as;
use common::route_server::{RouteServer, crawled_county, exported, record_ending};
use encoding_rs::{BIG5, Encoding, GBK, UTF_8};
use nianbao::extract::{ListEvidence, Metadata};
use nianbao::page::{PageRole, View};

const URL: &str = "http://www.hy.gov.cn/zwgk/content/202401/t20240120_1.html";

/// One script's words: its column names, the report's title, the site's name, a report's text
/// and the encodings its pages come in.
struct Script {
    name: &'static str,
    columns: [&'static str; 6],
    title: &'static str,
    site: &'static str,
    text: &'static str,
    label: &'static str,
    /// A box's title no longer than any column's name.
    links: &'static str,
    encodings: [(&'static str, &'static Encoding); 2],
}

const SCRIPTS: [Script; 2] = [
    Script {
        name: "Simplified",
        columns: [
            "政府信息公开年报",
            "年度报告",
            "政府信息公开年度报告",
            "法定主动公开内容",
            "政务公开",
            "2023年度",
        ],
        title: "和义县教育局2023年政府信息公开工作年度报告",
        site: "和义县人民政府",
        text: "<div class=\"content\"><p>一、总体情况</p><p>2023年，我局认真贯彻落实条例。</p></div>",
        label: "标题",
        links: "相关链接",
        encodings: [("utf-8", UTF_8), ("gbk", GBK)],
    },
    Script {
        name: "Traditional",
        columns: [
            "政府資訊公開年報",
            "年度報告",
            "資訊公開年報",
            "法定主動公開內容",
            "政務公開",
            "2023年",
        ],
        title: "和義縣教育局2023年政府資訊公開工作年度報告",
        site: "和義縣人民政府",
        text: "<div class=\"content\"><p>一、總體情況</p><p>2023年，我局認真貫徹落實條例。</p></div>",
        label: "標題",
        links: "相關連結",
        encodings: [("utf-8", UTF_8), ("big5", BIG5)],
    },
];

/// The page at `URL` read as an item page from `html` encoded in `encoding`, found on a list
/// whose entry read `listed`.
fn read(html: &str, encoding: &'static Encoding, listed: Option<&str>) -> Metadata {
    let role = PageRole::Item {
        evidence: ListEvidence {
            title: listed.map(str::to_string),
            ..ListEvidence::default()
        },
        portal_name: String::new(),
    };
    match read_as(URL, html, encoding, &role).view {
        View::Item { metadata, .. } => *metadata,
        _ => panic!("{}: not read as an item", encoding.name()),
    }
}

fn page(charset: &str, head: &str, body: &str) -> String {
    format!("<html><head><meta charset=\"{charset}\">{head}</head><body>{body}</body></html>")
}

/// The places CMS templates print the report's own title below the column's heading: in `<head>`
/// (metas) or in the article, before its text.
fn places(title: &str, label: &str) -> Vec<(&'static str, String, String)> {
    let body = |html: String| (String::new(), html);
    let mut places: Vec<(&'static str, (String, String))> = vec![
        (
            "div.article-title",
            body(format!("<div class=\"article-title\">{title}</div>")),
        ),
        ("p.bt", body(format!("<p class=\"bt\">{title}</p>"))),
        (
            "td.title",
            body(format!(
                "<table><tr><td class=\"title\">{title}</td></tr></table>"
            )),
        ),
        (
            "div#zoomtitle",
            body(format!("<div id=\"zoomtitle\">{title}</div>")),
        ),
        (
            "div.xxgk_title",
            body(format!("<div class=\"xxgk_title\">{title}</div>")),
        ),
        (
            "span.biaoti",
            body(format!("<div><span class=\"biaoti\">{title}</span></div>")),
        ),
        (
            "metadata table",
            body(format!(
                "<table class=\"xxgk-table\"><tr><td>{label}：</td><td>{title}</td></tr></table>"
            )),
        ),
        (
            "meta ArticleTitle",
            (
                format!("<meta name=\"ArticleTitle\" content=\"{title}\">"),
                String::new(),
            ),
        ),
        (
            "meta title",
            (
                format!("<meta name=\"title\" content=\"{title}\">"),
                String::new(),
            ),
        ),
    ];
    places
        .drain(..)
        .map(|(name, (head, body))| (name, head, body))
        .collect()
}

/// Every column name × every place of the real title × `<title>` naming the column, the site or
/// the report × each encoding: the report's title is taken, never the column's name.
#[test]
fn a_column_heading_gives_way_to_the_reports_own_title() {
    let mut checked = 0;
    for script in &SCRIPTS {
        for column in script.columns {
            let title_tags = [
                ("column", column.to_string()),
                ("site", script.site.to_string()),
                ("report", format!("{}_{}", script.title, script.site)),
            ];
            for (place, head, below) in places(script.title, script.label) {
                for (tag_kind, tag) in &title_tags {
                    for (charset, encoding) in script.encodings {
                        let html = page(
                            charset,
                            &format!("<title>{tag}</title>{head}"),
                            &format!(
                                "<div class=\"main\"><h1>{column}</h1>{below}{}</div>",
                                script.text
                            ),
                        );
                        let meta = read(&html, encoding, None);
                        assert_eq!(
                            meta.title.as_deref(),
                            Some(script.title),
                            "{} {column} in {place}, <title> the {tag_kind}, {charset}: {:?}",
                            script.name,
                            meta.provenance
                        );
                        checked += 1;
                    }
                }
            }
        }
    }
    assert_eq!(checked, 2 * 6 * 9 * 3 * 2);
}

/// A page that prints only the column's name as its heading takes the list entry's title when it
/// was found on a list; with no list entry and nothing else, the column's name stays: no guess. A
/// title-like element no longer than the column's name (a box's `相关链接`) is not a title.
#[test]
fn a_column_heading_alone_takes_the_list_entry_or_stays() {
    for script in &SCRIPTS {
        for column in script.columns {
            for tag in [column, script.site] {
                for (charset, encoding) in script.encodings {
                    let html = page(
                        charset,
                        &format!("<title>{tag}</title>"),
                        &format!(
                            "<div class=\"main\"><h1>{column}</h1>{}</div>\
                             <div class=\"box-title\">{}</div>",
                            script.text, script.links
                        ),
                    );
                    let case = format!("{} {column}, <title>{tag}, {charset}", script.name);
                    let alone = read(&html, encoding, None);
                    assert_eq!(alone.title.as_deref(), Some(column), "{case}");
                    let listed = read(&html, encoding, Some(script.title));
                    assert_eq!(listed.title.as_deref(), Some(script.title), "{case}");
                    assert_eq!(
                        listed.provenance.get("title").map(String::as_str),
                        Some("list"),
                        "{case}"
                    );
                }
            }
        }
    }
}

/// A heading that is a report's title holding a column's name (`…2023年政府信息公开年度报告`)
/// is the title, though a longer title-like element follows it.
#[test]
fn a_report_title_holding_a_column_name_is_kept() {
    let other = "某某县人民政府办公室关于印发有关工作方案的通知全文";
    let other_traditional = "某某縣人民政府辦公室關於印發有關工作方案的通知全文";
    let cases = [
        ("某某县2023年政府信息公开年度报告", other, "utf-8", UTF_8),
        ("某某县2023年政府信息公开年度报告", other, "gbk", GBK),
        (
            "某某縣2023年政府資訊公開年度報告",
            other_traditional,
            "big5",
            BIG5,
        ),
        (
            "某某縣2023年政府資訊公開年度報告",
            other_traditional,
            "utf-8",
            UTF_8,
        ),
        ("某某县政务公开", other, "utf-8", UTF_8),
    ];
    for (heading, below, charset, encoding) in cases {
        let html = page(
            charset,
            &format!("<title>{heading}</title>"),
            &format!(
                "<div class=\"main\"><h1>{heading}</h1><p class=\"bt\">{below}</p>\
                 <div class=\"content\"><p>2023年度。</p></div></div>"
            ),
        );
        let meta = read(&html, encoding, None);
        assert_eq!(meta.title.as_deref(), Some(heading), "{charset}");
    }
}

/// The report's generic name alone (`政府信息公开工作年度报告` and its variants, either script, in
/// brackets or not) printed as the heading is a column's name: the report's own title below it,
/// or the list entry, is taken; alone it stays. One naming a body is the report's title.
#[test]
fn the_generic_report_name_alone_is_a_columns_name() {
    let words = [
        (
            &SCRIPTS[0],
            [
                "政府信息公开工作年度报告",
                "政府信息公开工作年报",
                "信息公开工作年度报告",
                "【政府信息公开工作年度报告】",
            ],
        ),
        (
            &SCRIPTS[1],
            [
                "政府資訊公開工作年度報告",
                "政府信息公開工作年報",
                "資訊公開工作年度報告",
                "〔政府資訊公開工作年度報告〕",
            ],
        ),
    ];
    for (script, generic) in words {
        for word in generic {
            for (charset, encoding) in script.encodings {
                let case = format!("{word}, {charset}");
                let html = |below: &str| {
                    page(
                        charset,
                        &format!("<title>{word}</title>"),
                        &format!(
                            "<div class=\"main\"><h1>{word}</h1>{below}{}</div>",
                            script.text
                        ),
                    )
                };
                let below = format!("<p class=\"bt\">{}</p>", script.title);
                let m = read(&html(&below), encoding, None);
                assert_eq!(m.title.as_deref(), Some(script.title), "{case}");
                let listed = read(&html(""), encoding, Some(script.title));
                assert_eq!(listed.title.as_deref(), Some(script.title), "{case}");
                assert_eq!(listed.report_year, Some(2023), "{case}");
                let alone = read(&html(""), encoding, None);
                assert_eq!(alone.title.as_deref(), Some(word), "{case}");
                // A list entry naming another kind of document does not replace it.
                let other = read(&html(""), encoding, Some("和义县民政局2023年工作总结"));
                assert_eq!(other.title.as_deref(), Some(word), "{case}");
            }
        }
    }
    let named = "和义县政府信息公开工作年度报告";
    let html = page(
        "utf-8",
        &format!("<title>{named}</title>"),
        &format!(
            "<h1>{named}</h1><p class=\"bt\">和义县人民政府办公室关于印发有关工作方案的通知全文</p>"
        ),
    );
    assert_eq!(read(&html, UTF_8, None).title.as_deref(), Some(named));
}

/// The title metas (`dc.title`, `DC.Title`, `ContentTitle`) and, with nothing better, the
/// `<title>` with the site's name around it give the report's title under a column's heading.
#[test]
fn title_metas_and_the_title_tag_stand_in_for_a_column_heading() {
    for script in &SCRIPTS {
        for column in [script.columns[0], script.columns[5]] {
            for (charset, encoding) in script.encodings {
                let case = format!("{} {column}, {charset}", script.name);
                let body = format!("<div class=\"main\"><h1>{column}</h1>{}</div>", script.text);
                for name in ["dc.title", "DC.Title", "ContentTitle"] {
                    let head = format!(
                        "<title>{column}</title><meta name=\"{name}\" content=\"{}\">",
                        script.title
                    );
                    let m = read(&page(charset, &head, &body), encoding, None);
                    assert_eq!(m.title.as_deref(), Some(script.title), "{case} {name}");
                    let source = m.provenance.get("title").cloned();
                    assert_eq!(source, Some(format!("meta:{name}")), "{case}");
                }
                for tag in [
                    format!("{}_{}", script.title, script.site),
                    format!("{} - {}", script.site, script.title),
                ] {
                    let head = format!("<title>{tag}</title>");
                    let m = read(&page(charset, &head, &body), encoding, None);
                    assert_eq!(m.title.as_deref(), Some(script.title), "{case} {tag}");
                    let source = m.provenance.get("title").map(String::as_str);
                    assert_eq!(source, Some("title_tag"), "{case} {tag}");
                }
            }
        }
    }
}

/// A column's name ending in a body-like word (`年报专区`, ending in 区, is read as a body's name
/// and dropped as the site's banner; `公开专栏`) gives way to the title element below it, with
/// the site's name or the column's as `<title>`.
#[test]
fn a_column_named_like_a_body_gives_way_to_the_title_element() {
    let script = &SCRIPTS[0];
    for column in ["年报专区", "公开专栏", "【年报专区】"] {
        for tag in [script.site, column] {
            let html = page(
                "utf-8",
                &format!("<title>{tag}</title>"),
                &format!(
                    "<div class=\"main\"><h1>{column}</h1><p class=\"bt\">{}</p>{}</div>",
                    script.title, script.text
                ),
            );
            let m = read(&html, UTF_8, None);
            assert_eq!(m.title.as_deref(), Some(script.title), "{column} {tag}");
            let source = m.provenance.get("title").map(String::as_str);
            assert_eq!(source, Some("title_element"), "{column} {tag}");
        }
    }
}

/// A heading the breadcrumb's last crumb names (`当前位置：首页 > 政务公开 > 年报栏目`) is the
/// column's; one that names a year or another body is not, though the crumb repeats it. The
/// breadcrumb is known by its class or by its first words.
#[test]
fn the_breadcrumbs_last_crumb_names_the_column() {
    let title = "和义县教育局2023年政府信息公开工作年度报告";
    let cases = [
        ("年报栏目", title),
        (
            "某某县教育局政府信息公开年报",
            "某某县教育局政府信息公开年报",
        ),
        ("2023年报告专区", "2023年报告专区"),
    ];
    for crumb_class in ["crumb", "lj"] {
        for (column, want) in cases {
            let html = page(
                "utf-8",
                "<title>和义县人民政府</title>",
                &format!(
                    "<div class=\"{crumb_class}\">当前位置：<a href=\"/\">首页</a> &gt; \
                     <a href=\"/zwgk/\">政务公开</a> &gt; <a href=\"/zwgk/nb/\">{column}</a></div>\
                     <div class=\"main\"><h1>{column}</h1><p class=\"bt\">{title}</p>\
                     <div class=\"content\"><p>2023年，我局认真贯彻落实条例。</p></div></div>"
                ),
            );
            let meta = read(&html, UTF_8, None);
            assert_eq!(
                meta.title.as_deref(),
                Some(want),
                "{crumb_class} {column}: {meta:?}"
            );
        }
    }
}

const LIST: &str = "<html><head><meta charset=\"utf-8\"><title>政府信息公开年报</title></head><body><ul>\
    <li><a href=\"/art/1.html\">某某县教育局2023年政府信息公开工作年度报告</a><span>2024-01-20</span></li>\
    <li><a href=\"/art/2.html\">某某县民政局2023年政府信息公开工作年度报告</a><span>2024-01-21</span></li>\
    <li><a href=\"/art/3.html\">某某县2023年政府信息公开年度报告</a><span>2024-01-22</span></li>\
    </ul></body></html>";

/// An item page of the county's template: the column's name as `<title>` and `<h1>`, then `below`.
fn item(heading: &str, below: &str) -> Vec<u8> {
    format!(
        "<html><head><meta charset=\"utf-8\"><title>政府信息公开年报</title></head><body>\
         <div class=\"main\"><h1>{heading}</h1>{below}<div class=\"content\"><p>一、总体情况</p>\
         <p>2023年，本单位认真贯彻落实《中华人民共和国政府信息公开条例》。</p></div></div></body></html>"
    )
    .into_bytes()
}

/// Through the crawl: the export carries the report's own title (from its `<p class="bt">`, from
/// the list entry) and the report year read from it, and a real title over a column's name stays.
#[test]
fn the_export_carries_the_reports_title_not_the_columns() {
    let server = RouteServer::bind("127.0.0.96");
    server.serve(Arc::new(|target: &str| {
        let html = "text/html; charset=utf-8".to_string();
        match target {
            "/nb/" => (200, html, LIST.as_bytes().to_vec()),
            "/art/1.html" => (
                200,
                html,
                item(
                    "政府信息公开年报",
                    "<p class=\"bt\">某某县教育局2023年政府信息公开工作年度报告</p>",
                ),
            ),
            "/art/2.html" => (200, html, item("政府信息公开年报", "")),
            "/art/3.html" => (200, html, item("某某县2023年政府信息公开年度报告", "")),
            _ => (404, html, b"<html><body>404</body></html>".to_vec()),
        }
    }));
    let (_dir, config) = crawled_county(format!("{}/nb/", server.base));
    let records = exported(&config);
    for (path, title, source) in [
        (
            "/art/1.html",
            "某某县教育局2023年政府信息公开工作年度报告",
            "title_element",
        ),
        (
            "/art/2.html",
            "某某县民政局2023年政府信息公开工作年度报告",
            "list",
        ),
        ("/art/3.html", "某某县2023年政府信息公开年度报告", "heading"),
    ] {
        let record = record_ending(&records, path);
        assert_eq!(record["title"], title, "{path}: {record}");
        assert_eq!(record["provenance"]["title"], source, "{path}: {record}");
        assert_eq!(record["report_year"], 2023, "{path}: {record}");
    }
    let asked = server.requests();
    for path in ["/nb/", "/art/1.html", "/art/2.html", "/art/3.html"] {
        assert!(asked.iter().any(|t| t == path), "{path}: {asked:?}");
    }
}
