//! [`HttpSource`]: the two fetches as HTTP requests to a record service, with hyper's
//! HTTP/1.1 client over the runtime's own TCP stream.

use std::{
    net::SocketAddr,
    num::NonZeroUsize,
    pin::pin,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering::Relaxed},
    },
    time::Duration,
};

use bytes::Bytes;
use futures::{
    FutureExt,
    future::{Either, select},
};
use http_body_util::{BodyExt, Empty};
use hyper::{
    Request, StatusCode,
    client::conn::http1::{self, SendRequest},
    header::{CONNECTION, HOST, HeaderValue},
};
use serde::de::DeserializeOwned;

use super::{COPY_HEADER, Route, hyper_io::HyperIo};
use chain_contract::{ByteStream, Elapsed, Runtime, timeout};
use chain_core::{
    DataSource, FetchError, FetchErrorKind, HttpFailure, Operation, User, UserId, model::OrderId,
};

/// The connection limit unless set: aiohttp's default (`TCPConnector(limit=100)`),
/// the client people coming from asyncio know.
pub const DEFAULT_CONNECTIONS: usize = 100;

/// The time limit of one fetch unless set. Generous: it exists so that nothing waits
/// forever on a service that never answers.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The article's fetches over HTTP: `fetch_user` is `GET /users/{id}`, `fetch_orders`
/// is `GET /users/{id}/orders`, against a record service.
///
/// **Connections** are kept alive and reused through a bounded pool: a fetch takes an
/// idle connection or, if none is idle and fewer than the limit are open, opens one;
/// beyond the limit it waits for one to come back. The bound keeps a fan-out of
/// 100,000 users from opening 200,000 sockets (and running out of file descriptors),
/// and it is the same bound, by default aiohttp's 100, whichever runtime runs the
/// client. Each fetch drives its connection itself, inside the task that awaits it:
/// no background task per connection, so a fan-out joined inside one task stays one
/// task. The flip side: an idle connection is not watched, so one that the service
/// closes while idle fails the next fetch on it (`Closed`); the record service never
/// closes idle connections.
///
/// **Errors** name the user and the cause ([`HttpFailure`]): refused connection,
/// connection closed mid-response, a status other than 200 (404 for an unknown user),
/// malformed JSON, a body cut short, a reply that is not HTTP, or
/// [`FetchErrorKind::TimedOut`](chain_core::FetchErrorKind::TimedOut) when a request takes longer than the source's time limit
/// once it has a connection. Waiting for a free connection has the same limit, on
/// its own ([`HttpFailure::NoConnection`], as httpx's pool timeout), so a fan-out
/// fails within two limits whatever the service does; a fan-out larger than the pool
/// can serve within one limit needs more connections, a longer limit, or a bound
/// ([`fan_out_bounded`](chain_core::fan_out_bounded)). A reused connection that turns out
/// closed is replaced, and the GET sent again, once. A failed connection is closed,
/// never reused; other fetches are unaffected.
///
/// Clones share the pool.
///
/// # Examples
///
/// ```
/// use chain_contract::Launch;
/// use chain_http::HttpSource;
/// use record_service::{RecordService, ServiceConfig};
/// use chain_contract::Runtime;
/// use chain_core::{get_user_with_orders, DataSource, User};
///
/// let service = record_service::RecordService::start(ServiceConfig::default()).unwrap();
/// let rt = runtime_smol::SmolRuntime::current_thread();
/// let source = HttpSource::new(&rt, service.address());
/// assert_eq!(rt.block_on(source.fetch_user(1)).unwrap(), User::new(1));
/// let joined = rt.block_on(get_user_with_orders(&source, 2)).unwrap();
/// assert_eq!(joined.orders, [23, 34]);
/// assert_eq!(source.connections_opened(), 2); // the chain's two requests at once
/// ```
///
/// # Cancel safety
///
/// Cancel safe: dropping a fetch closes the connection it was using (its response
/// state is unknown) and frees its place in the pool.
pub struct HttpSource<R: Runtime> {
    rt: R,
    address: SocketAddr,
    host: HeaderValue,
    timeout: Duration,
    pool: Arc<Pool<R::TcpStream>>,
    /// Which copy of each fetch this sends ([`DataSource::for_copy`]), said in a
    /// [`COPY_HEADER`] when not the first.
    copy: u32,
}

impl<R: Runtime> Clone for HttpSource<R> {
    fn clone(&self) -> Self {
        HttpSource {
            rt: self.rt.clone(),
            address: self.address,
            host: self.host.clone(),
            timeout: self.timeout,
            pool: self.pool.clone(),
            copy: self.copy,
        }
    }
}

impl<R: Runtime> HttpSource<R> {
    /// A client of the service at `address`, with at most [`DEFAULT_CONNECTIONS`]
    /// connections and [`DEFAULT_TIMEOUT`] per fetch.
    pub fn new(rt: &R, address: SocketAddr) -> Self {
        let host = HeaderValue::from_str(&address.to_string()).expect("an address is a valid Host");
        let connections = NonZeroUsize::new(DEFAULT_CONNECTIONS).expect("not zero");
        HttpSource {
            rt: rt.clone(),
            address,
            host,
            timeout: DEFAULT_TIMEOUT,
            pool: Arc::new(Pool::new(connections, Arc::default())),
            copy: 0,
        }
    }

    /// At most `connections` open at once. Starts a new, empty pool.
    pub fn with_connections(self, connections: NonZeroUsize) -> Self {
        HttpSource { pool: Arc::new(Pool::new(connections, Arc::default())), ..self }
    }

    /// Each request fails with [`FetchErrorKind::TimedOut`](chain_core::FetchErrorKind::TimedOut) after `limit` from the moment
    /// it has a connection, and with [`HttpFailure::NoConnection`] if it waits `limit`
    /// for one.
    pub fn with_timeout(self, limit: Duration) -> Self {
        HttpSource { timeout: limit, ..self }
    }

    /// The service's address.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// How many connections this pool has opened so far.
    pub fn connections_opened(&self) -> u64 {
        self.pool.counts.opened.load(Relaxed)
    }

    /// How many connections are open now, idle in a pool or in use, across the
    /// source's pools; a fetch dropped part-way closes its connection.
    pub fn connections_open(&self) -> u64 {
        self.pool.counts.open.load(Relaxed)
    }

    /// The most connections open at once so far, across the source's pools.
    pub fn connections_peak(&self) -> u64 {
        self.pool.counts.peak.load(Relaxed)
    }

    /// How many connections wait idle in this source's pool (its shard's).
    pub fn connections_idle(&self) -> usize {
        self.pool.idle.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// How many GETs were sent a second time because the kept-alive connection they
    /// were sent on turned out closed. Against the record service, which never
    /// closes an idle connection, it stays 0 unless a closed connection was reused.
    pub fn requests_resent(&self) -> u64 {
        self.pool.counts.resent.load(Relaxed)
    }

    async fn get<T: DeserializeOwned>(&self, route: Route) -> Result<T, FetchError> {
        let (user_id, operation) = (route.user_id(), route.operation());
        let failed =
            |failure| FetchError::from(FetchErrorKind::Http { user_id, operation, failure });
        // The wait for a free connection has a limit of its own, the same duration
        // (httpx's pool timeout): without it, a fan-out of N users over C connections
        // to a service that never answers would take N / C limits to fail.
        let Ok(_permit) = timeout(&self.rt, self.timeout, self.pool.permits.acquire()).await else {
            let (waited, connections) = (self.timeout, self.pool.limit);
            return Err(failed(HttpFailure::NoConnection { waited, connections }));
        };
        // Boxed once a connection is ours: hyper's futures take kilobytes, and a
        // fan-out holds thousands of fetches waiting for a connection, each of which
        // would otherwise reserve that space (5 KB a fetch instead of a few hundred
        // bytes). One allocation per request, small beside the request itself.
        let request = Box::pin(self.request(route));
        match timeout(&self.rt, self.timeout, request).await {
            Ok(Ok(body)) => serde_json::from_slice(&body)
                .map_err(|e| failed(HttpFailure::Malformed { reason: e.to_string() })),
            Ok(Err(failure)) => Err(failed(failure)),
            Err(Elapsed { limit }) => {
                Err(FetchErrorKind::TimedOut { user_id, operation, after: limit }.into())
            }
        }
    }

    /// One request on a pooled connection (the caller holds a permit): the body of a
    /// 200 response.
    async fn request(&self, route: Route) -> Result<Bytes, HttpFailure> {
        let get = || {
            let mut get = Request::get(route.path()).header(HOST, self.host.clone());
            if self.copy > 0 {
                get = get.header(COPY_HEADER, self.copy);
            }
            get.body(Empty::new()).expect("a route's path is a valid URI")
        };
        let (mut connection, reused) = match self.pool.take_idle() {
            Some(connection) => (connection, true),
            None => (self.connect().await?, false),
        };
        let mut outcome = connection.send(get()).await;
        // A kept-alive connection may have been closed by the service since its last
        // use. A GET may be sent again: once, on a new connection.
        if reused && matches!(outcome, Err(HttpFailure::Closed { .. })) {
            self.pool.counts.resent.fetch_add(1, Relaxed);
            connection = self.connect().await?;
            outcome = connection.send(get()).await;
        }
        let (status, body) = outcome?;
        // The response was read whole, so the connection is ready for another,
        // unless the service closed it after answering.
        if !connection.ended {
            self.pool.put_idle(connection);
        }
        match status {
            StatusCode::OK => Ok(body),
            status => Err(HttpFailure::Status { status: status.as_u16() }),
        }
    }

    async fn connect(&self) -> Result<Connection<R::TcpStream>, HttpFailure> {
        let reason = |e: &dyn std::fmt::Display| e.to_string();
        let stream = self
            .rt
            .connect(self.address)
            .await
            .map_err(|e| HttpFailure::Connect { address: self.address, reason: reason(&e) })?;
        let (sender, driver) = http1::handshake(HyperIo(stream))
            .await
            .map_err(|e| HttpFailure::Closed { reason: reason(&e) })?;
        Ok(Connection { sender, driver, ended: false, _opened: Opened::new(&self.pool.counts) })
    }
}

impl<R: Runtime> DataSource for HttpSource<R> {
    async fn fetch_user(&self, user_id: UserId) -> Result<User, FetchError> {
        self.get(Route::new(Operation::FetchUser, user_id)).await
    }

    async fn fetch_orders(&self, user_id: UserId) -> Result<Vec<OrderId>, FetchError> {
        self.get(Route::new(Operation::FetchOrders, user_id)).await
    }

    /// The same service and counters, with a pool of its own (a connection of a
    /// thread-per-core runtime must not leave its thread) and its part of the
    /// connection limit: the parts add up to the limit, but that each shard has at
    /// least one.
    fn for_shard(&self, shard: usize, shards: NonZeroUsize) -> Self {
        let (limit, n) = (self.pool.limit, shards.get());
        let part = NonZeroUsize::new(limit / n + usize::from(shard < limit % n));
        let pool = Pool::new(part.unwrap_or(NonZeroUsize::MIN), self.pool.counts.clone());
        HttpSource { pool: Arc::new(pool), ..self.clone() }
    }

    /// The same service, pool and counters, each request saying in a
    /// [`COPY_HEADER`] which copy it is, so that the service's tail draws for it apart.
    fn for_copy(&self, copy: u32) -> Self {
        HttpSource { copy, ..self.clone() }
    }
}

/// Idle keep-alive connections, and permits that bound how many are open.
struct Pool<S: ByteStream> {
    permits: async_lock::Semaphore,
    limit: usize,
    idle: Mutex<Vec<Connection<S>>>,
    /// Shared with the pools of the source's [`DataSource::for_shard`] copies.
    counts: Arc<PoolCounts>,
}

/// What a source's pools have done, counted across them.
#[derive(Default)]
struct PoolCounts {
    opened: AtomicU64,
    resent: AtomicU64,
    /// Connections open now, idle or in use, and the most at once.
    open: AtomicU64,
    peak: AtomicU64,
}

/// One open connection, counted in [`PoolCounts`] until it is dropped (closed).
struct Opened(Arc<PoolCounts>);

impl Opened {
    fn new(counts: &Arc<PoolCounts>) -> Self {
        counts.opened.fetch_add(1, Relaxed);
        let open = counts.open.fetch_add(1, Relaxed) + 1;
        counts.peak.fetch_max(open, Relaxed);
        Opened(counts.clone())
    }
}

impl Drop for Opened {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Relaxed);
    }
}

impl<S: ByteStream> Pool<S> {
    fn new(limit: NonZeroUsize, counts: Arc<PoolCounts>) -> Self {
        Pool {
            permits: async_lock::Semaphore::new(limit.get()),
            limit: limit.get(),
            idle: Mutex::new(Vec::new()),
            counts,
        }
    }

    /// An idle connection that the service has not visibly closed: polling its
    /// driver once reads any close that has arrived. A connection is only open while
    /// it is idle here or held by a fetch with a permit, so at most `limit` are.
    fn take_idle(&self) -> Option<Connection<S>> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        std::iter::from_fn(|| idle.pop()).find_map(|mut c| match (&mut c.driver).now_or_never() {
            None if !c.sender.is_closed() => Some(c),
            _ => None,
        })
    }

    fn put_idle(&self, connection: Connection<S>) {
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).push(connection);
    }
}

/// One HTTP/1.1 connection: hyper's request sender and the future that does its I/O.
struct Connection<S: ByteStream> {
    sender: SendRequest<Empty<Bytes>>,
    driver: http1::Connection<HyperIo<S>, Empty<Bytes>>,
    /// The driver has completed, or the service said it closes the connection
    /// (`Connection: close`): it must not be used again.
    ended: bool,
    _opened: Opened,
}

impl<S: ByteStream> Connection<S> {
    /// Sends `request` and reads the whole response, driving the connection meanwhile.
    async fn send(
        &mut self,
        request: Request<Empty<Bytes>>,
    ) -> Result<(StatusCode, Bytes), HttpFailure> {
        let closed = |e: hyper::Error| match e.is_parse() || e.is_parse_status() {
            true => HttpFailure::Protocol { reason: e.to_string() },
            false => HttpFailure::Closed { reason: e.to_string() },
        };
        let Connection { sender, driver, ended, .. } = self;
        let exchange = async {
            sender.ready().await.map_err(closed)?;
            let response = sender.send_request(request).await.map_err(closed)?;
            // Said, not only done: on a completion-based driver (io_uring) the
            // close may not have been read when the connection goes back idle.
            let closing = response.headers().get(CONNECTION).is_some_and(|v| v == "close");
            let status = response.status();
            let body = response.into_body().collect().await;
            let body = body.map_err(|e| HttpFailure::Truncated { reason: e.to_string() })?;
            Ok((status, body.to_bytes(), closing))
        };
        match select(pin!(exchange), driver).await {
            Either::Left((result, _)) => result.map(|(status, body, closing)| {
                *ended = closing;
                (status, body)
            }),
            // The connection ended first. If it ended just after delivering the whole
            // answer (a service that closes after each response), the exchange is
            // complete and its result stands; otherwise nothing can complete it now.
            Either::Right((outcome, exchange)) => {
                *ended = true;
                match exchange.now_or_never() {
                    Some(result) => result.map(|(status, body, _)| (status, body)),
                    None => Err(match outcome {
                        Err(e) => closed(e),
                        Ok(()) => HttpFailure::Closed {
                            reason: "closed by the service before answering".into(),
                        },
                    }),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::{
        io::{BufRead, BufReader, Write},
        net::TcpListener,
        sync::{
            atomic::{AtomicBool, Ordering::SeqCst},
            mpsc,
        },
        thread,
    };

    use chain_contract::Launch;
    use runtime_smol::SmolRuntime;

    use super::*;

    /// A kept-alive connection that the service closed while it sat idle (as a server
    /// does after its idle timeout), once the close has reached the client, is not
    /// used again: the next fetch opens a new connection and sends its GET once, not
    /// first on the closed connection and again after it fails. On smol, whose
    /// stream reports the close to the pool's poll; compio's, read through a buffer of
    /// its own, does not, and relies on the resend.
    #[test]
    fn an_idle_connection_the_service_closed_is_not_reused() {
        for rt in [
            SmolRuntime::current_thread(),
            SmolRuntime::multi_thread(NonZeroUsize::new(2).unwrap()).unwrap(),
        ] {
            let (address, close_now, closed) = closing_service();
            let source = HttpSource::new(&rt, address).with_connections(NonZeroUsize::MIN);
            let rt2 = rt.clone();
            let (first, second) = rt.block_on(async {
                let first = source.fetch_user(1).await.is_ok();
                close_now.send(()).expect("the service waits to close");
                // The close reaches this process at once (loopback), and the
                // runtime's event loop, which turns between the sleeps, sees it.
                while !closed.load(SeqCst) {
                    rt2.sleep(Duration::from_millis(1)).await;
                }
                rt2.sleep(Duration::from_millis(10)).await;
                (first, source.fetch_user(1).await.is_ok())
            });
            assert!(first && second, "both answered: {first}, {second}");
            assert_eq!((source.connections_opened(), source.requests_resent()), (2, 0));
        }
    }

    /// A service on a thread of its own that answers one GET per connection with
    /// user 1, keeping the connection alive, and closes the first connection when
    /// told; the flag says when it has.
    fn closing_service() -> (SocketAddr, mpsc::Sender<()>, Arc<AtomicBool>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let address = listener.local_addr().unwrap();
        let (close_now, told) = mpsc::channel();
        let closed = Arc::new(AtomicBool::new(false));
        let flag = closed.clone();
        thread::spawn(move || {
            let (mut first, _) = listener.accept().unwrap();
            answer(&mut first);
            let _ = told.recv();
            drop(first);
            flag.store(true, SeqCst);
            // The second connection stays open until the case has ended.
            let (mut second, _) = listener.accept().unwrap();
            answer(&mut second);
            let _ = told.recv();
        });
        (address, close_now, closed)
    }

    /// Reads a request head from `stream` and answers it with user 1, kept alive.
    fn answer(stream: &mut std::net::TcpStream) {
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut line = String::new();
        while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
            line.clear();
        }
        let body = r#"{"user_id":1,"user_name":"user-1"}"#;
        let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n", body.len());
        stream.write_all(format!("{head}{body}").as_bytes()).unwrap();
    }
}
