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

#[cfg(test)]
mod tests {
    use std::{cell::Cell, rc::Rc};

    use futures::{executor::LocalPool, future::RemoteHandle, task::LocalSpawnExt};

    use super::*;

    /// The futures crate's handle made to detach when dropped, as monoio's does: so
    /// that only [`LocalTask`] can stop the task.
    struct Detaching<T>(Option<RemoteHandle<T>>);

    impl<T> Drop for Detaching<T> {
        fn drop(&mut self) {
            if let Some(handle) = self.0.take() {
                handle.forget();
            }
        }
    }

    impl<T: 'static> Future for Detaching<T> {
        type Output = Option<T>;

        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
            Pin::new(self.0.as_mut().expect("polled after the output")).poll(cx).map(Some)
        }
    }

    impl<T: Send + 'static> NativeHandle for Detaching<T> {
        fn detach(self) {}
    }

    fn spawn<T: Send + 'static>(
        pool: &LocalPool,
        future: impl Future<Output = T> + 'static,
    ) -> LocalTask<Detaching<Result<T, JoinError>>> {
        let spawner = pool.spawner();
        LocalTask::spawn(future, |tracked| {
            Detaching(Some(spawner.spawn_local_with_handle(tracked).expect("the pool runs")))
        })
    }

    /// Counts its drops: when the task's future is gone.
    struct Counted(Rc<Cell<u32>>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }

    async fn forever(counted: Counted) {
        let _counted = counted;
        futures::future::pending::<()>().await;
    }

    #[test]
    fn dropping_an_unfinished_handle_stops_a_task_the_runtime_would_let_run() {
        let mut pool = LocalPool::new();
        let drops = Rc::new(Cell::new(0));
        let handle = spawn(&pool, forever(Counted(drops.clone())));
        pool.run_until_stalled();
        drop(handle);
        pool.run_until_stalled();
        assert_eq!(drops.get(), 1);
    }

    #[test]
    fn cancel_returns_once_the_future_is_gone_and_a_detached_task_runs_on() {
        let mut pool = LocalPool::new();
        let drops = Rc::new(Cell::new(0));
        let cancelled = spawn(&pool, forever(Counted(drops.clone())));
        let detached = spawn(&pool, forever(Counted(drops.clone())));
        detached.detach();
        let (seen, returned) = (drops.clone(), Rc::new(Cell::new(None)));
        let when = returned.clone();
        let cancelling = async move {
            cancelled.cancel().await;
            when.set(Some(seen.get()));
        };
        pool.spawner().spawn_local(cancelling).unwrap();
        // Stalled, not run until done: a wait that never ends fails instead of hanging.
        pool.run_until_stalled();
        assert_eq!(returned.get(), Some(1), "cancel returned once the future was dropped");
        assert_eq!(drops.get(), 1, "the detached task is still there");
    }

    #[test]
    fn a_panic_is_a_value_and_an_output_is_taken_once() {
        let mut pool = LocalPool::new();
        let panicked = spawn(&pool, async { panic!("on purpose") });
        let finished = spawn(&pool, async { 6 * 7 });
        let error = pool.run_until(panicked).unwrap_err();
        assert_eq!(error.panic_message(), Some("on purpose"));
        assert_eq!(pool.run_until(finished).unwrap(), 42);
    }

    #[test]
    fn dropped_on_another_thread_it_does_what_the_runtime_s_handle_does() {
        let mut pool = LocalPool::new();
        let drops = Rc::new(Cell::new(0));
        let handle = spawn(&pool, forever(Counted(drops.clone())));
        std::thread::spawn(move || drop(handle)).join().expect("no panic elsewhere");
        pool.run_until_stalled();
        assert_eq!(drops.get(), 0, "detached, as the runtime's handle does");
    }
}
