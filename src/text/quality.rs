//! Text quality: what a reader of derived text needs to know before trusting it. Replacement
//! characters (a font the extractor could not map), the share of CJK ideographs (a Chinese
//! report read right is mostly CJK), the national template's headings found, and for a PDF
//! whether it has no text layer at all (a scan: `needs_ocr`).

use serde::{Deserialize, Serialize};

use crate::extract::TEMPLATE_SECTIONS;
use crate::traditional::simplified;

/// Fewer visible characters than this per page (on average) make a PDF a scan.
const MIN_CHARS_PER_PAGE: usize = 16;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TextQuality {
    /// Characters other than whitespace.
    pub chars: u64,
    /// U+FFFD REPLACEMENT CHARACTERs among them.
    pub replacement_chars: u64,
    /// Private-use characters among them (glyphs an extractor passed through unmapped).
    pub private_use_chars: u64,
    /// CJK ideographs / `chars`, rounded to three decimals (0 when there are no chars).
    pub cjk_ratio: f64,
    /// PDF pages (form feeds + 1), when known.
    pub pages: Option<u64>,
    /// Headings of the national report template found in the text (whitespace ignored), e.g.
    /// 主动公开政府信息情况, 收到和处理政府信息公开申请情况.
    pub template_labels: Vec<String>,
    /// A PDF with (almost) no text layer, or an image: a scan that needs OCR.
    pub needs_ocr: bool,
}

impl TextQuality {
    /// What an image's record says: no text, a scan.
    pub fn scan() -> TextQuality {
        TextQuality {
            needs_ocr: true,
            ..TextQuality::default()
        }
    }
}

/// Measures `text`. `pdf`: the text came from a PDF (pages split by form feeds), so an empty
/// text means a scan.
pub fn quality(text: &str, pdf: bool) -> TextQuality {
    let mut q = TextQuality::default();
    let mut cjk = 0u64;
    let mut compact = String::with_capacity(text.len());
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        q.chars += 1;
        match c {
            '\u{FFFD}' => q.replacement_chars += 1,
            '\u{E000}'..='\u{F8FF}' => q.private_use_chars += 1,
            _ if is_cjk(c) => cjk += 1,
            _ => {}
        }
        compact.push(simplified(c));
    }
    if q.chars > 0 {
        q.cjk_ratio = ((cjk as f64 / q.chars as f64) * 1000.0).round() / 1000.0;
    }
    q.template_labels = TEMPLATE_SECTIONS
        .iter()
        .filter(|label| compact.contains(*label))
        .map(|label| label.to_string())
        .collect();
    if pdf {
        // pdftotext ends every page with a form feed.
        let pages = text.matches('\u{c}').count().max(1) as u64;
        q.pages = Some(pages);
        q.needs_ocr = (q.chars as usize) < MIN_CHARS_PER_PAGE * pages as usize;
    }
    q
}

fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2FA1F}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_labels() {
        let text = "一、总体情况\n二、主 动 公 开 政 府 信 息 情 况\n三、收到和处理政府\n信息公开申请情况\n\u{FFFD}\u{E001}abc";
        let q = quality(text, false);
        assert_eq!(q.replacement_chars, 1);
        assert_eq!(q.private_use_chars, 1);
        assert_eq!(
            q.template_labels,
            vec![
                "总体情况",
                "主动公开政府信息情况",
                "收到和处理政府信息公开申请情况"
            ]
        );
        assert!(q.cjk_ratio > 0.7 && q.cjk_ratio < 1.0, "{}", q.cjk_ratio);
        assert!(!q.needs_ocr);
        assert_eq!(q.pages, None);
    }

    #[test]
    fn traditional_headings_count() {
        let q = quality("二、主動公開政府信息情況 三、其他需要報告的事項", false);
        assert_eq!(
            q.template_labels,
            vec!["主动公开政府信息情况", "其他需要报告的事项"]
        );
    }

    #[test]
    fn a_pdf_without_text_needs_ocr() {
        assert!(quality("\u{c}\u{c}\u{c}", true).needs_ocr);
        assert_eq!(quality("\u{c}\u{c}\u{c}", true).pages, Some(3));
        assert!(quality("  1 \u{c}", true).needs_ocr);
        let page = "本行政机关2023年政府信息公开工作年度报告正文内容充足。\u{c}";
        assert!(!quality(page, true).needs_ocr);
        assert!(!quality("", false).needs_ocr);
    }
}
