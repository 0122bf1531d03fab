//! [`HoldingUsers`]: any source whose user fetches wait until enough have started.

use std::{
    fmt::Debug,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering::SeqCst},
    },
    time::Duration,
};

use chain_contract::Launch;
use chain_core::{DataSource, FetchError, OrderId, User, UserId};

/// How long a gate may stay shut before the test fails instead of hanging.
const GATE_LIMIT: Duration = Duration::from_secs(10);

/// Waits until `started` reaches `n`, polling every millisecond on the runtime's
/// clock, and panics naming `what` if it has not after ten seconds.
pub(super) async fn wait_until_started<R: Launch>(
    rt: &R,
    started: &AtomicUsize,
    n: usize,
    what: impl Debug,
) {
    let give_up = rt.now() + GATE_LIMIT;
    while started.load(SeqCst) < n {
        assert!(rt.now() < give_up, "{n} fetches never started together: {what:?}");
        rt.sleep(Duration::from_millis(1)).await;
    }
}

/// `inner`, except that each `fetch_user` waits until `n` of them have started: `n`
/// users in flight together becomes certain rather than likely, whatever the source
/// (an HTTP client, say) and however slowly a loaded machine runs them. A fan-out
/// that never lets `n` users start fails at the gate.
#[derive(Clone, Debug)]
pub struct HoldingUsers<R, S> {
    rt: R,
    inner: S,
    n: usize,
    started: Arc<AtomicUsize>,
}

impl<R: Launch, S: DataSource> HoldingUsers<R, S> {
    /// `inner`, with user fetches held until `n` have started.
    pub fn new(rt: R, inner: S, n: usize) -> Self {
        HoldingUsers { rt, inner, n, started: Arc::default() }
    }
}

impl<R: Launch, S: DataSource> DataSource for HoldingUsers<R, S> {
    async fn fetch_user(&self, user_id: UserId) -> Result<User, FetchError> {
        self.started.fetch_add(1, SeqCst);
        wait_until_started(&self.rt, &self.started, self.n, "user fetches").await;
        self.inner.fetch_user(user_id).await
    }

    async fn fetch_orders(&self, user_id: UserId) -> Result<Vec<OrderId>, FetchError> {
        self.inner.fetch_orders(user_id).await
    }
}
