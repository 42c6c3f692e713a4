//! Database migrations, shared by PostgreSQL and SQLite.
//!
//! The DDL is written once as SQL with a few type placeholders (`{uuid}`, `{ts}`), so both engines get
//! the same tables and the same (partial) indexes; `sql::run` fills the placeholders per backend.

pub use sea_orm_migration::prelude::*;

mod m20261128_000001_create_accounts;
mod m20261128_000002_create_consultations;
mod m20261128_000003_create_comments;
mod m20261128_000004_create_audit_log;
mod m20261128_000005_create_supervisors;
mod m20261128_000006_index_comments_by_time;
mod m20261128_000007_index_comments_by_consultation;
mod m20261128_000008_index_campaigns_only;
mod m20261128_000009_no_row_locks_on_hot_parents;
mod m20261202_000010_create_notifications;
mod m20261202_000011_reminder_marks;
mod m20261202_000012_email_outbox;
mod m20261202_000013_webhooks;
mod m20261202_000014_daily_digest;
mod m20261202_000015_calendar_years;
mod m20261202_000016_short_period_reason;
mod m20261202_000017_last_sign_in;
mod m20261202_000018_reply_templates;
mod m20261203_000101_search;
mod m20261203_000201_similar_groups_and_bulk_replies;
mod m20261203_000301_disclosure_requests;
mod m20261207_000401_comment_page_function;
mod sql;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_create_accounts::Migration),
            Box::new(m20261128_000002_create_consultations::Migration),
            Box::new(m20261128_000003_create_comments::Migration),
            Box::new(m20261128_000004_create_audit_log::Migration),
            Box::new(m20261128_000005_create_supervisors::Migration),
            Box::new(m20261128_000006_index_comments_by_time::Migration),
            Box::new(m20261128_000007_index_comments_by_consultation::Migration),
            Box::new(m20261128_000008_index_campaigns_only::Migration),
            Box::new(m20261128_000009_no_row_locks_on_hot_parents::Migration),
            Box::new(m20261202_000010_create_notifications::Migration),
            Box::new(m20261202_000011_reminder_marks::Migration),
            Box::new(m20261202_000012_email_outbox::Migration),
            Box::new(m20261202_000013_webhooks::Migration),
            Box::new(m20261202_000014_daily_digest::Migration),
            Box::new(m20261202_000015_calendar_years::Migration),
            Box::new(m20261202_000016_short_period_reason::Migration),
            Box::new(m20261202_000017_last_sign_in::Migration),
            Box::new(m20261202_000018_reply_templates::Migration),
            Box::new(m20261203_000101_search::Migration),
            Box::new(m20261203_000201_similar_groups_and_bulk_replies::Migration),
            Box::new(m20261203_000301_disclosure_requests::Migration),
            Box::new(m20261207_000401_comment_page_function::Migration),
        ]
    }
}
