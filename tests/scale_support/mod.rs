//! Shared by the benchmarks `tests/scale.rs` and `tests/shards_scale.rs` (and the segment test
//! `tests/shards_segments.rs`): a synthetic export record of a portal's document, and a command
//! run to its end with its wall time and peak RSS.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nianbao::export::ExportRecord;

/// A synthetic record of document `d` of portal `p{portal:04}` served at `base` (id, version
/// and seq left for the caller); one document in three is an annual report.
pub fn record(portal: usize, base: &str, d: usize, now: &str) -> ExportRecord {
    let sha = format!("{:064x}", (portal as u128) << 32 | d as u128);
    let hash = format!("{:064x}", (portal as u128) << 40 | d as u128 | 1 << 100);
    let mut fields = BTreeMap::new();
    fields.insert(
        "发布机构".to_string(),
        format!("某县{portal}人民政府办公室"),
    );
    fields.insert("索引号".to_string(), format!("11650000/{portal}-{d:05}"));
    let mut provenance = BTreeMap::new();
    provenance.insert("title".to_string(), "h1".to_string());
    provenance.insert("publish_date".to_string(), "meta-table".to_string());
    provenance.insert("issuing_body".to_string(), "meta-table".to_string());
    let value = serde_json::json!({
        "id": "", "version": 0, "seq": 0,
        "portal": format!("p{portal:04}"),
        "url": format!("{base}/art/{d}.html"),
        "aliases": [],
        "list_url": format!("{base}/xxgk/list.html"),
        "fetched_at": now,
        "http_status": 200,
        "content_type": "text/html; charset=utf-8",
        "charset": "utf-8", "charset_source": "meta",
        "sha256": sha,
        "content_hash": hash,
        "raw_path": format!("raw/{}/{}/{sha}.html", &sha[..2], &sha[2..4]),
        "title": format!("某县{portal}第{d}号政府信息公开工作年度报告"),
        "issuing_body": format!("某县{portal}人民政府办公室"),
        "index_number": format!("11650000/{portal}-{d:05}"),
        "doc_number": null,
        "publish_date": "2025-01-05",
        "report_year": 2024,
        "is_annual_report": d.is_multiple_of(3),
        "fields": fields,
        "provenance": provenance,
        "attachments": [],
    });
    serde_json::from_value(value).expect("a well-formed export record")
}

/// Runs `binary` to completion: (wall time, peak RSS in MB, success). The peak is the child's
/// own VmHWM, polled from /proc while it runs: wait4's ru_maxrss would also count the RSS this
/// test process had when it forked the child.
pub fn measure(binary: &Path, config: &Path, args: &[&str]) -> (Duration, f64, bool) {
    let started = Instant::now();
    let mut child = Command::new(binary)
        .arg("--config")
        .arg(config)
        .args(args)
        .env("NIANBAO_LOG", "nianbao=warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the nianbao binary starts");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0u64;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            let hwm = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
            if let Some(kb) = hwm {
                peak_kb = peak_kb.max(kb);
            }
        }
        if let Some(status) = child.try_wait().expect("wait for the child") {
            break status;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    (started.elapsed(), peak_kb as f64 / 1024.0, status.success())
}
