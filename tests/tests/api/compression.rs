//! Responses are gzipped for clients that accept gzip (the server's `compression` middleware), and
//! sent as they are to the others; what they decode to is the same either way.

use std::io::Read;

use gongkai_tests::{spawn, TestApp};
use serde_json::{json, Value};

/// The types of the schema with their fields and arguments: a large JSON answer (tens of KiB).
const BIG_QUERY: &str = "{ __schema { types { name kind description fields { name description args { name } type { name kind ofType { name kind } } } } } }";

async fn post(app: &TestApp, accept_encoding: Option<&str>) -> reqwest::Response {
    let mut req = app.http.post(format!("{}/graphql", app.url)).json(&json!({ "query": BIG_QUERY }));
    if let Some(value) = accept_encoding {
        req = req.header("Accept-Encoding", value);
    }
    let res = req.send().await.expect("send the request");
    assert_eq!(res.status(), 200);
    res
}

fn header(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers().get(name).map(|v| v.to_str().expect("an ASCII header").to_owned())
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).expect("a gzip body");
    out
}

#[tokio::test]
async fn big_responses_are_gzipped_when_the_client_accepts_gzip() {
    let app = spawn().await;

    let plain = post(&app, None).await;
    assert_eq!(header(&plain, "content-encoding"), None, "no Accept-Encoding, no gzip");
    assert!(header(&plain, "vary").is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding")), "Vary: Accept-Encoding on the plain answer too");
    let plain_bytes = plain.bytes().await.expect("the body");
    let plain_json: Value = serde_json::from_slice(&plain_bytes).expect("JSON");
    assert!(plain_json["data"]["__schema"]["types"].as_array().is_some_and(|t| t.len() > 20), "{plain_json:#}");
    assert!(plain_bytes.len() > 10_000, "a big answer: {} bytes", plain_bytes.len());

    let gzipped = post(&app, Some("br, gzip;q=0.8, deflate")).await;
    assert_eq!(header(&gzipped, "content-encoding").as_deref(), Some("gzip"));
    assert!(header(&gzipped, "vary").is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding")));
    assert_eq!(header(&gzipped, "content-length"), None, "the length of the uncompressed body is not sent");
    let gzipped_bytes = gzipped.bytes().await.expect("the body");
    assert!(gzipped_bytes.len() * 3 < plain_bytes.len(), "compressed: {} → {} bytes", plain_bytes.len(), gzipped_bytes.len());
    let decoded = gunzip(&gzipped_bytes);
    assert_eq!(serde_json::from_slice::<Value>(&decoded).expect("JSON"), plain_json, "the same answer");

    // Refused by quality, or not offered: plain.
    for refusal in ["gzip;q=0", "br, zstd", "identity", "*;q=0"] {
        let res = post(&app, Some(refusal)).await;
        assert_eq!(header(&res, "content-encoding"), None, "Accept-Encoding: {refusal}");
        assert_eq!(res.bytes().await.expect("the body"), plain_bytes, "Accept-Encoding: {refusal}");
    }
    let star = post(&app, Some("*")).await;
    assert_eq!(header(&star, "content-encoding").as_deref(), Some("gzip"), "Accept-Encoding: *");

    // A small answer is sent as it is.
    let small = app.http.get(format!("{}/healthz", app.url)).header("Accept-Encoding", "gzip").send().await.expect("healthz");
    assert_eq!(small.status(), 200);
    assert_eq!(header(&small, "content-encoding"), None, "a small body is not gzipped");

    // A static GraphiQL file and a streamed download are gzipped as well.
    for path in ["/assets/graphiql/graphiql.min.css", "/open-data/consultations.json"] {
        let url = format!("{}{path}", app.url);
        let plain = app.http.get(&url).send().await.expect("GET").bytes().await.expect("the body");
        let res = app.http.get(&url).header("Accept-Encoding", "gzip").send().await.expect("GET");
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(header(&res, "content-encoding").as_deref(), Some("gzip"), "{path}");
        assert_eq!(gunzip(&res.bytes().await.expect("the body")), plain.to_vec(), "{path}");
    }

    // A request body with a Content-Encoding is refused rather than read as JSON.
    let encoded = app
        .http
        .post(format!("{}/graphql", app.url))
        .header("Content-Type", "application/json")
        .header("Content-Encoding", "gzip")
        .body(vec![0x1f, 0x8b, 0x08, 0x00])
        .send()
        .await
        .expect("send the request");
    assert_eq!(encoded.status(), 415);
}
