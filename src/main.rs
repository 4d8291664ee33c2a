//! The `callsql` command line.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use callsql::error::Reporter;
use callsql::format::{OutputFormat, TableStyle};
use callsql::generator::{GenOptions, generate};
use callsql::import::{self, FormatName, ImportOptions, Mapping};
use callsql::location::Location;
use callsql::output::{self, Sink};
use callsql::session::{self, LexiconMode, Options};
use callsql::slt;
use callsql::{canned, catalogue, cluster, dashboard, repl, serve, tables};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use datafusion::sql::parser::DFParser;
use indicatif::ProgressBar;

#[derive(Parser)]
#[command(
    name = "callsql",
    version,
    about = "SQL analytics for outbound-calling and telemarketing call logs"
)]
struct Cli {
    /// Data root holding the canonical tables: a directory or s3://bucket/prefix.
    #[arg(long, global = true, env = "CALLSQL_DATA")]
    data: Option<String>,
    /// How to print result rows [default: table, or what the --out file's extension names].
    #[arg(long, global = true, value_enum)]
    format: Option<OutputFormat>,
    /// Compliance lexicon for sensitive_hits and is_compliant: a file with one term per
    /// line (`#` comments).
    #[arg(long, global = true, env = "CALLSQL_LEXICON", value_name = "FILE")]
    lexicon: Option<PathBuf>,
    /// Whether the --lexicon file extends the builtin lexicon or replaces it.
    #[arg(
        long,
        global = true,
        env = "CALLSQL_LEXICON_MODE",
        value_enum,
        default_value_t
    )]
    lexicon_mode: LexiconMode,
    /// Memory that sorts, joins and aggregations may use before spilling to disk (e.g. 1G,
    /// 512M); unlimited when not given.
    #[arg(
        long,
        global = true,
        env = "CALLSQL_MEMORY_LIMIT",
        value_name = "SIZE",
        value_parser = session::parse_memory_limit
    )]
    memory_limit: Option<usize>,
    /// Read a table without its files that are not readable Parquet (truncated or
    /// overwritten), with a warning naming each. Without it such a table refuses to be
    /// read, naming the file; the other tables work either way.
    #[arg(long, global = true, env = "CALLSQL_SKIP_CORRUPT")]
    skip_corrupt: bool,
    /// Run the given SQL (one or more statements separated by `;`) and exit. Without it
    /// and without a subcommand, callsql opens the interactive prompt.
    #[arg(
        short = 'c',
        long = "command",
        value_name = "SQL",
        allow_hyphen_values = true
    )]
    command: Option<String>,
    /// Show errors with every layer they passed through, not only the readable line.
    #[arg(
        short,
        long,
        global = true,
        env = "CALLSQL_DEBUG",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    verbose: bool,
    /// Run statements on the Ballista cluster whose scheduler is at this address
    /// (`callsql cluster`, or `callsql scheduler` and `callsql executor` on several hosts)
    /// instead of in this process; for -c, run, repl and test.
    #[arg(
        long,
        global = true,
        env = "CALLSQL_CLUSTER",
        value_name = "df://HOST:PORT"
    )]
    cluster: Option<String>,
    #[command(subcommand)]
    subcommand: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a deterministic synthetic call-centre data set with planted truth.
    Gen(GenArgs),
    /// Import real call logs (Asterisk, FreeSWITCH, VICIdial, Amazon Connect, Twilio or a
    /// mapped vendor export) into the canonical calls table. Exit status 3 when records
    /// were rejected (see --max-reject-rate).
    Import(ImportArgs),
    /// Run sqllogictest (.slt) files against a callsql session.
    Test(TestArgs),
    /// Run a canned query (see `callsql queries`) or a query file, with typed parameters.
    Run(RunArgs),
    /// List the canned queries with their parameters.
    Queries,
    /// List callsql's SQL functions with their documentation.
    Functions(FunctionsArgs),
    /// Describe the canonical tables (calls, orders, customers, scripts, agents, dnc,
    /// sessions): columns, types, nullability, keys and how they are stored.
    Tables(TablesArgs),
    /// The interactive prompt (also what `callsql` alone opens).
    Repl,
    /// Serve the session over the PostgreSQL wire protocol, for BI tools, notebooks and
    /// psql. Clients are read-only; SIGTERM or Ctrl-C lets running statements finish
    /// (for up to 10 s) and exits 0.
    Serve(ServeArgs),
    /// Write the monitoring board as one self-contained HTML page: KPI tiles for the last
    /// day against the day before and the 7-day mean with the segments that moved each
    /// rate, the daily trend, every campaign, and alerts; each panel is a canned query.
    Dashboard(DashboardArgs),
    /// Run a cluster scheduler: it plans the statements clients send with --cluster and
    /// hands their tasks to executors. Ctrl-C or SIGTERM stops it.
    Scheduler(SchedulerArgs),
    /// Run a cluster executor: it runs the scheduler's tasks, reading the data under the
    /// clients' --data itself (local paths must be the same on every host; S3 credentials
    /// come from the AWS_* environment). Ctrl-C or SIGTERM stops it.
    Executor(ExecutorArgs),
    /// Start a scheduler and executors on this machine, each its own process, to try
    /// --cluster; Ctrl-C or SIGTERM stops them all.
    Cluster(ClusterArgs),
}

#[derive(clap::Args)]
struct TablesArgs {
    /// One table's columns; without it, the list of tables.
    #[arg(value_name = "NAME")]
    name: Option<String>,
    /// Every table as the Markdown reference (docs/tables.md).
    #[arg(long, conflicts_with = "name")]
    markdown: bool,
}

#[derive(clap::Args)]
struct SchedulerArgs {
    /// Address to listen on; clients give it as --cluster df://ADDR:PORT.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:50050")]
    bind: std::net::SocketAddr,
}

#[derive(clap::Args)]
struct ExecutorArgs {
    /// The scheduler's address.
    #[arg(long, value_name = "HOST:PORT", value_parser = parse_host_port)]
    scheduler: std::net::SocketAddr,
    /// Address of the executor's data service (Arrow Flight), which other executors and
    /// clients fetch results from; its control service listens on the next port.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:50051")]
    bind: std::net::SocketAddr,
    /// Directory for shuffle files; a temporary one when not given.
    #[arg(long, value_name = "DIR")]
    work_dir: Option<PathBuf>,
    /// Tasks run at once [default: the number of cores].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    concurrent_tasks: Option<u32>,
}

#[derive(clap::Args)]
struct ClusterArgs {
    /// Number of executors.
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=64))]
    executors: u32,
    /// The scheduler's address; executors take free loopback ports.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:50050")]
    bind: std::net::SocketAddr,
}

/// `HOST:PORT`, the host a name or an address.
fn parse_host_port(text: &str) -> Result<std::net::SocketAddr, String> {
    use std::net::ToSocketAddrs;
    match text.to_socket_addrs() {
        Ok(mut addresses) => addresses
            .next()
            .ok_or_else(|| format!("'{text}' names no address")),
        Err(error) => Err(format!("expects HOST:PORT, got '{text}': {error}")),
    }
}

#[derive(clap::Args)]
struct DashboardArgs {
    /// Where the page goes: a local .html path or s3://bucket/key (written whole or not
    /// at all; on S3 with Content-Type text/html).
    #[arg(
        long,
        value_name = "FILE|URL",
        required_unless_present = "serve",
        conflicts_with = "serve"
    )]
    out: Option<String>,
    /// Serve the page live on this loopback address instead, recomputed every --refresh
    /// (new files under --data appear without a restart); Ctrl-C or SIGTERM stops it.
    #[arg(long, value_name = "ADDR:PORT")]
    serve: Option<std::net::SocketAddr>,
    /// How often the served page is recomputed (and the browser reloads it).
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    refresh: std::time::Duration,
    /// First day covered (YYYY-MM-DD); from the start when not given.
    #[arg(long, value_name = "DATE")]
    since: Option<NaiveDate>,
    /// Last day covered; the last day with calls is the tiles' day.
    #[arg(long, value_name = "DATE")]
    until: Option<NaiveDate>,
    /// Only this campaign.
    #[arg(long, value_name = "ID")]
    campaign: Option<String>,
    /// Time zone of the local hours that explain a rate's move.
    #[arg(long, value_name = "ZONE", default_value = "Asia/Shanghai")]
    tz: String,
    /// The page's language.
    #[arg(long, value_enum, default_value_t = PageLanguage::Zh)]
    lang: PageLanguage,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum PageLanguage {
    Zh,
    En,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on. An address other than loopback needs a password.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:5433")]
    listen: std::net::SocketAddr,
    /// The user clients log in as.
    #[arg(long, value_name = "NAME", default_value = "callsql")]
    user: String,
    /// File whose first line is the password clients give (SCRAM-SHA-256). Without it
    /// (or CALLSQL_PASSWORD) any local client may connect, as any user.
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
    /// PEM certificate chain for TLS (with --tls-key).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key for TLS (with --tls-cert).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Connections served at once; more are turned away.
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: u32,
    /// The longest a statement may run (e.g. 30s, 5m) unless a client sets its own
    /// statement_timeout; unlimited when not given.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    statement_timeout: Option<std::time::Duration>,
    /// Log every statement clients send, one line each (to see what a BI tool asks).
    #[arg(long)]
    log_statements: bool,
}

fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    match humantime::parse_duration(text) {
        Ok(duration) if !duration.is_zero() => Ok(duration),
        Ok(_) => Err("must be longer than zero".to_string()),
        Err(error) => Err(format!("expects a duration such as 30s or 5m: {error}")),
    }
}

#[derive(clap::Args)]
struct FunctionsArgs {
    /// Only functions whose name contains this text, or matches it as a glob (`*_rate`);
    /// one function is shown with its whole documentation.
    pattern: Option<String>,
}

#[derive(clap::Args)]
struct RunArgs {
    /// A canned query's name, or the path of a .sql file with a query header.
    query: String,
    /// A parameter value, NAME=VALUE; repeat for each parameter.
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = parse_param)]
    params: Vec<(String, String)>,
    /// Write the result to this file (a local path or s3://bucket/key) instead of stdout.
    /// The file appears only when the whole result is written.
    #[arg(long, value_name = "URL")]
    out: Option<String>,
}

fn parse_param(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_string(), value.to_string()))
        }
        _ => Err(format!("expects NAME=VALUE, got '{text}'")),
    }
}

#[derive(clap::Args)]
struct GenArgs {
    /// Where to write the tables: a directory or s3://bucket/prefix.
    #[arg(long)]
    out: String,
    /// Number of calls (dial attempts) to generate.
    #[arg(long)]
    rows: u64,
    /// Random seed: the same arguments always give the same data.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Number of days of calls.
    #[arg(long, default_value_t = 30)]
    days: u32,
    /// First day of calls (local date, YYYY-MM-DD).
    #[arg(long, default_value = "2025-06-01")]
    start: NaiveDate,
    /// Number of campaigns.
    #[arg(long, default_value_t = 50)]
    campaigns: usize,
    /// Number of customers (default: rows / 8).
    #[arg(long)]
    customers: Option<u64>,
    /// Number of customer-service sessions (default: rows / 4, at least 100; 0 for none).
    #[arg(long)]
    sessions: Option<u64>,
    /// Replace the tables already at --out.
    #[arg(long)]
    overwrite: bool,
}

#[derive(clap::Args)]
struct ImportArgs {
    /// The log format: asterisk, freeswitch, vicidial, connect, twilio, or mapped (with --mapping).
    #[arg(long, value_name = "FORMAT", value_parser = import_format)]
    from: FormatName,
    /// The canonical table to fill: calls, orders, customers, scripts, agents, dnc or
    /// sessions (see `callsql tables`); tables other than calls come from --from mapped.
    #[arg(long, value_name = "TABLE", default_value = "calls")]
    table: String,
    /// Where to write: a directory or s3://bucket/prefix (TABLE/… and _rejects/).
    #[arg(long, value_name = "DIR|URL", required_unless_present = "explain")]
    out: Option<String>,
    /// Time zone of local timestamps without an offset (IANA name), and of the dt= days.
    #[arg(long, value_name = "ZONE", default_value = "UTC")]
    tz: String,
    /// Campaign of every imported call (else the source's own, else `import`).
    #[arg(long, value_name = "ID")]
    campaign: Option<String>,
    /// The mapping file of an export (--from mapped); mappings/ holds a commented example
    /// per table.
    #[arg(long, value_name = "FILE.toml")]
    mapping: Option<String>,
    /// VICIdial's vicidial_statuses export (CSV or TSV with a header), for custom statuses.
    #[arg(long, value_name = "FILE")]
    statuses: Option<String>,
    /// Share of records (0 to 1) that may be rejected and still exit with status 0.
    #[arg(long, value_name = "RATE", default_value_t = 0.0, value_parser = parse_rate)]
    max_reject_rate: f64,
    /// Print the format's mapping (source value → canonical disposition) and exit; with
    /// --from mapped and no --mapping, the table's columns, types and allowed values.
    #[arg(long)]
    explain: bool,
    /// Files, directories or s3:// URLs to import (.gz and .zst are decompressed).
    #[arg(value_name = "INPUT", required_unless_present = "explain")]
    inputs: Vec<String>,
}

fn import_format(text: &str) -> Result<FormatName, String> {
    FormatName::parse(text).map_err(|e| e.to_string())
}

fn parse_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if (0.0..=1.0).contains(&rate) => Ok(rate),
        _ => Err(format!("expects a share between 0 and 1, got '{text}'")),
    }
}

#[derive(clap::Args)]
struct TestArgs {
    /// .slt files, or directories searched for them.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Rewrite the expected results in place instead of checking them.
    #[arg(long)]
    complete: bool,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return usage_error(&error),
    };
    let reporter = Reporter {
        verbose: cli.verbose,
        without_data: cli.data.is_none(),
    };
    // Plans cross a cluster as nested protobuf messages, encoded and decoded recursively
    // (DataFusion's stack growth covers planning, not its plan codecs): a deep canned query
    // needs more than tokio's 2 MiB per thread. Untouched stack pages cost nothing.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(16 << 20)
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return fail(&anyhow::Error::from(error), reporter),
    };
    match runtime.block_on(run(cli, reporter)) {
        Ok(code) => code,
        Err(error) => fail(&error, reporter),
    }
}

/// A command line clap refuses is one line on stderr and exit status 2; help and the
/// version print as clap writes them.
fn usage_error(error: &clap::Error) -> ExitCode {
    use clap::error::{ContextKind, ErrorKind};
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = error.print();
        return ExitCode::from(if error.use_stderr() { 2 } else { 0 });
    }
    let flag = error
        .get(ContextKind::InvalidArg)
        .map(|arg| arg.to_string())
        .map(|arg| arg.split(' ').next().unwrap_or_default().to_string());
    let reason = std::error::Error::source(error).map(ToString::to_string);
    let line = match (error.kind(), flag, reason) {
        (ErrorKind::ValueValidation, Some(flag), Some(reason)) => format!("{flag} {reason}"),
        _ => {
            let rendered = error.render().to_string();
            // The first paragraph is the message; a list under it (the missing arguments)
            // joins its line.
            let message: Vec<&str> = rendered
                .lines()
                .map(str::trim)
                .take_while(|l| !l.is_empty())
                .collect();
            let first = message.join(" ");
            let mut line = first.strip_prefix("error: ").unwrap_or(&first).to_string();
            let lines = rendered.lines().map(str::trim);
            for tip in lines.filter_map(|l| l.strip_prefix("tip: ")) {
                line.push_str("; ");
                line.push_str(tip);
            }
            line.push_str(" (see callsql --help)");
            line
        }
    };
    eprintln!("error: {line}");
    ExitCode::from(2)
}

/// Errors are one line on stderr, whatever layers they passed through. A reader that
/// stopped early (`callsql … | head`) is not an error.
fn fail(error: &anyhow::Error, reporter: Reporter) -> ExitCode {
    if output::is_reader_gone(error) {
        return ExitCode::SUCCESS;
    }
    eprintln!("error: {}", reporter.line(error));
    ExitCode::FAILURE
}

async fn run(cli: Cli, reporter: Reporter) -> Result<ExitCode> {
    let mut options = Options {
        data: cli.data.as_deref().map(Location::parse).transpose()?,
        memory_limit: cli.memory_limit,
        unreadable: if cli.skip_corrupt {
            tables::Unreadable::Skip
        } else {
            tables::Unreadable::Refuse
        },
        ..Options::default()
    };
    if let Some(path) = &cli.lexicon {
        options.functions.lexicon = Arc::new(session::load_lexicon(path, cli.lexicon_mode)?);
    }
    if cli.cluster.is_some() {
        let runs_statements = match &cli.subcommand {
            None => true,
            Some(command) => matches!(
                command,
                Command::Run(_) | Command::Repl | Command::Test(_) | Command::Functions(_)
            ),
        };
        if !runs_statements {
            bail!("--cluster applies to -c, run, repl and test");
        }
        options.cluster = cli.cluster;
    }
    match cli.subcommand {
        Some(Command::Gen(args)) => generate_data(args).await,
        Some(Command::Import(args)) => import_logs(args, cli.format).await,
        Some(Command::Tables(args)) => print_text(&if args.markdown {
            callsql::schema::reference::markdown()
        } else {
            callsql::schema::reference::text(args.name.as_deref())?
        }),
        Some(Command::Test(args)) => test(args, &options).await,
        Some(Command::Run(args)) => run_query(args, &options, cli.format).await,
        Some(Command::Queries) => list_queries(cli.format),
        Some(Command::Functions(args)) => list_functions(args, &options, cli.format).await,
        Some(Command::Repl) => repl::run(&options, cli.format.unwrap_or_default(), reporter).await,
        Some(Command::Serve(args)) => serve(args, options).await,
        Some(Command::Dashboard(args)) => write_dashboard(args, &options).await,
        Some(Command::Scheduler(args)) => {
            log_to_stderr();
            cluster::run_scheduler(args.bind, stopped()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Executor(args)) => run_executor(args).await,
        Some(Command::Cluster(args)) => run_local_cluster(args).await,
        None => match cli.command {
            Some(sql) => execute(&sql, &options, cli.format.unwrap_or_default()).await,
            None => repl::run(&options, cli.format.unwrap_or_default(), reporter).await,
        },
    }
}

async fn execute(sql: &str, options: &Options, format: OutputFormat) -> Result<ExitCode> {
    let ctx = session::build(options).await?;
    let statements = DFParser::parse_sql(sql)?;
    if statements.is_empty() {
        bail!("no SQL statement given");
    }
    for statement in statements {
        let plan = session::plan(&ctx, statement).await?;
        let stream = ctx
            .execute_logical_plan(plan)
            .await?
            .execute_stream()
            .await?;
        let mut sink = Sink::stdout(format)?;
        let progress = output::progress("running", format, &sink);
        let style = sink.fit(TableStyle::default());
        output::write_results(stream, format, &mut sink, style, &progress, interrupted()).await?;
    }
    Ok(ExitCode::SUCCESS)
}

/// A cluster process's log: Ballista's warnings and errors on stderr, more with RUST_LOG.
fn log_to_stderr() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
}

async fn run_executor(args: ExecutorArgs) -> Result<ExitCode> {
    log_to_stderr();
    cluster::run_executor(cluster::ExecutorOptions {
        scheduler: args.scheduler,
        bind: args.bind,
        work_dir: args.work_dir,
        concurrent_tasks: args.concurrent_tasks.map(|n| n as usize),
    })
    .await?;
    Ok(ExitCode::SUCCESS)
}

async fn run_local_cluster(args: ClusterArgs) -> Result<ExitCode> {
    let work_dir = tempfile::Builder::new()
        .prefix("callsql-cluster-")
        .tempdir()
        .context("cannot create the cluster's work directory")?;
    let mut local =
        cluster::LocalCluster::start(args.bind, args.executors as usize, work_dir.path())?;
    for (name, pid) in local.processes() {
        eprintln!("{name}: pid {pid}");
    }
    // The line scripts wait for: the cluster takes statements from here on.
    println!("cluster ready: --cluster df://{}", local.scheduler);
    local.wait(stopped()).await?;
    Ok(ExitCode::SUCCESS)
}

async fn serve(args: ServeArgs, session: Options) -> Result<ExitCode> {
    let password = match (&args.password_file, std::env::var("CALLSQL_PASSWORD")) {
        (Some(path), _) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read --password-file {}", path.display()))?;
            Some(text.lines().next().unwrap_or_default().to_string())
        }
        (None, Ok(password)) => Some(password),
        (None, Err(_)) => None,
    };
    if password.as_deref() == Some("") {
        bail!("the password is empty (--password-file or CALLSQL_PASSWORD)");
    }
    if password.is_none() && !args.listen.ip().is_loopback() {
        bail!(
            "refusing to listen on {} without a password: give --password-file or set \
             CALLSQL_PASSWORD, or listen on 127.0.0.1",
            args.listen
        );
    }
    let tls = match (args.tls_cert, args.tls_key) {
        (Some(cert), Some(key)) => Some(serve::TlsFiles { cert, key }),
        _ => None,
    };
    let options = serve::ServeOptions {
        session,
        listen: args.listen,
        user: args.user,
        password,
        tls,
        max_connections: args.max_connections as usize,
        statement_timeout: args.statement_timeout,
        log_statements: args.log_statements,
    };
    serve::serve(options, stopped()).await?;
    Ok(ExitCode::SUCCESS)
}

/// Completes at SIGTERM or Ctrl-C.
async fn stopped() {
    let terminated = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = terminated => {}
        () = interrupted() => {}
    }
}

/// Completes at the first Ctrl-C.
async fn interrupted() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

async fn run_query(
    args: RunArgs,
    options: &Options,
    format: Option<OutputFormat>,
) -> Result<ExitCode> {
    let query = canned::find(&args.query)?;
    let format = format
        .or_else(|| args.out.as_deref().and_then(OutputFormat::from_path))
        .unwrap_or_default();
    // Parameters and the destination are checked before any data is opened.
    query.bind(&args.params)?;
    let mut sink = match &args.out {
        Some(out) => Sink::file(out)?,
        None => Sink::stdout(format)?,
    };
    let ctx = session::build(options).await?;
    let stream = query
        .dataframe(&ctx, &args.params)
        .await?
        .execute_stream()
        .await?;
    let progress = output::progress(&query.name, format, &sink);
    let style = sink.fit(TableStyle::default());
    let rows =
        output::write_results(stream, format, &mut sink, style, &progress, interrupted()).await?;
    if args.out.is_some() {
        eprintln!(
            "wrote {rows} rows ({}) to {}",
            format.name(),
            sink.describe()
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn write_dashboard(args: DashboardArgs, options: &Options) -> Result<ExitCode> {
    let board_options = dashboard::BoardOptions {
        since: args.since,
        until: args.until,
        campaign: args.campaign,
        tz: args.tz,
        lang: match args.lang {
            PageLanguage::Zh => dashboard::Lang::Zh,
            PageLanguage::En => dashboard::Lang::En,
        },
        reload_after: None,
    };
    let Some(out) = args.out else {
        let listen = args.serve.context("dashboard needs --out or --serve")?;
        dashboard::live::serve(options, &board_options, listen, args.refresh, stopped()).await?;
        return Ok(ExitCode::SUCCESS);
    };
    // The destination is checked before any query runs.
    let mut sink = Sink::file_typed(&out, Some("text/html; charset=utf-8"))?;
    let ctx = session::build(options).await?;
    let board = dashboard::Board::collect(&ctx, &board_options).await?;
    let page = board.render();
    let size = page.len();
    output::write_all(&mut sink, page.into_bytes()).await?;
    eprintln!("wrote the dashboard ({size} bytes) to {}", sink.describe());
    Ok(ExitCode::SUCCESS)
}

fn list_queries(format: Option<OutputFormat>) -> Result<ExitCode> {
    let queries = canned::builtin()?;
    let text = match listing_format(format)? {
        Listing::Text => canned::describe(&queries),
        Listing::Json => json_lines(&queries)?,
    };
    print_text(&text)
}

async fn list_functions(
    args: FunctionsArgs,
    options: &Options,
    format: Option<OutputFormat>,
) -> Result<ExitCode> {
    let listing = listing_format(format)?;
    // The catalogue is read from a session's registry; no tables are needed for it.
    let ctx = session::build(&Options {
        data: None,
        ..options.clone()
    })
    .await?;
    let pattern = args.pattern.as_deref();
    let docs = catalogue::matching(catalogue::functions(&ctx.state()), pattern);
    if docs.is_empty() {
        bail!(
            "no callsql function matches `{}`; `callsql functions` lists them all",
            pattern.unwrap_or_default()
        );
    }
    let text = match listing {
        Listing::Text => catalogue::render(&docs, pattern),
        Listing::Json => json_lines(&docs)?,
    };
    print_text(&text)
}

enum Listing {
    Text,
    Json,
}

fn listing_format(format: Option<OutputFormat>) -> Result<Listing> {
    match format.unwrap_or_default() {
        OutputFormat::Table => Ok(Listing::Text),
        OutputFormat::Json => Ok(Listing::Json),
        other => bail!("a listing prints as table or json, not {}", other.name()),
    }
}

/// One JSON object per line, as `--format json` prints rows.
fn json_lines<T: serde::Serialize>(items: &[T]) -> Result<String> {
    let mut text = String::new();
    for item in items {
        text.push_str(&serde_json::to_string(item)?);
        text.push('\n');
    }
    Ok(text)
}

fn print_text(text: &str) -> Result<ExitCode> {
    output::to_stdout(&mut std::io::stdout().lock(), text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

async fn generate_data(args: GenArgs) -> Result<ExitCode> {
    let mut options = GenOptions::new(
        Location::parse(&args.out)?,
        args.rows,
        args.seed,
        args.days,
        args.start,
        args.campaigns,
        args.customers,
    )?;
    options.overwrite = args.overwrite;
    if let Some(sessions) = args.sessions {
        options.sessions = sessions;
    }
    let progress = if std::io::stderr().is_terminal() {
        ProgressBar::new(0)
    } else {
        ProgressBar::hidden()
    };
    let started = Instant::now();
    let handle = tokio::runtime::Handle::current();
    let summary = tokio::task::spawn_blocking({
        let options = options.clone();
        move || generate(&options, handle, &progress)
    })
    .await
    .context("the generator stopped unexpectedly")??;
    eprintln!(
        "wrote {} calls, {} orders, {} customers, {} sessions ({} files) to {} in {:.1} s",
        summary.calls,
        summary.orders,
        summary.customers,
        summary.sessions,
        summary.files,
        options.out,
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

async fn import_logs(args: ImportArgs, format: Option<OutputFormat>) -> Result<ExitCode> {
    let table = import::table(&args.table)?;
    let mapping = args
        .mapping
        .as_deref()
        .map(|path| Mapping::load(path, table))
        .transpose()?;
    if args.explain {
        if args.from == FormatName::Mapped && mapping.is_none() {
            return print_text(&callsql::schema::reference::text(Some(table.name))?);
        }
        let lines = import::explain(args.from, mapping.as_ref());
        let text = match listing_format(format)? {
            Listing::Text => render_explanation(&lines),
            Listing::Json => json_lines(&lines)?,
        };
        return print_text(&text);
    }
    let Some(out) = args.out else {
        bail!("import needs --out DIR|s3://bucket/prefix");
    };
    let options = ImportOptions {
        format: args.from,
        table,
        out: Location::parse(&out)?,
        inputs: args.inputs,
        zone: args.tz,
        campaign: args.campaign,
        mapping,
        statuses: args.statuses,
        max_reject_rate: args.max_reject_rate,
    };
    let progress = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {binary_bytes} read, {binary_bytes_per_sec}, {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        bar
    } else {
        ProgressBar::hidden()
    };
    let handle = tokio::runtime::Handle::current();
    let summary = tokio::task::spawn_blocking({
        let progress = progress.clone();
        move || import::import(&options, &handle, &progress).map(|s| (s, options))
    })
    .await
    .context("the import stopped unexpectedly")?;
    progress.finish_and_clear();
    let (summary, options) = summary?;
    eprintln!("{}", summary.line());
    Ok(if summary.too_many_rejects(options.max_reject_rate) {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    })
}

/// The mapping table as aligned columns.
fn render_explanation(lines: &[import::Explanation]) -> String {
    use unicode_width::UnicodeWidthStr;
    let width =
        |f: fn(&import::Explanation) -> &str| lines.iter().map(|l| f(l).width()).max().unwrap_or(0);
    let (w_field, w_value, w_to) = (
        width(|l| &l.field),
        width(|l| &l.value),
        width(|l| &l.disposition),
    );
    let pad =
        |text: &str, to: usize| format!("{text}{}", " ".repeat(to.saturating_sub(text.width())));
    let mut text = String::new();
    for line in lines {
        let row = format!(
            "{}  {}  → {}  {}",
            pad(&line.field, w_field),
            pad(&line.value, w_value),
            pad(&line.disposition, w_to),
            line.note
        );
        text.push_str(row.trim_end());
        text.push('\n');
    }
    text
}

async fn test(args: TestArgs, options: &Options) -> Result<ExitCode> {
    let files = slt::collect_files(&args.paths)?;
    if files.is_empty() {
        bail!("no .slt files found");
    }
    let summary = slt::run_files(&files, options, args.complete).await;
    for (file, error) in &summary.failed {
        eprintln!("FAILED {}: {error}", file.display());
    }
    println!("{} passed, {} failed", summary.passed, summary.failed.len());
    Ok(if summary.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
