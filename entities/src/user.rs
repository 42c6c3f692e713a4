//! An account: citizen, staff, admin or evaluator.

use sea_orm::entity::prelude::*;

use crate::enums::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub email: String,
    pub password_hash: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub role: Role,
    pub department_id: Option<Uuid>,
    pub suspended: bool,
    pub suspended_reason: Option<String>,
    /// The language the account chose for what it reads (`zh-CN` or `en`); None: the request's.
    pub locale: Option<String>,
    /// When the account proved it reads its email (a code sent there); None: email is not sent.
    pub email_verified_at: Option<DateTimeUtc>,
    /// When the account last signed in (None: never).
    pub last_sign_in_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
