//! Config and seeds: reads `config.toml` and the seed files it names, validates every value once,
//! and resolves them into `Settings`, the one type the rest of the program reads. First stop of
//! the data path: config + seeds -> frontier.

mod diagnose;
mod feed;
mod raw;
mod resolve;
mod seeds;
mod shard;

pub use shard::Shard;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

use self::diagnose::{KeyPath, Source};
pub use self::feed::{DEFAULT_FEED_STREAM, DEFAULT_FEED_SUBJECT, FeedSettings, nats_shown};
use self::raw::{RawConfig, RawSeedFile};

/// Default values for everything the config file may leave out.
pub const DEFAULT_USER_AGENT: &str =
    "nianbao/0.1 (+https://github.com/nianbao/nianbao; government report archiver)";
/// Archive root, relative to the config file's folder.
pub const DEFAULT_DATA_DIR: &str = "data";
pub const DEFAULT_PER_HOST_INTERVAL: Duration = Duration::from_secs(2);
pub const DEFAULT_PER_HOST_CONCURRENCY: usize = 1;
/// Requests in flight to one server address, all its host names together; 0 = no cap.
pub const DEFAULT_PER_IP_CONCURRENCY: usize = 2;
pub const DEFAULT_MAX_CONCURRENCY: usize = 64;
pub const DEFAULT_RESPECT_ROBOTS: bool = true;
pub const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(10 * 60);
pub const DEFAULT_HOST_FAILURE_LIMIT: u32 = 5;
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Bytes per second a body may arrive at and still finish (16 KiB/s: a 10 MB PDF gets ~11 min).
pub const DEFAULT_MIN_RATE: u64 = 16 * 1024;
/// Smallest accepted `fetch.min_rate`: below this a capped body would be given days.
pub const MIN_MIN_RATE: u64 = 1024;
pub const DEFAULT_MAX_BODY_BYTES: u64 = 50 * 1024 * 1024;
/// Smallest accepted `fetch.max_body_bytes`: below this even an error page is cut off.
pub const MIN_MAX_BODY_BYTES: u64 = 1024;
pub const DEFAULT_MAX_RETRIES: u32 = 3;
pub const DEFAULT_RETRY_BASE: Duration = Duration::from_secs(1);
pub const DEFAULT_MAX_REDIRECTS: u32 = 10;
pub const DEFAULT_KNOWN_PAGES_BEFORE_STOP: u32 = 1;
pub const DEFAULT_MAX_LIST_PAGES: u32 = 1000;
/// A known item seen on a walked list page is fetched again (conditionally) after this long.
pub const DEFAULT_REVISIT_AFTER: Duration = Duration::from_secs(7 * 24 * 3600);

/// The nightly crawl walks a portal whole (a sweep) once its last whole walk is this old.
pub const DEFAULT_SWEEP_EVERY: Duration = Duration::from_secs(30 * 24 * 3600);

/// Resolved settings: every value validated, no `Option` left where a default exists.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The config file these settings came from (relative paths were resolved against its folder).
    pub config_path: PathBuf,
    pub data_dir: PathBuf,
    pub politeness: Politeness,
    pub fetch: FetchSettings,
    pub crawl: CrawlSettings,
    pub warc: WarcConfig,
    /// How raw bodies are kept (`[archive]`).
    pub archive: ArchiveSettings,
    /// The JetStream feed (`[feed]`), when configured.
    pub feed: Option<FeedSettings>,
    /// Where archive files go besides data_dir (`[storage]`).
    pub storage: crate::storage::StorageConfig,
    /// Who runs this archive (recorded in WARC warcinfo records), if configured.
    pub operator: Option<String>,
    pub portals: Vec<Portal>,
    /// `--shard K/N`: this process crawls only the portals whose host falls in shard K.
    pub shard: Option<Shard>,
}

#[derive(Debug, Clone)]
pub struct Politeness {
    pub user_agent: String,
    /// Minimum gap between request starts to one host.
    pub per_host_interval: Duration,
    pub per_host_concurrency: usize,
    /// Requests in flight to one server address, whatever host name they use; 0 = no cap.
    pub per_ip_concurrency: usize,
    /// Requests in flight across all hosts.
    pub max_concurrency: usize,
    pub respect_robots: bool,
    /// Longest Retry-After or Crawl-delay honoured; longer values are capped to this.
    pub max_retry_after: Duration,
    /// Consecutive failed requests (or distinct URLs answered 403 in a row) after which a host
    /// is paused for the rest of the run.
    pub host_failure_limit: u32,
}

#[derive(Debug, Clone)]
pub struct FetchSettings {
    /// Limit for the response headers, and the base of the overall limit of one exchange:
    /// `timeout + expected body bytes / min_rate`, where the expected bytes are the announced
    /// Content-Length, or `max_body_bytes` when none is announced.
    pub timeout: Duration,
    /// Limit for establishing a connection.
    pub connect_timeout: Duration,
    /// A response that sends no bytes for this long is cut (a stalled connection).
    pub read_timeout: Duration,
    /// Slowest average rate, in bytes per second, a body is given time for.
    pub min_rate: u64,
    pub max_body_bytes: u64,
    pub max_retries: u32,
    /// First backoff delay; later ones double, with jitter.
    pub retry_base: Duration,
    pub max_redirects: u32,
    /// Whether HTTPS servers' certificates are verified, for hosts of portals without a
    /// `tls_verify` of their own (README, "Politeness", HTTPS).
    pub tls_verify: bool,
    /// A PEM file of CA certificates trusted beside the system's (a national or private CA
    /// some portals' certificates chain to), resolved against the config file's folder.
    pub extra_ca_file: Option<PathBuf>,
}

impl FetchSettings {
    /// The largest raw file a command reads back from the archive: `max_body_bytes`, and never
    /// less than its default. A body is stored only up to the limit of its day, so a larger file
    /// is damaged or replaced and is refused unread; but a limit lowered since must not make the
    /// bodies archived under the default unreadable (`verify` would call them damaged).
    pub fn archive_read_limit(&self) -> u64 {
        self.max_body_bytes.max(DEFAULT_MAX_BODY_BYTES)
    }
}

#[derive(Debug, Clone)]
pub struct CrawlSettings {
    /// Nightly crawl: stop walking a list after this many consecutive list pages that hold only
    /// items already known.
    pub known_pages_before_stop: u32,
    /// Safety bound on the list pages walked per section in one run.
    pub max_list_pages: u32,
    /// A known item seen on a walked list page is fetched again, conditionally, once its last
    /// fetch is older than this; zero revisits every time.
    pub revisit_after: Duration,
    /// The nightly crawl sweeps a portal (walks it whole, as a backfill of all years walks it)
    /// once its last whole walk is older than this; `None` sweeps never.
    pub sweep_every: Option<Duration>,
    /// When failed URLs are asked again, and when they are given up as gone.
    pub failures: crate::store::FailurePolicy,
    /// Longest one file's text derivation may take (the reading tool or child is killed then);
    /// the crawl gives up waiting 30 s later.
    pub text_time_limit: Duration,
}

/// `[archive]`: how raw bodies are kept in data_dir.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ArchiveSettings {
    /// `compress`: "zstd" (the default: compressed where that saves a tenth) or "none".
    pub compress: crate::archive::Compression,
    /// `sync`: how a crawl makes its raw and text files durable.
    pub sync: SyncMode,
}

/// `[archive] sync`: how a crawl makes the files it writes durable before recording them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SyncMode {
    /// "file" (the default): each file and its folder are synced as the file is written. Costs a
    /// little more CPU, and other writers on the same filesystem cost the crawl nothing more.
    #[default]
    File,
    /// "filesystem": files are written without a sync, and each commit batch syncs the whole
    /// filesystem once (Linux `syncfs`) before recording them. Cheaper on a filesystem the
    /// crawl has to itself; much slower when another process writes a lot to the same one,
    /// since every batch then waits for that process's data too.
    Filesystem,
}

impl SyncMode {
    pub const NAMES: &[&str] = &["file", "filesystem"];

    pub fn from_name(name: &str) -> Option<SyncMode> {
        match name {
            "file" => Some(SyncMode::File),
            "filesystem" => Some(SyncMode::Filesystem),
            _ => None,
        }
    }
}

/// WARC output settings (`[warc]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarcConfig {
    /// Write every capture as WARC/1.1 under `data_dir/warc/` while crawling.
    pub enabled: bool,
    /// A WARC file is closed and the next one started before it would pass this size.
    pub max_file_bytes: u64,
}

pub const DEFAULT_WARC_ENABLED: bool = true;
pub const DEFAULT_WARC_MAX_FILE_BYTES: u64 = 1_000_000_000;
/// Smallest `warc.max_file_bytes` accepted: one record group must fit.
pub const MIN_WARC_FILE_BYTES: u64 = 1024 * 1024;

impl Default for WarcConfig {
    fn default() -> WarcConfig {
        WarcConfig {
            enabled: DEFAULT_WARC_ENABLED,
            max_file_bytes: DEFAULT_WARC_MAX_FILE_BYTES,
        }
    }
}

/// One configured portal section: the annual-report list of one government body.
#[derive(Debug, Clone)]
pub struct Portal {
    pub name: String,
    /// The section's first list page.
    pub url: Url,
    /// Overrides `politeness.per_host_interval` for this portal's host, and, when longer, for the
    /// hosts of its site that have no setting of their own (`gate::HostGate::new`).
    pub per_host_interval: Option<Duration>,
    /// False when the section URL could not be checked by whoever wrote the seed.
    pub verified: bool,
    /// The format of the section's JSON list API, when its list pages are JSON (e.g. `trs_xxgk`).
    pub list_api: Option<crate::discover::JsonListFormat>,
    /// The section lists other documents beside the annual reports (a whole 政府信息公开 list):
    /// take only the items whose list titles are annual reports'.
    pub only_report_titles: bool,
    /// Hosts beside the section's own site (the hosts that share its registrable domain) whose
    /// pages its lists take as items: a province's platform that hosts a county's reports.
    pub item_hosts: Vec<crate::gate::HostPattern>,
    /// Whether the HTTPS certificates of the portal's hosts (its section's host and its
    /// `item_hosts`) are verified; `None` follows `fetch.tls_verify`. False archives a portal
    /// whose certificate is broken, each capture marked `tls_unverified`.
    pub tls_verify: Option<bool>,
    /// The file the portal was declared in.
    pub source: PathBuf,
}

/// Values given on the command line; they beat the file, which beats the defaults.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub data_dir: Option<PathBuf>,
}

/// A config problem, naming the file, the key and the expected form.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Shown as `file:line:column: key: message`, e.g.
    /// `seeds/xinjiang.toml:12:21: portal[2].per_host_interval: expected a duration such as "2s"
    /// or "500ms", found "fast"`.
    #[error("{}", InvalidDisplay { path, location: location.as_ref(), key: key.as_deref(), message })]
    Invalid {
        /// The file at fault (the config file or a seed file).
        path: PathBuf,
        /// Where in the file, when the fault has a place.
        location: Option<Location>,
        /// Dotted key such as `politeness.per_host_interval` or `portal[2].url`; `None` for the
        /// top level or the file as a whole.
        key: Option<String>,
        /// What was expected and what was found.
        message: String,
    },
}

/// A 1-based position in a config or seed file (column in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

struct InvalidDisplay<'a> {
    path: &'a Path,
    location: Option<&'a Location>,
    key: Option<&'a str>,
    message: &'a str,
}

impl std::fmt::Display for InvalidDisplay<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        diagnose::render(f, self.path, self.location, self.key, self.message)
    }
}

impl Default for Politeness {
    fn default() -> Self {
        Self {
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            per_host_interval: DEFAULT_PER_HOST_INTERVAL,
            per_host_concurrency: DEFAULT_PER_HOST_CONCURRENCY,
            per_ip_concurrency: DEFAULT_PER_IP_CONCURRENCY,
            max_concurrency: DEFAULT_MAX_CONCURRENCY,
            respect_robots: DEFAULT_RESPECT_ROBOTS,
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
            host_failure_limit: DEFAULT_HOST_FAILURE_LIMIT,
        }
    }
}

impl Default for FetchSettings {
    fn default() -> Self {
        Self {
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            min_rate: DEFAULT_MIN_RATE,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_retries: DEFAULT_MAX_RETRIES,
            retry_base: DEFAULT_RETRY_BASE,
            max_redirects: DEFAULT_MAX_REDIRECTS,
            tls_verify: true,
            extra_ca_file: None,
        }
    }
}

impl Default for CrawlSettings {
    fn default() -> Self {
        Self {
            known_pages_before_stop: DEFAULT_KNOWN_PAGES_BEFORE_STOP,
            max_list_pages: DEFAULT_MAX_LIST_PAGES,
            revisit_after: DEFAULT_REVISIT_AFTER,
            sweep_every: Some(DEFAULT_SWEEP_EVERY),
            failures: crate::store::FailurePolicy::default(),
            text_time_limit: crate::text::TOOL_TIME_LIMIT,
        }
    }
}

/// The config file's keys that are tables (`[fetch]`); `portal` is a list of them.
const CONFIG_TABLES: &[&str] = &[
    "politeness",
    "fetch",
    "crawl",
    "warc",
    "archive",
    "feed",
    "storage",
];

/// Loads and validates the config file at `path` and the seed files it names.
///
/// Relative paths in the file (`data_dir`, `seeds`) are resolved against the file's folder;
/// `overrides.data_dir` is taken as given (relative to the working directory, like any CLI path).
/// Portals come from the config file's own `[[portal]]` tables first, then from the seed files in
/// glob order; a name or URL declared twice is an error naming both places.
pub fn load(path: &Path, overrides: &Overrides) -> Result<Settings, ConfigError> {
    let text = read(path)?;
    let source = Source { path, text: &text };
    source.tables_are_tables(CONFIG_TABLES, &["portal"])?;
    let raw: RawConfig = toml::from_str(&text).map_err(|e| source.toml_error(&e))?;
    let config_dir = path.parent().unwrap_or(Path::new(""));

    let data_dir = match &overrides.data_dir {
        Some(dir) => dir.clone(),
        None => resolve::data_dir(raw.data_dir, config_dir, &source)?,
    };
    // Absolute, so that every path nianbao hands on (NIANBAO_RAW_PATH to a feed consumer, which
    // may change directory) holds wherever it is read from.
    let data_dir = std::path::absolute(&data_dir).unwrap_or(data_dir);
    let politeness = resolve::politeness(raw.politeness, &source)?;
    let fetch = resolve::fetch(raw.fetch, config_dir, &source)?;
    let crawl = resolve::crawl(raw.crawl, &source)?;
    let warc = resolve::warc(raw.warc, &source)?;
    let archive = resolve::archive(raw.archive, &source)?;
    let feed = feed::resolve(raw.feed, &source)?;
    let mut storage = resolve::storage(raw.storage, &data_dir, &source)?;
    storage.read_limit = fetch.archive_read_limit();
    let operator = raw
        .operator
        .map(|o| o.trim().to_owned())
        .filter(|o| !o.is_empty());

    let mut catalogue = seeds::Catalogue::default();
    catalogue.add_file(resolve::portals(raw.portal, &source)?, &source)?;

    // A file matched by two globs is read once; the config file itself is never a seed file.
    let mut seen: HashSet<PathBuf> = HashSet::from([path.to_path_buf()]);
    for (index, pattern) in raw.seeds.unwrap_or_default().iter().enumerate() {
        let key = KeyPath::root().key("seeds").index(index);
        for seed_path in seeds::expand(config_dir, pattern, &key, &source)? {
            if !seen.insert(seed_path.clone()) {
                continue;
            }
            let seed_text = read(&seed_path)?;
            let seed = Source {
                path: &seed_path,
                text: &seed_text,
            };
            seed.tables_are_tables(&[], &["portal"])?;
            let raw_seed: RawSeedFile =
                toml::from_str(&seed_text).map_err(|e| seed.toml_error(&e))?;
            catalogue.add_file(resolve::portals(raw_seed.portal, &seed)?, &seed)?;
        }
    }

    Ok(Settings {
        config_path: path.to_path_buf(),
        data_dir,
        politeness,
        fetch,
        crawl,
        warc,
        archive,
        feed,
        storage,
        operator,
        portals: catalogue.into_portals(),
        shard: None,
    })
}

/// A config or seed file's text. The error names the file by its absolute path: a scheduler's
/// run starts in another folder than the shell it was set up in, and `config.toml` alone does not
/// say which folder was read.
fn read(path: &Path) -> Result<String, ConfigError> {
    let bytes = std::fs::read(path).map_err(|source| ConfigError::Read {
        path: std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
        source,
    })?;
    String::from_utf8(bytes).map_err(|e| diagnose::not_utf8(path, e.as_bytes(), e.utf8_error()))
}

/// Checks that `fetch.extra_ca_file` holds CA certificates, before a command fetches with them:
/// a file missing or not PEM is a bad config (exit 2) naming the config file and the key. Only
/// the commands that fetch read it, so `status` or `export` still run while it is being fixed.
pub fn check_extra_ca_file(settings: &Settings) -> Result<(), ConfigError> {
    let Some(ca_file) = &settings.fetch.extra_ca_file else {
        return Ok(());
    };
    let Err(error) = crate::fetch::extra_roots(ca_file) else {
        return Ok(());
    };
    let text = std::fs::read_to_string(&settings.config_path).unwrap_or_default();
    let source = Source {
        path: &settings.config_path,
        text: &text,
    };
    Err(source.at_key(
        &KeyPath::root().key("fetch").key("extra_ca_file"),
        format!("expected a PEM file of CA certificates: {error}"),
    ))
}
