//! Values inside a JSON list API's entries as real portals print them: TRS publication dates as
//! Unix times or compact digits, titles carrying markup or HTML entities, and bodies with bytes
//! after the JSON. Each through a real crawl against a loopback API.

mod common;
mod list_api_support;

use list_api_support::{Answer, crawl_api, json_answer, trs_record};
use serde_json::{Value, json};

/// A report page with no title, heading or date of its own: what the record says of them comes
/// from the list entry.
fn bare_page() -> Answer {
    (
        200,
        "text/html; charset=utf-8".into(),
        "<html><head><meta charset=\"utf-8\"></head><body><div class=\"content\">\
         <p>一、总体情况。本年度主动公开政府信息情况良好，依申请公开办理及时。</p>\
         <p>二、主动公开政府信息情况。</p><p>六、其他需要报告的事项。</p></div></body></html>"
            .as_bytes()
            .to_vec(),
    )
}

fn record_at<'a>(records: &'a [Value], path: &str) -> &'a Value {
    records
        .iter()
        .find(|r| r["url"].as_str().is_some_and(|u| u.ends_with(path)))
        .unwrap_or_else(|| panic!("{path} archived: {records:?}"))
}

/// 2021-01-28 09:30 in China time (01:30 UTC), as TRS APIs print it.
#[test]
fn a_trs_publication_date_in_any_printed_form_is_the_entry_date() {
    let stamps = [
        json!(1_611_797_400_000_i64),
        json!(1_611_797_400_i64),
        json!("2021-01-28 09:30:00"),
        json!("2021/1/28"),
        json!("20210128"),
    ];
    let data: Vec<Value> = stamps
        .iter()
        .enumerate()
        .map(|(i, stamp)| {
            let mut record = trs_record(i as u32 + 1);
            record["PUBDATE"] = stamp.clone();
            record
        })
        .collect();
    let list = json_answer(&json!({ "data": data }));
    let crawled = crawl_api(
        "127.0.0.191",
        "trs_xxgk",
        "/api/list?page=1",
        move |target: &str| (target == "/api/list?page=1").then(|| list.clone()),
    );
    assert_eq!(crawled.records.len(), stamps.len(), "{}", crawled.summary);
    for (i, stamp) in stamps.iter().enumerate() {
        let record = record_at(&crawled.records, &format!("/art/{}.html", i + 1));
        assert_eq!(record["publish_date"], "2021-01-28", "{stamp}: {record}");
    }
}

/// The title a browser shows for `<font color=red>2021</font>年…&ldquo;…&rdquo;…`.
const SHOWN: &str = "某某县2021年“政府信息公开”工作年度报告";
const MARKED: &str =
    "某某县<font color=red>2021</font>年&ldquo;政府信息公开&rdquo;工作年度报告&nbsp;";

fn assert_title_shown(crawled: &list_api_support::Crawled, what: &str) {
    assert_eq!(crawled.records.len(), 1, "{what}: {}", crawled.summary);
    let record = &crawled.records[0];
    assert_eq!(record["title"], SHOWN, "{what}: {record}");
    assert_eq!(record["report_year"], 2021, "{what}: {record}");
}

#[test]
fn a_trs_title_with_markup_and_entities_is_the_text_shown() {
    let mut record = trs_record(1);
    record["FILENAME"] = json!(MARKED);
    let list = json_answer(&json!({ "data": [record] }));
    let crawled = crawl_api(
        "127.0.0.192",
        "trs_xxgk",
        "/api/list?page=1",
        move |target: &str| match target {
            "/api/list?page=1" => Some(list.clone()),
            "/art/1.html" => Some(bare_page()),
            _ => None,
        },
    );
    assert_title_shown(&crawled, "trs_xxgk");
}

#[test]
fn a_gkmlpt_title_with_markup_and_entities_is_the_text_shown() {
    let list = json_answer(&json!({
        "articles": [{"id": 1, "title": MARKED, "url": "/art/1.html",
                      "display_publish_time": 1_611_797_400_i64}],
        "total": 1
    }));
    let first = "/gkmlpt/api/all/5?page=1&sid=2";
    let crawled = crawl_api(
        "127.0.0.193",
        "gkmlpt",
        first,
        move |target: &str| match target {
            t if t == first => Some(list.clone()),
            "/art/1.html" => Some(bare_page()),
            _ => None,
        },
    );
    assert_title_shown(&crawled, "gkmlpt");
}

/// Bytes after the JSON, as templates and proxies leave them: a comment, a second newline-ended
/// script line, NULs.
#[test]
fn bytes_after_the_json_do_not_lose_the_list() {
    for (ip, tail) in [
        ("127.0.0.194", b"\n<!-- cached 2021-01-28 -->\n".as_slice()),
        ("127.0.0.195", b"\0\0\0\0".as_slice()),
    ] {
        let (status, ctype, body) =
            json_answer(&json!({"data": [trs_record(1), trs_record(2)], "total": 2}));
        let body = [body.as_slice(), tail].concat();
        let crawled = crawl_api(ip, "trs_xxgk", "/api/list?page=1", move |target: &str| {
            (target == "/api/list?page=1").then(|| (status, ctype.clone(), body.clone()))
        });
        assert_eq!(
            crawled.archived_paths(),
            ["/art/1.html", "/art/2.html"],
            "{tail:?}: {}",
            crawled.summary
        );
    }
}

/// Entry links as TRS APIs print them: relative to the API (`../art/3.html`), twice on a page,
/// with a fragment, and on another site (also protocol-relative), which is named, not fetched.
#[test]
fn entry_links_are_joined_once_each_and_other_sites_named() {
    let mut records = vec![trs_record(1), trs_record(1), trs_record(2)];
    for link in [
        "../art/3.html",
        "/art/2.html#top",
        "//www.gov.cn/zhengce/1.html",
        "http://www.hebei.gov.cn/art/2.html",
    ] {
        let mut record = trs_record(3);
        record["URL"] = json!(link);
        records.push(record);
    }
    let list = json_answer(&json!({ "data": records }));
    let crawled = crawl_api(
        "127.0.0.196",
        "trs_xxgk",
        "/api/list?page=1",
        move |target: &str| (target == "/api/list?page=1").then(|| list.clone()),
    );
    assert_eq!(
        crawled.archived_paths(),
        ["/art/1.html", "/art/2.html", "/art/3.html"],
        "{}",
        crawled.summary
    );
    let mut asked = crawled.requests.clone();
    asked.sort();
    asked.dedup();
    assert_eq!(asked.len(), crawled.requests.len(), "{asked:?}");
    let ledger = crawled.ledger();
    assert_eq!(ledger["other_site_pages"], 2, "{ledger}");
    assert_eq!(
        ledger["other_site_hosts"],
        json!(["www.gov.cn", "www.hebei.gov.cn"]),
        "{ledger}"
    );
}
