//! Two server processes against one PostgreSQL and one Redis, as behind a load balancer: instance A
//! runs inside the test process, instance B is the `gongkai-instance` binary, a process of its own
//! with nothing in memory in common with A. Skipped (with a note) unless the tests run on PostgreSQL
//! and Redis.

use gongkai_tests::{no_limits, spawn_with, Process, TestApp};
use serde_json::json;

use crate::ws::{Ws, COMMENT_ADDED, MY_REPLIES};

const INSTANCE: &str = env!("CARGO_BIN_EXE_gongkai-instance");

/// Instance A (in this process) and instance B (another process), sharing the database, Redis and
/// SECRET_KEY; None when there is no PostgreSQL and Redis to share.
async fn two_instances(tweak: impl FnOnce(&mut gongkai::config::Config)) -> Option<(TestApp, Process)> {
    let redis = std::env::var("TEST_REDIS_URL").is_ok_and(|v| !v.is_empty());
    if !gongkai_tests::using_postgres() || !redis {
        gongkai_tests::skipped("several instances need TEST_DATABASE_URL and TEST_REDIS_URL");
        return None;
    }
    let a = spawn_with(tweak).await;
    let b = gongkai_tests::spawn_process(INSTANCE, &a.state.config).await;
    Some((a, b))
}

#[tokio::test]
async fn a_token_issued_by_one_instance_works_on_the_other() {
    let Some((a, b)) = two_instances(no_limits).await else { return };
    let (token, id) = a.citizen("跨实例").await;
    let me = b.ok(Some(&token), "query { me { id displayName } }", json!({})).await;
    assert_eq!(me["me"]["id"], id.as_str());
    // Signing out on B ends the session on A too.
    b.ok(Some(&token), "mutation { logout }", json!({})).await;
    assert_eq!(a.ok(Some(&token), "query { me { id } }", json!({})).await["me"], serde_json::Value::Null);
}

#[tokio::test]
async fn a_suspension_or_password_change_on_one_instance_holds_at_once_on_the_other() {
    let Some((a, b)) = two_instances(no_limits).await else { return };
    let admin = crate::support::account(&a, "ADMIN", None).await;
    let (token, id) = a.citizen("缓存账户").await;
    let me = "query { me { id } }";
    // A now holds the account in its accounts cache.
    assert_eq!(a.ok(Some(&token), me, json!({})).await["me"]["id"], id.as_str());
    let change = "mutation($input: ChangePasswordInput!) { changePassword(input: $input) }";
    let input = |current: &str, new: &str| json!({ "input": { "currentPassword": current, "newPassword": new } });
    b.ok(Some(&token), change, input(gongkai_tests::PASSWORD, "changed on instance B")).await;
    // A checks the current password against the account as it is now, not against its copy.
    let stale = a.gql(Some(&token), change, input(gongkai_tests::PASSWORD, "changed on instance A")).await;
    assert_eq!(stale.code(), "BAD_USER_INPUT");
    a.ok(Some(&token), change, input("changed on instance B", "changed on instance A")).await;
    // A suspension on B ends the session on A within the same second, cached account or not.
    b.ok(Some(&admin.token), "mutation($id: ID!) { suspendAccount(id: $id, reason: \"测试\") { id } }", json!({ "id": id })).await;
    assert_eq!(a.ok(Some(&token), me, json!({})).await["me"], serde_json::Value::Null);
}

#[tokio::test]
async fn a_rate_limit_counted_on_one_instance_stops_the_user_on_the_other() {
    let Some((a, b)) = two_instances(|c| {
        no_limits(c);
        c.rate_limits.comments_per_minute = 2;
    })
    .await
    else {
        return;
    };
    let w = a.world().await;
    let (citizen, _) = a.citizen("限流").await;
    a.comment(&citizen, &w.consultation, "第一条").await;
    a.comment(&citizen, &w.consultation, "第二条").await;
    let third = b
        .gql(
            Some(&citizen),
            "mutation($input: SubmitCommentInput!) { submitComment(input: $input) { comment { id } } }",
            json!({ "input": { "consultationId": w.consultation, "stance": "NEUTRAL", "body": "第三条" } }),
        )
        .await;
    assert_eq!(third.code(), "RATE_LIMITED");
    assert!(third.error()["extensions"]["retryAfter"].as_u64().is_some_and(|s| s > 0));
}

#[tokio::test]
async fn a_subscriber_on_one_instance_receives_a_comment_submitted_to_the_other() {
    let Some((a, b)) = two_instances(no_limits).await else { return };
    let w = a.world().await;
    let mut feed = Ws::connect(&b.url, Some(&w.staff)).await;
    feed.subscribe("feed", COMMENT_ADDED, json!({ "consultationId": w.consultation })).await;
    b.wait_for_subscriptions(1).await;
    let (citizen, _) = a.citizen("甲方").await;
    let id = a.comment(&citizen, &w.consultation, "从实例 A 提交的意见").await;
    let data = feed.next_data("feed").await;
    assert_eq!(data["commentAdded"]["id"], id.as_str());
    assert_eq!(data["commentAdded"]["body"], "从实例 A 提交的意见");
    assert_eq!(data["commentAdded"]["status"], "PUBLISHED");
}

#[tokio::test]
async fn a_citizen_on_one_instance_receives_a_reply_posted_through_the_other() {
    let Some((a, b)) = two_instances(no_limits).await else { return };
    let w = a.world().await;
    let (citizen, _) = a.citizen("乙方").await;
    let comment = a.comment(&citizen, &w.consultation, "请答复").await;
    let mut feed = Ws::connect(&b.url, Some(&citizen)).await;
    feed.subscribe("mine", MY_REPLIES, json!({})).await;
    b.wait_for_subscriptions(1).await;
    let reply = a
        .ok(
            Some(&w.staff),
            "mutation($input: ReplyToCommentInput!) { replyToComment(input: $input) { id } }",
            json!({ "input": { "commentId": comment, "body": "已答复", "adoption": "ADOPTED" } }),
        )
        .await;
    let data = feed.next_data("mine").await;
    assert_eq!(data["replyPosted"]["id"], reply["replyToComment"]["id"]);
    assert_eq!(data["replyPosted"]["comment"]["id"], comment.as_str());
}

#[tokio::test]
async fn a_notification_written_on_one_instance_reaches_its_recipient_on_the_other() {
    let Some((a, b)) = two_instances(no_limits).await else { return };
    let w = a.world().await;
    let (citizen, _) = a.citizen("丙方").await;
    let comment = a.comment(&citizen, &w.consultation, "请通知我").await;
    let mut feed = Ws::connect(&b.url, Some(&citizen)).await;
    feed.subscribe("inbox", &crate::support::op("notifications", "NotificationAdded"), json!({})).await;
    b.wait_for_subscriptions(1).await;
    a.ok(
        Some(&w.staff),
        "mutation($input: ReplyToCommentInput!) { replyToComment(input: $input) { id } }",
        json!({ "input": { "commentId": comment, "body": "已答复", "adoption": "NOT_ADOPTED" } }),
    )
    .await;
    let data = feed.next_data("inbox").await;
    assert_eq!(data["notificationAdded"]["kind"], "COMMENT_REPLIED");
    let inbox = b.ok(Some(&citizen), "{ me { notifications(first: 1) { edges { node { id } } } } }", json!({})).await;
    assert_eq!(data["notificationAdded"]["id"], inbox["me"]["notifications"]["edges"][0]["node"]["id"]);
}

#[tokio::test]
async fn an_unauthorised_subscription_is_refused_on_either_instance() {
    let Some((a, b)) = two_instances(no_limits).await else { return };
    let w = a.world().await;
    let (citizen, _) = a.citizen("丙方").await;
    for url in [&a.url, &b.url] {
        let mut feed = Ws::connect(url, Some(&citizen)).await;
        feed.subscribe("feed", COMMENT_ADDED, json!({ "consultationId": w.consultation })).await;
        assert_eq!(feed.error_code("feed").await, "FORBIDDEN");
    }
    b.wait_for_subscriptions(0).await;
}

#[tokio::test]
async fn an_export_link_from_one_instance_downloads_from_the_other() {
    let Some((a, b)) = two_instances(no_limits).await else { return };
    let w = a.world().await;
    let (citizen, _) = a.citizen("丁方").await;
    let id = a.comment(&citizen, &w.consultation, "导出测试").await;
    let data = a
        .ok(Some(&w.staff), "mutation($id: ID!) { exportComments(consultationId: $id, format: JSON) { url } }", json!({ "id": w.consultation }))
        .await;
    let url = data["exportComments"]["url"].as_str().unwrap();
    let items: serde_json::Value = b.http.get(format!("{}{url}", b.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(items[0]["id"], id.as_str());
}
