//! An attachment's text that ran past its time limit, or whose reader was killed by a signal
//! nianbao did not send, is tried again by the next runs, at most three attempts in all, each in
//! a run of its own; one whose reader failed for a reason about the file is a verdict at once.
//! The PDF tool is a script on PATH that does what each night asks of it, and logs each file it
//! is given, so the tests count the attempts; `[crawl] text_time_limit` keeps them short.

mod attachment_support;
mod common;
mod politeness_support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::route_server::{
    RouteServer, exported, newest_run_report, numbered_portal, portals_config, report_page,
    run_nianbao,
};
use common::{Harness, stderr};
use nianbao_sim::{DocSpec, SiteSpec};
use politeness_support::run_report;
use serde_json::Value;

const TITLE: &str = "花甸镇2025年政府信息公开工作年度报告";

/// A `pdftotext` that answers `-v` and the CJK CMap probe at once, and reads a report as the file
/// `night` beside it says: `sleep` (past any limit), `segv`, `abort`, `damaged` (pdftotext's
/// answer for a file it cannot parse) or `answer`. Each report it is given adds a line to `log`.
struct Tool {
    dir: tempfile::TempDir,
}

impl Tool {
    fn new() -> Tool {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("scratch dir");
        let script = format!(
            "#!/bin/sh\n\
             [ \"$1\" = -v ] && {{ echo 'pdftotext version 22.12.0' >&2; exit 0; }}\n\
             case \"$6\" in *probe.pdf) echo 政府信息公开; exit 0;; esac\n\
             echo \"$6\" >> '{dir}/log'\n\
             case \"$(cat '{dir}/night')\" in\n\
             sleep) sleep 30;;\n\
             segv) kill -SEGV $$;;\n\
             abort) kill -ABRT $$;;\n\
             damaged) echo 'Syntax Error: Couldn'\"'\"'t find trailer dictionary' >&2; exit 1;;\n\
             *) printf '一、总体情况\\n二、主动公开政府信息情况\\n';;\n\
             esac\n",
            dir = dir.path().display()
        );
        let path = dir.path().join("pdftotext");
        std::fs::write(&path, script).expect("write the script");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        Tool { dir }
    }

    fn tonight(&self, what: &str) {
        std::fs::write(self.dir.path().join("night"), what).expect("write the night");
    }

    /// How many times a report was given to the tool.
    fn attempts(&self) -> usize {
        std::fs::read_to_string(self.dir.path().join("log"))
            .map(|log| log.lines().count())
            .unwrap_or(0)
    }

    fn path_var(&self) -> String {
        format!(
            "{}:{}",
            self.dir.path().display(),
            std::env::var("PATH").unwrap_or_default()
        )
    }
}

/// The no-metadata site with one more report, which links one PDF, read under a 1 s limit.
fn harness() -> Harness {
    let mut site = SiteSpec::standard()
        .into_iter()
        .find(|s| s.name == "nometa")
        .expect("the bundled nometa portal");
    site.docs.push(
        DocSpec::new(TITLE, "2026-01-20 09:00")
            .report(2025)
            .with_attachment(),
    );
    site.docs.sort_by_key(|d| d.published);
    let h = Harness::with_sites(vec![site], Duration::from_millis(20));
    h.edit_config(|t| {
        t.replace(
            "[fetch]\n",
            "[crawl]\ntext_time_limit = \"1s\"\n\n[fetch]\n",
        )
    });
    h
}

/// Crawls with `tool` as pdftotext; the run's stderr.
fn crawl(h: &Harness, tool: &Tool) -> String {
    let out = common::run_limited(
        {
            let mut cmd = h.command(&["crawl"]);
            cmd.env("PATH", tool.path_var());
            cmd
        },
        Duration::from_secs(120),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stderr(&out)
}

/// The report's versions: (seq, its attachment).
fn versions(h: &Harness) -> Vec<(u64, Value)> {
    h.export()
        .into_iter()
        .filter(|r| r["title"] == TITLE)
        .map(|r| (r["seq"].as_u64().unwrap_or(0), r["attachments"][0].clone()))
        .collect()
}

/// The one version's attachment, and its seq.
fn attachment(h: &Harness) -> (u64, Value) {
    let all = versions(h);
    assert_eq!(all.len(), 1, "one version: {all:#?}");
    all.into_iter().next().unwrap_or_default()
}

/// The newest run report's count of `kind` in the map `key`, over portals.
fn run_count(h: &Harness, key: &str, kind: &str) -> u64 {
    let report = run_report(h);
    report["portals"]
        .as_object()
        .map(|portals| portals.values().filter_map(|p| p[key][kind].as_u64()).sum())
        .unwrap_or(0)
}

fn texts_waiting(h: &Harness) -> Value {
    h.json_of(&["status", "--format", "json"])["texts_waiting"].clone()
}

fn text_file(h: &Harness, attachment: &Value) -> PathBuf {
    let path = attachment["text_path"].as_str().unwrap_or_default();
    h.data_dir().join(Path::new(path))
}

/// A night the tool timed out or was killed (by the kernel short of memory, a segfault), the
/// next it answers: the second run derives the text into the same version's record, counted.
#[test]
fn a_text_that_failed_for_the_night_is_derived_by_the_next_run() {
    for (night, reason) in [("sleep", "timed_out"), ("segv", "reader_died")] {
        let (h, tool) = (harness(), Tool::new());
        tool.tonight(night);
        crawl(&h, &tool);
        let (seq, first) = attachment(&h);
        assert!(first["text_path"].is_null(), "{night}: {first:#}");
        assert_eq!(first["text_retry"], reason, "{night}: {first:#}");
        assert_eq!(first["text_attempts"], 1, "{night}: {first:#}");
        assert_eq!(run_count(&h, "attachment_texts", reason), 1, "{night}");
        assert_eq!(
            texts_waiting(&h),
            serde_json::json!({ reason: 1 }),
            "{night}"
        );

        tool.tonight("answer");
        let said = crawl(&h, &tool);
        assert!(
            said.contains("texts left by earlier runs, taken up: derived=1"),
            "{night}: {said}"
        );
        assert_eq!(run_count(&h, "texts_taken_up", "derived"), 1, "{night}");
        let (again, read) = attachment(&h);
        assert_eq!(again, seq, "{night}: updated in place");
        assert!(read["text_error"].is_null(), "{night}: {read:#}");
        assert!(read.get("text_retry").is_none(), "{night}: {read:#}");
        let text = std::fs::read_to_string(text_file(&h, &read)).unwrap_or_default();
        assert!(text.contains("一、总体情况"), "{night}: {read:#}");
        assert_eq!(tool.attempts(), 2, "{night}");
        assert_eq!(texts_waiting(&h), serde_json::json!({}), "{night}");
    }
}

/// A tool that times out every night is given the file three times over three runs, then never
/// again: the error says so, and nothing waits.
#[test]
fn a_text_that_always_times_out_is_tried_three_times_then_left() {
    let (h, tool) = (harness(), Tool::new());
    tool.tonight("sleep");
    for run in 1..=3u32 {
        crawl(&h, &tool);
        assert_eq!(tool.attempts(), run as usize, "run {run}");
        let (_, a) = attachment(&h);
        assert_eq!(a["text_attempts"], run, "run {run}: {a:#}");
        if run > 1 {
            assert_eq!(
                run_count(
                    &h,
                    "texts_taken_up",
                    if run < 3 { "timed_out" } else { "failed" }
                ),
                1,
                "run {run}"
            );
        }
    }
    let (_, a) = attachment(&h);
    assert!(a.get("text_retry").is_none(), "{a:#}");
    let error = a["text_error"].as_str().unwrap_or_default();
    assert!(
        error.contains("ran longer than 1s") && error.contains("gave up after 3 attempts"),
        "{a:#}"
    );
    assert_eq!(texts_waiting(&h), serde_json::json!({}));
    let said = crawl(&h, &tool);
    assert!(!said.contains("taken up"), "{said}");
    assert_eq!(tool.attempts(), 3, "never a fourth attempt");
}

/// A file the tool cannot parse, or whose reader aborts, is a verdict: never read again.
#[test]
fn a_text_that_failed_for_the_file_is_not_tried_again() {
    for night in ["damaged", "abort"] {
        let (h, tool) = (harness(), Tool::new());
        tool.tonight(night);
        crawl(&h, &tool);
        let (_, a) = attachment(&h);
        assert!(a["text_error"].is_string(), "{night}: {a:#}");
        assert!(a.get("text_retry").is_none(), "{night}: {a:#}");
        assert_eq!(texts_waiting(&h), serde_json::json!({}), "{night}");
        tool.tonight("answer");
        let said = crawl(&h, &tool);
        assert!(!said.contains("taken up"), "{night}: {said}");
        assert_eq!(tool.attempts(), 1, "{night}");
    }
}

/// A county whose report links one ZIP of a DOCX (read in process) and a PDF (read by `tool`),
/// crawled under a 1 s limit: its server (kept alive), the scratch folder and the config.
struct ZippedCounty {
    _server: RouteServer,
    dir: tempfile::TempDir,
    config: PathBuf,
}

impl ZippedCounty {
    fn new() -> ZippedCounty {
        let body = attachment_support::zip(&[
            (
                "2025.docx",
                attachment_support::docx(attachment_support::REPORT_LINES),
            ),
            ("统计表.pdf", attachment_support::scanned_pdf()),
        ]);
        let server = RouteServer::bind("127.0.0.5");
        server.serve(std::sync::Arc::new(move |target: &str| {
            let html = "text/html; charset=utf-8".to_string();
            match target {
                "/files/2025.zip" => (200, "application/zip".into(), body.clone()),
                "/nb/" => (200, html, ZIP_LIST.as_bytes().to_vec()),
                t => numbered_portal(
                    t,
                    1,
                    |_| ZIP_LIST.as_bytes().to_vec(),
                    |n| (n == 1).then(|| report_page(2025, "/files/2025.zip")),
                ),
            }
        }));
        let dir = tempfile::tempdir().expect("scratch dir");
        let config = portals_config(
            dir.path(),
            &[("某某县人民政府", format!("{}/nb/", server.base))],
        );
        let text = std::fs::read_to_string(&config).expect("read the config");
        let text = text.replace(
            "[fetch]\n",
            "[crawl]\ntext_time_limit = \"1s\"\n\n[fetch]\n",
        );
        std::fs::write(&config, text).expect("write the config");
        ZippedCounty {
            _server: server,
            dir,
            config,
        }
    }

    /// Crawls with `tool` as pdftotext; the run's stderr.
    fn crawl(&self, tool: &Tool) -> String {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_nianbao"));
        cmd.arg("--config").arg(&self.config).arg("crawl");
        cmd.env("PATH", tool.path_var());
        let out = common::run_limited(cmd, Duration::from_secs(120));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stderr(&out)
    }

    /// The zip's attachment in the report's one version, and the text it names.
    fn zip(&self) -> (Value, String) {
        let records = exported(&self.config);
        let reports: Vec<&Value> = records
            .iter()
            .filter(|r| {
                r["url"]
                    .as_str()
                    .is_some_and(|u| u.ends_with("/art/1.html"))
            })
            .collect();
        assert_eq!(reports.len(), 1, "one version: {records:#?}");
        let a = reports[0]["attachments"]
            .as_array()
            .and_then(|all| {
                all.iter()
                    .find(|a| a["url"].as_str().is_some_and(|u| u.ends_with(".zip")))
            })
            .cloned()
            .unwrap_or_else(|| panic!("the zip attached: {:#}", reports[0]));
        let path = a["text_path"].as_str().unwrap_or_default();
        let text =
            std::fs::read_to_string(self.dir.path().join("data").join(path)).unwrap_or_default();
        (a, text)
    }

    fn run_count(&self, key: &str, kind: &str) -> u64 {
        let report = newest_run_report(self.dir.path());
        report["portals"]
            .as_object()
            .map(|portals| portals.values().filter_map(|p| p[key][kind].as_u64()).sum())
            .unwrap_or(0)
    }

    fn texts_waiting(&self) -> Value {
        let out = run_nianbao(&self.config, &["status", "--format", "json"]);
        assert!(out.status.success(), "status: {}", stderr(&out));
        let status: Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        status["texts_waiting"].clone()
    }
}

const ZIP_LIST: &str = "<html><head><meta charset=\"utf-8\"><title>年报</title></head><body><ul>\
    <li><a href=\"/art/1.html\">某某县人民政府2025年政府信息公开工作年度报告</a><span>2026-01-20</span></li>\
    </ul></body></html>";

/// The text of the zip's PDF section (empty when it has none).
fn pdf_section(text: &str) -> &str {
    text.split_once("=== 统计表.pdf ===\n")
        .map(|(_, pdf)| pdf)
        .unwrap_or_default()
}

/// A zip whose PDF timed out (or whose reader was killed) on the first night keeps its DOCX's
/// text and waits; the next night reads the PDF too, into the same version's record, counted as
/// a lone file's retry is.
#[test]
fn a_zip_whose_entry_failed_for_the_night_is_read_again_by_the_next_run() {
    for (night, reason) in [("sleep", "timed_out"), ("segv", "reader_died")] {
        let (county, tool) = (ZippedCounty::new(), Tool::new());
        tool.tonight(night);
        county.crawl(&tool);
        let (first, text) = county.zip();
        assert!(
            text.contains("本报告由花甸镇人民政府编制"),
            "{night}: {first:#}"
        );
        assert_eq!(pdf_section(&text), "", "{night}: {text}");
        assert_eq!(first["text_retry"], reason, "{night}: {first:#}");
        assert_eq!(first["text_attempts"], 1, "{night}: {first:#}");
        assert_eq!(county.run_count("attachment_texts", reason), 1, "{night}");
        assert_eq!(
            county.texts_waiting(),
            serde_json::json!({ reason: 1 }),
            "{night}"
        );

        tool.tonight("answer");
        let said = county.crawl(&tool);
        assert!(
            said.contains("texts left by earlier runs, taken up: derived=1"),
            "{night}: {said}"
        );
        let (read, text) = county.zip();
        assert!(read["text_error"].is_null(), "{night}: {read:#}");
        assert!(read.get("text_retry").is_none(), "{night}: {read:#}");
        assert!(
            text.contains("本报告由花甸镇人民政府编制"),
            "{night}: {text}"
        );
        assert!(
            pdf_section(&text).contains("一、总体情况"),
            "{night}: {text}"
        );
        assert_eq!(tool.attempts(), 2, "{night}");
        assert_eq!(county.texts_waiting(), serde_json::json!({}), "{night}");
    }
}

/// A zip whose PDF times out every night is read three times over three runs, then never
/// again: the entry's error says it gave up, and the DOCX's text stays.
#[test]
fn a_zip_whose_entry_always_times_out_gives_up_after_three_attempts() {
    let (county, tool) = (ZippedCounty::new(), Tool::new());
    tool.tonight("sleep");
    for run in 1..=3u32 {
        county.crawl(&tool);
        assert_eq!(tool.attempts(), run as usize, "run {run}");
        let (a, _) = county.zip();
        assert_eq!(a["text_attempts"], run, "run {run}: {a:#}");
        if run == 2 {
            assert_eq!(county.run_count("texts_taken_up", "timed_out"), 1);
        }
    }
    let (a, text) = county.zip();
    assert!(a.get("text_retry").is_none(), "{a:#}");
    // The zip's PDFs share one time limit: the error names what was left of it for this one.
    let error = a["text_error"].as_str().unwrap_or_default();
    assert!(
        error.starts_with("zip entry 统计表.pdf: pdftotext ran longer than ")
            && error.ends_with(" and was killed; gave up after 3 attempts"),
        "{a:#}"
    );
    assert!(text.contains("本报告由花甸镇人民政府编制"), "{text}");
    assert_eq!(county.run_count("texts_taken_up", "derived_partial"), 1);
    assert_eq!(county.texts_waiting(), serde_json::json!({}));
    let said = county.crawl(&tool);
    assert!(!said.contains("taken up"), "{said}");
    assert_eq!(tool.attempts(), 3, "never a fourth attempt");
}
