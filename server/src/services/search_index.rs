//! The search index and the keyword counts, as the write paths keep them and the lists read them
//! (tokens and terms come from `crate::search`; the tables from migration `m20261203_000101_search`).
//!
//! - A comment is *indexed* when it has a `comment_search` row. Every comment written since the
//!   migration is indexed in the transaction that writes it; older ones by `backfill`.
//! - `comment_keywords` counts each term once per PUBLISHED indexed comment that uses it, under its
//!   consultation's id and, when it has one, its section's id, split by stance. Every change of what
//!   a comment counts for (published or not, its text, its stance) adds the difference in the same
//!   transaction (`keywords_changed`), so the counts stay exact without recounting.

use std::collections::BTreeMap;
use std::io::Write as _;

use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, Value};
use uuid::Uuid;

use entities::{comment, consultation};

use crate::db::Db;
use crate::domain::{CommentStatus, Stance};
use crate::error::{AppError, AppResult};
use crate::search::{self, QueryWord};
use crate::sql::{self, Params};
use crate::t;

/// Up to this many matches a search's `totalCount` is exact; beyond it, an estimate.
pub const EXACT_TOTAL_UP_TO: i64 = 10_000;
/// Above this planner estimate of a search's matches (PostgreSQL), its `totalCount` is the estimate.
pub const ESTIMATE_ABOVE: i64 = 2 * EXACT_TOTAL_UP_TO;
/// The most keywords one request may ask for.
pub const MAX_KEYWORDS: i32 = 100;

/// A search, checked: the tokens every match must hold.
#[derive(Clone, Debug)]
pub struct TextSearch {
    pub backend: DbBackend,
    pub tokens: Vec<String>,
}

/// Checks a search text: blank (or absent) is no search; longer than `search::MAX_QUERY_CHARS`, or
/// without a single Han character, ASCII letter or digit, is BAD_USER_INPUT on `field`.
pub fn text_search(backend: DbBackend, field: &str, text: Option<&str>) -> AppResult<Option<TextSearch>> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(None) };
    if text.chars().count() > search::MAX_QUERY_CHARS {
        return Err(AppError::bad_input(field, t!("field-at-most-chars", max = search::MAX_QUERY_CHARS)));
    }
    let words: Vec<QueryWord> = search::query_words(text);
    if words.is_empty() {
        return Err(AppError::bad_input(field, t!("field-search-no-words")));
    }
    Ok(Some(TextSearch { backend, tokens: search::query_tokens(&words) }))
}

impl TextSearch {
    /// The condition on `id_column` (a comment id) that keeps the comments matching the search.
    pub fn comment_condition(&self, id_column: &str, params: &mut Params) -> String {
        match self.backend {
            DbBackend::Postgres => {
                let query = params.bind(search::pg_tsquery(&self.tokens));
                format!("{id_column} IN (SELECT comment_id FROM comment_search WHERE search @@ to_tsquery('simple', {query}))")
            }
            _ => {
                let query = params.bind(search::fts5_query(&self.tokens));
                format!("{id_column} IN (SELECT s.comment_id FROM comment_search s WHERE s.doc IN (SELECT rowid FROM comment_fts WHERE comment_fts MATCH {query}))")
            }
        }
    }

    /// The condition that keeps the consultations (alias `alias`) matching the search.
    pub fn consultation_condition(&self, alias: &str, params: &mut Params) -> String {
        match self.backend {
            DbBackend::Postgres => {
                let query = params.bind(search::pg_tsquery(&self.tokens));
                format!("to_tsvector('simple', {alias}.search_text) @@ to_tsquery('simple', {query})")
            }
            _ => {
                let query = params.bind(search::fts5_query(&self.tokens));
                format!(
                    "{alias}.id IN (SELECT s.consultation_id FROM consultation_search s WHERE s.doc IN (SELECT rowid FROM consultation_fts WHERE consultation_fts MATCH {query}))"
                )
            }
        }
    }
}

/// The total of a search's matches, `FROM … WHERE …` of them given. On SQLite, exact. On PostgreSQL,
/// exact up to `EXACT_TOTAL_UP_TO`, and the planner's estimate beyond (at least
/// `EXACT_TOTAL_UP_TO + 1`); when the planner already puts the matches above `ESTIMATE_ABOVE`, its
/// estimate without counting: counting 10,000 matches of a common word reads their tokens, 450 ms
/// at 100,000 comments.
pub async fn bounded_total(db: &impl ConnectionTrait, from_where: &str, values: Vec<Value>) -> AppResult<i64> {
    if db.get_database_backend() != DbBackend::Postgres {
        return sql::count(db, &format!("SELECT COUNT(*) FROM {from_where}"), values).await;
    }
    let rows = sql::rows(db, &format!("EXPLAIN SELECT 1 FROM {from_where}"), values.clone()).await?;
    let first: Option<String> = match rows.first() {
        Some(row) => row.try_get_by_index(0)?,
        None => None,
    };
    let estimate = first.as_deref().and_then(plan_rows).unwrap_or(0);
    if estimate > ESTIMATE_ABOVE {
        return Ok(estimate);
    }
    let bounded = format!("SELECT COUNT(*) FROM (SELECT 1 FROM {from_where} LIMIT {}) AS matches", EXACT_TOTAL_UP_TO + 1);
    let n = sql::count(db, &bounded, values).await?;
    Ok(if n <= EXACT_TOTAL_UP_TO { n } else { estimate.max(EXACT_TOTAL_UP_TO + 1) })
}

/// The `rows=N` of a PostgreSQL plan line.
fn plan_rows(line: &str) -> Option<i64> {
    let start = line.find("rows=")? + 5;
    line[start..].split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

/// Writes (or rewrites) the comment's tokens: the comment is indexed from now on.
pub async fn index_comment(db: &impl ConnectionTrait, comment_id: Uuid, body: &str) -> AppResult<()> {
    sql::execute(
        db,
        "INSERT INTO comment_search (comment_id, tokens) VALUES ($1, $2)
         ON CONFLICT (comment_id) DO UPDATE SET tokens = excluded.tokens",
        vec![comment_id.into(), search::index_tokens(body).into()],
    )
    .await?;
    Ok(())
}

/// Indexes a consultation's tokens, as just written to its `search_text`: PostgreSQL indexes the
/// column itself; SQLite keeps them in `consultation_search`, under its FTS5 table.
pub async fn index_consultation(db: &impl ConnectionTrait, consultation_id: Uuid, tokens: &str) -> AppResult<()> {
    if db.get_database_backend() == DbBackend::Postgres {
        return Ok(());
    }
    sql::execute(
        db,
        "INSERT INTO consultation_search (consultation_id, tokens) VALUES ($1, $2)
         ON CONFLICT (consultation_id) DO UPDATE SET tokens = excluded.tokens",
        vec![consultation_id.into(), tokens.to_owned().into()],
    )
    .await?;
    Ok(())
}

/// Whether the comment is indexed (and so counted in the keywords when published).
pub async fn is_indexed(db: &impl ConnectionTrait, comment_id: Uuid) -> AppResult<bool> {
    Ok(sql::count(db, "SELECT COUNT(*) FROM comment_search WHERE comment_id = $1", vec![comment_id.into()]).await? > 0)
}

/// Changes to keyword rows of one consultation: (scope, term) → count, support, oppose, neutral.
#[derive(Debug, Default)]
pub struct KeywordDeltas(BTreeMap<(Uuid, Uuid, String), [i64; 4]>);

impl KeywordDeltas {
    /// Adds (`sign` 1) or takes away (`sign` -1) what a comment with this text, stance and place counts
    /// for, if it is published.
    pub fn comment(&mut self, c: &comment::Model, sign: i64) {
        if c.status != CommentStatus::Published {
            return;
        }
        self.terms(c.consultation_id, c.section_id, c.stance, &search::keyword_terms(&c.body), sign);
    }

    /// Adds `sign` for each of `terms` under the consultation and the section.
    pub fn terms(&mut self, consultation_id: Uuid, section_id: Option<Uuid>, stance: Stance, terms: &[String], sign: i64) {
        let stance_index = match stance {
            Stance::Support => 1,
            Stance::Oppose => 2,
            Stance::Neutral => 3,
        };
        for scope in std::iter::once(consultation_id).chain(section_id) {
            for term in terms {
                let entry = self.0.entry((consultation_id, scope, term.clone())).or_default();
                entry[0] += sign;
                entry[stance_index] += sign;
            }
        }
    }

    /// Writes the changes, in key order (so that concurrent writers lock the rows in the same order),
    /// a few hundred rows a statement.
    pub async fn apply(self, db: &impl ConnectionTrait) -> AppResult<()> {
        let rows: Vec<_> = self.0.into_iter().filter(|(_, d)| d.iter().any(|n| *n != 0)).collect();
        for chunk in rows.chunks(500) {
            let mut params = Params::new();
            let values: Vec<String> = chunk
                .iter()
                .map(|((consultation, scope, term), d)| {
                    let row = [
                        params.bind(*consultation),
                        params.bind(*scope),
                        params.bind(term.clone()),
                        params.bind(d[0]),
                        params.bind(d[1]),
                        params.bind(d[2]),
                        params.bind(d[3]),
                    ];
                    format!("({})", row.join(", "))
                })
                .collect();
            let statement = format!(
                "INSERT INTO comment_keywords (consultation_id, scope_id, term, count, support, oppose, neutral) VALUES {}
                 ON CONFLICT (consultation_id, scope_id, term) DO UPDATE SET
                   count = comment_keywords.count + excluded.count,
                   support = comment_keywords.support + excluded.support,
                   oppose = comment_keywords.oppose + excluded.oppose,
                   neutral = comment_keywords.neutral + excluded.neutral",
                values.join(", ")
            );
            sql::execute(db, &statement, params.into_values()).await?;
        }
        Ok(())
    }
}

/// A comment changed from `before` to `after` (its status, text or stance): its keyword counts follow,
/// if it is indexed. `after`'s text must already be indexed when it changed.
pub async fn keywords_changed(db: &impl ConnectionTrait, before: &comment::Model, after: &comment::Model) -> AppResult<()> {
    let counted = |c: &comment::Model| c.status == CommentStatus::Published;
    if !counted(before) && !counted(after) {
        return Ok(());
    }
    if !is_indexed(db, after.id).await? {
        return Ok(());
    }
    let mut deltas = KeywordDeltas::default();
    deltas.comment(before, -1);
    deltas.comment(after, 1);
    deltas.apply(db).await
}

/// Whether one of `tokens` is a keyword the consultation's counts know to be in at most `limit`
/// published comments (a token the counts do not hold, a character or a pair that is no word, says
/// nothing).
pub async fn known_rare(db: &impl ConnectionTrait, consultation: Uuid, tokens: &[String], limit: i64) -> AppResult<bool> {
    if tokens.is_empty() {
        return Ok(false);
    }
    let mut params = crate::sql::Params::new();
    let c = params.bind(consultation);
    let terms = params.bind_all(tokens.iter().cloned());
    let limit = params.bind(limit);
    let rows = crate::sql::rows(
        db,
        &format!("SELECT 1 AS rare FROM comment_keywords WHERE consultation_id = {c} AND scope_id = {c} AND term IN ({terms}) AND count <= {limit} LIMIT 1"),
        params.into_values(),
    )
    .await?;
    Ok(!rows.is_empty())
}

/// One of a consultation's keywords.
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct Keyword {
    pub term: String,
    pub count: i64,
    pub support: i64,
    pub oppose: i64,
    pub neutral: i64,
}

/// The `first` terms PUBLISHED comments of the consultation (or of one of its sections) use most,
/// most used first, ties by term. Public, as the comments are.
pub async fn keywords(db: &impl ConnectionTrait, consultation: &consultation::Model, section_id: Option<Uuid>, first: Option<i32>) -> AppResult<Vec<Keyword>> {
    let first = first.unwrap_or(20);
    if !(0..=MAX_KEYWORDS).contains(&first) {
        return Err(AppError::bad_input("first", t!("field-between", min = 0, max = MAX_KEYWORDS)));
    }
    let scope = section_id.unwrap_or(consultation.id);
    sql::all(
        db,
        &format!(
            "SELECT term, CAST(count AS BIGINT) AS count, CAST(support AS BIGINT) AS support, CAST(oppose AS BIGINT) AS oppose,
                    CAST(neutral AS BIGINT) AS neutral
             FROM comment_keywords WHERE consultation_id = $1 AND scope_id = $2 AND count > 0
             ORDER BY count DESC, term ASC LIMIT {first}"
        ),
        vec![consultation.id.into(), scope.into()],
    )
    .await
}

/// How far a backfill has come.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub consultations: u64,
    pub comments: u64,
    /// Comments left to look at when the comment pass started.
    pub comments_total: u64,
}

const BACKFILL_SUBJECT: &str = "comments";

/// Indexes what was written before search existed: rewrites every consultation's tokens, then indexes
/// each comment without tokens (and counts its keywords, if published), `batch` comments a
/// transaction, in id order from where the last run stopped (`search_backfill`). Running it again
/// after it finished finds nothing to do; stopped midway, it goes on from its last committed batch.
/// `report` hears the progress after each batch.
pub async fn backfill(db: &Db, batch: u64, mut report: impl FnMut(Progress)) -> AppResult<Progress> {
    let batch = batch.clamp(1, 10_000);
    let mut progress = Progress::default();
    let mut after = Uuid::nil();
    loop {
        let rows = consultation::Entity::find()
            .from_raw_sql(sql::statement(
                &db.conn,
                &format!("SELECT * FROM consultations WHERE id > $1 ORDER BY id LIMIT {batch}"),
                vec![after.into()],
            ))
            .all(&db.conn)
            .await?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        let txn = db.begin().await?;
        for c in &rows {
            let tokens = search::consultation_tokens(&c.title, &c.summary, &c.body);
            if tokens != c.search_text {
                sql::execute(&*txn, "UPDATE consultations SET search_text = $1 WHERE id = $2", vec![tokens.clone().into(), c.id.into()]).await?;
            }
            index_consultation(&*txn, c.id, &tokens).await?;
        }
        txn.commit().await?;
        progress.consultations += rows.len() as u64;
        report(progress);
    }

    let start: Option<Uuid> = match sql::rows(&db.conn, "SELECT last_id FROM search_backfill WHERE subject = $1", vec![BACKFILL_SUBJECT.into()]).await?.first() {
        Some(row) => Some(row.try_get_by_index(0)?),
        None => None,
    };
    let mut after = start.unwrap_or(Uuid::nil());
    progress.comments_total = u64::try_from(sql::count(&db.conn, "SELECT COUNT(*) FROM comments WHERE id > $1", vec![after.into()]).await?).unwrap_or(0);
    report(progress);
    let lock = if db.backend() == DbBackend::Postgres { " FOR UPDATE OF c" } else { "" };
    loop {
        let txn = db.begin().await?;
        // Locked until the batch commits: a moderator's change to one of these comments waits, and then
        // finds it indexed and counts the change.
        let rows = comment::Entity::find()
            .from_raw_sql(sql::statement(
                &*txn,
                &format!(
                    "SELECT c.* FROM comments c WHERE c.id > $1 ORDER BY c.id LIMIT {batch}{lock}"
                ),
                vec![after.into()],
            ))
            .all(&*txn)
            .await?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        let ids: Vec<Uuid> = rows.iter().map(|c| c.id).collect();
        let indexed = indexed_among(&*txn, &ids).await?;
        let mut deltas = KeywordDeltas::default();
        let mut inserts = Vec::new();
        for c in rows.iter().filter(|c| !indexed.contains(&c.id)) {
            deltas.comment(c, 1);
            inserts.push((c.id, search::index_tokens(&c.body)));
        }
        for chunk in inserts.chunks(200) {
            let mut params = Params::new();
            let values: Vec<String> = chunk.iter().map(|(id, tokens)| format!("({}, {})", params.bind(*id), params.bind(tokens.clone()))).collect();
            sql::execute(
                &*txn,
                &format!("INSERT INTO comment_search (comment_id, tokens) VALUES {} ON CONFLICT (comment_id) DO NOTHING", values.join(", ")),
                params.into_values(),
            )
            .await?;
        }
        deltas.apply(&*txn).await?;
        sql::execute(
            &*txn,
            "INSERT INTO search_backfill (subject, last_id) VALUES ($1, $2) ON CONFLICT (subject) DO UPDATE SET last_id = excluded.last_id",
            vec![BACKFILL_SUBJECT.into(), after.into()],
        )
        .await?;
        txn.commit().await?;
        progress.comments += rows.len() as u64;
        report(progress);
    }
    Ok(progress)
}

/// Which of `ids` are indexed already.
async fn indexed_among(db: &impl ConnectionTrait, ids: &[Uuid]) -> AppResult<std::collections::HashSet<Uuid>> {
    let mut found = std::collections::HashSet::new();
    for chunk in ids.chunks(500) {
        let mut params = Params::new();
        let list = params.bind_all(chunk.iter().copied());
        for row in sql::rows(db, &format!("SELECT comment_id FROM comment_search WHERE comment_id IN ({list})"), params.into_values()).await? {
            found.insert(row.try_get_by_index::<Uuid>(0)?);
        }
    }
    Ok(found)
}

/// A progress bar on standard error for the backfill command.
pub fn print_progress(p: Progress) {
    let width = 40;
    let done = if p.comments_total == 0 { width } else { (p.comments.min(p.comments_total) * width / p.comments_total) as usize as u64 };
    let bar: String = (0..width).map(|i| if i < done { '#' } else { '.' }).collect();
    let percent = if p.comments_total == 0 { 100 } else { p.comments.min(p.comments_total) * 100 / p.comments_total };
    let mut err = std::io::stderr();
    let _ = write!(err, "\r[{bar}] {percent:>3}%  {} of {} comments, {} consultations", p.comments, p.comments_total, p.consultations);
    let _ = err.flush();
}
