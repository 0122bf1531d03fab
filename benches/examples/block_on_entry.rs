//! Why entering the event loop (`block_on` with an empty future) costs 20 to 30
//! times more on smol's current-thread flavour and on async-std than on the others,
//! and the remedies.
//!
//! Both enter through async-executor's `Executor::run`, which builds a fresh local
//! run queue (`ConcurrentQueue::bounded(512)`, 8 KiB whose slots are written one by
//! one) on every call and frees it on return, even when there is nothing to run
//! (async-executor 1.14 `Runner::new`; async-rs/async-std#770). smol's multi-thread
//! flavour only polls the future on the caller's thread (its workers run the tasks),
//! and tokio only installs its context.
//!
//! `cargo run --release -p benches --example block_on_entry [ENTRIES]`

use std::{hint::black_box, num::NonZeroUsize, time::Instant};

use chain_contract::Launch;
use runtime_async_std::AsyncStdRuntime;
use runtime_smol::SmolRuntime;
use runtime_tokio::TokioRuntime;

fn main() {
    let entries: u32 = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let workers = NonZeroUsize::new(2).expect("not zero");
    println!("{entries} entries each; time per entry");
    // Each is entered once before timing, as criterion's warm-up does.
    let time = |name: &str, enter: &dyn Fn()| {
        enter();
        let start = Instant::now();
        for _ in 0..entries {
            enter();
        }
        let ns = start.elapsed().as_nanos() as f64 / f64::from(entries);
        println!("  {name:<58} {ns:>8.1} ns");
    };
    let tokio_ct = TokioRuntime::current_thread().expect("tokio starts");
    let tokio_mt = TokioRuntime::multi_thread(workers).expect("tokio starts");
    let smol_ct = SmolRuntime::current_thread();
    let smol_mt = SmolRuntime::multi_thread(workers).expect("smol starts");
    let async_std = AsyncStdRuntime::new(workers).expect("async-std starts");
    time("tokio current-thread: Runtime::block_on", &|| tokio_ct.block_on(black_box(async {})));
    time("tokio multi-thread: Runtime::block_on", &|| tokio_mt.block_on(black_box(async {})));
    time("smol current-thread: block_on(executor.run(f))", &|| {
        smol_ct.block_on(black_box(async {}))
    });
    time("smol multi-thread: block_on(f), workers run the tasks", &|| {
        smol_mt.block_on(black_box(async {}))
    });
    time("async-std: task::block_on", &|| async_std.block_on(black_box(async {})));

    println!("remedies");
    // Driving the executor with `tick()` creates no run queue per entry.
    let executor = smol::Executor::new();
    time("smol current-thread, entered driving the executor by tick()", &|| {
        smol::block_on(smol::future::or(black_box(async {}), async {
            loop {
                for _ in 0..200 {
                    executor.tick().await;
                }
                smol::future::yield_now().await;
            }
        }))
    });
    // async-io's own block_on, when the future needs no async-std task-locals.
    time("async-std's future on async-io's block_on (smol::block_on)", &|| {
        smol::block_on(black_box(async {}))
    });
    // Best of all: enter once, and await the operations inside.
    let inside = smol_ct.block_on(async {
        let start = Instant::now();
        for _ in 0..entries {
            black_box(async {}).await;
        }
        start.elapsed()
    });
    let ns = inside.as_nanos() as f64 / f64::from(entries);
    println!("  {:<58} {ns:>8.1} ns", "smol current-thread, entered once, each awaited inside");
}
