//! Discover against real pages: the TRS 信息公开年报 list of ordos.gov.cn and the TRS xxgk JSON
//! list API of scjg.hubei.gov.cn. Expected values were read off the files by hand.

use chrono::NaiveDate;
use nianbao::discover::{
    DiscoverError, JsonListFormat, PageRequest, StatedCount, discover, page_kind_hint,
    parse_json_list,
};
use url::Url;

const ORDOS_LIST: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/real-pages/trs-ordos-xxgknb-list-utf8.html"
);
const HUBEI_API: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/real-pages/trs-hubei-samr-xxgk-list-api.json"
);
const SHANXI_DETAIL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/real-pages/trs-shanxi-gov-detail-createPageHTML-utf8.html"
);

fn url(s: &str) -> Url {
    Url::parse(s).expect("test URL literal is valid")
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).expect("real page is present and UTF-8")
}

#[test]
fn trs_ordos_list_items_are_the_ten_dated_entries() {
    let page = discover(
        &url("http://www.ordos.gov.cn/xxgk/xxgknb/"),
        &read(ORDOS_LIST),
    );
    assert_eq!(page.items.len(), 10);

    let cases = [
        (
            0,
            "鄂尔多斯市2019年政府信息公开工作年度报告",
            "http://www.ordos.gov.cn/xxgk/xxgknb/202009/t20200903_2748784.html",
            date(2020, 9, 3),
        ),
        (
            2,
            "鄂尔多斯市人民政府办公室2019年政府信息公开工作年度报告",
            "http://www.ordos.gov.cn/xxgk/xxgknb/202003/t20200311_2593126.html",
            date(2020, 3, 11),
        ),
        // The list date (2018-03-26) differs from the month in the URL (201811): the list wins.
        (
            6,
            "恩格贝生态示范区召开2018年度工作会议暨党风廉政建设会议",
            "http://www.ordos.gov.cn/xxgk/xxgknb/201811/t20181102_2290635.html",
            date(2018, 3, 26),
        ),
        (
            9,
            "2016，恩格贝，精彩继续！",
            "http://www.ordos.gov.cn/xxgk/xxgknb/201802/t20180205_2082017.html",
            date(2017, 1, 7),
        ),
    ];
    for (i, title, link, when) in cases {
        let item = &page.items[i];
        assert_eq!(item.title.as_deref(), Some(title), "item {i}");
        assert_eq!(item.url.as_str(), link, "item {i}");
        assert_eq!(item.date, when, "item {i}");
    }
    assert!(page.items.iter().all(|i| i.date.is_some()));

    let reports = page
        .items
        .iter()
        .filter(|i| i.title.as_deref().is_some_and(|t| t.contains("年度报告")))
        .count();
    assert_eq!(reports, 4);

    // Menu, breadcrumb and footer links are not items.
    for nav in [
        "http://www.ordos.gov.cn/",
        "http://www.ordos.gov.cn/xxgk/",
        "http://www.ordos.gov.cn/xxgk/xxgknb/",
        "http://www.ordos.gov.cn/xxgk/xxgkgd/",
        "http://www.ordos.gov.cn/dbdh/lxwm/",
    ] {
        assert!(page.items.iter().all(|i| i.url.as_str() != nav), "{nav}");
    }
}

#[test]
fn trs_ordos_list_pager_gives_the_second_page() {
    let page = discover(
        &url("http://www.ordos.gov.cn/xxgk/xxgknb/"),
        &read(ORDOS_LIST),
    );
    assert_eq!(
        page.next_pages,
        vec![PageRequest::Get(url(
            "http://www.ordos.gov.cn/xxgk/xxgknb/index_1.html"
        ))]
    );
    assert_eq!(
        page.stated,
        Some(StatedCount {
            items: None,
            pages: Some(2)
        })
    );
    assert!(page.year_sections.is_empty());
    assert!(page_kind_hint(
        &url("http://www.ordos.gov.cn/xxgk/xxgknb/"),
        &read(ORDOS_LIST)
    ));
}

#[test]
fn trs_detail_page_is_not_a_list() {
    let u = url("http://www.shanxi.gov.cn/yw/sxyw/201909/t20190918_693227.shtml");
    let html = read(SHANXI_DETAIL);
    let page = discover(&u, &html);
    // `createPageHTML(1,0,...)`: a single page, nothing further to fetch; the function's own
    // definition (`function createPageHTML(_nPageCount, ...)`) is not mistaken for a call.
    assert!(page.next_pages.is_empty());
    assert_eq!(page.stated.and_then(|s| s.pages), Some(1));
    assert!(!page_kind_hint(&u, &html));
}

#[test]
fn trs_xxgk_json_list_carries_all_records_with_fields() {
    let u = url("http://scjg.hubei.gov.cn/zfxxgk/zcwj/qtwj/list.json");
    let body = std::fs::read(HUBEI_API).expect("real API sample is present");
    let page = parse_json_list(&u, &body, JsonListFormat::TrsXxgk).expect("sample is valid");
    assert_eq!(page.items.len(), 429);

    let first = &page.items[0];
    assert_eq!(
        first.url.as_str(),
        "http://scjg.hubei.gov.cn/zfxxgk/zcwj/qtwj/202309/t20230908_4831876.shtml"
    );
    assert_eq!(
        first.title.as_deref(),
        Some(
            "湖北省市场监督管理局办公室转发市场监管总局办公厅关于开展全国质量认证系列宣传体验周活动的通知"
        )
    );
    assert_eq!(first.date, date(2023, 9, 8));
    let field = |item: &nianbao::discover::ListItem, label: &str| {
        item.fields
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, v)| v.clone())
    };
    for (label, value) in [
        ("索引号", "MB1686999/2023-23003"),
        ("文号", "鄂市监办认检函〔2023〕57号"),
        ("发布机构", "湖北省市场监督管理局"),
        ("发布日期", "2023-09-08 18:15:00"),
        ("成文日期", "2023-09-08 18:15:00"),
        ("有效性", "有效"),
        ("分类", "质量提升"),
    ] {
        assert_eq!(field(first, label).as_deref(), Some(value), "{label}");
    }
    // Empty values (EFECTDATE, WORD, PDF of the first record) are left out, not kept as "".
    assert!(first.fields.iter().all(|(_, v)| !v.trim().is_empty()));
    assert_eq!(field(first, "附件"), None);

    // The second record was published (PUBDATE) before it is dated (DOCRELTIME): the list
    // date is the publication date.
    assert_eq!(page.items[1].date, date(2023, 9, 5));
    assert_eq!(
        field(&page.items[1], "成文日期").as_deref(),
        Some("2023-09-08 15:30:00")
    );

    let last = page.items.last().expect("429 items");
    assert_eq!(
        field(last, "附件").as_deref(),
        Some("http://scjg.hubei.gov.cn/zfxxgk/zcwj/qtwj/202201/P020220106545718376394.pdf")
    );

    // The sample's only top-level key is `data`: no count, no further pages.
    assert!(page.next_pages.is_empty());
    assert_eq!(page.stated, None);
}

#[test]
fn json_list_format_reads_from_config_strings() {
    let format: JsonListFormat =
        serde_json::from_str("\"trs_xxgk\"").expect("trs_xxgk is a format name");
    assert_eq!(format, JsonListFormat::TrsXxgk);
    assert!(serde_json::from_str::<JsonListFormat>("\"hanweb\"").is_err());
}

#[test]
fn json_list_errors_name_the_url() {
    let u = url("http://example.gov.cn/api/list?page=1");
    let cases: [(&[u8], &str); 3] = [
        (b"<html>412</html>", "not JSON"),
        (br#"{"rows": []}"#, "no `data` array"),
        (b"", "not JSON"),
    ];
    for (body, message) in cases {
        let err = parse_json_list(&u, body, JsonListFormat::TrsXxgk).expect_err("bad body");
        let text = err.to_string();
        assert!(text.contains(message), "{text}");
        assert!(text.contains("example.gov.cn"), "{text}");
        assert!(matches!(
            err,
            DiscoverError::NotJson { .. } | DiscoverError::UnexpectedShape { .. }
        ));
    }
}

#[test]
fn json_list_with_stated_pages_requests_the_other_pages() {
    let u = url("http://example.gov.cn/api/xxgk?columnId=7&page=1");
    let body = r#"{"totalPage": "3", "total": 55, "data": [
        {"URL": "/a/1.shtml", "FILENAME": "2019年政府信息公开工作年度报告", "PUBDATE": "2020-01-20 09:00:00"}
    ]}"#;
    let page = parse_json_list(&u, body.as_bytes(), JsonListFormat::TrsXxgk).expect("valid");
    assert_eq!(
        page.items[0].url.as_str(),
        "http://example.gov.cn/a/1.shtml"
    );
    assert_eq!(
        page.stated,
        Some(StatedCount {
            items: Some(55),
            pages: Some(3)
        })
    );
    let next: Vec<&str> = page.next_pages.iter().map(|p| p.url().as_str()).collect();
    assert_eq!(
        next,
        [
            "http://example.gov.cn/api/xxgk?columnId=7&page=2",
            "http://example.gov.cn/api/xxgk?columnId=7&page=3"
        ]
    );
}
