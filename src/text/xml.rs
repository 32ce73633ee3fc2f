//! Text from the XML of word-processing documents: DOCX's `word/document.xml`, Word 2003 XML
//! (`<w:wordDocument>`, which WPS writes under `.doc`), flat OPC XML, and OFD page content
//! (`TextCode`). Elements are matched by local name, so every namespace prefix reads alike.

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::events::{BytesRef, Event};

use super::{Extracted, TextError, push_capped};

/// Bytes of the head searched for a Word XML root.
const SNIFF_BYTES: usize = 4096;

/// Whether `body` is a Word 2003 XML or flat OPC Word document.
pub(crate) fn looks_like_word_xml(body: &[u8]) -> bool {
    let head = &body[..body.len().min(SNIFF_BYTES)];
    let text = decode_xml(head);
    let t = text.trim_start_matches('\u{feff}').trim_start();
    t.starts_with('<')
        && (t.contains("<w:wordDocument")
            || (t.contains("<pkg:package") && t.contains("progid=\"Word.Document\"")))
}

/// The text of a Word 2003 XML or flat OPC file.
pub(crate) fn word_xml_file(body: &[u8]) -> Result<Extracted, TextError> {
    word_text(&decode_xml(body))
}

/// Decodes an XML file by its BOM, else its declared encoding (GB2312 in the wild), else UTF-8
/// (also for a declared UTF-16 without a BOM, which the bytes cannot be in).
pub(crate) fn decode_xml(bytes: &[u8]) -> Cow<'_, str> {
    if let Some((encoding, _)) = encoding_rs::Encoding::for_bom(bytes) {
        return encoding.decode_with_bom_removal(bytes).0;
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]);
    let declared = head
        .find("encoding=")
        .and_then(|at| {
            let rest = &head[at + 9..];
            let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
            let rest = &rest[1..];
            rest.find(quote).map(|end| rest[..end].to_string())
        })
        .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()))
        // A declaration read in an ASCII-compatible head cannot truly say UTF-16 (that file
        // would have a BOM or NULs between the letters), and "replacement" would read the whole
        // file as one U+FFFD: both read as UTF-8, as browsers do (WHATWG's output encoding).
        .map(encoding_rs::Encoding::output_encoding);
    match declared {
        Some(encoding) if encoding != encoding_rs::UTF_8 => {
            encoding.decode_without_bom_handling(bytes).0
        }
        _ => String::from_utf8_lossy(bytes),
    }
}

/// The text of WordprocessingML: runs' `t`, tabs, breaks; a paragraph or table row ends a line,
/// a cell ends with a tab. Deleted text (`delText`) and field codes (`instrText`) are left out.
pub(crate) fn word_text(xml: &str) -> Result<Extracted, TextError> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = false;
    let mut out = String::new();
    let mut in_text = 0usize;
    let mut in_cell = 0usize;
    // A cell's second paragraph follows its first after a space, on the row's line.
    let mut cell_paragraph = false;
    loop {
        let piece: Cow<'_, str> = match reader.read_event() {
            Err(e) => {
                return Err(TextError::Corrupt(format!(
                    "XML error at byte {}: {e}",
                    reader.buffer_position()
                )));
            }
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) => {
                match e.local_name().as_ref() {
                    "t" => in_text += 1,
                    "tc" => in_cell += 1,
                    _ => {}
                }
                continue;
            }
            Ok(Event::End(e)) => match e.local_name().as_ref() {
                "t" => {
                    in_text = in_text.saturating_sub(1);
                    continue;
                }
                "p" if in_cell > 0 => {
                    cell_paragraph = true;
                    continue;
                }
                "p" | "tr" => "\n".into(),
                "tc" => {
                    in_cell = in_cell.saturating_sub(1);
                    cell_paragraph = false;
                    "\t".into()
                }
                _ => continue,
            },
            Ok(Event::Empty(e)) => match e.local_name().as_ref() {
                "tab" => "\t".into(),
                "br" | "cr" => "\n".into(),
                _ => continue,
            },
            Ok(Event::Text(t)) if in_text > 0 => Cow::Owned(t.xml10_content().into_owned()),
            Ok(Event::CData(t)) if in_text > 0 => Cow::Owned(t.xml10_content().into_owned()),
            Ok(Event::GeneralRef(r)) if in_text > 0 => Cow::Owned(resolve(&r)),
            Ok(_) => continue,
        };
        if std::mem::take(&mut cell_paragraph) && !push_capped(&mut out, " ") {
            return Ok(Extracted {
                text: out,
                truncated: true,
            });
        }
        if !push_capped(&mut out, &piece) {
            return Ok(Extracted {
                text: out,
                truncated: true,
            });
        }
    }
    Ok(Extracted {
        text: out,
        truncated: false,
    })
}

/// The text of one OFD page's `Content.xml`: each `TextCode`'s text; a code placed lower or
/// higher than the previous one starts a new line.
pub(crate) fn ofd_page_text(xml: &str, out: &mut String) -> Result<bool, TextError> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = false;
    let mut in_code = false;
    let mut object_y = 0.0f64;
    let mut last_y: Option<f64> = None;
    loop {
        let piece: Cow<'_, str> = match reader.read_event() {
            Err(e) => {
                return Err(TextError::Corrupt(format!(
                    "OFD page XML error at byte {}: {e}",
                    reader.buffer_position()
                )));
            }
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) => {
                match e.local_name().as_ref() {
                    "TextObject" => {
                        object_y = attribute(&e, "Boundary")
                            .and_then(|b| b.split_whitespace().nth(1).and_then(|y| y.parse().ok()))
                            .unwrap_or(0.0);
                    }
                    "TextCode" => {
                        in_code = true;
                        let y = object_y
                            + attribute(&e, "Y")
                                .and_then(|y| y.parse::<f64>().ok())
                                .unwrap_or(0.0);
                        let new_line = last_y.is_some_and(|last| (last - y).abs() > 0.5);
                        last_y = Some(y);
                        if new_line && !push_capped(out, "\n") {
                            return Ok(false);
                        }
                    }
                    _ => {}
                }
                continue;
            }
            Ok(Event::End(e)) => {
                if e.local_name().as_ref() == "TextCode" {
                    in_code = false;
                }
                continue;
            }
            Ok(Event::Text(t)) if in_code => Cow::Owned(t.xml10_content().into_owned()),
            Ok(Event::CData(t)) if in_code => Cow::Owned(t.xml10_content().into_owned()),
            Ok(Event::GeneralRef(r)) if in_code => Cow::Owned(resolve(&r)),
            Ok(_) => continue,
        };
        if !push_capped(out, &piece) {
            return Ok(false);
        }
    }
    Ok(push_capped(out, "\n"))
}

fn attribute(e: &quick_xml::events::BytesStart<'_>, name: &str) -> Option<String> {
    e.try_get_attribute(name).ok().flatten().and_then(|a| {
        a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .ok()
            .map(|v| v.into_owned())
    })
}

/// An entity or character reference as text (unknown entities are kept as written).
fn resolve(r: &BytesRef<'_>) -> String {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return c.to_string();
    }
    let name = r.xml10_content();
    match name.as_ref() {
        "lt" => "<".into(),
        "gt" => ">".into(),
        "amp" => "&".into(),
        "quot" => "\"".into(),
        "apos" => "'".into(),
        other => format!("&{other};"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wordprocessingml_paragraphs_tables_and_entities() {
        let xml = r#"<?xml version="1.0"?><w:document xmlns:w="x"><w:body>
            <w:p><w:r><w:t>一、总体</w:t></w:r><w:r><w:t xml:space="preserve">情况 &amp; A&#x4E00;</w:t></w:r></w:p>
            <w:p><w:r><w:instrText>PAGE</w:instrText><w:delText>删</w:delText><w:tab/><w:t>二</w:t><w:br/><w:t>三</w:t></w:r></w:p>
            <w:tbl><w:tr><w:tc><w:p><w:r><w:t>甲</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>1</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
            </w:body></w:document>"#;
        let text = word_text(xml).expect("reads").text;
        assert_eq!(text, "一、总体情况 & A一\n\t二\n三\n甲\t1\t\n");
    }

    #[test]
    fn a_gb2312_word_2003_file_is_decoded_by_its_declaration() {
        let xml = "<?xml version=\"1.0\" encoding=\"GB2312\"?>\n<w:wordDocument xmlns:w=\"http://schemas.microsoft.com/office/word/2003/wordml\"><w:body><w:p><w:r><w:t>主动公开政府信息情况</w:t></w:r></w:p></w:body></w:wordDocument>";
        let (bytes, _, _) = encoding_rs::GBK.encode(xml);
        assert!(looks_like_word_xml(&bytes));
        assert_eq!(
            word_xml_file(&bytes).expect("reads").text,
            "主动公开政府信息情况\n"
        );
        assert!(!looks_like_word_xml(
            b"<html><body>w:wordDocument</body></html>"
        ));
    }

    #[test]
    fn broken_xml_is_an_error_not_a_panic() {
        assert!(matches!(
            word_text("<w:p><w:t>a</w:t><w:t attr=\"x></w:p>"),
            Err(TextError::Corrupt(_))
        ));
    }

    /// A declaration the bytes cannot be in (UTF-16 read in an ASCII-compatible head; a label
    /// WHATWG maps to "replacement") is no reason to read the document as garbage or as one
    /// U+FFFD: such a file reads as UTF-8, as browsers read it.
    #[test]
    fn an_impossible_declared_encoding_reads_as_utf8() {
        for label in [
            "UTF-16",
            "utf-16be",
            "UTF-16LE",
            "ISO-2022-KR",
            "hz-gb-2312",
        ] {
            let xml = format!(
                "<?xml version=\"1.0\" encoding=\"{label}\"?><w:document xmlns:w=\"x\"><w:body><w:p><w:r><w:t>总体情况</w:t></w:r></w:p></w:body></w:document>"
            );
            let text = word_text(&decode_xml(xml.as_bytes())).expect("reads").text;
            assert_eq!(text, "总体情况\n", "{label}");
        }
    }
}
