//! PDF text through poppler's `pdftotext`, a subprocess found on PATH. Chosen by measurement
//! over the pure-Rust readers: Chinese government PDFs use predefined CMaps (`GBK-EUC-H`,
//! `UniGB-UCS2-H`) and fonts without ToUnicode, on which pdf-extract panics or drops every
//! character and lopdf answers U+FFFD or an error, while pdftotext with poppler-data reads them.
//! `-layout` keeps table columns apart; pages end with a form feed.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::subprocess::{find_on_path, run_bounded};
use super::{Extracted, MAX_TEXT_BYTES, TOOL_TIME_LIMIT, TextError};

pub(crate) const TOOL: &str = "pdftotext";

/// pdftotext's exit status for a PDF whose permissions forbid copying text.
const EXIT_PERMISSIONS: i32 = 3;

/// The pdftotext found on PATH, with its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pdftotext {
    pub path: PathBuf,
    /// e.g. `22.12.0`, or `unknown`.
    pub version: String,
}

impl Pdftotext {
    /// The `pdftotext` on PATH, or `None`.
    pub fn discover() -> Option<Pdftotext> {
        let path = find_on_path(TOOL)?;
        let mut cmd = Command::new(&path);
        cmd.arg("-v");
        let version = run_bounded(cmd, std::time::Duration::from_secs(10), 4096)
            .ok()
            .and_then(|run| {
                // Poppler prints `pdftotext version 22.12.0` on stderr.
                let all = format!("{}\n{}", String::from_utf8_lossy(&run.stdout), run.stderr);
                all.lines()
                    .find_map(|l| l.trim().strip_prefix("pdftotext version "))
                    .map(|v| v.trim().to_string())
            })
            .unwrap_or_else(|| "unknown".into());
        Some(Pdftotext { path, version })
    }

    /// The `text_source` of text it makes.
    pub fn source(&self) -> String {
        format!("{TOOL} {}", self.version)
    }

    /// Extracts the text of the PDF at `file`.
    pub fn run(&self, file: &Path) -> Result<Extracted, TextError> {
        let mut cmd = Command::new(&self.path);
        cmd.args(["-layout", "-enc", "UTF-8", "-eol", "unix"])
            .arg(file)
            .arg("-");
        let run =
            run_bounded(cmd, TOOL_TIME_LIMIT, MAX_TEXT_BYTES).map_err(|e| TextError::Tool {
                tool: TOOL.into(),
                detail: format!("cannot start {}: {e}", self.path.display()),
            })?;
        if run.timed_out {
            return Err(TextError::Timeout {
                tool: TOOL.into(),
                secs: TOOL_TIME_LIMIT.as_secs(),
            });
        }
        let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
        if run.over_cap {
            let mut text = stdout;
            // The cut may fall inside a character: drop what the lossy decoding made of it.
            while text.ends_with('\u{FFFD}') {
                text.pop();
            }
            return Ok(Extracted {
                text,
                truncated: true,
            });
        }
        match run.status.and_then(|s| s.code()) {
            Some(0) => Ok(Extracted {
                text: stdout,
                truncated: false,
            }),
            Some(EXIT_PERMISSIONS) => Err(TextError::Encrypted(
                "the PDF's permissions forbid copying its text".into(),
            )),
            code => {
                let detail = match code {
                    Some(c) => format!("exit status {c}"),
                    None => "killed by a signal".into(),
                };
                let stderr = if run.stderr.is_empty() {
                    String::new()
                } else {
                    format!(
                        ": {}",
                        run.stderr.lines().take(3).collect::<Vec<_>>().join("; ")
                    )
                };
                // pdftotext answers 1 for a file it cannot open or parse.
                if code == Some(1) {
                    Err(TextError::Corrupt(format!("{TOOL} {detail}{stderr}")))
                } else {
                    Err(TextError::Tool {
                        tool: TOOL.into(),
                        detail: format!("{detail}{stderr}"),
                    })
                }
            }
        }
    }
}
