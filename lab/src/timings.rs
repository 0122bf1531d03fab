//! [`Timed`]: how long each user's chain and each fetch took, as a fan-out's users
//! met them, summed up in percentiles.

use std::{
    fmt,
    future::Future,
    num::NonZeroUsize,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering::Relaxed},
    },
    time::{Duration, Instant},
};

use chain_contract::Runtime;
use chain_core::{DataSource, FetchError, OrderId, User, UserId, readable::duration};

use crate::{HedgeBudget, HedgeTotals};

/// Any [`DataSource`] with the time of every fetch of users 1 to `users` kept: each
/// fetch's own latency, and each user's span, from its first fetch's start to its
/// last one's answer (for the article's chain, which sends both fetches at once,
/// the chain's latency). A fetch dropped before it answered is not kept; another
/// user's fetches go through untimed.
///
/// Lock-free (a few atomic operations a fetch, on arrays sized to the users), so
/// that keeping time changes little of what is timed.
///
/// # Examples
///
/// ```
/// use chain_contract::{Launch, Runtime};
/// use chain_core::{InMemorySource, fan_out};
/// use chain_lab::Timed;
/// use std::time::Duration;
///
/// let rt = runtime_smol::SmolRuntime::current_thread();
/// let latency = Duration::from_millis(5);
/// let source = Timed::new(InMemorySource::new(rt.timer()).with_latency(latency), &rt, 3);
/// rt.block_on(fan_out(&source, 1..=3));
/// let users = source.timings().users().unwrap();
/// assert_eq!(users.count, 3);
/// assert!(users.p50 >= latency && users.max >= users.p99);
/// ```
///
/// # Cancel safety
///
/// As cancel safe as the wrapped source.
#[derive(Clone, Debug)]
pub struct Timed<S, R> {
    inner: S,
    rt: R,
    timings: Arc<Timings>,
}

impl<S: DataSource, R: Runtime> Timed<S, R> {
    /// `inner`, the fetches of users 1 to `users` timed on `rt`'s clock.
    pub fn new(inner: S, rt: &R, users: usize) -> Self {
        let timings = Arc::new(Timings::new(rt.now(), users));
        Timed { inner, rt: rt.clone(), timings }
    }

    /// The times kept so far, shared by every clone and shard of this source.
    pub fn timings(&self) -> Arc<Timings> {
        self.timings.clone()
    }

    async fn timed<T>(&self, fetch: Option<usize>, fetching: impl Future<Output = T>) -> T {
        let Some(fetch) = fetch.filter(|&f| f < self.timings.fetches.len()) else {
            return fetching.await;
        };
        let start = self.timings.since(self.rt.now());
        let output = fetching.await;
        self.timings.keep(fetch, start, self.timings.since(self.rt.now()));
        output
    }
}

impl<S: DataSource, R: Runtime> DataSource for Timed<S, R> {
    async fn fetch_user(&self, user_id: UserId) -> Result<User, FetchError> {
        self.timed(fetch_index(user_id, 0), self.inner.fetch_user(user_id)).await
    }

    async fn fetch_orders(&self, user_id: UserId) -> Result<Vec<OrderId>, FetchError> {
        self.timed(fetch_index(user_id, 1), self.inner.fetch_orders(user_id)).await
    }

    fn for_shard(&self, shard: usize, shards: NonZeroUsize) -> Self {
        Timed { inner: self.inner.for_shard(shard, shards), ..self.clone() }
    }

    fn for_copy(&self, copy: u32) -> Self {
        Timed { inner: self.inner.for_copy(copy), ..self.clone() }
    }
}

/// Where user `user_id`'s fetch (0 the user, 1 the orders) is kept: user 1's first.
fn fetch_index(user_id: UserId, orders: usize) -> Option<usize> {
    usize::try_from(user_id).ok()?.checked_sub(1)?.checked_mul(2)?.checked_add(orders)
}

/// The times a [`Timed`] source kept, in nanoseconds from its making.
#[derive(Debug)]
pub struct Timings {
    base: Instant,
    /// Each fetch's latency, `u64::MAX` until it answers.
    fetches: Vec<AtomicU64>,
    /// Each user's first start and last answer.
    starts: Vec<AtomicU64>,
    ends: Vec<AtomicU64>,
}

impl Timings {
    fn new(base: Instant, users: usize) -> Self {
        let filled = |n, value| (0..n).map(|_| AtomicU64::new(value)).collect();
        Timings {
            base,
            fetches: filled(2 * users, u64::MAX),
            starts: filled(users, u64::MAX),
            ends: filled(users, 0),
        }
    }

    fn since(&self, now: Instant) -> u64 {
        u64::try_from((now - self.base).as_nanos()).unwrap_or(u64::MAX - 1)
    }

    fn keep(&self, fetch: usize, start: u64, end: u64) {
        self.fetches[fetch].store(end - start, Relaxed);
        self.starts[fetch / 2].fetch_min(start, Relaxed);
        self.ends[fetch / 2].fetch_max(end, Relaxed);
    }

    /// Forgets every time kept, for another run.
    pub fn clear(&self) {
        let fill = |all: &[AtomicU64], value| all.iter().for_each(|a| a.store(value, Relaxed));
        fill(&self.fetches, u64::MAX);
        fill(&self.starts, u64::MAX);
        fill(&self.ends, 0);
    }

    /// Each user's span, first start to last answer, over the users whose every
    /// fetch answered; `None` if none did.
    pub fn users(&self) -> Option<Percentiles> {
        let answered =
            |user: usize| (0..2).all(|op| self.fetches[2 * user + op].load(Relaxed) != u64::MAX);
        let spans = (0..self.starts.len())
            .filter(|&user| answered(user))
            .map(|user| self.ends[user].load(Relaxed) - self.starts[user].load(Relaxed));
        Percentiles::of(spans.collect())
    }

    /// Each user's and each fetch's percentiles, with `hedge`'s totals; `None` if no
    /// user's fetches all answered.
    pub fn latencies(&self, hedge: Option<&HedgeBudget>) -> Option<Latencies> {
        let hedge = hedge.map(HedgeBudget::totals);
        Some(Latencies { users: self.users()?, fetches: self.fetches()?, hedge })
    }

    /// Each fetch's latency, over the fetches that answered; `None` if none did.
    pub fn fetches(&self) -> Option<Percentiles> {
        let answered = self.fetches.iter().map(|f| f.load(Relaxed)).filter(|&ns| ns != u64::MAX);
        Percentiles::of(answered.collect())
    }
}

/// A distribution of latencies by its nearest-rank percentiles (as data, in
/// seconds: `{"count":..,"p50_s":..,"p99_s":..,"p999_s":..,"max_s":..}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Percentiles {
    /// How many latencies.
    pub count: usize,
    /// The median.
    #[cfg_attr(feature = "serde", serde(rename = "p50_s", with = "crate::seconds"))]
    pub p50: Duration,
    /// The 95th percentile: where a hedge is sent ([`hedge`](chain_core::hedge)).
    #[cfg_attr(feature = "serde", serde(rename = "p95_s", with = "crate::seconds"))]
    pub p95: Duration,
    /// The 99th percentile.
    #[cfg_attr(feature = "serde", serde(rename = "p99_s", with = "crate::seconds"))]
    pub p99: Duration,
    /// The 99.9th percentile.
    #[cfg_attr(feature = "serde", serde(rename = "p999_s", with = "crate::seconds"))]
    pub p999: Duration,
    /// The longest.
    #[cfg_attr(feature = "serde", serde(rename = "max_s", with = "crate::seconds"))]
    pub max: Duration,
}

/// The latencies a fan-out's users met, and what its hedge sent, if it hedged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Latencies {
    /// Each user's chain.
    pub users: Percentiles,
    /// Each fetch, as the chains met it (a hedged fetch's first answer).
    pub fetches: Percentiles,
    /// The hedge's totals; `None` without a hedge.
    #[cfg_attr(feature = "serde", serde(default))]
    pub hedge: Option<HedgeTotals>,
}

impl Percentiles {
    /// The percentiles of `nanos`, latencies in nanoseconds; `None` for none.
    ///
    /// # Examples
    ///
    /// ```
    /// use chain_lab::Percentiles;
    /// use std::time::Duration;
    ///
    /// let p = Percentiles::of((1..=1000).collect()).unwrap();
    /// assert_eq!([p.p50, p.p95, p.p99, p.p999, p.max], [500, 950, 990, 999, 1000].map(Duration::from_nanos));
    /// ```
    pub fn of(mut nanos: Vec<u64>) -> Option<Percentiles> {
        nanos.sort_unstable();
        let rank = |q: f64| {
            let at = ((q * nanos.len() as f64).ceil() as usize).clamp(1, nanos.len());
            Duration::from_nanos(nanos[at - 1])
        };
        let max = Duration::from_nanos(*nanos.last()?);
        Some(Percentiles {
            count: nanos.len(),
            p50: rank(0.5),
            p95: rank(0.95),
            p99: rank(0.99),
            p999: rank(0.999),
            max,
        })
    }
}

impl fmt::Display for Percentiles {
    /// "p50 1.02 ms, p95 1.10 ms, p99 101.30 ms, p99.9 102.00 ms, max 102.10 ms".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "p50 {}, p95 {}, p99 {}, p99.9 {}, max {}",
            duration(self.p50),
            duration(self.p95),
            duration(self.p99),
            duration(self.p999),
            duration(self.max)
        )
    }
}

#[cfg(test)]
mod tests {
    use chain_contract::{Launch, Runtime};
    use chain_core::{InMemorySource, Operation, fan_out};

    use super::*;
    use crate::{FaultPlan, Tail, with_faults};

    #[test]
    fn a_user_waits_for_its_slower_fetch_and_only_the_slow_users_reach_the_tail() {
        let rt = runtime_smol::SmolRuntime::current_thread();
        let (usual, slow) = (Duration::from_millis(1), Duration::from_millis(100));
        let tail = Tail::new(0.02, slow, 1).unwrap();
        let plan = FaultPlan::new(1).with_tail(tail, usual).unwrap();
        let memory = InMemorySource::new(rt.timer()).with_latency(usual);
        let source = Timed::new(with_faults(&rt, memory, plan, slow * 10), &rt, 200);
        rt.block_on(fan_out(&source, 1..=200));
        let timings = source.timings();
        let either = |id| {
            [Operation::FetchUser, Operation::FetchOrders].iter().any(|&op| tail.is_slow(id, op, 0))
        };
        let slow_users = (1..=200).filter(|&id| either(id)).count();
        let slow_fetches = (1..=200)
            .flat_map(|id| [(id, Operation::FetchUser), (id, Operation::FetchOrders)])
            .filter(|&(id, op)| tail.is_slow(id, op, 0))
            .count();
        assert!(slow_users > slow_fetches / 2 && slow_users < 100, "{slow_users} slow users");
        let (users, fetches) = (timings.users().unwrap(), timings.fetches().unwrap());
        assert_eq!((users.count, fetches.count), (200, 400));
        // The slow users are the slowest: as many users at least `slow` as have a slow fetch.
        let mut spans: Vec<Duration> = (0..200)
            .map(|u| {
                Duration::from_nanos(
                    timings.ends[u].load(Relaxed) - timings.starts[u].load(Relaxed),
                )
            })
            .collect();
        spans.sort();
        assert!(spans[200 - slow_users] >= slow && spans[200 - slow_users - 1] < slow, "{spans:?}");
        assert!(users.p50 >= usual && users.p50 < slow && users.max >= slow);
        timings.clear();
        assert_eq!((timings.users(), timings.fetches()), (None, None));
    }
}
