//! Similar groups: campaign letters with words added, cut or replaced fall into one group, unrelated
//! texts do not; every exact duplicate group lies inside one similar group; largest first; counters;
//! only the consultation's staff and admins read them.

use gongkai_tests::{no_limits, spawn_with, TestApp};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};

use crate::support::{self, op};

pub const LETTER: &str = "我们强烈要求在本小区东侧增设公交站点，并延长末班车运营时间，方便老年人和上班族出行。同时希望改善人行道照明，确保夜间行人安全，恳请有关部门认真研究采纳。";
pub const OTHER_LETTER: &str = "关于垃圾分类投放点的设置，建议每栋楼下设置分类垃圾桶，定时定点收运，并配备督导员指导居民正确分类，减少异味和蚊虫滋生，改善社区环境卫生。";

/// The campaign letter edited as campaigners edit it: words added, cut and replaced.
pub fn edited_letters() -> Vec<String> {
    vec![
        format!("尊敬的领导：{LETTER}谢谢！"),
        LETTER.replace("强烈", "").replace("，恳请有关部门认真研究采纳", ""),
        LETTER.replace("老年人", "老人").replace("上班族", "通勤居民"),
        LETTER.replace("末班车", "夜班车").replace("东侧", "西侧") + "此致敬礼",
    ]
}

pub const UNRELATED: [&str; 5] = [
    "建议在学校周边增设减速带和人行横道，保障学生上下学安全。",
    "希望加快老旧小区加装电梯的审批流程，简化材料，减少居民跑腿。",
    "公园的健身器材老化严重，请尽快维修更换，并增加儿童游乐设施。",
    "反对在居民区附近建设大型物流仓库，噪音和货车通行影响生活。",
    "支持推进政务服务一网通办，建议增加线下帮办窗口照顾不会用手机的群众。",
];

/// Waits until the similar-group worker has placed every comment written so far.
pub async fn placed(app: &TestApp) {
    for _ in 0..400 {
        if gongkai::services::similar::unplaced(&app.state.db.conn).await.expect("count unplaced") == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the similar-group worker never placed every comment");
}

async fn groups(app: &TestApp, token: &str, consultation: &str, first: i32, after: Option<&str>) -> Value {
    app.ok(Some(token), &op("dashboard", "SimilarGroups"), json!({ "id": consultation, "first": first, "after": after })).await["consultation"]["similarGroups"].clone()
}

fn sizes(connection: &Value) -> Vec<i64> {
    connection["edges"].as_array().expect("edges").iter().map(|e| e["node"]["size"].as_i64().expect("size")).collect()
}

#[tokio::test]
async fn edited_campaign_letters_form_one_similar_group_and_unrelated_texts_none() {
    let app = spawn_with(no_limits).await;
    let w = app.world().await;
    let citizens = support::citizens(&app, 3).await;
    let mut campaign = Vec::new();
    // The letter itself three times (an exact group), then its edited versions.
    for i in 0..3 {
        campaign.push(support::submit_ok(&app, &citizens[i].token, &w.consultation, "SUPPORT", LETTER, None).await);
    }
    for (i, text) in edited_letters().iter().enumerate() {
        campaign.push(support::submit_ok(&app, &citizens[i % 3].token, &w.consultation, "SUPPORT", text, None).await);
    }
    let mut other = Vec::new();
    other.push(support::submit_ok(&app, &citizens[0].token, &w.consultation, "OPPOSE", OTHER_LETTER, None).await);
    other.push(support::submit_ok(&app, &citizens[1].token, &w.consultation, "OPPOSE", &format!("{OTHER_LETTER}望采纳"), None).await);
    for text in UNRELATED {
        support::submit_ok(&app, &citizens[2].token, &w.consultation, "NEUTRAL", text, None).await;
    }
    placed(&app).await;

    let all = groups(&app, &w.staff, &w.consultation, 20, None).await;
    assert_eq!(sizes(&all), [7, 2], "the campaign, then the other letter; no unrelated text groups: {all}");
    assert_eq!(all["totalCount"], 2);
    let first = &all["edges"][0]["node"];
    assert_eq!(first["sample"]["id"], campaign[0].as_str(), "the sample is the group's first comment");
    assert_eq!(first["sample"]["body"], LETTER);
    assert_eq!(first["repliedCount"], 0);
    assert_eq!(all["edges"][1]["node"]["sample"]["id"], other[0].as_str());

    // Largest first, page by page with the cursor.
    let page = groups(&app, &w.staff, &w.consultation, 1, None).await;
    assert_eq!(sizes(&page), [7]);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let next = groups(&app, &w.staff, &w.consultation, 1, page["pageInfo"]["endCursor"].as_str()).await;
    assert_eq!(sizes(&next), [2]);
    assert_eq!(next["pageInfo"]["hasNextPage"], false);

    // A later edited letter joins the campaign's group.
    support::submit_ok(&app, &citizens[0].token, &w.consultation, "SUPPORT", &LETTER.replace("认真研究", "尽快研究"), None).await;
    placed(&app).await;
    assert_eq!(sizes(&groups(&app, &w.staff, &w.consultation, 20, None).await), [8, 2]);
}

#[tokio::test]
async fn every_exact_duplicate_group_lies_inside_one_similar_group() {
    let app = spawn_with(no_limits).await;
    let w = app.world().await;
    let citizens = support::citizens(&app, 2).await;
    // The same letter, differing only in what the fingerprint ignores, before and after other texts.
    let variants = [LETTER.to_owned(), LETTER.replace('，', ","), format!("  {LETTER}  "), LETTER.replace('。', "")];
    for (i, text) in variants.iter().enumerate() {
        support::submit_ok(&app, &citizens[i % 2].token, &w.consultation, "SUPPORT", text, None).await;
        support::submit_ok(&app, &citizens[i % 2].token, &w.consultation, "NEUTRAL", UNRELATED[i], None).await;
        if i == 1 {
            placed(&app).await;
        }
    }
    for text in edited_letters() {
        support::submit_ok(&app, &citizens[0].token, &w.consultation, "SUPPORT", &text, None).await;
    }
    placed(&app).await;
    // Over the rows themselves: each duplicate group's comments have one surviving similar group.
    let db = &app.state.db.conn;
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT c.duplicate_group_id AS d, COUNT(DISTINCT COALESCE(g.merged_into, g.id)) AS n, COUNT(*) AS members
             FROM comments c JOIN similar_groups g ON g.id = c.similar_group_id GROUP BY c.duplicate_group_id",
        ))
        .await
        .expect("groups");
    assert!(!rows.is_empty());
    let mut largest = 0;
    for row in rows {
        let n: i64 = row.try_get("", "n").expect("n");
        assert_eq!(n, 1, "a duplicate group straddles similar groups");
        largest = largest.max(row.try_get::<i64>("", "members").expect("members"));
    }
    assert_eq!(largest, 4, "the four variants are one exact group");
    let all = groups(&app, &w.staff, &w.consultation, 20, None).await;
    assert_eq!(sizes(&all), [8]);
}

#[tokio::test]
async fn replied_count_follows_replies_to_comments_and_to_duplicate_groups() {
    let app = spawn_with(no_limits).await;
    let w = app.world().await;
    let citizens = support::citizens(&app, 2).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(support::submit_ok(&app, &citizens[i % 2].token, &w.consultation, "SUPPORT", LETTER, None).await);
    }
    let edited = edited_letters();
    ids.push(support::submit_ok(&app, &citizens[0].token, &w.consultation, "SUPPORT", &edited[0], None).await);
    placed(&app).await;
    support::reply(&app, &w.staff, &ids[3], "EXPLAINED").await.data();
    // A second reply to the same comment does not count it twice.
    support::reply(&app, &w.staff, &ids[3], "ADOPTED").await.data();
    let node = |g: &Value| g["edges"][0]["node"].clone();
    assert_eq!(node(&groups(&app, &w.staff, &w.consultation, 5, None).await)["repliedCount"], 1);
    let group = app.ok(Some(&w.staff), "query($id: ID!) { consultation(id: $id) { duplicateGroups { edges { node { id } } } } }", json!({ "id": w.consultation })).await;
    let group = group["consultation"]["duplicateGroups"]["edges"][0]["node"]["id"].clone();
    app.ok(
        Some(&w.staff),
        &op("staff", "ReplyToDuplicateGroup"),
        json!({ "input": { "groupId": group, "body": "统一答复：已研究。", "adoption": "EXPLAINED" } }),
    )
    .await;
    let g = node(&groups(&app, &w.staff, &w.consultation, 5, None).await);
    assert_eq!((g["size"].as_i64(), g["repliedCount"].as_i64()), (Some(4), Some(4)));
}

#[tokio::test]
async fn similar_groups_are_read_only_by_the_consultations_staff_and_admins() {
    let app = spawn_with(no_limits).await;
    let w = app.world().await;
    let citizen = support::citizen(&app).await;
    for _ in 0..2 {
        support::submit_ok(&app, &citizen.token, &w.consultation, "SUPPORT", LETTER, None).await;
    }
    placed(&app).await;
    let query = op("dashboard", "SimilarGroups");
    let vars = json!({ "id": w.consultation });
    let other_department = app.department(&w.admin, &support::code()).await;
    let outsider = app.staff(&w.admin, &other_department).await;
    assert_eq!(app.code(Some(&citizen.token), &query, vars.clone()).await, "FORBIDDEN");
    assert_eq!(app.code(Some(&outsider), &query, vars.clone()).await, "FORBIDDEN");
    assert_eq!(app.code(None, &query, vars.clone()).await, "UNAUTHENTICATED");
    assert_eq!(sizes(&app.ok(Some(&w.admin), &query, vars.clone()).await["consultation"]["similarGroups"]), [2]);
    assert_eq!(sizes(&app.ok(Some(&w.staff), &query, vars).await["consultation"]["similarGroups"]), [2]);
}

#[tokio::test]
async fn a_comment_near_two_groups_merges_them_with_their_counters() {
    let app = spawn_with(no_limits).await;
    let w = app.world().await;
    let citizen = support::citizen(&app).await;
    let from: Vec<char> = "我们强烈要求在本小区东侧增设公交站点并延长末班车运营时间方便老年人和上班族出行同时希望改善人行道照明确保夜间行人安全".chars().collect();
    let to: Vec<char> = "关于垃圾分类投放点的设置建议每栋楼下设置分类垃圾桶定时定点收运并配备督导员指导居民正确分类减少异味和蚊虫滋生改善社区".chars().collect();
    let (from_text, to_text): (String, String) = (from.iter().collect(), to.iter().collect());
    let mut to_ids = Vec::new();
    for _ in 0..2 {
        support::submit_ok(&app, &citizen.token, &w.consultation, "SUPPORT", &from_text, None).await;
        to_ids.push(support::submit_ok(&app, &citizen.token, &w.consultation, "OPPOSE", &to_text, None).await);
    }
    placed(&app).await;
    assert_eq!(sizes(&groups(&app, &w.staff, &w.consultation, 20, None).await), [2, 2], "two unrelated letters, two groups");
    support::reply(&app, &w.staff, &to_ids[0], "EXPLAINED").await.data();
    // Texts that move from one letter to the other three characters at a time: each joins the group
    // of the one before, and the last, the second letter again, brings its group along.
    for k in 1..=19 {
        let text: String = to[..3 * k].iter().chain(&from[3 * k..]).collect();
        support::submit_ok(&app, &citizen.token, &w.consultation, "NEUTRAL", &text, None).await;
        placed(&app).await;
    }
    support::submit_ok(&app, &citizen.token, &w.consultation, "OPPOSE", &to_text, None).await;
    placed(&app).await;
    let all = groups(&app, &w.staff, &w.consultation, 20, None).await;
    assert_eq!(sizes(&all), [24], "one group after the merge: {all}");
    let merged = &all["edges"][0]["node"];
    assert_eq!(merged["repliedCount"], 1, "the merged group's counters moved to the survivor");
    // The survivor is the older group; the merged one points to it, and the merged group's id names
    // nothing in the list any more.
    let db = &app.state.db.conn;
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), "SELECT COUNT(*) AS n FROM similar_groups WHERE merged_into IS NULL AND size > 0"))
        .await
        .expect("count")
        .expect("a row");
    assert_eq!(row.try_get::<i64>("", "n").expect("n"), 1);
    assert_eq!(merged["sample"]["body"], from_text.as_str());
}

#[tokio::test]
async fn a_page_of_similar_groups_costs_the_same_statements_at_any_size() {
    let app = spawn_with(no_limits).await;
    let w = app.world().await;
    let citizen = support::citizen(&app).await;
    // Twelve groups of two: random hexadecimal texts share almost no shingles.
    for _ in 0..12 {
        let text = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
        for _ in 0..2 {
            support::submit_ok(&app, &citizen.token, &w.consultation, "SUPPORT", &text, None).await;
        }
    }
    placed(&app).await;
    let query = "query($id: ID!, $first: Int) { consultation(id: $id) { similarGroups(first: $first) { totalCount edges { node { id size repliedCount sample { id body stance } } } } } }";
    assert_eq!(sizes(&groups(&app, &w.staff, &w.consultation, 20, None).await), [2; 12]);
    let small = crate::queries::statements_of(&app, Some(&w.staff), query, json!({ "id": w.consultation, "first": 2 })).await;
    let large = crate::queries::statements_of(&app, Some(&w.staff), query, json!({ "id": w.consultation, "first": 12 })).await;
    assert!(large <= small + 1, "2 groups took {small} statements, 12 took {large}");
}
