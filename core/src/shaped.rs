//! The four fan-outs chosen at run time, by [`Shape`] and an optional limit, as the
//! command line and the benchmarks choose them.

use std::num::NonZeroUsize;

use crate::{
    DataSource, UserId, UserResult, fan_out, fan_out_bounded, fan_out_bounded_spawned,
    fan_out_spawned,
};
use chain_contract::Runtime;

/// How a fan-out runs its users.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Shape {
    /// Every user a future inside one task ([`fan_out`], [`fan_out_bounded`]).
    Join,
    /// Every user a task of its own ([`fan_out_spawned`], [`fan_out_bounded_spawned`]).
    Spawn,
}

impl Shape {
    /// Every shape.
    pub const ALL: [Shape; 2] = [Shape::Join, Shape::Spawn];
}

impl std::fmt::Display for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Shape::Join => "join",
            Shape::Spawn => "spawn",
        })
    }
}

/// Chains `user_ids` with the fan-out of `shape`, at most `limit` users in flight if
/// a limit is given.
///
/// On a runtime of several [shards](Runtime::shards) (thread-per-core), the users
/// are dealt round-robin by request index (request `i` to shard `i % n`) among the
/// `n` shards in use (no more than the limit or the users), and each shard runs its
/// share with the same fan-out, on its own [`DataSource::for_shard`] copy of the
/// source, within its part of the limit (the parts add up to it). The results come
/// back in request order, as everywhere.
///
/// # Examples
///
/// ```
/// use chain_contract::{Runtime, run_on_worker};
/// use chain_core::{fan_out_shaped, InMemorySource, Shape};
///
/// let rt = runtime_smol::SmolRuntime::current_thread();
/// let source = InMemorySource::new(rt.timer());
/// let rt2 = rt.clone();
/// let results = run_on_worker(&rt, async move {
///     fan_out_shaped(&rt2, &source, 1..=5, Shape::Spawn, 2.try_into().ok()).await
/// });
/// assert_eq!(results.len(), 5);
/// ```
///
/// # Cancel safety
///
/// As cancel safe as the fan-out it runs: dropping it drops (or, for tasks, cancels)
/// every chain in flight.
pub async fn fan_out_shaped<R, S, I>(
    rt: &R,
    source: &S,
    user_ids: I,
    shape: Shape,
    limit: Option<NonZeroUsize>,
) -> Vec<UserResult>
where
    R: Runtime,
    S: DataSource + 'static,
    I: IntoIterator<Item = UserId>,
{
    match rt.shards().get() {
        1 => on_this_shard(rt, source, user_ids, shape, limit).await,
        _ => dealt_among_shards(rt, source, user_ids.into_iter().collect(), shape, limit).await,
    }
}

/// [`fan_out_shaped`] on a runtime of several shards: `user_ids` dealt round-robin,
/// each share run on its own shard, the results put back in request order.
async fn dealt_among_shards<R, S>(
    rt: &R,
    source: &S,
    user_ids: Vec<UserId>,
    shape: Shape,
    limit: Option<NonZeroUsize>,
) -> Vec<UserResult>
where
    R: Runtime,
    S: DataSource + 'static,
{
    let in_use = [rt.shards().get(), limit.map_or(usize::MAX, NonZeroUsize::get), user_ids.len()];
    let in_use =
        NonZeroUsize::new(in_use.into_iter().min().unwrap_or(1)).unwrap_or(NonZeroUsize::MIN);
    let n = in_use.get();
    let tasks: Vec<_> = (0..n)
        .map(|shard| {
            let share: Vec<UserId> = user_ids.iter().skip(shard).step_by(n).copied().collect();
            // Shard k's part of the limit: l / n, and one more for the first l % n.
            let part = limit
                .and_then(|l| NonZeroUsize::new(l.get() / n + usize::from(shard < l.get() % n)));
            let (rt2, source) = (rt.clone(), source.for_shard(shard, in_use));
            rt.spawn_on(
                shard,
                async move { on_this_shard(&rt2, &source, share, shape, part).await },
            )
        })
        .collect();
    let mut shares = Vec::with_capacity(n);
    for task in tasks {
        shares.push(task.await.unwrap_or_else(|e| e.resume_panic()).into_iter());
    }
    (0..user_ids.len())
        .map(|i| shares[i % n].next().expect("a share returns each of its users"))
        .collect()
}

/// The fan-out of `shape` on the calling task's runtime.
async fn on_this_shard<R, S, I>(
    rt: &R,
    source: &S,
    user_ids: I,
    shape: Shape,
    limit: Option<NonZeroUsize>,
) -> Vec<UserResult>
where
    R: Runtime,
    S: DataSource + 'static,
    I: IntoIterator<Item = UserId>,
{
    match (shape, limit) {
        (Shape::Join, None) => fan_out(source, user_ids).await,
        (Shape::Spawn, None) => fan_out_spawned(rt, source, user_ids).await,
        (Shape::Join, Some(k)) => fan_out_bounded(source, user_ids, k).await,
        (Shape::Spawn, Some(k)) => fan_out_bounded_spawned(rt, source, user_ids, k).await,
    }
}
