//! HTTP endpoints: GraphQL (with its own body limit), health, readiness and metrics.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use poem::http::{header, StatusCode};
use poem::web::Data;
use poem::{handler, Body, Request, Response};

use crate::access_log::GraphqlFacts;
use crate::auth::client::client_ip;
use crate::cache::{Body as CachedBody, Lookup, ResponseCache};
use crate::persisted::{Resolved, NOT_FOUND_CODE, NOT_FOUND_MESSAGE};
use crate::graphql::loaders::Loaders;
use crate::graphql::shared;
use crate::graphql::AppSchema;
use crate::services::accounts;
use crate::graphql::context::RequestLocale;
use crate::error::localize_response;
use crate::i18n::{Locale, Text};
use crate::services::authz::Viewer;
use crate::state::AppState;
use crate::util;
use crate::t;

/// Request bodies above this size get HTTP 413, whether or not they declare a length.
pub const MAX_BODY: usize = 1024 * 1024;

#[derive(Default)]
pub struct Metrics {
    pub requests: AtomicU64,
    pub errors: AtomicU64,
    pub micros: AtomicU64,
    pub cache_hits: AtomicU64,
}

pub static METRICS: Metrics =
    Metrics { requests: AtomicU64::new(0), errors: AtomicU64::new(0), micros: AtomicU64::new(0), cache_hits: AtomicU64::new(0) };

/// The language the request asks for in `Accept-Language`, if it is one of ours.
pub fn request_locale(req: &Request) -> RequestLocale {
    RequestLocale(req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Locale::from_accept_language))
}

/// The reader's language (DESIGN): the signed-in account's, else the request's, else the default.
pub fn reader_locale(state: &AppState, viewer: Option<&Viewer>, requested: RequestLocale) -> Locale {
    let account = viewer.and_then(|v| v.user.as_ref()).and_then(|u| u.locale.as_deref());
    Locale::choose(account, requested.0, state.config.default_locale)
}

/// The reader's language for an answer given without reading the account (a link, a refused upload).
pub fn anonymous_locale(state: &AppState, req: &Request) -> Locale {
    reader_locale(state, None, request_locale(req))
}

/// Works out who is asking from the bearer token and the client address.
pub async fn viewer_for(state: &AppState, req: &Request) -> Result<Viewer, crate::error::AppError> {
    let mut viewer = Viewer::anonymous(client_key(state, req));
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty());
    if let Some(token) = token {
        if let Some((user, hash)) = accounts::authenticate(state, token).await? {
            viewer.user = Some(user);
            viewer.token_hash = Some(hash);
        }
    }
    Ok(viewer)
}

/// The keyed hash of the client's address (see `auth::client`), the only form in which it is kept.
pub fn client_key(state: &AppState, req: &Request) -> String {
    let peer: Option<IpAddr> = req.remote_addr().as_socket_addr().map(|a| a.ip());
    let forwarded = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
    let ip = client_ip(peer, forwarded, &state.config.trusted_proxies);
    util::keyed_hash(&state.config.secret_key, ip.map(|i| i.to_string()).unwrap_or_default().as_bytes())
}

/// Errors raised by the GraphQL engine itself (parse, validation, limits, argument coercion) are the
/// client's; every error from a resolver already carries its own code.
pub fn add_missing_codes(response: &mut async_graphql::Response) {
    for error in &mut response.errors {
        let has_code = error.extensions.as_ref().is_some_and(|e| e.get("code").is_some());
        if !has_code {
            error.extensions.get_or_insert_with(Default::default).set("code", "BAD_USER_INPUT");
        }
    }
}

/// An error in the shape GraphQL responses use, for the endpoints that are not GraphQL, in `locale`.
/// The body depends on `Accept-Language`, and says so to caches.
pub fn json_error(status: StatusCode, code: &str, message: Text, locale: Locale) -> Response {
    let body = serde_json::json!({ "errors": [{ "message": message.render(locale), "extensions": { "code": code } }] });
    Response::builder().status(status).content_type("application/json").header(header::VARY, "accept-language").body(body.to_string())
}

/// The GraphQL answer to a request refused before it runs (so before the schema, which localizes
/// every other answer): one error, no data, in `locale`.
pub fn refused(error: crate::error::AppError, locale: Locale) -> async_graphql::Response {
    let mut response = async_graphql::Response::from_errors(vec![error.into_graphql().into_server_error(Default::default())]);
    localize_response(&mut response, locale);
    response
}

/// A GraphQL response holding one error, for requests refused before they run.
pub fn graphql_error(error: crate::error::AppError, locale: Locale) -> Response {
    METRICS.errors.fetch_add(1, Ordering::Relaxed);
    let response = refused(error, locale);
    match serde_json::to_vec(&response) {
        Ok(body) => Response::builder().content_type("application/json").body(body),
        Err(_) => json_error(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_SERVER_ERROR", t!("error-response-encoding"), locale),
    }
}

#[handler]
pub async fn graphql(req: &Request, body: Body, Data(state): Data<&AppState>, Data(schema): Data<&AppSchema>) -> Response {
    let started = Instant::now();
    METRICS.requests.fetch_add(1, Ordering::Relaxed);
    let requested = request_locale(req);
    // Until the account is read, the request's language (or the default).
    let early = reader_locale(state, None, requested);
    let mut request = if req.method() == poem::http::Method::GET {
        let query = req.uri().query().unwrap_or_default();
        match async_graphql::http::parse_query_string(query) {
            // async-graphql reads `operation_name`; GraphQL over HTTP names it `operationName`.
            Ok(mut r) => {
                if r.operation_name.is_none() {
                    r.operation_name = req.params::<GetParams>().ok().and_then(|p| p.operation_name);
                }
                r
            }
            Err(_) => return json_error(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", t!("error-bad-query-string"), early),
        }
    } else {
        let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_BODY as u64) {
            return json_error(StatusCode::PAYLOAD_TOO_LARGE, "BAD_USER_INPUT", t!("error-body-too-large"), early);
        }
        // A chunked body declares no length: it is cut off while reading instead.
        let bytes = match body.into_bytes_limit(MAX_BODY).await {
            Ok(b) => b,
            Err(poem::error::ReadBodyError::PayloadTooLarge) => {
                return json_error(StatusCode::PAYLOAD_TOO_LARGE, "BAD_USER_INPUT", t!("error-body-too-large"), early)
            }
            Err(_) => return json_error(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", t!("error-body-unreadable"), early),
        };
        match serde_json::from_slice::<async_graphql::Request>(&bytes) {
            Ok(r) => r,
            Err(_) => return json_error(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", t!("error-body-not-graphql"), early),
        }
    };
    // A persisted query's hash stands for its text (Apollo's automatic persisted queries).
    match state.persisted.resolve(&request.query, &request.extensions) {
        Ok(Resolved::NotPersisted) => {}
        Ok(Resolved::Query(query)) => request.query = query,
        Ok(Resolved::NotFound) => return persisted_query_not_found(),
        Err(error) => return graphql_error(error, early),
    }
    // Checked and parsed before anything else: a text that could exhaust the parser never reaches it.
    let document = match state.documents.for_request(&request.query, request.operation_name.as_deref()) {
        Ok(document) => document,
        Err(error) => {
            // Refused before the account is read; it is read now for its language alone (failing that,
            // the request's language answers).
            let viewer = viewer_for(state, req).await.ok();
            return graphql_error(error, reader_locale(state, viewer.as_ref(), requested));
        }
    };
    let viewer = match viewer_for(state, req).await {
        Ok(v) => v,
        Err(error) => return graphql_error(error, early),
    };
    let locale = reader_locale(state, Some(&viewer), requested);
    let changes = changes_state(&document, request.operation_name.as_deref());
    let kind = operation_type(&document, request.operation_name.as_deref());
    if req.method() == poem::http::Method::GET && changes {
        return json_error(StatusCode::METHOD_NOT_ALLOWED, "BAD_USER_INPUT", t!("error-mutation-over-get"), locale);
    }
    // A signed-in reader's query that their scope shares: filled in from the scope's template.
    if !changes && state.responses.enabled() {
        if let Some(scope) = shared::Scope::of(&viewer).filter(|s| shared::eligible(&document, request.operation_name.as_deref(), s)) {
            if let Some(response) = shared_answer(req, state, schema, &request, &document, &viewer, &scope, locale, kind).await {
                METRICS.micros.fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
                return response;
            }
        }
    }
    // An anonymous query's answer depends on nothing but the request and its language (error messages
    // are in it): it may come from the cache.
    let cacheable = state.responses.enabled() && viewer.user.is_none() && !changes;
    // What a cache in front may keep: an anonymous GET query without credentials of any kind.
    let shareable = req.method() == poem::http::Method::GET
        && !changes
        && viewer.user.is_none()
        && !req.headers().contains_key(header::AUTHORIZATION)
        && !req.headers().contains_key(header::COOKIE);
    let generation = state.db.generation();
    let mut flight = None;
    if cacheable {
        match state.responses.lookup(ResponseCache::key(&request, locale), generation).await {
            Lookup::Hit(body) => {
                METRICS.cache_hits.fetch_add(1, Ordering::Relaxed);
                crate::metrics::METRICS.cache_lookups.with_label_values(&["hit"]).inc();
                METRICS.micros.fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
                let facts = GraphqlFacts { operation: request.operation_name.clone(), kind: "query", codes: Vec::new(), account: None, cached: true, bytes: body.len() };
                return with_facts(answer(state, req, body, shareable), facts);
            }
            Lookup::Compute(f) => {
                crate::metrics::METRICS.cache_lookups.with_label_values(&["miss"]).inc();
                flight = Some(f)
            }
        }
    }
    // Executed after all: async-graphql gets the parsed document instead of parsing the text again.
    request.set_parsed_query(document.as_ref().clone());
    let loaders = Loaders::new(&state.db.conn, viewer.user_id());
    let account = viewer.user_id();
    let operation_name = request.operation_name.clone();
    let mut response = schema.execute(request.data(viewer).data(loaders).data(requested)).await;
    localize_response(&mut response, locale);
    crate::graphql::nulls::propagate(&mut response, &document, operation_name.as_deref());
    add_missing_codes(&mut response);
    if response.is_err() {
        METRICS.errors.fetch_add(1, Ordering::Relaxed);
    }
    let body = match serde_json::to_vec(&response) {
        Ok(b) => CachedBody::from(b),
        Err(_) => return json_error(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_SERVER_ERROR", t!("error-response-encoding"), locale),
    };
    if let Some(flight) = flight {
        flight.finish(body.clone(), !response.is_err());
    }
    METRICS.micros.fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
    let mut codes: Vec<String> = Vec::new();
    for error in &response.errors {
        let code = error.extensions.as_ref().and_then(|e| e.get("code")).and_then(|c| match c {
            async_graphql::Value::String(s) => Some(s.clone()),
            _ => None,
        });
        if let Some(code) = code.filter(|c| !codes.contains(c)) {
            codes.push(code);
        }
    }
    let facts = GraphqlFacts { operation: operation_name, kind, codes, account, cached: false, bytes: body.len() };
    with_facts(answer(state, req, body, shareable && !response.is_err()), facts)
}

/// The answer to a query its reader's scope shares (`graphql::shared`): the scope's template from the
/// cache (computed for the scope's stand-in on a miss), filled in for this reader. `None` when this
/// reader needs their own computation: the stand-in's answer had errors, or the reader wrote a comment
/// whose reading differs for its author.
#[allow(clippy::too_many_arguments)]
async fn shared_answer(
    req: &Request,
    state: &AppState,
    schema: &AppSchema,
    request: &async_graphql::Request,
    document: &async_graphql::parser::types::ExecutableDocument,
    viewer: &Viewer,
    scope: &shared::Scope,
    locale: Locale,
    kind: &'static str,
) -> Option<Response> {
    let reader = viewer.user_id()?;
    let key = ResponseCache::scoped_key(request, locale, &scope.key());
    let (template, cached) = match state.responses.lookup(key, state.db.generation()).await {
        Lookup::Hit(template) => (template, true),
        Lookup::Compute(flight) => {
            crate::metrics::METRICS.cache_lookups.with_label_values(&["miss"]).inc();
            let stand_in = scope.stand_in(viewer);
            let recording = std::sync::Arc::new(shared::Recording::default());
            let mut computed = async_graphql::Request::new(request.query.clone()).variables(request.variables.clone());
            computed.operation_name = request.operation_name.clone();
            computed.set_parsed_query(document.clone());
            let loaders = Loaders::new(&state.db.conn, stand_in.user_id());
            let computed = computed.data(stand_in).data(loaders).data(RequestLocale(Some(locale))).data(recording.clone());
            let mut response = schema.execute(computed).await;
            crate::graphql::nulls::propagate(&mut response, document, request.operation_name.as_deref());
            // Errors may read differently for each reader: such an answer is not shared.
            if response.is_err() {
                return None;
            }
            let template = recording.template(&response, shared::marker())?.encode();
            flight.finish(template.clone(), true);
            (template, false)
        }
    };
    if cached {
        METRICS.cache_hits.fetch_add(1, Ordering::Relaxed);
        crate::metrics::METRICS.cache_lookups.with_label_values(&["hit"]).inc();
    }
    let body = match shared::render(&state.db.conn, &template, reader).await {
        Ok(Some(json)) => CachedBody::from(json),
        Ok(None) => return None,
        Err(error) => return Some(graphql_error(error, locale)),
    };
    let facts = GraphqlFacts { operation: request.operation_name.clone(), kind, codes: Vec::new(), account: Some(reader), cached, bytes: body.len() };
    Some(with_facts(answer(state, req, body, false), facts))
}

fn with_facts(mut response: Response, facts: GraphqlFacts) -> Response {
    response.set_data(facts);
    response
}

/// The type of the operation a request runs: `query`, `mutation` or `subscription`.
fn operation_type(document: &async_graphql::parser::types::ExecutableDocument, operation_name: Option<&str>) -> &'static str {
    use async_graphql::parser::types::{DocumentOperations, OperationType};
    let ty = match (&document.operations, operation_name) {
        (DocumentOperations::Single(op), _) => Some(op.node.ty),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| op.node.ty),
        (DocumentOperations::Multiple(ops), None) => ops.values().next().map(|op| op.node.ty),
    };
    match ty {
        Some(OperationType::Query) => "query",
        Some(OperationType::Mutation) => "mutation",
        Some(OperationType::Subscription) => "subscription",
        None => "unknown",
    }
}

/// The answer to a GraphQL request. One a cache in front may share (`shareable`: an anonymous GET query
/// that went well) carries `Cache-Control: public, max-age=HTTP_CACHE_SECONDS` and an `ETag`, and is a
/// bodiless `304 Not Modified` to a client that already holds it (`If-None-Match`); every other answer
/// is `no-store`, so no cache ever keeps a signed-in reader's data or an error.
fn answer(state: &AppState, req: &Request, body: CachedBody, shareable: bool) -> Response {
    let seconds = state.config.http_cache.as_secs();
    if !(shareable && seconds > 0) {
        return Response::builder().content_type("application/json").header(header::CACHE_CONTROL, "no-store").body(body);
    }
    // Weak: the same answer may leave gzipped or not (compression.rs).
    let etag = format!("W/\"{}\"", &util::sha256_hex(&body)[..32]);
    let cache_control = format!("public, max-age={seconds}");
    let vary = "accept-language, accept-encoding";
    let held = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|tag| tag.trim() == etag || tag.trim() == "*"));
    if held {
        return Response::builder()
            .status(StatusCode::NOT_MODIFIED)
            .header(header::ETAG, etag)
            .header(header::CACHE_CONTROL, cache_control)
            .header(header::VARY, vary)
            .finish();
    }
    Response::builder()
        .content_type("application/json")
        .header(header::ETAG, etag)
        .header(header::CACHE_CONTROL, cache_control)
        .header(header::VARY, vary)
        .body(body)
}

/// Apollo's answer to a hash the server does not know: the client sends the text with it next.
fn persisted_query_not_found() -> Response {
    let body = serde_json::json!({ "errors": [{ "message": NOT_FOUND_MESSAGE, "extensions": { "code": NOT_FOUND_CODE } }] });
    Response::builder().content_type("application/json").header(header::CACHE_CONTROL, "no-store").body(body.to_string())
}

#[derive(serde::Deserialize)]
struct GetParams {
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
}

/// Whether the operation a request would run is not a query. Decided on the parsed document, so that a
/// comment before `mutation` or a mutation picked by `operationName` cannot slip through over GET.
fn changes_state(document: &async_graphql::parser::types::ExecutableDocument, operation_name: Option<&str>) -> bool {
    use async_graphql::parser::types::{DocumentOperations, OperationType};
    let not_query = |ty: OperationType| ty != OperationType::Query;
    match (&document.operations, operation_name) {
        (DocumentOperations::Single(op), _) => not_query(op.node.ty),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).is_some_and(|op| not_query(op.node.ty)),
        (DocumentOperations::Multiple(ops), None) => ops.values().any(|op| not_query(op.node.ty)),
    }
}

#[handler]
pub fn healthz() -> &'static str {
    "ok"
}

/// Ready when the database (and Redis, when configured) answer.
#[handler]
pub async fn readyz(Data(state): Data<&AppState>) -> Response {
    let db = state.db.ping().await.is_ok();
    let redis = match &state.redis {
        None => true,
        Some(conn) => {
            let mut conn = conn.clone();
            redis::cmd("PING").query_async::<String>(&mut conn).await.is_ok()
        }
    };
    // With Redis, an instance whose event relay is reconnecting would leave its subscribers without
    // events, so it is not ready either.
    let events = state.events.is_live();
    let body = serde_json::json!({
        "database": db,
        "redis": state.redis.as_ref().map(|_| redis),
        "events": state.redis.as_ref().map(|_| events),
    });
    let status = if db && redis && events { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    Response::builder().status(status).content_type("application/json").body(body.to_string())
}

/// The running totals `metrics` writes itself.
pub const RUNNING_TOTALS: [&str; 6] = [
    "gongkai_graphql_requests_total",
    "gongkai_graphql_errors_total",
    "gongkai_graphql_seconds_total",
    "gongkai_response_cache_hits_total",
    "gongkai_subscriptions_active",
    "gongkai_db_statements_total",
];

/// Prometheus text format: the running totals below, then `metrics::render`'s histograms and gauges.
#[handler]
pub async fn metrics(Data(state): Data<&AppState>) -> Response {
    let subscriptions = state.events.subscriber_count();
    let statements = state.db.statements_run();
    let requests = METRICS.requests.load(Ordering::Relaxed);
    let errors = METRICS.errors.load(Ordering::Relaxed);
    let seconds = METRICS.micros.load(Ordering::Relaxed) as f64 / 1e6;
    let hits = METRICS.cache_hits.load(Ordering::Relaxed);
    let text = format!(
        "# HELP gongkai_graphql_requests_total GraphQL requests served.\n# TYPE gongkai_graphql_requests_total counter\ngongkai_graphql_requests_total {requests}\n\
         # HELP gongkai_graphql_errors_total GraphQL responses carrying errors.\n# TYPE gongkai_graphql_errors_total counter\ngongkai_graphql_errors_total {errors}\n\
         # HELP gongkai_graphql_seconds_total Time spent serving GraphQL requests.\n# TYPE gongkai_graphql_seconds_total counter\ngongkai_graphql_seconds_total {seconds}\n\
         # HELP gongkai_response_cache_hits_total Anonymous queries answered from the response cache.\n# TYPE gongkai_response_cache_hits_total counter\ngongkai_response_cache_hits_total {hits}\n\
         # HELP gongkai_subscriptions_active Live GraphQL subscriptions on this instance.\n# TYPE gongkai_subscriptions_active gauge\ngongkai_subscriptions_active {subscriptions}\n\
         # HELP gongkai_db_statements_total SQL statements run through the connection pool.\n# TYPE gongkai_db_statements_total counter\ngongkai_db_statements_total {statements}\n{}",
        crate::metrics::render(state).await
    );
    Response::builder().content_type("text/plain; version=0.0.4").body(text)
}

