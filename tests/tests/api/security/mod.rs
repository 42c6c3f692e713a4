//! Security rules as tested properties: a threat list.
//!
//! `threats`: each hole a security review found, one test each, kept shut. `roles`: every mutation,
//! subscription and private field against every role of the roles table (docs/design.md), over HTTP and WebSocket.

mod roles;
mod threats;
