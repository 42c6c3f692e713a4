//! A supervisor's observation on how a department practises openness, with its working-day deadline.

use sea_orm::entity::prelude::*;

use crate::enums::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "observations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub supervisor_id: Uuid,
    pub department_id: Uuid,
    pub consultation_id: Option<Uuid>,
    pub kind: ObservationKind,
    pub title: String,
    pub body: String,
    pub status: ObservationStatus,
    pub due_at: DateTimeUtc,
    pub answered_at: Option<DateTimeUtc>,
    pub first_answered_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The deadline whose due-soon reminder was sent.
    pub due_soon_sent_for: Option<DateTimeUtc>,
    /// The deadline whose overdue notice was sent.
    pub overdue_sent_for: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
