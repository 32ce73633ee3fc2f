//! Seed files: expands the `seeds` globs against the config file's folder and gathers every
//! `[[portal]]` into one catalogue, refusing a portal name or section URL declared twice (two
//! entries for one section would crawl it twice and split its history).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use url::Url;

use super::diagnose::{KeyPath, Source};
use super::{ConfigError, Portal};

/// The files one `seeds` entry names, in a stable (sorted) order.
pub(super) fn expand(
    config_dir: &Path,
    pattern: &str,
    key: &KeyPath,
    source: &Source<'_>,
) -> Result<Vec<PathBuf>, ConfigError> {
    let full = if Path::new(pattern).is_absolute() || config_dir.as_os_str().is_empty() {
        pattern.to_owned()
    } else {
        // The folder is literal text: a `[` in it must not start a character class.
        let dir = glob::Pattern::escape(&config_dir.to_string_lossy());
        format!("{dir}/{pattern}")
    };
    let paths = glob::glob(&full).map_err(|e| {
        source.at_key(
            key,
            format!("expected a glob such as \"seeds/*.toml\", found {pattern:?} ({e})"),
        )
    })?;
    let mut files = Vec::new();
    for entry in paths {
        let path = entry.map_err(|e| ConfigError::Read {
            path: e.path().to_path_buf(),
            source: e.into(),
        })?;
        if path.is_file() {
            files.push(path);
        }
    }
    if files.is_empty() {
        return Err(source.at_key(
            key,
            format!(
                "the glob {pattern:?} matches no file (relative to {}); expected it to name \
                 at least one seed file",
                shown_dir(config_dir)
            ),
        ));
    }
    files.sort();
    Ok(files)
}

fn shown_dir(dir: &Path) -> String {
    if dir.as_os_str().is_empty() {
        "the current folder".to_owned()
    } else {
        dir.display().to_string()
    }
}

/// Where a portal was declared, for naming both places in a duplicate error.
#[derive(Debug, Clone)]
struct Declared {
    file: PathBuf,
    index: usize,
}

/// The first declaration of a section, with the URL as written there (it may differ from the
/// second's by scheme, slash or index file).
#[derive(Debug)]
struct FirstUrl {
    at: Declared,
    url: Url,
}

impl std::fmt::Display for Declared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "portal[{}] in {}", self.index, self.file.display())
    }
}

/// Every portal across the config file and the seed files, with the indexes for duplicates.
#[derive(Debug, Default)]
pub(super) struct Catalogue {
    portals: Vec<Portal>,
    by_name: HashMap<String, Declared>,
    /// By the section the URL names (see `section_key`).
    by_url: HashMap<String, FirstUrl>,
}

/// The section a URL names, whatever way it is written: `…/xxgknb/`, `…/xxgknb` and
/// `…/xxgknb/index.html` are one list (two portals on it would each walk half of it), and so are
/// `http://` and `https://` on one host (the list would be walked twice each night). The port
/// stays only where written as other than the scheme's default.
fn section_key(url: &Url) -> String {
    const INDEX_FILES: &[&str] = &[
        "index.html",
        "index.htm",
        "index.shtml",
        "index.jsp",
        "index.php",
        "index.aspx",
        "default.html",
        "default.htm",
        "default.aspx",
    ];
    let path = url.path();
    let path = match path.rsplit_once('/') {
        Some((dir, file)) if INDEX_FILES.iter().any(|f| f.eq_ignore_ascii_case(file)) => dir,
        _ => path,
    };
    format!(
        "//{}{}{}?{}",
        url.host_str().unwrap_or("").to_ascii_lowercase(),
        url.port().map(|p| format!(":{p}")).unwrap_or_default(),
        path.trim_end_matches('/'),
        url.query().unwrap_or("")
    )
}

impl Catalogue {
    /// Adds the portals of one file (in file order, so `index` is the `[[portal]]` index).
    pub fn add_file(
        &mut self,
        portals: Vec<Portal>,
        source: &Source<'_>,
    ) -> Result<(), ConfigError> {
        for (index, portal) in portals.into_iter().enumerate() {
            let here = Declared {
                file: source.path.to_path_buf(),
                index,
            };
            let table = KeyPath::root().key("portal").index(index);
            if let Some(first) = self.by_name.get(&portal.name) {
                return Err(source.at_key(
                    &table.key("name"),
                    format!(
                        "the name {:?} is already used by {first}; expected each portal name once",
                        portal.name
                    ),
                ));
            }
            let section = section_key(&portal.url);
            if let Some(first) = self.by_url.get(&section) {
                return Err(source.at_key(
                    &table.key("url"),
                    format!(
                        "the URL {} names the section already declared by {} ({}); expected each \
                         section once, under http or https",
                        portal.url, first.at, first.url
                    ),
                ));
            }
            self.by_name.insert(portal.name.clone(), here.clone());
            self.by_url.insert(
                section,
                FirstUrl {
                    at: here,
                    url: portal.url.clone(),
                },
            );
            self.portals.push(portal);
        }
        Ok(())
    }

    pub fn into_portals(self) -> Vec<Portal> {
        self.portals
    }
}
