//! Email: each account's verified address and its per-kind email choices, the single-use codes and
//! links accounts are sent, and the outbox that delivers mail.
//!
//! A notification is its own outbox entry: `dispatched_at` is NULL until a worker has turned it into
//! the deliveries it needs (none when the recipient has no verified address or turned the kind off),
//! so the action that writes 100,000 notifications writes nothing more. A delivery keeps its id for
//! every attempt: it is the email's `Message-ID`, so a receiver can drop a repeat.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::sql::run(
            manager,
            &[
                "ALTER TABLE users ADD COLUMN email_verified_at {ts} NULL",
                // Only the kinds an account changed; a missing row means email on.
                "CREATE TABLE notification_settings (
                    user_id {uuid} NOT NULL REFERENCES users (id),
                    kind TEXT NOT NULL,
                    email BOOLEAN NOT NULL,
                    PRIMARY KEY (user_id, kind)
                )",
                // Codes and links are kept as SHA-256 digests: the database never holds a usable one.
                "CREATE TABLE account_tokens (
                    id {uuid} PRIMARY KEY,
                    user_id {uuid} NOT NULL REFERENCES users (id),
                    purpose TEXT NOT NULL,
                    digest TEXT NOT NULL,
                    expires_at {ts} NOT NULL,
                    used_at {ts} NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    created_at {ts} NOT NULL
                )",
                "CREATE INDEX account_tokens_user_idx ON account_tokens (user_id, purpose)",
                "CREATE UNIQUE INDEX account_tokens_digest_idx ON account_tokens (digest)",
                "ALTER TABLE notifications ADD COLUMN dispatched_at {ts} NULL",
                "CREATE INDEX notifications_undispatched_idx ON notifications (id) WHERE dispatched_at IS NULL",
                "CREATE TABLE deliveries (
                    id {uuid} PRIMARY KEY,
                    channel TEXT NOT NULL,
                    notification_id {uuid} NULL REFERENCES notifications (id),
                    recipient TEXT NOT NULL,
                    template TEXT NOT NULL,
                    locale TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    status TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at {ts} NOT NULL,
                    locked_until {ts} NULL,
                    lease_token {uuid} NULL,
                    last_attempt_at {ts} NULL,
                    last_error TEXT NULL,
                    created_at {ts} NOT NULL
                )",
                "CREATE INDEX deliveries_due_idx ON deliveries (status, next_attempt_at)",
            ],
        )
        .await
    }
}
