//! `nianbao export`: the archive's version records as JSON lines on stdout, in seq order, each
//! saying whether its document is withdrawn now and its URL delisted; WARC records for versions archived while WARC
//! output was off; a CDXJ index of the WARC files.

use std::io::{BufWriter, Write};

use crate::cli::ExportFormat;
use crate::config::Settings;
use crate::store::Store;
use crate::warc::cdxj_index;
use crate::warc_sink::{WARC_DIR, WarcSink};

use super::{Outcome, open_store};

pub(super) fn run(
    settings: &Settings,
    format: ExportFormat,
    since: u64,
) -> anyhow::Result<Outcome> {
    let store = open_store(settings)?;
    match format {
        ExportFormat::Jsonl => jsonl(&store, since),
        ExportFormat::Warc => {
            let storage = crate::storage::Storage::open(&settings.storage, &settings.data_dir)?;
            let sink = WarcSink::open(settings, store.clone(), &storage)?;
            let written = sink.write_pending(since)?;
            sink.finish()?;
            let left = store.warc_pending(since)?;
            if !left.is_empty() {
                anyhow::bail!(crate::store::StoreError::DamagedRaw {
                    versions: left.len(),
                    written,
                });
            }
            match sink.current_file() {
                Some(file) => errln!(
                    "wrote the captures of {written} versions as WARC; current file {}",
                    file.display()
                ),
                None => errln!("every archived version after seq {since} is already in WARC"),
            }
            Ok(Outcome::Completed)
        }
        ExportFormat::Cdxj => {
            // The index covers every WARC file: taking --since silently would look like an
            // index of the versions after it.
            if since != 0 {
                return Err(super::UsageError(format!(
                    "--since {since} does not apply to --format cdxj, which indexes every WARC file in {}: leave it out",
                    settings.data_dir.join(WARC_DIR).display()
                ))
                .into());
            }
            let dir = settings.data_dir.join(WARC_DIR);
            let lines = if dir.exists() {
                cdxj_index(&dir)?
            } else {
                Vec::new()
            };
            let stdout = std::io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            for line in lines {
                writeln!(out, "{line}").map_err(crate::output::stdout_failed)?;
            }
            out.flush().map_err(crate::output::stdout_failed)?;
            Ok(Outcome::Completed)
        }
    }
}

fn jsonl(store: &Store, since: u64) -> anyhow::Result<Outcome> {
    // Few documents are withdrawn: read once, from the index, not per record.
    let withdrawn = store.withdrawn_documents()?;
    let delisted: std::collections::HashMap<String, crate::store::Delisting> = store
        .delisted_urls()?
        .into_iter()
        .map(|d| (d.url, crate::store::Delisting { since: d.since }))
        .collect();
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut left_out = super::left_out::LeftOut::default();
    for record in store.export_since(since) {
        let Some(mut record) = left_out.take(record)? else {
            continue;
        };
        record.withdrawn = withdrawn.get(&record.id).map(|d| d.withdrawal.clone());
        // Its files went with the report, as far as anyone reading the record can tell.
        for attachment in &mut record.attachments {
            attachment.report_withdrawn = record.withdrawn.clone();
        }
        record.delisted = delisted.get(&record.url).cloned();
        let line = serde_json::to_string(&record)?;
        if let Err(e) = writeln!(out, "{line}") {
            // A closed pipe (`| head`) ends the export quietly.
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                return Ok(Outcome::Completed);
            }
            return Err(crate::output::stdout_failed(e));
        }
    }
    match out.flush() {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(crate::output::stdout_failed(e))
        }
        _ => {
            left_out.finish()?;
            Ok(Outcome::Completed)
        }
    }
}
