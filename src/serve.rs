//! `callsql serve`: the callsql session over the PostgreSQL wire protocol, for BI tools,
//! notebooks and any program with a PostgreSQL driver.
//!
//! The protocol, the `pg_catalog` tables clients browse and the Arrow-to-PostgreSQL
//! encoding are datafusion-postgres's (on pgwire). This module adds what a shared server
//! needs around them: one session per connection, a copy of one prepared by
//! [`session::build_with_runtime`] at start (one memory pool for all clients), the
//! statements and catalogue functions drivers send, password authentication, read-only
//! clients, statement timeouts and cancel requests that stop a statement while it runs or
//! streams, a log line per connection and per failed statement, and a bounded drain on
//! stop.

mod auth;
mod catalog_functions;
mod catalog_tables;
mod connection;
mod functions;
mod policy;
mod rewrite;
mod session_statements;
mod statements;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use datafusion::execution::SessionState;
use datafusion::prelude::SessionContext;
use datafusion_postgres::datafusion_pg_catalog::pg_catalog::context::EmptyContextProvider;
use datafusion_postgres::datafusion_pg_catalog::pg_catalog::setup_pg_catalog;
use datafusion_postgres::pgwire::api::{ConnectionManager, RandomPidSecretKeyGenerator};
use datafusion_postgres::pgwire::tokio::{TlsAcceptor, process_socket};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::session::{self, Options};
use connection::{ConnectionLog, Handlers};
use statements::Statements;

/// How a server is set up.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The session every connection gets (its data root, lexicon and memory limit, the
    /// limit then shared by all connections).
    pub session: Options,
    pub listen: SocketAddr,
    /// The user clients log in as.
    pub user: String,
    /// The password clients give (SCRAM-SHA-256); `None` lets any local client in.
    pub password: Option<String>,
    pub tls: Option<TlsFiles>,
    /// Connections served at once; further ones are turned away.
    pub max_connections: usize,
    /// The longest a statement may run, unless a client sets its own `statement_timeout`.
    pub statement_timeout: Option<Duration>,
    /// Every statement a client sends is logged, not only those that fail.
    pub log_statements: bool,
}

/// A PEM certificate chain and its private key.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// How long a stopping server waits for running statements to finish.
const DRAIN_LIMIT: Duration = Duration::from_secs(10);

/// The catalog datafusion-postgres's `pg_catalog` is registered in: the session's default.
const CATALOG: &str = "datafusion";

/// Serves until `stop` completes, then lets running statements finish (for at most
/// [`DRAIN_LIMIT`]) and closes every connection.
pub async fn serve(options: ServeOptions, stop: impl Future<Output = ()>) -> Result<()> {
    if options.password.is_none() && !options.listen.ip().is_loopback() {
        bail!(
            "refusing to listen on {} without a password: every table would be open to \
             anyone who can reach that address",
            options.listen
        );
    }
    let tls = options.tls.as_ref().map(auth::tls_acceptor).transpose()?;
    let listener = TcpListener::bind(options.listen)
        .await
        .with_context(|| format!("cannot listen on {}", options.listen))?;
    let address = listener.local_addr()?;
    let server = Arc::new(Server::new(options, tls).await?);
    log(&format!(
        "listening on {address} for user {} ({}{})",
        server.options.user,
        match server.options.password {
            Some(_) => "password required",
            None => "no password: local clients only",
        },
        if server.tls.is_some() { ", TLS" } else { "" }
    ));
    let limiter = Arc::new(Semaphore::new(server.options.max_connections));
    let mut connections = JoinSet::new();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((socket, peer)) => match limiter.clone().try_acquire_owned() {
                    Ok(permit) => {
                        let server = server.clone();
                        connections.spawn(async move {
                            server.connection(socket, peer).await;
                            drop(permit);
                        });
                    }
                    Err(_) => log(&format!(
                        "{peer}: turned away, {} connections are open (the maximum)",
                        server.options.max_connections
                    )),
                },
                Err(error) => {
                    log(&format!("cannot accept a connection: {error}"));
                    // Out of file descriptors, say: give connections time to close.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let running = server.statements.running();
    if running > 0 {
        log(&format!(
            "stopping: waiting up to {} s for {running} running statement(s)",
            DRAIN_LIMIT.as_secs()
        ));
    }
    if !server.statements.drain(DRAIN_LIMIT).await {
        log("stopping: statements still running were cut off");
    }
    connections.shutdown().await;
    log("stopped");
    Ok(())
}

/// What every connection shares.
struct Server {
    options: ServeOptions,
    /// The session every connection starts as a copy of: callsql's tables (their files
    /// listed once), functions and planned canned queries, datafusion-postgres's
    /// `pg_catalog` with callsql's functions in `pg_proc`, and the functions clients call
    /// on it. Copies share the tables and the runtime (one memory pool for all clients);
    /// settings are each connection's own.
    prepared: SessionState,
    tls: Option<TlsAcceptor>,
    credentials: Option<Arc<auth::Credentials>>,
    /// pgwire's registry of connections, which a cancel request names.
    connections: Arc<ConnectionManager>,
    /// The process ids and secret keys connections are given, unique per server.
    pids: Arc<RandomPidSecretKeyGenerator>,
    statements: Arc<Statements>,
}

impl Server {
    async fn new(mut options: ServeOptions, tls: Option<TlsAcceptor>) -> Result<Self> {
        options.session.remote_clients = true;
        let runtime = session::runtime(&options.session)?;
        let prepared = session::build_with_runtime(&options.session, runtime).await?;
        setup_pg_catalog(&prepared, CATALOG, EmptyContextProvider)
            .map_err(|error| anyhow::anyhow!("cannot set up pg_catalog: {error}"))?;
        let pg_proc = functions::install(&prepared, CATALOG).await?;
        catalog_tables::install(&prepared, CATALOG, pg_proc).await?;
        catalog_functions::install(&prepared).await?;
        let credentials = options
            .password
            .as_deref()
            .map(|password| Arc::new(auth::Credentials::new(&options.user, password)));
        Ok(Server {
            options,
            prepared: prepared.state(),
            tls,
            credentials,
            connections: Arc::new(ConnectionManager::new()),
            pids: Arc::new(RandomPidSecretKeyGenerator::default()),
            statements: Arc::new(Statements::default()),
        })
    }

    async fn connection(self: Arc<Self>, socket: TcpStream, peer: SocketAddr) {
        let started = Instant::now();
        let log_line = Arc::new(ConnectionLog::new(peer));
        let ctx = Arc::new(SessionContext::new_with_state(self.prepared.clone()));
        let handlers = Handlers::new(&self, ctx, log_line.clone());
        if let Err(error) = process_socket(socket, self.tls.clone(), handlers).await {
            log_line.failed_with(&error.to_string());
        }
        log(&log_line.summary(started.elapsed()));
    }
}

/// One line on stderr, after the time.
fn log(line: &str) {
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ");
    eprintln!("{now} serve: {line}");
}
