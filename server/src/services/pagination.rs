//! Keyset pagination: `first` (default 20, at most 100) and an opaque `after` cursor.

use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::sql::{self, ListQuery};
use crate::util;
use crate::t;

pub const DEFAULT_PAGE: u64 = 20;
pub const MAX_PAGE: u64 = 100;

#[derive(Clone, Copy, Debug)]
pub struct PageArgs {
    pub first: u64,
}

pub fn page_size(first: Option<i32>) -> AppResult<u64> {
    match first {
        None => Ok(DEFAULT_PAGE),
        Some(n) if (0..=MAX_PAGE as i32).contains(&n) => Ok(n as u64),
        Some(_) => Err(AppError::bad_input("first", t!("field-between", min = 0, max = MAX_PAGE))),
    }
}

/// A cursor holding just an id (lists ordered by UUIDv7 id, which is creation order).
pub fn id_cursor(id: Uuid) -> String {
    util::encode_cursor(&[&id.to_string()])
}

pub fn parse_id_cursor(after: Option<&str>) -> AppResult<Option<Uuid>> {
    let Some(after) = after else { return Ok(None) };
    util::decode_cursor(after)
        .and_then(|parts| match parts.as_slice() {
            [id] => id.parse().ok(),
            _ => None,
        })
        .map(Some)
        .ok_or_else(|| AppError::bad_input("after", t!("field-bad-cursor")))
}

/// A cursor holding a sort key and an id.
pub fn key_cursor(key: i64, id: Uuid) -> String {
    util::encode_cursor(&[&key.to_string(), &id.to_string()])
}

pub fn parse_key_cursor(after: Option<&str>) -> AppResult<Option<(i64, Uuid)>> {
    let Some(after) = after else { return Ok(None) };
    util::decode_cursor(after)
        .and_then(|parts| match parts.as_slice() {
            [key, id] => Some((key.parse().ok()?, id.parse().ok()?)),
            _ => None,
        })
        .map(Some)
        .ok_or_else(|| AppError::bad_input("after", t!("field-bad-cursor")))
}

/// One page of a list: the rows (at most `first`), whether more follow, and the list's total.
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next: bool,
}

impl<T> Page<T> {
    /// Builds a page from `first + 1` fetched rows.
    pub fn from_rows(mut rows: Vec<T>, first: u64) -> Self {
        let has_next = rows.len() as u64 > first;
        rows.truncate(first as usize);
        Self { items: rows, has_next }
    }
}

/// A list's total: known already (from counters), or the count query to run if a reader asks for it.
#[derive(Debug)]
pub enum Total {
    Known(i64),
    Query(String, Vec<sea_orm::Value>),
    /// A search's total: `FROM … WHERE …` of its matches, counted exactly up to
    /// `search_index::EXACT_TOTAL_UP_TO` and estimated beyond (`search_index::bounded_total`).
    Bounded(String, Vec<sea_orm::Value>),
}

/// Runs a list's page: the page of `first` rows of entity `E`, and the list's count query, which runs
/// only when `totalCount` is selected (a page of an account's 100,000 notifications does not count
/// them all).
pub async fn fetch<E: EntityTrait>(db: &impl ConnectionTrait, query: ListQuery, first: u64) -> AppResult<(Page<E::Model>, Total)> {
    let rows = E::find().from_raw_sql(sql::statement(db, &query.page_sql, query.page_values)).all(db).await?;
    Ok((Page::from_rows(rows, first), Total::Query(query.count_sql, query.count_values)))
}
