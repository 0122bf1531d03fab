//! [`Hedging`]: every fetch of any [`DataSource`] hedged, and the hedge's budget
//! counted.

use std::{
    fmt,
    future::Future,
    num::NonZeroUsize,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering::Relaxed},
    },
    time::Duration,
};

use chain_contract::Runtime;
use chain_core::{
    DataSource, FetchError, Hedged, OrderId, User, UserId, hedge, readable::duration,
};
use futures::future::Either;

/// Any [`DataSource`] whose every fetch is [`hedge`]d, or, without a delay, left as
/// it is: a fetch that has not answered `after` its start is sent once more, to the
/// source's copy 1 ([`DataSource::for_copy`]), the first answer wins and the other
/// copy is dropped (cancelled). [`Hedging::budget`] counts the fetches needed, the
/// copies sent, and how late the extra copies left.
///
/// Put a time limit ([`TimeLimited`](crate::TimeLimited)) inside it, and each copy
/// has the limit of its own; outside it, the limit covers both.
///
/// # Examples
///
/// ```
/// use chain_contract::{Launch, Runtime};
/// use chain_core::{DataSource, InMemorySource};
/// use chain_lab::Hedging;
/// use std::time::Duration;
///
/// let rt = runtime_smol::SmolRuntime::current_thread();
/// let source = InMemorySource::new(rt.timer()).with_latency(Duration::from_millis(20));
/// let hedged = Hedging::new(source, &rt, Some(Duration::from_millis(1)));
/// rt.block_on(hedged.fetch_user(1)).unwrap();
/// let budget = hedged.budget();
/// assert_eq!((budget.needed(), budget.sent()), (1, 2)); // both copies wait 20 ms
/// ```
///
/// # Cancel safety
///
/// As cancel safe as the wrapped source: dropping a fetch drops its copies.
#[derive(Clone, Debug)]
pub struct Hedging<S, R> {
    inner: S,
    rt: R,
    after: Option<Duration>,
    budget: Arc<HedgeBudget>,
}

impl<S: DataSource, R: Runtime> Hedging<S, R> {
    /// `inner` with every fetch hedged `after` its start, timed by `rt`; with
    /// `None`, every fetch goes to `inner` as it is (a branch per fetch), uncounted.
    pub fn new(inner: S, rt: &R, after: Option<Duration>) -> Self {
        Hedging { inner, rt: rt.clone(), after, budget: Arc::default() }
    }

    /// What the hedge has cost so far, across every clone and shard of this source.
    pub fn budget(&self) -> Arc<HedgeBudget> {
        self.budget.clone()
    }

    /// The wrapped source.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    async fn hedged<T, F>(&self, after: Duration, fetch: impl Fn(S) -> F) -> Result<T, FetchError>
    where
        F: Future<Output = Result<T, FetchError>>,
    {
        let hedged = hedge(&self.rt, after, |copy| fetch(self.inner.for_copy(copy))).await;
        self.budget.count(&hedged);
        hedged.output
    }
}

impl<S: DataSource, R: Runtime> DataSource for Hedging<S, R> {
    fn fetch_user(&self, user_id: UserId) -> impl Future<Output = Result<User, FetchError>> + Send {
        match self.after {
            None => Either::Left(self.inner.fetch_user(user_id)),
            Some(after) => Either::Right(
                self.hedged(after, move |source| async move { source.fetch_user(user_id).await }),
            ),
        }
    }

    fn fetch_orders(
        &self,
        user_id: UserId,
    ) -> impl Future<Output = Result<Vec<OrderId>, FetchError>> + Send {
        match self.after {
            None => Either::Left(self.inner.fetch_orders(user_id)),
            Some(after) => Either::Right(
                self.hedged(after, move |source| async move { source.fetch_orders(user_id).await }),
            ),
        }
    }

    fn for_shard(&self, shard: usize, shards: NonZeroUsize) -> Self {
        Hedging { inner: self.inner.for_shard(shard, shards), ..self.clone() }
    }
}

/// The budget of a hedge: fetches needed against fetches sent, which copies won,
/// and how late the extra copies left (the timer's precision at work). Counted
/// when a hedged fetch answers; a fetch dropped before it did is not.
#[derive(Debug, Default)]
pub struct HedgeBudget {
    needed: AtomicU64,
    extra: AtomicU64,
    extra_won: AtomicU64,
    extra_after_ns: AtomicU64,
    latest_ns: AtomicU64,
}

/// What a hedge sent, at one moment ([`HedgeBudget::totals`]), as data (its times
/// in seconds: `extra_after_mean_s`, `extra_after_max_s`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct HedgeTotals {
    /// Fetches answered: what the chains needed.
    pub needed: u64,
    /// Copies sent for them.
    pub sent: u64,
    /// Extra copies that answered first.
    pub extra_won: u64,
    /// How late the extra copies left after their first, on average; `None` if none
    /// was sent.
    #[cfg_attr(
        feature = "serde",
        serde(rename = "extra_after_mean_s", with = "crate::seconds::optional")
    )]
    pub extra_after_mean: Option<Duration>,
    /// The latest an extra copy left after its first.
    #[cfg_attr(
        feature = "serde",
        serde(rename = "extra_after_max_s", with = "crate::seconds::optional")
    )]
    pub extra_after_max: Option<Duration>,
}

impl HedgeBudget {
    /// The counts so far.
    pub fn totals(&self) -> HedgeTotals {
        let after = self.extra_after();
        HedgeTotals {
            needed: self.needed(),
            sent: self.sent(),
            extra_won: self.extra_won(),
            extra_after_mean: after.map(|(mean, _)| mean),
            extra_after_max: after.map(|(_, latest)| latest),
        }
    }

    /// Forgets every count, for another run.
    pub fn clear(&self) {
        for count in
            [&self.needed, &self.extra, &self.extra_won, &self.extra_after_ns, &self.latest_ns]
        {
            count.store(0, Relaxed);
        }
    }

    fn count<T>(&self, hedged: &Hedged<T>) {
        self.needed.fetch_add(1, Relaxed);
        if let Some(after) = hedged.extra_after {
            let nanos = u64::try_from(after.as_nanos()).unwrap_or(u64::MAX);
            self.extra.fetch_add(1, Relaxed);
            self.extra_won.fetch_add(u64::from(hedged.copy == 1), Relaxed);
            self.extra_after_ns.fetch_add(nanos, Relaxed);
            self.latest_ns.fetch_max(nanos, Relaxed);
        }
    }

    /// Fetches answered: what the chains needed.
    pub fn needed(&self) -> u64 {
        self.needed.load(Relaxed)
    }

    /// Copies sent for them: one each, and one more for each that was late.
    pub fn sent(&self) -> u64 {
        self.needed() + self.extra()
    }

    /// Extra copies sent.
    pub fn extra(&self) -> u64 {
        self.extra.load(Relaxed)
    }

    /// Extra copies that answered first.
    pub fn extra_won(&self) -> u64 {
        self.extra_won.load(Relaxed)
    }

    /// How late, on average and at most, the extra copies left after their first;
    /// `None` if none was sent.
    pub fn extra_after(&self) -> Option<(Duration, Duration)> {
        let extra = self.extra();
        let mean = self.extra_after_ns.load(Relaxed).checked_div(extra)?;
        Some((Duration::from_nanos(mean), Duration::from_nanos(self.latest_ns.load(Relaxed))))
    }
}

impl fmt::Display for HedgeBudget {
    /// "200 fetches sent for 180 needed (20 extra, 15 of them answered first), the
    /// extra ones 2.10 ms after their first on average, at most 3.00 ms".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (sent, needed, extra) = (self.sent(), self.needed(), self.extra());
        write!(f, "{sent} fetches sent for {needed} needed ({extra} extra")?;
        match self.extra_after() {
            None => f.write_str(")"),
            Some((mean, latest)) => write!(
                f,
                ", {} of them answered first), the extra ones {} after their first on average, at most {}",
                self.extra_won(),
                duration(mean),
                duration(latest)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use chain_contract::{Launch, Runtime};
    use chain_core::{InMemorySource, Operation};

    use super::*;
    use crate::{FaultPlan, Instrumented, Tail, with_faults};

    const USUAL: Duration = Duration::from_millis(1);
    const SLOW: Duration = Duration::from_millis(200);

    #[test]
    fn only_the_tails_slow_fetches_get_an_extra_copy_and_the_first_answer_wins() {
        let rt = runtime_smol::SmolRuntime::current_thread();
        let tail = Tail::new(0.3, SLOW, 5).unwrap();
        let plan = FaultPlan::new(5).with_tail(tail, USUAL).unwrap();
        let memory = InMemorySource::new(rt.timer()).with_latency(USUAL);
        let copies = Instrumented::new(with_faults(&rt, memory, plan, SLOW * 5));
        let hedged = Hedging::new(copies.clone(), &rt, Some(USUAL * 20));
        let users = 1..=50;
        let answers = rt.block_on(async {
            let fetches = users.clone().map(|id| hedged.fetch_user(id));
            futures::future::join_all(fetches).await
        });
        assert!(answers.iter().all(Result::is_ok));
        let slow = |copy| move |&id: &UserId| tail.is_slow(id, Operation::FetchUser, copy);
        let late = users.clone().filter(slow(0)).count();
        // A late first copy whose extra copy is slow too still answers first.
        let rescued = users.filter(slow(0)).filter(|id| !slow(1)(id)).count();
        assert!(late > rescued && rescued > 0, "the seed shows both");
        let budget = hedged.budget();
        let counted = (budget.needed(), budget.extra(), budget.extra_won());
        assert_eq!(counted, (50, late as u64, rescued as u64));
        assert_eq!(copies.all().started(), 50 + late);
        assert_eq!(copies.all().cancelled(), late, "every losing copy cancelled");
        assert_eq!(copies.all().live(), 0);
        assert!(budget.extra_after().unwrap().0 >= USUAL * 20, "no hedge leaves early");
    }
}
