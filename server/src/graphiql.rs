//! GraphiQL at `/`, with every file it loads served by the binary itself (`assets/graphiql/`), so
//! that the page works where nothing but the server can be reached.

use poem::http::{header, StatusCode};
use poem::web::{Html, Path};
use poem::{handler, IntoResponse, Response};

/// The files under `/assets/graphiql/`: name, content type, bytes.
const ASSETS: &[(&str, &str, &[u8])] = &[
    ("graphiql.min.js", "text/javascript; charset=utf-8", include_bytes!("../assets/graphiql/graphiql.min.js")),
    ("graphiql.min.css", "text/css; charset=utf-8", include_bytes!("../assets/graphiql/graphiql.min.css")),
    ("react.production.min.js", "text/javascript; charset=utf-8", include_bytes!("../assets/graphiql/react.production.min.js")),
    ("react-dom.production.min.js", "text/javascript; charset=utf-8", include_bytes!("../assets/graphiql/react-dom.production.min.js")),
];

/// The query the editor opens with: it runs as is against the demo data (`gongkai seed-demo`).
const DEFAULT_QUERY: &str = r#"# 公开 Gongkai: the GraphQL API of the public-participation platform.
# Press the run button (or Ctrl-Enter). The schema is in the documentation explorer on the left.
query OpenConsultations {
  consultations(filter: { status: OPEN }, first: 10) {
    totalCount
    edges {
      node {
        id
        title
        status
        closesAt
        commentCount
        leadDepartment { name }
      }
    }
  }
}

# Sign in, then put the token in the Headers tab below:
#   { "Authorization": "Bearer <token>" }
mutation SignIn {
  login(input: { email: "citizen@demo.gongkai.test", password: "the password seed-demo printed" }) {
    token
    expiresAt
    user { displayName role }
  }
}
"#;

const PAGE: &str = r#"<!doctype html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>公开 Gongkai · GraphQL</title>
  <link rel="stylesheet" href="/assets/graphiql/graphiql.min.css">
  <style>
    html, body { margin: 0; height: 100%; }
    body { display: flex; flex-direction: column; font-family: system-ui, sans-serif; }
    #about { padding: 6px 12px; font-size: 13px; line-height: 1.5; background: #f3f5f8; border-bottom: 1px solid #d9dde3; }
    #about code { background: #e6e9ee; padding: 0 3px; border-radius: 3px; }
    #graphiql { flex: 1; min-height: 0; }
  </style>
</head>
<body>
  <div id="about">
    <strong>公开 Gongkai</strong> · GraphQL <code>POST /graphql</code> · 订阅 / subscriptions <code>/graphql/ws</code>.
    登录：运行 <code>login</code> 变更，把返回的令牌填入下方 Headers：<code>{"Authorization": "Bearer &lt;token&gt;"}</code>。
    Sign in with the <code>login</code> mutation and put its token in the Headers tab below as
    <code>{"Authorization": "Bearer &lt;token&gt;"}</code>; without it you are anonymous.
  </div>
  <div id="graphiql">Loading GraphiQL… 正在加载…</div>
  <script src="/assets/graphiql/react.production.min.js"></script>
  <script src="/assets/graphiql/react-dom.production.min.js"></script>
  <script src="/assets/graphiql/graphiql.min.js"></script>
  <script>
    const fetcher = GraphiQL.createFetcher({ url: "/graphql" });
    const root = ReactDOM.createRoot(document.getElementById("graphiql"));
    root.render(React.createElement(GraphiQL, {
      fetcher,
      defaultQuery: __DEFAULT_QUERY__,
      defaultEditorToolsVisibility: true,
      visiblePlugin: "Documentation Explorer",
    }));
  </script>
</body>
</html>
"#;

#[handler]
pub fn page() -> impl IntoResponse {
    // The default query as a JavaScript string literal (JSON is one), `<` escaped so that no text in
    // it can close the script element.
    let query = serde_json::to_string(DEFAULT_QUERY).unwrap_or_else(|_| "\"\"".to_owned()).replace('<', "\\u003c");
    Html(PAGE.replace("__DEFAULT_QUERY__", &query))
}

#[handler]
pub fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(file, _, _)| *file == name) {
        Some((_, content_type, bytes)) => Response::builder()
            .content_type(*content_type)
            .header(header::CACHE_CONTROL, "public, max-age=86400")
            .body(*bytes),
        None => Response::builder().status(StatusCode::NOT_FOUND).body("Not found"),
    }
}
