//! The one writer of `.warc.gz` files under the WARC folder: each capture becomes a group of
//! records (request, response or revisit, metadata), each record its own gzip member, appended with
//! `write_all` and fsynced per group. Files rotate by size and open with a `warcinfo` record; on
//! open, a record cut short by a killed run is cut off the newest file.

mod encode;

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::reader::scan;
use super::record::{Record, new_record_id};
use super::{RevisitOf, WarcCapture, WarcError, WrittenResponse};
pub use encode::{EncodedCapture, METADATA_URI_PREFIX, metadata_uri};
use encode::{gzip, with_block_digest};

/// Files rotate before passing this many bytes (compressed), unless they hold no capture yet.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 1_000_000_000;
const SUFFIX: &str = ".warc.gz";
const CONFORMS_TO: &str =
    "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/";

/// How the writer names, sizes and describes its files.
#[derive(Debug, Clone)]
pub struct WarcSettings {
    /// File names are `<prefix>-<YYYYmmddHHMMSS>-<serial>.warc.gz`.
    pub prefix: String,
    pub max_file_bytes: u64,
    /// Who ran the crawl (the warcinfo `operator` field).
    pub operator: Option<String>,
    /// A summary of the run's settings, written as warcinfo fields after the standard ones.
    pub info: Vec<(String, String)>,
}

impl Default for WarcSettings {
    fn default() -> WarcSettings {
        WarcSettings {
            prefix: "nianbao".into(),
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            operator: None,
            info: Vec::new(),
        }
    }
}

/// What `open` did to the newest file left by an earlier run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recovery {
    /// The newest existing file (name only), if there was one.
    pub file: Option<String>,
    /// Complete records found in it.
    pub records_kept: u64,
    /// Bytes cut off its end (a record the earlier run did not finish).
    pub cut_bytes: u64,
    /// Why the cut was made.
    pub damage: Option<String>,
}

struct OpenFile {
    name: String,
    path: PathBuf,
    file: File,
    len: u64,
    /// Captures written to this file; a file with none is never rotated away from.
    captures: u64,
}

/// Appends capture groups to size-rotated WARC files in one folder.
pub struct WarcWriter {
    dir: PathBuf,
    settings: WarcSettings,
    current: Option<OpenFile>,
    next_serial: u32,
}

impl WarcWriter {
    /// Prepares `dir`, repairs the newest file there (cutting a half-written last record), and
    /// returns a writer that starts a new file, numbered after the existing ones, on its first
    /// capture.
    pub fn open(dir: &Path, settings: WarcSettings) -> Result<(WarcWriter, Recovery), WarcError> {
        let io = |source| WarcError::Io {
            path: dir.to_path_buf(),
            source,
        };
        fs::create_dir_all(dir).map_err(io)?;
        let mut newest: Option<(u32, String)> = None;
        for entry in fs::read_dir(dir).map_err(io)? {
            let name = entry
                .map_err(io)?
                .file_name()
                .to_string_lossy()
                .into_owned();
            if let Some(serial) = serial_of(&settings.prefix, &name)
                && newest.as_ref().is_none_or(|(s, _)| serial > *s)
            {
                newest = Some((serial, name));
            }
        }
        let mut recovery = Recovery::default();
        let next_serial = match &newest {
            Some((serial, name)) => {
                recovery = repair(&dir.join(name))?;
                recovery.file = Some(name.clone());
                serial.saturating_add(1)
            }
            None => 1,
        };
        Ok((
            WarcWriter {
                dir: dir.to_path_buf(),
                settings,
                current: None,
                next_serial,
            },
            recovery,
        ))
    }

    /// The file being appended to, if one is open.
    pub fn current_file(&self) -> Option<&Path> {
        self.current.as_ref().map(|f| f.path.as_path())
    }

    /// Writes one capture: `request`, then `response` — or `revisit` when `revisit_of` is given
    /// and its payload digest equals this capture's — then `metadata` carrying `metadata` when
    /// given. The group is written with one `write_all` and fsynced before this returns.
    pub fn write_capture(
        &mut self,
        capture: &WarcCapture,
        revisit_of: Option<&RevisitOf>,
        metadata: Option<&serde_json::Value>,
    ) -> Result<WrittenResponse, WarcError> {
        self.append_encoded(EncodedCapture::new(capture, revisit_of, metadata))
    }

    /// Appends a capture encoded beforehand (`EncodedCapture::new`, which needs no writer: the
    /// records are built and compressed outside whatever lock guards the writer).
    pub fn append_encoded(
        &mut self,
        encoded: EncodedCapture,
    ) -> Result<WrittenResponse, WarcError> {
        let written = self.append_encoded_unsynced(encoded)?;
        self.sync()?;
        Ok(written)
    }

    /// Appends a capture's records without the fsync: the caller makes them durable with
    /// [`WarcWriter::sync`] (once for several captures) before it counts them as written.
    /// A failed write is cut back as in `append_encoded`.
    pub fn append_encoded_unsynced(
        &mut self,
        encoded: EncodedCapture,
    ) -> Result<WrittenResponse, WarcError> {
        let EncodedCapture {
            kind,
            response_id,
            members,
            payload_digest,
            date,
            target_uri,
        } = encoded;
        let group_len: u64 = members.iter().map(|m| m.len() as u64).sum();
        let file = self.file_for(group_len, date)?;
        // The response is the second member of the group.
        let offset = file.len + members.first().map_or(0, |m| m.len() as u64);
        let length = members.get(1).map_or(0, |m| m.len() as u64);
        append(file, &members.concat(), false)?;
        file.captures += 1;
        Ok(WrittenResponse {
            kind,
            record_id: response_id,
            file: file.name.clone(),
            offset,
            length,
            payload_digest,
            date,
            target_uri,
        })
    }

    /// Fsyncs the open file: what was appended so far is durable (a rotated file was synced
    /// when it was closed).
    pub fn sync(&mut self) -> Result<(), WarcError> {
        if let Some(f) = &mut self.current {
            f.file.sync_data().map_err(|source| WarcError::Io {
                path: f.path.clone(),
                source,
            })?;
        }
        Ok(())
    }

    /// The file the next group goes to: the open one, or a new one when there is none or the
    /// group would push the open one past the size limit.
    fn file_for(
        &mut self,
        group_len: u64,
        date: DateTime<Utc>,
    ) -> Result<&mut OpenFile, WarcError> {
        let rotate = match &self.current {
            None => true,
            Some(f) => f.captures > 0 && f.len + group_len > self.settings.max_file_bytes,
        };
        if rotate {
            self.sync()?;
            self.current = Some(self.start_file(date)?);
        }
        Ok(self
            .current
            .as_mut()
            .expect("a file was just opened when none was current"))
    }

    fn start_file(&mut self, date: DateTime<Utc>) -> Result<OpenFile, WarcError> {
        let name = format!(
            "{}-{}-{:05}{SUFFIX}",
            self.settings.prefix,
            date.format("%Y%m%d%H%M%S"),
            self.next_serial
        );
        self.next_serial = self.next_serial.saturating_add(1);
        let path = self.dir.join(&name);
        let io = |source| WarcError::Io {
            path: path.clone(),
            source,
        };
        let file = OpenOptions::new()
            .append(true)
            .create_new(true)
            .open(&path)
            .map_err(io)?;
        // The new name must survive a crash too, or recovery would never see the file.
        if let Ok(d) = File::open(&self.dir) {
            let _ = d.sync_all();
        }
        let mut open = OpenFile {
            name,
            path: path.clone(),
            file,
            len: 0,
            captures: 0,
        };
        let info = with_block_digest(self.warcinfo(&open.name, date));
        append(&mut open, &gzip(&info.to_bytes()), true)?;
        Ok(open)
    }

    fn warcinfo(&self, file_name: &str, date: DateTime<Utc>) -> Record {
        let mut fields = vec![
            (
                "software".to_string(),
                format!("nianbao/{}", env!("CARGO_PKG_VERSION")),
            ),
            ("format".into(), "WARC File Format 1.1".into()),
            ("conformsTo".into(), CONFORMS_TO.into()),
        ];
        if let Some(op) = &self.settings.operator {
            fields.push(("operator".into(), op.clone()));
        }
        fields.extend(self.settings.info.iter().cloned());
        let mut block = String::new();
        for (k, v) in fields {
            let clean = |s: &str| s.replace(['\r', '\n'], " ");
            block.push_str(&format!("{}: {}\r\n", clean(&k), clean(&v)));
        }
        let mut r = Record::new("warcinfo", &new_record_id(), date)
            .header("WARC-Filename", file_name)
            .header("Content-Type", "application/warc-fields");
        r.block = block.into_bytes();
        r
    }
}
/// Appends, and fsyncs when `sync`; on failure, cuts the file back so no partial member stays
/// behind.
fn append(file: &mut OpenFile, bytes: &[u8], sync: bool) -> Result<(), WarcError> {
    let written = file
        .file
        .write_all(bytes)
        .and_then(|()| if sync { file.file.sync_data() } else { Ok(()) });
    if let Err(source) = written {
        let _ = file.file.set_len(file.len);
        return Err(WarcError::Io {
            path: file.path.clone(),
            source,
        });
    }
    file.len += bytes.len() as u64;
    Ok(())
}

/// The serial number of one of our files, from `<prefix>-<timestamp>-<serial>.warc.gz`.
fn serial_of(prefix: &str, name: &str) -> Option<u32> {
    let stem = name
        .strip_prefix(prefix)?
        .strip_prefix('-')?
        .strip_suffix(SUFFIX)?;
    let (stamp, serial) = stem.split_once('-')?;
    if stamp.len() != 14 || !stamp.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    serial.parse().ok()
}

/// Cuts `path` back to the end of its last complete record.
fn repair(path: &Path) -> Result<Recovery, WarcError> {
    let found = scan(path)?;
    let io = |source| WarcError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(why) = &found.damage
        && let Some(next) = super::reader::next_whole_record(path, found.good_end)?
    {
        // Damage inside the file, not a record cut short at its end: cutting there would
        // throw away every whole record after it. The writer starts a new file anyway.
        tracing::error!(
            path = %path.display(),
            offset = found.good_end,
            next_record = next,
            "WARC file is damaged inside ({why}); whole records follow, so it is left as it is: `nianbao verify --warc` lists the damage"
        );
        return Ok(Recovery {
            file: None,
            records_kept: found.records,
            cut_bytes: 0,
            damage: found.damage,
        });
    }
    let len = fs::metadata(path).map_err(io)?.len();
    let cut = len.saturating_sub(found.good_end);
    if cut > 0 {
        let file = OpenOptions::new().write(true).open(path).map_err(io)?;
        file.set_len(found.good_end).map_err(io)?;
        file.sync_all().map_err(io)?;
    }
    Ok(Recovery {
        file: None,
        records_kept: found.records,
        cut_bytes: cut,
        damage: found.damage,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_numbers_come_from_our_names_only() {
        let cases = [
            ("nianbao-20261124093000-00001.warc.gz", Some(1)),
            ("nianbao-20261124093000-00042.warc.gz", Some(42)),
            ("nianbao-2026112409300-00042.warc.gz", None),
            ("other-20261124093000-00001.warc.gz", None),
            ("nianbao-20261124093000-00001.warc", None),
            ("nianbao-20261124093000-x.warc.gz", None),
        ];
        for (name, expected) in cases {
            assert_eq!(serial_of("nianbao", name), expected, "{name}");
        }
    }
}
