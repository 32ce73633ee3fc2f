//! `[storage]`: where archived files go, resolved from `storage.url` (data_dir itself, another
//! folder, or an S3 bucket with an optional key prefix) and checked key by key.

use std::path::Path;

use super::missing;
use crate::config::diagnose::{KeyPath, Source};
use crate::config::raw::{RawStorage, URL_FORM};
use crate::config::*;
use crate::storage::{S3Location, StorageConfig, StorageLocation};

/// The forms `storage.url` accepts.
const STORAGE_URL_FORM: &str =
    "a storage URL: file:///absolute/folder or s3://bucket or s3://bucket/prefix";

/// `[storage]`: data_dir itself when absent (no object store at all), another folder, or an S3
/// bucket with an optional key prefix.
pub(in crate::config) fn storage(
    raw: Option<RawStorage>,
    data_dir: &Path,
    source: &Source<'_>,
) -> Result<StorageConfig, ConfigError> {
    let table = KeyPath::root().key("storage");
    let Some(raw) = raw else {
        return Ok(StorageConfig::local());
    };
    let Some(written) = raw.url.as_deref().map(str::trim) else {
        return Err(missing(source, &table, "url"));
    };
    let url_key = table.key("url");
    let url = Url::parse(written).map_err(|e| {
        source.at_key(
            &url_key,
            format!("expected {STORAGE_URL_FORM}, found {written:?} ({e})"),
        )
    })?;
    let location = match url.scheme() {
        "file" => {
            for (key, given) in [
                ("endpoint", raw.endpoint.is_some()),
                ("region", raw.region.is_some()),
                ("allow_http", raw.allow_http.is_some()),
                ("timeout", raw.timeout.is_some()),
            ] {
                if given {
                    return Err(source.at_key(
                        &table.key(key),
                        format!("`{key}` applies to s3:// storage only, found it with {written:?}"),
                    ));
                }
            }
            // `file:archive` parses as `file:///archive`: a folder at the filesystem's root,
            // not one beside the config file. Only `file://` and an absolute path name a folder.
            if !written
                .get("file:".len()..)
                .is_some_and(|rest| rest.starts_with("//"))
            {
                return Err(source.at_key(
                    &url_key,
                    format!(
                        "expected {STORAGE_URL_FORM}, found {written:?}: a relative file URL, not an absolute path"
                    ),
                ));
            }
            let folder = url.to_file_path().map_err(|()| {
                source.at_key(
                    &url_key,
                    format!("expected {STORAGE_URL_FORM}, found a file URL with no absolute path: {written:?}"),
                )
            })?;
            let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
                (Ok(a), Ok(b)) => a == b,
                _ => a == b,
            };
            if same(&folder, data_dir) {
                StorageLocation::DataDir
            } else {
                StorageLocation::Folder(folder)
            }
        }
        "s3" => {
            let bucket = url.host_str().unwrap_or_default().to_string();
            if bucket.is_empty() {
                return Err(source.at_key(
                    &url_key,
                    format!("expected {STORAGE_URL_FORM}, found no bucket in {written:?}"),
                ));
            }
            // The URL keeps other characters percent-encoded: a bucket no S3 server has, found
            // only when the first put fails. (Legacy buckets allow capitals, `_`, 255 chars.)
            let bucket_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
            if bucket.len() > 255 || !bucket.chars().all(bucket_char) {
                return Err(source.at_key(
                    &url_key,
                    format!("expected a bucket name of letters, digits, '.', '-' and '_' (at most 255), found {bucket:?} in {written:?}"),
                ));
            }
            let endpoint = match raw.endpoint.as_deref().map(str::trim) {
                None => None,
                Some(text) => match Url::parse(text) {
                    Ok(e) if matches!(e.scheme(), "http" | "https") && e.host_str().is_some() => {
                        Some(text.trim_end_matches('/').to_string())
                    }
                    _ => {
                        return Err(source.at_key(
                            &table.key("endpoint"),
                            format!("expected {URL_FORM} (the S3 API server), found {text:?}"),
                        ));
                    }
                },
            };
            let allow_http = raw.allow_http.unwrap_or(false);
            if let Some(endpoint) = &endpoint
                && endpoint.starts_with("http://")
                && !allow_http
            {
                return Err(source.at_key(
                    &table.key("endpoint"),
                    format!("{endpoint:?} is plain http: set `allow_http = true` to use it (only for a local or trusted network)"),
                ));
            }
            let region = match raw.region.as_deref().map(str::trim) {
                Some("") => {
                    return Err(source.at_key(
                        &table.key("region"),
                        "expected a region name such as \"us-east-1\", found \"\"",
                    ));
                }
                other => other.map(str::to_string),
            };
            let timeout = super::positive(
                raw.timeout,
                crate::storage::DEFAULT_STORAGE_TIMEOUT,
                &table.key("timeout"),
                source,
            )?;
            StorageLocation::S3(S3Location {
                bucket,
                prefix: url.path().trim_matches('/').to_string(),
                endpoint,
                region,
                allow_http,
                timeout,
            })
        }
        other => {
            return Err(source.at_key(
                &url_key,
                format!("expected {STORAGE_URL_FORM}, found scheme `{other}` in {written:?}"),
            ));
        }
    };
    Ok(StorageConfig {
        location,
        ..StorageConfig::local()
    })
}
