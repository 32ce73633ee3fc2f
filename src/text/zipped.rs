//! DOCX and OFD: XML inside a zip (and the bounds check of a zipped spreadsheet, `each_entry`,
//! and the entries of a plain zip, `Bounded::entry`). Every entry read is bounded (its declared
//! size and what it actually inflates to), and so is the sum, so a zip bomb costs a few
//! megabytes and an error.

use std::io::{Cursor, Read};

use zip::ZipArchive;

use super::xml::{decode_xml, ofd_page_text, word_text};
use super::{Extracted, TextError};

/// Largest entry inflated.
pub(crate) const MAX_ENTRY_BYTES: u64 = 32 << 20;
/// Largest sum of entries inflated for one file.
pub(crate) const MAX_TOTAL_BYTES: u64 = 128 << 20;
/// OFD pages read at most.
const MAX_PAGES: usize = 10_000;

/// The general-purpose flag saying an entry's name is UTF-8 (APPNOTE 4.4.4, bit 11).
const UTF8_NAME: u16 = 1 << 11;

/// What the central directory says of one entry.
pub(crate) struct EntryInfo {
    /// Its name: UTF-8 when the entry says so, else GB18030 (what Chinese Windows zip tools
    /// write, in the system's code page).
    pub name: String,
    pub is_dir: bool,
    pub encrypted: bool,
}

/// A zip whose entries are inflated within the bounds.
pub(crate) struct Bounded<'a> {
    zip: ZipArchive<Cursor<&'a [u8]>>,
    spent: u64,
}

impl<'a> Bounded<'a> {
    pub(crate) fn open(body: &'a [u8]) -> Result<Bounded<'a>, TextError> {
        Bounded::open_within(body, 0)
    }

    /// Opens a zip held in another (`spent` bytes of the file's bound already inflated), so
    /// that the bound holds for the whole file.
    pub(crate) fn open_within(body: &'a [u8], spent: u64) -> Result<Bounded<'a>, TextError> {
        let zip = ZipArchive::new(Cursor::new(body))
            .map_err(|e| TextError::Corrupt(format!("not a readable zip: {e}")))?;
        Ok(Bounded {
            zip,
            spent: spent.min(MAX_TOTAL_BYTES),
        })
    }

    /// Bytes of the file's bound inflated so far.
    pub(crate) fn spent(&self) -> u64 {
        self.spent
    }

    /// Counts `bytes` inflated from a zip held in this one against its bound.
    pub(crate) fn add_spent(&mut self, bytes: u64) {
        self.spent = self.spent.saturating_add(bytes).min(MAX_TOTAL_BYTES);
    }

    /// How many entries the central directory lists.
    pub(crate) fn len(&self) -> usize {
        self.zip.len()
    }

    /// The `index`th entry of the central directory (the archive's order), without inflating it.
    pub(crate) fn entry(&mut self, index: usize) -> Result<EntryInfo, TextError> {
        let entry = self
            .zip
            .by_index_raw(index)
            .map_err(|e| TextError::Corrupt(format!("zip entry #{}: {e}", index + 1)))?;
        let raw = entry.name_raw();
        let name = if entry.flags().as_u16() & UTF8_NAME != 0 {
            String::from_utf8_lossy(raw).into_owned()
        } else {
            encoding_rs::GB18030
                .decode_without_bom_handling(raw)
                .0
                .into_owned()
        };
        Ok(EntryInfo {
            name,
            is_dir: entry.is_dir(),
            encrypted: entry.encrypted(),
        })
    }

    /// The inflated bytes of entry `name`, within the bounds.
    fn read(&mut self, name: &str) -> Result<Vec<u8>, TextError> {
        let index = self
            .zip
            .index_for_name(name)
            .ok_or_else(|| TextError::Corrupt(format!("zip entry {name}: not found")))?;
        self.read_at(index, name)
    }

    /// The inflated bytes of the `index`th entry, called `name` in errors, within the bounds.
    pub(crate) fn read_at(&mut self, index: usize, name: &str) -> Result<Vec<u8>, TextError> {
        let mut entry = self
            .zip
            .by_index(index)
            .map_err(|e| TextError::Corrupt(format!("zip entry {name}: {e}")))?;
        let budget = MAX_ENTRY_BYTES.min(MAX_TOTAL_BYTES - self.spent);
        if entry.size() > budget {
            return Err(TextError::TooLarge(format!(
                "zip entry {name} declares {} bytes; at most {budget} are read",
                entry.size()
            )));
        }
        let mut out = Vec::new();
        // The declared size may lie: inflate at most one byte past the budget to find out.
        (&mut entry)
            .take(budget + 1)
            .read_to_end(&mut out)
            .map_err(|e| TextError::Corrupt(format!("zip entry {name}: {e}")))?;
        if out.len() as u64 > budget {
            return Err(TextError::TooLarge(format!(
                "zip entry {name} inflates past {budget} bytes (a zip bomb?)"
            )));
        }
        self.spent += out.len() as u64;
        Ok(out)
    }

    /// Inflates every entry in turn within the bounds, handing each to `inspect`.
    fn each(
        &mut self,
        mut inspect: impl FnMut(&str, &[u8]) -> Result<(), TextError>,
    ) -> Result<(), TextError> {
        for name in self.names() {
            let bytes = self.read(&name)?;
            inspect(&name, &bytes)?;
        }
        Ok(())
    }

    fn names(&self) -> Vec<String> {
        self.zip
            .file_names()
            .filter_map(|n| n.ok().map(|n| n.into_owned()))
            .collect()
    }
}

/// Inflates every entry of a zip within the bounds, handing each to `inspect`: a reader that
/// inflates entries itself (the spreadsheet reader) is handed only a zip that passed this.
pub(crate) fn each_entry(
    body: &[u8],
    inspect: impl FnMut(&str, &[u8]) -> Result<(), TextError>,
) -> Result<(), TextError> {
    Bounded::open(body)?.each(inspect)
}

/// The text of a DOCX: its main document part.
pub(crate) fn docx(body: &[u8]) -> Result<Extracted, TextError> {
    let mut zip = Bounded::open(body)?;
    let name = zip
        .names()
        .into_iter()
        .find(|n| n.eq_ignore_ascii_case("word/document.xml"))
        .ok_or_else(|| TextError::Corrupt("no word/document.xml in the DOCX".into()))?;
    let xml = zip.read(&name)?;
    word_text(&decode_xml(&xml))
}

/// The text of an OFD: every page's `Content.xml`, by document then page number.
pub(crate) fn ofd(body: &[u8]) -> Result<Extracted, TextError> {
    let mut zip = Bounded::open(body)?;
    let mut pages: Vec<((u64, u64), String)> = zip
        .names()
        .into_iter()
        .filter_map(|name| page_key(&name).map(|key| (key, name)))
        .collect();
    if pages.is_empty() {
        return Err(TextError::Corrupt(
            "no Doc_N/Pages/Page_N/Content.xml in the OFD".into(),
        ));
    }
    pages.sort();
    let mut out = String::new();
    for (_, name) in pages.into_iter().take(MAX_PAGES) {
        let xml = zip.read(&name)?;
        if !ofd_page_text(&decode_xml(&xml), &mut out)? {
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

/// `(document, page)` of an entry named `Doc_<d>/Pages/Page_<p>/Content.xml` (any case, an
/// optional leading `/`).
fn page_key(name: &str) -> Option<(u64, u64)> {
    let parts: Vec<&str> = name.trim_start_matches('/').split('/').collect();
    let [doc, pages, page, content] = parts.as_slice() else {
        return None;
    };
    let number = |s: &str, prefix: &str| -> Option<u64> {
        let head = s.get(..prefix.len())?;
        head.eq_ignore_ascii_case(prefix)
            .then(|| s[prefix.len()..].parse().ok())
            .flatten()
    };
    (pages.eq_ignore_ascii_case("Pages") && content.eq_ignore_ascii_case("Content.xml"))
        .then(|| Some((number(doc, "Doc_")?, number(page, "Page_")?)))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_keys_sort_numerically() {
        assert_eq!(page_key("Doc_0/Pages/Page_10/Content.xml"), Some((0, 10)));
        assert_eq!(page_key("/doc_1/pages/page_2/content.xml"), Some((1, 2)));
        assert_eq!(page_key("Doc_0/Pages/Page_1/Res.xml"), None);
        assert_eq!(page_key("Doc_0/Pages/Page_x/Content.xml"), None);
    }
}
