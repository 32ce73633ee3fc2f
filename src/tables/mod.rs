//! Tables: a report's statistics as data, downstream of the archive. Sections 二 (主动公开), 三
//! (依申请) and 四 (复议/诉讼) are read from the item page's HTML tables (`grid`: the HTML table
//! model), from a flattened cell stream (`stream`: `cell |` lines, as text extracted from a
//! report shows them) or from a spreadsheet's rows as a grid (`sheet`), with labels normalised
//! against drift (`label`), keyed (`sections`), checked (`checks`);
//! headline figures come from the text (`figures`). `nianbao tables` runs it over the store.
//! Pure: a parsed page or a text in, values out.

pub mod checks;
pub mod figures;
pub mod grid;
mod headings;
pub mod label;
mod sections;
mod sheet;
mod stream;

use scraper::{ElementRef, Html, Node};
use serde::Serialize;

pub use checks::{Check, LastYear, Status};
pub use figures::Figure;
pub use label::{CellState, normalise, read_value};
use sections::{Block, Slot};
use stream::{LineForms, stream_blocks};

/// A statistics section of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Section {
    /// 二、主动公开政府信息情况
    Proactive,
    /// 三、收到和处理政府信息公开申请情况
    Applications,
    /// 四、政府信息公开行政复议、行政诉讼情况
    Reviews,
}

impl Section {
    pub fn number(self) -> u8 {
        match self {
            Section::Proactive => 2,
            Section::Applications => 3,
            Section::Reviews => 4,
        }
    }
}

/// The layout a report follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Template {
    /// 国办公开办函〔2021〕30号: reports for 2021 on.
    #[serde(rename = "2021")]
    T2021,
    /// 国办公开办函〔2019〕60号: reports for 2019 and 2020.
    #[serde(rename = "2019")]
    T2019,
    /// No statistics tables: free text.
    #[serde(rename = "free")]
    Free,
    /// The tables are in a PDF/DOC attachment, not on the page.
    #[serde(rename = "attachment_only")]
    AttachmentOnly,
    /// Tables that could not be placed in either template, or a page that could not be read.
    #[serde(rename = "unknown")]
    Unknown,
}

impl Template {
    pub fn name(self) -> &'static str {
        match self {
            Template::T2021 => "2021",
            Template::T2019 => "2019",
            Template::Free => "free",
            Template::AttachmentOnly => "attachment_only",
            Template::Unknown => "unknown",
        }
    }
}

/// One table cell with its stable keys.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    /// 2, 3 or 4.
    pub table: u8,
    #[serde(skip)]
    pub section: Section,
    pub row_key: String,
    pub col_key: String,
    pub row_label: String,
    pub col_label: String,
    /// The cell's text as written.
    pub raw: String,
    /// The number, for states `number` and `zero` (whole numbers print without a fraction).
    #[serde(serialize_with = "whole_if_integral")]
    pub value: Option<f64>,
    pub state: CellState,
}

impl Cell {
    fn new(
        section: Section,
        row_key: &str,
        col_key: &str,
        row_label: &str,
        col_label: &str,
        raw: &str,
    ) -> Cell {
        let value = read_value(raw);
        Cell {
            table: section.number(),
            section,
            row_key: row_key.to_string(),
            col_key: col_key.to_string(),
            row_label: row_label.to_string(),
            col_label: col_label.to_string(),
            raw: raw.to_string(),
            value: value.number,
            state: value.state,
        }
    }
}

pub(crate) fn whole_if_integral<S: serde::Serializer>(
    value: &Option<f64>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) if v.fract() == 0.0 && v.abs() < 9.0e15 => s.serialize_i64(*v as i64),
        Some(v) => s.serialize_f64(*v),
        None => s.serialize_none(),
    }
}

/// What one report's statistics read as.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tables {
    pub template: Template,
    pub cells: Vec<Cell>,
    pub figures: Vec<Figure>,
    /// The checks on this report alone (cross-year checks are added by the caller).
    pub checks: Vec<Check>,
    /// Rows of a recognised table that were not read, each with the reason (values that no
    /// header places: a number in the wrong column is worse than none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unread: Vec<String>,
    /// Where the tables were read when not from the page: the document file whose derived text
    /// holds them (a report published as a PDF or DOC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_from: Option<ReadFrom>,
}

/// The document file a report's tables were read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadFrom {
    /// The file's URL (the attachment's, or the version's own for a document listed directly).
    pub url: String,
    /// Its derived text, relative to data_dir.
    pub text_path: String,
    /// The document inside it the tables are in, when the file is a zip (`年报.xlsx`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
}

impl Tables {
    /// The cell with these keys (one per key: a row a table split in two repeats is kept once).
    pub fn cell(&self, section: Section, row: &str, col: &str) -> Option<&Cell> {
        self.cells
            .iter()
            .find(|c| c.section == section && c.row_key == row && c.col_key == col)
    }

    /// A version whose archived body could not be read.
    pub fn unreadable() -> Tables {
        Tables {
            template: Template::Unknown,
            cells: Vec::new(),
            figures: Vec::new(),
            checks: Vec::new(),
            unread: Vec::new(),
            read_from: None,
        }
    }

    /// The report as a page with no tables and links to attachments holding them.
    pub fn attachment_only(text_figures: Vec<Figure>) -> Tables {
        Tables {
            template: Template::AttachmentOnly,
            cells: Vec::new(),
            figures: text_figures,
            checks: Vec::new(),
            unread: Vec::new(),
            read_from: None,
        }
    }
}

/// Reads an item page: its tables as grids, or a cell stream in its text when it has none.
/// `has_document_attachment`: the page links a PDF/DOC/DOCX (decides `attachment_only`).
pub fn read_document(doc: &Html, has_document_attachment: bool) -> Tables {
    read_documents(std::iter::once(doc), has_document_attachment)
}

/// Reads a report printed over several pages (an article split over pages), in order: the
/// tables of every page, and the text of all of them.
pub fn read_documents<'a>(
    docs: impl IntoIterator<Item = &'a Html>,
    has_document_attachment: bool,
) -> Tables {
    let mut blocks: Vec<Block> = Vec::new();
    let mut text = String::new();
    let selector = scraper::Selector::parse("table").expect("`table` is a valid selector");
    for doc in docs {
        text.push_str(&body_text(doc));
        text.push('\n');
        for table in crate::page::select(doc, &selector) {
            // A layout table that holds the statistics tables is not itself one.
            if table.select(&selector).nth(1).is_some() || has_nested_table(table) {
                continue;
            }
            blocks.push(block_of_grid(&grid::grid_of(table)));
        }
    }
    if blocks.iter().all(|b| b.section().is_none()) {
        blocks.extend(stream_blocks(&text, LineForms::Pipes));
    }
    finish(blocks, &text, has_document_attachment)
}

/// Reads a report from its text alone (extracted text, a flattened page): tables as `cell |`
/// lines, as tab-separated rows (a DOC or DOCX table as its text comes out) or as rows whose
/// cells runs of spaces set apart (`pdftotext -layout`); figures from the sentences.
pub fn read_text(text: &str) -> Tables {
    finish(stream_blocks(text, LineForms::Extracted), text, false)
}

/// Reads a report from a spreadsheet's text (`text`'s sheet reader: a sheet's name on a line of
/// its own, then its rows, a tab after each cell). Its rows are a grid: every cell stands in its
/// column, a merged cell's value in the first and the cells it covers empty, so they are read as
/// an HTML table's grid is (values under their headers; by position only as there). A sheet
/// holding several tables is cut into them at the report's section headings (a row whose one
/// cell says 主动公开政府信息情况, …) and where another table's header starts with none between,
/// its rows padded to the widest of their table.
pub fn read_sheet_text(text: &str) -> Tables {
    finish(sheet::blocks(text), text, false)
}

fn has_nested_table(table: ElementRef<'_>) -> bool {
    table
        .descendants()
        .skip(1)
        .any(|n| matches!(n.value(), Node::Element(e) if e.name() == "table"))
}

fn block_of_grid(grid: &grid::Grid) -> Block {
    let rows = grid
        .slots
        .iter()
        .map(|line| {
            let mut row: Vec<Slot> = Vec::with_capacity(line.len());
            for &i in line.iter().flatten() {
                match row.last() {
                    Some(last) if last.cell == i => row.push(last.spanned()),
                    _ => {
                        if let Some(c) = grid.cells.get(i) {
                            row.push(Slot {
                                text: c.text.clone(),
                                cell: i,
                                line: c.row,
                            });
                        }
                    }
                }
            }
            row
        })
        .collect();
    Block {
        rows,
        aligned: true,
    }
}

fn finish(blocks: Vec<Block>, text: &str, has_document_attachment: bool) -> Tables {
    let blocks = headings::cut_at_headings(blocks);
    let of = |section: Section| -> Vec<&Block> {
        blocks
            .iter()
            .filter(|b| b.section() == Some(section))
            .collect()
    };
    let mut cells = Vec::new();
    let mut unread = Vec::new();
    sections::read_t2(&of(Section::Proactive), &mut cells);
    sections::read_t3(&of(Section::Applications), &mut cells, &mut unread);
    sections::read_t4(&of(Section::Reviews), &mut cells, &mut unread);
    sections::one_per_key(&mut cells, &mut unread);
    let figures = figures::figures(text);
    let recognised = blocks.iter().any(|b| b.section().is_some());
    let template = if cells
        .iter()
        .any(|c| c.section == Section::Applications && c.row_key.starts_with("other_"))
        || cells.iter().any(|c| c.col_key == "in_force")
    {
        Template::T2021
    } else if cells.iter().any(|c| {
        (c.section == Section::Applications && c.row_key == "other")
            || matches!(c.col_key.as_str(), "made" | "published" | "public_total")
    }) {
        Template::T2019
    } else if recognised {
        Template::Unknown
    } else if has_document_attachment {
        Template::AttachmentOnly
    } else if !figures.is_empty() || crate::extract::shows_report_sections(text) {
        Template::Free
    } else {
        // Nothing of a report to read: its body comes by script, in a frame or as images.
        Template::Unknown
    };
    let mut tables = Tables {
        template,
        cells,
        figures,
        checks: Vec::new(),
        unread,
        read_from: None,
    };
    tables.checks = checks::within(&tables);
    tables
}

/// The text a reader sees: every text node outside `script`, `style` and `template`, with line
/// breaks between blocks so sentences do not run together.
pub fn body_text(doc: &Html) -> String {
    let mut out = String::new();
    for node in doc.root_element().descendants() {
        match node.value() {
            Node::Text(t) => {
                let hidden = node.ancestors().any(|a| {
                    matches!(a.value(), Node::Element(e) if matches!(e.name(), "script" | "style" | "template" | "head"))
                });
                if !hidden {
                    out.push_str(t);
                }
            }
            Node::Element(e)
                if matches!(
                    e.name(),
                    "p" | "div" | "br" | "tr" | "li" | "h1" | "h2" | "h3" | "h4" | "table"
                ) =>
            {
                out.push('\n');
            }
            _ => {}
        }
    }
    out
}

/// Reads an archived body as the crawl read it: a document file is `attachment_only` (its text
/// is another step's), an HTML page is decoded (`decode`) and parsed within the pipeline's
/// bounds (`page::parse`); a page past those bounds reads as `unknown`.
pub fn read_body(body: &[u8], content_type: Option<&str>, has_document_attachment: bool) -> Tables {
    read_bodies(&[(body, content_type)], has_document_attachment)
}

/// `read_body` of a report printed over several pages: the first page's raw body, then the
/// others' (each with its Content-Type).
pub fn read_bodies(pages: &[(&[u8], Option<&str>)], has_document_attachment: bool) -> Tables {
    let Some((first, content_type)) = pages.first() else {
        return Tables::unreadable();
    };
    if crate::classify::attachment_kind(*content_type, first, None).is_some() {
        return Tables::attachment_only(Vec::new());
    }
    let mut docs = Vec::new();
    for (i, (body, content_type)) in pages.iter().enumerate() {
        let decoded = crate::decode::decode(body, *content_type);
        match crate::page::parse(&decoded.text) {
            Ok(parsed) => docs.push(parsed.doc),
            // A later page that cannot be read leaves the others.
            Err(_) if i > 0 => {}
            Err(_) => return Tables::unreadable(),
        }
    }
    read_documents(&docs, has_document_attachment)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sections::MAX_SPANNED_TEXT;

    /// A caption spans an HTML table's grid; a long one (a note) only its first slot, as in a
    /// sheet (`sheet`'s `a_caption_spans_the_table_a_long_one_only_its_first_slot`): a cell of
    /// a few KB repeated over a grid's million slots took gigabytes. Table 四 under both captions
    /// is still read value by value.
    #[test]
    fn a_long_caption_fills_its_first_grid_slot_only_and_the_table_is_still_read() {
        let caption = "四、行政复议、行政诉讼情况";
        let long = "注".repeat(MAX_SPANNED_TEXT);
        let results =
            "<td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td>";
        let values: String = (1..=15).map(|n| format!("<td>{n}</td>")).collect();
        let html = format!(
            "<html><body><table>\
             <tr><td colspan=16>{caption}</td></tr>\
             <tr><td colspan=16>{long}</td></tr>\
             <tr><td></td><td colspan=5>行政复议</td><td colspan=10>行政诉讼</td></tr>\
             <tr><td></td>{}</tr>\
             <tr><td></td>{values}</tr>\
             </table></body></html>",
            results.repeat(3)
        );
        let grids = grid::tables_of_html(&html);
        let [grid] = grids.as_slice() else {
            panic!("one table, not {}", grids.len());
        };
        let block = block_of_grid(grid);
        let texts = |row: &[Slot]| row.iter().map(|s| s.text.clone()).collect::<Vec<_>>();
        assert_eq!(
            texts(&block.rows[0]),
            vec![caption; 16],
            "a short caption spans"
        );
        let mut only_first = vec![""; 16];
        only_first[0] = long.as_str();
        assert_eq!(
            texts(&block.rows[1]),
            only_first,
            "a long one fills its first slot only"
        );
        assert!(
            block.rows[1]
                .iter()
                .all(|s| s.cell == block.rows[1][0].cell)
        );

        let tables = read_document(&Html::parse_document(&html), false);
        assert_eq!(
            tables.cells.len(),
            15,
            "table 四's values: {:?}",
            tables.unread
        );
        let value = |row: &str, col: &str| tables.cell(Section::Reviews, row, col)?.value;
        assert_eq!(value("review", "upheld"), Some(1.0));
        assert_eq!(value("suit_direct", "upheld"), Some(6.0));
        assert_eq!(value("suit_after_review", "total"), Some(15.0));
    }
}
