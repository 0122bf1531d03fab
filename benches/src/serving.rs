//! The `http_serve` group's workload: the gateway served by a flavour in this
//! process, on that runtime's own workers, and asked one request at a time over one
//! kept-alive connection by a blocking client on the measuring thread, so that no
//! runtime's reactor helps the client: the unloaded latency of a request.

use std::{
    io,
    net::SocketAddr,
    num::NonZeroUsize,
    sync::mpsc,
    thread::{self, JoinHandle},
    time::Instant,
};

use chain_contract::{Launch, run_on_worker};
use chain_core::InMemorySource;
use chain_http::gateway::{Gateway, GatewayConfig};
use futures::channel::oneshot;

use crate::{
    Flavour, Measurer, Visitor,
    gateway_wire::{Blocking, expected_body, request},
    workloads::Sample,
};

/// The user every request asks for: the one with the most orders.
const USER: u64 = 1;

/// A [`Measurer`] of `flavour` serving the gateway, from memory without latency.
///
/// # Errors
///
/// The runtime could not start, or the gateway could not listen.
pub fn measurer(flavour: Flavour, workers: NonZeroUsize) -> io::Result<Measurer> {
    let server = Server::start(flavour, workers)?;
    let mut client = Blocking::connect(server.address)?;
    let (request, expected) = (request(USER), expected_body(USER));
    Ok(Box::new(move |iterations| {
        let _serving = &server;
        let start = Instant::now();
        for _ in 0..iterations {
            match client.exchange(&request) {
                Ok((200, body)) if body == expected => {}
                Ok((status, body)) => panic!(
                    "the gateway answered {status} {:?}, not the article's user 1",
                    String::from_utf8_lossy(body)
                ),
                Err(e) => panic!("the gateway's connection failed: {e}"),
            }
        }
        Sample { took: start.elapsed(), tally: None, latencies: None }
    }))
}

/// The gateway on a thread of its own, which builds the runtime (a thread-per-core
/// runtime's shard 0 is the thread that built it), until dropped.
struct Server {
    address: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl Server {
    fn start(flavour: Flavour, workers: NonZeroUsize) -> io::Result<Self> {
        let (stop, stopped) = oneshot::channel::<()>();
        let (listening, address) = mpsc::channel();
        let serving =
            move || flavour.visit(workers, Serve { listening, stopped }).and_then(|served| served);
        let thread = thread::Builder::new().name("gateway".to_owned()).spawn(serving)?;
        match address.recv() {
            Ok(address) => Ok(Server { address, stop: Some(stop), thread: Some(thread) }),
            // The thread ended before it listened: its error says why.
            Err(_) => {
                let ended = thread.join().unwrap_or_else(|_| Err(io::Error::other("it panicked")));
                Err(ended.err().unwrap_or_else(|| io::Error::other("it ended before it listened")))
            }
        }
    }
}

/// Binds the gateway on the visited runtime, says where, and serves until stopped.
struct Serve {
    listening: mpsc::Sender<SocketAddr>,
    stopped: oneshot::Receiver<()>,
}

impl Visitor for Serve {
    type Output = io::Result<()>;

    fn visit<R: Launch>(self, rt: R) -> io::Result<()> {
        let source = InMemorySource::new(rt.timer());
        let any = SocketAddr::from(([127, 0, 0, 1], 0));
        let gateway = Gateway::bind(any, rt.shards(), source, GatewayConfig::default())?;
        let _ = self.listening.send(gateway.address());
        let stopped = self.stopped;
        let stopped = async move {
            let _ = stopped.await;
        };
        run_on_worker(&rt, gateway.serve(rt.clone(), stopped))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
