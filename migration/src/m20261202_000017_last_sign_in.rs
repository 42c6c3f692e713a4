//! When each account last signed in, for the admins' account list; and an index that list pages by.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::sql::run(
            manager,
            &[
                "ALTER TABLE users ADD COLUMN last_sign_in_at {ts} NULL",
                // The admins' list by role, newest first (by department: users_department_idx).
                "CREATE INDEX users_role_idx ON users (role, id)",
            ],
        )
        .await
    }
}
