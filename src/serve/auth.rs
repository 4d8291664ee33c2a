//! Logging in: SCRAM-SHA-256 against the one configured user and password, or no password
//! for local clients; TLS from PEM files.

use std::fmt::Debug;
use std::fs::File;
use std::io::BufReader;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use async_trait::async_trait;
use datafusion_postgres::pgwire::api::auth::sasl::SASLAuthStartupHandler;
use datafusion_postgres::pgwire::api::auth::sasl::scram::{
    SCRAM_ITERATIONS, ScramAuth, gen_salted_password,
};
use datafusion_postgres::pgwire::api::auth::{
    AuthSource, DefaultServerParameterProvider, LoginInfo, Password, StartupHandler,
    finish_authentication, protocol_negotiation, save_startup_parameters_to_metadata,
};
use datafusion_postgres::pgwire::api::{
    ClientInfo, ConnectionManager, PidSecretKeyGenerator, RandomPidSecretKeyGenerator,
};
use datafusion_postgres::pgwire::error::{PgWireError, PgWireResult};
use datafusion_postgres::pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};
use datafusion_postgres::pgwire::tokio::TlsAcceptor;
use futures::Sink;
use tokio_rustls::rustls::ServerConfig;

use super::TlsFiles;

/// The user and the salted form of the password; the password itself is not kept.
pub struct Credentials {
    user: String,
    salt: Vec<u8>,
    salted_password: Vec<u8>,
}

impl Credentials {
    pub fn new(user: &str, password: &str) -> Self {
        let salt: [u8; 16] = rand::random();
        Credentials {
            user: user.to_string(),
            salted_password: gen_salted_password(password, &salt, SCRAM_ITERATIONS),
            salt: salt.to_vec(),
        }
    }
}

// Written by hand so that no secret can reach a log through `{:?}`.
impl Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl AuthSource for Credentials {
    async fn get_password(&self, login: &LoginInfo) -> PgWireResult<Password> {
        match login.user() {
            Some(user) if user == self.user => Ok(Password::new(
                Some(self.salt.clone()),
                self.salted_password.clone(),
            )),
            other => Err(PgWireError::InvalidPassword(
                other.unwrap_or_default().to_string(),
            )),
        }
    }
}

/// How one connection logs in.
pub enum Startup {
    Open(OpenStartup),
    Password(SASLAuthStartupHandler<DefaultServerParameterProvider>),
}

impl Startup {
    pub fn new(
        credentials: Option<&Arc<Credentials>>,
        manager: &Arc<ConnectionManager>,
        pids: &Arc<RandomPidSecretKeyGenerator>,
    ) -> Self {
        match credentials {
            None => Startup::Open(OpenStartup {
                manager: manager.clone(),
                pids: pids.clone(),
            }),
            Some(credentials) => {
                let source: Arc<dyn AuthSource> = credentials.clone();
                let mut scram = ScramAuth::new(source);
                scram.set_iterations(SCRAM_ITERATIONS);
                Startup::Password(
                    SASLAuthStartupHandler::new(Arc::new(server_parameters()))
                        .with_scram(scram)
                        .with_connection_manager(manager.clone()),
                )
            }
        }
    }
}

#[async_trait]
impl StartupHandler for Startup {
    async fn on_startup<C>(
        &self,
        client: &mut C,
        message: PgWireFrontendMessage,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        match self {
            Startup::Open(open) => open.on_startup(client, message).await,
            Startup::Password(password) => password.on_startup(client, message).await,
        }
    }
}

/// No password; the connection is still registered so that cancel requests reach it.
/// (pgwire's no-password handler would send its own `server_version`.)
pub struct OpenStartup {
    manager: Arc<ConnectionManager>,
    pids: Arc<RandomPidSecretKeyGenerator>,
}

#[async_trait]
impl StartupHandler for OpenStartup {
    async fn on_startup<C>(
        &self,
        client: &mut C,
        message: PgWireFrontendMessage,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if let PgWireFrontendMessage::Startup(startup) = &message {
            protocol_negotiation(client, startup).await?;
            save_startup_parameters_to_metadata(client, startup);
            let (pid, secret_key) = self.pids.generate(client);
            client.set_pid_and_secret_key(pid, secret_key.clone());
            let (handle, guard) = self.manager.register(pid, secret_key);
            client.session_extensions().insert(handle);
            client.session_extensions().insert(guard);
            finish_authentication(client, &server_parameters()).await?;
        }
        Ok(())
    }
}

/// What a client is told at startup: pgwire's defaults, with callsql's `server_version`
/// (pgjdbc reports it as the product version) and every transaction read-only.
fn server_parameters() -> DefaultServerParameterProvider {
    let mut parameters = DefaultServerParameterProvider::default();
    parameters.server_version = super::session_statements::server_version();
    parameters.default_transaction_read_only = true;
    parameters
}

/// A TLS acceptor for the certificate chain and key in `files`.
pub fn tls_acceptor(files: &TlsFiles) -> Result<TlsAcceptor> {
    // Several providers may be compiled in; a second install is refused, which is fine.
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let cert_path = files.cert.display();
    let key_path = files.key.display();
    let certs = rustls_pemfile::certs(&mut BufReader::new(
        File::open(&files.cert).with_context(|| format!("cannot read certificate {cert_path}"))?,
    ))
    .collect::<Result<Vec<_>, _>>()
    .with_context(|| format!("certificate {cert_path} is not PEM"))?;
    if certs.is_empty() {
        return Err(anyhow!("certificate {cert_path} holds no certificate"));
    }
    let key = rustls_pemfile::private_key(&mut BufReader::new(
        File::open(&files.key).with_context(|| format!("cannot read private key {key_path}"))?,
    ))
    .with_context(|| format!("private key {key_path} is not PEM"))?
    .ok_or_else(|| anyhow!("private key {key_path} holds no private key"))?;
    let config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .with_context(|| format!("certificate {cert_path} does not go with key {key_path}"))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}
