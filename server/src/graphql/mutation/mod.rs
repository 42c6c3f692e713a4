//! The mutation root, merged from one object per area.

mod accounts;
mod bulk_replies;
mod calendar;
mod comments;
mod consultations;
mod disclosure;
mod exports;
mod notifications;
mod reply_templates;
mod supervisors;
mod webhooks;

#[derive(async_graphql::MergedObject, Default)]
pub struct Mutation(
    accounts::AccountsMutation,
    consultations::ConsultationsMutation,
    comments::CommentsMutation,
    supervisors::SupervisorsMutation,
    exports::ExportsMutation,
    notifications::NotificationsMutation,
    webhooks::WebhooksMutation,
    calendar::CalendarMutation,
    reply_templates::ReplyTemplatesMutation,
    bulk_replies::BulkRepliesMutation,
    disclosure::DisclosureMutation,
);
