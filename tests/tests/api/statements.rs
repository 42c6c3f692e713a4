//! The connections the hot single-statement writes run on, outside sqlx's pool (server/src/db/
//! statements.rs): a connection goes back to the list after a statement PostgreSQL refused, and is
//! closed, never reused, after a statement that was abandoned half-way. PostgreSQL only.

use std::time::Duration;

use gongkai::db::Statements;
use sea_orm::sqlx::Row as _;

fn url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL").ok().filter(|v| !v.is_empty())
}

async fn backend_pid(statements: &Statements) -> i32 {
    let rows = statements.rows("SELECT pg_backend_pid() AS pid", vec![]).await.expect("statement runs");
    rows[0].try_get::<i32, _>("pid").expect("pid")
}

#[tokio::test]
async fn a_refused_statement_keeps_its_connection_and_an_abandoned_one_loses_it() {
    let Some(url) = url() else {
        gongkai_tests::skipped("needs TEST_DATABASE_URL");
        return;
    };
    let statements = Statements::new(&url, 1).expect("options");
    let first = backend_pid(&statements).await;
    assert_eq!(backend_pid(&statements).await, first, "one connection, reused");

    // PostgreSQL refuses the statement: an error for the caller, and the connection serves the next.
    let refused = statements.rows("SELECT 1 / $1 AS x", vec![0i32.into()]).await;
    assert!(refused.is_err());
    assert_eq!(backend_pid(&statements).await, first, "kept after a refused statement");

    // The caller gives up half-way (the request was cancelled): that connection is never handed out
    // again, and the next statement gets a fresh one at once.
    let abandoned = tokio::time::timeout(Duration::from_millis(200), statements.rows("SELECT pg_sleep(3)", vec![])).await;
    assert!(abandoned.is_err(), "the sleep was cut short");
    let started = std::time::Instant::now();
    let next = backend_pid(&statements).await;
    assert_ne!(next, first, "the abandoned connection was closed");
    assert!(started.elapsed() < Duration::from_secs(2), "the next statement did not wait for the abandoned one");
}
