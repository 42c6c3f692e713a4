//! Observations: filing, answering, following up, who may see and do what, and working-day deadlines.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, Utc, Weekday};
use gongkai_tests::{no_limits, spawn_with, test_config, TestApp};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::support::{self, fields, op};
use crate::supervisors::{appoint, audit_actions, file, id, time};

async fn reply(app: &TestApp, token: &str, observation: &str, body: &str) -> gongkai_tests::Gql {
    app.gql(Some(token), &op("staff", "ReplyToObservation"), json!({ "input": { "observationId": observation, "body": body } })).await
}

async fn follow_up(app: &TestApp, token: &str, observation: &str, body: &str) -> gongkai_tests::Gql {
    app.gql(Some(token), &op("supervisor", "FollowUpObservation"), json!({ "id": observation, "input": { "body": body } })).await
}

#[tokio::test]
async fn application_to_answered_follow_up_works_end_to_end() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let supervisor = appoint(&app, &w.admin, "王监督").await;

    let filed = file(&app, &supervisor.token, &w.department, json!({ "consultationId": w.consultation, "kind": "CONSULTATION" })).await;
    let observation = id(&filed["id"]);
    assert_eq!(filed["status"], "OPEN");
    assert_eq!(filed["kind"], "CONSULTATION");
    assert_eq!(filed["department"]["id"], w.department);
    assert_eq!(filed["consultation"]["id"], w.consultation);
    let created = time(&filed["createdAt"]);
    assert_eq!(time(&filed["dueAt"]), app.state.calendar.get().due_at(created, 15));
    assert!(time(&filed["dueAt"]) > created + Duration::days(15));

    let listed = app.ok(Some(&w.staff), &op("staff", "DepartmentObservations"), json!({ "status": "OPEN" })).await;
    let list = &listed["me"]["department"]["observations"];
    assert_eq!(list["totalCount"], 1);
    let node = &list["edges"][0]["node"];
    assert_eq!(node["id"], observation);
    assert_eq!(node["overdue"], false);
    assert_eq!(node["supervisor"]["displayName"], "王监督");
    assert_eq!(node["supervisor"]["category"], "NPC_DEPUTY");

    let answered = reply(&app, &w.staff, &observation, "已在网站公开预算信息。").await.data()["replyToObservation"].clone();
    assert_eq!(answered["body"], "已在网站公开预算信息。");
    assert_eq!(answered["observation"]["status"], "ANSWERED");
    let answered_at = time(&answered["observation"]["answeredAt"]);
    assert!(answered_at >= created);

    let mine = app.ok(Some(&supervisor.token), &op("supervisor", "MyObservations"), json!({ "status": "ANSWERED" })).await;
    let me = &mine["me"]["supervisor"];
    assert_eq!(me["active"], true);
    assert_eq!(me["observations"]["totalCount"], 1);
    let node = &me["observations"]["edges"][0]["node"];
    assert_eq!(node["replies"][0]["author"]["displayName"], "STAFF 0");
    assert_eq!(node["replies"][0]["department"]["name"], filed["department"]["name"]);
    let open = app.ok(Some(&supervisor.token), &op("supervisor", "MyObservations"), json!({ "status": "OPEN" })).await;
    assert_eq!(open["me"]["supervisor"]["observations"]["totalCount"], 0);

    let followed = follow_up(&app, &supervisor.token, &observation, "网站上只有部分预算，请公开完整版本。").await.data()["followUpObservation"].clone();
    assert_eq!(followed["status"], "OPEN");
    assert_eq!(followed["followUps"][0]["body"], "网站上只有部分预算，请公开完整版本。");
    let after_follow_up = app.ok(Some(&supervisor.token), &op("supervisor", "Observation"), json!({ "id": observation })).await;
    let o = &after_follow_up["observation"];
    assert_eq!(o["status"], "OPEN");
    let followed_at = time(&followed["followUps"][0]["createdAt"]);
    assert_eq!(time(&o["dueAt"]), app.state.calendar.get().due_at(followed_at, 15));

    reply(&app, &w.staff, &observation, "已补充公开完整预算。").await.data();
    let done = app.ok(Some(&supervisor.token), &op("supervisor", "Observation"), json!({ "id": observation })).await;
    let o = &done["observation"];
    assert_eq!(o["status"], "ANSWERED");
    assert_eq!(o["overdue"], false);
    assert_eq!(o["replies"].as_array().map(Vec::len), Some(2));
    assert_eq!(o["replies"][1]["body"], "已补充公开完整预算。");
    assert!(time(&o["answeredAt"]) >= followed_at);
    assert_eq!(o["supervisor"]["id"], supervisor.supervisor_id);
    assert_eq!(o["consultation"]["title"], "关于全面推进政务公开工作的实施意见");

    let supervisors = app.ok(Some(&w.admin), &op("admin", "Supervisors"), json!({})).await;
    assert_eq!(supervisors["supervisors"]["edges"][0]["node"]["observationCount"], 1);
    assert_eq!(
        audit_actions(&app, &w.admin, "Observation").await,
        ["observation.file", "observation.reply", "observation.follow_up", "observation.reply"]
    );
}

#[tokio::test]
async fn only_active_supervisors_file_observations() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let citizen = support::citizen(&app).await.token;
    let input = json!({ "input": { "departmentId": w.department, "kind": "OTHER", "title": "标题", "body": "内容" } });
    let file_op = op("supervisor", "FileObservation");
    assert_eq!(app.code(None, &file_op, input.clone()).await, "UNAUTHENTICATED");
    assert_eq!(app.code(Some(&citizen), &file_op, input.clone()).await, "FORBIDDEN");
    assert_eq!(app.code(Some(&w.staff), &file_op, input.clone()).await, "FORBIDDEN");
    assert_eq!(app.code(Some(&w.admin), &file_op, input.clone()).await, "FORBIDDEN");
    // A pending application is not an appointment.
    let applicant = support::citizen(&app).await.token;
    crate::supervisors::apply(&app, &applicant).await;
    assert_eq!(app.code(Some(&applicant), &file_op, input.clone()).await, "FORBIDDEN");
}

#[tokio::test]
async fn a_revoked_supervisor_can_no_longer_file_or_follow_up() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let supervisor = appoint(&app, &w.admin, "被撤销").await;
    let filed = file(&app, &supervisor.token, &w.department, json!({})).await;
    let observation = id(&filed["id"]);
    reply(&app, &w.staff, &observation, "已处理。").await.data();
    app.ok(Some(&w.admin), &op("admin", "RevokeSupervisor"), json!({ "id": supervisor.supervisor_id, "reason": "违反监督员守则。" })).await;

    let refused = app.gql(Some(&supervisor.token), &op("supervisor", "FileObservation"), json!({ "input": { "departmentId": w.department, "kind": "OTHER", "title": "t", "body": "b" } })).await;
    assert_eq!(refused.code(), "FORBIDDEN");
    assert!(refused.error()["message"].as_str().is_some_and(|m| m.contains("聘任已被终止")));
    assert_eq!(follow_up(&app, &supervisor.token, &observation, "再次跟进").await.code(), "FORBIDDEN");
    // The former supervisor still reads what they filed.
    let read = app.ok(Some(&supervisor.token), &op("supervisor", "Observation"), json!({ "id": observation })).await;
    assert_eq!(read["observation"]["status"], "ANSWERED");
}

#[tokio::test]
async fn an_expired_supervisor_can_no_longer_file() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let supervisor = appoint(&app, &w.admin, "已到期").await;
    // The appointment's term (24 months) ends while the server's clock runs on.
    let me = app.ok(Some(&supervisor.token), &op("citizen", "Me"), json!({})).await;
    assert_eq!(me["me"]["supervisor"]["active"], true);
    let term_end: chrono::DateTime<Utc> = me["me"]["supervisor"]["termEnd"].as_str().expect("termEnd").parse().expect("a time");
    app.advance_clock_to(term_end);
    let me = app.ok(Some(&supervisor.token), &op("citizen", "Me"), json!({})).await;
    assert_eq!(me["me"]["supervisor"]["active"], false);
    let refused = app.gql(Some(&supervisor.token), &op("supervisor", "FileObservation"), json!({ "input": { "departmentId": w.department, "kind": "SERVICE", "title": "t", "body": "b" } })).await;
    assert_eq!(refused.code(), "FORBIDDEN");
    assert!(refused.error()["message"].as_str().is_some_and(|m| m.contains("不在任期内")));
    let active = app.ok(Some(&w.admin), &op("admin", "Supervisors"), json!({ "active": true })).await;
    assert_eq!(active["supervisors"]["totalCount"], 0);
    // An ended appointment cannot be revoked any more.
    assert_eq!(app.code(Some(&w.admin), &op("admin", "RevokeSupervisor"), json!({ "id": supervisor.supervisor_id, "reason": "r" })).await, "CONFLICT");
    // But the former supervisor may apply again.
    crate::supervisors::apply(&app, &supervisor.token).await;
}

#[tokio::test]
async fn observations_are_hidden_from_everyone_but_their_audience() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let other_department = app.department(&w.admin, "OTHR").await;
    let other_staff = support::account(&app, "STAFF", Some(&other_department)).await.token;
    let evaluator = support::account(&app, "EVALUATOR", None).await.token;
    let citizen = support::citizen(&app).await.token;
    let supervisor = appoint(&app, &w.admin, "监督员").await;
    let another_supervisor = appoint(&app, &w.admin, "另一监督员").await;
    let observation = id(&file(&app, &supervisor.token, &w.department, json!({})).await["id"]);
    let read = op("supervisor", "Observation");
    let args = json!({ "id": observation });

    for token in [None, Some(&citizen), Some(&other_staff), Some(&another_supervisor.token)] {
        assert_eq!(app.code(token.map(String::as_str), &read, args.clone()).await, "NOT_FOUND");
    }
    for token in [&supervisor.token, &w.staff, &w.admin, &evaluator] {
        assert_eq!(app.ok(Some(token), &read, args.clone()).await["observation"]["id"], observation);
    }

    // The department's list: its staff, admins and evaluators.
    let list = "query($id: ID!) { consultation(id: $id) { leadDepartment { observations { totalCount } } } }";
    for token in [&w.admin, &evaluator, &w.staff] {
        assert_eq!(app.ok(Some(token), list, json!({ "id": w.consultation })).await["consultation"]["leadDepartment"]["observations"]["totalCount"], 1);
    }
    for token in [&other_staff, &citizen, &supervisor.token] {
        assert_eq!(app.code(Some(token), list, json!({ "id": w.consultation })).await, "FORBIDDEN");
    }
    assert_eq!(app.code(None, list, json!({ "id": w.consultation })).await, "UNAUTHENTICATED");
    let other_list = app.ok(Some(&other_staff), &op("staff", "DepartmentObservations"), json!({})).await;
    assert_eq!(other_list["me"]["department"]["observations"]["totalCount"], 0);

    // A supervisor's own list: theirs, admins and evaluators; not the department's staff.
    let through = "query($id: ID!) { observation(id: $id) { supervisor { observations { totalCount } } } }";
    assert_eq!(app.ok(Some(&evaluator), through, args.clone()).await["observation"]["supervisor"]["observations"]["totalCount"], 1);
    assert_eq!(app.code(Some(&w.staff), through, args.clone()).await, "FORBIDDEN");

    // Answering: the department's staff or an admin; others are refused, or told it does not exist.
    assert_eq!(reply(&app, &other_staff, &observation, "答复").await.code(), "NOT_FOUND");
    assert_eq!(reply(&app, &citizen, &observation, "答复").await.code(), "NOT_FOUND");
    assert_eq!(reply(&app, &evaluator, &observation, "答复").await.code(), "FORBIDDEN");
    assert_eq!(reply(&app, &supervisor.token, &observation, "答复").await.code(), "FORBIDDEN");
    assert_eq!(app.code(None, &op("staff", "ReplyToObservation"), json!({ "input": { "observationId": observation, "body": "答复" } })).await, "UNAUTHENTICATED");
    // A follow-up needs an answer first, and only the supervisor who filed may make it.
    assert_eq!(follow_up(&app, &supervisor.token, &observation, "跟进").await.code(), "CONFLICT");
    let by_admin = reply(&app, &w.admin, &observation, "管理员代为答复。").await;
    assert_eq!(by_admin.data()["replyToObservation"]["observation"]["status"], "ANSWERED");
    assert_eq!(follow_up(&app, &another_supervisor.token, &observation, "跟进").await.code(), "NOT_FOUND");
    assert_eq!(follow_up(&app, &w.staff, &observation, "跟进").await.code(), "FORBIDDEN");
    assert_eq!(follow_up(&app, &w.admin, &observation, "跟进").await.code(), "FORBIDDEN");
    // The admin's answer speaks for the department addressed.
    let read_back = app.ok(Some(&supervisor.token), &read, args).await;
    assert_eq!(read_back["observation"]["replies"][0]["department"]["name"], read_back["observation"]["department"]["name"]);
}

#[tokio::test]
async fn observation_input_is_validated() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let other_department = app.department(&w.admin, "ELSE").await;
    let supervisor = appoint(&app, &w.admin, "校验").await;
    let file_op = op("supervisor", "FileObservation");
    let attempt = |input: Value| {
        let app = &app;
        let token = supervisor.token.clone();
        let file_op = file_op.clone();
        async move { app.gql(Some(&token), &file_op, json!({ "input": input })).await }
    };
    let empty = attempt(json!({ "departmentId": w.department, "kind": "OTHER", "title": " ", "body": "" })).await;
    assert_eq!(fields(&empty), ["body", "title"]);
    let long = attempt(json!({ "departmentId": w.department, "kind": "OTHER", "title": "长".repeat(201), "body": "b\u{7}" })).await;
    assert_eq!(fields(&long), ["body", "title"]);
    let nowhere = attempt(json!({ "departmentId": Uuid::now_v7().to_string(), "kind": "OTHER", "title": "t", "body": "b" })).await;
    assert_eq!(fields(&nowhere), ["departmentId"]);
    let garbage = attempt(json!({ "departmentId": "dept-1", "kind": "OTHER", "title": "t", "body": "b" })).await;
    assert_eq!(fields(&garbage), ["departmentId"]);
    let unrelated = attempt(json!({ "departmentId": other_department, "consultationId": w.consultation, "kind": "OTHER", "title": "t", "body": "b" })).await;
    assert_eq!(fields(&unrelated), ["consultationId"]);
    let unknown = attempt(json!({ "departmentId": w.department, "consultationId": Uuid::now_v7().to_string(), "kind": "OTHER", "title": "t", "body": "b" })).await;
    assert_eq!(fields(&unknown), ["consultationId"]);
    let (draft, _) = app.draft(&w.staff, &w.department, json!({})).await;
    let hidden = attempt(json!({ "departmentId": w.department, "consultationId": draft, "kind": "OTHER", "title": "t", "body": "b" })).await;
    assert_eq!(fields(&hidden), ["consultationId"]);
    let kind = attempt(json!({ "departmentId": w.department, "kind": "GOSSIP", "title": "t", "body": "b" })).await;
    assert_eq!(kind.code(), "BAD_USER_INPUT");

    // A consultation the department cooperates on is fine.
    let (cooperative, _) = app.draft(&w.staff, &w.department, json!({ "cooperatingDepartmentIds": [other_department] })).await;
    app.publish(&w.staff, &cooperative).await;
    file(&app, &supervisor.token, &other_department, json!({ "consultationId": cooperative })).await;

    let observation = id(&file(&app, &supervisor.token, &w.department, json!({})).await["id"]);
    assert_eq!(fields(&reply(&app, &w.staff, &observation, "  ").await), ["body"]);
    reply(&app, &w.staff, &observation, "答复").await.data();
    assert_eq!(fields(&follow_up(&app, &supervisor.token, &observation, "").await), ["body"]);
    let missing = app.gql(Some(&supervisor.token), &op("supervisor", "Observation"), json!({ "id": "nope" })).await;
    assert_eq!(fields(&missing), ["id"]);
}

/// An observation's `dueAt`, as its supervisor reads it.
async fn file_due(app: &TestApp, token: &str, observation: &str) -> chrono::DateTime<Utc> {
    let read = app.ok(Some(token), &op("supervisor", "Observation"), json!({ "id": observation })).await;
    read["observation"]["dueAt"].as_str().expect("dueAt").parse().expect("a time")
}

#[tokio::test]
async fn overdue_means_open_and_past_due() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let supervisor = appoint(&app, &w.admin, "逾期").await;
    let late = id(&file(&app, &supervisor.token, &w.department, json!({ "title": "逾期未复" })).await["id"]);
    let answered_late = id(&file(&app, &supervisor.token, &w.department, json!({ "title": "逾期已复" })).await["id"]);
    // The server's clock passes their due time (15 working days, however many holidays fall in them);
    // the third is filed then, and is due later.
    let due: chrono::DateTime<Utc> = file_due(&app, &supervisor.token, &late).await;
    app.advance_clock_to(due);
    let on_time = id(&file(&app, &supervisor.token, &w.department, json!({ "title": "未到期" })).await["id"]);
    reply(&app, &w.staff, &answered_late, "迟到的答复").await.data();

    let query = op("staff", "DepartmentObservations");
    let ids = |data: &Value| -> Vec<String> {
        data["me"]["department"]["observations"]["edges"].as_array().expect("edges").iter().map(|e| id(&e["node"]["id"])).collect()
    };
    let overdue = app.ok(Some(&w.staff), &query, json!({ "overdue": true })).await;
    assert_eq!(ids(&overdue), std::slice::from_ref(&late));
    assert_eq!(overdue["me"]["department"]["observations"]["totalCount"], 1);
    assert_eq!(overdue["me"]["department"]["observations"]["edges"][0]["node"]["overdue"], true);
    let not_overdue = app.ok(Some(&w.staff), &query, json!({ "overdue": false })).await;
    assert_eq!(ids(&not_overdue), [on_time.clone(), answered_late.clone()]);
    let open_not_overdue = app.ok(Some(&w.staff), &query, json!({ "overdue": false, "status": "OPEN" })).await;
    assert_eq!(ids(&open_not_overdue), std::slice::from_ref(&on_time));
    let open = app.ok(Some(&w.staff), &query, json!({ "status": "OPEN" })).await;
    assert_eq!(ids(&open), [on_time.clone(), late.clone()]);

    // Keyset pages, newest first.
    let first = app.ok(Some(&w.staff), &query, json!({ "first": 2 })).await;
    let page = &first["me"]["department"]["observations"];
    assert_eq!(page["totalCount"], 3);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    assert_eq!(ids(&first), [on_time, answered_late]);
    let second = app.ok(Some(&w.staff), &query, json!({ "first": 2, "after": page["pageInfo"]["endCursor"] })).await;
    assert_eq!(ids(&second), [late]);
    assert_eq!(second["me"]["department"]["observations"]["pageInfo"]["hasNextPage"], false);
    let bad_cursor = app.gql(Some(&w.staff), &query, json!({ "after": "zz" })).await;
    assert_eq!(fields(&bad_cursor), ["after"]);
}

#[tokio::test]
async fn observations_are_rate_limited_per_user() {
    let app = spawn_with(|config| {
        no_limits(config);
        config.rate_limits.observations_per_day = 2;
    })
    .await;
    let w = support::open_world(&app).await;
    let supervisor = appoint(&app, &w.admin, "频繁").await;
    file(&app, &supervisor.token, &w.department, json!({})).await;
    file(&app, &supervisor.token, &w.department, json!({})).await;
    let limited = app.gql(Some(&supervisor.token), &op("supervisor", "FileObservation"), json!({ "input": { "departmentId": w.department, "kind": "OTHER", "title": "t", "body": "b" } })).await;
    assert_eq!(limited.code(), "RATE_LIMITED");
    assert!(limited.error()["extensions"]["retryAfter"].as_u64().is_some_and(|s| s > 0));
    let other = appoint(&app, &w.admin, "另一位").await;
    file(&app, &other.token, &w.department, json!({})).await;
}

/// A calendar where every day from tomorrow (China Standard Time) up to the first Saturday at least
/// three days away is a public holiday, and that Saturday a declared working day. Whether a request
/// lands today or (near midnight) tomorrow, one working day after filing is that Saturday.
fn holiday_then_working_saturday(today: NaiveDate) -> (String, NaiveDate) {
    let mut saturday = today + Duration::days(3);
    while saturday.weekday() != Weekday::Sat {
        saturday += Duration::days(1);
    }
    let mut years: BTreeMap<i32, (Vec<Value>, Vec<Value>)> = BTreeMap::new();
    let mut day = today + Duration::days(1);
    while day < saturday {
        let date = day.format("%Y-%m-%d").to_string();
        years.entry(day.year()).or_default().0.push(json!({ "name": "测试假期", "from": date, "to": date }));
        day += Duration::days(1);
    }
    years.entry(saturday.year()).or_default().1.push(json!(saturday.format("%Y-%m-%d").to_string()));
    let years: Vec<Value> =
        years.into_iter().map(|(year, (holidays, workdays))| json!({ "year": year, "holidays": holidays, "workdays": workdays })).collect();
    (json!({ "utcOffset": "+08:00", "years": years }).to_string(), saturday)
}

#[tokio::test]
async fn deadlines_count_working_days_on_the_configured_calendar() {
    let today = (Utc::now() + Duration::hours(8)).date_naive();
    let (calendar, saturday) = holiday_then_working_saturday(today);
    let path = std::env::temp_dir().join(format!("gongkai-calendar-{}.json", Uuid::now_v7().simple()));
    std::fs::write(&path, calendar).expect("write the calendar");
    let configured = path.clone();
    let app = spawn_with(move |config| {
        no_limits(config);
        config.holiday_calendar = Some(configured);
        config.observation_due_working_days = 1;
    })
    .await;
    std::fs::remove_file(&path).ok();
    let w = support::open_world(&app).await;
    let supervisor = appoint(&app, &w.admin, "日历").await;
    let filed = file(&app, &supervisor.token, &w.department, json!({})).await;
    // 23:59:59 China Standard Time on the declared working Saturday, past the holidays.
    let expected = saturday.and_hms_opt(23, 59, 59).expect("a time") - Duration::hours(8);
    assert_eq!(time(&filed["dueAt"]).naive_utc(), expected);
    let observation = id(&filed["id"]);
    reply(&app, &w.staff, &observation, "答复").await.data();
    let followed = follow_up(&app, &supervisor.token, &observation, "跟进").await.data()["followUpObservation"].clone();
    assert_eq!(followed["status"], "OPEN");
    let due = app.ok(Some(&supervisor.token), "query($id: ID!) { observation(id: $id) { dueAt followUps { dueAt } } }", json!({ "id": observation })).await;
    assert_eq!(time(&due["observation"]["dueAt"]).naive_utc(), expected);
    assert_eq!(due["observation"]["followUps"][0]["dueAt"], due["observation"]["dueAt"]);
}

#[tokio::test]
async fn a_malformed_holiday_calendar_stops_the_start() {
    let path = std::env::temp_dir().join(format!("gongkai-calendar-{}.json", Uuid::now_v7().simple()));
    std::fs::write(&path, r#"{ "utcOffset": "+08:00", "years": [ { "year": 2026, "holidays": [ { "name": "春节", "from": "2026-02-15", "to": "2026-02-31" } ], "workdays": [] } ] }"#)
        .expect("write the calendar");
    let (mut config, dir) = test_config().await;
    config.holiday_calendar = Some(path.clone());
    let started = gongkai::startup::start(config, std::future::pending()).await;
    std::fs::remove_file(&path).ok();
    if let Some(dir) = dir {
        std::fs::remove_dir_all(dir).ok();
    }
    let error = match started {
        Ok(_) => panic!("the server started with a malformed calendar"),
        Err(e) => format!("{e:#}"),
    };
    assert!(error.contains("holiday calendar"), "{error}");
    assert!(error.contains("`to` `2026-02-31` is not a date"), "{error}");
}
