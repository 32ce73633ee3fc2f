//! Why a portal's section could not be walked, as its share of a run report says: for the
//! coverage page and `status`, which show an unreachable portal with its reason.

use super::PortalReport;

impl PortalReport {
    /// Why the section could not be walked in this run, when it could not and the report says:
    /// its host's HTTPS failure, its host paused and why, else what its list ledger says of the
    /// section's page (`page URL failed: timeout`, `page URL failed: not fetched, robots.txt
    /// unavailable: …`).
    /// `None` for a reachable portal, or a run report that kept no reason.
    pub fn unreachable_reason(&self) -> Option<String> {
        if !self.unreachable {
            return None;
        }
        if let Some(why) = self.tls_failure.as_ref().or(self.host_paused.as_ref()) {
            return Some(why.clone());
        }
        let stops = &self.lists.get("all")?.stops;
        let failed: Vec<&str> = stops
            .iter()
            .filter(|s| s.contains(" failed"))
            .map(String::as_str)
            .collect();
        (!failed.is_empty()).then(|| failed.join("; "))
    }
}
