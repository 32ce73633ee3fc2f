//! Classify tests: every real page with its real status, synthetic soft-404 / login / empty pages,
//! server notices, firewall checks and redirects home. Attachment sniffing is in
//! `classify_pages_sniffing.rs`.

mod classify_pages_support;

use classify_pages_support::*;
use nianbao::classify::{ChallengeKind, PageKind, classify};

#[test]
fn real_pages_classify_by_their_status_and_body() {
    use ChallengeKind::*;
    let cases = [
        (
            "ruishu-412-challenge-scjg-gansu-home-utf8.html",
            412,
            challenge(Ruishu),
        ),
        (
            "ruishu-412-challenge-scjg-hubei-ss-variant-utf8.html",
            412,
            challenge(Ruishu),
        ),
        (
            "ruishu6-412-challenge-zscqj-hubei-utf8.html",
            412,
            challenge(Ruishu),
        ),
        (
            "waf-knownsec-jiasule-browser-check-utf8.html",
            521,
            challenge(Jiasule),
        ),
        (
            "waf-360panyun-yunnan-gov-challenge-mojibake.html",
            200,
            challenge(Waf360),
        ),
        (
            "hanweb-zj-fgw-detail-meta-utf8.html",
            200,
            PageKind::Content,
        ),
        (
            "trs-shanxi-gov-detail-createPageHTML-utf8.html",
            200,
            PageKind::Content,
        ),
        ("trs-govcn-gongbao-detail-utf8.html", 200, PageKind::Content),
        // Both still carry the 瑞数 `r='m'` script after the challenge was passed.
        (
            "kaipu-ucap-gansu-samr-detail-meta-pubdate-mismatch-utf8.html",
            200,
            PageKind::Content,
        ),
        (
            "trs-hubei-samr-xxgk-detail-ensp-labels-utf8.html",
            200,
            PageKind::Content,
        ),
        ("trs-ordos-xxgknb-list-utf8.html", 200, PageKind::Content),
        (
            "encoding-mislabel-people-trs-gb2312-meta-utf8-bytes.html",
            200,
            PageKind::Content,
        ),
    ];
    for (file, status, expected) in cases {
        let body = real_page(file);
        assert_eq!(
            classify_html(status, &body),
            expected,
            "{file} with status {status}"
        );
        // Challenges are recognised from the body alone, e.g. behind a proxy that rewrites the status.
        assert_eq!(
            classify_html(200, &body),
            expected,
            "{file} with status 200"
        );
    }
}

#[test]
fn the_json_list_api_is_content() {
    let body = real_page("trs-hubei-samr-xxgk-list-api.json");
    let text = String::from_utf8_lossy(&body);
    let kind = classify(
        200,
        Some("application/json;charset=UTF-8"),
        &body,
        Some(&text),
        None,
    );
    assert_eq!(kind, PageKind::Content);
}

#[test]
fn synthetic_pages_classify() {
    let report = "<h1>某某市2023年政府信息公开工作年度报告</h1><p>本报告依据《中华人民共和国政府信息公开条例》\
        编制，全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议\
        行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。</p>";
    let cases: Vec<(&str, u16, String, PageKind)> = vec![
        ("report page", 200, portal_page("2023年年度报告", report), PageKind::Content),
        ("title says not found", 200, portal_page("页面不存在", "<p>抱歉，您访问的页面不存在或已被删除。</p>"), PageKind::SoftNotFound),
        ("404 in the title", 200, portal_page("404", "<img src=\"/images/404.png\"><a href=\"/\">返回首页</a>"), PageKind::SoftNotFound),
        ("body says not found", 200, portal_page("某某市人民政府", "<p>对不起，找不到您要访问的页面！</p>"), PageKind::SoftNotFound),
        ("page deleted", 200, portal_page("提示信息", "<p>该页面已删除</p>"), PageKind::SoftNotFound),
        (
            "a report that quotes a number with 404 in it",
            200,
            portal_page("关于印发第1404号文件的通知", report),
            PageKind::Content,
        ),
        (
            "a short list whose entry's title holds 404 or a not-found word",
            200,
            portal_page(
                "政府信息公开年报",
                "<ul><li><a href=\"/nb/t1.html\">某县人民政府关于转发国办发〔2019〕404号文件的通知</a><span>2024-01-02</span></li>\
                 <li><a href=\"/nb/t2.html\">某县2023年政府信息公开工作年度报告</a><span>2024-01-20</span></li></ul>",
            ),
            PageKind::Content,
        ),
        (
            "a short list whose entry names a page not found",
            200,
            portal_page(
                "年度报告",
                "<ul><li><a href=\"/nb/t3.html\">关于网站页面不存在问题的整改报告</a><span>2024-01-02</span></li></ul>",
            ),
            PageKind::Content,
        ),
        (
            "a not-found page whose link back says so too",
            200,
            portal_page("提示", "<p>您访问的页面不存在</p><a href=\"/\">页面不存在，返回首页</a>"),
            PageKind::SoftNotFound,
        ),
        (
            "login wall",
            200,
            portal_page("用户登录", "<form action=\"/login\" method=post>用户名：<input name=u> 密码：<input type=\"password\" name=p><button>登录</button></form>"),
            PageKind::LoginWall,
        ),
        ("empty template", 200, portal_page("信息公开", "<div class=\"content\"><p> </p><p>&nbsp;</p></div>"), PageKind::EmptyTemplate),
        (
            "a template holding only an attachment link is content",
            200,
            portal_page("信息公开", "<a href=\"/upload/2023nb.pdf\">附件</a>"),
            PageKind::Content,
        ),
        (
            "a Hanweb list keeps its records in a data island",
            200,
            portal_page("年度报告", "<div id=\"1234\"><script type=\"text/xml\"><datastore><recordset><record><![CDATA[<li><a href=\"/art/2024/1/1/art_1_1.html\">2023年报</a></li>]]></record></recordset></datastore></script></div>"),
            PageKind::Content,
        ),
        (
            "a short page that kept the 瑞数 script after the challenge was passed",
            200,
            portal_page(
                "2023年年度报告",
                "<script type=\"text/javascript\" r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=1;$_ts.cd=\"q\";</script>\
                 <h1>某某区2023年政府信息公开工作年度报告</h1><p>发布时间：2024-01-20 来源：区政府办</p>\
                 <p>附件：<a href=\"/u/2023nb.pdf\">某某区2023年政府信息公开工作年度报告.pdf</a></p>",
            ),
            PageKind::Content,
        ),
        (
            "a cookie-and-reload interstitial",
            200,
            "<html><head><script>var x=\"a1b2c3d4\";document.cookie=\"__tst_status=\"+x+\";path=/\";location.reload();</script></head><body></body></html>".to_owned(),
            challenge(ChallengeKind::Other),
        ),
        (
            "an unknown interstitial behind 521",
            521,
            "<html><body><script>document.cookie='a=b';location.href=location.pathname</script></body></html>".to_owned(),
            challenge(ChallengeKind::Jiasule),
        ),
    ];
    for (name, status, html, expected) in cases {
        assert_eq!(classify_html(status, html.as_bytes()), expected, "{name}");
    }
}

/// A server's short notice that the visits come too often, that its firewall stopped the request,
/// or that the site is down for maintenance, served with 200 or an error status inside the
/// site's chrome, is a challenge (the host backs off and the page is not archived); a report or a
/// long notice that mentions the same words is content.
#[test]
fn server_notices_are_challenges_not_content() {
    let notices: [(&str, &str, ChallengeKind); 6] = [
        (
            "访问受限",
            "<h2>您的访问过于频繁，请稍后再试！</h2>",
            ChallengeKind::Throttled,
        ),
        (
            "提示",
            "<p>请求过于频繁，请1分钟后再访问。</p>",
            ChallengeKind::Throttled,
        ),
        (
            "安全拦截",
            "<p>您的请求疑似攻击行为，已被拦截。事件ID：8a7f6c</p>",
            ChallengeKind::Blocked,
        ),
        (
            "网站防火墙",
            "<p>您的访问请求可能对网站造成安全威胁，请求已被拦截。</p>",
            ChallengeKind::Blocked,
        ),
        (
            "网站维护中",
            "<h2>网站维护中</h2><p>为了给您提供更好的服务，本网站正在进行系统升级，敬请谅解！</p>",
            ChallengeKind::Maintenance,
        ),
        (
            "系統公告",
            "<p>系統維護中，暫停訪問。</p>",
            ChallengeKind::Maintenance,
        ),
    ];
    for (title, main, kind) in notices {
        for status in [200, 403, 503] {
            let html = portal_page(title, main);
            assert_eq!(
                classify_html(status, html.as_bytes()),
                challenge(kind),
                "{status} {main}"
            );
        }
    }
    let long = "<h1>某某市2023年政府信息公开工作年度报告</h1><p>本报告依据《中华人民共和国政府信息公开条例》编制。\
        全年未发生因访问过于频繁而拒绝服务的情况，门户网站维护中发现的问题均已整改，网站防火墙拦截攻击若干次。\
        全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议、行政诉讼情况、\
        存在的主要问题及改进情况、其他需要报告的事项。本报告所列数据的统计期限自2023年1月1日起至2023年12月31日止。</p>";
    assert_eq!(
        classify_html(
            200,
            portal_page("某某市2023年政府信息公开工作年度报告", long).as_bytes()
        ),
        PageKind::Content
    );
}

/// The block, check and login pages of firewalls and servers not named above (安全狗, 云锁, 创宇盾,
/// 长亭雷池, 阿里云盾's slider, 百度云加速's browser check, captchas, IP blocks, login walls) and
/// pages that only send the reader home are not content, in Simplified and Traditional; a report
/// that mentions the same words is.
#[test]
fn firewall_check_and_login_pages_and_redirects_home_are_not_content() {
    let blocked = challenge(ChallengeKind::Blocked);
    let check = challenge(ChallengeKind::Other);
    let cases: Vec<(&str, &str, PageKind)> = vec![
        (
            "安全狗拦截提示",
            "<p>您的请求带有不合法参数，已被网站管理员设置拦截！</p><p>Powered by 服务器安全狗</p>",
            blocked.clone(),
        ),
        (
            "您的访问被拦截",
            "<p>您所提交的请求含有不合法的参数，已被网站管理员设置拦截！</p><p>本网站受云锁保护</p>",
            blocked.clone(),
        ),
        (
            "创宇盾 - 访问拦截",
            "<p>当前访问疑似黑客攻击，已被创宇盾拦截。事件ID：8f3a2b1c</p>",
            blocked.clone(),
        ),
        (
            "请求被拦截",
            "<h1>403</h1><p>您的请求存在安全风险，请求已被长亭雷池WAF阻断</p>",
            blocked.clone(),
        ),
        (
            "访问受限",
            "<p>抱歉，您的访问受到限制，请稍后再试或联系网站管理员。</p>",
            blocked.clone(),
        ),
        (
            "IP被封禁",
            "<p>您的IP地址因访问异常被封禁，解封时间：24小时后</p>",
            blocked.clone(),
        ),
        (
            "禁止访问",
            "<p>您的IP已被列入黑名单，禁止访问本站。</p>",
            blocked.clone(),
        ),
        (
            "滑动验证页面",
            "<p>亲，请拖动下方滑块完成验证</p><div id=\"nc\"></div>",
            check.clone(),
        ),
        (
            "安全验证",
            "<p>为了保障您的正常访问，请完成安全验证</p>",
            check.clone(),
        ),
        (
            "百度云加速",
            "<p>正在检查您的浏览器……此过程是自动的。</p><p>DDoS保护由百度云加速提供</p>",
            check.clone(),
        ),
        (
            "提示",
            "<p>您的浏览器未启用JavaScript，请开启JavaScript后刷新本页面访问。</p>",
            check.clone(),
        ),
        (
            "请输入验证码",
            "<form action=\"/verify\"><p>访问过于敏感，请输入图片中的验证码后继续访问：</p><img src=\"/captcha.jpg\"><input name=\"code\"><button>提交</button></form>",
            check.clone(),
        ),
        (
            "系统升级公告",
            "<p>为提供更好的服务，本网站正在进行系统升级，暂停访问，敬请谅解。</p>",
            challenge(ChallengeKind::Maintenance),
        ),
        (
            "用户登录",
            "<p>该信息仅对注册用户开放，请登录后查看。</p><a href=\"/sso/login\">请登录</a> <a href=\"/reg\">注册</a>",
            PageKind::LoginWall,
        ),
        (
            "请登录",
            "<script>alert('请先登录');</script>",
            PageKind::LoginWall,
        ),
        (
            "提示信息",
            "<p>抱歉，您访问的页面已被删除或不存在，请返回首页浏览其他内容。</p><a href=\"/\">返回首页</a>",
            PageKind::SoftNotFound,
        ),
        (
            "错误提示",
            "<p>对不起，您要访问的页面没有找到，可能已经被移除或者地址有误。</p>",
            PageKind::SoftNotFound,
        ),
        (
            "正在跳转",
            "<p>页面正在跳转，如果没有自动跳转，请点击<a href=\"/\">这里</a>返回首页。</p><script>setTimeout(function(){location.href='/';},3000);</script>",
            PageKind::SoftNotFound,
        ),
        (
            "",
            "<meta http-equiv=\"refresh\" content=\"0;url=/\">",
            PageKind::SoftNotFound,
        ),
    ];
    for (title, main, kind) in cases {
        for script in ["simplified", "traditional"] {
            let mut html = portal_page(title, main);
            if script == "traditional" {
                html = html
                    .chars()
                    .map(|c| {
                        nianbao::traditional::traditional_forms(c)
                            .next()
                            .unwrap_or(c)
                    })
                    .collect();
            }
            assert_eq!(
                classify_html(200, html.as_bytes()),
                kind,
                "{script}: {title} {main}"
            );
        }
    }
    // A refresh to the report itself, and a report that names these words, are content.
    let to_report = portal_page(
        "",
        "<meta http-equiv=\"refresh\" content=\"0;url=/nb/2023/t1.html\"><a href=\"/nb/2023/t1.html\">某某市2023年政府信息公开工作年度报告</a>",
    );
    assert_eq!(classify_html(200, to_report.as_bytes()), PageKind::Content);
    let long = "<h1>某某市2023年政府信息公开工作年度报告</h1><p>本报告依据《中华人民共和国政府信息公开条例》编制。\
        全年依申请公开系统升级期间暂停访问两天，门户网站启用滑动验证和验证码，对被列入黑名单的攻击地址禁止访问；\
        全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议、行政诉讼情况、\
        存在的主要问题及改进情况、其他需要报告的事项。请登录后查看的事项另行公开。本报告所列数据的统计期限自2023年1月1日起至2023年12月31日止。</p>\
        <p>一、总体情况。2023年，某某市坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻党的二十大精神，认真落实《中华人民共和国政府信息公开条例》，\
        围绕市委、市政府中心工作，持续深化政务公开，提升政务公开质量和实效。</p>";
    assert_eq!(
        classify_html(
            200,
            portal_page("某某市2023年政府信息公开工作年度报告", long).as_bytes()
        ),
        PageKind::Content
    );
}
