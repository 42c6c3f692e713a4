//! Notifications: each kind written by the action that causes it, in the recipient's inbox, in their
//! language; read marks; the live feed, on another instance too; the profile's language.

use gongkai_tests::{no_limits, spawn_with, TestApp};
use serde_json::{json, Value};

use crate::support::{self, op, Account};
use crate::supervisors::{appoint, file, id};
use crate::ws::Ws;

const INBOX: &str = "MyNotifications";

/// The inbox's nodes, newest first.
async fn inbox(app: &TestApp, token: &str) -> Vec<Value> {
    let data = app.ok(Some(token), &op("notifications", INBOX), json!({ "first": 100 })).await;
    data["me"]["notifications"]["edges"].as_array().expect("edges").iter().map(|e| e["node"].clone()).collect()
}

fn kinds(nodes: &[Value]) -> Vec<&str> {
    nodes.iter().map(|n| n["kind"].as_str().expect("kind")).collect()
}

async fn unread(app: &TestApp, token: &str) -> i64 {
    app.ok(Some(token), &op("notifications", INBOX), json!({})).await["me"]["unreadNotificationCount"].as_i64().expect("count")
}

#[tokio::test]
async fn replies_and_moderation_notify_the_author_in_their_language() {
    let app = spawn_with(no_limits).await;
    let w = support::world(&app, json!({ "moderation": "PRE" })).await;
    let author = support::citizen(&app).await;
    let comment = support::submit_ok(&app, &author.token, &w.consultation, "SUPPORT", "建议增设夜间服务窗口", None).await;
    assert!(inbox(&app, &author.token).await.is_empty(), "submitting notifies nobody");

    // Published after review, then replied to.
    let moderate = op("staff", "ModerateComment");
    app.ok(Some(&w.staff), &moderate, json!({ "id": comment, "input": { "decision": "PUBLISH" } })).await;
    support::reply(&app, &w.staff, &comment, "PARTIALLY_ADOPTED").await.data();
    let nodes = inbox(&app, &author.token).await;
    assert_eq!(kinds(&nodes), ["COMMENT_REPLIED", "COMMENT_MODERATED"]);
    let title = app.ok(Some(&w.staff), "query($id: ID!) { consultation(id: $id) { title } }", json!({ "id": w.consultation })).await["consultation"]["title"]
        .as_str()
        .expect("title")
        .to_owned();
    // Chinese by default, the comment as subject.
    assert_eq!(nodes[0]["title"], "您的意见收到了答复");
    assert_eq!(nodes[0]["body"], format!("您对“{title}”提出的意见已获部门答复，处理结果：部分采纳。"));
    assert_eq!(nodes[0]["subject"]["__typename"], "Comment");
    assert_eq!(nodes[0]["subject"]["id"], comment.as_str());
    assert_eq!(nodes[0]["subject"]["consultation"]["id"], w.consultation.as_str());
    assert_eq!(nodes[1]["title"], "您的意见已公开");
    assert!(nodes.iter().all(|n| n["readAt"].is_null()));
    assert_eq!(unread(&app, &author.token).await, 2);

    // English when the request asks for it, and when the account chose it (over the request).
    let english = support::gql_in(&app, Some(&author.token), "en-GB,en;q=0.9", &op("notifications", INBOX), json!({})).await;
    let node = &english.data()["me"]["notifications"]["edges"][0]["node"];
    assert_eq!(node["title"], "Your comment has a reply");
    assert_eq!(node["body"], format!("The department replied to your comment on “{title}”. Verdict: partially adopted."));
    let profile = app.ok(Some(&author.token), &op("notifications", "UpdateProfile"), json!({ "input": { "locale": "en" } })).await;
    assert_eq!(profile["updateProfile"]["locale"], "en");
    let chosen = support::gql_in(&app, Some(&author.token), "zh-CN", &op("notifications", INBOX), json!({})).await;
    assert_eq!(chosen.data()["me"]["notifications"]["edges"][1]["node"]["title"], "Your comment is published");
    // The kind and the codes never change with the language.
    assert_eq!(chosen.data()["me"]["notifications"]["edges"][1]["node"]["kind"], "COMMENT_MODERATED");
    let refused = app.gql(Some(&author.token), &op("notifications", "UpdateProfile"), json!({ "input": { "locale": "fr" } })).await;
    assert_eq!(support::fields(&refused), ["locale"]);

    // Rejection and hiding carry the reason; re-publishing a hidden comment tells nobody.
    let second = support::submit_ok(&app, &author.token, &w.consultation, "OPPOSE", "第二条意见", None).await;
    app.ok(Some(&w.staff), &moderate, json!({ "id": second, "input": { "decision": "REJECT", "reason": "与本稿无关" } })).await;
    let nodes = inbox(&app, &author.token).await;
    assert_eq!(nodes[0]["kind"], "COMMENT_MODERATED");
    assert_eq!(nodes[0]["title"], "Your comment was not published");
    assert!(nodes[0]["body"].as_str().is_some_and(|b| b.ends_with("Reason: 与本稿无关")), "{}", nodes[0]["body"]);
    app.ok(Some(&w.staff), &moderate, json!({ "id": comment, "input": { "decision": "HIDE", "reason": "含个人信息" } })).await;
    app.ok(Some(&w.staff), &moderate, json!({ "id": comment, "input": { "decision": "PUBLISH" } })).await;
    assert_eq!(kinds(&inbox(&app, &author.token).await), ["COMMENT_MODERATED", "COMMENT_MODERATED", "COMMENT_REPLIED", "COMMENT_MODERATED"]);
    // Nobody else heard of any of it.
    assert!(inbox(&app, &w.staff).await.is_empty());
}

#[tokio::test]
async fn a_group_reply_and_a_conclusion_notify_each_author_once() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let authors: Vec<Account> = support::citizens(&app, 3).await;
    let campaign = "请保留老城区的公交线路";
    for author in &authors {
        support::submit_ok(&app, &author.token, &w.consultation, "OPPOSE", campaign, None).await;
    }
    // The first author sent the campaign text twice.
    support::submit_ok(&app, &authors[0].token, &w.consultation, "OPPOSE", campaign, None).await;
    let groups = app.ok(Some(&w.staff), &op("staff", "DuplicateGroups"), json!({ "id": w.consultation })).await;
    let group = groups["consultation"]["duplicateGroups"]["edges"][0]["node"]["id"].as_str().expect("a group").to_owned();
    let replied = app
        .ok(Some(&w.staff), &op("staff", "ReplyToDuplicateGroup"), json!({ "input": { "groupId": group, "body": "统一答复", "adoption": "EXPLAINED" } }))
        .await;
    assert_eq!(replied["replyToDuplicateGroup"]["repliedCount"], 4, "every comment of the group is replied to");
    for author in &authors {
        assert_eq!(kinds(&inbox(&app, &author.token).await), ["COMMENT_REPLIED"], "one notification per author");
    }
    // The outcome reaches everyone who commented, once.
    app.ok(Some(&w.staff), &op("staff", "CloseConsultation"), json!({ "id": w.consultation })).await;
    app.ok(Some(&w.staff), &op("staff", "ConcludeConsultation"), json!({ "id": w.consultation, "input": { "summary": "采纳情况见附件。" } })).await;
    for author in &authors {
        let nodes = inbox(&app, &author.token).await;
        assert_eq!(kinds(&nodes), ["CONSULTATION_CONCLUDED", "COMMENT_REPLIED"]);
        assert_eq!(nodes[0]["subject"]["__typename"], "Consultation");
        assert_eq!(nodes[0]["subject"]["consultationStatus"], "CONCLUDED");
    }
}

#[tokio::test]
async fn supervisors_and_departments_hear_of_observations_and_appointments() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let colleague = support::account(&app, "STAFF", Some(&w.department)).await;
    let supervisor = appoint(&app, &w.admin, "监督员甲").await;
    let reviewed = inbox(&app, &supervisor.token).await;
    assert_eq!(kinds(&reviewed), ["APPLICATION_REVIEWED"]);
    assert_eq!(reviewed[0]["title"], "您已受聘为政务公开监督员");
    assert_eq!(reviewed[0]["subject"]["__typename"], "SupervisorApplication");
    assert_eq!(reviewed[0]["subject"]["applicationStatus"], "APPROVED");

    // Filed: every staff member of the department; answered: the supervisor; followed up: the staff.
    let observation = id(&file(&app, &supervisor.token, &w.department, json!({ "title": "办事指南未更新" })).await["id"]);
    for staff in [&w.staff, &colleague.token] {
        let nodes = inbox(&app, staff).await;
        assert_eq!(kinds(&nodes), ["OBSERVATION_FILED"]);
        assert_eq!(nodes[0]["subject"]["id"], observation.as_str());
        assert!(nodes[0]["body"].as_str().is_some_and(|b| b.contains("办事指南未更新")));
    }
    app.ok(Some(&w.staff), &op("staff", "ReplyToObservation"), json!({ "input": { "observationId": observation, "body": "已更新。" } })).await;
    let nodes = inbox(&app, &supervisor.token).await;
    assert_eq!(kinds(&nodes), ["OBSERVATION_ANSWERED", "APPLICATION_REVIEWED"]);
    assert_eq!(nodes[0]["subject"]["observationStatus"], "ANSWERED");
    app.ok(Some(&supervisor.token), &op("supervisor", "FollowUpObservation"), json!({ "id": observation, "input": { "body": "仍有遗漏。" } }))
        .await;
    assert_eq!(kinds(&inbox(&app, &colleague.token).await), ["OBSERVATION_FOLLOWED_UP", "OBSERVATION_FILED"]);

    // A revocation tells the supervisor, with the reason.
    app.ok(Some(&w.admin), &op("admin", "RevokeSupervisor"), json!({ "id": supervisor.supervisor_id, "reason": "任期内调离本市" })).await;
    let nodes = inbox(&app, &supervisor.token).await;
    assert_eq!(nodes[0]["kind"], "APPOINTMENT_REVOKED");
    assert_eq!(nodes[0]["body"], "您的政务公开监督员聘任已提前终止。理由：任期内调离本市");
    assert_eq!(nodes[0]["subject"]["active"], false);
}

#[tokio::test]
async fn read_marks_are_the_recipients_own() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let citizens = support::citizens(&app, 2).await;
    let (me, other) = (&citizens[0], &citizens[1]);
    for i in 0..3 {
        let comment = support::submit_ok(&app, &me.token, &w.consultation, "NEUTRAL", &format!("第{i}条"), None).await;
        support::reply(&app, &w.staff, &comment, "EXPLAINED").await.data();
    }
    let theirs = support::submit_ok(&app, &other.token, &w.consultation, "NEUTRAL", "别人的", None).await;
    support::reply(&app, &w.staff, &theirs, "EXPLAINED").await.data();
    let nodes = inbox(&app, &me.token).await;
    assert_eq!(nodes.len(), 3);
    let ids: Vec<&str> = nodes.iter().map(|n| n["id"].as_str().expect("id")).collect();
    let someone_elses = inbox(&app, &other.token).await[0]["id"].as_str().expect("id").to_owned();

    // Keyset pages, newest first; unreadOnly.
    let page = app.ok(Some(&me.token), &op("notifications", INBOX), json!({ "first": 2 })).await;
    let first = &page["me"]["notifications"];
    assert_eq!((first["totalCount"].as_i64(), first["pageInfo"]["hasNextPage"].as_bool()), (Some(3), Some(true)));
    let rest = app.ok(Some(&me.token), &op("notifications", INBOX), json!({ "first": 2, "after": first["pageInfo"]["endCursor"] })).await;
    assert_eq!(rest["me"]["notifications"]["edges"][0]["node"]["id"], ids[2]);

    let mark = op("notifications", "MarkNotificationsRead");
    // Someone else's id among one's own: NOT_FOUND, and nothing is marked.
    let refused = app.gql(Some(&me.token), &mark, json!({ "ids": [ids[0], someone_elses] })).await;
    assert_eq!(refused.code(), "NOT_FOUND");
    assert_eq!(unread(&app, &me.token).await, 3);
    assert_eq!(unread(&app, &other.token).await, 1);
    let left = app.ok(Some(&me.token), &mark, json!({ "ids": [ids[0]] })).await;
    assert_eq!(left["markNotificationsRead"], 2);
    let unread_only = app.ok(Some(&me.token), &op("notifications", INBOX), json!({ "unreadOnly": true })).await;
    let unread_ids: Vec<&str> = unread_only["me"]["notifications"]["edges"].as_array().expect("edges").iter().map(|e| e["node"]["id"].as_str().expect("id")).collect();
    assert_eq!(unread_ids, [ids[1], ids[2]]);
    assert!(inbox(&app, &me.token).await[0]["readAt"].is_string());
    assert_eq!(app.ok(Some(&me.token), &mark, json!({ "all": true })).await["markNotificationsRead"], 0);
    assert_eq!(unread(&app, &other.token).await, 1, "the other's stays unread");
    assert_eq!(app.gql(Some(&me.token), &mark, json!({})).await.code(), "BAD_USER_INPUT");
    assert_eq!(app.gql(None, &mark, json!({ "all": true })).await.code(), "UNAUTHENTICATED");
}

#[tokio::test]
async fn new_notifications_arrive_on_the_live_feed_of_their_recipient_only() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let citizens = support::citizens(&app, 2).await;
    let (me, other) = (&citizens[0], &citizens[1]);
    let subscription = op("notifications", "NotificationAdded");
    let mut mine = Ws::connect(&app.url, Some(&me.token)).await;
    mine.subscribe("n", &subscription, json!({})).await;
    let mut theirs = Ws::connect(&app.url, Some(&other.token)).await;
    theirs.subscribe("n", &subscription, json!({})).await;
    app.wait_for_subscriptions(2).await;
    let comment = support::submit_ok(&app, &me.token, &w.consultation, "SUPPORT", "实时通知", None).await;
    support::reply(&app, &w.staff, &comment, "ADOPTED").await.data();
    let data = mine.next_data("n").await;
    assert_eq!(data["notificationAdded"]["kind"], "COMMENT_REPLIED");
    assert_eq!(data["notificationAdded"]["title"], "您的意见收到了答复");
    assert_eq!(data["notificationAdded"]["id"], inbox(&app, &me.token).await[0]["id"]);
    theirs.assert_quiet().await;
    // Anonymous connections may not follow an inbox.
    let mut anonymous = Ws::connect(&app.url, None).await;
    anonymous.subscribe("n", &subscription, json!({})).await;
    assert_eq!(anonymous.error_code("n").await, "UNAUTHENTICATED");
}

#[tokio::test]
async fn reminders_come_from_the_clock_once_each() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let supervisor = appoint(&app, &w.admin, "监督员乙").await;
    let observation = id(&file(&app, &supervisor.token, &w.department, json!({ "title": "政策解读缺失" })).await["id"]);
    let read = app.ok(Some(&supervisor.token), &op("supervisor", "Observation"), json!({ "id": observation })).await;
    let due: chrono::DateTime<chrono::Utc> = read["observation"]["dueAt"].as_str().expect("dueAt").parse().expect("a time");
    let tick = || gongkai::services::reminders::tick(&app.state);
    let count = |nodes: &[Value], kind: &str| nodes.iter().filter(|n| n["kind"] == kind).count();

    // Nothing is due yet.
    tick().await.expect("tick");
    assert_eq!(count(&inbox(&app, &w.staff).await, "OBSERVATION_DUE_SOON"), 0);
    // A day before the deadline it is due soon: the staff hear once, however often the job looks.
    app.advance_clock_to(due - chrono::Duration::days(1));
    let sent = tick().await.expect("tick");
    assert_eq!(sent.due_soon, 1);
    assert_eq!(tick().await.expect("tick").due_soon, 0);
    let nodes = inbox(&app, &w.staff).await;
    assert_eq!(count(&nodes, "OBSERVATION_DUE_SOON"), 1);
    let due_soon = nodes.iter().find(|n| n["kind"] == "OBSERVATION_DUE_SOON").expect("the reminder");
    assert!(due_soon["body"].as_str().is_some_and(|b| b.contains("政策解读缺失")));
    assert_eq!(count(&inbox(&app, &supervisor.token).await, "OBSERVATION_DUE_SOON"), 0, "due soon is the department's");
    // Past the deadline: overdue, to the staff and the supervisor, once.
    // Two instances looking at once claim it once between them.
    app.advance_clock_to(due);
    let (first, second) = tokio::join!(tick(), tick());
    assert_eq!(first.expect("tick").overdue + second.expect("tick").overdue, 1);
    assert_eq!(tick().await.expect("tick").overdue, 0);
    assert_eq!(count(&inbox(&app, &w.staff).await, "OBSERVATION_OVERDUE"), 1);
    assert_eq!(count(&inbox(&app, &supervisor.token).await, "OBSERVATION_OVERDUE"), 1);
    // Answered and followed up: the new deadline gets reminders of its own.
    app.ok(Some(&w.staff), &op("staff", "ReplyToObservation"), json!({ "input": { "observationId": observation, "body": "已补充。" } })).await;
    app.ok(Some(&supervisor.token), &op("supervisor", "FollowUpObservation"), json!({ "id": observation, "input": { "body": "请再核实。" } })).await;
    let read = app.ok(Some(&supervisor.token), &op("supervisor", "Observation"), json!({ "id": observation })).await;
    let due: chrono::DateTime<chrono::Utc> = read["observation"]["dueAt"].as_str().expect("dueAt").parse().expect("a time");
    app.advance_clock_to(due);
    assert_eq!(tick().await.expect("tick").overdue, 1);
    assert_eq!(count(&inbox(&app, &supervisor.token).await, "OBSERVATION_OVERDUE"), 2);

    // The term ends 24 months after the appointment: 30 days before, the supervisor hears, once.
    let me = app.ok(Some(&supervisor.token), &op("citizen", "Me"), json!({})).await;
    let term_end: chrono::DateTime<chrono::Utc> = me["me"]["supervisor"]["termEnd"].as_str().expect("termEnd").parse().expect("a time");
    app.advance_clock_to(term_end - chrono::Duration::days(31));
    assert_eq!(tick().await.expect("tick").term_ending, 0);
    app.advance_clock_to(term_end - chrono::Duration::days(29));
    assert_eq!(tick().await.expect("tick").term_ending, 1);
    assert_eq!(tick().await.expect("tick").term_ending, 0);
    let nodes = inbox(&app, &supervisor.token).await;
    assert_eq!(nodes[0]["kind"], "APPOINTMENT_ENDING");
    assert_eq!(nodes[0]["title"], "您的监督员任期即将届满");
    assert_eq!(nodes[0]["subject"]["__typename"], "Supervisor");
}

/// The next moment after now (by the server's clock) when the digest is due: 08:30 China Standard Time.
fn next_digest_time(app: &TestApp) -> chrono::DateTime<chrono::Utc> {
    let now = app.state.clock.now();
    let local = now + chrono::Duration::hours(8);
    let today = local.date_naive().and_hms_opt(8, 30, 0).expect("a time").and_utc() - chrono::Duration::hours(8);
    if today > now {
        today
    } else {
        today + chrono::Duration::days(1)
    }
}

#[tokio::test]
async fn the_daily_digest_tells_each_staff_member_what_waits_once_a_day() {
    let app = spawn_with(no_limits).await;
    let w = app
        .world_with(json!({ "closesAt": gongkai_tests::from_now(60 * 3600) }))
        .await;
    let colleague = app.staff(&w.admin, &w.department).await;
    let idle_department = app.department(&w.admin, &support::code()).await;
    let idle = app.staff(&w.admin, &idle_department).await;
    let author = support::citizen(&app).await;
    let waiting = app.comment(&author.token, &w.consultation, "请说明补偿标准。").await;
    let answered = app.comment(&author.token, &w.consultation, "请公开听证记录。").await;
    support::reply(&app, &w.staff, &answered, "EXPLAINED").await.data();
    let digests = |nodes: Vec<Value>| nodes.into_iter().filter(|n| n["kind"] == "DAILY_DIGEST").collect::<Vec<_>>();
    let tick = || gongkai::services::reminders::tick(&app.state);

    // A minute before 08:30 China Standard Time: not yet.
    let at = next_digest_time(&app);
    app.advance_clock_to(at - chrono::Duration::minutes(1));
    tick().await.expect("tick");
    assert!(digests(inbox(&app, &w.staff).await).is_empty());
    // At 08:30: each staff member of the department with work waiting, once, however many look at once.
    app.advance_clock_to(at);
    let (first, second) = tokio::join!(tick(), tick());
    assert_eq!(first.expect("tick").digests + second.expect("tick").digests, 2, "the two staff members of the busy department");
    assert_eq!(tick().await.expect("tick").digests, 0);
    app.advance_clock(chrono::Duration::hours(3));
    assert_eq!(tick().await.expect("tick").digests, 0, "once a day");
    for token in [&w.staff, &colleague] {
        let found = digests(inbox(&app, token).await);
        assert_eq!(found.len(), 1);
        let date = (at + chrono::Duration::hours(8)).format("%Y-%m-%d").to_string();
        assert_eq!(found[0]["title"], format!("{date} 待办摘要"));
        let body = found[0]["body"].as_str().expect("body");
        assert!(body.contains("未答复的意见 1 条"), "one comment waits, the other was answered: {body}");
        assert!(body.contains("已逾期的监督意见和政府信息公开申请 0 件"), "{body}");
    }
    assert!(digests(inbox(&app, &idle).await).is_empty(), "no work waiting, no digest");
    assert!(digests(inbox(&app, &author.token).await).is_empty(), "digests are for staff");
    let read = support::gql_in(&app, Some(&w.staff), "en", &op("notifications", INBOX), json!({})).await;
    let english = read.data()["me"]["notifications"]["edges"].as_array().expect("edges").iter().find(|e| e["node"]["kind"] == "DAILY_DIGEST").expect("the digest")["node"].clone();
    assert!(english["body"].as_str().is_some_and(|b| b.contains("unreplied comments on consultations closing within 3 days: 1")), "{english}");

    // The next day it comes again, with what waits then: the comment was answered, a new one came.
    support::reply(&app, &w.staff, &waiting, "ADOPTED").await.data();
    app.advance_clock_to(at + chrono::Duration::days(1));
    app.comment(&author.token, &w.consultation, "建议增加夜间听证。").await;
    assert_eq!(tick().await.expect("tick").digests, 2);
    let found = digests(inbox(&app, &w.staff).await);
    assert_eq!(found.len(), 2);
    assert_ne!(found[0]["title"], found[1]["title"], "one a day, each with its date");
}

#[tokio::test]
async fn two_server_processes_send_the_days_digest_once() {
    if !gongkai_tests::using_postgres() {
        gongkai_tests::skipped("several server processes on one database need TEST_DATABASE_URL");
        return;
    }
    const INSTANCE: &str = env!("CARGO_BIN_EXE_gongkai-instance");
    // Due at any time of day: both processes send it as they start, if nobody has.
    let (mut config, _) = gongkai_tests::test_config().await;
    no_limits(&mut config);
    config.digest_local_time = (0, 0);
    let app = gongkai_tests::spawn_config(config.clone(), None).await;
    let w = support::open_world(&app).await;
    let colleague = app.staff(&w.admin, &w.department).await;
    let supervisor = appoint(&app, &w.admin, "监督员丁").await;
    file(&app, &supervisor.token, &w.department, json!({ "title": "政府信息公开年报未按期发布" })).await;
    // The observation is not due for days: let the clock say it is overdue for the processes too, by
    // moving its deadline.
    let db = &app.state.db.conn;
    gongkai::sql::execute(db, "UPDATE observations SET due_at = $1", vec![(chrono::Utc::now() - chrono::Duration::days(1)).into()]).await.expect("overdue");
    // This in-process instance took today's digest when it started, before there was work: give the day back.
    for _ in 0..100 {
        if gongkai::sql::count(db, "SELECT COUNT(*) FROM digest_runs", vec![]).await.expect("count") > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    gongkai::sql::execute(db, "DELETE FROM notifications WHERE kind = 'DAILY_DIGEST'", vec![]).await.expect("clear");
    gongkai::sql::execute(db, "DELETE FROM digest_runs", vec![]).await.expect("clear");

    let (first, second) = tokio::join!(gongkai_tests::spawn_process(INSTANCE, &config), gongkai_tests::spawn_process(INSTANCE, &config));
    let count = || async { gongkai::sql::count(db, "SELECT COUNT(*) FROM notifications WHERE kind = 'DAILY_DIGEST'", vec![]).await.expect("count") };
    for _ in 0..200 {
        if count().await >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert_eq!(count().await, 2, "one digest for each of the two staff members, from one of the two processes");
    assert_eq!(gongkai::sql::count(db, "SELECT COUNT(*) FROM digest_runs", vec![]).await.expect("count"), 1);
    for token in [&w.staff, &colleague] {
        let nodes = inbox(&app, token).await;
        let digest = nodes.iter().find(|n| n["kind"] == "DAILY_DIGEST").expect("a digest");
        assert!(digest["body"].as_str().is_some_and(|b| b.contains("已逾期的监督意见和政府信息公开申请 1 件")), "{digest}");
        assert_eq!(digest["subject"]["__typename"], "Department");
    }
    drop((first, second));
}
