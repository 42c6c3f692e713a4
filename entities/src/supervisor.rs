//! An appointment as openness supervisor: a term, possibly cut short by revocation.

use sea_orm::entity::prelude::*;

use crate::enums::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "supervisors")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub application_id: Uuid,
    pub category: SupervisorCategory,
    pub term_start: DateTimeUtc,
    pub term_end: DateTimeUtc,
    pub appointed_by: Uuid,
    pub revoked_at: Option<DateTimeUtc>,
    pub revoked_reason: Option<String>,
    pub revoked_by: Option<Uuid>,
    pub observation_count: i32,
    pub created_at: DateTimeUtc,
    /// When the supervisor was told the term is ending.
    pub ending_sent_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
