//! Where users and orders come from: the [`DataSource`] trait and the article's
//! in-memory data behind a simulated latency.

use std::{future::Future, num::NonZeroUsize, time::Duration};

use crate::{
    FetchError,
    model::{OrderId, User, UserId, article_orders},
};
use chain_contract::Timer;

/// The two fetches of the article, as an API client or a database would offer them.
///
/// The futures are `Send` so that callers can spawn them on multi-threaded runtimes.
/// A source is a cheap handle: clones share its data, connections and counters.
///
/// # Cancel safety
///
/// Implementations must be cancel safe: dropping a fetch part-way abandons it
/// without affecting other fetches.
pub trait DataSource: Clone + Send + Sync {
    /// The user with id `user_id` (the article's `fetch_user`).
    fn fetch_user(&self, user_id: UserId) -> impl Future<Output = Result<User, FetchError>> + Send;

    /// The ids of `user_id`'s orders, empty for a user without any (the article's
    /// `fetch_orders`).
    fn fetch_orders(
        &self,
        user_id: UserId,
    ) -> impl Future<Output = Result<Vec<OrderId>, FetchError>> + Send;

    /// A copy for shard `shard` of a thread-per-core runtime's `shards`
    /// ([`Runtime::shards`](chain_contract::Runtime::shards)): the same data, faults and
    /// counters, with what must stay on one thread (an HTTP source's connections) of
    /// its own, and its part of any limit. A wrapper forwards it to the source it
    /// wraps; by default, a clone.
    fn for_shard(&self, shard: usize, shards: NonZeroUsize) -> Self {
        let _ = (shard, shards);
        self.clone()
    }

    /// The source that copy `copy` of a hedged fetch goes to ([`hedge`](crate::hedge):
    /// 0 the first, 1 the extra one): the same data, faults and counters, but a
    /// backend whose slow fetches are drawn per request draws again for each copy,
    /// as a request sent again meets the backend anew. A wrapper forwards it to the
    /// source it wraps; by default, a clone.
    fn for_copy(&self, copy: u32) -> Self {
        let _ = copy;
        self.clone()
    }
}

/// The article's data, held in memory, each fetch waiting a simulated latency first.
///
/// As in the article, every id names a user (`user-{id}`), and only users 1 and 2
/// have orders. A latency of zero means no wait at all: the fetch completes the first
/// time it is polled, without touching the timer.
///
/// # Examples
///
/// ```
/// use chain_contract::{Launch, Runtime};
/// use chain_core::{DataSource, InMemorySource, User};
/// use std::time::Duration;
///
/// let rt = runtime_smol::SmolRuntime::current_thread();
/// let source = InMemorySource::new(rt.timer()).with_latency(Duration::from_millis(5));
/// assert_eq!(rt.block_on(source.fetch_user(2)).unwrap(), User::new(2));
/// assert_eq!(rt.block_on(source.fetch_orders(2)).unwrap(), [23, 34]);
/// ```
#[derive(Clone, Debug)]
pub struct InMemorySource<T> {
    timer: T,
    latency: Duration,
}

impl<T: Timer> InMemorySource<T> {
    /// The article's data with no latency; `timer` is the runtime's
    /// ([`Runtime::timer`](chain_contract::Runtime::timer)).
    pub fn new(timer: T) -> Self {
        InMemorySource { timer, latency: Duration::ZERO }
    }

    /// The same data, each fetch first sleeping `latency` on the runtime's timer.
    pub fn with_latency(self, latency: Duration) -> Self {
        InMemorySource { latency, ..self }
    }

    /// The simulated latency of each fetch.
    pub fn latency(&self) -> Duration {
        self.latency
    }
}

impl<T: Timer> DataSource for InMemorySource<T> {
    // The wait is written out in each fetch, not in a shared `async fn`: the nested
    // future cost a measurable few nanoseconds per fetch in the overhead benchmark.
    async fn fetch_user(&self, user_id: UserId) -> Result<User, FetchError> {
        if !self.latency.is_zero() {
            self.timer.sleep(self.latency).await;
        }
        Ok(User::new(user_id))
    }

    async fn fetch_orders(&self, user_id: UserId) -> Result<Vec<OrderId>, FetchError> {
        if !self.latency.is_zero() {
            self.timer.sleep(self.latency).await;
        }
        Ok(article_orders(user_id).to_vec())
    }
}
