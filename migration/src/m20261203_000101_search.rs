//! Full-text search of comments and consultations, and the counts behind consultation keywords.
//!
//! The server segments each text into tokens (`server/src/search.rs`) as it writes it; the database
//! indexes them with its own full-text machinery:
//! - PostgreSQL: `comment_search.search`, a `tsvector` of the tokens (`simple` configuration), under a
//!   GIN index; consultations by a GIN index on `to_tsvector('simple', search_text)`.
//! - SQLite: FTS5 tables with the `unicode61` tokenizer. `comment_fts` takes its content from
//!   `comment_search`, whose `doc INTEGER PRIMARY KEY` is the FTS row id (an INTEGER PRIMARY KEY keeps
//!   its values through VACUUM, which the implicit rowid of `comments`, keyed by a UUID, does not);
//!   triggers on `comment_search` keep the index in step. `consultation_fts` is the same over
//!   `consultation_search`, which the server writes with each consultation's `search_text` (triggers
//!   on `consultations` itself would run inside sea-orm's `UPDATE … RETURNING`, whose rows sqlx then
//!   misreads).
//!
//! A comment written before this migration has no `comment_search` row, and its keywords are not
//! counted, until the backfill (`gongkai search-backfill`) indexes it; existing consultations keep
//! their old `search_text` (title and summary, lowercased) until the backfill rewrites it as tokens.
//!
//! `comment_keywords` holds, per consultation and scope (the consultation's own id for all its
//! comments, a section's id for that section's), how many PUBLISHED indexed comments use each term,
//! and how many of each stance.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let common = [
            "CREATE TABLE comment_keywords (
                consultation_id {uuid} NOT NULL REFERENCES consultations (id),
                scope_id {uuid} NOT NULL,
                term text NOT NULL,
                count integer NOT NULL DEFAULT 0,
                support integer NOT NULL DEFAULT 0,
                oppose integer NOT NULL DEFAULT 0,
                neutral integer NOT NULL DEFAULT 0,
                PRIMARY KEY (consultation_id, scope_id, term)
            )",
            // The most used terms of a scope: the first entries of this index.
            "CREATE INDEX comment_keywords_top_idx ON comment_keywords (consultation_id, scope_id, count DESC, term)",
            // How far the backfill has come, by subject: the last id it indexed.
            "CREATE TABLE search_backfill (
                subject text PRIMARY KEY,
                last_id {uuid} NOT NULL
            )",
        ];
        crate::sql::run(manager, &common).await?;
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                crate::sql::run(
                    manager,
                    &[
                        "CREATE TABLE comment_search (
                            comment_id uuid PRIMARY KEY REFERENCES comments (id),
                            tokens text NOT NULL,
                            search tsvector GENERATED ALWAYS AS (to_tsvector('simple', tokens)) STORED
                        )",
                        "CREATE INDEX comment_search_idx ON comment_search USING GIN (search)",
                        "CREATE INDEX consultations_search_idx ON consultations USING GIN (to_tsvector('simple', search_text))",
                    ],
                )
                .await
            }
            _ => {
                crate::sql::run(
                    manager,
                    &[
                        "CREATE TABLE comment_search (
                            doc INTEGER PRIMARY KEY,
                            comment_id blob NOT NULL UNIQUE REFERENCES comments (id),
                            tokens text NOT NULL
                        )",
                        "CREATE VIRTUAL TABLE comment_fts USING fts5(tokens, content='comment_search', content_rowid='doc', tokenize='unicode61')",
                        "CREATE TRIGGER comment_search_insert AFTER INSERT ON comment_search BEGIN
                            INSERT INTO comment_fts (rowid, tokens) VALUES (new.doc, new.tokens);
                        END",
                        "CREATE TRIGGER comment_search_delete AFTER DELETE ON comment_search BEGIN
                            INSERT INTO comment_fts (comment_fts, rowid, tokens) VALUES ('delete', old.doc, old.tokens);
                        END",
                        "CREATE TRIGGER comment_search_update AFTER UPDATE ON comment_search BEGIN
                            INSERT INTO comment_fts (comment_fts, rowid, tokens) VALUES ('delete', old.doc, old.tokens);
                            INSERT INTO comment_fts (rowid, tokens) VALUES (new.doc, new.tokens);
                        END",
                        "CREATE TABLE consultation_search (
                            doc INTEGER PRIMARY KEY,
                            consultation_id blob NOT NULL UNIQUE REFERENCES consultations (id),
                            tokens text NOT NULL
                        )",
                        "CREATE VIRTUAL TABLE consultation_fts USING fts5(tokens, content='consultation_search', content_rowid='doc', tokenize='unicode61')",
                        "CREATE TRIGGER consultation_search_insert AFTER INSERT ON consultation_search BEGIN
                            INSERT INTO consultation_fts (rowid, tokens) VALUES (new.doc, new.tokens);
                        END",
                        "CREATE TRIGGER consultation_search_delete AFTER DELETE ON consultation_search BEGIN
                            INSERT INTO consultation_fts (consultation_fts, rowid, tokens) VALUES ('delete', old.doc, old.tokens);
                        END",
                        "CREATE TRIGGER consultation_search_update AFTER UPDATE ON consultation_search BEGIN
                            INSERT INTO consultation_fts (consultation_fts, rowid, tokens) VALUES ('delete', old.doc, old.tokens);
                            INSERT INTO consultation_fts (rowid, tokens) VALUES (new.doc, new.tokens);
                        END",
                        "INSERT INTO consultation_search (consultation_id, tokens) SELECT id, search_text FROM consultations",
                    ],
                )
                .await
            }
        }
    }
}
