//! `callsql serve` through real PostgreSQL clients: Debian's psql and psycopg 3 (installed
//! by `.ci/run`), against a server the test starts on a random loopback port.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::{callsql, fixtures};

/// A running `callsql serve`, killed when dropped; its stderr is collected.
pub struct Server {
    pub child: Child,
    pub port: u16,
    log: Arc<Mutex<String>>,
}

impl Server {
    pub fn start(extra: &[&str], env: &[(&str, &str)]) -> Server {
        let data = fixtures();
        let mut args = vec![
            "serve",
            "--data",
            data.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ];
        args.extend_from_slice(extra);
        let mut child = Command::new(env!("CARGO_BIN_EXE_callsql"))
            .args(&args)
            .envs(env.iter().copied())
            .env_remove("CALLSQL_PASSWORD")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("callsql serve starts");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let first = lines.next().expect("a first log line").unwrap();
        let port = first
            .split("listening on 127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("no port in {first:?}"));
        let log = Arc::new(Mutex::new(first + "\n"));
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        Server { child, port, log }
    }

    pub fn psql(&self, sql: &str) -> Output {
        self.psql_env(sql, &[])
    }

    /// `psql -c sql`, unaligned and without headers, verbose errors (with the SQLSTATE).
    pub fn psql_env(&self, sql: &str, env: &[(&str, &str)]) -> Output {
        Command::new("psql")
            .args(["-X", "-A", "-t", "-F", ",", "-v", "VERBOSITY=verbose"])
            .args(["-v", "ON_ERROR_STOP=1", "-c", sql])
            .env("PGHOST", "127.0.0.1")
            .env("PGPORT", self.port.to_string())
            .env("PGUSER", "callsql")
            .env("PGDATABASE", "callsql")
            .env("PGCONNECT_TIMEOUT", "10")
            .envs(env.iter().copied())
            .output()
            .expect("psql runs (postgresql-client is installed by .ci/run)")
    }

    pub fn rows(&self, sql: &str) -> String {
        let output = self.psql(sql);
        assert!(
            output.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    /// The psycopg client's answer to `check`, as JSON.
    fn python(&self, check: &str) -> serde_json::Value {
        self.python_client("serve_client.py", check)
    }

    /// The answer to `check` of the Python client `script` (in tests/it), as JSON.
    pub fn python_client(&self, script: &str, check: &str) -> serde_json::Value {
        let script = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/it")
            .join(script);
        let output = Command::new("python3")
            .arg(script)
            .arg(self.port.to_string())
            .arg(check)
            .output()
            .expect("python3 runs");
        assert!(
            output.status.success(),
            "{check}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap()
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// SIGTERM, then the exit status within `limit`.
    fn terminate(mut self, limit: Duration) -> std::process::ExitStatus {
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: signalling a child this test started and has not reaped.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                started.elapsed() < limit,
                "serve did not stop within {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The numbers of a CSV-like text, parsed, so that two printers' float digits compare.
pub fn cells(text: &str) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = text
        .lines()
        .filter(|line| !line.is_empty())
        .map(|line| {
            line.split(',')
                .map(|cell| match cell.parse::<f64>() {
                    Ok(number) => format!("{number:.9e}"),
                    Err(_) => cell.to_string(),
                })
                .collect()
        })
        .collect();
    rows.sort();
    rows
}

/// The cells of `callsql --data FIXTURES --format csv ARGS…` without its header line.
pub fn cli_cells(args: &[&str]) -> Vec<Vec<String>> {
    let data = fixtures();
    let mut all = vec!["--data", data.to_str().unwrap(), "--format", "csv"];
    all.extend_from_slice(args);
    let output = callsql(&all, &[]);
    assert!(output.status.success(), "{args:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    let body: String = text.lines().skip(1).map(|l| format!("{l}\n")).collect();
    cells(&body)
}

const KPI_SQL: &str = "SELECT campaign_id, count(*), connect_rate(disposition), \
    conversion_rate(disposition, outcome), aht(talk_s, hold_s, acw_s) \
    FROM calls GROUP BY campaign_id ORDER BY campaign_id";

#[test]
fn psql_browses_and_queries_as_the_cli_does() {
    let server = Server::start(&[], &[]);
    let tables = server.rows(r"\dt");
    for table in ["calls", "agents", "customers", "callsql_queries"] {
        assert!(
            tables.contains(&format!("public,{table},table")),
            "{tables}"
        );
    }
    let calls = server.rows(r"\d calls");
    assert!(
        calls.contains("dialed_at,timestamp with time zone"),
        "{calls}"
    );
    assert!(calls.contains("is_callback,boolean"), "{calls}");

    // `\df` lists every function of `callsql functions`, typed as a call is coerced.
    let functions = server.rows(r"\df");
    for line in [
        "public,connect_rate,float8,disposition text,agg",
        "public,wilson_lower,float8,successes float8, trials float8 [, confidence float8],func",
        "public,sensitive_hits,text[],text text,func",
        "public,prob_best,float8,successes float8, trials float8,window",
    ] {
        assert!(
            functions.lines().any(|row| row == line),
            "{line}: {functions}"
        );
    }
    let catalogue = callsql(&["functions"], &[]);
    let documented: Vec<&str> = std::str::from_utf8(&catalogue.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| {
            line.strip_prefix("  ")?
                .split_once('(')
                .map(|(name, _)| name)
        })
        .filter(|name| !name.starts_with(' '))
        .collect();
    let listed: Vec<&str> = functions
        .lines()
        .filter_map(|row| row.split(',').nth(1))
        .collect();
    let mut documented_sorted = documented.clone();
    documented_sorted.sort_unstable();
    assert_eq!(listed, documented_sorted);
    assert_eq!(server.rows(r"\df wilson*").lines().count(), 2);
    let described = server.rows(r"\df+ wilson_lower");
    assert!(
        described.contains("Lower bound of the Wilson score interval"),
        "{described}"
    );

    assert_eq!(cells(&server.rows(KPI_SQL)), cli_cells(&["-c", KPI_SQL]));

    // Lists from sensitive_hits arrive as PostgreSQL arrays.
    let hits = server.rows("SELECT sensitive_hits('保证收益，稳赚不赔')");
    assert!(hits.starts_with('{') && hits.contains("保证收益"), "{hits}");
    assert!(
        server.log().contains("closed after"),
        "one line per connection: {}",
        server.log()
    );
}

#[test]
fn every_canned_query_runs_from_sql_with_bound_arguments() {
    let server = Server::start(&[], &[]);
    let listing = server.rows("SELECT name FROM callsql_queries ORDER BY name");
    let names: Vec<&str> = listing.lines().collect();
    assert_eq!(names.len(), callsql::canned::builtin().unwrap().len());
    for name in &names {
        let count = server.rows(&format!("SELECT count(*) FROM {name}()"));
        assert!(count.trim().parse::<u64>().is_ok(), "{name}: {count}");
    }
    // The same numbers as `callsql run`, with an argument.
    let served = server.rows("SELECT * FROM kpi_daily('cmp003')");
    assert_eq!(
        cells(&served),
        cli_cells(&["run", "kpi_daily", "--param", "campaign=cmp003"])
    );
    let wrong = server.psql("SELECT * FROM kpi_daily('cmp003', 'June')");
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(
        stderr.contains("`since` must be DATE (YYYY-MM-DD)"),
        "{stderr}"
    );
}

#[test]
fn clients_are_read_only() {
    let server = Server::start(&[], &[]);
    for (sql, what) in [
        (
            "COPY (SELECT 1) TO '/tmp/callsql-serve-copy.csv'",
            "COPY … TO",
        ),
        (
            "CREATE EXTERNAL TABLE t STORED AS CSV LOCATION '/etc/'",
            "CREATE EXTERNAL TABLE",
        ),
        ("INSERT INTO calls SELECT * FROM calls", "INSERT INTO"),
        ("CREATE TABLE t AS SELECT 1", "CREATE TABLE"),
        ("CREATE VIEW v AS SELECT 1", "CREATE VIEW"),
        ("DROP TABLE calls", "DROP TABLE"),
        (
            "SET datafusion.runtime.memory_limit = '100G'",
            "SET datafusion.runtime.memory_limit",
        ),
    ] {
        let output = server.psql(sql);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{sql} was allowed");
        assert!(
            stderr.contains(&format!("ERROR:  42501: {what} is refused")),
            "{sql}: {stderr}"
        );
    }
    assert!(!Path::new("/tmp/callsql-serve-copy.csv").exists());
    // A file named as a table is not read.
    let output = server.psql("SELECT * FROM '/etc/passwd'");
    assert!(!output.status.success());
    assert!(!String::from_utf8_lossy(&output.stdout).contains("root:"));
    // Harmless session settings are allowed.
    assert_eq!(server.rows("SET TIME ZONE 'Asia/Shanghai'").trim(), "SET");
    assert_eq!(
        server.rows("SET application_name = 'grafana'").trim(),
        "SET"
    );
}

#[test]
fn psycopg_binds_parameters_and_cancels() {
    let server = Server::start(&[], &[]);
    let answer = server.python("prepared");
    let total = answer["total"].as_u64().unwrap();
    let rows = answer["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{answer}");
    assert_eq!(rows[0][0], "cmp003");
    let cmp003 = server.rows("SELECT count(*) FROM calls WHERE campaign_id = 'cmp003'");
    assert_eq!(rows[0][1].as_u64().unwrap().to_string(), cmp003.trim());
    assert!(total > rows[0][1].as_u64().unwrap());
    assert_eq!(
        answer["injected"], 0,
        "an injection is only a value: {answer}"
    );
    let first_day = server.rows("SELECT min(dt) FROM calls WHERE campaign_id = 'cmp003'");
    assert_eq!(answer["canned"][0][0], first_day.trim(), "{answer}");

    let answer = server.python("cancel");
    assert!(
        answer["outcome"]
            .as_str()
            .unwrap()
            .starts_with("canceled: canceling statement due to user request"),
        "{answer}"
    );
    assert!(answer["elapsed"].as_f64().unwrap() < 10.0, "{answer}");
    assert_eq!(answer["after"], 42, "the connection goes on: {answer}");

    let answer = server.python("timeout");
    assert!(
        answer["outcome"]
            .as_str()
            .unwrap()
            .contains("statement timeout"),
        "{answer}"
    );
}

#[test]
fn a_vanishing_client_and_garbage_leave_others_alone() {
    let server = Server::start(&["--statement-timeout", "60s"], &[]);
    let answer = server.python("neighbours");
    let expected = &answer["expected"];
    for value in answer["answers"].as_array().unwrap() {
        assert_eq!(value, expected, "{answer}");
    }
    assert_eq!(server.rows("SELECT 1").trim(), "1");
    assert_eq!(
        server.terminate(Duration::from_secs(20)).code(),
        Some(0),
        "SIGTERM stops the server cleanly"
    );
}

#[test]
fn passwords_are_required_and_never_shown() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("password");
    std::fs::write(&file, "s3cret-Pa55\n").unwrap();
    let server = Server::start(&["--password-file", file.to_str().unwrap()], &[]);
    assert_eq!(server.python("right-password")["value"], 7);
    let refused = server.python("wrong-password");
    let message = refused["refused"].as_str().unwrap_or_default();
    assert!(
        message
            .to_lowercase()
            .contains("password authentication failed"),
        "{refused}"
    );
    let output = server.psql_env("SELECT 1", &[("PGPASSWORD", "guess")]);
    assert!(!output.status.success());
    assert!(!server.log().contains("s3cret-Pa55"), "{}", server.log());
    assert!(!message.contains("s3cret-Pa55"));
}

#[test]
fn a_network_address_without_a_password_is_refused() {
    let data = fixtures();
    let output = crate::support::callsql_env_within(
        &[
            "serve",
            "--data",
            data.to_str().unwrap(),
            "--listen",
            "0.0.0.0:0",
        ],
        &[],
        Duration::from_secs(30),
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("refusing to listen on 0.0.0.0:0 without a password"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// 16 psql clients run canned queries in a loop for 30 s; every answer equals the CLI's,
/// and the server's peak RSS stays within its memory limit plus a fixed overhead.
#[test]
fn sixteen_clients_get_the_cli_answers() {
    const CLIENTS: usize = 16;
    const QUERIES: [&str; 3] = ["kpi_overview", "agent_performance", "hourly_connect"];
    let server = Server::start(&["--memory-limit", "256M"], &[]);
    let expected: Vec<Vec<Vec<String>>> = QUERIES
        .iter()
        .map(|name| cli_cells(&["run", name]))
        .collect();
    let server = Arc::new(server);
    let expected = Arc::new(expected);
    let deadline = Instant::now() + Duration::from_secs(30);
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let server = server.clone();
            let expected = expected.clone();
            std::thread::spawn(move || {
                let mut latencies = Vec::new();
                let mut round = client;
                while Instant::now() < deadline {
                    let which = round % QUERIES.len();
                    let started = Instant::now();
                    let rows = server.rows(&format!("SELECT * FROM {}()", QUERIES[which]));
                    latencies.push(started.elapsed());
                    assert_eq!(cells(&rows), expected[which], "{}", QUERIES[which]);
                    round += 1;
                }
                latencies
            })
        })
        .collect();
    let mut latencies: Vec<Duration> = clients
        .into_iter()
        .flat_map(|client| client.join().unwrap())
        .collect();
    latencies.sort();
    let at = |share: f64| latencies[((latencies.len() - 1) as f64 * share) as usize];
    let peak = peak_rss_kib(server.child.id());
    eprintln!(
        "{} answers in 30 s by {CLIENTS} psql clients ({:.1}/s); p50 {:?}, p99 {:?}; \
         server peak RSS {} MiB",
        latencies.len(),
        latencies.len() as f64 / 30.0,
        at(0.5),
        at(0.99),
        peak / 1024
    );
    // The limit bounds operators' memory; the overhead is the binary, 16 sessions and
    // their buffers.
    assert!(peak < (256 + 512) * 1024, "peak RSS {peak} KiB");
}

pub fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .unwrap()
}
