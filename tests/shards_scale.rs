//! The `--all-shards` benchmark (ignored by default; the README gives the command, beside the
//! scale benchmark's): writes a folder as shared storage with the feed segments of three shards,
//! 100,000 synthetic export records each (`NIANBAO_SHARDS_RECORDS` changes how many), generated
//! directly, no crawl, then runs `status --all-shards` and `report --all-shards --format json`
//! and prints each one's wall time and peak RSS. Figures are printed, never asserted: they
//! depend on the machine. `NIANBAO_SHARDS_COMPARE=PATH` also measures another nianbao binary on
//! the same storage and says whether its output is the same (but for the report's
//! `generated_at`).
#![allow(clippy::disallowed_macros)] // tests and benches print figures and progress

mod common;
mod scale_support;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use scale_support::{measure, record};

/// Records a segment holds: the feed log's segments are cut at 64 MiB, about this many records.
const PER_SEGMENT: usize = 50_000;
/// Portals each shard's records are spread over.
const PORTALS: usize = 1_000;

/// Shard `k`'s feed segments under `shared/feed/shard-k-of-3/`, named by their first seq, as a
/// shard puts them.
fn write_feed(shared: &Path, k: usize, records: usize) {
    let folder = shared.join(format!("feed/shard-{k}-of-3"));
    std::fs::create_dir_all(&folder).expect("feed folder");
    let now = "2026-01-05T01:02:03Z";
    let mut file = None;
    for i in 0..records {
        let seq = (i + 1) as u64;
        if i % PER_SEGMENT == 0 {
            let path = folder.join(format!("{seq:020}.jsonl"));
            let created = std::fs::File::create(&path).expect("segment");
            file = Some(std::io::BufWriter::new(created));
        }
        let portal = (k - 1) * PORTALS + i % PORTALS;
        let base = format!("http://portal-{portal}.example");
        let mut r = record(portal, &base, i / PORTALS, now);
        r.id = format!("{k}-{portal}-{}", i / PORTALS);
        r.version = 1;
        r.seq = seq;
        let out = file
            .as_mut()
            .expect("a segment is open from the first record on");
        serde_json::to_writer(&mut *out, &r).expect("a record written");
        out.write_all(b"\n").expect("a line written");
    }
    if let Some(mut out) = file {
        out.flush().expect("segment flushed");
    }
}

#[test]
#[ignore = "the --all-shards benchmark: a minute and a gigabyte of disk; run it by name (see README)"]
fn all_shards_over_three_shards_feed_logs() {
    let records = std::env::var("NIANBAO_SHARDS_RECORDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let shared = dir.path().join("shared");
    for k in 1..=3 {
        write_feed(&shared, k, records);
    }
    let config = dir.path().join("config.toml");
    let text = format!(
        "data_dir = {:?}\n\n[storage]\nurl = \"file://{}\"\n",
        dir.path().join("data").to_string_lossy(),
        shared.display()
    );
    std::fs::write(&config, text).expect("config");
    println!(
        "3 shards x {records} records: {:.0} MB of feed segments",
        common::dir_bytes(&shared.join("feed")) as f64 / 1e6
    );
    let this = Path::new(env!("CARGO_BIN_EXE_nianbao"));
    let other = std::env::var_os("NIANBAO_SHARDS_COMPARE").map(PathBuf::from);
    for args in [
        &["status", "--all-shards"][..],
        &["report", "--all-shards", "--format", "json"],
    ] {
        for binary in std::iter::once(this).chain(other.as_deref()) {
            let (took, peak_mb, ok) = measure(binary, &config, args);
            println!(
                "{:<40} {:>6.2} s, {peak_mb:>6.0} MB peak RSS{} ({})",
                args.join(" "),
                took.as_secs_f64(),
                if ok { "" } else { " (FAILED)" },
                binary.display()
            );
        }
        if let Some(other) = &other {
            let same = output(this, &config, args) == output(other, &config, args);
            println!(
                "  the two builds' outputs are {}",
                if same { "the same" } else { "DIFFERENT" }
            );
        }
    }
}

/// What `binary` prints on stdout and stderr, without the report's `generated_at` line.
fn output(binary: &Path, config: &Path, args: &[&str]) -> (String, String) {
    let out = Command::new(binary)
        .arg("--config")
        .arg(config)
        .args(args)
        .env("NIANBAO_LOG", "nianbao=warn")
        .output()
        .expect("the nianbao binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim_start().starts_with("\"generated_at\""))
        .collect::<Vec<_>>()
        .join("\n");
    (stdout, String::from_utf8_lossy(&out.stderr).into_owned())
}
