//! Running statements: their cancel tokens, found by the key a client's cancel request
//! carries, their deadlines, and how many run (so that a stopping server can wait for
//! them).

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use datafusion_postgres::pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// A connection's process id and secret key, as its cancel requests name it.
pub type CancelKey = (i32, Bytes);

#[derive(Debug, Default)]
pub struct Statements {
    /// The token of each connection's current statement.
    tokens: Mutex<HashMap<CancelKey, CancellationToken>>,
    running: AtomicUsize,
    finished: Notify,
}

impl Statements {
    /// Starts a statement of the connection `key`; it runs until the returned value and
    /// every clone of it are dropped.
    pub fn begin(self: &Arc<Self>, key: CancelKey, timeout: Option<Duration>) -> Arc<Running> {
        let token = CancellationToken::new();
        self.tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key, token.clone());
        self.running.fetch_add(1, Ordering::SeqCst);
        Arc::new(Running {
            token,
            deadline: timeout.map(|timeout| Instant::now() + timeout),
            statements: self.clone(),
        })
    }

    /// Cancels the current statement of connection `key`, if it has one.
    pub fn cancel(&self, key: &CancelKey) {
        if let Some(token) = self
            .tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
        {
            token.cancel();
        }
    }

    /// Forgets a closed connection.
    pub fn forget(&self, key: &CancelKey) {
        self.tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(key);
    }

    pub fn running(&self) -> usize {
        self.running.load(Ordering::SeqCst)
    }

    /// Waits until no statement runs, for at most `limit`; whether none does.
    pub async fn drain(&self, limit: Duration) -> bool {
        let idle = async {
            loop {
                let finished = self.finished.notified();
                tokio::pin!(finished);
                finished.as_mut().enable();
                if self.running() == 0 {
                    return;
                }
                finished.await;
            }
        };
        tokio::time::timeout(limit, idle).await.is_ok()
    }
}

/// One running statement.
#[derive(Debug)]
pub struct Running {
    token: CancellationToken,
    deadline: Option<Instant>,
    statements: Arc<Statements>,
}

impl Running {
    /// `work`, unless the statement is cancelled or out of time first.
    pub async fn bounded<T>(&self, work: impl Future<Output = T>) -> PgWireResult<T> {
        let deadline = async {
            match self.deadline {
                Some(deadline) => tokio::time::sleep_until(deadline).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            () = self.token.cancelled() => Err(canceled()),
            () = deadline => Err(timed_out()),
            value = work => Ok(value),
        }
    }

    /// An error once the statement is cancelled or out of time; cheap enough for every row.
    pub fn check(&self) -> PgWireResult<()> {
        if self.token.is_cancelled() {
            return Err(canceled());
        }
        match self.deadline {
            Some(deadline) if Instant::now() >= deadline => Err(timed_out()),
            _ => Ok(()),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.statements.running.fetch_sub(1, Ordering::SeqCst);
        self.statements.finished.notify_waiters();
    }
}

fn canceled() -> PgWireError {
    query_canceled("canceling statement due to user request")
}

fn timed_out() -> PgWireError {
    query_canceled("canceling statement due to statement timeout")
}

fn query_canceled(message: &str) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "ERROR".to_string(),
        "57014".to_string(),
        message.to_string(),
    )))
}
