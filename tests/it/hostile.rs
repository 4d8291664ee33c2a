//! Inputs a new user types that once panicked, hung or buried the useful sentence: each is
//! one clear line on stderr with a non-zero exit, within seconds.

use std::time::Duration;

use crate::support::{assert_one_line_error, callsql, callsql_within, fixtures, stderr, stdout};

fn fixtures_arg() -> String {
    fixtures().display().to_string()
}

#[test]
fn bucket_names_that_are_not_url_hosts_are_one_error_line() {
    for data in ["s3://a:b/x", "s3://my bucket/x"] {
        let output = callsql(&["-c", "SELECT 1", "--data", data], &[]);
        assert_one_line_error(&output, &["invalid S3 bucket name", data]);
    }
}

/// At 2^63 − 1, `1 + n − s` in f64 rounded to 0, which statrs refused with a panic. Arm A
/// (every trial a success) all but surely beats arm B (1 of 2), so P(B > A) ≈ 0 and
/// P(A best) ≈ 1.
#[test]
fn counts_near_two_to_the_63_give_probabilities() {
    let output = callsql(
        &[
            "--format",
            "csv",
            "-c",
            "SELECT prob_beats(9223372036854775807, 9223372036854775807, 1, 2) < 1e-6 AS beats; \
             SELECT s, round(prob_best(s, n) OVER (), 6) AS p \
             FROM (VALUES (9223372036854775807, 9223372036854775807), (1, 2)) AS t(s, n) ORDER BY s",
        ],
        &[],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "beats\ntrue\ns,p\n1,0.0\n9223372036854775807,1.0\n"
    );
}

/// Creating a file in /proc fails with "not found" in a directory that exists: object_store
/// retried that forever.
#[test]
fn writes_where_no_file_can_be_created_fail_at_once() {
    if !std::path::Path::new("/proc/self").exists() {
        return;
    }
    let data = fixtures_arg();
    let limit = Duration::from_secs(60);
    let run = callsql_within(
        &[
            "--data",
            &data,
            "run",
            "kpi_overview",
            "--out",
            "/proc/callsql-x.parquet",
        ],
        limit,
    );
    assert_one_line_error(&run, &["/proc/callsql-x.parquet"]);
    let copy = callsql_within(
        &[
            "-c",
            "COPY (SELECT 1 AS x) TO '/proc/callsql-x.csv' STORED AS CSV",
        ],
        limit,
    );
    assert_one_line_error(&copy, &["/proc/callsql-x.csv"]);
}

#[test]
fn planning_errors_lead_with_the_functions_own_sentence() {
    let output = callsql(&["-c", "SELECT connect_rate(1)"], &[]);
    assert_one_line_error(&output, &[]);
    assert_eq!(
        stderr(&output),
        "error: connect_rate cannot take (Int64); expected connect_rate(disposition: string)\n"
    );
    // -v (or CALLSQL_DEBUG=1) shows every layer the error passed through.
    for verbose in [
        callsql(&["-v", "-c", "SELECT connect_rate(1)"], &[]),
        callsql(&["-c", "SELECT connect_rate(1)"], &[("CALLSQL_DEBUG", "1")]),
    ] {
        let err = assert_one_line_error(&verbose, &["connect_rate cannot take (Int64)"]);
        assert!(err.contains("Error during planning"), "{err}");
    }
}

#[test]
fn usage_errors_are_one_line_with_exit_status_2() {
    for (args, needle) in [
        (
            vec!["--no-such-flag"],
            "unexpected argument '--no-such-flag'",
        ),
        (vec!["run"], "required"),
        (vec!["gen", "--out", "/tmp/x", "--rows", "many"], "--rows"),
    ] {
        let output = callsql(&args, &[]);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("error: ") && err.contains(needle),
            "{args:?}: {err}"
        );
    }
    let help = callsql(&["--help"], &[]);
    assert!(help.status.success());
    assert!(stdout(&help).contains("Usage:"));
}

#[test]
fn a_canonical_table_without_data_says_data_is_missing() {
    let output = callsql(&["-c", "SELECT count(*) FROM calls"], &[]);
    assert_one_line_error(&output, &["there is no table calls", "--data"]);
}
