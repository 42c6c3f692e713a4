//! Subscriptions on one instance: the staff dashboard's feed of new comments and citizens' feed of
//! replies (in process on SQLite, through Redis when the tests run with it).

use gongkai_tests::{no_limits, spawn_with, TestApp};
use serde_json::{json, Value};

use crate::ws::{Ws, COMMENT_ADDED, MY_REPLIES};

const REPLY: &str = "mutation($input: ReplyToCommentInput!) { replyToComment(input: $input) { id } }";

/// A PRE-moderated consultation led by one department with another cooperating; returns
/// (admin, lead staff, cooperating staff, consultation, sections).
async fn campaign(app: &TestApp) -> (String, String, String, String, Vec<String>) {
    let admin = app.admin().await;
    let lead = app.department(&admin, "LEAD").await;
    let cooperating = app.department(&admin, "COOP").await;
    let lead_staff = app.staff(&admin, &lead).await;
    let cooperating_staff = app.staff(&admin, &cooperating).await;
    let (consultation, sections) = app.draft(&lead_staff, &lead, json!({ "moderation": "PRE", "cooperatingDepartmentIds": [cooperating] })).await;
    app.publish(&lead_staff, &consultation).await;
    (admin, lead_staff, cooperating_staff, consultation, sections)
}

async fn submit(app: &TestApp, token: &str, consultation: &str, section: Option<&str>, body: &str) -> String {
    let data = app
        .ok(
            Some(token),
            "mutation($input: SubmitCommentInput!) { submitComment(input: $input) { comment { id } } }",
            json!({ "input": { "consultationId": consultation, "sectionId": section, "stance": "OPPOSE", "body": body } }),
        )
        .await;
    data["submitComment"]["comment"]["id"].as_str().expect("id").to_owned()
}

async fn reply(app: &TestApp, staff: &str, comment: &str, body: &str) -> String {
    let data = app.ok(Some(staff), REPLY, json!({ "input": { "commentId": comment, "body": body, "adoption": "PARTIALLY_ADOPTED" } })).await;
    data["replyToComment"]["id"].as_str().expect("id").to_owned()
}

async fn follow(app: &TestApp, token: Option<&str>, consultation: &str) -> Ws {
    let mut ws = Ws::connect(&app.url, token).await;
    ws.subscribe("feed", COMMENT_ADDED, json!({ "consultationId": consultation })).await;
    ws
}

#[tokio::test]
async fn staff_of_both_departments_and_admins_see_new_comments_as_they_arrive_pending_included() {
    let app = spawn_with(no_limits).await;
    let (admin, lead_staff, cooperating_staff, consultation, sections) = campaign(&app).await;
    let mut feeds = Vec::new();
    for token in [&lead_staff, &cooperating_staff, &admin] {
        feeds.push(follow(&app, Some(token), &consultation).await);
    }
    app.wait_for_subscriptions(3).await;
    let (citizen, _) = app.citizen("李四").await;
    let body = "建议在第二条中明确答复时限，并公开办理结果。";
    let id = submit(&app, &citizen, &consultation, Some(&sections[1]), body).await;
    for feed in &mut feeds {
        let data = feed.next_data("feed").await;
        let comment = &data["commentAdded"];
        assert_eq!(comment["id"], id.as_str());
        assert_eq!(comment["body"], body);
        assert_eq!(comment["stance"], "OPPOSE");
        assert_eq!(comment["status"], "PENDING");
        assert_eq!(comment["section"], json!({ "id": sections[1], "ordinal": 2 }));
        assert!(comment["createdAt"].is_string());
    }
}

#[tokio::test]
async fn the_comment_feed_carries_only_its_own_consultation() {
    let app = spawn_with(no_limits).await;
    let (_, lead_staff, _, consultation, _) = campaign(&app).await;
    let w = app.world().await;
    let mut feed = follow(&app, Some(&lead_staff), &consultation).await;
    app.wait_for_subscriptions(1).await;
    let (citizen, _) = app.citizen("王五").await;
    app.comment(&citizen, &w.consultation, "另一个征求意见的评论").await;
    feed.assert_quiet().await;
    let id = submit(&app, &citizen, &consultation, None, "本次征求意见的评论").await;
    assert_eq!(feed.next_data("feed").await["commentAdded"]["id"], id.as_str());
}

#[tokio::test]
async fn the_comment_feed_is_refused_to_citizens_other_departments_and_anonymous_clients() {
    let app = spawn_with(no_limits).await;
    let (admin, _, _, consultation, _) = campaign(&app).await;
    let other = app.department(&admin, "OTHER").await;
    let other_staff = app.staff(&admin, &other).await;
    let (citizen, _) = app.citizen("赵六").await;
    let (evaluator, _) = app.account(&admin, "EVALUATOR", None).await;
    for token in [&other_staff, &citizen, &evaluator] {
        let mut ws = follow(&app, Some(token), &consultation).await;
        assert_eq!(ws.error_code("feed").await, "FORBIDDEN");
        ws.close().await;
    }
    let mut anonymous = follow(&app, None, &consultation).await;
    assert_eq!(anonymous.error_code("feed").await, "UNAUTHENTICATED");
    let mut expired = follow(&app, Some("not-a-live-token"), &consultation).await;
    assert_eq!(expired.error_code("feed").await, "UNAUTHENTICATED");
    app.wait_for_subscriptions(0).await;
}

#[tokio::test]
async fn the_comment_feed_of_an_unknown_or_hidden_consultation_is_not_found() {
    let app = spawn_with(no_limits).await;
    let w = app.world().await;
    let other = app.department(&w.admin, "OTHER").await;
    let other_staff = app.staff(&w.admin, &other).await;
    let (draft, _) = app.draft(&w.staff, &w.department, json!({})).await;
    let mut ws = follow(&app, Some(&other_staff), &draft).await;
    assert_eq!(ws.error_code("feed").await, "NOT_FOUND");
    let mut ws = follow(&app, Some(&w.staff), &uuid::Uuid::now_v7().to_string()).await;
    assert_eq!(ws.error_code("feed").await, "NOT_FOUND");
    let mut ws = follow(&app, Some(&w.staff), "not-an-id").await;
    assert_eq!(ws.error_code("feed").await, "BAD_USER_INPUT");
}

#[tokio::test]
async fn citizens_receive_replies_to_their_own_comments_only() {
    let app = spawn_with(no_limits).await;
    let w = app.world().await;
    let (alice, _) = app.citizen("Alice").await;
    let (bob, _) = app.citizen("Bob").await;
    let alices = app.comment(&alice, &w.consultation, "Alice 的意见").await;
    let bobs = app.comment(&bob, &w.consultation, "Bob 的意见").await;
    let mut alice_feed = Ws::connect(&app.url, Some(&alice)).await;
    alice_feed.subscribe("mine", MY_REPLIES, json!({})).await;
    let mut bob_feed = Ws::connect(&app.url, Some(&bob)).await;
    bob_feed.subscribe("mine", MY_REPLIES, json!({})).await;
    app.wait_for_subscriptions(2).await;

    let reply_id = reply(&app, &w.staff, &alices, "感谢您的建议，已部分采纳。").await;
    let data = alice_feed.next_data("mine").await;
    let posted: &Value = &data["replyPosted"];
    assert_eq!(posted["id"], reply_id.as_str());
    assert_eq!(posted["body"], "感谢您的建议，已部分采纳。");
    assert_eq!(posted["adoption"], "PARTIALLY_ADOPTED");
    assert_eq!(posted["comment"]["id"], alices.as_str());
    assert_eq!(posted["comment"]["consultation"]["id"], w.consultation.as_str());
    assert!(posted["comment"]["consultation"]["title"].is_string());
    bob_feed.assert_quiet().await;

    let bobs_reply = reply(&app, &w.staff, &bobs, "已收到。").await;
    assert_eq!(bob_feed.next_data("mine").await["replyPosted"]["id"], bobs_reply.as_str());
    alice_feed.assert_quiet().await;
}

#[tokio::test]
async fn a_reply_to_a_duplicate_group_reaches_every_author_in_it() {
    let app = spawn_with(no_limits).await;
    let w = app.world().await;
    let text = "反对第一条，请重新论证。";
    let mut feeds = Vec::new();
    let mut first = None;
    for name in ["甲", "乙"] {
        let (token, _) = app.citizen(name).await;
        let id = app.comment(&token, &w.consultation, text).await;
        first.get_or_insert(id);
        let mut ws = Ws::connect(&app.url, Some(&token)).await;
        ws.subscribe("mine", MY_REPLIES, json!({})).await;
        feeds.push(ws);
    }
    app.wait_for_subscriptions(2).await;
    let group = app
        .ok(Some(&w.staff), "query($id: ID!) { consultation(id: $id) { duplicateGroups { edges { node { id } } } } }", json!({ "id": w.consultation }))
        .await["consultation"]["duplicateGroups"]["edges"][0]["node"]["id"]
        .as_str()
        .expect("a duplicate group")
        .to_owned();
    app.ok(
        Some(&w.staff),
        "mutation($input: ReplyToDuplicateGroupInput!) { replyToDuplicateGroup(input: $input) { repliedCount } }",
        json!({ "input": { "groupId": group, "body": "统一答复：将组织专家论证。", "adoption": "EXPLAINED" } }),
    )
    .await;
    for feed in &mut feeds {
        let data = feed.next_data("mine").await;
        assert_eq!(data["replyPosted"]["adoption"], "EXPLAINED");
        assert_eq!(data["replyPosted"]["body"], "统一答复：将组织专家论证。");
    }
}

#[tokio::test]
async fn the_replies_feed_needs_a_signed_in_user() {
    let app = spawn_with(no_limits).await;
    let mut ws = Ws::connect(&app.url, None).await;
    ws.subscribe("mine", MY_REPLIES, json!({})).await;
    assert_eq!(ws.error_code("mine").await, "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_closed_or_completed_subscription_lets_go_of_its_events() {
    let app = spawn_with(no_limits).await;
    let w = app.world().await;
    let mut kept = follow(&app, Some(&w.staff), &w.consultation).await;
    let mut completed = follow(&app, Some(&w.admin), &w.consultation).await;
    let dropped = follow(&app, Some(&w.staff), &w.consultation).await;
    app.wait_for_subscriptions(3).await;
    // A client that vanishes without a closing handshake, and one that completes its subscription.
    drop(dropped);
    completed.complete("feed").await;
    app.wait_for_subscriptions(1).await;
    assert!(matches!(completed.frame("feed").await, crate::ws::Frame::Complete));
    let (citizen, _) = app.citizen("钱七").await;
    let id = app.comment(&citizen, &w.consultation, "仍然送达").await;
    assert_eq!(kept.next_data("feed").await["commentAdded"]["id"], id.as_str());
    kept.close().await;
    app.wait_for_subscriptions(0).await;
}

#[tokio::test]
async fn graphql_errors_over_the_websocket_carry_a_code() {
    let app = spawn_with(no_limits).await;
    let mut ws = Ws::connect(&app.url, None).await;
    ws.subscribe("bad", "subscription { commentAdded { id } }", json!({})).await;
    assert_eq!(ws.error_code("bad").await, "BAD_USER_INPUT");
}

#[tokio::test]
async fn the_redis_event_relay_stays_subscribed_across_its_keepalive_pings() {
    let Some(url) = std::env::var("TEST_REDIS_URL").ok().filter(|v| !v.is_empty()) else {
        gongkai_tests::skipped("the Redis relay needs TEST_REDIS_URL");
        return;
    };
    let events = gongkai::events::Events::redis_with_keepalive(&url, std::time::Duration::from_millis(50)).await.expect("connect to Redis");
    let mut receiver = events.subscribe();
    // Several pings later the relay is still subscribed and still relays.
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert!(events.is_live());
    let event = gongkai::events::Event::ReplyPosted { comment_author_id: uuid::Uuid::now_v7(), reply_id: uuid::Uuid::now_v7() };
    events.publish_later(vec![event.clone()]);
    let deadline = tokio::time::Instant::now() + crate::ws::WAIT;
    loop {
        // Other tests share the channel: skip their events.
        let received = tokio::time::timeout_at(deadline, receiver.recv()).await.expect("the event came back").expect("a live channel");
        if received == event {
            break;
        }
    }
}
