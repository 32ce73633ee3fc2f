//! The portal simulator over real sockets: each test starts its own standard simulator (the
//! scripted faults count requests per site) and checks the bytes on the wire, the request log and
//! that the ground truth agrees with what the pages show. Here each kind of site is served as it
//! should be; counts, mutations and the config are in `sim_server_truth.rs`, hostile requests in
//! `sim_server_wire.rs`.

mod sim_server_support;

use std::io::Read;

use nianbao_sim::Simulator;
use sim_server_support::*;

#[tokio::test]
async fn trs_section_item_and_robots_are_served_and_logged() {
    let sim = Simulator::start_standard().await.expect("simulator starts");
    let trs = sim.site("trs");
    let client = client();

    let (status, robots) = get(&client, trs.url("/robots.txt")).await;
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&robots).contains("Disallow: /search/"));

    let (status, section) = get(&client, trs.section_url()).await;
    let section = String::from_utf8(section).expect("trs pages are UTF-8");
    assert_eq!(status, 200);
    let root_count = trs.stated_counts()[0].1;
    assert_eq!(trs.stated_counts()[0].0, None);
    assert!(section.contains(&format!("共{root_count}条")));
    let pages = root_count.div_ceil(8);
    assert!(section.contains(&format!("createPageHTML({pages}, 0, \"index\", \"html\")")));
    assert!(section.contains(&format!("var countPage = {pages}")));
    assert!(section.contains("当前位置："));
    assert!(section.contains(">2017年</a>"));
    assert!(section.contains("http://www.gov.cn/"));

    let truth = trs.truth();
    let report_2017 = truth
        .iter()
        .find(|t| t.report_year == Some(2017))
        .expect("2017 report");
    assert_eq!(
        report_2017.index_number.as_deref(),
        Some("ATS001-2018-000001")
    );
    // The page prints 发布机构 阿图什政府网 (checked below), the website: its 来源 names the body.
    assert_eq!(
        report_2017.issuing_body.as_deref(),
        Some("阿图什市人民政府")
    );
    assert_eq!(
        report_2017.publish_date,
        chrono::NaiveDate::from_ymd_opt(2018, 2, 10)
    );
    let (status, item) = get(&client, trs.url(&report_2017.path)).await;
    let item = String::from_utf8(item).expect("UTF-8");
    assert_eq!(status, 200);
    for needle in [
        "ATS001-2018-000001",
        "阿图什政府网",
        "2018-02-10 12:20",
        "〔〕号",
        "阿图什市2017年度政府信息公开年度报告",
        "本报告中所列统计数据时限从2017年1月1日起至2017年12月31日止",
        "浏览次数：",
        "页面生成时间",
    ] {
        assert!(item.contains(needle), "item page lacks {needle}");
    }
    assert!(
        (2_000..=40_000).contains(&item.len()),
        "item page is {} bytes",
        item.len()
    );

    let log = trs.requests();
    let targets: Vec<&str> = log.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(
        targets,
        [
            "/robots.txt",
            trs.section_url().path(),
            report_2017.path.as_str()
        ]
    );
    assert!(log.iter().all(|r| r.method == "GET" && r.status == 200));
    assert!(
        log.iter()
            .all(|r| r.header("user-agent") == Some("nianbao-test/0.1"))
    );
    assert!(
        log.iter()
            .all(|r| r.header("host") == Some(trs.host().as_str()))
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn hanweb_answers_429_once_then_serves_dataproxy_post() {
    let sim = Simulator::start_standard().await.expect("simulator starts");
    let hanweb = sim.site("hanweb");
    let client = client();
    let robots = client
        .get(hanweb.url("/robots.txt"))
        .send()
        .await
        .expect("robots");
    assert!(
        robots
            .text()
            .await
            .expect("text")
            .contains("Crawl-delay: 1")
    );
    let first = client
        .get(hanweb.section_url())
        .send()
        .await
        .expect("section");
    assert_eq!(first.status().as_u16(), 200);
    let page = first.text().await.expect("text");
    let total = hanweb.stated_counts()[0].1;
    assert!(page.contains(&format!("var totalRecord = {total};")));
    assert!(page.contains("<script type=\"text/xml\">"));
    assert!(page.contains("<recordset>"));

    let third = client
        .get(hanweb.section_url())
        .send()
        .await
        .expect("third");
    assert_eq!(third.status().as_u16(), 429);
    assert_eq!(
        third
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
    let fourth = client
        .get(hanweb.section_url())
        .send()
        .await
        .expect("fourth");
    assert_eq!(fourth.status().as_u16(), 200);

    let form = "startrecord=16&endrecord=30&perpage=15&columnid=1234&unitid=5678&webid=1&appid=1&path=%2F&permissiontype=0";
    let resp = client
        .post(hanweb.url("/module/web/jpage/dataproxy.jsp"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .expect("dataproxy");
    assert_eq!(resp.status().as_u16(), 200);
    let xml = resp.text().await.expect("xml");
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?><datastore>"));
    assert!(xml.contains(&format!("<totalrecord>{total}</totalrecord>")));
    assert!(xml.contains(&format!("<totalpage>{}</totalpage>", total.div_ceil(15))));
    assert_eq!(
        xml.matches("<record><![CDATA[<li><a href=\"/art/").count(),
        15
    );

    let log = hanweb.requests();
    let statuses: Vec<u16> = log.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 200, 429, 200, 200]);
    let post = log.last().expect("post logged");
    assert_eq!(post.method, "POST");
    assert_eq!(post.target, "/module/web/jpage/dataproxy.jsp");
    assert_eq!(post.body, form.as_bytes());
    assert_eq!(
        post.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn gbk_site_sends_gbk_bytes_under_a_gb2312_label_and_503s_a_burst() {
    let sim = Simulator::start_standard().await.expect("simulator starts");
    let gbk = sim.site("gbk");
    let section = target_of(&gbk.section_url());
    let list = get_raw(gbk, &section, "").await;
    assert_eq!(list.status, 200);
    assert_eq!(
        list.header("content-type"),
        Some("text/html; charset=gb2312")
    );
    assert!(
        std::str::from_utf8(&list.body).is_err(),
        "GBK bytes are not UTF-8"
    );
    let (text, _, errors) = encoding_rs::GBK.decode(&list.body);
    assert!(!errors);
    let count = gbk.stated_counts()[0].1;
    assert!(text.contains(&format!("共3页 共{count}条")));
    assert!(text.contains("下一页") && text.contains("尾页"));

    let report = gbk
        .truth()
        .into_iter()
        .find(|t| t.report_year == Some(2024))
        .expect("2024 report");
    let item = get_raw(gbk, &report.path, "").await;
    let (text, _, errors) = encoding_rs::GBK.decode(&item.body);
    assert!(!errors);
    // 喆 is in GBK but not in GB2312: the label understates the encoding.
    let (zhe, _, _) = encoding_rs::GBK.encode("喆");
    assert!(item.body.windows(zhe.len()).any(|w| w == &zhe[..]));
    assert!(text.contains("喆"));
    assert!(text.contains("发布日期：2025-01-20"));
    assert!(
        text.contains("阿拉山口市人民政府办公室</p>\n<p style=\"text-align:right;\">2025年1月17日")
    );
    assert!(text.contains("点击数："));

    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(get_raw(gbk, "/robots.txt", "").await.status);
    }
    assert_eq!(
        statuses,
        [200, 200, 503, 503, 200],
        "requests 3..7 of the site"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn big5_site_declares_no_charset() {
    let sim = Simulator::start_standard().await.expect("simulator starts");
    let big5 = sim.site("big5");
    let list = get_raw(big5, big5.section_url().path(), "").await;
    assert_eq!(list.header("content-type"), Some("text/html"));
    assert!(
        !String::from_utf8_lossy(&list.body)
            .to_ascii_lowercase()
            .contains("charset")
    );
    let (text, _, errors) = encoding_rs::BIG5.decode(&list.body);
    assert!(!errors);
    assert!(text.contains("下一頁") && text.contains("index_1.html"));
    let doc = &big5.truth()[0];
    let item = get_raw(big5, &doc.path, "").await;
    let (text, _, errors) = encoding_rs::BIG5.decode(&item.body);
    assert!(!errors);
    for label in ["索引號", "發布機構", "發布日期", "文號", "政府資訊公開"] {
        assert!(text.contains(label), "{label}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn nometa_gzips_when_asked_and_shows_dates_only_in_the_list() {
    let sim = Simulator::start_standard().await.expect("simulator starts");
    let site = sim.site("nometa");
    let zipped = get_raw(
        site,
        site.section_url().path(),
        "Accept-Encoding: gzip, deflate\r\n",
    )
    .await;
    assert_eq!(zipped.header("content-encoding"), Some("gzip"));
    assert_eq!(zipped.header("transfer-encoding"), Some("chunked"));
    let mut html = String::new();
    flate2::read::GzDecoder::new(&zipped.body[..])
        .read_to_string(&mut html)
        .expect("valid gzip");
    assert!(html.contains("<span class=\"date\">"));

    let plain = get_raw(site, site.section_url().path(), "").await;
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(String::from_utf8(plain.body).expect("UTF-8"), html);

    let doc = site
        .truth()
        .into_iter()
        .find(|t| t.report_year == Some(2018))
        .expect("2018 report");
    assert_eq!(
        doc.publish_date,
        chrono::NaiveDate::from_ymd_opt(2019, 1, 25)
    );
    let mut lists = String::new();
    for url in &site.list_urls()[0].1 {
        lists
            .push_str(&String::from_utf8(get_raw(site, url.path(), "").await.body).expect("UTF-8"));
    }
    let rel = doc
        .path
        .strip_prefix("/zwgk/xxgknb/")
        .expect("under the section");
    let entry = format!(
        "<a href=\"./{rel}\" target=\"_blank\">{}</a><span class=\"date\">2019-01-25</span>",
        doc.title
    );
    assert!(lists.contains(&entry), "{entry}");
    let item = String::from_utf8(get_raw(site, &doc.path, "").await.body).expect("UTF-8");
    assert!(
        !item.contains("发布日期") && !item.contains("PubDate") && !item.contains("2019-01-25")
    );
    // No label and no signature: the issuing body is the one the report's title names.
    assert_eq!(doc.issuing_body.as_deref(), Some("台上镇"));
    sim.shutdown().await;
}

#[tokio::test]
async fn blocked_site_answers_412_challenge_except_robots() {
    let sim = Simulator::start_standard().await.expect("simulator starts");
    let site = sim.site("blocked");
    let page = get_raw(site, site.section_url().path(), "").await;
    assert_eq!(page.status, 412);
    let body = String::from_utf8(page.body).expect("UTF-8");
    assert!(body.contains("r=\"m\">") && body.contains("$_ts=window['$_ts']"));
    assert!(body.contains("src=\"/tQrlMwxgEtCS/"));
    assert_eq!(get_raw(site, "/robots.txt", "").await.status, 200);
    assert!(site.truth().is_empty());
    sim.shutdown().await;
}

#[tokio::test]
async fn every_truth_doc_alias_and_attachment_is_served() {
    let sim = Simulator::start_standard().await.expect("simulator starts");
    let client = client();
    let mut checked = 0;
    for site in sim.sites() {
        for doc in site.truth() {
            for path in std::iter::once(&doc.path).chain(&doc.aliases) {
                let (status, body) = get(&client, site.url(path)).await;
                assert_eq!(status, 200, "{} {path}", site.name());
                assert!(
                    body.len() > 2_000,
                    "{} {path} is {} bytes",
                    site.name(),
                    body.len()
                );
                checked += 1;
            }
            for path in &doc.attachments {
                let (status, body) = get(&client, site.url(path)).await;
                assert_eq!(status, 200, "{} {path}", site.name());
                assert!(body.starts_with(b"%PDF-1.4") && body.ends_with(b"%%EOF\n"));
                checked += 1;
            }
        }
    }
    let docs: usize = sim.sites().iter().map(|s| s.truth().len()).sum();
    assert!((60..=160).contains(&docs), "{docs} documents");
    assert!(checked > docs);
    let trs = sim.site("trs").truth();
    let twice = trs
        .iter()
        .find(|t| !t.aliases.is_empty())
        .expect("one doc has an alias");
    let strip = |b: Vec<u8>| {
        let text = String::from_utf8(b).expect("UTF-8");
        let re = regex::Regex::new(r#"浏览次数：<span id="views">\d+|页面生成时间 [\d: -]+"#)
            .expect("regex");
        re.replace_all(&text, "").into_owned()
    };
    let a = strip(get(&client, sim.site("trs").url(&twice.path)).await.1);
    let b = strip(get(&client, sim.site("trs").url(&twice.aliases[0])).await.1);
    assert_eq!(a, b, "an alias serves the same content");
    sim.shutdown().await;
}
