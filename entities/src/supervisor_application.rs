//! A citizen's application to become an openness supervisor, and its review.

use sea_orm::entity::prelude::*;

use crate::enums::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "supervisor_applications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub applicant_id: Uuid,
    pub real_name: String,
    pub category: SupervisorCategory,
    pub organization: Option<String>,
    pub phone: String,
    pub statement: String,
    pub status: ApplicationStatus,
    pub review_note: Option<String>,
    pub reviewed_at: Option<DateTimeUtc>,
    pub reviewed_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
