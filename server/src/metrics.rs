//! What an operator watches, in Prometheus's text format at `/metrics`: request latency by GraphQL
//! operation and outcome, the database pool, the response cache, sockets and subscriptions, rate-limit
//! refusals, the comment submission writers, the outbox, the holiday calendar and the process.
//!
//! Every label takes values from a bounded set, so a client cannot grow the series without end: an
//! operation is labelled by its name only when it is one of the front ends' operations (the files in
//! `tests/clients/`), and `other` otherwise; outcomes are `ok` or an `extensions.code`, which the server
//! itself chooses; limits, channels and routes are the server's own names.

use std::collections::HashSet;
use std::sync::LazyLock;

use prometheus::{Encoder, Histogram, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder};

use crate::state::AppState;

/// The operations the real front ends send, by name.
static KNOWN_OPERATIONS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    const FILES: [&str; 8] = [
        include_str!("../../tests/clients/admin.graphql"),
        include_str!("../../tests/clients/citizen.graphql"),
        include_str!("../../tests/clients/dashboard.graphql"),
        include_str!("../../tests/clients/disclosure.graphql"),
        include_str!("../../tests/clients/live.graphql"),
        include_str!("../../tests/clients/notifications.graphql"),
        include_str!("../../tests/clients/staff.graphql"),
        include_str!("../../tests/clients/supervisor.graphql"),
    ];
    FILES
        .iter()
        .flat_map(|text| text.lines())
        .filter_map(|line| {
            let rest = ["query ", "mutation ", "subscription "].iter().find_map(|kw| line.strip_prefix(kw))?;
            let name = rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next()?;
            (!name.is_empty()).then_some(name)
        })
        .collect()
});

/// The label an operation name is counted under.
pub fn operation_label(name: Option<&str>) -> &'static str {
    match name {
        None => "anonymous",
        Some(name) => KNOWN_OPERATIONS.get(name).copied().unwrap_or("other"),
    }
}

/// Seconds from 1 ms to 10 s, for request latency.
const LATENCY_BUCKETS: [f64; 14] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 7.5, 10.0];

pub struct Metrics {
    pub registry: Registry,
    pub graphql_duration: HistogramVec,
    pub http_duration: HistogramVec,
    pub cache_lookups: IntCounterVec,
    pub rate_limit_refusals: IntCounterVec,
    pub deliveries: IntCounterVec,
    pub submission_batch: Histogram,
    pub submission_queue: IntGauge,
    pub redis_duration: HistogramVec,
    pub redis_errors: IntCounterVec,
    db_pool: IntGaugeVec,
    db_acquire: Histogram,
    db_acquire_failures: prometheus::IntCounter,
    websockets: IntGauge,
    subscriptions: IntGauge,
    outbox_pending: IntGaugeVec,
    outbox_oldest: IntGaugeVec,
    calendar_missing: IntGauge,
    process: IntGaugeVec,
    process_cpu: prometheus::Gauge,
}

fn registered<C: prometheus::core::Collector + Clone + 'static>(registry: &Registry, collector: C) -> C {
    // Names are fixed and unique below, so registering cannot clash; a clash would only lose the series.
    let _ = registry.register(Box::new(collector.clone()));
    collector
}

/// The names of every metric family `/metrics` may show (the running totals of `http::metrics`
/// included), whether or not it has a series yet: what a dashboard or an alert may refer to.
pub fn exported_names() -> Vec<String> {
    use prometheus::core::Collector;
    let m = &*METRICS;
    let collectors: Vec<&dyn Collector> = vec![
        &m.graphql_duration,
        &m.http_duration,
        &m.cache_lookups,
        &m.rate_limit_refusals,
        &m.deliveries,
        &m.submission_batch,
        &m.submission_queue,
        &m.redis_duration,
        &m.redis_errors,
        &m.db_pool,
        &m.db_acquire,
        &m.db_acquire_failures,
        &m.websockets,
        &m.subscriptions,
        &m.outbox_pending,
        &m.outbox_oldest,
        &m.calendar_missing,
        &m.process,
        &m.process_cpu,
    ];
    let mut names: Vec<String> = collectors.iter().flat_map(|c| c.desc().into_iter().map(|d| d.fq_name.clone())).collect();
    names.extend(crate::http::RUNNING_TOTALS.iter().map(|n| (*n).to_owned()));
    names
}

impl Metrics {
    fn new() -> prometheus::Result<Self> {
        let registry = Registry::new();
        let r = &registry;
        Ok(Self {
            graphql_duration: registered(
                r,
                HistogramVec::new(
                    HistogramOpts::new("gongkai_graphql_request_duration_seconds", "GraphQL requests over HTTP by operation (front-end operations by name, else `other`), type and outcome (`ok` or the first error's code).")
                        .buckets(LATENCY_BUCKETS.to_vec()),
                    &["operation", "type", "outcome"],
                )?,
            ),
            http_duration: registered(
                r,
                HistogramVec::new(
                    HistogramOpts::new("gongkai_http_request_duration_seconds", "Every HTTP request by route and status class.").buckets(LATENCY_BUCKETS.to_vec()),
                    &["route", "status"],
                )?,
            ),
            cache_lookups: registered(r, IntCounterVec::new(Opts::new("gongkai_response_cache_lookups_total", "Anonymous queries looked up in the response cache, by result (hit or miss)."), &["result"])?),
            rate_limit_refusals: registered(r, IntCounterVec::new(Opts::new("gongkai_rate_limit_refusals_total", "Requests refused by a rate limit, by limit."), &["limit"])?),
            deliveries: registered(r, IntCounterVec::new(Opts::new("gongkai_outbox_deliveries_total", "Outbox send attempts by channel and result (delivered, retrying, failed)."), &["channel", "result"])?),
            submission_batch: registered(
                r,
                Histogram::with_opts(HistogramOpts::new("gongkai_submission_batch_size", "Comment submissions written by one statement.").buckets(vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0]))?,
            ),
            submission_queue: registered(r, IntGauge::new("gongkai_submission_queue_depth", "Comment submissions waiting for a writer.")?),
            redis_duration: registered(
                r,
                HistogramVec::new(
                    HistogramOpts::new("gongkai_redis_command_duration_seconds", "Redis round trips by use (sessions, rate limits).").buckets(LATENCY_BUCKETS.to_vec()),
                    &["use"],
                )?,
            ),
            redis_errors: registered(r, IntCounterVec::new(Opts::new("gongkai_redis_errors_total", "Redis round trips that failed, by use."), &["use"])?),
            db_pool: registered(r, IntGaugeVec::new(Opts::new("gongkai_db_pool_connections", "Database pool connections by state (max, open, idle, in_use)."), &["state"])?),
            db_acquire: registered(
                r,
                Histogram::with_opts(
                    HistogramOpts::new(
                        "gongkai_db_pool_acquire_seconds",
                        "Time to take a connection from the database pool, sampled once a second by a probe that waits in line with the requests.",
                    )
                    .buckets(LATENCY_BUCKETS.to_vec()),
                )?,
            ),
            db_acquire_failures: registered(
                r,
                prometheus::IntCounter::new("gongkai_db_pool_acquire_failures_total", "Probes that got no connection from the database pool within its acquire timeout.")?,
            ),
            websockets: registered(r, IntGauge::new("gongkai_websocket_connections", "Open GraphQL WebSocket connections on this instance.")?),
            subscriptions: registered(r, IntGauge::new("gongkai_subscriptions", "Live GraphQL subscriptions on this instance.")?),
            outbox_pending: registered(r, IntGaugeVec::new(Opts::new("gongkai_outbox_pending", "Deliveries not yet delivered or given up on, by channel."), &["channel"])?),
            outbox_oldest: registered(
                r,
                IntGaugeVec::new(Opts::new("gongkai_outbox_oldest_pending_seconds", "Age of the oldest pending delivery, by channel (0 when none)."), &["channel"])?,
            ),
            calendar_missing: registered(r, IntGauge::new("gongkai_calendar_missing_years", "This year and the next, where the holiday calendar has no entry yet.")?),
            process: registered(r, IntGaugeVec::new(Opts::new("gongkai_process", "The process: resident memory in bytes, open file descriptors, threads."), &["measure"])?),
            process_cpu: registered(r, prometheus::Gauge::new("gongkai_process_cpu_seconds", "CPU time the process has used (user + system).")?),
            registry,
        })
    }
}

pub static METRICS: LazyLock<Metrics> = LazyLock::new(|| match Metrics::new() {
    Ok(m) => m,
    // The options above are constants; a failure would be a programming error caught by the tests.
    Err(e) => panic!("metrics could not be set up: {e}"),
});

/// Runs one Redis round trip, timing it under `use_` (a fixed name: sessions, rate_limits, events).
pub async fn redis<T>(use_: &'static str, call: impl std::future::Future<Output = redis::RedisResult<T>>) -> redis::RedisResult<T> {
    let started = std::time::Instant::now();
    let result = call.await;
    METRICS.redis_duration.with_label_values(&[use_]).observe(started.elapsed().as_secs_f64());
    if result.is_err() {
        METRICS.redis_errors.with_label_values(&[use_]).inc();
    }
    result
}

/// The route label of a path: a fixed set.
pub fn route_label(path: &str) -> &'static str {
    route(path).0
}

/// The route a path took: its metric label and its template (for a trace span's name, which must
/// hold neither a token nor an id).
pub fn route(path: &str) -> (&'static str, &'static str) {
    match path {
        "/graphql" => ("graphql", "/graphql"),
        "/graphql/ws" => ("graphql_ws", "/graphql/ws"),
        "/healthz" => ("health", "/healthz"),
        "/readyz" => ("health", "/readyz"),
        "/metrics" => ("metrics", "/metrics"),
        "/unsubscribe" => ("unsubscribe", "/unsubscribe"),
        "/" => ("graphiql", "/"),
        p if p.starts_with("/exports/") => ("exports", "/exports/{token}"),
        p if p.starts_with("/reports/") => ("reports", "/reports/{kind}/{token}"),
        p if p.starts_with("/open-data/") => ("open_data", "/open-data/{file}"),
        p if p.starts_with("/assets/") => ("assets", "/assets/{file}"),
        _ => ("other", "(other)"),
    }
}

/// The status class label: `2xx`, `3xx`, `4xx`, `5xx`.
pub fn status_label(status: u16) -> &'static str {
    match status {
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

#[derive(sea_orm::FromQueryResult)]
struct Pending {
    channel: String,
    n: i64,
    oldest: Option<chrono::DateTime<chrono::Utc>>,
}

/// Reads the gauges that are read rather than counted, then encodes everything.
pub async fn render(state: &AppState) -> String {
    let m = &*METRICS;
    let (max, open, idle) = state.db.pool_figures();
    for (label, value) in [("max", max), ("open", open), ("idle", idle), ("in_use", open.saturating_sub(idle))] {
        m.db_pool.with_label_values(&[label]).set(i64::from(value));
    }
    m.websockets.set(i64::try_from(state.sockets.count()).unwrap_or(i64::MAX));
    m.subscriptions.set(i64::try_from(state.events.subscriber_count()).unwrap_or(i64::MAX));
    m.submission_queue.set(state.submissions.as_ref().map_or(0, |s| i64::try_from(s.queued()).unwrap_or(i64::MAX)));
    let now = state.clock.now();
    let pending: Vec<Pending> = crate::sql::all(
        &state.db.conn,
        "SELECT channel, COUNT(*) AS n, MIN(created_at) AS oldest FROM deliveries WHERE status = $1 GROUP BY channel",
        vec![crate::domain::DeliveryStatus::Pending.as_str().into()],
    )
    .await
    .unwrap_or_default();
    for channel in crate::domain::DeliveryChannel::ALL {
        let found = pending.iter().find(|p| p.channel == channel.as_str());
        m.outbox_pending.with_label_values(&[channel.as_str()]).set(found.map_or(0, |p| p.n));
        let age = found.and_then(|p| p.oldest).map_or(0, |t| (now - t).num_seconds().max(0));
        m.outbox_oldest.with_label_values(&[channel.as_str()]).set(age);
    }
    let calendar = state.calendar.get();
    m.calendar_missing.set(i64::try_from(crate::services::calendar::missing_years(&calendar, now).len()).unwrap_or(0));
    if let Some(p) = process_figures() {
        m.process.with_label_values(&["resident_memory_bytes"]).set(p.rss_bytes);
        m.process.with_label_values(&["open_fds"]).set(p.open_fds);
        m.process.with_label_values(&["threads"]).set(p.threads);
        m.process_cpu.set(p.cpu_seconds);
    }
    let mut out = Vec::new();
    if TextEncoder::new().encode(&m.registry.gather(), &mut out).is_err() {
        return String::new();
    }
    String::from_utf8(out).unwrap_or_default()
}

struct ProcessFigures {
    rss_bytes: i64,
    open_fds: i64,
    threads: i64,
    cpu_seconds: f64,
}

/// From `/proc/self` (Linux); None elsewhere.
fn process_figures() -> Option<ProcessFigures> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Fields 14 and 15 (utime, stime) and 20 (num_threads), 24 (rss pages), counted from 1 with the pid
    // and command as fields 1 and 2: index = field - 3 here.
    let ticks = 100.0; // USER_HZ on Linux
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    let threads: i64 = fields.get(17)?.parse().ok()?;
    let rss_pages: i64 = fields.get(21)?.parse().ok()?;
    let open_fds = std::fs::read_dir("/proc/self/fd").map(|d| d.count()).unwrap_or(0);
    Some(ProcessFigures { rss_bytes: rss_pages * 4096, open_fds: i64::try_from(open_fds).unwrap_or(0), threads, cpu_seconds: (utime + stime) / ticks })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_front_ends_operations_are_labelled_by_name() {
        assert_eq!(operation_label(Some("SubmitComment")), "SubmitComment");
        assert_eq!(operation_label(Some("DisclosureAnnualReport")), "DisclosureAnnualReport");
        assert_eq!(operation_label(Some("x9f3a_random")), "other");
        assert_eq!(operation_label(None), "anonymous");
        assert!(KNOWN_OPERATIONS.len() > 50, "{}", KNOWN_OPERATIONS.len());
    }

    #[test]
    fn the_process_figures_are_read() {
        let p = process_figures().expect("Linux");
        assert!(p.rss_bytes > 1_000_000 && p.open_fds > 0 && p.threads > 0, "{} {} {}", p.rss_bytes, p.open_fds, p.threads);
    }
}

/// How long a request waits for a database connection. The pool (sqlx's, inside sea-orm) keeps its
/// queue of waiting tasks to itself and takes its connections inside sea-orm's calls, so neither the
/// waiting count nor a request's own wait can be read; instead a probe takes a connection once a
/// second, in the same line as the requests, and gives it straight back. When the pool is exhausted
/// the probe waits as long as a request would.
pub fn start_pool_probe(state: AppState) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(1));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            match state.db.acquire_time().await {
                Some(waited) => METRICS.db_acquire.observe(waited.as_secs_f64()),
                None => METRICS.db_acquire_failures.inc(),
            }
        }
    });
}
