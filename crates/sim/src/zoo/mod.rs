//! Portal zoo: from a seed, many small portals of each CMS family a user points nianbao at, each
//! a different combination of the things real portals vary in (labels in Simplified or
//! Traditional, pager forms, 首页 aliases, year sub-channels, list lengths, other columns' items
//! mixed in, GBK/Big5/UTF-8 with and without a declaration, Chinese query values). Each portal
//! knows its ground truth: the annual-report items it lists and what each list holds.
//!
//! `generate` builds the specs, `render` answers requests from a spec, and `Zoo::start` serves
//! each portal on its own loopback address. The standard simulator (`Simulator`) models a few
//! portals in depth; the zoo models many portals in breadth, so tests cannot fit a few samples.

mod feeds;
mod generate;
mod render;
mod serve;
mod ucap;

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::NaiveDate;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use generate::generate;

/// The CMS family of a zoo portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZooFamily {
    /// Plain or ASP list: `list.asp?lb=年报&page=N` (or `lmid=45`), HTML pager.
    Asp,
    /// TRS WCM: `index.html`, `index_1.html` …, pager by `createPageHTML` or HTML links.
    Trs,
    /// Hanweb JCMS / Zhejiang jpaas column `/col/colNNN/index.html`: a jpage datastore, then
    /// `dataproxy.jsp` record ranges.
    Hanweb,
    /// TRS 信息公开 JSON list API (`list_api = "trs_xxgk"`): `{"data": [...], "totalPage"}`.
    TrsXxgk,
    /// Guangdong 政府信息公开目录管理平台: `/gkmlpt/api/all/{column}?page=N&sid=S` answering
    /// `{"articles": [...], "total": N}` (`list_api = "gkmlpt"`).
    Gkmlpt,
    /// 开普云 UCAP: a column shell page whose script names the site (`websiteCode`) and fills
    /// the list from `POST /queryList` (`current`, `pageSize`, `webSiteCode[]`, `channelCode[]`
    /// or `channelId[]`), answering `{"data": {"results": [{"source": {...}}], "total": N}}`.
    Ucap,
}

/// How a UCAP column shell names its channel and site, and whether it states its page size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UcapStyle {
    pub channel: UcapChannel,
    /// The script variable holding the site code (`websiteCode`, `webSiteCode`).
    pub site_var: &'static str,
    /// The shell's script states `pageSize`; otherwise the API pages by what it is asked.
    pub states_size: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UcapChannel {
    /// A template page: `/{site}/bmxxgk/xxgk.shtml?code={channel}&temp=xsqbmxxgk_list`.
    Query,
    /// The folder below the site's: `/{site}/{channel}/list.shtml`.
    Folder,
    /// The script names it: `channelCode = "{channel}"` on `/{site}/zfxxgk/nb.shtml`.
    Script,
    /// The script names a numeric channel id: `"channelId[]": "…"`.
    ScriptId,
}

/// Which characters the portal's labels use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    Simplified,
    Traditional,
}

/// The bytes a portal sends and whether it says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    Utf8 { declared: bool },
    Gbk { declared: bool },
    Big5 { declared: bool },
}

/// How an HTML list names its other pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pager {
    /// Only a next link with this text (下一页, 下一頁, 后页, ›, Next …), plus 首页/尾页.
    Next(&'static str),
    /// Links to every page by number.
    Numbered,
    /// A `<select>` jump box with one option per page.
    Select,
    /// TRS `createPageHTML(count, current, "index", "html")` (TRS family only).
    Script,
    /// 首页/上一页/next/尾页 links that call `goPage(N)`, a function of the page's script that
    /// opens the page's URL (families whose page URLs end in the page number).
    PageFunction,
    /// ASP.NET AspNetPager: `javascript:__doPostBack('AspNetPager1','N')` links post the page's
    /// form back, whose `__VIEWSTATE` the server checks (ASP family only).
    PostBack,
}

/// How the page count is printed beside the pager.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stated {
    /// Nothing printed.
    None,
    /// `共N页` / `共N頁` and `共M条` / `共M條`.
    Total,
    /// `第1/3页`.
    Slash,
}

/// Where the 首页 link of the pager points (page 1 under a second URL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstLink {
    /// The section URL itself.
    Section,
    /// `…&page=1` (ASP) or `index_0.html` (TRS).
    Alias,
}

/// How a portal files its years.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YearLayout {
    /// One list of every year.
    Flat,
    /// A channel-only index page linking per-year sub-channels, each its own list; the link
    /// text is `2019年度`, `2019年` or `二〇一九年` (by `YearLabel`).
    SubChannels(YearLabel),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YearLabel {
    Digits,
    DigitsNiandu,
    Hanzi,
    /// A folder named as the report: `2019年政府信息公开工作年度报告`.
    ReportFolder,
    /// `2019年报`.
    Nianbao,
    /// `2019年度报告`.
    NianduBaogao,
}

/// How a channel index offers its years: a list of links, a `<select>` jump box, or a block a
/// year titled with its label, holding the year's newest items and a 更多 link to its list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YearNav {
    Links,
    Select,
    Blocks,
}

/// One item of a zoo portal's lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZooItem {
    pub id: u32,
    pub title: String,
    pub date: NaiveDate,
    /// `Some(year)` for an annual report on that year.
    pub report_year: Option<i32>,
    /// The list it sits in: `None` for the section's own list, `Some(year)` for a sub-channel.
    pub list: Option<i32>,
}

/// One generated portal.
#[derive(Debug, Clone)]
pub struct ZooSpec {
    /// Short id, e.g. `z07-trs`.
    pub name: String,
    /// Government name, e.g. `青山区人民政府`; unique within a zoo.
    pub portal_name: String,
    /// The body report titles name, e.g. `青山区`.
    pub body: String,
    pub family: ZooFamily,
    pub script: Script,
    pub charset: Charset,
    pub pager: Pager,
    pub stated: Stated,
    pub first_link: FirstLink,
    /// The word of the pager's next link (every HTML pager but `createPageHTML` prints one).
    pub next_word: &'static str,
    pub years: YearLayout,
    pub year_nav: YearNav,
    pub page_size: usize,
    /// Hanweb: records per dataproxy range group (`groupSize`), and whether the column states
    /// `totalRecord`.
    pub group_size: usize,
    pub states_total: bool,
    /// ASP: the list is named by a Chinese query value (`lb=年报`), sent in the page's encoding.
    pub chinese_query: bool,
    /// UCAP: how the column shell names its channel and site.
    pub ucap: UcapStyle,
    /// Newest first within each list.
    pub items: Vec<ZooItem>,
}

/// What a correct harvester finds on one zoo portal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZooTruth {
    /// Annual-report items: request target (path?query) -> (title, report year).
    pub reports: Vec<(String, String, i32)>,
    /// Every list as the run report keys it (`all` or the year) and how many items it lists.
    pub lists: Vec<(String, u64)>,
}

impl ZooSpec {
    /// Items of one list, newest first.
    pub fn listed(&self, list: Option<i32>) -> Vec<&ZooItem> {
        self.items.iter().filter(|i| i.list == list).collect()
    }

    /// The lists this portal has: the section's own, or one per sub-channel year.
    pub fn lists(&self) -> Vec<Option<i32>> {
        match self.years {
            YearLayout::Flat => vec![None],
            YearLayout::SubChannels(_) => {
                let mut years: Vec<i32> = self.items.iter().filter_map(|i| i.list).collect();
                years.sort_unstable_by(|a, b| b.cmp(a));
                years.dedup();
                years.into_iter().map(Some).collect()
            }
        }
    }

    pub fn truth(&self) -> ZooTruth {
        let reports = self
            .items
            .iter()
            .filter_map(|i| {
                Some((
                    render::item_target(self, i),
                    i.title.clone(),
                    i.report_year?,
                ))
            })
            .collect();
        let lists = self
            .lists()
            .into_iter()
            .map(|l| {
                let key = l.map_or_else(|| "all".to_string(), |y| y.to_string());
                (key, self.listed(l).len() as u64)
            })
            .collect();
        ZooTruth { reports, lists }
    }

    /// The URL (request target) nianbao is configured with.
    pub fn section_target(&self) -> String {
        render::section_target(self)
    }

    /// The `list_api` value the portal needs in config, when it is a JSON list API.
    pub fn list_api(&self) -> Option<&'static str> {
        match self.family {
            ZooFamily::TrsXxgk => Some("trs_xxgk"),
            ZooFamily::Gkmlpt => Some("gkmlpt"),
            _ => None,
        }
    }

    /// A one-line description of the variant, for test failure messages.
    pub fn describe(&self) -> String {
        format!(
            "{} {:?} {:?} {:?} pager {:?} stated {:?} first {:?} years {:?} {:?} page_size {} items {} ucap {:?} total {}",
            self.name,
            self.family,
            self.script,
            self.charset,
            self.pager,
            self.stated,
            self.first_link,
            self.years,
            self.year_nav,
            self.page_size,
            self.items.len(),
            self.ucap,
            self.states_total
        )
    }
}

/// A running zoo portal.
#[derive(Clone)]
pub struct ZooSite {
    pub spec: Arc<ZooSpec>,
    /// `http://IP:PORT`
    pub base: String,
    log: Arc<Mutex<Vec<(String, u16)>>>,
}

impl ZooSite {
    /// Every request target received and the status it was answered with, in arrival order.
    pub fn requests(&self) -> Vec<(String, u16)> {
        self.log
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    pub fn section_url(&self) -> String {
        format!("{}{}", self.base, self.spec.section_target())
    }
}

/// The running zoo. Dropping it stops every portal.
pub struct Zoo {
    pub sites: Vec<ZooSite>,
    tasks: Vec<JoinHandle<()>>,
}

impl Zoo {
    /// Serves each portal on its own 127.0.1.x (x = 1, 2, …), or 127.0.0.1 where that address
    /// cannot be bound, at an ephemeral port.
    pub async fn start(specs: Vec<ZooSpec>) -> std::io::Result<Zoo> {
        let mut sites = Vec::new();
        let mut tasks = Vec::new();
        for (i, spec) in specs.into_iter().enumerate() {
            let octet = u8::try_from(1 + i).unwrap_or(254);
            let listener = match TcpListener::bind((Ipv4Addr::new(127, 0, 1, octet), 0)).await {
                Ok(l) => l,
                Err(_) => TcpListener::bind((IpAddr::V4(Ipv4Addr::LOCALHOST), 0)).await?,
            };
            let site = ZooSite {
                spec: Arc::new(spec),
                base: format!("http://{}", listener.local_addr()?),
                log: Arc::new(Mutex::new(Vec::new())),
            };
            tasks.push(tokio::spawn(serve::serve(
                listener,
                site.spec.clone(),
                site.log.clone(),
            )));
            sites.push(site);
        }
        Ok(Zoo { sites, tasks })
    }

    /// A nianbao `config.toml` crawling every portal's section.
    pub fn config_toml(&self, data_dir: &Path, per_host_interval: Duration) -> String {
        let mut out = format!(
            "data_dir = {}\n\n[politeness]\nuser_agent = \"nianbao-test/0.1 (+http://127.0.0.1/contact)\"\n\
             per_host_interval = \"{}\"\nrespect_robots = true\n\n\
             [fetch]\ntimeout = \"5s\"\nmax_retries = 2\nretry_base = \"50ms\"\n",
            crate::toml_str(&data_dir.to_string_lossy()),
            humantime::format_duration(per_host_interval)
        );
        for site in &self.sites {
            out.push_str(&format!(
                "\n[[portal]]\nname = {}\nurl = {}\n",
                crate::toml_str(&site.spec.portal_name),
                crate::toml_str(&site.section_url())
            ));
            if let Some(api) = site.spec.list_api() {
                out.push_str(&format!("list_api = \"{api}\"\n"));
            }
        }
        out
    }
}

impl Drop for Zoo {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}
