//! The binary as a user or a scheduler meets it: results on stdout, one error line on
//! stderr and a non-zero exit status for every kind of bad input.

use std::fs;

use crate::support::{assert_one_line_error, callsql, copy_dir, fixtures, stderr, stdout};

fn fixtures_arg() -> String {
    fixtures().display().to_string()
}

/// Writes a copy of the fixture `calls` table, transformed by `select`, as the only table
/// of a new data root.
fn calls_variant(select: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("calls/part-0.parquet");
    let sql = format!(
        "COPY ({select}) TO '{}' STORED AS PARQUET",
        target.display()
    );
    let output = callsql(&["-c", &sql, "--data", &fixtures_arg()], &[]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    dir
}

/// Runs `sql` over `data` with CSV output and returns stdout, asserting success.
fn csv(data: &str, sql: &str) -> String {
    let output = callsql(&["-c", sql, "--data", data, "--format", "csv"], &[]);
    assert!(
        output.status.success(),
        "{sql}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout(&output)
}

/// Opens a data root with a trivial query, so only table registration can fail.
fn open_data(data: &tempfile::TempDir) -> std::process::Output {
    callsql(
        &[
            "-c",
            "SELECT 1",
            "--data",
            &data.path().display().to_string(),
        ],
        &[],
    )
}

#[test]
fn one_shot_sql_prints_rows() {
    let output = csv(&fixtures_arg(), "SELECT count(*) AS calls FROM calls");
    assert_eq!(output, "calls\n30000\n");
}

#[test]
fn several_statements_run_in_order() {
    let output = callsql(
        &["-c", "SELECT 1 AS a; SELECT 2 AS b", "--format", "json"],
        &[],
    );
    assert!(output.status.success());
    assert_eq!(stdout(&output), "{\"a\":1}\n{\"b\":2}\n");
}

#[test]
fn a_missing_column_is_one_error_line() {
    let output = callsql(
        &[
            "-c",
            "SELECT no_such_column FROM calls",
            "--data",
            &fixtures_arg(),
        ],
        &[],
    );
    assert_one_line_error(&output, &["no_such_column"]);
}

#[test]
fn a_bad_data_path_is_one_error_line() {
    let output = callsql(
        &["-c", "SELECT 1", "--data", "/nonexistent/callsql-data"],
        &[],
    );
    assert_one_line_error(&output, &["/nonexistent/callsql-data", "does not exist"]);
}

#[test]
fn an_unreachable_s3_endpoint_is_one_error_line() {
    // Port 9 (discard) is closed on loopback: the connection is refused at once.
    let env = [
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "callsql"),
        ("AWS_SECRET_ACCESS_KEY", "not-a-real-secret"),
        ("AWS_ALLOW_HTTP", "true"),
    ];
    let output = callsql(&["-c", "SELECT 1", "--data", "s3://nowhere/data"], &env);
    let err = assert_one_line_error(&output, &["s3://nowhere/data"]);
    assert!(
        !err.contains("not-a-real-secret"),
        "credentials leaked: {err}"
    );
}

#[test]
fn a_missing_required_column_names_table_column_and_type() {
    let data = calls_variant("SELECT * EXCLUDE (disposition) FROM calls");
    assert_one_line_error(
        &open_data(&data),
        &["table calls: missing required column `disposition` (expected Utf8)"],
    );
}

#[test]
fn an_incompatible_type_names_expected_and_found() {
    let data =
        calls_variant("SELECT * REPLACE (CAST(dialed_at AS VARCHAR) AS dialed_at) FROM calls");
    assert_one_line_error(
        &open_data(&data),
        &["table calls: column `dialed_at` has type Utf8View, expected Timestamp(ms, \"UTC\")"],
    );
}

#[test]
fn integer_durations_are_widened_to_float() {
    let data = calls_variant(
        "SELECT * REPLACE (CAST(talk_s AS INT) AS talk_s, CAST(ring_s AS BIGINT) AS ring_s) FROM calls",
    );
    let output = csv(
        &data.path().display().to_string(),
        "SELECT DISTINCT arrow_typeof(talk_s) AS t, arrow_typeof(ring_s) AS r, talk_s = round(talk_s) AS whole FROM calls",
    );
    assert_eq!(output, "t,r,whole\nFloat64,Float64,true\n");
}

/// A truncated file (as a copy cut short leaves it) is named with its table when the
/// table is read; the other tables work; `--skip-corrupt` reads the table without it and
/// says so. A file of another format in the table is named the same way.
#[test]
fn a_corrupt_parquet_file_is_named_and_the_other_tables_work() {
    let data = tempfile::tempdir().unwrap();
    copy_dir(&fixtures(), data.path());
    let root = data.path().display().to_string();
    let day = data.path().join("calls/dt=2025-06-01/part-0.parquet");
    let bytes = fs::read(&day).unwrap();
    fs::write(&day, &bytes[..bytes.len() / 2]).unwrap();
    let path = day.display().to_string();

    let output = callsql(&["-c", "SELECT count(*) FROM calls", "--data", &root], &[]);
    assert_one_line_error(&output, &["table calls", &path, "--skip-corrupt"]);
    assert_eq!(
        csv(&root, "SELECT count(*) AS agents FROM agents"),
        "agents\n36\n"
    );

    let output = callsql(
        &[
            "--skip-corrupt",
            "--format",
            "csv",
            "-c",
            "SELECT count(*) AS n FROM calls",
            "--data",
            &root,
        ],
        &[],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let others = csv(
        &fixtures_arg(),
        "SELECT count(*) AS n FROM calls WHERE dt <> DATE '2025-06-01'",
    );
    assert_eq!(stdout(&output), others);
    assert!(
        stderr(&output).contains(&format!("warning: table calls: skipping {path}")),
        "{}",
        stderr(&output)
    );

    fs::write(
        data.path().join("calls/dt=2025-06-02/notes.parquet"),
        b"this is not parquet",
    )
    .unwrap();
    let output = callsql(&["-c", "SELECT count(*) FROM calls", "--data", &root], &[]);
    assert_one_line_error(&output, &["table calls", "and 1 more", "--skip-corrupt"]);
}

#[test]
fn an_empty_file_is_skipped_not_fatal() {
    let data = calls_variant("SELECT * FROM calls");
    fs::write(data.path().join("calls/empty.parquet"), b"").unwrap();
    let output = csv(
        &data.path().display().to_string(),
        "SELECT count(*) AS n FROM calls",
    );
    assert_eq!(output, "n\n30000\n");
}

/// A filter on the `dt` partition column leaves only that day's file in the plan.
#[test]
fn hive_partitions_prune_files() {
    let data = fixtures_arg();
    let plan = csv(
        &data,
        "EXPLAIN SELECT sum(talk_s) FROM calls WHERE dt = DATE '2025-06-03'",
    );
    assert!(plan.contains("dt=2025-06-03"), "{plan}");
    assert!(
        !plan.contains("dt=2025-06-04"),
        "other days should be pruned: {plan}"
    );

    let output = csv(
        &data,
        "SELECT count(*) AS n FROM calls WHERE dt = '2025-06-03'",
    );
    // 2,420 rows on 2025-06-03, counted independently with DuckDB 2.0 over the same files.
    assert_eq!(output, "n\n2420\n");
}

#[test]
fn gen_refuses_to_mix_data_sets() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    let args = [
        "gen",
        "--out",
        &out,
        "--rows",
        "500",
        "--days",
        "2",
        "--campaigns",
        "2",
    ];
    assert!(callsql(&args, &[]).status.success());
    assert_one_line_error(&callsql(&args, &[]), &["already holds data", "--overwrite"]);
    let mut again = args.to_vec();
    again.push("--overwrite");
    assert!(callsql(&again, &[]).status.success());
}

#[test]
fn gen_rejects_bad_parameters() {
    assert_one_line_error(
        &callsql(&["gen", "--out", "/tmp/x", "--rows", "0"], &[]),
        &["--rows"],
    );
    assert_one_line_error(
        &callsql(
            &["gen", "--out", "/tmp/x", "--rows", "5", "--days", "0"],
            &[],
        ),
        &["--days"],
    );
}

#[test]
fn run_binds_typed_parameters_and_lists_queries() {
    let data = fixtures_arg();
    let output = callsql(
        &[
            "--data",
            &data,
            "--format",
            "csv",
            "run",
            "routing_queue",
            "--param",
            "top=3",
            "--param",
            "wv=1",
            "--param",
            "we=0",
            "--param",
            "wt=0",
        ],
        &[],
    );
    assert!(
        output.status.success(),
        "{}",
        crate::support::stderr(&output)
    );
    let rows = stdout(&output);
    assert_eq!(rows.lines().count(), 1 + 3, "{rows}");
    assert!(
        rows.starts_with("queue_position,customer_id,routing_score"),
        "{rows}"
    );
    let listing = stdout(&callsql(&["queries"], &[]));
    for name in [
        "script_ranking",
        "script_elimination",
        "rfm_customers",
        "rfm_segments",
        "routing_queue",
    ] {
        assert!(listing.contains(name), "{listing}");
    }
    assert!(
        listing.contains("--param min_trials BIGINT = 200"),
        "{listing}"
    );
}

#[test]
fn bad_run_parameters_are_one_error_line_listing_the_parameters() {
    let data = fixtures_arg();
    let run = |extra: &[&str]| {
        let mut args = vec!["--data", data.as_str(), "run"];
        args.extend_from_slice(extra);
        callsql(&args, &[])
    };
    assert_one_line_error(
        &run(&["script_elimination", "--param", "min_trials=lots"]),
        &[
            "parameter `min_trials` must be BIGINT, got 'lots'",
            "parameters: min_trials BIGINT = 200",
        ],
    );
    assert_one_line_error(
        &run(&["script_elimination", "--param", "top=3"]),
        &[
            "query script_elimination has no parameter `top`",
            "max_p_best DOUBLE = 0.05",
        ],
    );
    assert_one_line_error(
        &run(&["no_such_query"]),
        &["no canned query named `no_such_query`", "script_ranking"],
    );
    // A malformed --param is a usage error, reported by the argument parser (exit status 2).
    let usage = run(&["script_ranking", "--param", "confidence"]);
    assert_eq!(usage.status.code(), Some(2));
    assert_eq!(
        crate::support::stderr(&usage),
        "error: --param expects NAME=VALUE, got 'confidence'\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mine.sql");
    fs::write(&file, "-- description: Mine.\n-- param since DATE: First day.\nSELECT count(*) FROM calls WHERE dt >= $since").unwrap();
    assert_one_line_error(
        &run(&[file.to_str().unwrap()]),
        &[
            "query mine needs parameter `since`",
            "parameters: since DATE",
        ],
    );
    let output = run(&[file.to_str().unwrap(), "--param", "since=2025-06-14"]);
    assert!(
        stdout(&output).contains("| 1451     |"),
        "{}",
        stdout(&output)
    );
}

/// `--lexicon FILE` extends the builtin lexicon, `--lexicon-mode replace` replaces it,
/// `CALLSQL_LEXICON` sets it for batch jobs, and an unreadable or empty file is one line.
#[test]
fn a_lexicon_file_extends_or_replaces_the_builtin_one() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("terms.txt");
    fs::write(&file, "# ours\n加微信\n").unwrap();
    let file = file.to_str().unwrap();
    let sql = "SELECT array_to_string(sensitive_hits('请加微信, 稳赚'), '|') AS hits";
    let extended = callsql(&["--lexicon", file, "--format", "csv", "-c", sql], &[]);
    assert_eq!(stdout(&extended), "hits\n加微信|稳赚\n");
    let replaced = callsql(
        &[
            "--lexicon",
            file,
            "--lexicon-mode",
            "replace",
            "--format",
            "csv",
            "-c",
            sql,
        ],
        &[],
    );
    assert_eq!(stdout(&replaced), "hits\n加微信\n");
    let from_env = callsql(
        &["--format", "csv", "-c", sql],
        &[("CALLSQL_LEXICON", file)],
    );
    assert_eq!(stdout(&from_env), "hits\n加微信|稳赚\n");
    let builtin = callsql(&["--format", "csv", "-c", sql], &[]);
    assert_eq!(stdout(&builtin), "hits\n稳赚\n");

    let missing = dir.path().join("missing.txt");
    let output = callsql(&["--lexicon", missing.to_str().unwrap(), "-c", sql], &[]);
    assert_one_line_error(&output, &["cannot read lexicon", "missing.txt"]);
    let empty = dir.path().join("empty.txt");
    fs::write(&empty, "# nothing here\n\n").unwrap();
    let output = callsql(&["--lexicon", empty.to_str().unwrap(), "-c", sql], &[]);
    assert_one_line_error(&output, &["has no terms"]);
}

/// --memory-limit bounds DataFusion's memory pool: a query that needs more than the limit
/// (and cannot spill a hash aggregate's final stage) is one error line, and a bad size is
/// a usage error.
#[test]
fn a_memory_limit_bounds_the_session() {
    let data = fixtures_arg();
    let sql = "SELECT customer_id, count(*) FROM calls GROUP BY 1 ORDER BY 2 DESC LIMIT 1";
    assert_one_line_error(
        &callsql(&["--data", &data, "--memory-limit", "64K", "-c", sql], &[]),
        &["the memory limit is reached", "pool_size: 64.0 KB"],
    );
    let roomy = callsql(&["--data", &data, "--memory-limit", "256M", "-c", sql], &[]);
    assert!(roomy.status.success(), "{}", crate::support::stderr(&roomy));
    let bad = callsql(&["--memory-limit", "lots", "-c", "SELECT 1"], &[]);
    assert_eq!(bad.status.code(), Some(2));
}

/// `callsql … | head -1`: the reader leaving early ends callsql quietly.
#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_callsql"))
        .args([
            "--data",
            &fixtures_arg(),
            "--format",
            "csv",
            "-c",
            "SELECT * FROM calls",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("call_id,"), "{first}");
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}
