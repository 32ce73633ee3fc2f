//! Shared helpers of the classify tests: real pages, synthetic portal pages, and the page kind
//! expected of a challenge or an attachment.
#![allow(dead_code)]

use nianbao::classify::{ChallengeKind, PageKind, classify};
use nianbao::decode::decode;

pub fn real_page(name: &str) -> Vec<u8> {
    let path = format!("{}/../shared/real-pages/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

pub fn challenge(kind: ChallengeKind) -> PageKind {
    PageKind::Challenge { challenge: kind }
}

pub fn classify_html(status: u16, body: &[u8]) -> PageKind {
    let decoded = decode(body, Some("text/html"));
    classify(status, Some("text/html"), body, Some(&decoded.text), None)
}

pub fn portal_page(title: &str, main: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head><meta charset=utf-8><title>{title}</title></head><body>\
         <div class=\"header\"><a href=\"/\">首页</a><a href=\"/xxgk/\">政府信息公开</a><a href=\"/zwfw/\">政务服务</a></div>\
         <div class=\"nav\"><ul><li>机构概况</li><li>政策文件</li><li>规划计划</li><li>财政信息</li></ul></div>\
         <div class=\"position\">当前位置：首页 &gt; 政府信息公开 &gt; 年度报告</div>\
         <div class=\"main\">{main}</div>\
         <div class=\"footer\">主办单位：某某市人民政府办公室 版权所有 网站标识码1234000001 京ICP备00000000号</div>\
         </body></html>"
    )
}

pub fn attachment(content_type: &str) -> PageKind {
    PageKind::Attachment {
        content_type: content_type.to_owned(),
    }
}
