//! What comments reference stays in place. On PostgreSQL the foreign keys from comments and duplicate
//! groups to their consultation, section and group gave way to checks in the statement that writes them
//! and to triggers on the referenced tables (migration 000009), so that a campaign's submissions do not
//! all lock the same rows; SQLite keeps its foreign keys. Either way, a referenced row cannot be deleted
//! or renumbered, and a submission does not wait for a lock on its consultation.

use std::time::Duration;

use gongkai_tests::{no_limits, spawn_with, using_postgres, TestApp};
use sea_orm::{ConnectionTrait, DbErr, SqlErr, TransactionTrait, Value};
use serde_json::json;
use uuid::Uuid;

use crate::support::{op, submit_ok};

async fn execute(app: &TestApp, sql: &str, values: Vec<Value>) -> Result<u64, DbErr> {
    let statement = gongkai::sql::statement(&app.state.db.conn, sql, values);
    app.state.db.conn.execute_raw(statement).await.map(|r| r.rows_affected())
}

fn refused_as_referenced(result: Result<u64, DbErr>, what: &str) {
    match result {
        Err(e) => assert!(matches!(e.sql_err(), Some(SqlErr::ForeignKeyConstraintViolation(_))), "{what}: refused, but not as a reference: {e}"),
        Ok(n) => panic!("{what}: allowed ({n} rows) while comments reference it"),
    }
}

async fn group_of(app: &TestApp, comment: Uuid) -> Uuid {
    let rows = gongkai::sql::rows(&app.state.db.conn, "SELECT duplicate_group_id FROM comments WHERE id = $1", vec![comment.into()]).await.expect("group");
    rows[0].try_get::<Uuid>("", "duplicate_group_id").expect("duplicate_group_id")
}

#[tokio::test]
async fn referenced_consultations_sections_and_groups_cannot_be_deleted_or_renumbered() {
    let app = spawn_with(no_limits).await;
    let w = app.world().await;
    let (token, _) = app.citizen("引用").await;
    let comment: Uuid = submit_ok(&app, &token, &w.consultation, "SUPPORT", "关于第一条的意见", Some(&w.sections[0])).await.parse().expect("id");
    let consultation: Uuid = w.consultation.parse().expect("id");
    let section: Uuid = w.sections[0].parse().expect("id");
    let unreferenced: Uuid = w.sections[1].parse().expect("id");
    let group = group_of(&app, comment).await;

    refused_as_referenced(execute(&app, "DELETE FROM sections WHERE id = $1", vec![section.into()]).await, "deleting the commented section");
    refused_as_referenced(
        execute(&app, "UPDATE sections SET id = $1 WHERE id = $2", vec![Uuid::now_v7().into(), section.into()]).await,
        "renumbering the commented section",
    );
    refused_as_referenced(execute(&app, "DELETE FROM duplicate_groups WHERE id = $1", vec![group.into()]).await, "deleting the comment's group");
    refused_as_referenced(
        execute(&app, "UPDATE consultations SET id = $1 WHERE id = $2", vec![Uuid::now_v7().into(), consultation.into()]).await,
        "renumbering the consultation",
    );
    execute(&app, "DELETE FROM sections WHERE id = $1", vec![unreferenced.into()]).await.expect("an unreferenced section goes");

    // A consultation whose only references are a comment and its group: its sections and departments
    // go, the consultation stays.
    let other = app.world().await;
    app.comment(&token, &other.consultation, "整体意见").await;
    let other_id: Uuid = other.consultation.parse().expect("id");
    execute(&app, "DELETE FROM sections WHERE consultation_id = $1", vec![other_id.into()]).await.expect("its sections go");
    execute(&app, "DELETE FROM consultation_departments WHERE consultation_id = $1", vec![other_id.into()]).await.expect("departments");
    refused_as_referenced(execute(&app, "DELETE FROM consultations WHERE id = $1", vec![other_id.into()]).await, "deleting the consultation");

    // Everything is still there and still adds up.
    let rows = gongkai::sql::rows(
        &app.state.db.conn,
        "SELECT (SELECT COUNT(*) FROM consultations WHERE id = $1) AS c, (SELECT COUNT(*) FROM sections WHERE id = $2) AS s,
                (SELECT COUNT(*) FROM duplicate_groups WHERE id = $3) AS g",
        vec![consultation.into(), section.into(), group.into()],
    )
    .await
    .expect("counts");
    for column in ["c", "s", "g"] {
        assert_eq!(rows[0].try_get::<i64>("", column).expect(column), 1, "{column} was removed");
    }
    let data = app.ok(Some(&token), &op("citizen", "ConsultationDetail"), json!({ "id": w.consultation })).await;
    assert_eq!(data["consultation"]["id"], json!(w.consultation));
}

/// With the foreign keys, every submission locked its consultation, section and group rows
/// (`FOR KEY SHARE`) until it committed; a transaction holding those rows `FOR UPDATE` made every
/// submission wait. Now a campaign's submissions take no lock on them. PostgreSQL only: SQLite has one
/// writer at a time whatever the keys.
#[tokio::test]
async fn a_submission_takes_no_lock_on_its_consultation_section_or_group() {
    if !using_postgres() {
        gongkai_tests::skipped("row locks are PostgreSQL's (set TEST_DATABASE_URL)");
        return;
    }
    let app = spawn_with(no_limits).await;
    let w = app.world().await;
    let body = "请加快老旧小区加装电梯的审批进度";
    let mut tokens = Vec::new();
    for i in 0..3 {
        tokens.push(app.citizen(&format!("联署{i}")).await.0);
    }
    // Two members make the text a campaign: its group row is written then, and not again.
    let first: Uuid = submit_ok(&app, &tokens[0], &w.consultation, "SUPPORT", body, Some(&w.sections[0])).await.parse().expect("id");
    submit_ok(&app, &tokens[1], &w.consultation, "SUPPORT", body, Some(&w.sections[0])).await;
    let group = group_of(&app, first).await;

    let holder = app.state.db.conn.begin().await.expect("begin");
    for (table, id) in [("consultations", w.consultation.parse::<Uuid>().expect("id")), ("sections", w.sections[0].parse().expect("id")), ("duplicate_groups", group)] {
        let statement = gongkai::sql::statement(&holder, &format!("SELECT id FROM {table} WHERE id = $1 FOR UPDATE"), vec![id.into()]);
        assert_eq!(holder.query_all_raw(statement).await.expect("lock").len(), 1, "{table} row locked");
    }
    let third = tokio::time::timeout(Duration::from_secs(5), submit_ok(&app, &tokens[2], &w.consultation, "SUPPORT", body, Some(&w.sections[0]))).await;
    holder.rollback().await.expect("rollback");
    let third: Uuid = third.expect("the submission waited for a row lock on its consultation, section or group").parse().expect("id");
    assert_eq!(group_of(&app, third).await, group, "the third member joined the campaign");
}
