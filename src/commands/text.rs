//! `nianbao text`: derives the text of archived document files that have none yet: the
//! attachments (and documents that are themselves PDF, DOC, DOCX, WPS, OFD, spreadsheet or ZIP
//! files) of versions archived before text was derived, or while a tool was missing. `--redo`
//! derives every one again (after installing a better tool). The records keep their seq: a
//! consumer that already read a version is not offered it again.

use std::collections::BTreeMap;

use crate::archive::Archive;
use crate::config::Settings;
use crate::text::{self, TextInfo, Tools};

use super::{Outcome, open_store};

pub(super) fn run(settings: &Settings, since: u64, redo: bool) -> anyhow::Result<Outcome> {
    let store = open_store(settings)?;
    let archive = Archive::open(&settings.data_dir)?.configured(settings);
    let storage = crate::storage::Storage::open(&settings.storage, &settings.data_dir)?;
    // The first text that cannot be put into storage stops the command before its record is
    // updated: no record names a text the storage lacks.
    let mut put_failure: Option<anyhow::Error> = None;
    let mut tools = Tools::discover();
    tools.time_limit = Some(settings.crawl.text_time_limit);
    for missing in tools.missing() {
        errln!("warning: {missing}");
    }
    let wanted = |info: &TextInfo| -> bool {
        if redo || info.text_source.is_none() {
            return true;
        }
        // A source naming a missing tool (`missing:pdftotext`, or a zip's
        // `zip:missing:pdftotext;docx-xml`) waits for it, text or not.
        info.waiting().is_some()
            || info
                .text_path
                .as_ref()
                .is_some_and(|path| !archive.absolute(path).is_file())
    };
    let mut outcomes: BTreeMap<String, u64> = BTreeMap::new();
    let mut updated = 0u64;
    // One record at a time: an archive's records together would take memory in proportion to
    // it. A record updated below is behind the reading, which never meets it again.
    let mut left_out = super::left_out::LeftOut::default();
    for record in store.export_since(since) {
        let Some(mut record) = left_out.take(record)? else {
            continue;
        };
        let mut changed = false;
        let document_file = record
            .content_type
            .as_deref()
            .is_some_and(|t| !t.contains("html") && !t.starts_with("text/"));
        let mut derive = |info: &mut TextInfo, url: &str, sha256: &str, raw_path: &str| {
            if !wanted(info) {
                return;
            }
            if put_failure.is_some() {
                return;
            }
            // A raw file missing from data_dir comes back from storage (an error is reported
            // by the derivation's own read).
            let _ = storage.cached_raw(raw_path, sha256);
            if let Some(new) = text::derive_again(&archive, &tools, sha256, raw_path, info) {
                let new = new.after(info);
                if let Some(path) = new.text_path.clone().filter(|_| storage.is_remote()) {
                    let put = std::fs::read(archive.absolute(&path))
                        .map_err(anyhow::Error::from)
                        .and_then(|bytes| {
                            let (storage, key) = (storage.clone(), path.clone());
                            Ok(storage
                                .clone()
                                .block_on(async move { storage.put_derived(&key, bytes).await })?)
                        });
                    if let Err(e) = put {
                        put_failure = Some(e.context(format!("cannot put {path} into storage")));
                        return;
                    }
                }
                if let Some(error) = &new.text_error {
                    errln!(
                        "seq {}: {}",
                        record.seq,
                        crate::shown::shown(&format!("{url}: {error}"))
                    );
                }
                *outcomes.entry(new.outcome()).or_default() += 1;
                changed |= new != *info;
                *info = new;
            }
        };
        if document_file {
            let (url, sha, path) = (
                record.url.clone(),
                record.sha256.clone(),
                record.raw_path.clone(),
            );
            derive(&mut record.text, &url, &sha, &path);
        }
        for a in &mut record.attachments {
            if let (Some(sha), Some(path)) = (a.sha256.clone(), a.raw_path.clone()) {
                derive(&mut a.text, &a.url.clone(), &sha, &path);
            }
        }
        if let Some(e) = put_failure.take() {
            store.flush()?;
            return Err(e);
        }
        if changed {
            store.set_text(record.seq, &record)?;
            updated += 1;
        }
    }
    store.flush()?;
    let files: u64 = outcomes.values().sum();
    let kinds: Vec<String> = outcomes.iter().map(|(k, v)| format!("{k}={v}")).collect();
    outln!(
        "text: {files} files tried ({}); {updated} versions updated",
        if kinds.is_empty() {
            "none needed".to_string()
        } else {
            kinds.join(", ")
        }
    );
    left_out.finish()?;
    Ok(Outcome::Completed)
}
