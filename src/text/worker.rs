//! The in-process extractors (DOCX, OFD, Word XML, DOC/WPS, RTF, spreadsheets) run in a child
//! process of their own, `nianbao extract-text SOURCE`, with the file on its stdin and a time and
//! memory limit. The readers are bounded and their panics caught, but a library's abort (a
//! failed allocation), a stack overflow or a loop nobody found would otherwise end or stall the
//! whole crawl, every night that file comes back. In a child, each of those is one attachment's
//! `text_error` (`crashed`, or `timeout`).
//!
//! The `nianbao` command turns this on at start (`use_child_processes`); library callers that do
//! not (tests, other programs) read in their own process, with the panics caught as before.
//!
//! The child's answer on stdout: one line of JSON (`{"truncated":false}`, or
//! `{"error":{"kind":"corrupt","detail":"…"}}`), then the text.

use std::ffi::OsString;
use std::io::{Read as _, Write as _};
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::subprocess::{died_of_the_night, run_bounded_with, stopped_from_outside};
use super::{Extracted, MAX_INPUT_BYTES, MAX_TEXT_BYTES, TextError, TextFormat};

/// Address space a child may map: far above what the bounded readers need for the largest input
/// (`MAX_INPUT_BYTES`, with its inflated parts and cells), so only a runaway reaches it.
pub const CHILD_ADDRESS_SPACE: u64 = 6 << 30;
/// Room on stdout for the answer's first line beside the longest text.
const ANSWER_HEAD_ROOM: usize = 64 << 10;

/// How the extractors are started in a child process.
#[derive(Debug, Clone)]
pub struct Worker {
    program: PathBuf,
    args: Vec<OsString>,
}

static CHILD_PROCESSES: OnceLock<Worker> = OnceLock::new();

/// Makes every later `Tools::discover` read the in-process formats in child processes of
/// `program` (this `nianbao` executable), as `program extract-text SOURCE`.
pub fn use_child_processes(program: PathBuf) {
    let _ = CHILD_PROCESSES.set(Worker::new(program, ["extract-text"]));
}

/// The worker `use_child_processes` set, if any.
pub(super) fn configured() -> Option<Worker> {
    CHILD_PROCESSES.get().cloned()
}

/// The first line of the child's answer.
#[derive(Debug, Serialize, Deserialize)]
struct AnswerHead {
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    truncated: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<WireError>,
}

#[derive(Debug, Serialize, Deserialize)]
struct WireError {
    kind: String,
    detail: String,
}

impl Worker {
    /// A worker started as `program args… SOURCE` (a test may name a script of its own).
    pub fn new<A: Into<OsString>>(program: PathBuf, args: impl IntoIterator<Item = A>) -> Worker {
        Worker {
            program,
            args: args.into_iter().map(Into::into).collect(),
        }
    }

    /// The text of `body`, read as `format` (whose `text_source` is `source`) in a child process
    /// killed after `limit`.
    pub(super) fn extract(
        &self,
        source: &str,
        body: &[u8],
        limit: Duration,
    ) -> Result<Extracted, TextError> {
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args).arg(source);
        let run = run_bounded_with(cmd, Some(body), limit, MAX_TEXT_BYTES + ANSWER_HEAD_ROOM)
            .map_err(|e| TextError::NotStarted {
                tool: source.to_string(),
                detail: format!("{}: {e}", self.program.display()),
            })?;
        let stderr = first_lines(&run.stderr);
        if run.timed_out {
            return Err(TextError::Timeout {
                tool: source.to_string(),
                limit,
            });
        }
        if run.over_cap {
            return Err(TextError::Crashed(format!(
                "it wrote more than {} bytes",
                MAX_TEXT_BYTES + ANSWER_HEAD_ROOM
            )));
        }
        if let Some(signal) = run.status.and_then(stopped_from_outside) {
            return Err(TextError::interrupted(source, signal));
        }
        if let Some(signal) = run.status.and_then(died_of_the_night) {
            return Err(TextError::Died {
                tool: source.to_string(),
                signal: format!("{signal}{stderr}"),
            });
        }
        match run.status {
            Some(status) if status.success() => read_answer(&run.stdout),
            Some(status) => Err(TextError::Crashed(format!("{}{stderr}", ended(status)))),
            None => Err(TextError::Crashed(format!("killed{stderr}"))),
        }
    }
}

/// How a child that did not succeed ended: `exit status 3`, `signal 6 (SIGABRT)`.
fn ended(status: std::process::ExitStatus) -> String {
    #[cfg(unix)]
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&status) {
        let name = match signal {
            libc::SIGABRT => " (SIGABRT: an abort, e.g. a failed allocation or a stack overflow)",
            libc::SIGSEGV => " (SIGSEGV)",
            libc::SIGKILL => " (SIGKILL: killed, e.g. by the kernel short of memory)",
            _ => "",
        };
        return format!("signal {signal}{name}");
    }
    match status.code() {
        Some(code) => format!("exit status {code}"),
        None => "ended abnormally".into(),
    }
}

/// The first lines of a child's stderr, after `: `; empty when it said nothing.
fn first_lines(stderr: &str) -> String {
    if stderr.is_empty() {
        return String::new();
    }
    format!(
        ": {}",
        stderr.lines().take(3).collect::<Vec<_>>().join("; ")
    )
}

/// Reads a child's answer: its first line, then the text.
fn read_answer(stdout: &[u8]) -> Result<Extracted, TextError> {
    let bad = |why: &str| TextError::Crashed(format!("its answer {why}"));
    let Some(newline) = stdout.iter().position(|&b| b == b'\n') else {
        return Err(bad("has no first line"));
    };
    let head: AnswerHead = serde_json::from_slice(&stdout[..newline])
        .map_err(|e| bad(&format!("is not read: {e}")))?;
    if let Some(error) = head.error {
        return Err(from_wire(error));
    }
    let text =
        String::from_utf8(stdout[newline + 1..].to_vec()).map_err(|_| bad("is not UTF-8 text"))?;
    Ok(Extracted {
        text,
        truncated: head.truncated,
    })
}

fn to_wire(error: &TextError) -> WireError {
    let detail = match error {
        TextError::TooLarge(s)
        | TextError::Corrupt(s)
        | TextError::Encrypted(s)
        | TextError::Unsupported(s)
        | TextError::Panic(s)
        | TextError::Read(s)
        | TextError::Crashed(s)
        | TextError::Interrupted(s) => s.clone(),
        other => other.to_string(),
    };
    WireError {
        kind: error.kind().to_string(),
        detail,
    }
}

fn from_wire(error: WireError) -> TextError {
    let WireError { kind, detail } = error;
    match kind.as_str() {
        "too_large" => TextError::TooLarge(detail),
        "corrupt" => TextError::Corrupt(detail),
        "encrypted" => TextError::Encrypted(detail),
        "unsupported" => TextError::Unsupported(detail),
        "panic" => TextError::Panic(detail),
        "unreadable" => TextError::Read(detail),
        "no_entry_text" => TextError::NoEntryText,
        "interrupted" => TextError::Interrupted(detail),
        _ => TextError::Crashed(format!("{kind}: {detail}")),
    }
}

/// The child's side (`nianbao extract-text SOURCE`): reads the file from stdin, extracts its
/// text as the format whose `text_source` is `source`, and writes the answer to stdout.
pub fn serve(source: &str) -> anyhow::Result<()> {
    limit_address_space(CHILD_ADDRESS_SPACE);
    let format = TextFormat::read_in_process(source)
        .ok_or_else(|| anyhow::anyhow!("no reader for {source:?}"))?;
    let mut body = Vec::new();
    std::io::stdin()
        .take(MAX_INPUT_BYTES as u64 + 1)
        .read_to_end(&mut body)?;
    let result = super::read_in_process(format, &body);
    let (head, text) = match result {
        Ok(extracted) => (
            AnswerHead {
                truncated: extracted.truncated,
                error: None,
            },
            extracted.text,
        ),
        Err(e) => (
            AnswerHead {
                truncated: false,
                error: Some(to_wire(&e)),
            },
            String::new(),
        ),
    };
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, &head)?;
    out.write_all(b"\n")?;
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Caps the process's address space, so that a runaway allocation fails (and the process
/// aborts) instead of taking the machine's memory.
fn limit_address_space(bytes: u64) {
    #[cfg(unix)]
    {
        let limit = libc::rlimit {
            rlim_cur: bytes as libc::rlim_t,
            rlim_max: bytes as libc::rlim_t,
        };
        // SAFETY: setrlimit(2) reads the struct passed by reference; it touches nothing else.
        unsafe {
            libc::setrlimit(libc::RLIMIT_AS, &limit);
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// A worker that is a shell script: `sh -c SCRIPT worker SOURCE`.
    fn script(script: &str) -> Worker {
        Worker::new(PathBuf::from("sh"), ["-c", script, "worker"])
    }

    fn extract(worker: &Worker) -> Result<Extracted, TextError> {
        worker.extract("docx-xml", b"PK\x03\x04 a file", Duration::from_secs(20))
    }

    #[test]
    fn an_answer_is_read_back_as_the_extractor_gave_it() {
        let ok = script(r#"cat >/dev/null; printf '{"truncated":true}\n一、总体情况'"#);
        assert_eq!(
            extract(&ok),
            Ok(Extracted {
                text: "一、总体情况".into(),
                truncated: true
            })
        );
        let corrupt = script(
            r#"cat >/dev/null; printf '{"error":{"kind":"corrupt","detail":"no word/document.xml"}}\n'"#,
        );
        assert_eq!(
            extract(&corrupt),
            Err(TextError::Corrupt("no word/document.xml".into()))
        );
    }

    #[test]
    fn a_child_that_dies_is_one_files_error() {
        let aborts = script("echo 'memory allocation of 9999 bytes failed' >&2; kill -ABRT $$");
        let Err(TextError::Crashed(why)) = extract(&aborts) else {
            panic!("an abort is a crash")
        };
        assert!(
            why.contains("signal 6") && why.contains("memory allocation of 9999 bytes failed"),
            "{why}"
        );
        // A stop from outside (an operator's, reaching the children too) is no verdict on the
        // file.
        let stopped = script("cat >/dev/null; kill -TERM $$");
        assert_eq!(
            extract(&stopped),
            Err(TextError::Interrupted(
                "docx-xml was stopped by signal 15".into()
            ))
        );
        // Killed by the kernel short of memory, or a segfault: the night's, tried again later;
        // an abort is the file's.
        for (signal, name) in [
            ("KILL", "signal 9 (SIGKILL)"),
            ("SEGV", "signal 11 (SIGSEGV)"),
        ] {
            let died = extract(&script(&format!("cat >/dev/null; kill -{signal} $$")));
            assert_eq!(
                died,
                Err(TextError::Died {
                    tool: "docx-xml".into(),
                    signal: name.into()
                })
            );
            let reason = died.err().and_then(|e| e.retry_reason());
            assert_eq!(reason, Some(super::super::READER_DIED), "{signal}");
        }
        assert_eq!(extract(&aborts).err().and_then(|e| e.retry_reason()), None);
        let fails = script("cat >/dev/null; exit 3");
        assert_eq!(
            extract(&fails),
            Err(TextError::Crashed("exit status 3".into()))
        );
        for garbage in ["printf 'no head line'", "printf 'not json\\ntext'"] {
            assert!(
                matches!(extract(&script(garbage)), Err(TextError::Crashed(_))),
                "{garbage}"
            );
        }
    }

    /// A child that cannot be started (a process or open-files limit reached, the program
    /// replaced by an upgrade) says nothing of the file: later runs read it again.
    #[test]
    fn a_child_that_cannot_start_is_tried_again() {
        let gone = Worker::new(PathBuf::from("/nonexistent/nianbao"), ["extract-text"]);
        let error = extract(&gone).err();
        assert_eq!(
            error.as_ref().and_then(|e| e.retry_reason()),
            Some(super::super::READER_DIED),
            "{error:?}"
        );
        let message = error.map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("/nonexistent/nianbao"), "{message}");
    }

    #[test]
    fn a_child_that_hangs_or_never_reads_its_file_is_killed_at_its_limit() {
        // The file is larger than a pipe holds, so a child that never reads blocks the writer.
        let body = vec![b'x'; 4 << 20];
        for hangs in ["sleep 30", "cat >/dev/null; sleep 30"] {
            let started = std::time::Instant::now();
            let result = script(hangs).extract("rtf", &body, Duration::from_millis(300));
            assert_eq!(
                result,
                Err(TextError::Timeout {
                    tool: "rtf".into(),
                    limit: Duration::from_millis(300)
                }),
                "{hangs}"
            );
            // A limit under a second is named as it was set, not as `0s`.
            let message = result.map_err(|e| e.to_string()).err();
            assert_eq!(
                message.as_deref(),
                Some("rtf ran longer than 300ms and was killed")
            );
            assert!(started.elapsed() < Duration::from_secs(10), "{hangs}");
        }
    }

    #[test]
    fn the_child_is_given_the_whole_file_and_its_source() {
        // The script answers with the file's length and the source it was asked for.
        let echo = script(r#"n=$(wc -c); printf '{}\n%s %s' "$n" "$1""#);
        let body = vec![b'x'; 3 << 20];
        let text = echo
            .extract("xls-biff8", &body, Duration::from_secs(20))
            .expect("answers")
            .text;
        assert_eq!(text, format!("{} xls-biff8", 3 << 20));
    }

    #[test]
    fn every_error_crosses_the_pipe_as_itself() {
        for error in [
            TextError::TooLarge("300 bytes".into()),
            TextError::Corrupt("bad".into()),
            TextError::Encrypted("a password".into()),
            TextError::Unsupported("no".into()),
            TextError::Panic("index out of bounds".into()),
            TextError::NoEntryText,
            TextError::Interrupted("rtf was stopped by signal 2".into()),
        ] {
            assert_eq!(from_wire(to_wire(&error)), error);
        }
    }
}
