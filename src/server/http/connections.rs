//! Accepting and holding client connections, so that slow or idle clients
//! cannot starve the server: a cap on open connections (over it a client
//! gets 503 and is closed), a header-read timeout (hyper's), a body-read
//! deadline, an idle keep-alive timeout, and a graceful shutdown that drops
//! whatever is still open when its deadline passes.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tower::ServiceExt;

use super::refusals::RefusalLog;

/// Connection limits, from the settings.
#[derive(Debug, Clone)]
pub struct Limits {
    pub header_read: Duration,
    pub body_read: Duration,
    pub keepalive: Duration,
    pub max_connections: usize,
    pub shutdown_deadline: Duration,
}

/// Set on a request whose body did not arrive within the body-read
/// timeout; the router answers it 408.
#[derive(Clone, Default)]
pub struct BodyDeadline(pub Arc<AtomicBool>);

impl BodyDeadline {
    pub fn expired(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Open connections, for `/metrics`.
#[derive(Default)]
pub struct OpenConnections(AtomicU64);

impl OpenConnections {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Serve `app` on `listener` until `shutdown` turns true; then stop
/// accepting, let requests in flight finish for up to the shutdown
/// deadline, and drop the connections still open.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    open: Arc<OpenConnections>,
    refusals: Arc<RefusalLog>,
    mut shutdown: watch::Receiver<bool>,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let (force, forced) = watch::channel(false);
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .keep_alive(true);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors or a reset before accept: wait
                    // a moment rather than spin, and keep serving.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = turned_true(&mut shutdown) => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            refusals.refused(
                "-",
                503,
                "too many open connections (BATON_MAX_CONNECTIONS)",
                Some(peer),
            );
            tokio::spawn(turn_away(stream));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let connection = Connection {
            app: app.clone(),
            builder: builder.clone(),
            limits: limits.clone(),
            open: open.clone(),
            shutdown: shutdown.clone(),
            forced: forced.clone(),
        };
        tokio::spawn(async move {
            connection.run(stream, peer).await;
            drop(permit);
        });
    }
    drop(listener);
    let max = limits.max_connections as u32;
    let all_closed = permits.acquire_many(max);
    if tokio::time::timeout(limits.shutdown_deadline, all_closed)
        .await
        .is_err()
    {
        tracing::warn!(
            open = open.get(),
            deadline_secs = limits.shutdown_deadline.as_secs(),
            "shutdown deadline passed; dropping the connections still open"
        );
        let _ = force.send(true);
        let _ = tokio::time::timeout(Duration::from_secs(1), permits.acquire_many(max)).await;
    }
}

/// Resolve once `flag` is true (or its sender is gone).
async fn turned_true(flag: &mut watch::Receiver<bool>) {
    let _ = flag.wait_for(|f| *f).await;
}

/// Answer 503 to a connection over the cap, briefly, and close it.
async fn turn_away(mut stream: TcpStream) {
    const BODY: &str = r#"{"ok":false,"error":"too many open connections; try again"}"#;
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\nretry-after: 1\r\n\r\n{BODY}",
        BODY.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(1), stream.write_all(answer.as_bytes())).await;
}

/// One accepted connection and what it needs.
struct Connection {
    app: Router,
    builder: http1::Builder,
    limits: Limits,
    open: Arc<OpenConnections>,
    shutdown: watch::Receiver<bool>,
    forced: watch::Receiver<bool>,
}

impl Connection {
    async fn run(mut self, stream: TcpStream, peer: SocketAddr) {
        self.open.0.fetch_add(1, Ordering::Relaxed);
        let activity = Arc::new(Activity::new());
        let io = TokioIo::new(TrackedIo {
            inner: stream,
            activity: activity.clone(),
        });
        let app = self.app.clone();
        let body_read = self.limits.body_read;
        let in_flight = activity.clone();
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let app = app.clone();
            let guard = InFlight::new(in_flight.clone());
            async move {
                let request = prepare(request, peer, body_read);
                let response = app.oneshot(request).await;
                drop(guard);
                Ok::<_, Infallible>(response.unwrap_or_else(|never| match never {}))
            }
        });
        let conn = self.builder.serve_connection(io, service);
        tokio::pin!(conn);
        let mut closing = false;
        loop {
            tokio::select! {
                result = conn.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(%peer, error = %e, "connection ended with an error");
                    }
                    break;
                }
                _ = turned_true(&mut self.shutdown), if !closing => {
                    // Finish the request in flight, take no new one.
                    conn.as_mut().graceful_shutdown();
                    closing = true;
                }
                _ = turned_true(&mut self.forced) => break,
                _ = idle(&activity, self.limits.keepalive) => {
                    tracing::debug!(%peer, "idle connection closed");
                    break;
                }
            }
        }
        self.open.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Give the router what it needs: the client's address, and a body that
/// fails once the body-read timeout passes.
fn prepare(
    request: hyper::Request<Incoming>,
    peer: SocketAddr,
    body_read: Duration,
) -> hyper::Request<Body> {
    use axum::body::HttpBody as _;
    let deadline = BodyDeadline::default();
    let (mut parts, body) = request.into_parts();
    parts.extensions.insert(ConnectInfo(peer));
    let body = if body.is_end_stream() {
        Body::new(body)
    } else {
        parts.extensions.insert(deadline.clone());
        Body::new(DeadlineBody {
            inner: body,
            sleep: Box::pin(tokio::time::sleep(body_read)),
            deadline,
        })
    };
    hyper::Request::from_parts(parts, body)
}

/// A request body that ends in an error when its deadline passes.
struct DeadlineBody {
    inner: Incoming,
    sleep: Pin<Box<tokio::time::Sleep>>,
    deadline: BodyDeadline,
}

#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within the body-read timeout")]
struct BodyTimedOut;

impl axum::body::HttpBody for DeadlineBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        if this.sleep.as_mut().poll(cx).is_ready() {
            this.deadline.0.store(true, Ordering::Relaxed);
            return Poll::Ready(Some(Err(BodyTimedOut.into())));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// When a connection last moved bytes, and how many requests it is handling.
struct Activity {
    last_io_ms: AtomicU64,
    in_flight: AtomicUsize,
}

/// Milliseconds since the first call: a cheap monotonic clock for activity.
fn clock_ms() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_millis() as u64
}

impl Activity {
    fn new() -> Self {
        Activity {
            last_io_ms: AtomicU64::new(clock_ms()),
            in_flight: AtomicUsize::new(0),
        }
    }
    fn touch(&self) {
        self.last_io_ms.store(clock_ms(), Ordering::Relaxed);
    }
    /// How long the connection has been idle, or `None` while a request is
    /// being handled (its own deadlines apply then).
    fn idle_for(&self) -> Option<Duration> {
        if self.in_flight.load(Ordering::Relaxed) > 0 {
            return None;
        }
        let last = self.last_io_ms.load(Ordering::Relaxed);
        Some(Duration::from_millis(clock_ms().saturating_sub(last)))
    }
}

/// Counts a request as in flight until dropped.
struct InFlight(Arc<Activity>);

impl InFlight {
    fn new(activity: Arc<Activity>) -> Self {
        activity.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(activity)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
        self.0.touch();
    }
}

/// Resolve once the connection has been idle for `limit`.
async fn idle(activity: &Activity, limit: Duration) {
    loop {
        match activity.idle_for() {
            Some(idle) if idle >= limit => return,
            Some(idle) => tokio::time::sleep(limit - idle).await,
            None => tokio::time::sleep(limit).await,
        }
    }
}

/// A stream that records when bytes move.
struct TrackedIo {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for TrackedIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        result
    }
}

impl AsyncWrite for TrackedIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        result
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// Connections the kernel may queue before Baton accepts them (capped by
/// `net.core.somaxconn`). The standard library's 128 overflows under a burst
/// of connections, and each dropped SYN costs the client a second.
const LISTEN_BACKLOG: u32 = 4096;

/// Bind the listening socket with a deep accept queue.
pub fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Raise this process's open-file soft limit to its hard limit, and return
/// the soft limit now in force (`None` where it cannot be read).
pub fn raise_open_file_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit/setrlimit only read and write the struct passed.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
                return None;
            }
            if limit.rlim_cur < limit.rlim_max {
                let raised = libc::rlimit {
                    rlim_cur: limit.rlim_max,
                    rlim_max: limit.rlim_max,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                    limit = raised;
                }
            }
        }
        Some(limit.rlim_cur)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// File descriptors kept back from the connection cap for the data file,
/// outgoing calls to Slack and GitHub, and logs.
pub const RESERVED_FDS: u64 = 256;

/// The connection cap to use given the setting and the open-file limit.
pub fn effective_cap(setting: usize, open_file_limit: Option<u64>) -> usize {
    match open_file_limit {
        Some(limit) => setting.min(limit.saturating_sub(RESERVED_FDS).max(1) as usize),
        None => setting,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_leaves_room_under_the_file_limit() {
        assert_eq!(effective_cap(4096, Some(1024)), 768);
        assert_eq!(effective_cap(4096, Some(1_048_576)), 4096);
        assert_eq!(effective_cap(4096, None), 4096);
        assert_eq!(effective_cap(4096, Some(10)), 1);
    }
}
