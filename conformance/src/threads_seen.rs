//! A data source that notes the thread each fetch runs on.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    thread::{self, ThreadId},
};

use chain_core::{DataSource, FetchError, OrderId, User, UserId};

/// `S`, noting which threads its fetches ran on: where a fan-out ran its users.
/// Clones, and copies for other shards, note into the same set.
#[derive(Clone, Debug)]
pub struct ThreadsSeen<S> {
    inner: S,
    seen: Arc<Mutex<HashSet<ThreadId>>>,
}

impl<S: DataSource> ThreadsSeen<S> {
    /// Notes the threads of `inner`'s fetches.
    pub fn new(inner: S) -> Self {
        ThreadsSeen { inner, seen: Arc::default() }
    }

    /// How many threads have run a fetch.
    pub fn threads(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    fn note(&self) {
        self.seen.lock().unwrap().insert(thread::current().id());
    }
}

impl<S: DataSource> DataSource for ThreadsSeen<S> {
    async fn fetch_user(&self, user_id: UserId) -> Result<User, FetchError> {
        self.note();
        self.inner.fetch_user(user_id).await
    }

    async fn fetch_orders(&self, user_id: UserId) -> Result<Vec<OrderId>, FetchError> {
        self.note();
        self.inner.fetch_orders(user_id).await
    }

    fn for_shard(&self, shard: usize, shards: std::num::NonZeroUsize) -> Self {
        ThreadsSeen { inner: self.inner.for_shard(shard, shards), seen: self.seen.clone() }
    }
}
