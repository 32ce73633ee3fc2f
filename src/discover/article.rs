//! An article split over pages (TRS WCM pages long content as `t20230119_200.html`,
//! `t20230119_200_1.html`, `t20230119_200_2.html`, by `createPageHTML(3, 0, "t20230119_200",
//! "html")` or by plain 下一页 links; dynamic CMSs as `show.php?id=345&page=2`): the other pages
//! of the article a page is one of, so that a long report is captured whole, not only its first
//! page.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;
use scraper::Html;
use url::Url;

use super::dom::{LINKS, LinkBase, base_url, folder, is_next_label, resolve, same_site};
use super::pager::{last_segment, link_label, page_param, printed_number};
use super::trs::trs_pager;

/// Bound on the pages of one article: a broken counter must not fetch a thousand pages.
const MAX_ARTICLE_PAGES: u64 = 50;

static CONTINUATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(.+?)_(\d{1,3})\.(s?html?|jsp|aspx?|php)$")
        .expect("static regex literal is valid")
});

/// The other pages of the article at `url`, each with its page number (2 for `…_1.html`), in
/// order: the pages a TRS pager script on the page names after the page's own file name, and
/// the links to `{name}_N.{ext}` in the page's folder (on its host or another of its site);
/// failing those, the pages of a page-number parameter (`?id=345&page=2`). Empty for a page of
/// one piece.
pub fn article_pages(
    url: &Url,
    doc: &Html,
    html: &str,
    encoding: &'static encoding_rs::Encoding,
) -> Vec<(Url, u64)> {
    let base = base_url(doc, url, encoding);
    let file = last_segment(url);
    let named = file.rsplit_once('.').and_then(|(own_stem, ext)| {
        let dir = url.join("./").ok()?;
        // The page's own name first (`t20230120_300.html` is page 1 of `t20230120_300`);
        // failing that, the page may itself be a later page (`t…_1.html`), named before its
        // `_N`.
        let later = CONTINUATION
            .captures(file)
            .and_then(|c| c.get(1))
            .map(|m| m.as_str());
        [Some(own_stem), later]
            .into_iter()
            .flatten()
            .map(|stem| pages_named(stem, ext, url, &dir, doc, html, &base))
            .find(|pages| !pages.is_empty())
    });
    named.unwrap_or_else(|| query_pages(url, doc, html, &base))
}

/// The other pages of an article paged by a query parameter (`show.php?id=345&page=2`, as
/// dynamic CMSs page long content): links to the page's own path (on its site) whose query is
/// the page's own but for a page-number parameter, labelled with their page number or as the
/// next page (page 2 of a page asked without the parameter). Numbered by their labels, since
/// sites count the parameter from 0 or from 1.
fn query_pages(url: &Url, doc: &Html, html: &str, base: &LinkBase) -> Vec<(Url, u64)> {
    let file = last_segment(url);
    // Most pages link nothing of the kind: the links are walked only when the page's file
    // name with a query, or a bare query, is written somewhere in it.
    if !html.contains(&format!("{file}?")) && !html.contains("\"?") && !html.contains("'?") {
        return Vec::new();
    }
    let own_param = page_param(url);
    let mut pages: BTreeMap<u64, Url> = BTreeMap::new();
    for a in crate::page::select(doc, &LINKS) {
        // Only a link naming the page's file with a query is worth resolving.
        let Some(href) = a.value().attr("href") else {
            continue;
        };
        if !href.contains('?') || !href.contains(file) {
            continue;
        }
        let Some(link) = resolve(base, href) else {
            continue;
        };
        if !same_site(&link, url) || link.path() != url.path() {
            continue;
        }
        let Some((param, value)) = page_param(&link) else {
            continue;
        };
        // Another parameter than the page's own, or the page's own number: not another page.
        if own_param
            .as_ref()
            .is_some_and(|(own, n)| *own != param || *n == value)
            || query_without(&link, &param) != query_without(url, &param)
        {
            continue;
        }
        let label = link_label(a);
        let number = printed_number(&label)
            .or_else(|| (own_param.is_none() && is_next_label(&label)).then_some(2));
        // A page asked without the parameter is page 1 (its 首页 link may add `page=1`).
        let itself = own_param.is_none() && number == Some(1);
        if let Some(n) = number.filter(|n| *n <= MAX_ARTICLE_PAGES && !itself) {
            pages.entry(n).or_insert(link);
        }
    }
    other_pages(pages, url)
}

/// The query of `url` without `param`, its pairs as written (not decoded) and sorted.
fn query_without(url: &Url, param: &str) -> Vec<String> {
    let mut pairs: Vec<String> = url
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty() && pair.split('=').next() != Some(param))
        .map(str::to_string)
        .collect();
    pairs.sort();
    pairs
}

/// The pages of the article named `stem` in `dir`, without the page at `url`.
fn pages_named(
    stem: &str,
    ext: &str,
    url: &Url,
    dir: &Url,
    doc: &Html,
    html: &str,
    base: &LinkBase,
) -> Vec<(Url, u64)> {
    let mut pages: BTreeMap<u64, Url> = BTreeMap::new();
    let page_url = |n: u64, ext: &str| -> Option<Url> {
        let name = match n {
            1 => format!("{stem}.{ext}"),
            _ => format!("{stem}_{}.{ext}", n - 1),
        };
        dir.join(&name).ok()
    };
    // A TRS pager script names the article (`createPageHTML(3, 0, "t…_200", "html")`), or
    // states `countPage = 3` and writes links from the quoted name (`"t…_200"+"_"+nextPage`).
    let quoted = html.contains(&format!("\"{stem}")) || html.contains(&format!("'{stem}"));
    if html.contains("countPage") || html.contains("createPageHTML") {
        let count = match trs_pager(html, url) {
            Some(trs) if trs.name == stem => Some((trs.count, trs.ext)),
            Some(trs) if trs.name == "index" && quoted => Some((trs.count, ext.to_string())),
            _ => None,
        };
        if let Some((count, ext)) = count {
            for n in 1..=count.min(MAX_ARTICLE_PAGES) {
                if let Some(u) = page_url(n, &ext) {
                    pages.insert(n, u);
                }
            }
        }
    }
    for a in crate::page::select(doc, &LINKS) {
        let Some(link) = a.value().attr("href").and_then(|h| resolve(base, h)) else {
            continue;
        };
        if !same_site(&link, url)
            || link.query().is_some()
            || folder(&link).as_deref() != Some(dir.path())
        {
            continue;
        }
        let linked = last_segment(&link);
        let number = match CONTINUATION.captures(linked) {
            Some(c) if c.get(1).is_some_and(|m| m.as_str() == stem) => c
                .get(2)
                .and_then(|m| m.as_str().parse::<u64>().ok())
                .map(|n| n + 1),
            _ => None,
        };
        if let Some(n) = number.filter(|n| (2..=MAX_ARTICLE_PAGES).contains(n)) {
            pages.entry(n).or_insert(link);
        } else if linked == format!("{stem}.{ext}") && !pages.is_empty() {
            pages.entry(1).or_insert(link);
        }
    }
    other_pages(pages, url)
}

/// The pages found, by number, as the other pages of the article at `url`: none for an article
/// of one page, never the page itself.
fn other_pages(pages: BTreeMap<u64, Url>, url: &Url) -> Vec<(Url, u64)> {
    if pages.keys().all(|n| *n == 1) {
        return Vec::new();
    }
    pages
        .into_iter()
        .filter(|(_, u)| u != url)
        .map(|(n, u)| (u, n))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pages(page_url: &str, links: &str) -> Vec<(String, u64)> {
        let html = format!("<html><body><div>第1页</div>{links}</body></html>");
        let url = Url::parse(page_url).expect("test URL literal is valid");
        let doc = Html::parse_document(&html);
        article_pages(&url, &doc, &html, encoding_rs::UTF_8)
            .into_iter()
            .map(|(u, n)| (u.to_string(), n))
            .collect()
    }

    #[test]
    fn pages_of_a_page_number_parameter_are_the_articles() {
        let own = |q: &str| format!("http://a.gov.cn/show.php?{q}");
        /// A case: its name, the page's URL, its links and the pages they give.
        type Case = (&'static str, String, &'static str, Vec<(String, u64)>);
        let cases: [Case; 5] = [
            (
                "numbered links, another article's pager before them",
                own("id=345&catid=12"),
                r#"<a href="show.php?id=346&catid=12&page=2">2</a>
                   <a href="show.php?catid=12&id=345&page=2">2</a>
                   <a href="show.php?catid=12&id=345&page=3">3</a>
                   <a href="show.php?catid=12&id=345&page=2">下一页</a>"#,
                vec![
                    (own("catid=12&id=345&page=2"), 2),
                    (own("catid=12&id=345&page=3"), 3),
                ],
            ),
            (
                "a next link only, the parameter counted from 0 (Traditional)",
                own("id=345"),
                r#"<a href="show.php?id=345&pn=0">1</a> <a href="show.php?id=345&pn=1">下一頁</a>"#,
                vec![(own("id=345&pn=1"), 2)],
            ),
            (
                "a later page: its numbered links, the first page too",
                own("id=345&page=2"),
                r#"<a href="show.php?id=345&page=1">1</a> <a href="show.php?id=345&page=3">3</a>
                   <a href="show.php?id=345&page=3">下一页</a>"#,
                vec![(own("id=345&page=1"), 1), (own("id=345&page=3"), 3)],
            ),
            (
                "a link with a page parameter that is no page of the article",
                own("id=345"),
                r#"<a href="show.php?id=345&page=2">评论</a>"#,
                vec![],
            ),
            (
                "the same query on another site",
                own("id=345"),
                r#"<a href="http://www.b.gov.cn/show.php?id=345&page=2">2</a>"#,
                vec![],
            ),
        ];
        for (name, url, links, want) in cases {
            assert_eq!(pages(&url, links), want, "{name}");
        }
        // A path without a file extension.
        assert_eq!(
            pages(
                "http://a.gov.cn/content/345?lang=zh",
                r#"<a href="/content/345?lang=zh&pageNo=2">2</a>"#
            ),
            [(
                "http://a.gov.cn/content/345?lang=zh&pageNo=2".to_string(),
                2
            )]
        );
    }

    #[test]
    fn continuation_links_on_another_host_of_the_site_are_the_articles() {
        let found = pages(
            "http://hd.gov.cn/art/t20230119_200.html",
            r#"<a href="http://www.hd.gov.cn/art/t20230119_200_1.html">2</a>
               <a href="http://www.hd.gov.cn/art/t20230119_200_2.html">下一頁</a>
               <a href="http://www.hebei.gov.cn/art/t20230119_200_3.html">4</a>
               <a href="http://www.hd.gov.cn/other/t20230119_200_4.html">5</a>"#,
        );
        assert_eq!(
            found,
            [
                (
                    "http://www.hd.gov.cn/art/t20230119_200_1.html".to_string(),
                    2
                ),
                (
                    "http://www.hd.gov.cn/art/t20230119_200_2.html".to_string(),
                    3
                ),
            ]
        );
    }
}
