//! Comments: submitting under POST and PRE moderation, checks on the text, idempotent resubmission,
//! editing and withdrawing, endorsements, counters under concurrency, and paging.

use std::collections::HashSet;

use futures_util::future::join_all;
use futures_util::FutureExt;
use gongkai_tests::{no_limits, spawn_with, TestApp};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::support::{self, cast, fields, op};

async fn public_comments(app: &TestApp, token: Option<&str>, consultation: &str) -> Value {
    app.ok(token, &op("citizen", "ConsultationComments"), json!({ "id": consultation, "first": 100 })).await["consultation"]["comments"].clone()
}

fn ids(connection: &Value) -> Vec<String> {
    connection["edges"].as_array().expect("edges").iter().map(|e| e["node"]["id"].as_str().expect("id").to_owned()).collect()
}

async fn comment_count(app: &TestApp, consultation: &str) -> i64 {
    support::detail(app, None, consultation).await["commentCount"].as_i64().expect("commentCount")
}

async fn endorsement(app: &TestApp, token: Option<&str>, consultation: &str, comment: &str) -> (i64, bool) {
    let list = public_comments(app, token, consultation).await;
    let edge = list["edges"].as_array().expect("edges").iter().find(|e| e["node"]["id"] == comment).expect("the comment is listed").clone();
    (edge["node"]["endorsementCount"].as_i64().expect("count"), edge["node"]["viewerHasEndorsed"].as_bool().expect("flag"))
}

#[tokio::test]
async fn post_moderated_comments_are_published_at_once_and_counted() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let citizens = support::citizens(&app, 4).await;
    let data = support::submit(&app, &citizens[0].token, &w.consultation, "SUPPORT", "支持第一条。", Some(&w.sections[0])).await;
    let comment = &data.data()["submitComment"]["comment"];
    assert_eq!(comment["status"], "PUBLISHED");
    assert_eq!(comment["stance"], "SUPPORT");
    assert_eq!(comment["section"]["id"], w.sections[0].as_str());
    support::submit_ok(&app, &citizens[1].token, &w.consultation, "OPPOSE", "反对第一条。", Some(&w.sections[0])).await;
    support::submit_ok(&app, &citizens[2].token, &w.consultation, "OPPOSE", "反对第二条。", Some(&w.sections[1])).await;
    support::submit_ok(&app, &citizens[3].token, &w.consultation, "NEUTRAL", "总体意见。", None).await;
    let detail = support::detail(&app, None, &w.consultation).await;
    assert_eq!(detail["commentCount"], 4);
    assert_eq!(detail["stanceCounts"], json!({ "support": 1, "oppose": 2, "neutral": 1 }));
    let sections: Vec<i64> = detail["sections"].as_array().expect("sections").iter().map(|s| s["commentCount"].as_i64().expect("n")).collect();
    assert_eq!(sections, [2, 1]);
    let list = public_comments(&app, None, &w.consultation).await;
    assert_eq!(list["totalCount"], 4);
    assert_eq!(list["edges"][0]["node"]["body"], "总体意见。", "newest first");
    let first_section = app
        .ok(None, &op("citizen", "ConsultationComments"), json!({ "id": w.consultation, "sectionId": w.sections[0] }))
        .await;
    assert_eq!(first_section["consultation"]["comments"]["totalCount"], 2);
    assert_eq!(ids(&first_section["consultation"]["comments"]).len(), 2);
    // Only citizens comment.
    for role in ["STAFF", "ADMIN", "EVALUATOR"] {
        let department = (role == "STAFF").then_some(w.department.as_str());
        let who = support::account(&app, role, department).await;
        let gql = support::submit(&app, &who.token, &w.consultation, "SUPPORT", "工作人员评论", None).await;
        assert_eq!(gql.code(), "FORBIDDEN", "{role} may not comment");
    }
    assert_eq!(comment_count(&app, &w.consultation).await, 4);
}

#[tokio::test]
async fn pre_moderated_comments_wait_pending_until_staff_publish_them() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let id = c.consultation(&app, json!({ "moderation": "PRE" })).await;
    let gql = support::submit(&app, &c.citizen.token, &id, "OPPOSE", "请再斟酌。", None).await;
    let comment = gql.data()["submitComment"]["comment"].clone();
    assert_eq!(comment["status"], "PENDING");
    let comment_id = comment["id"].as_str().expect("id").to_owned();
    assert_eq!(public_comments(&app, None, &id).await["totalCount"], 0, "invisible publicly");
    assert_eq!(public_comments(&app, Some(&c.citizen.token), &id).await["totalCount"], 0, "public lists show PUBLISHED only, even to the author");
    let detail = support::detail(&app, None, &id).await;
    assert_eq!(detail["commentCount"], 0);
    assert_eq!(detail["stanceCounts"]["oppose"], 0);
    let mine = app.ok(Some(&c.citizen.token), &op("citizen", "MyComments"), json!({})).await;
    assert_eq!(mine["me"]["comments"]["edges"][0]["node"]["status"], "PENDING", "the author sees it in MyComments");
    let pending = "query($id: ID!) { consultation(id: $id) { comments(status: PENDING) { totalCount } } }";
    for who in [None, Some(c.citizen.token.as_str()), Some(c.other_staff.token.as_str()), Some(c.evaluator.token.as_str())] {
        let expected = if who.is_none() { "UNAUTHENTICATED" } else { "FORBIDDEN" };
        assert_eq!(app.code(who, pending, json!({ "id": id })).await, expected, "pending comments for {who:?}");
    }
    for who in [&c.lead_staff, &c.coop_staff, &c.admin] {
        let queue = app.ok(Some(&who.token), &op("staff", "ModerationQueue"), json!({ "id": id })).await;
        let queue = &queue["consultation"]["comments"];
        assert_eq!(queue["totalCount"], 1);
        assert_eq!(queue["edges"][0]["node"]["id"], comment_id.as_str());
        assert_eq!(queue["edges"][0]["node"]["reportCount"], 0);
        assert_eq!(support::staff_counts(&app, &who.token, &id).await["pendingCount"], 1);
    }
    // Nobody else can act on it yet.
    let other = support::citizen(&app).await;
    assert_eq!(app.code(Some(&other.token), &op("citizen", "EndorseComment"), json!({ "id": comment_id })).await, "NOT_FOUND");
    let published = support::moderate(&app, &c.lead_staff.token, &comment_id, "PUBLISH", None).await;
    assert_eq!(published.data()["moderateComment"]["status"], "PUBLISHED");
    let counts = support::staff_counts(&app, &c.lead_staff.token, &id).await;
    assert_eq!(counts, json!({ "commentCount": 1, "unrepliedCount": 1, "pendingCount": 0 }));
    assert_eq!(support::detail(&app, None, &id).await["stanceCounts"]["oppose"], 1);
    assert_eq!(ids(&public_comments(&app, None, &id).await), [comment_id]);
}

#[tokio::test]
async fn comment_input_is_checked_field_by_field() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let other = support::open_world(&app).await;
    let me = support::citizen(&app).await;
    let t = &me.token;
    for (body, what) in [
        ("", "empty"),
        ("   \n\t  ", "whitespace only"),
        ("a\u{0}b", "NUL"),
        ("bell\u{7}", "a control character"),
        ("esc\u{1b}[31m", "an escape sequence"),
        ("next\u{85}line", "a C1 control"),
    ] {
        let gql = support::submit(&app, t, &w.consultation, "SUPPORT", body, None).await;
        assert_eq!(fields(&gql), ["body"], "a body that is {what}");
    }
    let too_long = "长".repeat(5001);
    assert_eq!(fields(&support::submit(&app, t, &w.consultation, "SUPPORT", &too_long, None).await), ["body"]);
    let padded_max = format!("  {}  ", "长".repeat(5000));
    let gql = support::submit(&app, t, &w.consultation, "SUPPORT", &padded_max, None).await;
    assert_eq!(gql.data()["submitComment"]["comment"]["body"].as_str().map(|b| b.chars().count()), Some(5000), "5,000 characters after trimming is fine");
    let gql = support::submit(&app, t, &w.consultation, "SUPPORT", "第一行\n\t第二行", None).await;
    assert_eq!(gql.data()["submitComment"]["comment"]["body"], "第一行\n\t第二行", "newline and tab are allowed");
    let gql = support::submit(&app, t, &w.consultation, "SUPPORT", "有效", Some(&other.sections[0])).await;
    assert_eq!(fields(&gql), ["sectionId"], "a section of another consultation");
    let gql = support::submit(&app, t, &w.consultation, "SUPPORT", "有效", Some("not-an-id")).await;
    assert_eq!(fields(&gql), ["sectionId"]);
    let gql = support::submit(&app, t, "not-an-id", "SUPPORT", "有效", None).await;
    assert_eq!(fields(&gql), ["consultationId"]);
    let gql = support::submit(&app, t, &Uuid::now_v7().to_string(), "SUPPORT", "有效", None).await;
    assert_eq!(gql.code(), "NOT_FOUND");
    let gql = support::submit(&app, t, &w.consultation, "MAYBE", "有效", None).await;
    assert_eq!(gql.code(), "BAD_USER_INPUT", "an unknown stance");
    let submit = op("citizen", "SubmitComment");
    let gql = app
        .gql(Some(t), &submit, json!({ "input": { "consultationId": w.consultation, "stance": "SUPPORT", "body": "", "clientRequestId": "x".repeat(101) } }))
        .await;
    assert_eq!(fields(&gql), ["body", "clientRequestId"], "every bad field at once");
    assert_eq!(comment_count(&app, &w.consultation).await, 2, "only the two good comments were made");
}

#[tokio::test]
async fn comment_text_is_trimmed_and_stored_nfc_normalised() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let me = support::citizen(&app).await;
    let id = support::submit_ok(&app, &me.token, &w.consultation, "NEUTRAL", "  Cafe\u{301} 和 A\u{30a}ngstro\u{308}m  ", None).await;
    let list = public_comments(&app, None, &w.consultation).await;
    assert_eq!(list["edges"][0]["node"]["id"], id.as_str());
    assert_eq!(list["edges"][0]["node"]["body"], "Caf\u{e9} 和 \u{c5}ngstr\u{f6}m");
    let edited = app.ok(Some(&me.token), &op("citizen", "EditComment"), json!({ "id": id, "input": { "body": "e\u{301}dite\u{301}" } })).await;
    assert_eq!(edited["editComment"]["body"], "\u{e9}dit\u{e9}");
}

#[tokio::test]
async fn resubmitting_with_the_same_client_request_id_returns_the_first_comment() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let citizens = support::citizens(&app, 2).await;
    let submit = op("citizen", "SubmitComment");
    let input = |request: &str, body: &str| json!({ "input": { "consultationId": w.consultation, "stance": "SUPPORT", "body": body, "clientRequestId": request } });
    let first = app.ok(Some(&citizens[0].token), &submit, input("req-1", "网络不好，重发一次")).await;
    let again = app.ok(Some(&citizens[0].token), &submit, input("req-1", "网络不好，重发一次")).await;
    assert_eq!(first["submitComment"]["comment"]["id"], again["submitComment"]["comment"]["id"]);
    assert_eq!(comment_count(&app, &w.consultation).await, 1);
    let other = app.ok(Some(&citizens[0].token), &submit, input("req-2", "网络不好，重发一次")).await;
    assert_ne!(other["submitComment"]["comment"]["id"], first["submitComment"]["comment"]["id"], "a new request id is a new comment");
    let theirs = app.ok(Some(&citizens[1].token), &submit, input("req-1", "网络不好，重发一次")).await;
    assert_ne!(theirs["submitComment"]["comment"]["id"], first["submitComment"]["comment"]["id"], "request ids are per author");
    assert_eq!(comment_count(&app, &w.consultation).await, 3);
    let mine = app.ok(Some(&citizens[0].token), &op("citizen", "MyComments"), json!({})).await;
    assert_eq!(mine["me"]["comments"]["totalCount"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn identical_requests_racing_with_one_client_request_id_make_one_comment() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let me = support::citizen(&app).await;
    let submit = op("citizen", "SubmitComment");
    for round in 0..3 {
        let input = json!({ "input": { "consultationId": w.consultation, "stance": "OPPOSE", "body": format!("同时发送 {round}"), "clientRequestId": format!("race-{round}") } });
        let answers = join_all((0..8).map(|_| app.gql(Some(&me.token), &submit, input.clone()))).await;
        let ids: HashSet<String> = answers.iter().map(|a| a.data()["submitComment"]["comment"]["id"].as_str().expect("id").to_owned()).collect();
        assert_eq!(ids.len(), 1, "every racing request gets the same comment");
    }
    let detail = support::detail(&app, None, &w.consultation).await;
    assert_eq!(detail["commentCount"], 3);
    assert_eq!(detail["stanceCounts"]["oppose"], 3);
    let mine = app.ok(Some(&me.token), &op("citizen", "MyComments"), json!({})).await;
    assert_eq!(mine["me"]["comments"]["totalCount"], 3);
}

#[tokio::test]
async fn authors_edit_within_the_window_and_before_any_reply() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let citizens = support::citizens(&app, 2).await;
    let (me, other) = (&citizens[0], &citizens[1]);
    let edit = op("citizen", "EditComment");
    let id = support::submit_ok(&app, &me.token, &w.consultation, "SUPPORT", "初稿", Some(&w.sections[0])).await;
    let data = app.ok(Some(&me.token), &edit, json!({ "id": id, "input": { "body": "修改稿", "stance": "OPPOSE" } })).await;
    assert_eq!(data["editComment"]["body"], "修改稿");
    assert_eq!(data["editComment"]["stance"], "OPPOSE");
    let detail = support::detail(&app, None, &w.consultation).await;
    assert_eq!(detail["commentCount"], 1);
    assert_eq!(detail["stanceCounts"], json!({ "support": 0, "oppose": 1, "neutral": 0 }), "counts follow the new stance");
    assert_eq!(detail["sections"][0]["commentCount"], 1);
    assert_eq!(app.code(Some(&other.token), &edit, json!({ "id": id, "input": { "body": "别人的" } })).await, "FORBIDDEN");
    assert_eq!(fields(&app.gql(Some(&me.token), &edit, json!({ "id": id, "input": { "body": " " } })).await), ["body"]);
    assert_eq!(app.code(Some(&me.token), &edit, json!({ "id": Uuid::now_v7().to_string(), "input": { "body": "x" } })).await, "NOT_FOUND");
    // After a reply.
    support::reply(&app, &w.staff, &id, "EXPLAINED").await.data();
    assert_eq!(app.code(Some(&me.token), &edit, json!({ "id": id, "input": { "body": "回复之后" } })).await, "CONFLICT");
    // Within the edit window to the second, and past it, on the server's clock.
    let old = support::submit_ok(&app, &me.token, &w.consultation, "SUPPORT", "很早以前", None).await;
    let window = chrono::Duration::minutes(gongkai::services::comments::EDIT_WINDOW_MINUTES);
    app.advance_clock(window - chrono::Duration::seconds(2));
    app.ok(Some(&me.token), &edit, json!({ "id": old, "input": { "body": "还来得及" } })).await;
    app.advance_clock(chrono::Duration::seconds(3));
    let late = app.gql(Some(&me.token), &edit, json!({ "id": old, "input": { "body": "太晚了" } })).await;
    assert_eq!(late.code(), "CONFLICT");
    assert!(late.error()["message"].as_str().is_some_and(|m| m.contains(&gongkai::services::comments::EDIT_WINDOW_MINUTES.to_string())), "{late:?}");
    // After the consultation closes.
    let fresh = support::submit_ok(&app, &me.token, &w.consultation, "SUPPORT", "刚写的", None).await;
    app.ok(Some(&w.staff), &op("staff", "CloseConsultation"), json!({ "id": w.consultation })).await;
    assert_eq!(app.code(Some(&me.token), &edit, json!({ "id": fresh, "input": { "body": "关闭之后" } })).await, "CONSULTATION_NOT_OPEN");
    let list = public_comments(&app, None, &w.consultation).await;
    let bodies: Vec<&str> = list["edges"].as_array().expect("edges").iter().map(|e| e["node"]["body"].as_str().expect("body")).collect();
    assert_eq!(bodies, ["刚写的", "还来得及", "修改稿"]);
}

#[tokio::test]
async fn authors_withdraw_their_comments_while_the_consultation_is_open() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let citizens = support::citizens(&app, 2).await;
    let (me, other) = (&citizens[0], &citizens[1]);
    let withdraw = op("citizen", "WithdrawComment");
    let id = support::submit_ok(&app, &me.token, &w.consultation, "SUPPORT", "撤回这条", Some(&w.sections[1])).await;
    let kept = support::submit_ok(&app, &me.token, &w.consultation, "SUPPORT", "保留这条", None).await;
    assert_eq!(app.code(Some(&other.token), &withdraw, json!({ "id": id })).await, "FORBIDDEN");
    assert_eq!(app.code(Some(&w.staff), &withdraw, json!({ "id": id })).await, "FORBIDDEN");
    let data = app.ok(Some(&me.token), &withdraw, json!({ "id": id })).await;
    assert_eq!(data["withdrawComment"]["status"], "WITHDRAWN");
    let detail = support::detail(&app, None, &w.consultation).await;
    assert_eq!(detail["commentCount"], 1);
    assert_eq!(detail["stanceCounts"]["support"], 1);
    assert_eq!(detail["sections"][1]["commentCount"], 0);
    assert_eq!(support::staff_counts(&app, &w.staff, &w.consultation).await["unrepliedCount"], 1);
    assert_eq!(ids(&public_comments(&app, None, &w.consultation).await), [kept.as_str()]);
    let mine = app.ok(Some(&me.token), &op("citizen", "MyComments"), json!({})).await;
    assert_eq!(mine["me"]["comments"]["edges"][1]["node"]["status"], "WITHDRAWN", "still in the author's own list");
    assert_eq!(app.code(Some(&other.token), &op("citizen", "EndorseComment"), json!({ "id": id })).await, "NOT_FOUND");
    app.ok(Some(&w.staff), &op("staff", "CloseConsultation"), json!({ "id": w.consultation })).await;
    assert_eq!(app.code(Some(&me.token), &withdraw, json!({ "id": kept })).await, "CONSULTATION_NOT_OPEN");
}

#[tokio::test]
async fn my_comments_lists_the_authors_own_comments_with_replies() {
    let app = spawn_with(no_limits).await;
    let first = support::open_world(&app).await;
    let second = support::open_world(&app).await;
    let citizens = support::citizens(&app, 2).await;
    let me = &citizens[0];
    let mut mine = Vec::new();
    for i in 0..12 {
        let consultation = if i % 2 == 0 { &first.consultation } else { &second.consultation };
        mine.push(support::submit_ok(&app, &me.token, consultation, "NEUTRAL", &format!("我的第{i}条"), None).await);
    }
    support::submit_ok(&app, &citizens[1].token, &first.consultation, "NEUTRAL", "别人的", None).await;
    support::reply(&app, &first.staff, &mine[0], "ADOPTED").await.data();
    let query = op("citizen", "MyComments");
    let (ids, total) = support::walk(5, |after| {
        let app = &app;
        let query = &query;
        let token = me.token.clone();
        async move { app.ok(Some(&token), query, json!({ "first": 5, "after": after })).await["me"]["comments"].clone() }
    })
    .await;
    assert_eq!(total, 12);
    mine.reverse();
    assert_eq!(ids, mine, "newest first, only the author's");
    let data = app.ok(Some(&me.token), &query, json!({ "first": 100 })).await;
    let oldest = &data["me"]["comments"]["edges"][11]["node"];
    assert_eq!(oldest["consultation"]["id"], first.consultation.as_str());
    assert_eq!(oldest["replies"][0]["adoption"], "ADOPTED");
    assert!(oldest["replies"][0]["department"]["name"].as_str().is_some());
    let data = app.ok(None, &query, json!({})).await;
    assert!(data["me"].is_null());
}

#[tokio::test]
async fn endorsements_count_once_per_citizen() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let citizens = support::citizens(&app, 3).await;
    let (author, a, b) = (&citizens[0], &citizens[1], &citizens[2]);
    let id = support::submit_ok(&app, &author.token, &w.consultation, "SUPPORT", "值得支持", None).await;
    let endorse = op("citizen", "EndorseComment");
    let remove = op("citizen", "RemoveEndorsement");
    let data = app.ok(Some(&a.token), &endorse, json!({ "id": id })).await;
    assert_eq!(data["endorseComment"], json!({ "id": id, "endorsementCount": 1, "viewerHasEndorsed": true }));
    let data = app.ok(Some(&a.token), &endorse, json!({ "id": id })).await;
    assert_eq!(data["endorseComment"]["endorsementCount"], 1, "a second endorsement by the same citizen changes nothing");
    app.ok(Some(&b.token), &endorse, json!({ "id": id })).await;
    assert_eq!(endorsement(&app, Some(&a.token), &w.consultation, &id).await, (2, true));
    assert_eq!(endorsement(&app, None, &w.consultation, &id).await, (2, false));
    let data = app.ok(Some(&a.token), &remove, json!({ "id": id })).await;
    assert_eq!(data["removeEndorsement"], json!({ "id": id, "endorsementCount": 1, "viewerHasEndorsed": false }));
    let data = app.ok(Some(&a.token), &remove, json!({ "id": id })).await;
    assert_eq!(data["removeEndorsement"]["endorsementCount"], 1, "removing twice changes nothing");
    assert_eq!(app.code(Some(&author.token), &endorse, json!({ "id": id })).await, "FORBIDDEN", "not one's own comment");
    for role in ["STAFF", "ADMIN", "EVALUATOR"] {
        let department = (role == "STAFF").then_some(w.department.as_str());
        let who = support::account(&app, role, department).await;
        assert_eq!(app.code(Some(&who.token), &endorse, json!({ "id": id })).await, "FORBIDDEN", "{role} may not endorse");
    }
    assert_eq!(app.code(None, &endorse, json!({ "id": id })).await, "UNAUTHENTICATED");
    assert_eq!(app.code(Some(&a.token), &endorse, json!({ "id": Uuid::now_v7().to_string() })).await, "NOT_FOUND");
    assert_eq!(fields(&app.gql(Some(&a.token), &endorse, json!({ "id": "123" })).await), ["id"]);
    assert_eq!(endorsement(&app, None, &w.consultation, &id).await, (1, false));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_citizens_endorsing_one_comment_at_once_count_exactly_fifty() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let author = support::citizen(&app).await;
    let id = support::submit_ok(&app, &author.token, &w.consultation, "SUPPORT", "一呼百应", None).await;
    let crowd = support::citizens(&app, 50).await;
    let endorse = op("citizen", "EndorseComment");
    let answers = join_all(crowd.iter().map(|c| app.gql(Some(&c.token), &endorse, json!({ "id": id })))).await;
    for answer in &answers {
        assert!(answer.is_ok(), "every endorsement succeeds: {:#}", answer.0);
    }
    assert_eq!(endorsement(&app, None, &w.consultation, &id).await, (50, false));
    // Everyone at once again, half removing and half endorsing again.
    let remove = op("citizen", "RemoveEndorsement");
    let answers = join_all(crowd.iter().enumerate().map(|(i, c)| {
        let query = if i % 2 == 0 { &remove } else { &endorse };
        app.gql(Some(&c.token), query, json!({ "id": id }))
    }))
    .await;
    assert!(answers.iter().all(|a| a.is_ok()));
    assert_eq!(endorsement(&app, None, &w.consultation, &id).await, (25, false));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn endorsing_and_removing_at_once_by_one_citizen_stays_consistent() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let author = support::citizen(&app).await;
    let id = support::submit_ok(&app, &author.token, &w.consultation, "SUPPORT", "反复横跳", None).await;
    let others = support::citizens(&app, 5).await;
    let me = support::citizen(&app).await;
    let endorse = op("citizen", "EndorseComment");
    let remove = op("citizen", "RemoveEndorsement");
    for round in 0..3 {
        let mut requests = Vec::new();
        for i in 0..24 {
            let query = if i % 2 == round % 2 { &endorse } else { &remove };
            requests.push(app.gql(Some(&me.token), query, json!({ "id": id })));
        }
        for other in &others {
            requests.push(app.gql(Some(&other.token), if round == 1 { &remove } else { &endorse }, json!({ "id": id })));
        }
        let answers = join_all(requests).await;
        assert!(answers.iter().all(|a| a.is_ok()), "{:#?}", answers.iter().filter(|a| !a.is_ok()).collect::<Vec<_>>());
        let (count, mine) = endorsement(&app, Some(&me.token), &w.consultation, &id).await;
        let others_count = if round == 1 { 0 } else { 5 };
        assert_eq!(count, others_count + i64::from(mine), "round {round}: the count matches the endorsements");
    }
    // Settle on a known state and check it.
    app.ok(Some(&me.token), &endorse, json!({ "id": id })).await;
    assert_eq!(endorsement(&app, Some(&me.token), &w.consultation, &id).await, (6, true));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_citizens_commenting_at_once_keep_every_counter_exact() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let crowd = support::citizens(&app, 40).await;
    let stances = ["SUPPORT", "OPPOSE", "NEUTRAL"];
    let answers = join_all(crowd.iter().enumerate().map(|(i, c)| {
        let section = match i % 4 {
            0 | 1 => Some(w.sections[0].as_str()),
            2 => Some(w.sections[1].as_str()),
            _ => None,
        };
        // Half of them send the same campaign text: they share one duplicate group.
        let body = if i % 2 == 0 { "统一意见：支持！".to_owned() } else { format!("第{i}位市民的意见") };
        let app = &app;
        let consultation = w.consultation.clone();
        async move { support::submit(app, &c.token, &consultation, stances[i % 3], &body, section).await }
    }))
    .await;
    let ids: Vec<String> = answers.iter().map(|a| a.data()["submitComment"]["comment"]["id"].as_str().expect("id").to_owned()).collect();
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 40);
    let detail = support::detail(&app, None, &w.consultation).await;
    assert_eq!(detail["commentCount"], 40);
    assert_eq!(detail["stanceCounts"], json!({ "support": 14, "oppose": 13, "neutral": 13 }));
    let sections: Vec<i64> = detail["sections"].as_array().expect("sections").iter().map(|s| s["commentCount"].as_i64().expect("n")).collect();
    assert_eq!(sections, [20, 10]);
    assert_eq!(support::staff_counts(&app, &w.staff, &w.consultation).await["unrepliedCount"], 40);
    let groups = app.ok(Some(&w.staff), &op("staff", "DuplicateGroups"), json!({ "id": w.consultation })).await;
    assert_eq!(groups["consultation"]["duplicateGroups"]["totalCount"], 1);
    assert_eq!(groups["consultation"]["duplicateGroups"]["edges"][0]["node"]["size"], 20);
    // Replies to fifteen of them at once.
    let replies = join_all(ids.iter().take(15).map(|id| support::reply(&app, &w.staff, id, "ADOPTED"))).await;
    assert!(replies.iter().all(|r| r.is_ok()));
    let counts = support::staff_counts(&app, &w.staff, &w.consultation).await;
    assert_eq!(counts["unrepliedCount"], 25);
    let unreplied = app.ok(Some(&w.staff), &op("staff", "UnrepliedComments"), json!({ "id": w.consultation, "first": 100 })).await;
    assert_eq!(unreplied["consultation"]["comments"]["totalCount"], 25);
    assert_eq!(unreplied["consultation"]["comments"]["edges"].as_array().map(Vec::len), Some(25));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_pre_moderation_keeps_pending_and_published_counts_exact() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let id = c.consultation(&app, json!({ "moderation": "PRE" })).await;
    let crowd = support::citizens(&app, 24).await;
    let answers = join_all(crowd.iter().map(|who| support::submit(&app, &who.token, &id, "SUPPORT", "等待审核", None))).await;
    let comments: Vec<String> = answers.iter().map(|a| a.data()["submitComment"]["comment"]["id"].as_str().expect("id").to_owned()).collect();
    assert_eq!(support::staff_counts(&app, &c.lead_staff.token, &id).await["pendingCount"], 24);
    // Two moderators work the queue at once, sometimes on the same comment: each comment moves once.
    let decisions = join_all(comments.iter().enumerate().flat_map(|(i, comment)| {
        let decision = if i % 3 == 0 { ("REJECT", Some("广告")) } else { ("PUBLISH", None) };
        [
            support::moderate(&app, &c.lead_staff.token, comment, decision.0, decision.1),
            support::moderate(&app, &c.coop_staff.token, comment, decision.0, decision.1),
        ]
    }))
    .await;
    let succeeded = decisions.iter().filter(|d| d.is_ok()).count();
    assert_eq!(succeeded, 24, "exactly one of each pair of moderators moves the comment");
    for refused in decisions.iter().filter(|d| !d.is_ok()) {
        assert_eq!(refused.code(), "CONFLICT");
    }
    let counts = support::staff_counts(&app, &c.lead_staff.token, &id).await;
    assert_eq!(counts, json!({ "commentCount": 16, "unrepliedCount": 16, "pendingCount": 0 }));
    assert_eq!(support::detail(&app, None, &id).await["stanceCounts"]["support"], 16);
}

#[tokio::test]
async fn comment_lists_page_without_gaps_or_repeats_in_every_order() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let me = support::citizen(&app).await;
    let mut made = Vec::new();
    for i in 0..45 {
        let section = (i % 3 == 0).then_some(w.sections[0].as_str());
        made.push(support::submit_ok(&app, &me.token, &w.consultation, "SUPPORT", &format!("第{i}条"), section).await);
    }
    // Endorsements with many ties, so MOST_ENDORSED pages through equal counts.
    let fans = support::citizens(&app, 4).await;
    let mut endorsements = vec![0i64; 45];
    for (j, fan) in fans.iter().enumerate() {
        for (i, id) in made.iter().enumerate() {
            if i % (j + 2) == 0 {
                app.ok(Some(&fan.token), &op("citizen", "EndorseComment"), json!({ "id": id })).await;
                endorsements[i] += 1;
            }
        }
    }
    let query = op("citizen", "ConsultationComments");
    let walk = |order: &'static str, section: Option<String>| {
        let app = &app;
        let query = &query;
        let consultation = w.consultation.clone();
        support::walk(10, move |after| {
            let section = section.clone();
            let consultation = consultation.clone();
            async move {
                app.ok(None, query, json!({ "id": consultation, "first": 10, "after": after, "orderBy": order, "sectionId": section }))
                    .await["consultation"]["comments"]
                    .clone()
            }
        })
    };
    let (newest, total) = walk("NEWEST", None).await;
    assert_eq!(total, 45);
    let mut expected = made.clone();
    expected.reverse();
    assert_eq!(newest, expected);
    let (oldest, total) = walk("OLDEST", None).await;
    assert_eq!(total, 45);
    assert_eq!(oldest, made);
    let (most, total) = walk("MOST_ENDORSED", None).await;
    assert_eq!(total, 45);
    let mut by_endorsement: Vec<(i64, usize)> = endorsements.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    by_endorsement.sort_by(|a, b| b.cmp(a));
    let expected: Vec<String> = by_endorsement.iter().map(|(_, i)| made[*i].clone()).collect();
    assert_eq!(most, expected, "most endorsed first, newest first among equals, no gaps or repeats");
    let (section, total) = walk("OLDEST", Some(w.sections[0].clone())).await;
    assert_eq!(total, 15);
    let expected: Vec<String> = made.iter().step_by(3).cloned().collect();
    assert_eq!(section, expected);
    // A cursor from one order does not fit another.
    let first_page = app.ok(None, &query, json!({ "id": w.consultation, "first": 10, "orderBy": "MOST_ENDORSED" })).await;
    let cursor = first_page["consultation"]["comments"]["pageInfo"]["endCursor"].clone();
    let gql = app.gql(None, &query, json!({ "id": w.consultation, "first": 10, "after": cursor, "orderBy": "NEWEST" })).await;
    assert_eq!(fields(&gql), ["after"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_edits_keep_counters_exact() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let crowd = support::citizens(&app, 40).await;
    let mut comments = Vec::new();
    for (i, who) in crowd.iter().enumerate() {
        let section = (i % 2 == 0).then_some(w.sections[0].as_str());
        comments.push(support::submit_ok(&app, &who.token, &w.consultation, "SUPPORT", &format!("原文{i}"), section).await);
    }
    // Everyone changes stance and text at once; half of them end up sharing one text.
    let edit = op("citizen", "EditComment");
    let answers = join_all(crowd.iter().zip(&comments).enumerate().map(|(i, (who, id))| {
        let body = if i % 2 == 0 { "改为反对！".to_owned() } else { format!("改写{i}") };
        app.gql(Some(&who.token), &edit, json!({ "id": id, "input": { "body": body, "stance": "OPPOSE" } }))
    }))
    .await;
    for answer in &answers {
        assert!(answer.is_ok(), "{:#}", answer.0);
    }
    let detail = support::detail(&app, None, &w.consultation).await;
    assert_eq!(detail["commentCount"], 40);
    assert_eq!(detail["stanceCounts"], json!({ "support": 0, "oppose": 40, "neutral": 0 }));
    assert_eq!(detail["sections"][0]["commentCount"], 20);
    assert_eq!(support::staff_counts(&app, &w.staff, &w.consultation).await["unrepliedCount"], 40);
    let groups = app.ok(Some(&w.staff), &op("staff", "DuplicateGroups"), json!({ "id": w.consultation })).await;
    assert_eq!(groups["consultation"]["duplicateGroups"]["edges"][0]["node"]["size"], 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn moderation_replies_and_edits_racing_on_the_same_comments_keep_counters_exact() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let id = c.consultation(&app, json!({})).await;
    let crowd = support::citizens(&app, 30).await;
    let mut comments = Vec::new();
    for (i, who) in crowd.iter().enumerate() {
        comments.push(support::submit_ok(&app, &who.token, &id, "NEUTRAL", &format!("意见{i}"), None).await);
    }
    // On each comment at once: the lead hides it, a cooperating department replies, the author edits.
    let edit = op("citizen", "EditComment");
    let answers = join_all(comments.iter().zip(&crowd).flat_map(|(comment, author)| {
        [
            support::moderate(&app, &c.lead_staff.token, comment, "HIDE", Some("核查")).boxed(),
            support::reply(&app, &c.coop_staff.token, comment, "EXPLAINED").boxed(),
            app.gql(Some(&author.token), &edit, json!({ "id": comment, "input": { "stance": "SUPPORT" } })).boxed(),
        ]
    }))
    .await;
    for answer in &answers {
        assert!(answer.is_ok() || answer.code() == "CONFLICT", "{:#}", answer.0);
    }
    // Whatever order they ran in, the counters agree with the comments.
    let staff_view = "query($id: ID!) { consultation(id: $id) { comments(first: 100) { edges { node { status stance replies { id } } } } } }";
    let data = app.ok(Some(&c.lead_staff.token), staff_view, json!({ "id": id })).await;
    let nodes: Vec<Value> = data["consultation"]["comments"]["edges"].as_array().expect("edges").iter().map(|e| e["node"].clone()).collect();
    assert_eq!(nodes.len(), 30);
    let published = nodes.iter().filter(|n| n["status"] == "PUBLISHED").count();
    let unreplied = nodes.iter().filter(|n| n["status"] == "PUBLISHED" && n["replies"].as_array().is_some_and(Vec::is_empty)).count();
    let support = nodes.iter().filter(|n| n["status"] == "PUBLISHED" && n["stance"] == "SUPPORT").count();
    let counts = support::staff_counts(&app, &c.lead_staff.token, &id).await;
    assert_eq!(counts["commentCount"], published);
    assert_eq!(counts["unrepliedCount"], unreplied);
    assert_eq!(support::detail(&app, None, &id).await["stanceCounts"]["support"], support);
    // Publishing them all again brings every counter back to what the rows say.
    for comment in &comments {
        let gql = support::moderate(&app, &c.lead_staff.token, comment, "PUBLISH", None).await;
        assert!(gql.is_ok() || gql.code() == "CONFLICT");
    }
    let data = app.ok(Some(&c.lead_staff.token), staff_view, json!({ "id": id })).await;
    let nodes: Vec<Value> = data["consultation"]["comments"]["edges"].as_array().expect("edges").iter().map(|e| e["node"].clone()).collect();
    let unreplied = nodes.iter().filter(|n| n["replies"].as_array().is_some_and(Vec::is_empty)).count();
    let counts = support::staff_counts(&app, &c.lead_staff.token, &id).await;
    assert_eq!(counts["commentCount"], 30);
    assert_eq!(counts["unrepliedCount"], unreplied);
}
