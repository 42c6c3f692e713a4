//! Registration, sign-in, sessions, and the admin's departments and accounts.

use async_graphql::{Context, InputObject, Object, ID};

use crate::domain::Role;
use crate::graphql::context::{parse_id, ContextExt, GqlResult};
use crate::graphql::types::{AuthPayload, Department, User};
use crate::services::{account_admin, accounts};

#[derive(InputObject)]
pub struct RegisterInput {
    pub email: String,
    pub password: String,
    pub display_name: String,
    pub phone: Option<String>,
}

#[derive(InputObject)]
pub struct LoginInput {
    pub email: String,
    pub password: String,
}

#[derive(InputObject)]
pub struct ChangePasswordInput {
    pub current_password: String,
    pub new_password: String,
}

#[derive(InputObject)]
pub struct CreateDepartmentInput {
    pub code: String,
    pub name: String,
}

#[derive(InputObject)]
pub struct CreateAccountInput {
    pub email: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    pub department_id: Option<ID>,
}

/// What `updateAccount` changes; what is not given stays (a staff member made admin or evaluator
/// leaves their department).
#[derive(InputObject)]
pub struct UpdateAccountInput {
    pub role: Option<Role>,
    pub department_id: Option<ID>,
    pub display_name: Option<String>,
}

#[derive(Default)]
pub struct AccountsMutation;

fn signed_in(s: accounts::SignedIn) -> AuthPayload {
    AuthPayload { token: s.token, expires_at: s.expires_at, user: User { model: s.user, private: true } }
}

#[Object]
impl AccountsMutation {
    /// Creates a CITIZEN account and signs it in.
    async fn register(&self, ctx: &Context<'_>, input: RegisterInput) -> GqlResult<AuthPayload> {
        let input = accounts::RegisterInput {
            email: input.email,
            password: input.password,
            display_name: input.display_name,
            phone: input.phone,
        };
        Ok(signed_in(accounts::register(ctx.state()?, ctx.viewer()?, input).await?))
    }

    async fn login(&self, ctx: &Context<'_>, input: LoginInput) -> GqlResult<AuthPayload> {
        Ok(signed_in(accounts::login(ctx.state()?, ctx.viewer()?, &input.email, &input.password).await?))
    }

    /// Ends this session.
    async fn logout(&self, ctx: &Context<'_>) -> GqlResult<bool> {
        Ok(accounts::logout(ctx.state()?, ctx.viewer()?).await?)
    }

    /// Ends every session of the account, this one included.
    async fn logout_everywhere(&self, ctx: &Context<'_>) -> GqlResult<bool> {
        Ok(accounts::logout_everywhere(ctx.state()?, ctx.viewer()?).await?)
    }

    /// Changes the password and ends every other session.
    async fn change_password(&self, ctx: &Context<'_>, input: ChangePasswordInput) -> GqlResult<bool> {
        Ok(accounts::change_password(ctx.state()?, ctx.viewer()?, &input.current_password, &input.new_password).await?)
    }

    async fn create_department(&self, ctx: &Context<'_>, input: CreateDepartmentInput) -> GqlResult<Department> {
        Ok(Department(accounts::create_department(ctx.state()?, ctx.viewer()?, &input.code, &input.name).await?))
    }

    /// An admin creates a STAFF (with a department), ADMIN or EVALUATOR account.
    async fn create_account(&self, ctx: &Context<'_>, input: CreateAccountInput) -> GqlResult<User> {
        let input = accounts::CreateAccountInput {
            email: input.email,
            display_name: input.display_name,
            password: input.password,
            role: input.role,
            department_id: input.department_id.as_ref().map(|id| parse_id("departmentId", id)).transpose()?,
        };
        let viewer = ctx.viewer()?;
        let user = accounts::create_account(ctx.state()?, Some(viewer), input).await?;
        Ok(User { model: user, private: true })
    }

    /// Lets a suspended account sign in again (admins only). CONFLICT when it is not suspended.
    async fn reinstate_account(&self, ctx: &Context<'_>, id: ID) -> GqlResult<User> {
        let id = parse_id("id", &id)?;
        let user = account_admin::reinstate(ctx.state()?, ctx.viewer()?, id).await?;
        Ok(User { model: user, private: true })
    }

    /// Changes an account's role, department or display name (admins only). A change of role or
    /// department ends the account's sessions at once; an admin may not change their own role.
    async fn update_account(&self, ctx: &Context<'_>, id: ID, input: UpdateAccountInput) -> GqlResult<User> {
        let id = parse_id("id", &id)?;
        let department_id = input.department_id.as_ref().map(|d| parse_id("input.departmentId", d)).transpose()?;
        let change = account_admin::AccountChange {
            role: input.role,
            // An admin or evaluator has no department: a role change alone implies none.
            department_id: department_id.map(Some),
            display_name: input.display_name,
        };
        let user = account_admin::update(ctx.state()?, ctx.viewer()?, id, change).await?;
        Ok(User { model: user, private: true })
    }

    /// Suspends an account: it can no longer sign in and its sessions end at once.
    async fn suspend_account(&self, ctx: &Context<'_>, id: ID, reason: String) -> GqlResult<User> {
        let id = parse_id("id", &id)?;
        let user = accounts::suspend_account(ctx.state()?, ctx.viewer()?, id, &reason).await?;
        Ok(User { model: user, private: true })
    }
}
