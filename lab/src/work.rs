//! Simulated CPU work per user, spread evenly or skewed onto a few users: [`Work`],
//! and the [`Working`] source that does it, counted in [`WorkDone`].
//!
//! Waiting costs a thread nothing, so the simulated latency alone cannot show how a
//! scheduler spreads load among threads; work that holds the thread can.

use std::{
    future::Future,
    hint::black_box,
    num::{NonZeroU32, NonZeroUsize},
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering::Relaxed},
    },
};

use crate::seeded::splitmix64;
use chain_core::{DataSource, FetchError, OrderId, User, UserId, UserResult};

/// How much CPU work each user costs, and how unevenly it is spread among them.
///
/// # Examples
///
/// ```
/// use chain_lab::Work;
///
/// let skewed = Work::new(100, 4.try_into().unwrap(), 10);
/// // Users 4 and 8 do the work of four users each, 9 and 10 their own; the others none.
/// let rounds: Vec<_> = (1..=10).map(|id| skewed.rounds_for(id)).collect();
/// assert_eq!(rounds, [0, 0, 0, 400, 0, 0, 0, 400, 100, 100]);
/// assert_eq!(skewed.rounds_for_users(10), Work::new(100, 1.try_into().unwrap(), 10).rounds_for_users(10));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Work {
    /// Rounds of hashing per user on average, each a few nanoseconds of one thread.
    pub rounds: u32,
    /// Each user whose id is a multiple of `skew` does the work of `skew` users, the
    /// others none, except those past the last multiple: 1 spreads the work evenly.
    pub skew: NonZeroU32,
    /// The users `1..=users` the work is spread over. Those past the last multiple
    /// of `skew` have no heavy user to take their work, so they keep their own.
    pub users: UserId,
}

impl Work {
    /// `rounds` per user on average over users `1..=users`, moved onto every
    /// `skew`-th user.
    pub fn new(rounds: u32, skew: NonZeroU32, users: usize) -> Self {
        Work { rounds, skew, users: users as UserId }
    }

    /// The rounds that `user_id` does.
    pub fn rounds_for(self, user_id: UserId) -> u64 {
        let (rounds, skew) = (u64::from(self.rounds), u64::from(self.skew.get()));
        let grouped = self.users - self.users % skew;
        match user_id {
            id if id > grouped => rounds,
            id if id % skew == 0 => rounds * skew,
            _ => 0,
        }
    }

    /// The rounds users `1..=users` do together: `rounds` each for every skew when
    /// `users` is the number of users the work is spread over.
    pub fn rounds_for_users(self, users: usize) -> u64 {
        (1..=users as UserId).map(|id| self.rounds_for(id)).sum()
    }

    /// Why `done` rounds cannot be the work of a fan-out over users 1..=N that
    /// returned `results` (in request order), if they cannot: each returned user did
    /// its own, and no more than all of them together was done (a user whose orders
    /// failed may have done its work).
    pub fn misdone(self, done: u64, results: &[UserResult]) -> Option<String> {
        let ids = (1..).zip(results);
        let returned: u64 = ids.filter(|(_, r)| r.is_ok()).map(|(id, _)| self.rounds_for(id)).sum();
        let asked = self.rounds_for_users(results.len());
        (!(returned..=asked).contains(&done)).then(|| {
            format!(
                "the fan-out did {done} rounds of CPU work; its returned users ask for {returned}, all of them {asked}"
            )
        })
    }
}

/// `rounds` rounds of SplitMix64 from `seed`, each depending on the last, so that
/// none can be skipped or run in parallel.
pub fn hash_rounds(seed: u64, rounds: u64) -> u64 {
    (0..rounds).fold(seed, |x, _| splitmix64(x))
}

/// The rounds a [`Working`] source and its clones have done, counted per shard of a
/// thread-per-core runtime so that shards share no cache line.
#[derive(Debug)]
pub struct WorkDone {
    shards: Box<[ShardCount]>,
}

/// A shard's count, alone on its cache line (128 bytes: two lines on x86's adjacent
/// prefetch).
#[derive(Debug, Default)]
#[repr(align(128))]
struct ShardCount(AtomicU64);

impl WorkDone {
    /// A count for a runtime of `shards` shards ([`Runtime::shards`](chain_contract::Runtime::shards)).
    pub fn new(shards: NonZeroUsize) -> Arc<Self> {
        Arc::new(WorkDone { shards: (0..shards.get()).map(|_| ShardCount::default()).collect() })
    }

    /// The rounds done so far, on every shard.
    pub fn total(&self) -> u64 {
        self.by_shard().iter().sum()
    }

    /// The rounds done so far on each shard, in shard order.
    pub fn by_shard(&self) -> Vec<u64> {
        self.shards.iter().map(|count| count.0.load(Relaxed)).collect()
    }
}

/// A [`DataSource`] whose [`fetch_user`](DataSource::fetch_user) also does the
/// user's [`Work`] once the inner fetch succeeded, on the thread that polls it.
///
/// Each user with work adds its rounds to a [`WorkDone`] with one relaxed atomic
/// addition: to its shard's own count on a thread-per-core runtime, to one count
/// shared by every worker on the others.
///
/// # Examples
///
/// ```
/// use chain_contract::{Launch, Runtime};
/// use chain_core::{DataSource, InMemorySource};
/// use chain_lab::{Work, WorkDone, Working};
///
/// let rt = runtime_smol::SmolRuntime::current_thread();
/// let done = WorkDone::new(rt.shards());
/// let work = Work::new(1000, 2.try_into().unwrap(), 2);
/// let source = Working::new(InMemorySource::new(rt.timer()), work, done.clone());
/// rt.block_on(async { (source.fetch_user(1).await, source.fetch_user(2).await) });
/// assert_eq!(done.total(), 2000);
/// ```
///
/// # Cancel safety
///
/// As cancel safe as the inner source: the work runs within one poll.
#[derive(Clone, Debug)]
pub struct Working<S> {
    inner: S,
    work: Work,
    done: Arc<WorkDone>,
    shard: usize,
}

impl<S: DataSource> Working<S> {
    /// `inner` with `work` added to each user, counted in `done`.
    pub fn new(inner: S, work: Work, done: Arc<WorkDone>) -> Self {
        Working { inner, work, done, shard: 0 }
    }
}

impl<S: DataSource> DataSource for Working<S> {
    async fn fetch_user(&self, user_id: UserId) -> Result<User, FetchError> {
        let user = self.inner.fetch_user(user_id).await?;
        let rounds = self.work.rounds_for(user_id);
        if rounds > 0 {
            black_box(hash_rounds(black_box(user_id), rounds));
            self.done.shards[self.shard].0.fetch_add(rounds, Relaxed);
        }
        Ok(user)
    }

    fn fetch_orders(
        &self,
        user_id: UserId,
    ) -> impl Future<Output = Result<Vec<OrderId>, FetchError>> + Send {
        self.inner.fetch_orders(user_id)
    }

    fn for_shard(&self, shard: usize, shards: NonZeroUsize) -> Self {
        let inner = self.inner.for_shard(shard, shards);
        // A count made for fewer shards than are in use shares its last one.
        Working { inner, shard: shard.min(self.done.shards.len() - 1), ..self.clone() }
    }

    fn for_copy(&self, copy: u32) -> Self {
        Working { inner: self.inner.for_copy(copy), ..self.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_rounds_chains_splitmix64() {
        assert_eq!(hash_rounds(7, 0), 7);
        assert_eq!(hash_rounds(7, 3), splitmix64(splitmix64(splitmix64(7))));
    }

    fn work(skew: u32, users: usize) -> Work {
        Work::new(10, NonZeroU32::new(skew).unwrap(), users)
    }

    #[test]
    fn skew_moves_the_work_of_each_group_of_users_onto_one_without_changing_the_total() {
        assert!((1..=9).all(|id| work(1, 9).rounds_for(id) == 10));
        let heavy: Vec<_> = (1..=9).filter(|&id| work(3, 9).rounds_for(id) > 0).collect();
        assert_eq!(heavy, [3, 6, 9]);
        assert_eq!(work(3, 9).rounds_for(6), 30);
        assert_eq!(work(3, 9).rounds_for_users(9), 90);
    }

    #[test]
    fn users_past_the_last_multiple_of_the_skew_keep_their_own_work() {
        let rounds: Vec<_> = (1..=10).map(|id| work(3, 10).rounds_for(id)).collect();
        assert_eq!(rounds, [0, 0, 30, 0, 0, 30, 0, 0, 30, 10]);
        for users in 1..=40 {
            for skew in 1..=users as u32 {
                let total = work(skew, users).rounds_for_users(users);
                assert_eq!(total, 10 * users as u64, "{users} users, skew {skew}");
            }
        }
    }

    #[test]
    fn misdone_accepts_from_the_returned_users_work_up_to_all_of_it() {
        let work = work(2, 4);
        let user = |id| Ok(chain_core::model::article_user_with_orders(id));
        let (user_id, operation) = (2, chain_core::Operation::FetchOrders);
        let failed = chain_core::FetchErrorKind::Failed { user_id, operation, reason: "no".into() };
        let results = [user(1), Err(failed.into()), user(3), user(4)];
        // Users 2 and 4 ask for 20 rounds each: 4 returned; 2 failed, perhaps after its work.
        for done in [20, 40] {
            assert_eq!(work.misdone(done, &results), None, "{done}");
        }
        for done in [0, 19, 41] {
            assert!(work.misdone(done, &results).is_some(), "{done}");
        }
    }
}
