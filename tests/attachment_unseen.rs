//! Report pages and attachment answers written the way portals nobody wrote a rule for serve
//! them (TRS, Hanweb, UCAP, home-made ASP/JSP sites), compared with what a careful reader would
//! download. Links: read by `page::analyse` as the crawl reads an item page, in Simplified
//! (UTF-8, GBK) and Traditional (UTF-8, Big5), the item's files kept and the site's and other
//! items' files (footer, sidebar, share buttons, 相关链接, 上一篇/下一篇) left out. Answers: a
//! download that answers a page of the site (a redirect to the home page, the home page served
//! under a PDF's type) is crawled on loopback and never kept as the report's file; an RTF under
//! `.doc` is kept as RTF, with its text.

mod common;

use std::sync::Arc;

use common::pages::{read_as, traditional};
use common::route_server::{RouteServer, crawled_county, exported, newest_run_report};
use nianbao::page::{PageRole, View};
use serde_json::Value;

const PAGE_URL: &str = "http://www.x.gov.cn/xxgk/ndbg/202301/t20230120_1.html";

/// The page in Traditional characters: `common::pages::traditional`, and the characters of
/// these pages' labels and file names it does not map.
fn in_script(html: &str, trad: bool) -> String {
    const MORE: &[(char, char)] = &[
        ('关', '關'),
        ('载', '載'),
        ('阅', '閱'),
        ('读', '讀'),
        ('链', '鏈'),
        ('声', '聲'),
        ('隐', '隱'),
        ('览', '覽'),
        ('图', '圖'),
        ('网', '網'),
        ('站', '站'),
        ('条', '條'),
        ('统', '統'),
        ('计', '計'),
        ('击', '擊'),
        ('点', '點'),
        ('见', '見'),
        ('录', '錄'),
    ];
    if !trad {
        return html.to_string();
    }
    traditional(html)
        .chars()
        .map(|c| MORE.iter().find(|(s, _)| *s == c).map_or(c, |(_, t)| *t))
        .collect()
}

/// The attachment URLs `page::analyse` finds on an item page whose content holds `links`, with
/// `head` in its head, in `encoding` (Traditional for Big5).
fn attachment_urls(
    head: &str,
    links: &str,
    encoding: &'static encoding_rs::Encoding,
    trad: bool,
) -> Vec<String> {
    let title = "某某县人民政府2022年政府信息公开工作年度报告";
    let html = format!(
        "<html><head><meta charset=\"{}\"><title>{title}</title>{head}</head><body>\
         <div class=\"top\"><a href=\"/\">首页</a><a href=\"/sitemap.html\">网站地图</a></div>\
         <h1>{title}</h1><div class=\"content\"><p>全文见附件。</p>{links}</div></body></html>",
        encoding.name()
    );
    let html = in_script(&html, trad);
    let role = PageRole::Item {
        evidence: Default::default(),
        portal_name: String::new(),
    };
    let analysis = read_as(PAGE_URL, &html, encoding, &role);
    let View::Item { metadata, .. } = analysis.view else {
        panic!("an item page gives an item view: {html}");
    };
    metadata
        .attachments
        .iter()
        .map(|a| a.url.to_string())
        .collect()
}

/// (case, head, links, the URLs a reader downloads in page order)
type Case = (&'static str, &'static str, &'static str, Vec<&'static str>);

fn cases() -> Vec<Case> {
    vec![
        (
            "Hanweb and TRS file links, upper case, spaces and Chinese in the path",
            "",
            r#"<a href="/module/download/downfile.jsp?classid=0&filename=2301201234.pdf">2022年报.pdf</a>
               <a href="./P020230120123456789012.pdf" OLDSRC="/protect/P0202301/P020230120123456789012.pdf">全文</a>
               <a href="/uploads/2023/NB2022.PDF">年报</a>
               <a href="/uploads/2023/某县 2022年报.pdf">年报</a>"#,
            vec![
                "http://www.x.gov.cn/module/download/downfile.jsp?classid=0&filename=2301201234.pdf",
                "http://www.x.gov.cn/xxgk/ndbg/202301/P020230120123456789012.pdf",
                "http://www.x.gov.cn/uploads/2023/NB2022.PDF",
                "http://www.x.gov.cn/uploads/2023/某县 2022年报.pdf",
            ],
        ),
        (
            "scripts, a pdf.js viewer, embed and object",
            "",
            r#"<a href="javascript:void(0)" onclick="downloadFile('/uploads/2023/a1.doc')">下载</a>
               <a href="javascript:;" onclick="window.open('/uploads/2023/a2.pdf','_blank')">查看</a>
               <a href="javascript:downloadFile('年报.pdf','/attach/download?id=9')">附件</a>
               <iframe src="/pdfjs/web/viewer.html?file=%2Fuploads%2F2023%2Fa3.pdf"></iframe>
               <embed src="/uploads/2023/a4.pdf" type="application/pdf">
               <object data="/uploads/2023/a5.pdf" type="application/pdf"></object>"#,
            vec![
                "http://www.x.gov.cn/uploads/2023/a1.doc",
                "http://www.x.gov.cn/uploads/2023/a2.pdf",
                "http://www.x.gov.cn/attach/download?id=9",
                "http://www.x.gov.cn/uploads/2023/a3.pdf",
                "http://www.x.gov.cn/uploads/2023/a4.pdf",
                "http://www.x.gov.cn/uploads/2023/a5.pdf",
            ],
        ),
        (
            "a handler on an element that is no link",
            "",
            r#"<span class="fj" onclick="window.open('/uploads/2023/b1.pdf')">2022年报.pdf</span>
               <button onclick="window.location.href='/uploads/2023/b2.docx'">下载</button>"#,
            vec![
                "http://www.x.gov.cn/uploads/2023/b1.pdf",
                "http://www.x.gov.cn/uploads/2023/b2.docx",
            ],
        ),
        (
            "links without an extension, named by their text or by the label before them",
            "",
            r#"<p>附件：<a href="/download.do?id=123">2022年报.pdf</a></p>
               <p>附件：2022年报.pdf <a href="/download.do?id=124">附件下载</a></p>
               <p>附件1：<a href="/servlet/FileServlet?id=125">某某县2022年政府信息公开工作年度报告</a></p>
               <p><span>附件下载：</span><a href="/attach/getFile?id=126">2022年报</a></p>
               <table><tr><td>附件</td><td><a href="/common/file.jsp?fid=127">某某县年报</a></td></tr></table>"#,
            vec![
                "http://www.x.gov.cn/download.do?id=123",
                "http://www.x.gov.cn/download.do?id=124",
                "http://www.x.gov.cn/servlet/FileServlet?id=125",
                "http://www.x.gov.cn/attach/getFile?id=126",
                "http://www.x.gov.cn/common/file.jsp?fid=127",
            ],
        ),
        (
            "base href, protocol-relative and a file server on another host",
            r#"<base href="http://www.x.gov.cn/xxgk/">"#,
            r#"<a href="upload/c1.pdf">年报</a><a href="//files.x.gov.cn/c2.pdf">年报</a>
               <a href="http://file.other.gov.cn/up/c3.ofd">年报</a>"#,
            vec![
                "http://www.x.gov.cn/xxgk/upload/c1.pdf",
                "http://files.x.gov.cn/c2.pdf",
                "http://file.other.gov.cn/up/c3.ofd",
            ],
        ),
        (
            "the site's files: footers of older templates, a sidebar, a reader plugin, share buttons",
            "",
            r#"<a href="/upload/2023/nb2022.pdf">2022年报.pdf</a></div>
               <div class="side-box"><a href="/xxgk/zn/指南.pdf">政府信息公开指南.pdf</a></div>
               <aside><a href="/xxgk/ml.doc">目录.doc</a></aside>
               <div class="bdsharebuttonbox"><a href="http://service.weibo.com/share/share.php?title=2022.pdf">微博</a></div>
               <div id="bottom"><a href="/yszc/隐私声明.pdf">隐私声明</a></div>
               <div class="foot"><a href="/wzsm.pdf">网站声明</a></div>
               <table class="copyright"><tr><td><a href="/soft/AdbeRdr.exe">阅读器</a><a href="/soft/reader.zip">阅读器下载</a></td></tr></table>
               <div>"#,
            vec!["http://www.x.gov.cn/upload/2023/nb2022.pdf"],
        ),
        (
            "other reports' files: related links and the previous and next report",
            "",
            r#"<p>附件：<a href="/upload/2023/nb2022.pdf">2022年报.pdf</a></p></div>
               <div class="xgwj"><h3>相关链接</h3><ul><li><a href="/upload/2022/nb2021.pdf">2021年报.pdf</a></li></ul></div>
               <table><tr><td>相关阅读：</td></tr><tr><td><a href="/upload/2021/nb2020.doc">2020年报</a></td></tr></table>
               <div class="pre_next"><p>上一篇：<a href="/upload/2022/nb2021b.pdf">2021年报</a></p>
               <p>下一篇：<a href="/upload/2024/nb2023.pdf">2023年报</a></p></div>
               <div>"#,
            vec!["http://www.x.gov.cn/upload/2023/nb2022.pdf"],
        ),
    ]
}

#[test]
fn unseen_attachment_links_are_read_as_a_reader_would() {
    let pages = [
        (false, [encoding_rs::UTF_8, encoding_rs::GBK]),
        (true, [encoding_rs::UTF_8, encoding_rs::BIG5]),
    ];
    for (trad, encodings) in pages {
        for encoding in encodings {
            for (case, head, links, want) in cases() {
                let got = attachment_urls(head, links, encoding, trad);
                // A Traditional page names its files in Traditional characters.
                let want: Vec<String> = want
                    .iter()
                    .map(|url| {
                        let url = url::Url::parse(&in_script(url, trad)).expect("valid URL");
                        url.to_string()
                    })
                    .collect();
                assert_eq!(got, want, "{case}, {}, traditional {trad}", encoding.name());
            }
        }
    }
}

/// A township site's home page: navigation and a column of news, as a download script
/// answers with it.
fn home_page() -> Vec<u8> {
    let news: String = (1..=12)
        .map(|i| format!("<li><a href=\"/news/{i}.html\">某某县召开第{i}次常务会议</a></li>"))
        .collect();
    format!(
        "<html><head><meta charset=\"utf-8\"><title>某某县人民政府门户网站</title></head><body>\
         <div class=\"nav\"><a href=\"/\">首页</a><a href=\"/xxgk/\">政务公开</a></div>\
         <h2>要闻动态</h2><ul>{news}</ul><p>某某县位于某某省东部，总面积1200平方公里，户籍人口45万人，\
         辖10个镇、5个乡。</p></body></html>"
    )
    .into_bytes()
}

const LIST: &str = "<html><head><meta charset=\"utf-8\"><title>年报</title></head><body><ul>\
    <li><a href=\"/art/1.html\">某某县人民政府2022年政府信息公开工作年度报告</a><span>2023-01-20</span></li>\
    </ul></body></html>";

/// The report as Word saves it in RTF on a Chinese system (code page 936, GBK bytes as
/// `\'hh`), with a font table, a generator and a page header that are not its text.
fn rtf_report() -> Vec<u8> {
    let escaped = |text: &str| -> String {
        let (bytes, _, _) = encoding_rs::GBK.encode(text);
        bytes
            .iter()
            .map(|b| match b.is_ascii() {
                true => (*b as char).to_string(),
                false => format!("\\'{b:02x}"),
            })
            .collect()
    };
    format!(
        "{{\\rtf1\\ansi\\ansicpg936\\deff0{{\\fonttbl{{\\f0\\fnil\\fcharset134 {};}}}}\r\n\
         {{\\*\\generator Riched20 10.0;}}{{\\header {}}}\\f0\\fs32 {}\\par\r\n{}\\par}}",
        escaped("宋体"),
        escaped("某某县人民政府"),
        escaped(RTF_TITLE),
        escaped("一、总体情况")
    )
    .into_bytes()
}

const RTF_TITLE: &str = "某某县人民政府2022年政府信息公开工作年度报告";

/// The report's page: its file behind a download script, as six downloads whose answers
/// differ (`/download.do?id=N`).
fn item_page() -> Vec<u8> {
    let links: String = (1..=6)
        .map(|i| format!("<p>附件{i}：<a href=\"/download.do?id={i}\">附件下载</a></p>"))
        .collect();
    format!(
        "<html><head><meta charset=\"utf-8\"><title>某某县人民政府2022年政府信息公开工作年度报告</title></head><body>\
         <h1>某某县人民政府2022年政府信息公开工作年度报告</h1><div class=\"content\"><p>全文见附件。</p>{links}</div></body></html>"
    )
    .into_bytes()
}

/// A download that answers a page of the site instead of the file (a redirect to the home
/// page, the home page served under a PDF's type or as a page) is never kept as the report's
/// file: the record says it is missing (`attachment_site_page`), the run report counts it, and
/// the report waits for it as for any failed attachment. A report saved by Word as a page,
/// under a `.doc` name, is still the file.
#[test]
fn a_download_that_answers_a_page_of_the_site_is_no_file() {
    let server = RouteServer::bind("127.0.0.131");
    let word_page = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/attachments/report.html"),
    )
    .expect("the Word page fixture");
    server.serve(Arc::new(move |target: &str| {
        let html = "text/html; charset=utf-8".to_string();
        match target {
            "/nb/" => (200, html, LIST.as_bytes().to_vec()),
            "/art/1.html" => (200, html, item_page()),
            "/download.do?id=1" => common::route_server::redirect(302, "/"),
            "/download.do?id=2" => common::route_server::redirect(302, "/index.html"),
            "/download.do?id=3" => (200, "application/pdf".into(), home_page()),
            "/download.do?id=4" => (200, html, home_page()),
            "/download.do?id=5" => (200, "application/msword".into(), word_page.clone()),
            "/download.do?id=6" => (200, "application/msword".into(), rtf_report()),
            "/" | "/index.html" => (200, html, home_page()),
            _ => (404, html, b"<html><body>404</body></html>".to_vec()),
        }
    }));
    let (dir, config) = crawled_county(format!("{}/nb/", server.base));
    let records = exported(&config);
    let report = records
        .iter()
        .find(|r| {
            r["url"]
                .as_str()
                .is_some_and(|u| u.ends_with("/art/1.html"))
        })
        .expect("the report is archived");
    let attachments = report["attachments"].as_array().expect("attachments");
    let missing: Vec<(&str, &Value, &Value)> = attachments
        .iter()
        .map(|a| {
            let url = a["url"].as_str().expect("url");
            (&url[url.len() - 4..], &a["missing"], &a["sha256"])
        })
        .collect();
    for (id, missing, sha) in &missing[..4] {
        assert_eq!(*missing, "attachment_site_page", "{id}: {report}");
        assert_eq!(**sha, Value::Null, "{id}: {report}");
    }
    let (_, word_missing, word_sha) = missing[4];
    assert_eq!(
        *word_missing,
        Value::Null,
        "the Word page is the file: {report}"
    );
    assert!(word_sha.is_string(), "the Word page is kept: {report}");
    // An RTF saved as `.doc` is the file, labelled as what it is, and its text is derived.
    let rtf = &attachments[5];
    assert_eq!(rtf["content_type"], "application/rtf", "{rtf}");
    assert_eq!(rtf["text_source"], "rtf", "{rtf}");
    let text_path = rtf["text_path"].as_str().expect("the RTF's text is kept");
    let text = std::fs::read_to_string(dir.path().join("data").join(text_path)).expect("text");
    assert_eq!(text, format!("{RTF_TITLE}\n一、总体情况\n"), "{rtf}");
    let run = newest_run_report(dir.path());
    let failures = &run["portals"]["某某县人民政府"]["failures"];
    assert_eq!(failures["attachment_site_page"], 4, "{run}");
}
