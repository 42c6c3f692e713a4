//! Gongkai: the backend of a government public-participation platform.
//!
//! `startup` builds the application; `services` hold the domain rules; `graphql` is the API's edge.

pub mod access_log;
pub mod auth;
pub mod cache;
pub mod calendar;
pub mod cli;
pub mod clock;
pub mod compression;
pub mod config;
pub mod data_key;
pub mod db;
pub mod documents;
pub mod domain;
pub mod downloads;
pub mod error;
pub mod events;
pub mod graphiql;
pub mod graphql;
pub mod http;
pub mod i18n;
pub mod logsink;
pub mod metrics;
pub mod persisted;
pub mod services;
pub mod search;
pub mod sql;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod unsubscribe;
pub mod util;
pub mod websocket;
