//! Attachment sniffing: the media type of a document from its leading bytes (and, for OLE2
//! containers, its stream names or file name), because portals serve PDFs as
//! `application/octet-stream` and Word files as `text/html`.

/// Media types this module answers with.
pub const PDF: &str = "application/pdf";
pub const DOC: &str = "application/msword";
pub const XLS: &str = "application/vnd.ms-excel";
pub const PPT: &str = "application/vnd.ms-powerpoint";
/// Kingsoft WPS Writer (.wps), common on Chinese portals; an OLE2 container.
pub const WPS: &str = "application/vnd.ms-works";
pub const OLE2: &str = "application/x-ole-storage";
pub const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub const PPTX: &str = "application/vnd.openxmlformats-officedocument.presentationml.presentation";
/// OpenDocument spreadsheet (LibreOffice, and WPS on request): a ZIP whose first entry,
/// `mimetype`, says so uncompressed.
pub const ODS: &str = "application/vnd.oasis.opendocument.spreadsheet";
/// 版式文档 OFD (GB/T 33190), a ZIP container with `OFD.xml` at its root.
pub const OFD: &str = "application/ofd";
pub const ZIP: &str = "application/zip";
pub const RAR: &str = "application/vnd.rar";
pub const SEVEN_ZIP: &str = "application/x-7z-compressed";
/// Images: portals post scanned reports (扫描件) as JPEG, PNG, GIF, TIFF or BMP files.
pub const JPEG: &str = "image/jpeg";
pub const PNG: &str = "image/png";
pub const GIF: &str = "image/gif";
pub const TIFF: &str = "image/tiff";
pub const WEBP: &str = "image/webp";
pub const BMP: &str = "image/bmp";
/// Rich Text Format, which Word and WPS save under `.doc` (many older 年报 files are RTF).
pub const RTF: &str = "application/rtf";
/// 方正 Apabi CEB, the reader format many governments posted documents in before PDF and OFD.
pub const CEB: &str = "application/x-ceb";
/// CNKI CAJ (also `.kdh`), the reader format of China's academic platform.
pub const CAJ: &str = "application/x-caj";

const OLE2_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const SEVEN_ZIP_MAGIC: &[u8] = b"7z\xBC\xAF\x27\x1C";

/// The media type of an attachment, sniffed from its bytes. `name_hint` is a file name or URL
/// path; it only tells apart OLE2 documents whose stream names do not (e.g. `.wps`).
/// `None` when the bytes are not a recognised document type.
pub fn sniff_document_type(body: &[u8], name_hint: Option<&str>) -> Option<&'static str> {
    // A container's magic at offset 0 says what the file is, though it may hold a PDF stored
    // uncompressed (`%PDF-` within the first 1024 bytes): checked before the PDF's looser test.
    if body.starts_with(OLE2_MAGIC) {
        return Some(ole2_type(body, name_hint));
    }
    if body.starts_with(b"PK\x03\x04") || body.starts_with(b"PK\x05\x06") {
        return Some(zip_type(body));
    }
    if body.starts_with(b"Rar!\x1A\x07") {
        return Some(RAR);
    }
    if body.starts_with(SEVEN_ZIP_MAGIC) {
        return Some(SEVEN_ZIP);
    }
    // Some servers emit a few bytes of whitespace before `%PDF-`; readers accept up to 1024.
    if leading_pdf(body) {
        return Some(PDF);
    }
    if starts_like_rtf(body) {
        return Some(RTF);
    }
    image_type(body).or_else(|| unchecked_type(body, name_hint?))
}

/// Formats whose bytes nianbao does not check (CEB, CAJ): the file's name says what it is, and
/// a binary body (a NUL in its first KiB, which no page or line of text holds) under that name
/// is taken for it. A page under such a name (a "file not found" notice) is still a page.
fn unchecked_type(body: &[u8], name: &str) -> Option<&'static str> {
    let kind = match document_type_for_name(name)? {
        kind @ (CEB | CAJ) => kind,
        _ => return None,
    };
    body.iter().take(1024).any(|b| *b == 0).then_some(kind)
}

/// An image's type from its signature. A BMP's two-letter `BM` is taken only with the zero
/// reserved bytes that follow the file size, so that text starting `BM` is not an image.
fn image_type(body: &[u8]) -> Option<&'static str> {
    let image = if body.starts_with(&[0xFF, 0xD8, 0xFF]) {
        JPEG
    } else if body.starts_with(b"\x89PNG\r\n\x1a\n") {
        PNG
    } else if body.starts_with(b"GIF87a") || body.starts_with(b"GIF89a") {
        GIF
    } else if body.starts_with(b"II*\0") || body.starts_with(b"MM\0*") {
        TIFF
    } else if body.starts_with(b"RIFF") && body.get(8..12) == Some(b"WEBP") {
        WEBP
    } else if body.starts_with(b"BM") && body.len() > 26 && body[6..10] == [0, 0, 0, 0] {
        BMP
    } else {
        return None;
    };
    Some(image)
}

/// `{\rtf` at the start, after a UTF-8 BOM or whitespace.
fn starts_like_rtf(body: &[u8]) -> bool {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let start = body.iter().position(|b| !b.is_ascii_whitespace());
    start.is_some_and(|at| body[at..].starts_with(b"{\\rtf"))
}

/// `%PDF-` within the first 1024 bytes, preceded only by whitespace or a short binary preamble
/// that is not markup (an HTML page quoting "%PDF-" is not a PDF).
fn leading_pdf(body: &[u8]) -> bool {
    let head = &body[..body.len().min(1024)];
    head.windows(5)
        .position(|w| w == b"%PDF-")
        .is_some_and(|at| !head[..at].contains(&b'<'))
}

fn ole2_type(body: &[u8], name_hint: Option<&str>) -> &'static str {
    let extension = name_hint.and_then(extension);
    if extension.as_deref() == Some("wps") {
        return WPS;
    }
    // Directory entry names are UTF-16LE; the stream name says what the container holds.
    if contains(body, &utf16le("WordDocument")) {
        return DOC;
    }
    if contains(body, &utf16le("Workbook")) || contains(body, &utf16le("Book")) {
        return XLS;
    }
    if contains(body, &utf16le("PowerPoint Document")) {
        return PPT;
    }
    match extension.as_deref() {
        Some("doc") => DOC,
        Some("xls" | "et") => XLS,
        Some("ppt" | "dps") => PPT,
        _ => OLE2,
    }
}

/// The type of a ZIP container: by the names its central directory lists, when it lists some;
/// by the bytes otherwise (a file cut short: names are stored uncompressed in local headers).
/// Never by the bytes alone when the names can be read: a plain zip's compressed data holds
/// `xl/` by chance (about one 2 MB zip in eight; `ppt/` one in two thousand), and a zip storing
/// a DOCX uncompressed holds the DOCX's `word/`.
fn zip_type(body: &[u8]) -> &'static str {
    match zip::ZipArchive::new(std::io::Cursor::new(body)) {
        Ok(archive) if !archive.is_empty() => type_by_names(body, archive.file_names_raw()),
        // Damaged, or a directory listing nothing beside local entries: the bytes say more.
        _ => type_by_bytes(body),
    }
}

fn type_by_names<'a>(body: &[u8], raw_names: impl Iterator<Item = &'a [u8]>) -> &'static str {
    let mut kind = ZIP;
    for raw in raw_names {
        let name = String::from_utf8_lossy(raw)
            .trim_start_matches('/')
            .to_ascii_lowercase();
        let part = match name.as_str() {
            "ofd.xml" => OFD,
            // The OpenDocument `mimetype` entry holds the type, stored first and uncompressed.
            "mimetype" if contains(body, ODS.as_bytes()) => ODS,
            n if n.starts_with("word/") => DOCX,
            n if n.starts_with("xl/") => XLSX,
            n if n.starts_with("ppt/") => PPTX,
            _ => continue,
        };
        // OFD and ODS name themselves; otherwise the first part found says it.
        if matches!(part, OFD | ODS) {
            return part;
        }
        if kind == ZIP {
            kind = part;
        }
    }
    kind
}

fn type_by_bytes(body: &[u8]) -> &'static str {
    // Entry names are stored uncompressed in local headers and in the central directory.
    if contains(body, b"OFD.xml") {
        OFD
    } else if contains(body, ODS.as_bytes()) {
        ODS
    } else if contains(body, b"word/") {
        DOCX
    } else if contains(body, b"xl/") {
        XLSX
    } else if contains(body, b"ppt/") {
        PPTX
    } else {
        ZIP
    }
}

/// The media type a file extension stands for, when it is a document type.
pub fn document_type_for_name(name: &str) -> Option<&'static str> {
    Some(match extension(name)?.as_str() {
        "pdf" => PDF,
        "doc" => DOC,
        "xls" | "et" => XLS,
        "ppt" | "dps" => PPT,
        "wps" => WPS,
        "docx" => DOCX,
        "xlsx" => XLSX,
        "ods" => ODS,
        "pptx" => PPTX,
        "ofd" => OFD,
        "rtf" => RTF,
        "zip" => ZIP,
        "rar" => RAR,
        "ceb" => CEB,
        "caj" | "kdh" => CAJ,
        _ => return None,
    })
}

/// The lower-cased extension of the last path segment, ignoring any query or fragment.
pub(crate) fn extension(name: &str) -> Option<String> {
    let path = name.split(['?', '#']).next().unwrap_or(name);
    let file = path.rsplit('/').next().unwrap_or(path);
    let (_, ext) = file.rsplit_once('.')?;
    Some(ext.to_ascii_lowercase())
}

fn utf16le(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF_BYTES: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n";

    /// A ZIP local file header for `name` storing `data` uncompressed, then an end record.
    fn stored_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, data) in entries {
            out.extend_from_slice(b"PK\x03\x04\x14\x00\x00\x08\x00\x00\x00\x00\x00\x00");
            out.extend_from_slice(&[0; 4]);
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(data);
        }
        out.extend_from_slice(b"PK\x05\x06");
        out.extend_from_slice(&[0; 18]);
        out
    }

    /// A zip is typed by the names it lists: a plain zip whose data holds a part's name (stored
    /// here; compressed data does by chance) is a zip, a zip holding a DOCX is a zip, and a
    /// container cut short, whose names cannot be listed, goes by its bytes.
    #[test]
    fn a_zip_is_typed_by_the_names_it_lists() {
        let zip_of = |entries: &[(&str, &[u8])]| {
            let mut out = std::io::Cursor::new(Vec::new());
            let mut zip = zip::ZipWriter::new(&mut out);
            let stored = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored);
            for (name, data) in entries {
                zip.start_file(*name, stored).expect("entry");
                std::io::Write::write_all(&mut zip, data).expect("write");
            }
            zip.finish().expect("finish");
            out.into_inner()
        };
        let docx = zip_of(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("word/document.xml", b"<w/>"),
        ]);
        let cases: &[(&str, Vec<u8>, &str)] = &[
            ("a DOCX", docx.clone(), DOCX),
            ("a zip storing a DOCX", zip_of(&[("年报.docx", &docx)]), ZIP),
            (
                "a zip whose data holds ppt/",
                zip_of(&[("说明.txt", b"see ppt/ and xl/")]),
                ZIP,
            ),
            ("an XLSX", zip_of(&[("xl/workbook.xml", b"<w/>")]), XLSX),
            ("a PPTX", zip_of(&[("ppt/presentation.xml", b"<p/>")]), PPTX),
            (
                "an OFD",
                zip_of(&[("OFD.xml", b"<ofd/>"), ("Doc_0/Document.xml", b"")]),
                OFD,
            ),
            (
                "an ODS",
                zip_of(&[("mimetype", ODS.as_bytes()), ("content.xml", b"")]),
                ODS,
            ),
            (
                "an ODT is no spreadsheet",
                zip_of(&[
                    ("mimetype", b"application/vnd.oasis.opendocument.text"),
                    ("content.xml", b""),
                ]),
                ZIP,
            ),
            ("a DOCX cut short", docx[..docx.len() - 30].to_vec(), DOCX),
        ];
        for (what, body, expected) in cases {
            assert_eq!(sniff_document_type(body, None), Some(*expected), "{what}");
        }
    }

    /// CEB and CAJ files are taken by their names when their bytes are binary; text or a page
    /// under those names, and binary bytes under another name, are not.
    #[test]
    fn files_of_unchecked_formats_go_by_their_names() {
        let binary = b"\x00\x01CEB\x00\x00\x02\x00\xff\xfe\x10\x00";
        let notice = "<html><body>文件不存在</body></html>".as_bytes();
        let cases: &[(&[u8], &str, Option<&str>)] = &[
            (binary, "/upload/2010nb.ceb", Some(CEB)),
            (binary, "/upload/2010NB.CEB?v=1", Some(CEB)),
            (binary, "/upload/nb.caj", Some(CAJ)),
            (binary, "/upload/nb.kdh", Some(CAJ)),
            (binary, "/upload/nb.bin", None),
            (binary, "/upload/nb.pdf", None),
            (notice, "/upload/2010nb.ceb", None),
            (b"CEB file", "/upload/2010nb.ceb", None),
        ];
        for (body, name, want) in cases {
            assert_eq!(sniff_document_type(body, Some(name)), *want, "{name}");
        }
        assert_eq!(sniff_document_type(binary, None), None);
    }

    /// A container's magic at offset 0 wins over a PDF it stores within its first 1024 bytes.
    #[test]
    fn images_are_documents_and_text_starting_like_one_is_not() {
        let mut bmp = b"BM\x36\x00\x0c\x00\x00\x00\x00\x00\x36\x00\x00\x00".to_vec();
        bmp.resize(64, 0);
        let mut webp = b"RIFF\x24\x00\x00\x00WEBPVP8 ".to_vec();
        webp.resize(64, 0);
        let cases: &[(&[u8], Option<&str>)] = &[
            (b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00", Some(JPEG)),
            (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", Some(PNG)),
            (b"GIF89a\x01\x00\x01\x00", Some(GIF)),
            (b"GIF87a\x01\x00\x01\x00", Some(GIF)),
            (b"II*\x00\x08\x00\x00\x00", Some(TIFF)),
            (b"MM\x00*\x00\x00\x00\x08", Some(TIFF)),
            (&webp, Some(WEBP)),
            (&bmp, Some(BMP)),
            (
                b"BMW 2023 annual report, a page of plain text that starts with BM.",
                None,
            ),
            (b"RIFF....WAVEfmt ", None),
            (b"GIF is a format", None),
        ];
        for (body, want) in cases {
            assert_eq!(
                sniff_document_type(body, None),
                *want,
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn a_container_holding_a_pdf_is_the_container() {
        let mut ole2 = OLE2_MAGIC.to_vec();
        ole2.extend_from_slice(PDF_BYTES);
        ole2.extend_from_slice(&utf16le("WordDocument"));
        let mut ole2_bare = OLE2_MAGIC.to_vec();
        ole2_bare.extend_from_slice(PDF_BYTES);
        let with = |magic: &[u8]| [magic, PDF_BYTES].concat();
        let cases: Vec<(&str, Vec<u8>, Option<&str>, &str)> = vec![
            (
                "zip of a PDF",
                stored_zip(&[("年报.pdf", PDF_BYTES)]),
                None,
                ZIP,
            ),
            (
                "zip of a PDF named as one",
                stored_zip(&[("2022年報.pdf", PDF_BYTES)]),
                Some("/upload/nb.pdf"),
                ZIP,
            ),
            (
                "OFD holding a PDF",
                stored_zip(&[("Doc_0/Res/a.pdf", PDF_BYTES), ("OFD.xml", b"<ofd:OFD/>")]),
                None,
                OFD,
            ),
            (
                "DOCX holding a PDF",
                stored_zip(&[("word/embeddings/a.pdf", PDF_BYTES)]),
                None,
                DOCX,
            ),
            ("DOC holding a PDF", ole2, None, DOC),
            (
                "WPS holding a PDF",
                ole2_bare.clone(),
                Some("/f/nb.wps"),
                WPS,
            ),
            ("OLE2 holding a PDF", ole2_bare, Some("/f/nb.pdf"), OLE2),
            ("RAR 4", with(b"Rar!\x1A\x07\x00"), None, RAR),
            ("RAR 5", with(b"Rar!\x1A\x07\x01\x00"), None, RAR),
            ("7z", with(SEVEN_ZIP_MAGIC), None, SEVEN_ZIP),
            ("a PDF", PDF_BYTES.to_vec(), None, PDF),
            (
                "a PDF after whitespace",
                [b"\r\n  ", PDF_BYTES].concat(),
                None,
                PDF,
            ),
            (
                "a PDF after a preamble",
                [b"\x00\x01junk", PDF_BYTES].concat(),
                None,
                PDF,
            ),
        ];
        for (case, body, hint, want) in cases {
            assert_eq!(sniff_document_type(&body, hint), Some(want), "{case}");
        }
        assert_eq!(sniff_document_type(b"<p>%PDF-1.4</p>", None), None);
        assert_eq!(
            sniff_document_type(b"\xEF\xBB\xBF\r\n{\\rtf1\\ansi x}", None),
            Some(RTF)
        );
        assert_eq!(sniff_document_type(b"<p>{\\rtf1}</p>", None), None);
    }
}
