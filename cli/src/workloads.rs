//! The programs behind each command: run the core's code, check its result, print
//! the figures that matter for it.

use std::{io, net::SocketAddr, num::NonZeroUsize, time::Duration};

use super::{
    SourceArgs, SourceKind,
    args::{Command, FanOutArgs, Mode},
    outcome::{checked, injected, summary, unexplained},
    progress::Progress,
    report::duration,
    source::{planned_faults, via},
};
use chain_contract::{Runtime, timeout};
use chain_core::{
    DataSource, InMemorySource, UserId, UserResult, fan_out_shaped, get_user_with_orders,
    get_user_with_orders_sequential, get_user_with_orders_spawned, hello_world,
};
use chain_http::Source;
use chain_lab::{FaultPlan, Hedging, Instrumented, MaybeFaulty, Timed, Work, WorkDone, Working};
use record_service::ServiceConfig;

/// The fetch latency of the default program: long enough to see, short enough to wait.
pub(super) const DEMO_LATENCY: Duration = Duration::from_millis(100);

type Memory<R> = Instrumented<InMemorySource<<R as Runtime>::Timer>>;

fn source<R: Runtime>(rt: &R, latency: Duration) -> Memory<R> {
    Instrumented::new(InMemorySource::new(rt.timer()).with_latency(latency))
}

/// The record service to start in-process, with its delay and tail, where the
/// options ask for one.
pub(super) fn in_process_service(command: &Command) -> Option<ServiceConfig> {
    let (source, delay) = command.source()?;
    let tail = source.tail(delay).expect("the tail was checked with the command line");
    let config = ServiceConfig { delay, tail, ..ServiceConfig::default() };
    (source.kind == SourceKind::Http && source.address.is_none()).then_some(config)
}

/// Runs `command` and prints its figures; the error says what went wrong.
/// `service` is the in-process record service's address, when one was started.
pub(super) async fn run<R: Runtime>(
    rt: R,
    command: Command,
    service: Option<SocketAddr>,
) -> Result<(), String> {
    match command {
        Command::Demo { latency } => demo(&rt, latency).await,
        Command::Hello { delay } => hello(&rt, delay).await,
        Command::Chain { user, mode, latency, source } => {
            fetching(rt, &source, latency, service, Fetching::Chain { user, mode }).await
        }
        Command::FanOut(fanout) => {
            let (source, latency) = (fanout.source.clone(), fanout.latency);
            fetching(rt, &source, latency, service, Fetching::FanOut { fanout, limit: None }).await
        }
        Command::Bounded { fanout, concurrency } => {
            let (source, latency) = (fanout.source.clone(), fanout.latency);
            let work = Fetching::FanOut { fanout, limit: Some(concurrency) };
            fetching(rt, &source, latency, service, work).await
        }
        Command::Timeout { user, latency, limit } => time_limited(&rt, user, latency, limit).await,
        Command::Serve(args) => super::serve::serve(rt, args, service).await,
    }
}

/// A workload that fetches, on whichever source its options chose.
enum Fetching {
    Chain { user: UserId, mode: Mode },
    FanOut { fanout: FanOutArgs, limit: Option<NonZeroUsize> },
}

/// Runs `work` against the source `args` ask for, with their faults injected.
async fn fetching<R: Runtime>(
    rt: R,
    args: &SourceArgs,
    latency: Duration,
    service: Option<SocketAddr>,
    work: Fetching,
) -> Result<(), String> {
    let plan = planned_faults(args, latency)?;
    let faults = plan.map(|plan| (plan, args.fetch_timeout));
    let source = via(args, latency, service).source(&rt);
    let http = if let Source::Http(http) = &source { Some(http.clone()) } else { None };
    // A service at --address waits as long as it was told to: unknown here.
    let latency = args.address.is_none().then_some(latency);
    let source = Hedging::new(MaybeFaulty::new(&rt, source, faults), &rt, args.hedge_after);
    let budget = source.budget();
    let (rt, plan) = (&rt, plan.as_ref());
    match work {
        Fetching::Chain { user, mode } => {
            chain(rt, &Instrumented::new(source), user, mode, latency, plan).await.map(drop)?
        }
        Fetching::FanOut { fanout, limit } => match fanout.work() {
            None => {
                let source = &Instrumented::new(Timed::new(source, rt, fanout.users.get()));
                fan_out_users(rt, source, &fanout, latency, limit, plan).await.map(drop)?
            }
            Some(work) => {
                let done = WorkDone::new(rt.shards());
                let source = Working::new(source, work, done.clone());
                let source = &Instrumented::new(Timed::new(source, rt, fanout.users.get()));
                let results = fan_out_users(rt, source, &fanout, latency, limit, plan).await?;
                work_done(work, &results, &done)?
            }
        },
    }
    if let Some(after) = args.hedge_after {
        say!("  hedged after {}: {budget}", duration(after));
    }
    if let Some(http) = http {
        say!("  connections opened: {}", http.connections_opened());
    }
    Ok(())
}

async fn demo<R: Runtime>(rt: &R, latency: Duration) -> Result<(), String> {
    hello(rt, Duration::from_secs(1)).await?;
    say!("");
    let joined = chain(rt, &source(rt, latency), 1, Mode::Joined, Some(latency), None).await?;
    let sequential =
        chain(rt, &source(rt, latency), 1, Mode::Sequential, Some(latency), None).await?;
    if !latency.is_zero() {
        let in_latencies = |took: Duration| took.as_secs_f64() / latency.as_secs_f64();
        say!(
            "the joined fetches took {:.2} latencies, the sequential ones {:.2}: while one fetch waits, the event loop runs the other",
            in_latencies(joined),
            in_latencies(sequential),
        );
    }
    Ok(())
}

async fn hello<R: Runtime>(rt: &R, delay: Duration) -> Result<(), String> {
    let start = rt.now();
    if let Err(e) = hello_world(rt, delay, &mut io::stdout()).await {
        super::report::stdout_failed(&e);
    }
    say!("(slept {} for a requested {})", duration(rt.now() - start), duration(delay));
    Ok(())
}

async fn chain<R: Runtime, S: DataSource + Clone + 'static>(
    rt: &R,
    source: &Instrumented<S>,
    user: UserId,
    mode: Mode,
    latency: Option<Duration>,
    plan: Option<&FaultPlan>,
) -> Result<Duration, String> {
    let progress = Progress::start(2, source.counters());
    let start = rt.now();
    let result = match mode {
        Mode::Joined => get_user_with_orders(source, user).await,
        Mode::Sequential => get_user_with_orders_sequential(source, user).await,
        Mode::Spawned => get_user_with_orders_spawned(rt, source, user).await,
    };
    let took = rt.now() - start;
    drop(progress);
    let name = clap::ValueEnum::to_possible_value(&mode).map(|v| v.get_name().to_owned());
    let name = name.unwrap_or_default();
    match injected(result, plan) {
        Ok(result) => say!("get_user_with_orders({user}) = {}", checked(user, result)?),
        Err(error) => say!("get_user_with_orders({user}) failed as injected: {error}"),
    }
    say!(
        "  {name}: 2 fetches {}, at most {} in flight, took {}",
        latency.map_or_else(
            || "at the service's own latency".to_owned(),
            |l| format!("of {} each", duration(l))
        ),
        source.all().peak(),
        duration(took),
    );
    Ok(took)
}

/// Runs the fan-out `fanout` asks for and says how it went; its results, unless an
/// error is not one `plan` explains.
async fn fan_out_users<R: Runtime, S: DataSource + Clone + 'static>(
    rt: &R,
    source: &Instrumented<Timed<S, R>>,
    fanout: &FanOutArgs,
    latency: Option<Duration>,
    limit: Option<NonZeroUsize>,
    plan: Option<&FaultPlan>,
) -> Result<Vec<UserResult>, String> {
    let n = fanout.users.get();
    let ids = 1..=n as UserId;
    let progress = Progress::start(2 * n, source.counters());
    let start = rt.now();
    let results = fan_out_shaped(rt, source, ids, fanout.shape, limit).await;
    let took = rt.now() - start;
    drop(progress);

    let shape = match fanout.shape {
        chain_core::Shape::Join => "every user a future in one task",
        chain_core::Shape::Spawn => "every user a task",
    };
    let at_once = match limit {
        Some(k) if k.get() < n => format!("at most {k} at once"),
        _ => "all at once".to_owned(),
    };
    say!("{n} users, {at_once}, {shape}, latency {}", latency_text(latency));
    say!("  {}", summary(n, &results)?);
    say!(
        "  wall time {}, {} per user; at most {} in flight together",
        duration(took),
        duration(took / n as u32),
        count(source.users().peak(), "user", "users"),
    );
    let timings = source.inner().timings();
    if let (Some(users), Some(fetches)) = (timings.users(), timings.fetches()) {
        say!("  each user's chain: {users}; each fetch: {fetches}");
    }
    unexplained(&results, plan).map_or(Ok(results), Err)
}

/// Says the CPU work `done` by the fan-out that returned `results`, asking for
/// `work`, and fails unless it can be ([`Work::misdone`]).
fn work_done(work: Work, results: &[UserResult], done: &WorkDone) -> Result<(), String> {
    let asked = work.rounds_for_users(results.len());
    let (by_shard, done) = (done.by_shard(), done.total());
    let spread = match work.skew.get() {
        1 => "spread evenly".to_owned(),
        k => format!("moved onto one user in every {k}"),
    };
    say!("  CPU work: {done} rounds of hashing done of {asked}, {spread}");
    if by_shard.len() > 1 {
        let by_shard: Vec<_> = by_shard.iter().map(u64::to_string).collect();
        say!("  rounds done on each shard: {}", by_shard.join(", "));
    }
    work.misdone(done, results).map_or(Ok(()), Err)
}

/// A fetch's latency: the simulated or in-process one, or a service's own.
fn latency_text(latency: Option<Duration>) -> String {
    latency.map_or_else(|| "set by the service".to_owned(), duration)
}

/// `n` followed by the singular or plural noun.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

async fn time_limited<R: Runtime>(
    rt: &R,
    user: UserId,
    latency: Duration,
    limit: Duration,
) -> Result<(), String> {
    let source = source(rt, latency);
    let start = rt.now();
    let outcome = timeout(rt, limit, get_user_with_orders(&source, user)).await;
    let took = rt.now() - start;
    match outcome {
        Ok(result) => {
            let value = checked(user, result)?;
            // A timer that rounds up (tokio's) can let a result in after the limit.
            say!(
                "completed before the {} timer fired, after {}: {value}",
                duration(limit),
                duration(took),
            );
        }
        Err(elapsed) => say!(
            "{elapsed} (measured {}): {}, {} still running",
            duration(took),
            count(source.all().cancelled(), "fetch cancelled", "fetches cancelled"),
            source.all().live(),
        ),
    }
    Ok(())
}
