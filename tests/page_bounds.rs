//! Issue 9: a page that nests 50,000 elements deep around a normal report overflowed a worker's
//! stack and aborted every nightly run. The page pipeline now reads it on a thread with no more
//! stack than a tokio worker has, flattens the nesting, and still finds the report.

use nianbao::classify::PageKind;
use nianbao::page::{self, Analysis, PageInput, PageRole, View};
use url::Url;

/// Stack of a tokio worker or blocking thread (2 MiB): what the crawl runs pages on.
const WORKER_STACK: usize = 2 * 1024 * 1024;

fn report_text() -> String {
    std::fs::read_to_string("../shared/sample-reports/artux-2017-report.txt")
        .expect("../shared/sample-reports holds the Artux report text")
}

/// The report wrapped in `depth` nested elements of `tag`.
fn nested_report(depth: usize, tag: &str) -> String {
    let mut html = String::from(
        "<html><head><title>阿图什市2017年度政府信息公开年度报告</title></head><body>",
    );
    html.push_str(&format!("<{tag}>").repeat(depth));
    html.push_str("<div class=\"content\">");
    for line in report_text().lines() {
        html.push_str("<p>");
        html.push_str(line);
        html.push_str("</p>");
    }
    html.push_str("</div>");
    html.push_str(&format!("</{tag}>").repeat(depth));
    html.push_str("</body></html>");
    html
}

fn analyse_on_worker_stack(html: String, role: PageRole) -> Analysis {
    std::thread::Builder::new()
        .stack_size(WORKER_STACK)
        .spawn(move || {
            let url = Url::parse("http://127.0.0.1/ndbg/2017/t20180210_1.html").expect("valid");
            let input = PageInput {
                url: &url,
                status: 200,
                content_type: Some("text/html; charset=utf-8"),
                body: html.as_bytes(),
            };
            page::analyse_guarded(input, &role).expect("the pipeline does not panic")
        })
        .expect("thread starts")
        .join()
        .expect("the page does not overflow a worker's stack")
}

fn item_role() -> PageRole {
    PageRole::Item {
        evidence: Default::default(),
        portal_name: "阿图什市人民政府".into(),
    }
}

#[test]
fn a_report_inside_50000_nested_divs_is_read_and_flattened() {
    let analysis = analyse_on_worker_stack(nested_report(50_000, "div"), item_role());
    assert_eq!(analysis.kind, PageKind::Content);
    assert!(analysis.flattened, "nesting past the limit is flattened");
    let View::Item {
        metadata,
        content_hash,
        ..
    } = analysis.view
    else {
        panic!("an item page gives an item view");
    };
    assert_eq!(
        metadata.title.as_deref(),
        Some("阿图什市2017年度政府信息公开年度报告")
    );
    assert!(metadata.is_annual_report);
    assert_eq!(metadata.report_year, Some(2017));
    assert_eq!(content_hash.len(), 64);
}

#[test]
fn deep_nesting_of_other_tags_and_of_list_pages_is_read_too() {
    for tag in ["span", "table", "font", "b", "ul"] {
        let analysis = analyse_on_worker_stack(nested_report(2_000, tag), item_role());
        assert!(analysis.flattened, "<{tag}> x 2000 is flattened");
        let View::Item { metadata, .. } = analysis.view else {
            panic!("<{tag}>: an item view");
        };
        assert_eq!(metadata.report_year, Some(2017), "<{tag}>");
    }
    let mut list = String::from("<html><body>");
    list.push_str(&"<div>".repeat(30_000));
    list.push_str("<ul>");
    for i in 1..=12 {
        list.push_str(&format!(
            "<li><a href=\"t2024{i:02}01_{i}.html\">某县{i}年度政府信息公开工作年度报告</a><span>2024-{i:02}-01</span></li>"
        ));
    }
    list.push_str("</ul></body></html>");
    let analysis = analyse_on_worker_stack(list, PageRole::List { list_api: None });
    let View::List(page) = analysis.view else {
        panic!("a list page gives a list view");
    };
    assert_eq!(page.items.len(), 12);
}

#[test]
fn pages_beyond_the_parse_bounds_are_classified_not_parsed() {
    let huge = format!(
        "<html><body><p>{}</p></body></html>",
        "年".repeat(page::MAX_PARSE_BYTES / 3 + 1)
    );
    let analysis = analyse_on_worker_stack(huge, item_role());
    assert_eq!(
        analysis.kind,
        PageKind::TooComplex {
            bound: "text_size".into()
        }
    );
    assert!(matches!(analysis.view, View::Nothing));
}
