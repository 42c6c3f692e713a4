//! Reply templates: each department's staff keep their own standard answers; nobody else reads or
//! changes them, and another department's template answers as what does not exist.

use gongkai_tests::{no_limits, spawn_with};
use serde_json::{json, Value};

use crate::support::{self, op};

fn templates(data: &Value) -> Vec<Value> {
    data["me"]["department"]["replyTemplates"].as_array().expect("templates").clone()
}

#[tokio::test]
async fn staff_keep_their_departments_reply_templates() {
    let app = spawn_with(no_limits).await;
    let w = app.world().await;
    let colleague = app.staff(&w.admin, &w.department).await;
    let other_department = app.department(&w.admin, &support::code()).await;
    let outsider = app.staff(&w.admin, &other_department).await;
    let save = op("dashboard", "SaveReplyTemplate");
    let list = op("dashboard", "ReplyTemplates");

    let made = app.ok(Some(&w.staff), &save, json!({ "input": { "title": "  已采纳  ", "body": "感谢您的建议，已在修订稿中采纳。", "adoption": "ADOPTED" } })).await;
    let id = made["saveReplyTemplate"]["id"].as_str().expect("id").to_owned();
    assert_eq!(made["saveReplyTemplate"]["title"], "已采纳");
    app.ok(Some(&colleague), &save, json!({ "input": { "title": "不予采纳", "body": "经研究，暂不采纳，理由如下：" } })).await;
    // The whole department sees them, by title.
    let seen = templates(&app.ok(Some(&colleague), &list, json!({})).await);
    assert_eq!(seen.iter().map(|t| t["title"].as_str().expect("title")).collect::<Vec<_>>(), ["不予采纳", "已采纳"]);
    assert!(seen[0]["adoption"].is_null());
    assert_eq!(seen[1]["adoption"], "ADOPTED");
    // A colleague changes it; the other department neither sees nor changes nor deletes it.
    let changed = app.ok(Some(&colleague), &save, json!({ "input": { "id": id, "title": "已采纳", "body": "感谢您的建议，已采纳。", "adoption": "ADOPTED" } })).await;
    assert_eq!(changed["saveReplyTemplate"]["body"], "感谢您的建议，已采纳。");
    assert!(templates(&app.ok(Some(&outsider), &list, json!({})).await).is_empty());
    assert_eq!(app.code(Some(&outsider), &save, json!({ "input": { "id": id, "title": "x", "body": "y" } })).await, "NOT_FOUND");
    assert_eq!(app.code(Some(&outsider), &op("dashboard", "DeleteReplyTemplate"), json!({ "id": id })).await, "NOT_FOUND");
    let foreign = app.gql(Some(&outsider), "{ departments { id replyTemplates { id } } }", json!({})).await;
    assert_eq!(foreign.code(), "FORBIDDEN", "another department's list is not readable");
    // Field checks.
    let bad = app.gql(Some(&w.staff), &save, json!({ "input": { "title": "", "body": "" } })).await;
    let fields: Vec<&str> = bad.error()["extensions"]["fields"].as_array().expect("fields").iter().filter_map(|f| f["field"].as_str()).collect();
    assert_eq!(fields, ["input.title", "input.body"]);
    // Deleted; then gone.
    let delete = op("dashboard", "DeleteReplyTemplate");
    assert_eq!(app.ok(Some(&w.staff), &delete, json!({ "id": id })).await["deleteReplyTemplate"], true);
    assert_eq!(app.code(Some(&w.staff), &delete, json!({ "id": id })).await, "NOT_FOUND");
    assert_eq!(templates(&app.ok(Some(&w.staff), &list, json!({})).await).len(), 1);
    // Citizens and admins have no department's templates.
    let citizen = support::citizen(&app).await;
    assert_eq!(app.code(Some(&citizen.token), &save, json!({ "input": { "title": "x", "body": "y" } })).await, "FORBIDDEN");
    assert_eq!(app.code(Some(&w.admin), &save, json!({ "input": { "title": "x", "body": "y" } })).await, "FORBIDDEN");
    let actions = crate::supervisors::audit_actions(&app, &w.admin, "ReplyTemplate").await;
    assert_eq!(actions, ["reply_template.create", "reply_template.create", "reply_template.update", "reply_template.delete"]);
}
