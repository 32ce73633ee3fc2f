//! `[archive]` in `config.toml` (issue 10): `compress` is "zstd" by default, "none" writes every
//! raw body plain; `sync` is "file" by default, or "filesystem"; anything else is an error naming
//! the file, the key and the accepted values.
//! The read limit of compressed files follows `fetch.max_body_bytes`.

use std::path::Path;

use nianbao::archive::Compression;
use nianbao::config::{self, Overrides, SyncMode};

fn load(dir: &Path, extra: &str) -> Result<config::Settings, config::ConfigError> {
    let path = dir.join("config.toml");
    std::fs::write(&path, format!("data_dir = \"data\"\n{extra}\n")).expect("write");
    config::load(&path, &Overrides::default())
}

#[test]
fn compress_takes_zstd_or_none() {
    let dir = tempfile::tempdir().expect("scratch");
    let cases = [
        ("", Compression::Zstd),
        ("[archive]\n", Compression::Zstd),
        ("[archive]\ncompress = \"zstd\"", Compression::Zstd),
        ("[archive]\ncompress = \"none\"", Compression::None),
    ];
    for (text, expected) in cases {
        let settings = load(dir.path(), text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(settings.archive.compress, expected, "{text:?}");
    }
}

#[test]
fn sync_takes_file_or_filesystem() {
    let dir = tempfile::tempdir().expect("scratch");
    let cases = [
        ("", SyncMode::File),
        ("[archive]\n", SyncMode::File),
        ("[archive]\ncompress = \"none\"", SyncMode::File),
        ("[archive]\nsync = \"file\"", SyncMode::File),
        ("[archive]\nsync = \"filesystem\"", SyncMode::Filesystem),
        (
            "[archive]\ncompress = \"none\"\nsync = \" filesystem \"",
            SyncMode::Filesystem,
        ),
    ];
    for (text, expected) in cases {
        let settings = load(dir.path(), text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(settings.archive.sync, expected, "{text:?}");
    }
    let settings = load(
        dir.path(),
        "[archive]\ncompress = \"none\"\nsync = \"filesystem\"",
    )
    .expect("both keys");
    assert_eq!(settings.archive.compress, Compression::None);
}

/// Each bad value of `key` (with what the message must quote of it) is refused by a message that
/// names the file, the key, every accepted value and the value found.
fn assert_bad_values_named(key: &str, choices: &[&str], bad: &[(&str, &str)]) {
    let dir = tempfile::tempdir().expect("scratch");
    for (value, found) in bad {
        let text = format!("[archive]\n{key} = {value}");
        let message = load(dir.path(), &text).expect_err(&text).to_string();
        let key_path = format!("archive.{key}");
        let pieces = ["config.toml", key_path.as_str(), found]
            .into_iter()
            .chain(choices.iter().copied());
        for piece in pieces {
            assert!(
                message.contains(piece),
                "{text:?}: {piece} missing from {message}"
            );
        }
    }
}

#[test]
fn a_bad_sync_value_names_the_key_and_the_choices() {
    assert_bad_values_named(
        "sync",
        &["\"file\"", "\"filesystem\""],
        &[
            ("\"fsync\"", "\"fsync\""),
            ("\"File\"", "\"File\""),
            ("\"\"", "\"\""),
        ],
    );
}

#[test]
fn a_bad_compress_value_names_the_key_and_the_choices() {
    assert_bad_values_named(
        "compress",
        &["\"zstd\"", "\"none\""],
        &[
            ("\"lz4\"", "\"lz4\""),
            ("\"ZSTD\"", "\"ZSTD\""),
            ("\"\"", "\"\""),
        ],
    );
    let dir = tempfile::tempdir().expect("scratch");
    let message = load(dir.path(), "[archive]\ncompress = true")
        .expect_err("a boolean is not a name")
        .to_string();
    assert!(message.contains("config.toml"), "{message}");
    let message = load(dir.path(), "[archive]\nlevel = 3")
        .expect_err("an unknown key")
        .to_string();
    assert!(message.contains("level"), "{message}");
}

/// Stored files are read back up to `max_body_bytes`, and never less than its default: a limit
/// lowered after a crawl leaves the bodies archived under the default readable.
#[test]
fn storage_reads_compressed_files_up_to_max_body_bytes() {
    let dir = tempfile::tempdir().expect("scratch");
    let settings = load(dir.path(), "[fetch]\nmax_body_bytes = 4096").expect("loads");
    assert_eq!(settings.storage.read_limit, config::DEFAULT_MAX_BODY_BYTES);
    let settings = load(dir.path(), "[fetch]\nmax_body_bytes = \"200MiB\"").expect("loads");
    assert_eq!(settings.storage.read_limit, 200 * 1024 * 1024);
    let settings = load(dir.path(), "").expect("loads");
    assert_eq!(settings.storage.read_limit, config::DEFAULT_MAX_BODY_BYTES);
}
