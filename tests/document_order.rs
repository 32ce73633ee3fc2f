//! Links and options that broken markup leaves inside a `<table>` but outside its cells are
//! shown before the table: the parser moves them there (foster parenting), after it has made the
//! table's own elements. Every reader of a page takes elements in the order the page shows them,
//! not in the order the parser made them, so attachments and year sections keep the page's order.

use nianbao::discover::discover_document;
use nianbao::page::{self, PageInput, PageRole, View};
use scraper::{Html, Selector};
use url::Url;

/// Where stray markup can sit in a table: each context foster-parents it before its table.
/// `{cell}` is a cell's content, `{stray}` the markup outside every cell.
const CONTEXTS: &[&str] = &[
    "<table><tr><td>{cell}</td></tr>{stray}</table>",
    "<table><tbody><tr><td>{cell}</td></tr>{stray}</tbody></table>",
    "<table><tr><td>{cell}</td>{stray}</tr></table>",
    "<table border=1><thead><tr><th>年度</th></tr></thead><tbody><tr><td>{cell}</td></tr>{stray}<tr><td>二</td></tr></tbody></table>",
    // A portal's layout table around the page's own, deep in its template.
    "<div><div><div><table width=980><tr><td><div><table><tr><td>{cell}</td></tr>{stray}</table></div></td></tr></table></div></div></div>",
];

fn in_context(context: &str, cell: &str, stray: &str) -> String {
    context.replace("{cell}", cell).replace("{stray}", stray)
}

/// Elements by their text, in the order of the page as the parser rebuilt it.
fn shown_order(doc: &Html, texts: &[&str]) -> Vec<String> {
    let shown = doc.root_element().html();
    let mut found: Vec<(usize, &str)> = texts
        .iter()
        .map(|t| {
            let at = shown.find(&format!(">{t}<"));
            (at.expect("every text is on the page"), *t)
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, t)| t.to_string()).collect()
}

#[test]
fn select_goes_in_the_order_the_page_shows() {
    for context in CONTEXTS {
        for (tag, cell, stray) in [
            (
                "a",
                r#"<a href="cell.pdf">cell</a>"#,
                r#"<a href="stray.pdf">stray</a>"#,
            ),
            (
                "option",
                r#"<select><option value="/cell/">cell</option></select>"#,
                r#"<select><option value="/stray/">stray</option></select>"#,
            ),
        ] {
            let html = format!(
                "<html><body>{}</body></html>",
                in_context(context, cell, stray)
            );
            let doc = Html::parse_document(&html);
            let selector = Selector::parse(tag).expect("valid selector");
            let texts = |found: Vec<scraper::ElementRef<'_>>| -> Vec<String> {
                found.iter().map(|e| e.text().collect()).collect()
            };
            let selected = texts(page::select(&doc, &selector).collect());
            assert_eq!(selected, shown_order(&doc, &["cell", "stray"]), "{html}");
            assert_eq!(
                selected,
                ["stray", "cell"],
                "stray markup is shown first: {html}"
            );
            // The parser's own store has them the other way round: what this guards against.
            #[allow(clippy::disallowed_methods)]
            let made = texts(doc.select(&selector).collect());
            assert_eq!(made, ["cell", "stray"], "{html}");
        }
    }
}

fn analyse(url: &str, html: &[u8], charset: &str, role: &PageRole) -> page::Analysis {
    let url = Url::parse(url).expect("valid URL");
    let content_type = format!("text/html; charset={charset}");
    let input = PageInput {
        url: &url,
        status: 200,
        content_type: Some(&content_type),
        body: html,
    };
    page::analyse_guarded(input, role).expect("the pipeline does not panic")
}

/// A report page in Simplified or Traditional characters, with `table` after its text, and the
/// two attachment links the table holds: one in a cell, one outside every cell.
struct ReportPage {
    portal: &'static str,
    title: &'static str,
    text: &'static str,
    cell_link: &'static str,
    stray_link: &'static str,
}

const REPORT_PAGES: &[ReportPage] = &[
    ReportPage {
        portal: "某县人民政府",
        title: "某县人民政府2020年政府信息公开工作年度报告",
        text: "<p>根据《中华人民共和国政府信息公开条例》的规定，现公布本年度报告。</p>\
               <p>报告全文及统计表见附件。</p>",
        cell_link: r#"<a href="/files/tongji.pdf">附件1：统计表</a>"#,
        stray_link: r#"<a href="/files/baogao.pdf">附件2：报告全文</a>"#,
    },
    ReportPage {
        portal: "某縣人民政府",
        title: "某縣人民政府2020年政府資訊公開工作年度報告",
        text: "<p>根據《政府資訊公開條例》的規定，現公佈本年度報告。</p>\
               <p>報告全文及統計表見附件。</p>",
        cell_link: r#"<a href="/files/tongji.pdf">附件1：統計表</a>"#,
        stray_link: r#"<a href="/files/baogao.pdf">附件2：報告全文</a>"#,
    },
];

impl ReportPage {
    fn html(&self, context: &str) -> String {
        format!(
            "<html><head><title>{}</title></head><body><div class=\"content\">{}{}</div></body></html>",
            self.title,
            self.text,
            in_context(context, self.cell_link, self.stray_link)
        )
    }
}

#[test]
fn attachments_keep_the_order_the_page_shows() {
    for (page, encodings) in REPORT_PAGES.iter().zip([
        [encoding_rs::UTF_8, encoding_rs::GBK],
        [encoding_rs::UTF_8, encoding_rs::BIG5],
    ]) {
        let role = PageRole::Item {
            evidence: Default::default(),
            portal_name: page.portal.into(),
        };
        for context in CONTEXTS {
            let html = page.html(context);
            for encoding in encodings {
                let (body, _, unmappable) = encoding.encode(&html);
                assert!(!unmappable, "{} holds the page: {html}", encoding.name());
                let charset = encoding.name();
                let analysis = analyse("http://127.0.0.1/xxgk/ndbg/t1.html", &body, charset, &role);
                let View::Item { metadata, .. } = analysis.view else {
                    panic!("an item page gives an item view: {html}");
                };
                let names: Vec<&str> = metadata.attachments.iter().map(|a| a.url.path()).collect();
                assert_eq!(
                    names,
                    ["/files/baogao.pdf", "/files/tongji.pdf"],
                    "{charset}: {html}"
                );
            }
        }
    }
}

#[test]
fn year_sections_keep_the_order_the_page_shows() {
    let url = Url::parse("http://127.0.0.1/xxgk/ndbg/").expect("valid URL");
    let menus = [
        (
            r#"<a href="/xxgk/ndbg/2019/">2019年</a>"#,
            r#"<a href="/xxgk/ndbg/2020/">2020年</a>"#,
        ),
        (
            r#"<a href="/xxgk/ndbg/2019/">2019年度</a>"#,
            r#"<a href="/xxgk/ndbg/2020/">2020年度</a>"#,
        ),
        (
            r#"<select><option value="/xxgk/ndbg/2019/">2019年</option></select>"#,
            r#"<select><option value="/xxgk/ndbg/2020/">2020年</option></select>"#,
        ),
    ];
    for context in CONTEXTS {
        for (cell, stray) in menus {
            let html = format!(
                "<html><head><title>政府信息公开年报</title></head><body>{}</body></html>",
                in_context(context, cell, stray)
            );
            let doc = Html::parse_document(&html);
            let page = discover_document(&url, &doc, &html, encoding_rs::UTF_8);
            let years: Vec<i32> = page.year_sections.iter().map(|s| s.year).collect();
            assert_eq!(years, [2020, 2019], "{html}");
        }
    }
}
