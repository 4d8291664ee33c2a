//! One connection's handlers: datafusion-postgres's session service, with every
//! statement checked by the read-only policy first and bounded by its cancel token and
//! deadline while it plans, computes and streams its rows.

use std::fmt::Debug;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use datafusion::prelude::SessionContext;
use datafusion_postgres::DfSessionService;
use datafusion_postgres::hooks::cursor::CursorStatementHook;
use datafusion_postgres::hooks::set_show::SetShowHook;
use datafusion_postgres::hooks::transactions::TransactionStatementHook;
use datafusion_postgres::pgwire::api::cancel::CancelHandler;
use datafusion_postgres::pgwire::api::portal::{Format, Portal};
use datafusion_postgres::pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use datafusion_postgres::pgwire::api::results::{FieldInfo, QueryResponse, Response};
use datafusion_postgres::pgwire::api::stmt::QueryParser;
use datafusion_postgres::pgwire::api::store::PortalStore;
use datafusion_postgres::pgwire::api::{
    ClientInfo, ClientPortalStore, ConnectionManager, ErrorHandler, METADATA_USER,
    PgWireServerHandlers, Type,
};
use datafusion_postgres::pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use datafusion_postgres::pgwire::messages::PgWireBackendMessage;
use datafusion_postgres::pgwire::messages::cancel::CancelRequest;
use futures::{Sink, StreamExt, stream};

use super::auth::Startup;
use super::session_statements::SessionStatements;
use super::statements::{CancelKey, Running, Statements};
use super::{Server, policy};

/// Where datafusion-postgres keeps a client's `SET statement_timeout`, in milliseconds.
const STATEMENT_TIMEOUT_KEY: &str = "statement_timeout_ms";

/// What pgwire asks of a server, for one connection.
pub struct Handlers {
    queries: Arc<Queries>,
    startup: Arc<Startup>,
    cancel: Arc<CancelRequests>,
    errors: Arc<ErrorLog>,
}

impl Handlers {
    pub fn new(server: &Server, ctx: Arc<SessionContext>, log: Arc<ConnectionLog>) -> Self {
        let service = DfSessionService::new_with_hooks(
            ctx,
            vec![
                Arc::new(SessionStatements),
                Arc::new(CursorStatementHook),
                Arc::new(SetShowHook),
                Arc::new(TransactionStatementHook),
            ],
        );
        let parser = Arc::new(ReadOnlyParser {
            inner: ExtendedQueryHandler::query_parser(&service),
            log: server.options.log_statements.then(|| log.clone()),
        });
        Handlers {
            queries: Arc::new(Queries {
                service,
                parser,
                statements: server.statements.clone(),
                default_timeout: server.options.statement_timeout,
                key: Mutex::new(None),
                log: log.clone(),
                log_statements: server.options.log_statements,
            }),
            startup: Arc::new(Startup::new(
                server.credentials.as_ref(),
                &server.connections,
                &server.pids,
            )),
            cancel: Arc::new(CancelRequests {
                connections: server.connections.clone(),
                statements: server.statements.clone(),
            }),
            errors: Arc::new(ErrorLog { log }),
        }
    }
}

impl PgWireServerHandlers for Handlers {
    fn simple_query_handler(&self) -> Arc<impl SimpleQueryHandler> {
        self.queries.clone()
    }

    fn extended_query_handler(&self) -> Arc<impl ExtendedQueryHandler> {
        self.queries.clone()
    }

    fn startup_handler(&self) -> Arc<impl datafusion_postgres::pgwire::api::auth::StartupHandler> {
        self.startup.clone()
    }

    fn error_handler(&self) -> Arc<impl ErrorHandler> {
        self.errors.clone()
    }

    fn cancel_handler(&self) -> Arc<impl CancelHandler> {
        self.cancel.clone()
    }
}

/// The connection's statements.
struct Queries {
    service: DfSessionService,
    parser: Arc<ReadOnlyParser>,
    statements: Arc<Statements>,
    default_timeout: Option<Duration>,
    /// The connection's cancel key, once it has run a statement.
    key: Mutex<Option<CancelKey>>,
    log: Arc<ConnectionLog>,
    log_statements: bool,
}

impl Queries {
    fn begin<C: ClientInfo>(&self, client: &C) -> Arc<Running> {
        let (pid, secret) = client.pid_and_secret_key();
        let key = (pid, secret.to_bytes());
        *self.key.lock().unwrap_or_else(PoisonError::into_inner) = Some(key.clone());
        self.log.statement(client);
        let timeout = client
            .metadata()
            .get(STATEMENT_TIMEOUT_KEY)
            .and_then(|ms| ms.parse().ok())
            .map(Duration::from_millis)
            .or(self.default_timeout);
        self.statements.begin(key, timeout)
    }
}

impl Drop for Queries {
    fn drop(&mut self) {
        if let Some(key) = self
            .key
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            self.statements.forget(&key);
        }
    }
}

#[async_trait]
impl SimpleQueryHandler for Queries {
    async fn do_query<C>(&self, client: &mut C, query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if self.log_statements {
            self.log.received(query);
        }
        let query = policy::admit(query)?;
        let running = self.begin(client);
        let responses = running
            .bounded(SimpleQueryHandler::do_query(&self.service, client, &query))
            .await??;
        let mut bounded = Vec::with_capacity(responses.len());
        for response in responses {
            bounded.push(bound_rows(response, &running).await?);
        }
        Ok(bounded)
    }
}

#[async_trait]
impl ExtendedQueryHandler for Queries {
    type Statement = <DfSessionService as ExtendedQueryHandler>::Statement;
    type QueryParser = ReadOnlyParser;

    fn query_parser(&self) -> Arc<Self::QueryParser> {
        self.parser.clone()
    }

    async fn do_query<C>(
        &self,
        client: &mut C,
        portal: &Portal<Self::Statement>,
        max_rows: usize,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let running = self.begin(client);
        let response = running
            .bounded(ExtendedQueryHandler::do_query(
                &self.service,
                client,
                portal,
                max_rows,
            ))
            .await??;
        bound_rows(response, &running).await
    }
}

/// A query's rows, computed up to the first within the statement's bounds (the work of
/// an aggregate or a sort happens there) and then checked row by row while they stream.
async fn bound_rows(response: Response, running: &Arc<Running>) -> PgWireResult<Response> {
    let Response::Query(QueryResponse {
        command_tag,
        row_schema,
        mut data_rows,
        ..
    }) = response
    else {
        return Ok(response);
    };
    let first = running.bounded(data_rows.next()).await?;
    let running = running.clone();
    let rows = stream::iter(first)
        .chain(data_rows)
        .map(move |row| running.check().and(row));
    let mut bounded = QueryResponse::new(row_schema, rows);
    bounded.set_command_tag(&command_tag);
    Ok(Response::Query(bounded))
}

/// datafusion-postgres's parser behind the read-only policy, for prepared statements.
pub struct ReadOnlyParser {
    inner: Arc<<DfSessionService as ExtendedQueryHandler>::QueryParser>,
    /// Where statements are logged, when they all are.
    log: Option<Arc<ConnectionLog>>,
}

#[async_trait]
impl QueryParser for ReadOnlyParser {
    type Statement = <DfSessionService as ExtendedQueryHandler>::Statement;

    async fn parse_sql<C>(
        &self,
        client: &C,
        sql: &str,
        types: &[Option<Type>],
    ) -> PgWireResult<Option<Self::Statement>>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        if let Some(log) = &self.log {
            log.received(sql);
        }
        let sql = policy::admit(sql)?;
        self.inner.parse_sql(client, &sql, types).await
    }

    fn get_parameter_types(&self, statement: &Self::Statement) -> PgWireResult<Vec<Type>> {
        self.inner.get_parameter_types(statement)
    }

    fn get_result_schema(
        &self,
        statement: &Self::Statement,
        column_format: Option<&Format>,
    ) -> PgWireResult<Vec<FieldInfo>> {
        self.inner.get_result_schema(statement, column_format)
    }
}

/// A cancel request stops the named connection's statement wherever it is.
struct CancelRequests {
    connections: Arc<ConnectionManager>,
    statements: Arc<Statements>,
}

#[async_trait]
impl CancelHandler for CancelRequests {
    async fn on_cancel_request(&self, request: CancelRequest) {
        self.statements
            .cancel(&(request.pid, request.secret_key.to_bytes()));
        self.connections
            .cancel(request.pid, &request.secret_key)
            .await;
    }
}

/// Failed statements: a readable message and SQLSTATE for the client, a line in the log.
struct ErrorLog {
    log: Arc<ConnectionLog>,
}

impl ErrorHandler for ErrorLog {
    fn on_error<C: ClientInfo>(&self, client: &C, error: &mut PgWireError) {
        if let PgWireError::ApiError(source) = error {
            let source = std::mem::replace(source, Box::new(std::fmt::Error));
            let line = crate::error::one_line(&anyhow::Error::from_boxed(source));
            *error = PgWireError::UserError(Box::new(ErrorInfo::new(
                "ERROR".to_string(),
                sqlstate(&line).to_string(),
                line,
            )));
        }
        let info = match error {
            PgWireError::UserError(info) => format!("{} {}", info.code, info.message),
            other => other.to_string(),
        };
        self.log.failed(client, &info);
    }
}

/// The SQLSTATE of a DataFusion error, from its readable line.
fn sqlstate(line: &str) -> &'static str {
    let has = |text: &str| line.contains(text);
    if has("not found") && (has("table '") || has("table function")) {
        "42P01"
    } else if has("No field named") || has("Schema error") {
        "42703"
    } else if has("Invalid function") || has("function") && has("not found") {
        "42883"
    } else if has("ParserError") || has("SQL error") || has("syntax") {
        "42601"
    } else if has("cannot take") || has("expected") && has("got") {
        "42804"
    } else if has("Resources exhausted") {
        "53200"
    } else if has("Divide by zero") {
        "22012"
    } else {
        "XX000"
    }
}

/// What one connection did, logged as one line when it closes, and a line per failure.
pub struct ConnectionLog {
    peer: SocketAddr,
    user: Mutex<Option<String>>,
    statements: AtomicUsize,
    failures: AtomicUsize,
}

impl ConnectionLog {
    pub fn new(peer: SocketAddr) -> Self {
        ConnectionLog {
            peer,
            user: Mutex::new(None),
            statements: AtomicUsize::new(0),
            failures: AtomicUsize::new(0),
        }
    }

    fn statement<C: ClientInfo>(&self, client: &C) {
        self.statements.fetch_add(1, Ordering::Relaxed);
        self.note_user(client);
    }

    fn note_user<C: ClientInfo>(&self, client: &C) {
        let mut user = self.user.lock().unwrap_or_else(PoisonError::into_inner);
        if user.is_none() {
            *user = client.metadata().get(METADATA_USER).cloned();
        }
    }

    fn failed<C: ClientInfo>(&self, client: &C, error: &str) {
        self.note_user(client);
        self.failed_with(error);
    }

    fn received(&self, sql: &str) {
        super::log(&format!("{}: {}", self.peer, one_line_of(sql)));
    }

    pub fn failed_with(&self, error: &str) {
        self.failures.fetch_add(1, Ordering::Relaxed);
        super::log(&format!("{}: {}", self.peer, one_line_of(error)));
    }

    pub fn summary(&self, open: Duration) -> String {
        let user = self.user.lock().unwrap_or_else(PoisonError::into_inner);
        format!(
            "{}: connection{} closed after {:.1} s, {} statement(s), {} error(s)",
            self.peer,
            match user.as_deref() {
                Some(user) => format!(" of user {user}"),
                None => String::new(),
            },
            open.as_secs_f64(),
            self.statements.load(Ordering::Relaxed),
            self.failures.load(Ordering::Relaxed)
        )
    }
}

fn one_line_of(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
