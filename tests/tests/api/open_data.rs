//! Open data: public downloads of published consultations and their published comments, without any
//! personal data.

use std::collections::HashSet;

use gongkai_tests::{from_now, no_limits, spawn_with, TestApp, PASSWORD};
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

const BOM: &[u8] = b"\xEF\xBB\xBF";

async fn get(app: &TestApp, path: &str) -> (u16, Vec<u8>) {
    let response = app.http.get(format!("{}{path}", app.url)).send().await.expect("GET");
    let status = response.status().as_u16();
    (status, response.bytes().await.expect("the body").to_vec())
}

async fn get_json(app: &TestApp, path: &str) -> Value {
    let (status, bytes) = get(app, path).await;
    assert_eq!(status, 200, "{path}");
    serde_json::from_slice(&bytes).expect("JSON")
}

/// Every open-data file of a consultation, with its path.
async fn files(app: &TestApp, consultation: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for path in [
        "/open-data/consultations.json".to_owned(),
        format!("/open-data/consultations/{consultation}.json"),
        format!("/open-data/consultations/{consultation}/comments.csv"),
        format!("/open-data/consultations/{consultation}/comments.json"),
    ] {
        let (status, bytes) = get(app, &path).await;
        assert_eq!(status, 200, "{path}");
        out.push((path, String::from_utf8(bytes).expect("UTF-8")));
    }
    out
}

async fn register(app: &TestApp, email: &str, phone: &str, name: &str) -> (String, String) {
    let data = app
        .ok(
            None,
            "mutation($input: RegisterInput!) { register(input: $input) { token user { id } } }",
            json!({ "input": { "email": email, "password": PASSWORD, "displayName": name, "phone": phone } }),
        )
        .await;
    (data["register"]["token"].as_str().unwrap().to_owned(), data["register"]["user"]["id"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn open_data_files_contain_no_personal_data() {
    let app = spawn_with(no_limits).await;
    let w = app.world().await;
    // A staff member with a name and email of their own, who replies.
    let staff_email = "wang.jianguo@gov.example.cn";
    let staff_id = app
        .ok(
            Some(&w.admin),
            "mutation($input: CreateAccountInput!) { createAccount(input: $input) { id } }",
            json!({ "input": { "email": staff_email, "displayName": "王建国科长", "password": PASSWORD, "role": "STAFF", "departmentId": w.department } }),
        )
        .await["createAccount"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let replier = app.login(staff_email, PASSWORD).await;
    let people = [
        ("ouyang.mingyue@example.cn", "13812345678", "欧阳明月"),
        ("zhuge.kongming@example.cn", "+86 139-8765-4321", "诸葛孔明"),
        ("li.xiaolong@example.cn", "021-55551234", "李小龙"),
    ];
    let mut needles: Vec<String> = vec![staff_email.to_owned(), "王建国科长".to_owned(), staff_id];
    let mut bodies = Vec::new();
    for (i, (email, phone, name)) in people.iter().enumerate() {
        let (token, id) = register(&app, email, phone, name).await;
        needles.extend([email.to_string(), phone.to_string(), phone.chars().filter(char::is_ascii_digit).collect(), name.to_string(), id]);
        let body = format!("第{i}条意见：建议公开预算明细。");
        let comment = app.comment(&token, &w.consultation, &body).await;
        app.ok(
            Some(&replier),
            "mutation($input: ReplyToCommentInput!) { replyToComment(input: $input) { id } }",
            json!({ "input": { "commentId": comment, "body": format!("答复第{i}条"), "adoption": "ADOPTED" } }),
        )
        .await;
        bodies.push(body);
    }
    let admin_id = app.ok(Some(&w.admin), "query { me { id email } }", json!({})).await;
    needles.push(admin_id["me"]["id"].as_str().unwrap().to_owned());
    needles.push(admin_id["me"]["email"].as_str().unwrap().to_owned());
    let hashes = app
        .state
        .db
        .conn
        .query_all_raw(sea_orm::Statement::from_string(app.state.db.conn.get_database_backend(), "SELECT client_hash FROM comments"))
        .await
        .unwrap();
    for row in hashes {
        needles.extend(row.try_get::<Option<String>>("", "client_hash").unwrap());
    }
    app.ok(Some(&w.staff), "mutation($id: ID!) { closeConsultation(id: $id) { id } }", json!({ "id": w.consultation })).await;
    app.ok(
        Some(&w.staff),
        "mutation($id: ID!) { concludeConsultation(id: $id, input: { summary: \"采纳情况说明\" }) { id } }",
        json!({ "id": w.consultation }),
    )
    .await;

    let files = files(&app, &w.consultation).await;
    for (path, text) in &files {
        for needle in &needles {
            assert!(!text.contains(needle.as_str()), "{path} contains personal data: {needle}");
        }
    }
    // The files do carry the comments, the replies and the outcome.
    let csv = &files[2].1;
    let json_comments = &files[3].1;
    for (i, body) in bodies.iter().enumerate() {
        assert!(csv.contains(body) && json_comments.contains(body), "comment {i} is missing");
        assert!(csv.contains(&format!("答复第{i}条")) && json_comments.contains(&format!("答复第{i}条")));
    }
    let document: Value = serde_json::from_str(&files[1].1).unwrap();
    assert_eq!(document["status"], "CONCLUDED");
    assert_eq!(document["commentCount"], 3);
    assert_eq!(document["repliedCommentCount"], 3);
    assert_eq!(document["stanceCounts"], json!({ "support": 3, "oppose": 0, "neutral": 0 }));
    assert_eq!(document["outcome"]["totalComments"], 3);
    assert_eq!(document["outcome"]["adoptedCount"], 3);
    assert_eq!(document["outcome"]["summary"], "采纳情况说明");
    assert_eq!(document["sections"].as_array().unwrap().len(), 2);
    assert_eq!(document["sections"][0]["heading"], "第一条");
    assert_eq!(document["files"]["commentsCsv"], format!("/open-data/consultations/{}/comments.csv", w.consultation));
}

#[tokio::test]
async fn open_data_lists_published_comments_only() {
    // Two comments a batch: the files span several batches.
    let app = spawn_with(|c| {
        no_limits(c);
        c.export_batch_size = 2;
    })
    .await;
    let w = app.world_with(json!({ "moderation": "PRE" })).await;
    let (citizen, _) = app.citizen("某市民").await;
    let moderate = |id: String, decision: &'static str| {
        let app = &app;
        let staff = w.staff.clone();
        async move {
            app.ok(
                Some(&staff),
                "mutation($id: ID!, $input: ModerateCommentInput!) { moderateComment(id: $id, input: $input) { id } }",
                json!({ "id": id, "input": { "decision": decision, "reason": "审核" } }),
            )
            .await;
        }
    };
    let mut published = HashSet::new();
    for i in 0..3 {
        let id = app.comment(&citizen, &w.consultation, &format!("公开意见 {i}，含\"引号\"")).await;
        moderate(id.clone(), "PUBLISH").await;
        published.insert(id);
    }
    app.comment(&citizen, &w.consultation, "待审核意见").await;
    let rejected = app.comment(&citizen, &w.consultation, "被拒绝的意见").await;
    moderate(rejected, "REJECT").await;
    let hidden = app.comment(&citizen, &w.consultation, "被隐藏的意见").await;
    moderate(hidden.clone(), "PUBLISH").await;
    moderate(hidden, "HIDE").await;
    let withdrawn = app.comment(&citizen, &w.consultation, "撤回的意见").await;
    moderate(withdrawn.clone(), "PUBLISH").await;
    app.ok(Some(&citizen), "mutation($id: ID!) { withdrawComment(id: $id) { id } }", json!({ "id": withdrawn })).await;

    let (status, csv) = get(&app, &format!("/open-data/consultations/{}/comments.csv", w.consultation)).await;
    assert_eq!(status, 200);
    assert!(csv.starts_with(BOM));
    let mut reader = csv::Reader::from_reader(&csv[BOM.len()..]);
    let headers = reader.headers().unwrap().clone();
    assert!(!headers.iter().any(|h| h.contains("author") || h.contains("status") || h.contains("report")), "{headers:?}");
    let id_column = headers.iter().position(|h| h == "id").unwrap();
    let ids: Vec<String> = reader.records().map(|r| r.unwrap()[id_column].to_owned()).collect();
    assert_eq!(ids.len(), 3);
    assert_eq!(ids.into_iter().collect::<HashSet<_>>(), published);
    let items = get_json(&app, &format!("/open-data/consultations/{}/comments.json", w.consultation)).await;
    let ids: HashSet<String> = items.as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids, published);
    assert!(items[0].get("author").is_none());
}

#[tokio::test]
async fn drafts_and_withdrawn_consultations_have_no_open_data() {
    // One consultation a batch: the index spans several batches.
    let app = spawn_with(|c| {
        no_limits(c);
        c.export_batch_size = 1;
    })
    .await;
    let w = app.world().await;
    let (draft, _) = app.draft(&w.staff, &w.department, json!({})).await;
    let (upcoming, _) = app.draft(&w.staff, &w.department, json!({ "opensAt": from_now(3600), "closesAt": from_now(7200) })).await;
    app.publish(&w.staff, &upcoming).await;
    let (withdrawn, _) = app.draft(&w.staff, &w.department, json!({ "opensAt": from_now(3600), "closesAt": from_now(7200) })).await;
    app.publish(&w.staff, &withdrawn).await;
    app.ok(Some(&w.staff), "mutation($id: ID!) { withdrawConsultation(id: $id, reason: \"暂缓\") { id } }", json!({ "id": withdrawn })).await;

    let index = get_json(&app, "/open-data/consultations.json").await;
    let listed: HashSet<&str> = index.as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(listed, HashSet::from([w.consultation.as_str(), upcoming.as_str()]));
    let upcoming_entry = index.as_array().unwrap().iter().find(|c| c["id"] == upcoming.as_str()).unwrap();
    assert_eq!(upcoming_entry["status"], "UPCOMING");

    for hidden in [&draft, &withdrawn] {
        for path in [format!("{hidden}.json"), format!("{hidden}/comments.csv"), format!("{hidden}/comments.json")] {
            let (status, body) = get(&app, &format!("/open-data/consultations/{path}")).await;
            assert_eq!(status, 404, "{path}");
            let body: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
        }
    }
    for path in ["nope.json", &format!("{}.xml", w.consultation), &format!("{}/comments.xlsx", w.consultation), "nope/comments.csv"] {
        assert_eq!(get(&app, &format!("/open-data/consultations/{path}")).await.0, 404, "{path}");
    }
    assert_eq!(get(&app, &format!("/open-data/consultations/{upcoming}.json")).await.0, 200);
}

#[tokio::test]
async fn open_data_is_served_to_any_site() {
    let app = spawn_with(|c| {
        no_limits(c);
        c.cors_origins = vec!["https://consult.example.cn".to_owned()];
    })
    .await;
    let response = app
        .http
        .get(format!("{}/open-data/consultations.json", app.url))
        .header("Origin", "https://data-journalism.example.org")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["access-control-allow-origin"], "https://data-journalism.example.org");
    assert_eq!(response.json::<Value>().await.unwrap(), json!([]));
}
