//! A deadline on any future: asyncio's `wait_for`.

use std::{fmt, future::Future, pin::pin, time::Duration};

use futures::future::{Either, select};

use crate::Runtime;

/// The error of [`timeout`]: the future did not complete within the limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Elapsed {
    /// The limit that passed.
    pub limit: Duration,
}

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "timed out after {:?}", self.limit)
    }
}

impl std::error::Error for Elapsed {}

/// Runs `future` for at most `limit`, like `asyncio.wait_for`: its output if it
/// completes in time, otherwise [`Elapsed`], and the future is dropped (cancelled)
/// before this returns.
///
/// If the future and the timer are ready at the same poll, the output wins.
///
/// # Examples
///
/// ```
/// use chain_contract::{Elapsed, Launch, Runtime, timeout};
/// use std::time::Duration;
///
/// let rt = runtime_smol::SmolRuntime::current_thread();
/// let slow = rt.sleep(Duration::from_secs(60));
/// let limit = Duration::from_millis(10);
/// assert_eq!(rt.block_on(timeout(&rt, limit, slow)), Err(Elapsed { limit }));
/// ```
///
/// # Cancel safety
///
/// As cancel safe as `future`: dropping it drops `future` and the timer.
#[doc(alias = "wait_for")]
pub async fn timeout<R: Runtime, F: Future>(
    rt: &R,
    limit: Duration,
    future: F,
) -> Result<F::Output, Elapsed> {
    match select(pin!(future), pin!(rt.sleep(limit))).await {
        Either::Left((output, _)) => Ok(output),
        Either::Right(((), _)) => Err(Elapsed { limit }),
    }
}
