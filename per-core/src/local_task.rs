//! [`LocalTask`]: the contract's join handle over a runtime's own handle of a task on
//! the calling thread, sharing the runtime's allocation instead of adding one.

use std::{
    future::{Future, poll_fn},
    panic::AssertUnwindSafe,
    pin::Pin,
    task::{Context, Poll},
};

use chain_contract::{JoinError, JoinHandle};
use futures::{FutureExt, future::CatchUnwind};

use crate::slots::{self, SlotKey};

/// A runtime's own handle of a task on the calling thread, as [`LocalTask`] uses it:
/// it yields the task's output, or `None` if the runtime dropped the task
/// unfinished.
pub trait NativeHandle: Future + Send + Unpin + 'static {
    /// Lets the task run on with nobody awaiting it.
    fn detach(self);
}

pin_project_lite::pin_project! {
    /// The future a runtime runs in a task's place: the user's future, its panic
    /// caught, until it finishes or its handle cancels it.
    pub struct Tracked<F> {
        // Declared first, so dropped first: `gone` frees the slot once it is.
        #[pin]
        work: CatchUnwind<AssertUnwindSafe<F>>,
        gone: Gone,
    }
}

/// Frees the task's slot when its future is gone, however it goes.
struct Gone(SlotKey);

impl Drop for Gone {
    #[inline]
    fn drop(&mut self) {
        slots::remove(self.0);
    }
}

impl<F: Future> Future for Tracked<F> {
    type Output = Result<F::Output, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let key = this.gone.0;
        if slots::cancelled(key) {
            return Poll::Ready(Err(JoinError::Cancelled));
        }
        match this.work.poll(cx) {
            Poll::Ready(output) => Poll::Ready(output.map_err(JoinError::Panicked)),
            Poll::Pending => {
                slots::park(key, cx.waker());
                Poll::Pending
            }
        }
    }
}

/// The contract's [`JoinHandle`] over `N`, a runtime's own handle of a task on this
/// thread: cancel on drop, panics as values and `cancel().await` written here once,
/// whatever the runtime's own handle does, in a slot of this thread's instead of an
/// allocation per task.
///
/// # Panics
///
/// `cancel().await` on another thread than its task's. Dropped there unfinished, it
/// does what the runtime's own handle does when dropped.
///
/// # Cancel safety
///
/// As the contract's handle: dropping it, or an await of it, cancels the task.
#[derive(Debug)]
pub struct LocalTask<N> {
    /// `None` once the output was taken or the task detached.
    native: Option<N>,
    key: SlotKey,
}

impl<N> LocalTask<N> {
    /// Starts `future` with `spawn`, the runtime's own spawn on this thread.
    pub fn spawn<F, T>(future: F, spawn: impl FnOnce(Tracked<F>) -> N) -> Self
    where
        F: Future<Output = T>,
        N: NativeHandle<Output = Option<Result<T, JoinError>>>,
    {
        let key = slots::insert();
        let work = AssertUnwindSafe(future).catch_unwind();
        let native = spawn(Tracked { work, gone: Gone(key) });
        LocalTask { native: Some(native), key }
    }
}

impl<N: NativeHandle<Output = Option<Result<T, JoinError>>>, T> Future for LocalTask<N> {
    type Output = Result<T, JoinError>;

    /// # Panics
    ///
    /// Polled again after it returned the output.
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let key = self.key;
        let native = self.native.as_mut().expect("a task handle polled after its output was taken");
        let output = match Pin::new(native).poll(cx) {
            Poll::Ready(Some(output)) => output,
            Poll::Ready(None) => Err(JoinError::Cancelled),
            // Gone without an output: the runtime dropped it unfinished (a slot is
            // read on its own thread only; the runtime's handle says it elsewhere).
            Poll::Pending if slots::is_owner(key) && slots::gone(key) => Err(JoinError::Cancelled),
            Poll::Pending => return Poll::Pending,
        };
        self.native = None;
        Poll::Ready(output)
    }
}

impl<N> Drop for LocalTask<N> {
    fn drop(&mut self) {
        // Off its thread, a slot is out of reach: the runtime's own handle, dropped
        // below, does what the runtime does (compio cancels; monoio lets it run).
        if self.native.is_some() && slots::is_owner(self.key) {
            slots::cancel(self.key);
        }
    }
}

impl<N: NativeHandle<Output = Option<Result<T, JoinError>>>, T: Send + 'static> JoinHandle<T>
    for LocalTask<N>
{
    fn detach(mut self) {
        if let Some(native) = self.native.take() {
            native.detach();
        }
    }

    async fn cancel(mut self) {
        if self.native.is_none() {
            return;
        }
        let key = self.key;
        slots::cancel(key);
        poll_fn(|cx| match slots::gone_or_wait(key, cx.waker()) {
            true => Poll::Ready(()),
            false => Poll::Pending,
        })
        .await;
        if let Some(native) = self.native.take() {
            native.detach();
        }
    }
}
