//! The command line: every subcommand and flag, parsed once by clap.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::config::Shard;

#[derive(Debug, Parser)]
#[command(
    name = "nianbao",
    version,
    about = "Harvest and archive government information-disclosure annual reports"
)]
pub struct Cli {
    /// Config file; relative paths inside it are relative to its folder.
    #[arg(
        long,
        global = true,
        default_value = "config.toml",
        value_name = "PATH"
    )]
    pub config: PathBuf,
    /// Override the config's data_dir.
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// One JSON export record per line on stdout.
    Jsonl,
    /// Write WARC records for archived versions not yet in WARC (made while WARC output was off).
    Warc,
    /// A CDXJ index of the archive's WARC files on stdout (for pywb).
    Cdxj,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TablesFormat {
    /// One JSON object per report version.
    Jsonl,
    /// One row per table cell (long format), with the version's ids.
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Csv,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InspectFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Walk every configured portal section, fetch what is new, archive it, print a summary.
    Crawl {
        /// Walk the list pages and print the items that would be fetched, without fetching them.
        #[arg(long)]
        dry_run: bool,
        /// Crawl only shard K of N: the portals whose host hashes to K (README, "Crawl shards").
        #[arg(long, value_name = "K/N", value_parser = parse_shard)]
        shard: Option<Shard>,
    },
    /// Walk every page of every section and archive the annual reports of the given years.
    Backfill {
        /// Report years, e.g. 2009-2017 or 2015.
        #[arg(long, value_parser = parse_years)]
        years: (i32, i32),
        /// Backfill only shard K of N, like `crawl --shard`.
        #[arg(long, value_name = "K/N", value_parser = parse_shard)]
        shard: Option<Shard>,
    },
    /// Per portal: documents, versions, last run, failures, blocked hosts.
    Status {
        #[arg(long, value_enum, default_value_t = StatusFormat::Text)]
        format: StatusFormat,
        /// One view of every shard, from the run reports and feed logs in shared storage
        /// (README, "Crawl shards").
        #[arg(long)]
        all_shards: bool,
        /// List the withdrawn documents instead, newest withdrawal first: portal, issuing body,
        /// report year, title, URLs, since, answer and the archived copy.
        #[arg(long, conflicts_with = "all_shards")]
        withdrawn: bool,
    },
    /// The coverage matrix: per portal and issuing body, each report year's state. `--html FILE`
    /// writes one self-contained page; `--format csv|json` prints the same data.
    Report {
        /// Write the coverage page to this file.
        #[arg(long, value_name = "FILE", required_unless_present = "format")]
        html: Option<std::path::PathBuf>,
        /// Print the matrix as CSV (one line per cell) or JSON on stdout.
        #[arg(long, value_enum)]
        format: Option<ReportFormat>,
        /// pywb collection URL the page's replay links start with (when WARC output is on).
        #[arg(
            long,
            value_name = "URL",
            default_value = "http://localhost:8080/nianbao/"
        )]
        replay_base: String,
        /// URL the page's raw-file links start with, for an archive served over HTTP (a web
        /// server on data_dir, or a bucket's HTTPS endpoint): `raw/ab/<sha256>.zst` is linked
        /// below it: an http, https or file URL. By default: data_dir as a `file:` URL, or the
        /// storage's URL with `--all-shards`.
        #[arg(long, value_name = "URL")]
        raw_base: Option<String>,
        /// The matrix of every shard, from the run reports and feed logs in shared storage.
        #[arg(long)]
        all_shards: bool,
    },
    /// Failed URLs without a document: kind, failures, next retry, gone. `--retry` and
    /// `--retry-all-gone` make URLs due again at the next run.
    Failures {
        /// Only the URLs that are gone (no longer asked for by the nightly crawl).
        #[arg(long)]
        gone: bool,
        /// Make this URL due at the next run and forget its failures (repeatable).
        #[arg(long, value_name = "URL")]
        retry: Vec<String>,
        /// Make every gone URL due at the next run and forget its failures.
        #[arg(long, conflicts_with = "retry")]
        retry_all_gone: bool,
        #[arg(long, value_enum, default_value_t = StatusFormat::Text)]
        format: StatusFormat,
    },
    /// Print one JSON object per archived document version, in archive order (jsonl); or write
    /// WARC for versions not yet in WARC (warc); or print a CDXJ index of the WARC files (cdxj).
    Export {
        #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
        format: ExportFormat,
        /// Only versions with a seq greater than this (jsonl, warc; cdxj indexes every file).
        #[arg(long, default_value_t = 0, value_name = "SEQ")]
        since: u64,
    },
    /// The statistics tables (sections 二, 三, 四) of every archived annual-report version, with
    /// headline figures from the text and consistency checks, across years too.
    Tables {
        #[arg(long, value_enum, default_value_t = TablesFormat::Jsonl)]
        format: TablesFormat,
        /// Only versions with a seq greater than this.
        #[arg(long, default_value_t = 0, value_name = "SEQ", conflicts_with = "id")]
        since: u64,
        /// Only this document (with --version: only that version).
        #[arg(long, value_name = "ID")]
        id: Option<String>,
        #[arg(long, value_name = "V", requires = "id")]
        version: Option<u32>,
    },
    /// Hand archived document versions to a downstream consumer, in seq order, at least once.
    Feed {
        /// The consumer's name (1 to 64 letters, digits, `-`, `_`, `.`, not starting with `.`); each
        /// keeps its own position.
        #[arg(long, value_parser = parse_consumer, required_unless_present = "list")]
        consumer: Option<String>,
        /// Print at most this many records.
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        /// Commit the consumer's position up to SEQ (records up to SEQ are done).
        #[arg(long, value_name = "SEQ", conflicts_with_all = ["exec", "list", "limit"])]
        commit: Option<u64>,
        /// Run CMD once per record (record JSON on stdin, raw file path in NIANBAO_RAW_PATH),
        /// committing after each exit status 0 and stopping at the first failure.
        #[arg(long, value_name = "CMD", conflicts_with = "list")]
        exec: Option<String>,
        /// List every consumer with its position and lag.
        #[arg(long)]
        list: bool,
    },
    /// Publish to the `[feed]` JetStream stream every archived version not acknowledged yet, in
    /// seq order (crawl and backfill do this at their start and as they commit).
    Publish {
        /// Publish again every version after SEQ (the stream's duplicate window drops those it
        /// still holds), e.g. 0 for a new, empty stream.
        #[arg(long, value_name = "SEQ")]
        since: Option<u64>,
    },
    /// Derive the text of archived PDF, DOC, DOCX, WPS, OFD, RTF, spreadsheet (XLSX, XLS, ET, ODS)
    /// and ZIP files that have none yet (archived before text was derived, or while pdftotext was
    /// missing), and name it in their records.
    Text {
        /// Only versions with a seq greater than this.
        #[arg(long, default_value_t = 0, value_name = "SEQ")]
        since: u64,
        /// Derive every file's text again, not only the missing ones.
        #[arg(long)]
        redo: bool,
    },
    /// Decode, classify, discover and extract one page (a saved file or a live URL) and show what
    /// each step found. Needs no config (the default politeness applies without one) and no store.
    Inspect {
        /// A saved page, or an http(s) URL to fetch (robots.txt and the host gap are respected).
        #[arg(value_name = "FILE_OR_URL")]
        target: String,
        /// The address a saved page was fetched from, so its links resolve as on the site.
        #[arg(long, value_name = "URL")]
        url: Option<url::Url>,
        /// Read the page as a report the crawl found on a list page of this name (`本级年报`, as
        /// the list page's `inspect` prints it under `list name`), so that a heading that is
        /// only the list's name gives way to the report's title, as in the crawl.
        #[arg(long, value_name = "NAME")]
        list_name: Option<String>,
        #[arg(long, value_enum, default_value_t = InspectFormat::Text)]
        format: InspectFormat,
    },
    /// From a portal's home page (or any page of its site) to the body's annual-report section:
    /// follows links labelled 政府信息公开, 政务公开, 年报 or 年度报告 within the site, politely and
    /// within a request budget, and prints the sections found with a seed entry for the best.
    /// Exit code 1 when none was found. Needs no config and no store.
    FindSection {
        /// The page to start from: the portal's home page, or any page of its site.
        #[arg(value_name = "URL")]
        start: url::Url,
        /// Pages asked at most (robots.txt not counted, nor links it refuses).
        // At least 1: with nothing asked, "no section found" would say nothing of the site.
        #[arg(long, default_value_t = 30, value_name = "N",
              value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
        max_requests: usize,
        /// Look for every body's section the walk can reach (a platform's departments and
        /// towns, by links that name a body), up to --max-requests, and print a seed entry for
        /// each, rather than stopping at the first.
        #[arg(long)]
        all: bool,
        #[arg(long, value_enum, default_value_t = InspectFormat::Text)]
        format: InspectFormat,
    },
    /// Read back every file the archive's records name (raw bodies, wire bodies, derived text)
    /// and check each against its sha256; with --warc, every record of the WARC files too.
    /// Changes nothing unless --repair. Exit code 1 when something is (still) missing or
    /// damaged.
    Verify {
        /// Only versions with a seq greater than this.
        #[arg(long, default_value_t = 0, value_name = "SEQ")]
        since: u64,
        /// Also read every record of the WARC files in data_dir and check its digests.
        #[arg(long)]
        warc: bool,
        /// With remote storage, also check the stored copy of every file that data_dir holds.
        #[arg(long)]
        storage: bool,
        /// Write a whole copy over each missing or damaged file that has one: its stored copy,
        /// or a WARC record holding the same body (checked against the file's sha256).
        #[arg(long)]
        repair: bool,
        #[arg(long, value_enum, default_value_t = StatusFormat::Text)]
        format: StatusFormat,
    },
    /// List the URLs quarantined by the crash guard (in flight at two consecutive abnormal ends
    /// of the process), or clear them so the next crawl fetches them again.
    Quarantine {
        /// Clear these URLs from the quarantine.
        #[arg(long, value_name = "URL", num_args = 1.., conflicts_with = "all")]
        clear: Vec<String>,
        /// Clear every quarantined URL.
        #[arg(long)]
        all: bool,
        #[arg(long, value_enum, default_value_t = StatusFormat::Text)]
        format: StatusFormat,
    },
    /// Remove the run reports older than a given age from the index, data_dir/runs/ and, with
    /// shared storage, their copies under this data_dir's own labels, keeping every one that
    /// `report`, `status` or the next crawl still rests on (README, "Pruning run reports").
    PruneRuns {
        /// The age, e.g. `400d`; run reports that started earlier may go.
        #[arg(long, value_name = "AGE", value_parser = humantime::parse_duration)]
        older_than: std::time::Duration,
        /// Print what would be removed, and remove nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Rewrite the index into a fresh copy to give back the disk space it keeps for removed
    /// and rewritten values, after `prune-runs` or at any time (README, "Pruning run reports").
    Compact,
    /// Internal: read one page (body on stdin) in a process of its own, for the crash guard.
    #[command(hide = true)]
    ProbePage {
        /// The request, as JSON.
        request: String,
    },
    /// Internal: read one attachment's text (file on stdin) in a process of its own, for the
    /// readers nianbao runs itself (README, "Attachments' text").
    #[command(hide = true)]
    ExtractText {
        /// The text source to read it as (`docx-xml`, `xlsx-cells`, …).
        source: String,
    },
    /// Crawl bundled simulated portals on loopback into a fresh temporary folder: a first run
    /// that needs no network.
    Demo {
        /// Keep the simulated portals' gap short (the real default is 2s).
        #[arg(long, default_value = "200ms", value_parser = humantime::parse_duration)]
        interval: std::time::Duration,
        /// A TOML file whose tables are added to the demo's config (e.g. a `[storage]` table).
        #[arg(long, value_name = "TOML")]
        with: Option<std::path::PathBuf>,
    },
}

/// A consumer name: short, and safe to print and to use as a key.
pub fn parse_consumer(value: &str) -> Result<String, String> {
    // The rule the position files are named by, so a name the command line takes is one they take.
    crate::feed::positions::check_name(value)
        .map(|()| value.to_string())
        .map_err(|e| e.to_string())
}

fn parse_shard(value: &str) -> Result<Shard, String> {
    Shard::parse(value)
}

/// Parses `2009-2017` or `2015` into an inclusive range.
pub fn parse_years(value: &str) -> Result<(i32, i32), String> {
    let bad = || format!("expected a year or a range of years such as 2009-2017, found {value:?}");
    let year = |s: &str| -> Result<i32, String> {
        let y: i32 = s.trim().parse().map_err(|_| bad())?;
        if (2000..=2100).contains(&y) {
            Ok(y)
        } else {
            Err(format!(
                "report years run from 2000 to 2100: {y} in {value:?} is outside them"
            ))
        }
    };
    match value.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (year(a)?, year(b)?);
            if a > b {
                Err(format!("the range {value:?} runs backwards; write {b}-{a}"))
            } else {
                Ok((a, b))
            }
        }
        None => year(value).map(|y| (y, y)),
    }
}

impl Command {
    /// A command that only reads the archive and prints: stopped by a reader that closes the pipe
    /// early (`nianbao status | head`), it may end at once, as `cat` does, having changed
    /// nothing.
    pub fn only_prints(&self) -> bool {
        match self {
            Command::Status { .. }
            | Command::Report { .. }
            | Command::Export { .. }
            | Command::Tables { .. }
            | Command::Inspect { .. }
            | Command::FindSection { .. } => true,
            Command::Verify { repair, .. } => !repair,
            Command::Failures {
                retry,
                retry_all_gone,
                ..
            } => retry.is_empty() && !retry_all_gone,
            Command::Quarantine { clear, all, .. } => clear.is_empty() && !all,
            Command::Feed { commit, exec, .. } => commit.is_none() && exec.is_none(),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_ranges() {
        assert_eq!(parse_years("2009-2017"), Ok((2009, 2017)));
        assert_eq!(parse_years("2015"), Ok((2015, 2015)));
        assert!(parse_years("2017-2009").unwrap_err().contains("backwards"));
        assert!(parse_years("09-17").is_err());
        assert!(parse_years("abc").is_err());
        assert_eq!(parse_years(" 2009 - 2010 "), Ok((2009, 2010)));
        assert_eq!(parse_years("2009-2009"), Ok((2009, 2009)));
        assert!(
            parse_years("1999-2005")
                .unwrap_err()
                .contains("2000 to 2100: 1999")
        );
        assert!(parse_years("2009--2010").is_err());
        for bad in ["2009,2011", "2009-", "", "-2009"] {
            let error = parse_years(bad).unwrap_err();
            assert!(error.contains("expected a year"), "{bad:?}: {error}");
        }
    }
}
