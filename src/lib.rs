//! callsql: SQL-native analytics for outbound calling and telemarketing call logs.
//!
//! The library holds everything but the command line: the session constructor shared by
//! the binary, the tests and the sqllogictest runner; the canonical table schemas and
//! their registration from a local directory or S3; the synthetic data generator; canned
//! queries and the function catalogue; result encoding and atomic output files; and the
//! interactive prompt.

pub mod canned;
pub mod catalogue;
pub mod cluster;
pub mod dashboard;
pub mod error;
pub mod format;
pub mod generator;
pub mod import;
pub mod location;
pub mod output;
pub mod plan;
pub mod repl;
pub mod schema;
pub mod serve;
pub mod session;
pub mod slt;
pub mod tables;
