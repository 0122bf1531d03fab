//! Chaining for many users: all at once (`gather` over many coroutines), at most K at
//! once (an `asyncio.Semaphore`), each in a future of one task or in a task of its own.
//!
//! Every function returns one result per requested id, in request order, each either
//! the user with their orders or the error that stopped that user's fetch; one
//! failure does not stop the others (like `gather(..., return_exceptions=True)`),
//! and neither does a panic: a user whose fetch panics gets
//! [`FetchErrorKind::Panicked`](crate::FetchErrorKind::Panicked), in every shape.

use std::{num::NonZeroUsize, panic::AssertUnwindSafe};

use futures::{FutureExt, StreamExt, future::join_all, stream::FuturesUnordered};

use crate::{
    DataSource, FetchError, UserWithOrders,
    chain::{get_user_with_orders, join_fetch},
    model::UserId,
};
use chain_contract::{JoinError, Runtime};

/// One user's outcome in a fan-out.
pub type UserResult = Result<UserWithOrders, FetchError>;

/// Chains every user at once, as futures inside the calling task: no task is
/// spawned, and the calling task polls whichever chains were woken.
///
/// # Examples
///
/// ```
/// use chain_contract::{Launch, Runtime};
/// use chain_core::{fan_out, InMemorySource};
///
/// let rt = runtime_smol::SmolRuntime::current_thread();
/// let source = InMemorySource::new(rt.timer());
/// let results = rt.block_on(fan_out(&source, [3, 1, 2]));
/// let orders: Vec<_> = results.into_iter().map(|r| r.unwrap().orders.len()).collect();
/// assert_eq!(orders, [0, 4, 2]);
/// ```
///
/// # Cancel safety
///
/// Cancel safe: dropping it drops every chain in flight.
pub async fn fan_out<S: DataSource>(
    source: &S,
    user_ids: impl IntoIterator<Item = UserId>,
) -> Vec<UserResult> {
    join_all(user_ids.into_iter().map(|id| guarded(id, get_user_with_orders(source, id)))).await
}

/// `chain` for user `id`, with a panic while polling it turned into that user's
/// [`FetchErrorKind::Panicked`](crate::FetchErrorKind::Panicked), as a task's panic is in the spawned shapes.
async fn guarded(id: UserId, chain: impl Future<Output = UserResult>) -> UserResult {
    AssertUnwindSafe(chain)
        .catch_unwind()
        .await
        .unwrap_or_else(|payload| Err(FetchError::from_join(id, JoinError::Panicked(payload))))
}

/// Chains every user at once, each in a task of its own (`asyncio.create_task` per
/// user), then awaits the tasks in request order.
///
/// A panic in one user's task becomes that user's [`FetchErrorKind::Panicked`](crate::FetchErrorKind::Panicked).
///
/// # Examples
///
/// ```
/// use chain_contract::{Runtime, run_on_worker};
/// use chain_core::{fan_out_spawned, InMemorySource};
///
/// let rt = runtime_smol::SmolRuntime::current_thread();
/// let source = InMemorySource::new(rt.timer());
/// let results = run_on_worker(&rt, {
///     let rt2 = rt.clone();
///     async move { fan_out_spawned(&rt2, &source, 1..=4).await }
/// });
/// let users: Vec<_> = results.iter().map(|r| r.as_ref().unwrap().user.user_id).collect();
/// assert_eq!(users, [1, 2, 3, 4]); // in request order
/// ```
///
/// # Cancel safety
///
/// Cancel safe: dropping it drops the handles of the tasks not yet awaited, which
/// cancels them.
pub async fn fan_out_spawned<R, S>(
    rt: &R,
    source: &S,
    user_ids: impl IntoIterator<Item = UserId>,
) -> Vec<UserResult>
where
    R: Runtime,
    S: DataSource + Clone + 'static,
{
    let tasks: Vec<_> = user_ids.into_iter().map(|id| (id, spawn_chain(rt, source, id))).collect();
    let mut results = Vec::with_capacity(tasks.len());
    for (id, task) in tasks {
        results.push(join_fetch(id, task).await);
    }
    results
}

/// Chains every user with at most `limit` chains in flight at once (an
/// `asyncio.Semaphore(limit)` around each), as futures inside the calling task.
///
/// A new chain starts as soon as any one finishes, whichever it is.
///
/// # Examples
///
/// ```
/// use chain_contract::{Launch, Runtime};
/// use chain_core::{fan_out_bounded, InMemorySource};
/// use std::num::NonZeroUsize;
///
/// let rt = runtime_smol::SmolRuntime::current_thread();
/// let source = InMemorySource::new(rt.timer());
/// let limit = NonZeroUsize::new(2).unwrap();
/// let results = rt.block_on(fan_out_bounded(&source, 1..=5, limit));
/// assert_eq!(results.len(), 5);
/// ```
///
/// # Cancel safety
///
/// Cancel safe: dropping it drops the chains in flight and starts no more.
pub async fn fan_out_bounded<S: DataSource>(
    source: &S,
    user_ids: impl IntoIterator<Item = UserId>,
    limit: NonZeroUsize,
) -> Vec<UserResult> {
    let chains = user_ids.into_iter().map(|id| guarded(id, get_user_with_orders(source, id)));
    in_request_order(chains, limit).await
}

/// Chains every user with at most `limit` tasks alive at once, each user in a task
/// of its own; the next task is spawned when one finishes.
///
/// # Examples
///
/// ```
/// use chain_contract::{Runtime, run_on_worker};
/// use chain_core::{fan_out_bounded_spawned, InMemorySource};
/// use std::num::NonZeroUsize;
///
/// let rt = runtime_smol::SmolRuntime::current_thread();
/// let source = InMemorySource::new(rt.timer());
/// let limit = NonZeroUsize::new(2).unwrap();
/// let results = run_on_worker(&rt, {
///     let rt2 = rt.clone();
///     async move { fan_out_bounded_spawned(&rt2, &source, 1..=5, limit).await }
/// });
/// assert!(results.iter().all(Result::is_ok) && results.len() == 5);
/// ```
///
/// # Cancel safety
///
/// Cancel safe: dropping it cancels the tasks in flight and spawns no more.
pub async fn fan_out_bounded_spawned<R, S>(
    rt: &R,
    source: &S,
    user_ids: impl IntoIterator<Item = UserId>,
    limit: NonZeroUsize,
) -> Vec<UserResult>
where
    R: Runtime,
    S: DataSource + Clone + 'static,
{
    // The spawn happens inside the lazily-polled future, so only `limit` exist at once.
    let chains = user_ids
        .into_iter()
        .map(|id| async move { join_fetch(id, spawn_chain(rt, source, id)).await });
    in_request_order(chains, limit).await
}

fn spawn_chain<R, S>(rt: &R, source: &S, id: UserId) -> R::JoinHandle<UserResult>
where
    R: Runtime,
    S: DataSource + Clone + 'static,
{
    let source = source.clone();
    rt.spawn(async move { get_user_with_orders(&source, id).await })
}

/// Runs `chains` with at most `limit` in flight, starting the next as any one
/// finishes, and returns their outputs in the order of `chains`.
///
/// Written as a loop over `FuturesUnordered` rather than `buffer_unordered`, whose
/// closures keep the compiler from proving the returned future `Send`.
async fn in_request_order<F: Future<Output = UserResult>>(
    chains: impl Iterator<Item = F>,
    limit: NonZeroUsize,
) -> Vec<UserResult> {
    let mut chains = chains.enumerate();
    let mut slots: Vec<Option<UserResult>> = Vec::with_capacity(chains.size_hint().0);
    let mut in_flight = FuturesUnordered::new();
    loop {
        while in_flight.len() < limit.get() {
            let Some((index, chain)) = chains.next() else { break };
            in_flight.push(async move { (index, chain.await) });
        }
        let Some((index, result)) = in_flight.next().await else { break };
        if slots.len() <= index {
            slots.resize_with(index + 1, || None);
        }
        slots[index] = Some(result);
    }
    slots.into_iter().map(|slot| slot.expect("every started chain reports once")).collect()
}
