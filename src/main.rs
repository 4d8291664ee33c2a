//! The `callsql` command line.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use callsql::canned;
use callsql::format::{OutputFormat, print_batches};
use callsql::generator::{GenOptions, generate};
use callsql::location::Location;
use callsql::session::{self, LexiconMode, Options};
use callsql::slt;
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
    /// How to print result rows.
    #[arg(long, global = true, value_enum, default_value_t)]
    format: OutputFormat,
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
    /// Run the given SQL (one or more statements separated by `;`) and exit.
    #[arg(
        short = 'c',
        long = "command",
        value_name = "SQL",
        allow_hyphen_values = true
    )]
    command: Option<String>,
    #[command(subcommand)]
    subcommand: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a deterministic synthetic call-centre data set with planted truth.
    Gen(GenArgs),
    /// Run sqllogictest (.slt) files against a callsql session.
    Test(TestArgs),
    /// Run a canned query (see `callsql queries`) or a query file, with typed parameters.
    Run(RunArgs),
    /// List the canned queries with their parameters.
    Queries,
}

#[derive(clap::Args)]
struct RunArgs {
    /// A canned query's name, or the path of a .sql file with a query header.
    query: String,
    /// A parameter value, NAME=VALUE; repeat for each parameter.
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = parse_param)]
    params: Vec<(String, String)>,
}

fn parse_param(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_string(), value.to_string()))
        }
        _ => Err(format!("expected NAME=VALUE, got '{text}'")),
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
    /// Replace the tables already at --out.
    #[arg(long)]
    overwrite: bool,
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
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return fail(&anyhow::Error::from(error)),
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(error) => fail(&error),
    }
}

/// Errors are one line on stderr, whatever layers they passed through.
fn fail(error: &anyhow::Error) -> ExitCode {
    // DataFusion errors often repeat their source in their own message: print each cause once.
    let mut message = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if !message.contains(&text) {
            if !message.is_empty() {
                message.push_str(": ");
            }
            message.push_str(&text);
        }
    }
    let line = message.split_whitespace().collect::<Vec<_>>().join(" ");
    eprintln!("error: {line}");
    ExitCode::FAILURE
}

async fn run(cli: Cli) -> Result<ExitCode> {
    let mut options = Options {
        data: cli.data.as_deref().map(Location::parse).transpose()?,
        ..Options::default()
    };
    if let Some(path) = &cli.lexicon {
        options.functions.lexicon = Arc::new(session::load_lexicon(path, cli.lexicon_mode)?);
    }
    match cli.subcommand {
        Some(Command::Gen(args)) => generate_data(args).await,
        Some(Command::Test(args)) => test(args, &options).await,
        Some(Command::Run(args)) => run_query(args, &options, cli.format).await,
        Some(Command::Queries) => list_queries(),
        None => match cli.command {
            Some(sql) => execute(&sql, &options, cli.format).await,
            None => {
                bail!(
                    "the interactive prompt is not available yet; run SQL with `callsql -c \"SELECT …\" --data DIR`, see `callsql --help`"
                )
            }
        },
    }
}

async fn execute(sql: &str, options: &Options, format: OutputFormat) -> Result<ExitCode> {
    let ctx = session::build(options).await?;
    let statements = DFParser::parse_sql(sql)?;
    if statements.is_empty() {
        bail!("no SQL statement given");
    }
    let mut stdout = std::io::stdout().lock();
    for statement in statements {
        let plan = ctx.state().statement_to_plan(statement).await?;
        let batches = ctx.execute_logical_plan(plan).await?.collect().await?;
        print_batches(&mut stdout, &batches, format)?;
    }
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}

async fn run_query(args: RunArgs, options: &Options, format: OutputFormat) -> Result<ExitCode> {
    let query = canned::find(&args.query)?;
    // Parameters are checked before any data is opened.
    query.bind(&args.params)?;
    let ctx = session::build(options).await?;
    let batches = query.dataframe(&ctx, &args.params).await?.collect().await?;
    let mut stdout = std::io::stdout().lock();
    print_batches(&mut stdout, &batches, format)?;
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn list_queries() -> Result<ExitCode> {
    let mut stdout = std::io::stdout().lock();
    for query in canned::builtin()? {
        writeln!(stdout, "{}\n    {}", query.name, query.description)?;
        for param in &query.params {
            writeln!(stdout, "    --param {param}: {}", param.description)?;
        }
    }
    stdout.flush()?;
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
        "wrote {} calls, {} orders, {} customers ({} files) to {} in {:.1} s",
        summary.calls,
        summary.orders,
        summary.customers,
        summary.files,
        options.out,
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
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
