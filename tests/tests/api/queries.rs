//! No N+1: the SQL statements a page costs do not grow with the page. Counted by the server itself
//! (`gongkai_db_statements_total` in /metrics, every statement through the pool).

use gongkai_tests::{no_limits, spawn_with, TestApp};
use serde_json::{json, Value};

use crate::support::{self, cast};

async fn statements_so_far(app: &TestApp) -> u64 {
    let text = app.http.get(format!("{}/metrics", app.url)).send().await.expect("metrics").text().await.expect("text");
    text.lines()
        .find_map(|line| line.strip_prefix("gongkai_db_statements_total "))
        .and_then(|n| n.trim().parse().ok())
        .expect("gongkai_db_statements_total in /metrics")
}

/// Waits until the server's background workers (similar groups placing the comments just written,
/// the outbox) have stopped running statements: the count counts theirs too, and on a loaded machine
/// they can still be at work while a page is measured. Quiet is two readings 200 ms apart that differ
/// by no more than a reading's own statements.
async fn settle(app: &TestApp) {
    let mut last = statements_so_far(app).await;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let now = statements_so_far(app).await;
        if now - last <= 2 {
            return;
        }
        last = now;
    }
}

/// The statements one run of the query costs: the least of three runs, so that a cache refilled
/// between them (the accounts behind sessions live ten seconds) counts for nothing, once the
/// background work has settled.
pub(crate) async fn statements_of(app: &TestApp, token: Option<&str>, query: &str, variables: Value) -> u64 {
    settle(app).await;
    let mut least = u64::MAX;
    for _ in 0..3 {
        let before = statements_so_far(app).await;
        app.ok(token, query, variables.clone()).await;
        least = least.min(statements_so_far(app).await - before);
    }
    least
}

const STAFF_PAGE: &str = "query($id: ID!, $first: Int) { consultation(id: $id) {
  title sections { id } cooperatingDepartments { code } unrepliedCount
  comments(first: $first) { totalCount edges { node {
    id body stance status duplicateCount viewerHasEndorsed reportCount reports { reason detail }
    replies { body adoption department { name } } author { displayName email } section { ordinal heading }
    consultation { title leadDepartment { name } sections { id } }
  } } }
} }";

const PUBLIC_LIST: &str = "query($first: Int) { consultations(first: $first) { totalCount edges { node {
  title commentCount sections { id heading } cooperatingDepartments { code name } leadDepartment { name }
} } } }";

#[tokio::test]
async fn a_comment_page_costs_the_same_statements_at_any_size() {
    let app = spawn_with(|c| {
        no_limits(c);
        c.response_cache = std::time::Duration::ZERO;
    })
    .await;
    let c = cast(&app).await;
    let id = c.consultation(&app, json!({})).await;
    let citizens = support::accounts(&app, 30, "CITIZEN", None).await;
    let mut comments = Vec::new();
    for (i, who) in citizens.iter().enumerate() {
        comments.push(support::submit_ok(&app, &who.token, &id, "SUPPORT", &format!("第{}条意见", i % 20), None).await);
    }
    // Every comment replied to and reported, so that both pages need every kind of row.
    for comment in &comments {
        support::reply(&app, &c.lead_staff.token, comment, "ADOPTED").await.data();
    }
    for comment in &comments {
        support::report(&app, &c.citizen.token, comment, "SPAM").await.data();
    }
    for viewer in [&c.lead_staff, &c.coop_staff, &c.admin] {
        let small = statements_of(&app, Some(&viewer.token), STAFF_PAGE, json!({ "id": id, "first": 2 })).await;
        let large = statements_of(&app, Some(&viewer.token), STAFF_PAGE, json!({ "id": id, "first": 30 })).await;
        // A loader's keys may arrive in two batches instead of one (its 1-ms window), never in 28 more.
        assert!(large <= small + 2, "{}: 2 comments took {small} statements, 30 took {large}", viewer.email);
        assert!(large <= 16, "{}: a staff page of 30 took {large} statements", viewer.email);
    }
    let anonymous = statements_of(&app, None, STAFF_PAGE.replace("reportCount reports { reason detail }", "").as_str(), json!({ "id": id, "first": 30 })).await;
    assert!(anonymous <= 16, "an anonymous page took {anonymous} statements");
}

#[tokio::test]
async fn a_consultation_list_costs_the_same_statements_at_any_size() {
    let app = spawn_with(|c| {
        no_limits(c);
        c.response_cache = std::time::Duration::ZERO;
    })
    .await;
    let c = cast(&app).await;
    for _ in 0..12 {
        c.consultation(&app, json!({})).await;
    }
    for viewer in [None, Some(c.other_staff.token.as_str()), Some(c.admin.token.as_str())] {
        let small = statements_of(&app, viewer, PUBLIC_LIST, json!({ "first": 2 })).await;
        let large = statements_of(&app, viewer, PUBLIC_LIST, json!({ "first": 12 })).await;
        assert!(large <= small + 2, "2 consultations took {small} statements, 12 took {large}");
    }
}
