//! Frontier tasks: what the crawl has to do, in a form that survives a crash. A task is queued
//! when found and done (or failed) when finished; a task found queued at start-up (including one
//! that was in flight when the process died) is simply done again.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::Digest;
use url::Url;

use crate::discover::{ListItem, PageRequest};
use crate::extract::ListEvidence;

/// Longest form written out in a frontier key.
const MAX_FORM_IN_KEY: usize = 1024;

/// A request in storable form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskRequest {
    pub url: String,
    /// Form fields of a POST (Hanweb dataproxy.jsp); `None` for a GET.
    pub form: Option<Vec<(String, String)>>,
    /// The encoding a POST's form is sent in, by name, when it is not UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charset: Option<String>,
}

impl TaskRequest {
    pub fn from_request(request: &PageRequest) -> TaskRequest {
        match request {
            PageRequest::Get(url) => TaskRequest {
                url: url.to_string(),
                form: None,
                charset: None,
            },
            PageRequest::Post { url, form, charset } => TaskRequest {
                url: url.to_string(),
                form: Some(form.clone()),
                charset: charset.map(|e| e.name().to_string()),
            },
        }
    }

    pub fn to_request(&self) -> Option<PageRequest> {
        let url = Url::parse(&self.url).ok()?;
        Some(match &self.form {
            None => PageRequest::Get(url),
            Some(form) => PageRequest::Post {
                url,
                form: form.clone(),
                charset: self
                    .charset
                    .as_deref()
                    .and_then(|name| encoding_rs::Encoding::for_label(name.as_bytes())),
            },
        })
    }

    /// The frontier key: the URL, plus the form for a POST (its sha256 when the form is long, as
    /// an ASP.NET view state is: the task itself holds the form).
    pub fn key(&self) -> String {
        match &self.form {
            None => self.url.clone(),
            Some(form) => {
                let encoded: Vec<String> = form.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let encoded = encoded.join("&");
                if encoded.len() <= MAX_FORM_IN_KEY {
                    format!("{} POST {encoded}", self.url)
                } else {
                    let digest = sha2::Sha256::digest(encoded.as_bytes());
                    format!("{} POST sha256:{}", self.url, hex::encode(digest))
                }
            }
        }
    }
}

/// The role of a URL in the walk of a section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Role {
    /// A page of the section's list (or of a per-year subsection).
    List {
        year: Option<i32>,
        /// Consecutive list pages before this one that held only known items (nightly stop rule).
        known_streak: u32,
        /// The page's number in its list as the pager of the page that led here numbers it.
        #[serde(default)]
        page: Option<u64>,
    },
    /// An item listed on a list page.
    Item {
        list_url: String,
        title: Option<String>,
        date: Option<NaiveDate>,
        #[serde(default)]
        fields: Vec<(String, String)>,
        /// The list (ledger key: a year, or "all") the item was found on.
        #[serde(default)]
        list: Option<String>,
        /// Asked because a complete walk of its list no longer shows it (see `delisted`).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        delisted: bool,
        /// The name of the list page the item was found on (`本级年报`), for the title rule. A
        /// task stored before it was kept reads as None.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        list_name: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    Queued,
    Done,
    Failed(String),
}

/// One unit of crawl work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub portal: String,
    pub request: TaskRequest,
    pub role: Role,
    pub state: TaskState,
}

impl Task {
    pub fn list(portal: &str, request: &PageRequest, year: Option<i32>, known_streak: u32) -> Task {
        Task {
            portal: portal.to_string(),
            request: TaskRequest::from_request(request),
            role: Role::List {
                year,
                known_streak,
                page: None,
            },
            state: TaskState::Queued,
        }
    }

    /// The same list task, for the page numbered `number` in its list.
    pub fn numbered(mut self, number: Option<u64>) -> Task {
        if let Role::List { page, .. } = &mut self.role {
            *page = number;
        }
        self
    }

    /// The same item task, found on the list whose ledger key is `key`.
    pub fn in_list(mut self, key: &str) -> Task {
        if let Role::Item { list, .. } = &mut self.role {
            *list = Some(key.to_string());
        }
        self
    }

    /// The same item task, found on a list page named `name`.
    pub fn named_list(mut self, name: Option<&str>) -> Task {
        if let Role::Item { list_name, .. } = &mut self.role {
            *list_name = name.map(str::to_string);
        }
        self
    }

    /// The list (ledger key) an item task was found on by this run's walk, if any.
    pub fn list_key(&self) -> Option<String> {
        match &self.role {
            Role::Item { list, .. } => list.clone(),
            Role::List { .. } => None,
        }
    }

    /// Whether this is the ask of an archived report its list no longer shows.
    pub fn is_delisted_ask(&self) -> bool {
        matches!(self.role, Role::Item { delisted: true, .. })
    }

    /// The same item task, asked because its list no longer shows it.
    pub fn delisted_ask(mut self) -> Task {
        if let Role::Item { delisted, .. } = &mut self.role {
            *delisted = true;
        }
        self
    }

    /// The item at `url` asked from its stored state rather than found on a list this run (a
    /// retry, attachments due, a delisted ask): as found on the list the state kept, with that
    /// list's entry and name, which the state keeps together. None when the state names no list
    /// or a URL does not parse.
    pub fn from_state(url: &str, state: &crate::store::UrlState) -> Option<Task> {
        let list_url = Url::parse(state.list_url.as_deref()?).ok()?;
        let item = ListItem {
            url: Url::parse(url).ok()?,
            title: state.list_title.clone(),
            date: state.list_date.as_deref().and_then(|d| d.parse().ok()),
            fields: Vec::new(),
        };
        Some(Task::item(&state.portal, &item, &list_url).named_list(state.list_name.as_deref()))
    }

    pub fn item(portal: &str, item: &ListItem, list_url: &Url) -> Task {
        Task {
            portal: portal.to_string(),
            request: TaskRequest {
                url: item.url.to_string(),
                form: None,
                charset: None,
            },
            role: Role::Item {
                list_url: list_url.to_string(),
                title: item.title.clone(),
                date: item.date,
                fields: item.fields.clone(),
                list: None,
                delisted: false,
                list_name: None,
            },
            state: TaskState::Queued,
        }
    }

    pub fn key(&self) -> String {
        self.request.key()
    }

    pub fn evidence(&self) -> ListEvidence {
        match &self.role {
            Role::Item {
                title,
                date,
                fields,
                list_name,
                ..
            } => ListEvidence {
                title: title.clone(),
                date: *date,
                fields: fields.clone(),
                list_name: list_name.clone(),
            },
            Role::List { .. } => ListEvidence::default(),
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("tasks serialise: plain data")
    }

    pub fn decode(bytes: &[u8]) -> Option<Task> {
        serde_json::from_slice(bytes).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(form: &[(&str, &str)]) -> TaskRequest {
        TaskRequest {
            url: "http://h.example/list.aspx".into(),
            form: Some(
                form.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
            charset: None,
        }
    }

    /// A postback's form keeps the page's encoding through the frontier; a task written before
    /// forms had one reads as UTF-8.
    #[test]
    fn a_form_keeps_its_encoding_in_the_frontier() {
        let request = PageRequest::Post {
            url: Url::parse("http://h.example/list.aspx").expect("URL"),
            form: vec![("lb".into(), "年报".into())],
            charset: Some(encoding_rs::GBK),
        };
        let stored = serde_json::to_string(&TaskRequest::from_request(&request)).expect("JSON");
        let read: TaskRequest = serde_json::from_str(&stored).expect("reads back");
        assert_eq!(read.to_request(), Some(request));
        let older: TaskRequest =
            serde_json::from_str(r#"{"url":"http://h.example/list.aspx","form":[["lb","年报"]]}"#)
                .expect("an older task reads");
        assert!(matches!(
            older.to_request(),
            Some(PageRequest::Post { charset: None, .. })
        ));
    }

    /// A short form is written out in the key; a long one (an ASP.NET view state) is named by its
    /// digest, so keys stay short and still tell the pages apart.
    #[test]
    fn a_long_form_is_keyed_by_its_digest() {
        let short = post(&[("current", "2"), ("pageSize", "15")]);
        assert_eq!(
            short.key(),
            "http://h.example/list.aspx POST current=2&pageSize=15"
        );
        let state = "x".repeat(50_000);
        let page = |n: &str| post(&[("__VIEWSTATE", &state), ("__EVENTARGUMENT", n)]).key();
        assert!(page("2").len() < 200, "{}", page("2").len());
        assert!(page("2").starts_with("http://h.example/list.aspx POST sha256:"));
        assert_ne!(page("2"), page("3"));
        assert_eq!(page("2"), page("2"));
    }

    /// An item task carries its list page's name through the frontier; one stored before it was
    /// kept reads with none, and extraction is then told none.
    #[test]
    fn an_item_task_keeps_its_lists_name() {
        let item = ListItem {
            url: Url::parse("http://h.example/art/1.html").expect("URL"),
            title: Some("某某县2023年政府信息公开工作年度报告".into()),
            date: None,
            fields: Vec::new(),
        };
        let list = Url::parse("http://h.example/bj/").expect("URL");
        let task = Task::item("某某县", &item, &list).named_list(Some("本级年报"));
        let read = Task::decode(&task.encode()).expect("reads back");
        assert_eq!(read.evidence().list_name.as_deref(), Some("本级年报"));
        let older = r#"{"portal":"某某县","request":{"url":"http://h.example/art/1.html","form":null},"role":{"role":"item","list_url":"http://h.example/bj/","title":"某某县2023年政府信息公开工作年度报告","date":null},"state":"queued"}"#;
        let older = Task::decode(older.as_bytes()).expect("an older task reads");
        assert_eq!(older.evidence().list_name, None);
        assert_eq!(
            older.evidence().title.as_deref(),
            Some("某某县2023年政府信息公开工作年度报告")
        );
        let unnamed = Task::item("某某县", &item, &list).named_list(None);
        assert!(!String::from_utf8_lossy(&unnamed.encode()).contains("list_name"));
    }
}
