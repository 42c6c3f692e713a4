//! GraphQL subscriptions over WebSocket at `/graphql/ws` (graphql-transport-ws, and the older
//! graphql-ws): sign-in through the `connection_init` payload, keep-alive pings, and limits so that
//! idle, silent or vanished clients do not hold connections open.
//!
//! A connection's subscriptions live inside the task serving it; when the client closes the socket,
//! stops answering, or cannot keep up with what is sent, the task ends and drops every subscription
//! with its event receiver.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_graphql::http::{WebSocket as GraphQLConnection, WsMessage, ALL_WEBSOCKET_PROTOCOLS};
use async_graphql::Executor;
use async_graphql_poem::GraphQLProtocol;
use futures_util::stream::{BoxStream, SplitSink};
use futures_util::{future, SinkExt, StreamExt};
use poem::web::websocket::{Message, WebSocket, WebSocketConfig, WebSocketStream};
use poem::web::Data;
use poem::{handler, IntoResponse, Request};
use serde_json::Value as Json;
use tokio::time::Instant;

use crate::graphql::loaders::Loaders;
use crate::graphql::subscription::ConnectionSlots;
use crate::graphql::AppSchema;
use crate::http::{self, MAX_BODY};
use crate::services::accounts;
use crate::services::authz::Viewer;
use crate::state::AppState;

/// The server pings this often; browsers and client libraries answer with a pong on their own.
const PING_EVERY: Duration = Duration::from_secs(30);
/// A client heard from for this long (not even a pong) is gone.
const SILENCE_LIMIT: Duration = Duration::from_secs(95);
/// graphql-transport-ws: the client must send `connection_init` this soon after connecting.
const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// A client that does not take a message for this long is too slow to keep.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

#[handler]
pub async fn graphql_ws(
    req: &Request,
    websocket: WebSocket,
    protocol: GraphQLProtocol,
    Data(state): Data<&AppState>,
    Data(schema): Data<&AppSchema>,
) -> impl IntoResponse {
    let client_key = http::client_key(state, req);
    let state = state.clone();
    let executor = WsExecutor(schema.clone());
    let config = WebSocketConfig::default().max_message_size(Some(MAX_BODY)).max_frame_size(Some(MAX_BODY));
    websocket
        .config(config)
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| serve(socket, executor, protocol, state, client_key))
}

async fn serve(socket: WebSocketStream, executor: WsExecutor, protocol: GraphQLProtocol, state: AppState, client_key: String) {
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
    let on_init = move |payload: Json| async move {
        let data = connection_data(&state, client_key, &payload).await?;
        init_done.store(true, Ordering::Relaxed);
        Ok(data)
    };
    let messages = GraphQLConnection::new(executor, incoming, protocol.0).on_connection_init(on_init).map(|message| match message {
        WsMessage::Text(text) => Message::text(text),
        WsMessage::Close(code, reason) => Message::close_with(code, reason),
    });
    futures_util::pin_mut!(messages);
    let mut ping = tokio::time::interval_at(opened + PING_EVERY, PING_EVERY);
    let init_deadline = tokio::time::sleep(INIT_TIMEOUT);
    futures_util::pin_mut!(init_deadline);
    let mut awaiting_init = true;
    loop {
        let outgoing = tokio::select! {
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

/// What every operation on the connection sees: the viewer (anonymous when the token is missing or no
/// longer valid, as over HTTP), the connection's loaders and its subscription slots. The loaders do not
/// cache, so sharing them across the connection's operations never serves stale rows.
async fn connection_data(state: &AppState, client_key: String, payload: &Json) -> async_graphql::Result<async_graphql::Data> {
    let mut viewer = Viewer::anonymous(client_key);
    if let Some(token) = token_of(payload) {
        if let Some((user, hash)) = accounts::authenticate(state, token).await? {
            viewer.user = Some(user);
            viewer.token_hash = Some(hash);
        }
    }
    let mut data = async_graphql::Data::default();
    data.insert(Loaders::new(&state.db.conn, viewer.user_id()));
    data.insert(viewer);
    data.insert(ConnectionSlots::default());
    Ok(data)
}

/// The schema, with the same error codes as the HTTP endpoint gives.
#[derive(Clone)]
struct WsExecutor(AppSchema);

impl Executor for WsExecutor {
    fn execute(&self, request: async_graphql::Request) -> impl Future<Output = async_graphql::Response> + Send {
        let schema = self.0.clone();
        async move {
            let mut response = schema.execute(request).await;
            http::add_missing_codes(&mut response);
            response
        }
    }

    fn execute_stream(&self, request: async_graphql::Request, session_data: Option<Arc<async_graphql::Data>>) -> BoxStream<'static, async_graphql::Response> {
        Executor::execute_stream(&self.0, request, session_data)
            .map(|mut response| {
                http::add_missing_codes(&mut response);
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
