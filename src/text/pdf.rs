//! PDF text through poppler's `pdftotext`, a subprocess found on PATH. Chosen by measurement
//! over the pure-Rust readers: Chinese government PDFs use predefined CMaps (`GBK-EUC-H`,
//! `UniGB-UCS2-H`) and fonts without ToUnicode, on which pdf-extract panics or drops every
//! character and lopdf answers U+FFFD or an error, while pdftotext with poppler-data reads them.
//! `-layout` keeps table columns apart; pages end with a form feed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::subprocess::{died_of_the_night, find_on_path, run_bounded, stopped_from_outside};
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
    /// It read a probe PDF in a predefined CJK CMap (UniGB-UCS2-H) right: poppler-data is
    /// installed. Without it, characters in such fonts are silently missing from the text.
    pub cjk_cmaps: bool,
}

/// What a PDF's text lacks when the CJK CMaps are missing (recorded in `text_error`).
pub const NO_CJK_CMAPS: &str = "pdftotext cannot read predefined CJK CMaps (poppler-data is not installed): characters in fonts without ToUnicode are missing";

impl Pdftotext {
    /// The `pdftotext` on PATH, or `None`.
    pub fn discover() -> Option<Pdftotext> {
        let path = find_on_path(TOOL)?;
        let mut cmd = Command::new(&path);
        cmd.arg("-v");
        let version = run_bounded(cmd, Duration::from_secs(10), 4096)
            .ok()
            .and_then(|run| {
                // Poppler prints `pdftotext version 22.12.0` on stderr.
                let all = format!("{}\n{}", String::from_utf8_lossy(&run.stdout), run.stderr);
                all.lines()
                    .find_map(|l| l.trim().strip_prefix("pdftotext version "))
                    .map(|v| v.trim().to_string())
            })
            .unwrap_or_else(|| "unknown".into());
        let mut tool = Pdftotext {
            path,
            version,
            cjk_cmaps: true,
        };
        tool.cjk_cmaps = tool.reads_cjk_cmaps();
        Some(tool)
    }

    /// Runs the tool on a one-line PDF in STSong-Light through UniGB-UCS2-H without ToUnicode.
    fn reads_cjk_cmaps(&self) -> bool {
        let Ok(dir) = tempfile_dir() else {
            return false;
        };
        let file = dir.join("probe.pdf");
        let read = std::fs::write(&file, probe_pdf())
            .ok()
            .and_then(|_| self.run(&file).ok())
            .is_some_and(|e| e.text.contains(PROBE_TEXT));
        let _ = std::fs::remove_dir_all(&dir);
        read
    }

    /// The `text_source` of text it makes.
    pub fn source(&self) -> String {
        format!("{TOOL} {}", self.version)
    }

    /// Extracts the text of the PDF at `file`.
    pub fn run(&self, file: &Path) -> Result<Extracted, TextError> {
        self.run_within(file, TOOL_TIME_LIMIT)
    }

    /// Extracts the text of the PDF at `file`, killing the tool after `limit` (the time left of
    /// a zip's).
    pub(crate) fn run_within(&self, file: &Path, limit: Duration) -> Result<Extracted, TextError> {
        let mut cmd = Command::new(&self.path);
        cmd.args(["-layout", "-enc", "UTF-8", "-eol", "unix"])
            .arg(file)
            .arg("-");
        let run = run_bounded(cmd, limit, MAX_TEXT_BYTES).map_err(|e| TextError::NotStarted {
            tool: TOOL.into(),
            detail: format!("{}: {e}", self.path.display()),
        })?;
        if run.timed_out {
            return Err(TextError::Timeout {
                tool: TOOL.into(),
                limit,
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
        if let Some(signal) = run.status.and_then(stopped_from_outside) {
            return Err(TextError::interrupted(TOOL, signal));
        }
        if let Some(signal) = run.status.and_then(died_of_the_night) {
            return Err(TextError::Died {
                tool: TOOL.into(),
                signal,
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

const PROBE_TEXT: &str = "政府信息公开";

/// A fresh private folder under the system's temporary folder.
fn tempfile_dir() -> std::io::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "nianbao-probe-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir(&dir)?;
    Ok(dir)
}

/// A one-page PDF whose only text is `PROBE_TEXT` in an unembedded Adobe-GB1 font through the
/// predefined CMap UniGB-UCS2-H, without ToUnicode.
fn probe_pdf() -> Vec<u8> {
    let hex: String = PROBE_TEXT
        .encode_utf16()
        .flat_map(u16::to_be_bytes)
        .map(|b| format!("{b:02X}"))
        .collect();
    let content = format!("BT /F1 12 Tf 72 720 Td <{hex}> Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [6 0 R] >>".to_string(),
        "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> /FontDescriptor 7 0 R >>".to_string(),
        "<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [0 -200 1000 900] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, obj) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{obj}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    let size = objects.len() + 1;
    out.extend_from_slice(format!("xref\n0 {size}\n0000000000 65535 f \n").as_bytes());
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {size} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    out
}
