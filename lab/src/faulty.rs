//! [`Faulty`]: faults injected into any [`DataSource`], deterministically from a
//! seed: failures, extra latency with jitter, and fetches that never complete.

use std::{fmt, future::Future, num::NonZeroUsize, sync::Arc, time::Duration};

use crate::{
    Tail,
    seeded::{self, Drawer},
};
use chain_contract::Timer;
use chain_core::{
    DataSource, FetchError, FetchErrorKind, Operation,
    model::{OrderId, User, UserId},
};

/// The reason of a failure that a [`FaultPlan`] injected.
const INJECTED_FAILURE: &str = "injected failure";

/// Which fetches fail, never complete, or wait longer (with jitter, or as a backend's
/// slow few: [`FaultPlan::with_tail`]): each decided by a hash of the seed and the
/// fetch (user and operation), so a seed picks the same fetches in every run, under
/// every runtime, in any order.
///
/// # Examples
///
/// ```
/// use chain_core::Operation;
/// use chain_lab::{Fault, FaultPlan};
/// use std::time::Duration;
///
/// let plan = FaultPlan::new(7).with_failures(0.01).unwrap().with_hangs(0.01).unwrap();
/// let failing = (1..=100_000)
///     .filter(|&id| plan.for_fetch(Operation::FetchUser, id) == Some(Fault::Fail))
///     .count();
/// assert!((800..1200).contains(&failing)); // about 1 %
/// assert_eq!(FaultPlan::new(7).for_fetch(Operation::FetchOrders, 1), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FaultPlan {
    seed: u64,
    failures: f64,
    hangs: f64,
    jitter: Duration,
    tail: Tail,
    /// The source's own latency, which a slow fetch takes the tail's time in place of.
    usual: Duration,
}

/// What a [`FaultPlan`] does to one fetch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The fetch fails with [`FetchErrorKind::Failed`](chain_core::FetchErrorKind::Failed), naming the user.
    Fail,
    /// The fetch never completes: only a time limit or cancellation ends it.
    Hang,
    /// The fetch waits this much longer first, then goes on.
    Delay(Duration),
}

/// What a [`FaultPlan`] implies for one user's chain: both fetches joined, each under
/// the time limit that comes with faults (see [`FaultPlan::expected_outcome`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    /// Neither fetch fails nor hangs (either may be delayed): the user's result.
    Result,
    /// A fetch fails: the user's error is a [`FetchErrorKind::Failed`] from a fetch the
    /// plan fails. A failure ends the chain at once, so a hang beside it changes nothing.
    Failed,
    /// A fetch hangs and none fails: the user's error is a
    /// [`FetchErrorKind::TimedOut`] from a fetch the plan hangs.
    TimedOut,
}

impl FaultPlan {
    /// A plan that injects nothing yet, drawing from `seed`.
    pub fn new(seed: u64) -> Self {
        FaultPlan {
            seed,
            failures: 0.0,
            hangs: 0.0,
            jitter: Duration::ZERO,
            tail: Tail::NONE,
            usual: Duration::ZERO,
        }
    }

    /// A fraction `rate` of fetches fail.
    ///
    /// # Errors
    ///
    /// `rate` is not a fraction from 0 to 1, or with the hangs makes more than 1.
    pub fn with_failures(self, rate: f64) -> Result<Self, String> {
        FaultPlan { failures: rate, ..self }.checked()
    }

    /// A fraction `rate` of fetches never complete.
    ///
    /// # Errors
    ///
    /// `rate` is not a fraction from 0 to 1, or with the failures makes more than 1.
    pub fn with_hangs(self, rate: f64) -> Result<Self, String> {
        FaultPlan { hangs: rate, ..self }.checked()
    }

    /// Each fetch that neither fails nor hangs first waits a further time drawn evenly
    /// from 0 to `jitter`.
    pub fn with_jitter(self, jitter: Duration) -> Self {
        FaultPlan { jitter, ..self }
    }

    /// The source is a backend with `tail`: each of its slow fetches takes the tail's
    /// time in place of `usual`, the source's own latency, by first waiting the
    /// difference (a fetch that fails or hangs stays as it is). The tail draws from
    /// its own seed, apart from the faults.
    ///
    /// # Errors
    ///
    /// The tail's slow fetches would be no slower than `usual`.
    ///
    /// # Examples
    ///
    /// ```
    /// use chain_core::Operation;
    /// use chain_lab::{Fault, FaultPlan, Tail};
    /// use std::time::Duration;
    ///
    /// let (usual, slow) = (Duration::from_millis(1), Duration::from_millis(100));
    /// let plan = FaultPlan::new(0).with_tail(Tail::new(1.0, slow, 0).unwrap(), usual).unwrap();
    /// assert_eq!(plan.for_fetch(Operation::FetchUser, 1), Some(Fault::Delay(slow - usual)));
    /// ```
    pub fn with_tail(self, tail: Tail, usual: Duration) -> Result<Self, String> {
        if tail.is_some() && tail.slow() <= usual {
            return Err(format!(
                "a slow fetch must take longer than the usual {}, not {}",
                chain_core::readable::duration(usual),
                chain_core::readable::duration(tail.slow())
            ));
        }
        Ok(FaultPlan { tail, usual, ..self })
    }

    /// The backend's tail this plan slows fetches by ([`FaultPlan::with_tail`]).
    pub fn tail(&self) -> Tail {
        self.tail
    }

    fn checked(self) -> Result<Self, String> {
        for (what, rate) in [("failure", self.failures), ("hang", self.hangs)] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("a {what} rate is a fraction from 0 to 1, not {rate}"));
            }
        }
        if self.failures + self.hangs > 1.0 {
            return Err("the failure and hang rates add up to more than 1".to_owned());
        }
        Ok(self)
    }

    /// Whether `error` is one this plan injects: an injected failure when failures
    /// are planned, or a timeout when hangs or jitter are (under the time limit that
    /// comes with faults). Any other error has a cause of its own: a service that
    /// cannot be reached, a panic, a source slower than the limit.
    ///
    /// # Examples
    ///
    /// ```
    /// use chain_core::{FetchError, FetchErrorKind, Operation};
    /// use chain_lab::FaultPlan;
    /// use std::time::Duration;
    ///
    /// let plan = FaultPlan::new(0).with_hangs(0.01).unwrap();
    /// let after = Duration::from_millis(20);
    /// let operation = Operation::FetchUser;
    /// let timed_out = FetchError::from(FetchErrorKind::TimedOut { user_id: 1, operation, after });
    /// assert!(plan.explains(&timed_out));
    /// assert!(!FaultPlan::new(0).explains(&timed_out));
    /// ```
    pub fn explains(&self, error: &FetchError) -> bool {
        match error.kind() {
            FetchErrorKind::Failed { reason, .. } => {
                self.failures > 0.0 && reason == INJECTED_FAILURE
            }
            FetchErrorKind::TimedOut { .. } => {
                self.hangs > 0.0 || !self.jitter.is_zero() || self.tail.is_some()
            }
            _ => false,
        }
    }

    /// What happens to `operation` for `user_id`; `None` for a fetch left alone:
    /// [`FaultPlan::for_copy`] of its first copy.
    pub fn for_fetch(&self, operation: Operation, user_id: UserId) -> Option<Fault> {
        self.for_copy(operation, user_id, 0)
    }

    /// What happens to copy `copy` of `operation` for `user_id` (a hedge's extra copy
    /// is 1). A failure, a hang and the jitter belong to the fetch, the same for
    /// every copy (a record that is broken stays broken); whether it is one of the
    /// tail's slow fetches is drawn for each copy apart, as a request sent again
    /// meets the backend anew.
    pub fn for_copy(&self, operation: Operation, user_id: UserId, copy: u32) -> Option<Fault> {
        let faults = self.failures > 0.0 || self.hangs > 0.0 || !self.jitter.is_zero();
        if !faults && !self.tail.is_some() {
            return None;
        }
        let (draw, bits) = seeded::draw(Drawer::Client, self.seed, user_id, operation);
        if draw < self.failures {
            return Some(Fault::Fail);
        } else if draw < self.failures + self.hangs {
            return Some(Fault::Hang);
        }
        let fraction = (bits >> 11) as f64 / (1u64 << 53) as f64;
        let slower = self.tail.latency(self.usual, user_id, operation, copy) - self.usual;
        let delayed = !self.jitter.is_zero() || !slower.is_zero();
        delayed.then(|| Fault::Delay(self.jitter.mul_f64(fraction) + slower))
    }
}

impl FaultPlan {
    /// What this plan implies for `user_id`'s chain, from its two fetches: failed if
    /// either fails, timed out if either hangs and neither fails, else its result
    /// (delays change only when it comes, as long as they stay within the limit).
    ///
    /// # Examples
    ///
    /// ```
    /// use chain_lab::{Expected, FaultPlan};
    ///
    /// let every = FaultPlan::new(0).with_failures(1.0).unwrap();
    /// assert_eq!(every.expected_outcome(1), Expected::Failed);
    /// assert_eq!(FaultPlan::new(0).expected_outcome(1), Expected::Result);
    /// ```
    pub fn expected_outcome(&self, user_id: UserId) -> Expected {
        let faults =
            [Operation::FetchUser, Operation::FetchOrders].map(|op| self.for_fetch(op, user_id));
        if faults.contains(&Some(Fault::Fail)) {
            Expected::Failed
        } else if faults.contains(&Some(Fault::Hang)) {
            Expected::TimedOut
        } else {
            Expected::Result
        }
    }
}

impl fmt::Display for FaultPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let percent = |rate: f64| rate * 100.0;
        let faults = self.failures > 0.0 || self.hangs > 0.0 || !self.jitter.is_zero();
        if faults || !self.tail.is_some() {
            write!(f, "{}% of fetches failing, ", percent(self.failures))?;
            write!(f, "{}% never completing, ", percent(self.hangs))?;
        }
        if !self.jitter.is_zero() {
            write!(
                f,
                "the others delayed by up to {}, ",
                chain_core::readable::duration(self.jitter)
            )?;
        }
        if self.tail.is_some() {
            let of = if faults { "" } else { " of fetches" };
            write!(
                f,
                "{}%{of} taking {} in place of {}, ",
                percent(self.tail.rate()),
                chain_core::readable::duration(self.tail.slow()),
                chain_core::readable::duration(self.usual)
            )?;
            if self.tail.seed() != self.seed {
                write!(f, "slow ones from seed {}, ", self.tail.seed())?;
            }
        }
        write!(f, "seed {}", self.seed)
    }
}

/// Any [`DataSource`] with the faults of a [`FaultPlan`] injected before each fetch.
///
/// Clones share the plan.
///
/// # Examples
///
/// ```
/// use chain_contract::{Launch, Runtime};
/// use chain_core::{DataSource, InMemorySource, Operation};
/// use chain_lab::{Fault, FaultPlan, Faulty};
///
/// let rt = runtime_smol::SmolRuntime::current_thread();
/// let plan = FaultPlan::new(1).with_failures(0.5).unwrap();
/// let source = Faulty::new(InMemorySource::new(rt.timer()), rt.timer(), plan.clone());
/// let failing = (1..100).find(|&id| plan.for_fetch(Operation::FetchUser, id) == Some(Fault::Fail)).unwrap();
/// let error = rt.block_on(source.fetch_user(failing)).unwrap_err();
/// assert_eq!(error.user_id(), failing);
/// ```
///
/// # Cancel safety
///
/// As cancel safe as the wrapped source; a hanging fetch holds nothing but a future.
#[derive(Clone, Debug)]
pub struct Faulty<S, T> {
    inner: S,
    timer: T,
    plan: Arc<FaultPlan>,
    /// Which copy of each fetch this sends ([`DataSource::for_copy`]).
    copy: u32,
}

impl<S: DataSource, T: Timer> Faulty<S, T> {
    /// `inner` with `plan`'s faults; `timer` is the runtime's, for the delays.
    pub fn new(inner: S, timer: T, plan: FaultPlan) -> Self {
        Faulty { inner, timer, plan: Arc::new(plan), copy: 0 }
    }

    /// The plan of faults.
    pub fn plan(&self) -> &FaultPlan {
        &self.plan
    }

    async fn inject<V>(
        &self,
        operation: Operation,
        user_id: UserId,
        fetch: impl Future<Output = Result<V, FetchError>>,
    ) -> Result<V, FetchError> {
        match self.plan.for_copy(operation, user_id, self.copy) {
            Some(Fault::Fail) => {
                let reason = INJECTED_FAILURE.to_owned();
                return Err(FetchErrorKind::Failed { user_id, operation, reason }.into());
            }
            Some(Fault::Hang) => std::future::pending().await,
            Some(Fault::Delay(delay)) => self.timer.sleep(delay).await,
            None => {}
        }
        fetch.await
    }
}

impl<S: DataSource, T: Timer> DataSource for Faulty<S, T> {
    async fn fetch_user(&self, user_id: UserId) -> Result<User, FetchError> {
        self.inject(Operation::FetchUser, user_id, self.inner.fetch_user(user_id)).await
    }

    async fn fetch_orders(&self, user_id: UserId) -> Result<Vec<OrderId>, FetchError> {
        self.inject(Operation::FetchOrders, user_id, self.inner.fetch_orders(user_id)).await
    }

    fn for_shard(&self, shard: usize, shards: NonZeroUsize) -> Self {
        Faulty { inner: self.inner.for_shard(shard, shards), ..self.clone() }
    }

    fn for_copy(&self, copy: u32) -> Self {
        Faulty { inner: self.inner.for_copy(copy), copy, ..self.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_decides_which_fetches_fail_or_hang() {
        let plan = |seed| FaultPlan::new(seed).with_failures(0.3).unwrap().with_hangs(0.3).unwrap();
        let picks = |plan: &FaultPlan| {
            (0..200).map(|id| plan.for_fetch(Operation::FetchOrders, id)).collect::<Vec<_>>()
        };
        assert_eq!(picks(&plan(4)), picks(&plan(4)));
        assert_ne!(picks(&plan(4)), picks(&plan(5)));
        assert!(picks(&plan(4)).contains(&Some(Fault::Hang)));
    }

    #[test]
    fn every_fetch_fails_at_rate_one_and_none_at_zero() {
        let all = FaultPlan::new(0).with_failures(1.0).unwrap();
        for id in 0..1000 {
            assert_eq!(all.for_fetch(Operation::FetchUser, id), Some(Fault::Fail));
            assert_eq!(FaultPlan::new(0).for_fetch(Operation::FetchUser, id), None);
        }
    }

    #[test]
    fn every_fetch_hangs_at_hang_rate_one_whatever_else_is_planned() {
        let hanging = FaultPlan::new(0).with_hangs(1.0).unwrap();
        for plan in [hanging, hanging.with_jitter(Duration::from_millis(1))] {
            for id in 0..1000 {
                assert_eq!(plan.for_fetch(Operation::FetchOrders, id), Some(Fault::Hang));
            }
        }
    }

    #[test]
    fn a_plan_says_what_it_injects() {
        let plan = FaultPlan::new(7).with_failures(0.01).unwrap().with_hangs(0.02).unwrap();
        let said = "1% of fetches failing, 2% never completing, seed 7";
        assert_eq!(plan.to_string(), said);
        let said = "1% of fetches failing, 2% never completing, the others delayed by up to 5.00 ms, seed 7";
        assert_eq!(plan.with_jitter(Duration::from_millis(5)).to_string(), said);
    }

    #[test]
    fn a_tail_delays_exactly_its_slow_fetches_to_the_slow_time() {
        let (usual, slow) = (Duration::from_millis(1), Duration::from_millis(100));
        let tail = Tail::new(0.1, slow, 3).unwrap();
        let plan = FaultPlan::new(3).with_failures(0.1).unwrap().with_tail(tail, usual).unwrap();
        let (mut delayed, mut failed) = (0, 0);
        for id in 1..=10_000 {
            let fault = plan.for_fetch(Operation::FetchOrders, id);
            let fails =
                FaultPlan::new(3).with_failures(0.1).unwrap().for_fetch(Operation::FetchOrders, id);
            match fault {
                Some(Fault::Fail) => failed += 1,
                Some(Fault::Delay(d)) => {
                    assert_eq!(d, slow - usual);
                    assert!(tail.is_slow(id, Operation::FetchOrders, 0));
                    delayed += 1;
                }
                None => assert!(!tail.is_slow(id, Operation::FetchOrders, 0) || fails.is_some()),
                Some(Fault::Hang) => panic!("no hang planned"),
            }
            assert_eq!(
                fault == Some(Fault::Fail),
                fails == Some(Fault::Fail),
                "the tail moves no failure"
            );
        }
        assert!((800..1000).contains(&delayed), "{delayed} of the 90 % that do not fail");
        assert!((900..1100).contains(&failed));
        assert_eq!(
            plan.expected_outcome(1),
            FaultPlan::new(3).with_failures(0.1).unwrap().expected_outcome(1)
        );
    }

    #[test]
    fn a_tail_is_said_and_must_be_slower_than_usual() {
        let (usual, slow) = (Duration::from_millis(1), Duration::from_millis(100));
        let tail = Tail::new(0.01, slow, 0).unwrap();
        let plan = FaultPlan::new(0).with_tail(tail, usual).unwrap();
        assert_eq!(plan.to_string(), "1% of fetches taking 100.00 ms in place of 1.00 ms, seed 0");
        let refused = FaultPlan::new(0).with_tail(tail, slow).unwrap_err();
        assert!(refused.contains("longer than the usual"), "{refused}");
        assert!(FaultPlan::new(0).with_tail(Tail::NONE, slow).is_ok());
    }

    #[test]
    fn jitter_spreads_over_its_whole_bound_and_never_past_it() {
        let jitter = Duration::from_millis(5);
        let plan = FaultPlan::new(2).with_jitter(jitter);
        let delays: Vec<Duration> = (0..1000)
            .map(|id| match plan.for_fetch(Operation::FetchUser, id) {
                Some(Fault::Delay(d)) => d,
                other => panic!("{other:?}"),
            })
            .collect();
        assert!(delays.iter().all(|&d| d <= jitter));
        // Drawn uniformly: the extremes near both ends, the mean near the middle.
        assert!(delays.iter().min().unwrap() < &(jitter / 50));
        assert!(delays.iter().max().unwrap() > &(jitter * 49 / 50));
        let mean = delays.iter().sum::<Duration>() / 1000;
        assert!(jitter * 9 / 20 < mean && mean < jitter * 11 / 20, "{mean:?}");
    }

    #[test]
    fn a_plan_explains_only_the_errors_it_injects() {
        let (user_id, operation, after) = (1, Operation::FetchUser, Duration::from_millis(20));
        let injected = FetchError::from(FetchErrorKind::Failed {
            user_id,
            operation,
            reason: INJECTED_FAILURE.into(),
        });
        let refused = FetchError::from(FetchErrorKind::Failed {
            user_id,
            operation,
            reason: "refused".into(),
        });
        let timed_out = FetchError::from(FetchErrorKind::TimedOut { user_id, operation, after });
        let panicked =
            FetchError::from(FetchErrorKind::Panicked { user_id, message: "boom".into() });
        let failing = FaultPlan::new(0).with_failures(0.5).unwrap();
        let hanging = FaultPlan::new(0).with_hangs(0.5).unwrap();
        let jittery = FaultPlan::new(0).with_jitter(Duration::from_millis(1));
        assert!(failing.explains(&injected));
        assert!(!failing.explains(&refused) && !failing.explains(&timed_out));
        assert!(hanging.explains(&timed_out) && jittery.explains(&timed_out));
        assert!(!hanging.explains(&injected));
        for plan in [failing, hanging, jittery, FaultPlan::new(0)] {
            assert!(!plan.explains(&panicked));
        }
    }

    #[test]
    fn a_user_fails_if_either_fetch_fails_and_times_out_if_one_hangs_and_none_fails() {
        let plan = FaultPlan::new(9).with_failures(0.3).unwrap().with_hangs(0.3).unwrap();
        let (mut seen, both) = (Vec::new(), [Operation::FetchUser, Operation::FetchOrders]);
        for id in 0..2000 {
            let [user, orders] = both.map(|op| plan.for_fetch(op, id));
            let expected = match (user, orders) {
                (Some(Fault::Fail), _) | (_, Some(Fault::Fail)) => Expected::Failed,
                (Some(Fault::Hang), _) | (_, Some(Fault::Hang)) => Expected::TimedOut,
                _ => Expected::Result,
            };
            assert_eq!(plan.expected_outcome(id), expected, "user {id}: {user:?}, {orders:?}");
            seen.push((user, orders));
        }
        // The draws covered the cases that decide: a failure beside a hang, either way.
        let fail_and_hang = [Some(Fault::Fail), Some(Fault::Hang)];
        assert!(seen.contains(&(fail_and_hang[0], fail_and_hang[1])));
        assert!(seen.contains(&(fail_and_hang[1], fail_and_hang[0])));
    }

    #[test]
    fn rates_must_be_fractions_that_fit_together() {
        assert!(FaultPlan::new(0).with_failures(1.5).is_err());
        assert!(FaultPlan::new(0).with_hangs(-0.1).is_err());
        assert!(FaultPlan::new(0).with_failures(f64::NAN).is_err());
        assert!(FaultPlan::new(0).with_failures(0.6).unwrap().with_hangs(0.6).is_err());
    }
}
