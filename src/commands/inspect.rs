//! `nianbao inspect`: runs decode, classify, discover and extract on one page (a saved file or a
//! live URL fetched politely) and prints what each step concluded, so a seed writer can see why a
//! portal is read the way it is. Needs no config; with one whose data_dir holds a store, says
//! whether an annual report is the same report as an archived one (`same`), writing nothing.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use serde::Serialize;
use url::Url;

use crate::classify::PageKind;
use crate::cli::InspectFormat;
use crate::config::{self, FetchSettings, Overrides, Politeness, Settings};
use crate::discover::{ListItem, PageRequest, StatedCount, YearSection};
use crate::export::non_empty;
use crate::extract::{AttachmentLink, Metadata};
use crate::fetch::{FetchOptions, FetchOutcome, Fetcher};
use crate::gate::HostGate;
use crate::page::{self, PageInput, PageRole, View};

use super::Outcome;

mod same;
mod text;
pub use same::SameAsArchived;
pub use text::render_text;

/// The host a saved file is read at when no `--url` is given.
const PLACEHOLDER_URL: &str = "http://localhost/";

/// What `inspect` concluded about one page. The metadata keys are those of the export record.
#[derive(Debug, Serialize)]
pub struct Inspection {
    pub url: String,
    pub http_status: Option<u16>,
    pub content_type: Option<String>,
    /// "list", "item", "attachment", "challenge", "soft_not_found", "server_error", "login_wall", "empty_template",
    /// "too_complex", "not_text" (the detail gives the share of control characters),
    /// "needs_javascript" (a list only a script fills; the detail says what was seen).
    pub kind: String,
    /// The challenge or attachment type, the bound passed, or the share of control characters.
    pub kind_detail: Option<String>,
    /// A list page's own name as the crawl reads it (`本级年报`); for a page read with
    /// `--list-name`, the name given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list_name: Option<String>,
    pub charset: Option<String>,
    pub charset_source: Option<String>,
    /// The label the page declared (header or meta), when it declared one.
    pub charset_declared: Option<String>,
    /// U+FFFD in the decoded text, and whether it looks like mojibake, as the export record says.
    pub replacement_chars: Option<u64>,
    pub mojibake: Option<bool>,
    pub title: Option<String>,
    pub issuing_body: Option<String>,
    pub index_number: Option<String>,
    pub doc_number: Option<String>,
    pub publish_date: Option<String>,
    pub report_year: Option<i32>,
    pub is_annual_report: bool,
    pub fields: std::collections::BTreeMap<String, String>,
    pub provenance: std::collections::BTreeMap<String, String>,
    pub attachments: Vec<AttachmentLink>,
    pub items: Vec<ListItem>,
    pub next_pages: Vec<PageRequest>,
    pub year_sections: Vec<YearSection>,
    pub stated: Option<StatedCount>,
    /// An annual report's article text fingerprint, compared with the archive's.
    #[serde(skip)]
    pub fingerprint: Option<crate::same_report::Fingerprint>,
    /// The archived report this page is the same report as (a config's store only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub same_report_as: Option<SameAsArchived>,
}

/// The page `inspect` is asked about, as the command line gives it.
pub struct Target {
    /// A path, or an http(s) URL.
    pub target: String,
    /// The address a saved page was fetched from.
    pub url: Option<Url>,
    /// The name of the list page the crawl found it on: read as that list's item.
    pub list_name: Option<String>,
}

/// Inspects `page` and prints the result on stdout.
pub async fn run(
    config_path: &Path,
    overrides: &Overrides,
    page: Target,
    format: InspectFormat,
) -> anyhow::Result<Outcome> {
    let settings = load_optional(config_path, overrides)?;
    let Target {
        target,
        url,
        list_name,
    } = page;
    let live = Url::parse(&target)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"));
    let page = match live {
        Some(live) => fetch_page(settings.as_ref(), &live).await?,
        None => {
            let limit = settings
                .as_ref()
                .map_or(config::DEFAULT_MAX_BODY_BYTES, |s| s.fetch.max_body_bytes);
            read_page(Path::new(&target), url, limit)?
        }
    };
    let portal = settings
        .as_ref()
        .and_then(|s| {
            s.portals
                .iter()
                .find(|p| p.url.host_str() == page.url.host_str())
        })
        .map(|p| p.name.clone())
        .unwrap_or_default();
    let mut inspection = inspect(&page, &portal, list_name.as_deref());
    if let Some(settings) = &settings {
        inspection.same_report_as = same::look_up(settings, &portal, &inspection);
    }
    let out = match format {
        InspectFormat::Json => {
            serde_json::to_string(&inspection).expect("an inspection serialises: plain data") + "\n"
        }
        // The page chose most of what the text form shows.
        InspectFormat::Text => crate::shown::shown(&render_text(&inspection)).into_owned(),
    };
    out!("{out}");
    Ok(Outcome::Completed)
}

/// The config when one is there: inspect works without one, with the default politeness.
pub(super) fn load_optional(
    path: &Path,
    overrides: &Overrides,
) -> anyhow::Result<Option<Settings>> {
    if !path.exists() {
        return Ok(None);
    }
    Ok(Some(config::load(path, overrides)?))
}

/// One page's bytes and what came with them.
pub struct RawPage {
    pub url: Url,
    pub status: Option<u16>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// Reads the page at `path`, refusing one past `limit` (`fetch.max_body_bytes`): the crawl
/// stores no larger body, and reading one whole would cost its size in memory.
fn read_page(path: &Path, url: Option<Url>, limit: u64) -> anyhow::Result<RawPage> {
    // Neither a page nor an address nianbao fetches (a mistyped path, ftp://…): bad usage.
    if !path.is_file() {
        let what = match Url::parse(&path.to_string_lossy()) {
            Ok(u) if u.scheme().len() > 1 => format!(
                "{} is a {} URL: inspect fetches http and https addresses only",
                path.to_string_lossy(),
                u.scheme()
            ),
            _ => format!(
                "{} is no file (and not an http or https URL)",
                path.to_string_lossy()
            ),
        };
        return Err(super::UsageError(what).into());
    }
    // An archived raw file may be given as it is stored, compressed or not.
    let body = match crate::archive::read_file(path, limit) {
        Ok(body) => body,
        Err(crate::archive::ArchiveError::TooLarge { .. }) => {
            return Err(super::UsageError(format!(
                "{} holds (or decompresses to) more than {limit} bytes, fetch.max_body_bytes: \
                 the crawl stores no body that large, so inspect does not read it (raise \
                 fetch.max_body_bytes in the config to inspect it)",
                path.to_string_lossy()
            ))
            .into());
        }
        Err(e) => {
            return Err(anyhow::Error::new(e))
                .with_context(|| format!("cannot read {}", path.to_string_lossy()));
        }
    };
    // A body saved as the wire sent it is still gzip: read as the crawl reads it.
    let body = match crate::fetch::inflate_saved_gzip(&body, limit) {
        Ok(None) => body,
        Ok(Some((page, layers))) => {
            errln!(
                "{} is gzip: read inflated ({layers} layer{}), as the crawl reads such a body",
                path.to_string_lossy(),
                if layers == 1 { "" } else { "s" }
            );
            page
        }
        Err(why) => {
            errln!(
                "{} is gzip but not a gzipped page ({why}): read as it is",
                path.to_string_lossy()
            );
            body
        }
    };
    let url = match url {
        Some(url) => url,
        None => {
            // Discovery follows http(s) links only, so a file:// address would hide every item:
            // the page is read as if served at the placeholder host under its own file name.
            let placeholder =
                Url::parse(PLACEHOLDER_URL).expect("the placeholder URL is a valid literal");
            let address = path
                .file_name()
                .and_then(|n| placeholder.join(&n.to_string_lossy()).ok())
                .unwrap_or(placeholder);
            errln!(
                "no --url given: the page is read as {address}; pass --url with its real address for real links"
            );
            address
        }
    };
    Ok(RawPage {
        url,
        status: None,
        content_type: None,
        body,
    })
}

/// Fetches a live page through the host gate: robots.txt first, the configured gap and user
/// agent. The user named this URL, so a loopback or private address is allowed.
async fn fetch_page(settings: Option<&Settings>, url: &Url) -> anyhow::Result<RawPage> {
    let fetcher = live_fetcher(settings, url)?;
    let anywhere = |_: &Url| Ok(());
    let options = FetchOptions {
        validators: None,
        scope: &anywhere,
        allow_private: true,
        hold: None,
        stop: None,
    };
    let capture = match fetcher
        .fetch(&PageRequest::Get(url.clone()), &options)
        .await
    {
        FetchOutcome::Fetched(c) | FetchOutcome::NotModified(c) => c,
        // A challenge is what the page is: inspect it rather than fail.
        FetchOutcome::Blocked { capture, .. } => capture,
        other => anyhow::bail!("cannot fetch {url}: {}", other.describe()),
    };
    Ok(RawPage {
        content_type: capture.header("content-type").map(str::to_string),
        url: capture.url,
        status: Some(capture.status),
        body: capture.body.to_vec(),
    })
}

/// A fetcher for pages the user named: the config's politeness and fetch settings (the defaults
/// without a config), its portals' `tls_verify` and the intermediates the crawl learned, its own
/// host gate, and `url`'s host allowed to be a private address.
pub(super) fn live_fetcher(settings: Option<&Settings>, url: &Url) -> anyhow::Result<Fetcher> {
    if let Some(s) = settings {
        crate::config::check_extra_ca_file(s)?;
    }
    let (politeness, fetch) = match settings {
        Some(s) => (s.politeness.clone(), s.fetch.clone()),
        None => (Politeness::default(), FetchSettings::default()),
    };
    let gate = Arc::new(HostGate::new(politeness, Default::default()));
    let named = url.host_str().map(str::to_string).into_iter().collect();
    let tls_verify = fetch.tls_verify;
    let mut fetcher = Fetcher::with_private_names(gate, fetch, named)?;
    if let Some(s) = settings {
        fetcher.set_tls_hosts(crate::fetch::TlsHosts::of_portals(tls_verify, &s.portals))?;
        fetcher.keep_intermediates(&s.data_dir.join("tls").join("intermediates"));
    }
    Ok(fetcher)
}

/// Runs the page pipeline the crawl runs (`page::analyse`) on one page, guessing its role:
/// a list when discover finds a list on it, an item otherwise; with `list_name`, an item found
/// on a list page of that name, as the crawl reads one. `portal_name` helps trim the site name
/// from titles.
pub fn inspect(page: &RawPage, portal_name: &str, list_name: Option<&str>) -> Inspection {
    let input = PageInput {
        url: &page.url,
        status: page.status.unwrap_or(200),
        content_type: page.content_type.as_deref(),
        body: &page.body,
    };
    let role = match list_name {
        Some(name) => PageRole::Item {
            evidence: crate::extract::ListEvidence {
                list_name: Some(name.to_string()),
                ..Default::default()
            },
            portal_name: portal_name.to_string(),
        },
        None => PageRole::Guess {
            portal_name: portal_name.to_string(),
        },
    };
    let mut out = Inspection {
        url: page.url.to_string(),
        http_status: page.status,
        content_type: page.content_type.clone(),
        kind: String::new(),
        kind_detail: None,
        list_name: list_name.map(str::to_string),
        charset: None,
        charset_source: None,
        charset_declared: None,
        replacement_chars: None,
        mojibake: None,
        title: None,
        issuing_body: None,
        index_number: None,
        doc_number: None,
        publish_date: None,
        report_year: None,
        is_annual_report: false,
        fields: Default::default(),
        provenance: Default::default(),
        attachments: Vec::new(),
        items: Vec::new(),
        next_pages: Vec::new(),
        year_sections: Vec::new(),
        stated: None,
        fingerprint: None,
        same_report_as: None,
    };
    let analysis = match page::analyse_guarded(input, &role) {
        Ok(analysis) => analysis,
        Err(failure) => {
            out.kind = failure.name().to_string();
            out.kind_detail = Some(failure.to_string());
            return out;
        }
    };
    if let Some(d) = &analysis.decoded {
        out.charset = Some(d.encoding.name().to_string());
        out.charset_source = Some(d.source.as_str().to_string());
        out.charset_declared = d.declared.clone();
        out.replacement_chars = Some(d.replacement_chars);
        out.mojibake = Some(d.mojibake);
    }
    let (name, detail) = match &analysis.kind {
        PageKind::Content => ("content", None),
        PageKind::Attachment { content_type } => ("attachment", Some(content_type.clone())),
        PageKind::Challenge { challenge } => {
            ("challenge", Some(format!("{challenge:?}").to_lowercase()))
        }
        PageKind::SoftNotFound => ("soft_not_found", None),
        PageKind::ServerError => ("server_error", None),
        PageKind::LoginWall => ("login_wall", None),
        PageKind::EmptyTemplate => ("empty_template", None),
        PageKind::TooComplex { bound } => ("too_complex", Some(bound.clone())),
        PageKind::NotText { odd_per_mille } => (
            "not_text",
            Some(format!(
                "{}.{}% of its characters are control characters (text has none; at {}‰ it is not text)",
                odd_per_mille / 10,
                odd_per_mille % 10,
                crate::classify::not_text::NOT_TEXT_PER_MILLE
            )),
        ),
    };
    out.kind = name.to_string();
    out.kind_detail = detail;
    match analysis.view {
        View::List(list) => {
            out.kind = "list".into();
            if let Some(seen) = list.needs_javascript {
                out.kind = "needs_javascript".into();
                out.kind_detail = Some(seen);
            } else if let Some(seen) = list.pager_needs_javascript {
                out.kind_detail = Some(format!("pages after this one need JavaScript: {seen}"));
            }
            out.list_name = list.name;
            out.items = list.items;
            out.next_pages = list.next_pages;
            out.year_sections = list.year_sections;
            out.stated = list.stated;
        }
        View::Item {
            metadata,
            fingerprint,
            ..
        } => {
            if analysis.kind == PageKind::Content {
                out.kind = "item".into();
            }
            fill_metadata(&mut out, *metadata);
            out.fingerprint = fingerprint;
        }
        View::Unusable(reason) => out.kind_detail = Some(reason),
        View::Nothing => {}
    }
    out
}

fn fill_metadata(out: &mut Inspection, m: Metadata) {
    out.title = non_empty(m.title);
    out.issuing_body = non_empty(m.issuing_body);
    out.index_number = non_empty(m.index_number);
    out.doc_number = non_empty(m.doc_number);
    out.publish_date = m.publish_date.map(|d| d.format("%Y-%m-%d").to_string());
    out.report_year = m.report_year;
    out.is_annual_report = m.is_annual_report;
    out.fields = m.fields;
    out.provenance = m.provenance;
    out.attachments = m.attachments;
}
