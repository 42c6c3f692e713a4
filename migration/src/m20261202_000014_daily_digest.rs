//! The daily digest's one row a day: the instance whose insert of the day's row succeeds writes that
//! day's digests in the same transaction, so they go out once however many instances run, and not at
//! all when that transaction fails (another instance, or the next tick, then takes the day).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::sql::run(
            manager,
            &[
                // `day`: the date in China Standard Time, YYYY-MM-DD.
                "CREATE TABLE digest_runs (
                    day TEXT PRIMARY KEY,
                    sent_at {ts} NOT NULL,
                    recipients INTEGER NOT NULL
                )",
            ],
        )
        .await
    }
}
