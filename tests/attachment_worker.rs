//! The readers nianbao runs itself (DOCX, OFD, Word XML, DOC, RTF, spreadsheets) read each file in
//! a child process of the `nianbao` binary (`src/text/worker.rs`): the same text and errors as in
//! process, and a file that kills its reader costs that attachment's text, not the crawl.

mod attachment_support;
mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::route_server::{RouteServer, numbered_portal, portals_config, run_nianbao};
use common::stderr;
use nianbao::text::worker::Worker;
use nianbao::text::{Tools, derive};

fn in_child_processes() -> Tools {
    Tools {
        pdftotext: None,
        worker: Some(Worker::new(
            PathBuf::from(env!("CARGO_BIN_EXE_nianbao")),
            ["extract-text"],
        )),
        time_limit: None,
    }
}

/// Whole, cut short and with changed bytes, every format reads the same in a child process as in
/// this one: the same source, text, error (each kind of it crosses the pipe) and zip entries'
/// failures.
#[test]
fn every_format_reads_the_same_in_a_child_process() {
    let dir = tempfile::tempdir().expect("scratch dir");
    let archive = nianbao::archive::Archive::open(dir.path()).expect("archive opens");
    let scratch = |bytes: &[u8]| archive.temporary_copy("entry.pdf", bytes);
    let (here, there) = (Tools::default(), in_child_processes());
    let mut errors = std::collections::BTreeSet::new();
    for (n, whole) in attachment_support::in_process_formats()
        .into_iter()
        .enumerate()
    {
        let mut variants = vec![whole.clone()];
        for k in 1..5 {
            variants.push(whole[..whole.len() * k / 5].to_vec());
            let mut changed = whole.clone();
            let at = whole.len() * k / 5;
            changed[at] ^= 0x5a;
            variants.push(changed);
        }
        for (v, body) in variants.iter().enumerate() {
            let read = |tools: &Tools| {
                derive(body, Path::new("unused.pdf"), tools, &scratch)
                    .map(|d| (d.format, d.source, d.result, d.entry_failures))
            };
            let (a, b) = (read(&here), read(&there));
            assert_eq!(a, b, "file {n}, variant {v}");
            if let Some((_, _, Err(e), _)) = &a {
                errors.insert(e.kind());
            }
        }
    }
    // The damage reaches more than one kind of error, so errors' crossing is tried too.
    assert!(errors.contains("corrupt"), "{errors:?}");
}

/// A PDF tool stopped by a signal nianbao did not send (systemd's SIGTERM reaches every process
/// of the service) gives no verdict on the file: its record names no source, so that
/// `nianbao text` takes it again, and it is counted `interrupted`, not `failed`. So for a zip's
/// PDF too, and for the readers' own child process.
#[test]
fn a_reader_stopped_from_outside_leaves_the_file_to_be_read_again() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().expect("scratch dir");
    let stopped = dir.path().join("pdftotext");
    std::fs::write(&stopped, "#!/bin/sh\nkill -TERM $$\n").expect("write the script");
    std::fs::set_permissions(&stopped, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let tools = Tools {
        pdftotext: Some(nianbao::text::Pdftotext {
            path: stopped.clone(),
            version: "22.12.0".into(),
            cjk_cmaps: true,
        }),
        worker: Some(Worker::new(stopped, Vec::<String>::new())),
        time_limit: None,
    };
    let pdf = attachment_support::cid_pdf(
        attachment_support::CidEncoding::IdentityHToUnicode,
        attachment_support::REPORT_LINES,
    );
    let docx = attachment_support::docx(attachment_support::REPORT_LINES);
    let zipped = attachment_support::zip(&[("年报.pdf", pdf.clone())]);
    for (what, body, tool) in [
        ("a PDF", pdf, "pdftotext"),
        ("a zip's PDF", zipped, "pdftotext"),
        ("a DOCX", docx, "docx-xml"),
    ] {
        let (_d, info, text) = attachment_support::derive_stored(&body, &tools);
        let info = info.expect("a document is described");
        assert_eq!(info.text_source, None, "{what}: {info:?}");
        assert_eq!(
            info.text_error.as_deref(),
            Some(
                format!(
                    "interrupted: {tool} was stopped by signal 15; the next crawl (or nianbao text) derives it again"
                )
                .as_str()
            ),
            "{what}"
        );
        assert_eq!(
            (info.outcome().as_str(), text),
            ("interrupted", None),
            "{what}"
        );
    }
}

const POISON_ENV: &str = "NIANBAO_TEST_POISON";
const POISON: &str = "NB-POISONED-ATTACHMENT";

/// A list of two reports, each linking its attachment.
fn list() -> Vec<u8> {
    "<html><head><meta charset=\"utf-8\"><title>年报</title></head><body><ul>\
     <li><a href=\"/art/1.html\">某某县人民政府2025年政府信息公开工作年度报告</a><span>2026-01-20</span></li>\
     <li><a href=\"/art/2.html\">某某县人民政府2024年政府信息公开工作年度报告</a><span>2025-01-20</span></li>\
     </ul></body></html>"
        .as_bytes()
        .to_vec()
}

fn report_page(year: u32, file: &str) -> Vec<u8> {
    format!(
        "<html><head><meta charset=\"utf-8\"><title>某某县人民政府{year}年政府信息公开工作年度报告</title></head><body>\
         <h1>某某县人民政府{year}年政府信息公开工作年度报告</h1><div class=\"content\">\
         <p>发布机构：某某县人民政府办公室</p><p>报告全文见附件。</p>\
         <p>附件：<a href=\"{file}\">{year}年度报告</a></p></div></body></html>"
    )
    .into_bytes()
}

/// A file that aborts its reader (the crash guard's test marker, which test builds abort on
/// where nianbao reads a file itself) is one attachment's `text_error`; the crawl lives, ends
/// normally, and reads the other report's attachment.
#[test]
fn a_file_that_kills_its_reader_costs_its_text_not_the_crawl() {
    let rtf = format!("{{\\rtf1\\ansi\\ansicpg936 {POISON} 2025 report\\par}}").into_bytes();
    let docx = attachment_support::docx(attachment_support::REPORT_LINES);
    let server = RouteServer::bind("127.0.0.2");
    server.serve(Arc::new(move |target: &str| {
        let file = |body: &Vec<u8>| (200, "application/msword".to_string(), body.clone());
        match target {
            "/files/2025.doc" => file(&rtf),
            "/files/2024.docx" => file(&docx),
            t => numbered_portal(
                t,
                1,
                |_| list(),
                |n| match n {
                    1 => Some(report_page(2025, "/files/2025.doc")),
                    2 => Some(report_page(2024, "/files/2024.docx")),
                    _ => None,
                },
            ),
        }
    }));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = portals_config(
        dir.path(),
        &[("某某县人民政府", format!("{}/xxgk/list.html", server.base))],
    );
    let out = common::run_limited(
        {
            let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_nianbao"));
            cmd.arg("--config")
                .arg(&config)
                .arg("crawl")
                .env(POISON_ENV, POISON);
            cmd
        },
        std::time::Duration::from_secs(60),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let export = run_nianbao(&config, &["export", "--format", "jsonl"]);
    assert!(export.status.success(), "{}", stderr(&export));
    let records: Vec<serde_json::Value> = String::from_utf8_lossy(&export.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let attachment_of = |page: &str| {
        let record = records
            .iter()
            .find(|r| r["url"].as_str().is_some_and(|u| u.ends_with(page)))
            .unwrap_or_else(|| panic!("no record of {page}: {records:#?}"));
        record["attachments"][0].clone()
    };
    let killed = attachment_of("/art/1.html");
    assert!(
        killed["url"]
            .as_str()
            .is_some_and(|u| u.ends_with("/files/2025.doc")),
        "{killed:#}"
    );
    let error = killed["text_error"].as_str().unwrap_or_default();
    assert!(
        error.contains("the extractor's process died") && error.contains("signal 6"),
        "{killed:#}"
    );
    assert!(killed["text_path"].is_null(), "{killed:#}");
    // The other report's attachment is read as usual: nothing else was lost with the reader.
    let read = attachment_of("/art/2.html");
    assert!(
        read["text_path"].is_string() && read["text_error"].is_null(),
        "{read:#}"
    );
}

/// The readers' child process runs with 6 GiB of address space, soft and hard (README
/// "Attachments' text"), so that a runaway allocation fails in the child instead of taking the
/// machine's memory. Read from outside, in `/proc`, on a child started as the crawl starts it,
/// while it waits for the rest of its file.
///
/// No input here makes a reader allocate past the cap: the readers' own bounds (32 MiB a zip
/// entry, 128 MiB a file, 2,000,000 cells, shared strings no more than the bytes hold, 256 MiB
/// of input) keep every file far below it, which is what the cap stands behind.
#[cfg(target_os = "linux")]
#[test]
fn the_readers_child_runs_with_six_gib_of_address_space() {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .args(["extract-text", "docx-xml"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the nianbao binary starts");
    let pid = child.id();
    let mut stdin = child.stdin.take().expect("stdin was asked to be piped");
    // The child caps itself before it reads its file, so once more than a pipe holds has gone
    // in, the cap is set; its stdin is left open, so it waits for the rest.
    let (wrote, written) = std::sync::mpsc::channel();
    let writer = std::thread::spawn(move || {
        let _ = wrote.send(stdin.write_all(&vec![b'x'; 1 << 20]).is_ok());
        stdin
    });
    let read = written.recv_timeout(common::COMMAND_LIMIT);
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits"));
    if read != Ok(true) {
        // A child that never read would keep the writing thread waiting.
        let _ = child.kill();
    }
    let stdin = writer
        .join()
        .expect("the writing thread ends once it has written");
    drop(stdin);
    let out = common::wait_limited(child, common::COMMAND_LIMIT);
    assert_eq!(read, Ok(true), "the child reads its file: {}", stderr(&out));
    let limits = limits.expect("the child's limits, read while it was alive");
    let address_space: Vec<&str> = limits
        .lines()
        .find_map(|line| line.strip_prefix("Max address space"))
        .unwrap_or_else(|| panic!("no address space line in {limits}"))
        .split_whitespace()
        .collect();
    let six_gib = (6u64 << 30).to_string();
    assert_eq!(
        address_space,
        [six_gib.as_str(), six_gib.as_str(), "bytes"],
        "soft and hard: {limits}"
    );
    // And it is the reader that answered, once its file was whole: 1 MiB of `x` is no DOCX.
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let answer = String::from_utf8_lossy(&out.stdout);
    assert!(
        answer.starts_with(r#"{"error":{"kind":"corrupt""#),
        "{answer}"
    );
}
