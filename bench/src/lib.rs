//! Load seeding for the Gongkai benchmark: realistic data written straight into PostgreSQL with COPY,
//! with every derived column (counters, duplicate groups, reply and endorsement counts) kept the way the
//! server keeps it.

pub mod copy;
pub mod generate;
pub mod plan;
pub mod rng;
pub mod text;
