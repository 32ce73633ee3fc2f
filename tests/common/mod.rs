//! Shared harness of the integration tests: a simulator in this process, a scratch data_dir and
//! config, and the real `nianbao` binary run against them with a time limit.
#![allow(dead_code)]

pub mod captures;
pub mod full_disk;
pub mod nightly;
pub mod pages;
pub mod raw_server;
pub mod route_server;
pub mod runs;
pub mod tables;
pub mod tls_fetch;
pub mod tls_server;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use nianbao_sim::{Simulator, SiteSpec};
use serde_json::Value;

/// Longest a single command may run in a test before it is killed and the test fails.
pub const COMMAND_LIMIT: Duration = Duration::from_secs(240);

pub struct Harness {
    pub runtime: tokio::runtime::Runtime,
    pub sim: Simulator,
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    pub interval: Duration,
}

impl Harness {
    /// The standard simulated portals, crawled with `interval` between requests to one host.
    pub fn standard(interval: Duration) -> Harness {
        Harness::with_sites(nianbao_sim::SiteSpec::standard(), interval)
    }

    pub fn with_sites(sites: Vec<SiteSpec>, interval: Duration) -> Harness {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("test runtime starts");
        let sim = runtime
            .block_on(Simulator::start(sites))
            .expect("simulator starts on loopback");
        let dir = tempfile::tempdir().expect("scratch dir");
        let config = dir.path().join("config.toml");
        std::fs::write(&config, sim.config_toml(&dir.path().join("data"), interval))
            .expect("write config");
        Harness {
            runtime,
            sim,
            dir,
            config,
            interval,
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Appends TOML to the config (extra keys in the last table, or new tables).
    pub fn edit_config(&self, edit: impl FnOnce(String) -> String) {
        let text = std::fs::read_to_string(&self.config).expect("read config");
        std::fs::write(&self.config, edit(text)).expect("write config");
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_nianbao"));
        cmd.arg("--config").arg(&self.config).args(args);
        cmd.env("NIANBAO_LOG", "nianbao=info");
        cmd
    }

    /// Runs the binary to completion (or kills it at the limit and fails the test).
    pub fn run(&self, args: &[&str]) -> Output {
        run_limited(self.command(args), COMMAND_LIMIT)
    }

    /// Runs the binary, which must succeed, and reads the JSON it prints.
    pub fn json_of(&self, args: &[&str]) -> Value {
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        serde_json::from_slice(&out.stdout).expect("JSON on stdout")
    }

    /// Export records, in seq order.
    pub fn export(&self) -> Vec<Value> {
        self.export_of(&self.data_dir())
    }

    /// Export records of another data_dir with this config (a shard's, say), in seq order.
    pub fn export_of(&self, data_dir: &Path) -> Vec<Value> {
        let data_dir = data_dir.to_str().expect("a UTF-8 data_dir path");
        let out = self.run(&["--data-dir", data_dir, "export", "--format", "jsonl"]);
        assert!(
            out.status.success(),
            "export failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .expect("export is UTF-8")
            .lines()
            .map(|l| serde_json::from_str(l).expect("each export line is a JSON object"))
            .collect()
    }
}

/// Any URL is in scope.
fn any_scope(_: &url::Url) -> Result<(), nianbao::fetch::ExcludeReason> {
    Ok(())
}

/// Fetch options of the fetch-level tests: every URL in scope, private addresses allowed (the
/// test servers are on loopback), no validators, page hold or stop.
pub fn open_fetch_options() -> nianbao::fetch::FetchOptions<'static> {
    nianbao::fetch::FetchOptions {
        validators: None,
        scope: &any_scope,
        allow_private: true,
        hold: None,
        stop: None,
    }
}

/// `nianbao demo --with WITH --data-dir DATA_DIR`, run within `COMMAND_LIMIT`.
pub fn run_demo_with(with: &Path, data_dir: &Path) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nianbao"));
    cmd.arg("demo")
        .arg("--with")
        .arg(with)
        .arg("--data-dir")
        .arg(data_dir);
    run_limited(cmd, COMMAND_LIMIT)
}

/// Runs a command with stdout and stderr captured, killing it after `limit`. The pipes are
/// drained by `wait_with_output` on another thread, so a chatty child never blocks on a full pipe.
pub fn run_limited(mut cmd: Command, limit: Duration) -> Output {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    wait_limited(cmd.spawn().expect("the nianbao binary starts"), limit)
}

/// Waits for a child started with its stdout and stderr piped and collects them, killing it
/// after `limit` (and failing the test).
pub fn wait_limited(child: std::process::Child, limit: Duration) -> Output {
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(output) => output.expect("collect output"),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            let out = rx
                .recv()
                .expect("output after kill")
                .expect("collect output");
            panic!(
                "command ran longer than {limit:?}; stderr:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn raw_file(data_dir: &Path, record: &Value) -> PathBuf {
    data_dir.join(record["raw_path"].as_str().expect("raw_path is a string"))
}

/// The body a raw file holds: decompressed (by the zstd library itself, not nianbao's reader)
/// when its name ends in `.zst`, as it is otherwise.
pub fn read_raw(path: &Path) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("raw file {}: {e}", path.display()));
    if path.to_string_lossy().ends_with(".zst") {
        zstd::stream::decode_all(&bytes[..])
            .unwrap_or_else(|e| panic!("raw file {} is not zstd: {e}", path.display()))
    } else {
        bytes
    }
}

/// The body of a record's raw file (see `read_raw`).
pub fn raw_body(data_dir: &Path, record: &Value) -> Vec<u8> {
    read_raw(&raw_file(data_dir, record))
}

/// Export records carry seq 1..=n in order: no gaps, no repeats.
pub fn assert_seqs_contiguous(records: &[Value]) {
    let seqs: Vec<u64> = records
        .iter()
        .map(|r| r["seq"].as_u64().expect("seq"))
        .collect();
    assert_eq!(
        seqs,
        (1..=records.len() as u64).collect::<Vec<_>>(),
        "seq runs 1..n in export order, no gaps or repeats"
    );
}

/// The WARC files a run wrote under `data_dir/warc`, in name order (none when the folder is
/// missing).
pub fn warc_files(data_dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(data_dir.join("warc"))
        .map(|d| d.map(|e| e.expect("entry").path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.to_string_lossy().ends_with(".warc.gz"));
    files.sort();
    files
}

/// The records in a data_dir's feed log, read straight from its segment files (no nianbao
/// command in between, so nothing catches the log up first). Every line must be whole.
pub fn feed_log_records(data_dir: &Path) -> Vec<Value> {
    let dir = data_dir.join("feed/log");
    let mut segments: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .collect();
    segments.sort();
    let mut records = Vec::new();
    for segment in segments {
        let text = std::fs::read_to_string(&segment).expect("feed log is UTF-8");
        assert!(
            text.is_empty() || text.ends_with('\n'),
            "{} ends in a whole line",
            segment.display()
        );
        records.extend(
            text.lines()
                .map(|l| serde_json::from_str::<Value>(l).expect("each log line is JSON")),
        );
    }
    records
}

/// (seq, id, version, sha256) of each record, in the order given.
pub fn record_keys(records: &[Value]) -> Vec<(u64, String, u64, String)> {
    records
        .iter()
        .map(|r| {
            (
                r["seq"].as_u64().expect("seq"),
                r["id"].as_str().expect("id").to_string(),
                r["version"].as_u64().expect("version"),
                r["sha256"].as_str().expect("sha256").to_string(),
            )
        })
        .collect()
}

/// Five simulated portals on 127.0.0.11 to .15, which `--shard K/3` gives to all three shards
/// (the split is by host). Not the blocked or the Hanweb standard portal: their back-off and
/// size only make the shard tests slow.
pub fn three_shard_sites() -> Vec<SiteSpec> {
    let site = |name: &str| SiteSpec::standard_named(name).expect("standard site");
    vec![
        site("trs"),
        site("gbk"),
        site("big5"),
        site("trs").renamed("trs-copy", "另一个镇人民政府"),
        site("nometa"),
    ]
}

/// The bytes of the files under `path`, all the way down (0 for a path that is not there).
pub fn dir_bytes(path: &Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_bytes(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

/// The data a coverage page embeds (gzipped JSON in base64): `rb`, the raw-file link base, and
/// `p`, each portal as the page's script reads it.
pub fn coverage_page_data(page: &Path) -> Value {
    let html = std::fs::read_to_string(page).expect("the page was written");
    let start = html.find("id=\"data\">").expect("the page's data") + "id=\"data\">".len();
    let end = start + html[start..].find("</script>").expect("end of the data");
    let packed = data_encoding::BASE64
        .decode(html[start..end].trim().as_bytes())
        .expect("base64 data");
    let mut json = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&packed[..]), &mut json)
        .expect("gzipped data");
    serde_json::from_slice(&json).expect("JSON data")
}

/// Rewrites the schedule of the wait of the report at `url` for its attachments, as the days
/// passing (or a clock set wrong) would; the store is opened between runs, as nianbao opens it.
pub fn edit_attachment_wait(
    data_dir: &Path,
    url: &str,
    edit: impl FnOnce(&mut nianbao::store::RetrySchedule),
) {
    edit_url_state(data_dir, url, |state| {
        edit(
            state
                .attachment_wait
                .as_mut()
                .and_then(|w| w.retry.as_mut())
                .expect("a scheduled wait"),
        )
    });
}

/// Rewrites the retry schedule of the failed URL `url` (see `edit_attachment_wait`).
pub fn edit_failed_retry(
    data_dir: &Path,
    url: &str,
    edit: impl FnOnce(&mut nianbao::store::RetrySchedule),
) {
    edit_url_state(data_dir, url, |state| {
        edit(state.retry.as_mut().expect("a failed URL has a schedule"))
    });
}

fn edit_url_state(data_dir: &Path, url: &str, edit: impl FnOnce(&mut nianbao::store::UrlState)) {
    let store = nianbao::store::Store::open(data_dir).expect("open the store");
    let mut state = store
        .url_state(url)
        .expect("read")
        .expect("the URL's state");
    edit(&mut state);
    store
        .record_url(url, &state)
        .expect("rewrite the URL state");
    store.flush().expect("flush");
}

/// Every request but robots.txt is inside the section (`prefix`) or for an entry (`/art/`).
pub fn assert_in_scope(requests: &[String], prefix: &str) {
    let outside: Vec<&String> = requests
        .iter()
        .filter(|t| !t.starts_with(prefix) && !t.starts_with("/art/") && *t != "/robots.txt")
        .collect();
    assert!(
        outside.is_empty(),
        "requests outside the section: {outside:?}"
    );
}
