//! An S3 bucket that loses what nianbao put in it between two runs (deleted by an operator, or
//! emptied by a lifecycle rule), against moto's S3 server on loopback: the crawls go on and end
//! with their run reports while the bucket is gone (their WARC files are put once it is back),
//! `verify --storage` names every missing copy, and `verify --storage --repair` refills the
//! bucket from data_dir once it exists again. Skipped, with a message, where moto_server is absent.

mod common;
mod s3_support;

use std::process::Output;
use std::time::Duration;

use common::{COMMAND_LIMIT, Harness, run_limited, stderr};
use nianbao_sim::SiteSpec;
use s3_support::{AWS_ENV, Moto};

const BUCKET: &str = "nianbao-lost";

fn run(h: &Harness, args: &[&str]) -> Output {
    let mut cmd = h.command(args);
    cmd.envs(AWS_ENV.iter().copied());
    run_limited(cmd, COMMAND_LIMIT)
}

fn all_output(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(out))
}

/// The names of the files in one of data_dir's folders, sorted.
fn names_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn a_bucket_deleted_between_two_runs_is_named_and_refilled_by_verify_repair() {
    let Some(moto) =
        Moto::start("a_bucket_deleted_between_two_runs_is_named_and_refilled_by_verify_repair")
    else {
        return;
    };
    moto.create_bucket(BUCKET);
    let h = Harness::with_sites(
        vec![SiteSpec::standard_named("trs").expect("standard site")],
        Duration::from_millis(30),
    );
    h.edit_config(|c| c + &moto.storage_toml(BUCKET, "archive"));
    let out = run(&h, &["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let records = h.export();
    assert!(!records.is_empty(), "the crawl archived");
    let runs_before = names_in(&h.data_dir().join("runs")).len();
    let first_warcs = names_in(&h.data_dir().join("warc"));

    // Two nights with the bucket gone: each crawl ends as usual, with its run report, and says
    // which WARC file it could not put.
    moto.delete_bucket(BUCKET);
    for night in 1..=2 {
        let out = run(&h, &["crawl"]);
        let log = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "night {night}: {log}");
        assert!(
            log.contains("cannot put WARC files into storage")
                && log.contains(&format!("s3://{BUCKET}/archive/warc/")),
            "night {night}: {log}"
        );
        assert_eq!(
            names_in(&h.data_dir().join("runs")).len(),
            runs_before + night,
            "night {night}: its run report is written"
        );
    }

    // Every copy the records name is missing, and named.
    let out = run(&h, &["verify", "--storage"]);
    let all = all_output(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    for r in &records {
        let key = r["raw_path"].as_str().expect("raw_path");
        assert!(
            all.contains(&format!("no object at s3://{BUCKET}/archive/{key}")),
            "verify names the missing copy {key}: {all}"
        );
    }

    // Repair cannot put into a bucket that does not exist; once it exists again, it refills it
    // from data_dir, and the next crawl puts the WARC files the nights without it left.
    let out = run(&h, &["verify", "--storage", "--repair"]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    moto.create_bucket(BUCKET);
    let out = run(&h, &["verify", "--storage", "--repair"]);
    assert_eq!(out.status.code(), Some(0), "{}", all_output(&out));
    let out = run(&h, &["verify", "--storage"]);
    assert_eq!(out.status.code(), Some(0), "{}", all_output(&out));
    let keys = moto.keys(BUCKET, "archive");
    for r in &records {
        let key = r["raw_path"].as_str().expect("raw_path");
        assert!(keys.iter().any(|k| k == key), "{key} is back: {keys:?}");
    }
    let out = run(&h, &["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let keys = moto.keys(BUCKET, "archive");
    let nights: Vec<String> = names_in(&h.data_dir().join("warc"))
        .into_iter()
        .filter(|name| !first_warcs.contains(name))
        .collect();
    assert!(
        nights.len() >= 2,
        "each night wrote a WARC file: {nights:?}"
    );
    for name in &nights {
        assert!(
            keys.iter()
                .any(|k| k.starts_with("warc/") && k.ends_with(&format!("/{name}"))),
            "{name} was put once the bucket was back: {keys:?}"
        );
    }
}
