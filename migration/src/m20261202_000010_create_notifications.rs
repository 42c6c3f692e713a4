//! The in-app inbox: one row per notification and recipient, written in the transaction of the action
//! that causes it, read newest first by keyset; and each account's language.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::sql::run(
            manager,
            &[
                // NULL: the account has not chosen; messages follow the request's language.
                "ALTER TABLE users ADD COLUMN locale TEXT NULL",
                "CREATE TABLE notifications (
                    id {uuid} PRIMARY KEY,
                    recipient_id {uuid} NOT NULL REFERENCES users (id),
                    kind TEXT NOT NULL,
                    subject_type TEXT NOT NULL,
                    subject_id {uuid} NOT NULL,
                    params TEXT NOT NULL,
                    created_at {ts} NOT NULL,
                    read_at {ts} NULL
                )",
                "CREATE INDEX notifications_inbox_idx ON notifications (recipient_id, id)",
                "CREATE INDEX notifications_unread_idx ON notifications (recipient_id, id) WHERE read_at IS NULL",
            ],
        )
        .await
    }
}
