//! Block, check and maintenance pages of firewalls and CDNs in front of portals (安全狗, 云锁,
//! 阿里云盾, 腾讯云 WAF, 长亭雷池, 创宇盾, Cloudflare, servers' own IP blocks, captchas, upgrade
//! notices), each generated in Simplified and Traditional, UTF-8 and GBK, under every status a
//! gateway sends them with; and the short real pages that say the same words and stay content.

use nianbao::classify::{ChallengeKind, PageKind, classify};
use nianbao::decode::decode;

/// The statuses gateways send block, check and notice pages with.
const STATUSES: &[u16] = &[200, 403, 405, 418, 468, 493, 503, 567];

/// How a page is written, given the charset it declares.
type Page = Box<dyn Fn(&str) -> String>;

fn classify_html(status: u16, body: &[u8]) -> PageKind {
    let decoded = decode(body, Some("text/html"));
    classify(status, Some("text/html"), body, Some(&decoded.text), None)
}

fn challenge(kind: ChallengeKind) -> PageKind {
    PageKind::Challenge { challenge: kind }
}

fn traditional(html: &str) -> String {
    html.chars()
        .map(|c| {
            nianbao::traditional::traditional_forms(c)
                .next()
                .unwrap_or(c)
        })
        .collect()
}

/// A page as a gateway serves it, declaring `charset`.
fn gateway_page(charset: &str, title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Type\" content=\"text/html; \
         charset={charset}\"><title>{title}</title></head><body>{body}</body></html>"
    )
}

/// A page inside a portal's chrome (header, navigation, footer).
fn portal_page(charset: &str, title: &str, main: &str, footer: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"{charset}\"><title>{title}</title></head><body>\
         <div class=\"header\"><a href=\"/\">首页</a><a href=\"/xxgk/\">政府信息公开</a><a href=\"/zwfw/\">政务服务</a></div>\
         <div class=\"position\">当前位置：首页 &gt; 政府信息公开 &gt; 年度报告</div>\
         <div class=\"main\">{main}</div>\
         <div class=\"footer\">主办单位：某某市人民政府办公室 网站标识码1234000001 {footer}</div>\
         </body></html>"
    )
}

/// Every form a page takes: Simplified and Traditional, each in UTF-8 and in GBK (the
/// Traditional form in GBK too, as some gateways serve it), with a name for messages.
fn forms(page: impl Fn(&str) -> String) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for (script, convert) in [
        ("simplified", (|s: &str| s.to_owned()) as fn(&str) -> String),
        ("traditional", |s: &str| traditional(s)),
    ] {
        out.push((
            format!("{script}, utf-8"),
            convert(&page("utf-8")).into_bytes(),
        ));
        let text = convert(&page("gbk"));
        let (gbk, _, lossy) = encoding_rs::GBK.encode(&text);
        assert!(!lossy, "{script}: every character has a GBK form");
        out.push((format!("{script}, gbk"), gbk.into_owned()));
    }
    out
}

fn assert_every_form(name: &str, page: impl Fn(&str) -> String, expected: &PageKind) {
    for (form, bytes) in forms(page) {
        for &status in STATUSES {
            assert_eq!(
                &classify_html(status, &bytes),
                expected,
                "{name}, {form}, {status}: {}",
                String::from_utf8_lossy(&bytes)
            );
        }
    }
}

/// Web application firewalls' block pages, and servers' own address blocks, are `blocked`
/// whatever their status, script or encoding.
#[test]
fn firewall_block_pages_are_blocked_in_every_form() {
    let blocked = challenge(ChallengeKind::Blocked);
    let cases: Vec<(&str, Page)> = vec![
        (
            "安全狗",
            Box::new(|cs: &str| {
                gateway_page(
                    cs,
                    "网站防火墙",
                    "<div class=\"box\"><img src=\"http://404.safedog.cn/images/safedogsite/head.png\">\
                     <h3>您的请求带有不合法参数，已被网站管理员设置拦截！</h3>\
                     <p>可能原因：您提交的内容包含危险的攻击请求</p>\
                     <p>如何解决：1）检查提交内容；2）如网站托管，请联系空间提供商；3）普通网站访客，请联系网站管理员</p></div>",
                )
            }),
        ),
        (
            "云锁",
            Box::new(|cs: &str| {
                gateway_page(
                    cs,
                    "云锁提示",
                    "<p>您当前的访问行为存在异常，请稍后重试</p><p>您的访问已被云锁拦截</p>\
                     <p>事件编号：YS20231120</p>",
                )
            }),
        ),
        (
            "阿里云盾",
            Box::new(|cs: &str| {
                gateway_page(
                    cs,
                    "405",
                    "<div id=\"block\"><p>很抱歉，由于您访问的URL有可能对网站造成安全威胁，您的访问被阻断。</p>\
                     <p>您的请求ID是：0bc1e5ab17000000</p></div>\
                     <script>var aliyun_waf_traceid='0bc1e5ab';</script>",
                )
            }),
        ),
        (
            "阿里云 WAF, short",
            Box::new(|cs: &str| {
                gateway_page(
                    cs,
                    "访问被阻断",
                    "<p>您的访问被阻断</p><p>aliyun_waf 0bc1e5ab</p>",
                )
            }),
        ),
        (
            "腾讯云 WAF",
            Box::new(|cs: &str| {
                gateway_page(
                    cs,
                    "501",
                    "<h2>抱歉，您的请求已被拦截</h2><p>Sorry, your request has been blocked.</p>\
                     <p>如果您是网站管理员，请登录腾讯云WAF控制台查看详情</p>",
                )
            }),
        ),
        (
            "腾讯云 WAF, English",
            Box::new(|cs: &str| {
                gateway_page(
                    cs,
                    "Request blocked",
                    "<h1>Request blocked</h1><p>UUID: 3f1c2a90-77ab</p>",
                )
            }),
        ),
        (
            "长亭雷池",
            Box::new(|cs: &str| {
                gateway_page(
                    cs,
                    "请求已被拦截",
                    "<h1>请求存在威胁，已被拦截</h1><p>您的请求可能对网站造成安全威胁，已被 长亭雷池WAF 拦截</p>\
                     <p>事件 ID：5b2a7c</p><p>Powered by SafeLine</p>",
                )
            }),
        ),
        (
            "长亭雷池, English",
            Box::new(|cs: &str| {
                gateway_page(
                    cs,
                    "Request Blocked | SafeLine",
                    "<h1>Request Blocked</h1><p>Event ID: 5b2a7c</p><p>Protected by SafeLine WAF</p>",
                )
            }),
        ),
        (
            "创宇盾",
            Box::new(|cs: &str| {
                gateway_page(
                    cs,
                    "创宇盾",
                    "<p>当前访问疑似黑客攻击，已被创宇盾拦截。</p><p>请求ID：ab12cd</p>",
                )
            }),
        ),
        (
            "Cloudflare, Attention Required",
            Box::new(|cs: &str| {
                gateway_page(
                    cs,
                    "Attention Required! | Cloudflare",
                    "<div id=\"cf-error-details\"><h1>Sorry, you have been blocked</h1>\
                     <h2>You are unable to access example.gov.cn</h2>\
                     <p>Cloudflare Ray ID: 7abc123def456789</p></div>",
                )
            }),
        ),
        (
            "IP 封禁",
            Box::new(|cs: &str| {
                gateway_page(cs, "提示", "<p>您的IP已被封禁，如有疑问请联系管理员</p>")
            }),
        ),
        (
            "IP 封禁, bare",
            Box::new(|cs: &str| gateway_page(cs, "IP已被封禁", "<p>IP已被封禁</p>")),
        ),
    ];
    for (name, page) in &cases {
        assert_every_form(name, page, &blocked);
    }
}

/// Pages saying the visits come too often are `throttled`.
#[test]
fn too_frequent_notices_are_throttled_in_every_form() {
    let throttled = challenge(ChallengeKind::Throttled);
    assert_every_form(
        "访问过于频繁",
        |cs| gateway_page(cs, "提示信息", "<p>访问过于频繁，请稍后再试</p>"),
        &throttled,
    );
    assert_every_form(
        "访问过于频繁, in chrome",
        |cs| portal_page(cs, "提示", "<p>访问过于频繁，请稍后再试！</p>", ""),
        &throttled,
    );
}

/// Checks a person or a browser must pass (captchas, sliders, Cloudflare's and 云锁's script
/// checks) are `other` challenges.
#[test]
fn captchas_and_browser_checks_are_checks_in_every_form() {
    let other = challenge(ChallengeKind::Other);
    let cases: Vec<(&str, Page)> = vec![
        (
            "captcha",
            Box::new(|cs: &str| {
                gateway_page(
                    cs,
                    "安全验证",
                    "<form action=\"/verify\"><p>请输入验证码后继续访问</p>\
                     <img src=\"/captcha.jpg\"><input name=\"code\"><button>提交</button></form>",
                )
            }),
        ),
        (
            "slider",
            Box::new(|cs: &str| {
                gateway_page(
                    cs,
                    "访问验证",
                    "<div id=\"nc\"></div><p>请按住滑块，拖动到最右边完成滑动验证</p>",
                )
            }),
        ),
        (
            "Cloudflare, Just a moment",
            Box::new(|cs: &str| {
                gateway_page(
                    cs,
                    "Just a moment...",
                    "<div class=\"main-wrapper\"><noscript>Enable JavaScript and cookies to continue</noscript></div>\
                     <script>(function(){window._cf_chl_opt={cvId:'3',cZone:'example.gov.cn'};})();</script>",
                )
            }),
        ),
        (
            "Cloudflare, cf-chl only",
            Box::new(|cs: &str| {
                gateway_page(
                    cs,
                    "example.gov.cn",
                    "<div id=\"cf-chl-widget-a1b2c\"></div>\
                     <script src=\"/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1\"></script>",
                )
            }),
        ),
        (
            "云锁 verification",
            Box::new(|cs: &str| {
                gateway_page(
                    cs,
                    "",
                    "<script>self.location=\"/?security_verify_data=313932302c31303830\";\
                     document.cookie=\"yunsuo_session_verify=a1b2c3; path=/\";</script>",
                )
            }),
        ),
    ];
    for (name, page) in &cases {
        assert_every_form(name, page, &other);
    }
}

/// Maintenance and upgrade notices, bare or in the portal's chrome, are `maintenance`.
#[test]
fn maintenance_notices_are_maintenance_in_every_form() {
    let maintenance = challenge(ChallengeKind::Maintenance);
    let cases: Vec<(&str, Page)> = vec![
        (
            "网站维护中",
            Box::new(|cs: &str| gateway_page(cs, "网站维护中", "<h1>网站维护中，请稍后访问</h1>")),
        ),
        (
            "系统升级",
            Box::new(|cs: &str| {
                gateway_page(
                    cs,
                    "系统升级公告",
                    "<p>尊敬的用户：系统正在升级，预计今日18:00恢复，给您带来不便敬请谅解。</p>",
                )
            }),
        ),
        (
            "系统升级, in chrome",
            Box::new(|cs: &str| {
                portal_page(cs, "系统升级", "<p>网站正在升级，请稍后访问。</p>", "")
            }),
        ),
    ];
    for (name, page) in &cases {
        assert_every_form(name, page, &maintenance);
    }
}

/// Short real pages that say a notice's words where a reader does not look, or print a report's
/// one line and its attachment, are content.
#[test]
fn short_real_pages_are_content_in_every_form() {
    let cases: Vec<(&str, Page)> = vec![
        (
            "one line and an attachment",
            Box::new(|cs: &str| {
                portal_page(
                    cs,
                    "某某市2023年政府信息公开工作年度报告",
                    "<p><a href=\"/xxgk/P020240125.pdf\">某某市2023年政府信息公开工作年度报告.pdf</a></p>",
                    "",
                )
            }),
        ),
        (
            "a footer that mentions 验证码",
            Box::new(|cs: &str| {
                portal_page(
                    cs,
                    "某某区2022年政府信息公开工作年度报告",
                    "<h1>某某区2022年政府信息公开工作年度报告</h1>\
                     <p>附件：<a href=\"/xxgk/2022nb.docx\">2022年年报</a></p>",
                    "<span>网上留言请输入验证码，如验证码看不清请点击刷新；滑动验证失败请重试</span>",
                )
            }),
        ),
    ];
    for (name, page) in &cases {
        assert_every_form(name, page, &PageKind::Content);
    }
}
