//! callsql on a real Ballista cluster: a scheduler and two executors, each a `callsql`
//! process on loopback, started with `callsql cluster`; clients are the library (to set
//! Ballista's shuffle settings) and the binary.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use callsql::canned;
use callsql::session::{self, Options};
use datafusion::arrow::array::{ArrayRef, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::logical_expr::{ColumnarValue, Volatility, create_udf};
use datafusion::prelude::SessionContext;

use crate::support::{
    assert_one_line_error, callsql, callsql_with_stdin, fixtures, generate_to, stdout,
};

/// A `callsql cluster` process and what it printed about its children.
pub struct TestCluster {
    child: Child,
    /// `df://127.0.0.1:PORT`.
    pub url: String,
    /// The executors' process ids.
    pub executors: Vec<u32>,
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        // SIGTERM, so that the cluster stops its scheduler and executors.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let _ = self.child.wait();
    }
}

impl TestCluster {
    /// Starts a scheduler and `executors` executors, and waits until they take statements.
    pub fn start(executors: usize, env: &[(&str, String)]) -> TestCluster {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let bind = SocketAddr::from(([127, 0, 0, 1], port));
        let mut child = Command::new(env!("CARGO_BIN_EXE_callsql"))
            .args(["cluster", "--executors", &executors.to_string()])
            .args(["--bind", &bind.to_string()])
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("callsql cluster starts");
        let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
        let mut pids = Vec::new();
        for line in stderr.by_ref() {
            let line = line.unwrap();
            if let Some(pid) = line
                .strip_prefix("executor ")
                .and_then(|rest| rest.split_once(": pid "))
            {
                pids.push(pid.1.trim().parse().unwrap());
                if pids.len() == executors {
                    break;
                }
            }
        }
        assert_eq!(
            pids.len(),
            executors,
            "the cluster did not start its executors"
        );
        let mut ready = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut ready)
            .unwrap();
        let url = format!("df://{bind}");
        assert_eq!(ready.trim(), format!("cluster ready: --cluster {url}"));
        let cluster = TestCluster {
            child,
            url,
            executors: pids,
        };
        cluster.wait_for_executors(executors);
        cluster
    }

    /// Executors register with the scheduler a moment after they listen: a query run
    /// before then waits for them, so run one until all have taken part.
    fn wait_for_executors(&self, _executors: usize) {
        let started = Instant::now();
        loop {
            let output = callsql(
                &[
                    "--cluster",
                    &self.url,
                    "-c",
                    "SELECT 1 AS one",
                    "--format",
                    "csv",
                ],
                &[],
            );
            if output.status.success() {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the cluster never answered: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Every canned query's rows with its default parameters, each row a list of cells.
async fn canned_rows(ctx: &SessionContext) -> Vec<(String, Vec<Vec<String>>)> {
    let mut results = Vec::new();
    for query in canned::builtin().unwrap() {
        let batches = query
            .dataframe(ctx, &[])
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", query.name))
            .collect()
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", query.name));
        results.push((query.name.clone(), rows(&batches)));
    }
    results
}

fn rows(batches: &[RecordBatch]) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for batch in batches {
        let columns: Vec<ArrayRef> = batch
            .columns()
            .iter()
            .map(|column| cast(column, &DataType::Utf8).unwrap())
            .collect();
        for row in 0..batch.num_rows() {
            rows.push(
                columns
                    .iter()
                    .map(|column| {
                        ScalarValue::try_from_array(column, row)
                            .unwrap()
                            .to_string()
                    })
                    .collect(),
            );
        }
    }
    rows.sort();
    rows
}

/// Two CSV results with the same lines, cell by cell as [`same_cell`] compares them.
pub fn assert_same_csv(local: &str, remote: &str) {
    assert_eq!(
        local.lines().count(),
        remote.lines().count(),
        "{local}\n{remote}"
    );
    for (here, there) in local.lines().zip(remote.lines()) {
        let same = here
            .split(',')
            .zip(there.split(','))
            .all(|(a, b)| same_cell(a, b));
        assert!(same, "{here} locally, {there} on the cluster");
    }
}

/// Cells are equal as text, or as numbers within 1e-9 relative (sums in another order).
fn same_cell(a: &str, b: &str) -> bool {
    same_within(a, b, 1e-9)
}

fn same_within(a: &str, b: &str, relative: f64) -> bool {
    if a == b {
        return true;
    }
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => (x - y).abs() <= relative * x.abs().max(y.abs()).max(1e-12),
        _ => false,
    }
}

/// How closely a query's numbers must agree. The lifetime models are fitted by
/// Nelder–Mead to a relative tolerance of about 1e-8 in the likelihood; the likelihood's
/// sums in another order move the fitted parameters, and the scores from them, within it.
fn tolerance(query: &str) -> f64 {
    match query {
        "customer_lifetime" | "churn_watchlist" => 1e-5,
        _ => 1e-9,
    }
}

fn assert_same_rows(local: &[(String, Vec<Vec<String>>)], remote: &[(String, Vec<Vec<String>>)]) {
    for ((name, here), (_, there)) in local.iter().zip(remote) {
        assert_eq!(here.len(), there.len(), "{name}: row counts differ");
        let relative = tolerance(name);
        for (a, b) in here.iter().zip(there) {
            assert!(
                a.iter().zip(b).all(|(x, y)| same_within(x, y, relative)),
                "{name}: {a:?} locally, {b:?} on the cluster"
            );
        }
    }
}

/// Every canned query, locally and on the cluster with `partitions` tasks per stage and
/// shuffle reads through Arrow Flight (as if every executor were on another host).
fn compare_canned_queries(
    cluster: &TestCluster,
    data: &str,
    partitions: usize,
    ballista_settings: &[&str],
) {
    let local = Options {
        target_partitions: Some(partitions),
        ..Options::with_data(data).unwrap()
    };
    let remote = Options {
        cluster: Some(cluster.url.clone()),
        ..local.clone()
    };
    runtime().block_on(async {
        let here = canned_rows(&session::build(&local).await.unwrap()).await;
        let ctx = session::build(&remote).await.unwrap();
        for setting in ballista_settings {
            ctx.sql(setting).await.unwrap();
        }
        let there = canned_rows(&ctx).await;
        assert_eq!(here.len(), there.len());
        assert!(here.iter().any(|(_, rows)| !rows.is_empty()));
        assert_same_rows(&here, &there);
    });
}

#[test]
fn cluster_runs_every_canned_query_with_the_local_answers() {
    let cluster = TestCluster::start(2, &[]);
    // As users run them, with Ballista's defaults (which merge small shuffle partitions
    // into fewer tasks, and so cut plans into stages differently).
    compare_canned_queries(&cluster, fixtures().to_str().unwrap(), 2, &[]);
    // 30 day files over 2 executors, 4 tasks per stage: every stage is split and every
    // shuffle crosses between the executors.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().display().to_string();
    generate_to(&data, 200_000, 7, 30, 12);
    compare_canned_queries(
        &cluster,
        &data,
        4,
        &[
            "SET ballista.shuffle.force_remote_read = true",
            "SET ballista.planner.coalesce.enabled = false",
        ],
    );
}

#[test]
fn a_custom_lexicon_reaches_the_executors() {
    let cluster = TestCluster::start(2, &[]);
    let dir = tempfile::tempdir().unwrap();
    let lexicon = dir.path().join("terms.txt");
    // Terms the generated transcripts hold, and none of the builtin ones.
    std::fs::write(&lexicon, "# test\n您好\n再见\n").unwrap();
    let data = fixtures().display().to_string();
    let sql = "SELECT call_id, array_to_string(sensitive_hits(transcript), '|') AS hits, \
               is_compliant(transcript) AS ok FROM calls WHERE transcript IS NOT NULL ORDER BY call_id";
    let run = |cluster: Option<&str>, lexicon: Option<&std::path::Path>| {
        let mut args = vec!["--data", &data, "--format", "csv"];
        if let Some(url) = cluster {
            args.extend(["--cluster", url]);
        }
        let lexicon = lexicon.map(|p| p.display().to_string());
        if let Some(path) = &lexicon {
            args.extend(["--lexicon", path, "--lexicon-mode", "replace"]);
        }
        args.extend(["-c", sql]);
        let output = callsql(&args, &[]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        stdout(&output)
    };
    let local = run(None, Some(&lexicon));
    assert!(local.contains("您好"), "the lexicon finds nothing: {local}");
    assert_ne!(local, run(None, None), "the lexicon changes nothing");
    assert_eq!(run(Some(&cluster.url), Some(&lexicon)), local);

    // The prompt on the cluster: a canned query and a statement, as locally.
    let script = "\\run kpi_daily campaign=cmp003\nSELECT count(*) AS n FROM calls;\n";
    let local = callsql_with_stdin(&["--data", &data, "--format", "csv"], script);
    let remote = callsql_with_stdin(
        &[
            "--cluster",
            &cluster.url,
            "--data",
            &data,
            "--format",
            "csv",
        ],
        script,
    );
    assert_eq!(remote.0, Some(0), "{}", remote.2);
    assert_same_csv(&local.1, &remote.1);

    // `callsql test` on the cluster: .slt suites whose tables are the fixtures and tables
    // made with CREATE TABLE … AS (sent to the cluster whole).
    let root = env!("CARGO_MANIFEST_DIR");
    let suites: Vec<String> = [
        "dialer",
        "hygiene",
        "compliance",
        "lifetime",
        "kpi/rolling.slt",
    ]
    .iter()
    .map(|suite| format!("{root}/testdata/{suite}"))
    .collect();
    let mut args = vec!["--cluster", cluster.url.as_str(), "--data", &data, "test"];
    args.extend(suites.iter().map(String::as_str));
    let output = callsql(&args, &[]);
    assert!(
        output.status.success(),
        "{}{}",
        stdout(&output),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_function_the_cluster_does_not_know_is_one_line_naming_it() {
    let cluster = TestCluster::start(1, &[]);
    let options = Options {
        cluster: Some(cluster.url.clone()),
        ..Options::with_data(fixtures().to_str().unwrap()).unwrap()
    };
    runtime().block_on(async {
        let ctx = session::build(&options).await.unwrap();
        // A function only this client has.
        ctx.register_udf(create_udf(
            "client_only",
            vec![DataType::Float64],
            DataType::Float64,
            Volatility::Immutable,
            Arc::new(|args: &[ColumnarValue]| Ok(args[0].clone())),
        ));
        let error = ctx
            .sql("SELECT client_only(talk_s) FROM calls")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap_err();
        let message = callsql::error::Reporter {
            verbose: false,
            without_data: false,
        }
        .line(&error.into());
        assert!(
            message.contains("function client_only is not known to the scheduler"),
            "{message}"
        );
        assert!(!message.contains('\n'), "{message}");

        let error = ctx
            .sql("SELECT sum(talk_s) FILTER (WHERE talk_s > 60) OVER (PARTITION BY campaign_id) FROM calls")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap_err();
        let message = callsql::error::Reporter { verbose: false, without_data: false }.line(&error.into());
        assert!(message.contains("sum(…) FILTER (WHERE …) OVER (…) cannot run on a cluster"), "{message}");
    });
}

#[test]
fn results_larger_than_ballistas_default_message_limit_reach_the_client() {
    // Ballista's gRPC messages stop at 16 MiB unless told otherwise; one batch of these
    // results is 20 MB per campaign.
    let cluster = TestCluster::start(1, &[]);
    let data = fixtures().display().to_string();
    let output = callsql(
        &[
            "--data",
            &data,
            "--cluster",
            &cluster.url,
            "--format",
            "csv",
            "-c",
            "SELECT campaign_id, repeat('x', 20000000) AS big \
             FROM (SELECT DISTINCT campaign_id FROM calls) ORDER BY campaign_id",
        ],
        &[],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let local = callsql(
        &[
            "--data",
            &data,
            "--format",
            "csv",
            "-c",
            "SELECT DISTINCT campaign_id FROM calls ORDER BY 1",
        ],
        &[],
    );
    let campaigns: Vec<String> = stdout(&local).lines().skip(1).map(str::to_owned).collect();
    let lines: Vec<String> = stdout(&output).lines().skip(1).map(str::to_owned).collect();
    assert!(campaigns.len() > 1);
    assert_eq!(lines.len(), campaigns.len());
    for (line, campaign) in lines.iter().zip(&campaigns) {
        let (id, big) = line.split_once(',').unwrap();
        assert_eq!(id, campaign);
        assert!(big.len() == 20_000_000 && big.bytes().all(|b| b == b'x'));
    }
}

#[test]
fn an_unreachable_cluster_is_one_line() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("df://127.0.0.1:{port}");
    let output = callsql(&["--cluster", &url, "-c", "SELECT 1"], &[]);
    assert_one_line_error(&output, &["cannot reach the cluster scheduler", &url]);
    let output = callsql(&["--cluster", "http://x", "-c", "SELECT 1"], &[]);
    assert_one_line_error(&output, &["--cluster expects df://HOST:PORT"]);
    let output = callsql(
        &["--cluster", &url, "gen", "--out", "x", "--rows", "1"],
        &[],
    );
    assert_one_line_error(&output, &["--cluster applies to"]);
}

#[test]
fn a_killed_executor_costs_a_retry_not_the_answer() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().display().to_string();
    generate_to(&data, 1_000_000, 11, 30, 20);
    // Three stages (scan and partial aggregation, the distinct numbers per campaign, the
    // counts), the first slow (a libphonenumber parse per call: about 5 s here in a
    // debug build), the answer small.
    let sql = "SELECT campaign_id, count(DISTINCT normalize_phone(callee_number)) AS numbers, \
               count(*) AS calls FROM calls GROUP BY campaign_id ORDER BY campaign_id";
    let local = callsql(&["--data", &data, "--format", "csv", "-c", sql], &[]);
    assert!(local.status.success());
    let cluster = TestCluster::start(2, &[]);
    let client = Command::new(env!("CARGO_BIN_EXE_callsql"))
        .args([
            "--cluster",
            &cluster.url,
            "--data",
            &data,
            "--format",
            "csv",
            "-c",
            sql,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // While the first stage runs on both executors, one of them dies.
    std::thread::sleep(Duration::from_secs(2));
    unsafe {
        libc::kill(cluster.executors[0] as libc::pid_t, libc::SIGKILL);
    }
    let output = client.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(stdout(&output), stdout(&local));
}
