//! Security rules as tested properties: a threat list.

mod roles;
