//! sea-orm models of Gongkai's tables: plain data, no API concerns.
//!
//! Enumerations (roles, statuses, stances) are stored as text and typed here (`enums`); the `graphql`
//! feature makes them GraphQL enums too.

pub mod audit_entry;
pub mod comment;
pub mod consultation;
pub mod consultation_department;
pub mod department;
pub mod duplicate_group;
pub mod enums;
pub mod notification;
pub mod observation;
pub mod observation_follow_up;
pub mod observation_reply;
pub mod reply;
pub mod report;
pub mod section;
pub mod supervisor;
pub mod supervisor_application;
pub mod user;
