//! Extract's `<meta>` tags: the first non-empty value of each name, read once a page.

use std::sync::LazyLock;

use scraper::{Html, Selector};

use super::text;

static META: LazyLock<Selector> = LazyLock::new(|| {
    Selector::parse("meta[name][content]").expect("`meta[name][content]` is a valid selector")
});

/// `<meta name=… content=…>` values, first non-empty per lower-cased name.
pub(super) struct Metas {
    values: Vec<(String, String, String)>,
}

impl Metas {
    pub(super) fn of(doc: &Html) -> Self {
        let mut values: Vec<(String, String, String)> = Vec::new();
        for m in crate::page::select(doc, &META) {
            let (Some(name), Some(content)) = (m.value().attr("name"), m.value().attr("content"))
            else {
                continue;
            };
            let content = text::collapse(content);
            let lower = name.trim().to_ascii_lowercase();
            if content.is_empty() || values.iter().any(|(l, _, _)| *l == lower) {
                continue;
            }
            values.push((lower, name.trim().to_string(), content));
        }
        Metas { values }
    }

    pub(super) fn get(&self, lower: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(l, _, _)| l == lower)
            .map(|(_, _, v)| v.as_str())
    }

    /// The name as the page spelled it (`PubDate`), for provenance.
    pub(super) fn original_name(&self, lower: &str) -> String {
        self.values
            .iter()
            .find(|(l, _, _)| l == lower)
            .map_or_else(|| lower.to_string(), |(_, n, _)| n.clone())
    }
}
