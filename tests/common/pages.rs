//! Pages read as the crawl reads a section's list page: through the one page pipeline
//! (`page::analyse`) in the role of a list, from bytes in a given encoding.

use encoding_rs::Encoding;
use nianbao::classify::PageKind;
use nianbao::discover::ListPage;
use nianbao::page::{Analysis, PageInput, PageRole, View, analyse};
use url::Url;

/// Reads `html`, encoded in `encoding` and served as such, at `page_url` as a list page: the
/// kind the page was classified as and what discover found (nothing unless a list).
pub fn read_list(page_url: &str, html: &str, encoding: &'static Encoding) -> (PageKind, ListPage) {
    let analysis = read_as(page_url, html, encoding, &PageRole::List { list_api: None });
    let page = match analysis.view {
        View::List(page) => *page,
        _ => ListPage::default(),
    };
    (analysis.kind, page)
}

/// Reads `html`, encoded in `encoding` and served as such, at `page_url` in `role`, through the
/// one page pipeline. The page must be encodable: the characters that are not are named.
pub fn read_as(
    page_url: &str,
    html: &str,
    encoding: &'static Encoding,
    role: &PageRole,
) -> Analysis {
    let (bytes, _, unmappable) = encoding.encode(html);
    if unmappable {
        let unencodable: String = html
            .chars()
            .filter(|c| encoding.encode(&c.to_string()).2)
            .collect();
        panic!(
            "{page_url}: {unencodable} not encodable in {}",
            encoding.name()
        );
    }
    let content_type = format!("text/html; charset={}", encoding.name());
    let url = Url::parse(page_url).expect("test URL literal is valid");
    analyse(
        PageInput {
            url: &url,
            status: 200,
            content_type: Some(&content_type),
            body: &bytes,
        },
        role,
    )
}

/// A test page in Traditional characters, as a Big5 portal writes it: the characters the list
/// pages of these tests print, mapped one to one.
pub fn traditional(html: &str) -> String {
    const MAP: &[(char, char)] = &[
        ('开', '開'),
        ('报', '報'),
        ('页', '頁'),
        ('务', '務'),
        ('县', '縣'),
        ('办', '辦'),
        ('单', '單'),
        ('联', '聯'),
        ('电', '電'),
        ('话', '話'),
        ('号', '號'),
        ('财', '財'),
        ('当', '當'),
    ];
    html.chars()
        .map(|c| MAP.iter().find(|(s, _)| *s == c).map_or(c, |(_, t)| *t))
        .collect()
}
