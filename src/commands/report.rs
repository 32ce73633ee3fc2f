//! `nianbao report`: the coverage matrix from the store's versions and run reports, as a
//! self-contained HTML page (`--html FILE`) or as CSV / JSON on stdout.

use std::collections::HashSet;
use std::path::Path;

use anyhow::Context;
use chrono::{SecondsFormat, Utc};

use crate::cli::ReportFormat;
use crate::config::Settings;
use crate::coverage::{self, Links, ReportVersion};
use crate::report::RunReport;
use crate::store::{Store, StoreError};

use super::left_out::LeftOut;

use super::{Outcome, UsageError, open_store};

/// Where the coverage page's links start, as given on the command line.
pub(super) struct LinkBases<'a> {
    /// The pywb collection (`--replay-base`).
    pub replay: &'a str,
    /// Raw files (`--raw-base`); `None`: data_dir, or the shared storage for all shards.
    pub raw: Option<&'a str>,
}

pub(super) fn run(
    settings: &Settings,
    html: Option<&Path>,
    format: Option<ReportFormat>,
    links: &LinkBases<'_>,
    all_shards: bool,
) -> anyhow::Result<Outcome> {
    let configured: Vec<coverage::ConfiguredPortal> = settings
        .portals
        .iter()
        .map(|p| (p.name.clone(), Some(p.url.to_string())))
        .collect();
    let now = Utc::now();
    let (today, generated_at) = (
        now.date_naive(),
        now.to_rfc3339_opts(SecondsFormat::Secs, true),
    );
    let mut storage_url = None;
    let mut left_out = LeftOut::default();
    let matrix = if all_shards {
        // Every shard's records and run reports, from the shared storage.
        let view = super::shards::read(settings)?;
        storage_url = Some(view.storage_url.clone());
        let (records, marks_notes) = view.marked_versions()?;
        let runs = view.runs_newest_first();
        let mut matrix = coverage::build(&configured, &records, runs, today, generated_at);
        for portal in &mut matrix.portals {
            portal.marks = marks_notes.get(&portal.portal).cloned();
        }
        matrix
    } else {
        let store = open_store(settings)?;
        let records = report_versions(&store, Some(&mut left_out))?;
        let runs = store.runs_newest_first::<RunReport>();
        coverage::build(&configured, &records, runs, today, generated_at)
    };
    if let Some(path) = html {
        let replay_base = match settings.warc.enabled {
            true => Some(base_url("--replay-base", links.replay)?),
            false => None,
        };
        // Raw files are linked where they are: in the shared storage for a view of all shards
        // (each shard's data_dir is on its own machine), in data_dir otherwise, unless the
        // archive is served elsewhere.
        let raw_base = match (links.raw, &storage_url) {
            (Some(given), _) => base_url("--raw-base", given)?,
            (None, Some(url)) => format!("{}/", url.trim_end_matches('/')),
            (None, None) => {
                let data_dir = std::fs::canonicalize(&settings.data_dir).with_context(|| {
                    format!("cannot find data_dir {}", settings.data_dir.display())
                })?;
                url::Url::from_directory_path(&data_dir)
                    .map_err(|()| {
                        anyhow::anyhow!("data_dir {} is not absolute", data_dir.display())
                    })?
                    .to_string()
            }
        };
        let page = coverage::render_html(
            &matrix,
            &Links {
                raw_base,
                replay_base,
            },
        );
        let tmp = path.with_extension("html.tmp");
        std::fs::write(&tmp, &page)
            .and_then(|()| std::fs::rename(&tmp, path))
            .with_context(|| format!("cannot write the coverage page {}", path.display()))?;
        errln!(
            "wrote {} ({} portals, {} KB)",
            path.display(),
            matrix.portals.len(),
            page.len() / 1024
        );
    }
    match format {
        Some(ReportFormat::Csv) => out!("{}", coverage::render_csv(&matrix)),
        Some(ReportFormat::Json) => outln!("{}", serde_json::to_string_pretty(&matrix)?),
        None => {}
    }
    left_out.finish()?;
    Ok(Outcome::Completed)
}

/// A link base given as an option: an http, https or file URL, ending in `/` so that relative
/// paths go below it. Any other scheme is refused: a `javascript:` or `data:` base would make
/// every link of a page that researchers share run code when clicked, and a Windows path
/// (`C:\archive`) parses as a URL of scheme `c` that no browser opens.
fn base_url(option: &str, given: &str) -> Result<String, UsageError> {
    let base = given.trim_end_matches('/');
    let url = url::Url::parse(base)
        .map_err(|e| UsageError(format!("{option} {given}: not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https" | "file") {
        return Err(UsageError(format!(
            "{option} {given}: not an http, https or file URL (a folder is given as file:///PATH/)"
        )));
    }
    Ok(format!("{base}/"))
}

/// Every version of the documents some version of which is an annual report, as the matrix reads
/// it: it shows nothing else, so the rest of the archive (most of it) is read past, not held,
/// and of a report only what the matrix shows.
///
/// A damaged record is named on stderr and left out when `left_out` is given (`report`), and
/// stops the reading otherwise (`prune-runs`, which removes what it finds no longer needed).
pub(super) fn report_versions(
    store: &Store,
    mut left_out: Option<&mut LeftOut>,
) -> anyhow::Result<Vec<ReportVersion>> {
    let mut reports = HashSet::new();
    for record in store.export_since(0) {
        let record = match left_out.as_deref_mut() {
            Some(left_out) => left_out.take(record),
            None => record.map(Some),
        };
        let Some(record) = record.context("cannot read the archived versions")? else {
            continue;
        };
        if record.is_annual_report {
            reports.insert(record.id);
        }
    }
    // Few documents are withdrawn or delisted: read once, from the index, as `export` does.
    let withdrawn = store
        .withdrawn_documents()
        .context("cannot read the withdrawn documents")?;
    let delisted: std::collections::HashMap<String, crate::store::Delisting> = store
        .delisted_urls()
        .context("cannot read the delisted URLs")?
        .into_iter()
        .map(|d| (d.url, crate::store::Delisting { since: d.since }))
        .collect();
    let mut versions = Vec::new();
    for record in store.export_since(0) {
        // A damaged record was named in the first reading: this one passes it by quietly.
        let mut record = match record {
            Err(StoreError::Corrupt { .. }) if left_out.is_some() => continue,
            record => record.context("cannot read the archived versions")?,
        };
        if reports.contains(&record.id) {
            record.withdrawn = withdrawn.get(&record.id).map(|d| d.withdrawal.clone());
            record.delisted = delisted.get(&record.url).cloned();
            versions.push(ReportVersion::from(&record));
        }
    }
    Ok(versions)
}
