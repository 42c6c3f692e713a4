//! One structured log line per request, at `info` (`warn` when slower than `SLOW_REQUEST_MS`): method,
//! path, status, duration, response bytes (a GraphQL answer's before compression), the request id the response carries in `x-request-id`, and
//! for GraphQL the operation's name and type, the error codes, and a keyed hash of the account. Never a
//! token, password, email, phone or identity number: the query's variables and the request body are
//! not logged. It runs inside poem's `RequestId` span, so every line the request causes carries the id.
//! The same pass feeds the latency histograms of `metrics`.

use std::sync::atomic::{AtomicBool, Ordering};
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

/// Whether the process logs JSON lines (`LOG_FORMAT=json`); set by `startup::init_tracing`.
static JSON_LINES: AtomicBool = AtomicBool::new(false);

pub fn set_format(format: crate::config::LogFormat) {
    JSON_LINES.store(format == crate::config::LogFormat::Json, Ordering::Relaxed);
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
        if let Some(f) = facts {
            let outcome = f.codes.first().map_or("ok", String::as_str);
            METRICS.graphql_duration.with_label_values(&[metrics::operation_label(f.operation.as_deref()), f.kind, outcome]).observe(elapsed.as_secs_f64());
        }
        telemetry::finish_request(&span, status, facts.map(|f| (f.operation.as_deref().unwrap_or(""), f.kind, f.codes.as_slice())));
        let slow = state.as_ref().is_some_and(|s| elapsed >= s.config.slow_request);
        let wanted = if slow { tracing::enabled!(target: "gongkai::request", tracing::Level::WARN) } else { tracing::enabled!(target: "gongkai::request", tracing::Level::INFO) };
        if wanted {
            // The account's keyed hash costs a MAC: only for a line that is written.
            let account = match (facts.and_then(|f| f.account), &state) {
                (Some(id), Some(state)) => crate::util::keyed_hash(&state.config.secret_key, format!("account-log|{id}").as_bytes())[..16].to_owned(),
                _ => String::new(),
            };
            let line = Line {
                slow,
                method: &method,
                path: &path,
                status,
                duration_ms: elapsed.as_secs_f64() * 1000.0,
                bytes,
                request_id: &request_id,
                operation: facts.and_then(|f| f.operation.as_deref()).unwrap_or(""),
                kind: facts.map_or("", |f| f.kind),
                codes: facts.map(|f| f.codes.join(",")).unwrap_or_default(),
                cached: facts.is_some_and(|f| f.cached),
                account: &account,
            };
            line.write();
        }
        Ok(response)
    }
}

/// One request's log line.
struct Line<'a> {
    slow: bool,
    method: &'a str,
    path: &'a str,
    status: u16,
    duration_ms: f64,
    bytes: Option<u64>,
    request_id: &'a str,
    operation: &'a str,
    kind: &'a str,
    codes: String,
    cached: bool,
    account: &'a str,
}

impl Line<'_> {
    /// In JSON the line is written here, in the shape of `tracing_subscriber`'s JSON lines (timestamp,
    /// level, fields, target; the request id is a field, so the span list is left out), straight into
    /// the log buffer, without `tracing_subscriber`'s JSON formatter (which visits the event's fields
    /// into a `serde_json` map and parses its spans' fields again from text). In text it is an
    /// ordinary event.
    fn write(&self) {
        if JSON_LINES.load(Ordering::Relaxed) {
            crate::logsink::append(&self.json(), false);
            return;
        }
        let Line { method, path, status, duration_ms, bytes, request_id, operation, kind, cached, account, .. } = *self;
        let codes = &self.codes;
        if self.slow {
            tracing::warn!(target: "gongkai::request", %method, %path, status, duration_ms, bytes, %request_id, operation, operation_type = kind, error_codes = %codes, cached, account = %account, "slow request");
        } else {
            tracing::info!(target: "gongkai::request", %method, %path, status, duration_ms, bytes, %request_id, operation, operation_type = kind, error_codes = %codes, cached, account = %account, "request");
        }
    }

    fn json(&self) -> Vec<u8> {
        fn key(out: &mut Vec<u8>, name: &str) {
            out.extend_from_slice(b",\"");
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b"\":");
        }
        // Writing JSON into a `Vec` cannot fail.
        fn value<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
            let _ = serde_json::to_writer(&mut *out, value);
        }
        let mut out = Vec::with_capacity(512);
        out.extend_from_slice(b"{\"timestamp\":\"");
        out.extend_from_slice(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true).as_bytes());
        out.extend_from_slice(if self.slow { b"\",\"level\":\"WARN\",\"fields\":{\"message\":\"slow request\"" } else { b"\",\"level\":\"INFO\",\"fields\":{\"message\":\"request\"" });
        key(&mut out, "method");
        value(&mut out, self.method);
        key(&mut out, "path");
        value(&mut out, self.path);
        key(&mut out, "status");
        value(&mut out, &self.status);
        key(&mut out, "duration_ms");
        value(&mut out, &self.duration_ms);
        if let Some(bytes) = self.bytes {
            key(&mut out, "bytes");
            value(&mut out, &bytes);
        }
        key(&mut out, "request_id");
        value(&mut out, self.request_id);
        key(&mut out, "operation");
        value(&mut out, self.operation);
        key(&mut out, "operation_type");
        value(&mut out, self.kind);
        key(&mut out, "error_codes");
        value(&mut out, &self.codes);
        key(&mut out, "cached");
        value(&mut out, &self.cached);
        key(&mut out, "account");
        value(&mut out, self.account);
        out.extend_from_slice(b"},\"target\":\"gongkai::request\"}\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_line_is_one_line_of_json_with_its_fields_escaped() {
        let line = Line {
            slow: false,
            method: "POST",
            path: "/graphql",
            status: 200,
            duration_ms: 1.5,
            bytes: Some(321),
            request_id: "abc",
            operation: "Q\"uote\nnew line",
            kind: "query",
            codes: "BAD_USER_INPUT".into(),
            cached: true,
            account: "",
        };
        let text = String::from_utf8(line.json()).expect("UTF-8");
        assert_eq!(text.matches('\n').count(), 1, "{text}");
        assert!(text.ends_with('\n'));
        let parsed: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(parsed["level"], "INFO");
        assert_eq!(parsed["target"], "gongkai::request");
        assert!(parsed["timestamp"].as_str().is_some_and(|t| t.ends_with('Z') && t.len() == 27), "{parsed}");
        let f = &parsed["fields"];
        assert_eq!((f["message"].as_str(), f["operation"].as_str(), f["bytes"].as_u64()), (Some("request"), Some("Q\"uote\nnew line"), Some(321)));
        assert_eq!((f["status"].as_u64(), f["duration_ms"].as_f64(), f["cached"].as_bool()), (Some(200), Some(1.5), Some(true)));
        let slow = Line { slow: true, bytes: None, ..line };
        let parsed: serde_json::Value = serde_json::from_slice(&slow.json()).expect("JSON");
        assert_eq!((parsed["level"].as_str(), parsed["fields"]["message"].as_str()), (Some("WARN"), Some("slow request")));
        assert!(parsed["fields"].get("bytes").is_none());
    }
}
