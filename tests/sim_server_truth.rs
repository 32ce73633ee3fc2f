//! The portal simulator's ground truth over real sockets: stated counts match the items listed
//! across pages, mutations add, edit and bump counters, and `config.toml` lists every site.

mod sim_server_support;

use std::collections::BTreeSet;

use nianbao_sim::{DocSpec, Simulator};
use sim_server_support::*;

#[tokio::test]
async fn stated_counts_match_the_items_listed_across_pages() {
    let sim = Simulator::start_standard().await.expect("simulator starts");
    let client = client();
    let href = regex::Regex::new(r#"href="([^"]+)""#).expect("regex");
    for site in sim.sites() {
        let truth = site.truth();
        let stated = site.stated_counts();
        let lists = site.list_urls();
        assert_eq!(
            stated.iter().map(|s| s.0).collect::<Vec<_>>(),
            lists.iter().map(|l| l.0).collect::<Vec<_>>()
        );
        for ((sub, count), (_, urls)) in stated.iter().zip(&lists) {
            let mut seen = BTreeSet::new();
            for url in urls {
                let (status, body) = get(&client, url.clone()).await;
                assert_eq!(status, 200, "{url}");
                let text = String::from_utf8_lossy(&body).into_owned();
                for cap in href.captures_iter(&text) {
                    let Ok(link) = url.join(&cap[1].replace("&amp;", "&")) else {
                        continue;
                    };
                    let target = target_of(&link);
                    if let Some(doc) = truth
                        .iter()
                        .find(|t| t.path == target || t.aliases.contains(&target))
                    {
                        seen.insert(doc.path.clone());
                    }
                }
            }
            assert_eq!(seen.len() as u64, *count, "{} {sub:?}", site.name());
        }
    }
    let trs = sim.site("trs").stated_counts();
    assert_eq!(trs.len(), 17, "root plus 16 year channels");
    assert!(trs.contains(&(Some(2019), 2)));
    sim.shutdown().await;
}

#[tokio::test]
async fn mutations_add_edit_and_bump_counters() {
    let sim = Simulator::start_standard().await.expect("simulator starts");
    let client = client();
    let trs = sim.site("trs");
    let before = trs.stated_counts()[0].1;
    trs.add_document(
        DocSpec::new("阿图什市2025年度政府信息公开年度报告", "2026-01-15 10:00")
            .report(2025)
            .issued_by("阿图什市人民政府办公室")
            .in_channel(2025),
    );
    assert_eq!(trs.stated_counts()[0].1, before + 1);
    let added = trs
        .truth()
        .into_iter()
        .find(|t| t.report_year == Some(2025))
        .expect("added to truth");
    let section = String::from_utf8(get(&client, trs.section_url()).await.1).expect("UTF-8");
    let first_link = section
        .find("./2025/202601/")
        .expect("new doc on first list page");
    assert!(first_link < section.find("./2024/").expect("2024 report on first page"));
    assert!(
        section.contains(">2025年</a>"),
        "new year channel in the menu"
    );

    let url = trs.url(&added.path);
    let volatile =
        regex::Regex::new(r#"<span id="views">(\d+)|页面生成时间 ([\d: -]+)"#).expect("regex");
    let strip = |t: &str| volatile.replace_all(t, "").into_owned();
    let views = |t: &str| -> Vec<String> {
        volatile
            .captures_iter(t)
            .map(|c| c.get(0).expect("match").as_str().to_string())
            .collect()
    };
    let one = String::from_utf8(get(&client, url.clone()).await.1).expect("UTF-8");
    trs.bump_counters();
    let two = String::from_utf8(get(&client, url.clone()).await.1).expect("UTF-8");
    assert_eq!(strip(&one), strip(&two), "only volatile parts change");
    assert_ne!(views(&one), views(&two));
    assert_eq!(views(&one).len(), 2);

    trs.edit_document(&added.path, "补充说明：本报告第二部分数据已更正。");
    let three = String::from_utf8(get(&client, url).await.1).expect("UTF-8");
    assert!(three.contains("补充说明：本报告第二部分数据已更正。"));
    assert_ne!(strip(&two), strip(&three));
    sim.shutdown().await;
}

#[tokio::test]
async fn config_toml_lists_every_site_and_navigation_pages_exist() {
    let sim = Simulator::start_standard().await.expect("simulator starts");
    let toml_text = sim.config_toml(
        std::path::Path::new("/tmp/data \"x\""),
        std::time::Duration::from_millis(250),
    );
    let value: toml::Value = toml::from_str(&toml_text).expect("valid TOML");
    assert_eq!(value["data_dir"].as_str(), Some("/tmp/data \"x\""));
    assert_eq!(
        value["politeness"]["per_host_interval"].as_str(),
        Some("250ms")
    );
    assert_eq!(value["politeness"]["respect_robots"].as_bool(), Some(true));
    assert_eq!(value["fetch"]["retry_base"].as_str(), Some("100ms"));
    let portals = value["portal"].as_array().expect("portal array");
    assert_eq!(portals.len(), 6);
    assert_eq!(portals[0]["name"].as_str(), Some("阿图什市人民政府"));
    assert_eq!(
        portals[0]["url"].as_str(),
        Some(sim.site("trs").section_url().as_str())
    );

    let client = client();
    for (site, path) in [
        ("trs", "/search/index.html"),
        ("trs", "/zwgk/zcwj/index.html"),
        ("hanweb", "/col/col1231/index.html"),
        ("gbk", "/news/list.asp"),
        ("big5", "/xxgk/zn/index.html"),
        ("nometa", "/xwdt/index.html"),
    ] {
        let (status, _) = get(&client, sim.site(site).url(path)).await;
        assert_eq!(status, 200, "{site} {path}");
    }
    let (status, _) = get(&client, sim.site("trs").url("/no/such/page.html")).await;
    assert_eq!(status, 404);
    sim.shutdown().await;
}
