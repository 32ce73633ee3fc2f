//! Attachment links in the shapes portals print them, read by `page::analyse` as the crawl reads
//! an item page: download scripts named by their link text, `javascript:` hrefs, PDF viewer
//! pages, archives, and queries sent in the page's encoding; and the links that are not the
//! item's files (web pages whose text ends in `.pdf`, a download centre). Simplified pages in
//! UTF-8 and GBK, Traditional pages in UTF-8 and Big5.

use nianbao::page::{self, PageInput, PageRole, View};
use url::Url;

const PAGE_URL: &str = "http://127.0.0.1/xxgk/ndbg/202201/t20220120_1.html";

/// The page in Traditional characters for a Big5 page: the Simplified ones these pages use, each
/// mapped to its Traditional form (URL paths included, as a Traditional portal names its files).
fn in_script(text: &str, traditional: bool) -> String {
    const PAIRS: &[(char, char)] = &[
        ('载', '載'),
        ('报', '報'),
        ('见', '見'),
        ('户', '戶'),
        ('县', '縣'),
        ('统', '統'),
        ('计', '計'),
        ('线', '線'),
        ('开', '開'),
        ('击', '擊'),
        ('点', '點'),
        ('闻', '聞'),
        ('资', '資'),
        ('讯', '訊'),
    ];
    if !traditional {
        return text.to_string();
    }
    text.chars()
        .map(|c| PAIRS.iter().find(|(s, _)| *s == c).map_or(c, |(_, t)| *t))
        .collect()
}

/// The attachments `page::analyse` finds on an item page holding `links`, as (URL, name).
fn attachments(
    links: &str,
    title: &str,
    encoding: &'static encoding_rs::Encoding,
) -> Vec<(String, String)> {
    let html = format!(
        "<html><head><title>{title}</title></head><body>\
         <div class=\"header\"><a href=\"/download/\">下载中心</a></div>\
         <h1>{title}</h1><div class=\"content\"><p>{title}全文见附件。</p>{links}</div>\
         <div class=\"footer\"><a href=\"/download.jsp?id=1\">客户端下载</a></div></body></html>"
    );
    let html = in_script(&html, encoding == encoding_rs::BIG5);
    let (body, _, unmappable) = encoding.encode(&html);
    assert!(!unmappable, "{} holds the page: {html}", encoding.name());
    let url = Url::parse(PAGE_URL).expect("valid URL");
    let content_type = format!("text/html; charset={}", encoding.name());
    let input = PageInput {
        url: &url,
        status: 200,
        content_type: Some(&content_type),
        body: &body,
    };
    let role = PageRole::Item {
        evidence: Default::default(),
        portal_name: String::new(),
    };
    let analysis = page::analyse_guarded(input, &role).expect("the pipeline does not panic");
    let View::Item { metadata, .. } = analysis.view else {
        panic!("an item page gives an item view: {html}");
    };
    metadata
        .attachments
        .iter()
        .map(|a| (a.url.to_string(), a.name.clone().unwrap_or_default()))
        .collect()
}

/// (case, links, want: (URL, name) in page order)
type Case = (
    &'static str,
    &'static str,
    Vec<(&'static str, &'static str)>,
);

/// The cases on one page; `download` is its download-script link and that link's text.
fn cases(download: (&'static str, &'static str)) -> Vec<Case> {
    vec![
        (
            "a download script named by its link text",
            r#"<a href="/download.jsp?id=8812">年度报告（附表）.xls</a>
               <a href="/common/download.do?fileId=77">年度报告.DOCX</a>"#,
            vec![
                (
                    "http://127.0.0.1/download.jsp?id=8812",
                    "年度报告（附表）.xls",
                ),
                (
                    "http://127.0.0.1/common/download.do?fileId=77",
                    "年度报告.DOCX",
                ),
            ],
        ),
        (
            "a download script named by its title",
            r#"<a href="/attach/show?fid=5" title="统计表.pdf"><img src="/pdf.gif"></a>"#,
            vec![("http://127.0.0.1/attach/show?fid=5", "统计表.pdf")],
        ),
        (
            "a download script offered as a download",
            download.0,
            vec![("http://127.0.0.1/servlet/DownloadServlet?fid=9", download.1)],
        ),
        (
            "a javascript: href naming the file",
            r#"<a href="javascript:downLoad('/attach/2022/nb2021_full.docx','全文.docx')">全文</a>
               <a href="javascript:void(0)" onclick="downloadFile('/attach/2022/tj.pdf')">统计表</a>"#,
            vec![
                ("http://127.0.0.1/attach/2022/nb2021_full.docx", "全文"),
                ("http://127.0.0.1/attach/2022/tj.pdf", "统计表"),
            ],
        ),
        (
            "a PDF viewer page stands for the file it shows",
            r#"<iframe src="/pdfjs/web/viewer.html?file=/upload/2022/report2021.pdf"></iframe>
               <a href="/pdfjs/web/viewer.html?file=..%2F..%2Fupload%2Ftj.pdf">在线查看</a>"#,
            vec![
                (
                    "http://127.0.0.1/upload/2022/report2021.pdf",
                    "report2021.pdf",
                ),
                ("http://127.0.0.1/upload/tj.pdf", "在线查看"),
            ],
        ),
        (
            "a file name with its size after it",
            r#"<a href="/dfile?id=a10">县统计局2022年年报.pdf（356KB）</a>
               <a href="/dfile?id=a11">年报.pdf (1.2 MB)</a>
               <a href="/dfile?id=a12">年报.docx[356K]</a>
               <a href="/dfile?id=a13">年报.doc 356KB</a>
               <a href="/dfile?id=a14">年报.ofd【2.5M】</a>
               <a href="/dfile?id=a15">年报.PDF（大小：88 KB）</a>
               <a href="/dfile?id=a16">年报.wps(1,024 bytes)</a>"#,
            vec![
                ("http://127.0.0.1/dfile?id=a10", "县统计局2022年年报.pdf"),
                ("http://127.0.0.1/dfile?id=a11", "年报.pdf"),
                ("http://127.0.0.1/dfile?id=a12", "年报.docx"),
                ("http://127.0.0.1/dfile?id=a13", "年报.doc"),
                ("http://127.0.0.1/dfile?id=a14", "年报.ofd"),
                ("http://127.0.0.1/dfile?id=a15", "年报.PDF"),
                ("http://127.0.0.1/dfile?id=a16", "年报.wps"),
            ],
        ),
        (
            "a script call passing the display name before the file",
            r#"<a href="javascript:void(0)" onclick="downloadFile('县2022年报.pdf','/upload/2023/abc.pdf')">县2022年报.pdf</a>
               <a href="javascript:downLoad('年报.docx','http://127.0.0.1/attach/x.docx')">全文</a>
               <a href="javascript:void(0)" onclick="openFile('nb2021.pdf')">统计表</a>"#,
            vec![
                ("http://127.0.0.1/upload/2023/abc.pdf", "县2022年报.pdf"),
                ("http://127.0.0.1/attach/x.docx", "全文"),
                ("http://127.0.0.1/xxgk/ndbg/202201/nb2021.pdf", "统计表"),
            ],
        ),
        (
            "a viewer whose file is a download script, or that is no .html page",
            r#"<iframe src="/pdfjs/web/viewer.html?file=%2Fattach%2Fdownload%3FfileId%3D141"></iframe>
               <a href="/viewer/viewer.jsp?file=/xxgk/files/42.pdf">在线查看</a>
               <a href="/web/PdfViewer.aspx?file=http://127.0.0.1/upload/43.pdf">在线查看</a>
               <a href="/viewer/viewer.jsp?file=123">在线查看</a>"#,
            vec![
                ("http://127.0.0.1/attach/download?fileId=141", "download"),
                ("http://127.0.0.1/xxgk/files/42.pdf", "在线查看"),
                ("http://127.0.0.1/upload/43.pdf", "在线查看"),
            ],
        ),
        (
            "archives, WPS spreadsheets and the reader formats CEB and CAJ",
            r#"<a href="/upload/nb2021.rar">附件打包</a><a href="/upload/tj.et">统计表</a>
               <a href="/upload/2010nb.ceb">2010年年报（CEB）</a><a href="/upload/nb.caj">全文</a>"#,
            vec![
                ("http://127.0.0.1/upload/nb2021.rar", "附件打包"),
                ("http://127.0.0.1/upload/tj.et", "统计表"),
                ("http://127.0.0.1/upload/2010nb.ceb", "2010年年报（CEB）"),
                ("http://127.0.0.1/upload/nb.caj", "全文"),
            ],
        ),
        (
            "web pages and a download centre are not the item's files",
            r#"<a href="/art/2022/1/20/art_1_2.html">2020年度报告.pdf</a>
               <a href="/download/">下载中心</a>
               <a href="/download.jsp">下载</a>
               <a href="/news.jsp?id=3">新闻</a>
               <a href="/show.jsp?id=4">附件下载指南</a>
               <a href="javascript:void(0)">打印</a>"#,
            vec![],
        ),
    ]
}

#[test]
fn attachment_links_in_every_shape_portals_print() {
    let pages = [
        (
            "某县人民政府2021年政府信息公开工作年度报告",
            [encoding_rs::UTF_8, encoding_rs::GBK],
        ),
        (
            "某縣人民政府2021年政府資訊公開工作年度報告",
            [encoding_rs::UTF_8, encoding_rs::BIG5],
        ),
    ];
    let download = (
        r#"附件：<a href="/servlet/DownloadServlet?fid=9">点击下载</a>"#,
        "点击下载",
    );
    for (title, encodings) in pages {
        for encoding in encodings {
            let traditional = encoding == encoding_rs::BIG5;
            for (case, links, want) in cases(download) {
                let got = attachments(links, title, encoding);
                // A Big5 page names its files in Traditional characters: so do the answers.
                let want: Vec<(String, String)> = want
                    .iter()
                    .map(|(u, n)| (u.to_string(), in_script(n, traditional)))
                    .collect();
                assert_eq!(got, want, "{case}, {}, {title}", encoding.name());
            }
        }
    }
}

/// A browser sends a link's query in the page's encoding: `download.asp?file=年报.doc` on a GBK
/// page asks for `file=%C4%EA%B1%A8.doc`, and the server finds no file under the UTF-8 form.
#[test]
fn attachment_queries_go_in_the_pages_encoding() {
    for (encoding, name, path, query) in [
        (
            encoding_rs::UTF_8,
            "年报",
            "%E5%B9%B4%E6%8A%A5",
            "%E5%B9%B4%E6%8A%A5",
        ),
        (
            encoding_rs::GBK,
            "年报",
            "%E5%B9%B4%E6%8A%A5",
            "%C4%EA%B1%A8",
        ),
        (
            encoding_rs::GB18030,
            "年报",
            "%E5%B9%B4%E6%8A%A5",
            "%C4%EA%B1%A8",
        ),
        (
            encoding_rs::BIG5,
            "年報",
            "%E5%B9%B4%E5%A0%B1",
            "%A6~%B3%F8",
        ),
    ] {
        let links = format!(
            r#"<a href="/upload/{name}2021.pdf">{name}</a>
               <a href="/news/download.asp?file={name}2021.doc">下载Word版</a>"#
        );
        let got = attachments(&links, "某县2021年政府信息公开工作年度报告", encoding);
        let urls: Vec<&str> = got.iter().map(|(u, _)| u.as_str()).collect();
        // The path is UTF-8 whatever the page's encoding, as browsers send it.
        assert_eq!(
            urls,
            [
                format!("http://127.0.0.1/upload/{path}2021.pdf"),
                format!("http://127.0.0.1/news/download.asp?file={query}2021.doc"),
            ],
            "{}",
            encoding.name()
        );
    }
}

/// An item page that only sends the reader to the report's file (a refresh) is the report: the
/// file is its attachment, not an empty template.
#[test]
fn an_item_that_refreshes_to_its_file_has_that_file() {
    for meta in [
        r#"<meta http-equiv="refresh" content="0;url=/uploadfiles/202201/nb2021.pdf">"#,
        r#"<META HTTP-EQUIV="REFRESH" CONTENT="0; URL='/uploadfiles/202201/nb2021.pdf'">"#,
    ] {
        let html = format!("<html><head>{meta}<title>年报</title></head><body></body></html>");
        let url = Url::parse(PAGE_URL).expect("valid URL");
        let input = PageInput {
            url: &url,
            status: 200,
            content_type: Some("text/html; charset=utf-8"),
            body: html.as_bytes(),
        };
        let role = PageRole::Item {
            evidence: Default::default(),
            portal_name: String::new(),
        };
        let analysis = page::analyse_guarded(input, &role).expect("the pipeline does not panic");
        assert_eq!(
            analysis.kind,
            nianbao::classify::PageKind::Content,
            "{meta}"
        );
        let View::Item { metadata, .. } = analysis.view else {
            panic!("an item view: {meta}");
        };
        let files: Vec<&str> = metadata
            .attachments
            .iter()
            .map(|a| a.url.as_str())
            .collect();
        assert_eq!(
            files,
            ["http://127.0.0.1/uploadfiles/202201/nb2021.pdf"],
            "{meta}"
        );
    }
}
