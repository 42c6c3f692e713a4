//! Comments, replies, endorsements, reports, duplicate groups and the sharded counters.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::sql::run(
            manager,
            &[
                "CREATE TABLE duplicate_groups (
                    id {uuid} PRIMARY KEY,
                    consultation_id {uuid} NOT NULL REFERENCES consultations (id),
                    fingerprint text NOT NULL,
                    multi boolean NOT NULL DEFAULT false,
                    UNIQUE (consultation_id, fingerprint)
                )",
                "CREATE INDEX duplicate_groups_multi_idx ON duplicate_groups (consultation_id, multi, id)",
                "CREATE TABLE comments (
                    id {uuid} PRIMARY KEY,
                    consultation_id {uuid} NOT NULL REFERENCES consultations (id),
                    section_id {uuid} REFERENCES sections (id),
                    author_id {uuid} NOT NULL REFERENCES users (id),
                    stance text NOT NULL,
                    body text NOT NULL,
                    status text NOT NULL,
                    moderation_reason text,
                    duplicate_group_id {uuid} NOT NULL REFERENCES duplicate_groups (id),
                    endorsement_count integer NOT NULL DEFAULT 0,
                    report_count integer NOT NULL DEFAULT 0,
                    reply_count integer NOT NULL DEFAULT 0,
                    latest_adoption text,
                    first_replied_at {ts},
                    client_request_id text,
                    client_hash text,
                    created_at {ts} NOT NULL,
                    updated_at {ts} NOT NULL
                )",
                // Public and staff lists: by consultation and status, newest or oldest first (ids are UUIDv7).
                "CREATE INDEX comments_list_idx ON comments (consultation_id, status, id)",
                "CREATE INDEX comments_section_idx ON comments (consultation_id, section_id, status, id)",
                "CREATE INDEX comments_endorsed_idx ON comments (consultation_id, status, endorsement_count, id)",
                "CREATE INDEX comments_unreplied_idx ON comments (consultation_id, id) WHERE reply_count = 0",
                "CREATE INDEX comments_reported_idx ON comments (consultation_id, id) WHERE report_count > 0",
                "CREATE INDEX comments_author_idx ON comments (author_id, id)",
                "CREATE INDEX comments_group_idx ON comments (duplicate_group_id, id)",
                "CREATE UNIQUE INDEX comments_client_request_idx ON comments (author_id, client_request_id)
                    WHERE client_request_id IS NOT NULL",
                "CREATE TABLE replies (
                    id {uuid} PRIMARY KEY,
                    comment_id {uuid} NOT NULL REFERENCES comments (id),
                    consultation_id {uuid} NOT NULL REFERENCES consultations (id),
                    author_id {uuid} NOT NULL REFERENCES users (id),
                    department_id {uuid} NOT NULL REFERENCES departments (id),
                    body text NOT NULL,
                    adoption text NOT NULL,
                    created_at {ts} NOT NULL
                )",
                "CREATE INDEX replies_comment_idx ON replies (comment_id, id)",
                "CREATE INDEX replies_consultation_idx ON replies (consultation_id, id)",
                "CREATE TABLE endorsements (
                    comment_id {uuid} NOT NULL REFERENCES comments (id),
                    user_id {uuid} NOT NULL REFERENCES users (id),
                    created_at {ts} NOT NULL,
                    PRIMARY KEY (comment_id, user_id)
                )",
                "CREATE TABLE reports (
                    comment_id {uuid} NOT NULL REFERENCES comments (id),
                    user_id {uuid} NOT NULL REFERENCES users (id),
                    reason text NOT NULL,
                    detail text,
                    created_at {ts} NOT NULL,
                    PRIMARY KEY (comment_id, user_id)
                )",
                // Hot counters are split over shards: concurrent writers on one consultation touch
                // different rows, and readers add the shards up.
                "CREATE TABLE counters (
                    subject_id {uuid} NOT NULL,
                    shard integer NOT NULL,
                    published integer NOT NULL DEFAULT 0,
                    support integer NOT NULL DEFAULT 0,
                    oppose integer NOT NULL DEFAULT 0,
                    neutral integer NOT NULL DEFAULT 0,
                    unreplied integer NOT NULL DEFAULT 0,
                    pending integer NOT NULL DEFAULT 0,
                    total integer NOT NULL DEFAULT 0,
                    PRIMARY KEY (subject_id, shard)
                )",
            ],
        )
        .await
    }
}
