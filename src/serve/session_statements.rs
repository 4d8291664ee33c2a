//! Statements about the session rather than the data, answered the way drivers expect
//! from a read-only PostgreSQL: transaction control (savepoints and `SET TRANSACTION`
//! are no-ops, there being nothing to undo), `DISCARD`, and the server's version in the
//! form every client parses. Runs before datafusion-postgres's own hooks, which answer
//! `BEGIN`, `COMMIT` and `ROLLBACK`.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::common::{DFSchema, ParamValues};
use datafusion::logical_expr::{EmptyRelation, LogicalPlan};
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::ast::{Set, Statement};
use datafusion_postgres::QueryHook;
use datafusion_postgres::hooks::HookClient;
use datafusion_postgres::pgwire::api::ClientInfo;
use datafusion_postgres::pgwire::api::Type;
use datafusion_postgres::pgwire::api::results::{
    DataRowEncoder, FieldFormat, FieldInfo, QueryResponse, Response, Tag,
};
use datafusion_postgres::pgwire::error::PgWireResult;

/// The PostgreSQL release whose catalogue and protocol serve imitates; drivers choose
/// their queries by it (SQLAlchemy, pgjdbc and Npgsql need 9.x or later, Metabase 10+).
pub const POSTGRES_VERSION: &str = "16.6";
/// [`POSTGRES_VERSION`] as `server_version_num` gives it.
pub const POSTGRES_VERSION_NUM: &str = "160006";

/// `server_version` as the startup message and `SHOW server_version` give it: PostgreSQL's
/// number first, which is all clients read, then what really answers.
pub fn server_version() -> String {
    format!(
        "{POSTGRES_VERSION} (callsql {}, Apache DataFusion {})",
        env!("CARGO_PKG_VERSION"),
        datafusion::DATAFUSION_VERSION
    )
}

/// `version()` in PostgreSQL's own form (`PostgreSQL 16.6 (…) on x86_64-pc-linux-gnu, …`),
/// which SQLAlchemy's dialect and pgcli parse for the major and minor version.
pub fn version_text() -> String {
    format!(
        "PostgreSQL {} on {}-{}, compiled by rustc, 64-bit",
        server_version(),
        std::env::consts::ARCH,
        match std::env::consts::OS {
            "linux" => "pc-linux-gnu",
            "macos" => "apple-darwin",
            other => other,
        }
    )
}

/// The hook that answers these statements.
#[derive(Debug)]
pub struct SessionStatements;

/// The reply to `statement` from a client whose startup and `SET` parameters are
/// `parameters`, when it is one this hook answers.
fn reply(
    statement: &Statement,
    parameters: &HashMap<String, String>,
) -> Option<PgWireResult<Response>> {
    let tag = |text: &str| Some(Ok(Response::Execution(Tag::new(text))));
    match statement {
        Statement::Savepoint { .. } => tag("SAVEPOINT"),
        Statement::ReleaseSavepoint { .. } => tag("RELEASE"),
        // Unlike a plain ROLLBACK, this leaves the transaction open.
        Statement::Rollback {
            savepoint: Some(_), ..
        } => tag("ROLLBACK"),
        // READ ONLY, an isolation level, DEFERRABLE: every transaction here is all of them.
        Statement::Set(Set::SetTransaction { .. }) => tag("SET"),
        Statement::Discard { object_type } => tag(&format!("DISCARD {object_type}")),
        Statement::ShowVariable { variable } => {
            let name = variable
                .iter()
                .map(|part| part.value.to_ascii_lowercase())
                .collect::<Vec<_>>()
                .join(" ");
            match name.as_str() {
                "server_version" => Some(one_value("server_version", &server_version())),
                "server_version_num" => Some(one_value("server_version_num", POSTGRES_VERSION_NUM)),
                // Metabase's default time zone. (`SHOW TIME ZONE` is datafusion-postgres's.)
                "timezone" => {
                    let zone = parameters
                        .iter()
                        .find(|(name, _)| name.eq_ignore_ascii_case("timezone"))
                        .map_or("UTC", |(_, zone)| zone.as_str());
                    Some(one_value("TimeZone", zone))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// A one-row, one-column text answer, as `SHOW` gives it.
fn one_value(name: &str, value: &str) -> PgWireResult<Response> {
    let fields = Arc::new(vec![FieldInfo::new(
        name.to_string(),
        None,
        None,
        Type::TEXT,
        FieldFormat::Text,
    )]);
    let mut encoder = DataRowEncoder::new(fields.clone());
    encoder.encode_field(&Some(value))?;
    let row = encoder.take_row();
    Ok(Response::Query(QueryResponse::new(
        fields,
        futures::stream::iter([Ok(row)]),
    )))
}

#[async_trait]
impl QueryHook for SessionStatements {
    async fn handle_simple_query(
        &self,
        statement: &Statement,
        _session_context: &SessionContext,
        client: &mut dyn HookClient,
    ) -> Option<PgWireResult<Response>> {
        reply(statement, client.metadata())
    }

    async fn handle_extended_parse_query(
        &self,
        statement: &Statement,
        _session_context: &SessionContext,
        client: &(dyn ClientInfo + Send + Sync),
    ) -> Option<PgWireResult<LogicalPlan>> {
        // SHOW is planned by datafusion-postgres's own hook and answered here.
        if matches!(statement, Statement::ShowVariable { .. })
            || reply(statement, client.metadata()).is_none()
        {
            return None;
        }
        Some(Ok(LogicalPlan::EmptyRelation(EmptyRelation {
            produce_one_row: false,
            schema: Arc::new(DFSchema::empty()),
        })))
    }

    async fn handle_extended_query(
        &self,
        statement: &Statement,
        _logical_plan: &LogicalPlan,
        _params: &ParamValues,
        _session_context: &SessionContext,
        client: &mut dyn HookClient,
    ) -> Option<PgWireResult<Response>> {
        reply(statement, client.metadata())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_reads_as_postgresql_first() {
        let version = version_text();
        assert!(
            version.starts_with("PostgreSQL 16.6 (callsql "),
            "{version}"
        );
        assert!(version.contains("Apache DataFusion 55."), "{version}");
        assert!(server_version().starts_with("16.6 "));
    }
}
