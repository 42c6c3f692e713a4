//! Integration tests: the real server over HTTP, on SQLite by default and on PostgreSQL + Redis when
//! `TEST_DATABASE_URL` and `TEST_REDIS_URL` are set.

mod support;

mod account_admin;
mod accounts;
mod batches;
mod bulk_reply;
mod cache;
mod calendar;
mod audit;
mod comments;
mod compression;
mod consultations;
mod disclosure;
mod email;
mod errors;
mod exports;
mod graphiql;
mod instances;
mod integrity;
mod limits;
mod live;
mod moderation;
mod notifications;
mod observability;
mod observations;
mod open_data;
mod plans;
mod queries;
mod replies;
mod reply_templates;
mod schema;
mod scorecards;
mod search;
mod security;
mod sessions;
mod shared_pages;
mod similar;
mod statements;
mod submissions;
mod smoke;
mod supervisors;
mod webhooks;
mod ws;
