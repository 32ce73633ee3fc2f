//! Generators and the runner of the property-based fuzz tests (`tests/fuzz.rs`): HTML-ish pages
//! built from the pieces real portals are made of (nested tags, attributes, CJK text, pager
//! words, labels, dates, odd hrefs), robots-like files, WARC-like member streams, and a runner that
//! replays and extends the crash corpus in `tests/fuzz-corpus/`.
#![allow(dead_code)]

pub mod config;
pub mod inputs;
pub mod run_reports;

use std::fmt::Debug;

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};

/// Cases per target in the default suite (all targets together stay well under a minute).
pub const DEFAULT_CASES: u32 = 48;
/// Cases per target in the long run (`#[ignore]`), unless `PROPTEST_CASES` says otherwise.
pub const LONG_CASES: u32 = 5_000;

/// Runs `check` over `strategy`: first the failures saved in `tests/fuzz-corpus/<target>.txt`,
/// then `cases` new cases (`PROPTEST_CASES` overrides). A failure is shrunk, saved to the corpus
/// file and reported as a test failure.
pub fn run<S>(
    target: &'static str,
    corpus: &'static str,
    cases: u32,
    strategy: S,
    check: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S: Strategy,
    S::Value: Debug,
{
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    let config = Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(corpus))),
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    if let Err(e) = runner.run(&strategy, check) {
        panic!("fuzz target {target}: {e}");
    }
}

/// Words and snippets government pages are made of.
const WORDS: &[&str] = &[
    "政府信息公开工作年度报告",
    "2019年度",
    "2017年",
    "下一页",
    "上一页",
    "尾页",
    "首页",
    "共5页",
    "共120条",
    "第2页",
    "发布机构：",
    "发布机构",
    "索引号：",
    "文号：",
    "〔2020〕3号",
    "〔〕号",
    "无",
    "发布日期：",
    "成文日期：",
    "信息来源：",
    "来源：",
    "点击数：",
    "浏览次数：12",
    "页面不存在",
    "对不起，您访问的页面不存在！",
    "请稍后",
    "$_ts=window['$_ts'];",
    "__jsl_clearance",
    "密码",
    "登录",
    "阿图什市人民政府",
    "某某县人民政府",
    "-某某县人民政府",
    " _ 某某县人民政府 | ",
    "——",
    "統計數據",
    "二〇二五年一月十七日",
    "createPageHTML(5, 0, \"index\", \"html\");",
    "createPageHTML(3, 0, \"t20240115_1\", \"html\");",
    "var countPage = 3;",
    "t20240115_1_1.html",
    "javascript:__doPostBack('AspNetPager1','2')",
    "<input type=\"hidden\" name=\"__VIEWSTATE\" value=\"/wEPDw==\">",
    "<form method=\"post\" action=\"list.aspx\">",
    "javascript:void(0)\" onclick=\"window.open('../art/1.html')",
    "字号：",
    "<datastore><recordset><record><![CDATA[<a href='/a.html'>x</a>]]></record></recordset></datastore>",
    "&nbsp;",
    "&amp;",
    "&#x0;",
    "\u{0}",
    "\u{FEFF}",
    "\u{FFFD}",
    " ",
    "\n",
    "\r\n",
    "\t",
];

const TAGS: &[&str] = &[
    "div", "ul", "ol", "li", "a", "table", "tbody", "tr", "td", "p", "span", "h1", "h2", "form",
    "section", "article", "dl", "dd", "script", "style", "title", "textarea", "iframe", "font",
];

const CLASSES: &[&str] = &[
    "list",
    "pager",
    "page",
    "date",
    "nav",
    "menu",
    "footer",
    "title",
    "article",
    "content",
    "TRS_Editor",
    "xxgk_table",
    "breadcrumb",
    "",
];

const LABELS: &[&str] = &[
    "utf-8",
    "UTF-8",
    "gbk",
    "gb2312",
    "GB18030",
    "big5",
    "shift_jis",
    "utf-16",
    "utf-16le",
    "x-user-defined",
    "iso-8859-1",
    "windows-1252",
    "replacement",
    "bogus",
    "",
    "\"gbk\"",
    "'utf-8'",
];

/// A printed date in one of the portal styles, sometimes impossible or far out of range.
pub fn date_text() -> impl Strategy<Value = String> {
    (0i32..10_000, 0u32..15, 0u32..35, 0usize..6).prop_map(|(y, m, d, style)| match style {
        0 => format!("{y}-{m:02}-{d:02}"),
        1 => format!("{y}/{m}/{d}"),
        2 => format!("{y}年{m:02}月{d:02}日"),
        3 => format!("{y}.{m:02}.{d:02}"),
        4 => format!("{y}-{m:02}-{d:02} 12:20:00"),
        _ => format!("t{y}{m:02}{d:02}_123.html"),
    })
}

/// An href or src as found in the wild, good and bad.
pub fn href() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("index_1.html".to_string()),
        Just("./t20240115_123.html".to_string()),
        Just("../2019/".to_string()),
        Just("/art/2018/2/10/art_1_2.html".to_string()),
        Just("javascript:void(0)".to_string()),
        Just("javascript:goPage(3)".to_string()),
        Just("mailto:a@gov.cn".to_string()),
        Just("#top".to_string()),
        Just("//other.gov.cn/x.html".to_string()),
        Just("ftp://ftp.gov.cn/a.pdf".to_string()),
        Just("file:///etc/passwd".to_string()),
        Just("data:text/html,<h1>x</h1>".to_string()),
        Just("http://[::1]:80/a".to_string()),
        Just("http://169.254.169.254/".to_string()),
        Just("https://a.gov.cn:99999/x".to_string()),
        Just("http://%zz/".to_string()),
        Just(" \t/x.pdf \n".to_string()),
        Just("a.pdf?x=1#frag".to_string()),
        Just("报告.docx".to_string()),
        "[a-z0-9/._?=#%-]{0,24}",
        "\\PC{0,12}",
    ]
}

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(WORDS).prop_map(str::to_string),
        2 => date_text(),
        1 => "[a-zA-Z0-9 ]{0,12}",
        1 => "\\PC{0,8}",
        1 => "[\u{4e00}-\u{9fa5}]{1,12}",
    ]
}

fn attribute() -> impl Strategy<Value = String> {
    prop_oneof![
        href().prop_map(|h| format!(" href=\"{h}\"")),
        href().prop_map(|h| format!(" src='{h}'")),
        prop::sample::select(CLASSES).prop_map(|c| format!(" class=\"{c}\"")),
        prop::sample::select(CLASSES).prop_map(|c| format!(" id={c}")),
        word().prop_map(|w| format!(" title=\"{w}\"")),
        Just(" disabled".to_string()),
        Just(" =\"\"".to_string()),
        Just(" a=\"unterminated".to_string()),
    ]
}

/// One node of an HTML-ish tree, up to `depth` levels deep.
pub fn node() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        4 => word(),
        1 => (href(), word()).prop_map(|(h, w)| format!("<a href=\"{h}\">{w}</a>")),
        1 => (prop::sample::select(&["PubDate", "ArticleTitle", "ContentSource", "ColumnName", "Keywords"][..]), word())
            .prop_map(|(n, c)| format!("<meta name=\"{n}\" content=\"{c}\">")),
        1 => prop::sample::select(LABELS).prop_map(|l| format!("<meta charset=\"{l}\">")),
        1 => href().prop_map(|h| format!("<base href=\"{h}\">")),
        1 => Just("<input type=\"password\" name=\"pwd\">".to_string()),
        1 => Just("<!-- comment -->".to_string()),
        1 => Just("<!--".to_string()),
        1 => Just("</div>".to_string()),
        1 => Just("<![CDATA[".to_string()),
    ];
    leaf.prop_recursive(6, 96, 6, |inner| {
        (
            prop::sample::select(TAGS),
            prop::collection::vec(attribute(), 0..4),
            prop::collection::vec(inner, 0..6),
            any::<bool>(),
        )
            .prop_map(|(tag, attrs, children, close)| {
                let mut out = format!("<{tag}{}>", attrs.concat());
                out.push_str(&children.concat());
                if close {
                    out.push_str(&format!("</{tag}>"));
                }
                out
            })
    })
}

/// A whole page: head, title, body of nodes; sometimes a dated list (with odd hrefs) and a
/// pager, sometimes a metadata table.
pub fn page() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(node(), 0..3),
        word(),
        prop::collection::vec(node(), 0..8),
        0usize..4,
        prop::collection::vec(href(), 12),
    )
        .prop_map(|(head, title, body, shape, hrefs)| {
            let mut body = body.concat();
            match shape {
                1 => {
                    // A list: dated entries with links, then a pager.
                    let mut list = String::from("<ul class=\"list\">");
                    for (i, href) in hrefs.iter().enumerate() {
                        list.push_str(&format!(
                            "<li><a href=\"{href}\">第{i}篇政府信息公开工作年度报告</a><span>2023-{:02}-01</span></li>",
                            i % 12 + 1
                        ));
                    }
                    list.push_str(&format!(
                        "</ul><div class=\"pager\"><a href=\"{}\">下一页</a>共3页<a href=\"{}\">尾页</a></div>",
                        hrefs[0], hrefs[1]
                    ));
                    body.push_str(&list);
                }
                2 => {
                    body.push_str(
                        "<table><tr><td>发布机构：</td><td>某某县人民政府</td><td>索引号：</td><td>11-2020-1</td></tr><tr><td>文号：</td><td>无</td><td>发布日期：</td><td>2020-01-15</td></tr></table>",
                    );
                    for href in &hrefs[..3] {
                        body.push_str(&format!("<p><a href=\"{href}\">附件：年度报告.pdf</a></p>"));
                    }
                }
                _ => {}
            }
            format!(
                "<!DOCTYPE html><html><head>{}<title>{title}</title></head><body>{body}</body></html>",
                head.concat()
            )
        })
}

/// Bytes of a page: the page text encoded in UTF-8, GBK or Big5, maybe with a BOM, maybe cut
/// off, maybe with raw garbage spliced in.
pub fn page_bytes() -> impl Strategy<Value = Vec<u8>> {
    (
        page(),
        0usize..4,
        prop::collection::vec(any::<u8>(), 0..16),
        any::<prop::sample::Index>(),
        any::<bool>(),
    )
        .prop_map(|(page, encoding, garbage, at, cut)| {
            let mut bytes = match encoding {
                0 => page.into_bytes(),
                1 => encoding_rs::GBK.encode(&page).0.into_owned(),
                2 => encoding_rs::BIG5.encode(&page).0.into_owned(),
                _ => {
                    let mut b = b"\xEF\xBB\xBF".to_vec();
                    b.extend_from_slice(page.as_bytes());
                    b
                }
            };
            let i = at.index(bytes.len() + 1);
            if cut {
                bytes.truncate(i);
            } else {
                bytes.splice(i..i, garbage);
            }
            bytes
        })
}

/// A Content-Type header value, sane or not.
pub fn content_type() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        prop::sample::select(LABELS).prop_map(|l| Some(format!("text/html; charset={l}"))),
        prop::collection::vec(prop::sample::select(LABELS), 0..10)
            .prop_map(|ls| Some(format!("text/html; charset={}", ls.join("; charset=")))),
        prop::sample::select(
            &[
                "application/pdf",
                "application/octet-stream",
                "application/json",
                "text/plain",
                "text/html;charset",
                ";;;=",
                "",
            ][..]
        )
        .prop_map(|t| Some(t.to_string())),
        "\\PC{0,30}".prop_map(Some),
    ]
}

/// A robots.txt-like file: known directives with odd values, junk lines, random bytes.
pub fn robots_bytes() -> impl Strategy<Value = Vec<u8>> {
    let line = prop_oneof![
        prop::sample::select(&["*", "nianbao", "Googlebot", "", "nianbao-test/0.1"][..])
            .prop_map(|a| format!("User-agent: {a}")),
        href().prop_map(|p| format!("Disallow: {p}")),
        href().prop_map(|p| format!("Allow: {p}")),
        "[0-9.eE+-]{0,12}".prop_map(|d| format!("Crawl-delay: {d}")),
        href().prop_map(|p| format!("Sitemap: {p}")),
        "\\PC{0,40}",
        Just("Disallow: /*$".to_string()),
        Just("Disallow: /**/**/**$$$".to_string()),
        Just("# 注释".to_string()),
        "[\u{4e00}-\u{9fa5}]{200,2000}",
        "(/\\*){50,400}".prop_map(|p| format!("Disallow: {p}$")),
    ];
    (
        prop::collection::vec(line, 0..40),
        prop::collection::vec(any::<u8>(), 0..32),
        any::<bool>(),
    )
        .prop_map(|(lines, junk, crlf)| {
            let mut out = lines.join(if crlf { "\r\n" } else { "\n" }).into_bytes();
            out.extend_from_slice(&junk);
            out
        })
}

/// One WARC record as a gzip member, with a Content-Length that may lie.
pub fn warc_member() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec(any::<u8>(), 0..200),
        -3i64..3,
        prop::collection::vec(("[A-Za-z-]{1,12}", "\\PC{0,20}"), 0..4),
        any::<bool>(),
    )
        .prop_map(|(block, lie, headers, gzip)| {
            let length = (block.len() as i64 + lie).max(0);
            let mut record = format!(
                "WARC/1.1\r\nWARC-Type: response\r\nWARC-Target-URI: http://a.gov.cn/x\r\nContent-Length: {length}\r\n"
            );
            for (n, v) in headers {
                record.push_str(&format!("{n}: {v}\r\n"));
            }
            record.push_str("\r\n");
            let mut bytes = record.into_bytes();
            bytes.extend_from_slice(&block);
            bytes.extend_from_slice(b"\r\n\r\n");
            if gzip { gzip_member(&bytes) } else { bytes }
        })
}

pub fn gzip_member(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).expect("writing to a Vec cannot fail");
    enc.finish()
        .expect("finishing a gzip stream into a Vec cannot fail")
}
