//! One function per behaviour the contract and the coroutines promise. Each takes a
//! freshly built runtime and panics if the behaviour does not hold.
//!
//! Concurrency is proven with counters ([`Instrumented`]), and order with gates (a
//! task signals that it runs before it is cancelled), not with the wall clock; the
//! runtime's clock is only read for lower bounds (a sleep, or hello world's pause,
//! never ends early) and to bound waits.

use std::{
    collections::HashSet,
    future::Future,
    io::{self, Write},
    num::{NonZeroU32, NonZeroUsize},
    panic::{AssertUnwindSafe, catch_unwind},
    pin::pin,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering::SeqCst},
    },
    thread,
    time::{Duration, Instant},
};

use futures::{
    FutureExt,
    channel::oneshot,
    future::{Either, select},
};

use super::{Configured, Scripted, ThreadsSeen};
use chain_contract::{
    Elapsed, JoinError, JoinHandle, Launch, Listener, Scheduling, Timer, run_on_worker, timeout,
};
use chain_core::{
    DataSource, FetchError, FetchErrorKind, InMemorySource, Operation, Shape, User, UserId,
    UserResult, UserWithOrders, fan_out, fan_out_bounded, fan_out_bounded_spawned, fan_out_shaped,
    fan_out_spawned, get_user_with_orders, get_user_with_orders_sequential,
    get_user_with_orders_spawned, hello_world, model::article_user_with_orders,
};
use chain_lab::{
    Fault, FaultPlan, Faulty, Hedging, Instrumented, Tail, Tally, TimeLimited, Work, WorkDone,
    Working,
};

/// Long enough never to end during a test: fetches this slow are only ever cancelled.
const FOREVER: Duration = Duration::from_secs(3600);
/// A latency that makes fetches wait on the timer, so that they overlap if they can.
const SHORT: Duration = Duration::from_millis(2);

fn in_memory<R: Launch>(rt: &R, latency: Duration) -> Instrumented<InMemorySource<R::Timer>> {
    Instrumented::new(InMemorySource::new(rt.timer()).with_latency(latency))
}

/// Polls `done` every millisecond until it holds, failing after ten seconds.
pub(super) async fn eventually<R: Launch>(rt: &R, what: &str, done: impl Fn() -> bool) {
    let give_up = rt.now() + Duration::from_secs(10);
    while !done() {
        assert!(rt.now() < give_up, "never happened: {what}");
        rt.sleep(Duration::from_millis(1)).await;
    }
}

/// Runs `work` until `stop` completes, then drops it; whether `work` finished first.
async fn until<T>(stop: impl Future<Output = ()>, work: impl Future<Output = T>) -> bool {
    matches!(select(pin!(work), pin!(stop)).await, Either::Left(_))
}

/// Sets its flag when dropped, after lingering that long first: shows that a task's
/// future was dropped, and, lingering, that whoever waits for the drop waits for all
/// of it (a handle told too early reads the flag still unset).
struct DropFlag(Arc<AtomicBool>, Duration);

impl Drop for DropFlag {
    fn drop(&mut self) {
        thread::sleep(self.1);
        self.0.store(true, SeqCst);
    }
}

/// The bounded fan-outs' limit in most cases: small, so that most users wait for a
/// slot.
const FEW: NonZeroUsize = NonZeroUsize::new(7).unwrap();

/// The four fan-outs, by name, over a source and ids, the bounded ones with at most
/// `limit` users in flight, each split among the runtime's shards where it has several.
pub(super) async fn every_fan_out<R, S>(
    rt: &R,
    source: &S,
    ids: &[UserId],
    limit: NonZeroUsize,
) -> Vec<(&'static str, Vec<UserResult>)>
where
    R: Launch,
    S: DataSource + Clone + 'static,
{
    let outcomes = every_fan_out_probed(rt, source, ids, limit, || ()).await;
    outcomes.into_iter().map(|(name, results, ())| (name, results)).collect()
}

/// [`every_fan_out`], each fan-out with what `probe` read the moment it returned,
/// before the next one starts.
async fn every_fan_out_probed<R, S, P>(
    rt: &R,
    source: &S,
    ids: &[UserId],
    limit: NonZeroUsize,
    probe: impl Fn() -> P,
) -> Vec<(&'static str, Vec<UserResult>, P)>
where
    R: Launch,
    S: DataSource + Clone + 'static,
{
    let mut outcomes = Vec::new();
    // Through `fan_out_shaped`, which runs each of the four itself, and on a
    // thread-per-core runtime deals the users among its shards first.
    for (name, shape, limit) in [
        ("fan_out", Shape::Join, None),
        ("fan_out_spawned", Shape::Spawn, None),
        ("fan_out_bounded", Shape::Join, Some(limit)),
        ("fan_out_bounded_spawned", Shape::Spawn, Some(limit)),
    ] {
        let results = fan_out_shaped(rt, source, ids.iter().copied(), shape, limit).await;
        outcomes.push((name, results, probe()));
    }
    outcomes
}

/// `get_user_with_orders(1) == UserWithOrders(User(1, "user-1"), [1, 3, 10, 11])`.
pub fn article_assertion_holds<R: Launch>(rt: R) {
    let source = InMemorySource::new(rt.timer());
    let result = run_on_worker(&rt, async move { get_user_with_orders(&source, 1).await });
    let expected = UserWithOrders { user: User::new(1), orders: vec![1, 3, 10, 11] };
    assert_eq!(result.unwrap(), expected);
}

/// Users 2 and 3 get the article's orders, `[23, 34]` and `[]`.
pub fn users_two_and_three_match_the_article<R: Launch>(rt: R) {
    let source = InMemorySource::new(rt.timer());
    let (two, three) = run_on_worker(&rt, async move {
        (get_user_with_orders(&source, 2).await, get_user_with_orders(&source, 3).await)
    });
    assert_eq!(two.unwrap(), UserWithOrders { user: User::new(2), orders: vec![23, 34] });
    assert_eq!(three.unwrap(), UserWithOrders { user: User::new(3), orders: vec![] });
}

/// As in the article, an id without orders is still a user, with an empty list.
pub fn unknown_user_has_a_name_and_no_orders<R: Launch>(rt: R) {
    let source = InMemorySource::new(rt.timer());
    let result = run_on_worker(&rt, async move { get_user_with_orders(&source, 424_242).await });
    let expected = UserWithOrders { user: User::new(424_242), orders: vec![] };
    assert_eq!(result.unwrap(), expected);
    assert_eq!(expected.user.user_name, "user-424242");
}

/// A latency of zero means no wait at all: the fetch is done at its first poll.
pub fn zero_latency_fetch_completes_without_waiting<R: Launch>(rt: R) {
    let source = InMemorySource::new(rt.timer());
    let first_poll = get_user_with_orders(&source, 1).now_or_never();
    assert_eq!(first_poll.expect("ready at first poll").unwrap(), article_user_with_orders(1));
}

/// The join has both fetches in flight at once (the point of `gather`).
pub fn joined_fetches_are_in_flight_together<R: Launch>(rt: R) {
    let source = in_memory(&rt, SHORT);
    let counted = source.clone();
    let result = run_on_worker(&rt, async move { get_user_with_orders(&counted, 1).await });
    assert_eq!(result.unwrap(), article_user_with_orders(1));
    assert_eq!(source.all().peak(), 2, "both fetches should wait at the same time");
    assert_eq!((source.all().completed(), source.all().live()), (2, 0));
}

/// The sequential variant never has more than one fetch in flight.
pub fn sequential_fetches_are_in_flight_one_at_a_time<R: Launch>(rt: R) {
    let source = in_memory(&rt, SHORT);
    let counted = source.clone();
    let result =
        run_on_worker(&rt, async move { get_user_with_orders_sequential(&counted, 1).await });
    assert_eq!(result.unwrap(), article_user_with_orders(1));
    assert_eq!(source.all().peak(), 1);
    assert_eq!(source.all().completed(), 2);
}

/// `create_task` for the orders: same result, both fetches in flight at once.
pub fn spawned_chain_fetches_orders_in_a_task_meanwhile<R: Launch>(rt: R) {
    // The user fetch cannot finish before the orders task has started its fetch.
    let gated = Scripted::new(rt.clone(), |_, _| SHORT).holding_users_until_orders_started(1);
    let source = Instrumented::new(gated);
    let (rt2, counted) = (rt.clone(), source.clone());
    let result =
        run_on_worker(&rt, async move { get_user_with_orders_spawned(&rt2, &counted, 2).await });
    assert_eq!(result.unwrap(), article_user_with_orders(2));
    assert_eq!(source.all().peak(), 2);
    assert_eq!(source.all().live(), 0);
}

/// 10,000 users, in a shuffled order, finishing out of order: every fan-out returns
/// exactly one result per user, in request order.
pub fn every_fan_out_returns_each_user_once_in_request_order<R: Launch>(rt: R) {
    let source = Scripted::new(rt.clone(), |id, _| Duration::from_micros(id % 5 * 300));
    each_user_once_in_request_order(rt, source, 10_000);
}

/// Runs the four fan-outs over `users` users, requested in a shuffled order, and
/// checks that each returns every user's correct result once, in request order.
pub(super) fn each_user_once_in_request_order<R, S>(rt: R, source: S, users: u64)
where
    R: Launch,
    S: DataSource + Clone + 'static,
{
    // A permutation of 1..=users (7919 is prime, so coprime with the counts used).
    assert!(users % 7919 != 0);
    let ids: Vec<UserId> = (0..users).map(|i| i * 7919 % users + 1).collect();
    let (rt2, requested) = (rt.clone(), ids.clone());
    let outcomes =
        run_on_worker(&rt, async move { every_fan_out(&rt2, &source, &requested, FEW).await });
    assert_each_user_in_request_order(outcomes, &ids, None);
}

/// The one user of a fan-out that fails, with a test of its error.
type FailingUser = (UserId, fn(&FetchError) -> bool);

/// Checks that every fan-out returned exactly one entry per id of `ids`, in request
/// order: the article's value for every user except `failing`'s, and for that one
/// user an error that its predicate accepts.
fn assert_each_user_in_request_order(
    outcomes: Vec<(&'static str, Vec<UserResult>)>,
    ids: &[UserId],
    failing: Option<FailingUser>,
) {
    for (name, results) in outcomes {
        assert_eq!(results.len(), ids.len(), "{name}: one result per requested user");
        for (&id, result) in ids.iter().zip(results) {
            match (failing, result) {
                (Some((user, is_its_error)), Err(error)) if user == id => {
                    assert!(is_its_error(&error), "{name}: user {id}: wrong error: {error}");
                }
                (Some((user, _)), Ok(value)) if user == id => {
                    panic!("{name}: user {id} should have failed, got {value:?}")
                }
                (_, result) => {
                    let value = result.unwrap_or_else(|e| panic!("{name}: user {id}: {e}"));
                    assert_eq!(value, article_user_with_orders(id), "{name}");
                }
            }
        }
    }
}

/// At most K users in flight, and the limit is used.
pub fn bounded_fan_out_never_exceeds_its_limit<R: Launch>(rt: R) {
    // Odd, so that a runtime of several shards splits it unevenly.
    const LIMIT: usize = 7;
    for shape in Shape::ALL {
        // No user finishes before LIMIT have started: the limit is reached for certain,
        // and a fan-out that admitted fewer would fail at the gate.
        let gated =
            Scripted::new(rt.clone(), |_, _| SHORT).holding_users_until_users_started(LIMIT);
        let source = Instrumented::new(gated);
        let (rt2, counted) = (rt.clone(), source.clone());
        // Through `fan_out_shaped`, which deals the users and the limit among the
        // shards of a thread-per-core runtime, and runs the bounded shapes elsewhere.
        let results = run_on_worker(&rt, async move {
            let limit = NonZeroUsize::new(LIMIT);
            fan_out_shaped(&rt2, &counted, 1..=200, shape, limit).await
        });
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 200);
        assert_eq!(source.users().peak(), LIMIT, "{shape}");
        assert_eq!(source.users().completed(), 200);
    }
}

/// A failing fetch is the chain's error, naming the user, and the other fetch of
/// the pair is cancelled rather than left running.
pub fn failing_fetch_fails_the_chain_and_cancels_its_sibling<R: Launch>(rt: R) {
    let slow_user = |_, operation| match operation {
        Operation::FetchUser => FOREVER,
        Operation::FetchOrders => Duration::ZERO,
    };
    let source = Instrumented::new(Scripted::new(rt.clone(), slow_user).failing_orders_of(5));
    let (rt2, counted) = (rt.clone(), source.clone());
    let (joined, spawned) = run_on_worker(&rt, async move {
        let joined = get_user_with_orders(&counted, 5).await;
        let spawned = get_user_with_orders_spawned(&rt2, &counted, 5).await;
        (joined, spawned)
    });
    for error in [joined.unwrap_err(), spawned.unwrap_err()] {
        assert!(
            matches!(
                error.kind(),
                FetchErrorKind::Failed { user_id: 5, operation: Operation::FetchOrders, .. }
            ),
            "{error}"
        );
        assert!(error.to_string().contains("fetch_orders(5)"), "{error}");
    }
    assert_eq!(source.users().cancelled(), 2, "the slow fetch_user calls were dropped");
    assert_eq!(source.all().live(), 0);
}

/// Like `gather(return_exceptions=True)`: one user's error is that user's result.
/// Every fan-out returns all 50 users in request order: user 7's entry is the error
/// of its failed orders fetch, naming the user and the cause, and every other user's
/// is the article's value.
pub fn failing_user_does_not_stop_the_others_in_a_fan_out<R: Launch>(rt: R) {
    let source = Scripted::new(rt.clone(), |_, _| SHORT).failing_orders_of(7);
    let is_its_error = |error: &FetchError| {
        let orders = Operation::FetchOrders;
        matches!(error.kind(), FetchErrorKind::Failed { user_id: 7, operation, reason }
            if *operation == orders && reason == "scripted failure")
            && error.to_string() == "fetch_orders(7) failed: scripted failure"
    };
    only_one_user_fails_in_every_fan_out(rt, source, 50, (7, is_its_error));
}

/// Runs the four fan-outs over users 1 to `users` of `source` and checks that each
/// returned every user in request order: the article's value, but for `failing`'s
/// user, whose entry is an error that its predicate accepts.
fn only_one_user_fails_in_every_fan_out<R: Launch>(
    rt: R,
    source: Scripted<R>,
    users: UserId,
    failing: FailingUser,
) {
    let ids: Vec<UserId> = (1..=users).collect();
    let (rt2, requested) = (rt.clone(), ids.clone());
    let outcomes =
        run_on_worker(&rt, async move { every_fan_out(&rt2, &source, &requested, FEW).await });
    assert_each_user_in_request_order(outcomes, &ids, Some(failing));
}

/// `wait_for` on a slow chain: `Elapsed`, never before the limit has passed on the
/// runtime's clock, and both fetches are dropped.
pub fn timeout_fires_and_cancels_the_slow_fetch<R: Launch>(rt: R) {
    let source = in_memory(&rt, FOREVER);
    let (rt2, counted) = (rt.clone(), source.clone());
    let limit = Duration::from_millis(20);
    let (outcome, took) = run_on_worker(&rt, async move {
        let start = rt2.now();
        let outcome = timeout(&rt2, limit, get_user_with_orders(&counted, 1)).await;
        (outcome, rt2.now() - start)
    });
    assert_eq!(outcome.unwrap_err(), Elapsed { limit });
    assert!(took >= limit, "fired after {took:?}, before its limit of {limit:?}");
    assert_eq!(source.all().cancelled(), 2);
    assert_eq!(source.all().live(), 0);
}

/// A chain that beats its limit comes through unchanged.
pub fn timeout_passes_a_prompt_result_through<R: Launch>(rt: R) {
    let source = in_memory(&rt, Duration::ZERO);
    let rt2 = rt.clone();
    let limit = Duration::from_secs(30);
    let outcome =
        run_on_worker(
            &rt,
            async move { timeout(&rt2, limit, get_user_with_orders(&source, 3)).await },
        );
    assert_eq!(outcome.unwrap().unwrap(), article_user_with_orders(3));
}

/// Dropping any fan-out part-way, once its fetches have started, leaves no fetch
/// running.
pub fn cancelled_fan_out_leaves_no_fetch_running<R: Launch>(rt: R) {
    let started = |source: &Instrumented<_>| source.users().started() >= 50;
    cancel_every_fan_out_part_way(&rt, || in_memory(&rt, FOREVER), started);
}

/// Drops each of the four fan-outs over users 1 to 1,000 (the bounded ones at 100
/// in flight), each on a fresh source from `make`, once `in_flight` holds for it, and
/// checks that every fetch it started is dropped promptly: none is left running.
pub(super) fn cancel_every_fan_out_part_way<R, S>(
    rt: &R,
    make: impl Fn() -> Instrumented<S>,
    in_flight: fn(&Instrumented<S>) -> bool,
) where
    R: Launch,
    S: DataSource + Clone + 'static,
{
    for shape in 0..4 {
        let source = make();
        let (rt2, counted) = (rt.clone(), source.clone());
        run_on_worker(rt, async move {
            let ids = 1..=1_000;
            let k = NonZeroUsize::new(100).unwrap();
            let started = eventually(&rt2, "fetches in flight", || in_flight(&counted));
            let finished = match shape {
                0 => until(started, fan_out(&counted, ids)).await,
                1 => until(started, fan_out_spawned(&rt2, &counted, ids)).await,
                2 => until(started, fan_out_bounded(&counted, ids, k)).await,
                _ => until(started, fan_out_bounded_spawned(&rt2, &counted, ids, k)).await,
            };
            assert!(!finished, "fan-out {shape} finished, though its fetches take an hour");
            // Spawned tasks are dropped when their runtime next runs them.
            eventually(&rt2, "every fetch dropped", || counted.all().live() == 0).await;
        });
        let all = source.all();
        assert!(all.started() > 0, "fan-out {shape} started nothing");
        assert_eq!(all.cancelled(), all.started(), "fan-out {shape}");
    }
}

/// `sleep(d)` ends no earlier than `d` after it was called, on the runtime's clock.
pub fn sleep_never_wakes_early<R: Launch>(rt: R) {
    let rt2 = rt.clone();
    run_on_worker(&rt, async move {
        for micros in [1, 100, 999, 1_000, 1_001, 2_500, 10_000] {
            for _ in 0..5 {
                let wanted = Duration::from_micros(micros);
                let start = rt2.now();
                rt2.sleep(wanted).await;
                let slept = rt2.now() - start;
                assert!(slept >= wanted, "asked for {wanted:?}, woke after {slept:?}");
            }
        }
    });
}

/// The clock is monotonic, within a task and across a sleep.
pub fn clock_never_goes_backwards<R: Launch>(rt: R) {
    let rt2 = rt.clone();
    run_on_worker(&rt, async move {
        let mut last = rt2.now();
        for round in 0..1_000 {
            if round % 100 == 0 {
                rt2.sleep(Duration::from_micros(50)).await;
            }
            let now = rt2.now();
            assert!(now >= last);
            last = now;
        }
    });
}

/// Dropping a pending `accept` loses no connection: one that arrived while it waited
/// is the next `accept`'s. (On io_uring the kernel completes an accept as the
/// connection arrives, before the runtime hands it over.)
pub fn dropping_a_pending_accept_loses_no_connection<R: Launch>(rt: R) {
    let rt2 = rt.clone();
    run_on_worker(&rt, async move {
        let socket = std::net::TcpListener::bind("127.0.0.1:0").expect("a port on loopback");
        let listener = rt2.listen(socket).await.expect("the runtime takes the listener");
        let address = listener.local_addr().expect("its address");
        let mut first = Box::pin(listener.accept());
        assert!(futures::poll!(first.as_mut()).is_pending(), "no connection yet");
        // A turn of the event loop hands the accept to the kernel (io_uring submits
        // its operations when the loop waits); another takes in its completion.
        rt2.sleep(Duration::from_millis(1)).await;
        let client = std::net::TcpStream::connect(address).expect("loopback connects");
        rt2.sleep(Duration::from_millis(1)).await;
        drop(first);
        let next = timeout(&rt2, Duration::from_secs(10), listener.accept()).await;
        let (_, peer) = next.expect("the connection was lost").expect("it is accepted");
        assert_eq!(peer, client.local_addr().unwrap(), "the client's connection");
    });
}

/// Awaiting a panicked task's handle gives `JoinError::Panicked` with the message,
/// and the runtime goes on running tasks.
pub fn task_panic_reaches_the_awaiting_side<R: Launch>(rt: R) {
    let rt2 = rt.clone();
    let (error, after) = run_on_worker(&rt, async move {
        let error = rt2.spawn(async { panic!("boom in a task") }).await;
        let after = rt2.spawn(async { 42 }).await;
        (error, after)
    });
    let error = error.expect_err("the task panicked");
    assert!(matches!(error, JoinError::Panicked(_)));
    assert_eq!(error.panic_message(), Some("boom in a task"));
    assert_eq!(after.unwrap(), 42);
}

/// A user whose fetch panics becomes that user's error; the others complete.
pub fn panicking_user_becomes_an_error_in_every_fan_out<R: Launch>(rt: R) {
    let source = Scripted::new(rt.clone(), |_, _| SHORT).panicking_for(3);
    let is_its_error = |error: &FetchError| {
        matches!(error.kind(), FetchErrorKind::Panicked { user_id: 3, message }
            if message.contains("scripted panic"))
    };
    only_one_user_fails_in_every_fan_out(rt, source, 10, (3, is_its_error));
}

/// Dropping a handle cancels the task: once the task is running (it has signalled
/// so, and waits forever), dropping its handle drops its future.
pub fn dropping_a_handle_cancels_its_task<R: Launch>(rt: R) {
    let rt2 = rt.clone();
    run_on_worker(&rt, async move {
        let dropped = Arc::new(AtomicBool::new(false));
        let handle = spawn_running_forever(&rt2, &dropped, Duration::ZERO).await;
        drop(handle);
        eventually(&rt2, "the dropped handle's task is dropped", || dropped.load(SeqCst)).await;
    });
}

/// A runtime dropped with tasks still waiting on each of its threads ends cleanly: a
/// thread's runtime may drop the tasks left on it as the thread ends, after the
/// thread's other locals are gone, and a panic there aborts the process.
pub fn a_runtime_dropped_with_tasks_left_on_its_threads_ends_cleanly<R: Launch>(rt: R) {
    let shards = rt.shards().get();
    let on_shards = rt.clone();
    run_on_worker(&rt, async move {
        for shard in 0..shards {
            let (left, has_left) = oneshot::channel();
            let here = on_shards.clone();
            // Spawned from the shard itself, as a task's own tasks are.
            let leaving = on_shards.spawn_on(shard, async move {
                here.spawn(futures::future::pending::<()>()).detach();
                left.send(()).expect("the test awaits it");
            });
            leaving.await.expect("the task that leaves one behind ran");
            has_left.await.expect("a task was left");
        }
    });
    drop(rt);
}

/// Spawns a task that holds a [`DropFlag`] on `dropped`, signals that it runs, then
/// waits forever, and returns its handle once the signal has come: only cancelling
/// the task can set the flag, and only while the task is running.
async fn spawn_running_forever<R: Launch>(
    rt: &R,
    dropped: &Arc<AtomicBool>,
    linger: Duration,
) -> R::JoinHandle<()> {
    let (running, has_run) = oneshot::channel();
    let flag = DropFlag(dropped.clone(), linger);
    let handle = rt.spawn(async move {
        let _flag = flag;
        running.send(()).expect("the test awaits the signal");
        futures::future::pending::<()>().await;
    });
    has_run.await.expect("the task was dropped before it ran");
    assert!(!dropped.load(SeqCst), "the task's future was dropped before its handle was");
    handle
}

/// A detached task runs to the end with nobody awaiting it.
pub fn detached_task_runs_to_completion<R: Launch>(rt: R) {
    let finished = Arc::new(AtomicBool::new(false));
    let (rt2, done) = (rt.clone(), finished.clone());
    run_on_worker(&rt, async move {
        let task_rt = rt2.clone();
        rt2.spawn(async move {
            task_rt.sleep(SHORT).await;
            done.store(true, SeqCst);
        })
        .detach();
        eventually(&rt2, "the detached task finishes", || finished.load(SeqCst)).await;
    });
}

/// `cancel().await` on a running task returns only once the task's future has been
/// dropped.
pub fn cancel_returns_once_the_task_is_gone<R: Launch>(rt: R) {
    let rt2 = rt.clone();
    let dropped = run_on_worker(&rt, async move {
        let dropped = Arc::new(AtomicBool::new(false));
        spawn_running_forever(&rt2, &dropped, SHORT).await.cancel().await;
        dropped.load(SeqCst)
    });
    assert!(dropped, "cancel returned before the task's future was dropped");
}

/// `cancel()` on a handle whose output was already taken returns at once.
pub fn cancel_after_completion_is_harmless<R: Launch>(rt: R) {
    let rt2 = rt.clone();
    let output = run_on_worker(&rt, async move {
        let mut handle = rt2.spawn(async { 7 });
        let output = (&mut handle).await;
        handle.cancel().await;
        output
    });
    assert_eq!(output.unwrap(), 7);
}

/// [`run_on_worker`] runs on a worker: the calling thread itself only when the
/// runtime was built current-thread, or thread-per-core (whose shard 0 is the
/// thread in `block_on`).
pub fn workloads_run_on_a_runtime_worker<R: Launch>(rt: R, built: Configured) {
    let caller = thread::current().id();
    let worker = run_on_worker(&rt, async { thread::current().id() });
    match built.flavour {
        Scheduling::CurrentThread | Scheduling::ThreadPerCore => assert_eq!(worker, caller),
        Scheduling::MultiThread => assert_ne!(worker, caller),
    }
}

/// A fan-out runs its users on every shard of a thread-per-core runtime (and
/// returns them in request order all the same); on one shard, on the runtime's
/// workers: the calling thread alone for current-thread.
pub fn a_fan_out_runs_on_every_shard<R: Launch>(rt: R, built: Configured) {
    let shards = match built.flavour {
        Scheduling::ThreadPerCore => built.workers,
        Scheduling::CurrentThread | Scheduling::MultiThread => NonZeroUsize::MIN,
    };
    assert_eq!(rt.shards(), shards);
    for shape in Shape::ALL {
        let source = ThreadsSeen::new(in_memory(&rt, SHORT));
        let (rt2, seen) = (rt.clone(), source.clone());
        let results =
            run_on_worker(
                &rt,
                async move { fan_out_shaped(&rt2, &seen, 1..=40, shape, None).await },
            );
        let users: Vec<UserId> = results.into_iter().map(|r| r.unwrap().user.user_id).collect();
        assert_eq!(users, (1..=40).collect::<Vec<_>>(), "{shape}");
        match built.flavour {
            Scheduling::MultiThread => assert!(source.threads() <= built.workers.get(), "{shape}"),
            _ => assert_eq!(source.threads(), shards.get(), "{shape}"),
        }
    }
}

/// A fan-out does the CPU work of each user it returns, once, on the shard the user
/// was dealt to: with a skew equal to a thread-per-core runtime's shards (users dealt
/// round-robin), every heavy user, and so all the work, lands on its last shard.
pub fn skewed_work_is_done_once_on_the_shard_its_users_are_dealt_to<R: Launch>(rt: R) {
    let shards = rt.shards().get();
    let skew = shards.max(2);
    let users = 6 * skew;
    let work = Work::new(100, NonZeroU32::new(skew as u32).expect("at least 2"), users);
    for shape in Shape::ALL {
        let done = WorkDone::new(rt.shards());
        let source = Working::new(in_memory(&rt, Duration::ZERO), work, done.clone());
        let rt2 = rt.clone();
        let results = run_on_worker(&rt, async move {
            fan_out_shaped(&rt2, &source, 1..=users as UserId, shape, None).await
        });
        assert!(results.iter().all(Result::is_ok), "{shape}");
        let mut expected = vec![0; shards];
        // The total is the even load's, 100 rounds a user, not what `work` says.
        expected[(skew - 1) % shards] = 100 * users as u64;
        assert_eq!(done.by_shard(), expected, "{shape}");
    }
}

/// A task started on a shard runs there, on a thread of its own, and stays there
/// across its awaits, except on a multi-thread runtime (one shard), whose
/// workers may pass it between them.
pub fn a_task_stays_on_the_shard_it_was_spawned_on<R: Launch>(rt: R, built: Configured) {
    let rt2 = rt.clone();
    let threads = run_on_worker(&rt, async move {
        let tasks: Vec<_> = (0..rt2.shards().get())
            .map(|shard| {
                let rt3 = rt2.clone();
                rt2.spawn_on(shard, async move {
                    let before = thread::current().id();
                    rt3.sleep(SHORT).await;
                    (before, thread::current().id())
                })
            })
            .collect();
        let mut threads = Vec::new();
        for task in tasks {
            threads.push(task.await.unwrap());
        }
        threads
    });
    if built.flavour != Scheduling::MultiThread {
        assert!(threads.iter().all(|(before, after)| before == after), "{threads:?}");
    }
    let distinct: HashSet<_> = threads.iter().map(|(before, _)| before).collect();
    assert_eq!(distinct.len(), rt.shards().get());
    let beyond = rt.shards().get();
    let refused = catch_unwind(AssertUnwindSafe(|| rt.spawn_on(beyond, async {})));
    assert!(refused.is_err(), "spawn_on accepted shard {beyond} of {beyond}");
}

/// The description printed with results is the runtime as it was built: its
/// its flavour and worker count, after the runtime crate's name (the program prints
/// the crate's locked version beside it).
pub fn info_reports_the_configuration<R: Launch>(rt: R, built: Configured) {
    let info = rt.info();
    assert_eq!(Configured { flavour: info.flavour, workers: info.workers }, built, "{info}");
    assert!(!info.runtime.is_empty() && !info.runtime.contains(' '), "{info}");
    let s = if built.workers.get() == 1 { "" } else { "s" };
    let configuration = format!("{}, {} worker{s}", built.flavour, built.workers);
    assert!(info.to_string().starts_with(info.runtime), "{info}");
    assert!(info.to_string().contains(&configuration), "{info} should say {configuration}");
}

/// The article's first program: `Hello ...` is written before the sleep (it is all
/// there is while the sleep is pending) and `... World!` after it, no earlier than
/// `delay` later on the runtime's clock.
pub fn hello_world_prints_both_lines_around_its_sleep<R: Launch>(rt: R) {
    const HELLO: &str = "Hello ...\n";
    let delay = Duration::from_millis(10);
    let out = Stamped::new(rt.clone());
    let (rt2, written) = (rt.clone(), out.clone());
    let (first_poll, before_sleep_ends) = run_on_worker(&rt, async move {
        let mut writer = out.clone();
        let mut hello = pin!(hello_world(&rt2, delay, &mut writer));
        let first_poll = futures::poll!(hello.as_mut());
        let before_sleep_ends = out.text();
        hello.await.unwrap();
        (first_poll, before_sleep_ends)
    });
    assert!(first_poll.is_pending(), "hello_world finished without waiting");
    assert_eq!(before_sleep_ends, HELLO, "written while the sleep was pending");
    assert_eq!(written.text(), "Hello ...\n... World!\n");
    let pause = written.written_at(HELLO.len()) - written.written_at(HELLO.len() - 1);
    assert!(pause >= delay, "the lines were {pause:?} apart on the runtime's clock, not {delay:?}");
}

/// A writer that keeps each write with the runtime's clock at that moment; clones
/// share what was written.
#[derive(Clone)]
struct Stamped<R> {
    rt: R,
    log: Arc<Mutex<Writes>>,
}

/// Each write's bytes, with the runtime's clock when it was made.
type Writes = Vec<(Instant, Vec<u8>)>;

impl<R: Launch> Stamped<R> {
    fn new(rt: R) -> Self {
        Stamped { rt, log: Arc::default() }
    }

    /// Everything written so far.
    fn text(&self) -> String {
        let log = self.log.lock().unwrap();
        String::from_utf8(log.iter().flat_map(|(_, bytes)| bytes.clone()).collect()).unwrap()
    }

    /// When the byte at `offset` of the output was written.
    fn written_at(&self, offset: usize) -> Instant {
        let log = self.log.lock().unwrap();
        let mut end = 0;
        let write = log.iter().find(|(_, bytes)| {
            end += bytes.len();
            offset < end
        });
        write.expect("the byte was written").0
    }
}

impl<R: Launch> Write for Stamped<R> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.log.lock().unwrap().push((self.rt.now(), buf.to_vec()));
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// 10,000 users, with 1 % of fetches failing, 1 % never completing and a time
/// limit of 20 ms on every fetch: each of the four fan-outs (the bounded ones with
/// at most 100 users in flight) reports every user exactly once, in request order:
/// a result where no fetch was faulted, otherwise an error naming the user and the
/// fault's cause (a failure wins over a hang: it ends the chain at once). The
/// results and errors add up to 10,000, and the moment each fan-out returns, no
/// fetch is still running. The same with every fetch failing, and with none.
pub fn every_user_is_accounted_for_under_faults<R: Launch>(rt: R) {
    const USERS: u64 = 10_000;
    // Below the ~200 users with a hung fetch, so that the bounded fan-outs finish
    // only if a timed-out user gives its slot back (each holds it for the 20 ms
    // limit), and most users wait for a slot.
    const LIMIT: NonZeroUsize = NonZeroUsize::new(100).unwrap();
    let ids: Vec<UserId> = (1..=USERS).collect();
    for (failures, hangs) in [(0.01, 0.01), (1.0, 0.0), (0.0, 0.0)] {
        let plan = FaultPlan::new(3).with_failures(failures).unwrap().with_hangs(hangs).unwrap();
        let faulty = Faulty::new(InMemorySource::new(rt.timer()), rt.timer(), plan);
        let counted = Instrumented::new(faulty);
        let source = TimeLimited::new(counted.clone(), &rt, Duration::from_millis(20));
        let (rt2, requested, gauge) = (rt.clone(), ids.clone(), counted.clone());
        let outcomes = run_on_worker(&rt, async move {
            let live = || gauge.all().live();
            every_fan_out_probed(&rt2, &source, &requested, LIMIT, live).await
        });
        // The plan the source drew its faults from, and the counts it implies: users
        // with a failing fetch, and users with a hung fetch and no failing one.
        let plan = counted.inner().plan();
        let faults =
            |id| [Operation::FetchUser, Operation::FetchOrders].map(|op| plan.for_fetch(op, id));
        let failing = ids.iter().filter(|&&id| faults(id).contains(&Some(Fault::Fail))).count();
        let hung = ids.iter().filter(|&&id| faults(id) != [None, None]).count() - failing;
        assert!(hangs == 0.0 || hung > LIMIT.get(), "{hung} hung users fill no queue");
        for (name, results, live_on_return) in outcomes {
            assert_eq!(results.len(), ids.len(), "{name}: a user was lost or invented");
            let (mut ok, mut failed, mut timed_out) = (0, 0, 0);
            for (&id, result) in ids.iter().zip(results) {
                let injected = |op| plan.for_fetch(op, id);
                match result.as_ref().map_err(FetchError::kind) {
                    Ok(value) => {
                        assert!(injected(Operation::FetchUser).is_none(), "{name}: {id}");
                        assert!(injected(Operation::FetchOrders).is_none(), "{name}: {id}");
                        assert_eq!(*value, article_user_with_orders(id), "{name}");
                        ok += 1;
                    }
                    Err(FetchErrorKind::Failed { user_id, operation, .. }) => {
                        assert_eq!((*user_id, injected(*operation)), (id, Some(Fault::Fail)));
                        failed += 1;
                    }
                    Err(FetchErrorKind::TimedOut { user_id, operation, .. }) => {
                        assert_eq!((*user_id, injected(*operation)), (id, Some(Fault::Hang)));
                        timed_out += 1;
                    }
                    Err(other) => panic!("{name}: user {id}: unexpected {other}"),
                }
            }
            assert_eq!(ok + failed + timed_out, ids.len(), "{name}: the counts add up to N");
            let expected = (ids.len() - failing - hung, failing, hung);
            assert_eq!((ok, failed, timed_out), expected, "{name}: (results, failed, timed out)");
            assert_eq!(live_on_return, 0, "{name}: a fetch outlived its fan-out");
        }
    }
}

/// `--jitter`'s delays are real: each fetch of a source with jitter injected takes at
/// least the delay its seed plans for it, on the runtime's clock.
pub fn injected_jitter_delays_each_fetch_by_its_planned_amount<R: Launch>(rt: R) {
    const USERS: UserId = 20;
    let plan = FaultPlan::new(3).with_jitter(Duration::from_millis(10));
    let planned: Vec<Duration> = (1..=USERS)
        .map(|user| match plan.for_fetch(Operation::FetchUser, user) {
            Some(Fault::Delay(delay)) => delay,
            other => panic!("a jitter-only plan injected {other:?}"),
        })
        .collect();
    assert!(planned.iter().sum::<Duration>() > Duration::from_millis(50), "{planned:?}");
    let source = Faulty::new(InMemorySource::new(rt.timer()), rt.timer(), plan);
    let rt2 = rt.clone();
    let waited: Vec<Duration> = run_on_worker(&rt, async move {
        let mut waited = Vec::new();
        for user in 1..=USERS {
            let start = rt2.now();
            source.fetch_user(user).await.expect("jitter only delays");
            waited.push(rt2.now() - start);
        }
        waited
    });
    for (user, (waited, planned)) in (1..).zip(waited.into_iter().zip(planned)) {
        assert!(waited >= planned, "user {user}: planned {planned:?}, took {waited:?}");
    }
}

/// A timer that keeps every duration it is asked to sleep: what a source waits,
/// counted rather than timed.
#[derive(Clone)]
struct Recording<T> {
    timer: T,
    asked: Arc<Mutex<Vec<Duration>>>,
}

impl<T: Timer> Timer for Recording<T> {
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + 'static {
        self.asked.lock().unwrap().push(duration);
        self.timer.sleep(duration)
    }

    fn now(&self) -> Instant {
        self.timer.now()
    }
}

/// A backend's tail in memory: exactly the fetches its seed picks wait the slow time
/// in all (the difference, then the source's usual latency), at least that long on
/// the runtime's clock, and every other fetch its usual latency alone.
pub fn a_tail_slows_exactly_the_fetches_its_seed_picks<R: Launch>(rt: R) {
    const USERS: UserId = 40;
    let (usual, slow) = (Duration::from_millis(1), Duration::from_millis(20));
    let tail = Tail::new(0.25, slow, 5).unwrap();
    let plan = FaultPlan::new(5).with_tail(tail, usual).unwrap();
    let timer = Recording { timer: rt.timer(), asked: Arc::default() };
    let source =
        Faulty::new(InMemorySource::new(timer.clone()).with_latency(usual), timer.clone(), plan);
    let rt2 = rt.clone();
    let took: Vec<Duration> = run_on_worker(&rt, async move {
        let mut took = Vec::new();
        for user in 1..=USERS {
            let start = rt2.now();
            source.fetch_user(user).await.expect("a tail only delays");
            took.push(rt2.now() - start);
        }
        took
    });
    let slowed: Vec<bool> =
        (1..=USERS).map(|user| tail.is_slow(user, Operation::FetchUser, 0)).collect();
    let planned: Vec<Duration> = slowed
        .iter()
        .flat_map(|&slowed| if slowed { vec![slow - usual, usual] } else { vec![usual] })
        .collect();
    assert_eq!(*timer.asked.lock().unwrap(), planned, "the waits asked of the timer");
    assert!(slowed.iter().any(|&s| s) && !slowed.iter().all(|&s| s), "{slowed:?}");
    for (user, (took, slowed)) in (1..).zip(took.into_iter().zip(slowed)) {
        assert!(!slowed || took >= slow, "user {user}: slow, took {took:?}");
    }
}

/// A hedged fan-out in memory (every fetch [`Hedging`]), in both shapes: every user
/// gets exactly one result; exactly the fetches whose first copy is slow get an
/// extra copy; and every losing copy is cancelled (dropped, not left running)
/// before its fetch answers, so none is in flight once the fan-out returns.
pub fn a_hedged_fan_out_cancels_every_losing_copy_and_gives_each_user_one_result<R: Launch>(rt: R) {
    const USERS: UserId = 100;
    let slow = Duration::from_millis(300);
    let tail = Tail::new(0.1, slow, 2).unwrap();
    // No usual latency: a quick fetch answers at its first poll, never hedged.
    let plan = FaultPlan::new(2).with_tail(tail, Duration::ZERO).unwrap();
    let copies = Instrumented::new(Faulty::new(InMemorySource::new(rt.timer()), rt.timer(), plan));
    let fetches = (1..=USERS)
        .flat_map(|id| [Operation::FetchUser, Operation::FetchOrders].map(|op| (id, op)));
    let late = fetches.filter(|&(id, op)| tail.is_slow(id, op, 0)).count();
    assert!(late > 0);
    for shape in [Shape::Join, Shape::Spawn] {
        let hedged = Hedging::new(copies.clone(), &rt, Some(Duration::from_millis(20)));
        let (rt2, source) = (rt.clone(), hedged.clone());
        let (results, live) = run_on_worker(&rt, async move {
            let results = fan_out_shaped(&rt2, &source, 1..=USERS, shape, None).await;
            (results, source.inner().all().live())
        });
        let tally = Tally::of(1..=USERS, &results).unwrap();
        assert_eq!(
            (tally.results, tally.errors(), tally.lost),
            (USERS as usize, 0, 0),
            "{shape:?}"
        );
        assert_eq!(live, 0, "{shape:?}: a copy still in flight after the fan-out returned");
        let budget = hedged.budget();
        assert_eq!((budget.needed(), budget.extra()), (2 * USERS, late as u64), "{shape:?}");
    }
    assert_eq!(copies.all().cancelled(), 2 * late, "one losing copy cancelled per hedge");
    assert_eq!(copies.all().started(), 2 * (2 * USERS as usize + late));
}
