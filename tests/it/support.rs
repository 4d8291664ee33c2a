//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use callsql::canned;
use callsql::generator::{GenOptions, generate};
use callsql::location::Location;
use callsql::session::{self, Options};
use chrono::NaiveDate;
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use indicatif::ProgressBar;

/// The bundled fixtures.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/data")
}

/// Runs the `callsql` binary with `args` and extra environment variables.
pub fn callsql(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_callsql"));
    command.args(args);
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("callsql runs")
}

/// Runs `callsql` like [`callsql`], failing the test if it has not ended within `limit`.
pub fn callsql_within(args: &[&str], limit: std::time::Duration) -> Output {
    callsql_env_within(args, &[], limit)
}

/// [`callsql_within`] with extra environment variables.
pub fn callsql_env_within(
    args: &[&str],
    env: &[(&str, &str)],
    limit: std::time::Duration,
) -> Output {
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_callsql"))
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("callsql starts");
    let started = std::time::Instant::now();
    while child
        .try_wait()
        .expect("callsql can be waited for")
        .is_none()
    {
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("callsql {args:?} did not end within {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.wait_with_output().expect("callsql output")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts a failed run that printed exactly one `error:` line and nothing on stdout.
pub fn assert_one_line_error(output: &Output, needles: &[&str]) -> String {
    let err = stderr(output);
    assert!(
        !output.status.success(),
        "expected failure, got success; stderr: {err}"
    );
    assert_eq!(output.status.code(), Some(1), "stderr: {err}");
    assert!(
        stdout(output).is_empty(),
        "no output expected on failure: {}",
        stdout(output)
    );
    assert_eq!(err.lines().count(), 1, "one error line expected: {err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    for needle in needles {
        assert!(
            err.contains(needle),
            "error should mention {needle:?}: {err}"
        );
    }
    err
}

/// Generates a data set with the library, as `callsql gen` does.
pub fn generate_to(out: &str, rows: u64, seed: u64, days: u32, campaigns: usize) {
    generate_with(out, rows, seed, days, campaigns, None);
}

/// As `generate_to`, with `sessions` customer-service sessions instead of the default.
pub fn generate_with(
    out: &str,
    rows: u64,
    seed: u64,
    days: u32,
    campaigns: usize,
    sessions: Option<u64>,
) {
    let mut options = GenOptions::new(
        Location::parse(out).unwrap(),
        rows,
        seed,
        days,
        NaiveDate::from_ymd_opt(2025, 6, 1).unwrap(),
        campaigns,
        None,
    )
    .unwrap();
    if let Some(sessions) = sessions {
        options.sessions = sessions;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let handle = runtime.handle().clone();
    runtime
        .block_on(async move {
            tokio::task::spawn_blocking(move || generate(&options, handle, &ProgressBar::hidden()))
                .await
        })
        .unwrap()
        .unwrap();
}

/// Runs `work` on a session built from `options`, on a runtime of its own.
fn on_session<T>(options: &Options, work: impl AsyncFnOnce(SessionContext) -> T) -> T {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let ctx = session::build(options).await.unwrap();
        work(ctx).await
    })
}

/// Runs `sql` against the data at `data` and returns the result as a printed table.
pub fn query(data: &str, sql: &str) -> String {
    on_session(&Options::with_data(data).unwrap(), async |ctx| {
        let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
        pretty_format_batches(&batches).unwrap().to_string()
    })
}

/// Runs a query that returns one number.
pub fn scalar(data: &str, sql: &str) -> f64 {
    let table = query(data, sql);
    let value = table
        .lines()
        .nth(3)
        .expect("one row")
        .trim_matches(|c| c == '|' || c == ' ');
    value
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {value} in\n{table}"))
}

/// Runs the canned query `name` with `params` on the fixtures at `partitions` parallelism,
/// registers its rows as table `result`, and returns `sql` over them as a printed table.
pub fn over_canned(name: &str, params: &[(&str, &str)], partitions: usize, sql: &str) -> String {
    let options = Options {
        target_partitions: Some(partitions),
        ..Options::with_data(fixtures().to_str().unwrap()).unwrap()
    };
    on_session(&options, async |ctx| {
        let params: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let frame = canned::find(name)
            .unwrap()
            .dataframe(&ctx, &params)
            .await
            .unwrap();
        let planned = Arc::new(frame.schema().as_arrow().clone());
        let batches = frame.collect().await.unwrap();
        // The executed schema can differ from the planned one in nullability (UNION ALL).
        let schema = batches.first().map_or(planned, |batch| batch.schema());
        let table = MemTable::try_new(schema, vec![batches]).unwrap();
        ctx.register_table("result", Arc::new(table)).unwrap();
        let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
        pretty_format_batches(&batches).unwrap().to_string()
    })
}

/// Runs every shipped canned query with its default parameters on the data at `data` and
/// checks that each returns the columns its header declares, and rows when `with_rows`
/// (imported logs may lack what a query reports on, such as script ids).
pub fn every_canned_query_returns_its_columns(data: &str, with_rows: bool) {
    on_session(&Options::with_data(data).unwrap(), async |ctx| {
        for query in canned::builtin().unwrap() {
            assert!(
                !query.columns.is_empty(),
                "{} declares no -- columns:",
                query.name
            );
            let frame = query.dataframe(&ctx, &[]).await.unwrap();
            let columns: Vec<String> = frame
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect();
            assert_eq!(columns, query.columns, "{} on {data}", query.name);
            let batches = frame.collect().await.unwrap();
            let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
            assert!(
                rows > 0 || !with_rows,
                "{} returned no rows on {data}",
                query.name
            );
        }
    })
}

/// Runs the `callsql` binary with `args`, feeding `input` on stdin; returns the exit code,
/// stdout and stderr.
pub fn callsql_with_stdin(args: &[&str], input: &str) -> (Option<i32>, String, String) {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_callsql"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("callsql runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    (output.status.code(), stdout(&output), stderr(&output))
}

/// Copies the directory tree at `from` to `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}
