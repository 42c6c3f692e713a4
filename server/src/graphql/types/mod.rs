//! GraphQL output types. Each wraps a model and resolves its relations through the request's loaders.

pub mod audit;
pub mod calendar;
pub mod comment;
pub mod connection;
pub mod consultation;
pub mod disclosure;
pub mod notification;
pub mod reply_template;
pub mod similar;
pub mod supervisor;
pub mod user;
pub mod webhook;

pub use audit::AuditEntry;
pub use comment::{Comment, DuplicateGroup, Reply};
pub use connection::PageInfo;
pub use consultation::{Consultation, Department, Section};
pub use notification::{Notification, NotificationSubject};
pub use supervisor::{DepartmentScorecard, Observation, ObservationFollowUp, ObservationReply, Supervisor, SupervisorApplication};
pub use user::{AuthPayload, NotificationSetting, User};
pub use webhook::{Webhook, WebhookDelivery};
