//! The index behind the staff list of campaigns (duplicate groups with more than one comment) holds
//! only those groups. Nearly every submission opens a group of its own, and a group of one is never
//! listed, so keeping it out of the index spares each submission an index insert; a group enters the
//! index when its second comment arrives.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::sql::run(
            manager,
            &[
                "CREATE INDEX duplicate_groups_campaign_idx ON duplicate_groups (consultation_id, id) WHERE multi = true",
                "DROP INDEX duplicate_groups_multi_idx",
            ],
        )
        .await
    }
}
