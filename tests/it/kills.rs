//! SIGKILL at random points (fixed seed) of `gen` and `run --out`: nothing partial is
//! visible afterwards (a data root is either complete or marked as interrupted and refused
//! by `--data`; an output file is either absent or whole), and running the same command
//! again succeeds. The S3 kills run in `s3.rs`, which owns the test server.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::support::{callsql, generate_to, stderr, stdout};

pub const SEED: u64 = 0x005e_ed0f_4b11;

/// Starts `callsql args` with `env` and SIGKILLs it after `delay` unless it ended first;
/// returns whether it was killed.
pub fn kill_after(args: &[&str], env: &[(&str, &str)], delay: Duration) -> bool {
    let mut command = Command::new(env!("CARGO_BIN_EXE_callsql"));
    command
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("callsql starts");
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        if started.elapsed() >= delay {
            child.kill().unwrap();
            child.wait().unwrap();
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// How long `args` takes when left alone (it must succeed).
pub fn duration_of(args: &[&str], env: &[(&str, &str)]) -> Duration {
    let started = Instant::now();
    let output = callsql(args, env);
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    started.elapsed()
}

/// A data root after `gen` or `import` was killed: refused as interrupted, not holding
/// calls yet (killed before the first file), or complete with `rows` calls.
pub fn check_root(data: &str, env: &[(&str, &str)], rows: usize) -> bool {
    let count = callsql(
        &[
            "--data",
            data,
            "--format",
            "csv",
            "-c",
            "SELECT count(*) AS n FROM calls",
        ],
        env,
    );
    if count.status.success() {
        assert_eq!(stdout(&count), format!("n\n{rows}\n"), "{data} is complete");
        return true;
    }
    let err = stderr(&count);
    assert!(
        ["interrupted run", "not found", "does not exist"]
            .iter()
            .any(|e| err.contains(e)),
        "{data}: {err}"
    );
    false
}

#[test]
fn killed_gen_leaves_a_refused_root_and_the_rerun_finishes_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("g").display().to_string();
    let args = [
        "gen",
        "--out",
        &out,
        "--rows",
        "120000",
        "--days",
        "6",
        "--campaigns",
        "4",
    ];
    let overwrite: Vec<&str> = args.iter().copied().chain(["--overwrite"]).collect();
    let full = duration_of(&overwrite, &[]);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(SEED);
    let mut interrupted = 0;
    for _ in 0..12 {
        let delay = full.mul_f64(rng.random_range(0.0..1.0));
        // Each kill starts from a finished root, so the rerun has something to replace.
        kill_after(&overwrite, &[], delay);
        if !check_root(&out, &[], 120_000) {
            interrupted += 1;
            // Without --overwrite: the root holds only the killed run's own output.
            let rerun = callsql(&args, &[]);
            assert!(rerun.status.success(), "rerun: {}", stderr(&rerun));
            assert!(check_root(&out, &[], 120_000));
        }
        assert_no_partial_parquet(Path::new(&out));
    }
    assert!(
        interrupted >= 4,
        "only {interrupted} of 12 kills landed mid-run"
    );
}

#[test]
fn killed_run_out_leaves_no_file_or_a_whole_one() {
    let data = tempfile::tempdir().unwrap();
    let data_arg = data.path().display().to_string();
    generate_to(&data_arg, 120_000, 3, 6, 4);
    let out_dir = tempfile::tempdir().unwrap();
    let target = out_dir.path().join("rfm.csv");
    let target_arg = target.display().to_string();
    let args = [
        "--data",
        &data_arg,
        "run",
        "rfm_customers",
        "--out",
        &target_arg,
    ];
    let full = duration_of(&args, &[]);
    let whole = std::fs::read_to_string(&target).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(SEED + 1);
    let mut killed = 0;
    for _ in 0..12 {
        std::fs::remove_file(&target).unwrap();
        let delay = full.mul_f64(rng.random_range(0.0..1.1));
        killed += usize::from(kill_after(&args, &[], delay));
        if target.exists() {
            assert_eq!(std::fs::read_to_string(&target).unwrap(), whole);
        }
        for entry in std::fs::read_dir(out_dir.path()).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            // Staging files of a killed upload are named `rfm.csv#N`, which no reader
            // takes for the output.
            assert!(name == "rfm.csv" || name.starts_with("rfm.csv#"), "{name}");
        }
        let rerun = callsql(&args, &[]);
        assert!(rerun.status.success(), "rerun: {}", stderr(&rerun));
        assert_eq!(std::fs::read_to_string(&target).unwrap(), whole);
    }
    assert!(killed >= 4, "only {killed} of 12 kills landed mid-run");
}

/// Every `.parquet` file under `root` reads whole.
fn assert_no_partial_parquet(root: &Path) {
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "parquet") {
                let file = std::fs::File::open(&path).unwrap();
                let reader =
                    datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReader::try_new(
                        file, 8192,
                    )
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                for batch in reader {
                    batch.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                }
            }
        }
    }
}
