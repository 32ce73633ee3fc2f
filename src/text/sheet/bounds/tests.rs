//! Tests of the pre-read bounds checks on crafted XLS streams, XLSX sheets and ODS tables.

use super::*;

fn record(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut out = typ.to_le_bytes().to_vec();
    out.extend_from_slice(&(data.len() as u16).to_le_bytes());
    out.extend_from_slice(data);
    out
}

fn number(row: u16, col: u16) -> Vec<u8> {
    let mut data = row.to_le_bytes().to_vec();
    data.extend_from_slice(&col.to_le_bytes());
    data.extend_from_slice(&[0; 10]);
    record(0x0203, &data)
}

/// A workbook stream: globals naming one sheet, then the sheet with `body` records.
fn workbook(body: &[Vec<u8>]) -> Vec<u8> {
    let bof = record(BOF, &[0; 16]);
    let mut globals = bof.clone();
    let sheet_at = globals.len() + 4 + 8 + record(EOF, &[]).len();
    globals.extend(record(
        BOUNDSHEET,
        &[&(sheet_at as u32).to_le_bytes()[..], &[0; 4]].concat(),
    ));
    globals.extend(record(EOF, &[]));
    globals.extend(bof);
    for r in body {
        globals.extend_from_slice(r);
    }
    globals.extend(record(EOF, &[]));
    globals
}

fn dimensions(rows: (u32, u32), cols: (u16, u16)) -> Vec<u8> {
    let mut data = rows.0.to_le_bytes().to_vec();
    data.extend_from_slice(&rows.1.to_le_bytes());
    data.extend_from_slice(&cols.0.to_le_bytes());
    data.extend_from_slice(&cols.1.to_le_bytes());
    data.extend_from_slice(&[0, 0]);
    record(DIMENSIONS, &data)
}

#[test]
fn xls_sheets_are_measured_by_their_cells_and_their_dimensions() {
    let cases: Vec<(&str, Vec<Vec<u8>>, bool)> = vec![
        (
            "a small table",
            vec![dimensions((0, 30), (0, 8)), number(29, 7)],
            true,
        ),
        (
            "two far cells",
            vec![number(0, 0), number(65535, 255)],
            false,
        ),
        ("a far column", vec![number(0, 0), number(40, 60000)], false),
        (
            "declared huge",
            vec![dimensions((0, 4_000_000), (0, 200))],
            false,
        ),
        (
            "declared backwards",
            vec![dimensions((500, 20), (0, 8))],
            false,
        ),
    ];
    for (what, body, fits) in cases {
        let result = check_xls(&workbook(&body));
        assert_eq!(result.is_ok(), fits, "{what}: {result:?}");
    }
    let mut encrypted = workbook(&[number(0, 0)]);
    encrypted.splice(20..20, record(FILEPASS, &[1, 0, 0, 0]));
    assert!(matches!(
        check_xls(&encrypted),
        Err(TextError::Encrypted(_))
    ));
}

/// A workbook stream whose globals name `sheets` sheets, all starting at the one sheet that
/// follows them: `filler` records of no cells, then EOF.
fn sheets_at_one_offset(sheets: usize, filler: usize) -> Vec<u8> {
    let bof = record(BOF, &[0; 16]);
    let sheet_at = bof.len() + sheets * record(BOUNDSHEET, &[0; 8]).len() + 4;
    let mut stream = bof.clone();
    for _ in 0..sheets {
        stream.extend(record(
            BOUNDSHEET,
            &[&(sheet_at as u32).to_le_bytes()[..], &[0; 4]].concat(),
        ));
    }
    stream.extend(record(EOF, &[]));
    stream.extend(bof);
    for _ in 0..filler {
        stream.extend(record(0x0001, &[0; 96]));
    }
    stream.extend(record(EOF, &[]));
    stream
}

#[test]
fn sheets_that_overlap_are_an_error_not_a_stream_read_once_per_sheet() {
    assert!(check_xls(&sheets_at_one_offset(1, 2000)).is_ok());
    assert!(check_xls(&sheets_at_one_offset(2, 2000)).is_ok());
    let mut past_end = sheets_at_one_offset(1, 0);
    past_end[24..28].copy_from_slice(&u32::MAX.to_le_bytes());
    let error = check_xls(&past_end).expect_err("a sheet past the stream");
    assert!(error.to_string().contains("past the"), "{error}");
    // A thousand names for one 200 KB sheet would be 200 MB read twice over.
    let error =
        check_xls(&sheets_at_one_offset(1000, 2000)).expect_err("a thousand sheets at one offset");
    assert!(
        matches!(&error, TextError::Corrupt(m) if m.contains("overlaps other sheets")),
        "{error}"
    );
}

#[test]
fn ods_repeats_count_only_up_to_the_last_value() {
    let table = |rows: &str| {
        format!("<office:body><table:table table:name=\"a\">{rows}</table:table></office:body>")
    };
    let valued = "<table:table-cell office:value-type=\"float\" office:value=\"1\"/>";
    let ordinary = table(&format!(
        "<table:table-row>{valued}{valued}<table:table-cell table:number-columns-repeated=\"16382\"/></table:table-row>\
         <table:table-row table:number-rows-repeated=\"1048575\"><table:table-cell table:number-columns-repeated=\"16384\"/></table:table-row>"
    ));
    assert!(check_ods_content(ordinary.as_bytes()).is_ok());
    let bomb = table(
        "<table:table-row table:number-rows-repeated=\"100000\"><table:table-cell table:number-columns-repeated=\"1000\" office:value-type=\"float\" office:value=\"1\"/></table:table-row>",
    );
    assert!(matches!(
        check_ods_content(bomb.as_bytes()),
        Err(TextError::TooLarge(_))
    ));
}

#[test]
fn a_shared_string_count_must_fit_its_bytes() {
    let sst = |count: &str| {
        format!("<sst count=\"{count}\" uniqueCount=\"{count}\"><si><t>a</t></si></sst>")
    };
    assert!(check_xlsx_part("xl/sharedStrings.xml", sst("1").as_bytes()).is_ok());
    let error = check_xlsx_part("xl/sharedStrings.xml", sst("900000000000").as_bytes())
        .expect_err("a count its bytes cannot hold");
    assert!(
        error.to_string().contains("xl/sharedStrings.xml"),
        "{error}"
    );
    // calamine reserves the count wherever the `sst` tag stands: a comment or a long
    // attribute before it must not hide it from the check.
    let pad = "x".repeat(5000);
    for hidden in [
        format!(
            "<?xml version=\"1.0\"?><!--{pad}--><sst uniqueCount=\"900000000000\"><si><t>a</t></si></sst>"
        ),
        format!("<sst xmlns:pad=\"{pad}\" uniqueCount=\"900000000000\"><si><t>a</t></si></sst>"),
    ] {
        assert!(
            check_xlsx_part("xl/sharedStrings.xml", hidden.as_bytes()).is_err(),
            "{:.60}",
            &hidden[..60]
        );
    }
    let padded_but_fits = format!("<!--{pad}--><sst uniqueCount=\"1\"><si><t>a</t></si></sst>");
    assert!(check_xlsx_part("xl/sharedStrings.xml", padded_but_fits.as_bytes()).is_ok());
}
