//! Open data: what the city publishes about its consultations for anyone to download and reuse.
//!
//! Only published (UPCOMING, OPEN, CLOSED) and concluded consultations appear, and nothing about a
//! person: no account ids, emails, phones or names of citizens or staff, not even display names
//! (people often use their real name as one). Replies speak for their department. The comment texts
//! themselves are the citizens' own words as moderated; comments reported for personal data are
//! hidden by staff and then no longer published.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value as Json};
use uuid::Uuid;

use entities::{consultation, department};

use crate::error::{AppError, AppResult};
use crate::services::{consultations, counters};
use crate::sql;
use crate::state::AppState;
use crate::t;

/// Stable paths of the open-data files (the README lists them).
pub fn document_path(id: Uuid) -> String {
    format!("/open-data/consultations/{id}.json")
}

pub fn comments_path(id: Uuid, extension: &str) -> String {
    format!("/open-data/consultations/{id}/comments.{extension}")
}

pub fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// A published or concluded consultation; NOT_FOUND for drafts, withdrawn and unknown ones alike.
pub async fn published(state: &AppState, id: Uuid) -> AppResult<consultation::Model> {
    consultation::Entity::find_by_id(id)
        .one(&state.db.conn)
        .await?
        .filter(consultations::is_public)
        .ok_or(AppError::NotFound(t!("not-found-consultation")))
}

fn department_json(d: &department::Model) -> Json {
    json!({ "code": d.code, "name": d.name })
}

/// The consultation file: the consultation, its departments, sections, counts and outcome.
pub async fn document(state: &AppState, c: &consultation::Model) -> AppResult<Json> {
    let db = &state.db.conn;
    let lead = department::Entity::find_by_id(c.lead_department_id).one(db).await?;
    let cooperating = consultations::cooperating_of(db, c.id).await?;
    let sections = consultations::sections_of(db, c.id).await?;
    let mut subjects: Vec<Uuid> = sections.iter().map(|s| s.id).collect();
    subjects.push(c.id);
    let counts = counters::load(db, &subjects).await?;
    let total = counts.get(&c.id).copied().unwrap_or_default();
    let outcome = match (&c.outcome_summary, c.outcome_published_at) {
        (Some(summary), Some(at)) => json!({
            "summary": summary,
            "publishedAt": time(at),
            "totalComments": c.outcome_total.unwrap_or(0),
            "repliedComments": c.outcome_replied.unwrap_or(0),
            "adoptedCount": c.outcome_adopted.unwrap_or(0),
            "partiallyAdoptedCount": c.outcome_partially_adopted.unwrap_or(0),
            "notAdoptedCount": c.outcome_not_adopted.unwrap_or(0),
            "explainedCount": c.outcome_explained.unwrap_or(0),
        }),
        _ => Json::Null,
    };
    Ok(json!({
        "id": c.id,
        "title": c.title,
        "summary": c.summary,
        "body": c.body,
        "interpretation": c.interpretation,
        "category": c.category,
        "status": consultations::status(c, state.clock.now()).as_str(),
        "moderation": c.moderation.as_str(),
        "opensAt": time(c.opens_at),
        "closesAt": time(c.closes_at),
        "publishedAt": c.published_at.map(time),
        "leadDepartment": lead.as_ref().map(department_json),
        "cooperatingDepartments": cooperating.iter().map(department_json).collect::<Vec<_>>(),
        "sections": sections.iter().map(|s| json!({
            "id": s.id,
            "ordinal": s.ordinal,
            "heading": s.heading,
            "body": s.body,
            "commentCount": counts.get(&s.id).map_or(0, |n| n.published),
        })).collect::<Vec<_>>(),
        "commentCount": total.published,
        "repliedCommentCount": total.published - total.unreplied,
        "stanceCounts": { "support": total.support, "oppose": total.oppose, "neutral": total.neutral },
        "outcome": outcome,
        "files": {
            "commentsCsv": comments_path(c.id, "csv"),
            "commentsJson": comments_path(c.id, "json"),
        },
    }))
}

/// The next `limit` entries of the index after `after`, oldest first, and the last id read.
pub async fn index_batch(state: &AppState, after: Uuid, limit: u32) -> AppResult<(Vec<Json>, Option<Uuid>)> {
    let db = &state.db.conn;
    let mut params = sql::Params::new();
    let public = consultations::public_condition("c", &mut params);
    let after = params.bind(after);
    let sql_text = format!("SELECT c.* FROM consultations c WHERE {public} AND c.id > {after} ORDER BY c.id LIMIT {limit}");
    let rows = consultation::Entity::find().from_raw_sql(sql::statement(db, &sql_text, params.into_values())).all(db).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let counts = counters::load(db, &ids).await?;
    let mut lead_ids: Vec<Uuid> = rows.iter().map(|r| r.lead_department_id).collect();
    lead_ids.sort_unstable();
    lead_ids.dedup();
    let departments: HashMap<Uuid, department::Model> =
        department::Entity::find().filter(department::Column::Id.is_in(lead_ids)).all(db).await?.into_iter().map(|d| (d.id, d)).collect();
    let mut entries = Vec::with_capacity(rows.len());
    for c in &rows {
        entries.push(json!({
            "id": c.id,
            "title": c.title,
            "summary": c.summary,
            "category": c.category,
            "status": consultations::status(c, state.clock.now()).as_str(),
            "leadDepartment": departments.get(&c.lead_department_id).map(department_json),
            "opensAt": time(c.opens_at),
            "closesAt": time(c.closes_at),
            "publishedAt": c.published_at.map(time),
            "outcomePublishedAt": c.outcome_published_at.map(time),
            "commentCount": counts.get(&c.id).map_or(0, |n| n.published),
            "files": {
                "consultation": document_path(c.id),
                "commentsCsv": comments_path(c.id, "csv"),
                "commentsJson": comments_path(c.id, "json"),
            },
        }));
    }
    Ok((entries, rows.last().map(|r| r.id)))
}
