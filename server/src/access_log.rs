//! One structured log line per request, at `info` (`warn` when slower than `SLOW_REQUEST_MS`): method,
//! path, status, duration, response bytes (a GraphQL answer's before compression), the request id the response carries in `x-request-id`, and
//! for GraphQL the operation's name and type, the error codes, and a keyed hash of the account. Never a
//! token, password, email, phone or identity number: the query's variables and the request body are
//! not logged. It runs inside poem's `RequestId` span, so every line the request causes carries the id.
//! The same pass feeds the latency histograms of `metrics`.

use std::time::Instant;

use poem::middleware::ReqId;
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};

use tracing::Instrument as _;

use crate::metrics::{self, METRICS};
use crate::telemetry;
use crate::state::AppState;

/// What a GraphQL request was, for the log line and the metrics; set on the response by `http::graphql`.
#[derive(Clone, Debug)]
pub struct GraphqlFacts {
    pub operation: Option<String>,
    pub kind: &'static str,
    /// The `extensions.code` of each error, in order, without repeats.
    pub codes: Vec<String>,
    pub account: Option<uuid::Uuid>,
    /// Answered from the response cache.
    pub cached: bool,
    /// The JSON body's size before any compression.
    pub bytes: usize,
}

pub struct AccessLog;

impl<E: Endpoint> Middleware<E> for AccessLog {
    type Output = AccessLogEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        AccessLogEndpoint { inner }
    }
}

pub struct AccessLogEndpoint<E> {
    inner: E,
}

impl<E: Endpoint> Endpoint for AccessLogEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let started = Instant::now();
        let method = req.method().to_string();
        let path = req.uri().path().to_owned();
        let request_id = req.data::<ReqId>().map(ToString::to_string).unwrap_or_default();
        let state = req.data::<AppState>().cloned();
        // The request's trace span (none with traces off): what the request causes runs inside it.
        let span = telemetry::request_span(&req, &path, &request_id);
        let response = match self.inner.call(req).instrument(span.clone()).await {
            Ok(response) => response.into_response(),
            Err(error) => error.into_response(),
        };
        let elapsed = started.elapsed();
        let status = response.status().as_u16();
        let bytes = response.headers().get(poem::http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
        METRICS.http_duration.with_label_values(&[metrics::route_label(&path), metrics::status_label(status)]).observe(elapsed.as_secs_f64());
        let facts = response.data::<GraphqlFacts>();
        let bytes = bytes.or_else(|| facts.map(|f| f.bytes as u64));
        let account = match (facts.and_then(|f| f.account), &state) {
            (Some(id), Some(state)) => crate::util::keyed_hash(&state.config.secret_key, format!("account-log|{id}").as_bytes())[..16].to_owned(),
            _ => String::new(),
        };
        if let Some(f) = facts {
            let outcome = f.codes.first().map_or("ok", String::as_str);
            METRICS.graphql_duration.with_label_values(&[metrics::operation_label(f.operation.as_deref()), f.kind, outcome]).observe(elapsed.as_secs_f64());
        }
        let operation = facts.and_then(|f| f.operation.as_deref()).unwrap_or("");
        let kind = facts.map_or("", |f| f.kind);
        let codes = facts.map(|f| f.codes.join(",")).unwrap_or_default();
        let cached = facts.is_some_and(|f| f.cached);
        telemetry::finish_request(&span, status, facts.map(|f| (operation, kind, f.codes.as_slice())));
        let duration_ms = elapsed.as_secs_f64() * 1000.0;
        let slow = state.as_ref().is_some_and(|s| elapsed >= s.config.slow_request);
        if slow {
            tracing::warn!(target: "gongkai::request", %method, %path, status, duration_ms, bytes, %request_id, operation, operation_type = kind, error_codes = %codes, cached, account = %account, "slow request");
        } else {
            tracing::info!(target: "gongkai::request", %method, %path, status, duration_ms, bytes, %request_id, operation, operation_type = kind, error_codes = %codes, cached, account = %account, "request");
        }
        Ok(response)
    }
}
