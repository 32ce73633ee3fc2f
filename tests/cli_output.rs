//! What people and machines read: JSON logs with `--log-format json`, `status` in text and JSON,
//! and the run summary naming blocked portals and paused hosts.

mod common;

use std::time::Duration;

use common::{Harness, stderr};
use nianbao_sim::SiteSpec;
use serde_json::Value;

#[test]
fn json_logs_status_and_the_summary_report_a_blocked_portal() {
    let specs = ["gbk", "blocked"]
        .iter()
        .map(|n| SiteSpec::standard_named(n).expect("standard site"))
        .collect();
    let h = Harness::with_sites(specs, Duration::from_millis(60));
    let out = h.run(&["--log-format", "json", "crawl"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a blocked portal makes exit code 1: {}",
        stderr(&out)
    );
    let log = stderr(&out);
    let events: Vec<Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let challenge = events
        .iter()
        .find(|e| {
            e["fields"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("anti-bot challenge"))
        })
        .unwrap_or_else(|| panic!("a JSON log event for the challenge in:\n{log}"));
    assert_eq!(challenge["level"], "WARN");
    assert!(
        challenge["fields"]["url"]
            .as_str()
            .is_some_and(|u| u.contains("127.0.0.")),
        "{challenge}"
    );
    let blocked = h.sim.site("blocked").portal_name().to_string();
    assert!(
        log.contains(&format!("{blocked}: ")) && log.contains("[UNREACHABLE]"),
        "summary:\n{log}"
    );

    let out = h.run(&["status", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let status: Value = serde_json::from_slice(&out.stdout).expect("status --format json is JSON");
    let portals = status["portals"].as_array().expect("portals");
    let gbk = portals
        .iter()
        .find(|p| p["portal"] == h.sim.site("gbk").portal_name())
        .expect("gbk portal");
    assert_eq!(gbk["documents"], h.sim.site("gbk").truth().len());
    assert_eq!(gbk["unreachable"], false);
    assert_eq!(
        gbk["lists"]["all"]["stated"], gbk["lists"]["all"]["found"],
        "{gbk}"
    );
    let blocked_row = portals
        .iter()
        .find(|p| p["portal"] == blocked)
        .expect("blocked portal");
    assert_eq!(blocked_row["documents"], 0);
    assert_eq!(blocked_row["unreachable"], true);
    assert!(
        blocked_row["last_run_blocked"].as_u64() >= Some(1),
        "{blocked_row}"
    );
    assert_eq!(status["last_seq"], h.sim.site("gbk").truth().len());

    let out = h.run(&["status"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("{blocked}: 0 documents")) && text.contains("UNREACHABLE"),
        "{text}"
    );
}

#[test]
fn a_list_that_states_only_its_page_count_is_checked_by_pages() {
    let h = Harness::with_sites(
        vec![SiteSpec::standard_named("nometa").expect("standard site")],
        Duration::from_millis(50),
    );
    let out = h.run(&["backfill", "--years", "2009-2024"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report_path = std::fs::read_dir(h.data_dir().join("runs"))
        .expect("runs folder")
        .map(|e| e.expect("entry").path())
        .next()
        .expect("a run report");
    let report: Value =
        serde_json::from_slice(&std::fs::read(report_path).expect("read")).expect("JSON");
    let all = &report["portals"][h.sim.site("nometa").portal_name()]["lists"]["all"];
    let pages = h
        .sim
        .site("nometa")
        .list_urls()
        .into_iter()
        .map(|(_, urls)| urls.len() as u64)
        .sum::<u64>();
    assert_eq!(
        all["stated"],
        Value::Null,
        "the site prints no item count: {all}"
    );
    assert_eq!(all["stated_pages"], pages, "共N页 is read: {all}");
    assert_eq!(all["pages"], pages, "every page was walked: {all}");
    assert!(
        stderr(&out).contains(&format!(
            "site states {pages} pages; walked {pages} pages, found 10 items, fetched 10 [ok]"
        )),
        "{}",
        stderr(&out)
    );
}

/// The raw-file link base a coverage page embeds (`rb`).
fn page_raw_base(page: &std::path::Path) -> String {
    let data = common::coverage_page_data(page);
    data["rb"].as_str().expect("a raw base").to_string()
}

#[test]
fn the_coverage_page_links_raw_files_below_the_raw_base_given() {
    let specs = vec![SiteSpec::standard_named("trs").expect("standard site")];
    let h = Harness::with_sites(specs, Duration::from_millis(30));
    let out = h.run(&["crawl"]);
    assert!(out.status.success(), "crawl: {}", stderr(&out));
    let page = h.dir.path().join("coverage.html");
    let page_arg = page.to_str().expect("UTF-8 temp path");

    // By default: data_dir, as a file: URL.
    let out = h.run(&["report", "--html", page_arg]);
    assert!(out.status.success(), "report: {}", stderr(&out));
    let data_dir = std::fs::canonicalize(h.data_dir()).expect("data_dir");
    assert_eq!(
        page_raw_base(&page),
        format!("file://{}/", data_dir.display())
    );

    // Served over HTTP: the links go below the base given, with or without its last `/`.
    for given in [
        "https://archive.example.org/nianbao",
        "https://archive.example.org/nianbao/",
    ] {
        let out = h.run(&["report", "--html", page_arg, "--raw-base", given]);
        assert!(
            out.status.success(),
            "report --raw-base {given}: {}",
            stderr(&out)
        );
        assert_eq!(page_raw_base(&page), "https://archive.example.org/nianbao/");
    }

    // Not a URL: a usage error naming the option and the value.
    let out = h.run(&[
        "report",
        "--html",
        page_arg,
        "--raw-base",
        "archive/nianbao",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--raw-base archive/nianbao: not a URL"),
        "{}",
        stderr(&out)
    );

    // A URL a browser would run or cannot open as a link base: refused the same way, and the
    // page written before is left as it was. (`javascript:` and `data:` bases made every raw
    // link of the shared page run code when clicked; `C:\…` parsed as a URL of scheme `c`.)
    for given in [
        "javascript:alert(document.domain)//",
        "data:text/html,<script>alert(1)</script>",
        "C:\\nianbao\\data",
        "vbscript:msgbox(1)",
    ] {
        let out = h.run(&["report", "--html", page_arg, "--raw-base", given]);
        assert_eq!(out.status.code(), Some(2), "{given}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!(
                "--raw-base {given}: not an http, https or file URL"
            )),
            "{}",
            stderr(&out)
        );
        assert_eq!(page_raw_base(&page), "https://archive.example.org/nianbao/");
    }
}

/// A command that reads the archive, pointed at a data_dir that does not exist (a typo in the
/// config or in --data-dir), says so and exits 2, and leaves no empty archive behind: a feed
/// consumer was told "at seq 0" and exited 0.
#[test]
fn reading_commands_refuse_a_data_dir_that_does_not_exist() {
    let h = Harness::with_sites(
        vec![SiteSpec::standard_named("gbk").expect("standard site")],
        Duration::from_millis(20),
    );
    let missing = h.dir.path().join("dta");
    let dir = missing.display().to_string();
    for args in [
        vec!["export", "--format", "jsonl"],
        vec!["status"],
        vec!["feed", "--list"],
        vec!["feed", "--consumer", "parser", "--exec", "cat"],
        vec!["failures"],
        vec!["tables"],
    ] {
        let mut all = vec!["--data-dir", dir.as_str()];
        all.extend(&args);
        let out = h.run(&all);
        let message = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {message}");
        assert!(message.contains("does not exist"), "{args:?}: {message}");
        assert!(message.contains(&dir), "{args:?}: {message}");
        assert!(!missing.exists(), "{args:?} made {dir}");
    }
    // A crawl makes it.
    let mut crawl = vec!["--data-dir", dir.as_str(), "crawl"];
    let out = h.run(&crawl);
    assert!(out.status.success(), "{}", stderr(&out));
    crawl[2] = "status";
    assert!(h.run(&crawl).status.success());
}

/// A reader that stops early (`nianbao status | head -c 10`) ends a command that only prints
/// quietly, as it ends `cat`: no panic, no backtrace. `status` panicked on the closed pipe.
#[test]
fn a_reader_that_closes_the_pipe_ends_a_printing_command_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let h = Harness::with_sites(
        vec![SiteSpec::standard_named("gbk").expect("standard site")],
        Duration::from_millis(20),
    );
    let out = h.run(&["crawl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for args in [
        vec!["status"],
        vec!["status", "--format", "json"],
        vec!["report", "--format", "json"],
        vec!["report", "--format", "csv"],
        vec!["export"],
        vec!["tables"],
        vec!["failures"],
        vec!["feed", "--consumer", "reader"],
        vec!["feed", "--list"],
    ] {
        let mut child = h
            .command(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("nianbao starts");
        // The reader is gone before the command prints a byte.
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("the command ends");
        let message = stderr(&out);
        assert!(!message.contains("panicked"), "{args:?}: {message}");
        assert!(
            out.status.success() || out.status.signal() == Some(libc::SIGPIPE),
            "{args:?}: {:?} {message}",
            out.status
        );
    }
}

/// A config that names no portal (no `seeds` key, which has no default, and no `[[portal]]`):
/// `crawl` and `backfill` exit 2 and say what to add, rather than report success every night.
#[test]
fn a_crawl_of_no_portals_is_a_config_error() {
    let dir = tempfile::tempdir().expect("scratch dir");
    std::fs::create_dir(dir.path().join("seeds")).expect("seeds folder");
    std::fs::write(
        dir.path().join("seeds").join("a.toml"),
        "[[portal]]\nname = \"甲县人民政府\"\nurl = \"http://127.0.0.1:9/nb/\"\n",
    )
    .expect("seed file");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "data_dir = \"data\"\n[politeness]\nuser_agent = \"nianbao-test/0.1 (+http://127.0.0.1/contact)\"\n",
    )
    .expect("config");
    crawl_and_backfill_refuse(&config, &["no portals configured", "seeds"]);
}

/// `crawl` and `backfill` with `config` exit 2 with a message that says each of `says`.
fn crawl_and_backfill_refuse(config: &std::path::Path, says: &[&str]) {
    for args in [vec!["crawl"], vec!["backfill", "--years", "2020-2021"]] {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_nianbao"));
        cmd.arg("--config").arg(config).args(&args);
        let out = common::run_limited(cmd, common::COMMAND_LIMIT);
        let message = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {message}");
        for words in says {
            assert!(message.contains(words), "{args:?}: {message}");
        }
    }
}

/// The shipped config.toml's placeholder contact is refused by `crawl` and `backfill` (exit 2,
/// naming the key): a server's operator must be able to reach whoever crawls.
#[test]
fn the_shipped_placeholder_contact_is_refused() {
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "data_dir = \"data\"\n[politeness]\nuser_agent = \"nianbao/0.1 (+https://example.org/change-this-contact-page; government report archiver)\"\n\
         [[portal]]\nname = \"甲县人民政府\"\nurl = \"http://127.0.0.1:9/nb/\"\n",
    )
    .expect("config");
    crawl_and_backfill_refuse(&config, &["politeness.user_agent", "placeholder"]);
}

/// Options that would be silently ignored are refused or named: `feed --commit` with `--limit`
/// (which printed nothing and committed), and a `NIANBAO_LOG` that is no log filter.
#[test]
fn ignored_options_are_refused_or_named() {
    let h = Harness::with_sites(
        vec![SiteSpec::standard_named("gbk").expect("standard site")],
        Duration::from_millis(20),
    );
    let out = h.run(&["crawl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = h.run(&[
        "feed",
        "--consumer",
        "parser",
        "--commit",
        "1",
        "--limit",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--limit"), "{}", stderr(&out));
    let mut status = h.command(&["status"]);
    status.env("NIANBAO_LOG", "nianbao=loud[");
    let out = common::run_limited(status, common::COMMAND_LIMIT);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("NIANBAO_LOG=nianbao=loud[ is not a log filter"),
        "{}",
        stderr(&out)
    );
}

/// Logs read from a file or the journal (stderr not a terminal) carry no colour codes: each
/// `ESC[…m` made a journal entry hard to read and a log file hard to grep.
#[test]
fn text_logs_to_a_pipe_carry_no_terminal_colour_codes() {
    let specs = vec![SiteSpec::standard_named("blocked").expect("standard site")];
    let h = Harness::with_sites(specs, Duration::from_millis(60));
    let mut cmd = h.command(&["crawl"]);
    cmd.env_remove("NO_COLOR");
    let out = common::run_limited(cmd, common::COMMAND_LIMIT);
    let log = stderr(&out);
    assert!(
        log.contains("WARN") && log.contains("anti-bot challenge"),
        "a warning line for the challenge in:\n{log}"
    );
    assert!(
        !out.stderr.contains(&0x1b),
        "no escape byte in logs written to a pipe:\n{log:?}"
    );
}

/// `demo --with FILE` names FILE and its line when FILE is no TOML, rather than a line of the
/// demo's own config that the tables were appended to, and starts nothing.
#[test]
fn demo_names_the_with_file_that_is_not_toml() {
    let dir = tempfile::tempdir().expect("temp dir");
    let extra = dir.path().join("storage.toml");
    std::fs::write(&extra, "[storage]\nurl = [\n").expect("write the file");
    let out = common::run_demo_with(&extra, &dir.path().join("demo"));
    let said = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains(&format!("{}:2:", extra.display())),
        "the file and its line: {said}"
    );
    assert!(
        !said.contains("simulated portals"),
        "nothing started: {said}"
    );
}
