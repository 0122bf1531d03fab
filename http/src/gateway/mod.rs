//! The gateway: the article's `get_user_with_orders` served over HTTP/1.1, written
//! once against the contract, so that every runtime serves it with the same code.
//!
//! | request | answer |
//! |---|---|
//! | `GET /users/{id}/with-orders` | 200 `{"user":{"user_id":1,"user_name":"user-1"},"orders":[1,3,10,11]}`: the user and the orders fetched at once from the source |
//! | `GET /users/with-orders?ids=1,2` | 200, a JSON array of every user's answer, in the order asked, all fetched at once (a fan-out per request); a list that is not 1 to 1,000 ids is a 400; a user that fails makes the whole answer the first failing user's error (404, 502 or 504), naming the user |
//! | another path | 404 `{"error":"no such path ..."}` |
//! | another method than `GET` or `HEAD` | 405, with `Allow: GET, HEAD` |
//! | a request hyper cannot parse | 400 from hyper (414 or 431 for a head too long), and the connection closed; counted by [`GatewayStats::malformed`] |
//! | a user the record service does not know (one told to know fewer; by default every id is a user, as in memory) | 404 `{"error":"no user 11"}` |
//! | a source that fails | 502, the error naming the user and the cause |
//! | a source slower than [`GatewayConfig::fetch_timeout`] | 504 |
//! | more than [`GatewayConfig::max_in_flight`] requests being answered | 503 at once: nothing queues |
//!
//! Each connection is a task of its own ([`Runtime::spawn`]), served by hyper's
//! HTTP/1.1 server with keep-alive over the runtime's own stream ([`Runtime::listen`]).
//! A client that goes away mid-request takes its request with it: hyper notices the
//! closed connection and drops the answer, which drops (cancels) its fetches. A
//! client that sends no complete request head within
//! [`GatewayConfig::header_timeout`] is disconnected; hyper starts that clock
//! whenever it waits for a head, so it also bounds how long a kept-alive connection
//! may sit idle.
//!
//! On a thread-per-core runtime each shard runs a listener of its own on the same
//! port (`SO_REUSEPORT`, see [`bind`]), its connections and their fetches staying on
//! that thread, with the shard's own copy of the source
//! ([`DataSource::for_shard`]).
//!
//! When the stop future given to [`Gateway::serve`] completes, every listener is
//! closed (new connections are refused), each connection finishes the request it is
//! answering and closes, and those still open after [`GatewayConfig::grace`] are cut
//! off.
//!
//! # Examples
//!
//! ```
//! use chain_contract::{Launch, Runtime};
//! use chain_core::InMemorySource;
//! use chain_http::{gateway::{Gateway, GatewayConfig}};
//! use std::io::{Read, Write};
//!
//! let rt = runtime_smol::SmolRuntime::current_thread();
//! let source = InMemorySource::new(rt.timer());
//! let config = GatewayConfig::default();
//! let gateway = Gateway::bind(([127, 0, 0, 1], 0).into(), rt.shards(), source, config).unwrap();
//! let address = gateway.address();
//! let (stop, stopped) = futures::channel::oneshot::channel::<()>();
//! let client = std::thread::spawn(move || {
//!     let mut stream = std::net::TcpStream::connect(address).unwrap();
//!     stream.write_all(b"GET /users/1/with-orders HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
//!     let mut answer = String::new();
//!     stream.read_to_string(&mut answer).unwrap();
//!     drop(stop);
//!     answer
//! });
//! rt.block_on(gateway.serve(rt.clone(), async { let _ = stopped.await; })).unwrap();
//! let answer = client.join().unwrap();
//! assert!(answer.starts_with("HTTP/1.1 200 OK"));
//! assert!(answer.ends_with(r#"{"user":{"user_id":1,"user_name":"user-1"},"orders":[1,3,10,11]}"#));
//! ```
//!
//! [`Runtime::spawn`]: chain_contract::Runtime::spawn
//! [`Runtime::listen`]: chain_contract::Runtime::listen
//! [`DataSource::for_shard`]: chain_core::DataSource::for_shard

mod answer;
mod bind;
mod hyper_timer;
pub mod route;
mod serving;
mod stall;
mod stats;

pub use bind::bind;
pub use stall::Stall;
pub use stats::{GatewayStats, STATUSES};

use std::{
    future::Future,
    io,
    net::SocketAddr,
    num::NonZeroUsize,
    sync::{Arc, atomic::AtomicUsize},
    time::Duration,
};

use futures::{FutureExt, future::try_join_all};

use crate::DEFAULT_TIMEOUT;
use chain_contract::{JoinError, Runtime};
use chain_core::DataSource;
use chain_lab::Instrumented;

/// The gateway's route for one user, as its error messages name it.
pub const PATH: &str = "/users/{id}/with-orders";

/// The gateway's batch route: every user of its query (`?ids=1,2,3`, at most
/// [`route::MAX_BATCH`]) fetched at once.
pub const BATCH_PATH: &str = "/users/with-orders";

/// The most requests answered at once unless set: enough for every connection of a
/// load of a thousand connections to have one in flight, few enough that a stalled
/// source cannot pile up more than a thousand chains' worth of memory.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 1_000;

/// How the gateway serves.
#[derive(Clone, Debug)]
pub struct GatewayConfig {
    /// The time limit of a request's chain; past it, the answer is 504.
    pub fetch_timeout: Duration,
    /// The most requests answered at once, across every shard; beyond it, 503.
    pub max_in_flight: NonZeroUsize,
    /// How long a connection may take to send a request's head (and may sit idle
    /// between requests) before it is closed.
    pub header_timeout: Duration,
    /// How long the requests in flight at a stop may take to finish before their
    /// connections are cut off.
    pub grace: Duration,
    /// A pause injected now and then ([`Stall`]), to show what a load generator
    /// makes of it; none by default.
    pub stall: Option<Arc<Stall>>,
}

impl Default for GatewayConfig {
    /// A fetch timeout of 10 s (the HTTP source's), at most 1,000 requests in flight,
    /// a header timeout of 30 s (hyper's), a grace period of 10 s, no stall.
    fn default() -> Self {
        GatewayConfig {
            fetch_timeout: DEFAULT_TIMEOUT,
            max_in_flight: NonZeroUsize::new(DEFAULT_MAX_IN_FLIGHT).expect("not zero"),
            header_timeout: Duration::from_secs(30),
            grace: Duration::from_secs(10),
            stall: None,
        }
    }
}

/// A gateway bound to its port, ready to [serve](Gateway::serve) a source `S`.
pub struct Gateway<S> {
    listeners: Vec<std::net::TcpListener>,
    address: SocketAddr,
    source: Instrumented<S>,
    config: GatewayConfig,
    stats: Arc<GatewayStats>,
}

impl<S: DataSource + 'static> Gateway<S> {
    /// Binds `address` (port 0 for any free one) with `shards` listeners
    /// ([`Runtime::shards`] of the runtime that will serve), to serve `source`.
    /// Connections queue from now on; they are answered once [`Gateway::serve`] runs.
    ///
    /// # Errors
    ///
    /// The port is taken or not allowed.
    pub fn bind(
        address: SocketAddr,
        shards: NonZeroUsize,
        source: S,
        config: GatewayConfig,
    ) -> io::Result<Self> {
        let listeners = bind(address, shards)?;
        let address = listeners[0].local_addr()?;
        let source = Instrumented::new(source);
        let stats = Arc::new(GatewayStats::new(source.counters()));
        Ok(Gateway { listeners, address, source, config, stats })
    }

    /// The address it listens on, with the port chosen.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Its live counts, to read from anywhere while it serves.
    pub fn stats(&self) -> Arc<GatewayStats> {
        self.stats.clone()
    }

    /// Serves on `rt` until `stop` completes, then stops as the [module docs](self)
    /// say, and returns once every connection is closed or cut off. It must be polled
    /// inside `rt`.
    ///
    /// # Errors
    ///
    /// A listener could not be registered with the runtime, or a shard's task ended
    /// abnormally.
    ///
    /// # Panics
    ///
    /// It was bound with more listeners than `rt` has shards.
    pub async fn serve<R: Runtime>(
        self,
        rt: R,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> io::Result<()> {
        let shards = rt.shards();
        assert!(self.listeners.len() <= shards.get(), "bound for more shards than {shards}");
        let stop: serving::Stop = stop.boxed().shared();
        let in_flight = Arc::new(AtomicUsize::new(0));
        let running = self.listeners.into_iter().enumerate().map(|(shard, listener)| {
            let handler = answer::Handler {
                rt: rt.clone(),
                source: self.source.for_shard(shard, shards),
                fetch_timeout: self.config.fetch_timeout,
                max_in_flight: self.config.max_in_flight.get(),
                stall: self.config.stall.clone(),
                in_flight: in_flight.clone(),
                stats: self.stats.clone(),
            };
            let serving = serving::shard(handler, listener, self.config.clone(), stop.clone());
            rt.spawn_on(shard, serving).map(|ended| ended.unwrap_or_else(|e| Err(joined(e))))
        });
        try_join_all(running).await.map(drop)
    }
}

fn joined(error: JoinError) -> io::Error {
    io::Error::other(format!("a shard of the gateway ended abnormally: {error}"))
}
