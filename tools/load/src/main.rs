//! `load`: the project's HTTP load generator, the same for every server it measures.
//!
//! ```console
//! $ cargo run --release -p load -- --address 127.0.0.1:8080 --rate 5000 --connections 50 --duration 10s
//! ```
//!
//! Open loop by default: `--rate` requests a second leave on a fixed schedule, spread
//! over `--connections` kept-alive connections, whatever the server's pace; each
//! latency counts from the request's due time, so a server that stalls is charged
//! for every request that should have left meanwhile (no coordinated omission).
//! `--closed` sends each connection's next request when its last answer arrives, as
//! wrk does, for comparison. Latencies go into an HDR histogram (p50 to max); every
//! answer is checked against the article's data, and a wrong one fails the run.
//! The generator reports its own CPU time and how late it sent requests, so that a
//! run where the generator, not the server, was the limit says so.

mod report;
mod schedule;
mod wire;

use std::{
    net::{SocketAddr, TcpStream},
    num::NonZeroUsize,
    process::ExitCode,
    sync::Arc,
    thread,
    time::{Duration, Instant},
};

use chain_cli::{exit_with, parse_address, parse_batch};
use chain_records::load::{parse_connections, parse_rate, parse_warmup, parse_window};
use clap::{CommandFactory, Parser, error::ErrorKind};
use futures::future::{join, join_all};

use crate::schedule::{Counts, Histograms, Pace, Plan, Requests, Times, drive};

/// Drives an HTTP server's `GET /users/{id}/with-orders` (or, with `--batch N`,
/// `GET /users/with-orders?ids=...` for N users) at a fixed rate (open loop)
/// or as fast as it answers (closed loop), and reports latencies from an HDR
/// histogram, throughput, errors by status, and its own CPU time.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    /// The server's HOST:PORT.
    #[arg(long, value_name = "HOST:PORT", value_parser = parse_address)]
    address: SocketAddr,
    /// Requests a second in all, on a fixed schedule (1 to 10000000); or --closed.
    #[arg(long, value_name = "PER_SECOND", value_parser = parse_rate, required_unless_present = "closed", conflicts_with = "closed", allow_negative_numbers = true)]
    rate: Option<f64>,
    /// Closed loop instead: each connection sends when its last answer arrives.
    #[arg(long)]
    closed: bool,
    /// Kept-alive connections (1 to 100000).
    #[arg(long, value_name = "N", default_value = "50", value_parser = parse_connections)]
    connections: NonZeroUsize,
    /// The measured window (at least 100ms, at most 10m).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_window)]
    duration: Duration,
    /// Sent before the measured window, not recorded (0 to 10m).
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_warmup)]
    warmup: Duration,
    /// How long answers still owed at the end are waited for; those still missing
    /// then count as unanswered, with the latency they had reached (0 to 10m).
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_warmup)]
    drain: Duration,
    /// Requests ask for users 1 to N in turn (1 to 1000000).
    #[arg(long, value_name = "N", default_value = "1000", value_parser = chain_cli::parse_users)]
    users: NonZeroUsize,
    /// Each request asks the batch route, GET /users/with-orders?ids=..., for this
    /// many users in turn (1 to 1000) instead of one user's route.
    #[arg(long, value_name = "N", value_parser = parse_batch)]
    batch: Option<NonZeroUsize>,
    /// Also report the share of requests at least this slow (e.g. a backend's slow
    /// time: the requests that met a slow fetch), more than 0, at most 60s.
    #[arg(long, value_name = "DURATION", value_parser = chain_cli::parse_limit, allow_hyphen_values = true)]
    over: Option<Duration>,
    /// Threads that run the connections (1 to 256).
    #[arg(long, value_name = "N", default_value = "1", value_parser = chain_cli::parse_workers)]
    threads: NonZeroUsize,
    /// Print the report as JSON (for compare) instead of text.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    let cli = Cli::try_parse().unwrap_or_else(|e| exit_with(e));
    if let Some(refused) = refused(&cli) {
        exit_with(Cli::command().error(ErrorKind::ArgumentConflict, refused));
    }
    if let Err(e) = chain_cli::exit_on_interrupt() {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    // A wrong address fails now, rather than as a window of connection errors.
    if let Err(e) = TcpStream::connect_timeout(&cli.address, CONNECT_LIMIT) {
        let message = format!("cannot connect to {}: {e}", cli.address);
        exit_with(Cli::command().error(ErrorKind::ValueValidation, message));
    }
    let pace = cli.rate.map_or(Pace::Closed, |rate| Pace::Open { rate });
    let plan = Plan {
        address: cli.address,
        pace,
        connections: cli.connections.get(),
        warmup: cli.warmup,
        duration: cli.duration,
        drain: cli.drain,
        users: cli.users.get() as u64,
        batch: cli.batch,
    };
    let (cpu_before, began) = (report::cpu_time(), Instant::now());
    let (counts, histograms, (cpu_at_end, ended)) = run(&plan, cli.threads.get());
    let spent = report::Spent {
        cpu: report::cpu_time() - cpu_before,
        cpu_to_end: cpu_at_end - cpu_before,
        wall_to_end: ended - began,
    };
    let mut report = report::report(&plan, cli.threads.get(), &counts, &histograms, spent);
    report.over = cli.over.map(|threshold| report::over(&histograms, threshold));
    if cli.json {
        println!("{}", serde_json::to_string(&report).expect("a report serialises"));
    } else {
        report::print(&report);
    }
    match report.failure() {
        None => ExitCode::SUCCESS,
        Some(failure) => {
            eprintln!("error: {failure}");
            ExitCode::FAILURE
        }
    }
}

/// How long the first connection may take before the address counts as wrong.
const CONNECT_LIMIT: Duration = Duration::from_secs(5);

/// Why the options cannot be run as given, if they cannot: more threads than
/// connections would leave threads idle, and more connections than `ulimit -n`
/// allows would fail part-way.
fn refused(cli: &Cli) -> Option<String> {
    let connections = cli.connections.get();
    if cli.threads.get() > connections {
        return Some(format!(
            "--threads {} is more than the {connections} connections it would run: ask for at most {connections}",
            cli.threads
        ));
    }
    let (needed, limit) = chain_cli::short_of_descriptors(connections as u64)?;
    Some(format!(
        "--connections {connections} needs about {needed} file descriptors, and `ulimit -n` allows {limit}: ask for fewer connections, or raise `ulimit -n`"
    ))
}

/// Runs every connection of `plan` on `threads` threads: what they counted, merged,
/// the latencies and lags they recorded, and the process's CPU time and the instant
/// when the window ended.
fn run(plan: &Plan, threads: usize) -> (Counts, Histograms, (Duration, Instant)) {
    let executor = Arc::new(smol::Executor::new());
    let requests = Arc::new(Requests::new(plan.users, plan.batch));
    let histograms = Arc::new(Histograms::new());
    // Connections start together, a moment after they are all spawned.
    let times = Times::of(plan, Instant::now() + Duration::from_millis(20));
    let tasks: Vec<_> = (0..plan.connections)
        .map(|index| {
            let (plan, requests, histograms) = (plan.clone(), requests.clone(), histograms.clone());
            executor.spawn(async move { drive(&plan, index, times, &requests, &histograms).await })
        })
        .collect();
    let window_end = executor.spawn(async move {
        async_io::Timer::at(times.end()).await;
        (report::cpu_time(), Instant::now())
    });
    let (stop, stopped) = smol::channel::bounded::<()>(1);
    let helpers: Vec<_> = (1..threads)
        .map(|_| {
            let (executor, stopped) = (executor.clone(), stopped.clone());
            thread::spawn(move || smol::block_on(executor.run(stopped.recv())))
        })
        .collect();
    let (counts, at_end) = smol::block_on(executor.run(join(join_all(tasks), window_end)));
    drop(stop);
    for helper in helpers {
        let _ = helper.join();
    }
    let counts = counts.into_iter().reduce(Counts::merge).expect("at least one connection");
    let histograms = Arc::into_inner(histograms).expect("every connection has ended");
    (counts, histograms, at_end)
}
