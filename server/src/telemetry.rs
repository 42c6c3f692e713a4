//! OpenTelemetry traces, exported over OTLP (HTTP/protobuf) when the standard variables ask for them
//! (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`; off when neither is set):
//! a server span per HTTP request (continuing the caller's W3C `traceparent`), a span per GraphQL
//! operation, per root field and per connection field, per DataLoader batch, and a client span per SQL
//! statement run through the pool. Off, none of these spans is made: their target is left out of the
//! log's filter and no layer asks for them.

use std::sync::OnceLock;
use std::time::SystemTime;

use anyhow::Context as _;
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute, NextResolve, ResolveInfo};
use async_graphql::{Response, ServerResult, Value};
use opentelemetry::trace::{Span as _, SpanKind, Status, TraceContextExt as _, Tracer as _, TracerProvider as _};
use opentelemetry::KeyValue;
use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response as HttpResponse};
use opentelemetry_otlp::WithHttpConfig as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use opentelemetry_sdk::Resource;
use tracing::Instrument as _;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

/// The target of every span made for traces. The log's filter turns it off, so that with traces off
/// these spans are not even created, and with them on they never reach the log lines.
pub const TARGET: &str = "gongkai::trace";

/// How much of a statement's text a span keeps (its parameters are never in it: they are bound).
const MAX_STATEMENT_TEXT: usize = 2048;

static PROVIDER: OnceLock<SdkTracerProvider> = OnceLock::new();
static TRACER: OnceLock<SdkTracer> = OnceLock::new();

/// Whether traces are being exported.
pub fn enabled() -> bool {
    TRACER.get().is_some()
}

/// Whether the standard OpenTelemetry variables ask for traces over OTLP.
pub fn requested(get: impl Fn(&str) -> Option<String>) -> bool {
    let set = |name: &str| get(name).is_some_and(|v| !v.trim().is_empty());
    let says = |name: &str, value: &str| get(name).is_some_and(|v| v.trim().eq_ignore_ascii_case(value));
    !says("OTEL_SDK_DISABLED", "true")
        && !says("OTEL_TRACES_EXPORTER", "none")
        && (set("OTEL_EXPORTER_OTLP_ENDPOINT") || set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))
}

/// Checks the protocol asked for: only `http/protobuf` is built in (gRPC would bring tonic, and JSON a
/// second encoding, for no gain: every collector takes `http/protobuf` on its port 4318).
fn check_protocol(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
    for name in ["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"] {
        if let Some(value) = get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) {
            anyhow::ensure!(value == "http/protobuf", "{name}={value}: this build exports traces over http/protobuf only (the collector's port 4318)");
            return Ok(());
        }
    }
    Ok(())
}

/// Starts the exporter when the variables ask for it, and returns the layer that turns the spans of
/// `TARGET` into OpenTelemetry spans. Must run inside the Tokio runtime, which carries the exports.
pub fn init<S>() -> anyhow::Result<Option<impl tracing_subscriber::Layer<S>>>
where
    S: tracing::Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
{
    use tracing_subscriber::Layer as _;
    let get = |name: &str| std::env::var(name).ok();
    if !requested(get) {
        return Ok(None);
    }
    check_protocol(get)?;
    let runtime = tokio::runtime::Handle::try_current().context("traces need the async runtime")?;
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .context("cannot build the OTLP HTTP client")?;
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_http_client(TokioClient { http, runtime })
        .build()
        .context("cannot build the OTLP span exporter (OTEL_EXPORTER_OTLP_*)")?;
    let mut resource = Resource::builder().with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")));
    if get("OTEL_SERVICE_NAME").is_none_or(|v| v.trim().is_empty()) {
        resource = resource.with_service_name("gongkai");
    }
    let provider = SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource.build()).build();
    let tracer = provider.tracer("gongkai");
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    let _ = PROVIDER.set(provider);
    let _ = TRACER.set(tracer.clone());
    let layer = tracing_opentelemetry::layer()
        .with_tracer(tracer)
        .with_filter(tracing_subscriber::filter::filter_fn(|meta| meta.is_span() && meta.target().starts_with(TARGET)));
    Ok(Some(layer))
}

/// Sends what is still waiting and stops the exporter (at the end of `serve`).
pub async fn shutdown() {
    if let Some(provider) = PROVIDER.get().cloned() {
        // The provider's shutdown blocks until its last batch is out, which goes through the runtime.
        let _ = tokio::task::spawn_blocking(move || provider.shutdown()).await;
    }
}

/// The exporter's HTTP client: the server's own reqwest, run on the server's runtime (the batch
/// exporter works on a thread of its own, outside it).
#[derive(Debug)]
struct TokioClient {
    http: reqwest::Client,
    runtime: tokio::runtime::Handle,
}

#[async_trait::async_trait]
impl HttpClient for TokioClient {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<HttpResponse<Bytes>, HttpError> {
        let http = self.http.clone();
        let (parts, body) = request.into_parts();
        let send = async move {
            let response = http.request(parts.method, parts.uri.to_string()).headers(parts.headers).body(body).send().await?;
            let status = response.status();
            let body = response.bytes().await?;
            Ok::<_, HttpError>(HttpResponse::builder().status(status).body(body)?)
        };
        self.runtime.spawn(send).await?
    }
}

/// The server span of one HTTP request, a child of the caller's span when it sent `traceparent`.
/// `Span::none()` with traces off.
pub fn request_span(req: &poem::Request, path: &str, request_id: &str) -> tracing::Span {
    if !enabled() {
        return tracing::Span::none();
    }
    let route = crate::metrics::route(path).1;
    let method = req.method().as_str();
    let span = tracing::info_span!(
        target: TARGET,
        "request",
        otel.name = %format_args!("{method} {route}"),
        otel.kind = "server",
        otel.status_code = tracing::field::Empty,
        http.request.method = method,
        http.route = route,
        http.response.status_code = tracing::field::Empty,
        graphql.operation.name = tracing::field::Empty,
        graphql.operation.type = tracing::field::Empty,
        graphql.error_codes = tracing::field::Empty,
        gongkai.request_id = request_id,
    );
    let parent = opentelemetry::global::get_text_map_propagator(|p| p.extract(&opentelemetry_http::HeaderExtractor(req.headers())));
    if parent.span().span_context().is_valid() {
        let _ = span.set_parent(parent);
    }
    span
}

/// Records how the request ended on its span: an answer of 500 or more, or a GraphQL error the server
/// is to blame for, marks it as an error.
pub fn finish_request(span: &tracing::Span, status: u16, operation: Option<(&str, &str, &[String])>) {
    if span.is_none() {
        return;
    }
    span.record("http.response.status_code", status);
    let mut failed = status >= 500;
    if let Some((name, kind, codes)) = operation {
        span.record("graphql.operation.name", name);
        span.record("graphql.operation.type", kind);
        if !codes.is_empty() {
            span.record("graphql.error_codes", codes.join(",").as_str());
        }
        failed |= codes.iter().any(|c| c == "INTERNAL_SERVER_ERROR" || c == "SERVICE_UNAVAILABLE");
    }
    if failed {
        span.set_status(Status::error(format!("HTTP {status}")));
    }
}

/// A client span for one SQL statement that ran in the current span's trace (sea-orm's metric
/// callback, which runs as the statement ends): its text with its parameters bound, never their values.
pub fn statement(system: &'static str, info: &sea_orm::metric::Info<'_>) {
    let Some(tracer) = TRACER.get() else { return };
    let parent = tracing::Span::current().context();
    if !parent.span().span_context().is_valid() {
        // Background work (the outbox, reminders) is not traced: only what a request causes.
        return;
    }
    let end = SystemTime::now();
    let start = end.checked_sub(info.elapsed).unwrap_or(end);
    let text = &info.statement.sql;
    let verb = text.split_whitespace().next().unwrap_or("SQL").to_ascii_uppercase();
    let mut cut = text.len().min(MAX_STATEMENT_TEXT);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut span = tracer
        .span_builder(verb)
        .with_kind(SpanKind::Client)
        .with_start_time(start)
        .with_attributes([KeyValue::new("db.system.name", system), KeyValue::new("db.query.text", text[..cut].to_owned())])
        .start_with_context(tracer, &parent);
    if info.failed {
        span.set_status(Status::error("the statement failed"));
    }
    span.end_with_timestamp(end);
}

/// The GraphQL spans: one for the operation, one for each root field and each field that returns a
/// connection (the resolvers that read the database; the others read what those loaded, or batch
/// their reads through a DataLoader, whose batches get spans of their own). Added to the schema only
/// when traces are on.
pub struct GraphqlSpans;

impl ExtensionFactory for GraphqlSpans {
    fn create(&self) -> std::sync::Arc<dyn Extension> {
        std::sync::Arc::new(GraphqlSpans)
    }
}

#[async_trait::async_trait]
impl Extension for GraphqlSpans {
    async fn execute(&self, ctx: &ExtensionContext<'_>, operation_name: Option<&str>, next: NextExecute<'_>) -> Response {
        let span = tracing::info_span!(
            target: TARGET,
            "graphql.execute",
            otel.name = %format_args!("GraphQL {}", operation_name.unwrap_or("(anonymous)")),
            graphql.operation.name = operation_name.unwrap_or(""),
        );
        next.run(ctx, operation_name).instrument(span).await
    }

    async fn resolve(&self, ctx: &ExtensionContext<'_>, info: ResolveInfo<'_>, next: NextResolve<'_>) -> ServerResult<Option<Value>> {
        let root = info.path_node.parent.is_none();
        let connection = info.return_type.trim_end_matches('!').ends_with("Connection");
        if !(root || connection) || info.is_for_introspection {
            return next.run(ctx, info).await;
        }
        let span = tracing::info_span!(
            target: TARGET,
            "graphql.resolve",
            otel.name = %format_args!("{}.{}", info.parent_type, info.name),
            graphql.field.path = %info.path_node,
            graphql.field.type = info.return_type,
        );
        next.run(ctx, info).instrument(span).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn traces_are_on_only_when_an_endpoint_is_set_and_nothing_turns_them_off() {
        assert!(!requested(env(&[])));
        assert!(!requested(env(&[("OTEL_EXPORTER_OTLP_ENDPOINT", " ")])));
        assert!(requested(env(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")])));
        assert!(requested(env(&[("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://collector:4318/v1/traces")])));
        assert!(!requested(env(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"), ("OTEL_SDK_DISABLED", "TRUE")])));
        assert!(!requested(env(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"), ("OTEL_TRACES_EXPORTER", "none")])));
    }

    #[test]
    fn span_names_hold_route_templates_not_tokens() {
        let template = |path| crate::metrics::route(path).1;
        assert_eq!(template("/graphql"), "/graphql");
        assert_eq!(template("/exports/abc.def.csv"), "/exports/{token}");
        assert_eq!(template("/reports/disclosure/t0k3n.csv"), "/reports/{kind}/{token}");
        assert_eq!(template("/wp-admin/x"), "(other)");
    }

    #[test]
    fn only_http_protobuf_is_accepted() {
        assert!(check_protocol(env(&[])).is_ok());
        assert!(check_protocol(env(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")])).is_ok());
        assert!(check_protocol(env(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")])).is_err());
        // The signal's own variable wins over the general one.
        assert!(check_protocol(env(&[("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")])).is_ok());
        assert!(check_protocol(env(&[("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json")])).is_err());
    }
}
