//! Clients are read-only: a statement that would write, change what the server serves, or
//! reach its file system or network is refused with SQLSTATE 42501 before it is planned.
//! (Tables named by a file path or URL are off in a serving session; see
//! [`crate::session::Options::remote_clients`].)

use std::borrow::Cow;

use datafusion::sql::parser::{DFParser, Statement as DfStatement};
use datafusion::sql::sqlparser::ast::{Set, Statement};
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion_postgres::pgwire::error::{ErrorInfo, PgWireError, PgWireResult};

use super::rewrite;

/// Session settings a client may change: its own presentation and limits. The rest
/// (`datafusion.runtime.*` replaces the shared memory pool, for one) are the server's.
const CLIENT_SETTINGS: &[&str] = &[
    "application_name",
    "bytea_output",
    "client_encoding",
    "client_min_messages",
    "datafusion.execution.time_zone",
    "datestyle",
    "extra_float_digits",
    "intervalstyle",
    "search_path",
    "standard_conforming_strings",
    "statement_timeout",
    "time zone",
    "timezone",
];

/// `sql` as the server should run it: refused when any of its statements is not
/// read-only, and with client SQL DataFusion cannot plan rewritten (see [`rewrite`]).
/// Text DataFusion's parser cannot read is left to the server's own parser, which then
/// reports the syntax error.
pub fn admit(sql: &str) -> PgWireResult<Cow<'_, str>> {
    let Ok(statements) = DFParser::parse_sql_with_dialect(sql, &PostgreSqlDialect {}) else {
        return Ok(Cow::Borrowed(sql));
    };
    statements.iter().try_for_each(check_statement)?;
    let mut plain = Vec::with_capacity(statements.len());
    for statement in statements {
        match statement {
            DfStatement::Statement(statement) => plain.push(*statement),
            // COPY and the like are refused above; EXPLAIN is left as written.
            _ => return Ok(Cow::Borrowed(sql)),
        }
    }
    if !rewrite::rewrite(&mut plain, sql) {
        return Ok(Cow::Borrowed(sql));
    }
    Ok(Cow::Owned(
        plain
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(";\n"),
    ))
}

fn check_statement(statement: &DfStatement) -> PgWireResult<()> {
    match statement {
        DfStatement::Statement(statement) => check_sql_statement(statement),
        DfStatement::Explain(explain) => check_statement(&explain.statement),
        DfStatement::CreateExternalTable(_) => Err(refused("CREATE EXTERNAL TABLE")),
        DfStatement::CopyTo(_) => Err(refused("COPY … TO")),
        DfStatement::Reset(_) => Err(refused("RESET")),
    }
}

fn check_sql_statement(statement: &Statement) -> PgWireResult<()> {
    match statement {
        Statement::Query(_)
        | Statement::ExplainTable { .. }
        | Statement::ShowVariable { .. }
        | Statement::ShowVariables { .. }
        | Statement::ShowStatus { .. }
        | Statement::ShowTables { .. }
        | Statement::ShowColumns { .. }
        | Statement::ShowFunctions { .. }
        | Statement::ShowCatalogs { .. }
        | Statement::ShowSchemas { .. }
        | Statement::StartTransaction { .. }
        | Statement::Commit { .. }
        | Statement::Rollback { .. }
        | Statement::Savepoint { .. }
        | Statement::ReleaseSavepoint { .. }
        | Statement::Declare { .. }
        | Statement::Fetch { .. }
        | Statement::Close { .. }
        | Statement::Execute { .. }
        | Statement::Deallocate { .. }
        | Statement::Discard { .. } => Ok(()),
        Statement::Explain { statement, .. } | Statement::Prepare { statement, .. } => {
            check_sql_statement(statement)
        }
        Statement::Set(set) => check_set(set),
        other => Err(refused(&kind(other))),
    }
}

fn check_set(set: &Set) -> PgWireResult<()> {
    match set {
        // SET TRANSACTION READ ONLY and isolation levels: every transaction is read-only.
        Set::SetTimeZone { .. } | Set::SetNames { .. } | Set::SetTransaction { .. } => Ok(()),
        Set::SingleAssignment { variable, .. } => {
            let name = variable.to_string().to_ascii_lowercase();
            if CLIENT_SETTINGS.contains(&name.as_str()) {
                Ok(())
            } else {
                Err(refused(&format!("SET {name}")))
            }
        }
        other => Err(refused(&kind(&Statement::Set(other.clone())))),
    }
}

/// The statement's leading keywords, as a user would name the kind of statement.
fn kind(statement: &Statement) -> String {
    let text = statement.to_string();
    let words: Vec<&str> = text.split_whitespace().take(3).collect();
    let keywords = words
        .iter()
        .take_while(|word| word.chars().all(|c| c.is_ascii_alphabetic()))
        .take(2)
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    keywords.to_ascii_uppercase()
}

fn refused(what: &str) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "ERROR".to_string(),
        "42501".to_string(),
        format!(
            "{what} is refused: callsql serve is read-only (queries, EXPLAIN, SHOW and \
             client settings only)"
        ),
    )))
}

#[cfg(test)]
mod tests {
    use super::admit;

    fn refused(sql: &str) -> String {
        match admit(sql) {
            Err(datafusion_postgres::pgwire::error::PgWireError::UserError(info)) => {
                assert_eq!(info.code, "42501", "{sql}");
                info.message
            }
            other => panic!("{sql} was not refused: {other:?}"),
        }
    }

    #[test]
    fn reads_and_client_settings_pass() {
        for sql in [
            "SELECT 1",
            "SELECT * FROM calls; SELECT 2",
            "EXPLAIN SELECT 1",
            "SHOW TIME ZONE",
            "SET TIME ZONE 'Asia/Shanghai'",
            "SET statement_timeout = '5s'",
            "SET application_name = 'grafana'",
            "BEGIN",
            "START TRANSACTION READ ONLY",
            "SAVEPOINT sa_savepoint_1",
            "RELEASE SAVEPOINT sa_savepoint_1",
            "ROLLBACK TO SAVEPOINT sa_savepoint_1",
            "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY",
            "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
            "DISCARD ALL",
            "COMMIT",
        ] {
            assert!(admit(sql).is_ok(), "{sql}");
        }
    }

    #[test]
    fn writes_and_server_settings_are_refused() {
        assert!(refused("COPY (SELECT 1) TO '/tmp/x.csv'").starts_with("COPY … TO is refused"));
        assert!(
            refused("CREATE EXTERNAL TABLE t STORED AS CSV LOCATION '/etc/'")
                .starts_with("CREATE EXTERNAL TABLE")
        );
        assert!(refused("INSERT INTO calls VALUES (1)").starts_with("INSERT INTO is refused"));
        assert!(refused("CREATE TABLE t AS SELECT 1").starts_with("CREATE TABLE"));
        assert!(refused("CREATE VIEW v AS SELECT 1").starts_with("CREATE VIEW"));
        assert!(refused("DROP TABLE calls").starts_with("DROP TABLE"));
        assert!(
            refused("SET datafusion.runtime.memory_limit = '100G'")
                .starts_with("SET datafusion.runtime.memory_limit is refused")
        );
        assert!(refused("SELECT 1; DELETE FROM calls").starts_with("DELETE FROM"));
        assert!(refused("EXPLAIN COPY (SELECT 1) TO '/tmp/x'").starts_with("COPY"));
    }
}
