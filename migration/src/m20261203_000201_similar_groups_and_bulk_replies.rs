//! Similar groups (near-duplicate comments found by MinHash with LSH banding) and bulk replies.
//!
//! - `similar_groups`: one row per group, with its `size` and `replied_count` kept as counters. When a
//!   comment's band keys hit several groups they are merged: the others point to the survivor
//!   (`merged_into`, always the final survivor, never a chain) and their counters move to it.
//! - `similar_bands`: each LSH band key of a consultation, to the group that first had it.
//! - `comments.similar_group_id` is NULL until the similar-group worker has placed the comment (an
//!   index on `(similar_group_id, id)` serves both the worker's walk over unplaced comments and a
//!   group's members); `duplicate_groups.similar_group_id` is the similar group of every comment of
//!   the exact group, so an exact group never straddles two similar groups.
//! - `worker_leases`: one row per singleton worker, claimed by one instance at a time.
//! - `bulk_reply_jobs` and `bulk_reply_items`: a job's selection, frozen when it starts, walked by
//!   comment id in chunks, under a lease; `bulk_reply_notified`: the authors it has notified.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::sql::run(
            manager,
            &[
                "CREATE TABLE similar_groups (
                    id {uuid} PRIMARY KEY,
                    consultation_id {uuid} NOT NULL REFERENCES consultations (id),
                    size BIGINT NOT NULL DEFAULT 0,
                    replied_count BIGINT NOT NULL DEFAULT 0,
                    sample_comment_id {uuid} NOT NULL,
                    merged_into {uuid} NULL
                )",
                "CREATE INDEX similar_groups_largest_idx ON similar_groups (consultation_id, size DESC, id)
                    WHERE merged_into IS NULL AND size >= 2",
                "CREATE INDEX similar_groups_merged_idx ON similar_groups (merged_into) WHERE merged_into IS NOT NULL",
                "CREATE TABLE similar_bands (
                    consultation_id {uuid} NOT NULL,
                    band_key BIGINT NOT NULL,
                    similar_group_id {uuid} NOT NULL,
                    PRIMARY KEY (consultation_id, band_key)
                )",
                "ALTER TABLE comments ADD COLUMN similar_group_id {uuid} NULL",
                "CREATE INDEX comments_similar_idx ON comments (similar_group_id, id)",
                "ALTER TABLE duplicate_groups ADD COLUMN similar_group_id {uuid} NULL",
                "CREATE TABLE worker_leases (
                    name TEXT PRIMARY KEY,
                    lease_token {uuid} NULL,
                    locked_until {ts} NULL
                )",
                "INSERT INTO worker_leases (name) VALUES ('similar_groups')",
                "CREATE TABLE bulk_reply_jobs (
                    id {uuid} PRIMARY KEY,
                    consultation_id {uuid} NOT NULL REFERENCES consultations (id),
                    created_by {uuid} NOT NULL REFERENCES users (id),
                    department_id {uuid} NOT NULL REFERENCES departments (id),
                    body TEXT NOT NULL,
                    adoption TEXT NOT NULL,
                    filter TEXT NOT NULL,
                    status TEXT NOT NULL,
                    total BIGINT NOT NULL DEFAULT 0,
                    done BIGINT NOT NULL DEFAULT 0,
                    skipped BIGINT NOT NULL DEFAULT 0,
                    failed BIGINT NOT NULL DEFAULT 0,
                    after_comment_id {uuid} NULL,
                    lease_token {uuid} NULL,
                    locked_until {ts} NULL,
                    created_at {ts} NOT NULL,
                    finished_at {ts} NULL
                )",
                "CREATE INDEX bulk_reply_jobs_open_idx ON bulk_reply_jobs (created_at) WHERE status IN ('QUEUED', 'RUNNING')",
                "CREATE TABLE bulk_reply_items (
                    job_id {uuid} NOT NULL REFERENCES bulk_reply_jobs (id),
                    comment_id {uuid} NOT NULL,
                    PRIMARY KEY (job_id, comment_id)
                )",
                // The authors a job has notified: one COMMENT_REPLIED each, however many chunks hold
                // their comments.
                "CREATE TABLE bulk_reply_notified (
                    job_id {uuid} NOT NULL REFERENCES bulk_reply_jobs (id),
                    author_id {uuid} NOT NULL,
                    PRIMARY KEY (job_id, author_id)
                )",
            ],
        )
        .await
    }
}
