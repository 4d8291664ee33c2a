//! Every canned query on 5M generated calls under `--memory-limit 512M` finishes, spilling
//! where it must, and no process grows past 1 GiB.

use crate::support::{generate_to, stderr};

/// The largest resident set (bytes) any child of this test process has had so far.
fn peak_of_children() -> u64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a whole rusage into the pointer it is given.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr());
        usage.assume_init()
    };
    // Linux reports ru_maxrss in KiB.
    u64::try_from(usage.ru_maxrss).unwrap() * 1024
}

#[test]
fn every_canned_query_on_5m_calls_stays_within_a_512m_limit() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().display().to_string();
    generate_to(&data, 5_000_000, 42, 30, 50);
    for query in callsql::canned::builtin().unwrap() {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_callsql"))
            .args([
                "--data",
                &data,
                "--memory-limit",
                "512M",
                "run",
                &query.name,
                "--format",
                "csv",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}: {}",
            query.name,
            stderr(&output)
        );
        let peak = peak_of_children();
        assert!(peak < 1 << 30, "{} took {} MiB", query.name, peak >> 20);
        eprintln!("{}: peak so far {} MiB", query.name, peak >> 20);
    }
}
