//! WARC writing read back: record groups, digests recomputed, links between records, revisits,
//! rotation, and the CDXJ index. Recovery of a file cut by a killed run is in
//! `warc_roundtrip_damage.rs`.

mod warc_common;
mod warc_roundtrip_support;

use std::fs;

use nianbao::warc::{
    REVISIT_PROFILE, ResponseKind, RevisitOf, WarcWriter, cdxj_index, parse_http_head,
};
use serde_json::json;
use sha1::{Digest, Sha1};
use warc_common::*;
use warc_roundtrip_support::*;

fn sha1_b32(bytes: &[u8]) -> String {
    format!(
        "sha1:{}",
        data_encoding::BASE32.encode(&Sha1::digest(bytes))
    )
}

#[test]
fn records_read_back_with_digests_links_and_headers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let written = write_sample(dir.path(), nianbao::warc::DEFAULT_MAX_FILE_BYTES);
    let files = warc_files(dir.path());
    assert_eq!(files.len(), 1);
    let name = files[0]
        .file_name()
        .expect("file name")
        .to_string_lossy()
        .into_owned();
    assert_eq!(name, "nianbao-20261124093000-00001.warc.gz");
    let records = read_all(&files[0]);
    let types: Vec<&str> = records.iter().filter_map(|r| r.warc_type()).collect();
    assert_eq!(
        types,
        [
            "warcinfo", "request", "response", "metadata", "request", "response", "metadata",
            "request", "response", "metadata", "request", "response", "metadata", "request",
            "revisit"
        ]
    );

    // Every record: WARC/1.1, a v4 urn:uuid id, a second-precision UTC date, a block digest that
    // matches the block.
    for r in &records {
        assert_eq!(r.version, "WARC/1.1");
        let id = r.header("WARC-Record-ID").expect("record id");
        assert!(
            id.starts_with("<urn:uuid:") && id.ends_with('>') && id.len() == 47,
            "{id}"
        );
        let date = r.header("WARC-Date").expect("date");
        assert!(
            chrono::NaiveDateTime::parse_from_str(date, "%Y-%m-%dT%H:%M:%SZ").is_ok(),
            "{date}"
        );
        assert_eq!(
            r.header("WARC-Block-Digest"),
            Some(sha1_b32(&r.block).as_str())
        );
        assert_eq!(
            r.header("Content-Length"),
            Some(r.block.len().to_string().as_str())
        );
    }
    let ids: std::collections::HashSet<_> = records
        .iter()
        .filter_map(|r| r.header("WARC-Record-ID"))
        .collect();
    assert_eq!(ids.len(), records.len(), "record ids are unique");

    // warcinfo
    let info = String::from_utf8(records[0].block.clone()).expect("warc-fields are text");
    assert_eq!(records[0].header("WARC-Filename"), Some(name.as_str()));
    assert_eq!(
        records[0].header("Content-Type"),
        Some("application/warc-fields")
    );
    for line in [
        &format!("software: nianbao/{}", env!("CARGO_PKG_VERSION"))[..],
        "format: WARC File Format 1.1",
        "conformsTo: http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "operator: Archive team <ops@example.org>",
        "nianbao-config: portals=3 interval=2s",
        "user-agent: nianbao/0.1",
    ] {
        assert!(info.contains(&format!("{line}\r\n")), "{line} in {info}");
    }

    // Capture groups.
    for (i, (capture, w)) in written.iter().enumerate() {
        let request = &records[1 + 3 * i];
        let response = &records[2 + 3 * i];
        assert_eq!(w.file, name);
        assert_eq!((w.offset, w.length), (response.offset, response.length));
        assert_eq!(
            response.header("WARC-Record-ID"),
            Some(w.record_id.as_str())
        );
        assert_eq!(w.payload_digest, sha1_b32(&capture.wire_body));
        assert_eq!(w.date, capture.date);
        for r in [request, response] {
            assert_eq!(
                r.header("WARC-Target-URI"),
                Some(capture.target_uri.as_str())
            );
            assert_eq!(
                r.header("WARC-IP-Address").map(str::to_string),
                capture.ip.map(|ip| ip.to_string())
            );
        }
        assert_eq!(
            request.header("WARC-Concurrent-To"),
            Some(w.record_id.as_str())
        );
        assert_eq!(
            request.header("Content-Type"),
            Some("application/http;msgtype=request")
        );
        assert_eq!(
            response.header("Content-Type"),
            Some("application/http;msgtype=response")
        );
        assert_eq!(
            response.header("WARC-Payload-Digest"),
            Some(w.payload_digest.as_str())
        );

        let req = parse_http_head(&request.block).expect("request head");
        assert_eq!(
            req.first_line,
            format!("{} {} HTTP/1.1", capture.method, capture.request_target)
        );
        assert!(
            req.header("Host")
                .is_some_and(|h| capture.target_uri.contains(h))
        );
        let req_body = &request.block[req.body_offset..];
        assert_eq!(
            req_body,
            capture.request_body.as_deref().unwrap_or_default()
        );

        let head = parse_http_head(&response.block).expect("response head");
        assert_eq!(head.status, Some(200));
        assert_eq!(head.first_line, "HTTP/1.1 200 OK");
        if w.kind == ResponseKind::Response {
            let body = &response.block[head.body_offset..];
            assert_eq!(
                body,
                &capture.wire_body[..],
                "the wire body, content coding kept"
            );
            assert_eq!(sha1_b32(body), w.payload_digest);
            let metadata = &records[3 + 3 * i];
            assert_eq!(
                metadata.header("WARC-Refers-To"),
                Some(w.record_id.as_str())
            );
            assert_eq!(
                metadata.header("WARC-Concurrent-To"),
                Some(w.record_id.as_str())
            );
            assert_eq!(metadata.header("Content-Type"), Some("application/json"));
            // Never the page's own URI: replay would serve the JSON for the page (issue 13).
            assert_eq!(
                metadata.header("WARC-Target-URI"),
                Some(format!("urn:nianbao:metadata:{}", capture.target_uri).as_str())
            );
            assert_eq!(
                metadata.header("WARC-Refers-To-Target-URI"),
                Some(capture.target_uri.as_str())
            );
            let doc: serde_json::Value =
                serde_json::from_slice(&metadata.block).expect("metadata is JSON");
            assert_eq!(doc, json!({"seq": i, "url": capture.target_uri}));
        } else {
            assert_eq!(
                head.body_offset,
                response.block.len(),
                "a revisit holds the head only"
            );
        }
    }

    // The gzip page keeps its Content-Encoding and its compressed bytes.
    let gz = parse_http_head(&records[5].block).expect("head");
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    assert_eq!(
        gunzip(&records[5].block[gz.body_offset..]),
        PAGE.repeat(3).as_bytes()
    );

    // The chunked answer: Transfer-Encoding dropped, Content-Length set to the body we hold.
    let ch = parse_http_head(&records[8].block).expect("head");
    assert_eq!(ch.header("transfer-encoding"), None);
    assert_eq!(
        ch.header("content-length"),
        Some(chunked_post().wire_body.len().to_string().as_str())
    );
    assert_eq!(ch.header("server"), Some("nginx"));

    // The revisit.
    let (first, revisit) = (&written[0].1, &written[4].1);
    let r = &records[14];
    assert_eq!(revisit.kind, ResponseKind::Revisit);
    assert_eq!(r.header("WARC-Profile"), Some(REVISIT_PROFILE));
    assert_eq!(r.header("WARC-Refers-To"), Some(first.record_id.as_str()));
    assert_eq!(
        r.header("WARC-Refers-To-Target-URI"),
        Some(first.target_uri.as_str())
    );
    assert_eq!(
        r.header("WARC-Refers-To-Date"),
        Some("2026-11-24T09:30:00Z")
    );
    assert_eq!(r.header("WARC-Date"), Some("2026-11-25T09:30:00Z"));
    assert_eq!(
        r.header("WARC-Payload-Digest"),
        Some(first.payload_digest.as_str())
    );
}

#[test]
fn a_revisit_whose_digest_differs_is_written_in_full() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut writer, _) = WarcWriter::open(dir.path(), settings(1 << 30)).expect("opens");
    let first = writer
        .write_capture(&plain_page(), None, None)
        .expect("written");
    let mut changed = plain_page_refetch();
    let mut body = changed.wire_body.to_vec();
    body.extend_from_slice(b"<!-- changed -->");
    changed.wire_body = body.into();
    let w = writer
        .write_capture(&changed, Some(&RevisitOf::from(&first)), None)
        .expect("written");
    assert_eq!(w.kind, ResponseKind::Response);
    let records = read_all(&warc_files(dir.path())[0]);
    let types: Vec<_> = records.iter().filter_map(|r| r.warc_type()).collect();
    assert_eq!(
        types,
        ["warcinfo", "request", "response", "request", "response"]
    );
}

#[test]
fn files_rotate_by_size_and_each_opens_with_warcinfo() {
    // (limit, expected number of files): a tiny limit puts every capture in its own file (a file
    // holding no capture yet always takes one, however large); a huge one keeps them together.
    for (max, expected_files) in [(1u64, 5usize), (1 << 30, 1)] {
        let dir = tempfile::tempdir().expect("temp dir");
        let written = write_sample(dir.path(), max);
        let files = warc_files(dir.path());
        assert_eq!(files.len(), expected_files, "limit {max}");
        let mut uris = Vec::new();
        for (n, file) in files.iter().enumerate() {
            let name = file
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            assert!(name.ends_with(&format!("-{:05}.warc.gz", n + 1)), "{name}");
            let records = read_all(file);
            assert_eq!(records[0].warc_type(), Some("warcinfo"), "{name}");
            assert_eq!(records[0].header("WARC-Filename"), Some(name.as_str()));
            uris.extend(
                records
                    .iter()
                    .filter(|r| matches!(r.warc_type(), Some("response" | "revisit")))
                    .filter_map(|r| r.header("WARC-Target-URI").map(str::to_string)),
            );
        }
        let expected: Vec<_> = written.iter().map(|(c, _)| c.target_uri.clone()).collect();
        assert_eq!(uris, expected, "captures kept in order across files");
    }

    // A middling limit: no file passes it unless it holds a single capture.
    let dir = tempfile::tempdir().expect("temp dir");
    let max = 4000;
    write_sample(dir.path(), max);
    let files = warc_files(dir.path());
    assert!(files.len() > 1 && files.len() < 5, "{} files", files.len());
    for file in files {
        let size = fs::metadata(&file).expect("metadata").len();
        let captures = read_all(&file)
            .iter()
            .filter(|r| r.warc_type() == Some("request"))
            .count();
        assert!(
            size <= max || captures == 1,
            "{file:?}: {size} bytes, {captures} captures"
        );
    }
}

#[test]
fn cdxj_lists_responses_and_revisits_sorted_by_surt() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Two files, so filenames and offsets differ between lines.
    let written = write_sample(dir.path(), 4000);
    let lines = cdxj_index(dir.path()).expect("index");
    assert_eq!(lines.len(), written.len());
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted);

    let keys: Vec<(&str, &str)> = lines
        .iter()
        .map(|l| {
            let mut parts = l.splitn(3, ' ');
            (parts.next().unwrap_or(""), parts.next().unwrap_or(""))
        })
        .collect();
    assert_eq!(
        keys,
        [
            (
                "cn,gov,example)/files/2025%e5%b9%b4%e6%8a%a5%e5%91%8a.pdf",
                "20261124093200"
            ),
            ("cn,gov,example)/zwgk/ndbg/2024.html", "20261124093005"),
            ("cn,gov,example)/zwgk/ndbg/2025.html", "20261124093000"),
            ("cn,gov,example)/zwgk/ndbg/2025.html", "20261125093000"),
            (
                "cn,gov,example,sthjj)/module/web/jpage/dataproxy.jsp?endrecord=45&startrecord=1",
                "20261124093100"
            ),
        ]
    );

    for (capture, w) in &written {
        let stamp = capture.date.format("%Y%m%d%H%M%S").to_string();
        let line = lines
            .iter()
            .find(|l| {
                l.contains(&format!("\"url\":\"{}\"", capture.target_uri)) && l.contains(&stamp)
            })
            .expect("a line for each capture");
        let json: serde_json::Value =
            serde_json::from_str(line.splitn(3, ' ').nth(2).unwrap_or("")).expect("json");
        let mime = match w.kind {
            ResponseKind::Revisit => "warc/revisit".to_string(),
            ResponseKind::Response => capture
                .response_headers
                .iter()
                .find(|(n, _)| n == "content-type")
                .map(|(_, v)| {
                    String::from_utf8_lossy(v)
                        .split(';')
                        .next()
                        .unwrap_or("")
                        .to_string()
                })
                .unwrap_or_default(),
        };
        assert_eq!(
            json,
            json!({
                "url": capture.target_uri,
                "mime": mime,
                "status": "200",
                "digest": w.payload_digest,
                "length": w.length.to_string(),
                "offset": w.offset.to_string(),
                "filename": w.file,
            })
        );
    }
}
