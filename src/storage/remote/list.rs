//! One S3 LIST, page by page, for `Remote::list`: a server whose pages never end (a token sent
//! again, a page with no new key) ends the listing with an error instead of being followed for
//! ever.

use std::collections::HashSet;

use object_store::ObjectMeta;
use object_store::aws::AmazonS3;
use object_store::list::{PaginatedListOptions, PaginatedListStore};
use object_store::path::Path as ObjectPath;

use super::StorageError;

/// Lists every object below `path` page by page. S3 sends a new continuation token while more
/// keys follow; a server that sends a token again, or a page of no key not listed before, would
/// be followed for ever (each page's request is bounded, the listing is not), so the listing ends
/// there with an error naming `url`. Order is not relied on (S3 sorts keys; not every
/// S3-compatible server does), and a key sent twice is listed once.
pub(super) async fn list_pages(
    lister: &AmazonS3,
    path: Option<ObjectPath>,
    url: String,
) -> Result<Vec<ObjectMeta>, StorageError> {
    // `ObjectStore::list` lists below the folder: the prefix ends with the delimiter.
    let prefix = path.map(|p| format!("{}/", p.as_ref()));
    let mut tokens = HashSet::new();
    let mut token = None;
    let mut metas: Vec<ObjectMeta> = Vec::new();
    let mut listed: HashSet<String> = HashSet::new();
    let endless = |reason: String| StorageError::EndlessList {
        url: url.clone(),
        reason,
    };
    loop {
        let options = PaginatedListOptions {
            page_token: token.take(),
            ..PaginatedListOptions::default()
        };
        let page = lister
            .list_paginated(prefix.as_deref(), options)
            .await
            .map_err(|source| StorageError::Object {
                op: "list",
                url: url.clone(),
                source,
            })?;
        let mut new_keys = 0usize;
        for meta in page.result.objects {
            if listed.insert(meta.location.as_ref().to_string()) {
                metas.push(meta);
                new_keys += 1;
            }
        }
        let Some(next) = page.page_token else {
            return Ok(metas);
        };
        if new_keys == 0 {
            return Err(endless(format!(
                "a page with no key asks for another (token {next:?})"
            )));
        }
        if !tokens.insert(next.clone()) {
            return Err(endless(format!("continuation token {next:?} sent again")));
        }
        token = Some(next);
    }
}
