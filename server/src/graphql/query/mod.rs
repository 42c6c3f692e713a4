//! The query root, merged from one object per area.

mod accounts;
mod audit;
mod bulk_replies;
mod calendar;
mod consultations;
mod disclosure;
mod supervisors;
mod webhooks;

#[derive(async_graphql::MergedObject, Default)]
pub struct Query(accounts::AccountsQuery, consultations::ConsultationsQuery, audit::AuditQuery, supervisors::SupervisorsQuery, webhooks::WebhooksQuery, calendar::CalendarQuery, bulk_replies::BulkRepliesQuery, disclosure::DisclosureQuery);
