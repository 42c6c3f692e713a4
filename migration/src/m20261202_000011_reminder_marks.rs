//! Marks of the reminders already sent, so that each is sent once however many instances look: the
//! deadline an observation's due-soon and overdue reminders were sent for (a follow-up sets a new
//! deadline, and with it a new reminder), and when a supervisor was told their term is ending.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::sql::run(
            manager,
            &[
                "ALTER TABLE observations ADD COLUMN due_soon_sent_for {ts} NULL",
                "ALTER TABLE observations ADD COLUMN overdue_sent_for {ts} NULL",
                "ALTER TABLE supervisors ADD COLUMN ending_sent_at {ts} NULL",
                // The reminders' scans: open observations by deadline, running appointments by term end.
                "CREATE INDEX observations_status_due_idx ON observations (status, due_at)",
                "CREATE INDEX supervisors_running_idx ON supervisors (term_end) WHERE revoked_at IS NULL",
            ],
        )
        .await
    }
}
