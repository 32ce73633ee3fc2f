//! The intermediates kept in `data_dir/tls/intermediates/<sha256>.der`: those that completed a
//! chain are written there, and the next run (and `inspect`, `find-section`) learns them at
//! start, at most `MAX_LEARNED` of them: the most recently kept.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use sha2::{Digest, Sha256};

use super::{Intermediates, MAX_CERT_BYTES, MAX_LEARNED, lock, reader};

impl Intermediates {
    /// Learns the certificates kept in `dir` and keeps those learned from now on there. At
    /// most `MAX_LEARNED` are learned: the newest files by modification time (the time each was
    /// kept), equal times in file name order, so the same directory always gives the same
    /// ones. A file that is unreadable or holds no CA certificate is skipped and the next
    /// newest taken; a `dir` not made yet holds none (it is made when the first is kept). A
    /// `dir` that cannot be read (a file, a folder without permission) is an error, and none
    /// are kept there in this run.
    pub(super) fn load(&self, dir: &Path) -> anyhow::Result<usize> {
        *lock(&self.dir) = None;
        if !dir.exists() {
            *lock(&self.dir) = Some(dir.to_path_buf());
            return Ok(0);
        }
        let mut files: Vec<(SystemTime, PathBuf)> = std::fs::read_dir(dir)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", dir.display()))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "der"))
            .map(|path| {
                let time = std::fs::metadata(&path)
                    .and_then(|m| m.modified())
                    .unwrap_or(SystemTime::UNIX_EPOCH);
                (time, path)
            })
            .collect();
        files.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let mut chosen = Vec::new();
        for (_, path) in &files {
            if chosen.len() >= MAX_LEARNED {
                break;
            }
            match read(path) {
                Ok(der) => chosen.push(der),
                Err(why) => {
                    tracing::warn!(path = %path.display(), "learned intermediate skipped: {why}")
                }
            }
        }
        let learned = chosen.len();
        if files.len() > learned {
            tracing::debug!(
                dir = %dir.display(),
                files = files.len(),
                learned,
                "older kept intermediates not learned"
            );
        }
        // The oldest first: those learned in this run push the oldest out of memory first.
        for der in chosen.into_iter().rev() {
            self.learn(der);
        }
        *lock(&self.dir) = Some(dir.to_path_buf());
        Ok(learned)
    }

    /// Keeps `der` in the data_dir, if one was named, for the next run. A failure is logged
    /// once and no more are kept in this run, so a folder that cannot be made or written does
    /// not warn once per certificate: the next run fetches them again.
    pub(super) fn keep(&self, der: &rustls::pki_types::CertificateDer<'_>) {
        let mut named = lock(&self.dir);
        let Some(dir) = named.clone() else {
            return;
        };
        let name = hex::encode(Sha256::digest(der.as_ref()));
        let path = dir.join(format!("{name}.der"));
        let partial = dir.join(format!("{name}.der.partial"));
        let written = std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(&partial, der.as_ref()))
            .and_then(|()| std::fs::rename(&partial, &path));
        if let Err(e) = written {
            *named = None;
            tracing::warn!(
                path = %path.display(),
                "cannot keep a learned intermediate ({e}): none more are kept in this run"
            );
        }
    }
}

/// The CA certificate of one kept file, within `MAX_CERT_BYTES`.
fn read(path: &Path) -> Result<rustls::pki_types::CertificateDer<'static>, String> {
    let size = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    if size > MAX_CERT_BYTES {
        return Err(format!("larger than {MAX_CERT_BYTES} bytes"));
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    reader::intermediate_of(&bytes)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn ca_der(name: &str) -> Vec<u8> {
        let mut params = rcgen::CertificateParams::default();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        let key = rcgen::KeyPair::generate().expect("a key");
        params.self_signed(&key).expect("a CA").der().to_vec()
    }

    /// Of 66 files, a newest one unreadable is passed over for the next newest; of two kept
    /// at the same time at the bound, the first by name is taken.
    #[test]
    fn the_newest_readable_files_are_learned_equal_times_by_name() {
        let dir = tempfile::tempdir().expect("scratch dir");
        let now = SystemTime::now();
        let keep = |file: &str, bytes: &[u8], minutes_ago: u64| {
            let path = dir.path().join(file);
            std::fs::write(&path, bytes).expect("keep a file");
            std::fs::File::options()
                .write(true)
                .open(&path)
                .and_then(|f| f.set_modified(now - Duration::from_secs(minutes_ago * 60)))
                .expect("date the file");
        };
        keep("zz-junk.der", b"<html>not a certificate</html>", 0);
        let mut newest = Vec::new();
        for i in 1..=63 {
            let der = ca_der(&format!("CA {i}"));
            keep(&format!("{i:02}.der"), &der, i);
            newest.push(der);
        }
        // The 64th place: two kept at the same time, "a" before "b".
        let (first, second) = (ca_der("first by name"), ca_der("second by name"));
        keep("b-same-time.der", &second, 100);
        keep("a-same-time.der", &first, 100);
        newest.push(first);
        keep("00-oldest.der", &ca_der("the oldest"), 200);
        let intermediates = Intermediates::default();
        assert_eq!(intermediates.load(dir.path()).expect("loaded"), 64);
        let mut learned: Vec<Vec<u8>> = intermediates
            .snapshot()
            .iter()
            .map(|der| der.as_ref().to_vec())
            .collect();
        learned.sort();
        newest.sort();
        assert_eq!(learned, newest);
    }
}
