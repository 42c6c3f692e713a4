//! The consultation period: a draft open for comment for less than 30 days says why, and the public
//! reads the reason with it (《重大行政决策程序暂行条例》 Art. 15; 《规章制定程序条例》 Arts. 15, 21).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::sql::run(manager, &["ALTER TABLE consultations ADD COLUMN short_period_reason TEXT NULL"]).await
    }
}
