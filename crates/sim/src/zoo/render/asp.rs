//! Zoo ASP list pages: the `list.asp` column (its query value percent-encoded in the portal's
//! encoding) and the ASP.NET WebForms variant whose pager posts back with a view state.

use super::{encoding, html_page, page_items, pager, pages_of, rows, word};
use crate::http::{Request, Response};
use crate::zoo::{FirstLink, Pager, ZooSpec};

/// The value naming the ASP list (`年报` / `年報`), percent-encoded in the page's encoding as a
/// browser sends it.
pub(super) fn asp_list_value(spec: &ZooSpec) -> String {
    let (enc, _, _) = encoding(spec);
    let raw = word(spec, "年报", "年報");
    url::form_urlencoded::byte_serialize(&enc.encode(raw).0).collect()
}

pub(super) fn asp_query_raw(spec: &ZooSpec) -> String {
    if spec.chinese_query {
        format!("lb={}", word(spec, "年报", "年報"))
    } else {
        "lmid=45".to_string()
    }
}

pub(super) fn asp(spec: &ZooSpec, req: &Request) -> Option<Response> {
    if req.path() != "/list.asp" {
        return None;
    }
    let params = req.params();
    let (want_key, want_value) = if spec.chinese_query {
        let (enc, _, _) = encoding(spec);
        ("lb", enc.encode(word(spec, "年报", "年報")).0.into_owned())
    } else {
        ("lmid", b"45".to_vec())
    };
    // The raw bytes of the query value: percent-decoding only, in whatever encoding it came.
    let value: Option<Vec<u8>> = req.query().split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == want_key).then(|| percent_decode(v))
    });
    let pages = pages_of(spec, None);
    let page: usize = if spec.pager == Pager::PostBack {
        match postback_page(req, pages) {
            Ok(page) => page,
            Err(error) => {
                return Some(Response::new(
                    500,
                    "text/html; charset=utf-8",
                    error.to_vec(),
                ));
            }
        }
    } else {
        params
            .iter()
            .find(|(k, _)| k == "page")
            .map_or(Some(1), |(_, v)| v.parse().ok())?
    };
    if value.as_deref() != Some(want_value.as_slice()) || page == 0 || page > pages {
        // Another list, or past the end: an empty list, as ASP sites answer.
        return Some(html_page(spec, "列表", &rows(spec, &[], |_| String::new())));
    }
    let q = asp_query_raw(spec);
    let first = match spec.first_link {
        FirstLink::Alias => format!("list.asp?{q}&page=1"),
        FirstLink::Section => format!("list.asp?{q}"),
    };
    let items = page_items(spec, None, page);
    let body = format!(
        "<h2>{}</h2>{}{}",
        word(spec, "政府信息公开年报", "政府信息公開年報"),
        rows(spec, &items, |i| format!("show.asp?id={}", i.id)),
        pager(
            spec,
            page,
            pages,
            spec.listed(None).len(),
            |p| format!("list.asp?{q}&page={p}"),
            first
        )
    );
    let body = if spec.pager == Pager::PostBack {
        postback_form(spec, &body, &format!("list.asp?{q}"), page)
    } else {
        body
    };
    Some(html_page(spec, word(spec, "年报", "年報"), &body))
}

/// The view state an ASP.NET list page `n` carries, and the page a posted one was issued for.
fn view_state(n: usize) -> String {
    format!("/wEPDwUKMTY+{n:03}/ZGRkQ==")
}

fn view_state_page(value: &str) -> Option<usize> {
    value
        .strip_prefix("/wEPDwUKMTY+")?
        .strip_suffix("/ZGRkQ==")?
        .parse()
        .ok()
}

/// The page an ASP.NET list answers: 1 to a GET, else the pager's argument of a postback that
/// carries a view state this list issued, as ASP.NET refuses any other ("Invalid viewstate").
fn postback_page(req: &Request, pages: usize) -> Result<usize, &'static [u8]> {
    if req.method != "POST" {
        return Ok(1);
    }
    let issued = req
        .param("__VIEWSTATE")
        .and_then(|v| view_state_page(&v))
        .is_some_and(|p| (1..=pages).contains(&p));
    if !issued || req.param("__EVENTTARGET").as_deref() != Some("AspNetPager1") {
        return Err(b"<html><body><h1>Server Error</h1>Invalid viewstate.</body></html>");
    }
    Ok(req
        .param("__EVENTARGUMENT")
        .and_then(|a| a.parse().ok())
        .unwrap_or(1))
}

/// A WebForms page: everything inside the one form, which a search box and a tree menu post
/// back too. On the older portals (no charset declared) the form opens between table rows, where
/// the HTML parser closes it at once and its fields become its siblings.
fn postback_form(spec: &ZooSpec, body: &str, action: &str, n: usize) -> String {
    let fields = format!(
        "<input type=\"hidden\" name=\"__EVENTTARGET\" id=\"__EVENTTARGET\" value=\"\" />\
         <input type=\"hidden\" name=\"__EVENTARGUMENT\" id=\"__EVENTARGUMENT\" value=\"\" />\
         <input type=\"hidden\" name=\"__VIEWSTATE\" id=\"__VIEWSTATE\" value=\"{}\" />",
        view_state(n)
    );
    let search = format!(
        "<input type=\"text\" name=\"txtKey\" value=\"\" /><input type=\"submit\" name=\"btnSearch\" value=\"{}\" />\
         <a href=\"javascript:__doPostBack('TreeView1','s2021')\">{}</a>",
        word(spec, "搜索", "搜索"),
        word(spec, "2021年", "2021年")
    );
    let script = "<script type=\"text/javascript\">function __doPostBack(eventTarget, eventArgument) {\
        var theForm = document.forms['form1']; theForm.__EVENTTARGET.value = eventTarget;\
        theForm.__EVENTARGUMENT.value = eventArgument; theForm.submit(); }</script>";
    let (_, _, declared) = encoding(spec);
    match declared {
        true => format!(
            "<form name=\"form1\" method=\"post\" action=\"{action}\" id=\"form1\"><div>{fields}</div>{script}{search}{body}</form>"
        ),
        false => format!(
            "<table><form name=\"form1\" method=\"post\" action=\"{action}\" id=\"form1\">\
             <tr><td>{fields}{script}{search}</td></tr><tr><td>{body}</td></tr></form></table>"
        ),
    }
}

fn percent_decode(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    out
}
