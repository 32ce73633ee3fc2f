//! Reading a run report back from storage: bytes another machine, another version or a write a
//! crash cut may have left, which `status --all-shards` and `report --all-shards` skip, naming
//! the file, rather than stop on.

use super::RunReport;

/// Why a run report could not be read: each names the file (its URL in storage).
#[derive(Debug, thiserror::Error)]
pub enum RunReportError {
    #[error("run report {name} is empty (a write cut short?)")]
    Empty { name: String },
    #[error("run report {name} is not a run report: {source}")]
    NotARunReport {
        name: String,
        #[source]
        source: serde_json::Error,
    },
}

/// The run report `name` (its URL or path, for the error) holds in `bytes`. Fields a later
/// version added are passed over; a missing field, a wrong type, a number out of its range or
/// bytes cut short are an error naming `name`.
pub fn read_run_report(name: &str, bytes: &[u8]) -> Result<RunReport, RunReportError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(RunReportError::Empty {
            name: name.to_string(),
        });
    }
    serde_json::from_slice(bytes).map_err(|source| RunReportError::NotARunReport {
        name: name.to_string(),
        source,
    })
}
