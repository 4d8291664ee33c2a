//! The interactive prompt, driven through its input stream: statements over several
//! lines, backslash commands, errors that leave the session open, and Ctrl-C (SIGINT)
//! cancelling a running query without ending the session.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::support::{callsql_with_stdin, fixtures};

#[test]
fn statements_span_lines_and_an_error_leaves_the_session_open() {
    let script = "SELECT campaign_id,\n  connect_rate(disposition) AS connect_rate\n\
                  FROM calls\nGROUP BY campaign_id ORDER BY campaign_id;\n\
                  \\df connect_rate\n\
                  SELECT no_such_column FROM calls;\n\
                  SELECT count(*) AS n FROM calls WHERE dt = '2025-06-03'; SELECT 'a;b' AS s;\n";
    let (status, out, err) = callsql_with_stdin(&["--data", &fixtures_arg()], script);
    // cmp001's connect rate (0.1710590531966813, as kpi_overview's test checks it against
    // DuckDB) to the table's 6 significant digits.
    assert!(out.contains("| cmp001      | 0.171059     |"), "{out}");
    assert!(out.contains("(6 rows)"), "{out}");
    assert!(
        out.contains("connect_rate(disposition)  [aggregate · Call KPIs]"),
        "{out}"
    );
    assert!(
        out.contains("Numerator: rows whose disposition is `answered` or `abandoned`"),
        "{out}"
    );
    assert!(out.contains("| 2420 |"), "{out}");
    assert!(out.contains("| a;b |"), "{out}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: ") && err.contains("no_such_column"),
        "{err}"
    );
    // A piped script with a failed statement tells its scheduler so.
    assert_eq!(status, Some(1));
}

#[test]
fn backslash_commands_describe_tables_queries_and_settings() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("two.sql");
    std::fs::write(&file, "SELECT 1 AS one;\nSELECT 2 AS two;\n").unwrap();
    let script = format!(
        "\\d\n\\d agents\n\\dq\n\\format csv\n\\run kpi_daily campaign=cmp003 since=2025-06-13\n\
         \\i {}\n\\df *_rate\n\\timing on\nSELECT 3 AS three;\n\\run funnel_by_attempt max_attempt=2\n\\nonsense\n\\format xml\n\\q\nSELECT 4;\n",
        file.display()
    );
    let (status, out, err) = callsql_with_stdin(&["--data", &fixtures_arg()], &script);
    assert!(out.contains("| agents          | 2       |"), "{out}");
    assert!(out.contains("| agent_id | Utf8"), "{out}");
    assert!(
        out.contains("kpi_overview\n    Every call KPI per campaign"),
        "{out}"
    );
    // kpi_daily for one campaign over the last two days, as CSV.
    let daily: Vec<&str> = out.lines().filter(|l| l.starts_with("2025-06-1")).collect();
    assert_eq!(daily.len(), 2, "{out}");
    assert!(out.contains("one\n1\ntwo\n2\n"), "{out}");
    assert!(
        out.contains("  early_hangup_rate(") && !out.contains("  nps("),
        "{out}"
    );
    assert!(out.contains("three\n3\n"), "{out}");
    assert!(!out.contains("Int64(4)"), "nothing runs after \\q: {out}");
    // \timing times statements and canned queries alike.
    assert_eq!(err.matches("Time: ").count(), 2, "{err}");
    assert!(out.contains("attempt_no,attempts,"), "{out}");
    assert!(err.contains("error: unknown command \\nonsense"), "{err}");
    assert!(err.contains("error: unknown format xml"), "{err}");
    assert_eq!(status, Some(1), "{err}");
}

/// The lines of a child's output stream, read on a thread as they come.
fn line_channel(stream: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            if sender.send(line.unwrap_or_default()).is_err() {
                break;
            }
        }
    });
    receiver
}

fn fixtures_arg() -> String {
    fixtures().display().to_string()
}

/// A query that takes minutes on the fixtures (30 000² rows); Ctrl-C cancels it and the
/// next statement runs.
#[test]
fn ctrl_c_cancels_the_running_query_and_keeps_the_session() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_callsql"))
        .args(["--data", &fixtures_arg()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let errors = line_channel(child.stderr.take().unwrap());
    let rows = line_channel(child.stdout.take().unwrap());
    // Until the session answers, SIGINT would still end the process as it does any program.
    writeln!(stdin, "SELECT 1 AS ready;").unwrap();
    stdin.flush().unwrap();
    while rows.recv_timeout(Duration::from_secs(60)).unwrap() != "(1 row)" {}
    writeln!(
        stdin,
        "SELECT sum(a.talk_s * b.ring_s) FROM calls a CROSS JOIN calls b;"
    )
    .unwrap();
    stdin.flush().unwrap();
    // The signal is only meant for a running statement: repeat it until one is cancelled.
    let started = Instant::now();
    let cancelled = loop {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "never cancelled"
        );
        let _ = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status();
        match errors.recv_timeout(Duration::from_millis(500)) {
            Ok(line) => break line,
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            Err(error) => panic!("callsql ended: {error}"),
        }
    };
    assert_eq!(cancelled, "error: query cancelled");
    writeln!(stdin, "SELECT 42 AS answer;").unwrap();
    drop(stdin);
    child.wait().unwrap();
    let out: String = rows.iter().map(|line| line + "\n").collect();
    assert!(out.contains("| 42     |"), "{out}");
    assert!(
        !out.contains("sum("),
        "the cancelled query printed nothing: {out}"
    );
}

/// Display settings: `\maxrows` caps a table, `\set float_digits` rounds its floats (csv
/// stays exact), and `\i` runs the backslash commands in its file too.
#[test]
fn display_settings_and_included_commands() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("settings.sql");
    std::fs::write(
        &file,
        "\\format csv\nSELECT 2.0 / 3 AS r;\n\\format table\n",
    )
    .unwrap();
    let script = format!(
        "\\maxrows 2\nSELECT * FROM (VALUES (1), (2), (3)) AS t(n);\n\\set float_digits 3\n\
         SELECT 2.0 / 3 AS r;\n\\set float_digits exact\nSELECT 1.0 / 3 AS s;\n\\i {}\n\
         \\set float_digits 40\n\\maxrows all\nSELECT * FROM (VALUES (7), (8), (9)) AS t(n);\n",
        file.display()
    );
    let (status, out, err) = callsql_with_stdin(&["--data", &fixtures_arg()], &script);
    assert!(out.contains("(3 rows, first 2 shown)"), "{out}");
    assert!(out.contains("| 0.667 |"), "{out}");
    assert!(out.contains("| 0.3333333333333333 |"), "{out}");
    assert!(out.contains("r\n0.6666666666666666\n"), "{out}");
    assert!(out.contains("| 9 |") && out.contains("(3 rows)"), "{out}");
    assert_eq!(
        err.trim(),
        "error: float_digits is 1 to 17 or exact, got 40",
        "{err}"
    );
    assert_eq!(status, Some(1));
}

/// Ctrl-C typed on a real terminal (a pty, so the line editor is live as it is for a
/// user) cancels a CPU-bound statement and a join within a second each, and the session
/// goes on (`tests/it/repl_pty.py` does the typing).
#[test]
fn ctrl_c_on_a_terminal_cancels_within_a_second() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/repl_pty.py");
    let output = Command::new("python3")
        .arg(&script)
        .arg(env!("CARGO_BIN_EXE_callsql"))
        .arg(fixtures_arg())
        .output()
        .unwrap();
    eprintln!("{}", String::from_utf8_lossy(&output.stdout));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
