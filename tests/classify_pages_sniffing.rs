//! Classify tests of attachments: documents sniffed by their bytes (OLE2, ZIP and the rest), and
//! attachments told by bytes, header or name.

mod classify_pages_support;

use classify_pages_support::*;
use nianbao::classify::{PageKind, classify, sniff_document_type};

/// A minimal OLE2 container: the magic, padding, and a directory entry name in UTF-16LE.
fn ole2(stream: &str) -> Vec<u8> {
    let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    bytes.resize(512, 0);
    bytes.extend(stream.encode_utf16().flat_map(u16::to_le_bytes));
    bytes.resize(1024, 0);
    bytes
}

/// A minimal ZIP: one local file header naming `entry`.
fn zip(entry: &str) -> Vec<u8> {
    let mut bytes = b"PK\x03\x04\x14\x00\x00\x00\x08\x00".to_vec();
    bytes.extend([0u8; 16]);
    bytes.extend((entry.len() as u16).to_le_bytes());
    bytes.extend([0u8; 2]);
    bytes.extend(entry.as_bytes());
    bytes
}

/// (case name, body, name hint, expected media type)
type SniffCase = (
    &'static str,
    Vec<u8>,
    Option<&'static str>,
    Option<&'static str>,
);

#[test]
fn sniffing_table() {
    let cases: Vec<SniffCase> = vec![
        (
            "pdf",
            b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj".to_vec(),
            None,
            Some("application/pdf"),
        ),
        (
            "pdf after whitespace",
            b"\r\n%PDF-1.4\n".to_vec(),
            None,
            Some("application/pdf"),
        ),
        (
            "html quoting %PDF-",
            b"<html><body>%PDF-1.4</body></html>".to_vec(),
            None,
            None,
        ),
        (
            "doc by stream",
            ole2("WordDocument"),
            None,
            Some("application/msword"),
        ),
        (
            "xls by stream",
            ole2("Workbook"),
            None,
            Some("application/vnd.ms-excel"),
        ),
        (
            "wps by name",
            ole2("WordDocument"),
            Some("/upload/2023年报.wps"),
            Some("application/vnd.ms-works"),
        ),
        (
            "ole2 by name",
            ole2("Root Entry"),
            Some("report.XLS?id=3"),
            Some("application/vnd.ms-excel"),
        ),
        (
            "bare ole2",
            ole2("Root Entry"),
            None,
            Some("application/x-ole-storage"),
        ),
        (
            "docx",
            zip("word/document.xml"),
            None,
            Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ),
        (
            "xlsx",
            zip("xl/workbook.xml"),
            None,
            Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ),
        ("ofd", zip("OFD.xml"), None, Some("application/ofd")),
        (
            "zip",
            zip("2023年报/说明.txt"),
            None,
            Some("application/zip"),
        ),
        (
            "rar",
            b"Rar!\x1A\x07\x01\x00".to_vec(),
            None,
            Some("application/vnd.rar"),
        ),
        (
            "html",
            b"<!DOCTYPE html><html></html>".to_vec(),
            Some("a.pdf"),
            None,
        ),
        ("empty", Vec::new(), None, None),
    ];
    for (name, body, hint, expected) in cases {
        assert_eq!(sniff_document_type(&body, hint), expected, "{name}");
    }
}

/// (case name, Content-Type, body, name hint, expected kind)
type AttachmentCase<'a> = (
    &'static str,
    Option<&'static str>,
    &'a [u8],
    Option<&'static str>,
    PageKind,
);

#[test]
fn attachments_by_bytes_header_or_name() {
    let pdf = b"%PDF-1.5\n...".to_vec();
    let opaque = vec![0x00, 0x01, 0x02, 0x03];
    let error_page =
        b"<html><body>\xe6\x96\x87\xe4\xbb\xb6\xe4\xb8\x8d\xe5\xad\x98\xe5\x9c\xa8</body></html>"
            .to_vec();
    let cases: Vec<AttachmentCase> = vec![
        (
            "pdf bytes as octet-stream",
            Some("application/octet-stream"),
            &pdf,
            None,
            attachment("application/pdf"),
        ),
        (
            "pdf bytes as text/html",
            Some("text/html"),
            &pdf,
            None,
            attachment("application/pdf"),
        ),
        (
            "opaque bytes with a pdf header",
            Some("application/pdf"),
            &opaque,
            None,
            attachment("application/pdf"),
        ),
        (
            "opaque octet-stream named .ofd",
            Some("application/octet-stream"),
            &opaque,
            Some("/a/b.ofd"),
            attachment("application/ofd"),
        ),
        (
            "an html error page served as pdf",
            Some("application/pdf"),
            &error_page,
            None,
            PageKind::SoftNotFound,
        ),
    ];
    for (name, content_type, body, hint, expected) in cases {
        assert_eq!(
            classify(200, content_type, body, None, hint),
            expected,
            "{name}"
        );
    }
}
