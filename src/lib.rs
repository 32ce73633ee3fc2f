//! nianbao harvests 政府信息公开年度报告 (government information-disclosure annual reports) from
//! Chinese government portals and archives them with clean metadata.
//!
//! The data path, one module per step:
//!
//! ```text
//! config + seeds  (config)      settings and portal sections, validated once
//!   -> frontier   (crawl)       persistent per-host queues of list and item URLs; the workers
//!   -> host gate  (gate)        robots.txt, per-host interval and concurrency, per-server cap,
//!                               backoff, Retry-After
//!   -> fetch      (fetch)       public addresses only, time limits, raw and wire bytes, size cap,
//!                               redirects followed by hand
//!   -> page       (page)        one read of each body, parsed once within bounds, panics caught:
//!      decode     (decode)      charset with the evidence that decided it
//!      classify   (classify)    content / attachment / challenge / soft 404 / login wall
//!      discover   (discover)    list page -> items, next pages, year subsections
//!      extract    (extract)     item page -> metadata with provenance (dates: `dates`)
//!      dedup      (dedup)       raw sha256 and normalised content hash; a report re-published
//!                 (same_report) after a revamp: its article text's fingerprint, linked at commit
//!   -> archive    (archive)     raw files, content-addressed, durable before they are indexed
//!                 (text)        text of PDF, DOC(X), WPS, OFD, RTF, sheet and ZIP files, beside the raw
//!                 (store)       sled: URL state, documents, versions, seq, frontiers
//!                 (warc_sink)   WARC/1.1 records of every capture (format: `warc`)
//!                 (storage)     data_dir, or data_dir as the cache of an S3 bucket (`[storage]`)
//!   -> feed       (export)      seq-ordered export records for downstream parsers
//!                 (feed)        the records' log and consumers' positions, read without the store
//!                               lock; the same records published to NATS JetStream (feed::jetstream)
//!   -> report     (report)      run summary and machine-readable run report; portal health
//!                 (health)      against the last run; the coverage page (coverage)
//!   -> tables     (tables)      downstream of the archive: a report's statistics tables 二/三/四
//!                               as keyed cells, headline figures and consistency checks
//! ```
//!
//! `cli` parses the command line and `commands` runs each subcommand. The simulated portals that
//! the tests, the benchmarks and `nianbao demo` crawl live in their own crate, `crates/sim`
//! (`nianbao_sim`). `shown` escapes the controls in text a server chose before human output
//! prints it. `output` is where every command writes: what it prints to stdout (a failed write is
//! an error naming stdout) and its warnings to stderr (a failed write is dropped, never a panic).

#[macro_use]
pub mod output;

pub mod archive;
pub mod classify;
pub mod cli;
pub mod commands;
pub mod config;
pub mod coverage;
pub mod crawl;
pub mod dates;
pub mod decode;
pub mod dedup;
pub mod discover;
pub mod export;
pub mod extract;
pub mod feed;
pub mod fetch;
pub mod gate;
pub mod health;
pub mod page;
pub mod report;
pub mod same_report;
pub mod shown;
pub mod storage;
pub mod store;
pub mod tables;
pub mod text;
pub mod traditional;
pub mod warc;
pub mod warc_sink;
