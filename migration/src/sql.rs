//! Runs portable DDL: `{uuid}` and `{ts}` become the native type of each backend.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

pub async fn run(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    let backend = manager.get_database_backend();
    let (uuid, ts) = match backend {
        DatabaseBackend::Postgres => ("uuid", "timestamptz"),
        // sqlx stores a Uuid as a 16-byte blob and a DateTime<Utc> as RFC 3339 text on SQLite.
        _ => ("blob", "text"),
    };
    for statement in statements {
        let sql = statement.replace("{uuid}", uuid).replace("{ts}", ts);
        manager.get_connection().execute_unprepared(&sql).await?;
    }
    Ok(())
}
