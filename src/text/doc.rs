//! DOC and WPS binary (OLE2 compound files): the text of Word 97-2003's `WordDocument` stream,
//! read through its piece table (MS-DOC 2.4.1). Chinese text is stored as UTF-16LE pieces, so
//! no code page guessing is needed; "compressed" pieces are Windows-1252. Kingsoft WPS writes
//! the same structure. Chosen over `antiword`/`catdoc` subprocesses: it is pure Rust, needs no
//! tool on the machine, and a few hundred lines of bounded parsing.

use std::io::{Cursor, Read};

use super::{Extracted, TextError, push_capped};

/// `wIdent` of a Word binary file.
const WORD_IDENT: u16 = 0xA5EC;
/// The oldest nFib of Word 97.
const NFIB_WORD97: u16 = 0x00C1;
/// Offsets in the FIB.
const FIB_FLAGS: usize = 0x0A;
const FIB_CCP_TEXT: usize = 0x4C;
const FIB_FC_CLX: usize = 0x01A2;
const FIB_LCB_CLX: usize = 0x01A6;
const FLAG_ENCRYPTED: u16 = 0x0100;
const FLAG_TABLE_1: u16 = 0x0200;
/// Largest stream read.
const MAX_STREAM_BYTES: u64 = 128 << 20;
/// Pieces read at most.
const MAX_PIECES: usize = 1 << 20;

/// The text of a Word binary document in an OLE2 container.
pub(crate) fn word_binary(body: &[u8]) -> Result<Extracted, TextError> {
    let mut file = cfb::CompoundFile::open(Cursor::new(body))
        .map_err(|e| TextError::Corrupt(format!("not a readable OLE2 compound file: {e}")))?;
    if file.is_stream("/EncryptedPackage") {
        return Err(TextError::Encrypted(
            "an Office file saved with a password (its EncryptedPackage stream)".into(),
        ));
    }
    if !file.is_stream("/WordDocument") {
        return Err(TextError::Unsupported(
            "an OLE2 file without a WordDocument stream (a spreadsheet, a presentation, or an old WPS format)".into(),
        ));
    }
    let word = read_stream(&mut file, "/WordDocument")?;
    let u16_at = |at: usize| -> Result<u16, TextError> {
        word.get(at..at + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .ok_or_else(|| TextError::Corrupt(format!("WordDocument stream ends before byte {at}")))
    };
    let u32_at = |at: usize| -> Result<u32, TextError> {
        word.get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(|| TextError::Corrupt(format!("WordDocument stream ends before byte {at}")))
    };
    if u16_at(0)? != WORD_IDENT {
        return Err(TextError::Corrupt(
            "the WordDocument stream has no Word signature".into(),
        ));
    }
    let nfib = u16_at(2)?;
    if nfib < NFIB_WORD97 {
        return Err(TextError::Unsupported(format!(
            "a Word 6/95 file (nFib {nfib:#x}); only Word 97 and later are read"
        )));
    }
    let flags = u16_at(FIB_FLAGS)?;
    if flags & FLAG_ENCRYPTED != 0 {
        return Err(TextError::Encrypted(
            "the Word document is password-protected".into(),
        ));
    }
    let ccp_text = u32_at(FIB_CCP_TEXT)?;
    let fc_clx = u32_at(FIB_FC_CLX)? as usize;
    let lcb_clx = u32_at(FIB_LCB_CLX)? as usize;
    let table_name = if flags & FLAG_TABLE_1 != 0 {
        "/1Table"
    } else {
        "/0Table"
    };
    let table = read_stream(&mut file, table_name)?;
    let clx = table
        .get(fc_clx..fc_clx.saturating_add(lcb_clx))
        .ok_or_else(|| TextError::Corrupt(format!("the piece table lies outside {table_name}")))?;
    let pieces = piece_table(clx)?;
    let mut text = Text::default();
    for piece in pieces {
        // Only the main document: headers, footnotes and comments follow it.
        if piece.cp_start >= ccp_text && ccp_text > 0 {
            break;
        }
        let chars = (piece
            .cp_end
            .min(if ccp_text > 0 { ccp_text } else { u32::MAX })
            - piece.cp_start) as usize;
        let full = if piece.compressed {
            let bytes = word
                .get(piece.fc..piece.fc.saturating_add(chars))
                .ok_or_else(|| {
                    TextError::Corrupt(format!(
                        "a text piece at byte {} lies outside the stream",
                        piece.fc
                    ))
                })?;
            !text.push_all(bytes.iter().map(|&b| cp1252(b)))
        } else {
            let bytes = word
                .get(piece.fc..piece.fc.saturating_add(chars * 2))
                .ok_or_else(|| {
                    TextError::Corrupt(format!(
                        "a text piece at byte {} lies outside the stream",
                        piece.fc
                    ))
                })?;
            let units = bytes
                .chunks_exact(2)
                .map(|b| u16::from_le_bytes([b[0], b[1]]));
            !text.push_all(char::decode_utf16(units).map(|c| c.unwrap_or('\u{FFFD}')))
        };
        if full {
            return Ok(Extracted {
                text: text.out,
                truncated: true,
            });
        }
    }
    Ok(Extracted {
        text: text.out,
        truncated: false,
    })
}

fn read_stream(
    file: &mut cfb::CompoundFile<Cursor<&[u8]>>,
    name: &str,
) -> Result<Vec<u8>, TextError> {
    let stream = file
        .open_stream(name)
        .map_err(|e| TextError::Corrupt(format!("OLE2 stream {name}: {e}")))?;
    let mut out = Vec::new();
    stream
        .take(MAX_STREAM_BYTES)
        .read_to_end(&mut out)
        .map_err(|e| TextError::Corrupt(format!("OLE2 stream {name}: {e}")))?;
    Ok(out)
}

struct Piece {
    cp_start: u32,
    cp_end: u32,
    fc: usize,
    compressed: bool,
}

/// The pieces of a Clx: skips its Prc entries, then reads the PlcPcd.
fn piece_table(clx: &[u8]) -> Result<Vec<Piece>, TextError> {
    let corrupt = |what: &str| TextError::Corrupt(format!("piece table: {what}"));
    let mut at = 0usize;
    loop {
        match clx.get(at) {
            Some(0x01) => {
                let cb = clx
                    .get(at + 1..at + 3)
                    .ok_or_else(|| corrupt("cut inside a Prc"))?;
                at += 3 + u16::from_le_bytes([cb[0], cb[1]]) as usize;
            }
            Some(0x02) => break,
            _ => return Err(corrupt("no Pcdt")),
        }
    }
    let lcb = clx
        .get(at + 1..at + 5)
        .ok_or_else(|| corrupt("cut inside the Pcdt"))?;
    let lcb = u32::from_le_bytes([lcb[0], lcb[1], lcb[2], lcb[3]]) as usize;
    let plc = clx
        .get(at + 5..at + 5 + lcb)
        .ok_or_else(|| corrupt("the PlcPcd is longer than the Clx"))?;
    // n + 1 CPs of 4 bytes and n PCDs of 8 bytes.
    if plc.len() < 4 || (plc.len() - 4) % 12 != 0 {
        return Err(corrupt("a PlcPcd of impossible length"));
    }
    let n = (plc.len() - 4) / 12;
    if n > MAX_PIECES {
        return Err(TextError::TooLarge(format!(
            "the piece table lists {n} pieces; at most {MAX_PIECES} are read"
        )));
    }
    let u32_at = |i: usize| u32::from_le_bytes([plc[i], plc[i + 1], plc[i + 2], plc[i + 3]]);
    let mut pieces = Vec::with_capacity(n);
    for i in 0..n {
        let (cp_start, cp_end) = (u32_at(4 * i), u32_at(4 * (i + 1)));
        if cp_end < cp_start {
            return Err(corrupt("character positions run backwards"));
        }
        let fc = u32_at(4 * (n + 1) + 8 * i + 2);
        let compressed = fc & 0x4000_0000 != 0;
        let fc = fc & 0x3FFF_FFFF;
        pieces.push(Piece {
            cp_start,
            cp_end,
            fc: if compressed {
                (fc / 2) as usize
            } else {
                fc as usize
            },
            compressed,
        });
    }
    Ok(pieces)
}

/// Word's special characters turned into plain text; field codes left out, field results kept.
#[derive(Default)]
struct Text {
    out: String,
    /// Nesting of fields whose code (before the separator) is being skipped.
    field_codes: Vec<bool>,
    last: Option<char>,
}

impl Text {
    /// Appends characters; false once the text cap is reached.
    fn push_all(&mut self, chars: impl Iterator<Item = char>) -> bool {
        let mut buf = String::new();
        for c in chars {
            let in_code = self.field_codes.last().copied().unwrap_or(false);
            let mapped = match c {
                '\u{13}' => {
                    self.field_codes.push(true);
                    None
                }
                '\u{14}' => {
                    if let Some(top) = self.field_codes.last_mut() {
                        *top = false;
                    }
                    None
                }
                '\u{15}' => {
                    self.field_codes.pop();
                    None
                }
                _ if in_code => None,
                '\r' | '\u{0B}' | '\u{0C}' => Some('\n'),
                // A cell ends with 0x07; a row ends with one more.
                '\u{07}' => Some(if self.last == Some('\u{07}') {
                    '\n'
                } else {
                    '\t'
                }),
                '\u{1E}' => Some('-'),
                '\u{A0}' => Some(' '),
                '\t' => Some('\t'),
                c if (c as u32) < 0x20 => None,
                c => Some(c),
            };
            self.last = Some(c);
            if let Some(m) = mapped {
                buf.push(m);
            }
        }
        push_capped(&mut self.out, &buf)
    }
}

fn cp1252(b: u8) -> char {
    let bytes = [b];
    encoding_rs::WINDOWS_1252
        .decode_without_bom_handling(&bytes)
        .0
        .chars()
        .next()
        .unwrap_or('\u{FFFD}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_characters_and_fields() {
        let mut t = Text::default();
        let input = "标题\r\u{13} PAGE \u{14}3\u{15}甲\u{07}1\u{07}\u{07}\u{01}完";
        assert!(t.push_all(input.chars()));
        assert_eq!(t.out, "标题\n3甲\t1\t\n完");
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(matches!(
            word_binary(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 short"),
            Err(TextError::Corrupt(_))
        ));
        assert!(piece_table(&[0x02, 0xFF, 0xFF, 0xFF, 0x7F]).is_err());
        assert!(piece_table(&[0x01, 0xFF, 0xFF]).is_err());
    }

    /// A piece table listing more pieces than are read is refused, not read with its
    /// descriptors taken from the wrong place (they follow all the positions, not the first
    /// `MAX_PIECES + 1`).
    #[test]
    fn a_piece_table_past_the_bound_is_refused() {
        let plc = |count: usize| {
            let mut plc = Vec::with_capacity(4 + 12 * count);
            for cp in 0..=count as u32 {
                plc.extend_from_slice(&cp.to_le_bytes());
            }
            for i in 0..count as u32 {
                plc.extend_from_slice(&[0, 0]);
                plc.extend_from_slice(&(0x100 + 2 * i).to_le_bytes());
                plc.extend_from_slice(&[0, 0]);
            }
            let mut clx = vec![0x02];
            clx.extend_from_slice(&(plc.len() as u32).to_le_bytes());
            clx.extend_from_slice(&plc);
            clx
        };
        let within = piece_table(&plc(3)).expect("three pieces read");
        assert_eq!(
            within.iter().map(|p| p.fc).collect::<Vec<_>>(),
            [0x100, 0x102, 0x104]
        );
        assert!(matches!(
            piece_table(&plc(MAX_PIECES + 1)),
            Err(TextError::TooLarge(_))
        ));
    }
}
