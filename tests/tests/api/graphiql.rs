//! GraphiQL at `/` in a real browser (Debian's `chromium`, headless) that can reach nothing but the
//! server: the editor renders and the documentation explorer shows the schema's `Query` type, fetched
//! from the same server by the standard introspection query.

use std::process::Command;
use std::time::Duration;

use gongkai_tests::spawn;

/// The browser: `CHROMIUM` when set, else `chromium` on the PATH.
fn chromium() -> Option<String> {
    let candidate = std::env::var("CHROMIUM").unwrap_or_else(|_| "chromium".to_owned());
    let found = Command::new(&candidate).arg("--version").output().is_ok_and(|o| o.status.success());
    found.then_some(candidate)
}

/// The page's DOM after its scripts ran, as headless Chromium sees it with every host but the
/// loopback address unresolvable (so a file fetched from anywhere else would fail to load).
async fn rendered(browser: String, url: String) -> String {
    let profile = std::env::temp_dir().join(format!("gongkai-chromium-{}", uuid::Uuid::new_v4().simple()));
    let output = tokio::task::spawn_blocking(move || {
        let output = Command::new(browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                "--virtual-time-budget=20000",
                "--dump-dom",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(url)
            .output();
        let _ = std::fs::remove_dir_all(&profile);
        output
    });
    let output = tokio::time::timeout(Duration::from_secs(120), output).await.expect("the browser finished in time").expect("join").expect("run chromium");
    assert!(output.status.success(), "chromium failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("a UTF-8 DOM")
}

#[tokio::test]
async fn graphiql_renders_offline_and_shows_the_schema() {
    let Some(browser) = chromium() else {
        gongkai_tests::skipped("no chromium to load GraphiQL in (.ci/run installs Debian's)");
        return;
    };
    let app = spawn().await;
    let dom = rendered(browser, format!("{}/", app.url)).await;
    assert!(dom.contains("<title>公开 Gongkai · GraphQL</title>"), "the project's own page");
    assert!(dom.contains("graphiql-container"), "GraphiQL rendered: {}", &dom[..dom.len().min(2000)]);
    assert!(dom.contains("CodeMirror"), "the editor rendered");
    assert!(dom.contains("OpenConsultations"), "the default query is in the editor");
    let root_type = "<span class=\"graphiql-doc-explorer-root-type\">query</span>: <a class=\"graphiql-doc-explorer-type-name\" href=\"#\">Query</a>";
    assert!(dom.contains(root_type), "the docs explorer shows the Query type");
}

#[tokio::test]
async fn the_graphiql_page_loads_nothing_from_elsewhere() {
    let app = spawn().await;
    let page = app.http.get(format!("{}/", app.url)).send().await.expect("the page").text().await.expect("text");
    for attribute in ["src=\"", "href=\""] {
        for (i, _) in page.match_indices(attribute) {
            let value = &page[i + attribute.len()..];
            assert!(value.starts_with('/') || value.starts_with('#'), "{attribute}{}", &value[..value.len().min(60)]);
        }
    }
    for (file, kind) in [("graphiql.min.js", "text/javascript"), ("graphiql.min.css", "text/css"), ("react.production.min.js", "text/javascript"), ("react-dom.production.min.js", "text/javascript")] {
        let response = app.http.get(format!("{}/assets/graphiql/{file}", app.url)).send().await.expect("an asset");
        assert_eq!(response.status(), 200, "{file}");
        let content_type = response.headers()["content-type"].to_str().expect("a content type").to_owned();
        assert!(content_type.starts_with(kind), "{file}: {content_type}");
        assert!(response.bytes().await.expect("bytes").len() > 1000, "{file} is served whole");
    }
    let missing = app.http.get(format!("{}/assets/graphiql/../Cargo.toml", app.url)).send().await.expect("an answer");
    assert_eq!(missing.status(), 404);
}
