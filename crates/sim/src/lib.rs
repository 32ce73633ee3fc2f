//! Simulator: realistic government portals served on loopback addresses, each knowing its own
//! ground truth and recording every request it receives. Used by the tests, the benchmarks and
//! `nianbao demo`; never part of a real crawl.
//!
//! `Simulator::start` binds one listener per [`SiteSpec`] (127.0.0.11, .12, … with an ephemeral
//! port), `server` runs a hand-written HTTP/1.1 loop over `http` (requests) and `response`, and
//! `site` answers each request from the site model, rendered by the CMS family in `sites`.
//! `standard` holds the bundled set of six portals; `hostile` the catalogue of bad input and its
//! portals; `report` writes annual-report bodies from the 2021 template.

mod hostile;
mod http;
mod page;
mod report;
mod response;
mod server;
mod simulator;
mod site;
mod sites;
mod standard;
pub mod zoo;

use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveDateTime};

pub use hostile::{Hostile, hostile_set, hostile_site};
pub use report::report_body;
use simulator::toml_str;
pub use simulator::{Simulator, SiteHandle};
pub use sites::attachment_table_rows;

/// The CMS family a simulated site models; it decides URL layout, markup and encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// TRS WCM: per-year channels, `createPageHTML` pager, metadata table, UTF-8.
    Trs,
    /// Hanweb 大汉 JCMS: jpage `datastore` first page plus `dataproxy.jsp` for the rest, UTF-8.
    Hanweb,
    /// Legacy ASP site in GBK bytes labelled gb2312, `?page=N` pager, `<p>` metadata lines.
    LegacyGbk,
    /// Traditional-Chinese site in Big5 bytes with no charset declared anywhere.
    Big5,
    /// Item pages with no metadata at all; dates only in the list; gzip when accepted.
    NoMeta,
    /// Every page but robots.txt answers 412 with a 瑞数-style JavaScript challenge.
    Blocked,
    /// Bad input, catalogued: list entries whose pages misbehave one way each ([`Hostile`]),
    /// then ordinary reports; see `hostile_set`.
    Hostile,
}

/// A scripted misbehaviour: the `on_request`-th request the site receives (1-based, counting
/// robots.txt and every other well-formed request) is answered this way instead of normally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub on_request: u64,
    pub kind: FaultKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// An error status with a short HTML body, and `Retry-After: N` seconds when given.
    Status {
        status: u16,
        retry_after: Option<u64>,
    },
    /// The normal response, but only half its body is sent under the full Content-Length, then
    /// the connection closes.
    Truncate,
    /// A redirect with this status to `location` (absolute, or relative to the request).
    Redirect { status: u16, location: String },
    /// A fixed answer: a custom robots.txt, a robots.txt that is missing, an odd page.
    Body {
        status: u16,
        content_type: String,
        body: Vec<u8>,
    },
    /// The normal response with `bytes` bytes of padding appended (an oversize page).
    Pad { bytes: usize },
    /// `kind`'s answer, written `delay` after the request arrived (a slow firewall: several
    /// requests of one client in flight at once).
    Late {
        delay: Duration,
        kind: Box<FaultKind>,
    },
}

/// A scripted misbehaviour of every request whose target matches, for as long as the site runs.
/// Checked after the `on_request` faults and before the site's own routing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathFault {
    pub target: FaultTarget,
    pub kind: FaultKind,
}

/// Which requests a [`PathFault`] answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultTarget {
    /// Exactly this request target: path, plus `?query` when the request has one.
    Exact(String),
    /// Every request but `/robots.txt` (a host whose pages all fail while its robots.txt works).
    AllButRobots,
}

impl FaultTarget {
    pub(crate) fn matches(&self, target: &str) -> bool {
        match self {
            FaultTarget::Exact(t) => t == target,
            FaultTarget::AllButRobots => target.split('?').next() != Some("/robots.txt"),
        }
    }
}

/// One document of a site model. The site gives it a path, an index number and a body.
#[derive(Debug, Clone)]
pub struct DocSpec {
    pub title: String,
    /// Publication time as the site shows it (families without times show the date only).
    pub published: NaiveDateTime,
    /// `Some(year)` makes it an annual report whose body is generated for that year.
    pub report_year: Option<i32>,
    /// 发布机构 as labelled on the item page (families that show labels).
    pub issuing_body: Option<String>,
    /// 文号; families that print the field show the empty placeholder `〔〕号` when `None`.
    pub doc_number: Option<String>,
    /// Signature block (body name) at the end of the body, dated a few days before publication.
    pub signed_by: Option<String>,
    /// Carries one PDF attachment.
    pub attachment: bool,
    /// Year subsection (channel) for families that have them; `None` files it at the section root.
    pub channel: Option<i32>,
    /// Also listed at the section root under a second URL serving the same content.
    pub listed_twice: bool,
    /// The report exists only as its PDF attachment (see `sites::attachment_only`).
    pub attachment_only: bool,
}

impl DocSpec {
    /// A plain document published at `published` (`YYYY-MM-DD HH:MM`); panics on a bad literal
    /// (test helper).
    pub fn new(title: &str, published: &str) -> DocSpec {
        let published = NaiveDateTime::parse_from_str(published, "%Y-%m-%d %H:%M")
            .unwrap_or_else(|e| panic!("DocSpec::new: bad time literal {published:?}: {e}"));
        DocSpec {
            title: title.to_string(),
            published,
            report_year: None,
            issuing_body: None,
            doc_number: None,
            signed_by: None,
            attachment: false,
            channel: None,
            listed_twice: false,
            attachment_only: false,
        }
    }

    pub fn report(mut self, year: i32) -> DocSpec {
        self.report_year = Some(year);
        self
    }

    pub fn issued_by(mut self, body: &str) -> DocSpec {
        self.issuing_body = Some(body.to_string());
        self
    }

    pub fn numbered(mut self, number: &str) -> DocSpec {
        self.doc_number = Some(number.to_string());
        self
    }

    pub fn signed(mut self, body: &str) -> DocSpec {
        self.signed_by = Some(body.to_string());
        self
    }

    pub fn with_attachment(mut self) -> DocSpec {
        self.attachment = true;
        self
    }

    /// An attachment-only report: the item page says little more than 见附件, and its PDF
    /// attachment holds the report in a CID font with a predefined CMap (no ToUnicode).
    pub fn attachment_only(mut self) -> DocSpec {
        self.attachment = true;
        self.attachment_only = true;
        self
    }

    pub fn in_channel(mut self, year: i32) -> DocSpec {
        self.channel = Some(year);
        self
    }

    pub fn twice(mut self) -> DocSpec {
        self.listed_twice = true;
        self
    }
}

/// A site to serve: its family, names, documents and scripted faults.
#[derive(Debug, Clone)]
pub struct SiteSpec {
    /// Short id, e.g. "trs".
    pub name: String,
    /// Government name, e.g. "阿图什市人民政府".
    pub portal_name: String,
    pub family: Family,
    pub docs: Vec<DocSpec>,
    pub faults: Vec<Fault>,
    /// Items per list page.
    pub page_size: usize,
    /// `Crawl-delay` in robots.txt, seconds.
    pub crawl_delay: Option<u32>,
    /// Misbehaviours by request target (redirects, custom robots.txt, failing pages).
    pub path_faults: Vec<PathFault>,
    /// The hostile family's cases (empty for every other family).
    pub hostile: Vec<Hostile>,
}

impl SiteSpec {
    /// The six bundled portals (trs, hanweb, gbk, big5, nometa, blocked).
    pub fn standard() -> Vec<SiteSpec> {
        standard::all()
    }

    /// One of the bundled portals by short id, or `None`.
    pub fn standard_named(name: &str) -> Option<SiteSpec> {
        standard::all().into_iter().find(|s| s.name == name)
    }

    pub fn with_faults(mut self, faults: Vec<Fault>) -> SiteSpec {
        self.faults = faults;
        self
    }

    pub fn with_path_faults(mut self, faults: Vec<PathFault>) -> SiteSpec {
        self.path_faults = faults;
        self
    }

    /// The same site under another short id (two copies of one family in a run).
    pub fn renamed(mut self, name: &str, portal_name: &str) -> SiteSpec {
        self.name = name.to_string();
        self.portal_name = portal_name.to_string();
        self
    }
}

/// One request as the site saw it.
#[derive(Debug, Clone)]
pub struct RequestRecord {
    pub at: Instant,
    pub method: String,
    /// path?query
    pub target: String,
    /// Lower-case names, arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub status: u16,
    /// 403 answers the site had finished writing when this request arrived.
    pub refusals_before: usize,
}

impl RequestRecord {
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What a correct crawler and extractor should yield for one document of a site.
///
/// - `publish_date`: the date shown on the item page (for the `NoMeta` family, which shows none,
///   the date beside the item in the list).
/// - `issuing_body`: the 发布机构 label when the page shows one with a value that names a body
///   (one that names the website gives way to the 来源 the page prints); otherwise what
///   the text names: for a report, the body its title names before the year (`台上镇2019年…`
///   -> `台上镇`), or the signature at the end of the body when that names the same body more
///   fully (`台上镇人民政府`); for other documents the signature; otherwise `None`.
/// - `index_number` / `doc_number`: the labelled values; a 文号 shown as the empty placeholder
///   `〔〕号` is `None`.
/// - `report_year`: the year the report covers (from the title and the "统计数据时限" sentence),
///   which is usually the year before `publish_date`'s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TruthDoc {
    pub path: String,
    /// Other paths serving the same content.
    pub aliases: Vec<String>,
    pub title: String,
    pub issuing_body: Option<String>,
    pub index_number: Option<String>,
    pub doc_number: Option<String>,
    pub publish_date: Option<NaiveDate>,
    pub report_year: Option<i32>,
    pub is_annual_report: bool,
    /// Paths (with query where the site uses one).
    pub attachments: Vec<String>,
}
