//! Simulator hostile family: one list page whose first entries each misbehave in one way
//! ([`Hostile`]), then ordinary reports; a second list page of 200,000 links; host-wide cases in
//! robots.txt and Retry-After. Large bodies are streamed from a `Filler`, framing and header
//! errors are written as raw bytes.

use std::io::Write;
use std::sync::OnceLock;

use super::{body_html, esc, view};
use crate::Family;
use crate::Hostile;
use crate::http::{Filler, Request, Response};
use crate::page::{self, Page};
use crate::report::{self, Script};
use crate::site::{Doc, SiteState};

pub(super) const DIR: &str = "/hostile/";
pub(super) const SECTION: &str = "/hostile/index.html";

/// Where a streamed filler goes in a rendered page.
const MARK: &str = "\u{0}FILL\u{0}";

const MIB: usize = 1024 * 1024;

pub(super) fn list_targets(st: &SiteState) -> Vec<String> {
    let mut out = vec![SECTION.to_string()];
    if st.spec.hostile.contains(&Hostile::ManyLinks) {
        out.push(Hostile::ManyLinks.path().to_string());
    }
    out
}

pub(super) fn route(st: &mut SiteState, req: &Request) -> Option<Response> {
    let path = req.path().to_string();
    if path == SECTION {
        return Some(list_page(st));
    }
    if let Some(case) = st.spec.hostile.iter().copied().find(|c| c.path() == path) {
        return Some(case_response(st, case));
    }
    if let Some(response) = case_extra(st, req) {
        return Some(response);
    }
    if path == Hostile::MANY_LINKS_TARGET && st.spec.hostile.contains(&Hostile::ManyLinks) {
        let html = case_html(st, "2023年度政府信息公开工作年度报告（列表链接）", "");
        return Some(page::html_response(Family::Hostile, 200, &html));
    }
    let index = view(st, &path)?;
    let doc = st.docs.get(index)?.clone();
    Some(item_page(st, &doc))
}

/// robots.txt of a host case; `None` serves the site model's ordinary one.
pub(super) fn robots(st: &SiteState) -> Option<Response> {
    let rules = "User-agent: *\nDisallow: /hostile/private/\nDisallow: /search/\n";
    if st.spec.hostile.contains(&Hostile::HugeRobots) {
        let line = "# 本网站所有栏目均欢迎访问，请遵守以下规则 padding padding padding\n";
        let mut resp = Response::new(200, "text/plain", rules.as_bytes().to_vec());
        resp.filler = Some(Filler {
            at: rules.len(),
            bytes: line.as_bytes().to_vec(),
            count: 10 * MIB / line.len(),
        });
        return Some(resp);
    }
    if st.spec.hostile.contains(&Hostile::ManyLineRobots) {
        let mut body = rules.to_string();
        for i in 0..100_000 {
            body.push_str(&format!("Disallow: /hostile/archive/{i}/\n"));
        }
        return Some(Response::new(200, "text/plain", body.into_bytes()));
    }
    None
}

fn list_page(st: &SiteState) -> Response {
    let mut rows = String::new();
    for case in &st.spec.hostile {
        // The many-links case is the second list page, reached by the pager.
        if *case == Hostile::ManyLinks {
            continue;
        }
        let rel = case.path().strip_prefix(DIR).unwrap_or(case.path());
        rows.push_str(&format!(
            "<li><a href=\"{rel}\" target=\"_blank\">{}</a><span class=\"date\">2024-01-15</span></li>\n",
            esc(&case.title())
        ));
    }
    for doc in st.listed(None) {
        let rel = doc.path.strip_prefix(DIR).unwrap_or(&doc.path);
        rows.push_str(&format!(
            "<li><a href=\"{rel}\" target=\"_blank\">{}</a><span class=\"date\">{}</span></li>\n",
            esc(&doc.spec.title),
            doc.spec.published.format("%Y-%m-%d")
        ));
    }
    let pager = if st.spec.hostile.contains(&Hostile::ManyLinks) {
        "<span>第1页/共2页</span> <a href=\"index_1.html\">下一页</a>"
    } else {
        "<span>第1页/共1页</span>"
    };
    let main = format!("<ul class=\"list\">\n{rows}</ul>\n<div class=\"pager\">{pager}</div>");
    list_response(st, main)
}

/// The 200,000 links, all to one item under different fragments: a crawler must not fetch it
/// 200,000 times, nor fall over reading the page.
fn many_links_page(st: &SiteState) -> Response {
    let target = Hostile::MANY_LINKS_TARGET
        .strip_prefix(DIR)
        .unwrap_or(Hostile::MANY_LINKS_TARGET);
    let mut rows = String::with_capacity(12 * MIB);
    for i in 0..200_000 {
        rows.push_str(&format!(
            "<li><a href=\"{target}#p{i}\">年报{i}</a><span>2024-05-01</span></li>\n"
        ));
    }
    let main = format!(
        "<ul class=\"list\">\n{rows}</ul>\n<div class=\"pager\"><span>第2页/共2页</span> <a href=\"index.html\">上一页</a></div>"
    );
    list_response(st, main)
}

fn list_response(st: &SiteState, main: String) -> Response {
    let html = page::render(
        st,
        &Page {
            title: format!("政府信息公开年报-{}", st.spec.portal_name),
            head_extra: "<meta charset=\"utf-8\">\n".to_string(),
            crumbs: vec![
                ("政务公开".to_string(), Some("/zwgk/index.html".to_string())),
                ("政府信息公开年报".to_string(), None),
            ],
            side_title: "政务公开".to_string(),
            side: vec![("政府信息公开年报".to_string(), SECTION.to_string())],
            main,
        },
    );
    page::html_response(Family::Hostile, 200, &html)
}

fn item_page(st: &SiteState, doc: &Doc) -> Response {
    let meta = format!(
        "<div class=\"meta\"><p>发布机构：{}</p>\n<p>发布日期：{}</p></div>\n{}",
        esc(doc.spec.issuing_body.as_deref().unwrap_or("")),
        doc.spec.published.format("%Y-%m-%d"),
        body_html(st, doc)
    );
    let html = case_html(st, &doc.spec.title, &meta);
    page::html_response(Family::Hostile, 200, &html)
}

/// A report page titled `title` whose article starts with `extra`; `MARK` may sit in `extra`
/// or in the title's place for fillers.
fn case_html(st: &SiteState, title: &str, extra: &str) -> String {
    let body = report::report_html("敌意县", 2023, 7, Script::Simplified);
    let main = format!(
        "<h1 class=\"title\">{}</h1>\n<div class=\"article\">\n{extra}{body}</div>",
        esc(title)
    );
    page::render(
        st,
        &Page {
            title: format!("{}-{}", esc(title), st.spec.portal_name),
            head_extra: "<meta charset=\"utf-8\">\n".to_string(),
            crumbs: vec![
                ("政府信息公开年报".to_string(), Some(SECTION.to_string())),
                ("正文".to_string(), None),
            ],
            side_title: "政务公开".to_string(),
            side: vec![("政府信息公开年报".to_string(), SECTION.to_string())],
            main,
        },
    )
}

/// `html` (holding `MARK` once) as a response whose filler repeats `bytes` `count` times there.
fn filled(content_type: &str, html: &str, bytes: &[u8], count: usize) -> Response {
    let (before, after) = html.split_once(MARK).unwrap_or((html, ""));
    let mut body = before.as_bytes().to_vec();
    let at = body.len();
    body.extend_from_slice(after.as_bytes());
    let mut resp = Response::new(200, content_type, body).header("Server", "nginx");
    resp.filler = Some(Filler {
        at,
        bytes: bytes.to_vec(),
        count,
    });
    resp
}

/// A status line, `headers` (raw bytes, CRLF-terminated each) and a Content-Length body.
fn raw_response(headers: &[&[u8]], body: &[u8]) -> Response {
    let mut wire = b"HTTP/1.1 200 OK\r\nServer: nginx\r\nConnection: close\r\n".to_vec();
    for h in headers {
        wire.extend_from_slice(h);
        wire.extend_from_slice(b"\r\n");
    }
    wire.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    wire.extend_from_slice(body);
    Response::raw(wire)
}

fn chunked_head() -> Vec<u8> {
    b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html; charset=utf-8\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec()
}

fn redirect(location: &str) -> Response {
    let body = format!("<html><body><a href=\"{location}\">moved</a></body></html>");
    Response::new(302, "text/html", body.into_bytes()).header("Location", location)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(bytes);
    enc.finish().unwrap_or_default()
}

/// One gzip member inflating to 1 MiB of zeros (about 1 KB), built once.
fn zero_member() -> &'static [u8] {
    static MEMBER: OnceLock<Vec<u8>> = OnceLock::new();
    MEMBER.get_or_init(|| gzip(&vec![0u8; MIB]))
}

/// The pages a case leads to beyond its own: a redirect's target, attachments, a login page.
fn case_extra(st: &SiteState, req: &Request) -> Option<Response> {
    let path = req.path();
    let has = |case: Hostile| st.spec.hostile.contains(&case);
    if path == Hostile::GBK_LOCATION_TARGET && has(Hostile::RedirectGbkLocation) {
        let html = case_html(st, &Hostile::RedirectGbkLocation.title(), "");
        return Some(page::html_response(Family::Hostile, 200, &html));
    }
    if !has(Hostile::AttachmentNotThere) {
        return None;
    }
    if req.target == Hostile::SCRIPT_ATTACHMENT {
        return Some(
            Response::new(
                200,
                "application/octet-stream",
                b"%PDF-1.4\n%%EOF\n".to_vec(),
            )
            .header(
                "Content-Disposition",
                "attachment; filename*=UTF-8''%E5%B9%B4%E5%BA%A6%E6%8A%A5%E5%91%8A.pdf",
            ),
        );
    }
    match path {
        Hostile::MISSING_ATTACHMENT => Some(page::html_response(
            Family::Hostile,
            200,
            "<html><head><meta charset=\"utf-8\"><title>页面不存在</title></head><body>\
             <div class=\"error\"><h2>抱歉，您访问的页面不存在或已被删除！</h2><a href=\"/\">返回首页</a></div></body></html>",
        )),
        Hostile::LOGIN_ATTACHMENT => Some(redirect(Hostile::LOGIN_PAGE)),
        Hostile::LOGIN_PAGE => Some(page::html_response(
            Family::Hostile,
            200,
            "<html><head><meta charset=\"utf-8\"><title>统一身份认证平台</title></head><body>\
             <form method=\"post\" action=\"/hostile/sso/auth\"><h3>用户登录</h3>\
             <input type=\"text\" name=\"username\"><input type=\"password\" name=\"password\">\
             <button type=\"submit\">登录</button></form></body></html>",
        )),
        _ => None,
    }
}

fn case_response(st: &SiteState, case: Hostile) -> Response {
    let title = case.title();
    let plain = || case_html(st, &title, "");
    let ok = |html: String| page::html_response(Family::Hostile, 200, &html);
    match case {
        Hostile::DeepNesting => {
            let depth = 50_000;
            let html = case_html(
                st,
                &title,
                &format!(
                    "{}<p>嵌套很深的正文。</p>{}",
                    "<div>".repeat(depth),
                    "</div>".repeat(depth)
                ),
            );
            ok(html)
        }
        Hostile::HugeAttributes => {
            let html = case_html(
                st,
                &title,
                &format!("<div class=\"x\"{MARK}>属性很多的段落。</div>"),
            );
            let attr = format!(" data-v=\"{}\"", "0123456789abcdef".repeat(4));
            filled(
                "text/html; charset=utf-8",
                &html,
                attr.as_bytes(),
                5 * MIB / attr.len(),
            )
        }
        Hostile::ManyLinks => many_links_page(st),
        Hostile::HugeSingleLine => {
            let html = case_html(st, &title, &format!("<p>{MARK}</p>")).replace('\n', " ");
            let sentence = "本机关依法公开政府信息，认真做好年度报告编制工作。";
            filled(
                "text/html; charset=utf-8",
                &html,
                sentence.as_bytes(),
                20 * MIB / sentence.len(),
            )
        }
        Hostile::NulInBody => {
            let html = case_html(st, &title, &format!("<p>空字节{MARK}与坏字节。</p>"));
            let (before, after) = html.split_once(MARK).unwrap_or((&html, ""));
            let mut body = before.as_bytes().to_vec();
            body.extend_from_slice(b"\0\0\xff\xfe\x80\xc3(\0");
            body.extend_from_slice(after.as_bytes());
            Response::new(200, "text/html; charset=utf-8", body)
        }
        Hostile::NulInHeader => raw_response(
            &[
                b"Content-Type: text/html; charset=utf-8",
                b"X-Powered-By: ASP\0.NET",
            ],
            plain().as_bytes(),
        ),
        Hostile::InvalidUtf8Header => raw_response(
            &[
                b"Content-Type: text/html; charset=utf-8",
                b"Content-Disposition: inline; filename=\"\xc4\xea\xb1\xa8.html\"",
                b"X-Title: \xff\xfe\x80",
            ],
            plain().as_bytes(),
        ),
        Hostile::CrLfInHeader => raw_response(
            &[
                b"Content-Type: text/html; charset=utf-8",
                b"Set-Cookie: sid=1\rX-Injected: yes",
                b"X-Folded: first\r\n\tsecond",
            ],
            plain().as_bytes(),
        ),
        Hostile::TenCharsets => {
            let html = plain().replace("<meta charset=\"utf-8\">\n", "");
            let (gbk, _, _) = encoding_rs::GBK.encode(&html);
            Response::new(
                200,
                "text/html; charset=gbk; charset=utf-8; charset=big5; charset=shift_jis; charset=euc-kr; charset=iso-8859-1; charset=windows-1251; charset=koi8-r; charset=utf-16; charset=x-user-defined",
                gbk.into_owned(),
            )
        }
        Hostile::LateMetaCharset => {
            let html = plain().replace(
                "<meta charset=\"utf-8\">\n",
                &format!("<!--{MARK}-->\n<meta charset=\"utf-8\">\n"),
            );
            filled("text/html", &html, b"padding ", MIB / 8)
        }
        Hostile::GzipBomb => {
            let mut resp = filled("text/html; charset=utf-8", MARK, zero_member(), 100);
            resp.headers
                .push(("Content-Encoding".to_string(), "gzip".to_string()));
            resp
        }
        Hostile::GzipTruncated => {
            let wire = gzip(plain().as_bytes());
            let cut = wire.get(..wire.len() * 3 / 5).unwrap_or(&wire).to_vec();
            Response::new(200, "text/html; charset=utf-8", cut).header("Content-Encoding", "gzip")
        }
        Hostile::BadChunkSize => {
            let html = plain();
            let (first, rest) = html.as_bytes().split_at(html.len().min(1024));
            let mut wire = chunked_head();
            wire.extend_from_slice(format!("{:x}\r\n", first.len()).as_bytes());
            wire.extend_from_slice(first);
            wire.extend_from_slice(b"\r\nzz\r\n");
            wire.extend_from_slice(rest);
            wire.extend_from_slice(b"\r\n0\r\n\r\n");
            Response::raw(wire)
        }
        Hostile::ShortChunk => {
            let html = plain();
            let mut wire = chunked_head();
            wire.extend_from_slice(b"1000\r\n");
            wire.extend_from_slice(html.as_bytes().get(..100).unwrap_or_default());
            Response::raw(wire)
        }
        Hostile::RedirectFile => redirect("file:///etc/passwd"),
        Hostile::RedirectFtp => redirect("ftp://ftp.example.gov.cn/pub/report.pdf"),
        Hostile::RedirectData => redirect("data:text/html;base64,PGgxPuW5tOaKpTwvaDE+"),
        Hostile::RedirectPrivate => redirect("http://169.254.169.254/latest/meta-data/"),
        Hostile::RedirectGbkLocation => {
            let mut location = b"Location: /hostile/case/".to_vec();
            location.extend_from_slice(&[0xC4, 0xEA, 0xB1, 0xA8]);
            location.extend_from_slice(b".asp");
            let mut resp = raw_response(
                &[b"Content-Type: text/html", &location],
                b"<head><title>Object moved</title></head><body><h1>Object Moved</h1>This object may be found <a HREF=\"\">here</a>.</body>",
            );
            if let Some(wire) = resp.raw.as_mut() {
                // raw_response writes 200; IIS answers 302.
                let at = wire.windows(6).position(|w| w == b"200 OK").unwrap_or(0);
                wire.splice(at..at + 6, b"302 Found".iter().copied());
            }
            resp
        }
        Hostile::RedirectNoLocation => Response::new(
            302,
            "text/html",
            b"<head><title>Object moved</title></head><body><h1>Object Moved</h1>This object may be found here.</body>".to_vec(),
        ),
        Hostile::NoContent => Response::new(204, "text/html", Vec::new()),
        Hostile::LaxHeaders => raw_response(
            &[
                b"Content-Type : text/html; charset=utf-8",
                b"X-Powered-By: ASP.NET,",
                b"  PHP/5.2",
            ],
            plain().as_bytes(),
        ),
        Hostile::AttachmentNotThere => ok(case_html(
            st,
            &title,
            &format!(
                "<p>附件：<a href=\"{}\">年度报告.pdf</a> <a href=\"{}\">统计表.pdf</a> <a href=\"{}\">点击下载</a></p>",
                Hostile::MISSING_ATTACHMENT,
                Hostile::LOGIN_ATTACHMENT,
                Hostile::SCRIPT_ATTACHMENT
            ),
        )),
        // Disallowed by this host's robots.txt: served plainly should a crawler ask anyway.
        Hostile::HugeRobots | Hostile::ManyLineRobots => ok(plain()),
        Hostile::RetryAfterYear => Response::new(
            503,
            "text/html",
            b"<html><body><h1>503 Service Unavailable</h1></body></html>".to_vec(),
        )
        .header("Retry-After", "31536000"),
    }
}
