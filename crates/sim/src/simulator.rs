//! The running simulator: `Simulator::start` binds one listener per site and spawns its server
//! task; a `SiteHandle` reads a running site's request log and ground truth and changes its model
//! while it runs; `Simulator::config_toml` writes a nianbao config that crawls every site.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::site::SiteState;
use crate::{DocSpec, Family, PathFault, RequestRecord, SiteSpec, TruthDoc, server};

/// A running site: cheap to clone, shares its state with the server task.
#[derive(Clone)]
pub struct SiteHandle {
    name: String,
    portal_name: String,
    addr: SocketAddr,
    state: Arc<Mutex<SiteState>>,
}

impl SiteHandle {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn portal_name(&self) -> &str {
        &self.portal_name
    }

    pub fn family(&self) -> Family {
        self.lock().family()
    }

    /// `127.0.0.11:PORT`
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    pub fn base_url(&self) -> url::Url {
        url::Url::parse(&format!("http://{}/", self.addr))
            .expect("a socket address always forms a valid http URL")
    }

    /// The annual-report section's first list page.
    pub fn section_url(&self) -> url::Url {
        let path = self.lock().section_path();
        self.url(&path)
    }

    /// `path` (with optional query) on this site.
    pub fn url(&self, path: &str) -> url::Url {
        self.base_url()
            .join(path)
            .unwrap_or_else(|_| self.base_url())
    }

    /// Every request received, in arrival order.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.lock().requests.clone()
    }

    /// Ground truth of the current site model.
    pub fn truth(&self) -> Vec<TruthDoc> {
        self.lock().truth()
    }

    /// Per year subsection (`None` = the section root list), how many items the site has listed
    /// there. The list pages print this count (共N条, totalrecord) only where
    /// [`SiteHandle::shows_counts`] says so.
    pub fn stated_counts(&self) -> Vec<(Option<i32>, u64)> {
        self.lock().stated_counts()
    }

    /// Whether the list pages print their item count. The Big5 and no-metadata families do not
    /// (the latter prints only 第i页/共N页), as many small portals do not: a crawler can only count
    /// what it finds there.
    pub fn shows_counts(&self) -> bool {
        matches!(
            self.family(),
            Family::Trs | Family::Hanweb | Family::LegacyGbk
        )
    }

    /// Per subsection, every list page URL the site serves for it, in pager order (for Hanweb the
    /// first page, then the dataproxy requests a browser would make).
    pub fn list_urls(&self) -> Vec<(Option<i32>, Vec<url::Url>)> {
        let lists = self.lock().list_targets();
        lists
            .into_iter()
            .map(|(sub, targets)| (sub, targets.iter().map(|t| self.url(t)).collect()))
            .collect()
    }

    /// Adds a document; it is listed first on the first list page of its subsection.
    pub fn add_document(&self, doc: DocSpec) {
        self.lock().add_document(doc);
    }

    /// Appends a paragraph to the main content of the document at `path` (or one of its aliases),
    /// so a new version is expected. Panics if no document has that path (test helper).
    pub fn edit_document(&self, path: &str, new_body_paragraph: &str) {
        if !self.lock().edit_document(path, new_body_paragraph) {
            panic!("site {}: no document at {path}", self.name);
        }
    }

    /// Adds a scripted misbehaviour by request target, from the next request on (tests learn the
    /// paths from `truth` once the site runs).
    pub fn add_path_fault(&self, fault: PathFault) {
        self.lock().spec.path_faults.push(fault);
    }

    /// Removes every scripted misbehaviour by request target: those targets are answered
    /// normally again (a file that went missing and came back).
    pub fn clear_path_faults(&self) {
        self.lock().spec.path_faults.clear();
    }

    /// Changes only the volatile parts: view counters and page generation time.
    pub fn bump_counters(&self) {
        self.lock().bump_counters();
    }

    fn lock(&self) -> MutexGuard<'_, SiteState> {
        // A panic while holding the lock can only come from a bug in the renderer; the model is
        // still usable for the log and truth, so recover the guard rather than poison every test.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The running simulated portals. Dropping it or calling [`Simulator::shutdown`] stops them.
pub struct Simulator {
    sites: Vec<SiteHandle>,
    tasks: Vec<JoinHandle<()>>,
}

impl Simulator {
    /// Serves each site on its own 127.0.0.x (x = 11, 12, …) with an ephemeral port, falling back
    /// to 127.0.0.1 where that address cannot be bound.
    pub async fn start(sites: Vec<SiteSpec>) -> std::io::Result<Simulator> {
        let mut handles = Vec::new();
        let mut tasks = Vec::new();
        for (i, spec) in sites.into_iter().enumerate() {
            let octet = u8::try_from(11 + i).unwrap_or(254);
            let listener = match TcpListener::bind((Ipv4Addr::new(127, 0, 0, octet), 0)).await {
                Ok(l) => l,
                Err(_) => TcpListener::bind((IpAddr::V4(Ipv4Addr::LOCALHOST), 0)).await?,
            };
            let addr = listener.local_addr()?;
            let handle = SiteHandle {
                name: spec.name.clone(),
                portal_name: spec.portal_name.clone(),
                addr,
                state: Arc::new(Mutex::new(SiteState::new(spec))),
            };
            tasks.push(tokio::spawn(server::serve(listener, handle.state.clone())));
            handles.push(handle);
        }
        Ok(Simulator {
            sites: handles,
            tasks,
        })
    }

    /// The bundled standard set: trs, hanweb, gbk, big5, nometa, blocked.
    pub async fn start_standard() -> std::io::Result<Simulator> {
        Simulator::start(SiteSpec::standard()).await
    }

    pub fn sites(&self) -> &[SiteHandle] {
        &self.sites
    }

    /// The site with short id `name`; panics with the known ids if there is none (test helper).
    pub fn site(&self, name: &str) -> &SiteHandle {
        self.sites
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| {
                let known: Vec<&str> = self.sites.iter().map(|s| s.name.as_str()).collect();
                panic!("simulator has no site {name:?}; known: {known:?}")
            })
    }

    /// A nianbao `config.toml` crawling every site's section.
    pub fn config_toml(&self, data_dir: &Path, per_host_interval: Duration) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "data_dir = {}\n\n",
            toml_str(&data_dir.to_string_lossy())
        ));
        out.push_str("[politeness]\n");
        out.push_str("user_agent = \"nianbao-test/0.1 (+http://127.0.0.1/contact)\"\n");
        out.push_str(&format!(
            "per_host_interval = {}\n",
            toml_str(&humantime::format_duration(per_host_interval).to_string())
        ));
        out.push_str("respect_robots = true\n\n");
        out.push_str("[fetch]\ntimeout = \"5s\"\nmax_retries = 3\nretry_base = \"100ms\"\n");
        for site in &self.sites {
            out.push_str("\n[[portal]]\n");
            out.push_str(&format!("name = {}\n", toml_str(site.portal_name())));
            out.push_str(&format!(
                "url = {}\n",
                toml_str(site.section_url().as_str())
            ));
        }
        out
    }

    pub async fn shutdown(mut self) {
        for task in self.tasks.drain(..) {
            task.abort();
            let _ = task.await;
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// A TOML basic string with the characters TOML requires escaped.
pub(crate) fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
