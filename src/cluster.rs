//! Running callsql's queries on an Apache DataFusion Ballista cluster.
//!
//! A client session (`--cluster df://host:port`) plans a statement as it would locally,
//! then hands the optimized plan to the cluster's scheduler; the scheduler cuts it into
//! stages at its shuffles and its executors run the tasks, reading the data themselves.
//! All three build their sessions with [`crate::session::state`], so they share callsql's
//! functions and plan rules, and exchange plans through [`codec`].

mod codec;
mod processes;
mod window_filters;

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use ballista_core::extension::{SessionConfigExt, SessionStateExt};
use datafusion::execution::{SessionState, SessionStateBuilder};
use datafusion::prelude::SessionConfig;

pub use codec::{LogicalCodec, PhysicalCodec};
pub use processes::{ExecutorOptions, LocalCluster, run_executor, run_scheduler};

/// The port a scheduler listens on unless told otherwise (Ballista's).
pub const DEFAULT_SCHEDULER_PORT: u16 = 50050;

/// The largest gRPC message any process sends or accepts: a plan (tables made with
/// `CREATE TABLE … AS` travel inside it) or a batch of results. Ballista's 16 MiB refused
/// compliance_audit's result batches on 20M calls; a message is only as large as its
/// content, so the limit costs nothing until it is needed.
const GRPC_MESSAGE_LIMIT: u32 = 1 << 30;

/// The gRPC endpoint of the scheduler a `df://host[:port]` URL names.
pub fn scheduler_url(cluster: &str) -> Result<String> {
    let url = url::Url::parse(cluster)
        .ok()
        .filter(|url| url.scheme() == "df")
        .with_context(|| format!("--cluster expects df://HOST:PORT, got '{cluster}'"))?;
    let Some(host) = url.host_str().filter(|host| !host.is_empty()) else {
        bail!("--cluster expects df://HOST:PORT, got '{cluster}'");
    };
    let port = url.port().unwrap_or(DEFAULT_SCHEDULER_PORT);
    Ok(format!("http://{host}:{port}"))
}

/// Fails with one line when nothing answers at the scheduler's address: a query would
/// otherwise fail later, in Ballista's words, or wait.
pub async fn check_reachable(cluster: &str, scheduler: &str) -> Result<()> {
    let address = scheduler.trim_start_matches("http://");
    match tokio::time::timeout(
        Duration::from_secs(10),
        tokio::net::TcpStream::connect(address),
    )
    .await
    {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(error)) => bail!("cannot reach the cluster scheduler at {cluster}: {error}"),
        Err(_) => bail!("cannot reach the cluster scheduler at {cluster}: no answer in 10 s"),
    }
}

/// A client's session settings: callsql's logical codec, so its tables and configured
/// functions reach the scheduler.
pub fn client_config(config: SessionConfig) -> SessionConfig {
    plannable_by_ballista(config)
        .with_ballista_logical_extension_codec(Arc::new(LogicalCodec::new("the client")))
        .with_ballista_grpc_client_max_message_size(GRPC_MESSAGE_LIMIT as usize)
}

/// Turns off two DataFusion 55 planning features whose plans Ballista 55 cannot run:
/// - uncorrelated scalar subqueries executed physically (`ScalarSubqueryExec`): once
///   Ballista cuts the plan into stages, the subquery and the expressions reading its
///   value land in different stages, and executors refuse the task ("ScalarSubqueryExpr
///   can only be deserialized as part of a surrounding ScalarSubqueryExec"); planned as
///   joins instead, as before 55.
/// - dynamic filters from hash joins: when a stage's inputs are done, the scheduler may
///   swap a join's sides by their real sizes, which DataFusion refuses for a join with a
///   dynamic filter, and the job then never ends. A dynamic filter cannot reach a scan in
///   another stage anyway.
pub fn plannable_by_ballista(mut config: SessionConfig) -> SessionConfig {
    let optimizer = &mut config.options_mut().optimizer;
    optimizer.enable_physical_uncorrelated_scalar_subquery = false;
    optimizer.enable_join_dynamic_filter_pushdown = false;
    config
}

/// `state` made a client of the scheduler at `scheduler`: statements plan here and run
/// on the cluster.
pub fn client_state(
    state: SessionState,
    scheduler: String,
    functions: &callsql_udfs::Config,
) -> Result<SessionState> {
    let state = state.upgrade_for_ballista(scheduler)?;
    let mut state = SessionStateBuilder::new_from_existing(state)
        .with_analyzer_rule(Arc::new(window_filters::RefuseWindowFilters))
        .build();
    // Upgrading resets the function lists to DataFusion's.
    callsql_udfs::register_all_with(&mut state, functions)
        .context("cannot register callsql functions")?;
    Ok(state)
}
