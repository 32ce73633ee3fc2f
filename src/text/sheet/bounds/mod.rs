//! What a spreadsheet asks of memory, checked before calamine reads it. calamine lays each
//! sheet out as a dense grid the size of the area its cells span, and reserves what the file
//! declares (an XLS sheet's DIMENSIONS, an XLSX's count of shared strings): a few crafted bytes
//! would ask for gigabytes, and a failed allocation aborts the process, which no panic guard
//! catches. So the area every sheet spans is measured here from the file's own records, and a
//! file past `MAX_CELLS` is an error. Pure: bytes in, a verdict out.

use std::io::{Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::text::TextError;

/// Most cells the sheets of one file may span together (a grid cell costs calamine about 32
/// bytes: 64 MiB at most). A report's tables span a few hundred.
pub(crate) const MAX_CELLS: u64 = 2_000_000;
/// Largest XLS workbook stream read (the file itself is capped before this).
const MAX_STREAM_BYTES: u64 = 128 << 20;
/// The grid limits of the formats (XLSX and ODS; XLS is smaller).
const MAX_ROWS: u64 = 1 << 20;
const MAX_COLUMNS: u64 = 1 << 14;

/// BIFF8 record types (MS-XLS 2.3).
const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;
const FILEPASS: u16 = 0x002F;
const BOUNDSHEET: u16 = 0x0085;
const DIMENSIONS: u16 = 0x0200;
const MULRK: u16 = 0x00BD;
/// Records whose first four bytes are a cell's row and column (FORMULA, RSTRING, LABELSST,
/// NUMBER, LABEL, BOOLERR, RK), which calamine places in its grid.
const CELLS: [u16; 7] = [0x0006, 0x00D6, 0x00FD, 0x0203, 0x0204, 0x0205, 0x027E];

/// The stream that holds an XLS workbook (`Book` in files of Excel 5 and of some writers).
pub(crate) fn workbook_stream(body: &[u8]) -> Result<Vec<u8>, TextError> {
    let mut file = cfb::CompoundFile::open(Cursor::new(body))
        .map_err(|e| TextError::Corrupt(format!("not a readable OLE2 compound file: {e}")))?;
    let name = ["/Workbook", "/Book"]
        .into_iter()
        .find(|n| file.is_stream(n))
        .ok_or_else(|| TextError::Corrupt("no Workbook stream in the spreadsheet".into()))?;
    let mut stream = file
        .open_stream(name)
        .map_err(|e| TextError::Corrupt(format!("stream {name}: {e}")))?;
    let mut out = Vec::new();
    (&mut stream)
        .take(MAX_STREAM_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| TextError::Corrupt(format!("stream {name}: {e}")))?;
    if out.len() as u64 > MAX_STREAM_BYTES {
        return Err(TextError::TooLarge(format!(
            "stream {name} is longer than {MAX_STREAM_BYTES} bytes"
        )));
    }
    Ok(out)
}

/// Checks an XLS workbook stream: not password-protected, and its sheets (each read from where
/// its BOUNDSHEET record says it starts, as calamine reads it) span at most `MAX_CELLS`.
pub(crate) fn check_xls(stream: &[u8]) -> Result<(), TextError> {
    let mut starts = Vec::new();
    for (typ, data) in records(stream, 0) {
        match typ {
            FILEPASS => {
                return Err(TextError::Encrypted(
                    "the workbook is password-protected (FILEPASS)".into(),
                ));
            }
            BOUNDSHEET if data.len() >= 4 => {
                starts.push(u32::from_le_bytes([data[0], data[1], data[2], data[3]]) as usize)
            }
            EOF => break,
            _ => {}
        }
    }
    // A sound workbook's sheets lie one after another, so they are read once together; sheets
    // that overlap (thousands named at one offset) would have this check and calamine read the
    // stream once each, past the time limit. Twice leaves room for a sheet missing its EOF.
    let budget = (stream.len() as u64).saturating_mul(2);
    let mut read = 0u64;
    let mut spanned = 0u64;
    for (sheet, start) in starts.into_iter().enumerate() {
        // calamine slices the stream at the start unchecked: past its end, that panics.
        if start > stream.len() {
            return Err(TextError::Corrupt(format!(
                "sheet {} starts at byte {start}, past the {}-byte workbook stream",
                sheet + 1,
                stream.len()
            )));
        }
        let (area, bytes) = xls_sheet_area(stream, start)
            .map_err(|e| TextError::Corrupt(format!("sheet {} at byte {start}: {e}", sheet + 1)))?;
        read = read.saturating_add(bytes);
        if read > budget {
            return Err(TextError::Corrupt(format!(
                "sheet {} at byte {start} overlaps other sheets: the sheets' records add up to \
                 more than twice the {}-byte workbook stream",
                sheet + 1,
                stream.len()
            )));
        }
        spanned = spanned.saturating_add(area);
        if spanned > MAX_CELLS {
            return Err(too_many(spanned, &format!("sheet {}", sheet + 1)));
        }
    }
    Ok(())
}

/// The area one XLS sheet spans (the larger of its DIMENSIONS and its cells' bounding box),
/// and the bytes of records read to find it.
fn xls_sheet_area(stream: &[u8], start: usize) -> Result<(u64, u64), String> {
    let mut read = 0u64;
    let mut area = 0u64;
    let mut bounds: Option<(u64, u64, u64, u64)> = None;
    let mut widen = |row: u64, first: u64, last: u64| {
        let b = bounds.get_or_insert((row, row, first, last));
        *b = (b.0.min(row), b.1.max(row), b.2.min(first), b.3.max(last));
    };
    let mut depth = 0usize;
    let mut seen_bof = false;
    for (typ, data) in records(stream, start) {
        read += 4 + data.len() as u64;
        if depth > 0 {
            match typ {
                BOF => depth += 1,
                EOF => depth -= 1,
                _ => {}
            }
            continue;
        }
        let u16_at = |at: usize| {
            data.get(at..at + 2)
                .map(|b| u16::from_le_bytes([b[0], b[1]]))
        };
        match typ {
            BOF if seen_bof => depth += 1,
            BOF => seen_bof = true,
            EOF => break,
            DIMENSIONS => area = area.max(dimensions_area(data)?),
            MULRK => {
                if let (Some(row), Some(first), Some(last)) =
                    (u16_at(0), u16_at(2), u16_at(data.len().saturating_sub(2)))
                {
                    widen(row.into(), first.into(), last.into());
                }
            }
            t if CELLS.contains(&t) => {
                if let (Some(row), Some(col)) = (u16_at(0), u16_at(2)) {
                    widen(row.into(), col.into(), col.into());
                }
            }
            _ => {}
        }
    }
    let spanned = bounds.map_or(0, |(r0, r1, c0, c1)| {
        (r1 - r0 + 1).saturating_mul(c1.saturating_sub(c0) + 1)
    });
    Ok((area.max(spanned), read))
}

/// The cells a DIMENSIONS record declares, read as calamine reads it (MS-XLS 2.4.90: first row,
/// last row + 1, first column, last column + 1; 10 bytes in BIFF5).
fn dimensions_area(data: &[u8]) -> Result<u64, String> {
    let u16_at = |at: usize| u64::from(u16::from_le_bytes([data[at], data[at + 1]]));
    let u32_at = |at: usize| {
        u64::from(u32::from_le_bytes([
            data[at],
            data[at + 1],
            data[at + 2],
            data[at + 3],
        ]))
    };
    let (first_row, rows_end, mut first_col, cols_end) = match data.len() {
        10 => (u16_at(0), u16_at(2), u16_at(4), u16_at(6)),
        14 | 16 => (u32_at(0), u32_at(4), u16_at(8), u16_at(10)),
        n => return Err(format!("a DIMENSIONS record of {n} bytes")),
    };
    if first_col > 0xFF || cols_end < first_col {
        first_col = 0;
    }
    if rows_end == 0 || cols_end == 0 {
        return Ok(1);
    }
    if rows_end <= first_row || cols_end <= first_col {
        return Err(format!(
            "DIMENSIONS end before they start (rows {first_row}..{rows_end}, columns {first_col}..{cols_end})"
        ));
    }
    Ok((rows_end - first_row).saturating_mul(cols_end - first_col))
}

/// The BIFF records from byte `at` on: (type, data), until the stream ends or a record runs
/// past it.
fn records(stream: &[u8], at: usize) -> impl Iterator<Item = (u16, &[u8])> {
    let mut at = at;
    std::iter::from_fn(move || {
        let head = stream.get(at..at.checked_add(4)?)?;
        let typ = u16::from_le_bytes([head[0], head[1]]);
        let len = usize::from(u16::from_le_bytes([head[2], head[3]]));
        let data = stream.get(at + 4..at + 4 + len)?;
        at += 4 + len;
        Some((typ, data))
    })
}

/// Checks one inflated XLSX part: a shared-string table may not declare more strings than its
/// bytes could hold (calamine reserves room for `uniqueCount` of them up front).
pub(crate) fn check_xlsx_part(name: &str, xml: &[u8]) -> Result<(), TextError> {
    // calamine reads only `<xl path>sharedStrings.xml`, and reserves the `uniqueCount` of the
    // first `sst` start tag wherever it stands (after a long comment, a long attribute …).
    let is_shared_strings = name
        .len()
        .checked_sub(SHARED_STRINGS.len())
        .and_then(|at| name.get(at..))
        .is_some_and(|tail| tail.eq_ignore_ascii_case(SHARED_STRINGS));
    if !is_shared_strings {
        return Ok(());
    }
    let Some(count) = sst_unique_count(xml) else {
        return Ok(());
    };
    let declared: u64 = count.parse().unwrap_or(u64::MAX);
    // `<si/>`, the shortest string, takes five bytes.
    if declared > xml.len() as u64 / 5 {
        return Err(TextError::Corrupt(format!(
            "zip entry {name} declares {declared} shared strings in {} bytes",
            xml.len()
        )));
    }
    Ok(())
}

/// The name every XLSX's shared-string part ends in.
const SHARED_STRINGS: &str = "sharedStrings.xml";

/// The `uniqueCount` attribute of the first `sst` start tag, as calamine finds it; `None` when
/// there is none (or the XML breaks first: calamine then fails on it without reserving).
fn sst_unique_count(xml: &[u8]) -> Option<String> {
    let mut reader = Reader::from_reader(xml);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(e) if e.local_name().as_ref() == "sst" => {
                return e
                    .try_get_attribute("uniqueCount")
                    .ok()
                    .flatten()
                    .map(|a| a.value.into_owned());
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// Checks an ODS `content.xml`: the area its tables span once calamine repeats the rows and
/// cells `table:number-rows-repeated` and `table:number-columns-repeated` ask for.
pub(crate) fn check_ods_content(xml: &[u8]) -> Result<(), TextError> {
    let mut reader = Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut spanned = 0u64;
    // Per table: rows so far, rows up to the last that holds a value, the widest such row.
    let (mut rows, mut rows_used, mut widest) = (0u64, 0u64, 0u64);
    // Per row: its repeats, columns up to its last value, empty columns not yet followed by one.
    let (mut row_repeats, mut width, mut pending) = (1u64, 0u64, 0u64);
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| TextError::Corrupt(format!("content.xml: {e}")))?;
        let (element, has_children) = match &event {
            Event::Start(e) => (Some(e), true),
            Event::Empty(e) => (Some(e), false),
            _ => (None, false),
        };
        match (element.map(|e| e.name().as_ref().to_string()), &event) {
            (Some(name), _) if name == "table:table" => (rows, rows_used, widest) = (0, 0, 0),
            (Some(name), _) if name == "table:table-row" => {
                row_repeats = repeats(element, "table:number-rows-repeated")?.min(MAX_ROWS);
                (width, pending) = (0, 0);
                if !has_children {
                    rows = rows.saturating_add(row_repeats);
                }
            }
            (Some(name), _) if name == "table:table-cell" || name == "table:covered-table-cell" => {
                let n = repeats(element, "table:number-columns-repeated")?.min(MAX_COLUMNS);
                let valued = has_children
                    || element.is_some_and(|e| {
                        e.try_get_attribute("office:value-type")
                            .ok()
                            .flatten()
                            .is_some()
                    });
                if valued {
                    width = width
                        .saturating_add(pending)
                        .saturating_add(n)
                        .min(MAX_COLUMNS);
                    pending = 0;
                } else {
                    pending = pending.saturating_add(n);
                }
            }
            (None, Event::End(e)) if e.name().as_ref() == "table:table-row" => {
                rows = rows.saturating_add(row_repeats);
                if width > 0 {
                    rows_used = rows;
                    widest = widest.max(width);
                }
            }
            (None, Event::End(e)) if e.name().as_ref() == "table:table" => {
                spanned = spanned.saturating_add(rows_used.saturating_mul(widest));
                if spanned > MAX_CELLS {
                    return Err(too_many(spanned, "content.xml"));
                }
            }
            (None, Event::Eof) => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(())
}

fn repeats(element: Option<&BytesStart<'_>>, attribute: &str) -> Result<u64, TextError> {
    let Some(value) = element.and_then(|e| e.try_get_attribute(attribute).ok().flatten()) else {
        return Ok(1);
    };
    value
        .value
        .trim()
        .parse::<u64>()
        .map_err(|_| TextError::Corrupt(format!("content.xml: {attribute} is not a count")))
}

fn too_many(spanned: u64, at: &str) -> TextError {
    TextError::TooLarge(format!(
        "the sheets span {spanned} cells by {at}; at most {MAX_CELLS} are read"
    ))
}

#[cfg(test)]
mod tests;
