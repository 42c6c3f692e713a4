//! PostgreSQL: a page of one consultation's comments of one status, in id order, read along
//! `comments_list_idx` (and of several statuses along `comments_consultation_idx`) whatever the planner's statistics say. The row comparisons bound the index range
//! on both sides; with sorting priced out for this one query, that index is the only way to produce
//! the order, so neither a generic plan nor statistics older than the rows (a campaign adding rows
//! faster than autovacuum analyses them) can send it through `comments_consultation_idx` and a sort
//! of the whole consultation (85–100 ms at 200,000 comments, issue 16). A plpgsql function keeps its
//! plan for the session, so the setting costs no planning per call. SQLite needs nothing: it has no
//! generic plans, and its page query is the plain one.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != sea_orm_migration::sea_orm::DatabaseBackend::Postgres {
            return Ok(());
        }
        crate::sql::run(
            manager,
            &["CREATE FUNCTION comment_page(p_consultation uuid, p_status text, p_cursor uuid, p_far uuid, p_limit bigint, p_newest boolean)
               RETURNS SETOF comments LANGUAGE plpgsql STABLE
               SET enable_sort = off SET enable_incremental_sort = off
               AS $$
               BEGIN
                 IF p_newest THEN
                   RETURN QUERY SELECT * FROM comments
                     WHERE (consultation_id, status, id) < (p_consultation, p_status, p_cursor)
                       AND (consultation_id, status, id) > (p_consultation, p_status, p_far)
                     ORDER BY consultation_id DESC, status DESC, id DESC LIMIT p_limit;
                 ELSE
                   RETURN QUERY SELECT * FROM comments
                     WHERE (consultation_id, status, id) > (p_consultation, p_status, p_cursor)
                       AND (consultation_id, status, id) < (p_consultation, p_status, p_far)
                     ORDER BY consultation_id, status, id LIMIT p_limit;
                 END IF;
               END
               $$",
              // Several statuses (the staff's default list, a search's window): the range of one
              // consultation in `comments_consultation_idx` (consultation_id, id), its statuses kept as
              // it goes. With a plain equality PostgreSQL walked the primary key backwards instead,
              // skipping every newer comment of other consultations (93,000 after a submission run:
              // 37 ms, and up to a second under load).
              "CREATE FUNCTION comment_page_any(p_consultation uuid, p_statuses text, p_cursor uuid, p_far uuid, p_limit bigint, p_newest boolean)
               RETURNS SETOF comments LANGUAGE plpgsql STABLE
               SET enable_sort = off SET enable_incremental_sort = off
               AS $$
               DECLARE
                 statuses text[] := string_to_array(p_statuses, ',');
               BEGIN
                 IF p_newest THEN
                   RETURN QUERY SELECT * FROM comments
                     WHERE (consultation_id, id) < (p_consultation, p_cursor)
                       AND (consultation_id, id) > (p_consultation, p_far)
                       AND status = ANY (statuses)
                     ORDER BY consultation_id DESC, id DESC LIMIT p_limit;
                 ELSE
                   RETURN QUERY SELECT * FROM comments
                     WHERE (consultation_id, id) > (p_consultation, p_cursor)
                       AND (consultation_id, id) < (p_consultation, p_far)
                       AND status = ANY (statuses)
                     ORDER BY consultation_id, id LIMIT p_limit;
                 END IF;
               END
               $$"],
        )
        .await
    }
}
