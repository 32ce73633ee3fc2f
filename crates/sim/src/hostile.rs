//! Simulator hostile cases (issue 9, "bad input, catalogued"): the ways one page or one host of the
//! hostile family misbehaves, and the bundled hostile set of portals. Rendering lives in
//! `sites::hostile`; this file is the catalogue the tests name cases from.

use super::{DocSpec, Family, SiteSpec};

/// One misbehaviour of the hostile family. Item cases are linked from the section's list page,
/// before the site's normal documents; host cases change robots.txt or the whole host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Hostile {
    /// An item page whose content sits inside 50,000 nested `<div>`s.
    DeepNesting,
    /// An item page with 5 MB of attributes on one tag.
    HugeAttributes,
    /// The section's second list page, with 200,000 links (all to one item, by fragment).
    ManyLinks,
    /// An item page of 20 MB on a single line.
    HugeSingleLine,
    /// NUL bytes and invalid UTF-8 in an item page's body.
    NulInBody,
    /// A NUL byte in a response header value.
    NulInHeader,
    /// Header values that are not UTF-8 (GBK bytes, 0xFF).
    InvalidUtf8Header,
    /// A bare CR inside a header value (and a folded continuation line): unfit for a WARC header.
    CrLfInHeader,
    /// A Content-Type with ten charset parameters (the first, gbk, is right).
    TenCharsets,
    /// A `<meta charset>` 1 MB into the page, far past the prescan window.
    LateMetaCharset,
    /// A gzip body that inflates to 100 MB of zeros from 100 KB.
    GzipBomb,
    /// A gzip body cut off in the middle, under a Content-Length that matches what is sent.
    GzipTruncated,
    /// Chunked framing with a chunk size that is not hexadecimal.
    BadChunkSize,
    /// Chunked framing whose chunk is shorter than announced, then the connection closes.
    ShortChunk,
    /// A redirect to `file:///etc/passwd`.
    RedirectFile,
    /// A redirect to an `ftp:` URL.
    RedirectFtp,
    /// A redirect to a `data:` URL.
    RedirectData,
    /// A redirect to a link-local address (the cloud metadata endpoint).
    RedirectPrivate,
    /// A 302 whose Location holds raw GBK bytes (`/hostile/case/年报.asp`), as IIS sends a
    /// Chinese file name; the server answers the percent-escaped bytes with the report.
    RedirectGbkLocation,
    /// A 302 with no Location at all and IIS's "Object moved" note as its body.
    RedirectNoLocation,
    /// Header lines browsers read though they break the grammar: a folded continuation line and
    /// a space before the colon (`Content-Type : text/html`).
    LaxHeaders,
    /// A 204 No Content where the report page should be.
    NoContent,
    /// A report whose two attachments are not documents: one `.pdf` answers 200 with a
    /// "page not found" page, the other redirects to a 统一身份认证 login page; a third, offered
    /// as `点击下载`, is a PDF named only by its Content-Disposition.
    AttachmentNotThere,
    /// Host case: robots.txt of 10 MB (its rules first, then comment lines).
    HugeRobots,
    /// Host case: robots.txt of 100,000 lines.
    ManyLineRobots,
    /// Host case: the first item answers 503 with `Retry-After` of a year.
    RetryAfterYear,
}

impl Hostile {
    /// Every item case served by the main hostile portal, in list order.
    pub const ITEM_CASES: [Hostile; 23] = [
        Hostile::DeepNesting,
        Hostile::HugeAttributes,
        Hostile::ManyLinks,
        Hostile::HugeSingleLine,
        Hostile::NulInBody,
        Hostile::NulInHeader,
        Hostile::InvalidUtf8Header,
        Hostile::CrLfInHeader,
        Hostile::TenCharsets,
        Hostile::LateMetaCharset,
        Hostile::GzipBomb,
        Hostile::GzipTruncated,
        Hostile::BadChunkSize,
        Hostile::ShortChunk,
        Hostile::RedirectFile,
        Hostile::RedirectFtp,
        Hostile::RedirectData,
        Hostile::RedirectPrivate,
        Hostile::RedirectGbkLocation,
        Hostile::RedirectNoLocation,
        Hostile::LaxHeaders,
        Hostile::NoContent,
        Hostile::AttachmentNotThere,
    ];

    /// The path the list links for this case (`ManyLinks`: the list page that holds the links;
    /// robots cases: the item their robots.txt disallows).
    pub fn path(self) -> &'static str {
        match self {
            Hostile::DeepNesting => "/hostile/case/deep-nesting.html",
            Hostile::HugeAttributes => "/hostile/case/huge-attributes.html",
            Hostile::ManyLinks => "/hostile/index_1.html",
            Hostile::HugeSingleLine => "/hostile/case/single-line.html",
            Hostile::NulInBody => "/hostile/case/nul-body.html",
            Hostile::NulInHeader => "/hostile/case/nul-header.html",
            Hostile::InvalidUtf8Header => "/hostile/case/binary-header.html",
            Hostile::CrLfInHeader => "/hostile/case/crlf-header.html",
            Hostile::TenCharsets => "/hostile/case/ten-charsets.html",
            Hostile::LateMetaCharset => "/hostile/case/late-meta.html",
            Hostile::GzipBomb => "/hostile/case/gzip-bomb.html",
            Hostile::GzipTruncated => "/hostile/case/gzip-truncated.html",
            Hostile::BadChunkSize => "/hostile/case/bad-chunk-size.html",
            Hostile::ShortChunk => "/hostile/case/short-chunk.html",
            Hostile::RedirectFile => "/hostile/case/to-file.html",
            Hostile::RedirectFtp => "/hostile/case/to-ftp.html",
            Hostile::RedirectData => "/hostile/case/to-data.html",
            Hostile::RedirectPrivate => "/hostile/case/to-private.html",
            Hostile::RedirectGbkLocation => "/hostile/case/moved.asp",
            Hostile::RedirectNoLocation => "/hostile/case/moved-nowhere.asp",
            Hostile::LaxHeaders => "/hostile/case/lax-headers.html",
            Hostile::NoContent => "/hostile/case/no-content.html",
            Hostile::AttachmentNotThere => "/hostile/case/bad-attachments.html",
            Hostile::HugeRobots | Hostile::ManyLineRobots => "/hostile/private/secret.html",
            Hostile::RetryAfterYear => "/hostile/case/retry-after.html",
        }
    }

    /// Where `RedirectGbkLocation` leads: `/hostile/case/年报.asp` with its GBK bytes escaped.
    pub const GBK_LOCATION_TARGET: &'static str = "/hostile/case/%C4%EA%B1%A8.asp";
    /// The attachments of `AttachmentNotThere`: a soft 404, and a redirect to a login page.
    pub const MISSING_ATTACHMENT: &'static str = "/hostile/upload/missing.pdf";
    pub const LOGIN_ATTACHMENT: &'static str = "/hostile/upload/login.pdf";
    pub const LOGIN_PAGE: &'static str = "/hostile/sso/login.html";
    /// A third attachment of `AttachmentNotThere`, a real one: `点击下载` to a download script
    /// whose file name only its Content-Disposition gives (`年度报告.pdf`, RFC 5987).
    pub const SCRIPT_ATTACHMENT: &'static str = "/hostile/download.do?fileId=7";

    /// The item that the `ManyLinks` list page links 200,000 times.
    pub const MANY_LINKS_TARGET: &'static str = "/hostile/many.html";

    /// Title of the case's list entry and page (a report title, so a correct crawl keeps it).
    pub fn title(self) -> String {
        format!("{:?}：2023年政府信息公开工作年度报告", self)
    }
}

/// The bundled hostile set: the main portal with every item case and three normal reports after
/// them, and one portal for each host case (10 MB robots.txt, 100,000-line robots.txt, a year of
/// Retry-After), each with two normal reports. The simulator gives each its own 127.0.0.x.
pub fn hostile_set() -> Vec<SiteSpec> {
    vec![
        hostile_site("hostile", "敌意县人民政府", Hostile::ITEM_CASES.to_vec(), 3),
        hostile_site(
            "hostile-robots-big",
            "大文件镇人民政府",
            vec![Hostile::HugeRobots],
            2,
        ),
        hostile_site(
            "hostile-robots-lines",
            "多行乡人民政府",
            vec![Hostile::ManyLineRobots],
            2,
        ),
        hostile_site(
            "hostile-retry",
            "慢回复街道办事处",
            vec![Hostile::RetryAfterYear],
            2,
        ),
    ]
}

/// A hostile-family portal with `cases` and `normal` ordinary annual reports listed after them.
pub fn hostile_site(name: &str, portal_name: &str, cases: Vec<Hostile>, normal: i32) -> SiteSpec {
    let docs = (0..normal)
        .map(|i| {
            let year = 2022 - i;
            DocSpec::new(
                &format!("{portal_name}{year}年政府信息公开工作年度报告"),
                &format!("{}-01-2{i} 09:00", year + 1),
            )
            .report(year)
            .issued_by(portal_name)
        })
        .collect();
    SiteSpec {
        name: name.to_string(),
        portal_name: portal_name.to_string(),
        family: Family::Hostile,
        docs,
        faults: Vec::new(),
        page_size: 100,
        crawl_delay: None,
        path_faults: Vec::new(),
        hostile: cases,
    }
}
