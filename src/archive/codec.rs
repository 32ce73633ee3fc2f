//! How a raw body is kept on disk: zstd-compressed (`raw/ab/<sha256>.zst`) when that saves at
//! least a tenth of its size, plain (`raw/ab/<sha256>`) otherwise, or always plain with
//! `[archive] compress = "none"`. The path's suffix says which; the sha256 is always that of the
//! body itself. Reading decompresses under a size limit, so a hostile or damaged file can neither
//! exhaust memory nor pass for the body.

use std::io::Read;
use std::path::Path;

use super::ArchiveError;

/// Suffix of a zstd-compressed raw file.
pub const ZSTD_SUFFIX: &str = ".zst";

/// zstd level for raw bodies (zstd's own default). On the demo crawl's 113 raw files level 3
/// keeps raw/ 2.6% smaller than level 1 (281,602 against 289,096 bytes of 1,054,195), and at
/// about 370 MB/s against 630 MB/s its cost per page (~30 µs for a 10 KB page) stays far below
/// that of parsing the page.
pub const ZSTD_LEVEL: i32 = 3;

/// A compressed copy is kept only when it is at most this share of the body (in tenths): below a
/// tenth saved, reading it back costs more than the disk it saves.
const KEEP_WHEN_AT_MOST_TENTHS: usize = 9;

/// `[archive] compress`: how new raw bodies are written. Files already on disk are read
/// whichever way they were written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compression {
    /// zstd where it saves at least a tenth, plain otherwise.
    #[default]
    Zstd,
    /// Every body plain.
    None,
}

impl Compression {
    /// The names `[archive] compress` accepts.
    pub const NAMES: &[&str] = &["zstd", "none"];

    pub fn from_name(name: &str) -> Option<Compression> {
        match name {
            "zstd" => Some(Compression::Zstd),
            "none" => Some(Compression::None),
            _ => None,
        }
    }
}

/// True when `raw_path` names a compressed file.
pub fn is_compressed(raw_path: &str) -> bool {
    raw_path.ends_with(ZSTD_SUFFIX)
}

/// The bytes to write for `body`: `Some(compressed)` when compression pays, `None` to write the
/// body plain.
pub fn encode(body: &[u8], compression: Compression) -> Option<Vec<u8>> {
    if compression == Compression::None || body.is_empty() || already_compressed(body) {
        return None;
    }
    // Compressing a slice into a Vec cannot fail for a valid level; a failure is treated as "does
    // not pay" and the body is written plain, which any reader takes.
    let packed = compress(body).ok()?;
    (packed.len() * 10 <= body.len() * KEEP_WHEN_AT_MOST_TENTHS).then_some(packed)
}

thread_local! {
    /// Each thread's zstd context, reused for every body: a fresh one a body cost an allocation
    /// and zeroing of its tables each time (`ZSTD_createCCtx` and the allocator's consolidation
    /// were 2-3% of the raw farm's CPU). The output is the same as a fresh context's.
    static COMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> =
        const { std::cell::RefCell::new(None) };
}

/// `body` as one zstd frame at [`ZSTD_LEVEL`].
pub fn compress(body: &[u8]) -> std::io::Result<Vec<u8>> {
    COMPRESSOR.with(|cell| {
        let mut cell = cell.borrow_mut();
        let compressor = match cell.as_mut() {
            Some(compressor) => compressor,
            None => cell.insert(zstd::bulk::Compressor::new(ZSTD_LEVEL)?),
        };
        compressor.compress(body)
    })
}

/// Formats that are compressed already (gzip wire bodies, ZIP-based DOCX/OFD, images, zstd
/// itself): not worth a try.
fn already_compressed(body: &[u8]) -> bool {
    const MAGIC: &[&[u8]] = &[
        b"\x1f\x8b",           // gzip
        b"PK\x03\x04",         // zip, docx, ofd, xlsx
        b"\x89PNG",            // png
        b"\xff\xd8\xff",       // jpeg
        b"GIF8",               // gif
        b"\x28\xb5\x2f\xfd",   // zstd
        b"7z\xbc\xaf\x27\x1c", // 7z
        b"Rar!",               // rar
        b"BZh",                // bzip2
        b"\xfd7zXZ\x00",       // xz
        b"RIFF",               // webp and friends
    ];
    MAGIC.iter().any(|m| body.starts_with(m))
}

/// The body held in the stored bytes of `path`: decompressed when the path names a compressed
/// file, refused past `limit` bytes.
pub fn decode(path: &Path, stored: Vec<u8>, limit: u64) -> Result<Vec<u8>, ArchiveError> {
    if !path.to_string_lossy().ends_with(ZSTD_SUFFIX) {
        return Ok(stored);
    }
    let undecodable = |reason: String| ArchiveError::Undecodable {
        path: path.to_path_buf(),
        reason,
    };
    let mut decoder = zstd::stream::read::Decoder::with_buffer(&stored[..])
        .map_err(|e| undecodable(e.to_string()))?;
    let mut body = Vec::new();
    (&mut decoder)
        .take(limit.saturating_add(1))
        .read_to_end(&mut body)
        .map_err(|e| undecodable(e.to_string()))?;
    if body.len() as u64 > limit {
        return Err(ArchiveError::TooLarge {
            path: path.to_path_buf(),
            limit,
        });
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(n: usize) -> Vec<u8> {
        let mut out = String::from("<html><body>");
        for i in 0..n {
            out.push_str(&format!("<p>第{i}段 政府信息公开工作年度报告</p>"));
        }
        out.push_str("</body></html>");
        out.into_bytes()
    }

    /// Bytes that do not compress (a PDF's compressed streams, a photo).
    fn noise(n: usize) -> Vec<u8> {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    #[test]
    fn the_reused_context_writes_what_a_fresh_one_writes() {
        // Several bodies on one thread, so the second and later reuse the context; the noise in
        // between leaves the context with other tables.
        for body in [page(300), noise(5000), page(40), page(2000), Vec::new()] {
            let fresh = zstd::bulk::compress(&body, ZSTD_LEVEL).expect("fresh");
            assert_eq!(
                compress(&body).expect("reused"),
                fresh,
                "{} bytes",
                body.len()
            );
        }
    }

    #[test]
    fn pages_round_trip_and_noise_stays_plain() {
        // A tiny page does not pay for the frame around it.
        assert_eq!(encode(b"<html>report</html>", Compression::Zstd), None);
        for n in [10, 100, 1000] {
            let body = page(n);
            let packed = encode(&body, Compression::Zstd).expect("a page compresses");
            assert!(packed.len() < body.len());
            let back =
                decode(Path::new("raw/ab/x.zst"), packed, body.len() as u64).expect("decodes");
            assert_eq!(back, body);
        }
        assert_eq!(encode(&page(100), Compression::None), None);
        let mut pdf = b"%PDF-1.7\n".to_vec();
        pdf.extend(noise(64 * 1024));
        assert_eq!(
            encode(&pdf, Compression::Zstd),
            None,
            "incompressible: kept plain"
        );
        let mut gzip = b"\x1f\x8b".to_vec();
        gzip.extend(page(100));
        assert_eq!(encode(&gzip, Compression::Zstd), None, "gzip wire body");
        assert_eq!(encode(b"", Compression::Zstd), None);
    }

    #[test]
    fn damaged_and_oversized_files_are_errors_naming_the_path() {
        let body = page(500);
        let packed = encode(&body, Compression::Zstd).expect("compresses");
        let path = Path::new("raw/ab/abcdef.zst");
        let cases: Vec<(&str, Vec<u8>, u64, &str)> = vec![
            (
                "truncated",
                packed[..packed.len() / 2].to_vec(),
                1 << 20,
                "damaged",
            ),
            ("empty", Vec::new(), 1 << 20, "damaged"),
            (
                "not zstd",
                b"<html>plain</html>".to_vec(),
                1 << 20,
                "damaged",
            ),
            (
                "over the limit",
                packed.clone(),
                body.len() as u64 - 1,
                "more than",
            ),
        ];
        for (name, stored, limit, says) in cases {
            let err = decode(path, stored, limit).expect_err(name).to_string();
            assert!(
                err.contains("raw/ab/abcdef.zst") && err.contains(says),
                "{name}: {err}"
            );
        }
        assert_eq!(
            decode(path, packed, body.len() as u64).expect("exactly at the limit"),
            body
        );
    }

    #[test]
    fn a_decompression_bomb_stops_at_the_limit() {
        // 256 MiB of zeros packs into a few KiB.
        let mut encoder = zstd::stream::write::Encoder::new(Vec::new(), 1).expect("encoder");
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..256 {
            std::io::Write::write_all(&mut encoder, &zeros).expect("write");
        }
        let bomb = encoder.finish().expect("finish");
        assert!(bomb.len() < 64 << 10, "{}", bomb.len());
        let err = decode(Path::new("raw/00/bomb.zst"), bomb, 4 << 20).expect_err("refused");
        assert!(
            matches!(err, ArchiveError::TooLarge { limit, .. } if limit == 4 << 20),
            "{err}"
        );
    }
}
