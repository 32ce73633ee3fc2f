//! Every real list page in ../shared/real-pages and ../shared/real-pages-2, read as the crawl reads
//! a section's page (the one page pipeline with the list role): items (title, link, date), whether
//! there is a next page, and the counts the site states. For real-pages-2 the expectations are the
//! pages' own `.expected.json` files; for real-pages they were read off the files by hand (see
//! their SOURCES.md).

use nianbao::discover::{JsonListFormat, ListPage};
use nianbao::page::{PageInput, PageRole, View, analyse};
use serde_json::Value;
use url::Url;

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/");

fn read_list(file: &str, url: &str, list_api: Option<JsonListFormat>) -> ListPage {
    let body = std::fs::read(format!("{SHARED}{file}")).expect("real page is present");
    let url = Url::parse(url).expect("page URL is valid");
    let analysis = analyse(
        PageInput {
            url: &url,
            status: 200,
            content_type: None,
            body: &body,
        },
        &PageRole::List { list_api },
    );
    match analysis.view {
        View::List(page) => *page,
        other => panic!("{file} is read as a list, not {other:?}"),
    }
}

/// What a page's `.expected.json` says about it as a list.
struct Expected {
    url: String,
    min_items: u64,
    max_items: u64,
    next_page: bool,
    entries: Vec<(String, String, Option<String>)>,
}

fn expected(file: &str) -> Expected {
    let path = format!("{SHARED}{}", file.replace(".html", ".expected.json"));
    let v: Value = serde_json::from_slice(&std::fs::read(&path).expect("expected.json present"))
        .expect("expected.json is JSON");
    assert_eq!(v["kind"], "list", "{path}");
    let entries = v["entries"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["title"].as_str().unwrap_or_default().to_string(),
                        e["href"].as_str().unwrap_or_default().to_string(),
                        e["date"].as_str().map(str::to_string),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Expected {
        url: v["url"].as_str().expect("url").to_string(),
        min_items: v["min_items"].as_u64().expect("min_items"),
        max_items: v["max_items"].as_u64().expect("max_items"),
        next_page: v["next_page"].as_bool().expect("next_page"),
        entries,
    }
}

#[test]
fn real_pages_2_list_pages_are_read_as_their_expected_json_says() {
    // (file, items stated, pages stated, first next page)
    type Row = (&'static str, Option<u64>, Option<u64>, Option<&'static str>);
    let table: &[Row] = &[
        (
            "real-pages-2/06-handan-jinqixxgk-list.html",
            Some(6348),
            Some(56),
            Some("http://hdzfxxgk.hd.gov.cn/zfwj/jinqixxgk/index_1.html"),
        ),
        (
            "real-pages-2/07-handan-gkzn-guide-list.html",
            None,
            None,
            None,
        ),
        (
            "real-pages-2/08-gansu-samr-search-list.html",
            None,
            None,
            None,
        ),
    ];
    for (file, items, pages, first_next) in table {
        let want = expected(file);
        let page = read_list(file, &want.url, None);
        let n = page.items.len() as u64;
        assert!(
            (want.min_items..=want.max_items).contains(&n),
            "{file}: {n} items, expected {}..={}",
            want.min_items,
            want.max_items
        );
        let got: Vec<(String, String, Option<String>)> = page
            .items
            .iter()
            .take(want.entries.len())
            .map(|i| {
                (
                    i.title.clone().unwrap_or_default(),
                    i.url.to_string(),
                    i.date.map(|d| d.to_string()),
                )
            })
            .collect();
        assert_eq!(got, want.entries, "{file}");
        assert_eq!(!page.next_pages.is_empty(), want.next_page, "{file}");
        assert_eq!(
            page.next_pages.first().map(|r| r.url().as_str()),
            *first_next,
            "{file}"
        );
        let stated = page.stated.unwrap_or_default();
        assert_eq!((stated.items, stated.pages), (*items, *pages), "{file}");
        if want.next_page {
            assert_eq!(page.number, Some(1), "{file}: the first page of its list");
        }
    }
}

#[test]
fn real_pages_list_pages_are_read_right() {
    let ordos = read_list(
        "real-pages/trs-ordos-xxgknb-list-utf8.html",
        "http://www.ordos.gov.cn/xxgk/xxgknb/",
        None,
    );
    assert_eq!(ordos.items.len(), 10);
    assert!(ordos.items.iter().all(|i| i.date.is_some()));
    assert_eq!(
        ordos
            .next_pages
            .iter()
            .map(|r| (r.url().to_string(), ordos.number_of(r)))
            .collect::<Vec<_>>(),
        vec![(
            "http://www.ordos.gov.cn/xxgk/xxgknb/index_1.html".to_string(),
            Some(2)
        )]
    );
    assert_eq!(ordos.stated.and_then(|s| s.pages), Some(2));
    assert_eq!(ordos.number, Some(1));

    let hubei = read_list(
        "real-pages/trs-hubei-samr-xxgk-list-api.json",
        "http://scjg.hubei.gov.cn/api/xxgk/list",
        Some(JsonListFormat::TrsXxgk),
    );
    assert_eq!(hubei.items.len(), 429);
    assert!(hubei.next_pages.is_empty(), "the API states no page count");
}
