//! Comments by creation time, so department scorecards select a period's comments without a full scan.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::sql::run(manager, &["CREATE INDEX comments_created_idx ON comments (created_at)"]).await
    }
}
