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

use anyhow::{Result, anyhow};
use datafusion::prelude::{DataFrame, SessionContext};
use datafusion::sql::parser::DFParser;
use futures::FutureExt;
use indicatif::ProgressBar;
use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{Config, Editor};
use tokio::signal::unix::{Signal, SignalKind, signal};

use crate::error::one_line;
use crate::format::OutputFormat;
use crate::output::{self, Sink};
use crate::session::{self, Options};
use completion::{SqlHelper, Words};

/// Rows a table shows at the prompt; the count still covers them all.
const MAX_TABLE_ROWS: usize = 100;

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

/// The session and the settings the backslash commands change.
struct Repl {
    ctx: SessionContext,
    format: OutputFormat,
    timing: bool,
    interactive: bool,
    words: Words,
    interrupts: Signal,
    failures: usize,
}

/// Runs the prompt until `\q`, Ctrl-D or the end of the input. A piped script exits
/// non-zero when any of its statements failed.
pub async fn run(options: &Options, format: OutputFormat) -> Result<ExitCode> {
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
        format,
        timing: false,
        interactive,
        words,
        interrupts,
        failures: 0,
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
        if buffer.is_empty() && line.trim_start().starts_with('\\') {
            lines.remember(&line);
            match repl.command(line.trim()).await {
                Flow::Continue => continue,
                Flow::Quit => break,
            }
        }
        if buffer.is_empty() && statements::is_blank(&line) {
            continue;
        }
        buffer.push_str(&line);
        buffer.push('\n');
        if let Some((complete, rest)) = statements::take_complete(&buffer) {
            lines.remember(&complete);
            repl.run_sql(&complete).await;
            buffer = rest;
        }
    }
    // A script's last statement may lack its `;`.
    if !statements::is_blank(&buffer) {
        repl.run_sql(&buffer).await;
    }
    lines.save_history();
    Ok(if repl.failures > 0 && !repl.interactive {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

impl Repl {
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
            let (ctx, format, interactive) = (&self.ctx, self.format, self.interactive);
            let work = async move {
                let plan = ctx.state().statement_to_plan(statement).await?;
                print(ctx.execute_logical_plan(plan).await?, format, interactive).await
            };
            if let Err(error) = until_interrupted(&mut self.interrupts, work).await {
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
        let printing = print(frame, self.format, self.interactive);
        until_interrupted(&mut self.interrupts, printing).await?;
        if self.timing {
            eprintln!("Time: {:.3} s", started.elapsed().as_secs_f64());
        }
        Ok(())
    }

    fn report(&mut self, error: &anyhow::Error) {
        self.failures += 1;
        eprintln!("error: {}", one_line(error));
        let _ = std::io::stderr().flush();
    }
}

/// Runs `work` unless Ctrl-C comes first; dropping it stops the query's tasks.
async fn until_interrupted(
    interrupts: &mut Signal,
    work: impl Future<Output = Result<()>>,
) -> Result<()> {
    // A Ctrl-C pressed at the prompt, before this statement, is not meant for it.
    while interrupts.recv().now_or_never().is_some() {}
    tokio::select! {
        outcome = work => outcome,
        _ = interrupts.recv() => Err(anyhow!("query cancelled")),
    }
}

/// Prints a result in `format`; at the prompt a table is capped and a long query shows a
/// spinner.
async fn print(frame: DataFrame, format: OutputFormat, interactive: bool) -> Result<()> {
    let stream = frame.execute_stream().await?;
    let mut sink = Sink::stdout(format)?;
    let (max_rows, progress) = if interactive {
        (
            Some(MAX_TABLE_ROWS),
            output::progress("running", format, &sink),
        )
    } else {
        (None, ProgressBar::hidden())
    };
    output::write_results(
        stream,
        format,
        &mut sink,
        max_rows,
        &progress,
        std::future::pending(),
    )
    .await?;
    Ok(())
}
