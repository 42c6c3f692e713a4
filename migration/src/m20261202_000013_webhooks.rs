//! Webhooks: endpoints an admin registers for some notification kinds (an SMS gateway is one), and
//! their deliveries in the same outbox as email.
//!
//! A webhook's signing secret is not stored: the row keeps a random salt, and the secret is an HMAC
//! of it under the server's `SECRET_KEY`, so a copy of the database alone cannot forge deliveries.
//! A webhook delivery keeps its id for every attempt (`X-Gongkai-Delivery`), its notification's kind
//! and the last HTTP status the endpoint answered.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::sql::run(
            manager,
            &[
                // `kinds`: the kinds' names, each between commas (",COMMENT_REPLIED,OBSERVATION_FILED,"),
                // so that one LIKE on either database finds the webhooks of a kind.
                "CREATE TABLE webhooks (
                    id {uuid} PRIMARY KEY,
                    url TEXT NOT NULL,
                    kinds TEXT NOT NULL,
                    active BOOLEAN NOT NULL,
                    description TEXT NULL,
                    secret_salt TEXT NOT NULL,
                    created_by {uuid} NULL REFERENCES users (id),
                    created_at {ts} NOT NULL,
                    updated_at {ts} NOT NULL
                )",
                "ALTER TABLE deliveries ADD COLUMN webhook_id {uuid} NULL REFERENCES webhooks (id)",
                "ALTER TABLE deliveries ADD COLUMN kind TEXT NULL",
                "ALTER TABLE deliveries ADD COLUMN response_status INTEGER NULL",
                // A webhook's delivery log, newest first.
                "CREATE INDEX deliveries_webhook_idx ON deliveries (webhook_id, id) WHERE webhook_id IS NOT NULL",
            ],
        )
        .await
    }
}
