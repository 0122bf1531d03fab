//! The record service: the article's users and orders as JSON over HTTP/1.1
//! (`GET /users/{id}`, `GET /users/{id}/orders`, see [`chain_http::Route`]), on
//! 127.0.0.1 unless told ([`ServiceConfig::address`]), for every client runtime alike.
//!
//! It runs hyper's server on a tokio runtime of its own, on its own threads
//! ([`ServiceConfig::threads`]), never on a client runtime's workers, so it favours no
//! client. Each answer can wait a delay (a simulated database), or for a seeded few
//! a longer one (a [`Tail`](chain_lab::Tail)), and carry a
//! [`WireFault`](chain_http::WireFault) chosen from a seed.
//!
//! # Examples
//!
//! ```
//! use record_service::{RecordService, ServiceConfig};
//! use std::io::{Read, Write};
//!
//! let service = RecordService::start(ServiceConfig::default()).unwrap();
//! let mut stream = std::net::TcpStream::connect(service.address()).unwrap();
//! stream.write_all(b"GET /users/1/orders HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
//! let mut answer = String::new();
//! stream.read_to_string(&mut answer).unwrap();
//! assert!(answer.starts_with("HTTP/1.1 200 OK"));
//! assert!(answer.ends_with("[1,3,10,11]"));
//! ```
#![warn(missing_docs)]

mod answer;
mod config;

pub use config::ServiceConfig;

use std::{
    io,
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering::Relaxed},
    },
    time::Duration,
};

use hyper::{server::conn::http1, service::service_fn};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// A running record service; dropping it stops it and closes its connections.
#[derive(Debug)]
pub struct RecordService {
    address: SocketAddr,
    counters: Arc<Counters>,
    runtime: Option<tokio::runtime::Runtime>,
}

/// What a service has done so far.
#[derive(Debug, Default)]
struct Counters {
    accepted: AtomicU64,
    answered: AtomicU64,
    slow: AtomicU64,
}

/// The answers a service has sent so far, to requests for a user or their orders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Answered {
    /// Every answer that waited its delay (faulted ones included).
    pub all: u64,
    /// Those that waited the tail's slow time instead.
    pub slow: u64,
}

impl RecordService {
    /// Starts serving on threads of its own and returns once it accepts connections.
    ///
    /// # Errors
    ///
    /// The port could not be bound or the threads could not start.
    pub fn start(config: ServiceConfig) -> io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(config.threads.get())
            .thread_name("record-service")
            .enable_all()
            .build()?;
        let listener = runtime.block_on(TcpListener::bind(config.address))?;
        let address = listener.local_addr()?;
        let counters = Arc::new(Counters::default());
        runtime.spawn(serve(listener, Arc::new(config), counters.clone()));
        Ok(RecordService { address, counters, runtime: Some(runtime) })
    }

    /// Where it listens.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// How many connections it has accepted so far: shows whether clients reuse them.
    pub fn connections_accepted(&self) -> u64 {
        self.counters.accepted.load(Relaxed)
    }

    /// The answers it has sent so far, and how many of them were slow.
    pub fn answered(&self) -> Answered {
        let counters = &self.counters;
        Answered { all: counters.answered.load(Relaxed), slow: counters.slow.load(Relaxed) }
    }
}

impl Drop for RecordService {
    fn drop(&mut self) {
        // Answers still waiting on their delay are abandoned, not awaited.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

async fn serve(listener: TcpListener, config: Arc<ServiceConfig>, counters: Arc<Counters>) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Out of file descriptors, or a connection reset while queued: the listener
            // itself is fine, so wait a moment rather than spin.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        counters.accepted.fetch_add(1, Relaxed);
        let _ = stream.set_nodelay(true);
        let (config, counters) = (config.clone(), counters.clone());
        tokio::spawn(async move {
            let answer = service_fn(move |request| {
                answer::answer(request, config.clone(), counters.clone())
            });
            // A connection's error (a client gone, an injected fault) ends that
            // connection only.
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), answer).await;
        });
    }
}
