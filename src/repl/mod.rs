//! The interactive prompt: statements end at `;` and may span lines, backslash commands
//! at the start of a statement, history in a file, tab completion, Ctrl-C cancels the
//! running statement and Ctrl-D quits. With stdin not a terminal it reads statements from
//! the input stream without prompts, as psql and duckdb do with a piped script.

mod commands;
mod completion;
mod statements;

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Result, anyhow, bail};
use datafusion::prelude::{DataFrame, SessionContext};
use datafusion::sql::parser::DFParser;
use futures::FutureExt;
use indicatif::ProgressBar;
use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{Config, Editor};
use tokio::signal::unix::{Signal, SignalKind, signal};

use crate::error::Reporter;
use crate::format::{OutputFormat, TableStyle};
use crate::output::{self, Sink};
use crate::session::{self, Options};
use completion::{SqlHelper, Words};

/// Rows a table shows at the prompt unless `\maxrows` says otherwise; the count still
/// covers them all.
const MAX_TABLE_ROWS: usize = 100;

/// How deep `\i` files may include further files.
const MAX_INCLUDE_DEPTH: usize = 16;

/// One line of input, or why there is none.
enum Input {
    Line(String),
    /// Ctrl-C at the prompt: drop the statement being typed.
    Interrupted,
    End,
}

/// Where lines come from: a line editor on a terminal, the raw stream otherwise.
enum Lines {
    Editor {
        editor: Box<Editor<SqlHelper, DefaultHistory>>,
        history: Option<PathBuf>,
    },
    Stream(std::io::StdinLock<'static>),
}

impl Lines {
    fn read(&mut self, prompt: &str) -> Result<Input> {
        match self {
            Lines::Editor { editor, .. } => {
                match tokio::task::block_in_place(|| editor.readline(prompt)) {
                    Ok(line) => Ok(Input::Line(line)),
                    Err(ReadlineError::Interrupted) => Ok(Input::Interrupted),
                    Err(ReadlineError::Eof) => Ok(Input::End),
                    Err(error) => Err(error.into()),
                }
            }
            Lines::Stream(stdin) => {
                let mut line = String::new();
                if tokio::task::block_in_place(|| stdin.read_line(&mut line))? == 0 {
                    return Ok(Input::End);
                }
                Ok(Input::Line(line.trim_end_matches(['\n', '\r']).to_string()))
            }
        }
    }

    fn remember(&mut self, entry: &str) {
        if let Lines::Editor { editor, .. } = self {
            let _ = editor.add_history_entry(entry.trim());
        }
    }

    fn save_history(&mut self) {
        if let Lines::Editor {
            editor,
            history: Some(path),
        } = self
            && let Err(error) = editor.save_history(path)
        {
            eprintln!(
                "warning: cannot save history to {}: {error}",
                path.display()
            );
        }
    }
}

/// The history file: `$CALLSQL_HISTORY`, else `~/.callsql_history`.
fn history_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CALLSQL_HISTORY") {
        return Some(PathBuf::from(path));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".callsql_history"))
}

/// What a backslash command asks the loop to do next.
enum Flow {
    Continue,
    Quit,
}

/// How results are shown; the backslash commands change it.
#[derive(Debug, Clone)]
struct Display {
    format: OutputFormat,
    style: TableStyle,
    /// A shell command that pages tables (`\pager`), if any.
    pager: Option<String>,
}

/// The session and the settings the backslash commands change.
struct Repl {
    ctx: SessionContext,
    display: Display,
    timing: bool,
    interactive: bool,
    includes: usize,
    words: Words,
    interrupts: Signal,
    executor: Executor,
    failures: usize,
    reporter: Reporter,
}

/// Runs the prompt until `\q`, Ctrl-D or the end of the input. A piped script exits
/// non-zero when any of its statements failed.
pub async fn run(options: &Options, format: OutputFormat, reporter: Reporter) -> Result<ExitCode> {
    // From here on Ctrl-C cancels statements instead of ending the process.
    let interrupts = signal(SignalKind::interrupt())?;
    let ctx = session::build(options).await?;
    let interactive = std::io::stdin().is_terminal();
    let words = Words::default();
    let mut lines = if interactive {
        let config = Config::builder().auto_add_history(false).build();
        let mut editor = Editor::with_config(config)?;
        editor.set_helper(Some(SqlHelper {
            words: words.clone(),
        }));
        let history = history_path();
        if let Some(path) = &history {
            // A first session has no history file yet.
            let _ = editor.load_history(path);
        }
        words.refresh(&ctx).await;
        Lines::Editor {
            editor: Box::new(editor),
            history,
        }
    } else {
        Lines::Stream(std::io::stdin().lock())
    };
    let mut repl = Repl {
        ctx,
        display: Display {
            format,
            style: TableStyle {
                max_rows: interactive.then_some(MAX_TABLE_ROWS),
                ..TableStyle::default()
            },
            pager: None,
        },
        timing: false,
        interactive,
        includes: 0,
        words,
        interrupts,
        executor: Executor::new()?,
        failures: 0,
        reporter,
    };
    if interactive {
        eprintln!(
            "callsql {}: {} tables{}. \\? for help, \\q or Ctrl-D to quit.",
            env!("CARGO_PKG_VERSION"),
            repl.table_count(),
            options
                .data
                .as_ref()
                .map(|data| format!(" from {data}"))
                .unwrap_or_default(),
        );
    }
    let mut buffer = String::new();
    loop {
        let prompt = if buffer.is_empty() {
            "callsql> "
        } else {
            "      -> "
        };
        let line = match lines.read(prompt)? {
            Input::Line(line) => line,
            Input::Interrupted => {
                buffer.clear();
                continue;
            }
            Input::End => break,
        };
        let (entry, flow) = repl.feed(&mut buffer, &line).await;
        if let Some(entry) = entry {
            lines.remember(&entry);
        }
        if let Flow::Quit = flow {
            break;
        }
    }
    repl.finish(&buffer).await;
    lines.save_history();
    Ok(if repl.failures > 0 && !repl.interactive {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

impl Repl {
    /// Takes one line of input: a backslash command at the start of a statement runs at
    /// once, SQL gathers in `buffer` until a `;` completes it. Returns what ran, for the
    /// history.
    async fn feed(&mut self, buffer: &mut String, line: &str) -> (Option<String>, Flow) {
        if buffer.is_empty() && line.trim_start().starts_with('\\') {
            let flow = Box::pin(self.command(line.trim())).await;
            return (Some(line.to_string()), flow);
        }
        if buffer.is_empty() && statements::is_blank(line) {
            return (None, Flow::Continue);
        }
        buffer.push_str(line);
        buffer.push('\n');
        let Some((complete, rest)) = statements::take_complete(buffer) else {
            return (None, Flow::Continue);
        };
        self.run_sql(&complete).await;
        *buffer = rest;
        (Some(complete), Flow::Continue)
    }

    /// Runs what is left in `buffer`: a script's last statement may lack its `;`.
    async fn finish(&mut self, buffer: &str) {
        if !statements::is_blank(buffer) {
            self.run_sql(buffer).await;
        }
    }

    /// Runs `text` line by line as if typed, backslash commands included; `\q` ends it.
    async fn script(&mut self, text: &str) -> Result<()> {
        if self.includes >= MAX_INCLUDE_DEPTH {
            bail!("\\i files include each other more than {MAX_INCLUDE_DEPTH} deep");
        }
        self.includes += 1;
        let mut buffer = String::new();
        for line in text.lines() {
            if let (_, Flow::Quit) = self.feed(&mut buffer, line).await {
                buffer.clear();
                break;
            }
        }
        self.finish(&buffer).await;
        self.includes -= 1;
        Ok(())
    }

    fn table_count(&self) -> usize {
        self.ctx
            .catalog("datafusion")
            .and_then(|catalog| catalog.schema("public"))
            .map_or(0, |schema| schema.table_names().len())
    }

    /// Runs the statements in `sql`, each cancellable with Ctrl-C; an error is one line
    /// and ends the rest of `sql`, never the session.
    async fn run_sql(&mut self, sql: &str) {
        let statements = match DFParser::parse_sql(sql) {
            Ok(statements) => statements,
            Err(error) => return self.report(&error.into()),
        };
        for statement in statements {
            let started = Instant::now();
            let (ctx, display, interactive) =
                (self.ctx.clone(), self.display.clone(), self.interactive);
            let work = async move {
                let plan = session::plan(&ctx, statement).await?;
                print(ctx.execute_logical_plan(plan).await?, &display, interactive).await
            };
            if let Err(error) = until_interrupted(&mut self.interrupts, &self.executor, work).await
            {
                return self.report(&error);
            }
            if self.timing {
                eprintln!("Time: {:.3} s", started.elapsed().as_secs_f64());
            }
        }
        if self.interactive {
            self.words.refresh(&self.ctx).await;
        }
    }

    /// Prints `frame` unless Ctrl-C cancels it first; with \timing, the time since
    /// `started` (when planning began).
    async fn cancellable(&mut self, frame: DataFrame, started: Instant) -> Result<()> {
        let (display, interactive) = (self.display.clone(), self.interactive);
        let printing = async move { print(frame, &display, interactive).await };
        until_interrupted(&mut self.interrupts, &self.executor, printing).await?;
        if self.timing {
            eprintln!("Time: {:.3} s", started.elapsed().as_secs_f64());
        }
        Ok(())
    }

    fn report(&mut self, error: &anyhow::Error) {
        self.failures += 1;
        eprintln!("error: {}", self.reporter.line(error));
        let _ = std::io::stderr().flush();
    }
}

/// The runtime statements execute on, apart from the prompt's. Tokio does not preempt a
/// task: a join or an aggregation computing on every worker would keep the prompt's task
/// (and so its Ctrl-C) waiting for a free worker, for seconds.
struct Executor(Option<tokio::runtime::Runtime>);

impl Executor {
    fn new() -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .thread_name("callsql-statement")
            .enable_all()
            .build()?;
        Ok(Executor(Some(runtime)))
    }

    fn spawn<T: Send + 'static>(
        &self,
        work: impl Future<Output = T> + Send + 'static,
    ) -> tokio::task::JoinHandle<T> {
        match &self.0 {
            Some(runtime) => runtime.spawn(work),
            None => tokio::spawn(work),
        }
    }
}

impl Drop for Executor {
    fn drop(&mut self) {
        // A runtime may not be dropped (and wait for its tasks) inside another one.
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// Runs `work` on `executor` unless Ctrl-C comes first. Aborting it drops the query,
/// which stops its tasks at their next yield; the prompt answers at once.
async fn until_interrupted(
    interrupts: &mut Signal,
    executor: &Executor,
    work: impl Future<Output = Result<()>> + Send + 'static,
) -> Result<()> {
    // A Ctrl-C pressed at the prompt, before this statement, is not meant for it.
    while interrupts.recv().now_or_never().is_some() {}
    let mut task = executor.spawn(work);
    tokio::select! {
        finished = &mut task => finished.map_err(|error| anyhow!("statement failed: {error}"))?,
        _ = interrupts.recv() => {
            task.abort();
            Err(anyhow!("query cancelled"))
        }
    }
}

/// Prints a result as `display` says; at the prompt a table fits the terminal (or goes
/// through the pager) and a long query shows a spinner.
async fn print(frame: DataFrame, display: &Display, interactive: bool) -> Result<()> {
    let stream = frame.execute_stream().await?;
    let format = display.format;
    let mut sink = match &display.pager {
        Some(command) if interactive && format == OutputFormat::Table => Sink::pager(command)?,
        _ => Sink::stdout(format)?,
    };
    let style = sink.fit(display.style);
    let progress = if interactive {
        output::progress("running", format, &sink)
    } else {
        ProgressBar::hidden()
    };
    output::write_results(
        stream,
        format,
        &mut sink,
        style,
        &progress,
        std::future::pending(),
    )
    .await?;
    Ok(())
}
