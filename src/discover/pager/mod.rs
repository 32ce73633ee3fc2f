//! Pagination of HTML list pages: stated counts (共N页/頁, 共N条/條, 页次：1/5, 第1/3页), TRS WCM
//! `createPageHTML` / `countPage` scripts (`trs`), numbered files (`index_N.html`, `home_N.htm`),
//! query pagination (`?page=N`), `<select>` jump boxes, ASP.NET postbacks (`postback`) and plain
//! 下一页/下一頁 links. When the count of pages is known every other page is returned, so a backfill
//! can queue them all without reading each in turn. Every page is numbered as the pager numbers it (page 1 is the list's first page),
//! so that one page reached under two URLs (`list.asp?id=4` and `list.asp?id=4&page=1`) is one page.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;
use scraper::{Html, Selector};
use url::Url;

use super::dom::{
    LINKS, LinkBase, compact, fold_digit, head, is_next_label, pager_core, resolve, visible_text,
};
use super::postback::postback_pages;
use super::script::location_target;
use super::trs::{trs_pager, trs_record_count};
use super::{PageRequest, StatedCount};

mod numbered;

pub(super) use numbered::page_param;
use numbered::{numbered_files, numbered_paths, query_pages};

/// Bound on the pages generated from a stated count: a broken counter must not flood the frontier.
pub(super) const MAX_PAGES: u64 = 10_000;

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("static regex literal is valid")
}

static PAGES_STATED: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        re(r"共\s*(?:计|計|有)?\s*(\d{1,6})\s*[页頁]"),
        re(r"[页頁]次\s*[：:]?\s*\d{1,6}\s*/\s*(\d{1,6})"),
        re(r"第?\s*\d{1,6}\s*/\s*(\d{1,6})\s*[页頁]"),
        re(r"(?:总|總)[页頁]数?\s*[：:]?\s*(\d{1,6})"),
    ]
});
static ITEMS_STATED: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        re(r"(?:共|总共|總共|共有|共计|共計)\s*(\d{1,9})\s*(?:条|條|篇|项|項|个|個)"),
        re(
            r"(?:总记录数|總記錄數|记录总数|記錄總數|总条数|總條數|总记录|總記錄)\s*[：:]?\s*(\d{1,9})",
        ),
    ]
});
/// The page's own number as its pager prints it: 当前第2页, 第2頁, 页次：2/5, 第2/5页.
static CURRENT_STATED: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        re(r"(?:当前|當前)\s*第?\s*(\d{1,6})\s*[页頁]"),
        re(r"第\s*(\d{1,6})\s*[页頁]"),
        re(r"[页頁]次\s*[：:]?\s*(\d{1,6})\s*/"),
        re(r"第\s*(\d{1,6})\s*/\s*\d{1,6}\s*[页頁]"),
    ]
});
static OPTIONS: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("select option[value]").expect("static selector is valid"));

/// Another page of the list and its number, when the pager numbers it.
#[derive(Debug, Clone)]
pub(super) struct NextPage {
    pub request: PageRequest,
    pub number: Option<u64>,
}

impl NextPage {
    fn get(url: Url, number: Option<u64>) -> NextPage {
        NextPage {
            request: PageRequest::Get(url),
            number,
        }
    }
}

/// What the pager of one page says.
#[derive(Debug, Default)]
pub(super) struct Pager {
    pub next_pages: Vec<NextPage>,
    /// This page's own number in its list.
    pub current: Option<u64>,
    pub stated: StatedCount,
}

/// A link of the pager: an anchor, or an option of a `<select>` jump box.
struct Anchor {
    url: Url,
    label: String,
    /// An option of a `<select>` jump box, which lists every page.
    in_select: bool,
}

impl Anchor {
    fn label_number(&self) -> Option<u64> {
        printed_number(&self.label)
    }
}

/// The page number a pager label prints: "2", "[2]", "第2页", "第2頁".
pub(super) fn printed_number(label: &str) -> Option<u64> {
    let core = pager_core(label);
    let core = core
        .strip_prefix('第')
        .and_then(|c| c.strip_suffix('页'))
        .unwrap_or(&core);
    (!core.is_empty() && core.len() < 6 && core.chars().all(|c| c.is_ascii_digit()))
        .then(|| core.parse().ok())
        .flatten()
        .filter(|n| *n > 0)
}

/// Reads the pager of an HTML list page.
pub(super) fn pagination(doc: &Html, html: &str, page_url: &Url, base: &LinkBase) -> Pager {
    // `共１７页 第１页`: full-width digits are read as the digits they are.
    let text: String = visible_text(doc).chars().map(fold_digit).collect();
    let mut stated = StatedCount {
        items: first_number(&ITEMS_STATED, &text),
        pages: first_number(&PAGES_STATED, &text),
    };

    if let Some(trs) = trs_pager(html, page_url) {
        stated.pages = stated.pages.or(Some(trs.count));
        stated.items = stated
            .items
            .or(trs.records)
            .or_else(|| trs_record_count(html));
        return Pager {
            next_pages: trs.pages(base),
            // `createPageHTML(5, 18446744073709551615, …)`: a number as large as a number can be.
            current: Some(trs.current.saturating_add(1)),
            stated,
        };
    }

    let links = crate::page::select(doc, &LINKS).filter_map(|a| {
        Some(Anchor {
            url: resolve(base, a.value().attr("href")?)?,
            label: link_label(a),
            in_select: false,
        })
    });
    let options = crate::page::select(doc, &OPTIONS).filter_map(|o| {
        let value = o.value().attr("value")?.trim();
        // Only options whose value is a link: a bare number belongs to a script.
        if value.is_empty() || value.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        Some(Anchor {
            url: resolve(base, value)?,
            label: compact(&o.text().collect::<String>()),
            in_select: true,
        })
    });
    let scripted = script_page_links(doc, html, base);
    let anchors: Vec<Anchor> = links.chain(options).chain(scripted).collect();
    let printed_current = printed_current(&text, &anchors);

    if let Some(pager) = numbered_files(&anchors, page_url, stated.pages, printed_current)
        .or_else(|| query_pages(&anchors, page_url, stated.pages))
        .or_else(|| numbered_paths(&anchors, page_url, stated.pages))
    {
        return Pager { stated, ..pager };
    }
    let (current, postbacks) = postback_pages(doc, page_url, base, printed_current);
    if !postbacks.is_empty() {
        return Pager {
            next_pages: postbacks,
            current,
            stated,
        };
    }
    let current = printed_current;
    Pager {
        next_pages: next_link(&anchors, page_url)
            .map(|url| NextPage::get(url, current.map(|c| c + 1)))
            .into_iter()
            .collect(),
        current,
        stated,
    }
}

/// A pager that a script runs: links labelled with a page number past the first whose `href`
/// leads nowhere (`#page2`, `javascript:;`, none) and that no rule above could follow. Asked only
/// of a page with items and no next page, so that its ledger can say the list goes on.
pub(super) fn scripted_pager(doc: &Html) -> Option<String> {
    scripted_links(doc).or_else(|| scripted_select(doc))
}

/// A `<select>` jump box whose options are bare page numbers (`<option value="2">2</option>`)
/// and whose `onchange` script opens the page: no URL to follow.
fn scripted_select(doc: &Html) -> Option<String> {
    crate::page::select(doc, &SCRIPTED_SELECT).find_map(|select| {
        let pages = select
            .descendants()
            .filter_map(scraper::ElementRef::wrap)
            .filter(|e| e.value().name() == "option")
            .filter_map(|o| printed_number(&o.text().collect::<String>()))
            .max()
            .filter(|n| *n >= 2)?;
        let code = select.value().attr("onchange").unwrap_or("").trim();
        let shown: String = code.chars().take(60).collect();
        Some(format!(
            "a pager that a script runs (a jump box of {pages} pages: {shown:?})"
        ))
    })
}

static SCRIPTED_SELECT: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("select[onchange]").expect("static selector is valid"));

/// Pager links numbered 2 or more that lead nowhere but to a script.
fn scripted_links(doc: &Html) -> Option<String> {
    crate::page::select(doc, &ANY_LINK).find_map(|a| {
        let number = printed_number(&link_label(a)).filter(|n| *n >= 2)?;
        let href = a.value().attr("href").map(str::trim).unwrap_or("");
        let nowhere = href.is_empty()
            || href.starts_with('#')
            || href
                .get(..11)
                .is_some_and(|h| h.eq_ignore_ascii_case("javascript:"));
        if !nowhere {
            return None;
        }
        let code = a
            .value()
            .attr("onclick")
            .map(str::trim)
            .filter(|c| !c.is_empty());
        let shown = code.unwrap_or(href);
        let shown: String = shown.chars().take(60).collect();
        Some(format!(
            "a pager that a script runs (page {number}: {shown:?})"
        ))
    })
}

static ANY_LINK: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("a").expect("static selector is valid"));

/// A pager link's label: its text, else its `title`, else its image's `alt` (`<a title="下一页">
/// <img alt="下一页"></a>`).
pub(super) fn link_label(a: scraper::ElementRef<'_>) -> String {
    let text = compact(&a.text().collect::<String>());
    if !text.is_empty() {
        return text;
    }
    let img_alt = || {
        a.descendants()
            .filter_map(scraper::ElementRef::wrap)
            .find(|e| e.value().name() == "img")
            .and_then(|img| img.value().attr("alt"))
    };
    a.value()
        .attr("title")
        .or_else(img_alt)
        .map(compact)
        .unwrap_or_default()
}

/// `function goPage(p) { location.href = '/list.jsp?pageNum=' + p; }`: a page function of the
/// page's own scripts that only builds a URL from its one argument (a prefix, the argument, an
/// optional suffix).
static PAGE_FUNCTION: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r#"function\s+([A-Za-z_$][\w$]*)\s*\(\s*([A-Za-z_$][\w$]*)\s*\)\s*\{\s*"#,
        r#"(?:window\.|document\.|self\.|top\.)?location(?:\.href)?\s*(?:=|\.replace\(|\.assign\()\s*"#,
        r#"['"]([^'"]*)['"]\s*\+\s*([A-Za-z_$][\w$]*)\s*(?:\+\s*['"]([^'"]*)['"])?"#,
    ))
});
/// A call of a page function with a number: `goPage(2)`, `javascript:goPage('3')`.
static PAGE_CALL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"^(?:javascript:)?\s*([A-Za-z_$][\w$]*)\s*\(\s*['"]?(\d{1,6})['"]?\s*\)\s*;?\s*(?:return\s+false\s*;?)?$"#,
    )
});
/// Bytes of the page's scripts searched for page functions.
const MAX_SCRIPT_BYTES: usize = 256 * 1024;

/// The pager links that open a page by script (`onclick="location.href='index_1.html'"`) or
/// call a page function of the page's scripts (`onclick="goPage(2)"`), as the URLs they open.
fn script_page_links(doc: &Html, html: &str, base: &LinkBase) -> Vec<Anchor> {
    let mut functions: HashMap<String, (String, String)> = HashMap::new();
    if html.contains("function") && html.contains("location") {
        for c in PAGE_FUNCTION.captures_iter(head(html, MAX_SCRIPT_BYTES)) {
            let (Some(name), Some(param), Some(prefix), Some(used)) =
                (c.get(1), c.get(2), c.get(3), c.get(4))
            else {
                continue;
            };
            // The argument itself goes into the URL, not some other variable.
            if param.as_str() != used.as_str() {
                continue;
            }
            let suffix = c.get(5).map_or("", |m| m.as_str());
            functions.insert(
                name.as_str().to_string(),
                (prefix.as_str().to_string(), suffix.to_string()),
            );
        }
    }
    crate::page::select(doc, &SCRIPT_LINKS)
        .filter_map(|a| {
            let code = [a.value().attr("onclick"), a.value().attr("href")];
            // `onclick="window.location.href='index_1.html'"`: the page it opens.
            let opened = code.into_iter().flatten().find_map(location_target);
            let url = match opened {
                Some(target) => resolve(base, target)?,
                None => {
                    let call = code
                        .into_iter()
                        .flatten()
                        .find_map(|c| PAGE_CALL.captures(c.trim()))?;
                    let (prefix, suffix) = functions.get(call.get(1)?.as_str())?;
                    let number = call.get(2)?.as_str();
                    resolve(base, &format!("{prefix}{number}{suffix}"))?
                }
            };
            Some(Anchor {
                url,
                label: link_label(a),
                in_select: false,
            })
        })
        .collect()
}

static SCRIPT_LINKS: LazyLock<Selector> = LazyLock::new(|| {
    Selector::parse("a[onclick], a[href^='javascript:'], a[href^='JavaScript:']")
        .expect("static selector is valid")
});

/// The page's own number as its pager prints it, not as a link's label: a 首页 link labelled
/// `第1页` on every page says nothing of the page it is on.
fn printed_current(text: &str, anchors: &[Anchor]) -> Option<u64> {
    CURRENT_STATED.iter().find_map(|p| {
        p.captures_iter(text).find_map(|c| {
            let printed = c.get(0)?.as_str();
            let linked = anchors.iter().any(|a| a.label.contains(printed));
            if linked {
                return None;
            }
            c.get(1)?.as_str().parse().ok().filter(|n| *n > 0)
        })
    })
}

fn first_number(patterns: &[Regex], text: &str) -> Option<u64> {
    patterns
        .iter()
        .find_map(|p| p.captures(text)?.get(1)?.as_str().parse().ok())
}

pub(super) fn last_segment(url: &Url) -> &str {
    url.path_segments()
        .and_then(|mut s| s.next_back())
        .unwrap_or("")
}

/// The target of the page's 下一页 link, when it leads somewhere else.
fn next_link(anchors: &[Anchor], page_url: &Url) -> Option<Url> {
    anchors
        .iter()
        .find(|a| is_next_label(&a.label) && &a.url != page_url)
        .map(|a| a.url.clone())
}
