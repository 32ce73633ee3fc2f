//! Zoo 开普云 UCAP portals: a column shell page whose script names the site and channel, and the
//! `POST /queryList` API that fills it, one page of `data.results` per request at the page size
//! asked for. A request naming another site or channel gets an empty answer, as a real one
//! would: a harvester that reads the shell wrong finds nothing.

use super::feeds::json_escape;
use super::render::{html_page, item_target, word};
use super::{UcapChannel, ZooItem, ZooSpec};
use crate::http::{Request, Response};

pub(super) const SITE: &str = "zoormzf";
pub(super) const CHANNEL: &str = "zfxxgknb";
const CHANNEL_ID: &str = "1996820032029040640";
const API: &str = "/queryList";

/// The shell's address: the channel in its query, in its folder, or only in its script.
pub(super) fn section(spec: &ZooSpec) -> String {
    match spec.ucap.channel {
        UcapChannel::Query => {
            format!("/{SITE}/bmxxgk/xxgk.shtml?code={CHANNEL}&temp=xsqbmxxgk_list")
        }
        UcapChannel::Folder => format!("/{SITE}/{CHANNEL}/list.shtml"),
        UcapChannel::Script | UcapChannel::ScriptId => format!("/{SITE}/zfxxgk/nb.shtml"),
    }
}

fn shell(spec: &ZooSpec) -> Response {
    let (key, channel) = match spec.ucap.channel {
        UcapChannel::ScriptId => ("channelId[]", format!("\"{CHANNEL_ID}\"")),
        UcapChannel::Script => ("channelCode[]", format!("\"{CHANNEL}\"")),
        UcapChannel::Query | UcapChannel::Folder => ("channelCode[]", "getCode()".to_string()),
    };
    let declared = match spec.ucap.channel {
        UcapChannel::Script => format!("var channelCode = \"{CHANNEL}\";"),
        UcapChannel::ScriptId => format!("var opts = {{\"channelId[]\": \"{CHANNEL_ID}\"}};"),
        _ => String::new(),
    };
    let size = if spec.ucap.states_size {
        format!("pageSize: {},", spec.page_size)
    } else {
        String::new()
    };
    let body = format!(
        "<script type=\"text/javascript\">var websiteId = \"6f1e0c2a9b7d4e3f8a5c1b2d3e4f5a6b\", {var} = \"{SITE}\", websiteName = \"{name}\";</script>\n\
         <div class=\"column-title\">{title}</div><ul id=\"list\"></ul><div id=\"page\"></div>\n\
         <script>{declared} function load(n) {{ $.ajax({{ url: \"{API}\", type: \"post\", dataType: \"json\", \
         data: {{ current: n, {size} \"webSiteCode[]\": {var}, \"{key}\": {channel} }}, \
         success: function (res) {{ render(res.data.results); laypage({{ elem: 'page', count: res.data.total }}); }} }}); }} load(1);</script>",
        var = spec.ucap.site_var,
        name = spec.portal_name,
        title = word(spec, "政府信息公开年报", "政府信息公開年報"),
    );
    html_page(spec, word(spec, "年报", "年報"), &body)
}

fn result(spec: &ZooSpec, item: &ZooItem) -> String {
    // `urls` is a JSON object sent as a string, as the real API sends it.
    let urls = format!(
        "{{\\\"pc\\\":\\\"{}\\\",\\\"app\\\":\\\"\\\"}}",
        item_target(spec, item)
    );
    format!(
        "{{\"id\":\"{id}\",\"source\":{{\"title\":\"{t}\",\"showTitle\":\"{t}\",\"pubDate\":\"{d} 09:30:00\",\"urls\":\"{urls}\",\"metadata\":\"{{}}\",\"channelName\":\"{c}\"}}}}",
        id = item.id,
        t = json_escape(&item.title),
        d = item.date.format("%Y-%m-%d"),
        c = word(spec, "年报", "年報"),
    )
}

pub(super) fn answer(spec: &ZooSpec, req: &Request) -> Option<Response> {
    if req.method == "GET" && req.target == section(spec) {
        return Some(shell(spec));
    }
    if req.path() != API || req.method != "POST" {
        return None;
    }
    let number = |k: &str| req.param(k).and_then(|v| v.trim().parse::<usize>().ok());
    let current = number("current").unwrap_or(1).max(1);
    let size = number("pageSize").unwrap_or(10).clamp(1, 100);
    let ours = req.param("webSiteCode[]").as_deref() == Some(SITE)
        && match spec.ucap.channel {
            UcapChannel::ScriptId => req.param("channelId[]").as_deref() == Some(CHANNEL_ID),
            _ => req.param("channelCode[]").as_deref() == Some(CHANNEL),
        };
    let listed = if ours { spec.listed(None) } else { Vec::new() };
    let rows: Vec<String> = listed
        .iter()
        .skip((current - 1) * size)
        .take(size)
        .map(|i| result(spec, i))
        .collect();
    let total = if spec.states_total {
        format!(",\"total\":{}", listed.len())
    } else {
        String::new()
    };
    let body = format!(
        "{{\"code\":200,\"msg\":\"success\",\"data\":{{\"current\":{current},\"pageSize\":{size},\"results\":[{}]{total}}}}}",
        rows.join(",")
    );
    Some(Response::new(
        200,
        "application/json;charset=UTF-8",
        body.into_bytes(),
    ))
}
