//! Anonymous query responses (and signed-in readers' shared templates) are served again for a moment,
//! but never after a public write.

use gongkai_tests::{no_limits, spawn_with};
use serde_json::json;

/// Responses served from the cache so far (`gongkai_response_cache_hits_total`).
pub(crate) async fn cache_hits(app: &gongkai_tests::TestApp) -> u64 {
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

    // Signed-in citizens share their scope's template of the page (tests/api/shared_pages.rs), which
    // follows the same writes.
    let signed = app.ok(Some(&citizen), COUNT, json!({ "id": w.consultation })).await;
    assert_eq!(signed["consultation"]["commentCount"], 1);
    let hits = cache_hits(&app).await;
    app.ok(Some(&citizen), COUNT, json!({ "id": w.consultation })).await;
    assert_eq!(cache_hits(&app).await, hits + 1);
    app.comment(&citizen, &w.consultation, "又一条意见").await;
    let signed = app.ok(Some(&citizen), COUNT, json!({ "id": w.consultation })).await;
    assert_eq!(signed["consultation"]["commentCount"], 2, "a committed comment is seen at once by signed-in readers too");
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

/// `GET /graphql` with these query-string parameters.
async fn get(app: &gongkai_tests::TestApp, params: &[(&str, String)], headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = app.http.get(format!("{}/graphql", app.url)).query(params);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("GET /graphql")
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

#[tokio::test]
async fn anonymous_get_queries_carry_cache_headers_and_answer_304_and_nothing_private_is_cacheable() {
    let app = spawn_with(no_limits).await;
    let w = app.world().await;
    let params = vec![("query", COUNT.to_owned()), ("variables", json!({ "id": w.consultation }).to_string())];
    let first = get(&app, &params, &[]).await;
    assert_eq!(first.status(), 200);
    assert_eq!(header(&first, "cache-control"), "public, max-age=5");
    assert!(header(&first, "vary").contains("accept-language"));
    let etag = header(&first, "etag");
    assert!(etag.starts_with("W/\"") && etag.len() > 10, "{etag}");
    let body: serde_json::Value = first.json().await.expect("JSON");
    assert_eq!(body["data"]["consultation"]["commentCount"], 0);

    // The client (or nginx) holding that answer gets a 304 without a body; a stale tag gets the answer.
    let again = get(&app, &params, &[("If-None-Match", &etag)]).await;
    assert_eq!(again.status(), 304);
    assert_eq!(header(&again, "etag"), etag);
    assert!(again.bytes().await.expect("body").is_empty());
    let stale = get(&app, &params, &[("If-None-Match", "W/\"not-this-one\"")]).await;
    assert_eq!(stale.status(), 200);
    // Once a comment is published the answer, and its tag, change.
    let (citizen, _) = app.citizen("读者").await;
    app.comment(&citizen, &w.consultation, "新意见").await;
    let changed = get(&app, &params, &[("If-None-Match", &etag)]).await;
    assert_eq!(changed.status(), 200);
    assert_ne!(header(&changed, "etag"), etag);

    // Never cacheable: a signed-in reader's GET (even of public data), any POST, an error.
    let signed_in = get(&app, &params, &[("Authorization", &format!("Bearer {citizen}"))]).await;
    assert_eq!(header(&signed_in, "cache-control"), "no-store");
    assert_eq!(header(&signed_in, "etag"), "");
    let bad_token = get(&app, &params, &[("Authorization", "Bearer not-a-session")]).await;
    assert_eq!(header(&bad_token, "cache-control"), "no-store");
    let post = app.http.post(format!("{}/graphql", app.url)).json(&json!({ "query": COUNT, "variables": { "id": w.consultation } })).send().await.expect("POST");
    assert_eq!(header(&post, "cache-control"), "no-store");
    let error = get(&app, &[("query", "{ consultation(id: \"nope\") { id } }".to_owned())], &[]).await;
    assert_eq!(header(&error, "cache-control"), "no-store");
    let me = get(&app, &[("query", "{ me { id email } }".to_owned())], &[("Authorization", &format!("Bearer {citizen}"))]).await;
    assert_eq!(header(&me, "cache-control"), "no-store");
}

#[tokio::test]
async fn automatic_persisted_queries_follow_apollos_protocol_over_post_and_get() {
    let app = spawn_with(no_limits).await;
    let w = app.world().await;
    use sha2::Digest;
    let hash: String = sha2::Sha256::digest(COUNT.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    let persisted = |hash: &str| json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let post = |body: serde_json::Value| {
        let http = app.http.clone();
        let url = format!("{}/graphql", app.url);
        async move { http.post(url).json(&body).send().await.expect("POST").json::<serde_json::Value>().await.expect("JSON") }
    };
    // The hash alone, unknown: the protocol's answer, so the client sends the text.
    let unknown = post(json!({ "variables": { "id": w.consultation }, "extensions": persisted(&hash) })).await;
    assert_eq!(unknown["errors"][0]["message"], "PersistedQueryNotFound");
    assert_eq!(unknown["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND");
    // A text whose hash is not the one sent is refused and not kept.
    let wrong = post(json!({ "query": "{ me { id } }", "extensions": persisted(&hash) })).await;
    assert_eq!(wrong["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(wrong["errors"][0]["extensions"]["fields"][0]["field"], "extensions.persistedQuery.sha256Hash");
    let version = post(json!({ "query": COUNT, "variables": { "id": w.consultation }, "extensions": { "persistedQuery": { "version": 2, "sha256Hash": hash } } })).await;
    assert_eq!(version["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    // The text with its hash runs and is kept; then the hash alone runs, over POST and over GET.
    let registered = post(json!({ "query": COUNT, "variables": { "id": w.consultation }, "extensions": persisted(&hash) })).await;
    assert_eq!(registered["data"]["consultation"]["commentCount"], 0);
    let by_hash = post(json!({ "variables": { "id": w.consultation }, "extensions": persisted(&hash) })).await;
    assert_eq!(by_hash["data"]["consultation"]["commentCount"], 0);
    let params = vec![("variables", json!({ "id": w.consultation }).to_string()), ("extensions", persisted(&hash).to_string())];
    let over_get = get(&app, &params, &[]).await;
    assert_eq!(over_get.status(), 200);
    assert_eq!(header(&over_get, "cache-control"), "public, max-age=5", "a short URL a cache in front can key on");
    let body: serde_json::Value = over_get.json().await.expect("JSON");
    assert_eq!(body["data"]["consultation"]["commentCount"], 0);
    // A persisted mutation is still no GET.
    let mutation = "mutation { logout }";
    let mutation_hash: String = sha2::Sha256::digest(mutation.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    post(json!({ "query": mutation, "extensions": persisted(&mutation_hash) })).await;
    let refused = get(&app, &[("extensions", persisted(&mutation_hash).to_string())], &[]).await;
    assert_eq!(refused.status(), 405);
}
