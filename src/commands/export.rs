//! `nianbao export`: the archive's version records as JSON lines on stdout, in seq order.

use std::io::{BufWriter, Write};

use crate::config::Settings;

use super::{Outcome, open_store};

pub(super) fn run(settings: &Settings, since: u64) -> anyhow::Result<Outcome> {
    let store = open_store(settings)?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    for record in store.export_since(since) {
        let line = serde_json::to_string(&record?)?;
        if let Err(e) = writeln!(out, "{line}") {
            // A closed pipe (`| head`) ends the export quietly.
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                return Ok(Outcome::Completed);
            }
            return Err(e.into());
        }
    }
    match out.flush() {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(Outcome::Completed),
    }
}
