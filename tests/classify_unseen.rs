//! Pages of systems nobody on the team wrote a rule from, by family: other firewalls' block and
//! check pages (腾讯云, 云锁, 绿盟, 百度云加速, Cloudflare, F5 BIG-IP ASM, 安全狗's and 云锁's
//! verification redirects, an nginx 403 served with 200), maintenance notices worded otherwise
//! (升级改造中), servers' and applications' error pages served with 200 (Java stack traces,
//! Whitelabel, Tomcat, ASP.NET, ODBC, 数据库连接失败), and short real documents that say the
//! same words but print their publication date, which stay content.

use nianbao::classify::{ChallengeKind, PageKind, classify};
use nianbao::decode::decode;

fn classify_html(status: u16, body: &[u8]) -> PageKind {
    let decoded = decode(body, Some("text/html"));
    classify(status, Some("text/html"), body, Some(&decoded.text), None)
}

fn challenge(kind: ChallengeKind) -> PageKind {
    PageKind::Challenge { challenge: kind }
}

/// A page inside a portal's chrome (header, navigation, position, footer).
fn portal_page(title: &str, main: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head><meta charset=utf-8><title>{title}</title></head><body>\
         <div class=\"header\"><a href=\"/\">首页</a><a href=\"/xxgk/\">政府信息公开</a><a href=\"/zwfw/\">政务服务</a></div>\
         <div class=\"position\">当前位置：首页 &gt; 政府信息公开</div>\
         <div class=\"main\">{main}</div>\
         <div class=\"footer\">主办单位：某某市人民政府办公室 网站标识码1234000001 京ICP备00000000号</div>\
         </body></html>"
    )
}

/// A bare page as gateways serve it, without the portal's chrome.
fn bare_page(title: &str, body: &str) -> String {
    format!(
        "<html><head><meta charset=\"utf-8\"><title>{title}</title></head><body>{body}</body></html>"
    )
}

/// The same page in Traditional script, as Big5 gateways and Traditional portals serve it.
fn traditional(html: &str) -> String {
    html.chars()
        .map(|c| {
            nianbao::traditional::traditional_forms(c)
                .next()
                .unwrap_or(c)
        })
        .collect()
}

fn assert_kinds(cases: &[(u16, String, PageKind)]) {
    for (status, html, expected) in cases {
        for (script, page) in [
            ("simplified", html.clone()),
            ("traditional", traditional(html)),
        ] {
            assert_eq!(
                &classify_html(*status, page.as_bytes()),
                expected,
                "{script}, {status}: {page}"
            );
        }
    }
}

/// Block pages whose wording puts the firewall or a policy between `被` and what it did, and
/// gateways that answer in English, are `blocked`, with 200 or their own status.
#[test]
fn firewalls_naming_themselves_or_answering_in_english_block() {
    let blocked = challenge(ChallengeKind::Blocked);
    let pages = [
        bare_page(
            "腾讯T-Sec Web应用防火墙(WAF)",
            "<p>很抱歉，您提交的请求可能对网站造成威胁，请求已被管理员设置的策略阻断</p><p>您的请求ID为：16f3a2bc</p>",
        ),
        bare_page(
            "安全拦截 - 云锁",
            "<p>您的访问请求已被云锁拦截</p><p>拦截时间：2023-11-20 10:21:33</p>",
        ),
        bare_page(
            "绿盟科技Web应用防护系统",
            "<h2>您的访问请求被拒绝</h2><p>您的访问请求可能包含恶意攻击代码，已被Web应用防护系统拒绝。</p>",
        ),
        bare_page(
            "访问被拒绝 | 百度云加速",
            "<h1>错误 1020</h1><p>该网站使用了安全服务来防止恶意访问，您的访问被拒绝。</p>",
        ),
        portal_page(
            "系统提示",
            "<p>由于您的IP地址访问异常，已被系统暂时封禁，请24小时后再试。</p>",
        ),
        "<html><head><title>Request Rejected</title></head><body>The requested URL was rejected. \
         Please consult with your administrator.<br><br>Your support ID is: 13874930293851276543<br><br>\
         <a href='javascript:history.back();'>[Go Back]</a></body></html>"
            .to_owned(),
        "<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD><BODY><H1>Access Denied</H1>You don't have \
         permission to access \"http&#58;&#47;&#47;www&#46;example&#46;gov&#46;cn&#47;\" on this server.\
         <P>Reference&#32;&#35;18&#46;2a3b4c5d</BODY></HTML>"
            .to_owned(),
        "<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head><body>\
         <h1>Sorry, you have been blocked</h1><h2>You are unable to access</h2> example.gov.cn\
         <p>This website is using a security service to protect itself from online attacks.</p></body></html>"
            .to_owned(),
        "<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n<center><h1>403 Forbidden</h1>\
         </center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
            .to_owned(),
    ];
    let cases: Vec<_> = pages
        .iter()
        .flat_map(|page| [200, 403].map(|status| (status, page.clone(), blocked.clone())))
        .collect();
    assert_kinds(&cases);
}

/// Checks a person's browser must pass, known by what only the check's own script or form
/// carries or by what it says in English: Cloudflare's managed challenge, 百度云加速's browser
/// check, 安全狗's and 云锁's script redirects with their verification parameter.
#[test]
fn browser_checks_known_by_their_parameters_are_checks() {
    let check = challenge(ChallengeKind::Other);
    let cloudflare = "<!DOCTYPE html><html lang=\"en-US\"><head><title>Just a moment...</title></head><body>\
        <div class=\"main-content\"><h1>www.example.gov.cn</h1><h2 id=\"challenge-running\">Checking if the site \
        connection is secure</h2><div id=\"challenge-body-text\">www.example.gov.cn needs to review the security \
        of your connection before proceeding.</div></div><script>(function(){window._cf_chl_opt={cvId: '2',\
        cZone: 'www.example.gov.cn',cType: 'managed'};var cpo=document.createElement('script');\
        cpo.src='/cdn-cgi/challenge-platform/h/b/orchestrate/managed/v1?ray=7abc';\
        document.getElementsByTagName('head')[0].appendChild(cpo);}());</script>\
        <div class=\"footer\">Ray ID: 7abc123def456789 Performance &amp; security by Cloudflare</div></body></html>";
    let cases = vec![
        (403, cloudflare.to_owned(), check.clone()),
        // The same check, its script's name changed: what it says is enough.
        (
            503,
            cloudflare
                .replace("_cf_chl_opt", "_opt")
                .replace("/cdn-cgi/challenge-platform/h/b/orchestrate/managed/v1", "/c.js"),
            check.clone(),
        ),
        (
            503,
            bare_page(
                "请稍候… | 百度云加速",
                "<p>您的浏览器正在接受安全检查，请稍候…</p><form id=\"challenge-form\" action=\"/cdn-cgi/l/chk_jschl\">\
                 <input type=\"hidden\" name=\"jschl_vc\" value=\"a1b2\"></form>",
            ),
            check.clone(),
        ),
        (
            200,
            "<html><body><script>self.location=\"/xxgk/index.html?WebShieldSessionVerify=Qm7hFwTjcXuvNs2k\";</script></body></html>"
                .to_owned(),
            check.clone(),
        ),
        (
            200,
            "<html><body><script>function YunSuoAutoJump(){self.location=\"/xxgk/index.html?security_verify_data=\"+\
             stringToHex(screen.width+\",\"+screen.height);}setTimeout(\"YunSuoAutoJump()\",50);</script></body></html>"
                .to_owned(),
            check.clone(),
        ),
    ];
    assert_kinds(&cases);
    // A report that kept such a script is content: its text is longer than any check's.
    let report = "<p>某某县2023年政府信息公开工作年度报告。一、总体情况。2023年，某某县认真贯彻落实《中华人民共和国政府信息公开条例》，\
        主动公开政府信息，依申请公开办理及时，政府信息管理规范，平台建设持续加强。</p>"
        .repeat(6);
    let kept = portal_page(
        "某某县2023年政府信息公开工作年度报告",
        &format!("{report}<script>window._cf_chl_opt={{cType:'managed'}};</script>"),
    );
    assert_eq!(classify_html(200, kept.as_bytes()), PageKind::Content);
}

/// A site down for an upgrade or a rebuild says so in more words than 维护中.
#[test]
fn upgrade_notices_are_maintenance() {
    let maintenance = challenge(ChallengeKind::Maintenance);
    let cases = vec![
        (
            200,
            bare_page(
                "某某县人民政府",
                "<img src=\"/upgrade.png\"><h2>网站升级改造中，敬请期待！</h2><p>给您带来的不便敬请谅解。</p>",
            ),
            maintenance.clone(),
        ),
        (
            503,
            portal_page("系统公告", "<p>网站改版升级中，暂停服务，敬请谅解。</p>"),
            maintenance.clone(),
        ),
    ];
    assert_kinds(&cases);
}

/// Error pages of servers and applications, served with 200 as much as with 500, are
/// `server_error`: never archived, asked again later.
#[test]
fn error_pages_served_with_200_are_server_errors() {
    let trace = "<html><body><pre>java.lang.NullPointerException\n\
        \tat com.trs.cms.content.DocumentService.getDocument(DocumentService.java:212)\n\
        \tat sun.reflect.NativeMethodAccessorImpl.invoke0(Native Method)\n\
        \tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:897)\n\
        \tat javax.servlet.http.HttpServlet.service(HttpServlet.java:731)\n</pre></body></html>";
    let pages = [
        trace.to_owned(),
        // A long trace is still a trace.
        trace.replace(
            "</pre>",
            &"\tat org.apache.catalina.core.ApplicationFilterChain.internalDoFilter(ApplicationFilterChain.java:303)\n"
                .repeat(60),
        ),
        "<html><body><h1>Whitelabel Error Page</h1><p>This application has no explicit mapping for /error, so you \
         are seeing this as a fallback.</p><div>Mon Nov 20 10:21:33 CST 2023</div><div>There was an unexpected error \
         (type=Internal Server Error, status=500).</div><div>No message available</div></body></html>"
            .to_owned(),
        "<html><head><title>Apache Tomcat/7.0.52 - Error report</title></head><body><h1>HTTP Status 500 - </h1>\
         <p><b>type</b> Exception report</p><p><b>description</b> <u>The server encountered an internal error that \
         prevented it from fulfilling this request.</u></p><h3>Apache Tomcat/7.0.52</h3></body></html>"
            .to_owned(),
        "<!doctype html><html lang=\"zh\"><head><title>HTTP状态 500 - 内部服务器错误</title></head><body>\
         <h1>HTTP状态 500 - 内部服务器错误</h1><p><b>类型</b> 异常报告</p><p><b>描述</b> 服务器遇到一个意外的情况，\
         阻止它完成请求。</p><h3>Apache Tomcat/8.5.57</h3></body></html>"
            .to_owned(),
        "<!DOCTYPE html><html><head><title>“/”应用程序中的服务器错误。</title></head><body><h1>“/”应用程序中的服务器错误。\
         </h1><h2><i>运行时错误</i></h2><b>说明: </b>服务器上出现应用程序错误。此应用程序的当前自定义错误设置禁止远程查看\
         应用程序错误的详细信息(出于安全原因)。</body></html>"
            .to_owned(),
        "<font face=\"宋体\" size=2><p>Microsoft OLE DB Provider for ODBC Drivers</font> <font face=\"宋体\" size=2>\
         错误 '80004005'</font><p><font face=\"宋体\" size=2>[Microsoft][ODBC Microsoft Access Driver] 常见错误 不能打开\
         注册表关键字。</font><p><font face=\"宋体\" size=2>/conn.asp</font><font face=\"宋体\" size=2>，行 12</font>"
            .to_owned(),
        bare_page("错误", "<p>数据库连接失败，请检查数据库配置。</p>"),
        "<HTML><HEAD><TITLE>Service Unavailable</TITLE></HEAD><BODY><h2>Service Unavailable</h2><hr>\
         <p>HTTP Error 503. The service is unavailable.</p></BODY></HTML>"
            .to_owned(),
        "<html><body><br />\n<b>Fatal error</b>:  Uncaught Error: Call to undefined function mysql_connect() \
         in /var/www/html/include/conn.php:12\nStack trace:\n#0 {main}</body></html>"
            .to_owned(),
        portal_page(
            "系统错误",
            "<h3>系统出错了</h3><p>错误信息：org.apache.jasper.JasperException: An exception occurred \
             processing JSP page /content.jsp at line 45</p>",
        ),
    ];
    let cases: Vec<_> = pages
        .iter()
        .flat_map(|page| [200, 500].map(|status| (status, page.clone(), PageKind::ServerError)))
        .collect();
    assert_kinds(&cases);
    // Not-found pages stay soft 404s, Tomcat's included.
    let tomcat_404 = "<!doctype html><html lang=\"en\"><head><title>HTTP Status 404 – Not Found</title></head><body>\
        <h1>HTTP Status 404 – Not Found</h1><p><b>Type</b> Status Report</p><p><b>Description</b> The origin server \
        did not find a current representation for the target resource.</p><h3>Apache Tomcat/8.5.57</h3></body></html>";
    assert_eq!(
        classify_html(200, tomcat_404.as_bytes()),
        PageKind::SoftNotFound
    );
}

/// Short documents that print their publication date are content, whatever their few lines
/// say: a notice that the site pauses for an upgrade, an article on the site's firewall, a
/// warning about fraud that quotes a block message, a short 批复 numbered 404号, an answer that the
/// information asked for does not exist, a guide that asks to log in first. So are short lists
/// whose entries are titled so (`404`, 关于网站升级改造期间暂停访问的公告). Their undated twins
/// are notices.
#[test]
fn short_dated_documents_that_say_the_words_are_content() {
    let dated = |title: &str, body: &str| {
        portal_page(
            title,
            &format!(
                "<h1>{title}</h1><div class=\"info\">发布时间：2023-04-28 来源：市政府办公室</div>\
                 <div class=\"TRS_Editor\">{body}</div>"
            ),
        )
    };
    let documents = [
        dated(
            "关于某某市人民政府网站升级改造期间暂停访问的公告",
            "<p>因网站升级改造需要，某某市人民政府网站将于2023年5月1日至5月3日暂停访问。给您带来的不便，敬请谅解。</p>",
        ),
        dated(
            "关于政务服务网系统维护的通知",
            "<p>因系统升级，政务服务网将于9月2日0时至6时进行系统维护，届时暂停访问，请合理安排办事时间。</p>",
        ),
        dated(
            "我局开展网站安全防护专项检查",
            "<p>近日，我局对门户网站部署安全狗网站防火墙，对疑似攻击的访问设置拦截，全年共拦截非法访问12万余次；\
             个别栏目访问过于频繁时响应缓慢，已完成扩容。</p>",
        ),
        dated(
            "关于防范电信诈骗的提示",
            "<p>近期有不法分子以您的账户访问过于频繁已被封禁为由实施诈骗，请广大市民提高警惕。</p>",
        ),
        dated(
            "某某省人民政府关于同意设立某某经济开发区的批复（某政函〔2019〕404号）",
            "<p>某某市人民政府：你市《关于申请设立某某经济开发区的请示》收悉。经研究，同意设立某某经济开发区。</p>",
        ),
        dated(
            "政府信息公开申请答复书",
            "<p>某某同志：本机关于2022年7月10日收到您的政府信息公开申请。经查，您申请获取的信息不存在，特此告知。</p>",
        ),
        dated(
            "政务服务网登录指南",
            "<p>办理业务请先登录，个人用户可使用手机号注册，法人用户使用电子营业执照登录。</p>",
        ),
        dated(
            "关于网站系统错误的整改情况",
            "<p>针对网民反映的系统错误和数据库连接失败问题，我办已完成整改。</p>",
        ),
        portal_page(
            "建议提案",
            "<ul><li><a href=\"./202305/t20230512_1.html\">404</a><span>2023-05-12</span></li>\
             <li><a href=\"./202304/t20230420_2.html\">关于第404号建议的答复</a><span>2023-04-20</span></li></ul>",
        ),
        portal_page(
            "复议决定",
            "<ul><li><a href=\"./202305/t20230512_3.html\">关于对被拒绝公开申请的复议决定</a><span>2023-05-12</span></li>\
             <li><a href=\"./202304/t20230420_4.html\">关于门户网站系统错误的整改情况</a><span>2023-04-20</span></li></ul>",
        ),
        portal_page(
            "通知公告",
            "<ul><li><a href=\"./202304/t20230428_5.html\">关于网站升级改造期间暂停访问的公告</a><span>2023-04-28</span></li>\
             <li><a href=\"./202303/t20230301_6.html\">关于个别IP访问过于频繁被封禁的说明</a><span>2023-03-01</span></li></ul>",
        ),
    ];
    let cases: Vec<_> = documents
        .iter()
        .map(|page| (200, page.clone(), PageKind::Content))
        .collect();
    assert_kinds(&cases);
    // A 404 that numbers or counts something is no status, dated or not.
    let undated_reply = portal_page(
        "某某省人民政府关于同意设立某某经济开发区的批复",
        "<p>某政函〔2019〕404号</p><p>某某市人民政府：你市《关于申请设立某某经济开发区的请示》收悉。经研究，同意设立。</p>",
    );
    assert_eq!(
        classify_html(200, undated_reply.as_bytes()),
        PageKind::Content
    );
    // A short undated piece of news whose 被 … 拦截 stops no request, a centre's page (系统维护
    // 中心 is no 系统维护中), and a short report page that links its file and mentions 系统错误,
    // are content too.
    let undated_content = [
        portal_page(
            "某某市政务信息系统维护中心",
            "<h1>某某市政务信息系统维护中心</h1><p>负责全市政务信息系统的运行维护。电话：0551-1234567。</p>",
        ),
        portal_page(
            "交警开展夜查行动",
            "<p>5月1日晚，一批违规车辆被交警拦截，现场查处酒驾2起。</p>",
        ),
        portal_page(
            "某某县2023年政府信息公开工作年度报告",
            "<p>本年度门户网站未发生系统错误。全文见附件。</p><a href=\"/upload/2023nb.pdf\">某某县2023年年报.pdf</a>",
        ),
    ];
    for page in undated_content {
        assert_eq!(
            classify_html(200, page.as_bytes()),
            PageKind::Content,
            "{page}"
        );
    }
    // The same words without a publication date are the notices they look like; an error
    // template whose date label is empty too.
    let undated = [
        (
            portal_page(
                "提示",
                "<p>本网站升级改造期间暂停访问，给您带来的不便，敬请谅解。</p>",
            ),
            challenge(ChallengeKind::Maintenance),
        ),
        (
            portal_page(
                "提示",
                "<h1></h1><div class=\"info\">发布时间： 来源：</div><p>您访问的页面不存在！</p>",
            ),
            PageKind::SoftNotFound,
        ),
        (
            portal_page("404 页面不存在", "<img src=\"/images/404.png\">"),
            PageKind::SoftNotFound,
        ),
    ];
    for (page, kind) in undated {
        assert_eq!(classify_html(200, page.as_bytes()), kind, "{page}");
    }
}
