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

/// `$first, $first+1, …` placeholders for an IN list.
pub fn placeholders(first: usize, count: usize) -> String {
    (first..first + count).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// A single-column count.
pub async fn count(db: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> AppResult<i64> {
    let row = db.query_one_raw(statement(db, sql, values)).await?;
    Ok(match row {
        Some(row) => row.try_get_by_index::<Option<i64>>(0)?.unwrap_or(0),
        None => 0,
    })
}
