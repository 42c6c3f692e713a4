//! Reply templates: a department's standard answers, which its staff start a reply from.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::sql::run(
            manager,
            &[
                "CREATE TABLE reply_templates (
                    id {uuid} PRIMARY KEY,
                    department_id {uuid} NOT NULL REFERENCES departments (id),
                    title TEXT NOT NULL,
                    body TEXT NOT NULL,
                    adoption TEXT NULL,
                    created_by {uuid} NOT NULL REFERENCES users (id),
                    created_at {ts} NOT NULL,
                    updated_at {ts} NOT NULL
                )",
                "CREATE INDEX reply_templates_department_idx ON reply_templates (department_id, id)",
            ],
        )
        .await
    }
}
