//! Tab completion: table, column and function names, SQL keywords and backslash commands.

use std::sync::{Arc, Mutex, PoisonError};

use datafusion::prelude::SessionContext;
use rustyline::completion::Completer;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};

use super::commands::COMMANDS;

const KEYWORDS: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "GROUP BY",
    "ORDER BY",
    "HAVING",
    "LIMIT",
    "JOIN",
    "LEFT JOIN",
    "ON",
    "AND",
    "OR",
    "NOT",
    "IN",
    "IS NULL",
    "IS NOT NULL",
    "AS",
    "DISTINCT",
    "FILTER",
    "OVER",
    "PARTITION BY",
    "WITH",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "COPY",
    "TO",
    "EXPLAIN",
    "ANALYZE",
    "DESC",
    "ASC",
    "BETWEEN",
    "INTERVAL",
    "DATE",
    "TIMESTAMP",
    "CAST",
];

/// The words the completer offers; refreshed after each statement, since a statement can
/// create tables.
#[derive(Clone, Default)]
pub struct Words(Arc<Mutex<Vec<String>>>);

impl Words {
    /// Reads the tables, their columns and every registered function from `ctx`.
    pub async fn refresh(&self, ctx: &SessionContext) {
        let mut words: Vec<String> = KEYWORDS.iter().map(ToString::to_string).collect();
        let state = ctx.state();
        words.extend(state.scalar_functions().keys().cloned());
        words.extend(state.aggregate_functions().keys().cloned());
        words.extend(state.window_functions().keys().cloned());
        for catalog_name in ctx.catalog_names() {
            let Some(catalog) = ctx.catalog(&catalog_name) else {
                continue;
            };
            for schema_name in catalog.schema_names() {
                let Some(schema) = catalog.schema(&schema_name) else {
                    continue;
                };
                for table_name in schema.table_names() {
                    if let Ok(Some(table)) = schema.table(&table_name).await {
                        words.extend(table.schema().fields().iter().map(|f| f.name().clone()));
                    }
                    words.push(table_name);
                }
            }
        }
        words.sort();
        words.dedup();
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = words;
    }

    /// The words starting with `prefix`, ignoring case.
    fn starting_with(&self, prefix: &str) -> Vec<String> {
        let prefix = prefix.to_lowercase();
        let words = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        words
            .iter()
            .filter(|w| w.to_lowercase().starts_with(&prefix))
            .cloned()
            .collect()
    }
}

/// The rustyline helper: completion only; no hints, highlighting or validation (a
/// statement's end is decided by the REPL, which sees every line).
pub struct SqlHelper {
    pub words: Words,
}

impl Completer for SqlHelper {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        let before = &line[..pos];
        if before.starts_with('\\') && !before.contains(' ') {
            let commands = COMMANDS
                .iter()
                .filter(|(name, _)| name.starts_with(before))
                .map(|(name, _)| name.split(' ').next().unwrap_or(name).to_string())
                .collect();
            return Ok((0, commands));
        }
        let start = before
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let word = &before[start..];
        if word.is_empty() {
            return Ok((pos, Vec::new()));
        }
        Ok((start, self.words.starting_with(word)))
    }
}

impl Hinter for SqlHelper {
    type Hint = String;
}

impl Highlighter for SqlHelper {}

impl Validator for SqlHelper {}

impl Helper for SqlHelper {}

#[cfg(test)]
mod tests {
    use rustyline::history::DefaultHistory;

    use super::*;

    #[tokio::test]
    async fn completes_tables_columns_functions_and_commands() {
        let ctx = crate::session::build(&crate::session::Options::default())
            .await
            .unwrap();
        ctx.sql("CREATE TABLE calls_demo (campaign_id VARCHAR)")
            .await
            .unwrap();
        let helper = SqlHelper {
            words: Words::default(),
        };
        helper.words.refresh(&ctx).await;
        let history = DefaultHistory::new();
        let context = Context::new(&history);
        let complete = |line: &str| helper.complete(line, line.len(), &context).unwrap();
        assert_eq!(
            complete("SELECT connect_r"),
            (7, vec!["connect_rate".into()])
        );
        assert_eq!(
            complete("SELECT x FROM calls_d"),
            (14, vec!["calls_demo".into()])
        );
        assert_eq!(
            complete("SELECT campaign_"),
            (7, vec!["campaign_id".into()])
        );
        assert_eq!(complete("\\tim"), (0, vec!["\\timing".into()]));
        assert_eq!(complete("SELECT "), (7, vec![]));
    }
}
