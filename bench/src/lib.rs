//! Load seeding for the Gongkai benchmark: realistic data written straight into PostgreSQL with COPY,
//! with every derived column (counters, duplicate groups, reply and endorsement counts) kept the way the
//! server keeps it.

pub mod copy;
pub mod generate;
pub mod plan;
pub mod rng;
pub mod text;

/// The key sealing identity document numbers in the benchmarks' servers (a bench fixture, not a
/// secret): PostgreSQL needs one (DATA_KEY), the same as bench/run.sh passes.
pub const DATA_KEY: [u8; 32] = [
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
];
