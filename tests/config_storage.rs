//! `[storage]` in `config.toml` (issue 14): absent or `file://` data_dir means no object store;
//! `s3://bucket/prefix` with its endpoint settings resolves; bad values name the file, the key
//! and the expected form.

use std::path::Path;

use nianbao::config::{self, Overrides};
use nianbao::storage::{S3Location, StorageLocation};

const PORTAL: &str = "[[portal]]\nname = \"阿图什市人民政府\"\nurl = \"http://a.example.cn/nb/\"\n";

fn load(dir: &Path, storage: &str) -> Result<config::Settings, config::ConfigError> {
    let path = dir.join("config.toml");
    std::fs::write(&path, format!("data_dir = \"data\"\n{storage}\n{PORTAL}")).expect("write");
    config::load(&path, &Overrides::default())
}

#[test]
fn storage_urls_resolve() {
    let dir = tempfile::tempdir().expect("scratch");
    std::fs::create_dir_all(dir.path().join("data")).expect("data_dir");
    let data = dir.path().join("data").canonicalize().expect("absolute");
    let other = dir.path().join("elsewhere");
    let cases: Vec<(String, StorageLocation)> = vec![
        (String::new(), StorageLocation::DataDir),
        (
            format!("[storage]\nurl = \"file://{}\"", data.display()),
            StorageLocation::DataDir,
        ),
        (
            format!("[storage]\nurl = \"file://{}\"", other.display()),
            StorageLocation::Folder(other.clone()),
        ),
        (
            "[storage]\nurl = \"s3://nianbao-archive/cn/2026/\"\nendpoint = \"http://127.0.0.1:9000/\"\nallow_http = true\nregion = \"cn-north-1\"\ntimeout = \"5s\"".into(),
            StorageLocation::S3(S3Location {
                bucket: "nianbao-archive".into(),
                prefix: "cn/2026".into(),
                endpoint: Some("http://127.0.0.1:9000".into()),
                region: Some("cn-north-1".into()),
                allow_http: true,
                timeout: std::time::Duration::from_secs(5),
            }),
        ),
        (
            "[storage]\nurl = \"s3://nianbao-archive\"".into(),
            StorageLocation::S3(S3Location {
                bucket: "nianbao-archive".into(),
                prefix: String::new(),
                endpoint: None,
                region: None,
                allow_http: false,
                timeout: nianbao::storage::DEFAULT_STORAGE_TIMEOUT,
            }),
        ),
    ];
    for (table, expected) in cases {
        let settings = load(dir.path(), &table).unwrap_or_else(|e| panic!("{table}: {e}"));
        assert_eq!(settings.storage.location, expected, "{table}");
        assert!(!settings.storage.run_label.is_empty());
    }
}

#[test]
fn bad_storage_settings_name_the_key() {
    let dir = tempfile::tempdir().expect("scratch");
    let long_bucket = format!("[storage]\nurl = \"s3://{}/archive\"", "b".repeat(256));
    let cases = [
        (
            "[storage]\nurl = \"ftp://x/y\"",
            "storage.url",
            "scheme `ftp`",
        ),
        (
            "[storage]\nurl = \"nianbao-archive\"",
            "storage.url",
            "expected a storage URL",
        ),
        // A relative file URL was read as a folder at the filesystem's root (`file:archive`
        // wrote to /archive), whatever folder the config file is in.
        (
            "[storage]\nurl = \"file:archive\"",
            "storage.url",
            "file:///absolute/folder",
        ),
        (
            "[storage]\nurl = \"file:./archive\"",
            "storage.url",
            "not an absolute path",
        ),
        (
            "[storage]\nurl = \"s3:///prefix\"",
            "storage.url",
            "no bucket",
        ),
        (
            "[storage]\nurl = \"s3://报告/archive\"",
            "storage.url",
            "expected a bucket name of letters, digits",
        ),
        (
            "[storage]\nurl = \"s3://a%20b/archive\"",
            "storage.url",
            "found \"a%20b\"",
        ),
        (long_bucket.as_str(), "storage.url", "(at most 255)"),
        (
            "[storage]\nendpoint = \"http://127.0.0.1:9000\"",
            "storage",
            "missing key `url`",
        ),
        (
            "[storage]\nurl = \"s3://b\"\nendpoint = \"127.0.0.1:9000\"",
            "storage.endpoint",
            "expected an http:// or https:// URL",
        ),
        (
            "[storage]\nurl = \"s3://b\"\nendpoint = \"http://127.0.0.1:9000\"",
            "storage.endpoint",
            "allow_http = true",
        ),
        (
            "[storage]\nurl = \"s3://b\"\nregion = \"\"",
            "storage.region",
            "region name",
        ),
        (
            "[storage]\nurl = \"file:///srv/x\"\nregion = \"us-east-1\"",
            "storage.region",
            "s3:// storage only",
        ),
        (
            "[storage]\nurl = \"s3://b\"\nallow_http = \"yes\"",
            "storage.allow_http",
            "expected true or false",
        ),
        (
            "[storage]\nurl = \"s3://b\"\nbucket = \"b\"",
            "storage",
            "unknown key `bucket`",
        ),
    ];
    for (table, key, part) in cases {
        let error = load(dir.path(), table).expect_err(table).to_string();
        assert!(error.contains("config.toml:"), "{table}: {error}");
        assert!(
            error.contains(&format!(" {key}: ")),
            "{table}: want key {key}: {error}"
        );
        assert!(error.contains(part), "{table}: want {part:?}: {error}");
    }
}
