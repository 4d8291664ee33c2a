//! Integration tests: the binary as users run it, the generator's planted truth, and
//! the round trip through a real S3-compatible server. One test binary, so DataFusion is
//! linked once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod batch;
mod bi;
mod cli;
mod cluster;
mod dashboard;
mod drivers;
mod fault_proxy;
mod generator;
mod hostile;
mod import;
mod import_tables;
pub mod kills;
mod memory;
mod queries;
mod repl;
mod s3;
mod serve;
mod service;
mod support;
