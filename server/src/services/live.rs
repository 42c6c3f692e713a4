//! Live feeds behind the subscriptions: who may follow what, and which events reach each subscriber.
//!
//! Each feed holds one receiver of the instance's bounded event channel (see `events`). A feed that
//! falls behind skips what it missed rather than holding anything up, and dropping the feed (the
//! client completes the subscription or its connection closes) drops the receiver.

use std::time::{Duration, Instant};

use futures_util::stream::{self, Stream};
use sea_orm::{EntityTrait, PrimaryKeyTrait};
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use entities::{comment, consultation, notification, reply};

use crate::error::{AppError, AppResult};
use crate::events::Event;
use crate::services::accounts;
use crate::services::authz::{self, Viewer};
use crate::state::AppState;
use crate::t;

/// How often a long-lived feed checks again that its session is live and still allows the feed, so
/// that signing out, a suspension or a change of department ends it.
const RECHECK: Duration = Duration::from_secs(30);

/// The consultation whose new comments the viewer may follow: its staff and admins only.
pub async fn authorize_comment_feed(state: &AppState, viewer: &Viewer, consultation_id: Uuid) -> AppResult<consultation::Model> {
    authz::moderated_consultation(&state.db.conn, viewer, consultation_id, t!("action-follow-new-comments")).await
}

/// New comments on the consultation, every status, as they are submitted.
pub fn comment_feed(state: AppState, viewer: Viewer, consultation: consultation::Model) -> impl Stream<Item = AppResult<comment::Model>> + Send + 'static {
    rows_of::<comment::Entity>(Feed::new(state, viewer, Subject::Comments(Box::new(consultation))))
}

/// Official replies to the signed-in user's own comments, as they are posted.
pub fn reply_feed(state: AppState, viewer: Viewer) -> AppResult<impl Stream<Item = AppResult<reply::Model>> + Send + 'static> {
    let user = viewer.user()?.id;
    Ok(rows_of::<reply::Entity>(Feed::new(state, viewer, Subject::Replies(user))))
}

/// The signed-in user's new notifications, as they are written.
pub fn notification_feed(state: AppState, viewer: Viewer) -> AppResult<impl Stream<Item = AppResult<notification::Model>> + Send + 'static> {
    let user = viewer.user()?.id;
    Ok(rows_of::<notification::Entity>(Feed::new(state, viewer, Subject::Notifications(user))))
}

/// The rows a feed's events name, read one at a time under the feed-read limit; rows deleted since
/// the event are skipped.
fn rows_of<E>(feed: Feed) -> impl Stream<Item = AppResult<E::Model>> + Send + 'static
where
    E: EntityTrait,
    E::Model: Send + Sync,
    Uuid: Into<<E::PrimaryKey as PrimaryKeyTrait>::ValueType>,
{
    stream::unfold(Some(feed), |feed| async move {
        let mut feed = feed?;
        loop {
            let id = match feed.next_matching().await? {
                Ok(id) => id,
                Err(error) => return Some((Err(error), None)),
            };
            let found = {
                let _turn = feed.state.events.feed_read().await;
                E::find_by_id(id).one(&feed.state.db.conn).await
            };
            match found {
                Ok(Some(found)) => return Some((Ok(found), Some(feed))),
                Ok(None) => continue,
                Err(error) => return Some((Err(error.into()), Some(feed))),
            }
        }
    })
}

enum Subject {
    Comments(Box<consultation::Model>),
    Replies(Uuid),
    Notifications(Uuid),
}

struct Feed {
    state: AppState,
    viewer: Viewer,
    subject: Subject,
    events: tokio::sync::broadcast::Receiver<Event>,
    checked: Instant,
}

impl Feed {
    fn new(state: AppState, viewer: Viewer, subject: Subject) -> Self {
        let events = state.events.subscribe();
        Self { state, viewer, subject, events, checked: Instant::now() }
    }

    /// The id in the next event for this feed; an error (then the feed ends) when the viewer may no
    /// longer follow it; None when the instance shuts down.
    async fn next_matching(&mut self) -> Option<AppResult<Uuid>> {
        loop {
            let event = match self.events.recv().await {
                Ok(event) => event,
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "a live subscriber fell behind and skipped events");
                    continue;
                }
                Err(RecvError::Closed) => return None,
            };
            let id = match (&self.subject, event) {
                (Subject::Comments(c), Event::CommentAdded { consultation_id, comment_id }) if consultation_id == c.id => comment_id,
                (Subject::Replies(user), Event::ReplyPosted { comment_author_id, reply_id }) if comment_author_id == *user => reply_id,
                (Subject::Notifications(user), Event::NotificationAdded { recipient_id, notification_id }) if recipient_id == *user => notification_id,
                _ => continue,
            };
            return Some(self.still_allowed().await.map(|()| id));
        }
    }

    async fn still_allowed(&mut self) -> AppResult<()> {
        if self.checked.elapsed() < RECHECK {
            return Ok(());
        }
        let Some(hash) = self.viewer.token_hash.as_deref() else { return Err(AppError::Unauthenticated) };
        let user = accounts::session_user(&self.state, hash)
            .await?
            .ok_or(AppError::UnauthenticatedWith(t!("error-session-ended-feed")))?;
        self.viewer.user = Some(user);
        if let Subject::Comments(consultation) = &self.subject {
            authz::require_moderate(&self.state.db.conn, &self.viewer, consultation).await?;
        }
        self.checked = Instant::now();
        Ok(())
    }
}
