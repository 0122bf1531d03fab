//! [`TimedFetches`]: every fetch's latency counted in a histogram, for a source
//! whose users are not known beforehand (a gateway's), where [`Timed`](crate::Timed)
//! needs them.

use std::{
    num::NonZeroUsize,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use chain_contract::Runtime;
use chain_core::{DataSource, FetchError, OrderId, User, UserId};
use hdrhistogram::Histogram;

use crate::{HedgeTotals, Percentiles};

/// Any [`DataSource`] with the latency of every fetch that answered counted, on
/// `rt`'s clock, in a histogram of three significant digits (a tenth of a percent)
/// from 1 ns to an hour; a longer fetch counts as an hour. A fetch dropped before
/// it answered is not counted.
///
/// Each shard of a thread-per-core runtime ([`DataSource::for_shard`]) counts in
/// a histogram of its own, so that its thread takes a lock no other thread takes;
/// the threads of a multi-thread runtime share one, locked once a fetch. Each
/// histogram holds about 250 KiB.
///
/// # Examples
///
/// ```
/// use chain_contract::{Launch, Runtime};
/// use chain_core::{InMemorySource, fan_out};
/// use chain_lab::TimedFetches;
/// use std::time::Duration;
///
/// let rt = runtime_smol::SmolRuntime::current_thread();
/// let latency = Duration::from_millis(5);
/// let source = TimedFetches::new(InMemorySource::new(rt.timer()).with_latency(latency), &rt);
/// let histogram = source.histogram();
/// rt.block_on(fan_out(&source, 1..=3));
/// let fetches = histogram.percentiles().unwrap();
/// assert_eq!(fetches.count, 6);
/// assert!(fetches.p50 >= latency && fetches.max >= fetches.p99);
/// ```
///
/// # Cancel safety
///
/// As cancel safe as the wrapped source.
#[derive(Clone, Debug)]
pub struct TimedFetches<S, R> {
    inner: S,
    rt: R,
    histogram: Arc<FetchHistogram>,
    shard: usize,
}

impl<S: DataSource, R: Runtime> TimedFetches<S, R> {
    /// `inner`, every fetch timed on `rt`'s clock, in a histogram per shard of `rt`.
    pub fn new(inner: S, rt: &R) -> Self {
        let histogram = Arc::new(FetchHistogram::new(rt.shards()));
        TimedFetches { inner, rt: rt.clone(), histogram, shard: 0 }
    }

    /// The latencies counted so far, shared by every clone and shard of this source.
    pub fn histogram(&self) -> Arc<FetchHistogram> {
        self.histogram.clone()
    }

    async fn timed<T>(&self, fetching: impl Future<Output = T>) -> T {
        let start = self.rt.now();
        let output = fetching.await;
        self.histogram.count(self.shard, self.rt.now() - start);
        output
    }
}

impl<S: DataSource, R: Runtime> DataSource for TimedFetches<S, R> {
    async fn fetch_user(&self, user_id: UserId) -> Result<User, FetchError> {
        self.timed(self.inner.fetch_user(user_id)).await
    }

    async fn fetch_orders(&self, user_id: UserId) -> Result<Vec<OrderId>, FetchError> {
        self.timed(self.inner.fetch_orders(user_id)).await
    }

    fn for_shard(&self, shard: usize, shards: NonZeroUsize) -> Self {
        TimedFetches {
            inner: self.inner.for_shard(shard, shards),
            shard: shard % self.histogram.shards.len(),
            ..self.clone()
        }
    }

    fn for_copy(&self, copy: u32) -> Self {
        TimedFetches { inner: self.inner.for_copy(copy), ..self.clone() }
    }
}

/// The histograms a [`TimedFetches`] source counts in, one per shard, in nanoseconds.
#[derive(Debug)]
pub struct FetchHistogram {
    shards: Vec<Mutex<Histogram<u64>>>,
}

/// The longest latency a [`FetchHistogram`] tells apart: an hour, in nanoseconds.
const LONGEST_NS: u64 = 3_600 * 1_000_000_000;

impl FetchHistogram {
    fn new(shards: NonZeroUsize) -> Self {
        let empty = || {
            let histogram = Histogram::new_with_bounds(1, LONGEST_NS, 3);
            Mutex::new(histogram.expect("bounds that hdrhistogram takes"))
        };
        FetchHistogram { shards: (0..shards.get()).map(|_| empty()).collect() }
    }

    fn count(&self, shard: usize, latency: Duration) {
        let ns = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
        // A panic while counting leaves a histogram that is still whole.
        let mut histogram = self.shards[shard].lock().unwrap_or_else(PoisonError::into_inner);
        histogram.saturating_record(ns.max(1));
    }

    /// Every shard's latencies together, as nearest-rank percentiles to within a
    /// tenth of a percent (the highest value of each percentile's bucket); `None`
    /// if no fetch answered.
    pub fn percentiles(&self) -> Option<Percentiles> {
        let all = self.merged();
        if all.is_empty() {
            return None;
        }
        let at = |q: f64| Duration::from_nanos(all.value_at_quantile(q));
        Some(Percentiles {
            count: usize::try_from(all.len()).unwrap_or(usize::MAX),
            p50: at(0.5),
            p95: at(0.95),
            p99: at(0.99),
            p999: at(0.999),
            max: Duration::from_nanos(all.max()),
        })
    }

    /// Every shard's histogram added up.
    fn merged(&self) -> Histogram<u64> {
        let lock = |shard: &Mutex<Histogram<u64>>| {
            shard.lock().unwrap_or_else(PoisonError::into_inner).clone()
        };
        let mut shards = self.shards.iter();
        let mut all = lock(shards.next().expect("at least one shard"));
        for shard in shards {
            all.add(lock(shard)).expect("histograms of the same bounds add up");
        }
        all
    }
}

/// What a gateway's fetches met over its whole run, warm-up included: their
/// latencies, and what its hedge sent (as JSON, `serve --report` writes it at the
/// stop: `{"fetches":{"count":..,"p50_s":..,..},"hedge":null}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FetchReport {
    /// Each fetch as the gateway's chains met it (a hedged fetch's first answer);
    /// `None` if none answered.
    pub fetches: Option<Percentiles>,
    /// The hedge's totals; `None` without a hedge.
    pub hedge: Option<HedgeTotals>,
}

#[cfg(test)]
mod tests {
    use chain_contract::{Launch, Runtime};
    use chain_core::{InMemorySource, Operation, fan_out};

    use super::*;
    use crate::{FaultPlan, Tail, with_faults};

    #[test]
    fn every_answer_is_counted_once_and_the_slow_ones_are_the_tail() {
        let rt = runtime_smol::SmolRuntime::current_thread();
        let (usual, slow) = (Duration::from_millis(1), Duration::from_millis(50));
        let tail = Tail::new(0.02, slow, 7).unwrap();
        let plan = FaultPlan::new(7).with_tail(tail, usual).unwrap();
        let memory = InMemorySource::new(rt.timer()).with_latency(usual);
        let source = TimedFetches::new(with_faults(&rt, memory, plan, slow * 10), &rt);
        let histogram = source.histogram();
        rt.block_on(fan_out(&source, 1..=500));
        let fetches = histogram.percentiles().unwrap();
        assert_eq!(fetches.count, 1_000);
        let slowed = (1..=500)
            .flat_map(|id| [(id, Operation::FetchUser), (id, Operation::FetchOrders)])
            .filter(|&(id, op)| tail.is_slow(id, op, 0))
            .count();
        assert!((5..50).contains(&slowed), "the seed slows {slowed} of 1,000");
        // Exactly the slowed fetches waited the slow latency (a sleep never wakes
        // early, and the usual ones wait far less).
        let all = histogram.merged();
        let at_least_slow = all.count_between(slow.as_nanos() as u64, LONGEST_NS);
        assert_eq!(at_least_slow, slowed as u64);
        assert!(fetches.p50 >= usual && fetches.p50 < slow, "{fetches}");
        assert!(fetches.max >= slow, "{fetches}");
    }

    #[test]
    fn nothing_answered_is_no_percentiles() {
        let rt = runtime_smol::SmolRuntime::current_thread();
        let source = TimedFetches::new(InMemorySource::new(rt.timer()), &rt);
        assert_eq!(source.histogram().percentiles(), None);
    }

    #[test]
    fn each_shard_counts_in_its_own_histogram_and_all_are_summed() {
        let histogram = FetchHistogram::new(NonZeroUsize::new(2).unwrap());
        histogram.count(0, Duration::from_millis(1));
        histogram.count(1, Duration::from_millis(3));
        histogram.count(1, Duration::from_millis(2));
        let lengths: Vec<u64> = histogram.shards.iter().map(|h| h.lock().unwrap().len()).collect();
        assert_eq!(lengths, [1, 2]);
        let all = histogram.percentiles().unwrap();
        assert_eq!(all.count, 3);
        let near = |d: Duration, ms: u64| d.abs_diff(Duration::from_millis(ms)) * 1_000 <= d;
        assert!(near(all.p50, 2) && near(all.max, 3), "{all}");
    }
}
