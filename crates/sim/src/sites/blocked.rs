//! Simulator bot-wall family: every page answers 412 with a synthetic 瑞数-style challenge (a
//! `<meta r="m">` token, the `$_ts` bootstrap script and an obfuscated script path), the way such
//! portals look to a crawler without a JavaScript engine.

use crate::Family;
use crate::http::Response;
use crate::page;
use crate::site::SiteState;

pub(super) const SECTION: &str = "/zwgk/xxgknb/index.html";

/// Token characters the challenge uses: letters, digits, `.` and `_`.
const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._";

/// A token of `len` characters derived from `seed` (each request gets a fresh one, as real walls do).
fn token(seed: u64, len: usize) -> String {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let i = usize::try_from(x % ALPHABET.len() as u64).unwrap_or(0);
            char::from(*ALPHABET.get(i).unwrap_or(&b'A'))
        })
        .collect()
}

pub(super) fn challenge(st: &SiteState) -> Response {
    let g = st.generation;
    let html = format!(
        "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\" \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n<html>\n<head>\n\
<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\n\
<meta content=\"{meta}\" r=\"m\"><!--[if lt IE 9]><script r='m'>document.createElement(\"section\")</script><![endif]-->\
<script type=\"text/javascript\" r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts={{}};$_ts.nsd={nsd};$_ts.cd=\"{cd}\";if($_ts.lcd)$_ts.lcd();</script>\
<script type=\"text/javascript\" charset=\"utf-8\" src=\"/tQrlMwxgEtCS/abc.{ver:x}.js\" r='m'></script></head>\n<body>\n</body>\n</html>\n\
<script type=\"text/javascript\" r='m'>_$a8();</script>\n",
        meta = token(g, 420),
        nsd = 10000 + g % 50000,
        cd = token(g ^ 0xABCD, 1600),
        ver = 0x0294_cc83_u64 ^ (g % 16),
    );
    let mut resp = page::html_response(Family::Blocked, 412, &html);
    resp.headers
        .push(("Server".to_string(), "Ruishu".to_string()));
    resp.headers.push((
        "Set-Cookie".to_string(),
        format!("NfBCSins2OywO={}; Path=/; HttpOnly", token(g ^ 0x5151, 40)),
    ));
    resp
}
