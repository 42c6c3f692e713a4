//! Signed-in pages shared within a scope (issue 16, `graphql::shared`): the citizens, the admins, or
//! the staff of one department read one template of a page, filled in with each reader's own
//! endorsements. Each visibility rule is checked on that path: no reader ever gets another's
//! endorsements or personal data, nor a scope's moderation view from another scope.

use gongkai_tests::{no_limits, spawn_with, TestApp};
use serde_json::{json, Value};

use crate::cache::cache_hits;
use crate::support::op;

/// The front end's comment page (with `viewerHasEndorsed`), keyed by comment id.
async fn page(app: &TestApp, token: Option<&str>, consultation: &str) -> Vec<(String, Value)> {
    let data = app.ok(token, &op("citizen", "ConsultationComments"), json!({ "id": consultation, "first": 20 })).await;
    data["consultation"]["comments"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| (e["node"]["id"].as_str().expect("id").to_owned(), e["node"].clone()))
        .collect()
}

fn endorsed(page: &[(String, Value)], comment: &str) -> bool {
    page.iter().find(|(id, _)| id == comment).map(|(_, n)| n["viewerHasEndorsed"].as_bool().expect("a boolean")).expect("the comment is on the page")
}

async fn endorse(app: &TestApp, token: &str, comment: &str) {
    app.ok(Some(token), &op("citizen", "EndorseComment"), json!({ "id": comment })).await;
}

#[tokio::test]
async fn a_shared_page_carries_each_readers_own_endorsements_and_nobody_elses() {
    let app = spawn_with(no_limits).await;
    let w = app.world().await;
    let (alice, _) = app.citizen("甲").await;
    let (bob, _) = app.citizen("乙").await;
    let (carol, _) = app.citizen("丙").await;
    let first = app.comment(&carol, &w.consultation, "第一条意见：建议延长公示期").await;
    let second = app.comment(&carol, &w.consultation, "第二条意见：建议公开听证记录").await;
    endorse(&app, &alice, &first).await;
    endorse(&app, &bob, &second).await;

    let before = cache_hits(&app).await;
    let a = page(&app, Some(&alice), &w.consultation).await;
    let b = page(&app, Some(&bob), &w.consultation).await;
    let c = page(&app, Some(&carol), &w.consultation).await;
    let anonymous = page(&app, None, &w.consultation).await;
    // Bob and Carol were served the template Alice's read computed.
    assert!(cache_hits(&app).await >= before + 2, "the citizens shared one computation");
    assert_eq!((endorsed(&a, &first), endorsed(&a, &second)), (true, false));
    assert_eq!((endorsed(&b, &first), endorsed(&b, &second)), (false, true));
    assert_eq!((endorsed(&c, &first), endorsed(&c, &second)), (false, false));
    assert_eq!((endorsed(&anonymous, &first), endorsed(&anonymous, &second)), (false, false));
    // Everything but the reader's own endorsements is what the public reads.
    let strip = |p: &[(String, Value)]| -> Vec<Value> {
        p.iter()
            .map(|(_, n)| {
                let mut n = n.clone();
                n["viewerHasEndorsed"] = Value::Null;
                n
            })
            .collect()
    };
    assert_eq!(strip(&a), strip(&anonymous));
    assert_eq!(strip(&b), strip(&anonymous));

    // An endorsement taken back shows at once, on the reader's next page.
    app.ok(Some(&alice), &op("citizen", "RemoveEndorsement"), json!({ "id": first })).await;
    assert!(!endorsed(&page(&app, Some(&alice), &w.consultation).await, &first));
    endorse(&app, &bob, &first).await;
    let b = page(&app, Some(&bob), &w.consultation).await;
    assert_eq!((endorsed(&b, &first), endorsed(&b, &second)), (true, true));
    assert_eq!(endorsed(&page(&app, Some(&alice), &w.consultation).await, &first), false);
}

#[tokio::test]
async fn personal_data_is_never_shared_between_citizens() {
    let app = spawn_with(no_limits).await;
    let w = app.world().await;
    let (alice, _) = app.citizen("甲").await;
    let (bob, _) = app.citizen("乙").await;
    let mine = app.comment(&alice, &w.consultation, "我自己的意见").await;
    let query = "query($id: ID!) { consultation(id: $id) { comments(first: 20) { edges { node { id moderationReason author { id displayName email phone } } } } } }";
    // Alice reads her own email; Bob, reading the same page right after, does not.
    for _ in 0..2 {
        let a = app.ok(Some(&alice), query, json!({ "id": w.consultation })).await;
        let node = &a["consultation"]["comments"]["edges"][0]["node"];
        assert_eq!(node["id"], mine.as_str());
        assert!(node["author"]["email"].as_str().is_some_and(|e| e.contains('@')), "{node}");
        let b = app.ok(Some(&bob), query, json!({ "id": w.consultation })).await;
        let node = &b["consultation"]["comments"]["edges"][0]["node"];
        assert_eq!((node["author"]["email"].clone(), node["author"]["phone"].clone()), (Value::Null, Value::Null), "{node}");
        let anonymous = app.ok(None, query, json!({ "id": w.consultation })).await;
        assert_eq!(anonymous["consultation"]["comments"]["edges"][0]["node"]["author"]["email"], Value::Null);
    }
}

#[tokio::test]
async fn the_moderation_view_is_shared_within_a_department_and_never_outside_it() {
    let app = spawn_with(no_limits).await;
    let w = app.world().await;
    let other_department = app.department(&w.admin, &format!("O{}", &uuid::Uuid::new_v4().simple().to_string()[..8])).await;
    let other_staff = app.staff(&w.admin, &other_department).await;
    let colleague = app.staff(&w.admin, &w.department).await;
    let (author, _) = app.citizen("作者").await;
    let (reporter, _) = app.citizen("举报人").await;
    let comment = app.comment(&author, &w.consultation, "需要审核的意见").await;
    app.ok(Some(&reporter), &op("citizen", "ReportComment"), json!({ "input": { "commentId": comment, "reason": "SPAM" } })).await;
    let query = "query($id: ID!) { consultation(id: $id) { comments(first: 20) { edges { node { id reportCount duplicateGroupId viewerHasEndorsed author { displayName email } } } } } }";
    let node = |data: Value| data["consultation"]["comments"]["edges"][0]["node"].clone();

    let before = cache_hits(&app).await;
    let lead = node(app.ok(Some(&w.staff), query, json!({ "id": w.consultation })).await);
    let same_department = node(app.ok(Some(&colleague), query, json!({ "id": w.consultation })).await);
    assert!(cache_hits(&app).await > before, "the colleague read the department's template");
    for seen in [&lead, &same_department] {
        assert_eq!(seen["reportCount"], 1, "{seen}");
        assert!(seen["author"]["email"].as_str().is_some_and(|e| e.contains('@')), "{seen}");
        assert!(seen["duplicateGroupId"].is_string());
    }
    // Staff of another department read the public view, from a template of their own.
    let outsider = node(app.ok(Some(&other_staff), query, json!({ "id": w.consultation })).await);
    assert_eq!((outsider["reportCount"].clone(), outsider["author"]["email"].clone()), (Value::Null, Value::Null), "{outsider}");
    assert!(outsider["duplicateGroupId"].is_null());
    // An admin moderates everything.
    let admin = node(app.ok(Some(&w.admin), query, json!({ "id": w.consultation })).await);
    assert_eq!(admin["reportCount"], 1);
    assert!(admin["author"]["email"].is_string());
    // A citizen may not even ask a shared question with these fields: computed for them, it shows nothing private.
    let citizen = node(app.ok(Some(&reporter), query, json!({ "id": w.consultation })).await);
    assert_eq!((citizen["reportCount"].clone(), citizen["author"]["email"].clone()), (Value::Null, Value::Null));
}

#[tokio::test]
async fn a_draft_is_shared_only_with_those_who_may_see_it() {
    let app = spawn_with(no_limits).await;
    let w = app.world().await;
    let (draft, _) = app.draft(&w.staff, &w.department, json!({ "title": "尚未发布的草案" })).await;
    let other_department = app.department(&w.admin, &format!("P{}", &uuid::Uuid::new_v4().simple().to_string()[..8])).await;
    let other_staff = app.staff(&w.admin, &other_department).await;
    let (citizen, _) = app.citizen("市民").await;
    let query = "query($id: ID!) { consultation(id: $id) { id title comments(first: 5) { totalCount } } }";
    for _ in 0..2 {
        assert_eq!(app.ok(Some(&w.staff), query, json!({ "id": draft })).await["consultation"]["title"], "尚未发布的草案");
        assert_eq!(app.ok(Some(&w.admin), query, json!({ "id": draft })).await["consultation"]["title"], "尚未发布的草案");
        for token in [Some(other_staff.as_str()), Some(citizen.as_str()), None] {
            assert_eq!(app.code(token, query, json!({ "id": draft })).await, "NOT_FOUND", "a draft leaked to another scope");
        }
    }
}
