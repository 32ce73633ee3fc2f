use super::*;
use crate::discover::discover;

fn url(s: &str) -> Url {
    Url::parse(s).expect("test URL")
}

fn form_of(request: &PageRequest) -> Vec<(String, String)> {
    match request {
        PageRequest::Post { form, .. } => form.clone(),
        PageRequest::Get(u) => panic!("expected a POST, got GET {u}"),
    }
}

fn field<'a>(form: &'a [(String, String)], key: &str) -> Option<&'a str> {
    form.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// A column shell as UCAP portals serve it: the site variable, an empty list, a script.
fn shell_page(site_var: &str, extra_script: &str) -> String {
    format!(
        r#"<html><head><meta charset="utf-8"><title>政府信息公开年报</title>
<script type="text/javascript">
  var websiteId = "f2c9eb56dd984ccbb9389bdc2c0c7cdf",
    {site_var} = "wzxrmzf",
    websiteName = "万载县人民政府";
</script></head><body>
<div class="nav">首页 &gt; 政府信息公开 &gt; 年报</div>
<ul id="list"></ul><div id="page"></div>
<script>{extra_script}</script></body></html>"#
    )
}

#[test]
fn a_shell_leads_to_the_first_api_page_whatever_names_the_channel() {
    let ajax = r#"$.ajax({url: "/queryList", type: "post", data: {current: 1, pageSize: PS, "webSiteCode[]": websiteCode, "channelCode[]": code}});"#;
    // (site variable, script, page URL, channel key, channel, page size)
    let cases: &[(&str, String, &str, &str, &str, &str)] = &[
        // The channel in the template page's query.
        (
            "websiteCode",
            ajax.replace("PS", "15"),
            "http://h.example/wzxrmzf/tjj/xxgk.shtml?code=ndbg&temp=xsqbmxxgk_list",
            "channelCode[]",
            "ndbg",
            "15",
        ),
        // The channel as the folder below the site's.
        (
            "webSiteCode",
            ajax.replace("PS", "20"),
            "http://h.example/wzxrmzf/c110136/xxgk_list.shtml",
            "channelCode[]",
            "c110136",
            "20",
        ),
        (
            "websiteCode",
            ajax.replace("PS", "10"),
            "http://h.example/wzxrmzf/col/col42150/index.html",
            "channelCode[]",
            "col42150",
            "10",
        ),
        // The channel named by the script, by code or by id; no page size stated.
        (
            "websiteCode",
            r#"var channelCode = "zfxxgknb"; $.post("/queryList", {current: 1});"#.to_string(),
            "http://h.example/a/b.shtml",
            "channelCode[]",
            "zfxxgknb",
            "15",
        ),
        (
            "website_code",
            r#"var opts = {"channelId[]": "1996819971664617472"};"#.to_string(),
            "http://h.example/x/y/z.shtml",
            "channelId[]",
            "1996819971664617472",
            "15",
        ),
    ];
    for (site_var, script, page_url, key, channel, size) in cases {
        let html = shell_page(site_var, script);
        let page = discover(&url(page_url), &html);
        assert_eq!(page.next_pages.len(), 1, "{page_url}: {page:?}");
        let request = &page.next_pages[0];
        assert_eq!(
            request.url().as_str(),
            "http://h.example/queryList",
            "{page_url}"
        );
        let form = form_of(request);
        assert_eq!(field(&form, "current"), Some("1"), "{page_url}");
        assert_eq!(field(&form, "pageSize"), Some(*size), "{page_url}");
        assert_eq!(field(&form, "webSiteCode[]"), Some("wzxrmzf"), "{page_url}");
        assert_eq!(field(&form, key), Some(*channel), "{page_url}");
        assert_eq!(page.number_of(request), Some(1), "{page_url}");
        assert!(page.needs_javascript.is_none(), "{page_url}");
    }
}

#[test]
fn a_shell_naming_no_channel_needs_javascript_and_an_article_is_no_shell() {
    let html = shell_page("websiteCode", "");
    let page = discover(&url("http://h.example/index.shtml"), &html);
    assert!(page.next_pages.is_empty());
    let seen = page.needs_javascript.expect("reported");
    assert!(seen.contains("UCAP") && seen.contains("wzxrmzf"), "{seen}");

    // The saved UCAP article pages carry the site variable too; they are not list shells.
    for name in [
        "01-wanzai-tjgb2022-item.html",
        "03-yichun-tjgb2022-item.html",
    ] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/real-pages-2")
            .join(name);
        let Ok(html) = std::fs::read_to_string(&path) else {
            panic!("shared page {} is missing", path.display());
        };
        assert!(shell(&html, &url("http://h.example/wzxrmzf/tjsja/x.shtml")).is_none());
    }
}

fn answer(results: &[(&str, &str, &str)], total: Option<u64>) -> String {
    let rows: Vec<String> = results
        .iter()
        .map(|(title, date, path)| {
            let urls = format!(r#"{{\"pc\":\"{path}\",\"app\":\"\"}}"#);
            format!(
                r#"{{"source":{{"title":"{title}","pubDate":"{date}","urls":"{urls}","metadata":"{{}}"}}}}"#
            )
        })
        .collect();
    let total = total.map_or(String::new(), |t| format!(r#","total":{t}"#));
    format!(
        r#"{{"code":200,"data":{{"results":[{}]{total}}}}}"#,
        rows.join(",")
    )
}

fn api_request(current: u64, size: u64) -> PageRequest {
    PageRequest::Post {
        url: url("http://h.example/queryList"),
        form: vec![
            ("current".into(), current.to_string()),
            ("pageSize".into(), size.to_string()),
            ("webSiteCode[]".into(), "wzxrmzf".into()),
            ("channelCode[]".into(), "ndbg".into()),
        ],
        charset: None,
    }
}

#[test]
fn an_answer_gives_its_items_with_titles_dates_and_links() {
    let body = answer(
        &[
            (
                "某县<em>2021</em>年政府信息公开工作年度报告",
                "2022-01-20 09:30:00",
                "/wzxrmzf/ndbg/202201/ab12.shtml",
            ),
            (
                "某县2020年政府信息公开工作年度报告",
                "2021-01-18",
                "/wzxrmzf/ndbg/202101/cd34.shtml",
            ),
        ],
        Some(2),
    );
    let u = url("http://h.example/queryList");
    assert!(is_answer(&u, &body));
    let page = parse_answer(&u, &body).expect("reads");
    assert_eq!(page.items.len(), 2);
    assert_eq!(
        page.items[0].url.as_str(),
        "http://h.example/wzxrmzf/ndbg/202201/ab12.shtml"
    );
    assert_eq!(
        page.items[0].title.as_deref(),
        Some("某县2021年政府信息公开工作年度报告")
    );
    assert_eq!(
        page.items[1].date.map(|d| d.to_string()).as_deref(),
        Some("2021-01-18")
    );
    assert_eq!(page.stated.and_then(|s| s.items), Some(2));

    // Epoch milliseconds, and `urls` sent as an object rather than a string.
    let body = r#"{"data":{"results":[{"source":{"showTitle":"年报","pubDate":1611000000000,"urls":{"pc":"/a/b.shtml"}}}]}}"#;
    let page = parse_answer(&u, body).expect("reads");
    assert_eq!(page.items[0].url.as_str(), "http://h.example/a/b.shtml");
    assert_eq!(
        page.items[0].date.map(|d| d.to_string()).as_deref(),
        Some("2021-01-19")
    );
}

#[test]
fn bad_answers_are_errors_naming_the_url_never_panics() {
    let u = url("http://h.example/queryList");
    for body in ["{", r#"{"data":{"list":[]}}"#, r#"{"data":null}"#, "[]"] {
        let err = parse_answer(&u, body).expect_err(body);
        assert!(err.contains("h.example/queryList"), "{body}: {err}");
    }
    // Entries without a usable link are left out, not guessed.
    let body = r#"{"data":{"results":[{"source":{"title":"x","urls":"not json"}},{"source":{"title":"y"}},{"x":1}]}}"#;
    let page = parse_answer(&u, body).expect("reads");
    assert!(page.items.is_empty());
    assert_eq!(page.answered, Some(3));
}

#[test]
fn every_page_the_total_implies_is_requested_at_the_request_page_size() {
    // (page requested, page size, total stated, entries answered, pages stated, pages requested)
    type Case = (u64, u64, Option<u64>, usize, Option<u64>, Vec<u64>);
    let cases: &[Case] = &[
        (1, 3, Some(8), 3, Some(3), vec![2, 3]),
        (1, 4, Some(8), 4, Some(2), vec![2]),
        (2, 3, Some(8), 3, Some(3), vec![1, 3]),
        (1, 15, Some(2), 2, Some(1), vec![]),
        (1, 15, Some(0), 0, Some(1), vec![]),
        // No total: one more page while answers come back full.
        (1, 3, None, 3, None, vec![2]),
        (4, 3, None, 3, None, vec![5]),
        (5, 3, None, 2, None, vec![]),
        (1, 3, None, 0, None, vec![]),
    ];
    for (current, size, total, n, pages, want) in cases {
        let rows: Vec<(String, String, String)> = (0..*n)
            .map(|i| {
                (
                    format!("年报{i}"),
                    "2021-01-01".to_string(),
                    format!("/s/c/{current}-{i}.shtml"),
                )
            })
            .collect();
        let rows: Vec<(&str, &str, &str)> = rows
            .iter()
            .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
            .collect();
        let request = api_request(*current, *size);
        let mut page = parse_answer(request.url(), &answer(&rows, *total)).expect("reads");
        extend_pages(&request, &mut page);
        let case = format!("page {current} size {size} total {total:?} answered {n}");
        assert_eq!(page.number, Some(*current), "{case}");
        assert_eq!(page.stated.and_then(|s| s.pages), *pages, "{case}");
        let got: Vec<u64> = page
            .next_pages
            .iter()
            .map(|r| page.number_of(r).expect("numbered"))
            .collect();
        assert_eq!(&got, want, "{case}");
        for r in &page.next_pages {
            let form = form_of(r);
            let n = page.number_of(r).expect("numbered").to_string();
            assert_eq!(field(&form, "current"), Some(n.as_str()), "{case}");
            assert_eq!(field(&form, "pageSize"), Some(size.to_string().as_str()));
            assert_eq!(field(&form, "channelCode[]"), Some("ndbg"));
        }
    }
    // Any other request is left alone.
    let mut page = ListPage::default();
    extend_pages(
        &PageRequest::Get(url("http://h.example/queryList")),
        &mut page,
    );
    assert!(page.next_pages.is_empty() && page.number.is_none());
}
