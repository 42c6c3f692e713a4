//! Builds the application from its configuration and serves it until SIGTERM or Ctrl-C.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use poem::http::Method;
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::middleware::{Cors, RequestId, ReuseId};
use poem::{get, EndpointExt, Route, Server};

use crate::compression::Gzip;
use crate::config::Config;
use crate::downloads;
use crate::graphql;
use crate::graphiql;
use crate::http;
use crate::state::AppState;
use crate::websocket;

/// Logs to standard error, as text or JSON lines, filtered by `RUST_LOG` (else `default`). In JSON each
/// line carries the spans it was written in: a request's lines carry its `request_id`. When the
/// OpenTelemetry variables ask for traces, the spans of `telemetry::TARGET` go to the OTLP exporter
/// (never into the log lines); a misconfigured exporter is an error at start. Lines go through
/// `logsink`'s buffer: the binary flushes it before it exits.
pub fn init_tracing(format: crate::config::LogFormat, default: &str) -> anyhow::Result<()> {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    use tracing_subscriber::Layer as _;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let filter = match format!("{}=off", crate::telemetry::TARGET).parse() {
        Ok(directive) => filter.add_directive(directive),
        Err(_) => filter,
    };
    let writer = crate::logsink::MakeSink;
    let logs = match format {
        crate::config::LogFormat::Json => tracing_subscriber::fmt::layer().json().with_writer(writer).with_filter(filter).boxed(),
        crate::config::LogFormat::Text => tracing_subscriber::fmt::layer().with_writer(writer).with_filter(filter).boxed(),
    };
    let traces = crate::telemetry::init()?;
    // A second call (tests starting several servers in one process) keeps the first subscriber.
    if tracing_subscriber::registry().with(logs).with(traces).try_init().is_ok() {
        crate::logsink::install();
        crate::access_log::set_format(format);
    }
    Ok(())
}

/// The routes with their middleware and shared data.
pub fn app(state: AppState) -> impl poem::Endpoint + 'static {
    let schema = graphql::build_schema(Some(state.clone()));
    let mut cors = Cors::new().allow_credentials(false);
    for origin in &state.config.cors_origins {
        cors = cors.allow_origin(origin.as_str());
    }
    let api = Route::new()
        .at("/", get(graphiql::page))
        .at("/assets/graphiql/:file", get(graphiql::asset))
        .at("/graphql", get(http::graphql).post(http::graphql))
        .at("/graphql/ws", get(websocket::graphql_ws))
        .at("/exports/:token", get(downloads::export))
        .at("/reports/disclosure/:token", get(downloads::disclosure_report))
        .at("/unsubscribe", get(crate::unsubscribe::show).post(crate::unsubscribe::confirm))
        .at("/healthz", get(http::healthz))
        .at("/readyz", get(http::readyz))
        .at("/metrics", get(http::metrics))
        .with(cors);
    // Open data is for everyone, whatever site a browser fetches it from.
    let open_data = Route::new()
        .at("/consultations.json", get(downloads::open_data_index))
        .at("/consultations/:name", get(downloads::open_data_consultation))
        .at("/consultations/:id/:name", get(downloads::open_data_comments))
        .with(Cors::new().allow_credentials(false).allow_method(Method::GET));
    Route::new()
        .nest("/open-data", open_data)
        .nest("/", api)
        .with(Gzip)
        .with(crate::access_log::AccessLog)
        .with(RequestId::default().reuse_id(ReuseId::Ignore))
        .data(schema)
        .data(state)
}

/// A running server: its address and the task serving it.
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Migrates, binds `config.listen_addr` (port 0 picks a free port) and serves in the background until
/// `shutdown` resolves.
pub async fn start(config: Config, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> anyhow::Result<Running> {
    // The segmenter's dictionary loads while the server starts, not in the first writer's request.
    let warming = tokio::task::spawn_blocking(crate::search::warm_up);
    let state = AppState::new(config).await?;
    state.db.migrate().await?;
    warming.await.context("loading the segmenter's dictionary failed")?;
    crate::services::calendar::seed(&state).await.map_err(|e| anyhow::anyhow!("the holiday calendar could not be read from the database: {e:?}"))?;
    let acceptor = TcpListener::bind(state.config.listen_addr)
        .into_acceptor()
        .await
        .with_context(|| format!("cannot listen on {}", state.config.listen_addr))?;
    let addr = acceptor
        .local_addr()
        .first()
        .and_then(|a| a.as_socket_addr().copied())
        .context("the listener has no address")?;
    crate::services::reminders::start(state.clone());
    crate::services::outbox::start(state.clone());
    crate::services::similar::start(state.clone());
    crate::services::comments::bulk::start_worker(state.clone());
    crate::metrics::start_pool_probe(state.clone());
    let endpoint = app(state.clone());
    let task = tokio::spawn(async move {
        Server::new_with_acceptor(acceptor)
            .idle_timeout(Duration::from_secs(60))
            .run_with_graceful_shutdown(endpoint, shutdown, Some(Duration::from_secs(20)))
            .await
    });
    Ok(Running { addr, state, task })
}

/// Serves until SIGTERM or Ctrl-C, then drains in-flight requests.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let running = start(config, shutdown_signal()).await?;
    let backend = if running.state.config.is_sqlite() { "SQLite" } else { "PostgreSQL" };
    let sessions = if running.state.redis.is_some() { "Redis" } else { "in-process" };
    tracing::info!(addr = %running.addr, backend, sessions, "Gongkai is listening");
    println!("Gongkai is listening on http://{} (GraphiQL at http://{}/ ; database: {backend}; sessions and rate limits: {sessions})", running.addr, running.addr);
    let served = running.task.await;
    // The spans of the last requests go out before the process ends.
    crate::telemetry::shutdown().await;
    served.context("the server task failed")?.context("the server stopped with an error")?;
    tracing::info!("Gongkai stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: draining in-flight requests");
}
