//! One S3 LIST, page by page, for `Remote::list`: a server whose pages never end (a token sent
//! again, a page with no new key, keys that do not increase) ends the listing with an error
//! instead of being followed for ever.

use std::collections::HashSet;

use object_store::ObjectMeta;
use object_store::aws::AmazonS3;
use object_store::list::{PaginatedListOptions, PaginatedListStore};
use object_store::path::Path as ObjectPath;

use super::StorageError;

/// Lists every object below `path` page by page. S3 sends keys in ascending order and a new
/// continuation token while more follow; a server that sends a token again, a page with no key
/// past the last, or keys that do not increase would be followed for ever (each page's request
/// is bounded, the listing is not), so the listing ends there with an error naming `url`.
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
            if let Some(last) = metas.last()
                && meta.location.as_ref() <= last.location.as_ref()
            {
                return Err(endless(format!(
                    "key {:?} came after {:?} (keys must increase)",
                    meta.location.as_ref(),
                    last.location.as_ref()
                )));
            }
            metas.push(meta);
            new_keys += 1;
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
