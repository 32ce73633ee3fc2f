//! A WARC file rotated during a run is put into S3 storage (moto's server, started here on
//! loopback) while the run goes on, not only at its end; at the end every local WARC file is an
//! object with the same bytes. Skipped, with a message, where moto is not installed.

mod common;
mod s3_support;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::route_server::{RouteServer, numbered_portal, write_config};
use nianbao::dedup::sha256_hex;
use s3_support::{AWS_ENV, Moto};

const ITEMS: usize = 12;
/// Bytes of incompressible text per item page: two or three pages fill a 1 MiB WARC file.
const FILLER: usize = 400 * 1024;

fn filler(seed: u64) -> String {
    // xorshift64*: text that gzip cannot shrink much, so the WARC files grow as the pages do.
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..FILLER)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            alphabet[((x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) % 62) as usize] as char
        })
        .collect()
}

fn list_page(_: usize) -> Vec<u8> {
    let rows: String = (0..ITEMS)
        .map(|i| {
            format!(
                "<li><a href=\"/art/{i}.html\">某某县{}年政府信息公开工作年度报告</a><span>2025-01-{:02}</span></li>",
                2015 + i,
                i + 1
            )
        })
        .collect();
    format!(
        "<html><head><meta charset=\"utf-8\"><title>政府信息公开</title></head><body><ul class=\"list\">{rows}</ul></body></html>"
    )
    .into_bytes()
}

fn item_page(i: usize) -> Vec<u8> {
    format!(
        "<html><head><meta charset=\"utf-8\"><title>某某县{0}年政府信息公开工作年度报告</title></head>\
         <body><h1>某某县{0}年政府信息公开工作年度报告</h1><p>发布日期：2025-01-{1:02}</p>\
         <p>一、总体情况。</p><p>{2}</p></body></html>",
        2015 + i,
        i + 1,
        filler(i as u64 + 1)
    )
    .into_bytes()
}

/// One list page of every item.
fn route(target: &str) -> (u16, String, Vec<u8>) {
    numbered_portal(target, 1, list_page, |i| (i < ITEMS).then(|| item_page(i)))
}

#[test]
fn a_rotated_warc_file_is_put_while_the_run_goes_on() {
    let test = "a_rotated_warc_file_is_put_while_the_run_goes_on";
    let Some(moto) = Moto::start(test) else {
        return;
    };
    moto.create_bucket("rotation");
    let server = RouteServer::bind("127.0.0.47");
    let base = server.base.clone();
    server.serve(Arc::new(route));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = write_config(
        dir.path(),
        &format!(
            "data_dir = \"data\"\n[politeness]\nuser_agent = \"nianbao-test/0.1 (+http://127.0.0.1/contact)\"\n\
             per_host_interval = \"700ms\"\n[warc]\nmax_file_bytes = 1048576\n{}\n\
             [[portal]]\nname = \"某某县人民政府\"\nurl = \"{base}/xxgk/list.html\"\n",
            moto.storage_toml("rotation", "archive")
        ),
    );
    let mut crawl = Command::new(env!("CARGO_BIN_EXE_nianbao"));
    crawl
        .arg("--config")
        .arg(&config)
        .arg("crawl")
        .envs(AWS_ENV.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut crawl = crawl.spawn().expect("crawl starts");

    // Watch the bucket while the crawl runs: a WARC object before the end is a rotated file.
    let started = Instant::now();
    let mut put_during_the_run = Vec::new();
    while crawl.try_wait().expect("crawl state").is_none() {
        let warcs: Vec<String> = moto
            .objects("rotation", "archive")
            .into_keys()
            .filter(|k| k.starts_with("warc/"))
            .collect();
        if crawl.try_wait().expect("crawl state").is_none() && !warcs.is_empty() {
            put_during_the_run = warcs;
        }
        assert!(
            started.elapsed() < common::COMMAND_LIMIT,
            "the crawl ends in time"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let out = crawl.wait_with_output().expect("crawl ends");
    assert!(
        out.status.success(),
        "crawl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let local = common::warc_files(&dir.path().join("data"));
    assert!(
        local.len() >= 3,
        "{} pages of {FILLER} bytes rotate 1 MiB WARC files: {local:?}",
        ITEMS
    );
    assert!(
        !put_during_the_run.is_empty(),
        "a rotated WARC file is in the bucket before the run ends"
    );

    // At the end, every local WARC file is an object with its bytes.
    let objects = moto.objects("rotation", "archive");
    for file in &local {
        let name = file
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let (_, object) = objects
            .iter()
            .find(|(k, _)| k.starts_with("warc/") && k.ends_with(&format!("/{name}")))
            .unwrap_or_else(|| panic!("{name} is in the bucket"));
        let bytes = std::fs::read(file).expect("read WARC");
        assert_eq!(object.sha256, sha256_hex(&bytes), "{name}");
    }
}
