//! The workloads, written once against the core's contract and run unchanged on
//! every flavour. Each checks its own result and panics if it is wrong, so a fast
//! wrong answer cannot win.

use std::{
    future::Future,
    num::NonZeroUsize,
    pin::pin,
    sync::Arc,
    task::Poll,
    time::{Duration, Instant},
};

use chain_core::{
    DataSource, JoinHandle, Runtime, Tally, UserId, UserResult, UserWithOrders, cli::Shape,
    fan_out, fan_out_bounded, fan_out_bounded_spawned, fan_out_spawned, get_user_with_orders,
    model::article_orders, run_on_worker,
};
use futures::{
    SinkExt, StreamExt,
    channel::{mpsc, oneshot},
    future::poll_fn,
};

/// Something measurable: one run of it, checked.
pub trait Workload: Send + Sync + 'static {
    /// Runs the workload once on the current runtime; for the workloads that fetch
    /// for many users, returns the run's [`Tally`].
    ///
    /// # Panics
    ///
    /// If the result is wrong or missing.
    fn run_once(&self) -> impl Future<Output = Option<Tally>> + Send;
}

/// What a measurement found: the time, and the last run's [`Tally`] where the
/// workload keeps one.
#[derive(Clone, Debug)]
pub struct Sample {
    /// The time all the runs took together.
    pub took: Duration,
    /// The last run's accounting of its users.
    pub tally: Option<Tally>,
}

/// Runs `workload` `iterations` times inside one task spawned on `rt` and returns the
/// time taken inside that task: the runtime's own worker does the work, and neither
/// building the runtime nor entering `block_on` is counted.
pub fn measure<R: Runtime, W: Workload>(rt: &R, workload: &Arc<W>, iterations: u64) -> Sample {
    let workload = workload.clone();
    run_on_worker(rt, async move {
        let start = Instant::now();
        let mut tally = None;
        for _ in 0..iterations {
            tally = workload.run_once().await;
        }
        Sample { took: start.elapsed(), tally }
    })
}

/// Which outcomes a run of a fetching workload may return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Every user's result: an error fails the run.
    Results,
    /// A result or an error naming the user: faults are injected on purpose.
    ResultsOrErrors,
}

/// Panics unless `value` is the article's answer for `user_id`. Cheap enough for the
/// hot path, and used alike by the generic, native and synchronous versions.
pub fn check_user(user_id: UserId, value: &UserWithOrders) {
    let named = value.user.user_name.strip_prefix("user-").and_then(|id| id.parse().ok());
    assert!(
        value.user.user_id == user_id
            && named == Some(user_id)
            && value.orders == article_orders(user_id),
        "wrong result for user {user_id}: {value}"
    );
}

/// The [`Tally`] of `results`; panics unless they hold users 1..=`users`, in order,
/// none lost, each result correct, and (unless `expect` allows them) no error.
pub fn check_fan_out(users: usize, results: &[UserResult], expect: Expect) -> Tally {
    let tally = Tally::of(1..=users as UserId, results).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(tally.lost, 0, "a fan-out lost users: {tally}");
    for value in results.iter().flatten() {
        check_user(value.user.user_id, value);
    }
    if expect == Expect::Results && tally.errors() > 0 {
        let first = results.iter().find_map(|r| r.as_ref().err()).expect("an error is counted");
        panic!(
            "only complete results are ranked, and {tally}; the first: {first} \
             (to measure under faults, inject them with --fail-rate or --hang-rate)"
        );
    }
    tally
}

/// Panics unless `sum` adds up the outputs `0..tasks` of `tasks` spawned tasks.
pub fn check_spawned_sum(tasks: u64, sum: u64) {
    assert_eq!(sum, tasks * tasks.saturating_sub(1) / 2, "a spawned task's output was lost");
}

/// The article's chain for user 1: two fetches joined.
pub struct Chain<S> {
    /// Where the fetches go.
    pub source: S,
    /// Whether the chain may fail.
    pub expect: Expect,
}

impl<S: DataSource + 'static> Workload for Chain<S> {
    async fn run_once(&self) -> Option<Tally> {
        match (get_user_with_orders(&self.source, 1).await, self.expect) {
            (Ok(value), Expect::Results) => check_user(1, &value),
            (Err(error), Expect::Results) => panic!("the chain failed: {error}"),
            (result, Expect::ResultsOrErrors) => {
                return Some(check_fan_out(1, &[result], self.expect));
            }
        }
        None
    }
}

/// The same computation as [`Chain`] as a plain function: the floor under every runtime.
pub fn chain_floor(user_id: UserId) -> UserWithOrders {
    let value = UserWithOrders {
        user: chain_core::User::new(user_id),
        orders: article_orders(user_id).to_vec(),
    };
    check_user(user_id, &value);
    value
}

/// Users 1..=N chained all at once, or with at most `limit` in flight, in one of
/// the two shapes (futures inside one task, or a task per user).
pub struct FanOut<R, S> {
    /// Spawns the tasks of the spawn shape.
    pub rt: R,
    /// Where the fetches go.
    pub source: S,
    /// How many users.
    pub users: usize,
    /// Futures in one task, or a task per user.
    pub shape: Shape,
    /// At most this many users in flight; `None` for all at once.
    pub limit: Option<NonZeroUsize>,
    /// Whether users may fail.
    pub expect: Expect,
}

impl<R: Runtime, S: DataSource + Clone + 'static> Workload for FanOut<R, S> {
    async fn run_once(&self) -> Option<Tally> {
        let (rt, source, ids) = (&self.rt, &self.source, 1..=self.users as UserId);
        let results = match (self.shape, self.limit) {
            (Shape::Join, None) => fan_out(source, ids).await,
            (Shape::Spawn, None) => fan_out_spawned(rt, source, ids).await,
            (Shape::Join, Some(k)) => fan_out_bounded(source, ids, k).await,
            (Shape::Spawn, Some(k)) => fan_out_bounded_spawned(rt, source, ids, k).await,
        };
        Some(check_fan_out(self.users, &results, self.expect))
    }
}

/// Spawns `tasks` trivial tasks, then awaits them all (tokio's `spawn_many`).
pub struct SpawnMany<R> {
    /// The runtime spawning.
    pub rt: R,
    /// How many tasks.
    pub tasks: u64,
}

impl<R: Runtime> Workload for SpawnMany<R> {
    async fn run_once(&self) -> Option<Tally> {
        let handles: Vec<_> = (0..self.tasks).map(|i| self.rt.spawn(async move { i })).collect();
        let mut sum = 0;
        for handle in handles {
            sum += handle.await.expect("a trivial task completes");
        }
        check_spawned_sum(self.tasks, sum);
        None
    }
}

/// Each task spawns the next, `depth` deep; the last reports back (tokio's
/// `chained_spawn`).
pub struct SpawnChain<R> {
    /// The runtime spawning.
    pub rt: R,
    /// How many links.
    pub depth: u64,
}

fn link<R: Runtime>(rt: R, left: u64, done: oneshot::Sender<u64>, depth: u64) {
    if left == 0 {
        let _ = done.send(depth);
    } else {
        let next = rt.clone();
        rt.spawn(async move { link(next, left - 1, done, depth) }).detach();
    }
}

impl<R: Runtime> Workload for SpawnChain<R> {
    async fn run_once(&self) -> Option<Tally> {
        let (done, reached) = oneshot::channel();
        link(self.rt.clone(), self.depth, done, self.depth);
        assert_eq!(reached.await, Ok(self.depth), "the spawn chain broke");
        None
    }
}

/// Yields to the scheduler once: returns `Pending` after asking to be polled again.
/// The same code on every runtime, unlike each runtime's own `yield_now`.
pub async fn yield_now() {
    let mut yielded = false;
    poll_fn(|cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await;
}

/// `tasks` tasks each yielding `yields` times (tokio's `yield_many`).
pub struct YieldMany<R> {
    /// The runtime running the tasks.
    pub rt: R,
    /// How many tasks.
    pub tasks: u64,
    /// How many yields each.
    pub yields: u64,
}

impl<R: Runtime> Workload for YieldMany<R> {
    async fn run_once(&self) -> Option<Tally> {
        let yields = self.yields;
        let handles: Vec<_> = (0..self.tasks)
            .map(|_| {
                self.rt.spawn(async move {
                    for _ in 0..yields {
                        yield_now().await;
                    }
                    yields
                })
            })
            .collect();
        let mut total = 0;
        for handle in handles {
            total += handle.await.expect("a yielding task completes");
        }
        assert_eq!(total, self.tasks * self.yields);
        None
    }
}

/// `rounds` request/reply round trips with a spawned partner, through `futures`'
/// channels (the same channel on every runtime).
pub struct PingPong<R> {
    /// The runtime running the partner.
    pub rt: R,
    /// How many round trips.
    pub rounds: u64,
}

type Request = (u64, oneshot::Sender<u64>);

impl<R: Runtime> Workload for PingPong<R> {
    async fn run_once(&self) -> Option<Tally> {
        let (mut requests, mut inbox) = mpsc::channel::<Request>(1);
        let partner = self.rt.spawn(async move {
            let mut served = 0;
            while let Some((n, reply)) = inbox.next().await {
                let _ = reply.send(n + 1);
                served += 1;
            }
            served
        });
        for n in 0..self.rounds {
            let (reply, answer) = oneshot::channel();
            requests.send((n, reply)).await.expect("the partner listens");
            assert_eq!(answer.await, Ok(n + 1));
        }
        drop(requests);
        assert_eq!(partner.await.expect("the partner completes"), self.rounds);
        None
    }
}

/// Registers a sleep with the timer and deregisters it: one first poll, one drop.
pub struct SleepRegistration<R> {
    /// The runtime whose timer is measured.
    pub rt: R,
}

impl<R: Runtime> Workload for SleepRegistration<R> {
    async fn run_once(&self) -> Option<Tally> {
        let mut sleep = pin!(self.rt.sleep(Duration::from_secs(3600)));
        assert!(futures::poll!(sleep.as_mut()).is_pending(), "an hour passed");
        None
    }
}

/// One sleep of `duration`: its wall time minus `duration` is the oversleep.
pub struct Sleep<R> {
    /// The runtime whose timer is measured.
    pub rt: R,
    /// How long to ask for.
    pub duration: Duration,
}

impl<R: Runtime> Workload for Sleep<R> {
    async fn run_once(&self) -> Option<Tally> {
        let start = self.rt.now();
        self.rt.sleep(self.duration).await;
        assert!(self.rt.now() - start >= self.duration, "the sleep woke early");
        None
    }
}
