//! Zoo rendering: a request target -> the answer of one zoo portal (HTML list pages, channel
//! indexes and item pages in the portal's encoding); `feeds` answers the Hanweb and JSON list
//! requests, `serve` runs the accept loop; `asp` and `trs` render those families' list pages.

mod asp;
mod trs;

use chrono::Datelike;

use super::{Charset, Pager, Script, Stated, YearLayout, ZooFamily, ZooItem, ZooSpec};
use super::{feeds, ucap};
use crate::http::{Request, Response};
use asp::{asp, asp_list_value, asp_query_raw};
use trs::trs;

pub(super) const HANWEB_COLUMN: u32 = 1229;

fn traditional(spec: &ZooSpec) -> bool {
    spec.script == Script::Traditional
}

/// `simplified` or `traditional` by the portal's script.
pub(super) fn word<'a>(spec: &ZooSpec, simplified: &'a str, traditional_form: &'a str) -> &'a str {
    if traditional(spec) {
        traditional_form
    } else {
        simplified
    }
}

fn encoding(spec: &ZooSpec) -> (&'static encoding_rs::Encoding, &'static str, bool) {
    match spec.charset {
        Charset::Utf8 { declared } => (encoding_rs::UTF_8, "utf-8", declared),
        Charset::Gbk { declared } => (encoding_rs::GBK, "gb2312", declared),
        Charset::Big5 { declared } => (encoding_rs::BIG5, "big5", declared),
    }
}

/// A full HTML page in the portal's encoding, its charset declared in header and meta or not at
/// all.
pub(super) fn html_page(spec: &ZooSpec, title: &str, body: &str) -> Response {
    let (enc, label, declared) = encoding(spec);
    let meta = if declared {
        format!("<meta http-equiv=\"Content-Type\" content=\"text/html; charset={label}\">")
    } else {
        String::new()
    };
    let html = format!(
        "<!DOCTYPE html><html><head>{meta}<title>{title}</title></head><body>\
         <div class=\"top\"><a href=\"/\">{home}</a> <a href=\"/xxgk/\">{gk}</a></div>\n{body}\n\
         <div class=\"foot\">{host}：{portal}办公室 {icp}</div></body></html>",
        home = word(spec, "网站首页", "網站首頁"),
        gk = word(spec, "政府信息公开", "政府信息公開"),
        host = word(spec, "主办", "主辦"),
        portal = spec.portal_name,
        icp = "备案号：某ICP备00000000号",
    );
    let bytes = enc.encode(&html).0.into_owned();
    let content_type = if declared {
        format!("text/html; charset={label}")
    } else {
        "text/html".to_string()
    };
    Response::new(200, &content_type, bytes)
}

fn not_found() -> Response {
    Response::new(
        404,
        "text/html",
        b"<html><body><h1>404 Not Found</h1></body></html>".to_vec(),
    )
}

pub(super) fn section_target(spec: &ZooSpec) -> String {
    match spec.family {
        ZooFamily::Asp if spec.chinese_query => format!("/list.asp?lb={}", asp_list_value(spec)),
        ZooFamily::Asp => "/list.asp?lmid=45".to_string(),
        ZooFamily::Trs => match spec.years {
            YearLayout::Flat => "/xxgk/nb/index.html".to_string(),
            YearLayout::SubChannels(_) => "/xxgk/nb/".to_string(),
        },
        ZooFamily::Hanweb => format!("/col/col{HANWEB_COLUMN}/index.html"),
        ZooFamily::TrsXxgk => "/api/xxgk/list?pageNo=1&channel=nb".to_string(),
        ZooFamily::Gkmlpt => "/gkmlpt/api/all/2361?page=1&sid=755031".to_string(),
        ZooFamily::Ucap => ucap::section(spec),
    }
}

pub(super) fn item_target(spec: &ZooSpec, item: &ZooItem) -> String {
    let d = item.date;
    match spec.family {
        ZooFamily::Asp => format!("/show.asp?id={}", item.id),
        ZooFamily::Trs => {
            let dir = item.list.map_or_else(String::new, |y| format!("{y}/"));
            format!(
                "/xxgk/nb/{dir}{}/t{}_{}.html",
                d.format("%Y%m"),
                d.format("%Y%m%d"),
                item.id
            )
        }
        ZooFamily::Hanweb => format!(
            "/art/{}/{}/{}/art_{HANWEB_COLUMN}_{}.html",
            d.year(),
            d.month(),
            d.day(),
            item.id
        ),
        ZooFamily::TrsXxgk => format!("/xxgk/{}/{}.shtml", d.format("%Y%m"), item.id),
        ZooFamily::Gkmlpt => format!("/gkmlpt/content/0/{}/post_{}.html", item.id / 1000, item.id),
        ZooFamily::Ucap => format!(
            "/{}/{}/{}/{:032x}.shtml",
            ucap::SITE,
            ucap::CHANNEL,
            d.format("%Y%m"),
            u128::from(item.id).wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835)
        ),
    }
}

pub(super) fn route(spec: &ZooSpec, req: &Request) -> Response {
    let target = req.target.as_str();
    if req.path() == "/robots.txt" {
        return Response::new(
            200,
            "text/plain",
            b"User-agent: *\nDisallow: /admin/\n".to_vec(),
        );
    }
    if let Some(item) = spec.items.iter().find(|i| item_target(spec, i) == target) {
        return item_page(spec, item);
    }
    if let Some(page) = home(spec, req.path()) {
        return page;
    }
    let answer = match spec.family {
        ZooFamily::Asp => asp(spec, req),
        ZooFamily::Trs => trs(spec, req),
        ZooFamily::Hanweb => feeds::hanweb(spec, req),
        ZooFamily::TrsXxgk | ZooFamily::Gkmlpt => feeds::json_api(spec, req),
        ZooFamily::Ucap => ucap::answer(spec, req),
    };
    answer.unwrap_or_else(not_found)
}

/// The page a script fills with a JSON list family's column, as its portal links it.
pub(super) const SCRIPTED_COLUMN: &str = "/zwgk/nb.html";

/// The portal's home page, its 政务公开 page linking the 年报 column as a reader finds it
/// (`nianbao find-section`), and, for the JSON list families, the column page a script fills.
fn home(spec: &ZooSpec, path: &str) -> Option<Response> {
    let column = match spec.family {
        ZooFamily::Asp => format!("/list.asp?{}", asp_query_raw(spec)),
        ZooFamily::TrsXxgk | ZooFamily::Gkmlpt => SCRIPTED_COLUMN.to_string(),
        _ => section_target(spec),
    };
    let page = match path {
        "/" => html_page(
            spec,
            &format!("{}{}", spec.portal_name, word(spec, "门户网站", "門戶網站")),
            &format!(
                "<div class=\"nav\"><a href=\"/zwgk/\">{}</a> <a href=\"/admin/\">{}</a></div>",
                word(spec, "政务公开", "政務公開"),
                word(spec, "政府信息公开平台管理", "政府信息公開平台管理"),
            ),
        ),
        "/zwgk/" => html_page(
            spec,
            word(spec, "政务公开", "政務公開"),
            &format!(
                "<ul class=\"menu\"><li><a href=\"/zwgk/zn/\">{}</a></li><li><a href=\"{}\">{}</a></li></ul>",
                word(spec, "政府信息公开指南", "政府資訊公開指南"),
                column.replace('&', "&amp;"),
                word(spec, "政府信息公开年报", "政府資訊公開年報"),
            ),
        ),
        SCRIPTED_COLUMN if spec.family == ZooFamily::Gkmlpt => html_page(
            spec,
            word(spec, "政府信息公开年报", "政府資訊公開年報"),
            "<div id=\"app\"></div><script src=\"/gkmlpt/static/js/config.js\"></script><script>window.GKMLPT = { SID: '755031', BASE: '/gkmlpt/' };</script>\
             <script src=\"/gkmlpt/static/js/index.js\"></script>",
        ),
        SCRIPTED_COLUMN if spec.family == ZooFamily::TrsXxgk => html_page(
            spec,
            word(spec, "政府信息公开年报", "政府資訊公開年報"),
            "<ul class=\"list\"></ul><div id=\"page\"></div><script>\
             $.ajax({url: '/api/xxgk/list?channel=nb', success: function (d) { laypage.render({elem: 'page', count: d.total}); }});</script>",
        ),
        _ => return None,
    };
    Some(page)
}

pub(super) fn pages_of(spec: &ZooSpec, list: Option<i32>) -> usize {
    spec.listed(list)
        .len()
        .div_ceil(spec.page_size.max(1))
        .max(1)
}

/// Items of page `n` (1-based) of one list.
pub(super) fn page_items(spec: &ZooSpec, list: Option<i32>, n: usize) -> Vec<&ZooItem> {
    let size = spec.page_size.max(1);
    spec.listed(list)
        .into_iter()
        .skip((n - 1) * size)
        .take(size)
        .collect()
}

fn rows(spec: &ZooSpec, items: &[&ZooItem], href: impl Fn(&ZooItem) -> String) -> String {
    let mut out = String::from("<ul class=\"list\">\n");
    for item in items {
        out.push_str(&format!(
            "<li><a href=\"{}\" target=\"_blank\" title=\"{t}\">{t}</a><span class=\"date\">{}</span></li>\n",
            href(item),
            item.date.format("%Y-%m-%d"),
            t = item.title,
        ));
    }
    out.push_str("</ul>\n");
    if items.is_empty() {
        out.push_str(word(spec, "<p>暂无信息</p>", "<p>暫無信息</p>"));
    }
    out
}

/// An HTML pager for page `n` of `pages`; `link(p)` is page p's href.
fn pager(
    spec: &ZooSpec,
    n: usize,
    pages: usize,
    total: usize,
    link: impl Fn(usize) -> String,
    first: String,
) -> String {
    let mut out = String::from("<div class=\"page\">");
    match spec.stated {
        Stated::None => {}
        Stated::Total => out.push_str(&format!(
            "{} {} ",
            word(spec, &format!("共{total}条"), &format!("共{total}條")),
            word(spec, &format!("共{pages}页"), &format!("共{pages}頁")),
        )),
        Stated::Slash => out.push_str(&format!(
            "{}{n}/{pages}{} ",
            word(spec, "第", "第"),
            word(spec, "页", "頁")
        )),
    }
    let home = word(spec, "首页", "首頁");
    let last = word(spec, "尾页", "尾頁");
    match &spec.pager {
        Pager::Next(next) => {
            out.push_str(&format!("<a href=\"{first}\">{home}</a> "));
            if n > 1 {
                let prev = if n == 2 { first.clone() } else { link(n - 1) };
                out.push_str(&format!("<a href=\"{prev}\">{}</a> ", word(spec, "上一页", "上一頁")));
            }
            if n < pages {
                out.push_str(&format!("<a href=\"{}\">{next}</a> ", link(n + 1)));
                out.push_str(&format!("<a href=\"{}\">{last}</a>", link(pages)));
            }
        }
        Pager::Numbered => {
            out.push_str(&format!("<a href=\"{first}\">{home}</a> "));
            for p in 1..=pages {
                if p == n {
                    out.push_str(&format!("<span class=\"current\">{p}</span> "));
                } else {
                    let href = if p == 1 { first.clone() } else { link(p) };
                    out.push_str(&format!("<a href=\"{href}\">{p}</a> "));
                }
            }
            if n < pages {
                out.push_str(&format!("<a href=\"{}\">{}</a>", link(n + 1), spec.next_word));
            }
        }
        Pager::Select => {
            out.push_str("<select name=\"jump\" onchange=\"window.location.href=this.value\">");
            for p in 1..=pages {
                let href = if p == 1 { first.clone() } else { link(p) };
                let selected = if p == n { " selected" } else { "" };
                out.push_str(&format!(
                    "<option value=\"{href}\"{selected}>{}{p}{}</option>",
                    word(spec, "第", "第"),
                    word(spec, "页", "頁")
                ));
            }
            out.push_str("</select>");
            if n < pages {
                out.push_str(&format!(" <a href=\"{}\">{}</a>", link(n + 1), spec.next_word));
            }
        }
        Pager::Script => out.push_str(&format!(
            "<script type=\"text/javascript\">createPageHTML({pages}, {}, \"index\", \"html\");</script>",
            n - 1
        )),
        Pager::PageFunction => {
            let call = |p: usize, label: &str| {
                format!("<a href=\"javascript:void(0)\" onclick=\"goPage({p})\">{label}</a> ")
            };
            out.push_str(&call(1, home));
            if n > 1 {
                out.push_str(&call(n - 1, word(spec, "上一页", "上一頁")));
            }
            if n < pages {
                out.push_str(&call(n + 1, spec.next_word));
                out.push_str(&call(pages, last));
            }
            // The page URLs of the families that offer this pager end in the page number.
            let second = link(2);
            let prefix = second.strip_suffix('2').unwrap_or(&second);
            out.push_str(&format!(
                "<script>function goPage(p){{ window.location.href = '{prefix}' + p; }}</script>"
            ));
        }
        Pager::PostBack => {
            // AspNetPager leaves the links to the page shown without an address.
            let post = |p: usize, label: &str| {
                if p == n {
                    format!("<a disabled=\"disabled\">{label}</a> ")
                } else {
                    format!("<a href=\"javascript:__doPostBack('AspNetPager1','{p}')\">{label}</a> ")
                }
            };
            out.push_str(&post(1, home));
            out.push_str(&post(n.saturating_sub(1).max(1), word(spec, "上一页", "上一頁")));
            for p in 1..=pages {
                if p == n {
                    out.push_str(&format!("<span class=\"current\">{p}</span> "));
                } else {
                    out.push_str(&post(p, &p.to_string()));
                }
            }
            out.push_str(&post((n + 1).min(pages), spec.next_word));
            out.push_str(&post(pages, last));
        }
    }
    out.push_str("</div>");
    out
}

fn item_page(spec: &ZooSpec, item: &ZooItem) -> Response {
    let date_label = word(spec, "发布日期", "發佈日期");
    let content = match item.report_year {
        Some(y) => format!(
            "<p>{}{y}年1月1日{}{y}年12月31日{}</p><p>{}</p>",
            word(
                spec,
                "本报告中所列统计数据时限从",
                "本報告中所列統計數據時限從"
            ),
            word(spec, "起至", "起至"),
            word(spec, "止。", "止。"),
            word(
                spec,
                "一、总体情况。本年度主动公开政府信息情况良好，依申请公开办理及时。",
                "一、總體情況。本年度主動公開政府信息情況良好，依申請公開辦理及時。"
            ),
        ),
        None => format!(
            "<p>{}</p>",
            word(
                spec,
                "各有关单位：现将有关事项通知如下，请认真贯彻执行。",
                "各有關單位：現將有關事項通知如下，請認真貫徹執行。"
            )
        ),
    };
    let body = format!(
        "<div class=\"article\"><h1>{t}</h1><div class=\"info\">{date_label}：{d}</div>\
         <div class=\"content\">{content}</div></div>",
        t = item.title,
        d = item.date.format("%Y-%m-%d"),
    );
    html_page(spec, &item.title, &body)
}
