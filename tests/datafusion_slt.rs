//! DataFusion 55.2's own sqllogictest files, run by `callsql test`'s runner against a
//! callsql session without data: suites written for DataFusion's runner must pass here
//! unchanged. The files come from the published `datafusion-sqllogictest` 55.2.0 crate,
//! whose directory `.ci/run` fetches and names in `DATAFUSION_SLT_DIR`; each file listed in
//! `testdata/datafusion/passing.txt` is one test. The files that do not pass, and why, are
//! in `testdata/datafusion/not-passing.txt`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use callsql::session::Options;
use callsql::slt;
use libtest_mimic::{Arguments, Failed, Trial};

fn main() {
    let arguments = Arguments::from_args();
    let Some(source) = std::env::var_os("DATAFUSION_SLT_DIR").map(PathBuf::from) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but DATAFUSION_SLT_DIR is not set: .ci/run fetches datafusion-sqllogictest"
        );
        eprintln!("skipping DataFusion's .slt files: DATAFUSION_SLT_DIR is not set");
        libtest_mimic::run(&arguments, Vec::new()).exit();
    };
    // The files write under `test_files/scratch/` relative to the working directory, as in
    // DataFusion's repository: they run in a directory of links to the files with a
    // scratch directory of its own, never writing into cargo's registry.
    let work = tempfile::tempdir().unwrap();
    link_files(&source.join("test_files"), &work.path().join("test_files"));
    std::env::set_current_dir(work.path()).unwrap();
    let listed = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/datafusion/passing.txt");
    let trials = std::fs::read_to_string(&listed)
        .unwrap()
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|file| {
            let path = work.path().join("test_files").join(file);
            Trial::test(file.to_string(), move || run(&path))
        })
        .collect();
    let conclusion = libtest_mimic::run(&arguments, trials);
    drop(work);
    conclusion.exit();
}

fn run(file: &Path) -> Result<(), Failed> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime
        .block_on(slt::run_file(file, &Options::default(), false))
        .map_err(|e| format!("{e:#}").into())
}

fn link_files(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.join("scratch")).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap();
        if name != "scratch" {
            std::os::unix::fs::symlink(&path, to.join(name)).unwrap();
        }
    }
}
