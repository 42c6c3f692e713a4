//! GraphQL over WebSocket at `/graphql/ws` (graphql-transport-ws, and the older graphql-ws): sign-in
//! through the `connection_init` payload, keep-alive pings, and limits so that idle, silent or
//! vanished clients do not hold connections open.
//!
//! A connection's session is checked on every operation it carries, as every HTTP request is, and the
//! connection is closed (code 4401) as soon as the session ends: sign-out, a password change or a
//! suspension announces it (`Event::SessionsEnded`, on every instance), and the ping timer checks
//! again in case an announcement was lost. A connection's subscriptions live inside the task serving
//! it; when the client closes the socket, stops answering, cannot keep up, or its session ends, the
//! task ends and drops every subscription with its event receiver.
//!
//! Sockets are capped per client address and per instance (`WS_MAX_CONNECTIONS_PER_ADDRESS`,
//! `WS_MAX_CONNECTIONS`); one over either cap is refused with HTTP 429 before the upgrade.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_graphql::http::{WebSocket as GraphQLConnection, WsMessage, ALL_WEBSOCKET_PROTOCOLS};
use async_graphql::Executor;
use async_graphql_poem::GraphQLProtocol;
use futures_util::stream::{self, BoxStream, SplitSink};
use futures_util::{future, SinkExt, StreamExt};
use poem::http::StatusCode;
use poem::web::websocket::{Message, WebSocket, WebSocketConfig, WebSocketStream};
use poem::web::Data;
use poem::{handler, IntoResponse, Request, Response};
use serde_json::Value as Json;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::error::{localize_error, AppError};
use crate::graphql::loaders::Loaders;
use crate::graphql::subscription::ConnectionSlots;
use crate::graphql::AppSchema;
use crate::http::{self, MAX_BODY};
use crate::services::accounts;
use crate::graphql::context::RequestLocale;
use crate::i18n::Text;
use crate::services::authz::Viewer;
use crate::state::AppState;
use crate::t;

/// The server pings this often; browsers and client libraries answer with a pong on their own.
const PING_EVERY: Duration = Duration::from_secs(30);
/// A client heard from for this long (not even a pong) is gone.
const SILENCE_LIMIT: Duration = Duration::from_secs(95);
/// graphql-transport-ws: the client must send `connection_init` this soon after connecting.
const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// A client that does not take a message for this long is too slow to keep.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a closing connection waits for the client to answer its close frame.
const CLOSE_DRAIN: Duration = Duration::from_secs(1);

/// The close code of a connection whose session ended (graphql-transport-ws's "Unauthorized").
pub const SESSION_ENDED: u16 = 4401;
const SESSION_ENDED_MESSAGE: Text = t!("error-session-ended");
/// How long a socket whose session ended waits for the answers of operations already running.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// The open sockets of an instance, by client address, for the caps.
#[derive(Default)]
pub struct Sockets {
    total: AtomicUsize,
    by_address: Mutex<HashMap<String, u32>>,
}

/// One open socket's place under the caps; given back when the connection's task ends.
pub struct SocketPermit {
    sockets: Arc<Sockets>,
    address: String,
}

impl Sockets {
    /// A place for a new socket from `address`, or None when a cap is reached.
    pub fn open(self: &Arc<Self>, address: &str, per_address: u32, per_instance: u32) -> Option<SocketPermit> {
        let mut by_address = self.by_address.lock().ok()?;
        let total = self.total.load(Ordering::Acquire);
        let mine = by_address.get(address).copied().unwrap_or(0);
        if (per_instance > 0 && total >= per_instance as usize) || (per_address > 0 && mine >= per_address) {
            return None;
        }
        by_address.insert(address.to_owned(), mine + 1);
        self.total.fetch_add(1, Ordering::AcqRel);
        Some(SocketPermit { sockets: self.clone(), address: address.to_owned() })
    }

    /// Sockets open on this instance.
    pub fn count(&self) -> usize {
        self.total.load(Ordering::Acquire)
    }
}

impl Drop for SocketPermit {
    fn drop(&mut self) {
        if let Ok(mut by_address) = self.sockets.by_address.lock() {
            match by_address.get_mut(&self.address) {
                Some(n) if *n > 1 => *n -= 1,
                _ => {
                    by_address.remove(&self.address);
                }
            }
        }
        self.sockets.total.fetch_sub(1, Ordering::AcqRel);
    }
}

/// What the connection's task and the operations it carries share.
#[derive(Default)]
struct Connection {
    /// The viewer `connection_init` signed in (anonymous until then).
    viewer: Mutex<Option<Viewer>>,
    /// Set once the session is found ended; the task then closes the socket.
    ended: AtomicBool,
    /// Operations that have not given their first answer yet: the socket closes once they have (a
    /// `logout` sent on the socket gets its answer), or after `CLOSE_GRACE`.
    in_flight: AtomicUsize,
    wake: Notify,
}

/// One operation not yet answered (see `Connection::in_flight`).
struct InFlight(Arc<Connection>);

impl InFlight {
    fn new(connection: &Arc<Connection>) -> Self {
        connection.in_flight.fetch_add(1, Ordering::AcqRel);
        Self(connection.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
        self.0.wake.notify_one();
    }
}

impl Connection {
    fn signed_in(&self) -> Option<Viewer> {
        self.viewer.lock().ok().and_then(|v| v.clone())
    }

    fn end(&self) {
        self.ended.store(true, Ordering::Release);
        self.wake.notify_one();
    }

    fn has_ended(&self) -> bool {
        self.ended.load(Ordering::Acquire)
    }

    fn idle(&self) -> bool {
        self.in_flight.load(Ordering::Acquire) == 0
    }
}

#[handler]
pub async fn graphql_ws(
    req: &Request,
    websocket: WebSocket,
    protocol: GraphQLProtocol,
    Data(state): Data<&AppState>,
    Data(schema): Data<&AppSchema>,
) -> Response {
    let client_key = http::client_key(state, req);
    let Some(permit) = state.sockets.open(&client_key, state.config.ws_per_address, state.config.ws_per_instance) else {
        return http::json_error(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED", t!("error-too-many-connections"), http::anonymous_locale(state, req));
    };
    let state = state.clone();
    let connection = Arc::new(Connection::default());
    let locale = http::request_locale(req);
    let executor = WsExecutor { schema: schema.clone(), state: state.clone(), connection: connection.clone(), locale };
    let config = WebSocketConfig::default().max_message_size(Some(MAX_BODY)).max_frame_size(Some(MAX_BODY));
    websocket
        .config(config)
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| async move {
            serve(socket, executor, protocol, state, connection, client_key, locale).await;
            drop(permit);
        })
        .into_response()
}

async fn serve(
    socket: WebSocketStream,
    executor: WsExecutor,
    protocol: GraphQLProtocol,
    state: AppState,
    connection: Arc<Connection>,
    client_key: String,
    requested: RequestLocale,
) {
    let (mut sink, incoming) = socket.split();
    let opened = Instant::now();
    let heard_ms = Arc::new(AtomicU64::new(0));
    let heard = heard_ms.clone();
    let incoming = incoming.take_while(|frame| future::ready(frame.is_ok())).filter_map(move |frame| {
        heard.store(millis(opened.elapsed()), Ordering::Relaxed);
        future::ready(match frame {
            Ok(message) if message.is_text() || message.is_binary() => Some(message.into_bytes()),
            _ => None,
        })
    });
    let initialised = Arc::new(AtomicBool::new(false));
    let init_done = initialised.clone();
    let init_state = state.clone();
    let init_connection = connection.clone();
    let on_init = move |payload: Json| async move {
        let viewer = signed_in_viewer(&init_state, client_key, &payload).await.map_err(|mut error| {
            // Nobody is signed in yet: the upgrade request's language.
            localize_error(&mut error, http::reader_locale(&init_state, None, requested));
            error
        })?;
        if let Ok(mut slot) = init_connection.viewer.lock() {
            *slot = Some(viewer);
        }
        init_done.store(true, Ordering::Relaxed);
        let mut data = async_graphql::Data::default();
        data.insert(ConnectionSlots::default());
        Ok(data)
    };
    let messages = GraphQLConnection::new(executor, incoming, protocol.0).on_connection_init(on_init).map(|message| match message {
        WsMessage::Text(text) => Message::text(text),
        WsMessage::Close(code, reason) => Message::close_with(code, reason),
    });
    futures_util::pin_mut!(messages);
    let mut session_ends = state.events.session_ends();
    let mut ping = tokio::time::interval_at(opened + PING_EVERY, PING_EVERY);
    let init_deadline = tokio::time::sleep(INIT_TIMEOUT);
    futures_util::pin_mut!(init_deadline);
    let mut awaiting_init = true;
    let mut ended_at: Option<Instant> = None;
    let mut announcements = true;
    loop {
        if connection.has_ended() {
            let since = *ended_at.get_or_insert_with(Instant::now);
            if connection.idle() || since.elapsed() >= CLOSE_GRACE {
                break;
            }
        }
        let grace = async {
            match ended_at {
                Some(at) => tokio::time::sleep_until(at + CLOSE_GRACE).await,
                None => future::pending().await,
            }
        };
        let outgoing = tokio::select! {
            biased;
            () = connection.wake.notified() => continue,
            () = grace => continue,
            ended = session_ends.recv(), if announcements => {
                let ours = connection.signed_in().and_then(|v| v.user_id());
                let check = match ended {
                    Ok(user) => ours == Some(user),
                    // Announcements were missed: any of them may have been ours.
                    Err(RecvError::Lagged(_)) => ours.is_some(),
                    // The instance is shutting down: the ping's check is left.
                    Err(RecvError::Closed) => {
                        announcements = false;
                        false
                    }
                };
                if check {
                    check_session(&state, &connection).await;
                }
                continue;
            },
            message = messages.next() => match message {
                Some(message) => message,
                None => break,
            },
            _ = ping.tick() => {
                let silent = opened.elapsed().saturating_sub(Duration::from_millis(heard_ms.load(Ordering::Relaxed)));
                if silent > SILENCE_LIMIT {
                    let _ = send(&mut sink, Message::close_with(1001u16, "No answer to pings.")).await;
                    break;
                }
                // In case the announcement of an ended session was lost (Redis unreachable, say).
                check_session(&state, &connection).await;
                Message::ping(Vec::new())
            },
            () = &mut init_deadline, if awaiting_init => {
                awaiting_init = false;
                if initialised.load(Ordering::Relaxed) {
                    continue;
                }
                let _ = send(&mut sink, Message::close_with(4408u16, "Connection initialisation timeout")).await;
                break;
            },
        };
        if !send(&mut sink, outgoing).await {
            break;
        }
    }
    if connection.has_ended() {
        let _ = send(&mut sink, Message::close_with(SESSION_ENDED, "Session ended")).await;
    }
    // The closing handshake: read on until the client answers the close (or a moment passes), so that
    // the socket is not shut with the client's last frames unread, which makes the kernel reset the
    // connection and the client lose the close frame and its code.
    let _ = tokio::time::timeout(CLOSE_DRAIN, async { while messages.next().await.is_some() {} }).await;
}

/// Ends the connection if its session is no longer live. A database or Redis failure is not taken
/// for an ended session: the next operation checks again.
async fn check_session(state: &AppState, connection: &Connection) {
    let Some(hash) = connection.signed_in().and_then(|v| v.token_hash) else { return };
    if let Ok(None) = accounts::session_user(state, &hash).await {
        connection.end();
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

async fn send(sink: &mut SplitSink<WebSocketStream, Message>, message: Message) -> bool {
    matches!(tokio::time::timeout(SEND_TIMEOUT, sink.send(message)).await, Ok(Ok(())))
}

/// The token in the `connection_init` payload: `{ "token": "…" }`, or an `Authorization` entry
/// holding `Bearer …` as some client libraries send it.
fn token_of(payload: &Json) -> Option<&str> {
    let direct = payload.get("token").and_then(Json::as_str);
    let header = ["Authorization", "authorization"]
        .iter()
        .find_map(|key| payload.get(*key).and_then(Json::as_str))
        .map(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")).unwrap_or(v));
    direct.or(header).map(str::trim).filter(|t| !t.is_empty())
}

/// The viewer of the `connection_init` payload: anonymous when the token is missing or no longer
/// valid, as over HTTP.
async fn signed_in_viewer(state: &AppState, client_key: String, payload: &Json) -> async_graphql::Result<Viewer> {
    let mut viewer = Viewer::anonymous(client_key);
    if let Some(token) = token_of(payload) {
        if let Some((user, hash)) = accounts::authenticate(state, token).await? {
            viewer.user = Some(user);
            viewer.token_hash = Some(hash);
        }
    }
    Ok(viewer)
}

/// Runs each operation of a connection as the HTTP endpoint runs a request: the document checked
/// before it is parsed, the session checked and the account read afresh, fresh loaders, the same
/// error codes.
#[derive(Clone)]
struct WsExecutor {
    schema: AppSchema,
    state: AppState,
    connection: Arc<Connection>,
    /// The language the upgrade request asked for.
    locale: RequestLocale,
}

impl WsExecutor {
    async fn prepare(&self, mut request: async_graphql::Request) -> Result<(async_graphql::Request, Finish), async_graphql::Response> {
        let document = self.state.documents.for_request(&request.query, request.operation_name.as_deref()).map_err(|e| self.refused(e))?;
        let viewer = self.current_viewer().await.map_err(|e| self.refused(e))?;
        request.set_parsed_query(document.as_ref().clone());
        let operation_name = request.operation_name.clone();
        let locale = http::reader_locale(&self.state, Some(&viewer), self.locale);
        let request = request.data(Loaders::new(&self.state.db.conn, viewer.user_id())).data(viewer).data(self.locale);
        Ok((request, Finish { document, operation_name, locale }))
    }

    /// An operation refused before it runs, in the language of the account the connection signed in
    /// with (as it was then: a session that just ended has no account to read afresh).
    fn refused(&self, error: AppError) -> async_graphql::Response {
        let locale = http::reader_locale(&self.state, self.connection.signed_in().as_ref(), self.locale);
        http::refused(error, locale)
    }

    /// The connection's viewer as it is now: UNAUTHENTICATED (and the connection closing) once its
    /// session has ended.
    async fn current_viewer(&self) -> Result<Viewer, AppError> {
        let Some(mut viewer) = self.connection.signed_in() else { return Err(AppError::UnauthenticatedWith(SESSION_ENDED_MESSAGE)) };
        if self.connection.has_ended() {
            return Err(AppError::UnauthenticatedWith(SESSION_ENDED_MESSAGE));
        }
        let Some(hash) = viewer.token_hash.clone() else { return Ok(viewer) };
        match accounts::session_user(&self.state, &hash).await? {
            Some(user) => {
                viewer.user = Some(user);
                Ok(viewer)
            }
            None => {
                self.connection.end();
                Err(AppError::UnauthenticatedWith(SESSION_ENDED_MESSAGE))
            }
        }
    }
}

/// What an operation's answers are put right by: its document and operation name, and the reader's
/// language (of the account as it was when the operation started, else of the connection's request).
struct Finish {
    document: Arc<async_graphql::parser::types::ExecutableDocument>,
    operation_name: Option<String>,
    locale: crate::i18n::Locale,
}

impl Finish {
    fn finish(&self, response: &mut async_graphql::Response) {
        crate::error::localize_response(response, self.locale);
        crate::graphql::nulls::propagate(response, &self.document, self.operation_name.as_deref());
        http::add_missing_codes(response);
    }
}

impl Executor for WsExecutor {
    fn execute(&self, request: async_graphql::Request) -> impl Future<Output = async_graphql::Response> + Send {
        let this = self.clone();
        async move {
            match this.prepare(request).await {
                Ok((request, finish)) => {
                    let mut response = this.schema.execute(request).await;
                    finish.finish(&mut response);
                    response
                }
                Err(refused) => refused,
            }
        }
    }

    fn execute_stream(&self, request: async_graphql::Request, session_data: Option<Arc<async_graphql::Data>>) -> BoxStream<'static, async_graphql::Response> {
        let mut unanswered = Some(InFlight::new(&self.connection));
        let this = self.clone();
        stream::once(async move { this.prepare(request).await.map(|prepared| (this.schema, prepared)) })
            .flat_map(move |prepared| match prepared {
                Ok((schema, (request, finish))) => {
                    Executor::execute_stream(&schema, request, session_data.clone())
                        .map(move |mut response| {
                            finish.finish(&mut response);
                            response
                        })
                        .boxed()
                }
                Err(refused) => stream::once(future::ready(refused)).boxed(),
            })
            .map(move |response| {
                unanswered.take();
                response
            })
            .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_comes_from_the_init_payload() {
        assert_eq!(token_of(&serde_json::json!({ "token": " abc " })), Some("abc"));
        assert_eq!(token_of(&serde_json::json!({ "Authorization": "Bearer xyz" })), Some("xyz"));
        assert_eq!(token_of(&serde_json::json!({ "token": "" })), None);
        assert_eq!(token_of(&Json::Null), None);
    }
}
