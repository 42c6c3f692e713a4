//! The holiday calendar, a year at a time, as admins enter it from the State Council's notice: every
//! instance counts deadlines on it (the file in the repository only seeds the years it lacks).
//! `holidays` is a JSON list of `{name, from, to}`, `workdays` a JSON list of dates (YYYY-MM-DD).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::sql::run(
            manager,
            &[
                "CREATE TABLE calendar_years (
                    year INTEGER PRIMARY KEY,
                    source TEXT NOT NULL,
                    holidays TEXT NOT NULL,
                    workdays TEXT NOT NULL,
                    updated_by {uuid} NULL REFERENCES users (id),
                    updated_at {ts} NOT NULL
                )",
            ],
        )
        .await
    }
}
