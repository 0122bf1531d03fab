//! [`TimeLimited`]: a time limit on every fetch of any [`DataSource`].

use std::{num::NonZeroUsize, time::Duration};

use chain_contract::{Elapsed, Runtime, timeout};
use chain_core::{
    DataSource, FetchError, FetchErrorKind, Operation,
    model::{OrderId, User, UserId},
};

/// Any [`DataSource`] whose every fetch fails with [`FetchErrorKind::TimedOut`](chain_core::FetchErrorKind::TimedOut) (naming
/// the user) if it has not completed within `limit`; the late fetch is dropped.
///
/// # Examples
///
/// ```
/// use chain_contract::{Launch, Runtime};
/// use chain_core::{DataSource, FetchErrorKind, InMemorySource};
/// use chain_lab::TimeLimited;
/// use std::time::Duration;
///
/// let rt = runtime_smol::SmolRuntime::current_thread();
/// let slow = InMemorySource::new(rt.timer()).with_latency(Duration::from_secs(60));
/// let source = TimeLimited::new(slow, &rt, Duration::from_millis(10));
/// let error = rt.block_on(source.fetch_user(3)).unwrap_err();
/// assert!(matches!(error.kind(), FetchErrorKind::TimedOut { user_id: 3, .. }));
/// ```
///
/// # Cancel safety
///
/// As cancel safe as the wrapped source.
#[derive(Clone, Debug)]
pub struct TimeLimited<S, R> {
    inner: S,
    rt: R,
    limit: Duration,
}

impl<S: DataSource, R: Runtime> TimeLimited<S, R> {
    /// `inner` with `limit` on each fetch, timed by `rt`.
    pub fn new(inner: S, rt: &R, limit: Duration) -> Self {
        TimeLimited { inner, rt: rt.clone(), limit }
    }

    /// The wrapped source.
    pub fn inner(&self) -> &S {
        &self.inner
    }
}

impl<S: DataSource, R: Runtime> DataSource for TimeLimited<S, R> {
    async fn fetch_user(&self, user_id: UserId) -> Result<User, FetchError> {
        let fetch = self.inner.fetch_user(user_id);
        timeout(&self.rt, self.limit, fetch).await.unwrap_or_else(|Elapsed { limit }| {
            Err(FetchErrorKind::TimedOut { user_id, operation: Operation::FetchUser, after: limit }
                .into())
        })
    }

    async fn fetch_orders(&self, user_id: UserId) -> Result<Vec<OrderId>, FetchError> {
        let fetch = self.inner.fetch_orders(user_id);
        timeout(&self.rt, self.limit, fetch).await.unwrap_or_else(|Elapsed { limit }| {
            Err(FetchErrorKind::TimedOut {
                user_id,
                operation: Operation::FetchOrders,
                after: limit,
            }
            .into())
        })
    }

    fn for_shard(&self, shard: usize, shards: NonZeroUsize) -> Self {
        TimeLimited { inner: self.inner.for_shard(shard, shards), ..self.clone() }
    }

    fn for_copy(&self, copy: u32) -> Self {
        TimeLimited { inner: self.inner.for_copy(copy), ..self.clone() }
    }
}
