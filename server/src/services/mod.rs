//! The domain services: business rules, authorization and transactions, one module per area.

pub mod accounts;
pub mod audit;
pub mod authz;
pub mod comments;
pub mod consultations;
pub mod counters;
pub mod observations;
pub mod pagination;
pub mod scorecards;
pub mod supervisors;
