//! Gzip for responses, when the client accepts it.
//!
//! In place of poem's `Compression` middleware, whose `compression` feature builds brotli, zstd (C
//! sources), deflate and gzip codecs for the one coding clients actually need: this one uses flate2's
//! pure-Rust backend and only gzips. Bodies are compressed as they stream (a download of any size
//! stays streamed, chunk by chunk). Left alone: bodies known to be under `MIN_SIZE`, responses that
//! already have a `Content-Encoding`, event streams, protocol switches (WebSocket) and responses with
//! no body (204, 304). Responses it could compress carry `Vary: Accept-Encoding` either way.
//!
//! Request bodies are not decompressed: a request with a `Content-Encoding` other than `identity` is
//! answered 415.

use std::io::Write;

use bytes::Bytes;
use flate2::write::GzEncoder;
use futures_util::stream::{self, StreamExt};
use http_body::Body as _;
use http_body_util::combinators::BoxBody;
use poem::http::{header, HeaderMap, HeaderValue, StatusCode};
use poem::{Body, Endpoint, IntoResponse, Middleware, Request, Response, Result};

/// Bodies known to be smaller than this are sent as they are: gzip would save next to nothing.
pub const MIN_SIZE: u64 = 1024;

/// Gzips responses for clients that send `Accept-Encoding: gzip`.
#[derive(Debug, Default, Clone, Copy)]
pub struct Gzip;

impl<E: Endpoint> Middleware<E> for Gzip {
    type Output = GzipEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        GzipEndpoint { ep }
    }
}

pub struct GzipEndpoint<E> {
    ep: E,
}

impl<E: Endpoint> Endpoint for GzipEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Response> {
        let encoded = req.headers().get(header::CONTENT_ENCODING).map(|v| v.as_bytes().trim_ascii());
        if encoded.is_some_and(|v| !v.eq_ignore_ascii_case(b"identity")) {
            // The state is added outside this middleware (startup), so every request carries it.
            let locale = match req.data::<crate::state::AppState>() {
                Some(state) => crate::http::anonymous_locale(state, &req),
                None => crate::i18n::Locale::default(),
            };
            return Ok(crate::http::json_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "BAD_USER_INPUT", crate::t!("error-content-encoding"), locale));
        }
        let accepts = accepts_gzip(req.headers());
        let mut resp = self.ep.call(req).await?.into_response();
        if !compressible(&resp) {
            return Ok(resp);
        }
        // poem's `Body` keeps its size to itself; as the boxed body it converts to, it tells.
        let body: BoxBody<Bytes, std::io::Error> = resp.take_body().into();
        let size = body.size_hint().exact().or_else(|| declared_size(resp.headers()));
        resp.set_body(Body::from(body));
        if size.is_some_and(|n| n < MIN_SIZE) {
            return Ok(resp);
        }
        resp.headers_mut().append(header::VARY, HeaderValue::from_static("accept-encoding"));
        if accepts {
            let body = resp.take_body();
            resp.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            resp.headers_mut().remove(header::CONTENT_LENGTH);
            resp.set_body(gzip(body));
        }
        Ok(resp)
    }
}

/// Whether `Accept-Encoding` allows gzip: `gzip` (or `x-gzip`) with a non-zero quality, or `*` with a
/// non-zero quality when gzip is not named.
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut star = false;
    for value in headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()) {
        for item in value.split(',') {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or_default().trim();
            let quality = parts
                .filter_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
                return quality > 0.0;
            }
            if coding == "*" {
                star = quality > 0.0;
            }
        }
    }
    star
}

/// Whether the response is one to gzip for a client that accepts it.
fn compressible(resp: &Response) -> bool {
    let status = resp.status();
    if status.is_informational() || status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED {
        return false;
    }
    let headers = resp.headers();
    if headers.contains_key(header::CONTENT_ENCODING) || headers.contains_key(header::CONTENT_RANGE) {
        return false;
    }
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let media = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let compressed_already = (media.starts_with("image/") && media != "image/svg+xml")
        || media.starts_with("audio/")
        || media.starts_with("video/")
        || matches!(media.as_str(), "application/gzip" | "application/zip" | "application/zstd" | "application/octet-stream");
    // An event stream's events must reach the client one by one, not when a gzip block fills.
    media != "text/event-stream" && !compressed_already
}

fn declared_size(headers: &HeaderMap) -> Option<u64> {
    headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok())
}

/// The body, gzipped as it streams: each chunk read is compressed into whatever output it completes.
fn gzip(body: Body) -> Body {
    let chunks = body.into_bytes_stream().boxed();
    let state = Some((chunks, GzEncoder::new(Vec::new(), flate2::Compression::default())));
    Body::from_bytes_stream(stream::unfold(state, |state| async move {
        let (mut chunks, mut encoder) = state?;
        loop {
            match chunks.next().await {
                Some(Ok(chunk)) => {
                    if let Err(e) = encoder.write_all(&chunk) {
                        return Some((Err(e), None));
                    }
                    let out = std::mem::take(encoder.get_mut());
                    if !out.is_empty() {
                        return Some((Ok(Bytes::from(out)), Some((chunks, encoder))));
                    }
                }
                Some(Err(e)) => return Some((Err(e), None)),
                None => return Some((encoder.finish().map(Bytes::from), None)),
            }
        }
    }))
}
