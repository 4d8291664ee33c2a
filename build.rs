//! Embeds the canned queries of `queries/` in the binary, so an installed `callsql` carries
//! them wherever it runs.

use std::error::Error;
use std::fmt::Write;
use std::path::Path;

fn main() -> Result<(), Box<dyn Error>> {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR")?;
    let queries = Path::new(&manifest_dir).join("queries");
    println!("cargo::rerun-if-changed={}", queries.display());
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&queries)? {
        let path = entry?.path();
        if path.extension().is_some_and(|ext| ext == "sql") {
            files.push(path);
        }
    }
    files.sort();
    let mut source = String::from("&[\n");
    for path in files {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or_else(|| format!("{} is not a UTF-8 name", path.display()))?;
        writeln!(
            source,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        )?;
    }
    source.push_str("]\n");
    let out = Path::new(&std::env::var("OUT_DIR")?).join("canned_queries.rs");
    std::fs::write(out, source)?;
    Ok(())
}
