//! PostgreSQL: comments and duplicate groups no longer lock their consultation, section and group rows.
//!
//! A foreign key is checked by locking the referenced row (`SELECT … FOR KEY SHARE`) until the inserting
//! transaction ends. During a campaign every submission references the same consultation row, usually
//! the same section row, and, for the campaign text itself, the same duplicate group row; each lock on a
//! row another open transaction has locked creates a MultiXact and rewrites the row's header, so every
//! submission wrote the same heap page and queued for it. Measured with 64 concurrent submitters on one
//! consultation (BENCHMARKS.md, "Foreign keys on hot rows"): 1,737 submissions/s with these keys,
//! 2,290–2,425/s without them.
//!
//! What the keys guaranteed is kept another way:
//! - A comment's parents are checked where it is written, in the same statement or transaction: the
//!   consultation must exist and be open, the section must belong to it, and the duplicate group is the
//!   one found or created for the consultation in that statement (`services::comments`).
//! - Consultations are never deleted, and sections are replaced only while their consultation is a draft
//!   (under the consultation's row lock), when it can have no comments.
//! - The triggers below refuse, as the keys did (SQLSTATE 23503), deleting or renumbering a consultation,
//!   section or duplicate group that a comment or group still references. They cost nothing on the hot
//!   path: they run on deletes, which the application makes only of unreferenced draft sections.
//!
//! SQLite keeps its foreign keys: it has no row locks (a writer holds the whole database), so they cost
//! there only the lookup.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES: &[&str] = &[
    "ALTER TABLE comments
        DROP CONSTRAINT comments_consultation_id_fkey,
        DROP CONSTRAINT comments_section_id_fkey,
        DROP CONSTRAINT comments_duplicate_group_id_fkey",
    "ALTER TABLE duplicate_groups DROP CONSTRAINT duplicate_groups_consultation_id_fkey",
    // One function for the three tables; each branch names only its own table's columns (PL/pgSQL
    // resolves every field of an expression, so the tables cannot share one condition).
    "CREATE FUNCTION refuse_orphaning() RETURNS trigger LANGUAGE plpgsql AS $$
     DECLARE
         referenced boolean;
     BEGIN
         IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
             RETURN NEW;
         END IF;
         IF TG_TABLE_NAME = 'consultations' THEN
             referenced := EXISTS (SELECT 1 FROM comments WHERE consultation_id = OLD.id)
                        OR EXISTS (SELECT 1 FROM duplicate_groups WHERE consultation_id = OLD.id);
         ELSIF TG_TABLE_NAME = 'sections' THEN
             referenced := EXISTS (SELECT 1 FROM comments WHERE consultation_id = OLD.consultation_id AND section_id = OLD.id);
         ELSE
             referenced := EXISTS (SELECT 1 FROM comments WHERE duplicate_group_id = OLD.id);
         END IF;
         IF referenced THEN
             RAISE foreign_key_violation USING MESSAGE = format('%s %s is still referenced by comments', TG_TABLE_NAME, OLD.id);
         END IF;
         IF TG_OP = 'DELETE' THEN
             RETURN OLD;
         END IF;
         RETURN NEW;
     END $$",
    "CREATE TRIGGER consultations_referenced BEFORE DELETE OR UPDATE OF id ON consultations
        FOR EACH ROW EXECUTE FUNCTION refuse_orphaning()",
    "CREATE TRIGGER sections_referenced BEFORE DELETE OR UPDATE OF id ON sections
        FOR EACH ROW EXECUTE FUNCTION refuse_orphaning()",
    "CREATE TRIGGER duplicate_groups_referenced BEFORE DELETE OR UPDATE OF id ON duplicate_groups
        FOR EACH ROW EXECUTE FUNCTION refuse_orphaning()",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => crate::sql::run(manager, POSTGRES).await,
            _ => Ok(()),
        }
    }
}
