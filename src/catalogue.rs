//! The function catalogue as users read it (`callsql functions`, `\df`): every function a
//! session has registered under one of callsql's documentation sections, with the
//! documentation the function carries.

use std::fmt::Write as _;

use callsql_udfs::DOC_SECTIONS;
use datafusion::execution::SessionState;
use datafusion::logical_expr::Documentation;
use serde::Serialize;

/// One function and its documentation.
#[derive(Debug, Clone, Serialize)]
pub struct FunctionDoc {
    pub name: String,
    /// `scalar`, `aggregate` or `window`.
    pub kind: &'static str,
    pub section: &'static str,
    pub syntax: String,
    pub description: String,
    pub arguments: Vec<Argument>,
    pub example: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Argument {
    pub name: String,
    pub description: String,
}

impl FunctionDoc {
    fn new(name: &str, kind: &'static str, doc: &Documentation) -> Option<Self> {
        let section = DOC_SECTIONS
            .iter()
            .find(|label| **label == doc.doc_section.label)?;
        Some(FunctionDoc {
            name: name.to_string(),
            kind,
            section,
            syntax: doc.syntax_example.clone(),
            description: doc.description.clone(),
            arguments: doc
                .arguments
                .iter()
                .flatten()
                .map(|(name, description)| Argument {
                    name: name.clone(),
                    description: description.clone(),
                })
                .collect(),
            example: doc.sql_example.as_ref().map(|e| strip_fence(e)),
        })
    }

    /// The first line of the description.
    pub fn summary(&self) -> &str {
        self.description.lines().next().unwrap_or_default()
    }

    /// The whole documentation, as `\df NAME` prints it.
    pub fn render(&self) -> String {
        let mut text = format!("{}  [{} · {}]\n\n", self.syntax, self.kind, self.section);
        for line in self.description.lines() {
            let _ = writeln!(text, "{line}");
        }
        if !self.arguments.is_empty() {
            text.push_str("\nArguments:\n");
            for argument in &self.arguments {
                let _ = writeln!(text, "  {}: {}", argument.name, argument.description);
            }
        }
        if let Some(example) = &self.example {
            text.push_str("\nExample:\n");
            for line in example.lines() {
                let _ = writeln!(text, "  {line}");
            }
        }
        text
    }
}

/// The example without its Markdown code fence.
fn strip_fence(example: &str) -> String {
    example
        .lines()
        .filter(|line| !line.trim_start().starts_with("```"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// callsql's functions registered in `state`, by section (catalogue order), then name.
pub fn functions(state: &SessionState) -> Vec<FunctionDoc> {
    let scalar = state
        .scalar_functions()
        .iter()
        .filter_map(|(name, f)| FunctionDoc::new(name, "scalar", f.documentation()?));
    let aggregate = state
        .aggregate_functions()
        .iter()
        .filter_map(|(name, f)| FunctionDoc::new(name, "aggregate", f.documentation()?));
    let window = state
        .window_functions()
        .iter()
        .filter_map(|(name, f)| FunctionDoc::new(name, "window", f.documentation()?));
    let mut docs: Vec<FunctionDoc> = scalar
        .chain(aggregate)
        .chain(window)
        // Aliases are registered under their own names too; list each function once.
        .filter(|doc| doc.syntax.starts_with(&format!("{}(", doc.name)))
        .collect();
    docs.sort_by_key(|doc| {
        let section = DOC_SECTIONS.iter().position(|s| *s == doc.section);
        (section, doc.name.clone())
    });
    docs
}

/// The functions whose names match `pattern`: a glob (`*`, `?`) or, without wildcards, a
/// case-insensitive substring.
pub fn matching(docs: Vec<FunctionDoc>, pattern: Option<&str>) -> Vec<FunctionDoc> {
    let Some(pattern) = pattern.map(str::to_ascii_lowercase) else {
        return docs;
    };
    let is_glob = pattern.contains(['*', '?']);
    docs.into_iter()
        .filter(|doc| {
            if is_glob {
                glob_match(pattern.as_bytes(), doc.name.as_bytes())
            } else {
                doc.name.contains(&pattern)
            }
        })
        .collect()
}

fn glob_match(pattern: &[u8], name: &[u8]) -> bool {
    match (pattern.first(), name.first()) {
        (None, None) => true,
        (Some(b'*'), _) => {
            glob_match(&pattern[1..], name) || (!name.is_empty() && glob_match(pattern, &name[1..]))
        }
        (Some(b'?'), Some(_)) => glob_match(&pattern[1..], &name[1..]),
        (Some(p), Some(n)) if p == n => glob_match(&pattern[1..], &name[1..]),
        _ => false,
    }
}

/// A listing: the whole documentation when one function is asked for by its exact name or
/// only one matches, otherwise one line per function under its section's heading.
pub fn render(docs: &[FunctionDoc], pattern: Option<&str>) -> String {
    if let Some(exact) = pattern.and_then(|p| docs.iter().find(|d| d.name.eq_ignore_ascii_case(p)))
    {
        return exact.render();
    }
    if let [only] = docs {
        return only.render();
    }
    if docs.is_empty() {
        return match pattern {
            Some(pattern) => format!("no callsql function matches `{pattern}`\n"),
            None => "no callsql functions are registered\n".to_string(),
        };
    }
    let mut text = String::new();
    let mut section = "";
    for doc in docs {
        if doc.section != section {
            section = doc.section;
            let _ = writeln!(text, "{}{section}", if text.is_empty() { "" } else { "\n" });
        }
        let _ = writeln!(text, "  {}\n      {}", doc.syntax, doc.summary());
    }
    text
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs_match_whole_names() {
        assert!(glob_match(b"*_rate", b"connect_rate"));
        assert!(glob_match(b"c?at", b"csat"));
        assert!(!glob_match(b"*_rate", b"rate_x"));
        assert!(glob_match(b"*", b""));
    }
}
