//! Simulator page chrome: the header, navigation, breadcrumbs, sub-column menu and footer shared
//! by every page of a simulated portal, the column pages its navigation links to, and the byte
//! encoding and headers each CMS family answers with. Pure rendering over the site model.

use super::Family;
use super::http::Response;
use super::report::Script;
use super::site::SiteState;

/// The look and wire habits of one family.
pub(crate) struct Skin {
    pub script: Script,
    /// Top navigation: (label, path). Every path is served as a column page.
    pub nav: &'static [(&'static str, &'static str)],
    /// Other columns of 政务公开, linked from sub-column menus; served as column pages.
    pub columns: &'static [(&'static str, &'static str)],
    pub site_code: &'static str,
    pub icp: &'static str,
    pub friends: &'static [(&'static str, &'static str)],
}

const FRIENDS_XJ: &[(&str, &str)] = &[
    ("中国政府网", "http://www.gov.cn/"),
    ("新疆维吾尔自治区人民政府", "http://www.xinjiang.gov.cn/"),
    ("国家政务服务平台", "http://gjzwfw.www.gov.cn/"),
];
const FRIENDS_JL: &[(&str, &str)] = &[
    ("中国政府网", "http://www.gov.cn/"),
    ("吉林省人民政府", "http://www.jl.gov.cn/"),
    ("通化市人民政府", "http://www.tonghua.gov.cn/"),
];
const FRIENDS_JL_TW: &[(&str, &str)] = &[
    ("中國政府網", "http://www.gov.cn/"),
    ("吉林省人民政府", "http://www.jl.gov.cn/"),
];

/// The sub-column menu of a family's 政务公开 columns, ending with the annual-report section.
pub(crate) fn column_menu(family: Family, section: &str) -> Vec<(String, String)> {
    skin(family)
        .columns
        .iter()
        .map(|(label, path)| (label.to_string(), path.to_string()))
        .chain(std::iter::once((
            "政府信息公开年报".to_string(),
            section.to_string(),
        )))
        .collect()
}

pub(crate) fn skin(family: Family) -> Skin {
    match family {
        Family::Trs | Family::Blocked => Skin {
            script: Script::Simplified,
            nav: &[
                ("首页", "/index.html"),
                ("新闻中心", "/xwzx/index.html"),
                ("政务公开", "/zwgk/index.html"),
                ("政策文件", "/zwgk/zcwj/index.html"),
                ("互动交流", "/hdjl/index.html"),
                ("站内搜索", "/search/index.html"),
            ],
            columns: &[],
            site_code: "6530010001",
            icp: "新ICP备05001234号-1",
            friends: FRIENDS_XJ,
        },
        Family::Hanweb => Skin {
            script: Script::Simplified,
            nav: &[
                ("首页", "/index.html"),
                ("新闻中心", "/col/col1201/index.html"),
                ("政务公开", "/col/col1230/index.html"),
                ("政策文件", "/col/col1235/index.html"),
                ("互动交流", "/col/col1260/index.html"),
                ("站内搜索", "/search/index.html"),
            ],
            columns: &[
                ("政府信息公开指南", "/col/col1231/index.html"),
                ("政府信息公开制度", "/col/col1232/index.html"),
                ("法定主动公开内容", "/col/col1233/index.html"),
            ],
            site_code: "6543010002",
            icp: "新ICP备12000456号",
            friends: FRIENDS_XJ,
        },
        Family::LegacyGbk => Skin {
            script: Script::Simplified,
            nav: &[
                ("首页", "/index.asp"),
                ("新闻动态", "/news/list.asp"),
                ("信息公开", "/xxgk/index.asp"),
                ("政策文件", "/xxgk/zcwj/list.asp"),
                ("站内搜索", "/search/search.asp"),
            ],
            columns: &[
                ("信息公开指南", "/xxgk/zn/list.asp"),
                ("信息公开制度", "/xxgk/zd/list.asp"),
            ],
            site_code: "6527020003",
            icp: "新ICP备13000789号",
            friends: FRIENDS_XJ,
        },
        Family::Big5 => Skin {
            script: Script::Traditional,
            nav: &[
                ("首頁", "/index.html"),
                ("新聞中心", "/xwzx/index.html"),
                ("資訊公開", "/xxgk/index.html"),
                ("站內搜尋", "/search/index.html"),
            ],
            columns: &[("政府資訊公開指南", "/xxgk/zn/index.html")],
            site_code: "2205820004",
            icp: "吉ICP備05004321號",
            friends: FRIENDS_JL_TW,
        },
        Family::NoMeta | Family::Hostile => Skin {
            script: Script::Simplified,
            nav: &[
                ("首页", "/index.html"),
                ("新闻动态", "/xwdt/index.html"),
                ("政务公开", "/zwgk/index.html"),
                ("站内搜索", "/search/index.html"),
            ],
            columns: &[("政务动态", "/zwgk/zwdt/index.html")],
            site_code: "2205820005",
            icp: "吉ICP备05008765号",
            friends: FRIENDS_JL,
        },
    }
}

/// The parts of one page inside the chrome.
pub(crate) struct Page {
    pub title: String,
    /// Extra `<head>` markup (meta tags, scripts).
    pub head_extra: String,
    /// Breadcrumb after 首页: (label, link).
    pub crumbs: Vec<(String, Option<String>)>,
    pub side_title: String,
    pub side: Vec<(String, String)>,
    pub main: String,
}

/// Wraps `page` in the site chrome.
pub(crate) fn render(st: &SiteState, page: &Page) -> String {
    let skin = skin(st.spec.family);
    let tw = skin.script == Script::Traditional;
    let portal = &st.spec.portal_name;
    let (here, home, links, code, record, contact) = if tw {
        (
            "當前位置：",
            "首頁",
            "友情鏈接",
            "網站標識碼",
            "備案號",
            "主辦單位",
        )
    } else {
        (
            "当前位置：",
            "首页",
            "友情链接",
            "网站标识码",
            "备案号",
            "主办单位",
        )
    };
    let mut nav = String::new();
    for (label, path) in skin.nav {
        nav.push_str(&format!("<li><a href=\"{path}\">{label}</a></li>"));
    }
    let mut crumbs = format!(
        "<a href=\"{}\">{home}</a>",
        skin.nav.first().map(|n| n.1).unwrap_or("/")
    );
    for (label, link) in &page.crumbs {
        match link {
            Some(href) => crumbs.push_str(&format!(" &gt; <a href=\"{href}\">{label}</a>")),
            None => crumbs.push_str(&format!(" &gt; <span>{label}</span>")),
        }
    }
    let mut side = String::new();
    for (label, href) in &page.side {
        side.push_str(&format!("<li><a href=\"{href}\">{label}</a></li>\n"));
    }
    let mut friends = String::new();
    for (label, href) in skin.friends {
        friends.push_str(&format!(
            "<a href=\"{href}\" target=\"_blank\">{label}</a>\n"
        ));
    }
    format!(
        "<!DOCTYPE html>\n<html>\n<head>\n{head}<title>{title}</title>\n<link rel=\"stylesheet\" href=\"/images/style.css\">\n</head>\n<body>\n\
<div class=\"top\"><div class=\"logo\"><a href=\"{home_href}\">{portal}</a></div>\n<ul class=\"nav\">{nav}</ul></div>\n\
<div class=\"position\">{here}{crumbs}</div>\n\
<div class=\"container\">\n<div class=\"left\"><div class=\"left-title\">{side_title}</div>\n<ul class=\"sub-menu\">\n{side}</ul></div>\n\
<div class=\"right\">\n{main}\n</div>\n</div>\n\
<div class=\"footer\">\n<div class=\"links\">{links}：\n{friends}</div>\n\
<p>{contact}：{portal}办公室　{code}：{site_code}　<a href=\"https://beian.miit.gov.cn/\" target=\"_blank\">{icp}</a>　{record}</p>\n</div>\n</body>\n</html>\n",
        head = page.head_extra,
        title = page.title,
        home_href = skin.nav.first().map(|n| n.1).unwrap_or("/"),
        side_title = page.side_title,
        main = page.main,
        site_code = skin.site_code,
        icp = skin.icp,
    )
}

/// The bytes and headers a family sends for an HTML page.
pub(crate) fn html_response(family: Family, status: u16, html: &str) -> Response {
    match family {
        Family::Trs => Response::new(status, "text/html; charset=UTF-8", html.as_bytes().to_vec())
            .header("Server", "nginx"),
        Family::Hanweb => {
            Response::new(status, "text/html;charset=UTF-8", html.as_bytes().to_vec())
                .header("Server", "nginx")
                .header("X-Frame-Options", "SAMEORIGIN")
        }
        Family::LegacyGbk => {
            // The label says gb2312 but the bytes are GBK: names carry GBK-only characters.
            let (bytes, _, _) = encoding_rs::GBK.encode(html);
            Response::new(status, "text/html; charset=gb2312", bytes.into_owned())
                .header("Server", "Microsoft-IIS/6.0")
                .header("X-Powered-By", "ASP.NET")
        }
        Family::Big5 => {
            let (bytes, _, _) = encoding_rs::BIG5.encode(html);
            Response::new(status, "text/html", bytes.into_owned()).header("Server", "Apache")
        }
        Family::Hostile => {
            Response::new(status, "text/html; charset=utf-8", html.as_bytes().to_vec())
                .header("Server", "nginx")
        }
        Family::NoMeta => {
            let mut resp =
                Response::new(status, "text/html; charset=utf-8", html.as_bytes().to_vec())
                    .header("Server", "nginx/1.18.0");
            resp.gzip_when_accepted = true;
            resp.chunked = true;
            resp
        }
        Family::Blocked => Response::new(status, "text/html", html.as_bytes().to_vec()),
    }
}

/// A column page for any navigation or sub-menu path of the site (headlines, no item links).
pub(crate) fn column_page(st: &SiteState, path: &str) -> Option<Response> {
    let skin = skin(st.spec.family);
    let (label, _) = skin
        .nav
        .iter()
        .chain(skin.columns)
        .find(|(_, p)| *p == path)?;
    let headlines = if skin.script == Script::Traditional {
        [
            "本市召開全市經濟工作會議",
            "市政府常務會議研究部署重點工作",
            "全市開展安全生產大檢查",
        ]
    } else {
        [
            "我市召开全市经济工作会议",
            "市政府常务会议研究部署重点工作",
            "全市开展安全生产大检查",
        ]
    };
    let mut main = format!("<div class=\"column-title\">{label}</div>\n<ul class=\"news-list\">\n");
    for (i, h) in headlines.iter().enumerate() {
        main.push_str(&format!(
            "<li><span class=\"title\">{h}</span><span class=\"date\">2025-0{}-1{i}</span></li>\n",
            i + 1
        ));
    }
    main.push_str("</ul>\n");
    if path.starts_with("/search/") {
        main.push_str("<form action=\"/search/index.html\" method=\"get\"><input name=\"q\"><input type=\"submit\" value=\"搜索\"></form>\n");
    }
    let page = Page {
        title: format!("{label}-{}", st.spec.portal_name),
        head_extra: "<meta charset=\"utf-8\">\n".to_string(),
        crumbs: vec![(label.to_string(), None)],
        side_title: label.to_string(),
        side: skin
            .columns
            .iter()
            .map(|(l, p)| (l.to_string(), p.to_string()))
            .collect(),
        main,
    };
    Some(html_response(
        st.spec.family,
        200,
        &strip_charset(st.spec.family, render(st, &page)),
    ))
}

/// Families whose pages declare no charset (Big5) or a legacy one (GBK) must not carry the UTF-8
/// `<meta charset>` the column template starts with.
pub(crate) fn strip_charset(family: Family, html: String) -> String {
    match family {
        Family::Big5 => html.replace("<meta charset=\"utf-8\">\n", ""),
        Family::LegacyGbk => html.replace(
            "<meta charset=\"utf-8\">",
            "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">",
        ),
        _ => html,
    }
}

/// Page generation time for `generation`: a fixed base moved by the site's generation counter.
pub(crate) fn generated_at(generation: u64) -> String {
    let base = chrono::NaiveDate::from_ymd_opt(2025, 3, 1)
        .and_then(|d| d.and_hms_opt(8, 0, 0))
        .expect("2025-03-01 08:00:00 is a valid date-time");
    let secs = i64::try_from(generation).unwrap_or(i64::MAX / 2);
    (base + chrono::Duration::seconds(secs))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}
