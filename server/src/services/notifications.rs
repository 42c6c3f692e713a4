//! Notifications: written in the transaction of the action that causes them (so nothing is announced
//! that did not happen, and nothing that happened goes unannounced), announced on the live feed once
//! that transaction commits, read in the recipient's inbox in their language.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::{Map, Value as Json};
use uuid::Uuid;

use entities::enums::{NotificationKind, NotificationSubjectType};
use entities::notification;

use crate::clock::Clock;
use crate::error::{AppError, AppResult};
use crate::events::Event;
use crate::i18n::{self, Locale};
use crate::services::authz::Viewer;
use crate::services::pagination::{self, Page};
use crate::sql::{self, Params};
use crate::state::AppState;
use crate::t;

/// Rows one insert statement writes: what the rows share is bound once, and each row adds three values
/// (its id, recipient and subject), well under the limits of both databases (PostgreSQL 65,535
/// parameters a statement, SQLite 32,766).
const ROWS_PER_STATEMENT: usize = 2_000;

/// One notification to write: who gets it, about what.
#[derive(Clone, Debug)]
pub struct Notice {
    pub recipient: Uuid,
    pub subject: Uuid,
}

/// What a set of notices has in common: what happened, to what kind of thing, and the values of its
/// message.
#[derive(Clone, Debug)]
pub struct Kind {
    pub kind: NotificationKind,
    pub subject_type: NotificationSubjectType,
    pub params: Json,
}

/// The notifications written in a transaction, to announce once it has committed.
#[derive(Debug, Default)]
#[must_use = "announce the notifications once the transaction commits"]
pub struct Written(Vec<(Uuid, Uuid)>);

impl Written {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn extend(&mut self, other: Written) {
        self.0.extend(other.0);
    }

    /// Tells the recipients' live feeds, on every instance (call after the commit).
    pub fn announce(self, state: &AppState) {
        if self.0.is_empty() {
            return;
        }
        state.outbox_wake.notify_one();
        let events = self.0.into_iter().map(|(recipient_id, notification_id)| Event::NotificationAdded { recipient_id, notification_id }).collect();
        state.events.publish_later(events);
    }
}

/// Writes one notification per notice, `ROWS_PER_STATEMENT` to a statement, inside the caller's
/// transaction. They share one creation time: they come from one action.
pub async fn write(db: &impl ConnectionTrait, clock: &Clock, kind: &Kind, notices: &[Notice]) -> AppResult<Written> {
    let params_text = kind.params.to_string();
    // The time of an id made now: every id below is of it or later, so ordering by id and by time agree.
    let (_, at) = clock.new_id_and_time();
    let mut written = Vec::with_capacity(notices.len());
    for chunk in notices.chunks(ROWS_PER_STATEMENT) {
        let mut params = Params::new();
        let shared = format!("{}, {}, {}, {}", params.bind(kind.kind), params.bind(kind.subject_type), params.bind(params_text.clone()), params.bind(at));
        let mut rows = Vec::with_capacity(chunk.len());
        for notice in chunk {
            let id = clock.new_id();
            rows.push(format!("({}, {}, {}, {shared})", params.bind(id), params.bind(notice.recipient), params.bind(notice.subject)));
            written.push((notice.recipient, id));
        }
        let statement = format!(
            "INSERT INTO notifications (id, recipient_id, subject_id, kind, subject_type, params, created_at) VALUES {}",
            rows.join(", ")
        );
        sql::execute(db, &statement, params.into_values()).await?;
    }
    Ok(Written(written))
}

/// The values of a message: string arguments.
pub fn params(args: &[(&str, &str)]) -> Json {
    let map: Map<String, Json> = args.iter().map(|(k, v)| ((*k).to_owned(), Json::String((*v).to_owned()))).collect();
    Json::Object(map)
}

/// A time as messages show it: the date and minute in China Standard Time (UTC+8).
pub fn shown_time(t: DateTime<Utc>) -> String {
    let cst = t + chrono::Duration::hours(8);
    format!("{} (UTC+8)", cst.format("%Y-%m-%d %H:%M"))
}

/// The parts of a notification's message.
#[derive(Clone, Copy, Debug)]
pub enum Part {
    Title,
    Body,
}

/// One part of a notification's message in `locale`.
pub fn render(n: &notification::Model, part: Part, locale: Locale) -> String {
    let values: Map<String, Json> = serde_json::from_str::<Json>(&n.params).ok().and_then(|v| v.as_object().cloned()).unwrap_or_default();
    let args: Vec<(&str, &str)> = values.iter().filter_map(|(k, v)| Some((k.as_str(), v.as_str()?))).collect();
    let part = match part {
        Part::Title => "title",
        Part::Body => "body",
    };
    i18n::message(locale, &format!("notification-{}-{part}", n.kind.as_str()), &args)
}

/// A page of the signed-in user's notifications, newest first; `unread_only` keeps the unread.
pub async fn inbox(state: &AppState, viewer: &Viewer, unread_only: bool, first: Option<i32>, after: Option<&str>) -> AppResult<(Page<notification::Model>, pagination::Total)> {
    let user = viewer.user()?;
    let first = pagination::page_size(first)?;
    let after = pagination::parse_id_cursor(after)?;
    let mut list = sql::List::new("notifications");
    let recipient = list.bind(user.id);
    list.filter(format!("recipient_id = {recipient}"));
    if unread_only {
        list.filter("read_at IS NULL");
    }
    pagination::fetch::<notification::Entity>(&state.db.conn, list.newest_first("id", after, first), first).await
}

/// How many of the user's notifications are unread.
pub async fn unread_count(db: &impl ConnectionTrait, user: Uuid) -> AppResult<i64> {
    sql::count(db, "SELECT COUNT(*) FROM notifications WHERE recipient_id = $1 AND read_at IS NULL", vec![user.into()]).await
}

/// The most ids one call may mark.
pub const MAX_MARKED: usize = 100;

/// Marks the given notifications of the viewer read (or all of them); returns the unread count left.
/// An id that is not the viewer's notification is NOT_FOUND, and then nothing is marked.
pub async fn mark_read(state: &AppState, viewer: &Viewer, ids: Option<Vec<Uuid>>, all: bool) -> AppResult<i64> {
    let user = viewer.user()?.clone();
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    match (ids, all) {
        (_, true) => {
            sql::execute(&*txn, "UPDATE notifications SET read_at = $1 WHERE recipient_id = $2 AND read_at IS NULL", vec![now.into(), user.id.into()]).await?;
        }
        (Some(mut ids), false) => {
            if ids.len() > MAX_MARKED {
                return Err(AppError::bad_input("ids", t!("field-at-most-ids", max = MAX_MARKED)));
            }
            ids.sort_unstable();
            ids.dedup();
            let mut params = Params::new();
            let recipient = params.bind(user.id);
            let list = params.bind_all(ids.iter().copied());
            let owned = sql::count(
                &*txn,
                &format!("SELECT COUNT(*) FROM notifications WHERE recipient_id = {recipient} AND id IN ({list})"),
                params.clone().into_values(),
            )
            .await?;
            if usize::try_from(owned).unwrap_or(0) != ids.len() {
                return Err(AppError::NotFound(t!("not-found-notification")));
            }
            let at = params.bind(now);
            sql::execute(
                &*txn,
                &format!("UPDATE notifications SET read_at = {at} WHERE recipient_id = {recipient} AND id IN ({list}) AND read_at IS NULL"),
                params.into_values(),
            )
            .await?;
        }
        (None, false) => return Err(AppError::bad_input("ids", t!("field-ids-or-all"))),
    }
    let left = unread_count(&*txn, user.id).await?;
    txn.commit().await?;
    Ok(left)
}

/// A notification of the viewer's, by id (for the live feed).
pub async fn own(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<Option<notification::Model>> {
    let user = viewer.user()?;
    Ok(notification::Entity::find_by_id(id).one(&state.db.conn).await?.filter(|n| n.recipient_id == user.id))
}
