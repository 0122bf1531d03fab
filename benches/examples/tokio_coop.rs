//! Why tokio is slow on a fan-out of many sleeping futures inside one task, and the
//! remedies, measured on the core's own `fan_out`.
//!
//! tokio gives each task a budget of 128 operations on its resources (timers, I/O,
//! channels) per poll; past it, every `Sleep` returns `Pending` and wakes itself at
//! once ("cooperative scheduling", docs.rs/tokio/latest/tokio/task/coop). A fan-out
//! joined inside one task polls all its futures from that one task, so after 128
//! of them the rest are repolled, refused, and woken again, round after round: the
//! work grows with the square of the users (rust-lang/futures-rs#2053, #2526).
//! `tokio::task::unconstrained` lifts the budget for that future; one task per user
//! gives each its own budget.
//!
//! `cargo run --release -p benches --example tokio_coop [USERS]`

use std::time::{Duration, Instant};

use benches::workloads::{Expect, check_fan_out};
use chain_cli::report::duration;
use chain_contract::{Runtime, run_on_worker};
use chain_core::{InMemorySource, UserResult, fan_out, fan_out_spawned};
use runtime_tokio::TokioRuntime;

fn main() {
    let users: u64 = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let latency = Duration::from_millis(10);
    let shown = duration(latency);
    println!("{users} users, {shown} latency, tokio current-thread; wall time of one fan-out");
    let rt = TokioRuntime::current_thread().expect("tokio starts");
    let source = InMemorySource::new(rt.timer()).with_latency(latency);
    // Each variant runs once to warm up, then once timed; its results are checked.
    let time = |name: &str, run: &dyn Fn() -> Vec<UserResult>| {
        run();
        let start = Instant::now();
        let results = run();
        let took = start.elapsed();
        check_fan_out(users as usize, &results, Expect::Results);
        println!("  {name:<44} {:>12}", duration(took));
    };
    time("join in one task (budgeted)", &|| {
        let source = source.clone();
        run_on_worker(&rt, async move { fan_out(&source, 1..=users).await })
    });
    time("join in one task, tokio::task::unconstrained", &|| {
        let source = source.clone();
        run_on_worker(
            &rt,
            tokio::task::unconstrained(async move { fan_out(&source, 1..=users).await }),
        )
    });
    time("a task per user (fan_out_spawned)", &|| {
        let (rt2, source) = (rt.clone(), source.clone());
        run_on_worker(&rt, async move { fan_out_spawned(&rt2, &source, 1..=users).await })
    });
}
