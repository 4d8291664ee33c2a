//! `dashboard --serve`: the board served live on loopback, recomputed on an interval from
//! a fresh session, so files added under `--data` appear without a restart. The page asks
//! the browser to reload at the same interval. Read-only: GET of `/` only.

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::{Result, anyhow, bail};

use super::{Board, BoardOptions};
use crate::session::{self, Options};

/// Serves the board at `listen` until `stop` completes, recomputing it every `refresh`.
/// A recomputation that fails keeps the last page and says why on stderr.
pub async fn serve(
    session: &Options,
    board: &BoardOptions,
    listen: SocketAddr,
    refresh: Duration,
    stop: impl Future<Output = ()>,
) -> Result<()> {
    if !listen.ip().is_loopback() {
        bail!(
            "dashboard --serve listens on loopback only (got {listen}); to share the board, \
             write it with --out or put an authenticating proxy in front"
        );
    }
    let board = BoardOptions {
        reload_after: Some(refresh),
        ..board.clone()
    };
    // The first page is computed before listening: bad data fails the start.
    let page = Arc::new(RwLock::new(compute(session, &board).await?));
    let server = Arc::new(
        tiny_http::Server::http(listen).map_err(|e| anyhow!("cannot listen on {listen}: {e}"))?,
    );
    eprintln!(
        "serving the dashboard at http://{} (recomputed every {}); Ctrl-C stops",
        server.server_addr(),
        humantime::format_duration(refresh)
    );
    let answering = {
        let (server, page) = (Arc::clone(&server), Arc::clone(&page));
        std::thread::spawn(move || {
            for request in server.incoming_requests() {
                let answer = response(&request, &page);
                let _ = request.respond(answer);
            }
        })
    };
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => break,
            () = tokio::time::sleep(refresh) => match compute(session, &board).await {
                Ok(fresh) => {
                    if let Ok(mut current) = page.write() {
                        *current = fresh;
                    }
                }
                Err(error) => eprintln!("error: the dashboard was not recomputed: {error:#}"),
            },
        }
    }
    server.unblock();
    let _ = answering.join();
    Ok(())
}

async fn compute(session: &Options, board: &BoardOptions) -> Result<String> {
    let ctx = session::build(session).await?;
    Ok(Board::collect(&ctx, board).await?.render())
}

fn response(
    request: &tiny_http::Request,
    page: &RwLock<String>,
) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let header = |name: &str, value: &str| {
        tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes())
            .map_err(|()| anyhow!("bad header {name}"))
    };
    let text =
        |status: u16, body: &str| tiny_http::Response::from_string(body).with_status_code(status);
    if request.method() != &tiny_http::Method::Get && request.method() != &tiny_http::Method::Head {
        return text(405, "the dashboard is read-only: GET / only\n");
    }
    if request.url() != "/" && !request.url().starts_with("/?") && !request.url().starts_with("/#")
    {
        return text(404, "not found: the dashboard is at /\n");
    }
    let body = page.read().map(|p| p.clone()).unwrap_or_default();
    let mut response = tiny_http::Response::from_string(body);
    for (name, value) in [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Cache-Control", "no-store"),
        ("X-Content-Type-Options", "nosniff"),
    ] {
        if let Ok(header) = header(name, value) {
            response.add_header(header);
        }
    }
    response
}
