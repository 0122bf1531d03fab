//! The record service: the article's users and orders as JSON over HTTP/1.1
//! (`GET /users/{id}`, `GET /users/{id}/orders`, see [`chain_http::Route`]), on
//! 127.0.0.1 unless told ([`ServiceConfig::address`]), for every client runtime alike.
//!
//! It runs hyper's server on a tokio runtime of its own, on its own threads
//! ([`ServiceConfig::threads`]), never on a client runtime's workers, so it favours no
//! client. Each answer can wait a delay (a simulated database) and carry a
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
    accepted: Arc<AtomicU64>,
    runtime: Option<tokio::runtime::Runtime>,
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
        let accepted = Arc::new(AtomicU64::new(0));
        runtime.spawn(serve(listener, Arc::new(config), accepted.clone()));
        Ok(RecordService { address, accepted, runtime: Some(runtime) })
    }

    /// Where it listens.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// How many connections it has accepted so far: shows whether clients reuse them.
    pub fn connections_accepted(&self) -> u64 {
        self.accepted.load(Relaxed)
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

async fn serve(listener: TcpListener, config: Arc<ServiceConfig>, accepted: Arc<AtomicU64>) {
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
        accepted.fetch_add(1, Relaxed);
        let _ = stream.set_nodelay(true);
        let config = config.clone();
        tokio::spawn(async move {
            let answer = service_fn(move |request| answer::answer(request, config.clone()));
            // A connection's error (a client gone, an injected fault) ends that
            // connection only.
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), answer).await;
        });
    }
}
