//! Why an attachment's text was not derived, or only in part (`TextError`), which of those
//! failures later runs try again (`retry_reason`), and how a time limit prints in them.

use std::time::Duration;

/// Why no text (or only part of it) was derived.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("{0} is not installed (not found on PATH)")]
    Missing(&'static str),
    /// The limit is printed in seconds when it is whole seconds (`60s`, not `1m`), else as
    /// humantime writes it (`500ms`, `1s 500ms`): never rounded to `0s`.
    #[error("{tool} ran longer than {} and was killed", limit_text(*limit))]
    Timeout { tool: String, limit: Duration },
    #[error("{0}")]
    TooLarge(String),
    #[error("damaged or truncated file: {0}")]
    Corrupt(String),
    #[error("encrypted: {0}")]
    Encrypted(String),
    #[error("unsupported: {0}")]
    Unsupported(String),
    #[error("{tool} failed: {detail}")]
    Tool { tool: String, detail: String },
    #[error("the extractor panicked: {0}")]
    Panic(String),
    /// The child process reading the file died or gave no answer (see `worker`).
    #[error("the extractor's process died: {0}")]
    Crashed(String),
    /// The reading process was killed by a signal nianbao did not send and that says more
    /// about the machine than the file (SIGKILL from the kernel short of memory, SIGSEGV,
    /// SIGBUS): tried again by later runs, as a time limit is (`TextInfo::waiting`).
    #[error("{tool} was killed by {signal}")]
    Died { tool: String, signal: String },
    /// The tool was stopped by a signal from outside (an operator's stop reaching it too): no
    /// verdict on the file, whose text is derived again (`TextInfo::interrupted`).
    #[error("{INTERRUPTED} {0}; the next crawl (or nianbao text) derives it again")]
    Interrupted(String),
    /// The reading process could not be started (a process or open-files limit reached, the
    /// program gone): no verdict on the file, tried again by later runs as a reader that died.
    #[error("cannot start {tool}: {detail}")]
    NotStarted { tool: String, detail: String },
    #[error("cannot read the raw file: {0}")]
    Read(String),
    #[error("no document in the zip gave text")]
    NoEntryText,
}

/// Most attempts made at a file's text that ran past its time limit or whose reader died,
/// the first included, each in a run of its own; after the last the error is a verdict.
pub const MAX_TEXT_ATTEMPTS: u32 = 3;
/// Why a file waits whose text ran past its time limit.
pub const TIMED_OUT: &str = "timed_out";
/// Why a file waits whose reader was killed by a signal nianbao did not send.
pub const READER_DIED: &str = "reader_died";

/// How the error of a derivation cut short by a stop begins.
pub(super) const INTERRUPTED: &str = "interrupted:";

impl TextError {
    /// `tool` stopped by `signal` from outside.
    pub(crate) fn interrupted(tool: &str, signal: i32) -> TextError {
        TextError::Interrupted(format!("{tool} was stopped by signal {signal}"))
    }

    /// Why a failure is the night's rather than the file's, so that later runs try the file
    /// again (at most [`MAX_TEXT_ATTEMPTS`] in all): `timed_out` or `reader_died` (a reader that
    /// could not be started counts as one that died).
    pub fn retry_reason(&self) -> Option<&'static str> {
        match self {
            TextError::Timeout { .. } => Some(TIMED_OUT),
            TextError::Died { .. } | TextError::NotStarted { .. } => Some(READER_DIED),
            _ => None,
        }
    }

    /// A short name for counting, e.g. in the run report.
    pub fn kind(&self) -> &'static str {
        match self {
            TextError::Missing(_) => "missing_tool",
            TextError::Timeout { .. } => "timeout",
            TextError::TooLarge(_) => "too_large",
            TextError::Corrupt(_) => "corrupt",
            TextError::Encrypted(_) => "encrypted",
            TextError::Unsupported(_) => "unsupported",
            TextError::Tool { .. } => "tool_failed",
            TextError::Panic(_) => "panic",
            TextError::Crashed(_) => "crashed",
            TextError::Died { .. } => "reader_died",
            TextError::NotStarted { .. } => "not_started",
            TextError::Interrupted(_) => "interrupted",
            TextError::Read(_) => "unreadable",
            TextError::NoEntryText => "no_entry_text",
        }
    }
}

/// A time limit as the text errors print it: `60s` for whole seconds (as the README and the
/// config write them), else to the millisecond (`500ms`, `1s 500ms`; what a zip's entry has left
/// of the zip's limit, never `942ms 18us 993ns`).
pub fn limit_text(limit: Duration) -> String {
    if limit.subsec_nanos() == 0 {
        format!("{}s", limit.as_secs())
    } else {
        let millis = u64::try_from(limit.as_millis()).unwrap_or(u64::MAX).max(1);
        humantime::format_duration(Duration::from_millis(millis)).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whole seconds read as the config writes them (`60s`, not humantime's `1m`); a limit
    /// under a second, or between two, is never rounded.
    #[test]
    fn limits_print_as_the_config_writes_them() {
        for (limit, text) in [
            (Duration::from_secs(60), "60s"),
            (Duration::from_secs(90), "90s"),
            (Duration::from_secs(1), "1s"),
            (Duration::from_millis(300), "300ms"),
            (Duration::from_millis(1500), "1s 500ms"),
            (Duration::from_nanos(942_018_993), "942ms"),
            (Duration::from_nanos(5), "1ms"),
        ] {
            assert_eq!(limit_text(limit), text);
        }
        let timeout = TextError::Timeout {
            tool: "pdftotext".into(),
            limit: Duration::from_secs(60),
        };
        assert_eq!(
            timeout.to_string(),
            "pdftotext ran longer than 60s and was killed"
        );
    }
}
