//! Openness supervisors: applications, appointments, observations with their replies and follow-ups.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::sql::run(
            manager,
            &[
                "CREATE TABLE supervisor_applications (
                    id {uuid} PRIMARY KEY,
                    applicant_id {uuid} NOT NULL REFERENCES users (id),
                    real_name text NOT NULL,
                    category text NOT NULL,
                    organization text,
                    phone text NOT NULL,
                    statement text NOT NULL,
                    status text NOT NULL,
                    review_note text,
                    reviewed_at {ts},
                    reviewed_by {uuid} REFERENCES users (id),
                    created_at {ts} NOT NULL,
                    updated_at {ts} NOT NULL
                )",
                // One PENDING application per user, enforced by the database even under concurrent requests.
                "CREATE UNIQUE INDEX supervisor_applications_one_pending_idx ON supervisor_applications (applicant_id)
                    WHERE status = 'PENDING'",
                "CREATE INDEX supervisor_applications_applicant_idx ON supervisor_applications (applicant_id, id)",
                "CREATE INDEX supervisor_applications_status_idx ON supervisor_applications (status, id)",
                "CREATE TABLE supervisors (
                    id {uuid} PRIMARY KEY,
                    user_id {uuid} NOT NULL REFERENCES users (id),
                    application_id {uuid} NOT NULL UNIQUE REFERENCES supervisor_applications (id),
                    category text NOT NULL,
                    term_start {ts} NOT NULL,
                    term_end {ts} NOT NULL,
                    appointed_by {uuid} NOT NULL REFERENCES users (id),
                    revoked_at {ts},
                    revoked_reason text,
                    revoked_by {uuid} REFERENCES users (id),
                    observation_count integer NOT NULL DEFAULT 0,
                    created_at {ts} NOT NULL,
                    CHECK (term_end > term_start)
                )",
                "CREATE INDEX supervisors_user_idx ON supervisors (user_id, id)",
                // The `active` filter: appointments not revoked, by term end.
                "CREATE INDEX supervisors_unrevoked_idx ON supervisors (term_end, id) WHERE revoked_at IS NULL",
                "CREATE TABLE observations (
                    id {uuid} PRIMARY KEY,
                    supervisor_id {uuid} NOT NULL REFERENCES supervisors (id),
                    department_id {uuid} NOT NULL REFERENCES departments (id),
                    consultation_id {uuid} REFERENCES consultations (id),
                    kind text NOT NULL,
                    title text NOT NULL,
                    body text NOT NULL,
                    status text NOT NULL,
                    due_at {ts} NOT NULL,
                    answered_at {ts},
                    first_answered_at {ts},
                    created_at {ts} NOT NULL,
                    updated_at {ts} NOT NULL
                )",
                // A department's list, newest first, with or without a status filter.
                "CREATE INDEX observations_department_idx ON observations (department_id, id)",
                "CREATE INDEX observations_department_status_idx ON observations (department_id, status, id)",
                // A supervisor's own list.
                "CREATE INDEX observations_supervisor_idx ON observations (supervisor_id, id)",
                "CREATE INDEX observations_supervisor_status_idx ON observations (supervisor_id, status, id)",
                // Overdue observations: OPEN and past their due time.
                "CREATE INDEX observations_overdue_idx ON observations (department_id, due_at) WHERE status = 'OPEN'",
                // Scorecards select the observations filed in a period.
                "CREATE INDEX observations_created_idx ON observations (created_at)",
                "CREATE TABLE observation_replies (
                    id {uuid} PRIMARY KEY,
                    observation_id {uuid} NOT NULL REFERENCES observations (id),
                    author_id {uuid} NOT NULL REFERENCES users (id),
                    department_id {uuid} NOT NULL REFERENCES departments (id),
                    body text NOT NULL,
                    created_at {ts} NOT NULL
                )",
                "CREATE INDEX observation_replies_observation_idx ON observation_replies (observation_id, id)",
                "CREATE TABLE observation_follow_ups (
                    id {uuid} PRIMARY KEY,
                    observation_id {uuid} NOT NULL REFERENCES observations (id),
                    author_id {uuid} NOT NULL REFERENCES users (id),
                    body text NOT NULL,
                    due_at {ts} NOT NULL,
                    created_at {ts} NOT NULL
                )",
                "CREATE INDEX observation_follow_ups_observation_idx ON observation_follow_ups (observation_id, id)",
            ],
        )
        .await
    }
}
