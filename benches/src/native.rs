//! The `overhead` group's baselines: the chain, a task-per-user fan-out and
//! `spawn_many`, written by hand against each runtime's own API, without the core's
//! contract, so that the contract's cost shows as a ratio.
//!
//! The repetition across runtimes is the point: each is what a user of that runtime
//! alone would write.

use std::{
    convert::Infallible,
    future::Future,
    hint::black_box,
    io,
    num::NonZeroUsize,
    sync::Arc,
    time::{Duration, Instant},
};

use chain_contract::Launch;
use chain_core::{User, UserId, UserWithOrders, model::article_orders};
use chain_lab::Tally;
use futures::{
    executor::ThreadPool,
    task::{LocalSpawnExt, SpawnExt},
};
use runtime_async_std::AsyncStdRuntime;
use runtime_compio::CompioRuntime;
use runtime_futures::FuturesRuntime;
use runtime_monoio::MonoioRuntime;
use runtime_smol::SmolRuntime;
use runtime_tokio::TokioRuntime;
use runtime_tokio_local::TokioLocalRuntime;

use crate::{
    Flavour, Measurable, Measurer,
    spec::measurer,
    workloads::{Expect, Sample, check_fan_out, check_spawned_sum, check_user},
};

/// What a baseline computes, the same as its generic counterpart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Native {
    /// The chain for user 1 with no latency ([`crate::workloads::Chain`]).
    Chain,
    /// Users 1..=N, a task each, no latency ([`crate::workloads::FanOut`], spawn shape).
    FanOut {
        /// How many users.
        users: usize,
    },
    /// N trivial tasks ([`crate::workloads::SpawnMany`]).
    SpawnMany {
        /// How many tasks.
        tasks: u64,
    },
}

/// The article's two fetches with a simulated latency on one runtime's own sleep,
/// as a user of that runtime alone writes them. The benchmarks pass no latency, hidden
/// from the optimiser, as the generic source has it.
macro_rules! fetches {
    ($chain:ident, $sleep:path, |$a:ident, $b:ident| $join:expr) => {
        async fn $chain(user_id: UserId) -> Result<UserWithOrders, Infallible> {
            let latency = black_box(Duration::ZERO);
            let user = async {
                if !latency.is_zero() {
                    $sleep(latency).await;
                }
                Ok::<_, Infallible>(User::new(user_id))
            };
            let orders = async {
                if !latency.is_zero() {
                    $sleep(latency).await;
                }
                Ok::<_, Infallible>(article_orders(user_id).to_vec())
            };
            let ($a, $b) = (user, orders);
            let (user, orders) = $join?;
            Ok(UserWithOrders { user, orders })
        }
    };
}

fetches!(tokio_chain, tokio::time::sleep, |a, b| tokio::try_join!(a, b));
fetches!(smol_chain, smol::Timer::after, |a, b| smol::future::try_zip(a, b).await);
fetches!(async_std_chain, async_std::task::sleep, |a, b| futures::try_join!(a, b));
fetches!(futures_chain, async_io::Timer::after, |a, b| futures::try_join!(a, b));
fetches!(compio_chain, compio::time::sleep, |a, b| futures::try_join!(a, b));
fetches!(monoio_chain, monoio::time::sleep, |a, b| futures::try_join!(a, b));

struct TokioNative(tokio::runtime::Handle, Native);
struct TokioLocalNative(Native);
struct SmolNative(Arc<smol::Executor<'static>>, Native);
struct AsyncStdNative(Native);
struct FuturesNative(ThreadPool, Native);
struct LocalPoolNative(Native);
struct CompioNative(Native);
struct MonoioNative(Native);

impl Measurable for TokioNative {
    async fn run_once(&self) -> Option<Tally> {
        match self.1 {
            Native::Chain => check_user(1, &tokio_chain(1).await.unwrap()),
            Native::FanOut { users } => {
                let tasks: Vec<_> =
                    (1..=users as UserId).map(|id| self.0.spawn(tokio_chain(id))).collect();
                let mut results = Vec::with_capacity(users);
                for task in tasks {
                    results.push(Ok(task.await.expect("no panic").unwrap()));
                }
                return Some(check_fan_out(users, &results, Expect::Results));
            }
            Native::SpawnMany { tasks } => {
                let handles: Vec<_> = (0..tasks).map(|i| self.0.spawn(async move { i })).collect();
                let mut sum = 0;
                for handle in handles {
                    sum += handle.await.expect("no panic");
                }
                check_spawned_sum(tasks, sum);
            }
        }
        None
    }
}

impl Measurable for SmolNative {
    async fn run_once(&self) -> Option<Tally> {
        match self.1 {
            Native::Chain => check_user(1, &smol_chain(1).await.unwrap()),
            Native::FanOut { users } => {
                let tasks: Vec<_> =
                    (1..=users as UserId).map(|id| self.0.spawn(smol_chain(id))).collect();
                let mut results = Vec::with_capacity(users);
                for task in tasks {
                    results.push(Ok(task.await.unwrap()));
                }
                return Some(check_fan_out(users, &results, Expect::Results));
            }
            Native::SpawnMany { tasks } => {
                let handles: Vec<_> = (0..tasks).map(|i| self.0.spawn(async move { i })).collect();
                let mut sum = 0;
                for handle in handles {
                    sum += handle.await;
                }
                check_spawned_sum(tasks, sum);
            }
        }
        None
    }
}

impl Measurable for AsyncStdNative {
    async fn run_once(&self) -> Option<Tally> {
        match self.0 {
            Native::Chain => check_user(1, &async_std_chain(1).await.unwrap()),
            Native::FanOut { users } => {
                let tasks: Vec<_> = (1..=users as UserId)
                    .map(|id| async_std::task::spawn(async_std_chain(id)))
                    .collect();
                let mut results = Vec::with_capacity(users);
                for task in tasks {
                    results.push(Ok(task.await.unwrap()));
                }
                return Some(check_fan_out(users, &results, Expect::Results));
            }
            Native::SpawnMany { tasks } => {
                let handles: Vec<_> =
                    (0..tasks).map(|i| async_std::task::spawn(async move { i })).collect();
                let mut sum = 0;
                for handle in handles {
                    sum += handle.await;
                }
                check_spawned_sum(tasks, sum);
            }
        }
        None
    }
}

impl Measurable for FuturesNative {
    async fn run_once(&self) -> Option<Tally> {
        let spawn = |future| self.0.spawn_with_handle(future).expect("the pool runs");
        match self.1 {
            Native::Chain => check_user(1, &futures_chain(1).await.unwrap()),
            Native::FanOut { users } => {
                let tasks: Vec<_> =
                    (1..=users as UserId).map(|id| spawn(futures_chain(id))).collect();
                let mut results = Vec::with_capacity(users);
                for task in tasks {
                    results.push(Ok(task.await.unwrap()));
                }
                return Some(check_fan_out(users, &results, Expect::Results));
            }
            Native::SpawnMany { tasks } => {
                let handles: Vec<_> = (0..tasks)
                    .map(|i| self.0.spawn_with_handle(async move { i }).unwrap())
                    .collect();
                let mut sum = 0;
                for handle in handles {
                    sum += handle.await;
                }
                check_spawned_sum(tasks, sum);
            }
        }
        None
    }
}

/// A baseline whose futures are not `Send` (they hold the runtime's own timers and
/// handles, as its users' code does): run by [`local_measurer`].
trait LocalMeasurable: 'static {
    /// One run, on the calling thread's runtime, checked.
    fn run_once(&self) -> impl Future<Output = Option<Tally>>;
}

/// Times `iterations` runs of `baseline` inside `rt`'s `block_on`: on a
/// current-thread flavour, the runtime's one worker (where the generic workload's
/// task runs too); neither building the runtime nor entering it is counted.
fn local_measurer<R: Launch, B: LocalMeasurable>(rt: R, baseline: B) -> Measurer {
    Box::new(move |iterations| {
        rt.block_on(async {
            let start = Instant::now();
            let mut tally = None;
            for _ in 0..iterations {
                tally = baseline.run_once().await;
            }
            Sample { took: start.elapsed(), tally, latencies: None }
        })
    })
}

impl LocalMeasurable for LocalPoolNative {
    async fn run_once(&self) -> Option<Tally> {
        // The pool of the thread this runs on (a current-thread flavour's only one).
        let pool = runtime_futures::LocalPoolLoop::spawner();
        let spawn = |future| pool.spawn_local_with_handle(future).expect("the pool runs");
        match self.0 {
            Native::Chain => check_user(1, &futures_chain(1).await.unwrap()),
            Native::FanOut { users } => {
                let tasks: Vec<_> =
                    (1..=users as UserId).map(|id| spawn(futures_chain(id))).collect();
                let mut results = Vec::with_capacity(users);
                for task in tasks {
                    results.push(Ok(task.await.unwrap()));
                }
                return Some(check_fan_out(users, &results, Expect::Results));
            }
            Native::SpawnMany { tasks } => {
                let handles: Vec<_> = (0..tasks)
                    .map(|i| pool.spawn_local_with_handle(async move { i }).unwrap())
                    .collect();
                let mut sum = 0;
                for handle in handles {
                    sum += handle.await;
                }
                check_spawned_sum(tasks, sum);
            }
        }
        None
    }
}

impl LocalMeasurable for TokioLocalNative {
    async fn run_once(&self) -> Option<Tally> {
        match self.0 {
            Native::Chain => check_user(1, &tokio_chain(1).await.unwrap()),
            Native::FanOut { users } => {
                let tasks: Vec<_> = (1..=users as UserId)
                    .map(|id| tokio::task::spawn_local(tokio_chain(id)))
                    .collect();
                let mut results = Vec::with_capacity(users);
                for task in tasks {
                    results.push(Ok(task.await.expect("no panic").unwrap()));
                }
                return Some(check_fan_out(users, &results, Expect::Results));
            }
            Native::SpawnMany { tasks } => {
                let handles: Vec<_> =
                    (0..tasks).map(|i| tokio::task::spawn_local(async move { i })).collect();
                let mut sum = 0;
                for handle in handles {
                    sum += handle.await.expect("no panic");
                }
                check_spawned_sum(tasks, sum);
            }
        }
        None
    }
}

impl LocalMeasurable for CompioNative {
    async fn run_once(&self) -> Option<Tally> {
        match self.0 {
            Native::Chain => check_user(1, &compio_chain(1).await.unwrap()),
            Native::FanOut { users } => {
                let tasks: Vec<_> = (1..=users as UserId)
                    .map(|id| compio::runtime::spawn(compio_chain(id)))
                    .collect();
                let mut results = Vec::with_capacity(users);
                for task in tasks {
                    results.push(Ok(task.await.expect("no panic").unwrap()));
                }
                return Some(check_fan_out(users, &results, Expect::Results));
            }
            Native::SpawnMany { tasks } => {
                let handles: Vec<_> =
                    (0..tasks).map(|i| compio::runtime::spawn(async move { i })).collect();
                let mut sum = 0;
                for handle in handles {
                    sum += handle.await.expect("no panic");
                }
                check_spawned_sum(tasks, sum);
            }
        }
        None
    }
}

impl LocalMeasurable for MonoioNative {
    async fn run_once(&self) -> Option<Tally> {
        match self.0 {
            Native::Chain => check_user(1, &monoio_chain(1).await.unwrap()),
            Native::FanOut { users } => {
                let tasks: Vec<_> =
                    (1..=users as UserId).map(|id| monoio::spawn(monoio_chain(id))).collect();
                let mut results = Vec::with_capacity(users);
                for task in tasks {
                    results.push(Ok(task.await.unwrap()));
                }
                return Some(check_fan_out(users, &results, Expect::Results));
            }
            Native::SpawnMany { tasks } => {
                let handles: Vec<_> = (0..tasks).map(|i| monoio::spawn(async move { i })).collect();
                let mut sum = 0;
                for handle in handles {
                    sum += handle.await;
                }
                check_spawned_sum(tasks, sum);
            }
        }
        None
    }
}

/// Builds `flavour`'s runtime and returns a function that times `iterations` runs of
/// the native baseline `what` on it (inside a task on its workers, like the generic
/// workloads).
///
/// # Errors
///
/// The runtime could not be built.
pub fn prepare(flavour: Flavour, workers: NonZeroUsize, what: Native) -> io::Result<Measurer> {
    use Flavour::*;
    Ok(match flavour {
        TokioCurrentThread | TokioMultiThread => {
            let rt: TokioRuntime = flavour.launch(workers)?;
            let native = TokioNative(rt.handle().clone(), what);
            measurer(rt, native)
        }
        SmolCurrentThread | SmolMultiThread => {
            let rt: SmolRuntime = flavour.launch(workers)?;
            let native = SmolNative(rt.executor().clone(), what);
            measurer(rt, native)
        }
        AsyncStd => measurer(flavour.launch::<AsyncStdRuntime>(workers)?, AsyncStdNative(what)),
        FuturesThreadPool => {
            let rt: FuturesRuntime = flavour.launch(workers)?;
            let native = FuturesNative(rt.pool().expect("the multi-thread flavour").clone(), what);
            measurer(rt, native)
        }
        FuturesLocalPool => {
            local_measurer(flavour.launch::<FuturesRuntime>(workers)?, LocalPoolNative(what))
        }
        TokioLocalCurrentThread => {
            local_measurer(flavour.launch::<TokioLocalRuntime>(workers)?, TokioLocalNative(what))
        }
        CompioCurrentThread | CompioEpollCurrentThread => {
            local_measurer(flavour.launch::<CompioRuntime>(workers)?, CompioNative(what))
        }
        MonoioCurrentThread | MonoioEpollCurrentThread => {
            local_measurer(flavour.launch::<MonoioRuntime>(workers)?, MonoioNative(what))
        }
        TokioThreadPerCore
        | CompioThreadPerCore
        | CompioEpollThreadPerCore
        | MonoioThreadPerCore
        | MonoioEpollThreadPerCore => return Err(no_native_twin(flavour)),
    })
}

/// Why a thread-per-core flavour has no native twin: its fan-out deals users among
/// its shards, which neither runtime's own API does (monoio has no dispatcher), so
/// the contract's cost there is its current-thread flavour's, one shard's.
fn no_native_twin(flavour: Flavour) -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        format!(
            "{flavour} has no native twin: the contract's cost per shard is its current-thread \
             flavour's"
        ),
    )
}
