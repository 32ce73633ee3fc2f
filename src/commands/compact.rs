//! `nianbao compact`: rewrites the index into a fresh copy, so that the disk space sled keeps
//! for removed and rewritten values (pruned run reports, URL states rewritten every night) is
//! given back. See `store::compact`.

use crate::config::Settings;
use crate::store::Store;

use super::{Outcome, require_data_dir};

pub(super) fn run(settings: &Settings) -> anyhow::Result<Outcome> {
    require_data_dir(settings)?;
    let store = Store::open(&settings.data_dir)?;
    let index = settings.data_dir.join("index");
    errln!(
        "compacting {} (a copy is built beside it, so the filesystem needs room for one more index of at most its size)",
        index.display()
    );
    let done = store.compact()?;
    outln!(
        "compacted {}: {} -> {} ({} trees, {} entries copied and checked, {:.1}s)",
        index.display(),
        megabytes(done.bytes_before),
        megabytes(done.bytes_after),
        done.trees,
        done.entries,
        done.seconds
    );
    Ok(Outcome::Completed)
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}
