//! A report re-published at a new URL (a site revamp: `same_report_as`) counts once in its
//! cell: the newer document stands for both, naming the older as an earlier address, and its
//! first publication is the older one's, so a revamp makes a report neither late nor two.

use serde::Serialize;

use super::CellReport;

/// An older document of the same report, folded into the newer one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EarlierAddress {
    pub id: String,
    /// The URL of its latest version.
    pub url: String,
    pub first_published: Option<String>,
}

/// Folds every report of a cell that a newer report of the same cell names in `same_report_as`
/// into that one. Chains (a report re-published twice) fold into the newest.
pub(super) fn fold(mut reports: Vec<CellReport>) -> Vec<CellReport> {
    // Each pass folds one pair; a cell holds a handful of reports.
    while let Some((newer, older)) = reports.iter().enumerate().find_map(|(i, r)| {
        let target = r.same_report_as.as_deref()?;
        let j = reports
            .iter()
            .position(|o| o.id == target && o.id != r.id)?;
        Some((i, j))
    }) {
        let old = reports.remove(older);
        let newer = if older < newer { newer - 1 } else { newer };
        let report = &mut reports[newer];
        report.first_published = match (report.first_published.take(), old.first_published.clone())
        {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        report.earlier.push(EarlierAddress {
            id: old.id.clone(),
            url: old
                .versions
                .last()
                .map(|v| v.url.clone())
                .unwrap_or_default(),
            first_published: old.first_published.clone(),
        });
        report.earlier.extend(old.earlier);
    }
    reports
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(id: &str, published: &str, same_report_as: Option<&str>) -> CellReport {
        CellReport {
            id: id.into(),
            title: None,
            kind: "html".into(),
            first_published: Some(published.into()),
            versions: vec![super::super::CellVersion {
                seq: 1,
                version: 1,
                url: format!("http://a/{id}.html"),
                raw_path: String::new(),
                fetched_at: String::new(),
            }],
            withdrawn: None,
            delisted: None,
            same_report_as: same_report_as.map(str::to_string),
            earlier: Vec::new(),
        }
    }

    #[test]
    fn a_re_published_report_counts_once_from_its_first_publication() {
        let folded = fold(vec![
            report("old", "2023-01-20", None),
            report("other", "2023-01-21", None),
            report("new", "2024-06-01", Some("old")),
            report("newest", "2025-03-01", Some("new")),
        ]);
        let ids: Vec<&str> = folded.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["other", "newest"]);
        let newest = &folded[1];
        assert_eq!(newest.first_published.as_deref(), Some("2023-01-20"));
        let earlier: Vec<&str> = newest.earlier.iter().map(|e| e.url.as_str()).collect();
        assert_eq!(earlier, ["http://a/new.html", "http://a/old.html"]);
        // A link to a report of another cell folds nothing.
        assert_eq!(
            fold(vec![report("new", "2024-06-01", Some("elsewhere"))]).len(),
            1
        );
    }
}
