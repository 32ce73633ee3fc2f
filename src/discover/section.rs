//! Section finding: which links of a portal's page lead towards the body's annual-report
//! section, by their labels. Since 国办公开办函〔2019〕61号 every body has one column named
//! 政府信息公开, with 政府信息公开工作年度报告 (年报) among its sub-columns, so the way from a home
//! page is a link labelled 政府信息公开 or 政务公开, then one labelled 年报 or 年度报告. Pure: a
//! page's URL and decoded text in, its labelled links out; `nianbao find-section` walks them.

use std::collections::HashSet;
use std::sync::LazyLock;

use encoding_rs::Encoding;
use scraper::{ElementRef, Selector};
use url::Url;

use crate::extract::is_annual_report_title;
use crate::page;
use crate::traditional::to_simplified;

/// What a link's label says of where it leads, most promising first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkRole {
    /// The annual-report column itself: `政府信息公开年报`, `年度报告`, `年報`.
    ReportColumn,
    /// The disclosure column or platform above it: `政府信息公开`, `政务公开`, `法定主动公开内容`.
    Disclosure,
    /// A body's name (`某某县财政局`, `某某镇人民政府`): on a platform's list of departments and
    /// towns, the way to that body's own columns. Followed only when every body is looked for.
    Body,
    /// One annual report (`XX县2022年政府信息公开工作年度报告`): its page's breadcrumb names the
    /// column it is filed under.
    Report,
}

/// A link of a page with the label a reader sees and what the label says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionLink {
    pub url: Url,
    pub label: String,
    pub role: LinkRole,
}

/// What one page says about where the section is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageSigns {
    /// `<title>`, whitespace collapsed.
    pub title: Option<String>,
    /// `<meta name="ColumnName">`: the CMS's name for the column the page belongs to.
    pub column_name: Option<String>,
    /// `<meta name="SiteIDCode">`: the 政府网站标识码, whose first six digits are the division.
    pub site_code: Option<String>,
    /// The page's links that lead towards the section, in page order, each URL once.
    pub links: Vec<SectionLink>,
    /// Where a page with no such links sends its reader (a refresh, a script that only sets
    /// `location`, its frames): home pages are often such shells.
    pub shell: Vec<Url>,
}

/// Words of an annual-report column's label.
const REPORT_WORDS: [&str; 2] = ["年报", "年度报告"];

/// Words of a disclosure column's label (资讯公开: 政府資訊公開 as Traditional portals print it).
const DISCLOSURE_WORDS: [&str; 6] = [
    "信息公开",
    "资讯公开",
    "政务公开",
    "公开目录",
    "主动公开",
    "政府公开",
];

/// Words that make a 年报 label another annual report: enterprises' filings with the market
/// regulator (企业年报公示), statistical yearbooks, budgets and accounts.
const OTHER_ANNUAL: [&str; 9] = [
    "企业", "工商", "统计", "财务", "决算", "预算", "公示", "报送", "填报",
];

/// Words that make a disclosure label a page of another part of the column: the guide, the
/// application forms, the rules, the search.
const NOT_THE_WAY: [&str; 7] = ["指南", "依申请", "申请表", "制度", "规定", "查询", "意见箱"];

/// A report column's label without a disclosure word is short (`年报`, `年度报告`, `年报专栏`);
/// longer ones name something else (`2022年度部门决算报告`).
const SHORT_LABEL_CHARS: usize = 6;

/// Labels longer than this are running text, not a column's name.
const MAX_LABEL_CHARS: usize = 60;

/// Links, image-map areas, and menu entries a script opens (`<li onclick="location.href='…'">`).
static LINKS: LazyLock<Selector> = LazyLock::new(|| {
    Selector::parse(
        "a[href], a[onclick], area[href], li[onclick], div[onclick], span[onclick], td[onclick]",
    )
    .expect("static selector is valid CSS")
});
static TITLE: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("title").expect("static selector is valid CSS"));
static META: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("meta[name][content]").expect("static selector is valid CSS"));
static IMAGES: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("img[alt]").expect("static selector is valid CSS"));

/// What a link labelled `label` leads to, if anything on the way to the section.
pub fn link_role(label: &str) -> Option<LinkRole> {
    let t: String = to_simplified(label)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let chars = t.chars().count();
    if chars == 0 || chars > MAX_LABEL_CHARS {
        return None;
    }
    if is_annual_report_title(&t) && t.chars().any(|c| c.is_ascii_digit() || c == '〇') {
        return Some(LinkRole::Report);
    }
    let disclosure = DISCLOSURE_WORDS.iter().any(|w| t.contains(w));
    if REPORT_WORDS.iter().any(|w| t.contains(w))
        && !OTHER_ANNUAL.iter().any(|w| t.contains(w))
        && (disclosure || chars <= SHORT_LABEL_CHARS)
    {
        return Some(LinkRole::ReportColumn);
    }
    if disclosure && !NOT_THE_WAY.iter().any(|w| t.contains(w)) {
        return Some(LinkRole::Disclosure);
    }
    if chars <= MAX_BODY_CHARS && BODY_ENDINGS.iter().any(|e| t.ends_with(e)) {
        return Some(LinkRole::Body);
    }
    None
}

/// A body's name is short (`某某县住房和城乡建设局`).
const MAX_BODY_CHARS: usize = 20;

/// What a body's name ends with, in Simplified, as a platform's list of bodies prints them
/// (not 中心 or 院: 新闻中心, 服务中心 are a portal's own columns).
const BODY_ENDINGS: [&str; 9] = [
    "局",
    "委员会",
    "委",
    "办公室",
    "政府",
    "街道",
    "办事处",
    "镇",
    "乡",
];

/// Reads the signs of one page: its title, column and site metas, and the links whose labels
/// lead towards the section (text, else the `title` attribute, else an image's `alt`), also
/// those that open their page by script (`onclick="window.open('…')"`, code that only sets
/// `location`). A page too complex to parse within the bounds has none.
pub fn read_signs(url: &Url, html: &str, encoding: &'static Encoding) -> PageSigns {
    let Ok(parsed) = page::parse(html) else {
        return PageSigns::default();
    };
    let doc = &parsed.doc;
    let base = super::base_url(doc, url, encoding);
    let mut signs = PageSigns {
        title: page::select(doc, &TITLE)
            .next()
            .map(|t| collapse(&t.text().collect::<String>()))
            .filter(|t| !t.is_empty()),
        ..PageSigns::default()
    };
    for meta in page::select(doc, &META) {
        let (Some(name), Some(content)) = (meta.value().attr("name"), meta.value().attr("content"))
        else {
            continue;
        };
        let content = collapse(content);
        if content.is_empty() {
            continue;
        }
        if name.eq_ignore_ascii_case("ColumnName") {
            signs.column_name.get_or_insert(content);
        } else if name.eq_ignore_ascii_case("SiteIDCode") {
            signs.site_code.get_or_insert(content);
        }
    }
    let mut seen = HashSet::new();
    for link in page::select(doc, &LINKS) {
        // The page the link opens: its href, or what its script opens.
        let Some(target) = super::dom::link_url(&base, link) else {
            continue;
        };
        if !matches!(target.scheme(), "http" | "https") {
            continue;
        }
        let label = label_of(link);
        let Some(role) = link_role(&label) else {
            continue;
        };
        let mut target = target;
        target.set_fragment(None);
        if !seen.insert(target.to_string()) {
            continue;
        }
        signs.links.push(SectionLink {
            url: target,
            label,
            role,
        });
    }
    if signs.links.is_empty() {
        signs.shell = super::script::shell_targets(doc, html, &base);
    }
    signs
}

/// The label a reader sees on a link: its text, else its `title`, else its image's `alt`.
fn label_of(link: ElementRef<'_>) -> String {
    let text = collapse(&link.text().collect::<String>());
    if !text.is_empty() {
        return text;
    }
    if let Some(title) = link.value().attr("title").map(collapse)
        && !title.is_empty()
    {
        return title;
    }
    link.select(&IMAGES)
        .filter_map(|img| img.value().attr("alt"))
        .map(collapse)
        .find(|alt| !alt.is_empty())
        .unwrap_or_default()
}

/// `text` with runs of whitespace (full-width spaces and `&nbsp;` too) as one space, trimmed.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The body's name in a home page's title (`XX县人民政府门户网站 - 首页`, `首页｜XX市生态环境局`):
/// the part that names a government or a department, without 门户网站, 官方网站 or 首页.
pub fn body_name(title: &str) -> Option<String> {
    // In this order: `…人民政府网门户网站` loses both.
    const SUFFIXES: [&str; 10] = [
        "门户网站",
        "門戶網站",
        "官方网站",
        "官方網站",
        "网站",
        "網站",
        "门户网",
        "門戶網",
        "网",
        "網",
    ];
    const BODIES: [&str; 22] = [
        "政府",
        "局",
        "委员会",
        "委員會",
        "管委会",
        "管委會",
        "委",
        "办公室",
        "辦公室",
        "办",
        "辦",
        "厅",
        "廳",
        "院",
        "街道",
        "中心",
        "办事处",
        "辦事處",
        "镇",
        "鎮",
        "乡",
        "鄉",
    ];
    title
        .split(['-', '_', '|', '｜', '—', '–', '·', '>', '»'])
        .map(|part| {
            let mut part = part.trim();
            for suffix in SUFFIXES {
                part = part.trim_end_matches(suffix).trim();
            }
            part
        })
        .filter(|part| !part.is_empty() && !matches!(*part, "首页" | "首頁" | "主页" | "主頁"))
        .find(|part| BODIES.iter().any(|b| part.ends_with(b)))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_lead_to_the_column_the_platform_or_a_report() {
        let cases = [
            ("政府信息公开年报", Some(LinkRole::ReportColumn)),
            ("政府信息公开工作年度报告", Some(LinkRole::ReportColumn)),
            ("年报", Some(LinkRole::ReportColumn)),
            ("年度报告", Some(LinkRole::ReportColumn)),
            ("年 报", Some(LinkRole::ReportColumn)),
            ("政府資訊公開年報", Some(LinkRole::ReportColumn)),
            ("年報專欄", Some(LinkRole::ReportColumn)),
            ("政府信息公开", Some(LinkRole::Disclosure)),
            ("政务公开", Some(LinkRole::Disclosure)),
            ("政務公開", Some(LinkRole::Disclosure)),
            ("政府資訊公開", Some(LinkRole::Disclosure)),
            ("法定主动公开内容", Some(LinkRole::Disclosure)),
            ("政府信息公开目录", Some(LinkRole::Disclosure)),
            ("XX县2022年政府信息公开工作年度报告", Some(LinkRole::Report)),
            ("二〇二二年政府信息公开工作年度报告", Some(LinkRole::Report)),
            // Other annual reports and other parts of the column.
            ("企业年报公示", None),
            ("统计年报", None),
            ("2022年度部门决算报告", None),
            ("政府信息公开指南", None),
            ("依申请公开", None),
            ("政府信息公开制度", None),
            ("信息公开规定", None),
            ("信息公开查询", None),
            ("首页", None),
            ("某某县财政局", Some(LinkRole::Body)),
            ("某某镇人民政府", Some(LinkRole::Body)),
            ("县住房和城乡建设局", Some(LinkRole::Body)),
            ("某某鎮", Some(LinkRole::Body)),
            ("新闻中心", None),
            ("新闻中心", None),
            ("", None),
        ];
        for (label, role) in cases {
            assert_eq!(link_role(label), role, "{label}");
        }
    }

    #[test]
    fn signs_name_the_links_title_and_metas() {
        let url = Url::parse("http://www.x.gov.cn/index.html").unwrap();
        let html = r#"<html><head><title>XX县人民政府门户网站</title>
            <meta name="SiteIDCode" content="5109030018">
            <meta name="ColumnName" content="首页"></head><body>
            <a href="/zwgk/">政务公开</a>
            <a href="/zwgk/" title="政务公开">政务公开</a>
            <a href="/xxgk/nb/"><img src="nb.png" alt="政府信息公开年报"></a>
            <a href="/xxgk/zn/">政府信息公开指南</a>
            <a href="javascript:void(0)">政府信息公开</a>
            <a href="/news/">新闻</a></body></html>"#;
        let signs = read_signs(&url, html, encoding_rs::UTF_8);
        assert_eq!(signs.title.as_deref(), Some("XX县人民政府门户网站"));
        assert_eq!(signs.site_code.as_deref(), Some("5109030018"));
        assert_eq!(signs.column_name.as_deref(), Some("首页"));
        let links: Vec<_> = signs
            .links
            .iter()
            .map(|l| (l.url.path(), l.label.as_str(), l.role))
            .collect();
        assert_eq!(
            links,
            [
                ("/zwgk/", "政务公开", LinkRole::Disclosure),
                ("/xxgk/nb/", "政府信息公开年报", LinkRole::ReportColumn),
            ]
        );
    }

    #[test]
    fn a_home_page_title_names_the_body() {
        let cases = [
            ("XX县人民政府门户网站", Some("XX县人民政府")),
            ("首页 - XX县人民政府", Some("XX县人民政府")),
            ("首页｜XX市生态环境局", Some("XX市生态环境局")),
            ("XX縣人民政府網門戶網站", Some("XX縣人民政府")),
            ("某某镇", Some("某某镇")),
            (
                "平潭综合实验区2024年度政府信息公开工作年度报告_政府信息公开年报_平潭综合实验区党工委管委会",
                Some("平潭综合实验区党工委管委会"),
            ),
            ("XX市人民政府办公室_首页", Some("XX市人民政府办公室")),
            ("欢迎访问", None),
        ];
        for (title, name) in cases {
            assert_eq!(body_name(title).as_deref(), name, "{title}");
        }
    }
}
