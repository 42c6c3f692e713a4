//! Official replies and their verdicts, duplicate groups and replying to a whole group.

use gongkai_tests::{no_limits, spawn_with, TestApp};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::support::{self, cast, fields, op};

async fn public_node(app: &TestApp, consultation: &str, comment: &str) -> Value {
    let data = app.ok(None, &op("citizen", "ConsultationComments"), json!({ "id": consultation, "first": 100 })).await;
    data["consultation"]["comments"]["edges"].as_array().expect("edges").iter().find(|e| e["node"]["id"] == comment).expect("listed")["node"].clone()
}

async fn groups(app: &TestApp, token: &str, consultation: &str) -> Value {
    app.ok(Some(token), &op("staff", "DuplicateGroups"), json!({ "id": consultation })).await["consultation"]["duplicateGroups"].clone()
}

#[tokio::test]
async fn a_comments_verdict_is_its_latest_reply_and_replies_are_public() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let id = c.consultation(&app, json!({})).await;
    let comment = support::submit_ok(&app, &c.citizen.token, &id, "SUPPORT", "建议延长公示期。", None).await;
    let first = support::reply(&app, &c.lead_staff.token, &comment, "NOT_ADOPTED").await;
    let first = first.data()["replyToComment"].clone();
    assert_eq!(first["adoption"], "NOT_ADOPTED");
    assert_eq!(first["department"]["id"], c.lead.as_str(), "lead staff speak for the lead department");
    assert_eq!(first["comment"]["id"], comment.as_str());
    let second = support::reply(&app, &c.coop_staff.token, &comment, "PARTIALLY_ADOPTED").await;
    assert_eq!(second.data()["replyToComment"]["department"]["id"], c.coop.as_str(), "cooperating staff speak for their department");
    let node = public_node(&app, &id, &comment).await;
    let replies = node["replies"].as_array().expect("replies");
    assert_eq!(replies.len(), 2);
    assert_eq!(replies[0]["adoption"], "NOT_ADOPTED", "oldest first");
    assert_eq!(replies[1]["adoption"], "PARTIALLY_ADOPTED");
    assert!(replies[1]["department"]["name"].as_str().is_some_and(|n| n.ends_with("部门")));
    let verdict = app.ok(None, "query($id: ID!) { consultation(id: $id) { comments { edges { node { adoption } } } } }", json!({ "id": id })).await;
    assert_eq!(verdict["consultation"]["comments"]["edges"][0]["node"]["adoption"], "PARTIALLY_ADOPTED", "the latest reply's verdict");
    let admin = support::reply(&app, &c.admin.token, &comment, "ADOPTED").await;
    assert_eq!(admin.data()["replyToComment"]["department"]["id"], c.lead.as_str(), "an admin speaks for the lead department");
    let verdict = app.ok(None, "query($id: ID!) { consultation(id: $id) { comments { edges { node { adoption } } } } }", json!({ "id": id })).await;
    assert_eq!(verdict["consultation"]["comments"]["edges"][0]["node"]["adoption"], "ADOPTED");
    let mine = app.ok(Some(&c.citizen.token), &op("citizen", "MyComments"), json!({})).await;
    assert_eq!(mine["me"]["comments"]["edges"][0]["node"]["replies"].as_array().map(Vec::len), Some(3));
    // Only the first reply moved the comment out of the unreplied count.
    assert_eq!(support::staff_counts(&app, &c.lead_staff.token, &id).await["unrepliedCount"], 0);
}

#[tokio::test]
async fn replies_come_from_the_consultations_staff_and_admins_only() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let id = c.consultation(&app, json!({})).await;
    let comment = support::submit_ok(&app, &c.citizen.token, &id, "OPPOSE", "请说明理由。", None).await;
    assert_eq!(
        app.code(None, &op("staff", "ReplyToComment"), json!({ "input": { "commentId": comment, "body": "x", "adoption": "EXPLAINED" } })).await,
        "UNAUTHENTICATED"
    );
    let other_citizen = support::citizen(&app).await;
    for who in [&c.citizen, &other_citizen, &c.other_staff, &c.evaluator] {
        assert_eq!(support::reply(&app, &who.token, &comment, "EXPLAINED").await.code(), "FORBIDDEN", "{}", who.email);
    }
    let empty = app
        .gql(Some(&c.lead_staff.token), &op("staff", "ReplyToComment"), json!({ "input": { "commentId": comment, "body": " \n ", "adoption": "EXPLAINED" } }))
        .await;
    assert_eq!(fields(&empty), ["body"]);
    assert_eq!(support::reply(&app, &c.lead_staff.token, &Uuid::now_v7().to_string(), "EXPLAINED").await.code(), "NOT_FOUND");
    assert_eq!(fields(&support::reply(&app, &c.lead_staff.token, "x", "EXPLAINED").await), ["commentId"]);
    assert_eq!(support::reply(&app, &c.lead_staff.token, &comment, "MAYBE").await.code(), "BAD_USER_INPUT");
    assert!(public_node(&app, &id, &comment).await["replies"].as_array().is_some_and(Vec::is_empty), "no refused reply was kept");
    // A withdrawn comment takes no reply.
    let withdrawn = support::submit_ok(&app, &other_citizen.token, &id, "SUPPORT", "算了", None).await;
    app.ok(Some(&other_citizen.token), &op("citizen", "WithdrawComment"), json!({ "id": withdrawn })).await;
    assert_eq!(support::reply(&app, &c.lead_staff.token, &withdrawn, "EXPLAINED").await.code(), "CONFLICT");
}

#[tokio::test]
async fn duplicate_groups_gather_the_same_text_modulo_width_case_space_and_punctuation() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let id = c.consultation(&app, json!({})).await;
    let crowd = support::citizens(&app, 8).await;
    let texts = ["支持！", "支持", " 支 持。", "ＡＢＣ Plan", "abc plan!", "反对", "支持本条例", "支持!!"];
    let mut comments = Vec::new();
    for (who, text) in crowd.iter().zip(texts) {
        comments.push(support::submit_ok(&app, &who.token, &id, "SUPPORT", text, None).await);
    }
    let list = groups(&app, &c.lead_staff.token, &id).await;
    assert_eq!(list["totalCount"], 2, "single comments form no group: {list:#}");
    let edges = list["edges"].as_array().expect("edges");
    let support_group = &edges[0]["node"];
    assert_eq!(support_group["size"], 4);
    assert_eq!(support_group["sample"]["id"], comments[0].as_str(), "the sample is the group's first comment");
    assert_eq!(support_group["sample"]["body"], "支持！", "the sample keeps its own text");
    assert_eq!(edges[1]["node"]["size"], 2);
    assert_eq!(edges[1]["node"]["sample"]["id"], comments[3].as_str());
    let unreplied = app.ok(Some(&c.lead_staff.token), &op("staff", "UnrepliedComments"), json!({ "id": id, "first": 100 })).await;
    let duplicate_count = |comment: &str| {
        unreplied["consultation"]["comments"]["edges"].as_array().expect("edges").iter().find(|e| e["node"]["id"] == comment).expect("listed")["node"]["duplicateCount"].clone()
    };
    assert_eq!(duplicate_count(&comments[1]), 3, "how many others share the text");
    assert_eq!(duplicate_count(&comments[4]), 1);
    assert_eq!(duplicate_count(&comments[5]), 0);
    assert_eq!(duplicate_count(&comments[6]), 0, "more words make another text");
    let staff_view = "query($id: ID!) { consultation(id: $id) { comments(first: 100) { edges { node { id duplicateGroupId } } } } }";
    let data = app.ok(Some(&c.lead_staff.token), staff_view, json!({ "id": id })).await;
    let group_of = |comment: &str| {
        data["consultation"]["comments"]["edges"].as_array().expect("edges").iter().find(|e| e["node"]["id"] == comment).expect("listed")["node"]["duplicateGroupId"].clone()
    };
    assert_eq!(group_of(&comments[0]), support_group["id"]);
    assert_eq!(group_of(&comments[7]), support_group["id"]);
    assert_ne!(group_of(&comments[6]), support_group["id"]);
    // A withdrawn member leaves its group.
    app.ok(Some(&crowd[7].token), &op("citizen", "WithdrawComment"), json!({ "id": comments[7] })).await;
    assert_eq!(groups(&app, &c.lead_staff.token, &id).await["edges"][0]["node"]["size"], 3);
    // Staff of the consultation and admins only.
    assert_eq!(app.code(None, &op("staff", "DuplicateGroups"), json!({ "id": id })).await, "UNAUTHENTICATED");
    for who in [&c.citizen, &c.other_staff, &c.evaluator] {
        assert_eq!(app.code(Some(&who.token), &op("staff", "DuplicateGroups"), json!({ "id": id })).await, "FORBIDDEN", "{}", who.email);
    }
    assert_eq!(groups(&app, &c.coop_staff.token, &id).await["totalCount"], 2);
    assert_eq!(groups(&app, &c.admin.token, &id).await["totalCount"], 2);
}

#[tokio::test]
async fn replying_to_a_duplicate_group_replies_to_each_member_once() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let id = c.consultation(&app, json!({})).await;
    let crowd = support::citizens(&app, 6).await;
    let texts = ["坚决反对涨价！", "坚决反对涨价", "坚决 反对 涨价。", "坚决反对涨价!!!", "单独的意见", "另一条"];
    let mut comments = Vec::new();
    for (who, text) in crowd.iter().zip(texts) {
        comments.push(support::submit_ok(&app, &who.token, &id, "OPPOSE", text, None).await);
    }
    app.ok(Some(&crowd[3].token), &op("citizen", "WithdrawComment"), json!({ "id": comments[3] })).await;
    let group = groups(&app, &c.lead_staff.token, &id).await["edges"][0]["node"]["id"].as_str().expect("group").to_owned();
    let input = |group: &str| json!({ "input": { "groupId": group, "body": "价格听证会将充分听取意见。", "adoption": "EXPLAINED" } });
    let reply_group = op("staff", "ReplyToDuplicateGroup");
    for who in [&c.citizen, &c.evaluator] {
        assert_eq!(app.code(Some(&who.token), &reply_group, input(&group)).await, "FORBIDDEN");
    }
    // Groups are listed to the consultation's staff only: to another department they do not exist.
    assert_eq!(app.code(Some(&c.other_staff.token), &reply_group, input(&group)).await, "NOT_FOUND");
    assert_eq!(app.code(Some(&c.lead_staff.token), &reply_group, input(&Uuid::now_v7().to_string())).await, "NOT_FOUND");
    assert_eq!(fields(&app.gql(Some(&c.lead_staff.token), &reply_group, input("nope")).await), ["groupId"]);
    assert_eq!(support::staff_counts(&app, &c.lead_staff.token, &id).await["unrepliedCount"], 5);

    let data = app.ok(Some(&c.coop_staff.token), &reply_group, input(&group)).await;
    assert_eq!(data["replyToDuplicateGroup"]["repliedCount"], 3, "every member but the withdrawn one");
    for comment in &comments[..3] {
        let node = public_node(&app, &id, comment).await;
        assert_eq!(node["replies"].as_array().map(Vec::len), Some(1), "one reply each");
        assert_eq!(node["replies"][0]["department"]["id"], c.coop.as_str());
    }
    assert_eq!(support::staff_counts(&app, &c.lead_staff.token, &id).await["unrepliedCount"], 2);
    let unreplied = app.ok(Some(&c.lead_staff.token), &op("staff", "UnrepliedComments"), json!({ "id": id })).await;
    let left: Vec<&str> = unreplied["consultation"]["comments"]["edges"].as_array().expect("edges").iter().map(|e| e["node"]["id"].as_str().expect("id")).collect();
    assert_eq!(left, [comments[4].as_str(), comments[5].as_str()], "the replied: false filter follows, oldest first");
    assert_eq!(unreplied["consultation"]["comments"]["totalCount"], 2);
    let replied = "query($id: ID!) { consultation(id: $id) { comments(replied: true) { totalCount } } }";
    assert_eq!(app.ok(Some(&c.lead_staff.token), replied, json!({ "id": id })).await["consultation"]["comments"]["totalCount"], 3);
    let verdict = public_node(&app, &id, &comments[0]).await;
    assert!(verdict["replies"][0]["body"].as_str().is_some_and(|b| b.contains("听证会")));
    let adoption = app.ok(None, "query($id: ID!) { consultation(id: $id) { comments(first: 100) { edges { node { id adoption } } } } }", json!({ "id": id })).await;
    let verdicts: Vec<&str> = adoption["consultation"]["comments"]["edges"].as_array().expect("edges").iter().filter_map(|e| e["node"]["adoption"].as_str()).collect();
    assert_eq!(verdicts, ["EXPLAINED"; 3]);
}
