//! Lists of comments: a consultation's (public or staff view), one's own, and duplicate groups.

use sea_orm::{DbBackend, EntityTrait, Value};
use uuid::Uuid;

use entities::{comment, consultation, duplicate_group};

use crate::domain::{CommentOrder, CommentStatus};
use crate::error::{AppError, AppResult};
use crate::services::authz::{self, Viewer};
use crate::services::counters::{self};
use crate::services::pagination::{self, Page};
use crate::services::search_index::{self, TextSearch};
use crate::sql::{self, ListQuery, Params};
use crate::state::AppState;
use crate::t;

#[derive(Clone, Debug, Default)]
pub struct CommentFilter {
    pub section_id: Option<Uuid>,
    pub order: Option<CommentOrder>,
    pub status: Option<CommentStatus>,
    pub reported: Option<bool>,
    pub replied: Option<bool>,
    /// Words the comments must contain (`search_index::text_search`); blank is no search.
    pub search: Option<String>,
}

pub struct CommentList {
    pub page: Page<comment::Model>,
    pub cursors: Vec<String>,
    /// The total when counters know it; otherwise the count query to run if the client asks.
    pub total: Total,
    pub moderator: bool,
}

pub use crate::services::pagination::Total;

/// A page of a consultation's comments. The public sees PUBLISHED ones; the consultation's staff and
/// admins may filter by status (default: every status but WITHDRAWN) and by reports.
pub async fn list(
    state: &AppState,
    viewer: &Viewer,
    consultation: &consultation::Model,
    filter: &CommentFilter,
    first: Option<i32>,
    after: Option<&str>,
) -> AppResult<CommentList> {
    let first = pagination::page_size(first)?;
    let moderator = authz::can_moderate(&state.db.conn, viewer, consultation).await?;
    if !moderator {
        let staff_only = filter.status.is_some_and(|s| s != CommentStatus::Published) || filter.reported.is_some();
        if staff_only && viewer.user.is_none() {
            return Err(AppError::Unauthenticated);
        }
        if filter.status.is_some_and(|s| s != CommentStatus::Published) {
            return Err(AppError::forbidden(t!("error-list-unpublished-comments")));
        }
        if filter.reported.is_some() {
            return Err(AppError::forbidden(t!("error-list-reported-comments")));
        }
    }
    let status = if moderator { filter.status } else { Some(CommentStatus::Published) };
    let search = search_index::text_search(state.db.backend(), "search", filter.search.as_deref())?;
    let (query, order) = search_list_query(state.db.backend(), consultation.id, status, filter, search.as_ref(), after, first)?;
    // Totals that the sharded counters already hold are never counted row by row.
    let total = match (status, filter.section_id, filter.replied, filter.reported) {
        _ if search.is_some() => Total::Bounded(query.count_sql.trim_start_matches("SELECT COUNT(*) FROM ").to_owned(), query.count_values),
        (Some(CommentStatus::Published), None, None, None) => Total::Known(counters::load_one(&state.db.conn, consultation.id).await?.published),
        (Some(CommentStatus::Published), None, Some(false), None) => Total::Known(counters::load_one(&state.db.conn, consultation.id).await?.unreplied),
        (Some(CommentStatus::Pending), None, None, None) => Total::Known(counters::load_one(&state.db.conn, consultation.id).await?.pending),
        (Some(CommentStatus::Published), Some(section), None, None) => Total::Known(counters::load_one(&state.db.conn, section).await?.published),
        _ => Total::Query(query.count_sql, query.count_values),
    };
    let (sql_text, values) = (query.page_sql, query.page_values);
    // A word the keyword counts know to be rare in the consultation goes straight to its matches: the
    // window would read SEARCH_WINDOW comments to find almost none (the tail of the rare-word search in
    // BENCHMARKS.md). Either way the page is the same; only the way there differs.
    let rare = match (&query.fallback_sql, search.as_ref()) {
        (Some(_), Some(search)) => search_index::known_rare(&state.db.conn, consultation.id, &search.tokens, RARE_WORD).await?,
        _ => false,
    };
    let mut rows = match query.fallback_sql.as_deref().filter(|_| rare) {
        Some(fallback) => comment::Entity::find().from_raw_sql(sql::statement(&state.db.conn, fallback, values.clone())).all(&state.db.conn).await?,
        None => comment::Entity::find().from_raw_sql(sql::statement(&state.db.conn, &sql_text, values.clone())).all(&state.db.conn).await?,
    };
    if let Some(fallback) = query.fallback_sql.filter(|_| !rare && (rows.len() as u64) <= first) {
        // Fewer matches than a page among the next SEARCH_WINDOW comments: the word is rare here.
        rows = comment::Entity::find().from_raw_sql(sql::statement(&state.db.conn, &fallback, values)).all(&state.db.conn).await?;
    }
    let page = Page::from_rows(rows, first);
    let cursors = page
        .items
        .iter()
        .map(|c| match order {
            CommentOrder::MostEndorsed => pagination::key_cursor(i64::from(c.endorsement_count), c.id),
            _ => pagination::id_cursor(c.id),
        })
        .collect();
    Ok(CommentList { page, cursors, total, moderator })
}

/// How many comments after the cursor a PostgreSQL search reads in list order before it goes through
/// the GIN index instead: a word in more than about one comment in a hundred fills a page within them.
/// (PostgreSQL's estimate of a word's frequency is too rough to leave the choice to the planner: it put
/// a word of 9 comments in 100,000 at 784 and walked the whole list for it, 577 ms.)
pub const SEARCH_WINDOW: u64 = 2000;

/// At most this many published comments of the consultation hold a word the keyword counts know: the
/// search goes straight through the word's matches (a window of SEARCH_WINDOW would hold about
/// SEARCH_WINDOW × RARE_WORD / size of them, seldom a page).
pub const RARE_WORD: i64 = 1000;

/// The statuses staff list by default: every one but WITHDRAWN (the author took it back).
pub const STAFF_DEFAULT_STATUSES: [CommentStatus; 4] = [CommentStatus::Pending, CommentStatus::Published, CommentStatus::Hidden, CommentStatus::Rejected];

/// The SQL of one page of a consultation's comments (keyset on id, or on endorsements then id), and of
/// the count of the whole list, with the order its cursors follow. Separate from `list` so that a test
/// can ask PostgreSQL for its plans. `status: None` lists `STAFF_DEFAULT_STATUSES`.
pub fn list_query(
    backend: DbBackend,
    consultation_id: Uuid,
    status: Option<CommentStatus>,
    filter: &CommentFilter,
    after: Option<&str>,
    first: u64,
) -> AppResult<(ListQuery, CommentOrder)> {
    search_list_query(backend, consultation_id, status, filter, None, after, first)
}

/// `list_query` with a search: only the comments whose indexed tokens hold every token of `search`.
pub fn search_list_query(
    backend: DbBackend,
    consultation_id: Uuid,
    status: Option<CommentStatus>,
    filter: &CommentFilter,
    search: Option<&TextSearch>,
    after: Option<&str>,
    first: u64,
) -> AppResult<(ListQuery, CommentOrder)> {
    let order = filter.order.unwrap_or(CommentOrder::Newest);
    let mut params = Params::new();
    let consultation = params.bind(consultation_id);
    // The equalities on consultation and status come first: the list-index range below stands for them.
    let mut conditions = vec![format!("consultation_id = {consultation}")];
    let status_param = match status {
        Some(s) => {
            let status = params.bind(s);
            conditions.push(format!("status = {status}"));
            Some(status)
        }
        None => {
            conditions.push(format!("status IN ({})", params.bind_all(STAFF_DEFAULT_STATUSES)));
            None
        }
    };
    if let Some(section) = filter.section_id {
        conditions.push(format!("section_id = {}", params.bind(section)));
    }
    match filter.replied {
        Some(true) => conditions.push("reply_count > 0".to_owned()),
        Some(false) => conditions.push("reply_count = 0".to_owned()),
        None => {}
    }
    match filter.reported {
        Some(true) => conditions.push("report_count > 0".to_owned()),
        Some(false) => conditions.push("report_count = 0".to_owned()),
        None => {}
    }
    // On PostgreSQL a search is read two ways (see `SEARCH_WINDOW`); its match condition is bound here,
    // before the count's values are taken, so that page, fallback and count share the values.
    let pg_search = search.filter(|s| s.backend == DbBackend::Postgres).map(|s| params.bind(crate::search::pg_tsquery(&s.tokens)));
    if let Some(search) = search.filter(|s| s.backend != DbBackend::Postgres) {
        conditions.push(search.comment_condition("id", &mut params));
    }
    let count_conditions = conditions.clone();
    let count_sql = format!("SELECT COUNT(*) FROM comments WHERE {}", conditions.join(" AND "));
    let count_values = params.clone().into_values();
    // With one status, the page is the range of comments_list_idx (consultation_id, status, id) between
    // two row comparisons, the cursor's and the far end's, with no separate equality on consultation_id
    // or status. With the equalities PostgreSQL either walks the primary key backwards, skipping every
    // newer comment of other consultations (711 ms for page 1 of the 1,000,000-comment consultation), or
    // starts the index scan at the end of the range and filters its way down to a deep cursor (65-110 ms
    // at page 48,246); bounded on both sides, the scan starts at the cursor and reads 21 entries (under
    // 0.1 ms for either page). The two comparisons select exactly that consultation and status.
    // A search leaves the choice to the planner: the row comparisons' selectivity is estimated far too
    // low (one row), so PostgreSQL would walk the whole list index checking each comment's tokens even
    // for a rare word; with plain equalities it weighs that walk against the GIN index.
    let by_list_index = status_param.as_ref().filter(|_| matches!(order, CommentOrder::Newest | CommentOrder::Oldest) && search.is_none());
    // With no other condition, PostgreSQL reads that range through `comment_page` (migration 000401),
    // which keeps it on the list index whatever the statistics say.
    let plain = filter.section_id.is_none() && filter.replied.is_none() && filter.reported.is_none();
    let mut through_function = None;
    let (keyset, order_by) = match (order, by_list_index) {
        (CommentOrder::Newest | CommentOrder::Oldest, Some(status)) => {
            let newest = order == CommentOrder::Newest;
            let start = if newest { Uuid::max() } else { Uuid::nil() };
            let cursor = params.bind(pagination::parse_id_cursor(after)?.unwrap_or(start));
            let far_end = params.bind(if newest { Uuid::nil() } else { Uuid::max() });
            if backend == DbBackend::Postgres && plain {
                let limit = params.bind(i64::try_from(first + 1).unwrap_or(i64::MAX));
                let newest = params.bind(newest);
                through_function = Some(format!("SELECT * FROM comment_page({consultation}, {status}, {cursor}, {far_end}, {limit}, {newest})"));
            }
            let (near, far, direction) = if newest { ("<", ">", "DESC") } else { (">", "<", "ASC") };
            let key = "(consultation_id, status, id)";
            (
                Some(format!("{key} {near} ({consultation}, {status}, {cursor}) AND {key} {far} ({consultation}, {status}, {far_end})")),
                format!("consultation_id {direction}, status {direction}, id {direction}"),
            )
        }
        // PostgreSQL, several statuses or a search's window: `comment_page_any` (migration 000401) walks the
        // consultation's range of comments_consultation_idx, whatever the statistics say.
        (CommentOrder::Newest | CommentOrder::Oldest, None) if backend == DbBackend::Postgres && plain => {
            let newest = order == CommentOrder::Newest;
            let statuses: Vec<&str> = match status {
                Some(s) => vec![s.as_str()],
                None => STAFF_DEFAULT_STATUSES.iter().map(|s| s.as_str()).collect(),
            };
            let statuses = params.bind(statuses.join(","));
            let start = if newest { Uuid::max() } else { Uuid::nil() };
            let cursor = params.bind(pagination::parse_id_cursor(after)?.unwrap_or(start));
            let far_end = params.bind(if newest { Uuid::nil() } else { Uuid::max() });
            let limit = params.bind(i64::try_from(if pg_search.is_some() { SEARCH_WINDOW } else { first + 1 }).unwrap_or(i64::MAX));
            let newest_param = params.bind(newest);
            through_function = Some(format!("SELECT * FROM comment_page_any({consultation}, {statuses}, {cursor}, {far_end}, {limit}, {newest_param})"));
            // The fallback and the function's callers read these: the plain conditions stand.
            let cursor_condition = if newest { format!("id < {cursor}") } else { format!("id > {cursor}") };
            (Some(cursor_condition), if newest { "id DESC".to_owned() } else { "id ASC".to_owned() })
        }
        (CommentOrder::Newest, None) => {
            let cursor = pagination::parse_id_cursor(after)?.map(|id| format!("id < {}", params.bind(id)));
            (cursor, "id DESC".to_owned())
        }
        (CommentOrder::Oldest, None) => {
            let cursor = pagination::parse_id_cursor(after)?.map(|id| format!("id > {}", params.bind(id)));
            (cursor, "id ASC".to_owned())
        }
        (CommentOrder::MostEndorsed, _) => {
            let cursor = pagination::parse_key_cursor(after)?.map(|(count, id)| {
                let count = params.bind(i32::try_from(count).unwrap_or(i32::MAX));
                let id = params.bind(id);
                format!("(endorsement_count < {count} OR (endorsement_count = {count} AND id < {id}))")
            });
            (cursor, "endorsement_count DESC, id DESC".to_owned())
        }
    };
    // The list-index range stands for the equalities on consultation_id and status.
    let skip = if by_list_index.is_some() { 2 } else { 0 };
    let mut page_conditions: Vec<String> = conditions.into_iter().skip(skip).collect();
    page_conditions.extend(keyset);
    if let Some(query) = pg_search {
        let conditions = page_conditions.join(" AND ");
        let matches = format!("m.search @@ to_tsquery('simple', {query})");
        // Newest first through the list, keeping the rows that match: quick when the word is common.
        let window = through_function.take().unwrap_or_else(|| format!("SELECT * FROM comments WHERE {conditions} ORDER BY {order_by} LIMIT {SEARCH_WINDOW}"));
        let page_sql = format!(
            "SELECT w.* FROM ({window}) w
             WHERE EXISTS (SELECT 1 FROM comment_search m WHERE m.comment_id = w.id AND {matches})
             ORDER BY {order_by} LIMIT {}",
            first + 1
        );
        // From the matches (the GIN index) to their comments: quick when the word is rare.
        let fallback_sql = format!(
            "SELECT c.* FROM comment_search m, LATERAL (SELECT * FROM comments WHERE id = m.comment_id AND {conditions} OFFSET 0) c
             WHERE {matches} ORDER BY {order_by} LIMIT {}",
            first + 1
        );
        let count_sql = format!(
            "SELECT COUNT(*) FROM comment_search m, LATERAL (SELECT 1 FROM comments WHERE id = m.comment_id AND {} OFFSET 0) c WHERE {matches}",
            count_conditions.join(" AND ")
        );
        return Ok((
            ListQuery { page_sql, page_values: params.into_values(), count_sql, count_values, fallback_sql: Some(fallback_sql) },
            order,
        ));
    }
    let page_sql = match through_function {
        Some(sql) => sql,
        None => format!("SELECT * FROM comments WHERE {} ORDER BY {order_by} LIMIT {}", page_conditions.join(" AND "), first + 1),
    };
    Ok((ListQuery { page_sql, page_values: params.into_values(), count_sql, count_values, fallback_sql: None }, order))
}

/// The signed-in user's own comments, newest first, every status.
pub async fn list_own(state: &AppState, viewer: &Viewer, first: Option<i32>, after: Option<&str>) -> AppResult<(Page<comment::Model>, pagination::Total)> {
    let user = viewer.user()?;
    let first = pagination::page_size(first)?;
    let after = pagination::parse_id_cursor(after)?;
    let mut list = sql::List::new("comments");
    let author = list.bind(user.id);
    list.filter(format!("author_id = {author}"));
    pagination::fetch::<comment::Entity>(&state.db.conn, list.newest_first("id", after, first), first).await
}

/// Duplicate groups (two or more comments sharing a text) of a consultation, for its staff.
pub async fn duplicate_groups(
    state: &AppState,
    viewer: &Viewer,
    consultation: &consultation::Model,
    first: Option<i32>,
    after: Option<&str>,
) -> AppResult<(Page<duplicate_group::Model>, i64)> {
    authz::require_moderate(&state.db.conn, viewer, consultation).await?;
    let first = pagination::page_size(first)?;
    let after = pagination::parse_id_cursor(after)?;
    let total = sql::count(
        &state.db.conn,
        "SELECT COUNT(*) FROM duplicate_groups WHERE consultation_id = $1 AND multi = true",
        vec![consultation.id.into()],
    )
    .await?;
    let (sql_text, values) = duplicate_groups_query(consultation.id, after, first);
    let rows = duplicate_group::Entity::find().from_raw_sql(sql::statement(&state.db.conn, &sql_text, values)).all(&state.db.conn).await?;
    Ok((Page::from_rows(rows, first), total))
}

/// A page of a consultation's campaigns, oldest group first, after the group `after`: `first + 1` rows
/// along `duplicate_groups_campaign_idx`, which holds only groups of two or more.
pub fn duplicate_groups_query(consultation_id: Uuid, after: Option<Uuid>, first: u64) -> (String, Vec<Value>) {
    let mut params = Params::new();
    let consultation = params.bind(consultation_id);
    let keyset = after.map(|id| format!(" AND id > {}", params.bind(id))).unwrap_or_default();
    let sql_text = format!(
        "SELECT * FROM duplicate_groups WHERE consultation_id = {consultation} AND multi = true{keyset} ORDER BY id ASC LIMIT {}",
        first + 1
    );
    (sql_text, params.into_values())
}
