//! callsql: SQL-native analytics for outbound calling and telemarketing call logs.
//!
//! The library holds everything but the command line: the session constructor shared by
//! the binary, the tests and the sqllogictest runner; the canonical table schemas and
//! their registration from a local directory or S3; the synthetic data generator; and
//! result printing.

pub mod canned;
pub mod format;
pub mod generator;
pub mod location;
pub mod schema;
pub mod session;
pub mod slt;
pub mod tables;
