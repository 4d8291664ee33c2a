//! Batch use: `run --out` writes a whole file or nothing, parameters are values never
//! SQL, listings for tools, and `callsql test` on a user's own suite.

use std::fs;
use std::path::Path;

use crate::support::{assert_one_line_error, callsql, fixtures, stderr, stdout};

fn data() -> String {
    fixtures().display().to_string()
}

/// The files in `dir`, sorted.
fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn out_writes_the_whole_result_in_the_format_its_extension_names() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("reports/kpi.parquet");
    let output = callsql(
        &[
            "--data",
            &data(),
            "run",
            "kpi_overview",
            "--out",
            &target.display().to_string(),
        ],
        &[],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).is_empty(), "data goes to the file only");
    assert!(
        stderr(&output).contains("wrote 6 rows (parquet)"),
        "{}",
        stderr(&output)
    );
    // Read back with SQL: the file holds kpi_overview's rows.
    let check = callsql(
        &[
            "--format",
            "csv",
            "-c",
            &format!(
                "SELECT count(*) AS n, sum(attempts) AS attempts, min(campaign_id) AS first FROM '{}'",
                target.display()
            ),
        ],
        &[],
    );
    assert_eq!(
        stdout(&check),
        "n,attempts,first\n6,30000,cmp001\n",
        "{}",
        stderr(&check)
    );

    // An explicit --format wins over the extension; CSV to a file equals CSV to stdout.
    let csv_file = dir.path().join("daily.txt");
    let to_file = callsql(
        &[
            "--data",
            &data(),
            "--format",
            "csv",
            "run",
            "kpi_daily",
            "--out",
            &csv_file.display().to_string(),
        ],
        &[],
    );
    assert!(to_file.status.success(), "{}", stderr(&to_file));
    let to_stdout = callsql(
        &["--data", &data(), "--format", "csv", "run", "kpi_daily"],
        &[],
    );
    assert_eq!(fs::read_to_string(&csv_file).unwrap(), stdout(&to_stdout));
    assert_eq!(stdout(&to_stdout).lines().count(), 1 + 14);
}

#[test]
fn a_failed_run_leaves_no_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = |name: &str| dir.path().join(name).display().to_string();
    // A bad parameter fails before any data is read.
    assert_one_line_error(
        &callsql(
            &[
                "--data",
                &data(),
                "run",
                "hourly_connect",
                "--param",
                "confidence=high",
                "--out",
                &out("a.csv"),
            ],
            &[],
        ),
        &["parameter `confidence` must be DOUBLE"],
    );
    // A value the query rejects at planning.
    assert_one_line_error(
        &callsql(
            &[
                "--data",
                &data(),
                "run",
                "hourly_connect",
                "--param",
                "tz=Mars/Olympus",
                "--out",
                &out("b.csv"),
            ],
            &[],
        ),
        &["unknown time zone 'Mars/Olympus'"],
    );
    // An error in the middle of execution, after rows have been produced: attempt 6 divides
    // by zero, and the earlier attempts' rows must not survive as a truncated file.
    let query = dir.path().join("fragile.sql");
    fs::write(
        &query,
        "-- description: Fails on the last attempt number.\n\
         SELECT call_id, 10 / (6 - attempt_no) AS x FROM calls ORDER BY attempt_no, call_id",
    )
    .unwrap();
    assert_one_line_error(
        &callsql(
            &[
                "--data",
                &data(),
                "run",
                &query.display().to_string(),
                "--out",
                &out("c.csv"),
            ],
            &[],
        ),
        &["nothing was written to", "Divide by zero"],
    );
    assert_eq!(files_in(dir.path()), vec!["fragile.sql"]);
    // A directory is not a file name.
    assert_one_line_error(
        &callsql(
            &[
                "--data",
                &data(),
                "run",
                "kpi_overview",
                "--out",
                &dir.path().display().to_string(),
            ],
            &[],
        ),
        &["is a directory"],
    );
}

/// Parameter values are bound as typed values: SQL in a value stays text.
#[test]
fn a_parameter_value_is_never_sql() {
    let dir = tempfile::tempdir().unwrap();
    let query = dir.path().join("by_campaign.sql");
    fs::write(
        &query,
        "-- description: Calls of one campaign.\n\
         -- param campaign VARCHAR: The campaign.\n\
         SELECT $campaign AS asked, count(*) AS calls FROM calls WHERE campaign_id = $campaign",
    )
    .unwrap();
    let hostile = "cmp001' OR '1'='1'; DROP TABLE calls; --";
    let output = callsql(
        &[
            "--data",
            &data(),
            "--format",
            "json",
            "run",
            &query.display().to_string(),
            "--param",
            &format!("campaign={hostile}"),
        ],
        &[],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let row: serde_json::Value = serde_json::from_str(stdout(&output).trim()).unwrap();
    assert_eq!(row["asked"], hostile);
    assert_eq!(row["calls"], 0);
}

#[test]
fn listings_for_people_and_tools() {
    let docs = stdout(&callsql(&["functions", "connect_rate"], &[]));
    assert!(
        docs.starts_with("connect_rate(disposition)  [aggregate · Call KPIs]"),
        "{docs}"
    );
    assert!(
        docs.contains("Denominator: rows with a non-NULL disposition"),
        "{docs}"
    );

    let json = callsql(&["functions", "--format", "json"], &[]);
    assert!(json.status.success(), "{}", stderr(&json));
    let listed: Vec<serde_json::Value> = stdout(&json)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let catalogue = callsql_udfs::all_scalar_functions(&Default::default()).len()
        + callsql_udfs::all_aggregate_functions().len()
        + callsql_udfs::all_window_functions().len();
    assert_eq!(listed.len(), catalogue);
    assert!(
        listed
            .iter()
            .all(|f| f["description"].as_str().is_some_and(|d| !d.is_empty()))
    );
    let repeat = listed.iter().find(|f| f["name"] == "repeat_rate").unwrap();
    assert_eq!(repeat["kind"], "aggregate");
    assert_eq!(repeat["arguments"][0]["name"], "customer_id");

    let queries = stdout(&callsql(&["queries", "--format", "json"], &[]));
    let hourly: serde_json::Value = queries
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .find(|q| q["name"] == "hourly_connect")
        .unwrap();
    assert_eq!(hourly["params"][0]["name"], "tz");
    assert_eq!(hourly["params"][0]["default"], "Asia/Shanghai");

    assert_one_line_error(
        &callsql(&["functions", "zzz"], &[]),
        &["no callsql function matches `zzz`"],
    );
}

const SUITE: &str = "\
# Connect rate of campaign cmp003: 1439 live of 5847 attempts (kpi_overview's test).
query IR
SELECT count(*), round(connect_rate(disposition), 6) FROM calls WHERE campaign_id = 'cmp003'
----
5847 0.246109

statement error no_such_column
SELECT no_such_column FROM calls
";

#[test]
fn callsql_test_runs_a_users_suite_and_completes_it() {
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("kpi.slt");
    let test = |extra: &[&str]| {
        let mut args = vec!["--data".to_string(), data(), "test".to_string()];
        args.push(dir.path().display().to_string());
        args.extend(extra.iter().map(ToString::to_string));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        callsql(&args, &[])
    };
    fs::write(&suite, SUITE).unwrap();
    let passed = test(&[]);
    assert!(passed.status.success(), "{}", stderr(&passed));
    assert_eq!(stdout(&passed), "1 passed, 0 failed\n");

    fs::write(&suite, SUITE.replace("5847 0.246109", "5847 0.25")).unwrap();
    let failed = test(&[]);
    assert_eq!(failed.status.code(), Some(1));
    assert_eq!(stdout(&failed), "0 passed, 1 failed\n");
    let report = stderr(&failed);
    assert!(report.contains("kpi.slt"), "{report}");
    assert!(
        report.contains("5847 0.25") && report.contains("5847 0.246109"),
        "{report}"
    );

    let completed = test(&["--complete"]);
    assert!(completed.status.success(), "{}", stderr(&completed));
    assert_eq!(fs::read_to_string(&suite).unwrap(), SUITE);
    assert!(test(&[]).status.success());
}
