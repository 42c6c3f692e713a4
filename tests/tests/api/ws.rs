//! A small graphql-transport-ws client for the subscription tests.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Long enough for an event to cross Redis and a database read on a busy test machine.
pub const WAIT: Duration = Duration::from_secs(10);
/// How long to listen before concluding that nothing is coming.
pub const QUIET: Duration = Duration::from_millis(700);

pub struct Ws {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// The server's close, once read (with its code): a socket closes once, and every later read
    /// answers with that close rather than with a broken stream.
    closed: Option<Option<u16>>,
}

/// What the server sent about one operation.
#[derive(Debug)]
pub enum Frame {
    Next(Value),
    Error(Value),
    Complete,
}

impl Ws {
    /// Opens `/graphql/ws` on the server at `base` (`http://…`) and signs in with `token` through
    /// `connection_init`.
    pub async fn connect(base: &str, token: Option<&str>) -> Ws {
        Ws::connect_in(base, token, None).await
    }

    /// `connect`, the upgrade request asking for `language` (`Accept-Language`).
    pub async fn connect_in(base: &str, token: Option<&str>, language: Option<&str>) -> Ws {
        let url = format!("{}/graphql/ws", base.replacen("http://", "ws://", 1));
        let mut request = url.into_client_request().expect("a WebSocket request");
        request.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_static("graphql-transport-ws"));
        if let Some(language) = language {
            request.headers_mut().insert("Accept-Language", HeaderValue::from_str(language).expect("a header value"));
        }
        let (socket, response) = tokio_tungstenite::connect_async(request).await.expect("open the WebSocket");
        assert_eq!(response.headers().get("sec-websocket-protocol").and_then(|v| v.to_str().ok()), Some("graphql-transport-ws"));
        let mut ws = Ws { socket, closed: None };
        let payload = match token {
            Some(t) => json!({ "token": t }),
            None => json!({}),
        };
        ws.send(json!({ "type": "connection_init", "payload": payload })).await;
        let ack = ws.receive(WAIT).await.expect("an answer to connection_init");
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        ws
    }

    async fn send(&mut self, message: Value) {
        self.socket.send(Message::text(message.to_string())).await.expect("send on the WebSocket");
    }

    /// The next GraphQL message, answering pings on the way; None if nothing came within `wait`.
    async fn receive(&mut self, wait: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let message = tokio::time::timeout_at(deadline, self.socket.next()).await.ok()?;
            match message {
                Some(Ok(Message::Text(text))) => {
                    let value: Value = serde_json::from_str(&text).expect("JSON from the server");
                    if value["type"] == "ping" {
                        self.send(json!({ "type": "pong" })).await;
                        continue;
                    }
                    return Some(value);
                }
                Some(Ok(Message::Close(frame))) => panic!("the server closed the connection: {frame:?}"),
                Some(Ok(_)) => continue,
                Some(Err(error)) => panic!("the WebSocket failed: {error}"),
                None => panic!("the WebSocket ended"),
            }
        }
    }

    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } })).await;
    }

    /// The next frame for operation `id`, within `WAIT`.
    pub async fn frame(&mut self, id: &str) -> Frame {
        let message = self.receive(WAIT).await.unwrap_or_else(|| panic!("nothing arrived for subscription {id}"));
        assert_eq!(message["id"], id, "{message}");
        match message["type"].as_str() {
            Some("next") => Frame::Next(message["payload"].clone()),
            Some("error") => Frame::Error(message["payload"].clone()),
            Some("complete") => Frame::Complete,
            _ => panic!("unexpected message {message}"),
        }
    }

    /// The data of the next result for `id`, panicking on errors.
    pub async fn next_data(&mut self, id: &str) -> Value {
        match self.frame(id).await {
            Frame::Next(payload) if payload.get("errors").is_none() => payload["data"].clone(),
            other => panic!("expected data for {id}, got {other:?}"),
        }
    }

    /// The `extensions.code` of the error that ends operation `id`.
    pub async fn error_code(&mut self, id: &str) -> String {
        let code = match self.frame(id).await {
            Frame::Next(payload) => payload["errors"][0]["extensions"]["code"].as_str().map(str::to_owned),
            Frame::Error(errors) => errors[0]["extensions"]["code"].as_str().map(str::to_owned),
            Frame::Complete => None,
        };
        code.unwrap_or_else(|| panic!("expected an error with a code for {id}"))
    }

    /// Asserts that nothing arrives for a while.
    pub async fn assert_quiet(&mut self) {
        if let Some(message) = self.receive(QUIET).await {
            panic!("expected nothing, got {message}");
        }
    }

    pub async fn complete(&mut self, id: &str) {
        self.send(json!({ "id": id, "type": "complete" })).await;
    }

    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }
}

/// What became of one operation sent with `Ws::run` or awaited with `Ws::answer`.
#[derive(Debug)]
pub enum Answer {
    /// The operation's response: `{ "data": …, "errors": … }` (an `error` message's list as `errors`).
    Response(Value),
    /// The server closed the socket instead, with this close code (None: it just went away).
    Closed(Option<u16>),
}

/// One thing read from the socket, without panicking on its end.
enum Incoming {
    Message(Value),
    Closed(Option<u16>),
    Nothing,
}

impl Ws {
    /// The next GraphQL message within `wait`, answering pings; a close or a broken socket is
    /// reported, not panicked on.
    async fn incoming(&mut self, wait: Duration) -> Incoming {
        if let Some(code) = self.closed {
            return Incoming::Closed(code);
        }
        let incoming = self.read(wait).await;
        if let Incoming::Closed(code) = incoming {
            self.closed = Some(code);
        }
        incoming
    }

    async fn read(&mut self, wait: Duration) -> Incoming {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let Ok(message) = tokio::time::timeout_at(deadline, self.socket.next()).await else { return Incoming::Nothing };
            match message {
                Some(Ok(Message::Text(text))) => {
                    let value: Value = serde_json::from_str(&text).expect("JSON from the server");
                    if value["type"] == "ping" {
                        let _ = self.socket.send(Message::text(json!({ "type": "pong" }).to_string())).await;
                        continue;
                    }
                    return Incoming::Message(value);
                }
                Some(Ok(Message::Close(frame))) => return Incoming::Closed(frame.map(|f| u16::from(f.code))),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Incoming::Closed(None),
            }
        }
    }

    /// Runs one query or mutation as operation `id` and returns its response, or that the server
    /// closed the socket instead (then the socket is of no further use).
    pub async fn run(&mut self, id: &str, query: &str, variables: Value) -> Answer {
        if let Err(closed) = self.start(id, query, variables).await {
            return closed;
        }
        self.answer(id, WAIT).await.unwrap_or_else(|| panic!("nothing arrived for operation {id}"))
    }

    /// Sends operation `id` like `subscribe`, but tells (instead of panicking) that the server has
    /// closed the socket.
    pub async fn start(&mut self, id: &str, query: &str, variables: Value) -> Result<(), Answer> {
        if let Some(code) = self.closed {
            return Err(Answer::Closed(code));
        }
        let message = json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } });
        if self.socket.send(Message::text(message.to_string())).await.is_ok() {
            return Ok(());
        }
        // A socket the server closed may still hold its close frame.
        Err(match self.incoming(QUIET).await {
            Incoming::Closed(code) => Answer::Closed(code),
            _ => Answer::Closed(None),
        })
    }

    /// The first answer for operation `id` within `wait` (None if nothing came): its first result,
    /// its error, or the socket's end. A query's or mutation's trailing `complete` is read too.
    pub async fn answer(&mut self, id: &str, wait: Duration) -> Option<Answer> {
        loop {
            let message = match self.incoming(wait).await {
                Incoming::Nothing => return None,
                Incoming::Closed(code) => return Some(Answer::Closed(code)),
                Incoming::Message(message) => message,
            };
            if message["id"] != id {
                continue;
            }
            return Some(match message["type"].as_str() {
                Some("next") => {
                    let payload = message["payload"].clone();
                    if payload.get("errors").is_some() || !is_subscription_event(&payload) {
                        // A one-shot operation ends with `complete`; read it so that it is not
                        // mistaken for the answer to the next operation.
                        let _ = self.incoming(QUIET).await;
                    }
                    Answer::Response(payload)
                }
                Some("error") => Answer::Response(json!({ "errors": message["payload"] })),
                Some("complete") => Answer::Response(json!({ "data": null })),
                _ => panic!("unexpected message {message}"),
            });
        }
    }
}

/// Whether a `next` payload is an event of a live subscription (after which nothing else is due).
fn is_subscription_event(payload: &Value) -> bool {
    payload["data"].as_object().is_some_and(|o| o.contains_key("commentAdded") || o.contains_key("replyPosted"))
}

pub const COMMENT_ADDED: &str = "subscription CommentAdded($consultationId: ID!) {
  commentAdded(consultationId: $consultationId) { id body stance status createdAt section { id ordinal } }
}";

pub const MY_REPLIES: &str = "subscription MyReplies {
  replyPosted { id body adoption createdAt comment { id consultation { id title } } }
}";


impl Ws {
    /// Opens a socket and signs in, or gives the HTTP status the server refused the upgrade with.
    pub async fn try_connect(base: &str, token: Option<&str>) -> Result<Ws, u16> {
        let url = format!("{}/graphql/ws", base.replacen("http://", "ws://", 1));
        let mut request = url.into_client_request().expect("a WebSocket request");
        request.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_static("graphql-transport-ws"));
        match tokio_tungstenite::connect_async(request).await {
            Ok((socket, _)) => {
                let mut ws = Ws { socket, closed: None };
                let payload = token.map_or_else(|| json!({}), |t| json!({ "token": t }));
                ws.send(json!({ "type": "connection_init", "payload": payload })).await;
                let ack = ws.receive(WAIT).await.expect("an answer to connection_init");
                assert_eq!(ack["type"], "connection_ack", "{ack}");
                Ok(ws)
            }
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
            Err(error) => panic!("the WebSocket failed: {error}"),
        }
    }
}
