//! Runs every `.slt` file under `testdata/` as its own test, against a session over the
//! bundled fixtures (`testdata/data`). Regenerate expected output with
//! `cargo run -- test testdata --data testdata/data --complete`, then check the diff by hand.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use callsql::session::Options;
use callsql::slt;
use libtest_mimic::{Arguments, Failed, Trial};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let files = slt::collect_files(std::slice::from_ref(&root)).expect("testdata/ is readable");
    let trials = files
        .into_iter()
        .map(|file| {
            let name = file
                .strip_prefix(&root)
                .unwrap_or(&file)
                .display()
                .to_string();
            let root = root.clone();
            Trial::test(name, move || run(&file, &root))
        })
        .collect();
    libtest_mimic::run(&Arguments::from_args(), trials).exit();
}

fn run(file: &Path, root: &Path) -> Result<(), Failed> {
    let options = Options::with_data(&root.join("data").display().to_string())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime
        .block_on(slt::run_file(file, &options, false))
        .map_err(|e| format!("{e:#}").into())
}
