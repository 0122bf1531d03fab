//! Chaining two fetches for one user: the article's `get_user_with_orders`, and the
//! variants that show what the join buys.

use futures_lite::future::try_zip as try_join;

use crate::{DataSource, FetchError, UserWithOrders, model::UserId};
use chain_contract::{JoinHandle, Runtime};

/// Fetches a user and their orders at once and combines them: the article's
/// `get_user_with_orders`, with `try_join` (futures-lite's `try_zip`) in place of
/// `asyncio.gather`.
///
/// While one fetch waits, the other runs, so the call takes about one latency,
/// not two. If either fetch fails, the error is returned and the other fetch is
/// dropped (cancelled), as `asyncio.TaskGroup` does; `gather` would leave it running.
///
/// # Examples
///
/// The article's assertion:
///
/// ```
/// use chain_contract::{Launch, Runtime};
/// use chain_core::{get_user_with_orders, InMemorySource, User, UserWithOrders};
///
/// let rt = runtime_smol::SmolRuntime::current_thread();
/// let source = InMemorySource::new(rt.timer());
/// let result = rt.block_on(get_user_with_orders(&source, 1)).unwrap();
/// assert_eq!(result, UserWithOrders { user: User::new(1), orders: vec![1, 3, 10, 11] });
/// ```
///
/// # Cancel safety
///
/// Cancel safe: dropping it drops both fetches.
pub async fn get_user_with_orders<S: DataSource>(
    source: &S,
    user_id: UserId,
) -> Result<UserWithOrders, FetchError> {
    let (user, orders) = try_join(source.fetch_user(user_id), source.fetch_orders(user_id)).await?;
    Ok(UserWithOrders { user, orders })
}

/// The same result with the fetches one after the other (`await` then `await`): the
/// contrast that shows what [`get_user_with_orders`] gains. It takes two latencies.
///
/// # Examples
///
/// ```
/// use chain_contract::{Launch, Runtime};
/// use chain_core::{get_user_with_orders_sequential, InMemorySource};
/// use chain_lab::Instrumented;
///
/// let rt = runtime_smol::SmolRuntime::current_thread();
/// let source = Instrumented::new(InMemorySource::new(rt.timer()));
/// let joined = rt.block_on(get_user_with_orders_sequential(&source, 2)).unwrap();
/// assert_eq!(joined.orders, [23, 34]);
/// assert_eq!(source.all().peak(), 1); // one fetch at a time
/// ```
///
/// # Cancel safety
///
/// Cancel safe: dropping it drops the fetch in flight.
pub async fn get_user_with_orders_sequential<S: DataSource>(
    source: &S,
    user_id: UserId,
) -> Result<UserWithOrders, FetchError> {
    let user = source.fetch_user(user_id).await?;
    let orders = source.fetch_orders(user_id).await?;
    Ok(UserWithOrders { user, orders })
}

/// The same result with the orders fetched by a spawned task (`asyncio.create_task`)
/// while this task fetches the user.
///
/// Unlike the join, the orders fetch can run on another worker of a multi-threaded
/// runtime. Both are awaited together, so the first failure is returned at once: if
/// the user fetch fails the orders task is cancelled, and if the orders task fails
/// the user fetch is dropped.
///
/// # Examples
///
/// ```
/// use chain_contract::{Runtime, run_on_worker};
/// use chain_core::{get_user_with_orders_spawned, InMemorySource};
///
/// let rt = runtime_smol::SmolRuntime::current_thread();
/// let source = InMemorySource::new(rt.timer());
/// let joined = run_on_worker(&rt, {
///     let rt2 = rt.clone();
///     async move { get_user_with_orders_spawned(&rt2, &source, 1).await }
/// });
/// assert_eq!(joined.unwrap().orders, [1, 3, 10, 11]);
/// ```
///
/// # Cancel safety
///
/// Cancel safe: dropping it drops the user fetch and the orders task's handle, which
/// cancels that task.
pub async fn get_user_with_orders_spawned<R, S>(
    rt: &R,
    source: &S,
    user_id: UserId,
) -> Result<UserWithOrders, FetchError>
where
    R: Runtime,
    S: DataSource + Clone + 'static,
{
    let orders_source = source.clone();
    let orders = rt.spawn(async move { orders_source.fetch_orders(user_id).await });
    let (user, orders) = try_join(source.fetch_user(user_id), join_fetch(user_id, orders)).await?;
    Ok(UserWithOrders { user, orders })
}

/// Awaits a task that ran a fetch for `user_id`, turning a task failure (a panic, or
/// the runtime dropping it) into that user's [`FetchError`].
pub(crate) async fn join_fetch<T>(
    user_id: UserId,
    handle: impl JoinHandle<Result<T, FetchError>>,
) -> Result<T, FetchError> {
    handle.await.unwrap_or_else(|e| Err(FetchError::from_join(user_id, e)))
}
