//! The audit log: one entry per state-changing mutation.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::sql::run(
            manager,
            &[
                "CREATE TABLE audit_log (
                    id {uuid} PRIMARY KEY,
                    at {ts} NOT NULL,
                    actor_id {uuid} REFERENCES users (id),
                    action text NOT NULL,
                    subject_type text NOT NULL,
                    subject_id {uuid},
                    detail text NOT NULL
                )",
                "CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, id)",
                "CREATE INDEX audit_log_action_idx ON audit_log (action, id)",
                "CREATE INDEX audit_log_subject_idx ON audit_log (subject_type, id)",
            ],
        )
        .await
    }
}
