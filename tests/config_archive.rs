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

#[test]
fn a_bad_sync_value_names_the_key_and_the_choices() {
    let dir = tempfile::tempdir().expect("scratch");
    for (text, found) in [
        ("[archive]\nsync = \"fsync\"", "\"fsync\""),
        ("[archive]\nsync = \"File\"", "\"File\""),
        ("[archive]\nsync = \"\"", "\"\""),
    ] {
        let message = load(dir.path(), text).expect_err(text).to_string();
        for piece in [
            "config.toml",
            "archive.sync",
            "\"file\"",
            "\"filesystem\"",
            found,
        ] {
            assert!(
                message.contains(piece),
                "{text:?}: {piece} missing from {message}"
            );
        }
    }
}

#[test]
fn a_bad_compress_value_names_the_key_and_the_choices() {
    let dir = tempfile::tempdir().expect("scratch");
    for (text, found) in [
        ("[archive]\ncompress = \"lz4\"", "\"lz4\""),
        ("[archive]\ncompress = \"ZSTD\"", "\"ZSTD\""),
        ("[archive]\ncompress = \"\"", "\"\""),
    ] {
        let message = load(dir.path(), text).expect_err(text).to_string();
        for piece in [
            "config.toml",
            "archive.compress",
            "\"zstd\"",
            "\"none\"",
            found,
        ] {
            assert!(
                message.contains(piece),
                "{text:?}: {piece} missing from {message}"
            );
        }
    }
    let message = load(dir.path(), "[archive]\ncompress = true")
        .expect_err("a boolean is not a name")
        .to_string();
    assert!(message.contains("config.toml"), "{message}");
    let message = load(dir.path(), "[archive]\nlevel = 3")
        .expect_err("an unknown key")
        .to_string();
    assert!(message.contains("level"), "{message}");
}

#[test]
fn storage_reads_compressed_files_up_to_max_body_bytes() {
    let dir = tempfile::tempdir().expect("scratch");
    let settings = load(dir.path(), "[fetch]\nmax_body_bytes = 4096").expect("loads");
    assert_eq!(settings.storage.read_limit, 4096);
    let settings = load(dir.path(), "").expect("loads");
    assert_eq!(settings.storage.read_limit, config::DEFAULT_MAX_BODY_BYTES);
}
