//! Comment exports: who may ask for one, the signed short-lived link, and the streamed CSV and JSON.

use std::collections::{HashMap, HashSet};

use gongkai::domain::ExportFormat;
use gongkai::services::exports::{self, ExportGrant};
use gongkai_tests::{no_limits, spawn_with, TestApp};
use serde_json::{json, Value};

const EXPORT: &str = "mutation ExportComments($id: ID!, $format: ExportFormat!) {
  exportComments(consultationId: $id, format: $format) { url expiresAt }
}";

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A PRE-moderated consultation with a cooperating department and comments in every status, read in
/// batches of three so that the files span several batches.
struct Seeded {
    app: TestApp,
    staff: String,
    cooperating_staff: String,
    consultation: String,
    /// Comment id → (status, body).
    comments: HashMap<String, (&'static str, String)>,
    tricky: String,
    replied: String,
    formula: String,
    duplicates: Vec<String>,
}

const TRICKY: &str = "建议：第一条中的\"公开\"应包括\n网上公开, 以及现场公示。";
const FORMULA: &str = "=HYPERLINK(\"http://example.invalid\")";

async fn submit(app: &TestApp, token: &str, consultation: &str, section: Option<&str>, body: &str) -> String {
    let data = app
        .ok(
            Some(token),
            "mutation($input: SubmitCommentInput!) { submitComment(input: $input) { comment { id } } }",
            json!({ "input": { "consultationId": consultation, "sectionId": section, "stance": "SUPPORT", "body": body } }),
        )
        .await;
    data["submitComment"]["comment"]["id"].as_str().expect("id").to_owned()
}

async fn moderate(app: &TestApp, staff: &str, id: &str, decision: &str) {
    app.ok(
        Some(staff),
        "mutation($id: ID!, $input: ModerateCommentInput!) { moderateComment(id: $id, input: $input) { id } }",
        json!({ "id": id, "input": { "decision": decision, "reason": "审核意见" } }),
    )
    .await;
}

async fn reply(app: &TestApp, staff: &str, id: &str, body: &str, adoption: &str) {
    app.ok(
        Some(staff),
        "mutation($input: ReplyToCommentInput!) { replyToComment(input: $input) { id } }",
        json!({ "input": { "commentId": id, "body": body, "adoption": adoption } }),
    )
    .await;
}

async fn seed() -> Seeded {
    let app = spawn_with(|c| {
        no_limits(c);
        c.export_batch_size = 3;
    })
    .await;
    let admin = app.admin().await;
    let lead = app.department(&admin, "LEAD").await;
    let cooperating = app.department(&admin, "COOP").await;
    let staff = app.staff(&admin, &lead).await;
    let cooperating_staff = app.staff(&admin, &cooperating).await;
    let (consultation, sections) = app.draft(&staff, &lead, json!({ "moderation": "PRE", "cooperatingDepartmentIds": [cooperating] })).await;
    app.publish(&staff, &consultation).await;
    let (citizen, _) = app.citizen("张三").await;
    let mut comments = HashMap::new();

    let tricky = submit(&app, &citizen, &consultation, Some(&sections[0]), TRICKY).await;
    comments.insert(tricky.clone(), ("PENDING", TRICKY.to_owned()));
    let replied = submit(&app, &citizen, &consultation, None, "请增加听证环节").await;
    moderate(&app, &staff, &replied, "PUBLISH").await;
    reply(&app, &staff, &replied, "将研究采纳。", "ADOPTED").await;
    reply(&app, &cooperating_staff, &replied, "经研究，暂不采纳。", "NOT_ADOPTED").await;
    comments.insert(replied.clone(), ("PUBLISHED", "请增加听证环节".to_owned()));
    let rejected = submit(&app, &citizen, &consultation, None, "广告内容").await;
    moderate(&app, &staff, &rejected, "REJECT").await;
    comments.insert(rejected, ("REJECTED", "广告内容".to_owned()));
    let hidden = submit(&app, &citizen, &consultation, None, "含有他人电话的评论").await;
    moderate(&app, &staff, &hidden, "PUBLISH").await;
    moderate(&app, &staff, &hidden, "HIDE").await;
    comments.insert(hidden, ("HIDDEN", "含有他人电话的评论".to_owned()));
    let withdrawn = submit(&app, &citizen, &consultation, None, "我想撤回这条").await;
    app.ok(Some(&citizen), "mutation($id: ID!) { withdrawComment(id: $id) { id } }", json!({ "id": withdrawn })).await;
    comments.insert(withdrawn, ("WITHDRAWN", "我想撤回这条".to_owned()));
    let formula = submit(&app, &citizen, &consultation, None, FORMULA).await;
    comments.insert(formula.clone(), ("PENDING", FORMULA.to_owned()));
    let mut duplicates = Vec::new();
    for name in ["甲", "乙"] {
        let (token, _) = app.citizen(name).await;
        let id = submit(&app, &token, &consultation, Some(&sections[1]), "坚决支持第二条！").await;
        comments.insert(id.clone(), ("PENDING", "坚决支持第二条！".to_owned()));
        duplicates.push(id);
    }
    Seeded { app, staff, cooperating_staff, consultation, comments, tricky, replied, formula, duplicates }
}

impl Seeded {
    async fn link(&self, token: &str, format: &str) -> String {
        let data = self.app.ok(Some(token), EXPORT, json!({ "id": self.consultation, "format": format })).await;
        let url = data["exportComments"]["url"].as_str().expect("url").to_owned();
        assert!(url.starts_with("/exports/"), "{url}");
        url
    }

    async fn download(&self, url: &str) -> reqwest::Response {
        self.app.http.get(format!("{}{url}", self.app.url)).send().await.expect("GET the export")
    }
}

fn csv_records(bytes: &[u8]) -> (Vec<String>, Vec<HashMap<String, String>>) {
    let mut reader = csv::Reader::from_reader(bytes.strip_prefix(BOM).expect("a byte-order mark"));
    let headers: Vec<String> = reader.headers().expect("a header row").iter().map(str::to_owned).collect();
    let rows = reader
        .records()
        .map(|r| {
            let record = r.expect("a well-formed CSV record");
            headers.iter().cloned().zip(record.iter().map(str::to_owned)).collect()
        })
        .collect();
    (headers, rows)
}

#[tokio::test]
async fn a_csv_export_has_every_comment_once_with_a_byte_order_mark() {
    let s = seed().await;
    let url = s.link(&s.staff, "CSV").await;
    let response = s.download(&url).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(response.headers()["content-disposition"].to_str().unwrap().contains(".csv"));
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with(BOM));
    let (headers, rows) = csv_records(&bytes);
    assert_eq!(headers[0], "id");
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str()).collect();
    assert_eq!(ids.len(), s.comments.len(), "every comment exactly once");
    assert_eq!(ids.iter().copied().collect::<HashSet<_>>(), s.comments.keys().map(String::as_str).collect());
    let by_id: HashMap<&str, &HashMap<String, String>> = rows.iter().map(|r| (r["id"].as_str(), r)).collect();
    for (id, (status, body)) in &s.comments {
        let row = by_id[id.as_str()];
        assert_eq!(row["status"], *status, "{id}");
        if id != &s.formula {
            assert_eq!(&row["body"], body, "Chinese, quotes, commas and line breaks come back as written");
        }
        if !s.duplicates.contains(id) {
            assert_eq!(row["author"], "张三");
        }
    }
    let tricky = by_id[s.tricky.as_str()];
    assert_eq!((tricky["section_ordinal"].as_str(), tricky["section_heading"].as_str()), ("1", "第一条"));
    assert_eq!(tricky["stance"], "SUPPORT");
    // Text that a spreadsheet would run as a formula is defused.
    assert_eq!(by_id[s.formula.as_str()]["body"], format!("'{FORMULA}"));
    let replied = by_id[s.replied.as_str()];
    assert_eq!(replied["reply_count"], "2");
    assert_eq!(replied["adoption"], "NOT_ADOPTED");
    let replies: Value = serde_json::from_str(&replied["replies"]).expect("replies as JSON");
    assert_eq!(replies[0]["adoption"], "ADOPTED");
    assert_eq!(replies[0]["department"]["name"], "LEAD 部门");
    assert_eq!(replies[1]["adoption"], "NOT_ADOPTED");
    assert_eq!(replies[1]["department"]["name"], "COOP 部门");
    assert_eq!(replies[1]["body"], "经研究，暂不采纳。");
    let (a, b) = (by_id[s.duplicates[0].as_str()], by_id[s.duplicates[1].as_str()]);
    assert_eq!(a["duplicate_group_id"], b["duplicate_group_id"]);
    assert_eq!((a["duplicate_group_size"].as_str(), a["section_ordinal"].as_str()), ("2", "2"));
    assert_ne!(a["duplicate_group_id"], tricky["duplicate_group_id"]);
}

#[tokio::test]
async fn a_json_export_is_one_array_with_every_comment_and_its_replies() {
    let s = seed().await;
    let url = s.link(&s.cooperating_staff, "JSON").await;
    let response = s.download(&url).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let items: Vec<Value> = response.json().await.expect("a JSON array");
    let ids: Vec<&str> = items.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), s.comments.len());
    assert_eq!(ids.iter().copied().collect::<HashSet<_>>(), s.comments.keys().map(String::as_str).collect());
    let by_id: HashMap<&str, &Value> = items.iter().map(|c| (c["id"].as_str().unwrap(), c)).collect();
    for (id, (status, body)) in &s.comments {
        assert_eq!(by_id[id.as_str()]["status"], *status);
        assert_eq!(by_id[id.as_str()]["body"], body.as_str(), "JSON keeps the text exactly");
    }
    let tricky = by_id[s.tricky.as_str()];
    assert_eq!(tricky["section"]["ordinal"], 1);
    assert_eq!(tricky["section"]["heading"], "第一条");
    assert_eq!(tricky["author"]["displayName"], "张三");
    let replied = by_id[s.replied.as_str()];
    assert_eq!(replied["adoption"], "NOT_ADOPTED");
    assert_eq!(replied["replies"].as_array().unwrap().len(), 2);
    assert_eq!(replied["replies"][0]["department"]["code"], "LEAD");
    let dup = by_id[s.duplicates[1].as_str()];
    assert_eq!(dup["duplicateGroup"]["size"], 2);
    assert_eq!(dup["duplicateGroup"]["id"], by_id[s.duplicates[0].as_str()]["duplicateGroup"]["id"]);
}

#[tokio::test]
async fn an_export_of_a_consultation_without_comments_is_just_the_header() {
    let app = spawn_with(no_limits).await;
    let w = app.world().await;
    for (format, expected) in [("CSV", None), ("JSON", Some(json!([])))] {
        let data = app.ok(Some(&w.admin), EXPORT, json!({ "id": w.consultation, "format": format })).await;
        let url = data["exportComments"]["url"].as_str().unwrap();
        let bytes = app.http.get(format!("{}{url}", app.url)).send().await.unwrap().bytes().await.unwrap();
        match expected {
            Some(value) => assert_eq!(serde_json::from_slice::<Value>(&bytes).unwrap(), value),
            None => assert_eq!(csv_records(&bytes).1.len(), 0),
        }
    }
}

#[tokio::test]
async fn only_the_consultations_staff_and_admins_may_export() {
    let app = spawn_with(no_limits).await;
    let w = app.world().await;
    let other = app.department(&w.admin, "OTHER").await;
    let other_staff = app.staff(&w.admin, &other).await;
    let (citizen, _) = app.citizen("路人").await;
    let (evaluator, _) = app.account(&w.admin, "EVALUATOR", None).await;
    let vars = json!({ "id": w.consultation, "format": "CSV" });
    for token in [&other_staff, &citizen, &evaluator] {
        assert_eq!(app.code(Some(token), EXPORT, vars.clone()).await, "FORBIDDEN");
    }
    assert_eq!(app.code(None, EXPORT, vars.clone()).await, "UNAUTHENTICATED");
    let (draft, _) = app.draft(&w.staff, &w.department, json!({})).await;
    assert_eq!(app.code(Some(&other_staff), EXPORT, json!({ "id": draft, "format": "CSV" })).await, "NOT_FOUND");
    assert_eq!(app.code(Some(&w.staff), EXPORT, json!({ "id": "nope", "format": "CSV" })).await, "BAD_USER_INPUT");
    assert_eq!(app.code(Some(&w.staff), EXPORT, json!({ "id": w.consultation, "format": "XLSX" })).await, "BAD_USER_INPUT");
}

#[tokio::test]
async fn an_export_request_is_audited_and_its_link_expires() {
    let app = spawn_with(no_limits).await;
    let w = app.world().await;
    let data = app.ok(Some(&w.staff), EXPORT, json!({ "id": w.consultation, "format": "JSON" })).await;
    let expires = chrono::DateTime::parse_from_rfc3339(data["exportComments"]["expiresAt"].as_str().unwrap()).unwrap();
    let left = expires.timestamp() - chrono::Utc::now().timestamp();
    assert!((590..=600).contains(&left), "links last ten minutes by default, not {left} s");
    let log = app
        .ok(
            Some(&w.admin),
            "query { auditLog(filter: { action: \"comment.export\" }) { totalCount edges { node { subjectType subjectId detail } } } }",
            json!({}),
        )
        .await;
    assert_eq!(log["auditLog"]["totalCount"], 1);
    let entry = &log["auditLog"]["edges"][0]["node"];
    assert_eq!((entry["subjectType"].as_str(), entry["subjectId"].as_str()), (Some("Consultation"), Some(w.consultation.as_str())));
    assert!(entry["detail"].to_string().contains("JSON"));
}

#[tokio::test]
async fn expired_tampered_and_revoked_links_are_refused() {
    let app = spawn_with(no_limits).await;
    let w = app.world().await;
    let data = app.ok(Some(&w.staff), EXPORT, json!({ "id": w.consultation, "format": "CSV" })).await;
    let url = data["exportComments"]["url"].as_str().unwrap().to_owned();
    let token = url.trim_start_matches("/exports/").to_owned();
    let get = |path: String| {
        let app = &app;
        async move {
            let response = app.http.get(format!("{}{path}", app.url)).send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    assert_eq!(get(url.clone()).await.0, 200);

    // Signed with this server's key, but already past its expiry.
    let mut grant = exports::verify(&app.state.config.secret_key, &token, chrono::Utc::now()).expect("a valid token");
    grant.expires_at = chrono::Utc::now().timestamp() - 1;
    let (status, body) = get(format!("/exports/{}", exports::sign(&app.state.config.secret_key, &grant))).await;
    assert_eq!(status, 410);
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("已过期"));

    // Anything changed: the expiry, the format, the consultation, the signature; or another key.
    let (payload, signature) = token.rsplit_once('.').unwrap();
    let mut parts: Vec<String> = payload.split('.').map(str::to_owned).collect();
    let later = (parts[3].parse::<i64>().unwrap() + 3600).to_string();
    parts[3] = later;
    let (kept, last) = signature.split_at(signature.len() - 1);
    let flipped = format!("{kept}{}", if last == "0" { "1" } else { "0" });
    let foreign = ExportGrant { consultation_id: w.consultation.parse().unwrap(), format: ExportFormat::Csv, account_id: grant.account_id, expires_at: grant.expires_at + 7200 };
    for tampered in [
        format!("{}.{signature}", parts.join(".")),
        token.replacen(".csv.", ".json.", 1),
        token.replacen(&w.consultation.replace('-', ""), &uuid::Uuid::now_v7().simple().to_string(), 1),
        format!("{payload}.{flipped}"),
        exports::sign(b"some other deployment's key, long enough", &foreign),
        "garbage".to_owned(),
    ] {
        let (status, body) = get(format!("/exports/{tampered}")).await;
        assert_eq!(status, 403, "{tampered}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    }

    // A link stops working when its holder may no longer export.
    let holder = grant.account_id.to_string();
    app.ok(Some(&w.admin), "mutation($id: ID!) { suspendAccount(id: $id, reason: \"离职\") { id } }", json!({ "id": holder })).await;
    let (status, body) = get(url).await;
    assert_eq!(status, 403);
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
}
