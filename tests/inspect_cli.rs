//! `nianbao inspect`: the real binary on saved real pages (by path) and on live simulated pages,
//! without a config or store, asserting on the JSON it prints and on what the server saw.

mod common;

use std::process::{Command, Output};
use std::time::Duration;

use common::{COMMAND_LIMIT, Harness, run_limited, stderr};
use serde_json::Value;

macro_rules! real_page {
    ($name:literal) => {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/real-pages/", $name)
    };
}

/// Runs `nianbao inspect ARGS` in an empty folder, so no config.toml is found.
fn inspect(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().expect("scratch dir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nianbao"));
    cmd.current_dir(dir.path()).arg("inspect").args(args);
    run_limited(cmd, COMMAND_LIMIT)
}

fn inspect_json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let out = inspect(&all);
    assert!(out.status.success(), "inspect {args:?}: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("inspect --format json prints one JSON object")
}

#[test]
fn an_item_page_shows_the_export_fields_with_their_sources() {
    let page = real_page!("trs-hubei-samr-xxgk-detail-ensp-labels-utf8.html");
    let url = "https://scjg.hubei.gov.cn/fbjd/xxgkml/zc/qtzdgkwj/detail.shtml";
    let got = inspect_json(&[page, "--url", url]);
    let cases: &[(&str, Value)] = &[
        ("kind", "item".into()),
        ("url", url.into()),
        ("index_number", "MB1686999/2023-21597".into()),
        ("issuing_body", "湖北省市场监督管理局".into()),
        ("doc_number", "便函".into()),
        ("publish_date", "2023-08-28".into()),
        ("report_year", Value::Null),
        ("is_annual_report", false.into()),
        ("charset", "UTF-8".into()),
        ("charset_source", "meta".into()),
        ("items", Value::Array(vec![])),
        ("next_pages", Value::Array(vec![])),
    ];
    for (key, want) in cases {
        assert_eq!(&got[key], want, "{key}");
    }
    assert_eq!(got["provenance"]["index_number"], "label:索引号");
    assert_eq!(got["provenance"]["publish_date"], "meta:PubDate");
    assert_eq!(got["fields"]["发文日期"], "2023-08-25");

    // The text form names each value's source.
    let out = inspect(&[page, "--url", url]);
    let text = String::from_utf8(out.stdout).expect("text output is UTF-8");
    for line in [
        "kind:     item",
        "charset:  UTF-8 (decided by meta, declared \"utf-8\")",
        "index_number      MB1686999/2023-21597  [label:索引号]",
        "issuing_body      湖北省市场监督管理局  [label:发布机构]",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "no line {line:?} in:\n{text}"
        );
    }
}

#[test]
fn a_list_page_shows_its_items_and_next_page() {
    let page = real_page!("trs-ordos-xxgknb-list-utf8.html");
    let got = inspect_json(&[
        page,
        "--url",
        "http://www.ordos.gov.cn/xxgk/xxgknb/index.html",
    ]);
    assert_eq!(got["kind"], "list");
    let items = got["items"].as_array().expect("items");
    assert_eq!(items.len(), 10, "{items:?}");
    assert_eq!(
        items[0]["title"],
        "鄂尔多斯市2019年政府信息公开工作年度报告"
    );
    assert_eq!(items[0]["date"], "2020-09-03");
    assert_eq!(
        items[0]["url"],
        "http://www.ordos.gov.cn/xxgk/xxgknb/202009/t20200903_2748784.html"
    );
    assert_eq!(
        got["next_pages"],
        serde_json::json!([{"Get": "http://www.ordos.gov.cn/xxgk/xxgknb/index_1.html"}])
    );
    assert_eq!(got["stated"]["pages"], 2);
    // An item page's fields are not applicable to a list.
    assert_eq!(got["title"], Value::Null);

    // Without --url the page is read at a placeholder address, and the command says so.
    let out = inspect(&[page, "--format", "json"]);
    assert!(
        stderr(&out).contains("http://localhost/"),
        "{}",
        stderr(&out)
    );
    let got: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(got["items"].as_array().map(Vec::len), Some(10));
    assert_eq!(got["next_pages"][0]["Get"], "http://localhost/index_1.html");
}

/// A list whose further pages only a script reaches says so, as the crawl's ledger does; a list
/// whose pager links lead on does not.
#[test]
fn a_list_whose_pager_only_a_script_runs_says_so() {
    let dir = tempfile::tempdir().expect("scratch dir");
    let page = |pager: &str| {
        let items: String = (2017..2020)
            .map(|y| format!(r#"<li><a href="/nb/{y}.html">和义县{y}年政府信息公开工作年度报告</a><span>{}-01-20</span></li>"#, y + 1))
            .collect();
        format!(
            r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body><ul class="list">{items}</ul><div class="page">{pager}</div></body></html>"#
        )
    };
    let pagers = [
        (
            r##"<a href="#page1">1</a> <a href="#page2" onclick="loadPage(2)">2</a>"##,
            true,
        ),
        (
            r#"<a href="index_1.html">2</a> <a href="index_1.html">下一页</a>"#,
            false,
        ),
    ];
    for (pager, scripted) in pagers {
        let path = dir.path().join("list.html");
        std::fs::write(&path, page(pager)).expect("write page");
        let got = inspect_json(&[
            path.to_str().expect("path"),
            "--url",
            "http://a.gov.cn/nb/index.html",
        ]);
        assert_eq!(got["kind"], "list", "{pager}");
        assert_eq!(got["items"].as_array().map(Vec::len), Some(3), "{pager}");
        let detail = got["kind_detail"].as_str().unwrap_or_default();
        assert_eq!(
            detail.contains("need JavaScript"),
            scripted,
            "{pager}: {detail:?}"
        );
    }
}

/// A path that is no file, or an address of another scheme, is bad usage (exit 2) that says
/// which; it is not an unreadable archive (exit 3).
#[test]
fn a_missing_file_or_an_ftp_address_is_bad_usage() {
    for (target, says) in [
        ("no-such-page.html", "is no file"),
        ("ftp://www.example.gov.cn/nb/index.html", "ftp URL"),
    ] {
        let out = inspect(&[target]);
        let message = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{target}: {message}");
        assert!(message.contains(says), "{target}: {message}");
        assert!(message.contains(target), "{target}: {message}");
    }
}

/// A body saved as the wire sent it (curl without `--compressed`), or a `.html.gz` gzipped once
/// more, is read inflated, as the crawl reads such a body; bytes that only start like gzip are
/// read as they are, saying why.
#[test]
fn a_saved_gzip_body_is_read_as_the_crawl_reads_it() {
    use std::io::Write;
    let gzip = |data: &[u8]| {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(data).expect("gzip in memory");
        encoder.finish().expect("gzip in memory")
    };
    let page = real_page!("trs-hubei-samr-xxgk-detail-ensp-labels-utf8.html");
    let url = "https://scjg.hubei.gov.cn/fbjd/xxgkml/zc/qtzdgkwj/detail.shtml";
    let plain = std::fs::read(page).expect("the real page is beside the repository");
    let dir = tempfile::tempdir().expect("scratch dir");
    let expected = inspect_json(&[page, "--url", url]);
    for (name, body, says) in [
        ("once.html", gzip(&plain), "1 layer"),
        ("twice.html.gz", gzip(&gzip(&plain)), "2 layers"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, body).expect("scratch file");
        let path = path.to_string_lossy().into_owned();
        assert_eq!(inspect_json(&[&path, "--url", url]), expected, "{name}");
        let out = inspect(&[&path, "--url", url]);
        assert!(stderr(&out).contains(says), "{name}: {}", stderr(&out));
    }
    let cut = gzip(&plain);
    let path = dir.path().join("cut.gz");
    std::fs::write(&path, &cut[..cut.len() / 2]).expect("scratch file");
    let out = inspect(&[&path.to_string_lossy(), "--url", url]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is gzip but not a gzipped page"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn challenges_and_mislabelled_charsets() {
    let cases: &[(&str, &str, Option<&str>)] = &[
        (
            real_page!("ruishu-412-challenge-scjg-gansu-home-utf8.html"),
            "challenge",
            Some("ruishu"),
        ),
        (
            real_page!("ruishu6-412-challenge-zscqj-hubei-utf8.html"),
            "challenge",
            Some("ruishu"),
        ),
        (
            real_page!("waf-knownsec-jiasule-browser-check-utf8.html"),
            "challenge",
            Some("jiasule"),
        ),
        (
            real_page!("waf-360panyun-yunnan-gov-challenge-mojibake.html"),
            "challenge",
            Some("waf360"),
        ),
        (
            real_page!("encoding-mislabel-people-trs-gb2312-meta-utf8-bytes.html"),
            "item",
            None,
        ),
    ];
    for (page, kind, detail) in cases {
        let got = inspect_json(&[page]);
        assert_eq!(got["kind"], *kind, "{page}");
        assert_eq!(got["kind_detail"].as_str(), *detail, "{page}");
    }
    // Declares GB2312, but the bytes are valid UTF-8: the bytes win, and the label is shown.
    let got = inspect_json(&[real_page!(
        "encoding-mislabel-people-trs-gb2312-meta-utf8-bytes.html"
    )]);
    assert_eq!(got["charset"], "UTF-8");
    assert_eq!(got["charset_source"], "utf8_trial");
    assert_eq!(got["charset_declared"], "gb2312");
    assert_eq!(got["title"], "女儿出嫁，郑板桥画了几笔兰花当嫁妆");
    assert_eq!(got["replacement_chars"], 0);
    assert_eq!(got["mojibake"], false);

    // UTF-8 read as Latin-1 and saved again: flagged, in the JSON and in the text form.
    let page = real_page!("waf-360panyun-yunnan-gov-challenge-mojibake.html");
    assert_eq!(inspect_json(&[page])["mojibake"], true);
    let out = inspect(&[page]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("the text looks like mojibake"), "{text}");
}

#[test]
fn a_live_simulated_page_is_fetched_politely_and_read_like_the_crawl_reads_it() {
    let h = Harness::with_sites(
        vec![nianbao_sim::SiteSpec::standard_named("trs").expect("the trs portal exists")],
        Duration::from_millis(100),
    );
    let site = h.sim.site("trs");
    let truth = site.truth();
    let report = truth
        .iter()
        .find(|d| d.report_year == Some(2019))
        .expect("trs has a 2019 report");

    // With the harness config: its user agent and gap.
    let out = h.run(&[
        "inspect",
        site.url(&report.path).as_str(),
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let got: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let date = report.publish_date.map(|d| d.to_string());
    let cases: &[(&str, Value)] = &[
        ("kind", "item".into()),
        ("title", report.title.clone().into()),
        ("issuing_body", report.issuing_body.clone().into()),
        ("index_number", report.index_number.clone().into()),
        ("doc_number", report.doc_number.clone().into()),
        ("publish_date", date.into()),
        ("report_year", report.report_year.into()),
        ("is_annual_report", true.into()),
        ("http_status", 200.into()),
    ];
    for (key, want) in cases {
        assert_eq!(&got[key], want, "{key}");
    }
    let attachments: Vec<String> = got["attachments"]
        .as_array()
        .expect("attachments")
        .iter()
        .map(|a| {
            let url = url::Url::parse(a["url"].as_str().expect("url")).expect("parses");
            url.path().to_string()
        })
        .collect();
    assert_eq!(attachments, report.attachments);
    assert!(
        !got["fields"]
            .as_object()
            .expect("fields")
            .contains_key("浏览次数"),
        "the view counter is not a field: {}",
        got["fields"]
    );

    // Without a config: the default politeness, robots.txt still first.
    let got = inspect_json(&[site.section_url().as_str()]);
    assert_eq!(got["kind"], "list");
    let root = site.stated_counts()[0].1;
    assert_eq!(got["stated"]["items"], root);
    assert!(!got["items"].as_array().expect("items").is_empty());
    assert_eq!(
        got["year_sections"].as_array().map(Vec::len),
        Some(site.stated_counts().len() - 1),
        "one year section per channel"
    );
    let requests = site.requests();
    let paths: Vec<&str> = requests.iter().map(|r| r.path()).collect();
    assert_eq!(
        paths,
        vec![
            "/robots.txt",
            report.path.as_str(),
            "/robots.txt",
            site.section_url().path(),
        ],
        "each inspect asks robots.txt first, then fetches one page"
    );
    assert!(
        requests[1]
            .header("user-agent")
            .is_some_and(|ua| ua.starts_with("nianbao-test/")),
        "the config's user agent"
    );
}

/// Text a server chose (a title, a label's value) never drives the terminal: controls, C1 and
/// bidi overrides are shown escaped in the text form; the JSON form keeps them (escaped by JSON).
#[test]
fn control_characters_from_the_page_are_shown_escaped() {
    let dir = tempfile::tempdir().expect("scratch dir");
    let page = dir.path().join("hostile.html");
    let hostile = "2023年度\u{1b}]0;owned\u{7}报告\r覆盖\u{202e}反\u{85}x\u{0}y";
    std::fs::write(
        &page,
        format!(
            "<html><head><meta charset=\"utf-8\"><title>{hostile}</title></head><body>\
             <h1>{hostile}</h1><p>发布机构：某局\u{1b}[2J</p><p>{body}</p></body></html>",
            // Enough text that the few controls do not make it a binary file.
            body = "本机关2023年政府信息公开工作情况。".repeat(200)
        ),
    )
    .expect("write the page");
    let path = page.to_str().expect("a UTF-8 path");
    let url = "https://www.example.gov.cn/zwgk/t1.html";
    let out = inspect(&[path, "--url", url]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).expect("text output is UTF-8");
    for raw in ['\u{1b}', '\u{7}', '\r', '\u{202e}', '\u{85}', '\u{0}'] {
        assert!(!text.contains(raw), "{raw:?} shown raw: {text:?}");
    }
    assert!(text.contains("\\u{1b}]0;owned\\u{7}"), "{text}");
    assert!(text.contains("\\u{202e}"), "{text}");
    let json = inspect_json(&[path, "--url", url]);
    assert!(
        json["title"].as_str().is_some_and(|t| t.contains('\u{1b}')),
        "the JSON form keeps the title as it came: {json}"
    );
}

/// A file past `fetch.max_body_bytes` (a huge file given by mistake, or a raw file replaced by
/// one) is refused before it is read, naming the file and the limit: inspect's memory is bounded
/// by the config, not by the file. The same file is read under the default limit.
#[test]
fn a_file_past_max_body_bytes_is_refused_naming_it_and_the_limit() {
    let dir = tempfile::tempdir().expect("scratch dir");
    std::fs::write(
        dir.path().join("config.toml"),
        "[fetch]\nmax_body_bytes = 2048\n",
    )
    .expect("scratch config");
    let page = |name: &str, len: usize| {
        let path = dir.path().join(name);
        let mut body = b"<html><body><p>".to_vec();
        body.resize(len - 18, b'x');
        body.extend_from_slice(b"</p></body></html>");
        std::fs::write(&path, body).expect("scratch page");
        path.to_string_lossy().into_owned()
    };
    let (fits, past) = (page("fits.html", 2048), page("past.html", 2049));
    let inspect_here = |path: &str| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_nianbao"));
        cmd.current_dir(dir.path()).args(["inspect", path]);
        run_limited(cmd, COMMAND_LIMIT)
    };
    let out = inspect_here(&fits);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = inspect_here(&past);
    let message = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{message}");
    assert!(message.contains(&past), "{message}");
    assert!(message.contains("more than 2048 bytes"), "{message}");
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Without the config, the default limit (50 MiB) lets it through.
    let out = inspect(&[&past]);
    assert!(out.status.success(), "{}", stderr(&out));
}
