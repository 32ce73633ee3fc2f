//! Simulator site model: the documents of one portal, its volatile counters, its request log and
//! scripted faults. `respond` is the one entry from the server loop; family-specific URLs and
//! markup come from `sites`. Holds no lock itself: the caller wraps it in a mutex.

use std::time::Instant;

use chrono::Datelike;

use super::http::{Request, Response};
use super::sites;
use super::{DocSpec, Family, FaultKind, RequestRecord, SiteSpec, TruthDoc};

/// One document as served.
#[derive(Debug, Clone)]
pub(crate) struct Doc {
    /// CMS document id (appears in the path).
    pub id: u32,
    pub path: String,
    /// Second path serving the same content (listed at the section root).
    pub alias: Option<String>,
    pub spec: DocSpec,
    /// 索引号 shown on the item page, when the family shows one.
    pub index_number: Option<String>,
    pub attachments: Vec<Attachment>,
    /// Paragraphs appended by `edit_document`.
    pub extra_paragraphs: Vec<String>,
    /// 浏览次数 / 点击数.
    pub views: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct Attachment {
    pub path: String,
    /// Link text, e.g. "阿图什市2019年度政府信息公开年度报告.pdf".
    pub label: String,
}

pub(crate) struct SiteState {
    pub spec: SiteSpec,
    /// Insertion order; lists show the newest insertion first.
    pub docs: Vec<Doc>,
    pub requests: Vec<RequestRecord>,
    /// Well-formed requests received, counting robots.txt (drives the scripted faults).
    received: u64,
    /// 403 answers written in full so far.
    refusals_written: usize,
    /// Advances with every request and every `bump_counters`; drives 页面生成时间.
    pub generation: u64,
    next_id: u32,
}

impl SiteState {
    pub fn new(mut spec: SiteSpec) -> SiteState {
        let docs = std::mem::take(&mut spec.docs);
        let mut state = SiteState {
            next_id: sites::first_id(spec.family),
            spec,
            docs: Vec::new(),
            requests: Vec::new(),
            received: 0,
            refusals_written: 0,
            generation: 0,
        };
        for doc in docs {
            state.add_document(doc);
        }
        state
    }

    pub fn family(&self) -> Family {
        self.spec.family
    }

    pub fn section_path(&self) -> String {
        sites::section_path(self.spec.family).to_string()
    }

    pub fn add_document(&mut self, spec: DocSpec) {
        let id = self.next_id;
        // Real CMS ids are sparse: other columns take ids in between.
        self.next_id += 7 + (id % 5);
        let seq = self
            .docs
            .iter()
            .filter(|d| d.spec.published.year() == spec.published.year())
            .count();
        let doc = sites::place(self.spec.family, id, seq, spec);
        self.docs.push(doc);
    }

    pub fn edit_document(&mut self, path: &str, paragraph: &str) -> bool {
        let found = self
            .docs
            .iter_mut()
            .find(|d| d.path == path || d.alias.as_deref() == Some(path));
        match found {
            Some(doc) => {
                doc.extra_paragraphs.push(paragraph.to_string());
                true
            }
            None => false,
        }
    }

    pub fn bump_counters(&mut self) {
        self.generation += 3600;
        for doc in &mut self.docs {
            doc.views += 17;
        }
    }

    /// Docs of one list (subsection), newest insertion first.
    pub fn listed(&self, sub: Option<i32>) -> Vec<&Doc> {
        self.docs
            .iter()
            .rev()
            .filter(|d| sites::in_list(self.spec.family, d, sub))
            .collect()
    }

    /// Pages of one list at the site's page size (an empty list still has its one page).
    pub fn page_count(&self, sub: Option<i32>) -> usize {
        self.listed(sub)
            .len()
            .div_ceil(self.spec.page_size.max(1))
            .max(1)
    }

    /// The docs on page `current` (0-based) of one list, and the list's page count; `None` past
    /// the last page.
    pub fn page_of(&self, sub: Option<i32>, current: usize) -> Option<(Vec<&Doc>, usize)> {
        let pages = self.page_count(sub);
        if current >= pages {
            return None;
        }
        let size = self.spec.page_size.max(1);
        let docs = self
            .listed(sub)
            .into_iter()
            .skip(current * size)
            .take(size)
            .collect();
        Some((docs, pages))
    }

    pub fn subsections(&self) -> Vec<Option<i32>> {
        sites::subsections(self)
    }

    pub fn stated_counts(&self) -> Vec<(Option<i32>, u64)> {
        self.subsections()
            .into_iter()
            .map(|sub| (sub, self.listed(sub).len() as u64))
            .collect()
    }

    pub fn list_targets(&self) -> Vec<(Option<i32>, Vec<String>)> {
        self.subsections()
            .into_iter()
            .map(|sub| (sub, sites::list_targets(self, sub, self.page_count(sub))))
            .collect()
    }

    pub fn truth(&self) -> Vec<TruthDoc> {
        let family = self.spec.family;
        self.docs
            .iter()
            .map(|d| {
                let labelled = match family {
                    Family::NoMeta | Family::Blocked => None,
                    // A 发布机构 that names the website (`阿图什政府网`, as the real page prints
                    // it) names no body: the page's 来源, the portal, does.
                    Family::Trs
                        if d.spec
                            .issuing_body
                            .as_deref()
                            .is_some_and(|b| b.ends_with('网')) =>
                    {
                        Some(self.spec.portal_name.clone())
                    }
                    _ => d.spec.issuing_body.clone(),
                };
                TruthDoc {
                    path: d.path.clone(),
                    aliases: d.alias.iter().cloned().collect(),
                    title: d.spec.title.clone(),
                    issuing_body: labelled.or_else(|| by_text(&d.spec)),
                    index_number: d.index_number.clone(),
                    doc_number: d.spec.doc_number.clone(),
                    publish_date: Some(d.spec.published.date()),
                    report_year: d.spec.report_year,
                    is_annual_report: d.spec.report_year.is_some(),
                    attachments: d.attachments.iter().map(|a| a.path.clone()).collect(),
                }
            })
            .collect()
    }

    pub fn record_garbage(&mut self, raw: &str) {
        let method = raw
            .split_whitespace()
            .next()
            .unwrap_or("")
            .chars()
            .take(16)
            .collect();
        self.requests.push(RequestRecord {
            at: Instant::now(),
            method,
            target: String::new(),
            headers: Vec::new(),
            body: raw.as_bytes().to_vec(),
            status: 400,
            refusals_before: self.refusals_written,
        });
    }

    /// Answers one well-formed request and records it.
    pub fn respond(&mut self, req: &Request) -> Response {
        self.received += 1;
        self.generation += 1;
        let fault = self
            .spec
            .faults
            .iter()
            .find(|f| f.on_request == self.received)
            .map(|f| f.kind.clone())
            .or_else(|| {
                self.spec
                    .path_faults
                    .iter()
                    .find(|f| f.target.matches(&req.target))
                    .map(|f| f.kind.clone())
            });
        let resp = self.answer(req, fault);
        self.requests.push(RequestRecord {
            at: Instant::now(),
            method: req.method.clone(),
            target: req.target.clone(),
            headers: req.headers.clone(),
            body: req.body.clone(),
            status: resp.status,
            refusals_before: self.refusals_written,
        });
        resp
    }

    /// A 403 answer was written in full (see `RequestRecord::refusals_before`).
    pub fn refusal_written(&mut self) {
        self.refusals_written += 1;
    }

    /// The answer to `req`: `fault`'s when one applies, else the site's own.
    fn answer(&mut self, req: &Request, fault: Option<FaultKind>) -> Response {
        match fault {
            Some(FaultKind::Late { delay, kind }) => {
                let mut resp = self.answer(req, Some(*kind));
                resp.delay = Some(delay);
                resp
            }
            Some(FaultKind::Status {
                status,
                retry_after,
            }) => {
                let body = format!(
                    "<html><head><title>{status}</title></head><body><h1>{status} {}</h1><hr><center>nginx</center></body></html>",
                    super::http::reason(status)
                );
                let mut resp = Response::new(status, "text/html", body.into_bytes());
                if let Some(secs) = retry_after {
                    resp = resp.header("Retry-After", &secs.to_string());
                }
                resp
            }
            Some(FaultKind::Truncate) => {
                let mut resp = self.route(req);
                resp.truncate = true;
                resp
            }
            Some(FaultKind::Redirect { status, location }) => {
                let body = format!("<html><body><a href=\"{location}\">moved</a></body></html>");
                Response::new(status, "text/html", body.into_bytes()).header("Location", &location)
            }
            Some(FaultKind::Body {
                status,
                content_type,
                body,
            }) => Response::new(status, &content_type, body),
            Some(FaultKind::Pad { bytes }) => {
                let mut resp = self.route(req);
                // Inside an HTML comment, so the page still parses as it did.
                resp.body.extend_from_slice(b"\n<!--");
                resp.body.resize(resp.body.len() + bytes, b'x');
                resp.body.extend_from_slice(b"-->\n");
                resp
            }
            None => self.route(req),
        }
    }

    fn route(&mut self, req: &Request) -> Response {
        if !matches!(req.method.as_str(), "GET" | "HEAD" | "POST") {
            return Response::text(405, "405 Method Not Allowed\n")
                .header("Allow", "GET, HEAD, POST");
        }
        let path = req.path().to_string();
        if path == "/robots.txt" {
            if let Some(resp) = sites::robots(self) {
                return resp;
            }
            return Response::new(200, "text/plain", self.robots().into_bytes());
        }
        let response = sites::route(self, req).unwrap_or_else(|| sites::not_found(self));
        self.conditional(req, response)
    }

    /// Static item pages carry an entity tag that changes only when the document is edited (the
    /// view counter is volatile and does not count), and answer a matching If-None-Match with 304,
    /// as the nginx in front of a TRS or Hanweb site does; so do their static attachment files,
    /// with a tag of their bytes. The legacy ASP family, being dynamic, sends no validators.
    fn conditional(&self, req: &Request, response: Response) -> Response {
        if response.status != 200 || req.method != "GET" || self.spec.family == Family::LegacyGbk {
            return response;
        }
        let doc = self
            .docs
            .iter()
            .find(|d| d.path == req.target || d.alias.as_deref() == Some(req.target.as_str()));
        let etag = match doc {
            Some(doc) => format!("\"{}-{}\"", doc.id, doc.extra_paragraphs.len()),
            None if self.is_attachment(&req.target) && response.filler.is_none() => {
                let mut hasher = std::collections::hash_map::DefaultHasher::new();
                std::hash::Hash::hash(&response.body, &mut hasher);
                format!("\"file-{:016x}\"", std::hash::Hasher::finish(&hasher))
            }
            None => return response,
        };
        if req.header("if-none-match") == Some(etag.as_str()) {
            return Response::new(304, "text/html", Vec::new()).header("ETag", &etag);
        }
        response.header("ETag", &etag)
    }

    fn is_attachment(&self, target: &str) -> bool {
        self.docs
            .iter()
            .any(|d| d.attachments.iter().any(|a| a.path == target))
    }

    fn robots(&self) -> String {
        let mut out = String::from("User-agent: *\nDisallow: /search/\nDisallow: /admin/\n");
        if let Some(delay) = self.spec.crawl_delay {
            out.push_str(&format!("Crawl-delay: {delay}\n"));
        }
        out
    }
}

/// The issuing body a document's text names when no label does: a report's title names the
/// reporting body before its year (`台上镇2019年…` -> `台上镇`); a signature that names the same
/// body more fully (`台上镇人民政府`) is the more specific answer, one that names another body
/// loses to the title; without a title body, the signature.
fn by_text(spec: &DocSpec) -> Option<String> {
    let title_body = spec
        .report_year
        .and_then(|_| spec.title.split(|c: char| c.is_ascii_digit()).next())
        .filter(|b| !b.is_empty())
        .map(str::to_string);
    match (title_body, &spec.signed_by) {
        (Some(t), Some(s)) if s.contains(&t) => Some(s.clone()),
        (Some(t), _) => Some(t),
        (None, s) => s.clone(),
    }
}
