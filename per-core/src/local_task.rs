//! [`LocalTask`]: the contract's join handle over a runtime's own handle of a task on
//! the calling thread, sharing the runtime's allocation instead of adding one.

use std::{
    future::Future,
    panic::{self, AssertUnwindSafe},
    pin::Pin,
    task::{Context, Poll, Waker},
};

use chain_contract::{JoinError, JoinHandle};

use crate::{TaskId, cancel_and_wait, cancels, drop_watch};

/// A runtime's own handle of a task on the calling thread, as [`LocalTask`] uses it:
/// it yields what the task's [`Tracked`] future returned (a runtime that drops a
/// task unfinished yields [`JoinError::Cancelled`] itself).
pub trait NativeHandle: Future + Send + Unpin + 'static {
    /// Whether the task has finished: its future is gone.
    fn is_finished(&self) -> bool;

    /// Lets the task run on with nobody awaiting it.
    fn detach(self);
}

pin_project_lite::pin_project! {
    /// The future a runtime runs in a task's place: the user's future, its panic
    /// caught, until it finishes or its handle cancels it.
    pub struct Tracked<F> {
        // Declared first, so dropped first: `gone` says so once it is.
        #[pin]
        work: F,
        gone: Gone,
    }
}

/// Tells the thread when the task's future is gone, however it goes.
struct Gone {
    id: TaskId,
    /// The waker last kept for a cancel to wake the task with.
    runner: Option<Waker>,
}

impl Gone {
    /// The task is parked: keeps `waker` for a cancel, unless it is kept already.
    #[inline]
    fn park(&mut self, waker: &Waker) {
        if !self.runner.as_ref().is_some_and(|kept| kept.will_wake(waker)) {
            self.runner = Some(waker.clone());
            cancels::park(self.id, waker.clone());
        }
    }
}

impl Drop for Gone {
    #[inline]
    fn drop(&mut self) {
        if self.runner.is_some() || cancels::any() {
            cancels::forget(self.id);
        }
        drop_watch::dropped(self.id);
    }
}

impl<F: Future> Future for Tracked<F> {
    type Output = Result<F::Output, JoinError>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if cancels::is_cancelled(this.gone.id) {
            return Poll::Ready(Err(JoinError::Cancelled));
        }
        // std's catch_unwind, not the futures crate's CatchUnwind: its output is
        // this future's own, with no Result of its own to unwrap (some 20
        // instructions a task on monoio).
        let work = this.work;
        match panic::catch_unwind(AssertUnwindSafe(|| work.poll(cx))) {
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Ok(Poll::Pending) => {
                this.gone.park(cx.waker());
                Poll::Pending
            }
            Err(payload) => Poll::Ready(Err(JoinError::Panicked(payload))),
        }
    }
}

/// The contract's [`JoinHandle`] over `N`, a runtime's own handle of a task on this
/// thread: cancel on drop, panics as values and `cancel().await` written here once,
/// whatever the runtime's own handle does, and nothing allocated per task: a task
/// is named by its [`TaskId`], and the thread keeps a record only of the tasks a
/// cancel concerns.
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
pub struct LocalTask<N: NativeHandle> {
    /// `None` once the output was taken or the task detached.
    native: Option<N>,
    id: TaskId,
}

impl<N: NativeHandle> LocalTask<N> {
    /// Starts `future` with `spawn`, the runtime's own spawn on this thread.
    #[inline]
    pub fn spawn<F, T>(future: F, spawn: impl FnOnce(Tracked<F>) -> N) -> Self
    where
        F: Future<Output = T>,
        N: NativeHandle<Output = Result<T, JoinError>>,
    {
        let id = TaskId::next();
        let native = spawn(Tracked { work: future, gone: Gone { id, runner: None } });
        LocalTask { native: Some(native), id }
    }
}

impl<N: NativeHandle<Output = Result<T, JoinError>>, T> Future for LocalTask<N> {
    type Output = Result<T, JoinError>;

    /// # Panics
    ///
    /// Polled again after it returned the output.
    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let native = self.native.as_mut().expect("a task handle polled after its output was taken");
        let output = futures::ready!(Pin::new(native).poll(cx));
        self.native = None;
        Poll::Ready(output)
    }
}

impl<N: NativeHandle> Drop for LocalTask<N> {
    fn drop(&mut self) {
        // Off its thread, the thread's records are out of reach: the runtime's own
        // handle, dropped below, does what the runtime does (monoio lets it run).
        let unfinished = self.native.as_ref().is_some_and(|native| !native.is_finished());
        if unfinished && self.id.is_this_thread() {
            cancels::cancel(self.id);
        }
    }
}

impl<N: NativeHandle<Output = Result<T, JoinError>>, T: Send + 'static> JoinHandle<T>
    for LocalTask<N>
{
    fn detach(mut self) {
        if let Some(native) = self.native.take() {
            native.detach();
        }
    }

    async fn cancel(mut self) {
        if let Some(native) = self.native.take().filter(|native| !native.is_finished()) {
            cancel_and_wait(self.id, || cancels::cancel(self.id)).await;
            native.detach();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::{
        cell::Cell,
        rc::Rc,
        sync::{
            Arc,
            atomic::{AtomicBool, Ordering::Relaxed},
        },
    };

    use futures::{executor::LocalPool, future::RemoteHandle, task::LocalSpawnExt};

    use super::*;

    /// The futures crate's handle made to detach when dropped, as monoio's does: so
    /// that only [`LocalTask`] can stop the task.
    struct Detaching<T> {
        handle: Option<RemoteHandle<T>>,
        /// Set once the task's future is gone.
        gone: Arc<AtomicBool>,
    }

    impl<T> Drop for Detaching<T> {
        fn drop(&mut self) {
            if let Some(handle) = self.handle.take() {
                handle.forget();
            }
        }
    }

    impl<T: 'static> Future for Detaching<T> {
        type Output = T;

        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
            Pin::new(self.handle.as_mut().expect("polled after the output")).poll(cx)
        }
    }

    impl<T: Send + 'static> NativeHandle for Detaching<T> {
        fn is_finished(&self) -> bool {
            self.gone.load(Relaxed)
        }

        fn detach(self) {}
    }

    /// Sets its flag when dropped.
    struct SetOnDrop(Arc<AtomicBool>);

    impl Drop for SetOnDrop {
        fn drop(&mut self) {
            self.0.store(true, Relaxed);
        }
    }

    fn spawn<T: Send + 'static>(
        pool: &LocalPool,
        future: impl Future<Output = T> + 'static,
    ) -> LocalTask<Detaching<Result<T, JoinError>>> {
        let spawner = pool.spawner();
        let gone = Arc::new(AtomicBool::new(false));
        let set = SetOnDrop(gone.clone());
        LocalTask::spawn(future, |tracked| {
            let running = async move {
                let _set = set;
                tracked.await
            };
            let handle = spawner.spawn_local_with_handle(running).expect("the pool runs");
            Detaching { handle: Some(handle), gone }
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
