//! Discover: list page -> the items it lists, the next pages of the same list, and per-year
//! subsections, without running JavaScript. Pure: a URL and decoded text in, links out.
//! Knows plain pagination, TRS WCM `createPageHTML`, Hanweb JCMS jpage datastores, 开普云 UCAP
//! column shells and their `/queryList` API, ASP.NET postback pagers, and JSON list APIs.

mod article;
mod dom;
mod gkmlpt;
mod hanweb;
mod items;
mod json;
mod name;
mod order;
mod pager;
mod postback;
mod script;
pub mod section;
mod session;
mod trs;
mod ucap;
mod years;

use std::collections::HashSet;
use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;
use scraper::Html;
use serde::Serialize;
use url::Url;

pub use article::article_pages;
pub(crate) use dom::{base_url, cut_stem, drop_session_ids};
pub use hanweb::{extend_ranges, parse_datastore};
pub use json::{DiscoverError, JsonListFormat, parse_json_list};
pub use order::{ListOrder, combine as combine_orders, order_of};
pub use ucap::extend_pages as extend_ucap_pages;

/// One entry of a list: a link to an item page with the evidence printed beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListItem {
    pub url: Url,
    /// The entry's text as shown in the list.
    pub title: Option<String>,
    /// The date shown beside the entry.
    pub date: Option<NaiveDate>,
    /// Fields a JSON list API already carries (索引号, 文号, 发布机构 ...), label -> value.
    pub fields: Vec<(String, String)>,
}

/// How a site states the size of a list (共N条, totalrecord, countPage x page size).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StatedCount {
    pub items: Option<u64>,
    pub pages: Option<u64>,
}

/// A further request needed to walk the list: a plain GET of another page, or a POST whose form
/// body is given (a Hanweb `dataproxy.jsp` range, a UCAP `/queryList` page, an ASP.NET
/// postback).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum PageRequest {
    Get(Url),
    Post {
        url: Url,
        form: Vec<(String, String)>,
        /// The encoding the form's values are sent in: a page's form goes in the page's
        /// encoding, as a browser sends it; `None` is UTF-8 (what a script's request sends).
        #[serde(
            skip_serializing_if = "Option::is_none",
            serialize_with = "encoding_name"
        )]
        charset: Option<&'static encoding_rs::Encoding>,
    },
}

fn encoding_name<S: serde::Serializer>(
    charset: &Option<&'static encoding_rs::Encoding>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match charset {
        Some(encoding) => serializer.serialize_some(encoding.name()),
        None => serializer.serialize_none(),
    }
}

impl PageRequest {
    pub fn url(&self) -> &Url {
        match self {
            PageRequest::Get(u) => u,
            PageRequest::Post { url, .. } => url,
        }
    }
}

/// A per-year subsection of the section ("2017年", "2017年度").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearSection {
    pub year: i32,
    pub url: Url,
}

/// Everything discovered on one list page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ListPage {
    pub items: Vec<ListItem>,
    /// Other pages of the same list (all of them when the pager states the count).
    pub next_pages: Vec<PageRequest>,
    pub year_sections: Vec<YearSection>,
    pub stated: Option<StatedCount>,
    /// The year this page's own column stands for, when its `ColumnName` meta (TRS) or its column
    /// title names one ("2017年", "2017年度"): the page is then a per-year subsection itself.
    pub column_year: Option<i32>,
    /// The page's own name (`本级年报`): its ColumnName meta, breadcrumb's last crumb, `<title>`
    /// without the site's name, or first heading (`name::list_name`). Its items' extraction is
    /// told it: a report page whose heading is this name prints its column's name.
    #[serde(skip)]
    pub name: Option<String>,
    /// This page's number in its list as the pager numbers it (1 = the list's first page; for a
    /// Hanweb range, its first record). One page reached under two URLs has one number.
    pub number: Option<u64>,
    /// The numbers of `next_pages`, by request, where the pager numbers them (POSTs to one URL
    /// differ in their form).
    pub next_numbers: Vec<(PageRequest, u64)>,
    /// Records a Hanweb datastore held, including any without a link (an answer shorter than
    /// its range ends the list when no total is stated).
    pub records: Option<u64>,
    /// Entries a list API answer held, including any without a link (an answer shorter than
    /// the page size ends a list that states no total).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answered: Option<u64>,
    /// The page only leads to its list's API (a UCAP column shell): it is not a page of the list.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub leads_to_api: bool,
    /// The page shows no list, and what it shows says a script fills it: what was seen.
    pub needs_javascript: Option<String>,
    /// The page shows a list, but its further pages are reached only by a script: what was seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pager_needs_javascript: Option<String>,
    /// Characters (not whitespace) the rows of the page's dated entries print, cells beside
    /// their titles and dates included (索引号, 发布机构, a summary): how much of the page its
    /// list is.
    #[serde(skip)]
    pub listed_chars: usize,
}

impl ListPage {
    /// The number of one of `next_pages` in the list, when the pager numbers it.
    pub fn number_of(&self, request: &PageRequest) -> Option<u64> {
        self.next_numbers
            .iter()
            .find(|(r, _)| r == request)
            .map(|(_, n)| *n)
    }
}

/// Discovers items, next pages and year subsections on the list page at `url`.
///
/// A Hanweb jpage datastore, when present, is the list: its records are the items and the
/// dataproxy ranges after them the next pages. Otherwise the page's main dated list gives the
/// items and its pager (TRS script, numbered files, query pages, 下一页) the next pages.
pub fn discover(url: &Url, html: &str) -> ListPage {
    match crate::page::parse(html) {
        Ok(parsed) => discover_document(url, &parsed.doc, html, encoding_rs::UTF_8),
        Err(_) => ListPage::default(),
    }
}

/// `discover` on a page already parsed; `html` is its text (scripts hold TRS pagers and Hanweb
/// datastores) and `encoding` the one it was decoded from: links are joined with their query in
/// that encoding, as a browser sends them.
pub fn discover_document(
    url: &Url,
    doc: &Html,
    html: &str,
    encoding: &'static encoding_rs::Encoding,
) -> ListPage {
    let base = dom::base_url(doc, url, encoding);
    let mut page = ListPage::default();
    match hanweb::find_datastore(html, &base) {
        Some(ds) => {
            page.next_pages =
                hanweb::dataproxy_requests(html, url, &base, ds.records, ds.total_records);
            page.next_numbers = hanweb::range_numbers(&page.next_pages);
            page.number = Some(1);
            page.records = Some(ds.records as u64);
            page.stated = ds.stated();
            page.items = ds.items;
        }
        None => {
            let pager = pager::pagination(doc, html, url, &base);
            let list = items::list_items(doc, &base);
            page.items = list.items;
            page.listed_chars = list.dated_row_chars;
            if page.items.is_empty() {
                page.items = script::data_items(html, &base);
            }
            page.number = pager.current;
            for next in pager.next_pages {
                if let Some(n) = next.number {
                    page.next_numbers.push((next.request.clone(), n));
                }
                page.next_pages.push(next.request);
            }
            page.stated = (pager.stated != StatedCount::default()).then_some(pager.stated);
            if !page.items.is_empty() && page.next_pages.is_empty() {
                page.pager_needs_javascript = pager::scripted_pager(doc);
            }
        }
    }
    let excluded: HashSet<Url> = page
        .items
        .iter()
        .map(|i| i.url.clone())
        .chain(page.next_pages.iter().map(|p| p.url().clone()))
        .collect();
    page.year_sections = years::year_sections(doc, &base, url, &excluded);
    page.column_year = years::column_year(doc);
    page.name = name::list_name(doc);
    if page.items.is_empty() && page.next_pages.is_empty() && page.year_sections.is_empty() {
        // A shell that sends the reader on (a refresh, a script's `location`, a frame) leads to
        // the list's page.
        let shell = script::shell_targets(doc, html, &base);
        if !shell.is_empty() {
            page.next_pages = shell.into_iter().map(PageRequest::Get).collect();
            return page;
        }
        match ucap::shell(html, url) {
            Some(ucap::Shell::First(request)) => {
                page.leads_to_api = true;
                page.next_numbers.push((request.clone(), 1));
                page.next_pages.push(request);
            }
            Some(ucap::Shell::Unreadable(seen)) => page.needs_javascript = Some(seen),
            None => page.needs_javascript = script::needs_javascript(html),
        }
    }
    page
}

/// Whether a body fetched from `url` is a UCAP `/queryList` answer.
pub fn is_ucap_answer(url: &Url, text: &str) -> bool {
    ucap::is_answer(url, text)
}

/// A UCAP `/queryList` answer as a list page (numbered, with its further pages, once
/// `extend_ucap_pages` has seen the request), or why it cannot be read.
pub fn parse_ucap_answer(url: &Url, text: &str) -> Result<ListPage, String> {
    ucap::parse_answer(url, text)
}

/// Whether the page was called `needs_javascript` only for the name of a script it loads
/// (`<script src="list.js">`), which a page saying it lists nothing outweighs.
pub fn needs_javascript_by_script_name(page: &ListPage) -> bool {
    page.needs_javascript
        .as_deref()
        .is_some_and(script::only_names_a_list_script)
}

/// Whether the page is a channel index: it links to per-year sub-channels (a TRS 年报 column
/// holding `2017年 -> ./2017/` …), which are walked whether or not the page lists items itself.
pub fn is_channel_index(page: &ListPage) -> bool {
    !page.year_sections.is_empty()
}

/// Dated entries from which a page reads as a list even without a pager.
const LIST_HINT_MIN_DATED: usize = 5;

/// A count of entries the page prints (`相关结果<span>4</span>个`, `共 12 条`), tags allowed
/// between the words and the number.
static PRINTED_COUNT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:相关结果|共有|共|找到|检索到)\s*(?:<[^<>]{0,80}>\s*)*(\d{1,7})\s*(?:<[^<>]{0,80}>\s*)*(?:个|条|篇|项)",
    )
    .expect("the printed count pattern is valid")
});

/// Whether the page at `url` looks like a list page (many dated entries, a jpage datastore, or
/// dated entries with a pager) rather than an item page. For `inspect`; the crawl trusts its
/// configuration over this guess.
pub fn page_kind_hint(url: &Url, html: &str) -> bool {
    match crate::page::parse(html) {
        Ok(parsed) => {
            let facts = crate::classify::PageFacts::of_document(&parsed.doc);
            let page = discover_document(url, &parsed.doc, html, encoding_rs::UTF_8);
            looks_like_list(&page, html, facts.main_chars())
        }
        Err(_) => false,
    }
}

/// Dated entries of one repeated structure from which a page that is mostly those entries is
/// a list.
const BARE_LIST_MIN_DATED: usize = 3;
/// Share of the main text (in percent) the entries' rows (titles, dates and the cells beside
/// them) make up on a bare list; on an item page with a box of related links its own text is the
/// larger part.
const BARE_LIST_MIN_SHARE: usize = 60;
/// Share of the main text (in percent) five dated entries must make up without a pager or a
/// count: a long report with a box of five related reports is an item.
const LIST_HINT_MIN_SHARE: usize = 15;

/// `page_kind_hint` on what discover already found on the page, with `main_chars` the page's
/// main text outside navigation (`PageFacts::main_chars`). A list is a jpage datastore, 5 dated
/// entries that make up at least 15% of the main text, 2 with a next page, one row of a list
/// whose pager states more pages (a list trimmed to one row), 2 or more dated entries that a
/// printed count on the page (`相关结果4个`) numbers exactly (a short search result), 3 or
/// more dated entries of one repeated structure that make up most of the main text (a year's
/// column of three reports), or a channel index: two or more year sections and little text.
pub fn looks_like_list(page: &ListPage, html: &str, main_chars: usize) -> bool {
    let dated = page.items.iter().filter(|i| i.date.is_some()).count();
    let has_datastore = html.contains("<datastore") && html.contains("<recordset");
    let stated_pages = page.stated.and_then(|s| s.pages).unwrap_or(0);
    let counted = || {
        PRINTED_COUNT
            .captures_iter(html)
            .filter_map(|c| c.get(1)?.as_str().parse::<usize>().ok())
            .any(|n| n == dated)
    };
    // A date prints as about ten characters beside its title; the rows may print more (a
    // table's 索引号 and 发布机构 cells), which are the list's too.
    let listed = || -> usize {
        let titles: usize = page
            .items
            .iter()
            .filter(|i| i.date.is_some())
            .map(|i| i.title.as_deref().map_or(0, |t| t.chars().count()) + 10)
            .sum();
        titles.max(page.listed_chars)
    };
    has_datastore
        || (dated >= LIST_HINT_MIN_DATED && listed() * 100 >= main_chars * LIST_HINT_MIN_SHARE)
        || (dated >= 2 && !page.next_pages.is_empty())
        || (dated >= 1 && stated_pages > 1 && !page.next_pages.is_empty())
        || (dated >= 2 && counted())
        || (dated >= BARE_LIST_MIN_DATED && listed() * 100 >= main_chars * BARE_LIST_MIN_SHARE)
        || is_shell(page, main_chars)
        || (page.year_sections.len() >= 2 && main_chars <= CHANNEL_INDEX_MAX_CHARS)
}

/// Main text a channel index may show beside its year links (a menu, the newest reports'
/// titles); a report page whose sidebar links its column's years has far more.
const CHANNEL_INDEX_MAX_CHARS: usize = 1_500;

/// A page with no text of its own that sends the reader to pages (a refresh, a frame): the list
/// is there. One that sends them to a document file is an item whose report is that file.
fn is_shell(page: &ListPage, main_chars: usize) -> bool {
    page.items.is_empty()
        && main_chars < SHELL_MAX_CHARS
        && !page.next_pages.is_empty()
        && page
            .next_pages
            .iter()
            .all(|p| crate::classify::document_type_for_name(p.url().path()).is_none())
}

/// Main text a shell page may show beside its frame or refresh ("正在跳转…").
const SHELL_MAX_CHARS: usize = 40;
