//! Dedup tests: real pages edited in volatile places keep their content hash; edited content
//! changes it.

use nianbao::dedup::{content_hash, normalised_content, sha256_hex, strip_session_ids};

fn real_page(name: &str) -> String {
    let path = format!("{}/../shared/real-pages/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    String::from_utf8(bytes).unwrap_or_else(|e| panic!("{path} is UTF-8: {e}"))
}

/// `page` with the first occurrence of `from` replaced; the edit must apply.
fn edit(page: &str, from: &str, to: &str) -> String {
    assert!(page.contains(from), "the page contains {from:?}");
    page.replacen(from, to, 1)
}

const HANWEB: &str = "hanweb-zj-fgw-detail-meta-utf8.html";
const KAIPU: &str = "kaipu-ucap-gansu-samr-detail-meta-pubdate-mismatch-utf8.html";
const GONGBAO: &str = "trs-govcn-gongbao-detail-utf8.html";
const COUNTER_SPAN: &str = "<span>浏览次数： </span>";
const PDF_LINK: &str = "href=\"2032457/files/0417e94b71e1413a9b0858c212c8dcd9.pdf\"";
const GENERATED: &str = "页面生成时间 2023-04-18 15:24:29";

#[test]
fn volatile_edits_keep_the_hash() {
    let hanweb = real_page(HANWEB);
    let kaipu = real_page(KAIPU);
    let gongbao = real_page(GONGBAO);
    let body_end = "</body>";
    let cases: Vec<(&str, &str, String)> = vec![
        (
            "counter in a span",
            HANWEB,
            edit(
                &hanweb,
                COUNTER_SPAN,
                "<span>浏览次数： </span><span id=\"count\">123</span>",
            ),
        ),
        (
            "another counter value",
            HANWEB,
            edit(
                &hanweb,
                COUNTER_SPAN,
                "<span>浏览次数： </span><span id=\"count\">4567</span>",
            ),
        ),
        (
            "counter with 次",
            HANWEB,
            edit(&hanweb, COUNTER_SPAN, "<span>浏览次数：</span>【89】次"),
        ),
        (
            "counter written by script",
            HANWEB,
            edit(
                &hanweb,
                COUNTER_SPAN,
                "<span>浏览次数： <script>document.write(12)</script></span>",
            ),
        ),
        (
            "点击数 in the footer",
            KAIPU,
            edit(&kaipu, body_end, "<div>点击数：321</div></body>"),
        ),
        (
            "generation time in meta",
            KAIPU,
            edit(&kaipu, GENERATED, "页面生成时间 2024-01-09 08:00:01"),
        ),
        (
            "generation time shown",
            KAIPU,
            edit(
                &kaipu,
                body_end,
                "<p>页面生成时间：2024-01-09 08:00:01</p></body>",
            ),
        ),
        (
            "jsessionid on an attachment",
            KAIPU,
            edit(
                &kaipu,
                PDF_LINK,
                "href=\"2032457/files/0417e94b71e1413a9b0858c212c8dcd9.pdf;jsessionid=A1B2C3\"",
            ),
        ),
        (
            "sid query on an attachment",
            KAIPU,
            edit(
                &kaipu,
                PDF_LINK,
                "href=\"2032457/files/0417e94b71e1413a9b0858c212c8dcd9.pdf?sid=99\"",
            ),
        ),
        (
            "a changed script",
            GONGBAO,
            edit(
                &gongbao,
                "<script",
                "<script>var t = 1700000000;</script><script",
            ),
        ),
        (
            "a changed comment",
            GONGBAO,
            edit(&gongbao, body_end, "<!-- cache 2024-01-09 --></body>"),
        ),
        (
            "reflowed whitespace",
            GONGBAO,
            edit(&gongbao, body_end, "\n\n\t  </body>"),
        ),
    ];
    for (name, file, edited) in cases {
        let original = real_page(file);
        assert_ne!(
            sha256_hex(original.as_bytes()),
            sha256_hex(edited.as_bytes()),
            "{name}: raw bytes differ"
        );
        assert_eq!(content_hash(&original), content_hash(&edited), "{name}");
    }
}

#[test]
fn content_edits_change_the_hash() {
    let kaipu = real_page(KAIPU);
    let gongbao = real_page(GONGBAO);
    let cases: Vec<(&str, &str, String)> = vec![
        (
            "a changed sentence",
            GONGBAO,
            edit(&gongbao, "听取了财政部部长金人庆", "听取了财政部"),
        ),
        (
            "a changed attachment",
            KAIPU,
            edit(
                &kaipu,
                PDF_LINK,
                "href=\"2032457/files/ffffffffffffffffffffffffffffffff.pdf\"",
            ),
        ),
        (
            "a changed attachment title",
            KAIPU,
            edit(&kaipu, "祁尔康破壁灵芝孢子粉", "祁尔康灵芝孢子粉"),
        ),
        (
            "a counter-like word without its label",
            KAIPU,
            edit(&kaipu, "</body>", "<p>共计 321 件</p></body>"),
        ),
    ];
    for (name, file, edited) in cases {
        let original = real_page(file);
        assert_ne!(content_hash(&original), content_hash(&edited), "{name}");
    }
}

#[test]
fn normalised_content_is_the_visible_text_plus_document_links() {
    let html = "<html><head><title>T</title><script>var a=1</script></head><body>\
        <p>年度报告\u{3000}正文</p><style>p{}</style><noscript>启用脚本</noscript>\
        <p>浏览次数：<span id=\"count\">123</span></p>\
        <a href=\"/u/2023.pdf;jsessionid=XYZ?x=1\">附件</a><a href=\"/list.html?sid=1\">列表</a></body></html>";
    assert_eq!(
        normalised_content(html),
        "年度报告 正文 附件 列表\n/u/2023.pdf?x=1"
    );
}

#[test]
fn session_ids_are_stripped_from_links() {
    let cases = [
        ("/a/b.pdf;jsessionid=ABC123", "/a/b.pdf"),
        ("/a/b.pdf;JSESSIONID=ABC123?id=3", "/a/b.pdf?id=3"),
        ("/down.jsp?id=7&sid=xyz&type=pdf", "/down.jsp?id=7&type=pdf"),
        ("/down.jsp?sessionid=1&PHPSESSID=2", "/down.jsp"),
        ("/a.doc#page=2", "/a.doc#page=2"),
        ("/a.doc?siddharta=1", "/a.doc?siddharta=1"),
    ];
    for (href, expected) in cases {
        assert_eq!(strip_session_ids(href), expected, "{href}");
    }
}

#[test]
fn sha256_hex_is_lower_case_hex() {
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}
