//! The subscription root: the staff dashboard's feed of new comments and citizens' replies feed.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_graphql::{Context, Subscription as SubscriptionRoot, ID};
use futures_util::{Stream, StreamExt};

use crate::error::AppError;
use crate::graphql::context::{parse_id, ContextExt, GqlResult};
use crate::graphql::types::{Comment, Notification, Reply};
use crate::services::live;
use crate::t;

/// Most subscriptions one connection may hold at once.
pub const MAX_PER_CONNECTION: usize = 32;

/// The subscriptions of one WebSocket connection, counted so that one client cannot pile up feeds.
#[derive(Clone, Default)]
pub struct ConnectionSlots(Arc<AtomicUsize>);

/// One subscription's place; freed when its stream is dropped.
pub struct Slot(Arc<AtomicUsize>);

impl ConnectionSlots {
    fn take(&self) -> Result<Slot, AppError> {
        let taken = self.0.fetch_add(1, Ordering::AcqRel);
        let slot = Slot(self.0.clone());
        if taken >= MAX_PER_CONNECTION {
            return Err(AppError::forbidden(t!("error-too-many-subscriptions", max = MAX_PER_CONNECTION)));
        }
        Ok(slot)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

fn take_slot(ctx: &Context<'_>) -> Result<Option<Slot>, AppError> {
    // Subscriptions run over the WebSocket endpoint, which always provides slots; without them (a
    // schema used directly) nothing is counted.
    ctx.data_opt::<ConnectionSlots>().map(ConnectionSlots::take).transpose()
}

#[derive(Default)]
pub struct Subscription;

#[SubscriptionRoot]
impl Subscription {
    /// New comments on a consultation, every status (PENDING included), as they are submitted: for
    /// staff of its lead or a cooperating department, and admins.
    async fn comment_added(&self, ctx: &Context<'_>, consultation_id: ID) -> async_graphql::Result<impl Stream<Item = GqlResult<Comment>>> {
        let state = ctx.state()?.clone();
        let viewer = ctx.viewer()?.clone();
        let id = parse_id("consultationId", &consultation_id)?;
        let consultation = live::authorize_comment_feed(&state, &viewer, id).await?;
        let slot = take_slot(ctx)?;
        Ok(live::comment_feed(state, viewer, consultation).map(move |item| {
            let _held = &slot;
            item.map(|c| Comment::new(c, true)).map_err(AppError::into_graphql)
        }))
    }

    /// The signed-in user's new notifications, on any instance, as they are written.
    async fn notification_added(&self, ctx: &Context<'_>) -> async_graphql::Result<impl Stream<Item = GqlResult<Notification>>> {
        let state = ctx.state()?.clone();
        let viewer = ctx.viewer()?.clone();
        let feed = live::notification_feed(state, viewer)?;
        let slot = take_slot(ctx)?;
        Ok(feed.map(move |item| {
            let _held = &slot;
            item.map(Notification).map_err(AppError::into_graphql)
        }))
    }

    /// Official replies to the signed-in user's own comments, as they are posted.
    async fn reply_posted(&self, ctx: &Context<'_>) -> async_graphql::Result<impl Stream<Item = GqlResult<Reply>>> {
        let state = ctx.state()?.clone();
        let viewer = ctx.viewer()?.clone();
        let feed = live::reply_feed(state, viewer)?;
        let slot = take_slot(ctx)?;
        Ok(feed.map(move |item| {
            let _held = &slot;
            item.map(Reply).map_err(AppError::into_graphql)
        }))
    }
}
