//! Spreadsheets made in the tests, from one model (`Sheet`): an XLSX zipped by hand (shared
//! strings, merged cells, a date style, a hidden sheet), an XLS as BIFF8 records in an OLE2
//! container (the `cfb` crate writes the container; the records are written here: strings as
//! LABEL records, so no shared-string table and no CONTINUE records), an ODS.

use std::io::Write;

/// One worksheet: its rows of cells and the areas merged.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    pub name: String,
    /// A cell is text, a number (`"12"`, `"3.5"`: written as a number) or empty (`""`);
    /// `"date:45306"` is the number 45306 with a date format; `"percent:0.125"` 0.125 shown as
    /// `12.5%` and `"thousands:1234"` 1234 shown as `1,234` (number formats of the XLSX only:
    /// the XLS and ODS written here keep none).
    pub rows: Vec<Vec<String>>,
    /// Merged areas: (first row, first column, last row, last column), 0-based.
    pub merges: Vec<(u32, u32, u32, u32)>,
    pub hidden: bool,
}

impl Sheet {
    pub fn new(name: &str, rows: Vec<Vec<String>>) -> Sheet {
        Sheet {
            name: name.into(),
            rows,
            ..Sheet::default()
        }
    }
}

enum Value<'a> {
    Empty,
    Text(&'a str),
    Number(f64),
    Date(f64),
    /// A number with the XLSX cell style of this index (`styles.xml` below).
    Formatted(f64, u32),
}

fn value(cell: &str) -> Value<'_> {
    if cell.is_empty() {
        return Value::Empty;
    }
    if let Some(serial) = cell.strip_prefix("date:") {
        return Value::Date(serial.parse().expect("a date serial"));
    }
    for (prefix, style) in [("percent:", 2), ("thousands:", 3)] {
        if let Some(n) = cell.strip_prefix(prefix) {
            return Value::Formatted(n.parse().expect("a number"), style);
        }
    }
    match cell.parse::<f64>() {
        Ok(n) if !cell.starts_with('+') && !cell.contains(['e', 'E', 'n', 'N']) => Value::Number(n),
        _ => Value::Text(cell),
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `A1`-style column letters of a 0-based column.
fn column_name(mut col: u32) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII")
}

/// A zip of `(name, bytes, stored)` entries: stored ones uncompressed, the rest deflated.
fn zip_of(entries: &[(&str, Vec<u8>, bool)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes, stored) in entries {
        let method = if *stored {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        writer.start_file(*name, options).expect("zip entry starts");
        writer.write_all(bytes).expect("zip entry written");
    }
    writer.finish().expect("zip finishes").into_inner()
}

/// The parts of an XLSX, before they are zipped (a test may change one).
pub fn xlsx_parts(sheets: &[Sheet]) -> Vec<(String, Vec<u8>)> {
    let mut strings: Vec<String> = Vec::new();
    let mut parts = Vec::new();
    let mut listed = String::new();
    let mut rels = String::new();
    for (i, sheet) in sheets.iter().enumerate() {
        let n = i + 1;
        let state = if sheet.hidden {
            " state=\"hidden\""
        } else {
            ""
        };
        listed.push_str(&format!(
            "<sheet name=\"{}\" sheetId=\"{n}\"{state} r:id=\"rId{n}\"/>",
            xml_escape(&sheet.name)
        ));
        rels.push_str(&format!(
            "<Relationship Id=\"rId{n}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet{n}.xml\"/>"
        ));
        let mut data = String::new();
        for (r, row) in sheet.rows.iter().enumerate() {
            data.push_str(&format!("<row r=\"{}\">", r + 1));
            for (c, cell) in row.iter().enumerate() {
                let at = format!("{}{}", column_name(c as u32), r + 1);
                match value(cell) {
                    Value::Empty => data.push_str(&format!("<c r=\"{at}\" s=\"0\"/>")),
                    Value::Number(v) => data.push_str(&format!("<c r=\"{at}\"><v>{v}</v></c>")),
                    Value::Formatted(v, style) => {
                        data.push_str(&format!("<c r=\"{at}\" s=\"{style}\"><v>{v}</v></c>"))
                    }
                    Value::Date(v) => {
                        data.push_str(&format!("<c r=\"{at}\" s=\"1\"><v>{v}</v></c>"))
                    }
                    Value::Text(t) => {
                        let index = strings.iter().position(|s| s == t).unwrap_or_else(|| {
                            strings.push(t.to_string());
                            strings.len() - 1
                        });
                        data.push_str(&format!("<c r=\"{at}\" t=\"s\"><v>{index}</v></c>"));
                    }
                }
            }
            data.push_str("</row>");
        }
        let mut merges = String::new();
        if !sheet.merges.is_empty() {
            merges.push_str(&format!("<mergeCells count=\"{}\">", sheet.merges.len()));
            for (r0, c0, r1, c1) in &sheet.merges {
                merges.push_str(&format!(
                    "<mergeCell ref=\"{}{}:{}{}\"/>",
                    column_name(*c0),
                    r0 + 1,
                    column_name(*c1),
                    r1 + 1
                ));
            }
            merges.push_str("</mergeCells>");
        }
        parts.push((
            format!("xl/worksheets/sheet{n}.xml"),
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>{data}</sheetData>{merges}</worksheet>"
            )
            .into_bytes(),
        ));
    }
    let n = sheets.len();
    rels.push_str(&format!(
        "<Relationship Id=\"rId{}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" Target=\"sharedStrings.xml\"/>\
         <Relationship Id=\"rId{}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>",
        n + 1,
        n + 2
    ));
    let sst: String = strings
        .iter()
        .map(|s| format!("<si><t xml:space=\"preserve\">{}</t></si>", xml_escape(s)))
        .collect();
    let mut all = vec![
        (
            "[Content_Types].xml".to_string(),
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/></Types>".to_vec(),
        ),
        (
            "_rels/.rels".to_string(),
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>".to_vec(),
        ),
        (
            "xl/workbook.xml".to_string(),
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>{listed}</sheets></workbook>").into_bytes(),
        ),
        (
            "xl/_rels/workbook.xml.rels".to_string(),
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">{rels}</Relationships>").into_bytes(),
        ),
        (
            "xl/sharedStrings.xml".to_string(),
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"{0}\" uniqueCount=\"{0}\">{sst}</sst>", strings.len()).into_bytes(),
        ),
        (
            "xl/styles.xml".to_string(),
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><numFmts count=\"1\"><numFmt numFmtId=\"164\" formatCode=\"0.0%\"/></numFmts><cellXfs count=\"4\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\" applyNumberFormat=\"1\"/><xf numFmtId=\"164\" applyNumberFormat=\"1\"/><xf numFmtId=\"3\" applyNumberFormat=\"1\"/></cellXfs></styleSheet>".to_vec(),
        ),
    ];
    all.extend(parts);
    all
}

/// Zips XLSX parts (deflated).
pub fn zip_parts(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let entries: Vec<(&str, Vec<u8>, bool)> = parts
        .iter()
        .map(|(n, b)| (n.as_str(), b.clone(), false))
        .collect();
    zip_of(&entries)
}

pub fn xlsx(sheets: &[Sheet]) -> Vec<u8> {
    zip_parts(&xlsx_parts(sheets))
}

fn record(typ: u16, data: &[u8]) -> Vec<u8> {
    assert!(
        data.len() <= 8224,
        "a BIFF8 record holds at most 8224 bytes"
    );
    let mut out = typ.to_le_bytes().to_vec();
    out.extend_from_slice(&(data.len() as u16).to_le_bytes());
    out.extend_from_slice(data);
    out
}

/// A BIFF8 XLUnicodeString: length, then UTF-16LE (`fHighByte`).
fn unicode(text: &str, short: bool) -> Vec<u8> {
    let units: Vec<u16> = text.encode_utf16().collect();
    let mut out = if short {
        vec![units.len() as u8]
    } else {
        (units.len() as u16).to_le_bytes().to_vec()
    };
    out.push(1);
    out.extend(units.iter().flat_map(|u| u.to_le_bytes()));
    out
}

fn bof(kind: u16) -> Vec<u8> {
    let mut data = 0x0600u16.to_le_bytes().to_vec();
    data.extend_from_slice(&kind.to_le_bytes());
    data.extend_from_slice(&[0x0D, 0x0C, 0xCD, 0x07]); // build, year
    data.extend_from_slice(&[0; 8]);
    record(0x0809, &data)
}

/// The BIFF8 `Workbook` stream of `sheets`; `password` puts a FILEPASS record in its globals.
pub fn biff8_workbook(sheets: &[Sheet], password: bool) -> Vec<u8> {
    let eof = record(0x000A, &[]);
    let mut globals = bof(0x0005);
    if password {
        // RC4 encryption header (MS-XLS 2.4.117): wEncryptionType 1, then its header.
        globals.extend(record(0x002F, &[1, 0, 1, 0, 1, 0]));
    }
    globals.extend(record(0x0042, &1200u16.to_le_bytes())); // CODEPAGE: UTF-16
    // XF 0..15 plain (style and cell XFs as writers emit them), XF 16 a date (format 14).
    for i in 0..17u16 {
        let mut xf = vec![0u8; 20];
        if i == 16 {
            xf[2..4].copy_from_slice(&14u16.to_le_bytes());
        }
        globals.extend(record(0x00E0, &xf));
    }
    let mut boundsheets = Vec::new();
    for sheet in sheets {
        let mut data = vec![0u8; 4];
        data.push(u8::from(sheet.hidden));
        data.push(0); // a worksheet
        data.extend(unicode(&sheet.name, true));
        boundsheets.push(data);
    }
    let globals_len =
        globals.len() + boundsheets.iter().map(|b| 4 + b.len()).sum::<usize>() + eof.len();
    let mut substreams = Vec::new();
    let mut at = globals_len;
    for (sheet, data) in sheets.iter().zip(boundsheets.iter_mut()) {
        data[..4].copy_from_slice(&(at as u32).to_le_bytes());
        let stream = biff8_sheet(sheet);
        at += stream.len();
        substreams.push(stream);
    }
    for data in &boundsheets {
        globals.extend(record(0x0085, data));
    }
    globals.extend(eof);
    for s in substreams {
        globals.extend(s);
    }
    globals
}

fn biff8_sheet(sheet: &Sheet) -> Vec<u8> {
    let mut out = bof(0x0010);
    let rows = sheet.rows.len() as u32;
    let cols = sheet.rows.iter().map(Vec::len).max().unwrap_or(0) as u16;
    let mut dims = 0u32.to_le_bytes().to_vec();
    dims.extend_from_slice(&rows.to_le_bytes());
    dims.extend_from_slice(&0u16.to_le_bytes());
    dims.extend_from_slice(&cols.to_le_bytes());
    dims.extend_from_slice(&[0, 0]);
    out.extend(record(0x0200, &dims));
    for (r, row) in sheet.rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let mut head = (r as u16).to_le_bytes().to_vec();
            head.extend_from_slice(&(c as u16).to_le_bytes());
            match value(cell) {
                Value::Empty => {
                    head.extend_from_slice(&15u16.to_le_bytes());
                    out.extend(record(0x0201, &head)); // BLANK
                }
                Value::Number(v) | Value::Formatted(v, _) => {
                    head.extend_from_slice(&15u16.to_le_bytes());
                    head.extend_from_slice(&v.to_le_bytes());
                    out.extend(record(0x0203, &head));
                }
                Value::Date(v) => {
                    head.extend_from_slice(&16u16.to_le_bytes());
                    head.extend_from_slice(&v.to_le_bytes());
                    out.extend(record(0x0203, &head));
                }
                Value::Text(t) => {
                    head.extend_from_slice(&15u16.to_le_bytes());
                    head.extend(unicode(t, false));
                    out.extend(record(0x0204, &head));
                }
            }
        }
    }
    if !sheet.merges.is_empty() {
        let mut data = (sheet.merges.len() as u16).to_le_bytes().to_vec();
        for (r0, c0, r1, c1) in &sheet.merges {
            for v in [r0, r1, c0, c1] {
                data.extend_from_slice(&(*v as u16).to_le_bytes());
            }
        }
        out.extend(record(0x00E5, &data));
    }
    out.extend(record(0x000A, &[]));
    out
}

/// An OLE2 compound file holding `stream` under `name` (`/Workbook`, `/Book` …), in version 3
/// (512-byte sectors), as Excel and Kingsoft write them.
pub fn ole2_with(name: &str, stream: &[u8]) -> Vec<u8> {
    let mut file =
        cfb::CompoundFile::create_with_version(cfb::Version::V3, std::io::Cursor::new(Vec::new()))
            .expect("compound file");
    let mut s = file.create_stream(name).expect("stream created");
    s.write_all(stream).expect("stream written");
    drop(s);
    file.flush().expect("compound file flushed");
    file.into_inner().into_inner()
}

pub fn xls(sheets: &[Sheet]) -> Vec<u8> {
    ole2_with("/Workbook", &biff8_workbook(sheets, false))
}

/// An ODS: the `mimetype` entry first and stored, as the format asks, then `content.xml`.
pub fn ods_with_content(content: &str) -> Vec<u8> {
    zip_of(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet".to_vec(),
            true,
        ),
        (
            "META-INF/manifest.xml",
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.2\"><manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"application/vnd.oasis.opendocument.spreadsheet\"/><manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/></manifest:manifest>".to_vec(),
            false,
        ),
        ("content.xml", content.as_bytes().to_vec(), false),
    ])
}

/// The `content.xml` of an ODS holding `sheets` (merged cells as spans over covered cells).
pub fn ods_content(sheets: &[Sheet]) -> String {
    let mut tables = String::new();
    for sheet in sheets {
        tables.push_str(&format!(
            "<table:table table:name=\"{}\">",
            xml_escape(&sheet.name)
        ));
        for (r, row) in sheet.rows.iter().enumerate() {
            tables.push_str("<table:table-row>");
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u32);
                let covered = sheet.merges.iter().any(|&(r0, c0, r1, c1)| {
                    (r0..=r1).contains(&r) && (c0..=c1).contains(&c) && (r, c) != (r0, c0)
                });
                let span = sheet
                    .merges
                    .iter()
                    .find(|&&(r0, c0, _, _)| (r0, c0) == (r, c))
                    .map(|&(r0, c0, r1, c1)| {
                        format!(
                            " table:number-rows-spanned=\"{}\" table:number-columns-spanned=\"{}\"",
                            r1 - r0 + 1,
                            c1 - c0 + 1
                        )
                    })
                    .unwrap_or_default();
                let element = if covered {
                    "table:covered-table-cell"
                } else {
                    "table:table-cell"
                };
                match value(cell) {
                    Value::Empty => tables.push_str(&format!("<{element}{span}/>")),
                    Value::Number(v) | Value::Date(v) | Value::Formatted(v, _) => tables.push_str(&format!(
                        "<{element}{span} office:value-type=\"float\" office:value=\"{v}\"><text:p>{v}</text:p></{element}>"
                    )),
                    Value::Text(t) => tables.push_str(&format!(
                        "<{element}{span} office:value-type=\"string\"><text:p>{}</text:p></{element}>",
                        xml_escape(t)
                    )),
                }
            }
            tables.push_str("</table:table-row>");
        }
        tables.push_str("</table:table>");
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" office:version=\"1.2\"><office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"
    )
}

pub fn ods(sheets: &[Sheet]) -> Vec<u8> {
    ods_with_content(&ods_content(sheets))
}
