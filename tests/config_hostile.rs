//! Config files nobody on the team wrote, read by the real binary: an array where a table goes, a
//! `~` data_dir, a sweep period past 100 years, a CA file that is not there, a portal name with
//! an escape sequence, `find-section --max-requests 0`, one section under http and https, a seed
//! URL with a password or on port 0. Each is a bad config or usage (exit 2) naming the file, the
//! key and the expected form, and nothing is asked of the portal's server.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

use common::raw_server::{Handler, RawServer, answer};
use tokio::io::AsyncWriteExt;

/// A server answering every request with a small list page, logging what it was asked.
fn portal_server() -> RawServer {
    let server = RawServer::bind("127.0.0.247");
    let handler: Handler = Arc::new(|_target, mut socket| {
        Box::pin(async move {
            let page = answer(
                "200 OK",
                "text/html; charset=utf-8",
                b"<html><body>ok</body></html>",
            );
            let _ = socket.write_all(&page).await;
        })
    });
    server.serve(handler);
    server
}

/// Runs `nianbao --config config.toml ARGS` in `dir` (bounded: a config error ends at once).
fn nianbao(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nianbao"));
    cmd.current_dir(dir)
        .args(["--config", "config.toml"])
        .args(args);
    common::run_limited(cmd, Duration::from_secs(60))
}

/// Writes `config` to a scratch folder's `config.toml`, runs `crawl --dry-run`, and checks it
/// stops at the config: exit 2, `says` on stderr, no data_dir made, no request sent.
fn refused(config: &str, files: &[(&str, &str)], says: &[&str]) {
    let server = portal_server();
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = config.replace("BASE", &server.base);
    std::fs::write(dir.path().join("config.toml"), &config).expect("write config");
    for (name, text) in files {
        let text = text.replace("BASE", &server.base);
        std::fs::write(dir.path().join(name), text).expect("write seed file");
    }
    let out = nianbao(dir.path(), &["crawl", "--dry-run"]);
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{config}\n{err}");
    for part in says {
        assert!(err.contains(part), "{config}: missing {part:?} in\n{err}");
    }
    assert!(
        !dir.path().join("data").exists(),
        "{config}: a data_dir was made"
    );
    assert_eq!(server.targets(), Vec::<String>::new(), "{config}");
}

const PORTAL: &str = "[[portal]]\nname = \"某县\"\nurl = \"BASE/xxgk/\"\n";

/// serde reads a struct from an array one field at a time: `fetch = ["3s"]` loaded as
/// `fetch.timeout = "3s"`, and a portal written as `portal = [["name", "url"]]` was crawled.
#[test]
fn an_array_where_a_table_goes_is_refused() {
    refused(
        &format!("fetch = [\"3s\"]\n{PORTAL}"),
        &[],
        &["config.toml:1:9: fetch: expected a table, written [fetch], found an array"],
    );
    refused(
        "politeness = [\"nianbao (+https://example.org)\", \"2s\"]\n",
        &[],
        &["config.toml:1:14: politeness: expected a table, written [politeness], found an array"],
    );
    refused(
        "portal = [[\"某县\", \"BASE/xxgk/\"]]\n",
        &[],
        &["config.toml:1:11: portal[0]: expected a table, written [[portal]], found an array"],
    );
    refused(
        "seeds = [\"s.toml\"]\n",
        &[(
            "s.toml",
            "portal = [\"BASE/b/\", { name = \"甲\", url = \"BASE/a/\" }]\n",
        )],
        &["s.toml:1:11: portal[0]: expected a table, written [[portal]], found a string"],
    );
}

/// No shell reads the config: `~/archive` made a folder named `~` beside it.
#[test]
fn a_data_dir_starting_with_a_tilde_is_refused() {
    refused(
        &format!("data_dir = \"~/archive\"\n{PORTAL}"),
        &[],
        &[
            "config.toml:1:12: data_dir: expected a folder path",
            "found \"~/archive\": `~` is not expanded here",
        ],
    );
}

/// A portal's name is printed as written in the crawl summary: `\u{1b}[31m` in it coloured the
/// terminal of whoever read it.
#[test]
fn a_portal_name_with_control_characters_is_refused() {
    refused(
        "[[portal]]\nname = \"某县\\u001b[31m\"\nurl = \"BASE/xxgk/\"\n",
        &[],
        &[
            "config.toml:2:8: portal[0].name: expected a name without control characters",
            "found \"某县\\u{1b}[31m\"",
        ],
    );
}

/// Every duration key takes at most 100 years; `sweep_every` took any.
#[test]
fn a_sweep_period_past_100_years_is_refused() {
    refused(
        &format!("[crawl]\nsweep_every = \"500000y\"\n{PORTAL}"),
        &[],
        &[
            "config.toml:2:15: crawl.sweep_every: expected a duration such as \"30d\" of at most 100 years, or \"off\", found \"500000y\"",
        ],
    );
}

/// A CA file that is missing or not PEM was "store unusable" (exit 3), naming neither the
/// config file nor its line.
#[test]
fn a_bad_extra_ca_file_is_a_config_error() {
    refused(
        &format!("[fetch]\nextra_ca_file = \"ca/missing.pem\"\n{PORTAL}"),
        &[],
        &[
            "config.toml:2:17: fetch.extra_ca_file: expected a PEM file of CA certificates",
            "missing.pem",
        ],
    );
    refused(
        &format!("[fetch]\nextra_ca_file = \"ca.pem\"\n{PORTAL}"),
        &[("ca.pem", "这不是证书\n")],
        &[
            "config.toml:2:17: fetch.extra_ca_file: expected a PEM file of CA certificates",
            "holds no certificate",
        ],
    );
    // find-section fetches with the config's settings too.
    let server = portal_server();
    let dir = tempfile::tempdir().expect("scratch dir");
    std::fs::write(
        dir.path().join("config.toml"),
        "[fetch]\nextra_ca_file = \"ca/missing.pem\"\n",
    )
    .expect("write config");
    let out = nianbao(dir.path(), &["find-section", &format!("{}/", server.base)]);
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("config.toml:2:17: fetch.extra_ca_file"),
        "{err}"
    );
    assert_eq!(server.targets(), Vec::<String>::new());
}

/// `--max-requests 0` asked nothing and said "no section found" (exit 1), as if the site had none.
#[test]
fn find_section_refuses_a_budget_of_no_request() {
    let server = portal_server();
    let dir = tempfile::tempdir().expect("scratch dir");
    let start = format!("{}/", server.base);
    let out = nianbao(dir.path(), &["find-section", &start, "--max-requests", "0"]);
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--max-requests"), "{err}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("no section found"));
    assert_eq!(server.targets(), Vec::<String>::new());
    // One request is a budget: the start page is asked.
    let out = nianbao(dir.path(), &["find-section", &start, "--max-requests", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", common::stderr(&out));
    assert!(
        server.targets().contains(&"/".to_string()),
        "{:?}",
        server.targets()
    );
}

/// One list under http and under https was two sections, walked twice each night.
#[test]
fn one_section_under_http_and_https_is_refused() {
    refused(
        "[[portal]]\nname = \"甲\"\nurl = \"http://127.0.0.247/xxgk/\"\n\
         [[portal]]\nname = \"乙\"\nurl = \"https://127.0.0.247/xxgk\"\n",
        &[],
        &[
            "config.toml:6:7: portal[1].url: the URL https://127.0.0.247/xxgk names the section \
             already declared by portal[0] in config.toml (http://127.0.0.247/xxgk/)",
        ],
    );
    refused(
        "seeds = [\"s.toml\"]\n[[portal]]\nname = \"甲\"\nurl = \"https://127.0.0.247/xxgk/\"\n",
        &[(
            "s.toml",
            "[[portal]]\nname = \"乙\"\nurl = \"http://127.0.0.247/xxgk/index.html\"\n",
        )],
        &[
            "s.toml:3:7: portal[0].url: the URL http://127.0.0.247/xxgk/index.html names the \
             section already declared by portal[0] in config.toml (https://127.0.0.247/xxgk/)",
        ],
    );
}

/// Userinfo is never sent, so `user:pass@` in a seed only leaked the password into the crawl
/// summary; the refusal names the key and not the password.
#[test]
fn a_seed_url_with_a_password_is_refused_without_echoing_it() {
    let config = "[[portal]]\nname = \"某县\"\nurl = \"http://ops:s3cret@127.0.0.247/xxgk/\"\n";
    refused(
        config,
        &[],
        &[
            "config.toml:3:7: portal[0].url: expected an http:// or https:// URL with a host and \
             no user name or password (nianbao never sends them), found one for 127.0.0.247",
        ],
    );
    refused(
        "[[portal]]\nname = \"某县\"\nurl = \"http://ops@127.0.0.247/xxgk/\"\n",
        &[],
        &[
            "config.toml:3:7: portal[0].url: expected an http:// or https:// URL with a host and no user name",
        ],
    );
    let dir = tempfile::tempdir().expect("scratch dir");
    std::fs::write(dir.path().join("config.toml"), config).expect("write config");
    let out = nianbao(dir.path(), &["crawl", "--dry-run"]);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        common::stderr(&out)
    );
    assert!(!said.contains("s3cret"), "{said}");
    // One that does not parse (its port out of range) is named without it too.
    std::fs::write(
        dir.path().join("config.toml"),
        "[[portal]]\nname = \"某县\"\nurl = \"http://ops:s3cret@127.0.0.247:99999/xxgk/\"\n",
    )
    .expect("write config");
    let out = nianbao(dir.path(), &["crawl", "--dry-run"]);
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("found \"http://…@127.0.0.247:99999/xxgk/\""),
        "{err}"
    );
    assert!(!err.contains("s3cret"), "{err}");
}

/// Port 0 was accepted and the portal then came out unreachable every night.
#[test]
fn a_seed_url_on_port_0_is_refused() {
    refused(
        "[[portal]]\nname = \"某县\"\nurl = \"http://127.0.0.247:0/xxgk/\"\n",
        &[],
        &[
            "config.toml:3:7: portal[0].url: expected an http:// or https:// URL with a host and \
             a port from 1 to 65535, found port 0 in \"http://127.0.0.247:0/xxgk/\"",
        ],
    );
}
