//! Consultations, their sections and cooperating departments.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::sql::run(
            manager,
            &[
                "CREATE TABLE consultations (
                    id {uuid} PRIMARY KEY,
                    title text NOT NULL,
                    summary text NOT NULL,
                    body text NOT NULL,
                    interpretation text,
                    category text NOT NULL,
                    lead_department_id {uuid} NOT NULL REFERENCES departments (id),
                    state text NOT NULL,
                    moderation text NOT NULL,
                    opens_at {ts} NOT NULL,
                    closes_at {ts} NOT NULL,
                    published_at {ts},
                    withdrawn_reason text,
                    outcome_summary text,
                    outcome_published_at {ts},
                    outcome_total integer,
                    outcome_replied integer,
                    outcome_adopted integer,
                    outcome_partially_adopted integer,
                    outcome_not_adopted integer,
                    outcome_explained integer,
                    search_text text NOT NULL,
                    created_by {uuid} NOT NULL REFERENCES users (id),
                    created_at {ts} NOT NULL,
                    updated_at {ts} NOT NULL,
                    CHECK (closes_at > opens_at)
                )",
                "CREATE INDEX consultations_state_idx ON consultations (state, id)",
                "CREATE INDEX consultations_open_idx ON consultations (state, closes_at, opens_at)",
                "CREATE INDEX consultations_lead_idx ON consultations (lead_department_id, id)",
                "CREATE INDEX consultations_category_idx ON consultations (category, id)",
                "CREATE TABLE consultation_departments (
                    consultation_id {uuid} NOT NULL REFERENCES consultations (id),
                    department_id {uuid} NOT NULL REFERENCES departments (id),
                    PRIMARY KEY (consultation_id, department_id)
                )",
                "CREATE INDEX consultation_departments_department_idx
                    ON consultation_departments (department_id, consultation_id)",
                "CREATE TABLE sections (
                    id {uuid} PRIMARY KEY,
                    consultation_id {uuid} NOT NULL REFERENCES consultations (id),
                    ordinal integer NOT NULL,
                    heading text NOT NULL,
                    body text NOT NULL,
                    UNIQUE (consultation_id, ordinal)
                )",
            ],
        )
        .await
    }
}
