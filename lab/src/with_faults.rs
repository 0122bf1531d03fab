//! A run's faults, chosen at run time: [`MaybeFaulty`] is its source as it is, or
//! with a seeded plan's faults injected and a limit on every fetch.

use std::{future::Future, num::NonZeroUsize, time::Duration};

use chain_contract::Runtime;
use chain_core::{DataSource, FetchError, OrderId, User, UserId};
use futures::future::Either;

use crate::{FaultPlan, Faulty, TimeLimited};

/// A source with faults injected and a time limit on every fetch, so that a fetch
/// that never completes becomes that user's
/// [`FetchErrorKind::TimedOut`](chain_core::FetchErrorKind::TimedOut).
pub type WithFaults<S, R> = TimeLimited<Faulty<S, <R as Runtime>::Timer>, R>;

/// `source` with `plan`'s faults injected and `limit` on every fetch.
pub fn with_faults<R: Runtime, S: DataSource>(
    rt: &R,
    source: S,
    plan: FaultPlan,
    limit: Duration,
) -> WithFaults<S, R> {
    TimeLimited::new(Faulty::new(source, rt.timer(), plan), rt, limit)
}

/// A source whose faults a run chose: `S` as it is, or [`WithFaults`]. Each fetch
/// goes to the one it holds (a branch per fetch, no box).
///
/// # Examples
///
/// ```
/// use chain_contract::{Launch, Runtime};
/// use chain_core::{DataSource, InMemorySource};
/// use chain_lab::{FaultPlan, MaybeFaulty};
/// use std::time::Duration;
///
/// let rt = runtime_smol::SmolRuntime::current_thread();
/// let failing = FaultPlan::new(0).with_failures(1.0).unwrap();
/// let limit = Duration::from_secs(1);
/// let plain = MaybeFaulty::new(&rt, InMemorySource::new(rt.timer()), None);
/// let faulty = MaybeFaulty::new(&rt, InMemorySource::new(rt.timer()), Some((failing, limit)));
/// assert!(rt.block_on(plain.fetch_user(1)).is_ok());
/// assert!(rt.block_on(faulty.fetch_user(1)).is_err());
/// ```
///
/// # Cancel safety
///
/// As cancel safe as `S`.
#[derive(Clone)]
pub enum MaybeFaulty<S, R: Runtime> {
    /// No fault asked for: the source itself.
    Plain(S),
    /// Faults and a limit on every fetch.
    Faulty(WithFaults<S, R>),
}

impl<S: DataSource, R: Runtime> MaybeFaulty<S, R> {
    /// `source` as it is when `faults` is `None`, else with `faults`' plan and
    /// limit ([`with_faults`]).
    pub fn new(rt: &R, source: S, faults: Option<(FaultPlan, Duration)>) -> Self {
        match faults {
            None => MaybeFaulty::Plain(source),
            Some((plan, limit)) => MaybeFaulty::Faulty(with_faults(rt, source, plan, limit)),
        }
    }
}

impl<S: DataSource, R: Runtime> DataSource for MaybeFaulty<S, R> {
    fn fetch_user(&self, user_id: UserId) -> impl Future<Output = Result<User, FetchError>> + Send {
        match self {
            MaybeFaulty::Plain(source) => Either::Left(source.fetch_user(user_id)),
            MaybeFaulty::Faulty(source) => Either::Right(source.fetch_user(user_id)),
        }
    }

    fn fetch_orders(
        &self,
        user_id: UserId,
    ) -> impl Future<Output = Result<Vec<OrderId>, FetchError>> + Send {
        match self {
            MaybeFaulty::Plain(source) => Either::Left(source.fetch_orders(user_id)),
            MaybeFaulty::Faulty(source) => Either::Right(source.fetch_orders(user_id)),
        }
    }

    fn for_shard(&self, shard: usize, shards: NonZeroUsize) -> Self {
        match self {
            MaybeFaulty::Plain(source) => MaybeFaulty::Plain(source.for_shard(shard, shards)),
            MaybeFaulty::Faulty(source) => MaybeFaulty::Faulty(source.for_shard(shard, shards)),
        }
    }

    fn for_copy(&self, copy: u32) -> Self {
        match self {
            MaybeFaulty::Plain(source) => MaybeFaulty::Plain(source.for_copy(copy)),
            MaybeFaulty::Faulty(source) => MaybeFaulty::Faulty(source.for_copy(copy)),
        }
    }
}
