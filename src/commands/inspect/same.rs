//! `nianbao inspect` beside the archive: whether the inspected annual report is the same report
//! as one archived in the config's data_dir (see `crate::same_report`). Reads the store's index
//! and writes nothing; a store that another process (a running crawl) holds is left alone.

use std::fmt::Write as _;

use serde::Serialize;

use super::Inspection;
use crate::config::Settings;
use crate::same_report::Evidence;
use crate::store::{SameReportLookup, Store, StoreError};

/// The archived document the inspected page is the same report as.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SameAsArchived {
    pub id: String,
    /// The URL of its latest version.
    pub url: String,
    pub evidence: Evidence,
}

/// The archived report `inspection` (a page of `portal`) is the same report as, when
/// `settings`' data_dir holds a store; None for a page that is no annual report with a year, a
/// title and a text, for a page of no configured portal, and where there is no store (a store
/// that cannot be opened or read is named on stderr).
pub(super) fn look_up(
    settings: &Settings,
    portal: &str,
    inspection: &Inspection,
) -> Option<SameAsArchived> {
    let fingerprint = inspection.fingerprint.as_ref()?;
    let year = inspection
        .report_year
        .filter(|_| inspection.is_annual_report)?;
    let title = inspection.title.as_deref()?;
    let data_dir = &settings.data_dir;
    if portal.is_empty() || !Store::is_in(data_dir) {
        return None;
    }
    let store = match Store::open(data_dir) {
        Ok(store) => store,
        Err(StoreError::Locked { lock, .. }) => {
            errln!(
                "another nianbao process (a crawl?) holds the store ({}): the page is not compared with the archive",
                lock.display()
            );
            return None;
        }
        Err(e) => {
            errln!(
                "cannot open the store in {}: the page is not compared with the archive: {e}",
                data_dir.display()
            );
            return None;
        }
    };
    let lookup = SameReportLookup {
        portal,
        year,
        title,
        issuing_body: inspection.issuing_body.as_deref(),
        url: &inspection.url,
    };
    match store.same_report_of_page(lookup, fingerprint) {
        Ok(found) => found.map(|(same, url)| SameAsArchived {
            id: same.id,
            url,
            evidence: same.evidence,
        }),
        Err(e) => {
            errln!(
                "cannot read the same-report index in {}: the page is not compared with the archive: {e}",
                data_dir.display()
            );
            None
        }
    }
}

/// The text form's line for it.
pub(super) fn render(out: &mut String, i: &Inspection) {
    if let Some(same) = &i.same_report_as {
        let e = &same.evidence;
        let _ = writeln!(
            out,
            "same report as: {} ({}), evidence: text_jaccard {}, numbers {} (all in this page), numbers_added {}",
            same.id, same.url, e.text_jaccard, e.numbers, e.numbers_added
        );
    }
}
