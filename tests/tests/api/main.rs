//! Integration tests: the real server over HTTP, on SQLite by default and on PostgreSQL + Redis when
//! `TEST_DATABASE_URL` and `TEST_REDIS_URL` are set.

mod exports;
mod instances;
mod live;
mod open_data;
mod schema;
mod smoke;
mod ws;
