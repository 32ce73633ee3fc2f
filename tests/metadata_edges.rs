//! Metadata edge cases from earlier sessions' notes, read as the crawl reads an item page
//! (`page::analyse` from bytes, in UTF-8, GBK and Big5): the site's banner heading
//! (`<h1>和义县人民政府</h1>` above a department's report) is neither the title nor, through the
//! title, the issuer; and a value glued to the next label in one text node
//! (`来源：和义县政务服务办公室作者：张三`) ends where that label starts.

mod common;

use common::pages::read_as;
use encoding_rs::{BIG5, Encoding, GBK, UTF_8};
use nianbao::extract::{ListEvidence, Metadata, extract};
use nianbao::page::{PageRole, View};

const URL: &str = "http://www.hy.gov.cn/zwgk/xxgknb/202401/t20240120_1.html";

fn url() -> url::Url {
    url::Url::parse(URL).expect("the test URL is absolute")
}

/// The page read as an item page from `html` encoded in `encoding`.
fn read(html: &str, encoding: &'static Encoding) -> Metadata {
    let role = PageRole::Item {
        evidence: ListEvidence::default(),
        portal_name: String::new(),
    };
    match read_as(URL, html, encoding, &role).view {
        View::Item { metadata, .. } => *metadata,
        _ => panic!("{}: not read as an item", encoding.name()),
    }
}

fn page(charset: &str, title_tag: &str, body: &str) -> String {
    format!(
        "<html><head><meta charset=\"{charset}\"><title>{title_tag}</title></head><body>{body}</body></html>"
    )
}

/// The opening of a report's text in `script`.
fn text(script: &str) -> &'static str {
    match script {
        "Traditional" => {
            "<div class=\"content\"><p>一、總體情況</p><p>2023年，我局認真貫徹落實條例。</p></div>"
        }
        _ => {
            "<div class=\"content\"><p>一、总体情况</p><p>2023年，我局认真贯彻落实条例。</p></div>"
        }
    }
}

/// The encodings a page in `script` comes in.
fn encodings(script: &str) -> [(&'static str, &'static Encoding); 2] {
    match script {
        "Traditional" => [("utf-8", UTF_8), ("big5", BIG5)],
        _ => [("utf-8", UTF_8), ("gbk", GBK)],
    }
}

/// A department's report under the county site's banner: the banner names the county (or the
/// column, `和义县政府信息公开年报`, which reads as a report title of the county), the report
/// names the department. The issuer is the department, from the report's title; never the
/// county.
#[test]
fn the_sites_banner_heading_is_not_the_title_or_the_issuer() {
    let scripts = [
        (
            "Simplified",
            "和义县教育局2023年政府信息公开工作年度报告",
            "和义县教育局",
            ["和义县人民政府", "和义县政府信息公开年报"],
        ),
        (
            "Traditional",
            "和義縣教育局2023年政府資訊公開工作年度報告",
            "和義縣教育局",
            ["和義縣人民政府", "和義縣政府資訊公開年報"],
        ),
    ];
    for (script, title, department, banners) in scripts {
        let text = text(script);
        for banner in banners {
            let places = [
                (
                    "a header div",
                    format!("<div class=\"header\"><h1>{banner}</h1></div>"),
                ),
                ("<header>", format!("<header><h1>{banner}</h1></header>")),
                (
                    "a logo box",
                    format!("<div id=\"logo\"><img src=\"/e.png\"><h1>{banner}</h1></div>"),
                ),
                (
                    "xxgk-head",
                    format!(
                        "<div class=\"xxgk-head\"><div class=\"w\"><h2>{banner}</h2></div></div>"
                    ),
                ),
                (
                    "a top bar",
                    format!("<div class=\"top\"><h1>{banner}</h1></div>"),
                ),
            ];
            // The `<title>` is the report's, or the report's with the site's name glued on
            // (which the banner agrees with); the article's own title is in no heading, or in
            // an `<h2>`.
            let title_tags = [title.to_string(), format!("{title}_{}", banners[0])];
            let headings = [
                ("no heading", format!("<div class=\"bt\">{title}</div>")),
                ("an h2", format!("<h2>{title}</h2>")),
            ];
            for (place, banner_html) in &places {
                for title_tag in &title_tags {
                    for (heading, heading_html) in &headings {
                        for (charset, encoding) in encodings(script) {
                            let html = page(
                                charset,
                                title_tag,
                                &format!("{banner_html}{heading_html}{text}"),
                            );
                            let case = format!(
                                "{banner} in {place}, <title>{title_tag}, {heading}, {charset}"
                            );
                            let m = read(&html, encoding);
                            assert_eq!(m.title.as_deref(), Some(title), "{case}");
                            assert_eq!(m.issuing_body.as_deref(), Some(department), "{case}");
                            assert_eq!(
                                m.provenance.get("issuing_body").map(String::as_str),
                                Some("title"),
                                "{case}"
                            );
                        }
                    }
                }
            }
        }
        // A bare `<h1>` that only names a body is the banner too, wherever it is.
        let html = page(
            "utf-8",
            &format!("{title}_{}", banners[0]),
            &format!(
                "<h1>{}</h1><div class=\"bt\">{title}</div>{text}",
                banners[0]
            ),
        );
        let m = read(&html, UTF_8);
        assert_eq!(m.title.as_deref(), Some(title), "bare <h1>, {script}");
        assert_eq!(
            m.issuing_body.as_deref(),
            Some(department),
            "bare <h1>, {script}"
        );
    }
}

/// What the banner rule must leave alone: an article's own head (`<article><header>`,
/// `article-header`, `detail_head`) holds the title; a page about a body whose `<title>` is that
/// name keeps it as its title.
#[test]
fn an_articles_own_head_is_no_banner() {
    let title = "和义县教育局2023年政府信息公开工作年度报告";
    let text = text("Simplified");
    let heads = [
        format!("<article><header><h1>{title}</h1></header>{text}</article>"),
        format!("<div class=\"article-header\"><h1>{title}</h1></div>{text}"),
        format!("<div class=\"detail_head\"><h1>{title}</h1></div>{text}"),
        format!("<div class=\"header\"><h1>和义县人民政府</h1></div><h1>{title}</h1>{text}"),
        // The `<title>` is the banner's name: the banner still gives way to the page's heading.
        format!("<h1>和义县人民政府</h1><h2>{title}</h2>{text}"),
    ];
    for head in heads {
        // The `<title>` names the site only: the heading is all the page gives.
        let m = extract(
            &url(),
            &page("utf-8", "和义县人民政府", &head),
            &ListEvidence::default(),
            "",
        );
        assert_eq!(m.title.as_deref(), Some(title), "{head}");
        assert_eq!(m.issuing_body.as_deref(), Some("和义县教育局"), "{head}");
    }
    let about = page(
        "utf-8",
        "和义县教育局",
        "<h1>和义县教育局</h1><div class=\"content\"><p>负责全县教育工作。</p></div>",
    );
    let m = extract(&url(), &about, &ListEvidence::default(), "");
    assert_eq!(m.title.as_deref(), Some("和义县教育局"));
}

/// The article's own heading inside a block whose class reads as a banner's (`<div
/// class="top">`, `id="header"`, `class="head"`), with a sidebar's `<h2>推荐阅读</h2>` after
/// it: the `<title>`'s article part (the site's name cut off, glued with `--`, `_` or ` - `)
/// holds the heading, so it is the title, not the sidebar's heading. In both scripts and their
/// encodings, with and without the list entry's title.
#[test]
fn an_articles_heading_in_a_banner_like_block_is_still_the_title() {
    let cases = [
        (
            "Simplified",
            "和义县教育局2023年政府信息公开工作年度报告",
            "推荐阅读",
            ["文化--和义网", "和义县人民政府"],
        ),
        (
            "Traditional",
            "和義縣教育局2023年政府資訊公開工作年度報告",
            "推薦閱讀",
            ["文化--和義網", "和義縣人民政府"],
        ),
    ];
    for (script, title, sidebar, [section, site]) in cases {
        let text = text(script);
        let wrappers = [
            format!("<div class=\"top\"><h1>{title}</h1></div>"),
            format!("<div id=\"header\"><h1>{title}</h1></div>"),
            format!("<div class=\"head\"><h2>{title}</h2></div>"),
        ];
        let title_tags = [
            format!("{title}--{section}"),
            format!("{title}_{site}"),
            format!("{title} - {site}"),
        ];
        for wrapper in &wrappers {
            for title_tag in &title_tags {
                for (charset, encoding) in encodings(script) {
                    let html = page(
                        charset,
                        title_tag,
                        &format!("{wrapper}{text}<div class=\"side\"><h2>{sidebar}</h2></div>"),
                    );
                    let m = read(&html, encoding);
                    let case = format!("{wrapper}, <title>{title_tag}, {charset}");
                    assert_eq!(m.title.as_deref(), Some(title), "{case}");
                    let listed = ListEvidence {
                        title: Some(title.to_string()),
                        ..ListEvidence::default()
                    };
                    let m = extract(&url(), &html, &listed, "");
                    assert_eq!(m.title.as_deref(), Some(title), "{case}, listed");
                }
            }
        }
    }
}

/// A source printed with the next label glued to it in one text node: the value stops where
/// the next known label starts (作者, 发布日期, the view counters, 字号, 责任编辑, 编辑), in either
/// script, after either colon, with or without a space, in a `<p>`, a `<td>`, a `<span>`.
#[test]
fn a_value_ends_at_the_next_label_glued_to_it() {
    let scripts = [
        (
            "Simplified",
            "和义县政务服务办公室",
            ["来源", "信息来源", "发布机构"],
            [
                "作者：张三",
                "发布日期：2024-01-05",
                "浏览次数：12",
                "访问量：5",
                "点击数：3",
                "字号：大 中 小",
                "责任编辑：李四",
                "编辑：王五",
            ],
        ),
        (
            "Traditional",
            "和義縣政務服務辦公室",
            ["來源", "資訊來源", "發佈機構"],
            [
                "作者：張三",
                "發佈日期：2024-01-05",
                "瀏覽次數：12",
                "訪問量：5",
                "點擊數：3",
                "字號：大 中 小",
                "責任編輯：李四",
                "編輯：王五",
            ],
        ),
    ];
    for (script, org, labels, tails) in scripts {
        let title = match script {
            "Traditional" => "2023年政府資訊公開工作年度報告",
            _ => "2023年政府信息公开工作年度报告",
        };
        for label in labels {
            let canonical = nianbao::extract::normalise_label(label);
            for tail in tails {
                for colon in ["：", ":"] {
                    let tail = tail.replace('：', colon);
                    for gap in ["", " ", "\u{3000}"] {
                        let pair = format!("{label}{colon}{org}{gap}{tail}");
                        let shapes = [
                            ("p", format!("<p>{pair}</p>")),
                            ("one td", format!("<table><tr><td>{pair}</td></tr></table>")),
                            (
                                "label td, value td",
                                format!(
                                    "<table><tr><td>{label}{colon}</td><td>{org}{gap}{tail}</td></tr></table>"
                                ),
                            ),
                            ("one span", format!("<div><span>{pair}</span></div>")),
                            (
                                "label span, value span",
                                format!(
                                    "<div><span>{label}{colon}</span><span>{org}{gap}{tail}</span></div>"
                                ),
                            ),
                            (
                                "label span, value text",
                                format!("<div><span>{label}{colon}</span>{org}{gap}{tail}</div>"),
                            ),
                        ];
                        for (shape, block) in shapes {
                            let body = format!("<h1>{title}</h1>{block}{}", text(script));
                            for (charset, encoding) in encodings(script) {
                                let case = format!("{shape}: {pair:?} ({charset})");
                                let m = read(&page(charset, title, &body), encoding);
                                assert_eq!(
                                    m.fields.get(&canonical).map(String::as_str),
                                    Some(org),
                                    "{case}: {:?}",
                                    m.fields
                                );
                                assert_eq!(m.issuing_body.as_deref(), Some(org), "{case}");
                            }
                        }
                    }
                }
            }
        }
    }
}
