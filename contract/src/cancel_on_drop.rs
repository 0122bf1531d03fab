//! [`CancelOnDrop`]: the contract's join handle around a runtime's own handle that
//! detaches when dropped (tokio's, async-std's), written once: the glue says how to
//! read, stop and wait for its runtime's handle ([`NativeTasks`]), and this type
//! adds cancel on drop, `detach` and `cancel().await`.

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

use crate::{JoinError, JoinHandle};

/// How a runtime's own task handles behave, implemented by a glue crate on a marker
/// type of its own (so that no glue wraps the runtime's handle in a type of its own).
/// Dropping a handle must detach its task.
pub trait NativeTasks: Send + Sync + 'static {
    /// The runtime's handle of a task whose output is `T`.
    type Handle<T: Send + 'static>: Send + Unpin + 'static;

    /// Polls for the task's end: its output, its panic, or its cancellation.
    fn poll_join<T: Send + 'static>(
        handle: &mut Self::Handle<T>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<T, JoinError>>;

    /// Asks the task to stop, without waiting for it.
    fn abort<T: Send + 'static>(handle: Self::Handle<T>);

    /// Asks the task to stop, and completes once its future has been dropped (or
    /// once it has finished, if it finished first).
    fn cancel<T: Send + 'static>(handle: Self::Handle<T>) -> impl Future<Output = ()> + Send;
}

/// The contract's [`JoinHandle`] around a runtime's own handle `N::Handle<T>`:
/// dropping it cancels the task, unless it was detached or its output was taken.
#[derive(Debug)]
pub struct CancelOnDrop<N: NativeTasks, T: Send + 'static> {
    /// `None` once the output was taken or the task detached.
    native: Option<N::Handle<T>>,
}

impl<N: NativeTasks, T: Send + 'static> CancelOnDrop<N, T> {
    /// Takes charge of `native`, a task the runtime has just started.
    pub fn new(native: N::Handle<T>) -> Self {
        CancelOnDrop { native: Some(native) }
    }
}

impl<N: NativeTasks, T: Send + 'static> Future for CancelOnDrop<N, T> {
    type Output = Result<T, JoinError>;

    /// # Panics
    ///
    /// Polled again after it returned the output.
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let native = self.native.as_mut().expect("a task handle polled after its output was taken");
        let output = futures::ready!(N::poll_join(native, cx));
        self.native = None;
        Poll::Ready(output)
    }
}

impl<N: NativeTasks, T: Send + 'static> Drop for CancelOnDrop<N, T> {
    fn drop(&mut self) {
        if let Some(native) = self.native.take() {
            N::abort(native);
        }
    }
}

impl<N: NativeTasks, T: Send + 'static> JoinHandle<T> for CancelOnDrop<N, T> {
    fn detach(mut self) {
        // The runtime's own handle detaches its task when dropped.
        drop(self.native.take());
    }

    async fn cancel(mut self) {
        // Already taken: its output was returned, so the task is gone.
        if let Some(native) = self.native.take() {
            N::cancel(native).await;
        }
    }
}
