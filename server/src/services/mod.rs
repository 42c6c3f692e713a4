//! The domain services: business rules, authorization and transactions, one module per area.

pub mod account_admin;
pub mod accounts;
pub mod audit;
pub mod calendar;
pub mod authz;
pub mod comments;
pub mod consultations;
pub mod counters;
pub mod disclosure;
pub mod exports;
pub mod live;
pub mod mail;
pub mod notifications;
pub mod observations;
pub mod open_data;
pub mod outbox;
pub mod overview;
pub mod pagination;
pub mod recovery;
pub mod reminders;
pub mod reply_templates;
pub mod scorecards;
pub mod similar;
pub mod search_index;

pub mod supervisors;
pub mod webhooks;
