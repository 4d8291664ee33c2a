//! Errors as users see them: one line that leads with the sentence that helps.
//!
//! DataFusion wraps an error at every layer it passes ("Error during planning: Execution
//! error: Function 'f' user-defined coercion failed with: …") and appends its generic
//! candidate list to a function's own explanation. [`one_line`] keeps the innermost
//! explanation and drops the wrapping; [`full_chain`] keeps everything, for `-v`.

/// How this process shows errors: the readable line, or with `-v` the whole chain; a
/// missing canonical table says what to do when no data root was given.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reporter {
    pub verbose: bool,
    pub without_data: bool,
}

impl Reporter {
    pub fn line(&self, error: &anyhow::Error) -> String {
        if self.verbose {
            return full_chain(error);
        }
        let line = one_line(error);
        match self.missing_table(&line) {
            Some(table) => format!(
                "there is no table {table}: no data root was given (--data DIR|s3://bucket/prefix, \
                 or CALLSQL_DATA), so no canonical table is registered"
            ),
            None => with_hint(line),
        }
    }

    fn missing_table(&self, line: &str) -> Option<&'static str> {
        if !self.without_data {
            return None;
        }
        crate::schema::TABLES
            .iter()
            .map(|table| table.name)
            .find(|name| {
                line.contains(&format!("table '{name}' not found"))
                    || line.contains(&format!("table 'datafusion.public.{name}' not found"))
            })
    }
}

/// `line` with what to do added, for the errors whose engine text does not say it.
fn with_hint(line: String) -> String {
    if line.contains("169.254.169.254") {
        // object_store fell back to the EC2 instance metadata service: no keys were given.
        return format!(
            "no S3 credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and \
             AWS_ENDPOINT_URL for a server other than AWS) ({line})"
        );
    }
    if line.contains("URL scheme is not allowed") {
        return format!(
            "{line}: the S3 endpoint is http://, which needs AWS_ALLOW_HTTP=true (or an https:// \
             endpoint)"
        );
    }
    if let Some(name) = unknown_table(&line)
        && let Some(closest) = closest_table(name)
    {
        return format!("{line}; did you mean {closest}? (\\d lists the tables)");
    }
    line
}

/// The name in DataFusion's "table 'datafusion.public.NAME' not found".
fn unknown_table(line: &str) -> Option<&str> {
    let start = line.find("table '")? + "table '".len();
    let rest = &line[start..];
    let name = &rest[..rest.find("' not found")?];
    Some(name.rsplit('.').next().unwrap_or(name))
}

/// The canonical table a mistyped name most likely meant.
fn closest_table(name: &str) -> Option<&'static str> {
    crate::schema::TABLES
        .iter()
        .map(|table| (strsim::damerau_levenshtein(name, table.name), table.name))
        .filter(|(distance, _)| *distance <= 2)
        .min()
        .map(|(_, table)| table)
}

/// Prefixes DataFusion, Arrow and object_store put before a message to name its layer.
const LAYER_PREFIXES: [&str; 15] = [
    "DataFusion error: ",
    "Error during planning: ",
    "Execution error: ",
    "Arrow error: ",
    "External error: ",
    "Schema error: ",
    "Invalid or Unsupported Configuration: ",
    "Object Store error: ",
    "IO error: ",
    "Parquet error: ",
    "ExecutionJoin error: ",
    "Invalid argument error: ",
    "Compute error: ",
    "Cast error: ",
    "External: ",
];

/// Where DataFusion wraps a function's own refusal of its argument types.
const COERCION_WRAPPER: &str = "user-defined coercion failed with: ";
/// What DataFusion appends to every signature error, after the function's own sentence.
const GENERIC_SIGNATURE_HINT: &str = ". No function matches the given name and argument types";

/// `error`'s chain on one line without DataFusion's layer prefixes. DataFusion errors
/// often repeat their source in their own message, so a cause already contained in the
/// line is not added again.
pub fn one_line(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let part = readable(&cause.to_string());
        if !line.contains(&part) {
            if !line.is_empty() {
                line.push_str(": ");
            }
            line.push_str(&part);
        }
    }
    line
}

/// Every cause as its layer wrote it, on one line (`-v`, `CALLSQL_DEBUG=1`).
pub fn full_chain(error: &anyhow::Error) -> String {
    let text = error
        .chain()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ");
    collapse_whitespace(&text)
}

/// One message with the wrapping taken off.
fn readable(message: &str) -> String {
    let mut text = collapse_whitespace(message);
    if let Some(start) = text.find(COERCION_WRAPPER) {
        text = text[start + COERCION_WRAPPER.len()..].to_string();
        if let Some(end) = text.find(GENERIC_SIGNATURE_HINT) {
            text.truncate(end);
        }
    }
    text = text.replace("Resources exhausted: ", "the memory limit is reached: ");
    for prefix in LAYER_PREFIXES {
        text = text.replace(prefix, "");
    }
    if let Some(rest) = text.strip_prefix("SQL error: ParserError(\"")
        && let Some(inner) = rest.strip_suffix("\")")
    {
        text = format!("syntax error: {inner}");
    }
    text
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_functions_own_sentence_leads() {
        let error = anyhow::anyhow!(
            "Error during planning: Execution error: Function 'connect_rate' user-defined \
             coercion failed with: Error during planning: connect_rate cannot take (Int64); \
             expected connect_rate(disposition: string). No function matches the given name \
             and argument types 'connect_rate(Int64)'. You might need to add explicit type \
             casts.\n\tCandidate functions:\n\tconnect_rate(UserDefined)"
        );
        assert_eq!(
            one_line(&error),
            "connect_rate cannot take (Int64); expected connect_rate(disposition: string)"
        );
        assert!(full_chain(&error).starts_with("Error during planning: Execution error:"));
    }

    #[test]
    fn layers_and_repeats_are_dropped() {
        let inner = anyhow::anyhow!("Schema error: No field named nope.");
        let error = inner.context("Error during planning: Schema error: No field named nope.");
        assert_eq!(one_line(&error), "No field named nope.");
        let parse = anyhow::anyhow!(
            "SQL error: ParserError(\"Expected: an SQL statement, found: SELEC at Line: 1, Column: 1\")"
        );
        assert_eq!(
            one_line(&parse),
            "syntax error: Expected: an SQL statement, found: SELEC at Line: 1, Column: 1"
        );
    }

    #[test]
    fn engine_errors_get_what_to_do() {
        let line = |text: &str| Reporter::default().line(&anyhow::anyhow!(text.to_string()));
        assert_eq!(
            line("Error during planning: table 'datafusion.public.call' not found"),
            "table 'datafusion.public.call' not found; did you mean calls? (\\d lists the tables)"
        );
        assert_eq!(
            line("table 'datafusion.public.zebra' not found"),
            "table 'datafusion.public.zebra' not found"
        );
        assert!(
            line("Generic S3 error: Error performing PUT http://169.254.169.254/latest/api/token")
                .starts_with("no S3 credentials found: set AWS_ACCESS_KEY_ID")
        );
        assert!(
            line("Generic HTTP client error: builder error: URL scheme is not allowed")
                .ends_with("which needs AWS_ALLOW_HTTP=true (or an https:// endpoint)")
        );
    }

    #[test]
    fn context_is_kept_before_its_cause() {
        let error = anyhow::anyhow!("Object Store error: connection refused")
            .context("cannot list s3://bucket/data");
        assert_eq!(
            one_line(&error),
            "cannot list s3://bucket/data: connection refused"
        );
    }
}
