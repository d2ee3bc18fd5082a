//! Cursor pagination. A list answers `{"data": [...], "next_cursor": ...}`;
//! the cursor is opaque to clients (base64url of the sort key of the last row
//! and its id), so a page boundary is a position in the sort order, not an
//! offset: inserts and deletes never make a client skip or repeat a row.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::AppError;

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 200;

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    /// The items of this page.
    pub data: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    #[schema(example = "eyJrIjoiR3JhY2UgSG9wcGVyIiwiaWQiOiIwMTkzYTVmMiJ9")]
    pub next_cursor: Option<String>,
}

/// `limit` and `cursor`, shared by every list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
}

impl PageParams {
    pub fn limit(&self) -> Result<u64, AppError> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(_) => Err(AppError::bad_request(
                "invalid_query",
                format!("limit must be between 1 and {MAX_LIMIT}"),
            )),
        }
    }

    /// The decoded cursor, if one was given.
    pub fn cursor<K: DeserializeOwned>(&self) -> Result<Option<K>, AppError> {
        self.cursor.as_deref().map(decode_cursor).transpose()
    }
}

pub fn encode_cursor<K: Serialize>(key: &K) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(key).unwrap_or_default())
}

pub fn decode_cursor<K: DeserializeOwned>(cursor: &str) -> Result<K, AppError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| {
            AppError::bad_request(
                "invalid_cursor",
                "The cursor is not one this list gave out; start again without it.",
            )
        })
}

/// Builds a page from `limit + 1` fetched rows: the extra row only says there
/// is a next page, whose cursor is the key of the last row shown.
pub fn paginate<R, T: ToSchema, K: Serialize>(
    rows: Vec<R>,
    limit: u64,
    key: impl Fn(&R) -> K,
    render: impl Fn(R) -> T,
) -> Page<T> {
    paginate_with(rows, limit, |r| encode_cursor(&key(r)), render)
}

/// [`paginate`] with a cursor made by `cursor` from the last row shown.
pub fn paginate_with<R, T: ToSchema>(
    rows: Vec<R>,
    limit: u64,
    cursor: impl Fn(&R) -> String,
    render: impl Fn(R) -> T,
) -> Page<T> {
    let (rows, next_cursor) = split_page(rows, limit, cursor);
    Page {
        data: rows.into_iter().map(render).collect(),
        next_cursor,
    }
}

/// The rows of a page out of `limit + 1` fetched, and the next cursor.
pub fn split_page<R>(
    mut rows: Vec<R>,
    limit: u64,
    cursor: impl Fn(&R) -> String,
) -> (Vec<R>, Option<String>) {
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if more { rows.last().map(cursor) } else { None };
    (rows, next_cursor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(ToSchema, Serialize)]
    struct Item(u32);

    #[test]
    fn a_page_knows_whether_more_follow() {
        let page = paginate(vec![1u32, 2, 3], 2, |r| *r, Item);
        assert_eq!(page.data.len(), 2);
        let cursor: u32 = decode_cursor(page.next_cursor.as_deref().unwrap()).unwrap();
        assert_eq!(cursor, 2);
        let last = paginate(vec![1u32, 2], 2, |r| *r, Item);
        assert!(last.next_cursor.is_none());
    }

    #[test]
    fn limits_outside_1_to_200_and_foreign_cursors_are_refused() {
        assert!(
            PageParams {
                limit: Some(0),
                cursor: None
            }
            .limit()
            .is_err()
        );
        assert!(
            PageParams {
                limit: Some(201),
                cursor: None
            }
            .limit()
            .is_err()
        );
        assert_eq!(PageParams::default().limit().unwrap(), 50);
        assert!(decode_cursor::<u32>("!!!").is_err());
    }
}
