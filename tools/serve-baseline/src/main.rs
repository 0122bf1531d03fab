//! `serve-baseline`: the gateway's route served without the contract, as `compare serve`'s baselines.
//!
//! Two kinds:
//!
//! - `native --flavour F`: hyper on the runtime's own listener, spawn, sleep and timer,
//!   as a user of that runtime alone writes it (tokio, smol, async-std), and for the
//!   thread-per-core runtimes (compio, monoio) with their own projects' hyper glue,
//!   an accept loop per thread;
//! - `threads`: OS threads and blocking I/O on std::net, through tiny_http: a thread
//!   per connection reads, handler threads answer.
//!
//! Both answer the gateway's route byte for byte as it does
//! (`chain_http::gateway::route`), print the same `gateway on http://...` line,
//! and exit with status 0 at the first Ctrl-C or SIGTERM, at once: a baseline has no
//! grace period.

mod native;
mod per_core;
mod route;
mod threads;
mod tokio_accept;

use std::{
    net::{SocketAddr, TcpListener},
    num::NonZeroUsize,
    process::ExitCode,
    sync::atomic::AtomicUsize,
    time::Duration,
};

use benches::Flavour;
use chain_cli::{exit_with, parse_concurrency, parse_latency, parse_workers};
use chain_http::gateway::{DEFAULT_MAX_IN_FLIGHT, PATH, bind};
use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(about = "The gateway's route without the contract: compare serve's baselines")]
struct Args {
    #[command(subcommand)]
    kind: Kind,
    /// The port to listen on, on 127.0.0.1 (0: any free one).
    #[arg(long, default_value_t = 8080, global = true)]
    port: u16,
    /// Simulated latency of each of the two fetches.
    #[arg(long, value_name = "DURATION", default_value = "0ms", value_parser = parse_latency, global = true)]
    latency: Duration,
    /// The most requests answered at once; beyond it, 503.
    #[arg(long, value_name = "N", default_value_t = NonZeroUsize::new(DEFAULT_MAX_IN_FLIGHT).expect("not zero"), value_parser = parse_concurrency, allow_negative_numbers = true, global = true)]
    max_in_flight: NonZeroUsize,
}

#[derive(Subcommand, Debug)]
enum Kind {
    /// hyper on one runtime's own listener, spawn and sleep.
    Native {
        /// The runtime and its scheduling: a flavour with a native twin.
        #[arg(long, value_enum)]
        flavour: Flavour,
        /// Worker threads of a multi-thread or thread-per-core flavour (1 to 256)
        /// [default: 1].
        #[arg(long, value_parser = parse_workers, allow_negative_numbers = true)]
        workers: Option<NonZeroUsize>,
    },
    /// OS threads and blocking I/O (tiny_http).
    Threads {
        /// Handler threads, answering the requests that tiny_http's connection
        /// threads queue: as many as connections, for a thread per connection.
        #[arg(long, default_value_t = NonZeroUsize::new(64).expect("not zero"), value_parser = parse_concurrency, allow_negative_numbers = true)]
        threads: NonZeroUsize,
    },
}

/// What every baseline's handler shares: the fetches' latency and the in-flight limit.
pub struct Limits {
    pub latency: Duration,
    pub max_in_flight: usize,
    pub in_flight: AtomicUsize,
}

/// The chain's time limit, as the gateway's default (`--fetch-timeout`).
pub const FETCH_TIMEOUT: Duration = chain_http::DEFAULT_TIMEOUT;
/// How long a connection may take to send a request head, as the gateway's default.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(30);

fn main() -> ExitCode {
    let args = Args::try_parse().unwrap_or_else(|e| exit_with(e));
    if let Kind::Native { flavour, workers } = args.kind {
        if !flavour.has_native_server() {
            eprintln!(
                "error: {flavour} has no native baseline; those with one: {}",
                natives().join(", ")
            );
            return ExitCode::from(2);
        }
        if workers.is_some() && !flavour.is_multi_thread() {
            eprintln!("error: --workers: {flavour} runs on one thread");
            return ExitCode::from(2);
        }
    }
    let limits = Limits {
        latency: args.latency,
        max_in_flight: args.max_in_flight.get(),
        in_flight: AtomicUsize::new(0),
    };
    if let Err(e) = exit_on_signal() {
        eprintln!("serve-baseline: {e}");
        return ExitCode::FAILURE;
    }
    let address = SocketAddr::from(([127, 0, 0, 1], args.port));
    let served = match args.kind {
        Kind::Native { flavour, workers } => {
            native::serve(address, flavour, workers.unwrap_or(NonZeroUsize::MIN), limits)
        }
        Kind::Threads { threads } => threads::serve(address, threads, limits),
    };
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("serve-baseline: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The flavours with a native baseline, by the names `--flavour` takes.
fn natives() -> Vec<String> {
    use clap::ValueEnum;
    let native = Flavour::ALL.into_iter().filter(|f| f.has_native_server());
    native.filter_map(|f| Some(f.to_possible_value()?.get_name().to_owned())).collect()
}

/// Binds `address` as the gateway does (its backlog and options), with the error a
/// user can act on: one listener, or one per thread on the same port.
pub fn listen(address: SocketAddr, count: NonZeroUsize) -> Result<Vec<TcpListener>, String> {
    bind(address, count).map_err(|e| format!("cannot listen on {address}: {e}"))
}

/// The line `compare serve` (and a user) reads the address from.
pub fn announce(address: SocketAddr, what: &str) {
    println!("gateway on http://{address}{PATH}, {what}");
}

/// Exits with status 0 at the first Ctrl-C or SIGTERM.
fn exit_on_signal() -> Result<(), String> {
    use signal_hook::{
        consts::{SIGINT, SIGTERM},
        iterator::Signals,
    };
    let mut signals =
        Signals::new([SIGINT, SIGTERM]).map_err(|e| format!("cannot catch Ctrl-C: {e}"))?;
    std::thread::spawn(move || {
        if signals.forever().next().is_some() {
            std::process::exit(0);
        }
    });
    Ok(())
}
