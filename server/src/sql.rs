//! Raw SQL for the statements the query builder would only obscure. Placeholders are `$1, $2, …`,
//! which both PostgreSQL and SQLite (through sqlx) accept.

use sea_orm::{ConnectionTrait, FromQueryResult, QueryResult, Statement, Value};

use crate::error::AppResult;

pub fn statement(db: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(db.get_database_backend(), sql, values)
}

pub async fn execute(db: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> AppResult<u64> {
    Ok(db.execute_raw(statement(db, sql, values)).await?.rows_affected())
}

pub async fn all<T: FromQueryResult>(db: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> AppResult<Vec<T>> {
    let rows = db.query_all_raw(statement(db, sql, values)).await?;
    rows.iter().map(|row| T::from_query_result(row, "").map_err(Into::into)).collect()
}

pub async fn one<T: FromQueryResult>(db: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> AppResult<Option<T>> {
    match db.query_one_raw(statement(db, sql, values)).await? {
        Some(row) => Ok(Some(T::from_query_result(&row, "")?)),
        None => Ok(None),
    }
}

pub async fn rows(db: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> AppResult<Vec<QueryResult>> {
    Ok(db.query_all_raw(statement(db, sql, values)).await?)
}

/// The parameters of one statement, numbered in the order they are bound: `bind` returns the value's
/// placeholder, so a statement is written with its values beside it and no number is counted by hand.
#[derive(Clone, Debug, Default)]
pub struct Params(Vec<Value>);

impl Params {
    pub fn new() -> Self {
        Self::default()
    }

    /// Binds a value; returns its placeholder (`$n`).
    pub fn bind(&mut self, value: impl Into<Value>) -> String {
        self.0.push(value.into());
        format!("${}", self.0.len())
    }

    /// Binds each value; returns their placeholders separated by commas (for an IN list or a row).
    pub fn bind_all<V: Into<Value>>(&mut self, values: impl IntoIterator<Item = V>) -> String {
        values.into_iter().map(|v| self.bind(v)).collect::<Vec<_>>().join(", ")
    }

    pub fn into_values(self) -> Vec<Value> {
        self.0
    }
}

/// One page of a filtered list and the count of the whole list, as SQL with their parameters.
pub struct ListQuery {
    pub page_sql: String,
    pub page_values: Vec<Value>,
    pub count_sql: String,
    pub count_values: Vec<Value>,
    /// When the page may come short for want of matches near the cursor (a search on PostgreSQL): the
    /// page read the other way, with the same values, to run when `page_sql` gives fewer than its
    /// LIMIT rows.
    pub fallback_sql: Option<String>,
}

/// A list of rows of `table` (with its alias) that match every condition, read newest first in keyset
/// pages on `id` (ids are time-ordered).
pub struct List {
    table: &'static str,
    params: Params,
    conditions: Vec<String>,
}

impl List {
    /// `table` as it follows FROM, e.g. `consultations c`; conditions name its columns the same way.
    pub fn new(table: &'static str) -> Self {
        Self { table, params: Params::new(), conditions: Vec::new() }
    }

    pub fn bind(&mut self, value: impl Into<Value>) -> String {
        self.params.bind(value)
    }

    pub fn params(&mut self) -> &mut Params {
        &mut self.params
    }

    pub fn filter(&mut self, condition: impl Into<String>) {
        self.conditions.push(condition.into());
    }

    /// Matches nothing (a filter no stored row can meet).
    pub fn nothing(&mut self) {
        self.filter("1 = 0");
    }

    fn where_clause(conditions: &[String]) -> String {
        if conditions.is_empty() {
            "1 = 1".to_owned()
        } else {
            conditions.join(" AND ")
        }
    }

    /// The page of `first` rows after the row `after` (`first + 1` are read, to know whether more
    /// follow), `id_column` descending, and the count of every row that matches.
    pub fn newest_first(mut self, id_column: &str, after: Option<uuid::Uuid>, first: u64) -> ListQuery {
        let count_sql = format!("SELECT COUNT(*) FROM {} WHERE {}", self.table, Self::where_clause(&self.conditions));
        let count_values = self.params.clone().into_values();
        if let Some(after) = after {
            let cursor = self.params.bind(after);
            self.conditions.push(format!("{id_column} < {cursor}"));
        }
        let page_sql = format!(
            "SELECT {select} FROM {table} WHERE {conditions} ORDER BY {id_column} DESC LIMIT {limit}",
            select = self.table.split_whitespace().nth(1).map_or_else(|| "*".to_owned(), |alias| format!("{alias}.*")),
            table = self.table,
            conditions = Self::where_clause(&self.conditions),
            limit = first + 1,
        );
        ListQuery { page_sql, page_values: self.params.into_values(), count_sql, count_values, fallback_sql: None }
    }
}

/// A single-column count.
pub async fn count(db: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> AppResult<i64> {
    let row = db.query_one_raw(statement(db, sql, values)).await?;
    Ok(match row {
        Some(row) => row.try_get_by_index::<Option<i64>>(0)?.unwrap_or(0),
        None => 0,
    })
}

/// A `LIKE … ESCAPE '\'` pattern matching `text` anywhere, lowercased, its `%`, `_` and `\` taken
/// literally.
pub fn contains_pattern(text: &str) -> String {
    let escaped = text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}
