//! `cargo bench`: one criterion group per workload, one member per runtime flavour.
//!
//! Every member times its workload inside a task spawned on the runtime under test
//! (`benches::measure`, via `iter_custom`), so the runtime's own workers do the work;
//! runtimes are built before their member is measured. `block_on` is the exception by
//! design: its entry cost is what it measures. Multi-threaded flavours get
//! `BENCH_WORKERS` workers (default: the machine's cores). The flavours run in a
//! different order in each group ([`rotated`]), so that no runtime always runs first.
//! Run one group with an anchored filter: `cargo bench -- '^fanout/'`.

use std::{
    hint::black_box,
    num::NonZeroUsize,
    sync::atomic::{AtomicUsize, Ordering::Relaxed},
    time::Duration,
};

use benches::{
    Flavour, Measurer, Spec, Via,
    overhead::{self, Side},
    threads::{self, Threads},
    workloads::chain_floor,
};
use chain_cli::report::duration;
use chain_core::Shape;
use chain_http::{DEFAULT_CONNECTIONS, DEFAULT_TIMEOUT};
use criterion::{
    BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, criterion_group, measurement::WallTime,
};
use record_service::{RecordService, ServiceConfig};

const ONE_MS: Via = Via::Memory { latency: Duration::from_millis(1) };

fn workers() -> NonZeroUsize {
    match std::env::var("BENCH_WORKERS") {
        Ok(text) => chain_cli::parse_workers(&text).unwrap_or_else(|e| {
            eprintln!("error: BENCH_WORKERS={text:?}: {e}");
            std::process::exit(2)
        }),
        Err(_) => chain_cli::report::cores(),
    }
}

/// The flavours in the order the next group runs them: each group starts one
/// flavour further on, and every other group runs backwards, so no flavour always
/// runs first or always follows the same one.
fn rotated() -> impl Iterator<Item = Flavour> {
    static GROUPS: AtomicUsize = AtomicUsize::new(0);
    let group = GROUPS.fetch_add(1, Relaxed);
    let mut order = Flavour::ALL;
    order.rotate_left(group % Flavour::ALL.len());
    if group % 2 == 1 {
        order.reverse();
    }
    order.into_iter()
}

fn bench(group: &mut BenchmarkGroup<'_, WallTime>, id: BenchmarkId, mut measurer: Measurer) {
    group.bench_function(id, |b| b.iter_custom(|iterations| measurer(iterations).took));
}

/// Ten samples of the same number of iterations: criterion's flat sampling, meant
/// for members that take a millisecond or more an iteration. Its default, 100
/// samples of linearly growing length, needs 5,050 iterations at least: 10 s of a
/// 2 ms workload, whatever the measurement time.
fn long_running(group: &mut BenchmarkGroup<'_, WallTime>) {
    group.sample_size(10).sampling_mode(SamplingMode::Flat);
}

fn prepare(spec: Spec, flavour: Flavour) -> Measurer {
    spec.prepare(flavour, workers()).unwrap_or_else(|e| panic!("{flavour} could not start: {e}"))
}

/// Each flavour as a member of `name`, running `spec`; `long` for a workload of a
/// millisecond or more.
fn group_per_flavour(c: &mut Criterion, name: &str, spec: Spec, long: bool) {
    let mut group = c.benchmark_group(name);
    if long {
        long_running(&mut group);
    }
    for flavour in rotated() {
        bench(&mut group, BenchmarkId::from_parameter(flavour), prepare(spec, flavour));
    }
    group.finish();
}

fn chain(c: &mut Criterion) {
    let mut group = c.benchmark_group("chain");
    group.bench_function("sync-floor", |b| b.iter(chain_floor));
    for flavour in rotated() {
        let spec = Spec::Chain { via: Via::MEMORY, faults: None };
        bench(&mut group, BenchmarkId::from_parameter(flavour), prepare(spec, flavour));
    }
    group.finish();
}

fn fan_outs(c: &mut Criterion) {
    let shapes = [(Shape::Join, "join"), (Shape::Spawn, "spawn")];
    let mut group = c.benchmark_group("fanout");
    long_running(&mut group);
    // Two sizes, not three (1,000 users was dropped): with eleven flavours the whole
    // suite must stay under 20 minutes on 2 cores.
    for users in [10_000, 100_000] {
        for flavour in rotated() {
            for (shape, shape_name) in shapes {
                let spec = Spec::FanOut {
                    users,
                    via: Via::MEMORY,
                    shape,
                    limit: None,
                    faults: None,
                    work: None,
                    hedge: None,
                };
                let id = BenchmarkId::new(format!("{flavour}/{shape_name}"), users);
                bench(&mut group, id, prepare(spec, flavour));
            }
        }
    }
    group.finish();

    // With a simulated latency: 10,000 users at 1 ms, and 20,000 at 10 ms. Not the
    // article's 100,000: tokio's per-task budget makes a joined fan-out of that size
    // take seconds an iteration (README, "Why tokio is slower on the joined
    // fan-out"), and ten samples of its two members took three of the suite's 20
    // minutes; compare's published tables measure that size.
    for (name, users, via) in [
        ("fanout_1ms", 10_000, ONE_MS),
        ("fanout_10ms", 20_000, Via::Memory { latency: Duration::from_millis(10) }),
    ] {
        let mut group = c.benchmark_group(name);
        long_running(&mut group);
        for flavour in rotated() {
            for (shape, shape_name) in shapes {
                let spec = Spec::FanOut {
                    users,
                    via,
                    shape,
                    limit: None,
                    faults: None,
                    work: None,
                    hedge: None,
                };
                let id = BenchmarkId::new(format!("{flavour}/{shape_name}"), users);
                bench(&mut group, id, prepare(spec, flavour));
            }
        }
        group.finish();
    }

    let mut group = c.benchmark_group("bounded_1ms");
    long_running(&mut group);
    let limit = NonZeroUsize::new(1_000);
    for flavour in rotated() {
        for (shape, shape_name) in shapes {
            let spec = Spec::FanOut {
                users: 10_000,
                via: ONE_MS,
                shape,
                limit,
                faults: None,
                work: None,
                hedge: None,
            };
            let id = BenchmarkId::new(format!("{flavour}/{shape_name}"), "10000/k1000");
            bench(&mut group, id, prepare(spec, flavour));
        }
    }
    group.finish();
}

/// The chain and the fan-out over loopback HTTP against one record service (on a
/// thread of its own), every flavour through the same client, beside the same
/// fan-out with blocking I/O and OS threads.
fn http(c: &mut Criterion) {
    let service = RecordService::start(ServiceConfig::default())
        .unwrap_or_else(|e| panic!("the record service could not start: {e}"));
    let (address, connections) =
        (service.address(), NonZeroUsize::new(DEFAULT_CONNECTIONS).unwrap());
    let timeout = DEFAULT_TIMEOUT;
    let via = Via::Http { address, connections, timeout };
    let threads = |kind, users| threads::measurer(address, connections, timeout, kind, users);

    let mut group = c.benchmark_group("http_chain");
    for flavour in rotated() {
        bench(
            &mut group,
            BenchmarkId::from_parameter(flavour),
            prepare(Spec::Chain { via, faults: None }, flavour),
        );
    }
    for kind in Threads::ALL {
        bench(&mut group, BenchmarkId::from_parameter(kind), threads(kind, 1));
    }
    group.finish();

    let mut group = c.benchmark_group("http_fanout");
    long_running(&mut group);
    for users in [100, 1_000, 10_000] {
        for flavour in rotated() {
            let spec = Spec::FanOut {
                users,
                via,
                shape: Shape::Join,
                limit: None,
                faults: None,
                work: None,
                hedge: None,
            };
            bench(&mut group, BenchmarkId::new(flavour.label(), users), prepare(spec, flavour));
        }
        for kind in Threads::ALL {
            bench(&mut group, BenchmarkId::new(kind.label(), users), threads(kind, users));
        }
    }
    group.finish();
}

/// The gateway served by each flavour (`chain_http::gateway`), asked one
/// request at a time over one kept-alive connection by a blocking client: the
/// unloaded latency of a request, before any load (that is `compare serve`'s).
fn http_serve(c: &mut Criterion) {
    let mut group = c.benchmark_group("http_serve");
    for flavour in rotated() {
        let measurer = benches::serving::measurer(flavour, workers())
            .unwrap_or_else(|e| panic!("{flavour} could not serve: {e}"));
        bench(&mut group, BenchmarkId::from_parameter(flavour), measurer);
    }
    group.finish();
}

fn scheduler(c: &mut Criterion) {
    group_per_flavour(c, "spawn_many", Spec::SpawnMany { tasks: 10_000 }, true);
    group_per_flavour(c, "spawn_chain", Spec::SpawnChain { depth: 1_000 }, true);
    group_per_flavour(c, "yield_many", Spec::YieldMany { tasks: 200, yields: 1_000 }, true);
    group_per_flavour(c, "ping_pong", Spec::PingPong { rounds: 1_000 }, true);
}

fn timer(c: &mut Criterion) {
    group_per_flavour(c, "timer_registration", Spec::SleepRegistration, false);
    timer_oversleep(c);
}

/// Sleeps of 100 us, 1 ms and 20 ms on each flavour. Criterion's figure is the mean
/// wall time of one sleep; beside it each member prints how late its sleeps woke,
/// p50 and p99: a property of each timer (tokio's wheel rounds up to the next
/// millisecond by design), not a ranking.
fn timer_oversleep(c: &mut Criterion) {
    let mut group = c.benchmark_group("timer_oversleep");
    long_running(&mut group);
    for sleep in [Duration::from_micros(100), Duration::from_millis(1), Duration::from_millis(20)] {
        for flavour in rotated() {
            let mut measurer = prepare(Spec::Sleep { duration: sleep }, flavour);
            let mut late = Vec::new();
            let name = humantime::format_duration(sleep).to_string();
            group.bench_function(BenchmarkId::new(flavour.to_string(), &name), |b| {
                b.iter_custom(|iterations| {
                    // One sleep per measurement, to keep each one's lateness; the
                    // measuring task times itself, so the entries cost nothing here.
                    let one = (0..iterations).map(|_| measurer(1).took);
                    one.inspect(|took| late.push(took.saturating_sub(sleep))).sum()
                })
            });
            // A member left out by the command line's filter took no sleep.
            if late.is_empty() {
                continue;
            }
            late.sort();
            let at = |q: f64| late[((late.len() - 1) as f64 * q).round() as usize];
            println!(
                "timer_oversleep/{flavour}/{name}: woke late by {} (p50), {} (p99) over {} sleeps",
                duration(at(0.5)),
                duration(at(0.99)),
                late.len()
            );
        }
    }
    group.finish();
}

fn block_on(c: &mut Criterion) {
    let mut group = c.benchmark_group("block_on");
    for flavour in rotated() {
        group.bench_function(BenchmarkId::from_parameter(flavour), |b| {
            b.iter_custom(|iterations| block_on_entries(flavour, iterations))
        });
    }
    group.finish();
}

/// `iterations` entries into `flavour`'s event loop with a future that returns its
/// iteration's number with every bit flipped, timed from the calling thread: the one
/// number where crossing into the runtime is the point. Each entry must return its
/// own value: an entry that did not run its future, or returned another's or a
/// default (all bits clear), cannot, even in a run of one iteration.
fn block_on_entries(flavour: Flavour, iterations: u64) -> Duration {
    struct Entries(u64);
    impl benches::Visitor for Entries {
        type Output = Duration;
        fn visit<R: chain_contract::Launch>(self, rt: R) -> Duration {
            rt.block_on(async {}); // the first entry starts lazily-started machinery
            let start = std::time::Instant::now();
            for i in 0..self.0 {
                let entered = rt.block_on(black_box(async move { !black_box(i) }));
                assert_eq!(entered, !i, "block_on returned another entry's value");
            }
            start.elapsed()
        }
    }
    flavour.visit(workers(), Entries(iterations)).expect("the runtime starts")
}

fn overhead(c: &mut Criterion) {
    for case in overhead::CASES {
        let mut group = c.benchmark_group(case.group());
        if !matches!(case.generic, Spec::Chain { .. }) {
            long_running(&mut group);
        }
        for flavour in rotated().filter(|flavour| flavour.has_native_twin()) {
            for side in [Side::Generic, Side::Native] {
                let measurer = case.prepare(side, flavour, workers()).expect("the runtime starts");
                bench(&mut group, BenchmarkId::new(side.label(), flavour), measurer);
            }
        }
        group.finish();
    }
}

criterion_group! {
    name = runtimes;
    // 10,000 bootstrap resamples instead of 100,000: the confidence intervals barely
    // move, and criterion's report (which plots each distribution) takes a seventh
    // of the time; it was two thirds of the suite's 17 minutes.
    config = Criterion::default()
        .nresamples(10_000)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = chain, fan_outs, http, http_serve, scheduler, timer, block_on, overhead
}
fn main() {
    benches::heap::keep_freed_memory();
    // Every result is printed with the versions and machine that produced it.
    println!(
        "versions: {}; machine: {}; multi-thread flavours: {} workers",
        chain_cli::versions::summary(&benches::Flavour::runtimes()),
        chain_cli::report::machine(),
        workers()
    );
    runtimes();
    Criterion::default().configure_from_args().final_summary();
}
