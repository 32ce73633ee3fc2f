//! Loading `config.toml` and seed files end to end: the repository's own config and seeds, the
//! resolution rules (paths, overrides, defaults), and bad files whose errors must name the file,
//! the key, the expected form and the line.

use std::path::{Path, PathBuf};
use std::time::Duration;

use nianbao::config::{
    self, ConfigError, DEFAULT_CONNECT_TIMEOUT, DEFAULT_HOST_FAILURE_LIMIT,
    DEFAULT_KNOWN_PAGES_BEFORE_STOP, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_CONCURRENCY,
    DEFAULT_MAX_LIST_PAGES, DEFAULT_MAX_REDIRECTS, DEFAULT_MAX_RETRIES, DEFAULT_MAX_RETRY_AFTER,
    DEFAULT_MIN_RATE, DEFAULT_PER_HOST_CONCURRENCY, DEFAULT_PER_HOST_INTERVAL,
    DEFAULT_PER_IP_CONCURRENCY, DEFAULT_READ_TIMEOUT, DEFAULT_RESPECT_ROBOTS, DEFAULT_RETRY_BASE,
    DEFAULT_TIMEOUT, DEFAULT_USER_AGENT, Location, Overrides, Settings,
};

/// A scratch folder holding `config.toml` and any seed files, by relative path.
fn scratch(config: &str, files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir can be created");
    write(dir.path(), "config.toml", config);
    for (path, text) in files {
        write(dir.path(), path, text);
    }
    dir
}

fn write(root: &Path, relative: &str, text: &str) {
    let path = root.join(relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("the scratch folder is writable");
    }
    std::fs::write(&path, text).expect("the scratch folder is writable");
}

fn load_in(dir: &Path) -> Result<Settings, ConfigError> {
    config::load(&dir.join("config.toml"), &Overrides::default())
}

const PORTAL_A: &str =
    "[[portal]]\nname = \"阿图什市人民政府\"\nurl = \"http://a.example.cn/nb/\"\n";

#[test]
fn the_repository_config_and_its_seeds_load() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let settings = config::load(&root.join("config.toml"), &Overrides::default())
        .unwrap_or_else(|e| panic!("the shipped config must load: {e}"));

    assert_eq!(settings.data_dir, root.join("data"));
    assert_eq!(
        settings.politeness.per_host_interval,
        Duration::from_secs(2)
    );
    assert_eq!(
        settings.politeness.max_retry_after,
        Duration::from_secs(600)
    );
    assert_eq!(settings.fetch.max_body_bytes, 52_428_800);
    assert!(settings.politeness.user_agent.contains("https://"));

    let mut names: Vec<&str> = settings.portals.iter().map(|p| p.name.as_str()).collect();
    names.sort_unstable();
    for expected in [
        "阿图什市人民政府",
        "阿勒泰市人民政府",
        "阿拉山口市人民政府",
        "衢州市人民政府",
        "集安市人民政府",
        "集安市台上镇人民政府",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    for portal in &settings.portals {
        // Nothing shipped has been fetched by this project, so nothing may claim to be verified.
        assert!(!portal.verified, "{} claims verified", portal.name);
        assert!(
            portal.source.starts_with(root.join("seeds")),
            "{:?}",
            portal.source
        );
        assert!(matches!(portal.url.scheme(), "http" | "https"));
    }
}

/// One bad setup and what its error must say.
struct Bad {
    case: &'static str,
    config: &'static str,
    files: &'static [(&'static str, &'static str)],
    /// The file the error must name, relative to the scratch folder.
    file: &'static str,
    key: Option<&'static str>,
    line: Option<usize>,
    /// Pieces the message must contain (the expected form, the found value).
    says: &'static [&'static str],
}

const BAD: &[Bad] = &[
    Bad {
        case: "portal tls_verify is not a boolean",
        config: "data_dir = \"d\"\n[[portal]]\nname = \"某县\"\nurl = \"https://x.gov.cn/\"\ntls_verify = \"no\"\n",
        files: &[],
        file: "config.toml",
        key: Some("portal[0].tls_verify"),
        line: Some(5),
        says: &["expected true or false, found string \"no\""],
    },
    Bad {
        case: "unknown key at top level",
        config: "data_dir = \"d\"\npolitness = 1\n",
        files: &[],
        file: "config.toml",
        key: None,
        line: Some(2),
        says: &[
            "unknown key `politness` at top level",
            "expected one of data_dir, seeds, operator, politeness, fetch, crawl, warc, archive, feed, storage, portal",
        ],
    },
    Bad {
        case: "unknown key in [politeness]",
        config: "[politeness]\nper_host_interval = \"2s\"\nper_host_intervall = \"3s\"\n",
        files: &[],
        file: "config.toml",
        key: Some("politeness"),
        line: Some(3),
        says: &[
            "unknown key `per_host_intervall`",
            "user_agent, per_host_interval",
        ],
    },
    Bad {
        case: "unknown key in a seed file's [[portal]]",
        config: "seeds = [\"seeds/*.toml\"]\n",
        files: &[(
            "seeds/xinjiang.toml",
            "[[portal]]\nname = \"a\"\nurl = \"http://a.example.cn/\"\n\
             [[portal]]\nname = \"b\"\nurl = \"http://b.example.cn/\"\nintervl = \"5s\"\n",
        )],
        file: "seeds/xinjiang.toml",
        key: Some("portal[1]"),
        line: Some(7),
        says: &[
            "unknown key `intervl`",
            "expected one of name, url, per_host_interval",
        ],
    },
    Bad {
        case: "unknown top-level key in a seed file",
        config: "seeds = [\"seeds/*.toml\"]\n",
        files: &[("seeds/a.toml", "[politeness]\nuser_agent = \"x\"\n")],
        file: "seeds/a.toml",
        key: None,
        line: Some(1),
        says: &[
            "unknown key `politeness` at top level",
            "expected one of portal",
        ],
    },
    Bad {
        case: "bad duration",
        config: "[politeness]\nper_host_interval = \"fast\"\n",
        files: &[],
        file: "config.toml",
        key: Some("politeness.per_host_interval"),
        line: Some(2),
        says: &[
            "expected a duration such as \"2s\" or \"500ms\"",
            "found \"fast\"",
        ],
    },
    Bad {
        // humantime reads it (about 1.6e19 s); a text tool's deadline that far off overflowed
        // the clock: a panic in `text` and in the crawl's attachment readers.
        case: "a duration past the clock's reach",
        config: "[crawl]\ntext_time_limit = \"500000000000y\"\n",
        files: &[],
        file: "config.toml",
        key: Some("crawl.text_time_limit"),
        line: Some(2),
        says: &[
            "expected a duration such as \"2s\" or \"500ms\" of at most 100 years",
            "found \"500000000000y\"",
        ],
    },
    Bad {
        case: "a minimum rate too slow to bound a download",
        config: "[fetch]\ntimeout = \"30s\"\nmin_rate = 10\n",
        files: &[],
        file: "config.toml",
        key: Some("fetch.min_rate"),
        line: Some(3),
        says: &["expected a size of 1024 bytes or more", "found 10 bytes"],
    },
    Bad {
        case: "a zero read timeout",
        config: "[fetch]\nread_timeout = \"0s\"\n",
        files: &[],
        file: "config.toml",
        key: Some("fetch.read_timeout"),
        line: Some(2),
        says: &["greater than zero"],
    },
    Bad {
        case: "a per-server cap that is not a number",
        config: "[politeness]\nper_ip_concurrency = \"two\"\n",
        files: &[],
        file: "config.toml",
        key: Some("politeness.per_ip_concurrency"),
        line: Some(2),
        says: &["found string \"two\""],
    },
    Bad {
        case: "duration given as a number",
        config: "[fetch]\ntimeout = 30\n",
        files: &[],
        file: "config.toml",
        key: Some("fetch.timeout"),
        line: Some(2),
        says: &["expected a duration such as \"2s\"", "found integer `30`"],
    },
    Bad {
        case: "bad duration in a seed portal",
        config: "seeds = [\"seeds/*.toml\"]\n",
        files: &[(
            "seeds/xinjiang.toml",
            "[[portal]]\nname = \"a\"\nurl = \"http://a.example.cn/\"\n\
             [[portal]]\nname = \"b\"\nurl = \"http://b.example.cn/\"\n\
             [[portal]]\nname = \"c\"\nurl = \"http://c.example.cn/\"\nper_host_interval = \"fast\"\n",
        )],
        file: "seeds/xinjiang.toml",
        key: Some("portal[2].per_host_interval"),
        line: Some(10),
        says: &["expected a duration such as \"2s\" or \"500ms\", found \"fast\""],
    },
    Bad {
        case: "zero duration",
        config: "[[portal]]\nname = \"a\"\nurl = \"http://a.example.cn/\"\nper_host_interval = \"0s\"\n",
        files: &[],
        file: "config.toml",
        key: Some("portal[0].per_host_interval"),
        line: Some(4),
        says: &["greater than zero"],
    },
    Bad {
        case: "url that does not parse",
        config: "[[portal]]\nname = \"a\"\nurl = \"www.xjats.gov.cn/nb\"\n",
        files: &[],
        file: "config.toml",
        key: Some("portal[0].url"),
        line: Some(3),
        says: &[
            "expected an http:// or https:// URL",
            "found \"www.xjats.gov.cn/nb\"",
        ],
    },
    Bad {
        case: "ftp scheme",
        config: "[[portal]]\nname = \"a\"\nurl = \"ftp://a.example.cn/nb/\"\n",
        files: &[],
        file: "config.toml",
        key: Some("portal[0].url"),
        line: Some(3),
        says: &["expected an http:// or https:// URL", "scheme `ftp`"],
    },
    Bad {
        case: "portal without url",
        config: "[[portal]]\nname = \"a\"\n",
        files: &[],
        file: "config.toml",
        key: Some("portal[0]"),
        line: Some(1),
        says: &["missing key `url`"],
    },
    Bad {
        case: "empty portal name",
        config: "[[portal]]\nname = \"  \"\nurl = \"http://a.example.cn/\"\n",
        files: &[],
        file: "config.toml",
        key: Some("portal[0].name"),
        line: Some(2),
        says: &["expected a non-empty name"],
    },
    Bad {
        case: "zero concurrency",
        config: "[politeness]\nper_host_concurrency = 0\n",
        files: &[],
        file: "config.toml",
        key: Some("politeness.per_host_concurrency"),
        line: Some(2),
        says: &["expected a whole number of 1 or more, found 0"],
    },
    Bad {
        case: "negative concurrency",
        config: "[politeness]\nmax_concurrency = -4\n",
        files: &[],
        file: "config.toml",
        key: Some("politeness.max_concurrency"),
        line: Some(2),
        says: &["expected a whole number", "found integer `-4`"],
    },
    Bad {
        // 2^63 - 1 passed, and the crawl panicked at its start: an async semaphore holds at
        // most 2^61 permits.
        case: "huge concurrency",
        config: "[politeness]\nmax_concurrency = 9223372036854775807\n",
        files: &[],
        file: "config.toml",
        key: Some("politeness.max_concurrency"),
        line: Some(2),
        says: &[
            "expected a whole number of at most 100000",
            "found 9223372036854775807",
        ],
    },
    Bad {
        case: "huge per-server concurrency",
        config: "[politeness]\nper_ip_concurrency = 2305843009213693952\n",
        files: &[],
        file: "config.toml",
        key: Some("politeness.per_ip_concurrency"),
        line: Some(2),
        says: &[
            "expected a whole number of at most 100000",
            "found 2305843009213693952",
        ],
    },
    Bad {
        case: "more host permits than global ones",
        config: "[politeness]\nper_host_concurrency = 8\nmax_concurrency = 4\n",
        files: &[],
        file: "config.toml",
        key: Some("politeness.per_host_concurrency"),
        line: Some(2),
        says: &["no larger than politeness.max_concurrency (4), found 8"],
    },
    Bad {
        case: "tiny body cap",
        config: "[fetch]\nmax_body_bytes = 100\n",
        files: &[],
        file: "config.toml",
        key: Some("fetch.max_body_bytes"),
        line: Some(2),
        says: &["expected a size of 1024 bytes or more, found 100 bytes"],
    },
    Bad {
        case: "a size with a unit nobody uses",
        config: "[fetch]\nmax_body_bytes = \"50 megs\"\n",
        files: &[],
        file: "config.toml",
        key: Some("fetch.max_body_bytes"),
        line: Some(2),
        says: &[
            "expected a number of bytes, or a size such as \"50MB\"",
            "found \"50 megs\"",
        ],
    },
    Bad {
        case: "a WARC file cap too small, given with a unit",
        config: "[warc]\nmax_file_bytes = \"512KiB\"\n",
        files: &[],
        file: "config.toml",
        key: Some("warc.max_file_bytes"),
        line: Some(2),
        says: &["expected a size of 1048576 bytes or more, found 524288 bytes"],
    },
    Bad {
        case: "a negative size",
        config: "[fetch]\nmax_body_bytes = -5\n",
        files: &[],
        file: "config.toml",
        key: Some("fetch.max_body_bytes"),
        line: Some(2),
        says: &["expected a number of bytes", "found -5"],
    },
    Bad {
        case: "user agent without contact",
        config: "[politeness]\nuser_agent = \"nianbao/0.1\"\n",
        files: &[],
        file: "config.toml",
        key: Some("politeness.user_agent"),
        line: Some(2),
        says: &[
            "expected a user agent with a contact URL",
            "found \"nianbao/0.1\"",
        ],
    },
    Bad {
        case: "boolean given as a string",
        config: "[politeness]\nrespect_robots = \"yes\"\n",
        files: &[],
        file: "config.toml",
        key: Some("politeness.respect_robots"),
        line: Some(2),
        says: &["expected true or false", "found string \"yes\""],
    },
    Bad {
        case: "seeds written as one string, not a list",
        config: "data_dir = \"d\"\nseeds = \"seeds/*.toml\"\n",
        files: &[("seeds/a.toml", PORTAL_A)],
        file: "config.toml",
        key: Some("seeds"),
        line: Some(2),
        says: &[
            "expected a list in brackets, such as [\"a\", \"b\"]",
            "found string \"seeds/*.toml\"",
        ],
    },
    Bad {
        case: "item_hosts written as one string, not a list",
        config: "[[portal]]\nname = \"e\"\nurl = \"http://e.example.cn/\"\nitem_hosts = \"xxgk.e.example.cn\"\n",
        files: &[],
        file: "config.toml",
        key: Some("portal[0].item_hosts"),
        line: Some(4),
        says: &["expected a list in brackets"],
    },
    Bad {
        case: "glob matching nothing",
        config: "seeds = [\"seeds/*.toml\", \"more/*.toml\"]\n",
        files: &[("seeds/a.toml", PORTAL_A)],
        file: "config.toml",
        key: Some("seeds[1]"),
        line: Some(1),
        says: &["the glob \"more/*.toml\" matches no file"],
    },
    Bad {
        case: "same portal name in two files",
        config: "seeds = [\"seeds/*.toml\"]\n",
        files: &[
            ("seeds/a.toml", PORTAL_A),
            (
                "seeds/b.toml",
                "[[portal]]\nname = \"阿图什市人民政府\"\nurl = \"http://other.example.cn/\"\n",
            ),
        ],
        file: "seeds/b.toml",
        key: Some("portal[0].name"),
        line: Some(2),
        says: &[
            "already used by portal[0] in",
            "seeds/a.toml",
            "expected each portal name once",
        ],
    },
    Bad {
        case: "same URL in the config file and a seed file",
        config: "seeds = [\"seeds/*.toml\"]\n[[portal]]\nname = \"x\"\nurl = \"http://a.example.cn/nb/\"\n",
        files: &[("seeds/a.toml", PORTAL_A)],
        file: "seeds/a.toml",
        key: Some("portal[0].url"),
        line: Some(3),
        says: &[
            "http://a.example.cn/nb/ names the section already declared by portal[0] in",
            "config.toml",
        ],
    },
    Bad {
        case: "a key written twice",
        config: "data_dir = \"d\"\ndata_dir = \"e\"\n",
        files: &[],
        file: "config.toml",
        key: None,
        line: Some(2),
        says: &["duplicate key `data_dir`"],
    },
    Bad {
        case: "[portal] for [[portal]]",
        config: "[portal]\nname = \"x\"\nurl = \"http://a.example.cn/nb/\"\n",
        files: &[],
        file: "config.toml",
        key: Some("portal"),
        line: Some(1),
        says: &["[[portal]]"],
    },
    Bad {
        case: "a data_dir that is a file",
        config: "data_dir = \"seeds/a.toml\"\n",
        files: &[("seeds/a.toml", PORTAL_A)],
        file: "config.toml",
        key: Some("data_dir"),
        line: Some(1),
        says: &["expected a folder, found a file"],
    },
    Bad {
        case: "a gap of a month (1M for 1m)",
        config: "[politeness]\nper_host_interval = \"1M\"\n",
        files: &[],
        file: "config.toml",
        key: Some("politeness.per_host_interval"),
        line: Some(2),
        says: &["at most an hour", "\"1m\""],
    },
    Bad {
        case: "a portal's gap of a day",
        config: "[[portal]]\nname = \"x\"\nurl = \"http://a.example.cn/nb/\"\nper_host_interval = \"1day\"\n",
        files: &[],
        file: "config.toml",
        key: Some("portal[0].per_host_interval"),
        line: Some(4),
        says: &["at most an hour"],
    },
    Bad {
        case: "the first retry wait longer than the longest",
        config: "[crawl]\nfailed_retry_first = \"60d\"\nfailed_retry_max = \"1d\"\n",
        files: &[],
        file: "config.toml",
        key: Some("crawl.failed_retry_max"),
        line: Some(3),
        says: &["no longer than failed_retry_max"],
    },
    Bad {
        case: "a million retries",
        config: "[fetch]\nmax_retries = 1000000\n",
        files: &[],
        file: "config.toml",
        key: Some("fetch.max_retries"),
        line: Some(2),
        says: &["at most 10"],
    },
    Bad {
        case: "one section written two ways (a directory and its index file)",
        config: "seeds = [\"seeds/*.toml\"]\n[[portal]]\nname = \"x\"\nurl = \"HTTP://A.example.cn/nb/index.html\"\n",
        files: &[("seeds/a.toml", PORTAL_A)],
        file: "seeds/a.toml",
        key: Some("portal[0].url"),
        line: Some(3),
        says: &[
            "names the section already declared by portal[0] in",
            "config.toml",
        ],
    },
    Bad {
        case: "[feed] nats is not a NATS URL",
        config: "[feed]\nnats = \"http://127.0.0.1:4222\"\n",
        files: &[],
        file: "config.toml",
        key: Some("feed.nats"),
        line: Some(2),
        says: &["expected a NATS server URL", "scheme `http`"],
    },
    Bad {
        case: "[feed] without nats",
        config: "[feed]\nstream = \"NIANBAO\"\n",
        files: &[],
        file: "config.toml",
        key: Some("feed"),
        line: Some(1),
        says: &["missing key `nats`"],
    },
    Bad {
        case: "[feed] stream with a dot",
        config: "[feed]\nnats = \"nats://127.0.0.1:4222\"\nstream = \"nian.bao\"\n",
        files: &[],
        file: "config.toml",
        key: Some("feed.stream"),
        line: Some(3),
        says: &["expected a stream name", "\"nian.bao\""],
    },
    Bad {
        case: "[feed] subject with a wildcard",
        config: "[feed]\nnats = \"nats://127.0.0.1:4222\"\nsubject = \"nianbao.*\"\n",
        files: &[],
        file: "config.toml",
        key: Some("feed.subject"),
        line: Some(3),
        says: &["expected a subject", "no wildcards", "\"nianbao.*\""],
    },
    Bad {
        case: "unknown key in [feed]",
        config: "[feed]\nnats = \"nats://127.0.0.1:4222\"\nstreem = \"X\"\n",
        files: &[],
        file: "config.toml",
        key: Some("feed"),
        line: Some(3),
        says: &["unknown key `streem`", "nats, stream, subject"],
    },
    Bad {
        case: "item_hosts entry that is a URL",
        config: "[[portal]]\nname = \"某县\"\nurl = \"http://www.x.gov.cn/nb/\"\n\
                 item_hosts = [\"xxgk.x.gov.cn\", \"http://xxgk.hebei.gov.cn/\"]\n",
        files: &[],
        file: "config.toml",
        key: Some("portal[0].item_hosts[1]"),
        line: Some(4),
        says: &[
            "portal \"某县\"",
            "expected a host name such as \"xxgk.example.gov.cn\"",
            "found \"http://xxgk.hebei.gov.cn/\" (a URL, not a host)",
        ],
    },
    Bad {
        case: "empty item_hosts entry in a seed file",
        config: "seeds = [\"seeds/*.toml\"]\n",
        files: &[(
            "seeds/hebei.toml",
            "[[portal]]\nname = \"a\"\nurl = \"http://a.example.cn/\"\n\
             [[portal]]\nname = \"邯郸市人民政府\"\nurl = \"http://www.hd.gov.cn/nb/\"\n\
             item_hosts = [\"\"]\n",
        )],
        file: "seeds/hebei.toml",
        key: Some("portal[1].item_hosts[0]"),
        line: Some(7),
        says: &["portal \"邯郸市人民政府\"", "found \"\" (empty)"],
    },
    Bad {
        case: "item_hosts entry with spaces",
        config: "[[portal]]\nname = \"b\"\nurl = \"http://b.example.cn/\"\n\
                 item_hosts = [\"xxgk.b.example.cn \"]\n",
        files: &[],
        file: "config.toml",
        key: Some("portal[0].item_hosts[0]"),
        line: Some(4),
        says: &["portal \"b\"", "found \"xxgk.b.example.cn \" (spaces)"],
    },
    Bad {
        case: "item_hosts wildcard over a public suffix",
        config: "[[portal]]\nname = \"c\"\nurl = \"http://c.example.cn/\"\n\
                 item_hosts = [\"*.gov.cn\"]\n",
        files: &[],
        file: "config.toml",
        key: Some("portal[0].item_hosts[0]"),
        line: Some(4),
        says: &["portal \"c\"", "found \"*.gov.cn\"", "registrable domain"],
    },
    Bad {
        case: "unknown key beside item_hosts",
        config: "[[portal]]\nname = \"d\"\nurl = \"http://d.example.cn/\"\n\
                 item_host = [\"xxgk.d.example.cn\"]\n",
        files: &[],
        file: "config.toml",
        key: Some("portal[0]"),
        line: Some(4),
        says: &["unknown key `item_host`", "only_report_titles, item_hosts"],
    },
    Bad {
        case: "broken TOML",
        config: "[politeness\nuser_agent = \"x\"\n",
        files: &[],
        file: "config.toml",
        key: None,
        line: Some(1),
        says: &["invalid TOML"],
    },
];

#[test]
fn bad_configs_name_file_key_form_and_line() {
    for bad in BAD {
        let dir = scratch(bad.config, bad.files);
        let error = match load_in(dir.path()) {
            Ok(_) => panic!("{}: loaded, expected an error", bad.case),
            Err(error) => error,
        };
        let shown = error.to_string();
        let ConfigError::Invalid {
            path,
            location,
            key,
            message,
        } = &error
        else {
            panic!("{}: expected Invalid, got {error:?}", bad.case);
        };
        assert_eq!(path, &dir.path().join(bad.file), "{}: {shown}", bad.case);
        assert_eq!(key.as_deref(), bad.key, "{}: {shown}", bad.case);
        assert_eq!(location.map(|l| l.line), bad.line, "{}: {shown}", bad.case);
        for piece in bad.says {
            assert!(
                message.contains(piece),
                "{}: {piece:?} not in {shown}",
                bad.case
            );
        }
        // The shown form leads with file:line:column, then the key.
        let mut prefix = path.display().to_string();
        if let Some(Location { line, column }) = location {
            prefix.push_str(&format!(":{line}:{column}"));
        }
        if let Some(key) = key {
            prefix.push_str(&format!(": {key}"));
        }
        assert_eq!(shown, format!("{prefix}: {message}"), "{}", bad.case);
    }
}

#[test]
fn error_text_reads_as_documented() {
    let dir = scratch("politness = 1\n", &[]);
    let shown = load_in(dir.path())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    let expected = format!(
        "{}:1:1: unknown key `politness` at top level; expected one of data_dir, seeds, operator, \
         politeness, fetch, crawl, warc, archive, feed, storage, portal",
        dir.path().join("config.toml").display()
    );
    assert_eq!(shown, expected);

    let dir = scratch(
        "seeds = [\"seeds/*.toml\"]\n",
        &[(
            "seeds/xinjiang.toml",
            "[[portal]]\nname = \"a\"\nurl = \"http://a.cn/\"\nper_host_interval = \"fast\"\n",
        )],
    );
    let shown = load_in(dir.path())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    let expected = format!(
        "{}:4:21: portal[0].per_host_interval: expected a duration such as \"2s\" or \"500ms\", \
         found \"fast\"",
        dir.path().join("seeds/xinjiang.toml").display()
    );
    assert_eq!(shown, expected);
}

#[test]
fn missing_config_file_is_a_read_error_naming_the_path() {
    let dir = tempfile::tempdir().expect("a temp dir can be created");
    let path = dir.path().join("nope.toml");
    match config::load(&path, &Overrides::default()) {
        Err(ConfigError::Read {
            path: named,
            source,
        }) => {
            assert_eq!(named, path);
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("expected a read error, got {other:?}"),
    }
}

/// A config given by a relative path that is not there (a scheduler's run starts in another
/// folder than the shell it was set up in) is named by its absolute path, which says where
/// nianbao looked.
#[test]
fn a_missing_config_named_relatively_is_shown_by_its_absolute_path() {
    let relative = Path::new("no-such-folder/config.toml");
    let error = config::load(relative, &Overrides::default()).expect_err("the file is not there");
    let cwd = std::env::current_dir().expect("working directory");
    let ConfigError::Read { path, .. } = &error else {
        panic!("expected a read error, got {error:?}");
    };
    assert_eq!(path, &cwd.join(relative));
    assert!(
        error
            .to_string()
            .contains(&cwd.join(relative).display().to_string()),
        "{error}"
    );
}

/// Config and seed files saved in another encoding than UTF-8 (GBK by a Chinese Windows editor,
/// UTF-16 by Notepad's "Unicode"): the error names the file, the line and column of the first
/// byte that is not UTF-8, and the encoding to convert from. It used to be "stream did not
/// contain valid UTF-8", with neither.
#[test]
fn a_file_not_in_utf8_names_its_line_and_its_encoding() {
    let config = "data_dir = \"d\"\n[[portal]]\nname = \"阿图什市人民政府\"\nurl = \"http://a.example.cn/nb/\"\n";
    let gbk = encoding_rs::GBK.encode(config).0.into_owned();
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(config.encode_utf16().flat_map(u16::to_le_bytes));
    // (case, file written in the encoding, its bytes, line and column of the first bad byte,
    // what the message says)
    type Case = (
        &'static str,
        &'static str,
        Vec<u8>,
        (usize, usize),
        &'static [&'static str],
    );
    let cases: [Case; 3] = [
        (
            "config in GBK",
            "config.toml",
            gbk.clone(),
            (3, 9),
            &["0xB0", "GB18030 (GBK)", "iconv -f GB18030 -t UTF-8"],
        ),
        (
            "seed file in GBK",
            "seeds/a.toml",
            gbk,
            (3, 9),
            &["GB18030"],
        ),
        (
            "config in UTF-16",
            "config.toml",
            utf16,
            (1, 1),
            &["0xFF", "reads as UTF-16", "save it as UTF-8"],
        ),
    ];
    for (case, file, bytes, (line, column), says) in cases {
        let dir = scratch(
            "seeds = [\"seeds/*.toml\"]\n",
            &[("seeds/a.toml", PORTAL_A)],
        );
        std::fs::write(dir.path().join(file), &bytes).expect("the scratch folder is writable");
        let error = load_in(dir.path()).expect_err(case);
        let ConfigError::Invalid {
            path,
            location,
            message,
            ..
        } = &error
        else {
            panic!("{case}: expected Invalid, got {error:?}");
        };
        assert_eq!(path, &dir.path().join(file), "{case}: {error}");
        assert_eq!(
            *location,
            Some(Location { line, column }),
            "{case}: {error}"
        );
        assert!(message.contains("expected a UTF-8 file"), "{case}: {error}");
        for piece in says {
            assert!(message.contains(piece), "{case}: {piece:?} not in {error}");
        }
    }
}

/// Windows editors save a UTF-8 byte-order mark and CRLF line ends: both read as plain UTF-8,
/// in the config and in seed files.
#[test]
fn a_utf8_byte_order_mark_and_crlf_line_ends_load() {
    let dir = scratch("", &[]);
    let with_bom = |text: &str| {
        [
            &[0xEF, 0xBB, 0xBF][..],
            text.replace('\n', "\r\n").as_bytes(),
        ]
        .concat()
    };
    std::fs::write(
        dir.path().join("config.toml"),
        with_bom("data_dir = \"d\"\nseeds = [\"seeds/*.toml\"]\n[politeness]\nper_host_interval = \"3s\"\n"),
    )
    .expect("the scratch folder is writable");
    std::fs::create_dir_all(dir.path().join("seeds")).expect("the scratch folder is writable");
    std::fs::write(dir.path().join("seeds/a.toml"), with_bom(PORTAL_A))
        .expect("the scratch folder is writable");
    let settings = load_in(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(settings.data_dir, dir.path().join("d"));
    assert_eq!(
        settings.politeness.per_host_interval,
        Duration::from_secs(3)
    );
    let names: Vec<&str> = settings.portals.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["阿图什市人民政府"]);
    assert_eq!(settings.portals[0].url.as_str(), "http://a.example.cn/nb/");
}

#[test]
fn relative_data_dir_is_resolved_against_the_config_folder() {
    let dir = scratch("", &[]);
    write(dir.path(), "site/config.toml", "data_dir = \"archive\"\n");
    let settings = config::load(&dir.path().join("site/config.toml"), &Overrides::default())
        .unwrap_or_else(|e| panic!("{e}"));
    // The tests run from the crate folder, so a cwd-relative result would not start here.
    assert_eq!(settings.data_dir, dir.path().join("site/archive"));

    write(
        dir.path(),
        "site/config.toml",
        "data_dir = \"/srv/nianbao\"\n",
    );
    let settings = config::load(&dir.path().join("site/config.toml"), &Overrides::default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(settings.data_dir, PathBuf::from("/srv/nianbao"));
}

#[test]
fn sizes_are_read_as_bytes_or_with_a_unit() {
    let dir = scratch(
        "[fetch]\nmax_body_bytes = \"50MB\"\nmin_rate = \"16 KiB\"\n[warc]\nmax_file_bytes = \"1.5G\"\n",
        &[],
    );
    let settings = load_in(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(settings.fetch.max_body_bytes, 50_000_000);
    assert_eq!(settings.fetch.min_rate, 16 * 1024);
    assert_eq!(settings.warc.max_file_bytes, 3 << 29);
    let dir = scratch("[fetch]\nmax_body_bytes = 4096\n", &[]);
    let settings = load_in(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(settings.fetch.max_body_bytes, 4096);
}

#[test]
fn override_beats_the_file() {
    let dir = scratch("data_dir = \"from-file\"\n", &[]);
    let overrides = Overrides {
        data_dir: Some(PathBuf::from("from-cli")),
    };
    let settings =
        config::load(&dir.path().join("config.toml"), &overrides).unwrap_or_else(|e| panic!("{e}"));
    // Relative to the working directory, like any CLI path, and made absolute.
    let cwd = std::env::current_dir().expect("working directory");
    assert_eq!(settings.data_dir, cwd.join("from-cli"));
}

#[test]
fn defaults_fill_missing_sections() {
    let dir = scratch("", &[]);
    let settings = load_in(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(settings.data_dir, dir.path().join("data"));
    assert_eq!(settings.config_path, dir.path().join("config.toml"));
    assert_eq!(settings.operator, None);
    assert!(settings.portals.is_empty());

    let p = &settings.politeness;
    assert_eq!(p.user_agent, DEFAULT_USER_AGENT);
    assert_eq!(p.per_host_interval, DEFAULT_PER_HOST_INTERVAL);
    assert_eq!(p.per_host_concurrency, DEFAULT_PER_HOST_CONCURRENCY);
    assert_eq!(p.per_ip_concurrency, DEFAULT_PER_IP_CONCURRENCY);
    assert_eq!(
        p.per_ip_concurrency, 2,
        "the per-server cap is on by default"
    );
    assert_eq!(p.max_concurrency, DEFAULT_MAX_CONCURRENCY);
    assert_eq!(p.respect_robots, DEFAULT_RESPECT_ROBOTS);
    assert_eq!(p.max_retry_after, DEFAULT_MAX_RETRY_AFTER);
    assert_eq!(p.host_failure_limit, DEFAULT_HOST_FAILURE_LIMIT);
    let f = &settings.fetch;
    assert_eq!(f.timeout, DEFAULT_TIMEOUT);
    assert_eq!(f.connect_timeout, DEFAULT_CONNECT_TIMEOUT);
    assert_eq!(f.read_timeout, DEFAULT_READ_TIMEOUT);
    assert_eq!(f.min_rate, DEFAULT_MIN_RATE);
    assert_eq!(f.max_body_bytes, DEFAULT_MAX_BODY_BYTES);
    assert_eq!(f.max_retries, DEFAULT_MAX_RETRIES);
    assert_eq!(f.retry_base, DEFAULT_RETRY_BASE);
    assert_eq!(f.max_redirects, DEFAULT_MAX_REDIRECTS);
    assert!(f.tls_verify, "certificates are verified by default");
    assert_eq!(f.extra_ca_file, None);
    assert_eq!(
        settings.crawl.known_pages_before_stop,
        DEFAULT_KNOWN_PAGES_BEFORE_STOP
    );
    assert_eq!(settings.crawl.max_list_pages, DEFAULT_MAX_LIST_PAGES);

    // A section present but partial keeps the defaults for what it leaves out.
    let dir = scratch("[politeness]\nper_host_interval = \"500ms\"\n", &[]);
    let settings = load_in(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        settings.politeness.per_host_interval,
        Duration::from_millis(500)
    );
    assert_eq!(settings.politeness.max_concurrency, DEFAULT_MAX_CONCURRENCY);
}

#[test]
fn every_key_is_read() {
    let config = r#"
data_dir = "d"
seeds = ["seeds/*.toml", "seeds/xinjiang.toml"]
operator = "  Archive of 年报  "
[politeness]
user_agent = "nianbao-test/1 (mailto:ops@example.org)"
per_host_interval = "750ms"
per_host_concurrency = 2
per_ip_concurrency = 0
max_concurrency = 8
respect_robots = false
max_retry_after = "1m"
host_failure_limit = 9
[fetch]
timeout = "10s"
connect_timeout = "3s"
read_timeout = "4s"
min_rate = 5000
max_body_bytes = 2048
max_retries = 0
retry_base = "250ms"
max_redirects = 0
tls_verify = false
extra_ca_file = "ca/national.pem"
[crawl]
known_pages_before_stop = 3
max_list_pages = 7
[[portal]]
name = "阿图什市人民政府"
url = "https://www.xjats.gov.cn/xjats/c103418/list.shtml"
per_host_interval = "5s"
verified = false
list_api = "trs_xxgk"
item_hosts = ["XXGK.xjats.gov.cn", "*.xj.example.com"]
tls_verify = true
"#;
    let seed = "[[portal]]\nname = \"衢州市人民政府\"\nurl = \"https://www.qz.gov.cn/col/col1/index.html\"\n";
    let dir = scratch(config, &[("seeds/xinjiang.toml", seed)]);
    let s = load_in(dir.path()).unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(s.operator.as_deref(), Some("Archive of 年报"));
    assert_eq!(
        s.politeness.user_agent,
        "nianbao-test/1 (mailto:ops@example.org)"
    );
    assert_eq!(s.politeness.per_host_interval, Duration::from_millis(750));
    assert_eq!(s.politeness.per_host_concurrency, 2);
    assert_eq!(s.politeness.max_concurrency, 8);
    assert!(!s.politeness.respect_robots);
    assert_eq!(s.politeness.max_retry_after, Duration::from_secs(60));
    assert_eq!(s.politeness.host_failure_limit, 9);
    assert_eq!(s.fetch.timeout, Duration::from_secs(10));
    assert_eq!(s.fetch.connect_timeout, Duration::from_secs(3));
    assert_eq!(s.fetch.read_timeout, Duration::from_secs(4));
    assert_eq!(s.fetch.min_rate, 5000);
    assert_eq!(s.politeness.per_ip_concurrency, 0);
    assert_eq!(s.fetch.max_body_bytes, 2048);
    assert_eq!(s.fetch.max_retries, 0);
    assert_eq!(s.fetch.retry_base, Duration::from_millis(250));
    assert_eq!(s.fetch.max_redirects, 0);
    assert!(!s.fetch.tls_verify);
    assert_eq!(
        s.fetch.extra_ca_file.as_deref(),
        Some(dir.path().join("ca/national.pem").as_path()),
        "relative to the config's folder"
    );
    assert_eq!(s.crawl.known_pages_before_stop, 3);
    assert_eq!(s.crawl.max_list_pages, 7);

    // Config-file portals first, then seed files; a file matched by two globs is read once.
    assert_eq!(s.portals.len(), 2);
    let first = &s.portals[0];
    assert_eq!(first.name, "阿图什市人民政府");
    assert_eq!(first.url.host_str(), Some("www.xjats.gov.cn"));
    assert_eq!(first.per_host_interval, Some(Duration::from_secs(5)));
    assert!(!first.verified);
    assert_eq!(first.tls_verify, Some(true));
    assert_eq!(
        first.list_api,
        Some(nianbao::discover::JsonListFormat::TrsXxgk)
    );
    let item_hosts: Vec<String> = first.item_hosts.iter().map(|h| h.to_string()).collect();
    assert_eq!(item_hosts, ["xxgk.xjats.gov.cn", "*.xj.example.com"]);
    assert_eq!(first.source, dir.path().join("config.toml"));
    let second = &s.portals[1];
    assert_eq!(second.name, "衢州市人民政府");
    assert_eq!(second.per_host_interval, None);
    assert!(second.verified, "verified defaults to true");
    assert_eq!(second.list_api, None);
    assert!(second.item_hosts.is_empty(), "item_hosts defaults to none");
    assert_eq!(
        second.tls_verify, None,
        "tls_verify follows fetch.tls_verify"
    );
    assert_eq!(second.source, dir.path().join("seeds/xinjiang.toml"));
}

#[test]
fn an_unknown_list_api_format_is_rejected_with_the_known_ones() {
    let config =
        "[[portal]]\nname = \"P\"\nurl = \"http://a.gov.cn/list/\"\nlist_api = \"hanweb_json\"\n";
    let dir = scratch(config, &[]);
    let message = load_in(dir.path())
        .expect_err("an unknown format is an error")
        .to_string();
    assert!(message.contains("portal[0].list_api"), "{message}");
    assert!(
        message.contains("trs_xxgk") && message.contains("hanweb_json"),
        "{message}"
    );
}

/// `[feed]` (issue 14): absent means no JetStream feed; `nats` alone takes the default stream
/// and subject; given values are kept.
#[test]
fn feed_table_defaults_and_values() {
    let none = load_in(scratch(PORTAL_A, &[]).path()).expect("loads");
    assert_eq!(none.feed, None);
    let dir = scratch("[feed]\nnats = \"nats://127.0.0.1:4222\"\n", &[]);
    let feed = load_in(dir.path()).expect("loads").feed.expect("feed set");
    assert_eq!(
        (
            feed.nats.as_str(),
            feed.stream.as_str(),
            feed.subject.as_str()
        ),
        (
            "nats://127.0.0.1:4222",
            config::DEFAULT_FEED_STREAM,
            config::DEFAULT_FEED_SUBJECT
        )
    );
    let dir = scratch(
        "[feed]\nnats = \"tls://nats.example.org:4222\"\nstream = \"REPORTS\"\nsubject = \"gov.reports\"\n",
        &[],
    );
    let feed = load_in(dir.path()).expect("loads").feed.expect("feed set");
    assert_eq!(
        (
            feed.nats.as_str(),
            feed.stream.as_str(),
            feed.subject.as_str()
        ),
        ("tls://nats.example.org:4222", "REPORTS", "gov.reports")
    );
}
