//! Discover: list page -> the items it lists, the next pages of the same list, and per-year
//! subsections, without running JavaScript. Pure: a URL and decoded text in, links out.
//! Knows plain pagination, TRS WCM `createPageHTML`, Hanweb JCMS jpage datastores and JSON list APIs.

use chrono::NaiveDate;
use serde::Serialize;
use url::Url;

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StatedCount {
    pub items: Option<u64>,
    pub pages: Option<u64>,
}

/// A further request needed to walk the list: a plain GET of another page, or a Hanweb
/// `dataproxy.jsp` POST whose form body is given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum PageRequest {
    Get(Url),
    Post {
        url: Url,
        form: Vec<(String, String)>,
    },
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
}

/// Discovers items, next pages and year subsections on the list page at `url`.
pub fn discover(url: &Url, html: &str) -> ListPage {
    let _ = (url, html);
    ListPage::default()
}
