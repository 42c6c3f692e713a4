//! Disclosure requests (依申请公开): one row a request with its clock and the once-only steps
//! (correction, extension, fee, answer), the third parties consulted, the appeals, the timeline, and
//! the counter each department's tracking numbers come from.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::sql::run(
            manager,
            &[
                "CREATE TABLE disclosure_requests (
                    id {uuid} PRIMARY KEY,
                    department_id {uuid} NOT NULL REFERENCES departments (id),
                    tracking_number TEXT NOT NULL UNIQUE,
                    year INTEGER NOT NULL,
                    seq INTEGER NOT NULL,
                    applicant_id {uuid} NULL REFERENCES users (id),
                    recorded_by {uuid} NULL REFERENCES users (id),
                    client_request_id TEXT NULL,
                    channel TEXT NOT NULL,
                    applicant_type TEXT NOT NULL,
                    applicant_name TEXT NOT NULL,
                    organization_code TEXT NULL,
                    id_document_type TEXT NULL,
                    id_document_sealed TEXT NULL,
                    phone TEXT NOT NULL,
                    email TEXT NULL,
                    address TEXT NULL,
                    postal_code TEXT NULL,
                    description TEXT NOT NULL,
                    purpose TEXT NULL,
                    preferred_form TEXT NOT NULL,
                    delivery_method TEXT NOT NULL,
                    status TEXT NOT NULL,
                    received_at {ts} NOT NULL,
                    clock_from {ts} NOT NULL,
                    due_at {ts} NOT NULL,
                    lapses_at {ts} NULL,
                    paused_at {ts} NULL,
                    due_before_pause {ts} NULL,
                    paused_working_days INTEGER NOT NULL DEFAULT 0,
                    correction_requested_at {ts} NULL,
                    correction_respond_by {ts} NULL,
                    correction_items TEXT NULL,
                    correction_responded_at {ts} NULL,
                    correction_response TEXT NULL,
                    extended_at {ts} NULL,
                    extension_days INTEGER NULL,
                    extension_reason TEXT NULL,
                    extension_approved_by TEXT NULL,
                    fee_basis TEXT NULL,
                    fee_quantity INTEGER NULL,
                    fee_amount_yuan BIGINT NULL,
                    fee_notice_at {ts} NULL,
                    fee_pay_by {ts} NULL,
                    fee_paid_at {ts} NULL,
                    outcome TEXT NULL,
                    reason TEXT NULL,
                    answer_body TEXT NULL,
                    referred_to TEXT NULL,
                    answered_at {ts} NULL,
                    answered_by {uuid} NULL REFERENCES users (id),
                    closed_at {ts} NULL,
                    due_soon_sent_for {ts} NULL,
                    overdue_sent_for {ts} NULL,
                    created_at {ts} NOT NULL,
                    updated_at {ts} NOT NULL
                )",
                "CREATE UNIQUE INDEX disclosure_requests_number_idx ON disclosure_requests (department_id, year, seq)",
                "CREATE UNIQUE INDEX disclosure_requests_client_idx ON disclosure_requests (applicant_id, client_request_id)",
                "CREATE INDEX disclosure_requests_applicant_idx ON disclosure_requests (applicant_id, id)",
                "CREATE INDEX disclosure_requests_due_idx ON disclosure_requests (department_id, due_at, id)",
                "CREATE INDEX disclosure_requests_received_idx ON disclosure_requests (department_id, received_at)",
                "CREATE INDEX disclosure_requests_open_due_idx ON disclosure_requests (due_at) WHERE closed_at IS NULL",
                "CREATE TABLE disclosure_sequences (
                    department_id {uuid} NOT NULL REFERENCES departments (id),
                    year INTEGER NOT NULL,
                    last INTEGER NOT NULL,
                    PRIMARY KEY (department_id, year)
                )",
                "CREATE TABLE disclosure_third_parties (
                    id {uuid} PRIMARY KEY,
                    request_id {uuid} NOT NULL REFERENCES disclosure_requests (id),
                    third_party TEXT NOT NULL,
                    started_at {ts} NOT NULL,
                    respond_by {ts} NOT NULL,
                    ended_at {ts} NULL,
                    opinion TEXT NULL
                )",
                "CREATE INDEX disclosure_third_parties_request_idx ON disclosure_third_parties (request_id, id)",
                "CREATE TABLE disclosure_appeals (
                    id {uuid} PRIMARY KEY,
                    request_id {uuid} NOT NULL REFERENCES disclosure_requests (id),
                    department_id {uuid} NOT NULL REFERENCES departments (id),
                    kind TEXT NOT NULL,
                    result TEXT NOT NULL,
                    filed_on TEXT NOT NULL,
                    decided_on TEXT NULL,
                    recorded_at {ts} NOT NULL
                )",
                "CREATE UNIQUE INDEX disclosure_appeals_kind_idx ON disclosure_appeals (request_id, kind)",
                "CREATE INDEX disclosure_appeals_department_idx ON disclosure_appeals (department_id, filed_on)",
                "CREATE TABLE disclosure_events (
                    id {uuid} PRIMARY KEY,
                    request_id {uuid} NOT NULL REFERENCES disclosure_requests (id),
                    at {ts} NOT NULL,
                    kind TEXT NOT NULL,
                    note TEXT NULL,
                    actor_id {uuid} NULL REFERENCES users (id)
                )",
                "CREATE INDEX disclosure_events_request_idx ON disclosure_events (request_id, id)",
            ],
        )
        .await
    }
}
