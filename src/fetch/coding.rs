//! Content codings: undoes a response's `Content-Encoding` (gzip, deflate) and gzip bytes sent
//! without one, within the body cap, for `wire`, which keeps both the wire bytes and the result.

use std::io::Read;

use bytes::Bytes;

use super::outcome::FailKind;
use super::wire::SendError;

/// Undoes the content codings of a `Content-Encoding` list (`gzip`, `gzip, gzip`: the last one
/// applied first undone first), refusing to inflate past the cap. A body sent without content
/// coding is the wire bytes themselves, shared, not copied. A compression we never offered
/// (`br`, `zstd`) cannot be read: a failure, not a page of compressed bytes. Other names we
/// never offered (`utf-8`, seen over plain bodies) leave the bytes as they are.
pub(super) fn decode_content(
    wire: &Bytes,
    encoding: Option<&str>,
    max_body_bytes: u64,
) -> Result<Bytes, SendError> {
    decode_codings(wire, encoding, max_body_bytes, false)
}

/// [`decode_content`] for a body of which only a first part is read (robots.txt, whose wire
/// bytes the fetch cuts at `limit`): a compressed stream that ends where the cut came decodes to
/// the start of the body, not to a damaged stream, and a body that inflates past `limit` is cut
/// there, not oversize. A stream damaged before its end is still an error.
pub(super) fn decode_cut_content(
    wire: &Bytes,
    encoding: Option<&str>,
    limit: u64,
) -> Result<Bytes, SendError> {
    decode_codings(wire, encoding, limit, true)
}

fn decode_codings(
    wire: &Bytes,
    encoding: Option<&str>,
    max_body_bytes: u64,
    cut: bool,
) -> Result<Bytes, SendError> {
    let codings: Vec<&str> = encoding
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty() && *c != "identity")
        .collect();
    if let Some(unreadable) = codings
        .iter()
        .find(|c| matches!(**c, "br" | "zstd" | "compress" | "x-compress"))
    {
        return Err(SendError::Fatal(
            FailKind::Decode,
            format!("content coding {unreadable:?}, never offered, cannot be decoded"),
        ));
    }
    let mut body = wire.clone();
    for coding in codings.iter().rev() {
        body = decode_coding(&body, coding, max_body_bytes, cut)?;
    }
    Ok(body)
}

/// The start of every gzip member: ID1, ID2 and CM = deflate (RFC 1952).
const GZIP_MAGIC: [u8; 3] = [0x1F, 0x8B, 0x08];

/// How many gzip layers beyond the Content-Encoding are undone (a `.html.gz` file served as it
/// is, gzipped once more by the server).
const MAX_STRAY_GZIP: usize = 2;

/// A body that is still gzip after its Content-Encoding is undone: a gzipped file served without
/// the header, or gzipped twice under one `gzip`. Served as text or a page, or without a type, it
/// is inflated within the body cap; when it cannot be inflated, or inflates to binary data, it is
/// a `content_decoding` failure, never a page of compressed bytes. Served as
/// `application/octet-stream` it is inflated only when that gives a page (a `.gz` download stays
/// as it is); any other type (`application/gzip`) is a file and stays as it is. Also returns how
/// many layers were inflated.
pub(super) fn inflate_stray_gzip(
    body: Bytes,
    content_type: Option<&str>,
    max_body_bytes: u64,
) -> Result<(Bytes, usize), SendError> {
    let mime = content_type
        .and_then(|t| t.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase());
    let textual = match mime.as_deref() {
        None | Some("") => true,
        Some(t) => t.starts_with("text/") || t == "application/xhtml+xml",
    };
    let octet = mime.as_deref() == Some("application/octet-stream");
    if !textual && !octet {
        return Ok((body, 0));
    }
    // A download whose layers do not all give a page stays as it came (a cheap handle, no copy).
    let original = body.clone();
    let mut body = body;
    let mut layers = 0;
    while layers < MAX_STRAY_GZIP && body.starts_with(&GZIP_MAGIC) {
        let inflated = match decode_coding(&body, "gzip", max_body_bytes, false) {
            Ok(inflated) => inflated,
            Err(SendError::Oversize { limit }) => return Err(SendError::Oversize { limit }),
            Err(_) if octet => return Ok((original, 0)),
            Err(other) => {
                return Err(SendError::Transient(
                    FailKind::Decode,
                    format!("gzip bytes without Content-Encoding: {}", other.detail()),
                ));
            }
        };
        // A `.html.gz` file gzipped once more without a header: the next layer is read next.
        let nested = inflated.starts_with(&GZIP_MAGIC) && layers + 1 < MAX_STRAY_GZIP;
        if !nested && (!is_text(&inflated) || (octet && !is_markup(&inflated))) {
            if octet {
                return Ok((original, 0));
            }
            return Err(SendError::Fatal(
                FailKind::Decode,
                "gzip bytes without Content-Encoding inflate to binary data, not text".into(),
            ));
        }
        body = inflated;
        layers += 1;
    }
    Ok((body, layers))
}

/// The body a wire body stands for, its `Content-Encoding` undone within the cap: what a crawl
/// archived as the raw body of a response whose wire body a WARC record holds. `None` when the
/// coding cannot be undone.
pub fn decode_wire_body(
    wire: &[u8],
    content_encoding: Option<&str>,
    max_body_bytes: u64,
) -> Option<Vec<u8>> {
    decode_content(
        &Bytes::copy_from_slice(wire),
        content_encoding,
        max_body_bytes,
    )
    .ok()
    .map(|b| b.to_vec())
}

/// A saved page that is still gzip (a body saved as the wire sent it, a `.html.gz` file) read as
/// the crawl reads such a body served as a page: inflated within the cap, at most two layers.
/// Returns the page and the layers undone (`None` for a body that is no gzip), or why it is no
/// gzipped page.
pub fn inflate_saved_gzip(
    body: &[u8],
    max_body_bytes: u64,
) -> Result<Option<(Vec<u8>, usize)>, String> {
    if !body.starts_with(&GZIP_MAGIC) {
        return Ok(None);
    }
    match inflate_stray_gzip(Bytes::copy_from_slice(body), None, max_body_bytes) {
        Ok((page, layers)) => Ok(Some((page.to_vec(), layers))),
        Err(SendError::Oversize { limit }) => {
            Err(format!("it inflates to more than {limit} bytes"))
        }
        Err(other) => Err(other.detail()),
    }
}

/// No control bytes but whitespace in the first KiB (NULs are binary), or a UTF-16 BOM.
fn is_text(bytes: &[u8]) -> bool {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return true;
    }
    bytes[..bytes.len().min(1024)]
        .iter()
        .all(|&b| b >= 0x20 || matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1B))
}

/// Starts, after a BOM and whitespace, with `<`: HTML or XML.
fn is_markup(bytes: &[u8]) -> bool {
    let bytes = match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => rest,
        [0xFF, 0xFE, b'<', 0, ..] | [0xFE, 0xFF, 0, b'<', ..] => return true,
        _ => bytes,
    };
    bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<')
}

/// Undoes one content coding (gzip or deflate); any other name leaves the bytes as they are.
/// With `cut`, the stream's early end and a body past the cap are where the cut came.
fn decode_coding(
    wire: &Bytes,
    coding: &str,
    max_body_bytes: u64,
    cut: bool,
) -> Result<Bytes, SendError> {
    let encoding = Some(coding);
    let mut out = Vec::new();
    // What was read before the early end stays in `out` (`read_to_end` keeps it).
    let ended = |read: std::io::Result<usize>| match read {
        Err(e) if cut && e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(0),
        read => read,
    };
    let result = match encoding {
        None | Some("") | Some("identity") => return Ok(wire.clone()),
        // Bytes that do not open with gzip's magic were never gzipped: a server that labels
        // every file `gzip` (a PDF served whole under it) lies in the header, not the body. A
        // lone 1F is a gzip stream cut after its first byte, for the decoder to fail.
        Some("gzip") | Some("x-gzip")
            if !wire.starts_with(&GZIP_MAGIC[..2]) && wire[..] != GZIP_MAGIC[..1] =>
        {
            return Ok(wire.clone());
        }
        Some("gzip") | Some("x-gzip") => ended(
            flate2::read::MultiGzDecoder::new(&wire[..])
                .take(max_body_bytes.saturating_add(1))
                .read_to_end(&mut out),
        ),
        Some("deflate") => {
            // Servers send either zlib-wrapped or raw deflate under this name.
            let zlib = ended(
                flate2::read::ZlibDecoder::new(&wire[..])
                    .take(max_body_bytes.saturating_add(1))
                    .read_to_end(&mut out),
            );
            if zlib.is_err() {
                out.clear();
                ended(
                    flate2::read::DeflateDecoder::new(&wire[..])
                        .take(max_body_bytes.saturating_add(1))
                        .read_to_end(&mut out),
                )
            } else {
                zlib
            }
        }
        // An encoding we never offered: keep the bytes as they are.
        Some(_) => return Ok(wire.clone()),
    };
    match result {
        Ok(_) if cut && out.len() as u64 > max_body_bytes => {
            out.truncate(max_body_bytes as usize);
            Ok(Bytes::from(out))
        }
        Ok(_) if out.len() as u64 > max_body_bytes => Err(SendError::Oversize {
            limit: max_body_bytes,
        }),
        Ok(_) => Ok(Bytes::from(out)),
        Err(e) => Err(SendError::Transient(
            FailKind::Decode,
            format!("cannot decode {encoding:?} body: {e}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gzip(data: &[u8]) -> Bytes {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(data).expect("in-memory write");
        enc.finish().expect("in-memory gzip").into()
    }

    /// `gzip, gzip` is undone twice; `br`, never offered, is a failure rather than a page of
    /// compressed bytes; a bogus name over a plain body leaves it as it is.
    #[test]
    fn a_list_of_codings_is_undone_in_turn() {
        let page = "政府信息公开年度报告".repeat(50).into_bytes();
        let twice = gzip(&gzip(&page));
        let body = decode_content(&twice, Some("gzip, gzip"), 1 << 20)
            .ok()
            .expect("decodes");
        assert_eq!(body, page);
        assert!(matches!(
            decode_content(&Bytes::from(page.clone()), Some("br"), 1 << 20),
            Err(SendError::Fatal(FailKind::Decode, _))
        ));
        let plain = decode_content(&Bytes::from(page.clone()), Some("utf-8"), 1 << 20)
            .ok()
            .expect("kept");
        assert_eq!(plain, page);
    }

    /// `max_body_bytes` may be set as high as a u64 goes ("18446744073709551615"): the
    /// one byte read past the cap, to tell a body at the cap from one past it, must not
    /// overflow (a panic, or in a release build a cap of 0 and an empty page).
    #[test]
    fn a_cap_as_large_as_a_u64_inflates_the_whole_body() {
        let page = "政府信息公开年度报告".repeat(100).into_bytes();
        for coding in ["gzip", "deflate"] {
            let wire = match coding {
                "gzip" => gzip(&page),
                _ => {
                    let mut enc =
                        flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
                    enc.write_all(&page).expect("in-memory write");
                    enc.finish().expect("in-memory zlib").into()
                }
            };
            let body = decode_content(&wire, Some(coding), u64::MAX)
                .ok()
                .expect("decodes");
            assert_eq!(body, page, "{coding}");
        }
    }

    #[test]
    fn gzip_is_decoded_and_capped() {
        let page = "政府信息公开年度报告".repeat(100).into_bytes();
        let wire = gzip(&page);
        let body = decode_content(&wire, Some("gzip"), 1 << 20)
            .ok()
            .expect("decodes");
        assert_eq!(body, page);
        // A small wire body that inflates past the cap is refused, not inflated.
        let bomb = gzip(&vec![0u8; 4 << 20]);
        assert!(bomb.len() < 64 * 1024);
        assert!(matches!(
            decode_content(&bomb, Some("gzip"), 1 << 20),
            Err(SendError::Oversize { .. })
        ));
    }

    /// Probe H #6: gzip bytes served without Content-Encoding (a `.html.gz` served as it is), or
    /// gzipped twice under one `gzip`, are inflated when served as text, a page or without a type;
    /// a truncated or binary one is a decode failure, not a page of compressed bytes.
    #[test]
    fn gzip_bytes_without_their_content_encoding_are_inflated_or_refused() {
        let simplified = "<html><head><title>某县人民政府2023年政府信息公开工作年度报告</title>\
            </head><body><p>本报告根据《中华人民共和国政府信息公开条例》要求编制。</p></body></html>"
            .repeat(20);
        let pages: Vec<(&str, Vec<u8>)> = vec![
            ("UTF-8", simplified.clone().into_bytes()),
            ("GBK", encoding_rs::GBK.encode(&simplified).0.into_owned()),
            (
                "Big5",
                encoding_rs::BIG5
                    .encode("<html><body>某縣人民政府2023年政府資訊公開工作年度報告</body></html>")
                    .0
                    .into_owned(),
            ),
            (
                "UTF-16LE",
                [0xFF, 0xFE]
                    .into_iter()
                    .chain(simplified.encode_utf16().flat_map(u16::to_le_bytes))
                    .collect(),
            ),
        ];
        let cap = 1 << 20;
        for (name, page) in &pages {
            for content_type in [
                Some("text/html; charset=utf-8"),
                Some("text/html"),
                Some("TEXT/HTML"),
                Some("text/plain"),
                Some("application/xhtml+xml"),
                Some("application/octet-stream"),
                None,
            ] {
                let case = format!("{name} page, {content_type:?}");
                // Without Content-Encoding (probe d33, d37).
                let (body, layers) = inflate_stray_gzip(gzip(page), content_type, cap)
                    .ok()
                    .expect(&case);
                assert!(body == page && layers == 1, "{case}");
                // Twice gzipped under one `Content-Encoding: gzip` (probe d34).
                let once = decode_content(&gzip(&gzip(page)), Some("gzip"), cap)
                    .ok()
                    .expect(&case);
                let (body, _) = inflate_stray_gzip(once, content_type, cap)
                    .ok()
                    .expect(&case);
                assert!(body == page, "{case}");
                // A `.html.gz` file gzipped once more, without any header: two layers.
                let (body, layers) = inflate_stray_gzip(gzip(&gzip(page)), content_type, cap)
                    .ok()
                    .expect(&case);
                assert!(body == page && layers == 2, "{case}");
                // Three layers are more than a server makes: no page, and a download as it came.
                let thrice = gzip(&gzip(&gzip(page)));
                match inflate_stray_gzip(thrice.clone(), content_type, cap) {
                    Ok((body, layers)) => {
                        assert_eq!(content_type, Some("application/octet-stream"), "{case}");
                        assert!(body == thrice && layers == 0, "{case}");
                    }
                    Err(e) => assert!(matches!(e, SendError::Fatal(FailKind::Decode, _)), "{case}"),
                }
            }
            // A gzip file is a file.
            let file = gzip(page);
            let (body, layers) = inflate_stray_gzip(file.clone(), Some("application/gzip"), cap)
                .ok()
                .expect("kept");
            assert_eq!((body, layers), (file, 0), "{name}");
        }
        let page = Bytes::from(pages[0].1.clone());
        // Truncated (probe d44): a failure for a page, the bytes as they are for a download.
        let wire = gzip(&page);
        let cut = wire.slice(..wire.len() / 2);
        for content_type in [Some("text/html"), None] {
            assert!(matches!(
                inflate_stray_gzip(cut.clone(), content_type, cap),
                Err(SendError::Transient(FailKind::Decode, _))
            ));
        }
        let (body, _) = inflate_stray_gzip(cut.clone(), Some("application/octet-stream"), cap)
            .ok()
            .expect("kept");
        assert_eq!(body, cut);
        // Binary data inside: refused as a page, kept as a download.
        let binary = gzip(b"ustar\0\0\0\0\x01\x02 some archive member");
        assert!(matches!(
            inflate_stray_gzip(binary.clone(), Some("text/html"), cap),
            Err(SendError::Fatal(FailKind::Decode, _))
        ));
        let (body, _) = inflate_stray_gzip(binary.clone(), Some("application/octet-stream"), cap)
            .ok()
            .expect("kept");
        assert_eq!(body, binary);
        // Never inflated past the cap.
        let bomb = gzip(&b"<p>".repeat(2 << 20));
        assert!(matches!(
            inflate_stray_gzip(bomb, Some("text/html"), cap),
            Err(SendError::Oversize { .. })
        ));
        // A plain page is its own buffer, not a copy.
        let (body, layers) = inflate_stray_gzip(page.clone(), Some("text/html"), cap)
            .ok()
            .expect("plain");
        assert_eq!(body.as_ptr(), page.as_ptr());
        assert_eq!(layers, 0);
    }

    #[test]
    fn bytes_that_are_no_gzip_under_a_gzip_header_pass_through() {
        let pdf = Bytes::from_static(b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n");
        for coding in ["gzip", "x-gzip"] {
            let body = decode_content(&pdf, Some(coding), 1 << 20)
                .ok()
                .expect("kept as sent");
            assert_eq!(body, pdf, "{coding}");
        }
    }

    /// A gzip stream cut to its first byte is no file sent whole: it fails, as any gzip cut
    /// short does, and is not kept as a one-byte body.
    #[test]
    fn gzip_cut_to_its_first_byte_is_a_decode_failure() {
        let wire = gzip(b"hello world, hello world");
        let cut = wire.slice(..1);
        assert!(matches!(
            decode_content(&cut, Some("gzip"), 1 << 20),
            Err(SendError::Transient(FailKind::Decode, _))
        ));
    }

    #[test]
    fn broken_gzip_is_a_decode_failure_and_identity_passes_through() {
        let wire = gzip(b"hello world, hello world");
        let broken = wire.slice(..wire.len() / 2);
        assert!(matches!(
            decode_content(&broken, Some("gzip"), 1 << 20),
            Err(SendError::Transient(FailKind::Decode, _))
        ));
        // Without content coding (or with a name that is none, as a server's `utf-8`) the body
        // is the wire's own buffer.
        let plain = Bytes::from_static(b"abc");
        for encoding in [None, Some("identity"), Some("utf-8")] {
            let body = decode_content(&plain, encoding, 10)
                .ok()
                .expect("passes through");
            assert_eq!(body, plain);
            assert_eq!(
                body.as_ptr(),
                plain.as_ptr(),
                "{encoding:?} copied the body"
            );
        }
    }
}
