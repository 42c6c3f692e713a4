//! Authentication: password hashing, bearer-token sessions, rate limits and the client's address.

pub mod accounts_cache;
pub mod client;
pub mod password;
pub mod rate_limit;
pub mod sessions;
