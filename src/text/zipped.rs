//! DOCX and OFD: XML inside a zip (and the bounds check of a zipped spreadsheet, `each_entry`). Every entry read is bounded (its declared size and what it
//! actually inflates to), and so is the sum, so a zip bomb costs a few megabytes and an error.

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

struct Bounded<'a> {
    zip: ZipArchive<Cursor<&'a [u8]>>,
    spent: u64,
}

impl<'a> Bounded<'a> {
    fn open(body: &'a [u8]) -> Result<Bounded<'a>, TextError> {
        let zip = ZipArchive::new(Cursor::new(body))
            .map_err(|e| TextError::Corrupt(format!("not a readable zip: {e}")))?;
        Ok(Bounded { zip, spent: 0 })
    }

    /// The inflated bytes of entry `name`, within the bounds.
    fn read(&mut self, name: &str) -> Result<Vec<u8>, TextError> {
        let mut entry = self
            .zip
            .by_name(name)
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
