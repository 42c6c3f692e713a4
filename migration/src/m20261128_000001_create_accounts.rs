//! Departments and user accounts.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::sql::run(
            manager,
            &[
                "CREATE TABLE departments (
                    id {uuid} PRIMARY KEY,
                    code text NOT NULL UNIQUE,
                    name text NOT NULL,
                    created_at {ts} NOT NULL
                )",
                "CREATE TABLE users (
                    id {uuid} PRIMARY KEY,
                    email text NOT NULL UNIQUE,
                    password_hash text NOT NULL,
                    display_name text NOT NULL,
                    phone text,
                    role text NOT NULL,
                    department_id {uuid} REFERENCES departments (id),
                    suspended boolean NOT NULL DEFAULT false,
                    suspended_reason text,
                    created_at {ts} NOT NULL,
                    updated_at {ts} NOT NULL
                )",
                "CREATE INDEX users_department_idx ON users (department_id, id)",
            ],
        )
        .await
    }
}
