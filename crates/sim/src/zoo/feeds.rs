//! Zoo data feeds: a Hanweb column page with its jpage datastore and the `dataproxy.jsp` record
//! ranges, and the JSON list APIs (TRS xxgk, gkmlpt), each page of which names its items.

use super::render::{HANWEB_COLUMN, html_page, item_target, page_items, pages_of, word};
use super::{ZooFamily, ZooItem, ZooSpec};
use crate::http::{Request, Response};

const DATAPROXY: &str = "/module/web/jpage/dataproxy.jsp";

fn hanweb_record(spec: &ZooSpec, item: &ZooItem) -> String {
    format!(
        "<record><![CDATA[<li><a href=\"{}\" title=\"{t}\" target=\"_blank\">{t}</a><span>{}</span></li>]]></record>\n",
        item_target(spec, item),
        item.date.format("%Y-%m-%d"),
        t = item.title
    )
}

pub(super) fn hanweb(spec: &ZooSpec, req: &Request) -> Option<Response> {
    let listed = spec.listed(None);
    let per = spec.page_size.max(1);
    let step = per * spec.group_size.max(1);
    if req.path() == format!("/col/col{HANWEB_COLUMN}/index.html") {
        let records: String = listed
            .iter()
            .take(step)
            .map(|i| hanweb_record(spec, i))
            .collect();
        let total = if spec.states_total {
            format!("totalRecord:{}, ", listed.len())
        } else {
            String::new()
        };
        let body = format!(
            "<div class=\"column-title\">{}</div><div id=\"4501\">\
             <script type=\"text/xml\"><datastore><recordset>\n{records}</recordset></datastore></script></div>\
             <script>$(document).ready(function(){{ $('#4501').jpage({{ dataStore: dataStore, {total}perPage:{per}, groupSize:{g}, \
             proxyUrl:'{DATAPROXY}', ajaxParam:{{ columnid:{HANWEB_COLUMN}, unitid:4501, webid:1, appid:1, path:'/', permissiontype:0 }} }}); }});</script>",
            word(spec, "政府信息公开年报", "政府信息公開年報"),
            g = spec.group_size.max(1),
        );
        return Some(html_page(spec, word(spec, "年报", "年報"), &body));
    }
    if req.path() != DATAPROXY {
        return None;
    }
    let number = |k: &str| req.param(k).and_then(|v| v.parse::<usize>().ok());
    let start = number("startrecord")?.max(1);
    let end = number("endrecord")?;
    let records: String = listed
        .iter()
        .skip(start - 1)
        .take((end + 1).saturating_sub(start))
        .map(|i| hanweb_record(spec, i))
        .collect();
    let total = if spec.states_total {
        format!("<totalrecord>{}</totalrecord>", listed.len())
    } else {
        String::new()
    };
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><datastore>{total}<recordset>\n{records}</recordset></datastore>"
    );
    Some(Response::new(
        200,
        "text/xml; charset=utf-8",
        body.into_bytes(),
    ))
}

pub(super) fn json_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

pub(super) fn json_api(spec: &ZooSpec, req: &Request) -> Option<Response> {
    let listed = spec.listed(None);
    let pages = pages_of(spec, None);
    let page_key = match spec.family {
        ZooFamily::TrsXxgk if req.path() == "/api/xxgk/list" => "pageNo",
        ZooFamily::Gkmlpt if req.path() == "/gkmlpt/api/all/2361" => "page",
        _ => return None,
    };
    let page = req.param(page_key)?.parse::<usize>().ok()?;
    let items: Vec<&ZooItem> = if page == 0 || page > pages {
        Vec::new()
    } else {
        page_items(spec, None, page)
    };
    let host = req.header("host").unwrap_or("127.0.0.1");
    let body = match spec.family {
        ZooFamily::TrsXxgk => {
            let rows: Vec<String> = items
                .iter()
                .map(|i| {
                    format!(
                        "{{\"IdxID\":\"ZOO-{id}\",\"URL\":\"{url}\",\"FILENAME\":\"{t}\",\"PUBLISHER\":\"{p}\",\"PUBDATE\":\"{d}\"}}",
                        id = i.id,
                        url = item_target(spec, i),
                        t = json_escape(&i.title),
                        p = json_escape(&spec.portal_name),
                        d = i.date.format("%Y-%m-%d")
                    )
                })
                .collect();
            format!(
                "{{\"total\":{},\"totalPage\":{pages},\"pageNo\":{page},\"data\":[{}]}}",
                listed.len(),
                rows.join(",")
            )
        }
        _ => {
            let rows: Vec<String> = items
                .iter()
                .map(|i| {
                    let secs = i
                        .date
                        .and_hms_opt(9, 30, 0)
                        .map_or(0, |t| t.and_utc().timestamp());
                    format!(
                        "{{\"id\":{id},\"title\":\"{t}\",\"url\":\"http://{host}{path}\",\"publisher\":\"{p}\",\"identifier\":\"ZOO-{id}\",\"display_publish_time\":{secs},\"create_time\":{secs}}}",
                        id = i.id,
                        path = item_target(spec, i),
                        t = json_escape(&i.title),
                        p = json_escape(&spec.portal_name),
                    )
                })
                .collect();
            format!(
                "{{\"articles\":[{}],\"total\":{},\"classify\":{{\"id\":2361,\"name\":\"年度报告\",\"count\":{}}}}}",
                rows.join(","),
                listed.len(),
                listed.len()
            )
        }
    };
    Some(Response::new(
        200,
        "application/json;charset=UTF-8",
        body.into_bytes(),
    ))
}
