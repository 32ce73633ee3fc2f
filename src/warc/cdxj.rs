//! CDXJ index of the WARC folder (the pywb format): one line per `response` and `revisit` record,
//! `<SURT> <14-digit timestamp> {json}`, sorted, so replay tools can find a capture's bytes.

use std::path::Path;

use serde_json::json;

use super::reader::{WarcReader, parse_http_head};
use super::{WarcError, WarcRecord};

/// The CDXJ lines for every `*.warc.gz` file in `dir`, sorted bytewise.
pub fn cdxj_index(dir: &Path) -> Result<Vec<String>, WarcError> {
    let names = file_names(dir)?;
    let mut lines = Vec::new();
    for name in names {
        for record in WarcReader::open(&dir.join(&name))? {
            if let Some(line) = cdxj_line(&record?, &name) {
                lines.push(line);
            }
        }
    }
    lines.sort();
    Ok(lines)
}

/// The `.warc.gz` files in `dir`, by name (the names sort in the order they were written).
pub fn file_names(dir: &Path) -> Result<Vec<String>, WarcError> {
    let io = |source| WarcError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let name = entry
            .map_err(io)?
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name.ends_with(".warc.gz") {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

fn cdxj_line(record: &WarcRecord, file_name: &str) -> Option<String> {
    let kind = record.warc_type()?;
    if kind != "response" && kind != "revisit" {
        return None;
    }
    let url = record.header("WARC-Target-URI")?;
    let timestamp: String = record
        .header("WARC-Date")?
        .chars()
        .filter(char::is_ascii_digit)
        .take(14)
        .collect();
    let head = parse_http_head(&record.block);
    let mime = if kind == "revisit" {
        "warc/revisit".to_string()
    } else {
        head.as_ref()
            .and_then(|h| h.header("Content-Type"))
            .and_then(|ct| ct.split(';').next())
            .map(|m| m.trim().to_ascii_lowercase())
            .unwrap_or_else(|| "unk".into())
    };
    let mut doc = json!({
        "url": url,
        "mime": mime,
        "length": record.length.to_string(),
        "offset": record.offset.to_string(),
        "filename": file_name,
    });
    if let Some(status) = head.and_then(|h| h.status) {
        doc["status"] = json!(status.to_string());
    }
    if let Some(digest) = record.header("WARC-Payload-Digest") {
        // Labelled, `sha1:...`, as pywb's cdxj-indexer writes it.
        doc["digest"] = json!(digest);
    }
    Some(format!("{} {timestamp} {doc}", surt(url)))
}

/// A SURT key, simply: scheme and `www.` dropped, host labels reversed and comma-joined (IP
/// addresses kept as they are), a non-default port after a colon, then `)` and the path with its
/// query arguments sorted, all lower-cased. A URL that does not parse is lower-cased as it is.
pub fn surt(uri: &str) -> String {
    let Ok(url) = url::Url::parse(uri) else {
        return uri.to_ascii_lowercase();
    };
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let mut key = match url.host() {
        Some(url::Host::Domain(_)) => {
            let host = host.strip_prefix("www.").unwrap_or(&host);
            host.split('.').rev().collect::<Vec<_>>().join(",")
        }
        _ => host.clone(),
    };
    if let Some(port) = url.port() {
        key.push_str(&format!(":{port}"));
    }
    key.push(')');
    key.push_str(url.path());
    if let Some(query) = url.query().filter(|q| !q.is_empty()) {
        let mut args: Vec<&str> = query.split('&').collect();
        args.sort_unstable();
        key.push('?');
        key.push_str(&args.join("&"));
    }
    key.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::surt;

    #[test]
    fn surt_keys() {
        let cases = [
            ("http://www.Example.gov.cn/", "cn,gov,example)/"),
            (
                "https://www.gd.gov.cn/zwgk/ndbg/index.html",
                "cn,gov,gd)/zwgk/ndbg/index.html",
            ),
            ("http://a.b.cn:8080/X?b=2&a=1", "cn,b,a:8080)/x?a=1&b=2"),
            ("http://127.0.0.1:3000/list?p=2", "127.0.0.1:3000)/list?p=2"),
            ("http://example.com/path#frag", "com,example)/path"),
            ("not a url", "not a url"),
        ];
        for (url, expected) in cases {
            assert_eq!(surt(url), expected, "{url}");
        }
    }
}
