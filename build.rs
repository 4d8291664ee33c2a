//! Embeds the canned queries of `queries/` in the binary, so an installed `callsql` carries
//! them wherever it runs.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let queries = Path::new(&manifest_dir).join("queries");
    println!("cargo::rerun-if-changed={}", queries.display());
    let mut files: Vec<_> = std::fs::read_dir(&queries)
        .expect("queries/ is readable")
        .map(|entry| entry.expect("queries/ entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "sql"))
        .collect();
    files.sort();
    let mut source = String::from("&[\n");
    for path in files {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("UTF-8 query name");
        writeln!(
            source,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .expect("writing to a String");
    }
    source.push_str("]\n");
    let out =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("canned_queries.rs");
    std::fs::write(out, source).expect("OUT_DIR is writable");
}
