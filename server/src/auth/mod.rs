//! Authentication: password hashing, bearer-token sessions, rate limits and the client's address.

pub mod client;
pub mod password;
pub mod rate_limit;
pub mod sessions;
