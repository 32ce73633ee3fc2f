//! `nianbao verify`'s WARC reading: the WARC files in data_dir, a walk over one that goes on past
//! a damaged member, the bodies a response record stands for, and a record's own digest checks.

use std::path::Path;

use crate::warc::{
    WarcError, WarcReader, WarcRecord, block_digest, next_whole_record, parse_http_head,
    payload_digest,
};
use crate::warc_sink::WARC_DIR;

/// The WARC files in data_dir's `warc/`, by name (none without the folder).
pub(super) fn warc_names(data_dir: &Path) -> anyhow::Result<Vec<String>> {
    let dir = data_dir.join(WARC_DIR);
    if !dir.exists() {
        return Ok(Vec::new());
    }
    Ok(crate::warc::file_names(&dir)?)
}

/// One step of reading a WARC file.
pub(super) enum Step {
    Record(WarcRecord),
    /// A damaged gzip member, and where reading goes on (the next whole record), if anywhere.
    Damaged {
        offset: u64,
        why: String,
        resume: Result<Option<u64>, String>,
    },
    Unreadable(String),
}

/// Reads a WARC file record by record, going on after a damaged member at the next whole
/// record, while `each` returns true.
pub(super) fn walk_warc(path: &Path, each: &mut dyn FnMut(Step) -> bool) {
    let mut at = 0;
    loop {
        let reader = match WarcReader::open_at(path, at) {
            Ok(reader) => reader,
            Err(e) => {
                each(Step::Unreadable(e.to_string()));
                return;
            }
        };
        let mut resume = None;
        for record in reader {
            let step = match record {
                Ok(record) => Step::Record(record),
                Err(WarcError::Malformed { offset, why, .. }) => {
                    let next = next_whole_record(path, offset).map_err(|e| e.to_string());
                    resume = next.as_ref().ok().copied().flatten();
                    Step::Damaged {
                        offset,
                        why,
                        resume: next,
                    }
                }
                Err(e) => Step::Unreadable(e.to_string()),
            };
            if !each(step) {
                return;
            }
        }
        match resume {
            Some(next) => at = next,
            None => return,
        }
    }
}

/// The bodies a response record's payload may stand for: the payload itself, with its
/// `Content-Encoding` undone, and with a stray gzip layer undone.
pub(super) fn bodies_of(record: &WarcRecord, limit: u64) -> Vec<Vec<u8>> {
    if record.warc_type() != Some("response") {
        return Vec::new();
    }
    let Some(head) = parse_http_head(&record.block) else {
        return Vec::new();
    };
    let payload = &record.block[head.body_offset..];
    let mut bodies = vec![payload.to_vec()];
    if let Some(coding) = head.header("content-encoding")
        && let Some(body) = crate::fetch::decode_wire_body(payload, Some(coding), limit)
    {
        bodies.push(body);
    }
    let inflated: Vec<Vec<u8>> = bodies
        .iter()
        .filter_map(|b| crate::fetch::inflate_saved_gzip(b, limit).ok().flatten())
        .map(|(body, _)| body)
        .collect();
    bodies.extend(inflated);
    bodies
}

/// What is wrong with a record read whole: a digest it states that its bytes do not have.
pub(super) fn record_problem(record: &WarcRecord) -> Option<String> {
    if let Some(stated) = record.header("WARC-Block-Digest") {
        let found = block_digest(&record.block);
        if !stated.eq_ignore_ascii_case(&found) {
            return Some(format!(
                "WARC-Block-Digest says {stated}, the block's is {found}"
            ));
        }
    }
    let stated = record
        .header("WARC-Payload-Digest")
        .filter(|_| record.warc_type() == Some("response"))?;
    let found = parse_http_head(&record.block)
        .map(|head| payload_digest(&record.block[head.body_offset..]));
    match found {
        Some(found) if found.eq_ignore_ascii_case(stated) => None,
        found => Some(format!(
            "WARC-Payload-Digest says {stated}, the payload's is {}",
            found
                .as_deref()
                .unwrap_or("unknown (the block holds no HTTP head)")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(head: &str, payload: &[u8]) -> WarcRecord {
        let mut block = head.as_bytes().to_vec();
        block.extend_from_slice(payload);
        WarcRecord {
            offset: 0,
            length: 0,
            version: "WARC/1.1".into(),
            headers: vec![("WARC-Type".into(), "response".into())],
            block,
        }
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write as _;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(bytes).expect("into a Vec");
        gz.finish().expect("into a Vec")
    }

    #[test]
    fn a_record_gives_the_body_its_payload_stands_for() {
        let page = "<html>年报</html>".as_bytes();
        let plain = response("HTTP/1.1 200 OK\r\n\r\n", page);
        let deflated = {
            use std::io::Write as _;
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
            z.write_all(page).expect("into a Vec");
            z.finish().expect("into a Vec")
        };
        let coded = response(
            "HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\n\r\n",
            &deflated,
        );
        // A .html.gz file served without Content-Encoding, which the crawl inflates.
        let stray = response("HTTP/1.1 200 OK\r\n\r\n", &gzip(page));
        for (what, record) in [("plain", plain), ("coded", coded), ("stray", stray)] {
            let bodies = bodies_of(&record, 1 << 20);
            assert!(bodies.iter().any(|b| b == page), "{what}");
        }
        let mut request = response("GET / HTTP/1.1\r\n\r\n", page);
        request.headers = vec![("WARC-Type".into(), "request".into())];
        assert!(bodies_of(&request, 1 << 20).is_empty());
    }
}
