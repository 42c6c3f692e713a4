//! Consultations: who sees and manages them, their clock-derived status, the lifecycle, lists.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use gongkai_tests::{from_now, no_limits, spawn_with, TestApp};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::support::{self, cast, fields, op};

async fn status(app: &TestApp, token: Option<&str>, id: &str) -> String {
    let gql = app.gql(token, "query($id: ID!) { consultation(id: $id) { status } }", json!({ "id": id })).await;
    if gql.is_ok() {
        gql.data()["consultation"]["status"].as_str().expect("status").to_owned()
    } else {
        gql.code()
    }
}

async fn list_ids(app: &TestApp, token: Option<&str>, filter: Value) -> Vec<String> {
    let data = app.ok(token, &op("citizen", "Consultations"), json!({ "first": 100, "filter": filter })).await;
    data["consultations"]["edges"].as_array().expect("edges").iter().map(|e| e["node"]["id"].as_str().expect("id").to_owned()).collect()
}

#[tokio::test]
async fn drafts_are_hidden_from_everyone_but_the_lead_department_and_admins() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let draft = c.consultation(&app, json!({ "publish": false })).await;
    for who in [None, Some(&c.citizen), Some(&c.other_staff), Some(&c.coop_staff), Some(&c.evaluator)] {
        let token = who.map(|a| a.token.as_str());
        let gql = app.gql(token, &op("citizen", "ConsultationDetail"), json!({ "id": draft })).await;
        assert_eq!(gql.code(), "NOT_FOUND", "a draft is hidden from {token:?}");
        assert!(!list_ids(&app, token, json!({})).await.contains(&draft));
        assert!(!list_ids(&app, token, json!({ "status": "DRAFT" })).await.contains(&draft));
    }
    for who in [&c.lead_staff, &c.admin] {
        let detail = support::detail(&app, Some(&who.token), &draft).await;
        assert_eq!(detail["status"], "DRAFT");
        assert_eq!(detail["cooperatingDepartments"][0]["id"], c.coop.as_str());
        assert_eq!(detail["sections"].as_array().map(Vec::len), Some(2));
        assert!(list_ids(&app, Some(&who.token), json!({ "status": "DRAFT" })).await.contains(&draft));
        assert!(!list_ids(&app, Some(&who.token), json!({})).await.contains(&draft), "the default list is the public one");
    }
    // Commenting on a draft finds nothing to comment on.
    let gql = support::submit(&app, &c.citizen.token, &draft, "SUPPORT", "抢先评论", None).await;
    assert_eq!(gql.code(), "NOT_FOUND");
}

#[tokio::test]
async fn staff_manage_only_consultations_their_department_leads() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let open = c.consultation(&app, json!({})).await;
    let draft = c.consultation(&app, json!({ "publish": false })).await;
    let input = json!({ "title": "跨部门", "summary": "s", "body": "b", "category": "c", "leadDepartmentId": c.lead, "opensAt": from_now(-60), "closesAt": from_now(3600), "shortPeriodReason": "紧急" });
    let create = op("staff", "CreateConsultation");
    assert_eq!(app.code(Some(&c.other_staff.token), &create, json!({ "input": input })).await, "FORBIDDEN", "staff create only for their own department");
    for who in [&c.citizen, &c.evaluator] {
        assert_eq!(app.code(Some(&who.token), &create, json!({ "input": input })).await, "FORBIDDEN");
    }
    let update = op("staff", "UpdateConsultation");
    let close = op("staff", "CloseConsultation");
    let withdraw = op("staff", "WithdrawConsultation");
    let conclude = op("staff", "ConcludeConsultation");
    let publish = op("staff", "PublishConsultation");
    for who in [&c.other_staff, &c.coop_staff, &c.citizen, &c.evaluator] {
        let t = Some(who.token.as_str());
        assert_eq!(app.code(t, &update, json!({ "id": open, "input": { "title": "改" } })).await, "FORBIDDEN", "update by {}", who.email);
        assert_eq!(app.code(t, &close, json!({ "id": open })).await, "FORBIDDEN", "close by {}", who.email);
        assert_eq!(app.code(t, &withdraw, json!({ "id": open, "reason": "r" })).await, "FORBIDDEN");
        assert_eq!(app.code(t, &conclude, json!({ "id": open, "input": { "summary": "s" } })).await, "FORBIDDEN");
        // Staff of other departments do not even find a draft; other roles may not publish at all.
        let refused = if who.email.starts_with("staff") { "NOT_FOUND" } else { "FORBIDDEN" };
        assert_eq!(app.code(t, &publish, json!({ "id": draft })).await, refused, "publish by {}", who.email);
    }
    assert_eq!(status(&app, Some(&c.lead_staff.token), &draft).await, "DRAFT", "nothing changed");
    let data = app.ok(Some(&c.lead_staff.token), &update, json!({ "id": open, "input": { "title": "新标题" } })).await;
    assert_eq!(data["updateConsultation"]["title"], "新标题");
    let data = app.ok(Some(&c.admin.token), &update, json!({ "id": open, "input": { "summary": "管理员改" } })).await;
    assert_eq!(data["updateConsultation"]["summary"], "管理员改");
    // An admin may create for any department and manage it.
    let mut for_other = input.clone();
    for_other["leadDepartmentId"] = json!(c.other);
    let made = app.ok(Some(&c.admin.token), &create, json!({ "input": for_other })).await;
    let id = made["createConsultation"]["id"].as_str().expect("id").to_owned();
    assert_eq!(made["createConsultation"]["status"], "DRAFT");
    app.publish(&c.admin.token, &id).await;
    let closed = app.ok(Some(&c.admin.token), &close, json!({ "id": id })).await;
    assert_eq!(closed["closeConsultation"]["status"], "CLOSED");
    // Only an admin hands a consultation to another department.
    let moved = app.gql(Some(&c.lead_staff.token), &update, json!({ "id": draft, "input": { "leadDepartmentId": c.other } })).await;
    assert_eq!(moved.code(), "FORBIDDEN");
}

#[tokio::test]
async fn create_consultation_lists_every_bad_field() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let create = op("staff", "CreateConsultation");
    let t = Some(c.lead_staff.token.as_str());
    let base = json!({ "title": "标题", "summary": "摘要", "body": "正文", "category": "类别", "leadDepartmentId": c.lead, "opensAt": from_now(60), "closesAt": from_now(3600), "shortPeriodReason": "紧急" });
    let with = |changes: Value| {
        let mut input = base.clone();
        for (k, v) in changes.as_object().expect("object") {
            input[k] = v.clone();
        }
        json!({ "input": input })
    };
    let same = from_now(600);
    let gql = app.gql(t, &create, with(json!({ "title": "  ", "category": "", "opensAt": same, "closesAt": same }))).await;
    assert_eq!(fields(&gql), ["category", "closesAt", "title"]);
    let gql = app.gql(t, &create, with(json!({ "opensAt": from_now(600), "closesAt": from_now(60) }))).await;
    assert_eq!(fields(&gql), ["closesAt"], "closesAt before opensAt");
    let gql = app.gql(t, &create, with(json!({ "cooperatingDepartmentIds": [c.lead] }))).await;
    assert_eq!(fields(&gql), ["cooperatingDepartmentIds"]);
    let gql = app.gql(t, &create, with(json!({ "cooperatingDepartmentIds": [Uuid::now_v7().to_string()] }))).await;
    assert_eq!(fields(&gql), ["cooperatingDepartmentIds"]);
    let gql = app.gql(Some(&c.admin.token), &create, with(json!({ "leadDepartmentId": Uuid::now_v7().to_string() }))).await;
    assert_eq!(fields(&gql), ["leadDepartmentId"]);
    let gql = app.gql(t, &create, with(json!({ "leadDepartmentId": "not-an-id" }))).await;
    assert_eq!(fields(&gql), ["leadDepartmentId"]);
    let gql = app.gql(t, &create, with(json!({ "sections": [{ "heading": "第一条", "body": "x" }, { "heading": " ", "body": "" }] }))).await;
    assert_eq!(fields(&gql), ["sections.1.body", "sections.1.heading"]);
    let gql = app.gql(t, &create, with(json!({ "title": "x".repeat(201) }))).await;
    assert_eq!(fields(&gql), ["title"]);
    let gql = app.gql(t, &create, with(json!({ "opensAt": "tomorrow" }))).await;
    assert_eq!(gql.code(), "BAD_USER_INPUT", "a malformed time");
    // Nothing was created by any of these.
    let data = app.ok(t, &op("staff", "MyDepartmentConsultations"), json!({})).await;
    assert_eq!(data["me"]["department"]["consultations"]["totalCount"], 0);
}

#[tokio::test]
async fn status_is_upcoming_before_opens_at_and_open_after() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let upcoming = c.consultation(&app, json!({ "opensAt": from_now(3600), "closesAt": from_now(7200) })).await;
    let open = c.consultation(&app, json!({})).await;
    assert_eq!(status(&app, None, &upcoming).await, "UPCOMING");
    assert_eq!(status(&app, None, &open).await, "OPEN");
    let gql = support::submit(&app, &c.citizen.token, &upcoming, "SUPPORT", "太早了", None).await;
    assert_eq!(gql.code(), "CONSULTATION_NOT_OPEN");
    assert_eq!(list_ids(&app, None, json!({ "status": "UPCOMING" })).await, [upcoming.as_str()]);
    assert_eq!(list_ids(&app, None, json!({ "status": "OPEN" })).await, [open.as_str()]);
    let mut all = list_ids(&app, None, json!({})).await;
    all.sort();
    let mut expected = vec![upcoming, open];
    expected.sort();
    assert_eq!(all, expected);
}

#[tokio::test]
async fn a_consultation_closes_by_itself_when_closes_at_passes() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let closes_at = Utc::now() + chrono::Duration::hours(1);
    let id = c.consultation(&app, json!({ "opensAt": from_now(-60), "closesAt": gongkai_tests::ts(closes_at) })).await;
    assert_eq!(status(&app, None, &id).await, "OPEN");
    support::submit_ok(&app, &c.citizen.token, &id, "SUPPORT", "赶在截止前", None).await;
    // The server's clock passes closesAt.
    app.advance_clock_to(closes_at);
    assert_eq!(status(&app, None, &id).await, "CLOSED", "no job needed: the clock closes it");
    let gql = support::submit(&app, &c.citizen.token, &id, "SUPPORT", "迟到的意见", None).await;
    assert_eq!(gql.code(), "CONSULTATION_NOT_OPEN");
    assert_eq!(list_ids(&app, None, json!({ "status": "CLOSED" })).await, [id.as_str()]);
    assert!(list_ids(&app, None, json!({ "status": "OPEN" })).await.is_empty());
    assert_eq!(support::detail(&app, None, &id).await["commentCount"], 1);
}

#[tokio::test]
async fn close_consultation_ends_it_early() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let open = c.consultation(&app, json!({})).await;
    let upcoming = c.consultation(&app, json!({ "opensAt": from_now(3600), "closesAt": from_now(7200) })).await;
    let draft = c.consultation(&app, json!({ "publish": false })).await;
    let close = op("staff", "CloseConsultation");
    let t = Some(c.lead_staff.token.as_str());
    let before = Utc::now();
    let data = app.ok(t, &close, json!({ "id": open })).await;
    assert_eq!(data["closeConsultation"]["status"], "CLOSED");
    let closes_at: DateTime<Utc> = data["closeConsultation"]["closesAt"].as_str().expect("closesAt").parse().expect("a time");
    assert!(closes_at >= before - chrono::Duration::seconds(1) && closes_at <= Utc::now(), "closesAt moved to now");
    assert_eq!(status(&app, None, &open).await, "CLOSED");
    assert_eq!(app.code(t, &close, json!({ "id": open })).await, "CONFLICT", "closing twice");
    assert_eq!(app.code(t, &close, json!({ "id": upcoming })).await, "CONFLICT", "only an open one closes");
    assert_eq!(app.code(t, &close, json!({ "id": draft })).await, "CONFLICT");
    let gql = support::submit(&app, &c.citizen.token, &open, "OPPOSE", "已经结束了", None).await;
    assert_eq!(gql.code(), "CONSULTATION_NOT_OPEN");
    // A closed consultation can no longer be edited.
    let gql = app.gql(t, &op("staff", "UpdateConsultation"), json!({ "id": open, "input": { "title": "改" } })).await;
    assert_eq!(gql.code(), "CONFLICT");
}

#[tokio::test]
async fn withdrawing_works_only_from_draft_or_upcoming_and_hides_it_from_the_public() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let open = c.consultation(&app, json!({})).await;
    let upcoming = c.consultation(&app, json!({ "opensAt": from_now(3600), "closesAt": from_now(7200) })).await;
    let draft = c.consultation(&app, json!({ "publish": false })).await;
    let withdraw = op("staff", "WithdrawConsultation");
    let t = Some(c.lead_staff.token.as_str());
    assert_eq!(app.code(t, &withdraw, json!({ "id": open, "reason": "不再需要" })).await, "CONFLICT");
    assert_eq!(fields(&app.gql(t, &withdraw, json!({ "id": upcoming, "reason": "  " })).await), ["reason"]);
    assert!(list_ids(&app, None, json!({})).await.contains(&upcoming));
    for id in [&upcoming, &draft] {
        let data = app.ok(t, &withdraw, json!({ "id": id, "reason": "政策调整" })).await;
        assert_eq!(data["withdrawConsultation"]["status"], "WITHDRAWN");
        assert_eq!(app.code(t, &withdraw, json!({ "id": id, "reason": "再次" })).await, "CONFLICT");
        assert_eq!(app.code(t, &op("staff", "PublishConsultation"), json!({ "id": id })).await, "CONFLICT");
    }
    assert_eq!(status(&app, None, &upcoming).await, "NOT_FOUND", "gone for the public");
    assert_eq!(status(&app, Some(&c.citizen.token), &upcoming).await, "NOT_FOUND");
    assert_eq!(list_ids(&app, None, json!({})).await, [open.as_str()]);
    assert!(list_ids(&app, None, json!({ "status": "WITHDRAWN" })).await.is_empty());
    let data = app.ok(t, "query($id: ID!) { consultation(id: $id) { status withdrawnReason } }", json!({ "id": upcoming })).await;
    assert_eq!(data["consultation"]["status"], "WITHDRAWN");
    assert_eq!(data["consultation"]["withdrawnReason"], "政策调整");
    let mut withdrawn = list_ids(&app, t, json!({ "status": "WITHDRAWN" })).await;
    withdrawn.sort();
    let mut expected = vec![upcoming, draft];
    expected.sort();
    assert_eq!(withdrawn, expected);
}

#[tokio::test]
async fn concluding_needs_a_closed_consultation_and_freezes_the_outcome() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let id = c.consultation(&app, json!({})).await;
    let citizens = support::citizens(&app, 5).await;
    let mut comments = Vec::new();
    for (i, who) in citizens.iter().enumerate() {
        comments.push(support::submit_ok(&app, &who.token, &id, "SUPPORT", &format!("第{i}条意见"), None).await);
    }
    let staff = &c.lead_staff.token;
    support::reply(&app, staff, &comments[0], "NOT_ADOPTED").await.data();
    support::reply(&app, staff, &comments[0], "ADOPTED").await.data();
    support::reply(&app, &c.coop_staff.token, &comments[1], "PARTIALLY_ADOPTED").await.data();
    support::reply(&app, staff, &comments[2], "NOT_ADOPTED").await.data();
    app.ok(Some(&citizens[4].token), &op("citizen", "WithdrawComment"), json!({ "id": comments[4] })).await;
    let conclude = op("staff", "ConcludeConsultation");
    let summary = json!({ "id": id, "input": { "summary": "采纳情况说明" } });
    assert_eq!(app.code(Some(staff), &conclude, summary.clone()).await, "CONFLICT", "an open consultation cannot be concluded");
    app.ok(Some(staff), &op("staff", "CloseConsultation"), json!({ "id": id })).await;
    assert_eq!(fields(&app.gql(Some(staff), &conclude, json!({ "id": id, "input": { "summary": " " } })).await), ["summary"]);
    let data = app.ok(Some(staff), &conclude, summary.clone()).await;
    let concluded = &data["concludeConsultation"];
    assert_eq!(concluded["status"], "CONCLUDED");
    let expected = json!({
        "summary": "采纳情况说明", "totalComments": 4, "repliedComments": 3, "adoptedCount": 1,
        "partiallyAdoptedCount": 1, "notAdoptedCount": 1, "explainedCount": 0,
    });
    let mut outcome = concluded["outcome"].clone();
    assert!(outcome["publishedAt"].as_str().is_some());
    outcome.as_object_mut().expect("outcome").remove("publishedAt");
    assert_eq!(outcome, expected);
    // Replies after the conclusion do not move the published figures.
    support::reply(&app, staff, &comments[3], "EXPLAINED").await.data();
    support::reply(&app, staff, &comments[2], "ADOPTED").await.data();
    let mut later = support::detail(&app, None, &id).await["outcome"].clone();
    later.as_object_mut().expect("outcome").remove("publishedAt");
    assert_eq!(later, expected, "the outcome is frozen");
    assert_eq!(app.code(Some(staff), &conclude, summary).await, "CONFLICT", "concluding twice");
    assert_eq!(status(&app, None, &id).await, "CONCLUDED");
    assert_eq!(list_ids(&app, None, json!({ "status": "CONCLUDED" })).await, [id.as_str()]);
    let gql = support::submit(&app, &c.citizen.token, &id, "SUPPORT", "还能评论吗", None).await;
    assert_eq!(gql.code(), "CONSULTATION_NOT_OPEN");
    assert_eq!(app.code(Some(staff), &op("staff", "WithdrawConsultation"), json!({ "id": id, "reason": "r" })).await, "CONFLICT");
}

#[tokio::test]
async fn updates_follow_the_lifecycle() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let t = Some(c.lead_staff.token.as_str());
    let update = op("staff", "UpdateConsultation");
    let draft = c.consultation(&app, json!({ "publish": false })).await;
    let data = app
        .ok(
            t,
            "mutation($id: ID!, $input: UpdateConsultationInput!) { updateConsultation(id: $id, input: $input) { body moderation sections { ordinal heading } } }",
            json!({ "id": draft, "input": { "body": "新正文", "moderation": "PRE", "sections": [{ "heading": "唯一条款", "body": "内容" }] } }),
        )
        .await;
    assert_eq!(data["updateConsultation"]["body"], "新正文");
    assert_eq!(data["updateConsultation"]["moderation"], "PRE");
    assert_eq!(data["updateConsultation"]["sections"], json!([{ "ordinal": 1, "heading": "唯一条款" }]));
    let open = c.consultation(&app, json!({})).await;
    let gql = app
        .gql(t, &update, json!({ "id": open, "input": { "body": "x", "sections": [], "moderation": "PRE", "opensAt": from_now(10) } }))
        .await;
    assert_eq!(fields(&gql), ["body", "moderation", "opensAt", "sections"]);
    let current = support::detail(&app, None, &open).await;
    let closes: DateTime<Utc> = current["closesAt"].as_str().expect("closesAt").parse().expect("time");
    let earlier = gongkai_tests::ts(closes - chrono::Duration::days(1));
    assert_eq!(fields(&app.gql(t, &update, json!({ "id": open, "input": { "closesAt": earlier } })).await), ["closesAt"]);
    let later = gongkai_tests::ts(closes + chrono::Duration::days(7));
    let data = app.ok(t, &update, json!({ "id": open, "input": { "closesAt": later, "title": "延期征求意见" } })).await;
    let moved: DateTime<Utc> = data["updateConsultation"]["closesAt"].as_str().expect("closesAt").parse().expect("time");
    assert_eq!(moved, later.parse::<DateTime<Utc>>().expect("time"));
    assert_eq!(data["updateConsultation"]["title"], "延期征求意见");
    let unknown = Uuid::now_v7().to_string();
    assert_eq!(app.code(t, &update, json!({ "id": unknown, "input": { "title": "x" } })).await, "NOT_FOUND");
    // A draft whose closing time has passed cannot be published; a published one cannot be again.
    let stale = c.consultation(&app, json!({ "publish": false, "opensAt": from_now(-7200), "closesAt": from_now(-3600) })).await;
    assert_eq!(fields(&app.gql(t, &op("staff", "PublishConsultation"), json!({ "id": stale })).await), ["closesAt"]);
    assert_eq!(app.code(t, &op("staff", "PublishConsultation"), json!({ "id": open })).await, "CONFLICT");
}

#[tokio::test]
async fn consultations_are_filtered_by_status_department_category_and_search() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let a = c.consultation(&app, json!({ "title": "关于城市道路交通管理的规定", "summary": "Traffic rules", "category": "交通" })).await;
    let b = c.consultation(&app, json!({ "title": "养老服务条例", "summary": "社区养老 Budget", "category": "民政", "cooperatingDepartmentIds": [] })).await;
    let other_staff = &c.other_staff.token;
    let (d, _) = app.draft(other_staff, &c.other, json!({ "title": "数据开放办法", "summary": "公共数据", "category": "交通" })).await;
    app.publish(other_staff, &d).await;
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(sorted(list_ids(&app, None, json!({ "category": "交通" })).await), sorted(vec![a.clone(), d.clone()]));
    assert_eq!(list_ids(&app, None, json!({ "search": "道路交通" })).await, [a.as_str()], "Chinese words in the title");
    assert_eq!(list_ids(&app, None, json!({ "search": "社区养老" })).await, [b.as_str()], "Chinese words in the summary");
    assert_eq!(list_ids(&app, None, json!({ "search": "budget" })).await, [b.as_str()], "search ignores case");
    assert_eq!(list_ids(&app, None, json!({ "search": "100%_" })).await, Vec::<String>::new(), "wildcards are literal");
    assert_eq!(sorted(list_ids(&app, None, json!({ "departmentId": c.lead })).await), sorted(vec![a.clone(), b.clone()]));
    assert_eq!(list_ids(&app, None, json!({ "departmentId": c.coop })).await, [a.as_str()], "cooperating departments count");
    assert_eq!(list_ids(&app, None, json!({ "departmentId": c.other, "category": "交通" })).await, [d.as_str()]);
    assert_eq!(list_ids(&app, None, json!({ "departmentId": c.other, "category": "民政" })).await, Vec::<String>::new());
    let gql = app.gql(None, &op("citizen", "Consultations"), json!({ "filter": { "search": "字".repeat(101) } })).await;
    assert_eq!(fields(&gql), ["filter.search"]);
    let gql = app.gql(None, &op("citizen", "Consultations"), json!({ "filter": { "departmentId": "x" } })).await;
    assert_eq!(fields(&gql), ["filter.departmentId"]);
}

#[tokio::test]
async fn the_consultation_list_pages_without_gaps_or_repeats() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let mut made = Vec::new();
    for i in 0..45 {
        made.push(c.consultation(&app, json!({ "title": format!("第{i}号征求意见") })).await);
    }
    let draft = c.consultation(&app, json!({ "publish": false })).await;
    let query = op("citizen", "Consultations");
    let (ids, total) = support::walk(10, |after| {
        let app = &app;
        let query = &query;
        async move { app.ok(None, query, json!({ "first": 10, "after": after })).await["consultations"].clone() }
    })
    .await;
    assert_eq!(total, 45);
    assert_eq!(ids.len(), 45);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 45, "no repeats");
    made.reverse();
    assert_eq!(ids, made, "newest first, no gaps");
    assert!(!ids.contains(&draft));
    // The department's own list, drafts included, pages the same way.
    let mine = op("staff", "MyDepartmentConsultations");
    let (ids, total) = support::walk(7, |after| {
        let app = &app;
        let mine = &mine;
        let token = c.lead_staff.token.clone();
        async move { app.ok(Some(&token), mine, json!({ "first": 7, "after": after })).await["me"]["department"]["consultations"].clone() }
    })
    .await;
    assert_eq!(total, 46);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 46);
    assert_eq!(ids[0], draft);
    let data = app.ok(None, &query, json!({ "first": 0 })).await;
    assert_eq!(data["consultations"]["edges"], json!([]));
    assert_eq!(data["consultations"]["pageInfo"]["hasNextPage"], true);
}

#[tokio::test]
async fn a_department_lists_its_own_consultations_with_staff_counts() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let post = c.consultation(&app, json!({})).await;
    let pre = c.consultation(&app, json!({ "moderation": "PRE" })).await;
    let draft = c.consultation(&app, json!({ "publish": false })).await;
    let citizens = support::citizens(&app, 3).await;
    let first = support::submit_ok(&app, &citizens[0].token, &post, "SUPPORT", "一", None).await;
    support::submit_ok(&app, &citizens[1].token, &post, "OPPOSE", "二", None).await;
    support::submit_ok(&app, &citizens[2].token, &pre, "NEUTRAL", "三", None).await;
    support::reply(&app, &c.lead_staff.token, &first, "EXPLAINED").await.data();
    let mine = op("staff", "MyDepartmentConsultations");
    let data = app.ok(Some(&c.lead_staff.token), &mine, json!({})).await;
    let list = &data["me"]["department"]["consultations"];
    assert_eq!(list["totalCount"], 3);
    let node = |id: &str| list["edges"].as_array().expect("edges").iter().find(|e| e["node"]["id"] == id).expect("listed")["node"].clone();
    assert_eq!(node(&post)["commentCount"], 2);
    assert_eq!(node(&post)["unrepliedCount"], 1);
    assert_eq!(node(&post)["pendingCount"], 0);
    assert_eq!(node(&pre)["commentCount"], 0);
    assert_eq!(node(&pre)["pendingCount"], 1);
    assert_eq!(node(&draft)["status"], "DRAFT");
    let data = app.ok(Some(&c.lead_staff.token), &mine, json!({ "status": "DRAFT" })).await;
    assert_eq!(data["me"]["department"]["consultations"]["totalCount"], 1);
    // Other departments' lists are closed to staff; citizens have no department.
    let query = "{ departments { id consultations { totalCount } } }";
    for who in [&c.other_staff, &c.coop_staff, &c.citizen, &c.evaluator] {
        assert_eq!(app.code(Some(&who.token), query, json!({})).await, "FORBIDDEN");
    }
    assert_eq!(app.code(None, query, json!({})).await, "FORBIDDEN");
    let data = app.ok(Some(&c.admin.token), query, json!({})).await;
    let counts: Vec<i64> = data["departments"].as_array().expect("departments").iter().map(|d| d["consultations"]["totalCount"].as_i64().unwrap_or(-1)).collect();
    assert_eq!(counts.iter().sum::<i64>(), 3);
    let data = app.ok(Some(&c.citizen.token), &mine, json!({})).await;
    assert!(data["me"]["department"].is_null());
    // Staff figures are null for everyone else.
    for who in [None, Some(c.citizen.token.as_str()), Some(c.other_staff.token.as_str()), Some(c.evaluator.token.as_str())] {
        let data = app.ok(who, "query($id: ID!) { consultation(id: $id) { unrepliedCount pendingCount } }", json!({ "id": post })).await;
        assert!(data["consultation"]["unrepliedCount"].is_null() && data["consultation"]["pendingCount"].is_null());
    }
    let counts = support::staff_counts(&app, &c.coop_staff.token, &post).await;
    assert_eq!(counts["unrepliedCount"], 1, "cooperating staff see the staff figures");
}

#[tokio::test]
async fn a_period_under_30_days_needs_a_reason_which_the_public_reads() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let create = op("staff", "CreateConsultation");
    let t = Some(c.lead_staff.token.as_str());
    let day = 24 * 3600;
    let input = |closes_in_days: i64, reason: Option<&str>| {
        let mut input = json!({ "title": "关于调整公交线路的公告", "summary": "摘要", "body": "正文", "category": "交通", "leadDepartmentId": c.lead, "opensAt": from_now(60), "closesAt": from_now(60 + closes_in_days * day) });
        if let Some(reason) = reason {
            input["shortPeriodReason"] = json!(reason);
        }
        json!({ "input": input })
    };
    // Ten days, no reason (or a blank one): refused on the field, nothing written.
    for reason in [None, Some("   ")] {
        let refused = app.gql(t, &create, input(10, reason)).await;
        assert_eq!(refused.code(), "BAD_USER_INPUT");
        assert_eq!(fields(&refused), ["shortPeriodReason"]);
    }
    // Thirty days need none.
    assert!(app.gql(t, &create, input(30, None)).await.is_ok());
    // With the reason: created, and the public reads it once published.
    let made = app.ok(t, &create, input(10, Some("春运期间线路调整时间紧迫，依法缩短征求意见期"))).await;
    let id = made["createConsultation"]["id"].as_str().expect("id").to_owned();
    app.publish(&c.lead_staff.token, &id).await;
    let public = app.ok(None, "query($id: ID!) { consultation(id: $id) { shortPeriodReason } }", json!({ "id": id })).await;
    assert_eq!(public["consultation"]["shortPeriodReason"], "春运期间线路调整时间紧迫，依法缩短征求意见期");
    // The reason cannot be removed while the period is short; extending closesAt never needs one.
    let update = op("staff", "UpdateConsultation");
    let removed = app.gql(t, &update, json!({ "id": id, "input": { "shortPeriodReason": "" } })).await;
    assert_eq!(fields(&removed), ["shortPeriodReason"]);
    let extended = app.gql(t, &update, json!({ "id": id, "input": { "closesAt": from_now(60 + 12 * day) } })).await;
    assert!(extended.is_ok(), "{extended:?}");
    // Once the period reaches 30 days the reason may go.
    app.ok(t, &update, json!({ "id": id, "input": { "closesAt": from_now(60 + 31 * day), "shortPeriodReason": "" } })).await;
    let public = app.ok(None, "query($id: ID!) { consultation(id: $id) { shortPeriodReason } }", json!({ "id": id })).await;
    assert!(public["consultation"]["shortPeriodReason"].is_null());
}
