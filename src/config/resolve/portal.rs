//! `[[portal]]`: the portals of one file (config or seed file), resolved in file order, each
//! key checked and errors naming the portal's table.

use super::{gap, missing};
use crate::config::diagnose::{KeyPath, Source};
use crate::config::raw::RawPortal;
use crate::config::*;

/// The names `list_api` accepts (`discover::JsonListFormat` in config spelling).
const JSON_LIST_FORMATS: &[&str] = &["trs_xxgk", "gkmlpt"];

/// The `[[portal]]` tables of one file, in file order.
pub(in crate::config) fn portals(
    raw: Option<Vec<RawPortal>>,
    source: &Source<'_>,
) -> Result<Vec<Portal>, ConfigError> {
    let mut portals = Vec::new();
    for (index, raw) in raw.unwrap_or_default().into_iter().enumerate() {
        let table = KeyPath::root().key("portal").index(index);
        let name = match raw.name.as_deref().map(str::trim) {
            // A name is printed in summaries and logs as written: an escape sequence in it
            // would colour or rewrite the terminal of whoever reads them.
            Some(name) if name.chars().any(char::is_control) => {
                return Err(source.at_key(
                    &table.key("name"),
                    format!(
                        "expected a name without control characters (tab, line break, escape \
                         …), found {name:?}"
                    ),
                ));
            }
            Some(name) if !name.is_empty() => name.to_owned(),
            Some(_) => {
                return Err(source.at_key(
                    &table.key("name"),
                    "expected a non-empty name such as \"阿图什市人民政府\", found \"\"",
                ));
            }
            None => return Err(missing(source, &table, "name")),
        };
        let Some(url) = raw.url else {
            return Err(missing(source, &table, "url"));
        };
        let per_host_interval = match raw.per_host_interval {
            None => None,
            Some(interval) => Some(gap(
                Some(interval),
                &table.key("per_host_interval"),
                source,
            )?),
        };
        let list_api = match raw.list_api.as_deref() {
            None => None,
            Some(name) => {
                match serde_json::from_value(serde_json::Value::String(name.to_owned())) {
                    Ok(format) => Some(format),
                    Err(_) => {
                        return Err(source.at_key(
                            &table.key("list_api"),
                            format!(
                                "expected a JSON list format: one of {}, found {name:?}",
                                JSON_LIST_FORMATS.join(", ")
                            ),
                        ));
                    }
                }
            }
        };
        let mut item_hosts = Vec::new();
        for (i, text) in raw.item_hosts.iter().flatten().enumerate() {
            match crate::gate::HostPattern::parse(text) {
                Ok(pattern) => item_hosts.push(pattern),
                Err(e) => {
                    return Err(source.at_key(
                        &table.key("item_hosts").index(i),
                        format!("portal {name:?}: {e}"),
                    ));
                }
            }
        }
        portals.push(Portal {
            name,
            url: url.0,
            per_host_interval,
            verified: raw.verified.unwrap_or(true),
            list_api,
            only_report_titles: raw.only_report_titles.unwrap_or(false),
            item_hosts,
            tls_verify: raw.tls_verify,
            source: source.path.to_path_buf(),
        });
    }
    Ok(portals)
}
