//! The four fan-outs chosen at run time, by [`Shape`] and an optional limit, as the
//! command line and the benchmarks choose them.

use std::num::NonZeroUsize;

use crate::{
    DataSource, Runtime, UserId, UserResult, fan_out, fan_out_bounded, fan_out_bounded_spawned,
    fan_out_spawned,
};

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
/// # Examples
///
/// ```
/// use chain_core::{InMemorySource, Runtime, Shape, fan_out_shaped, run_on_worker};
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
    S: DataSource + Clone + 'static,
    I: IntoIterator<Item = UserId>,
{
    match (shape, limit) {
        (Shape::Join, None) => fan_out(source, user_ids).await,
        (Shape::Spawn, None) => fan_out_spawned(rt, source, user_ids).await,
        (Shape::Join, Some(k)) => fan_out_bounded(source, user_ids, k).await,
        (Shape::Spawn, Some(k)) => fan_out_bounded_spawned(rt, source, user_ids, k).await,
    }
}
