//! A TCP proxy on loopback that passes traffic to a server and injects the faults object
//! storage shows in practice: a connection reset partway through a response body, a stall
//! longer than the client's timeout, bursts of HTTP 503, and the server vanishing mid-upload.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the proxy does to the connections it accepts from now on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Pass everything through.
    None,
    /// Reset each connection after this many bytes of the server's response.
    ResetAfter(usize),
    /// Hold each response for this long before passing it on.
    Stall(Duration),
    /// Swallow uploads (PUT and POST requests) without passing them on or answering, as
    /// a server that died would; reads pass.
    StallUploads,
    /// Answer this many requests with `503 Service Unavailable`, then pass through.
    Unavailable(usize),
    /// Refuse and reset everything: the server is gone.
    Gone,
}

pub struct FaultProxy {
    address: SocketAddr,
    fault: Arc<Mutex<Fault>>,
    /// Connections open now, so `Gone` can cut them as well.
    open: Arc<Mutex<Vec<TcpStream>>>,
    stopped: Arc<AtomicBool>,
    /// Uploads held by `StallUploads` so far.
    stalled_uploads: Arc<AtomicUsize>,
}

impl FaultProxy {
    /// A proxy in front of `upstream`, passing traffic through until told otherwise.
    pub fn start(upstream: SocketAddr) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let fault = Arc::new(Mutex::new(Fault::None));
        let open = Arc::new(Mutex::new(Vec::new()));
        let stopped = Arc::new(AtomicBool::new(false));
        let stalled_uploads = Arc::new(AtomicUsize::new(0));
        let (f, o, s) = (Arc::clone(&fault), Arc::clone(&open), Arc::clone(&stopped));
        let u = Arc::clone(&stalled_uploads);
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if s.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(client) = client else { continue };
                let fault = *f.lock().unwrap();
                let open = Arc::clone(&o);
                let shared = Arc::clone(&f);
                let uploads = Arc::clone(&u);
                std::thread::spawn(move || {
                    serve(client, upstream, fault, &shared, &open, &uploads);
                });
            }
        });
        FaultProxy {
            address,
            fault,
            open,
            stopped,
            stalled_uploads,
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Waits until an upload is being held, up to `limit`; false if none came.
    pub fn wait_for_stalled_upload(&self, limit: Duration) -> bool {
        let started = std::time::Instant::now();
        while self.stalled_uploads.load(Ordering::Relaxed) == 0 {
            if started.elapsed() > limit {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        true
    }

    pub fn set(&self, fault: Fault) {
        *self.fault.lock().unwrap() = fault;
        if fault == Fault::Gone {
            for stream in self.open.lock().unwrap().drain(..) {
                reset(&stream);
            }
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect(self.address);
    }
}

/// Closes `stream` with a reset rather than an orderly end.
fn reset(stream: &TcpStream) {
    let socket = socket2::SockRef::from(stream);
    let _ = socket.set_linger(Some(Duration::ZERO));
    let _ = stream.shutdown(Shutdown::Both);
}

fn serve(
    mut client: TcpStream,
    upstream: SocketAddr,
    fault: Fault,
    shared: &Mutex<Fault>,
    open: &Mutex<Vec<TcpStream>>,
    stalled_uploads: &Arc<AtomicUsize>,
) {
    match fault {
        Fault::Gone => {
            reset(&client);
            return;
        }
        Fault::Unavailable(left) if left > 0 => {
            {
                let mut current = shared.lock().unwrap();
                if let Fault::Unavailable(n) = *current {
                    *current = if n > 1 {
                        Fault::Unavailable(n - 1)
                    } else {
                        Fault::None
                    };
                }
            }
            read_request_head(&mut client);
            let _ = client.write_all(
                b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
            let _ = client.shutdown(Shutdown::Both);
            return;
        }
        _ => {}
    }
    let Ok(server) = TcpStream::connect(upstream) else {
        reset(&client);
        return;
    };
    if let (Ok(c), Ok(s)) = (client.try_clone(), server.try_clone()) {
        open.lock().unwrap().extend([c, s]);
    }
    let (Ok(mut client_reader), Ok(mut server_writer)) = (client.try_clone(), server.try_clone())
    else {
        return;
    };
    // Each request starts a write of its own, also on a connection kept alive for several.
    let stalled = Arc::clone(stalled_uploads);
    std::thread::spawn(move || {
        let mut buffer = [0u8; 16 * 1024];
        // Bytes read but not yet passed on: the start of what may be an upload's method,
        // split across reads.
        let mut pending: Vec<u8> = Vec::new();
        while let Ok(n) = client_reader.read(&mut buffer) {
            if n == 0 {
                break;
            }
            pending.extend_from_slice(&buffer[..n]);
            let mut pass = pending.len();
            if fault == Fault::StallUploads {
                if let Some(start) = upload_start(&pending) {
                    // The server dies before the upload reaches it: nothing more goes on.
                    let _ = server_writer.write_all(&pending[..start]);
                    stalled.fetch_add(1, Ordering::Relaxed);
                    break;
                }
                pass -= method_prefix_at_end(&pending);
            }
            if server_writer.write_all(&pending[..pass]).is_err() {
                break;
            }
            pending.drain(..pass);
        }
        let _ = server_writer.shutdown(Shutdown::Write);
    });
    let mut server_reader = server;
    let mut passed = 0usize;
    let mut buffer = [0u8; 16 * 1024];
    if let Fault::Stall(pause) = fault {
        std::thread::sleep(pause);
    }
    while let Ok(n) = server_reader.read(&mut buffer) {
        if n == 0 {
            break;
        }
        let chunk = match fault {
            Fault::ResetAfter(limit) => &buffer[..n.min(limit.saturating_sub(passed))],
            _ => &buffer[..n],
        };
        if client.write_all(chunk).is_err() {
            break;
        }
        passed += chunk.len();
        if matches!(fault, Fault::ResetAfter(limit) if passed >= limit) {
            reset(&client);
            reset(&server_reader);
            return;
        }
    }
    let _ = client.shutdown(Shutdown::Write);
}

const UPLOAD_METHODS: [&[u8]; 2] = [b"PUT ", b"POST "];

/// Where the first upload request starts in `bytes` (clients send no body with reads, so
/// a method there starts a request).
fn upload_start(bytes: &[u8]) -> Option<usize> {
    UPLOAD_METHODS
        .iter()
        .filter_map(|method| bytes.windows(method.len()).position(|w| w == *method))
        .min()
}

/// How many bytes at the end of `bytes` could begin an upload's method.
fn method_prefix_at_end(bytes: &[u8]) -> usize {
    (1..5)
        .rev()
        .find(|&n| {
            bytes.len() >= n
                && UPLOAD_METHODS
                    .iter()
                    .any(|method| method.starts_with(&bytes[bytes.len() - n..]))
        })
        .unwrap_or(0)
}

/// Reads up to the end of an HTTP request's head, so the 503 answers a request.
fn read_request_head(client: &mut TcpStream) {
    let _ = client.set_read_timeout(Some(Duration::from_secs(2)));
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 64 * 1024 {
        match client.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
}
