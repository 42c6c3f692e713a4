//! Reports, automatic hiding at the threshold, and staff moderation with its transitions.

use gongkai_tests::{no_limits, spawn_with, TestApp};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::support::{self, cast, fields, op};

async fn comment_as(app: &TestApp, token: &str, consultation: &str, comment: &str) -> Value {
    let query = "query($id: ID!) { consultation(id: $id) { comments(first: 100) { edges { node { id status reportCount moderationReason reports { reason } } } } } }";
    let data = app.ok(Some(token), query, json!({ "id": consultation })).await;
    data["consultation"]["comments"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .find(|e| e["node"]["id"] == comment)
        .map(|e| e["node"].clone())
        .unwrap_or(Value::Null)
}

async fn own_reason(app: &TestApp, token: &str, comment: &str) -> Value {
    let data = app.ok(Some(token), "{ me { comments(first: 100) { edges { node { id status moderationReason } } } } }", json!({})).await;
    data["me"]["comments"]["edges"].as_array().expect("edges").iter().find(|e| e["node"]["id"] == comment).expect("own comment")["node"].clone()
}

#[tokio::test]
async fn three_reports_hide_a_comment_until_staff_publish_it_again() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let id = c.consultation(&app, json!({})).await;
    let sections = support::detail(&app, None, &id).await["sections"].clone();
    let section = sections[0]["id"].as_str().expect("section").to_owned();
    let comment = support::submit_ok(&app, &c.citizen.token, &id, "OPPOSE", "广告：低价出售", Some(&section)).await;
    let reporters = support::citizens(&app, 4).await;
    for (who, reason) in reporters.iter().zip(["SPAM", "ABUSE"]) {
        assert_eq!(support::report(&app, &who.token, &comment, reason).await.data()["reportComment"], true);
    }
    assert_eq!(support::detail(&app, None, &id).await["commentCount"], 1, "two reports are not enough");
    support::report(&app, &reporters[2].token, &comment, "OFF_TOPIC").await.data();
    let detail = support::detail(&app, None, &id).await;
    assert_eq!(detail["commentCount"], 0, "hidden at the third report");
    assert_eq!(detail["stanceCounts"]["oppose"], 0);
    assert_eq!(detail["sections"][0]["commentCount"], 0);
    assert_eq!(support::staff_counts(&app, &c.lead_staff.token, &id).await["unrepliedCount"], 0);
    let public = app.ok(None, &op("citizen", "ConsultationComments"), json!({ "id": id })).await;
    assert_eq!(public["consultation"]["comments"]["totalCount"], 0);
    assert_eq!(own_reason(&app, &c.citizen.token, &comment).await["status"], "HIDDEN");
    assert!(own_reason(&app, &c.citizen.token, &comment).await["moderationReason"].as_str().is_some(), "the author is told why");

    let reported = app.ok(Some(&c.lead_staff.token), &op("staff", "ReportedComments"), json!({ "id": id })).await;
    let reported = &reported["consultation"]["comments"];
    assert_eq!(reported["totalCount"], 1);
    let node = &reported["edges"][0]["node"];
    assert_eq!(node["status"], "HIDDEN");
    assert_eq!(node["reportCount"], 3);
    let mut reasons: Vec<&str> = node["reports"].as_array().expect("reports").iter().map(|r| r["reason"].as_str().expect("reason")).collect();
    reasons.sort();
    assert_eq!(reasons, ["ABUSE", "OFF_TOPIC", "SPAM"]);
    assert_eq!(node["reports"][0]["detail"], "请处理");

    let data = support::moderate(&app, &c.lead_staff.token, &comment, "PUBLISH", None).await;
    assert_eq!(data.data()["moderateComment"]["status"], "PUBLISHED");
    let detail = support::detail(&app, None, &id).await;
    assert_eq!(detail["commentCount"], 1, "published again after review");
    assert_eq!(detail["stanceCounts"]["oppose"], 1);
    assert_eq!(detail["sections"][0]["commentCount"], 1);
    support::report(&app, &reporters[3].token, &comment, "SPAM").await.data();
    assert_eq!(support::detail(&app, None, &id).await["commentCount"], 1, "once staff have looked, more reports do not hide it again");
    assert_eq!(comment_as(&app, &c.lead_staff.token, &id, &comment).await["reportCount"], 4);
}

#[tokio::test]
async fn the_report_threshold_is_configurable() {
    let app = spawn_with(|config| {
        no_limits(config);
        config.report_hide_threshold = 1;
    })
    .await;
    let w = support::open_world(&app).await;
    let citizens = support::citizens(&app, 2).await;
    let comment = support::submit_ok(&app, &citizens[0].token, &w.consultation, "SUPPORT", "可疑内容", None).await;
    support::report(&app, &citizens[1].token, &comment, "PERSONAL_DATA").await.data();
    assert_eq!(support::detail(&app, None, &w.consultation).await["commentCount"], 0);
}

#[tokio::test]
async fn reports_are_one_per_user_with_a_reason() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let id = c.consultation(&app, json!({})).await;
    let comment = support::submit_ok(&app, &c.citizen.token, &id, "SUPPORT", "被举报的评论", None).await;
    let reporter = support::citizen(&app).await;
    support::report(&app, &reporter.token, &comment, "SPAM").await.data();
    assert_eq!(support::report(&app, &reporter.token, &comment, "ABUSE").await.code(), "CONFLICT", "one report per user");
    assert_eq!(fields(&support::report(&app, &c.citizen.token, &comment, "SPAM").await), ["commentId"], "not one's own comment");
    assert_eq!(app.code(None, &op("citizen", "ReportComment"), json!({ "input": { "commentId": comment, "reason": "SPAM" } })).await, "UNAUTHENTICATED");
    assert_eq!(support::report(&app, &c.evaluator.token, &comment, "SPAM").await.code(), "FORBIDDEN", "evaluators only read");
    assert_eq!(support::report(&app, &reporter.token, &Uuid::now_v7().to_string(), "SPAM").await.code(), "NOT_FOUND");
    assert_eq!(support::report(&app, &reporter.token, &comment, "BORING").await.code(), "BAD_USER_INPUT");
    let other = support::citizen(&app).await;
    let gql = app
        .gql(Some(&other.token), &op("citizen", "ReportComment"), json!({ "input": { "commentId": comment, "reason": "OTHER", "detail": "长".repeat(1001) } }))
        .await;
    assert_eq!(fields(&gql), ["detail"]);
    assert_eq!(comment_as(&app, &c.lead_staff.token, &id, &comment).await["reportCount"], 1, "only the one good report counts");
}

#[tokio::test]
async fn reported_comments_are_for_the_consultations_staff_only() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let id = c.consultation(&app, json!({})).await;
    let comment = support::submit_ok(&app, &c.citizen.token, &id, "SUPPORT", "有人举报", None).await;
    let reporter = support::citizen(&app).await;
    support::report(&app, &reporter.token, &comment, "ABUSE").await.data();
    let reported = op("staff", "ReportedComments");
    for who in [None, Some(&c.citizen), Some(&reporter), Some(&c.other_staff), Some(&c.evaluator)] {
        let token = who.map(|a| a.token.as_str());
        let expected = if token.is_none() { "UNAUTHENTICATED" } else { "FORBIDDEN" };
        assert_eq!(app.code(token, &reported, json!({ "id": id })).await, expected, "reported comments for {token:?}");
    }
    for who in [&c.lead_staff, &c.coop_staff, &c.admin] {
        let data = app.ok(Some(&who.token), &reported, json!({ "id": id })).await;
        assert_eq!(data["consultation"]["comments"]["edges"][0]["node"]["reportCount"], 1);
    }
    // In the public list the moderation fields are null.
    let public = "query($id: ID!) { consultation(id: $id) { comments { edges { node { reportCount reports { reason } duplicateGroupId moderationReason } } } } }";
    let data = app.ok(Some(&reporter.token), public, json!({ "id": id })).await;
    assert_eq!(data["consultation"]["comments"]["edges"][0]["node"], json!({ "reportCount": null, "reports": null, "duplicateGroupId": null, "moderationReason": null }));
}

#[tokio::test]
async fn moderation_follows_the_allowed_transitions_and_needs_reasons() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let id = c.consultation(&app, json!({ "moderation": "PRE" })).await;
    let citizens = support::citizens(&app, 4).await;
    let mut comments = Vec::new();
    for who in &citizens {
        comments.push(support::submit_ok(&app, &who.token, &id, "NEUTRAL", "待审", None).await);
    }
    let t = &c.lead_staff.token;
    let counts = || support::staff_counts(&app, t, &id);
    assert_eq!(counts().await["pendingCount"], 4);
    for decision in ["REJECT", "HIDE"] {
        assert_eq!(fields(&support::moderate(&app, t, &comments[0], decision, None).await), ["reason"], "{decision} needs a reason");
        assert_eq!(fields(&support::moderate(&app, t, &comments[0], decision, Some("  ")).await), ["reason"]);
    }
    assert_eq!(support::moderate(&app, t, &comments[0], "HIDE", Some("不当")).await.code(), "CONFLICT", "a pending comment is rejected, not hidden");

    let rejected = support::moderate(&app, t, &comments[0], "REJECT", Some("含有广告")).await;
    assert_eq!(rejected.data()["moderateComment"], json!({ "id": comments[0], "status": "REJECTED", "moderationReason": "含有广告" }));
    assert_eq!(counts().await, json!({ "commentCount": 0, "unrepliedCount": 0, "pendingCount": 3 }));
    assert_eq!(own_reason(&app, &citizens[0].token, &comments[0]).await["moderationReason"], "含有广告", "the author sees why");
    for decision in [("PUBLISH", None), ("REJECT", Some("r")), ("HIDE", Some("r"))] {
        assert_eq!(support::moderate(&app, t, &comments[0], decision.0, decision.1).await.code(), "CONFLICT", "a rejected comment stays rejected");
    }

    support::moderate(&app, t, &comments[1], "PUBLISH", None).await.data();
    assert_eq!(counts().await, json!({ "commentCount": 1, "unrepliedCount": 1, "pendingCount": 2 }));
    assert_eq!(support::moderate(&app, t, &comments[1], "PUBLISH", None).await.code(), "CONFLICT");
    assert_eq!(support::moderate(&app, t, &comments[1], "REJECT", Some("r")).await.code(), "CONFLICT");
    let hidden = support::moderate(&app, t, &comments[1], "HIDE", Some("涉及个人信息")).await;
    assert_eq!(hidden.data()["moderateComment"]["status"], "HIDDEN");
    assert_eq!(counts().await, json!({ "commentCount": 0, "unrepliedCount": 0, "pendingCount": 2 }));
    let again = support::moderate(&app, t, &comments[1], "PUBLISH", None).await;
    assert_eq!(again.data()["moderateComment"]["status"], "PUBLISHED");
    assert_eq!(counts().await, json!({ "commentCount": 1, "unrepliedCount": 1, "pendingCount": 2 }));

    // Staff filter by any status; the public cannot.
    let by_status = "query($id: ID!, $status: CommentStatus) { consultation(id: $id) { comments(status: $status) { totalCount edges { node { id } } } } }";
    for (status, expected) in [("REJECTED", 1), ("PENDING", 2), ("PUBLISHED", 1), ("HIDDEN", 0)] {
        let data = app.ok(Some(t), by_status, json!({ "id": id, "status": status })).await;
        assert_eq!(data["consultation"]["comments"]["totalCount"], expected, "{status}");
    }
    let data = app.ok(Some(t), by_status, json!({ "id": id })).await;
    assert_eq!(data["consultation"]["comments"]["totalCount"], 4, "staff see every status but withdrawn by default");
    assert_eq!(app.code(None, by_status, json!({ "id": id, "status": "REJECTED" })).await, "UNAUTHENTICATED");
    assert_eq!(app.code(Some(&c.citizen.token), by_status, json!({ "id": id, "status": "REJECTED" })).await, "FORBIDDEN");
    let public = app.ok(None, by_status, json!({ "id": id, "status": "PUBLISHED" })).await;
    assert_eq!(public["consultation"]["comments"]["totalCount"], 1);

    // A withdrawn comment is out of moderation's reach.
    app.ok(Some(&citizens[2].token), &op("citizen", "WithdrawComment"), json!({ "id": comments[2] })).await;
    assert_eq!(counts().await["pendingCount"], 1);
    assert_eq!(support::moderate(&app, t, &comments[2], "PUBLISH", None).await.code(), "CONFLICT");
    assert_eq!(support::moderate(&app, t, &Uuid::now_v7().to_string(), "PUBLISH", None).await.code(), "NOT_FOUND");
    assert_eq!(fields(&support::moderate(&app, t, "nope", "PUBLISH", None).await), ["id"]);
}

#[tokio::test]
async fn moderation_is_for_the_consultations_staff_and_admins() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let id = c.consultation(&app, json!({ "moderation": "PRE" })).await;
    let citizens = support::citizens(&app, 2).await;
    let first = support::submit_ok(&app, &citizens[0].token, &id, "SUPPORT", "一", None).await;
    let second = support::submit_ok(&app, &citizens[1].token, &id, "SUPPORT", "二", None).await;
    assert_eq!(app.code(None, &op("staff", "ModerateComment"), json!({ "id": first, "input": { "decision": "PUBLISH" } })).await, "UNAUTHENTICATED");
    for who in [&c.citizen, &citizens[0], &c.evaluator] {
        assert_eq!(support::moderate(&app, &who.token, &first, "PUBLISH", None).await.code(), "FORBIDDEN", "{}", who.email);
    }
    // Another department's staff do not see a pending comment: to them it does not exist.
    assert_eq!(support::moderate(&app, &c.other_staff.token, &first, "PUBLISH", None).await.code(), "NOT_FOUND");
    assert_eq!(support::staff_counts(&app, &c.lead_staff.token, &id).await["pendingCount"], 2, "nothing moved");
    support::moderate(&app, &c.coop_staff.token, &first, "PUBLISH", None).await.data();
    support::moderate(&app, &c.admin.token, &second, "REJECT", Some("重复")).await.data();
    assert_eq!(support::staff_counts(&app, &c.lead_staff.token, &id).await, json!({ "commentCount": 1, "unrepliedCount": 1, "pendingCount": 0 }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reports_arriving_at_once_hide_a_comment_exactly_once() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let authors = support::citizens(&app, 4).await;
    let mut comments = Vec::new();
    for (i, who) in authors.iter().enumerate() {
        comments.push(support::submit_ok(&app, &who.token, &w.consultation, "OPPOSE", &format!("争议{i}"), Some(&w.sections[0])).await);
    }
    let reporters = support::citizens(&app, 8).await;
    let answers = futures_util::future::join_all(
        comments.iter().flat_map(|comment| reporters.iter().map(move |who| (comment, who))).map(|(comment, who)| support::report(&app, &who.token, comment, "ABUSE")),
    )
    .await;
    // A report that arrives once the comment is hidden finds nothing the public can see.
    let failed: Vec<&serde_json::Value> = answers.iter().filter(|a| !a.is_ok() && a.code() != "NOT_FOUND").map(|a| &a.0).collect();
    assert!(failed.is_empty(), "every report is taken or finds the comment gone: {failed:#?}");
    let detail = support::detail(&app, None, &w.consultation).await;
    assert_eq!(detail["commentCount"], 0, "all four hidden, each counted out once");
    assert_eq!(detail["stanceCounts"]["oppose"], 0);
    assert_eq!(detail["sections"][0]["commentCount"], 0);
    assert_eq!(support::staff_counts(&app, &w.staff, &w.consultation).await["unrepliedCount"], 0);
    let reported = app.ok(Some(&w.staff), &op("staff", "ReportedComments"), json!({ "id": w.consultation })).await;
    let nodes = reported["consultation"]["comments"]["edges"].as_array().expect("edges").clone();
    assert_eq!(nodes.len(), 4);
    let taken = answers.iter().filter(|a| a.is_ok()).count();
    let counted: i64 = nodes.iter().map(|n| n["node"]["reportCount"].as_i64().expect("reportCount")).sum();
    assert_eq!(counted, taken as i64, "every report taken is counted");
    assert!(nodes.iter().all(|n| n["node"]["reportCount"].as_i64() >= Some(3) && n["node"]["status"] == "HIDDEN"));
}

#[tokio::test]
async fn the_moderation_overview_lists_each_consultation_with_work_waiting() {
    let app = gongkai_tests::spawn_with(|c| {
        gongkai_tests::no_limits(c);
        c.report_hide_threshold = 2;
    })
    .await;
    let c = crate::support::cast(&app).await;
    let overview = crate::support::op("dashboard", "ModerationOverview");
    let read = |token: String| {
        let (app, overview) = (&app, overview.clone());
        async move { app.ok(Some(&token), &overview, serde_json::json!({})).await["me"]["department"]["moderationOverview"].as_array().expect("overview").clone() }
    };
    // Nothing yet: an open consultation without comments has no work waiting.
    let quiet = c.consultation(&app, serde_json::json!({})).await;
    assert!(read(c.lead_staff.token.clone()).await.is_empty());
    // A pre-moderated one with a pending comment; a post-moderated one with a reported, a hidden and an unreplied comment.
    let pre = c.consultation(&app, serde_json::json!({ "moderation": "PRE" })).await;
    let busy = c.consultation(&app, serde_json::json!({})).await;
    let authors = crate::support::citizens(&app, 4).await;
    app.comment(&authors[0].token, &pre, "待审核的意见").await;
    let reported = app.comment(&authors[0].token, &busy, "被举报一次的意见").await;
    let hidden = app.comment(&authors[1].token, &busy, "被举报两次的意见").await;
    app.comment(&authors[2].token, &busy, "没有答复的意见").await;
    let report = crate::support::op("citizen", "ReportComment");
    let input = |id: &str| serde_json::json!({ "input": { "commentId": id, "reason": "SPAM" } });
    app.ok(Some(&authors[3].token), &report, input(&reported)).await;
    app.ok(Some(&authors[2].token), &report, input(&hidden)).await;
    app.ok(Some(&authors[3].token), &report, input(&hidden)).await;

    for token in [c.lead_staff.token.clone(), c.coop_staff.token.clone()] {
        let waiting = read(token).await;
        let of = |id: &str| waiting.iter().find(|w| w["consultation"]["id"] == id).cloned();
        assert!(of(&quiet).is_none(), "no work waiting there");
        let pre = of(&pre).expect("the pre-moderated one");
        assert_eq!((pre["pending"].as_i64(), pre["unreplied"].as_i64()), (Some(1), Some(0)));
        let busy = of(&busy).expect("the busy one");
        assert_eq!(busy["reported"], 1, "{busy}");
        assert_eq!(busy["hidden"], 1, "{busy}");
        assert_eq!(busy["unreplied"], 2, "the reported and the unreplied one are published without a reply: {busy}");
        assert_eq!(busy["pending"], 0);
    }
    // Another department's staff see their own (empty) overview only; citizens have none.
    assert!(read(c.other_staff.token.clone()).await.is_empty());
    let foreign = app.gql(Some(&c.other_staff.token), "{ departments { id moderationOverview { pending } } }", serde_json::json!({})).await;
    assert_eq!(foreign.code(), "FORBIDDEN", "another department's overview is not readable");
    let citizen = app.gql(Some(&authors[0].token), &overview, serde_json::json!({})).await;
    assert!(citizen.data()["me"]["department"].is_null());
}
