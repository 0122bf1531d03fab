//! The workloads, written once against the core's contract and run unchanged on
//! every flavour. Each checks its own result and panics if it is wrong, so a fast
//! wrong answer cannot win.

use std::{
    future::Future,
    hint::black_box,
    num::NonZeroUsize,
    pin::pin,
    sync::Arc,
    task::Poll,
    time::{Duration, Instant},
};

use chain_contract::{JoinHandle, Launch, run_on_worker};
use chain_core::{
    DataSource, FetchErrorKind, Operation, OrderId, Shape, User, UserId, UserResult,
    UserWithOrders, fan_out_shaped, get_user_with_orders, model::article_orders,
};
use chain_lab::{
    Expected, Fault, FaultPlan, HedgeBudget, Latencies, Tally, Timings, Work, WorkDone,
};
use futures::{
    SinkExt, StreamExt,
    channel::{mpsc, oneshot},
    future::poll_fn,
};

/// Something measurable: one run of it, checked.
pub trait Measurable: Send + Sync + 'static {
    /// Runs the workload once on the current runtime; for the workloads that fetch
    /// for many users, returns the run's [`Tally`].
    ///
    /// # Panics
    ///
    /// If the result is wrong or missing.
    fn run_once(&self) -> impl Future<Output = Option<Tally>> + Send;

    /// The latencies the last run's users met, for the workloads that keep them.
    fn latencies(&self) -> Option<Latencies> {
        None
    }
}

/// What a measurement found: the time, and the last run's [`Tally`] and
/// [`Latencies`] where the workload keeps them.
#[derive(Clone, Debug)]
pub struct Sample {
    /// The time all the runs took together.
    pub took: Duration,
    /// The last run's accounting of its users.
    pub tally: Option<Tally>,
    /// The latencies the last run's users met.
    pub latencies: Option<Latencies>,
}

/// Runs `workload` `iterations` times inside one task spawned on `rt` and returns the
/// time taken inside that task: the runtime's own worker does the work, and neither
/// building the runtime nor entering `block_on` is counted.
pub fn measure<R: Launch, W: Measurable>(rt: &R, workload: &Arc<W>, iterations: u64) -> Sample {
    let workload = workload.clone();
    run_on_worker(rt, async move {
        let start = Instant::now();
        let mut tally = None;
        for _ in 0..iterations {
            tally = workload.run_once().await;
        }
        Sample { took: start.elapsed(), tally, latencies: workload.latencies() }
    })
}

/// Which outcomes a run of a fetching workload may return.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Expect {
    /// Every user's result: an error fails the run.
    Results,
    /// For each user, what the plan implies ([`FaultPlan::expected_outcome`]): its
    /// result, or an error of the planned cause from a fetch the plan faults.
    Faults(FaultPlan),
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
/// none lost, and each user's entry is what `expect` allows ([`check_outcome`]).
pub fn check_fan_out(users: usize, results: &[UserResult], expect: Expect) -> Tally {
    let tally = Tally::of(1..=users as UserId, results).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(tally.lost, 0, "a fan-out lost users: {tally}");
    // Decided once, not per user: the overhead groups compare this check's cost on
    // the generic side with the native side's, which always expects results.
    let users = (1..).zip(results);
    match expect {
        Expect::Results => users.for_each(|(user_id, result)| check_result(user_id, result)),
        Expect::Faults(_) => {
            users.for_each(|(user_id, result)| check_outcome(user_id, result, expect))
        }
    }
    tally
}

/// Panics unless `result` is `user_id`'s correct result.
fn check_result(user_id: UserId, result: &UserResult) {
    match result {
        Ok(value) => check_user(user_id, value),
        Err(error) => panic!(
            "only complete results are ranked, and user {user_id} returned: {error} \
             (to measure under faults, inject them with --fail-rate or --hang-rate)"
        ),
    }
}

/// Panics unless `result` is what `expect` allows for `user_id`: its correct result
/// where a result is expected, else an error of the cause the plan implies, from a
/// fetch the plan injects that fault into.
pub fn check_outcome(user_id: UserId, result: &UserResult, expect: Expect) {
    let plan = match expect {
        Expect::Results => return check_result(user_id, result),
        Expect::Faults(plan) => plan,
    };
    let expected = plan.expected_outcome(user_id);
    let error = match (expected, result) {
        (Expected::Result, Ok(value)) => return check_user(user_id, value),
        (_, Ok(value)) => panic!(
            "user {user_id}: a result ({value}) where the fault plan ({plan}) implies {expected:?}"
        ),
        (_, Err(error)) => error,
    };
    let planned = |operation| plan.for_fetch(operation, user_id);
    let as_planned = match (expected, error.kind()) {
        (Expected::Failed, FetchErrorKind::Failed { operation, .. }) => {
            planned(*operation) == Some(Fault::Fail) && plan.explains(error)
        }
        (Expected::TimedOut, FetchErrorKind::TimedOut { operation, .. }) => {
            planned(*operation) == Some(Fault::Hang)
        }
        _ => false,
    };
    assert!(
        as_planned,
        "user {user_id}: \"{error}\" where the fault plan ({plan}) implies {expected:?}"
    );
}

/// The [`Tally`] that a run over users 1..=`users` must return under `expect`: every
/// user's result, or each user counted by the outcome its fault plan implies.
pub fn expected_tally(users: usize, expect: Expect) -> Tally {
    let mut tally = Tally { requested: users, ..Tally::default() };
    for user_id in 1..=users as UserId {
        let expected = match expect {
            Expect::Results => Expected::Result,
            Expect::Faults(plan) => plan.expected_outcome(user_id),
        };
        let (user_id, operation) = (user_id, Operation::FetchUser);
        let cause = match expected {
            Expected::Result => {
                tally.results += 1;
                continue;
            }
            Expected::Failed => {
                FetchErrorKind::Failed { user_id, operation, reason: String::new() }.cause()
            }
            Expected::TimedOut => {
                FetchErrorKind::TimedOut { user_id, operation, after: Duration::ZERO }.cause()
            }
        };
        *tally.errors_by_cause.entry(cause.to_owned()).or_default() += 1;
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

impl<S: DataSource + 'static> Measurable for Chain<S> {
    async fn run_once(&self) -> Option<Tally> {
        let result = get_user_with_orders(&self.source, 1).await;
        match self.expect {
            // Without faults a chain keeps no accounting: its one user is checked only.
            Expect::Results => {
                check_outcome(1, &result, self.expect);
                None
            }
            Expect::Faults(_) => Some(check_fan_out(1, &[result], self.expect)),
        }
    }
}

/// The article's answer, written out rather than computed: user 1, named `user-1`,
/// with orders 1, 3, 10 and 11.
const ARTICLE_ANSWER: (UserId, &str, [OrderId; 4]) = (1, "user-1", [1, 3, 10, 11]);

/// The same computation as [`Chain`] for user 1 as a plain function: the floor under
/// every runtime. The id goes through [`black_box`], so the compiler cannot build the
/// answer ahead of time, and the answer is checked against the article's, written
/// out: not against the same function that built it.
pub fn chain_floor() -> UserWithOrders {
    let user_id = black_box(ARTICLE_ANSWER.0);
    let value =
        UserWithOrders { user: User::new(user_id), orders: article_orders(user_id).to_vec() };
    let (id, name, orders) = ARTICLE_ANSWER;
    assert!(
        value.user.user_id == id && value.user.user_name == name && value.orders == orders,
        "the floor's answer is wrong: {value}"
    );
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
    /// The CPU work that `source` adds to each user, and where it counts it.
    pub work: Option<(Work, Arc<WorkDone>)>,
    /// Where `source` keeps its fetches' times ([`Timed`](chain_lab::Timed)) and its
    /// hedge's budget ([`Hedging`](chain_lab::Hedging)), when it keeps them.
    pub timings: Option<(Arc<Timings>, Option<Arc<HedgeBudget>>)>,
}

impl<R: Launch, S: DataSource + Clone + 'static> Measurable for FanOut<R, S> {
    async fn run_once(&self) -> Option<Tally> {
        if let Some((timings, budget)) = &self.timings {
            timings.clear();
            budget.iter().for_each(|budget| budget.clear());
        }
        let ids = 1..=self.users as UserId;
        let before = self.work.as_ref().map_or(0, |(_, done)| done.total());
        let results = fan_out_shaped(&self.rt, &self.source, ids, self.shape, self.limit).await;
        if let Some((work, done)) = &self.work {
            check_work(*work, done.total() - before, &results);
        }
        Some(check_fan_out(self.users, &results, self.expect))
    }

    fn latencies(&self) -> Option<Latencies> {
        let (timings, budget) = self.timings.as_ref()?;
        timings.latencies(budget.as_deref())
    }
}

/// Panics unless `done` rounds can be the CPU work of the fan-out that returned
/// `results` ([`Work::misdone`]).
pub fn check_work(work: Work, done: u64, results: &[UserResult]) {
    if let Some(wrong) = work.misdone(done, results) {
        panic!("{wrong}");
    }
}

/// Spawns `tasks` trivial tasks, then awaits them all (tokio's `spawn_many`).
pub struct SpawnMany<R> {
    /// The runtime spawning.
    pub rt: R,
    /// How many tasks.
    pub tasks: u64,
}

impl<R: Launch> Measurable for SpawnMany<R> {
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

/// One link: spawns the next with one more hop counted, until `left` runs out; the
/// last sends the hops, so a link skipped or not run changes the count.
fn link<R: Launch>(rt: R, left: u64, done: oneshot::Sender<u64>, hops: u64) {
    if left == 0 {
        let _ = done.send(hops);
    } else {
        let next = rt.clone();
        rt.spawn(async move { link(next, left - 1, done, hops + 1) }).detach();
    }
}

impl<R: Launch> Measurable for SpawnChain<R> {
    async fn run_once(&self) -> Option<Tally> {
        let (done, reached) = oneshot::channel();
        link(self.rt.clone(), self.depth, done, 0);
        assert_eq!(reached.await, Ok(self.depth), "the spawn chain broke: hops counted");
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

/// `future`'s polls until it completed: one more than the times it returned `Pending`.
pub async fn polls(future: impl Future<Output = ()>) -> u64 {
    let mut future = pin!(future);
    let mut polls = 0;
    poll_fn(|cx| {
        polls += 1;
        future.as_mut().poll(cx).map(|()| polls)
    })
    .await
}

impl<R: Launch> Measurable for YieldMany<R> {
    async fn run_once(&self) -> Option<Tally> {
        let yields = self.yields;
        let handles: Vec<_> = (0..self.tasks)
            .map(|_| {
                self.rt.spawn(polls(async move {
                    for _ in 0..yields {
                        yield_now().await;
                    }
                }))
            })
            .collect();
        let mut total = 0;
        for handle in handles {
            total += handle.await.expect("a yielding task completes");
        }
        // Each yield is a `Pending` and a poll more: a yield that did not give way
        // to the scheduler would leave a task polled fewer times.
        assert_eq!(total, self.tasks * (self.yields + 1), "polls of the yielding tasks");
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

impl<R: Launch> Measurable for PingPong<R> {
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

impl<R: Launch> Measurable for SleepRegistration<R> {
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

impl<R: Launch> Measurable for Sleep<R> {
    async fn run_once(&self) -> Option<Tally> {
        let start = self.rt.now();
        self.rt.sleep(self.duration).await;
        assert!(self.rt.now() - start >= self.duration, "the sleep woke early");
        None
    }
}

#[cfg(test)]
mod tests {
    use std::panic::{AssertUnwindSafe, catch_unwind};

    use chain_contract::Runtime;
    use chain_core::{FetchError, InMemorySource, model::article_user_with_orders};
    use chain_lab::{Faulty, TimeLimited};
    use runtime_smol::SmolRuntime;

    use super::*;
    use crate::{Flavour, Spec, Via};

    const LIMIT: Duration = Duration::from_millis(1);

    fn plan() -> FaultPlan {
        FaultPlan::new(3).with_failures(0.2).unwrap().with_hangs(0.2).unwrap()
    }

    fn answers(ids: impl IntoIterator<Item = UserId>) -> Vec<UserResult> {
        ids.into_iter().map(|id| Ok(article_user_with_orders(id))).collect()
    }

    fn error(kind: FetchErrorKind) -> UserResult {
        Err(FetchError::from(kind))
    }

    /// Whether `check` panicked.
    fn panics(check: impl FnOnce()) -> bool {
        catch_unwind(AssertUnwindSafe(check)).is_err()
    }

    /// What a fan-out over users 1..=`users` returns with `plan`'s faults, for real.
    fn faulty_fan_out(users: usize, plan: FaultPlan) -> Vec<UserResult> {
        let rt = SmolRuntime::current_thread();
        let faulty = Faulty::new(InMemorySource::new(rt.timer()), rt.timer(), plan);
        let source = TimeLimited::new(faulty, &rt, LIMIT);
        rt.block_on(chain_core::fan_out(&source, 1..=users as UserId))
    }

    #[test]
    fn the_articles_answer_passes_every_check() {
        let results = answers(1..=3);
        assert_eq!(check_fan_out(3, &results, Expect::Results), expected_tally(3, Expect::Results));
        check_user(1, &chain_floor());
        check_spawned_sum(10, 45);
    }

    #[test]
    #[should_panic(expected = "wrong result for user 1")]
    fn check_user_refuses_a_wrong_orders_list() {
        check_user(1, &UserWithOrders { user: User::new(1), orders: vec![1, 3, 10] });
    }

    #[test]
    #[should_panic(expected = "wrong result for user 1")]
    fn check_user_refuses_another_users_answer() {
        check_user(1, &article_user_with_orders(2));
    }

    #[test]
    #[should_panic(expected = "should be user 1's")]
    fn check_fan_out_refuses_users_out_of_order() {
        check_fan_out(2, &answers([2, 1]), Expect::Results);
    }

    #[test]
    #[should_panic(expected = "lost users")]
    fn check_fan_out_refuses_a_missing_user() {
        check_fan_out(3, &answers([1, 2]), Expect::Results);
    }

    #[test]
    #[should_panic(expected = "wrong result for user 2")]
    fn check_fan_out_refuses_a_wrong_orders_list() {
        let mut results = answers(1..=3);
        results[1] = Ok(UserWithOrders { user: User::new(2), orders: vec![34, 23] });
        check_fan_out(3, &results, Expect::Results);
    }

    #[test]
    #[should_panic(expected = "only complete results are ranked")]
    fn check_fan_out_refuses_an_error_where_results_were_expected() {
        let mut results = answers(1..=3);
        let (user_id, operation, after) = (3, Operation::FetchOrders, LIMIT);
        results[2] = error(FetchErrorKind::TimedOut { user_id, operation, after });
        check_fan_out(3, &results, Expect::Results);
    }

    #[test]
    fn a_fan_out_with_work_is_checked_for_all_of_it_on_every_flavour() {
        let work = Work::new(50, std::num::NonZeroU32::new(3).unwrap(), 30);
        let spec = |work| Spec::FanOut {
            users: 30,
            via: Via::MEMORY,
            shape: Shape::Spawn,
            limit: None,
            faults: None,
            work,
            hedge: None,
        };
        for flavour in Flavour::ALL {
            let mut measurer = spec(Some(work)).prepare(flavour, NonZeroUsize::MIN).unwrap();
            assert_eq!(measurer(2).tally.map(|t| t.results), Some(30), "{flavour:?}");
        }
        let results: Vec<UserResult> =
            (1..=30).map(|id| Ok(article_user_with_orders(id))).collect();
        check_work(work, work.rounds_for_users(30), &results);
        let not_done = catch_unwind(|| check_work(work, 0, &results));
        let done_twice = catch_unwind(|| check_work(work, 2 * work.rounds_for_users(30), &results));
        assert!(not_done.is_err() && done_twice.is_err());
    }

    #[test]
    #[should_panic(expected = "a spawned task's output was lost")]
    fn check_spawned_sum_refuses_a_wrong_sum() {
        check_spawned_sum(10, 44);
    }

    #[test]
    fn a_faulty_fan_out_returns_exactly_what_its_plan_implies() {
        let expected = expected_tally(300, Expect::Faults(plan()));
        // The plan faults some users each way, and leaves some alone.
        assert!(expected.results > 0 && expected.errors_by_cause.len() == 2, "{expected}");
        let results = faulty_fan_out(300, plan());
        assert_eq!(check_fan_out(300, &results, Expect::Faults(plan())), expected);
        // Measured through the spec, as compare and criterion measure it.
        let faults = Some((plan(), LIMIT));
        let spec = Spec::FanOut {
            users: 300,
            via: Via::MEMORY,
            shape: Shape::Join,
            limit: None,
            faults,
            work: None,
            hedge: None,
        };
        let mut measurer = spec.prepare(Flavour::SmolCurrentThread, NonZeroUsize::MIN).unwrap();
        assert_eq!(measurer(1).tally, Some(expected));
    }

    /// `results` with each entry replaced by `wrong`'s, where it gives one.
    fn corrupted(
        results: &[UserResult],
        wrong: impl Fn(UserId, &UserResult) -> Option<UserResult>,
    ) -> Vec<UserResult> {
        let kept = |id, result: &UserResult| match result {
            Ok(value) => Ok(value.clone()),
            Err(e) => error(match e.kind() {
                FetchErrorKind::Failed { operation, reason, .. } => {
                    let reason = reason.clone();
                    FetchErrorKind::Failed { user_id: id, operation: *operation, reason }
                }
                FetchErrorKind::TimedOut { operation, after, .. } => {
                    FetchErrorKind::TimedOut { user_id: id, operation: *operation, after: *after }
                }
                other => panic!("not injected: {other}"),
            }),
        };
        (1..)
            .zip(results)
            .map(|(id, result)| wrong(id, result).unwrap_or_else(|| kept(id, result)))
            .collect()
    }

    #[test]
    fn a_run_that_disagrees_with_its_plan_fails_its_check() {
        let results = faulty_fan_out(300, plan());
        let check = |results: Vec<UserResult>| {
            panics(|| {
                check_fan_out(300, &results, Expect::Faults(plan()));
            })
        };
        let (user, orders) = (Operation::FetchUser, Operation::FetchOrders);
        let failed = |user_id, operation| {
            error(FetchErrorKind::Failed { user_id, operation, reason: "injected failure".into() })
        };
        let timed_out = |user_id, operation| {
            error(FetchErrorKind::TimedOut { user_id, operation, after: LIMIT })
        };
        // Every fetch failing, whatever the plan.
        assert!(check(corrupted(&results, |id, _| Some(failed(id, user)))));
        // Nothing injected: every user's result.
        assert!(check(corrupted(&results, |id, _| Some(Ok(article_user_with_orders(id))))));
        // Every planned fault reported as the other cause.
        let swapped = |id, result: &UserResult| match result.as_ref().err()?.kind() {
            FetchErrorKind::Failed { operation, .. } => Some(timed_out(id, *operation)),
            FetchErrorKind::TimedOut { operation, .. } => Some(failed(id, *operation)),
            _ => None,
        };
        assert!(check(corrupted(&results, swapped)));
        // The right cause from the other fetch, where the plan leaves that one alone.
        let other_fetch = |id, result: &UserResult| {
            let FetchErrorKind::Failed { operation, .. } = result.as_ref().err()?.kind() else {
                return None;
            };
            let other = if *operation == user { orders } else { user };
            (plan().for_fetch(other, id) != Some(Fault::Fail)).then(|| failed(id, other))
        };
        assert!(check(corrupted(&results, other_fetch)));
        // Unchanged, it passes.
        assert!(!check(corrupted(&results, |_, _| None)));
    }

    #[test]
    fn every_link_of_a_spawn_chain_and_every_yield_is_counted() {
        let rt = SmolRuntime::current_thread();
        measure(&rt, &Arc::new(SpawnChain { rt: rt.clone(), depth: 50 }), 2);
        measure(&rt, &Arc::new(YieldMany { rt: rt.clone(), tasks: 5, yields: 20 }), 2);
        assert_eq!(rt.block_on(polls(yield_now())), 2, "a yield is one poll more");
    }
}
