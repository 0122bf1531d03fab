//! Counters around any [`DataSource`]: how many fetches are in flight, at most, and
//! how many were cancelled. They prove concurrency by counting, not by timing.

use std::{
    future::Future,
    num::NonZeroUsize,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering::Relaxed},
    },
};

use chain_core::{
    DataSource, FetchError,
    model::{OrderId, User, UserId},
};

/// A [`DataSource`] that counts the fetches passing through it.
///
/// Clones share their counters, so a source cloned into spawned tasks still counts
/// in one place. The counters cost a few atomic operations per fetch.
///
/// # Examples
///
/// ```
/// use chain_contract::{Launch, Runtime};
/// use chain_core::{get_user_with_orders, InMemorySource};
/// use chain_lab::Instrumented;
/// use std::time::Duration;
///
/// let rt = runtime_smol::SmolRuntime::current_thread();
/// let source = Instrumented::new(InMemorySource::new(rt.timer()).with_latency(Duration::from_millis(5)));
/// rt.block_on(get_user_with_orders(&source, 1)).unwrap();
/// assert_eq!(source.all().peak(), 2); // both fetches were in flight at once
/// assert_eq!(source.all().live(), 0);
/// ```
#[derive(Clone, Debug)]
pub struct Instrumented<S> {
    inner: S,
    counters: Arc<Counters>,
}

/// The gauges of an [`Instrumented`] source, shared by its clones and by whoever
/// watches them from elsewhere ([`Instrumented::counters`]).
#[derive(Debug, Default)]
pub struct Counters {
    all: Gauge,
    users: Gauge,
    orders: Gauge,
}

impl Counters {
    /// Every fetch, of either kind.
    pub fn all(&self) -> &Gauge {
        &self.all
    }

    /// The [`DataSource::fetch_user`] calls: one per user fetched.
    pub fn users(&self) -> &Gauge {
        &self.users
    }

    /// The [`DataSource::fetch_orders`] calls.
    pub fn orders(&self) -> &Gauge {
        &self.orders
    }
}

impl<S: DataSource> Instrumented<S> {
    /// Counts the fetches made through `inner`.
    pub fn new(inner: S) -> Self {
        Instrumented { inner, counters: Arc::default() }
    }

    /// Every fetch, of either kind.
    pub fn all(&self) -> &Gauge {
        &self.counters.all
    }

    /// The [`DataSource::fetch_user`] calls: one per user fetched.
    pub fn users(&self) -> &Gauge {
        &self.counters.users
    }

    /// The [`DataSource::fetch_orders`] calls.
    pub fn orders(&self) -> &Gauge {
        &self.counters.orders
    }

    /// The counters, for reading while the fetches run, from any thread (a progress
    /// display): reading them costs the fetches nothing.
    pub fn counters(&self) -> Arc<Counters> {
        self.counters.clone()
    }

    /// The source being counted.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    async fn count<T>(&self, kind: &Gauge, fetch: impl Future<Output = T>) -> T {
        let all = self.counters.all.enter();
        let one_kind = kind.enter();
        let output = fetch.await;
        all.complete();
        one_kind.complete();
        output
    }
}

impl<S: DataSource> DataSource for Instrumented<S> {
    async fn fetch_user(&self, user_id: UserId) -> Result<User, FetchError> {
        self.count(&self.counters.users, self.inner.fetch_user(user_id)).await
    }

    async fn fetch_orders(&self, user_id: UserId) -> Result<Vec<OrderId>, FetchError> {
        self.count(&self.counters.orders, self.inner.fetch_orders(user_id)).await
    }

    fn for_shard(&self, shard: usize, shards: NonZeroUsize) -> Self {
        let inner = self.inner.for_shard(shard, shards);
        Instrumented { inner, counters: self.counters.clone() }
    }

    fn for_copy(&self, copy: u32) -> Self {
        Instrumented { inner: self.inner.for_copy(copy), counters: self.counters.clone() }
    }
}

/// Counts of one kind of work in flight: a kind of fetch (or the gateway's connections
/// and requests). A fetch is in flight from its first poll until it completes or is
/// dropped.
#[derive(Debug, Default)]
pub struct Gauge {
    live: AtomicUsize,
    peak: AtomicUsize,
    started: AtomicUsize,
    completed: AtomicUsize,
    cancelled: AtomicUsize,
}

impl Gauge {
    /// Fetches in flight now.
    pub fn live(&self) -> usize {
        self.live.load(Relaxed)
    }

    /// The most fetches that were in flight at once.
    pub fn peak(&self) -> usize {
        self.peak.load(Relaxed)
    }

    /// Fetches started.
    pub fn started(&self) -> usize {
        self.started.load(Relaxed)
    }

    /// Fetches that ran to completion, with a value or an error.
    pub fn completed(&self) -> usize {
        self.completed.load(Relaxed)
    }

    /// Fetches dropped before they completed.
    pub fn cancelled(&self) -> usize {
        self.cancelled.load(Relaxed)
    }

    /// Counts one more in flight until the guard is completed or dropped.
    pub fn enter(&self) -> InFlight<'_> {
        self.started.fetch_add(1, Relaxed);
        let live = self.live.fetch_add(1, Relaxed) + 1;
        self.peak.fetch_max(live, Relaxed);
        InFlight { gauge: self, completed: false }
    }
}

/// One piece of work counted in flight by a [`Gauge`]: it leaves the gauge when
/// dropped, as completed if [`InFlight::complete`] was called, else as cancelled.
#[derive(Debug)]
pub struct InFlight<'a> {
    gauge: &'a Gauge,
    completed: bool,
}

impl InFlight<'_> {
    /// Leaves the gauge as completed.
    pub fn complete(mut self) {
        self.gauge.completed.fetch_add(1, Relaxed);
        self.completed = true;
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if !self.completed {
            self.gauge.cancelled.fetch_add(1, Relaxed);
        }
        self.gauge.live.fetch_sub(1, Relaxed);
    }
}
