//! Spreadsheets (XLSX; XLS and Kingsoft ET, BIFF8 in OLE2; ODS): the text of every visible
//! worksheet, in workbook order, each as its name on a line of its own and then its rows, one
//! line a row, a tab after each cell (as DOC and DOCX tables come out: a line with a tab is a
//! table row, and the tables reader reads a sheet's rows as a grid). Read with calamine, handed only what `bounds` passed: a zip whose entries inflate within
//! the zip bounds, sheets that span at most `bounds::MAX_CELLS`.
//!
//! A merged cell's value is in its first cell and the cells it covers print empty, as in a DOCX
//! table's text; empty rows are dropped, and so are the empty columns left of a sheet's first
//! value and the empty cells after a row's last. Numbers print as a spreadsheet shows them
//! unformatted: whole numbers without a fraction (`12`, never `12.0` or `1.2e1`), others with
//! at most ten decimals; dates as `2024-01-31` (with the time when it is not midnight).

mod bounds;

use std::io::Cursor;

use calamine::{Data, DataRef, Ods, Reader, SheetType, SheetVisible, Xls, Xlsx};

use super::{Extracted, TextError, push_capped};

/// The kinds of spreadsheet read, as sniffed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetFormat {
    Xlsx,
    /// BIFF8 in an OLE2 container: Excel 97-2003 and Kingsoft ET.
    Xls,
    Ods,
}

impl SheetFormat {
    pub const ALL: [SheetFormat; 3] = [SheetFormat::Xlsx, SheetFormat::Xls, SheetFormat::Ods];

    /// The record's `text_source`.
    pub fn source(self) -> &'static str {
        match self {
            SheetFormat::Xlsx => "xlsx-cells",
            SheetFormat::Xls => "xls-biff8",
            SheetFormat::Ods => "ods-cells",
        }
    }
}

/// The text of a spreadsheet.
pub(crate) fn text(body: &[u8], format: SheetFormat) -> Result<Extracted, TextError> {
    match format {
        SheetFormat::Xlsx => xlsx(body),
        SheetFormat::Xls => xls(body),
        SheetFormat::Ods => ods(body),
    }
}

fn xlsx(body: &[u8]) -> Result<Extracted, TextError> {
    super::zipped::each_entry(body, bounds::check_xlsx_part)?;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(body)).map_err(xlsx_error)?;
    let mut out = SheetText::default();
    for name in visible_sheets(book.sheets_metadata()) {
        // Number formats, to print a number as the sheet shows it (a percentage, decimals).
        let styles = book
            .worksheet_style(&name)
            .map_err(|e| sheet_error(&name, xlsx_error(e)))?;
        let mut cells = Vec::new();
        let mut reader = book
            .worksheet_cells_reader(&name)
            .map_err(|e| sheet_error(&name, xlsx_error(e)))?;
        while let Some(cell) = reader
            .next_cell()
            .map_err(|e| sheet_error(&name, xlsx_error(e)))?
        {
            let (row, col) = cell.get_position();
            let text = match cell.get_value() {
                DataRef::Float(f) => {
                    let format = styles
                        .get((row, col))
                        .and_then(|s| s.number_format.as_ref())
                        .map(|n| n.format_code.as_str());
                    formatted(*f, format)
                }
                value => ref_text(value),
            };
            if !text.is_empty() {
                cells.push((row, col, text));
            }
        }
        if !out.sheet(&name, cells) {
            break;
        }
    }
    Ok(out.finish())
}

fn xls(body: &[u8]) -> Result<Extracted, TextError> {
    bounds::check_xls(&bounds::workbook_stream(body)?)?;
    let mut book: Xls<_> = Xls::new(Cursor::new(body)).map_err(|e| match e {
        calamine::XlsError::Password => {
            TextError::Encrypted("the workbook is password-protected".into())
        }
        e => TextError::Corrupt(format!("not a readable XLS workbook: {e}")),
    })?;
    visible_sheets_text(&mut book)
}

fn ods(body: &[u8]) -> Result<Extracted, TextError> {
    super::zipped::each_entry(body, |name, xml| {
        if name == "content.xml" {
            bounds::check_ods_content(xml)?;
        }
        Ok(())
    })?;
    let mut book: Ods<_> = Ods::new(Cursor::new(body)).map_err(|e| match e {
        calamine::OdsError::Password => {
            TextError::Encrypted("the spreadsheet is password-protected".into())
        }
        e => TextError::Corrupt(format!("not a readable ODS spreadsheet: {e}")),
    })?;
    visible_sheets_text(&mut book)
}

/// The text of every visible sheet of a workbook calamine reads as a whole range (XLS, ODS).
fn visible_sheets_text<RS, R>(book: &mut R) -> Result<Extracted, TextError>
where
    RS: std::io::Read + std::io::Seek,
    R: Reader<RS>,
    R::Error: std::fmt::Display,
{
    let mut out = SheetText::default();
    for name in visible_sheets(book.sheets_metadata()) {
        let range = book
            .worksheet_range(&name)
            .map_err(|e| sheet_error(&name, TextError::Corrupt(e.to_string())))?;
        if !out.sheet(&name, range_cells(&range)) {
            break;
        }
    }
    Ok(out.finish())
}

/// The names of the worksheets a reader sees, in workbook order (hidden sheets, chart sheets
/// and macro sheets left out).
fn visible_sheets(sheets: &[calamine::Sheet]) -> Vec<String> {
    sheets
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet && s.visible == SheetVisible::Visible)
        .map(|s| s.name.clone())
        .collect()
}

fn xlsx_error(e: calamine::XlsxError) -> TextError {
    match e {
        calamine::XlsxError::Password => {
            TextError::Encrypted("the workbook is password-protected".into())
        }
        e => TextError::Corrupt(format!("not a readable XLSX workbook: {e}")),
    }
}

fn sheet_error(name: &str, e: TextError) -> TextError {
    match e {
        TextError::Corrupt(detail) => TextError::Corrupt(format!("sheet {name:?}: {detail}")),
        e => e,
    }
}

/// The cells of a range that hold something, with their absolute positions.
fn range_cells(range: &calamine::Range<Data>) -> Vec<(u32, u32, String)> {
    range
        .used_cells()
        .filter_map(|(row, col, value)| {
            let text = cell_text(value);
            let (r0, c0) = range.start().unwrap_or((0, 0));
            (!text.is_empty()).then(|| (r0 + row as u32, c0 + col as u32, text))
        })
        .collect()
}

fn ref_text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::SharedString(s) => one_line(s),
        other => cell_text(&Data::from(other.clone())),
    }
}

/// A cell's text as a reader sees it, on one line.
fn cell_text(value: &Data) -> String {
    match value {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => one_line(s),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        Data::Error(e) => e.to_string(),
        Data::DateTime(d) => match d.as_datetime() {
            Some(at) if d.is_datetime() => {
                if at.time() == chrono::NaiveTime::MIN {
                    at.format("%Y-%m-%d").to_string()
                } else {
                    at.format("%Y-%m-%d %H:%M:%S").to_string()
                }
            }
            _ => number(d.as_f64()),
        },
    }
}

/// A number without a needless fraction or exponent: `12`, `3.5`, `0.1` (not
/// `0.30000000000000004`: ten decimals at most).
fn number(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    if f.fract() == 0.0 && f.abs() < 1e15 {
        return format!("{}", f as i64);
    }
    let fixed = format!("{f:.10}");
    let trimmed = fixed.trim_end_matches('0').trim_end_matches('.');
    if trimmed == "-0" {
        "0".into()
    } else {
        trimmed.into()
    }
}

/// Most decimals a number format is taken to show.
const MAX_DECIMALS: usize = 10;

/// A number as its cell's number format (an XLSX's) shows it, so that the text holds what the
/// report printed: a percentage as `12.5%` (the cell holds 0.125), decimals as the format gives
/// them (`18651.06` for 18651.0612 under `0.00`, `13` for 12.6 under `0`). Thousands separators
/// are left out (`#,##0` shows 1,234; the text says 1234), as are currency signs and text the
/// format adds; a format with no digit placeholders (`General`, `@`) prints as `number` does.
fn formatted(f: f64, code: Option<&str>) -> String {
    let Some(code) = code else {
        return number(f);
    };
    // The positive numbers' section, without quoted text, escaped characters and brackets
    // (colours, conditions, locales).
    let mut plain = String::new();
    let (mut quoted, mut bracket, mut escaped) = (false, false, false);
    for c in code.chars() {
        match c {
            _ if escaped => escaped = false,
            '"' => quoted = !quoted,
            _ if quoted => {}
            '\\' | '_' | '*' => escaped = true,
            '[' => bracket = true,
            ']' => bracket = false,
            _ if bracket => {}
            ';' => break,
            c => plain.push(c),
        }
    }
    if !f.is_finite() || !plain.contains(['0', '#', '?']) {
        return number(f);
    }
    let percent = plain.contains('%');
    let value = if percent { f * 100.0 } else { f };
    let fraction = plain.split_once('.').map_or("", |(_, d)| d);
    let places = |digit: &dyn Fn(char) -> bool| {
        fraction
            .chars()
            .take_while(|c| matches!(c, '0' | '#' | '?' | ','))
            .filter(|c| digit(*c))
            .count()
            .min(MAX_DECIMALS)
    };
    let most = places(&|c| matches!(c, '0' | '#' | '?'));
    let least = places(&|c| c == '0');
    let mut shown = if value.is_finite() {
        format!("{value:.most$}")
    } else {
        // A hundred times `f` is past f64: so large an `f` is a whole number, and a hundred
        // times it is its digits and two zeros.
        let point = if most > 0 { "." } else { "" };
        format!("{f:.0}00{point}{}", "0".repeat(most))
    };
    if most > least {
        let keep = shown.len() - (most - least);
        while shown.len() > keep && shown.ends_with('0') {
            shown.pop();
        }
        if shown.ends_with('.') {
            shown.pop();
        }
    }
    if shown.starts_with('-') && shown[1..].chars().all(|c| c == '0' || c == '.') {
        shown.remove(0);
    }
    if percent {
        shown.push('%');
    }
    shown
}

/// Line breaks and tabs inside a cell would split its row: they read as a space.
fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.trim().chars() {
        if matches!(c, '\t' | '\r' | '\n' | '\u{0B}') {
            space = true;
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    out
}

/// The text of the sheets so far, within `MAX_TEXT_BYTES`.
#[derive(Default)]
struct SheetText {
    out: String,
    truncated: bool,
}

impl SheetText {
    /// Adds a sheet: its name, then its rows. False once the text is full.
    fn sheet(&mut self, name: &str, mut cells: Vec<(u32, u32, String)>) -> bool {
        if !self.push(&one_line(name)) || !self.push("\n") {
            return false;
        }
        cells.sort_by_key(|(row, col, _)| (*row, *col));
        let first_col = cells.iter().map(|(_, col, _)| *col).min().unwrap_or(0);
        let mut row_at = None;
        let mut col_at = first_col;
        for (row, col, text) in cells {
            if row_at != Some(row) {
                if row_at.is_some() && !self.push("\n") {
                    return false;
                }
                row_at = Some(row);
                col_at = first_col;
            }
            // Bounded by the text cap, whatever column a damaged file names.
            let gap = (col.saturating_sub(col_at) as usize).min(super::MAX_TEXT_BYTES + 1);
            if !self.push(&"\t".repeat(gap)) || !self.push(&text) || !self.push("\t") {
                return false;
            }
            col_at = col + 1;
        }
        row_at.is_none() || self.push("\n")
    }

    fn push(&mut self, piece: &str) -> bool {
        if !push_capped(&mut self.out, piece) {
            self.truncated = true;
        }
        !self.truncated
    }

    fn finish(self) -> Extracted {
        Extracted {
            text: self.out,
            truncated: self.truncated,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_as_a_sheet_shows_them() {
        let cases = [
            (1.0, "1"),
            (12.0, "12"),
            (-3.0, "-3"),
            (251000.0, "251000"),
            (1e14, "100000000000000"),
            (3.5, "3.5"),
            (0.1 + 0.2, "0.3"),
            (-0.0000000000001, "0"),
        ];
        for (value, want) in cases {
            assert_eq!(number(value), want, "{value}");
        }
    }

    /// What a cell under a number format shows: the report's figure, without separators.
    #[test]
    fn numbers_print_as_their_format_shows_them() {
        let cases = [
            (1234.0, Some("#,##0"), "1234"),
            (1234.4, Some("#,##0"), "1234"),
            (0.125, Some("0.0%"), "12.5%"),
            (0.5, Some("0%"), "50%"),
            (0.125, Some("0.00%"), "12.50%"),
            (18651.0612, Some("#,##0.00"), "18651.06"),
            (12.6, Some("0"), "13"),
            (1.5, Some("0.0#"), "1.5"),
            (1.25, Some("0.0#"), "1.25"),
            (3.0, Some("0.0#"), "3.0"),
            (-0.001, Some("0.00"), "0.00"),
            (251000.0, Some("\"¥\"#,##0;[Red]-#,##0"), "251000"),
            (3.5, Some("General"), "3.5"),
            (3.5, Some("@"), "3.5"),
            (3.5, None, "3.5"),
            (0.1, Some("0.0000000000000000000000000%"), "10.0000000000%"),
        ];
        for (value, format, want) in cases {
            assert_eq!(formatted(value, format), want, "{value} {format:?}");
        }
        // A number so large that a hundred times it is past f64: its digits and two zeros,
        // not `inf%`.
        let huge = 2f64.powi(1020);
        let digits = format!("{huge:.0}");
        assert_eq!(formatted(huge, Some("0%")), format!("{digits}00%"));
        assert_eq!(formatted(-huge, Some("0.0%")), format!("-{digits}00.0%"));
    }

    #[test]
    fn rows_are_tab_separated_from_the_first_used_column() {
        let mut text = SheetText::default();
        let cells = vec![
            (4, 3, "总计".to_string()),
            (2, 1, "自然人".to_string()),
            (2, 3, "总计".to_string()),
            (4, 1, "5".to_string()),
        ];
        assert!(text.sheet("表三", cells));
        assert!(text.sheet("空", Vec::new()));
        assert_eq!(
            text.finish().text,
            "表三\n自然人\t\t总计\t\n5\t\t总计\t\n空\n"
        );
    }

    #[test]
    fn a_cell_is_one_line() {
        assert_eq!(
            one_line(" （二）部分公开\n（区分处理的）\t "),
            "（二）部分公开 （区分处理的）"
        );
    }
}
