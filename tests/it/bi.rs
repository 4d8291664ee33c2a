//! `callsql serve` through the drivers BI tools are built on, each real and installed by
//! `.ci/run`: SQLAlchemy 2 with psycopg2 and psycopg 3 and pandas (Superset, notebooks),
//! pgjdbc (DBeaver, Metabase, DataGrip) and Metabase's own sync queries through it, pgcli,
//! node-postgres, Grafana's browser and macro SQL, and pgbench for load. Every number a
//! client reads is compared with `callsql -c`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::serve::{Server, cells, cli_cells, peak_rss_kib};

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The answer of bi_clients.py's `check`, as JSON.
fn python(server: &Server, check: &str) -> serde_json::Value {
    server.python_client("bi_clients.py", check)
}

/// One number of `callsql -c SQL` on the fixtures (to ten significant digits).
fn cli_number(sql: &str) -> f64 {
    cli_cells(&["-c", sql])[0][0].parse().unwrap()
}

/// What the JDBC program saw, by call: (rows or "ERROR", what it printed).
fn jdbc(server: &Server, mode: &[&str]) -> HashMap<String, (String, String)> {
    let jar = std::env::var("CALLSQL_JDBC_JAR")
        .unwrap_or_else(|_| "/usr/share/java/postgresql.jar".to_string());
    let output = Command::new("java")
        .args(["-cp", &jar])
        .arg(manifest_dir().join("tests/it/BiJdbc.java"))
        .arg(server.port.to_string())
        .args(mode)
        .output()
        .expect("java runs (default-jdk-headless is installed by .ci/run)");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, '\t');
            Some((
                parts.next()?.to_string(),
                (
                    parts.next()?.to_string(),
                    parts.next().unwrap_or("").to_string(),
                ),
            ))
        })
        .collect()
}

fn rows_of<'a>(seen: &'a HashMap<String, (String, String)>, call: &str) -> &'a str {
    let (rows, text) = seen
        .get(call)
        .unwrap_or_else(|| panic!("{call} not reported: {seen:?}"));
    assert_ne!(rows, "ERROR", "{call}: {text}");
    text
}

#[test]
fn sqlalchemy_inspects_and_pandas_reads_with_both_drivers() {
    let server = Server::start(&[], &[]);
    let attempts = cli_number("SELECT count(*) FROM calls WHERE campaign_id = 'cmp003'");
    let connect_rate =
        cli_number("SELECT connect_rate(disposition) FROM calls WHERE campaign_id = 'cmp003'");
    let days = cli_cells(&["run", "kpi_daily", "--param", "campaign=cmp003"]).len();
    for driver in ["psycopg2", "psycopg"] {
        let seen = python(&server, &format!("sqlalchemy-{driver}"));
        assert_eq!(seen["server_version"], serde_json::json!([16, 6]), "{seen}");
        assert_eq!(seen["schemas"], serde_json::json!(["public"]));
        let mut tables: Vec<&str> = seen["tables"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        tables.sort_unstable();
        assert_eq!(
            tables,
            [
                "agents",
                "calls",
                "callsql_queries",
                "customers",
                "dnc",
                "orders",
                "scripts",
                "sessions"
            ]
        );
        assert_eq!(seen["views"], serde_json::json!([]));
        let columns = &seen["columns"];
        assert_eq!(columns.as_object().unwrap().len(), 32, "{columns}");
        assert_eq!(columns["dialed_at"], "TIMESTAMP");
        assert_eq!(columns["talk_s"], "DOUBLE PRECISION");
        assert_eq!(columns["attempt_no"], "INTEGER");
        assert_eq!(seen["nullable"]["call_id"], false);
        assert_eq!(seen["nullable"]["script_id"], true);
        // No keys, indexes or constraints: callsql's tables are Parquet files.
        assert_eq!(seen["pk"]["constrained_columns"], serde_json::json!([]));
        for empty in ["foreign_keys", "indexes", "unique", "checks"] {
            assert_eq!(seen[empty], serde_json::json!([]), "{empty}");
        }
        assert_eq!(seen["comment"]["text"], serde_json::Value::Null);
        assert_eq!(seen["has_calls"], true);
        assert_eq!(seen["has_nothing"], false);
        // pandas.read_sql with a bound parameter: the CLI's numbers.
        let frame = &seen["frame"][0];
        assert_eq!(frame["campaign_id"], "cmp003");
        assert_eq!(frame["attempts"].as_f64().unwrap(), attempts);
        assert!((frame["connect_rate"].as_f64().unwrap() - connect_rate).abs() < 1e-9);
        assert_eq!(seen["canned_rows"].as_u64().unwrap() as usize, days);
    }
}

#[test]
fn jdbc_metadata_and_prepared_statements_as_dbeaver_uses_them() {
    let server = Server::start(&[], &[]);
    let seen = jdbc(&server, &[]);
    assert!(
        rows_of(&seen, "product").starts_with("PostgreSQL 16.6 (callsql "),
        "{seen:?}"
    );
    assert_eq!(rows_of(&seen, "getCatalogs"), "callsql");
    assert!(rows_of(&seen, "getSchemas").contains("public"));
    assert!(rows_of(&seen, "getTables").contains("calls|TABLE"));
    let columns = rows_of(&seen, "getColumns");
    assert_eq!(columns.split(';').count(), 32, "{columns}");
    assert!(columns.starts_with("call_id|text|NO;"), "{columns}");
    assert!(columns.contains("dialed_at|timestamptz|NO"), "{columns}");
    for keyless in [
        "getPrimaryKeys",
        "getImportedKeys",
        "getExportedKeys",
        "getIndexInfo",
    ] {
        assert_eq!(rows_of(&seen, keyless), "", "{keyless}");
    }
    // Scalar functions are listed with their arguments (aggregates are not functions to
    // JDBC, as on PostgreSQL).
    assert_eq!(
        rows_of(&seen, "getFunctions"),
        "public|wilson_lower;public|wilson_upper"
    );
    assert_eq!(
        rows_of(&seen, "getFunctionColumns"),
        "returnValue|float8;successes|float8;trials|float8;confidence|float8"
    );
    let types = rows_of(&seen, "getTypeInfo");
    for name in ["int4", "float8", "text", "timestamptz"] {
        assert!(types.split(';').any(|t| t == name), "{name}: {types}");
    }
    // Eight executions of one prepared statement, past pgjdbc's server-prepare threshold.
    let cmp003 = cli_cells(&[
        "-c",
        "SELECT count(*), connect_rate(disposition) FROM calls WHERE campaign_id = 'cmp003'",
    ]);
    let cmp001 = cli_cells(&[
        "-c",
        "SELECT count(*), connect_rate(disposition) FROM calls WHERE campaign_id = 'cmp001'",
    ]);
    for (use_, answer) in rows_of(&seen, "prepared").split(';').enumerate() {
        let expected = if use_ % 2 == 0 { &cmp003 } else { &cmp001 };
        assert_eq!(&cells(answer), expected, "use {use_}");
    }
    let grouped = rows_of(&seen, "transaction");
    let (column_type, rows) = grouped.split_once(';').unwrap();
    assert_eq!(column_type, "int8");
    assert_eq!(
        cells(&rows.replace(';', "\n")),
        cli_cells(&[
            "-c",
            "SELECT campaign_id, count(*) FROM calls GROUP BY campaign_id"
        ])
    );
}

#[test]
fn metabase_connects_and_syncs_through_jdbc() {
    let server = Server::start(&[], &[]);
    let seen = jdbc(&server, &["metabase"]);
    assert_eq!(rows_of(&seen, "canConnect"), "1");
    assert_eq!(rows_of(&seen, "timezone"), "Etc/UTC");
    assert!(rows_of(&seen, "syncTables").contains("calls|TABLE"));
    assert!(rows_of(&seen, "privileges").contains("calls|t"));
    let fields = rows_of(&seen, "describeFields");
    assert_eq!(fields.split(';').count(), 32, "{fields}");
    // database-type is PostgreSQL's udt_name; a NOT NULL column is required.
    for field in [
        "call_id|text|t",
        "dialed_at|timestamptz|t",
        "script_id|text|f",
    ] {
        assert!(fields.split(';').any(|f| f == field), "{field}: {fields}");
    }
    assert_eq!(rows_of(&seen, "describeFks"), "");
    assert_eq!(rows_of(&seen, "enums"), "");
    assert_eq!(seen["fingerprint"].0, "10000");
    let values: Vec<Vec<String>> = rows_of(&seen, "fieldValues")
        .split(';')
        .map(|value| vec![value.to_string()])
        .collect();
    assert_eq!(
        values,
        cli_cells(&[
            "-c",
            "SELECT DISTINCT disposition FROM calls ORDER BY disposition"
        ])
    );
    let batch = rows_of(&seen, "fieldValuesBatch");
    assert_eq!(batch.split(';').count(), values.len() + 4, "{batch}");
}

#[test]
fn pgcli_starts_completes_and_runs_a_query() {
    let server = Server::start(&[], &[]);
    let seen = python(&server, "pgcli");
    assert!(
        seen["server_version"]
            .as_str()
            .unwrap()
            .starts_with("16.6 (callsql ")
    );
    assert!(
        seen["schemata"]
            .as_array()
            .unwrap()
            .contains(&"public".into())
    );
    assert!(
        seen["tables"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!(["public", "calls"]))
    );
    assert_eq!(seen["columns"].as_array().unwrap().len(), 32);
    let functions = seen["functions"].as_array().unwrap();
    for name in ["connect_rate", "wilson_lower", "prob_best"] {
        assert!(functions.contains(&name.into()), "{name}");
    }
    let total = cli_number("SELECT count(*) FROM calls");
    assert_eq!(seen["rows"][0][0].as_f64().unwrap(), total);

    // The program itself, non-interactively.
    let output = Command::new("pgcli")
        .args(["-h", "127.0.0.1", "-p", &server.port.to_string()])
        .args(["-U", "callsql", "-d", "callsql", "-w", "--less-chatty"])
        .args(["-c", "SELECT count(*) AS n FROM calls"])
        .output()
        .expect("pgcli runs (installed by .ci/run)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains(&format!("| {total} |")), "{stdout}");
}

#[test]
fn node_postgres_binds_parameters() {
    let server = Server::start(&[], &[]);
    let modules: PathBuf = std::env::var_os("CALLSQL_NODE_MODULES").map_or_else(
        || manifest_dir().join("target/test-node/node_modules"),
        PathBuf::from,
    );
    let output = Command::new("node")
        .arg(manifest_dir().join("tests/it/bi_node.js"))
        .arg(server.port.to_string())
        .env("NODE_PATH", &modules)
        .output()
        .expect("node runs (nodejs and npm's pg are installed by .ci/run)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        seen["version"]
            .as_str()
            .unwrap()
            .starts_with("PostgreSQL 16.6 (callsql ")
    );
    let kpis = &seen["kpis"][0];
    assert_eq!(
        kpis["attempts"].as_str().unwrap().parse::<f64>().unwrap(),
        cli_number("SELECT count(*) FROM calls WHERE campaign_id = 'cmp003'")
    );
    assert!(
        (kpis["connect_rate"].as_f64().unwrap()
            - cli_number(
                "SELECT connect_rate(disposition) FROM calls WHERE campaign_id = 'cmp003'"
            ))
        .abs()
            < 1e-9
    );
    // text, int8, float8
    assert_eq!(seen["types"], serde_json::json!([25, 20, 701]));
    let named: Vec<f64> = seen["named"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(
        named,
        [
            cli_number("SELECT count(*) FROM calls WHERE campaign_id = 'cmp001'"),
            cli_number("SELECT count(*) FROM calls WHERE campaign_id = 'cmp003'")
        ]
    );
    assert_eq!(seen["canned"], 3);
    assert_eq!(seen["refused"]["code"], "42501");
}

#[test]
fn grafana_browses_tables_and_runs_its_macro_sql() {
    let server = Server::start(&[], &[]);
    let seen = python(&server, "grafana");
    for (query, answer) in seen.as_object().unwrap() {
        assert!(answer.get("error").is_none(), "{query}: {answer}");
    }
    assert_eq!(seen["version"]["rows"], serde_json::json!([[1600]]));
    assert_eq!(seen["timescaledb"]["rows"], serde_json::json!([]));
    assert_eq!(seen["schemas"]["rows"], serde_json::json!([["public"]]));
    // Tables on the search path are shown unqualified.
    assert_eq!(seen["tables"]["rows"], seen["tables_of_schema"]["rows"]);
    assert!(
        seen["tables"]["rows"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!(["calls"]))
    );
    let columns = seen["columns"]["rows"].as_array().unwrap();
    assert_eq!(columns.len(), 32);
    for column in [
        ["dialed_at", "timestamp with time zone"],
        ["talk_s", "double precision"],
        ["attempt_no", "integer"],
        ["disposition", "text"],
    ] {
        assert!(
            columns.contains(&serde_json::json!(column)),
            "{column:?}: {columns:?}"
        );
    }
    // $__timeGroup(dialed_at, '5m') per campaign over $__timeFilter: the CLI's counts.
    let panel = &seen["panel"];
    assert_eq!(
        panel["columns"],
        serde_json::json!(["time", "metric", "attempts"])
    );
    let total: f64 = panel["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row[2].as_f64().unwrap())
        .sum();
    assert_eq!(
        total,
        cli_number(
            "SELECT count(*) FROM calls WHERE dialed_at \
             BETWEEN '2025-06-02T00:00:00Z' AND '2025-06-02T06:00:00Z'"
        )
    );
    // A timestamptz time column with a rolling callsql rate beside it.
    assert_eq!(panel["types"][0], 701);
    assert_eq!(
        seen["panel_connect_rate"]["types"],
        serde_json::json!([1184, 701])
    );
    assert!(
        !seen["panel_connect_rate"]["rows"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn transaction_control_is_accepted_and_writes_stay_refused() {
    let server = Server::start(&[], &[]);
    let output = Command::new("psql")
        .args([
            "-X",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-v",
            "VERBOSITY=verbose",
        ])
        .args(["-h", "127.0.0.1", "-p", &server.port.to_string()])
        .args(["-U", "callsql", "-d", "callsql"])
        .args([
            "-c",
            "BEGIN",
            "-c",
            "SAVEPOINT sa_savepoint_1",
            "-c",
            "SELECT 1",
        ])
        .args(["-c", "ROLLBACK TO SAVEPOINT sa_savepoint_1"])
        .args(["-c", "RELEASE SAVEPOINT sa_savepoint_1"])
        .args([
            "-c",
            "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY",
        ])
        .args(["-c", "COMMIT", "-c", "START TRANSACTION READ ONLY"])
        .args(["-c", "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"])
        .args(["-c", "DISCARD ALL", "-c", "SHOW server_version_num"])
        .args(["-c", "INSERT INTO calls SELECT * FROM calls"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            "BEGIN",
            "SAVEPOINT",
            "1",
            "ROLLBACK",
            "RELEASE",
            "SET",
            "COMMIT",
            "BEGIN",
            "SET",
            "DISCARD ALL",
            "160006"
        ]
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("42501: INSERT INTO is refused"),
        "a write inside a transaction: {stderr}"
    );
    let version = server.rows("SELECT version()");
    assert!(
        version.starts_with("PostgreSQL 16.6 (callsql ") && version.contains("Apache DataFusion"),
        "{version}"
    );
    // A correlated subquery in a select list is planned, not answered with NULL.
    let sql = "SELECT c.campaign_id, (SELECT count(*) FROM calls c2 \
               WHERE c2.campaign_id = c.campaign_id) AS n \
               FROM (SELECT DISTINCT campaign_id FROM calls) c";
    assert_eq!(cells(&server.rows(sql)), cli_cells(&["-c", sql]));
}

/// pgbench over the simple and the extended protocol, and reconnecting for every
/// transaction, with 32 clients: no transaction fails and the server stays within its
/// memory limit plus a fixed overhead. The rates are printed; benchmarks are not tests.
#[test]
fn pgbench_load_over_both_protocols_and_reconnecting() {
    let server = Server::start(&["--memory-limit", "256M"], &[]);
    let script = manifest_dir().join("tests/it/pgbench_kpis.sql");
    for (mode, extra) in [
        ("simple", vec!["-M", "simple"]),
        ("extended", vec!["-M", "extended"]),
        ("reconnecting", vec!["-C"]),
    ] {
        let output = Command::new("pgbench")
            .args(["-n", "-c", "32", "-j", "2", "-T", "20"])
            .args(&extra)
            .arg("-f")
            .arg(&script)
            .args(["-h", "127.0.0.1", "-p", &server.port.to_string()])
            .args(["-U", "callsql", "callsql"])
            .output()
            .expect("pgbench runs (postgresql-client is installed by .ci/run)");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{mode}: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            stdout.contains("number of failed transactions: 0 (0.000%)"),
            "{mode}: {stdout}"
        );
        let tps = stdout
            .lines()
            .find(|line| line.starts_with("tps = "))
            .unwrap_or_default();
        eprintln!("pgbench {mode}, 32 clients: {tps}");
    }
    let peak = peak_rss_kib(server.child.id());
    eprintln!("server peak RSS {} MiB", peak / 1024);
    assert!(peak < (256 + 512) * 1024, "peak RSS {peak} KiB");
}
