//! Comments of a consultation in id order, whatever their status: staff exports read them in keyset
//! batches along this index.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::sql::run(manager, &["CREATE INDEX comments_consultation_idx ON comments (consultation_id, id)"]).await
    }
}
