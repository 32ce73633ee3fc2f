//! JSON list APIs answering in shapes real portals use and nobody here wrote: a BOM, JSONP, GBK
//! under a wrong or missing charset, `text/html`, totals as floats, pages that are no JSON, and
//! entries whose links lead nowhere. Each through a real crawl against a loopback API.

mod common;
mod list_api_support;

use list_api_support::{Answer, crawl_api, json_answer, trs_record};
use serde_json::{Value, json};

/// The two-record first page of a TRS xxgk API.
fn two_records() -> Value {
    json!({"data": [trs_record(1), trs_record(2)], "total": 2})
}

fn first_page_only(answer: Answer) -> impl Fn(&str) -> Option<Answer> + Send + Sync + 'static {
    move |target: &str| (target == "/api/list?page=1").then(|| answer.clone())
}

fn assert_both_archived(crawled: &list_api_support::Crawled, what: &str) {
    assert_eq!(
        crawled.archived_paths(),
        ["/art/1.html", "/art/2.html"],
        "{what}: {}",
        crawled.summary
    );
}

#[test]
fn a_body_opening_with_a_byte_order_mark_is_read() {
    let (status, ctype, body) = json_answer(&two_records());
    let bom = [b"\xEF\xBB\xBF".as_slice(), &body].concat();
    let crawled = crawl_api(
        "127.0.0.61",
        "trs_xxgk",
        "/api/list?page=1",
        first_page_only((status, ctype, bom)),
    );
    assert_both_archived(&crawled, "BOM");
}

#[test]
fn a_jsonp_body_is_read() {
    for (ip, wrap) in [
        ("127.0.0.62", ("callback(", ")")),
        ("127.0.0.63", ("jQuery123_456(", ");")),
    ] {
        let (_, _, body) = json_answer(&two_records());
        let body = [wrap.0.as_bytes(), &body, wrap.1.as_bytes()].concat();
        let crawled = crawl_api(
            ip,
            "trs_xxgk",
            "/api/list?page=1",
            first_page_only((200, "application/javascript".into(), body)),
        );
        assert_both_archived(&crawled, wrap.0);
    }
}

#[test]
fn a_gbk_body_under_a_wrong_or_missing_charset_is_read() {
    let text = serde_json::to_string(&two_records()).expect("JSON");
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    for (ip, ctype) in [
        ("127.0.0.64", "application/json;charset=utf-8"),
        ("127.0.0.65", "application/json"),
    ] {
        let crawled = crawl_api(
            ip,
            "trs_xxgk",
            "/api/list?page=1",
            first_page_only((200, ctype.into(), gbk.to_vec())),
        );
        assert_both_archived(&crawled, ctype);
        // The item pages name no issuer: the API's 发布机构, read in GBK, is the only source.
        for record in &crawled.records {
            assert_eq!(
                record["issuing_body"], "某某县人民政府办公室",
                "{ctype}: {record}"
            );
        }
    }
}

#[test]
fn a_json_body_served_as_html_is_read() {
    let (_, _, body) = json_answer(&two_records());
    let crawled = crawl_api(
        "127.0.0.66",
        "trs_xxgk",
        "/api/list?page=1",
        first_page_only((200, "text/html;charset=utf-8".into(), body)),
    );
    assert_both_archived(&crawled, "text/html");
}

#[test]
fn a_float_total_states_the_pages() {
    let api = |target: &str| match target {
        "/api/list?page=1&size=2" => Some(json_answer(
            &json!({"data": [trs_record(1), trs_record(2)], "total": 3.0}),
        )),
        "/api/list?page=2&size=2" => {
            Some(json_answer(&json!({"data": [trs_record(3)], "total": 3.0})))
        }
        _ => None,
    };
    let crawled = crawl_api("127.0.0.67", "trs_xxgk", "/api/list?page=1&size=2", api);
    assert_eq!(
        crawled.archived_paths(),
        ["/art/1.html", "/art/2.html", "/art/3.html"],
        "{}",
        crawled.summary
    );
    assert_eq!(crawled.ledger()["pages"], 2, "{}", crawled.ledger());
}

#[test]
fn a_javascript_or_empty_entry_is_no_request() {
    let mut bad = trs_record(3);
    bad["URL"] = json!("javascript:void(0)");
    let mut empty = trs_record(4);
    empty["URL"] = json!("");
    let crawled = crawl_api(
        "127.0.0.68",
        "trs_xxgk",
        "/api/list?page=1",
        first_page_only(json_answer(
            &json!({"data": [trs_record(1), bad, empty, trs_record(2)]}),
        )),
    );
    assert_both_archived(&crawled, "javascript:");
    assert!(
        crawled.requests.iter().all(|r| !r.contains("javascript")),
        "{:?}",
        crawled.requests
    );
    // Nor an entry the ledger counts as another site's page.
    assert_eq!(crawled.ledger()["found"], 2, "{}", crawled.ledger());
}

/// A server's error page, a 瑞数 challenge (a real one) and a login page, each served where the
/// API's JSON was expected, with the kind the ledger names it by.
fn html_answers() -> [(&'static str, String, &'static str); 3] {
    let challenge = "../shared/real-pages/ruishu-412-challenge-scjg-gansu-home-utf8.html";
    [
        (
            "127.0.0.69",
            "<html><head><title>系统错误</title></head><body><h1>500 Internal Server Error</h1></body></html>".into(),
            "server_error",
        ),
        (
            "127.0.0.70",
            std::fs::read_to_string(challenge).expect("the real challenge page"),
            "blocked",
        ),
        (
            "127.0.0.71",
            "<html><head><title>用户登录</title></head><body><form action=\"/login\"><input name=\"username\">\
             <input type=\"password\" name=\"password\"><button>登录</button></form></body></html>".into(),
            "login_wall",
        ),
    ]
}

#[test]
fn an_html_page_where_json_was_expected_is_named_in_the_ledger() {
    for (ip, body, kind) in html_answers() {
        let answer = (200, "text/html;charset=utf-8".into(), body.into_bytes());
        let crawled = crawl_api(ip, "trs_xxgk", "/api/list?page=1", first_page_only(answer));
        let failed = format!(
            "[incomplete: page {}/api/list?page=1 failed: {kind}]",
            crawled.base
        );
        assert!(
            crawled.summary.contains(&failed),
            "{kind}: {}",
            crawled.summary
        );
    }
}

#[test]
fn gkmlpt_dates_in_milliseconds_are_read() {
    let api = |target: &str| {
        (target == "/gkmlpt/api/all/5?page=1&sid=2").then(|| json_answer(&json!({
            "articles": [{"id": 1, "title": "某某县2020年政府信息公开工作年度报告", "url": "/art/1.html", "display_publish_time": 1611800000000_i64}],
            "total": 1
        })))
    };
    let crawled = crawl_api(
        "127.0.0.72",
        "gkmlpt",
        "/gkmlpt/api/all/5?page=1&sid=2",
        api,
    );
    assert_eq!(crawled.records.len(), 1, "{}", crawled.summary);
    assert_eq!(
        crawled.records[0]["publish_date"], "2021-01-28",
        "{}",
        crawled.records[0]
    );
}

/// The API pages the crawl asked, in order.
fn api_requests(crawled: &list_api_support::Crawled) -> Vec<&str> {
    crawled
        .requests
        .iter()
        .map(String::as_str)
        .filter(|r| r.starts_with("/api/"))
        .collect()
}

#[test]
fn an_absurd_total_is_walked_a_few_pages_past_the_list_end_each_page_once() {
    let api = |target: &str| {
        let page: u32 = target
            .strip_prefix("/api/list?page=")?
            .strip_suffix("&size=2")?
            .parse()
            .ok()?;
        let data: Vec<Value> = match page {
            1 => vec![trs_record(1), trs_record(2)],
            2 => vec![trs_record(3), trs_record(2)],
            _ => vec![],
        };
        Some(json_answer(
            &json!({"data": data, "total": "99999999", "totalPage": 49999999.0}),
        ))
    };
    let crawled = crawl_api("127.0.0.73", "trs_xxgk", "/api/list?page=1&size=2", api);
    assert_eq!(
        crawled.archived_paths(),
        ["/art/1.html", "/art/2.html", "/art/3.html"],
        "{}",
        crawled.summary
    );
    let asked = api_requests(&crawled);
    let mut distinct = asked.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), asked.len(), "a page asked twice: {asked:?}");
    assert!(asked.len() <= 6, "walked on past the list's end: {asked:?}");
    assert!(
        crawled.summary.contains("in a row listed nothing new"),
        "{}",
        crawled.summary
    );
}

#[test]
fn a_page_answering_no_list_is_named_in_the_ledger() {
    for (ip, body) in [
        ("127.0.0.74", "null"),
        ("127.0.0.75", "[]"),
        ("127.0.0.76", "{}"),
        ("127.0.0.77", "{\"data\":[{\"URL\":\"/art/3.html\""),
    ] {
        let api = move |target: &str| match target {
            "/api/list?page=1&size=2" => Some(json_answer(
                &json!({"data": [trs_record(1), trs_record(2)], "total": 5}),
            )),
            "/api/list?page=2&size=2" => {
                Some((200, "application/json".into(), body.as_bytes().to_vec()))
            }
            "/api/list?page=3&size=2" => {
                Some(json_answer(&json!({"data": [trs_record(5)], "total": 5})))
            }
            _ => None,
        };
        let crawled = crawl_api(ip, "trs_xxgk", "/api/list?page=1&size=2", api);
        // A crawl walks one page after another: the failed page ends this night's walk, and
        // the ledger says why, by kind.
        assert!(
            crawled
                .summary
                .contains("[incomplete: page 2 failed: list_api"),
            "{body}: {}",
            crawled.summary
        );
        assert_eq!(
            crawled.archived_paths(),
            ["/art/1.html", "/art/2.html"],
            "{body}: {}",
            crawled.summary
        );
    }
}

#[test]
fn a_page_parameter_given_twice_walks_each_page_once() {
    let api = |target: &str| match target {
        "/api/list?page=1&size=2&page=1" => Some(json_answer(
            &json!({"data": [trs_record(1), trs_record(2)], "totalPage": "2"}),
        )),
        "/api/list?page=2&size=2&page=2" => Some(json_answer(
            &json!({"data": [trs_record(3)], "totalPage": "2"}),
        )),
        _ => None,
    };
    let crawled = crawl_api(
        "127.0.0.78",
        "trs_xxgk",
        "/api/list?page=1&size=2&page=1",
        api,
    );
    assert_eq!(
        crawled.archived_paths(),
        ["/art/1.html", "/art/2.html", "/art/3.html"],
        "{}",
        crawled.summary
    );
    assert_eq!(
        api_requests(&crawled),
        [
            "/api/list?page=1&size=2&page=1",
            "/api/list?page=2&size=2&page=2"
        ]
    );
}
