//! Where a link of an item page points (`link_target`): its `href`/`src`/`data`, the file an
//! `onclick` handler or a `javascript:` href names (`quoted_file`), and the file a PDF viewer
//! page shows (`viewed_file`), which stands for the viewer.

use std::sync::LazyLock;

use regex::Regex;
use scraper::ElementRef;
use url::Url;

use super::{DOWNLOAD_SCRIPT_WORDS, is_web_page};
use crate::classify::document_type_for_name;

/// A quoted path with an extension inside an `onclick` handler or a `javascript:` href; only
/// those whose extension is a document type's are taken.
static QUOTED_FILE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"['"]([^'"]+\.[A-Za-z0-9]{1,5}(?:\?[^'"]*)?)['"]"#)
        .expect("the quoted file pattern is valid")
});

/// A quoted path or URL (`'/attach/download?id=9'`) inside a script.
static QUOTED_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"['"]((?:/|https?://)[^'"\s]+)['"]"#).expect("the quoted path pattern is valid")
});

/// Where an element points: `href`/`src`/`data`, or the file an `onclick` handler or a
/// `javascript:` href names (`javascript:downLoad('/attach/x.docx','年报.docx')`).
pub(super) fn link_target(element: ElementRef<'_>) -> Option<String> {
    let attrs = element.value();
    if attrs.name() == "meta" {
        return crate::classify::refresh_target(attrs);
    }
    let direct = ["href", "src", "data"]
        .iter()
        .find_map(|a| attrs.attr(a))
        .map(str::trim)
        .filter(|h| !h.is_empty() && !h.starts_with('#'));
    let script = match direct {
        Some(h)
            if h.get(..11)
                .is_some_and(|s| s.eq_ignore_ascii_case("javascript:")) =>
        {
            Some(h)
        }
        Some(h)
            if h.get(..7)
                .is_some_and(|s| s.eq_ignore_ascii_case("mailto:")) =>
        {
            None
        }
        Some(h) => return Some(h.to_string()),
        None => None,
    };
    [script, attrs.attr("onclick")]
        .into_iter()
        .flatten()
        .find_map(quoted_file)
}

/// The quoted file in a script whose extension is a document type's: the first that is a path
/// or URL (has a `/`), else a download script's path quoted beside a bare file name, else the
/// first bare name. `downloadFile('年报.pdf','/upload/abc.pdf')` and
/// `downloadFile('年报.pdf','/attach/download?id=9')` pass the display name first, and the
/// file is the path.
fn quoted_file(script: &str) -> Option<String> {
    let files: Vec<&str> = QUOTED_FILE
        .captures_iter(script)
        .filter_map(|c| c.get(1))
        .map(|m| m.as_str())
        .filter(|path| document_type_for_name(path).is_some())
        .collect();
    if let Some(path) = files.iter().find(|path| path.contains('/')) {
        return Some(path.to_string());
    }
    let bare = files.first()?;
    let download = QUOTED_PATH
        .captures_iter(script)
        .filter_map(|c| c.get(1))
        .map(|m| m.as_str())
        .find(|path| {
            let (path, query) = path.split_once('?').unwrap_or((path, ""));
            let script = path.rsplit('/').next().unwrap_or("").to_ascii_lowercase();
            !query.is_empty() && DOWNLOAD_SCRIPT_WORDS.iter().any(|w| script.contains(w))
        });
    Some(download.unwrap_or(bare).to_string())
}

/// The file a PDF viewer page shows (`/pdfjs/web/viewer.html?file=/upload/x.pdf`): its `file`
/// value, resolved against the viewer as the viewer resolves it. A web page whose `file` names
/// a document is a viewer; so is a page named `viewer` (`viewer.jsp`, `pdfviewer.aspx`), whose
/// `file` may be any path or URL (`?file=%2Fattach%2Fdownload%3FfileId%3D141`).
pub(super) fn viewed_file(url: &Url) -> Option<Url> {
    if document_type_for_name(url.path()).is_some() {
        return None;
    }
    let page = url
        .path()
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let named_viewer = page
        .split('.')
        .next()
        .is_some_and(|stem| stem.contains("viewer"));
    if !named_viewer && !is_web_page(url.path()) {
        return None;
    }
    let (_, file) = url.query_pairs().find(|(k, v)| {
        let v = v.trim();
        k.eq_ignore_ascii_case("file")
            && (document_type_for_name(v).is_some() || named_viewer && is_path_or_url(v))
    })?;
    url.join(file.trim()).ok()
}

/// A `file` value that is a path or URL (`/attach/download?fileId=1`, `http://…`, `../f/1`),
/// not a bare word or id a viewer looks up on its own.
fn is_path_or_url(value: &str) -> bool {
    value.contains('/') && !value.contains(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_script_call_gives_its_file_path_before_a_bare_name() {
        let cases = [
            (
                "downloadFile('年报.pdf','/upload/2023/abc.pdf')",
                Some("/upload/2023/abc.pdf"),
            ),
            (
                "downloadFile(\"/upload/2023/abc.pdf\", \"年报.pdf\")",
                Some("/upload/2023/abc.pdf"),
            ),
            (
                "down('年報.docx','https://x.gov.cn/f/1.docx')",
                Some("https://x.gov.cn/f/1.docx"),
            ),
            ("openFile('nb2021.pdf')", Some("nb2021.pdf")),
            (
                "downloadFile('a4.pdf','/attach/download?id=9')",
                Some("/attach/download?id=9"),
            ),
            (
                "downloadFile('a4.pdf','http://f.x.gov.cn/DownFile.do?fid=9')",
                Some("http://f.x.gov.cn/DownFile.do?fid=9"),
            ),
            ("show('a4.pdf','/xxgk/list.html?id=9')", Some("a4.pdf")),
            ("downloadFile('/attach/download?id=9')", None),
            ("downLoad('123')", None),
        ];
        for (script, want) in cases {
            assert_eq!(quoted_file(script).as_deref(), want, "{script}");
        }
    }

    #[test]
    fn a_viewer_stands_for_the_path_it_shows() {
        let cases = [
            (
                "http://h/pdfjs/web/viewer.html?file=%2Fattach%2Fdownload%3FfileId%3D141",
                Some("http://h/attach/download?fileId=141"),
            ),
            (
                "http://h/viewer/viewer.jsp?file=/xxgk/files/42.pdf",
                Some("http://h/xxgk/files/42.pdf"),
            ),
            (
                "http://h/a/b/PdfViewer.aspx?file=../f/1",
                Some("http://h/a/f/1"),
            ),
            (
                "http://h/show/index.html?file=/upload/1.pdf",
                Some("http://h/upload/1.pdf"),
            ),
            ("http://h/viewer/viewer.jsp?file=123", None),
            ("http://h/show/index.html?file=/attach/download?id=1", None),
            ("http://h/upload/viewer.pdf?file=/x.pdf", None),
        ];
        for (viewer, want) in cases {
            let url = Url::parse(viewer).expect("valid URL");
            let got = viewed_file(&url).map(|u| u.to_string());
            assert_eq!(got.as_deref(), want, "{viewer}");
        }
    }
}
