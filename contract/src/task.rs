//! [`Task`]: the contract's join handle for any executor whose own `spawn` only
//! starts a future and forgets it (the futures crate's `ThreadPool::spawn_ok`, for
//! one). Written once here so that no glue writes cancel-on-drop, panics as values
//! and `cancel().await` again. One allocation per task, shared by both sides.

use std::{
    future::{Future, poll_fn},
    panic::AssertUnwindSafe,
    pin::Pin,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context, Poll},
    thread,
};

use futures::{FutureExt, future::CatchUnwind, task::AtomicWaker};

use crate::{JoinError, JoinHandle};

/// What the handle and the running future share.
#[derive(Debug)]
struct Shared<T> {
    /// The future's output, or its panic, once it finished.
    output: Mutex<Option<thread::Result<T>>>,
    /// The future is gone, finished or dropped: `output` is final.
    done: AtomicBool,
    /// The handle asks the task to stop.
    cancel: AtomicBool,
    /// The side awaiting the handle, woken when `done` is set.
    handle: AtomicWaker,
    /// The task, woken when `cancel` is set.
    runner: AtomicWaker,
    /// The handle let the task run on: its drop cancels nothing. Kept here, not
    /// in the handle, so that the handle is one pointer wide (a thread-per-core
    /// runtime's handle holds it beside its loop's own, in as many bytes).
    detached: AtomicBool,
}

/// Sets `done` when the running future ends, however it ends (the executor may drop
/// it unfinished), once the user's future has been dropped.
struct Finish<T>(Arc<Shared<T>>);

impl<T> Drop for Finish<T> {
    fn drop(&mut self) {
        self.0.done.store(true, Ordering::Release);
        self.0.handle.wake();
    }
}

pin_project_lite::pin_project! {
    /// The future an executor runs in a task's place: the user's future, its panic
    /// caught, until it finishes or the handle cancels it. A struct, not an `async`
    /// block: a block holds the future it captured and the one it pins apart, twice
    /// the bytes for every spawn to copy and allocate.
    struct Running<F, T> {
        // Declared first, so dropped first: `finish` says the future is gone.
        #[pin]
        work: CatchUnwind<AssertUnwindSafe<F>>,
        finish: Finish<T>,
    }
}

impl<F: Future<Output = T>, T> Future for Running<F, T> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        let shared = &this.finish.0;
        let cancelled = || shared.cancel.load(Ordering::Acquire);
        if cancelled() {
            return Poll::Ready(());
        }
        if let Poll::Ready(outcome) = this.work.poll(cx) {
            *shared.output.lock().unwrap_or_else(|e| e.into_inner()) = Some(outcome);
            return Poll::Ready(());
        }
        // Checked again once registered: a cancel in between would be missed.
        shared.runner.register(cx.waker());
        if cancelled() { Poll::Ready(()) } else { Poll::Pending }
    }
}

/// A task started with [`Task::new`], behind the contract's [`JoinHandle`]: awaiting
/// it yields the future's output, a panic as [`JoinError::Panicked`], or
/// [`JoinError::Cancelled`] if the executor dropped the task unfinished; dropping it
/// cancels the task.
///
/// # Examples
///
/// ```
/// use chain_contract::{JoinError, Task};
/// use futures::executor::block_on;
///
/// // The simplest executor there is: a thread per task.
/// let spawn = |future| drop(std::thread::spawn(move || block_on(future)));
/// let (task, running) = Task::new(async { 6 * 7 });
/// spawn(running);
/// assert_eq!(block_on(task).unwrap(), 42);
/// ```
///
/// # Cancel safety
///
/// As the contract's handle: dropping it, or an await of it, cancels the task.
#[derive(Debug)]
pub struct Task<T> {
    shared: Arc<Shared<T>>,
}

impl<T: Send + 'static> Task<T> {
    /// The handle of `future`, and the future for the executor to run in its place:
    /// it runs `future`, catching its panic, until it finishes or the handle cancels
    /// it.
    pub fn new<F>(future: F) -> (Self, impl Future<Output = ()> + Send + 'static)
    where
        F: Future<Output = T> + Send + 'static,
    {
        let shared = Arc::new(Shared {
            output: Mutex::new(None),
            done: AtomicBool::new(false),
            cancel: AtomicBool::new(false),
            handle: AtomicWaker::new(),
            runner: AtomicWaker::new(),
            detached: AtomicBool::new(false),
        });
        let work = AssertUnwindSafe(future).catch_unwind();
        let running = Running { work, finish: Finish(shared.clone()) };
        (Task { shared }, running)
    }
}

impl<T> Task<T> {
    fn request_cancel(&self) {
        self.shared.cancel.store(true, Ordering::Release);
        self.shared.runner.wake();
    }

    /// Ready once the running future is gone.
    fn poll_done(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.shared.done.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        self.shared.handle.register(cx.waker());
        match self.shared.done.load(Ordering::Acquire) {
            true => Poll::Ready(()),
            false => Poll::Pending,
        }
    }
}

impl<T> Future for Task<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        futures::ready!(self.poll_done(cx));
        let output = self.shared.output.lock().unwrap_or_else(|e| e.into_inner()).take();
        Poll::Ready(match output {
            Some(Ok(value)) => Ok(value),
            Some(Err(payload)) => Err(JoinError::Panicked(payload)),
            None => Err(JoinError::Cancelled),
        })
    }
}

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        if !self.shared.detached.load(Ordering::Relaxed) {
            self.request_cancel();
        }
    }
}

impl<T: Send + 'static> JoinHandle<T> for Task<T> {
    fn detach(self) {
        self.shared.detached.store(true, Ordering::Relaxed);
    }

    async fn cancel(self) {
        self.request_cancel();
        poll_fn(|cx| self.poll_done(cx)).await;
    }
}
