//! Anonymous query responses are served again for a moment, but never after a public write.

use gongkai_tests::{no_limits, spawn_with};
use serde_json::json;

async fn cache_hits(app: &gongkai_tests::TestApp) -> u64 {
    let text = app.http.get(format!("{}/metrics", app.url)).send().await.expect("metrics").text().await.expect("text");
    text.lines()
        .find_map(|l| l.strip_prefix("gongkai_response_cache_hits_total "))
        .and_then(|n| n.trim().parse().ok())
        .expect("the cache-hit counter")
}

const COUNT: &str = "query($id: ID!) { consultation(id: $id) { commentCount } }";

#[tokio::test]
async fn anonymous_reads_are_cached_until_a_public_write_commits() {
    let app = spawn_with(no_limits).await;
    let w = app.world().await;
    let (citizen, _) = app.citizen("读者").await;
    let before = cache_hits(&app).await;
    let first = app.ok(None, COUNT, json!({ "id": w.consultation })).await;
    let second = app.ok(None, COUNT, json!({ "id": w.consultation })).await;
    assert_eq!(first, second);
    let after = cache_hits(&app).await;
    assert!(after > before, "the second identical anonymous read comes from the cache");

    app.comment(&citizen, &w.consultation, "新的意见").await;
    let fresh = app.ok(None, COUNT, json!({ "id": w.consultation })).await;
    assert_eq!(fresh["consultation"]["commentCount"], 1, "a committed comment is seen at once");

    // Signed-in readers are never served from the cache.
    let signed = app.ok(Some(&citizen), COUNT, json!({ "id": w.consultation })).await;
    assert_eq!(signed["consultation"]["commentCount"], 1);
    let hits = cache_hits(&app).await;
    app.ok(Some(&citizen), COUNT, json!({ "id": w.consultation })).await;
    assert_eq!(cache_hits(&app).await, hits);
}

#[tokio::test]
async fn a_zero_cache_setting_turns_the_cache_off() {
    let app = spawn_with(|c| {
        no_limits(c);
        c.response_cache = std::time::Duration::ZERO;
    })
    .await;
    let w = app.world().await;
    let before = cache_hits(&app).await;
    for _ in 0..3 {
        app.ok(None, COUNT, json!({ "id": w.consultation })).await;
    }
    assert_eq!(cache_hits(&app).await, before);
}
