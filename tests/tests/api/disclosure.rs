//! Disclosure requests (依申请公开): submitted and recorded requests with their tracking numbers, the
//! statutory clock on a holiday calendar (correction, extension, third parties, fees, abandonment by the
//! clock itself), answers with their reasons, appeals, privacy of the applicant's data, reminders, the
//! annual report in the national format with its CSV, and the scorecard figures.
//!
//! The clock runs in 2031 on a calendar year entered for the test: 10–12 March off, Saturday 15 March
//! worked. Every date below was counted by hand on it.

use chrono::{DateTime, Utc};
use gongkai_tests::{no_limits, spawn_with, TestApp};
use serde_json::{json, Value};

use crate::support::{self, op};

/// The applicant's resident identity card number (valid check digit).
pub const ID_NUMBER: &str = "110101199003074477";

/// A natural person's request to `department`, with `extra` fields over the defaults.
pub fn input(department: &str, extra: Value) -> Value {
    let mut input = json!({
        "departmentId": department,
        "applicantType": "NATURAL_PERSON",
        "applicantName": "张三",
        "idDocumentType": "RESIDENT_ID_CARD",
        "idDocumentNumber": ID_NUMBER,
        "phone": "13800138000",
        "email": "zhangsan@example.cn",
        "address": "北京市东城区某街道 1 号",
        "postalCode": "100010",
        "description": "2025 年度本市老旧小区改造项目清单及资金安排",
        "purpose": "了解所在小区是否列入改造计划",
        "preferredForm": "ELECTRONIC",
        "deliveryMethod": "EMAIL",
    });
    if let (Some(base), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
        base.extend(extra.clone());
    }
    input
}

/// The citizen `token` submits a request to `department`; returns its id.
pub async fn submit(app: &TestApp, token: &str, department: &str, extra: Value) -> String {
    let data = app.ok(Some(token), &op("disclosure", "SubmitDisclosureRequest"), json!({ "input": input(department, extra) })).await;
    data["submitDisclosureRequest"]["id"].as_str().expect("a request id").to_owned()
}

/// Takes request `id` to `step` as the department's `staff`: "new" (as it is), "correction",
/// "third_party", "fee" (each awaited) or "answered".
pub async fn take_to(app: &TestApp, staff: &str, id: &str, step: &str) {
    let (name, input) = match step {
        "new" => return,
        "correction" => ("RequestCorrection", json!({ "items": "请写明文件名称。", "workingDays": 10 })),
        "third_party" => ("StartThirdPartyConsultation", json!({ "thirdParty": "某建设有限公司" })),
        "fee" => ("IssueFeeNotice", json!({ "basis": "BY_PAGE", "quantity": 120 })),
        "answered" => ("AnswerDisclosureRequest", json!({ "outcome": "DISCLOSED", "body": "所申请信息见附件。" })),
        other => panic!("no step {other}"),
    };
    app.ok(Some(staff), &op("disclosure", name), json!({ "id": id, "input": input })).await;
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap_or_else(|e| panic!("{text}: {e}")).with_timezone(&Utc)
}

/// Two instants within a second of each other (the test clock keeps running after it is moved).
fn near(a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
    (a - b).num_milliseconds().abs() < 1_000
}

fn time(value: &Value) -> DateTime<Utc> {
    at(value.as_str().unwrap_or_else(|| panic!("not a time: {value}")))
}

/// The end of a day in China Standard Time.
fn end_of(day: &str) -> DateTime<Utc> {
    at(&format!("{day}T23:59:59+08:00"))
}

/// A test world in 2031 on the test calendar: an admin, a department with its staff, a citizen.
struct Office {
    app: TestApp,
    admin: String,
    department: String,
    staff: String,
    citizen: String,
}

async fn office() -> Office {
    let app = spawn_with(no_limits).await;
    let admin = app.admin().await;
    let department = app.department(&admin, "GOV-OFFICE").await;
    let staff = app.staff(&admin, &department).await;
    let citizen = support::citizen(&app).await.token;
    let year = json!({ "input": {
        "year": 2031,
        "source": "测试用日历",
        "holidays": [{ "name": "测试假期", "from": "2031-03-10", "to": "2031-03-12" }],
        "workdays": ["2031-03-15"],
    } });
    app.ok(Some(&admin), &op("disclosure", "SetCalendarYear"), year).await;
    app.advance_clock_to(at("2031-03-03T10:00:00+08:00"));
    Office { app, admin, department, staff, citizen }
}

const DETAIL: &str = "DisclosureRequest";

async fn detail(app: &TestApp, token: &str, id: &str) -> Value {
    app.ok(Some(token), &op("disclosure", DETAIL), json!({ "id": id })).await["disclosureRequest"].clone()
}

async fn step(app: &TestApp, token: &str, name: &str, id: &str, input: Value) -> Value {
    let data = app.ok(Some(token), &op("disclosure", name), json!({ "id": id, "input": input })).await;
    let field = format!("{}{}", name[..1].to_lowercase(), &name[1..]);
    data[field.as_str()].clone()
}

async fn code(app: &TestApp, token: &str, name: &str, id: &str, input: Value) -> String {
    app.code(Some(token), &op("disclosure", name), json!({ "id": id, "input": input })).await
}

async fn inbox_kinds(app: &TestApp, token: &str) -> Vec<String> {
    let data = app.ok(Some(token), &op("notifications", "MyNotifications"), json!({ "first": 100 })).await;
    let mut kinds: Vec<String> =
        data["me"]["notifications"]["edges"].as_array().expect("edges").iter().map(|e| e["node"]["kind"].as_str().expect("kind").to_owned()).collect();
    kinds.reverse();
    kinds
}

fn field_errors(gql: &gongkai_tests::Gql) -> Vec<String> {
    gql.error()["extensions"]["fields"].as_array().map_or_else(Vec::new, |f| f.iter().filter_map(|f| f["field"].as_str().map(str::to_owned)).collect())
}

#[tokio::test]
async fn a_request_gets_a_tracking_number_and_twenty_working_days_and_a_retry_is_the_same_request() {
    let o = office().await;
    let submit_op = op("disclosure", "SubmitDisclosureRequest");
    let first = o.app.ok(Some(&o.citizen), &submit_op, json!({ "input": input(&o.department, json!({ "clientRequestId": "app-1" })) })).await;
    let r = &first["submitDisclosureRequest"];
    assert_eq!(r["trackingNumber"], "GOV-OFFICE-2031-000001");
    assert_eq!(r["status"], "PROCESSING");
    assert_eq!(r["channel"], "ONLINE");
    assert!(near(time(&r["receivedAt"]), at("2031-03-03T10:00:00+08:00")), "{r}");
    // 4–7 March, 13–14 March, the worked Saturday 15 March, 17–21, 24–28, 31 March – 2 April.
    assert_eq!(time(&r["dueAt"]), end_of("2031-04-02"));
    assert_eq!(r["department"]["name"], "GOV-OFFICE 部门");
    // The same client request id again: the same request, no second number.
    let again = o.app.ok(Some(&o.citizen), &submit_op, json!({ "input": input(&o.department, json!({ "clientRequestId": "app-1" })) })).await;
    assert_eq!(again["submitDisclosureRequest"]["id"], r["id"]);
    let second = submit(&o.app, &o.citizen, &o.department, json!({ "clientRequestId": "app-2" })).await;
    assert_eq!(detail(&o.app, &o.citizen, &second).await["trackingNumber"], "GOV-OFFICE-2031-000002");
    // The applicant's list, newest first, and the notification with the deadline.
    let mine = o.app.ok(Some(&o.citizen), &op("disclosure", "MyDisclosureRequests"), json!({ "first": 10 })).await;
    let list = &mine["me"]["disclosureRequests"];
    assert_eq!(list["totalCount"], 2);
    assert_eq!(list["edges"][0]["node"]["id"], second.as_str());
    assert_eq!(list["edges"][1]["node"]["overdue"], false);
    assert!(list["edges"][1]["node"]["answer"].is_null());
    assert_eq!(inbox_kinds(&o.app, &o.citizen).await, ["DISCLOSURE_RECEIVED", "DISCLOSURE_RECEIVED"]);
    let inbox = o.app.ok(Some(&o.citizen), &op("notifications", "MyNotifications"), json!({ "first": 1 })).await;
    let body = inbox["me"]["notifications"]["edges"][0]["node"]["body"].as_str().expect("body").to_owned();
    assert!(body.contains("GOV-OFFICE-2031-000002") && body.contains("2031-04-02"), "{body}");
    // Only signed-in citizens submit; staff and admins record.
    assert_eq!(o.app.code(Some(&o.staff), &submit_op, json!({ "input": input(&o.department, json!({})) })).await, "FORBIDDEN");
    assert_eq!(o.app.code(None, &submit_op, json!({ "input": input(&o.department, json!({})) })).await, "UNAUTHENTICATED");
}

#[tokio::test]
async fn every_field_of_a_request_is_checked_and_nothing_is_written_when_one_is_wrong() {
    let o = office().await;
    let submit_op = op("disclosure", "SubmitDisclosureRequest");
    let cases = [
        (json!({ "idDocumentNumber": "110101199003074478" }), vec!["input.idDocumentNumber"]),
        (json!({ "idDocumentType": null, "idDocumentNumber": null }), vec!["input.idDocumentType", "input.idDocumentNumber"]),
        (json!({ "applicantType": "COMMERCIAL_ENTERPRISE" }), vec!["input.organizationCode"]),
        (json!({ "applicantType": "COMMERCIAL_ENTERPRISE", "organizationCode": "91350100M000100Y44" }), vec!["input.organizationCode"]),
        (json!({ "organizationCode": "91350100M000100Y43" }), vec!["input.organizationCode"]),
        (json!({ "postalCode": "1000" , "phone": "call me", "email": "not-an-email" }), vec!["input.phone", "input.email", "input.postalCode"]),
        (json!({ "applicantName": " ", "description": "" }), vec!["input.applicantName", "input.description"]),
        (json!({ "departmentId": uuid::Uuid::new_v4().to_string() }), vec!["input.departmentId"]),
    ];
    for (extra, expected) in cases {
        let got = o.app.gql(Some(&o.citizen), &submit_op, json!({ "input": input(&o.department, extra.clone()) })).await;
        assert_eq!(got.code(), "BAD_USER_INPUT", "{extra}");
        assert_eq!(field_errors(&got), expected, "{extra}");
        support::assert_no_leak(&got);
    }
    // An organisation with a valid code and no identity document is fine.
    let org = submit(&o.app, &o.citizen, &o.department, json!({ "applicantType": "COMMERCIAL_ENTERPRISE", "organizationCode": "91350100M000100Y43", "idDocumentType": null, "idDocumentNumber": null })).await;
    let seen = detail(&o.app, &o.staff, &org).await;
    assert_eq!(seen["trackingNumber"], "GOV-OFFICE-2031-000001", "the rejected ones took no number");
    assert!(seen["idDocumentNumber"].is_null());
    assert_eq!(seen["organizationCode"], "91350100M000100Y43");
}

#[tokio::test]
async fn the_applicants_data_is_seen_only_as_the_law_allows_and_the_document_is_sealed_at_rest() {
    let o = office().await;
    let id = submit(&o.app, &o.citizen, &o.department, json!({})).await;
    let other_department = o.app.department(&o.admin, "OTHER").await;
    let outsider = o.app.staff(&o.admin, &other_department).await;
    let evaluator = support::account(&o.app, "EVALUATOR", None).await.token;
    let stranger = support::citizen(&o.app).await.token;

    let by_staff = detail(&o.app, &o.staff, &id).await;
    assert_eq!(by_staff["idDocumentNumber"], ID_NUMBER);
    assert_eq!(by_staff["phone"], "13800138000");
    for token in [&o.citizen, &o.admin] {
        let seen = detail(&o.app, token, &id).await;
        assert_eq!(seen["idDocumentNumber"], "****4477");
        assert_eq!(seen["applicantName"], "张三");
    }
    let by_evaluator = detail(&o.app, &evaluator, &id).await;
    for field in ["applicantName", "idDocumentType", "idDocumentNumber", "phone", "email", "address"] {
        assert!(by_evaluator[field].is_null(), "{field} shown to an evaluator: {by_evaluator}");
    }
    assert_eq!(by_evaluator["description"], by_staff["description"]);
    assert!(by_evaluator["events"][0]["actor"].is_null(), "the applicant's name in the timeline");
    for token in [&outsider, &stranger] {
        assert_eq!(o.app.code(Some(token), &op("disclosure", DETAIL), json!({ "id": id })).await, "NOT_FOUND");
    }
    assert_eq!(o.app.code(None, &op("disclosure", DETAIL), json!({ "id": id })).await, "NOT_FOUND");
    // The other department's staff cannot list this department's requests; evaluators can, anonymised.
    let staff_list = o.app.ok(Some(&o.staff), &op("disclosure", "DepartmentDisclosureRequests"), json!({})).await;
    assert_eq!(staff_list["me"]["department"]["disclosureRequests"]["edges"][0]["node"]["applicantName"], "张三");
    let foreign = o.app.gql(Some(&outsider), "{ departments { id disclosureRequests(first: 5) { totalCount } } }", json!({})).await;
    assert_eq!(foreign.code(), "FORBIDDEN");
    let anonymised = o.app.ok(Some(&evaluator), "{ departments { code disclosureRequests(first: 5) { edges { node { applicantName phone } } } } }", json!({})).await;
    let ours = anonymised["departments"].as_array().expect("departments").iter().find(|d| d["code"] == "GOV-OFFICE").expect("the office").clone();
    assert!(ours["disclosureRequests"]["edges"][0]["node"]["applicantName"].is_null());

    // At rest: the row holds a sealed value, not the number; the audit log never has it.
    let row = gongkai::sql::rows(&o.app.state.db.conn, "SELECT id_document_sealed FROM disclosure_requests", vec![]).await.expect("the row");
    let sealed: String = row[0].try_get("", "id_document_sealed").expect("sealed");
    assert!(sealed.starts_with("v1:") && !sealed.contains("4477"), "{sealed}");
    let audit = o.app.ok(Some(&o.admin), &op("admin", "AuditLog"), json!({ "first": 100 })).await;
    let text = audit.to_string();
    assert!(!text.contains(ID_NUMBER) && !text.contains("13800138000"), "personal data in the audit log");
    assert!(text.contains("disclosure.submit"));
}

#[tokio::test]
async fn the_clock_restarts_on_a_correction_and_stops_for_a_third_party_and_a_fee() {
    let o = office().await;
    let (app, staff, citizen) = (&o.app, o.staff.as_str(), o.citizen.as_str());
    let id = submit(app, citizen, &o.department, json!({})).await;

    // A correction notice on 4 March with 5 working days: respond by 14 March (the holiday skipped).
    app.advance_clock_to(at("2031-03-04T10:00:00+08:00"));
    let r = step(app, staff, "RequestCorrection", &id, json!({ "items": "请写明所需文件的文号。", "workingDays": 5 })).await;
    assert_eq!(r["status"], "AWAITING_CORRECTION");
    assert_eq!(time(&r["correction"]["respondBy"]), end_of("2031-03-14"));
    assert_eq!(code(app, staff, "AnswerDisclosureRequest", &id, json!({ "outcome": "DISCLOSED", "body": "x" })).await, "CONFLICT");
    // The applicant answers on 6 March: 20 working days from then.
    app.advance_clock_to(at("2031-03-06T10:00:00+08:00"));
    let r = step(app, citizen, "RespondToCorrection", &id, json!({ "response": "文号为京政发〔2025〕1号。" })).await;
    assert_eq!(r["status"], "PROCESSING");
    assert!(near(time(&r["receivedAt"]), at("2031-03-06T10:00:00+08:00")), "{r}");
    assert_eq!(time(&r["dueAt"]), end_of("2031-04-07"));
    assert_eq!(code(app, staff, "RequestCorrection", &id, json!({ "items": "再补", "workingDays": 5 })).await, "CONFLICT", "one correction only");
    assert_eq!(code(app, citizen, "RespondToCorrection", &id, json!({ "response": "again" })).await, "CONFLICT");

    // An extension of 10 working days, once.
    let r = step(app, staff, "ExtendDisclosureDeadline", &id, json!({ "workingDays": 10, "reason": "需调阅历年档案。", "approvedBy": "办公厅主任 李四" })).await;
    assert_eq!(time(&r["dueAt"]), end_of("2031-04-21"));
    assert_eq!(r["extension"]["approvedBy"], "办公厅主任 李四");
    assert_eq!(code(app, staff, "ExtendDisclosureDeadline", &id, json!({ "workingDays": 5, "reason": "r", "approvedBy": "a" })).await, "CONFLICT");
    let too_long = app.gql(Some(staff), &op("disclosure", "ExtendDisclosureDeadline"), json!({ "id": id, "input": { "workingDays": 21, "reason": "r", "approvedBy": "a" } })).await;
    assert_eq!(field_errors(&too_long), ["input.workingDays"]);

    // A third party from 7 to 14 March: the clock stood still 2 working days (13 and 14 March).
    app.advance_clock_to(at("2031-03-07T10:00:00+08:00"));
    let r = step(app, staff, "StartThirdPartyConsultation", &id, json!({ "thirdParty": "某建设有限公司" })).await;
    assert_eq!(r["status"], "AWAITING_THIRD_PARTY");
    assert_eq!(time(&r["thirdPartyConsultations"][0]["respondBy"]), end_of("2031-04-01"));
    app.advance_clock_to(at("2031-03-14T10:00:00+08:00"));
    let r = step(app, staff, "EndThirdPartyConsultation", &id, json!({ "opinion": "不同意公开涉及本公司的部分。" })).await;
    assert_eq!(r["status"], "PROCESSING");
    assert_eq!(time(&r["dueAt"]), end_of("2031-04-23"));
    assert_eq!(code(app, staff, "EndThirdPartyConsultation", &id, json!({ "opinion": "x" })).await, "CONFLICT");

    // A fee by page: 150 pages = 70 × ¥10 + 50 × ¥20. Paid on 18 March: 3 working days stopped.
    let r = step(app, staff, "IssueFeeNotice", &id, json!({ "basis": "BY_PAGE", "quantity": 150 })).await;
    assert_eq!(r["status"], "AWAITING_PAYMENT");
    assert_eq!(r["fee"]["amountYuan"], 1700);
    let free = app.gql(Some(staff), &op("disclosure", "IssueFeeNotice"), json!({ "id": id, "input": { "basis": "BY_PAGE", "quantity": 30 } })).await;
    assert_eq!(field_errors(&free), ["input.quantity"], "30 pages cost nothing");
    app.advance_clock_to(at("2031-03-18T10:00:00+08:00"));
    let r = app.ok(Some(staff), &op("disclosure", "RecordFeePayment"), json!({ "id": id })).await;
    assert_eq!(r["recordFeePayment"]["status"], "PROCESSING");
    assert_eq!(time(&r["recordFeePayment"]["dueAt"]), end_of("2031-04-28"));

    // Of the working days since 6 March, only 7 March ran: 13–14 stopped for the third party, 15–18
    // for the fee.
    let seen = detail(app, staff, &id).await;
    assert_eq!(seen["workingDaysUsed"], 1);
    assert_eq!(seen["overdue"], false);

    let r = step(app, staff, "AnswerDisclosureRequest", &id, json!({ "outcome": "WITHHELD", "reason": "THIRD_PARTY_RIGHTS", "body": "涉及第三方商业秘密，不予公开。" })).await;
    assert_eq!(r["status"], "ANSWERED");
    assert_eq!(r["answer"]["reason"], "THIRD_PARTY_RIGHTS");
    assert_eq!(code(app, citizen, "WithdrawDisclosureRequest", &id, json!(null)).await, "CONFLICT");

    // Appeals: a reconsideration filed, then decided.
    let appeal = op("disclosure", "RecordDisclosureAppeal");
    app.ok(Some(staff), &appeal, json!({ "id": id, "input": { "kind": "RECONSIDERATION", "result": "PENDING", "filedOn": "2031-03-18" } })).await;
    let decided = app.ok(Some(staff), &appeal, json!({ "id": id, "input": { "kind": "RECONSIDERATION", "result": "UPHELD", "filedOn": "2031-03-18", "decidedOn": "2031-03-18" } })).await;
    assert_eq!(decided["recordDisclosureAppeal"]["appeals"], json!([{ "kind": "RECONSIDERATION", "result": "UPHELD", "filedOn": "2031-03-18", "decidedOn": "2031-03-18" }]));
    let bad = app.gql(Some(staff), &appeal, json!({ "id": id, "input": { "kind": "LITIGATION", "result": "UPHELD", "filedOn": "2031-03-19" } })).await;
    assert_eq!(field_errors(&bad), ["input.filedOn", "input.decidedOn"]);

    let seen = detail(app, staff, &id).await;
    let kinds: Vec<&str> = seen["events"].as_array().expect("events").iter().map(|e| e["kind"].as_str().expect("kind")).collect();
    assert_eq!(
        kinds,
        ["RECEIVED", "CORRECTION_REQUESTED", "CORRECTED", "EXTENDED", "THIRD_PARTY_STARTED", "THIRD_PARTY_ENDED", "FEE_NOTICE", "FEE_PAID", "ANSWERED", "APPEAL_RECORDED", "APPEAL_RECORDED"]
    );
    assert_eq!(
        inbox_kinds(app, citizen).await,
        ["DISCLOSURE_RECEIVED", "DISCLOSURE_CORRECTION_REQUESTED", "DISCLOSURE_EXTENDED", "DISCLOSURE_FEE_NOTICE", "DISCLOSURE_ANSWERED"]
    );
    let actions = crate::supervisors::audit_actions(app, &o.admin, "DisclosureRequest").await;
    assert_eq!(
        actions,
        [
            "disclosure.submit", "disclosure.request_correction", "disclosure.correct", "disclosure.extend", "disclosure.third_party_start",
            "disclosure.third_party_end", "disclosure.fee_notice", "disclosure.fee_paid", "disclosure.answer", "disclosure.appeal", "disclosure.appeal",
        ]
    );
}

/// The department's requests the staff list shows with these filters, in order.
async fn list(app: &TestApp, staff: &str, status: Value, overdue: Value) -> Vec<String> {
    let data = app.ok(Some(staff), &op("disclosure", "DepartmentDisclosureRequests"), json!({ "status": status, "overdue": overdue })).await;
    let list = &data["me"]["department"]["disclosureRequests"];
    let ids: Vec<String> = list["edges"].as_array().expect("edges").iter().map(|e| e["node"]["id"].as_str().expect("id").to_owned()).collect();
    assert_eq!(list["totalCount"].as_u64(), Some(ids.len() as u64));
    ids
}

#[tokio::test]
async fn the_clock_abandons_unanswered_corrections_and_unpaid_fees_and_ends_a_silent_third_party_by_itself() {
    let o = office().await;
    let (app, staff, citizen) = (&o.app, o.staff.as_str(), o.citizen.as_str());
    let correction = submit(app, citizen, &o.department, json!({})).await;
    let fee = submit(app, citizen, &o.department, json!({})).await;
    let third = submit(app, citizen, &o.department, json!({})).await;
    let plain = submit(app, citizen, &o.department, json!({})).await;
    step(app, staff, "RequestCorrection", &correction, json!({ "items": "请补充身份证明。", "workingDays": 5 })).await;
    let by_piece = step(app, staff, "IssueFeeNotice", &fee, json!({ "basis": "BY_PIECE", "quantity": 12 })).await;
    assert_eq!(by_piece["fee"]["amountYuan"], 100, "the 12th request of a month");
    step(app, staff, "StartThirdPartyConsultation", &third, json!({ "thirdParty": "某物业公司" })).await;

    // 5 working days from 3 March end on 13 March; on the 14th the correction has lapsed.
    app.advance_clock_to(at("2031-03-14T10:00:00+08:00"));
    let r = detail(app, citizen, &correction).await;
    assert_eq!(r["status"], "ABANDONED");
    assert_eq!(r["answer"]["outcome"], "OTHER");
    assert_eq!(r["answer"]["reason"], "NOT_CORRECTED_IN_TIME");
    assert_eq!(time(&r["answer"]["answeredAt"]), end_of("2031-03-13"));
    assert!(r["answer"]["answeredBy"].is_null());
    assert_eq!(r["events"].as_array().expect("events").last().expect("an event")["kind"], "ABANDONED");
    assert_eq!(code(app, citizen, "RespondToCorrection", &correction, json!({ "response": "迟到的补正" })).await, "CONFLICT");
    assert_eq!(code(app, citizen, "WithdrawDisclosureRequest", &correction, json!(null)).await, "CONFLICT");

    // 3 April: the fee's 20 working days ended on 2 April; the third party's 15 ended on 26 March, so
    // its request runs again with its deadline moved by those 15 days; the untouched one is overdue.
    app.advance_clock_to(at("2031-04-03T10:00:00+08:00"));
    let r = detail(app, citizen, &fee).await;
    assert_eq!((r["status"].as_str(), r["answer"]["reason"].as_str()), (Some("ABANDONED"), Some("FEE_NOT_PAID")));
    assert_eq!(app.code(Some(staff), &op("disclosure", "RecordFeePayment"), json!({ "id": fee })).await, "CONFLICT");
    let r = detail(app, staff, &third).await;
    assert_eq!(r["status"], "PROCESSING");
    assert_eq!(time(&r["dueAt"]), end_of("2031-04-23"));
    assert_eq!(time(&r["thirdPartyConsultations"][0]["endedAt"]), end_of("2031-03-26"));
    assert!(r["events"].as_array().expect("events").iter().any(|e| e["kind"] == "THIRD_PARTY_LAPSED"));
    assert_eq!(r["overdue"], false);
    let p = detail(app, staff, &plain).await;
    assert_eq!((p["status"].as_str(), p["overdue"].as_bool()), (Some("PROCESSING"), Some(true)));
    assert_eq!(p["workingDaysUsed"], 21);

    // The staff's lists, by the status the clock gives and by overdue.
    assert_eq!(list(app, staff, json!("ABANDONED"), json!(null)).await, [correction.clone(), fee.clone()]);
    assert_eq!(list(app, staff, json!(null), json!(true)).await, [plain.clone()]);
    assert_eq!(list(app, staff, json!("PROCESSING"), json!(null)).await, [plain.clone(), third.clone()], "oldest due first");
    assert_eq!(list(app, staff, json!("AWAITING_THIRD_PARTY"), json!(null)).await, Vec::<String>::new());

    // Reminders: the overdue one once to the department's staff; the third party's is not due soon.
    let tick = || gongkai::services::reminders::tick(&app.state);
    let sent = tick().await.expect("tick");
    assert_eq!((sent.disclosure_overdue, sent.disclosure_due_soon), (1, 0));
    assert_eq!(tick().await.expect("tick").disclosure_overdue, 0);
    assert!(inbox_kinds(app, staff).await.contains(&"DISCLOSURE_OVERDUE".to_owned()));
    // The day's digest (the tick ran after 08:30) counts the overdue request.
    assert_eq!(sent.digests, 1);
    let inbox = app.ok(Some(staff), &op("notifications", "MyNotifications"), json!({ "first": 100 })).await;
    let digest = inbox["me"]["notifications"]["edges"].as_array().expect("edges").iter().find(|e| e["node"]["kind"] == "DAILY_DIGEST").expect("a digest")["node"]["body"].clone();
    assert!(digest.as_str().is_some_and(|b| b.contains("已逾期的监督意见和政府信息公开申请 1 件")), "{digest}");
    // The request that ran again after its third party can be answered.
    step(app, staff, "AnswerDisclosureRequest", &third, json!({ "outcome": "PARTIALLY_DISCLOSED", "body": "部分公开。" })).await;
    let r = detail(app, staff, &third).await;
    assert_eq!(r["status"], "ANSWERED");
    assert_eq!(r["workingDaysUsed"], 6, "stopped from 3 to 26 March for the third party, it ran 27, 28 and 31 March and 1–3 April");
}

#[tokio::test]
async fn an_answer_takes_only_a_reason_of_its_outcome() {
    let o = office().await;
    let id = submit(&o.app, &o.citizen, &o.department, json!({})).await;
    let answer = op("disclosure", "AnswerDisclosureRequest");
    let cases = [
        (json!({ "outcome": "WITHHELD", "body": "不予公开。" }), "input.reason"),
        (json!({ "outcome": "DISCLOSED", "reason": "STATE_SECRET", "body": "见附件。" }), "input.reason"),
        (json!({ "outcome": "WITHHELD", "reason": "NOT_HELD", "body": "不予公开。" }), "input.reason"),
        (json!({ "outcome": "OTHER", "reason": "FEE_NOT_PAID", "body": "未缴费。" }), "input.reason"),
        (json!({ "outcome": "DISCLOSED", "body": "见附件。", "referredTo": "市自然资源局" }), "input.referredTo"),
        (json!({ "outcome": "DISCLOSED", "body": "" }), "input.body"),
    ];
    for (input, field) in cases {
        let got = o.app.gql(Some(&o.staff), &answer, json!({ "id": id, "input": input.clone() })).await;
        assert_eq!(got.code(), "BAD_USER_INPUT", "{input}");
        assert_eq!(field_errors(&got), [field], "{input}");
    }
    let r = step(&o.app, &o.staff, "AnswerDisclosureRequest", &id, json!({ "outcome": "UNABLE_TO_PROVIDE", "reason": "NOT_HELD", "body": "本机关不掌握该信息。", "referredTo": "市住房和城乡建设委员会" })).await;
    assert_eq!(r["answer"]["referredTo"], "市住房和城乡建设委员会");
    assert_eq!(code(&o.app, &o.staff, "AnswerDisclosureRequest", &id, json!({ "outcome": "DISCLOSED", "body": "再答" })).await, "CONFLICT");
}

#[tokio::test]
async fn staff_record_a_letter_with_the_day_the_law_counts_as_its_receipt() {
    let o = office().await;
    let record = op("disclosure", "RecordDisclosureRequest");
    let letter = json!({ "input": input(&o.department, json!({ "channel": "REGISTERED_MAIL", "receivedOn": "2031-02-27" })) });
    let r = o.app.ok(Some(&o.staff), &record, letter.clone()).await["recordDisclosureRequest"].clone();
    assert_eq!(r["channel"], "REGISTERED_MAIL");
    assert_eq!(time(&r["receivedAt"]), at("2031-02-27T00:00:00+08:00"));
    // From Thursday 27 February: 28 Feb, 3–7, 13–15, 17–21, 24–28 and 31 March (20).
    assert_eq!(time(&r["dueAt"]), end_of("2031-03-31"));
    assert_eq!(r["trackingNumber"], "GOV-OFFICE-2031-000001");
    // Nobody's account: no notification, and the applicant's data is the staff's to see.
    let by_admin = detail(&o.app, &o.admin, r["id"].as_str().expect("id")).await;
    assert_eq!(by_admin["idDocumentNumber"], "****4477");
    for (extra, field) in [
        (json!({ "channel": "LETTER", "receivedOn": "2031-03-04" }), "input.receivedOn"),
        (json!({ "channel": "ONLINE", "receivedOn": "2031-03-03" }), "input.channel"),
    ] {
        let got = o.app.gql(Some(&o.staff), &record, json!({ "input": input(&o.department, extra) })).await;
        assert_eq!(field_errors(&got), [field]);
    }
    let other = o.app.department(&o.admin, "OTHER").await;
    let outsider = o.app.staff(&o.admin, &other).await;
    assert_eq!(o.app.code(Some(&outsider), &record, letter.clone()).await, "FORBIDDEN");
    assert_eq!(o.app.code(Some(&o.citizen), &record, letter.clone()).await, "FORBIDDEN");
    assert_eq!(o.app.ok(Some(&o.admin), &record, letter).await["recordDisclosureRequest"]["trackingNumber"], "GOV-OFFICE-2031-000002");
}

fn report_row<'a>(report: &'a Value, key: &str) -> &'a Value {
    report["rows"].as_array().expect("rows").iter().find(|r| r["key"] == key).unwrap_or_else(|| panic!("no row {key}"))
}

const COLUMNS: [&str; 7] = ["naturalPerson", "commercialEnterprise", "researchInstitution", "socialWelfareOrganization", "legalServiceOrganization", "otherOrganization", "total"];

fn counts(report: &Value, key: &str) -> Vec<i64> {
    let row = report_row(report, key);
    COLUMNS.iter().map(|c| row[*c].as_i64().expect("a count")).collect()
}

#[tokio::test]
async fn the_annual_report_balances_in_every_column_and_its_csv_follows_the_national_format() {
    // Starts in December 2030, before the clock of `office()`.
    let app = &spawn_with(no_limits).await;
    let admin = app.admin().await;
    let department = app.department(&admin, "GOV-OFFICE").await;
    let staff = app.staff(&admin, &department).await;
    let citizen = support::citizen(app).await.token;

    app.advance_clock_to(at("2030-12-20T10:00:00+08:00"));
    let r0 = submit(app, &citizen, &department, json!({})).await;
    let r1 = submit(app, &citizen, &department, json!({})).await;
    step(app, &staff, "AnswerDisclosureRequest", &r0, json!({ "outcome": "DISCLOSED", "body": "见附件。" })).await;

    app.advance_clock_to(at("2031-03-03T10:00:00+08:00"));
    let company = json!({ "applicantType": "COMMERCIAL_ENTERPRISE", "applicantName": "某科技有限公司", "organizationCode": "91350100M000100Y43", "idDocumentType": null, "idDocumentNumber": null });
    let r2 = submit(app, &citizen, &department, company).await;
    let r3 = submit(app, &citizen, &department, json!({})).await;
    let r4 = submit(app, &citizen, &department, json!({})).await;
    let institute = json!({ "applicantType": "RESEARCH_INSTITUTION", "applicantName": "某研究院", "organizationCode": "91350100M000100Y43", "idDocumentType": null, "idDocumentNumber": null });
    let r5 = submit(app, &citizen, &department, institute).await;
    let r6 = submit(app, &citizen, &department, json!({})).await;
    step(app, &staff, "AnswerDisclosureRequest", &r1, json!({ "outcome": "PARTIALLY_DISCLOSED", "body": "部分公开。" })).await;
    step(app, &staff, "AnswerDisclosureRequest", &r2, json!({ "outcome": "NOT_PROCESSED", "reason": "REPEATED_REQUEST", "body": "重复申请。" })).await;
    app.ok(Some(&citizen), &op("disclosure", "WithdrawDisclosureRequest"), json!({ "id": r3 })).await;
    step(app, &staff, "RequestCorrection", &r4, json!({ "items": "请补充。", "workingDays": 5 })).await;
    step(app, &staff, "IssueFeeNotice", &r6, json!({ "basis": "BY_PAGE", "quantity": 40 })).await;
    app.ok(Some(&staff), &op("disclosure", "RecordFeePayment"), json!({ "id": r6 })).await;
    step(app, &staff, "AnswerDisclosureRequest", &r6, json!({ "outcome": "DISCLOSED", "body": "见附件。" })).await;
    let appeal = op("disclosure", "RecordDisclosureAppeal");
    app.ok(Some(&staff), &appeal, json!({ "id": r2, "input": { "kind": "RECONSIDERATION", "result": "UPHELD", "filedOn": "2031-03-03", "decidedOn": "2031-03-03" } })).await;
    app.ok(Some(&staff), &appeal, json!({ "id": r1, "input": { "kind": "LITIGATION", "result": "PENDING", "filedOn": "2031-03-03" } })).await;
    let _ = r5;

    app.advance_clock_to(at("2032-01-05T10:00:00+08:00"));
    let report_op = op("disclosure", "DisclosureAnnualReport");
    let whole = app.ok(Some(&admin), &report_op, json!({ "year": 2031 })).await["disclosureAnnualReport"].clone();
    let own = app.ok(Some(&staff), &report_op, json!({ "year": 2031, "departmentId": department })).await["disclosureAnnualReport"].clone();
    assert_eq!(whole["rows"], own["rows"], "one department: the whole is the department");
    assert!(whole["department"].is_null());
    assert_eq!(own["department"]["id"], department.as_str());
    assert_eq!(whole["rows"].as_array().expect("rows").len(), 25);
    assert_eq!(counts(&whole, "NEW"), [3, 1, 1, 0, 0, 0, 5]);
    assert_eq!(counts(&whole, "CARRIED_OVER"), [1, 0, 0, 0, 0, 0, 1]);
    assert_eq!(counts(&whole, "DISCLOSED"), [1, 0, 0, 0, 0, 0, 1]);
    assert_eq!(counts(&whole, "PARTIALLY_DISCLOSED"), [1, 0, 0, 0, 0, 0, 1]);
    assert_eq!(counts(&whole, "NOT_PROCESSED_REPEATED_REQUEST"), [0, 1, 0, 0, 0, 0, 1]);
    assert_eq!(counts(&whole, "OTHER_NOT_CORRECTED_IN_TIME"), [1, 0, 0, 0, 0, 0, 1]);
    assert_eq!(counts(&whole, "OTHER_OTHER_REASON"), [1, 0, 0, 0, 0, 0, 1], "the withdrawal");
    assert_eq!(counts(&whole, "HANDLED_TOTAL"), [4, 1, 0, 0, 0, 0, 5]);
    assert_eq!(counts(&whole, "CARRIED_FORWARD"), [0, 0, 1, 0, 0, 0, 1]);
    for column in 0..7 {
        let (new, over, handled, forward) =
            (counts(&whole, "NEW")[column], counts(&whole, "CARRIED_OVER")[column], counts(&whole, "HANDLED_TOTAL")[column], counts(&whole, "CARRIED_FORWARD")[column]);
        assert_eq!(new + over, handled + forward, "一 + 二 = 三（七） + 四 in column {}", COLUMNS[column]);
    }
    let outcome_rows: i64 = whole["rows"].as_array().expect("rows")[2..23].iter().map(|r| r["total"].as_i64().expect("total")).sum();
    assert_eq!(outcome_rows, 5, "（七）总计 is the sum of the outcome rows");
    assert_eq!(report_row(&whole, "NEW")["label"], "一、本年新收政府信息公开申请数量");
    assert_eq!(whole["appeals"][0], json!({ "kind": "RECONSIDERATION", "upheld": 1, "corrected": 0, "other": 0, "pending": 0, "total": 1 }));
    assert_eq!(whole["appeals"][1]["pending"], 1);
    assert_eq!(whole["feesCollectedYuan"], 100);
    // The previous year: two received, one answered, one carried forward.
    let last = app.ok(Some(&admin), &report_op, json!({ "year": 2030 })).await["disclosureAnnualReport"].clone();
    assert_eq!(counts(&last, "NEW")[6], 2);
    assert_eq!(counts(&last, "DISCLOSED")[6], 1);
    assert_eq!(counts(&last, "CARRIED_FORWARD")[6], 1);
    // In English the labels are glosses.
    let en = support::gql_in(app, Some(&admin), "en", &report_op, json!({ "year": 2031 })).await;
    assert_eq!(report_row(&en.data()["disclosureAnnualReport"], "NEW")["label"], "1. New requests received this year");

    // The CSV: UTF-8 with BOM, the format's rows and columns, Chinese labels.
    let url = whole["csvUrl"].as_str().expect("a link");
    let response = app.http.get(format!("{}{url}", app.url)).send().await.expect("the download");
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().expect("type").starts_with("text/csv"));
    let bytes = response.bytes().await.expect("the body");
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    let text = String::from_utf8(bytes[3..].to_vec()).expect("UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[2].contains("自然人,法人或其他组织：商业企业"), "{}", lines[2]);
    assert_eq!(lines[3], "一、本年新收政府信息公开申请数量,3,1,1,0,0,0,5");
    assert_eq!(lines[27], "四、结转下年度继续办理,0,0,1,0,0,0,1");
    assert!(lines.contains(&"行政复议,1,0,0,0,1"), "{text}");
    let tampered = url.replacen("2031", "2030", 1);
    assert_eq!(app.http.get(format!("{}{tampered}", app.url)).send().await.expect("a download").status(), 403);

    // Who may read it.
    assert_eq!(app.code(Some(&staff), &report_op, json!({ "year": 2031 })).await, "FORBIDDEN", "staff: not the whole government");
    assert_eq!(app.code(Some(&citizen), &report_op, json!({ "year": 2031 })).await, "FORBIDDEN");
    let evaluator = support::account(app, "EVALUATOR", None).await.token;
    assert_eq!(app.ok(Some(&evaluator), &report_op, json!({ "year": 2031 })).await["disclosureAnnualReport"]["rows"], whole["rows"]);

    // The scorecard of 2031: five received, two answered (both on time), one overdue now (r5), and
    // the median working days of the answers (r2 and r6 answered the day they came: 0).
    let cards = app
        .ok(
            Some(&admin),
            "query($from: DateTime!, $to: DateTime!) { departmentScorecards(from: $from, to: $to) { department { id } disclosureRequestsReceived disclosureRequestsAnswered disclosureRequestsAnsweredOnTime disclosureRequestsOverdue medianDisclosureWorkingDays } }",
            json!({ "from": "2030-12-31T16:00:00Z", "to": "2031-12-31T16:00:00Z" }),
        )
        .await;
    let card = cards["departmentScorecards"].as_array().expect("cards").iter().find(|c| c["department"]["id"] == department.as_str()).expect("the card").clone();
    assert_eq!(card["disclosureRequestsReceived"], 5);
    assert_eq!(card["disclosureRequestsAnswered"], 2);
    assert_eq!(card["disclosureRequestsAnsweredOnTime"], 2);
    assert_eq!(card["disclosureRequestsOverdue"], 1);
    assert_eq!(card["medianDisclosureWorkingDays"], 0.0);
}
