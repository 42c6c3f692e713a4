//! Listing consultations: the public list, the managers' drafts, a department's own.

use chrono::{DateTime, Utc};

use sea_orm::DbBackend;
use uuid::Uuid;

use entities::consultation;

use crate::domain::ConsultationStatus;
use crate::error::{AppError, AppResult};
use crate::services::authz::Viewer;
use crate::services::pagination::{self, Page};
use crate::services::search_index;
use crate::sql::{self, ListQuery};
use crate::state::AppState;
use crate::t;
use super::{public_condition, status_condition};

#[derive(Clone, Debug, Default)]
pub struct ListFilter {
    pub status: Option<ConsultationStatus>,
    pub department_id: Option<Uuid>,
    pub category: Option<String>,
    pub search: Option<String>,
}

pub struct ListResult {
    pub page: Page<consultation::Model>,
    pub total: pagination::Total,
}

/// The public list (published and concluded), or drafts and withdrawn ones the viewer may manage when
/// the filter asks for those statuses.
pub async fn list(state: &AppState, viewer: &Viewer, filter: &ListFilter, first: Option<i32>, after: Option<&str>) -> AppResult<ListResult> {
    let first = pagination::page_size(first)?;
    let after = pagination::parse_id_cursor(after)?;
    let query = list_query(state.db.backend(), viewer, filter, first, after, state.clock.now())?;
    let (page, total) = pagination::fetch::<consultation::Entity>(&state.db.conn, query, first).await?;
    Ok(ListResult { page, total })
}

pub fn list_query(backend: DbBackend, viewer: &Viewer, filter: &ListFilter, first: u64, after: Option<Uuid>, now: DateTime<Utc>) -> AppResult<ListQuery> {
    let mut list = sql::List::new("consultations c");
    let at = list.bind(now);
    match filter.status {
        Some(status @ (ConsultationStatus::Draft | ConsultationStatus::Withdrawn)) => {
            let condition = status_condition(status, "c", &at, list.params());
            list.filter(condition);
            if !viewer.is_admin() {
                match viewer.staff_department() {
                    Some(department) => {
                        let department = list.bind(department);
                        list.filter(format!("c.lead_department_id = {department}"));
                    }
                    None => list.nothing(),
                }
            }
        }
        Some(status) => {
            let condition = status_condition(status, "c", &at, list.params());
            list.filter(condition);
        }
        None => {
            let condition = public_condition("c", list.params());
            list.filter(condition);
        }
    }
    if let Some(department) = filter.department_id {
        let department = list.bind(department);
        list.filter(format!(
            "(c.lead_department_id = {department} OR EXISTS (SELECT 1 FROM consultation_departments d WHERE d.consultation_id = c.id AND d.department_id = {department}))"
        ));
    }
    // A NUL is in no stored text (text fields refuse control characters) and PostgreSQL refuses it
    // in a parameter: such a filter matches nothing, on either database.
    let unmatchable = [&filter.category, &filter.search].iter().any(|f| f.as_deref().is_some_and(|v| v.contains('\0')));
    if unmatchable {
        list.nothing();
    }
    if let Some(category) = filter.category.as_deref().map(str::trim).filter(|c| !c.is_empty() && !unmatchable) {
        let category = list.bind(category.to_owned());
        list.filter(format!("c.category = {category}"));
    }
    // Through the full-text index of the consultations' tokens (title, summary and body).
    if let Some(search) = search_index::text_search(backend, "filter.search", filter.search.as_deref().filter(|_| !unmatchable))? {
        let condition = search.consultation_condition("c", list.params());
        list.filter(condition);
    }
    Ok(list.newest_first("c.id", after, first))
}

/// A department's own consultations, every status, for its staff and admins.
pub async fn department_list(
    state: &AppState,
    viewer: &Viewer,
    department_id: Uuid,
    status: Option<ConsultationStatus>,
    first: Option<i32>,
    after: Option<&str>,
) -> AppResult<ListResult> {
    if !(viewer.is_admin() || viewer.staff_department() == Some(department_id)) {
        return Err(AppError::forbidden(t!("error-list-department-consultations")));
    }
    let first = pagination::page_size(first)?;
    let after = pagination::parse_id_cursor(after)?;
    let mut list = sql::List::new("consultations c");
    let department = list.bind(department_id);
    list.filter(format!("c.lead_department_id = {department}"));
    if let Some(status) = status {
        let at = list.bind(state.clock.now());
        let condition = status_condition(status, "c", &at, list.params());
        list.filter(condition);
    }
    let (page, total) = pagination::fetch::<consultation::Entity>(&state.db.conn, list.newest_first("c.id", after, first), first).await?;
    Ok(ListResult { page, total })
}
