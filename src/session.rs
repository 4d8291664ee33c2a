//! The one session constructor. The binary, every test, the sqllogictest runner and,
//! later, distributed executors build their DataFusion session here, so they all see the
//! same functions, optimizer rules, settings and tables.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use callsql_udfs::Lexicon;
use datafusion::execution::memory_pool::GreedyMemoryPool;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::execution::{SessionState, SessionStateBuilder};
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion::sql::parser::Statement;
use object_store::path::Path as ObjectPath;

use crate::location::{EnvObjectStoreRegistry, LocalStore, Location};
use crate::tables;

/// What a session is built from.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Root of the canonical tables (`--data`); `None` for a session without tables.
    pub data: Option<Location>,
    /// Parallelism of query execution; `None` uses the number of cores.
    pub target_partitions: Option<usize>,
    /// How the configurable functions are built (the compliance lexicon).
    pub functions: callsql_udfs::Config,
    /// Bytes that sorts, joins and aggregations may hold before they spill to disk;
    /// `None` for no limit.
    pub memory_limit: Option<usize>,
    /// The session answers remote clients (`callsql serve`): a query may not name a file or
    /// URL as its table (`SELECT * FROM '/etc/passwd'`), which would reach the server's
    /// file system and network on the client's behalf.
    pub remote_clients: bool,
    /// The Ballista cluster that runs the queries (`df://host:port`); `None` runs them in
    /// this process.
    pub cluster: Option<String>,
    /// What a table does with a file that is not readable Parquet (`--skip-corrupt`).
    pub unreadable: tables::Unreadable,
}

impl Options {
    /// Options for a data root given as text (a local path or `s3://bucket/prefix`).
    pub fn with_data(data: &str) -> Result<Self> {
        Ok(Options {
            data: Some(Location::parse(data)?),
            ..Options::default()
        })
    }
}

/// Builds a session: information_schema on, every callsql function and optimizer rule
/// registered, and the canonical tables found under `options.data` registered by name.
pub async fn build(options: &Options) -> Result<SessionContext> {
    build_with_runtime(options, runtime(options)?).await
}

/// The runtime a session runs on: the object stores and the memory pool `options` ask
/// for. Sessions built on one runtime share its memory limit, as `serve`'s connections do.
pub fn runtime(options: &Options) -> Result<Arc<RuntimeEnv>> {
    let mut runtime = RuntimeEnvBuilder::new()
        .with_object_store_registry(Arc::new(EnvObjectStoreRegistry::default()));
    if let Some(limit) = options.memory_limit {
        // First come, first served: an operator spills only when the whole limit is in
        // use. Fair shares split the limit over every spillable operator of a query, and
        // kpi_overview's six aggregation streams then spilled at a sixth of it each while
        // the query as a whole needed about half the limit.
        runtime = runtime.with_memory_pool(Arc::new(GreedyMemoryPool::new(limit)));
    }
    Ok(runtime.build_arc()?)
}

/// [`build`] on a given runtime (whose memory pool replaces `options.memory_limit`).
pub async fn build_with_runtime(
    options: &Options,
    runtime: Arc<RuntimeEnv>,
) -> Result<SessionContext> {
    let mut config = SessionConfig::new().with_information_schema(true);
    if let Some(partitions) = options.target_partitions {
        config = config.with_target_partitions(partitions);
    }
    let state = match &options.cluster {
        Some(cluster) => {
            let scheduler = crate::cluster::scheduler_url(cluster)?;
            crate::cluster::check_reachable(cluster, &scheduler).await?;
            let config = crate::cluster::client_config(config);
            let state = state(config, runtime, &options.functions)?;
            crate::cluster::client_state(state, scheduler, &options.functions)?
        }
        None => state(config, runtime, &options.functions)?,
    };
    let mut ctx = SessionContext::new_with_state(state);
    if !options.remote_clients {
        // `SELECT … FROM 'file.parquet'` (or an s3:// URL) reads a file directly, as DuckDB does.
        ctx = ctx.enable_url_table();
    }
    if let Some(data) = &options.data {
        let code_lists = match options.cluster {
            Some(_) => tables::CodeLists::Text,
            None => tables::CodeLists::Dictionaries,
        };
        tables::register_tables(&ctx, data, code_lists, options.unreadable).await?;
    }
    crate::canned::table_functions::register(&ctx, &crate::canned::builtin()?).await?;
    Ok(ctx)
}

/// A session state with every callsql function and optimizer rule, on `config` and
/// `runtime`: what local sessions, a cluster's scheduler and its executors all plan and
/// run with.
pub fn state(
    config: SessionConfig,
    runtime: Arc<RuntimeEnv>,
    functions: &callsql_udfs::Config,
) -> Result<SessionState> {
    let mut builder = SessionStateBuilder::new()
        .with_config(config)
        .with_runtime_env(runtime)
        .with_default_features();
    for rule in callsql_udfs::all_optimizer_rules()
        .into_iter()
        .chain(crate::plan::optimizer_rules())
    {
        builder = builder.with_optimizer_rule(rule);
    }
    for rule in crate::plan::physical_rules() {
        builder = builder.with_physical_optimizer_rule(rule);
    }
    let mut state = builder.build();
    callsql_udfs::register_all_with(&mut state, functions)
        .context("cannot register callsql functions")?;
    Ok(state)
}

/// Plans one statement. A `COPY … TO` a local path is first checked to be writable there:
/// DataFusion reports a failed write only as "Error encountered while finalizing writes",
/// without the path or the system's reason.
pub async fn plan(ctx: &SessionContext, statement: Statement) -> Result<LogicalPlan> {
    let plan = ctx.state().statement_to_plan(statement).await?;
    if let LogicalPlan::Copy(copy) = &plan
        && !copy.output_url.contains("://")
    {
        let target = std::path::Path::new(&copy.output_url);
        let file = if target.extension().is_some() {
            target.to_path_buf()
        } else {
            target.join("part")
        };
        let absolute = std::path::absolute(&file)
            .with_context(|| format!("invalid path {}", copy.output_url))?;
        let location = ObjectPath::from_absolute_path(&absolute)
            .with_context(|| format!("invalid path {}", copy.output_url))?;
        LocalStore::new().check_writable(&location)?;
    }
    Ok(plan)
}

/// How a lexicon file combines with the builtin lexicon.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LexiconMode {
    /// The file's terms are added to the builtin ones.
    #[default]
    Extend,
    /// Only the file's terms are used.
    Replace,
}

/// The compliance lexicon from a file of terms (one per line, `#` comments).
pub fn load_lexicon(path: &Path, mode: LexiconMode) -> Result<Lexicon> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read lexicon {}", path.display()))?;
    let file = Lexicon::parse(&text).with_context(|| format!("lexicon {}", path.display()))?;
    if file.terms().is_empty() {
        bail!("lexicon {} has no terms", path.display());
    }
    Ok(match mode {
        LexiconMode::Extend => Lexicon::builtin().extended_with(&file)?,
        LexiconMode::Replace => file,
    })
}

/// A memory size such as `1G`, `512M`, `64K` or a number of bytes (binary units).
pub fn parse_memory_limit(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let (digits, unit) = match text
        .char_indices()
        .find(|(_, c)| !c.is_ascii_digit() && *c != '.')
    {
        Some((at, _)) => text.split_at(at),
        None => (text, ""),
    };
    let scale: f64 = match unit
        .trim()
        .to_ascii_uppercase()
        .trim_end_matches("IB")
        .trim_end_matches('B')
    {
        "" => 1.0,
        "K" => 1024.0,
        "M" => 1024.0 * 1024.0,
        "G" => 1024.0 * 1024.0 * 1024.0,
        "T" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return Err(format!("expected a size such as 1G or 512M, got '{text}'")),
    };
    match digits.parse::<f64>() {
        Ok(number) if number > 0.0 && number.is_finite() => Ok((number * scale) as usize),
        _ => Err(format!("expected a size such as 1G or 512M, got '{text}'")),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_memory_limit;

    #[test]
    fn memory_limits_read_binary_units() {
        assert_eq!(parse_memory_limit("1G"), Ok(1 << 30));
        assert_eq!(parse_memory_limit("512MiB"), Ok(512 << 20));
        assert_eq!(parse_memory_limit("1.5k"), Ok(1536));
        assert_eq!(parse_memory_limit("4096"), Ok(4096));
        assert!(parse_memory_limit("lots").is_err());
        assert!(parse_memory_limit("0").is_err());
        assert!(parse_memory_limit("3X").is_err());
    }
}
