//! Anti-bot challenge detection: 瑞数, 加速乐 / 知道创宇, 360 磐云 and generic cookie-and-reload
//! interstitials. A marker counts only on a page with little visible text, because passed
//! challenges leave their scripts on real content pages.

use super::{ChallengeKind, PageFacts};
use crate::decode::repair_mojibake_runs;

/// A challenge page shows at most this many visible characters (the 知道创宇 check page shows
/// a paragraph of explanation; real content pages show thousands).
const CHALLENGE_MAX_CHARS: usize = 400;
/// A generic interstitial is shorter still and mostly script.
const OTHER_MAX_CHARS: usize = 100;
/// 瑞数 challenges render nothing at all; a short real page that kept the `$_ts` script after the
/// challenge was passed still shows its title and a few lines.
const RUISHU_MAX_CHARS: usize = 50;

pub(super) fn detect(status: u16, text: &str, facts: &PageFacts) -> Option<ChallengeKind> {
    let visible = facts.visible_chars();
    if visible > CHALLENGE_MAX_CHARS {
        return None;
    }
    if visible <= RUISHU_MAX_CHARS && (is_ruishu(text) || status == 412 && facts.script_bytes > 0) {
        return Some(ChallengeKind::Ruishu);
    }
    if is_jiasule(text, facts) || status == 521 {
        return Some(ChallengeKind::Jiasule);
    }
    if is_waf360(text, facts) {
        return Some(ChallengeKind::Waf360);
    }
    if visible <= OTHER_MAX_CHARS && facts.script_bytes > visible && sets_cookie_and_reloads(text) {
        return Some(ChallengeKind::Other);
    }
    if CHECK_MARKERS.iter().any(|m| text.contains(m)) {
        return Some(ChallengeKind::Other);
    }
    // A document published on a day (a notice that the site will pause for an upgrade) is a
    // page, whatever it says.
    notice(facts).filter(|_| !super::states_its_date(facts))
}

/// The kind of server notice a short page is, by what its title and text say.
fn notice(facts: &PageFacts) -> Option<ChallengeKind> {
    if facts.main_chars() <= NOTICE_MAX_CHARS {
        // Short, so read in Simplified (and lower case) at little cost: Big5 gateways serve the
        // same notices.
        let read = |text: &str| crate::traditional::to_simplified(&text.to_lowercase());
        let (title, main, links) = (
            read(&facts.title),
            read(&facts.main_text),
            read(&facts.main_link_text),
        );
        // The page itself must say it, not only a short list's entry (关于网站升级改造期间暂停
        // 访问的公告, 关于对被拒绝公开申请的复议决定): the main text holds the links' text too.
        let said = |count: &dyn Fn(&str) -> usize| count(&title) + count(&main) > count(&links);
        let says = |phrases: &[&str]| {
            said(&|text: &str| {
                phrases
                    .iter()
                    .flat_map(|p| text.match_indices(p))
                    // 系统维护中心 (a centre) is no 系统维护中 (under maintenance).
                    .filter(|(at, p)| !text[at + p.len()..].starts_with('心'))
                    .count()
            })
        };
        if says(THROTTLED) {
            return Some(ChallengeKind::Throttled);
        }
        if says(BLOCKED) || said(&stopped_clauses) {
            return Some(ChallengeKind::Blocked);
        }
        if says(VERIFY) {
            return Some(ChallengeKind::Other);
        }
        if says(MAINTENANCE) {
            return Some(ChallengeKind::Maintenance);
        }
    }
    None
}

/// A server's notice (too many visits, a firewall's block, maintenance) is short outside the
/// site's navigation and footer; a document that mentions such words has more to say.
const NOTICE_MAX_CHARS: usize = 200;
/// Notices that the visits come too often.
const THROTTLED: &[&str] = &[
    "访问过于频繁",
    "访问太频繁",
    "请求过于频繁",
    "请求太频繁",
    "操作过于频繁",
    "访问频率过高",
    "访问频率过快",
    "访问次数过多",
];
/// Notices of a web application firewall's or an address block (安全狗, 云锁, 创宇盾, 长亭雷池,
/// 腾讯云 and the like, and servers' own IP blocks).
const BLOCKED: &[&str] = &[
    "已被拦截",
    "设置拦截",
    "访问被拦截",
    "请求被拦截",
    "访问拦截",
    "盾拦截",
    "被防火墙拦截",
    "疑似攻击",
    "疑似黑客攻击",
    "网站防火墙",
    "可能对网站造成安全威胁",
    "请求存在安全风险",
    "不合法参数",
    "不合法的参数",
    "waf阻断",
    "已被阻断",
    "已被封禁",
    "被封禁",
    "列入黑名单",
    "访问受限",
    "访问受到限制",
    "禁止访问",
    // Gateways in English (F5 BIG-IP ASM, Akamai, servers' own 403 pages served with 200).
    "403 forbidden",
    "access denied",
    "request rejected",
    "url was rejected",
    "been blocked",
    // 腾讯云 WAF's and 长亭雷池's English pages say only this, in the title and a heading.
    "request blocked",
];

/// What a firewall does to a request, after a `被` that may name who did it (已被云锁拦截,
/// 请求已被管理员设置的策略阻断, 已被系统暂时封禁, 被Web应用防护系统拒绝).
const STOPPED: &[&str] = &["拦截", "阻断", "封禁", "屏蔽", "拒绝"];
/// Characters between `被` and what was done, within one clause.
const STOPPED_GAP_MAX_CHARS: usize = 14;

/// What a stopped request's sentence names: the visit, the request or the address (a sentence
/// of news, 违规车辆被交警拦截, names none).
const STOPPED_WHAT: &[&str] = &["访问", "请求", "ip"];

/// How many clauses of `text` (lower case) say a request was stopped: `被 … 拦截` in a sentence
/// that names the visit, the request or the address.
fn stopped_clauses(text: &str) -> usize {
    const SENTENCE_ENDS: &[char] = &['。', '！', '？', '!', '?'];
    text.match_indices('被')
        .filter(|(at, _)| {
            let after = &text[at + '被'.len_utf8()..];
            let clause: String = after
                .chars()
                .take_while(|c| !"，。！？；,.!?;".contains(*c))
                .take(STOPPED_GAP_MAX_CHARS + 2)
                .collect();
            let start = text[..*at]
                .char_indices()
                .rev()
                .find(|(_, c)| SENTENCE_ENDS.contains(c))
                .map_or(0, |(i, c)| i + c.len_utf8());
            let end = after
                .find(SENTENCE_ENDS)
                .map_or(text.len(), |i| at + '被'.len_utf8() + i);
            let sentence = &text[start..end];
            STOPPED.iter().any(|done| clause.contains(done))
                && STOPPED_WHAT.iter().any(|what| sentence.contains(what))
        })
        .count()
}

/// Parameters only an anti-bot check's own script or form carries (Cloudflare's and 百度云加速's
/// `_cf_chl_opt`, `jschl_vc`, the challenge platform; 安全狗's and 云锁's verification redirects):
/// a page that has one is the check, whatever it shows.
const CHECK_MARKERS: &[&str] = &[
    "_cf_chl_opt",
    "/cdn-cgi/challenge-platform/",
    "jschl_vc",
    "chk_jschl",
    "WebShieldSessionVerify",
    "WebShieldDRSessionVerify",
    "security_verify_data",
    "yunsuo_session_verify",
];
/// Checks a person must pass before the page shows: captchas, sliders, browser checks, pages
/// that need JavaScript to go on.
const VERIFY: &[&str] = &[
    "请输入验证码",
    "输入验证码",
    "拖动下方滑块",
    "滑动验证",
    "完成验证",
    "请完成安全验证",
    "正在检查您的浏览器",
    "检查您的浏览器",
    "请开启javascript",
    "请启用javascript",
    "未启用javascript",
    "接受安全检查",
    // Cloudflare's check, in English.
    "just a moment...",
    "checking if the site connection is secure",
    "checking your browser",
    "verifying you are human",
    "enable javascript and cookies to continue",
];
/// Notices that the site is down for maintenance.
const MAINTENANCE: &[&str] = &[
    "网站维护中",
    "系统维护中",
    "网站正在维护",
    "系统正在维护",
    "网站正在升级",
    "系统正在升级",
    "平台正在升级",
    "正在升级维护",
    "网站升级维护中",
    "系统升级维护中",
    "暂停访问",
    "网站升级中",
    "系统升级中",
    "升级改造中",
    "改造升级中",
    "改版升级中",
    "升级改版中",
    "网站改版中",
    "网站改造中",
    "维护升级中",
    "正在维护中",
    "暂停服务",
];

fn is_ruishu(text: &str) -> bool {
    const MARKERS: &[&str] = &[
        "$_ts=window['$_ts']",
        "$_ss=window['$_ss']",
        "$_ts.cd=",
        "$_ss.cd=",
        "$_ts.nsd=",
        "$_ss.nsd=",
    ];
    MARKERS.iter().any(|m| text.contains(m))
}

fn is_jiasule(text: &str, facts: &PageFacts) -> bool {
    text.contains("__jsl_clearance")
        || facts.title.contains("知道创宇")
        || facts.title.contains("加速乐")
        || facts.title.contains("浏览器安全检查") && text.contains("/cdn-cgi/")
}

fn is_waf360(text: &str, facts: &PageFacts) -> bool {
    if text.contains("waf_answer") {
        return true;
    }
    // The title may be double-encoded ("è¯·ç¨å\u{80}\u{99}... | ç£\u{90}äº\u{91}").
    let title = repair_mojibake_runs(&facts.title);
    (title.contains("请稍候") || title.contains("请稍后")) && title.contains("磐云")
}

fn sets_cookie_and_reloads(text: &str) -> bool {
    const RELOADS: &[&str] = &[
        "location.reload",
        "location.href",
        "location.replace",
        "location=",
        "location =",
    ];
    text.contains("document.cookie") && RELOADS.iter().any(|r| text.contains(r))
}
