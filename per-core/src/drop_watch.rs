//! [`Watched`]: a task's future whose drop its handle can wait for, for a runtime
//! whose own handle cancels but returns before the future is dropped (compio's).
//! Nothing is shared per task: a watch is asked for only by `cancel().await`, and
//! a future's drop looks for one only while some handle on its thread waits.

use std::{
    cell::{Cell, RefCell},
    future::{Future, poll_fn},
    pin::Pin,
    sync::atomic::{AtomicU64, Ordering::Relaxed},
    task::{Context, Poll, Waker},
};

/// Which task, on which thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WatchId(u64);

impl WatchId {
    fn thread(self) -> u64 {
        self.0 >> TASK_BITS
    }
}

/// A handle waiting for a future's drop.
struct Waiting {
    task: u64,
    gone: bool,
    waker: Option<Waker>,
}

thread_local! {
    /// The handles on this thread waiting for a drop.
    static WAITING: RefCell<Vec<Waiting>> = const { RefCell::new(Vec::new()) };
    /// Whether `WAITING` has any: what every drop reads, so kept apart and plain.
    static ANY_WAITING: Cell<bool> = const { Cell::new(false) };
    /// This thread's number (high bits, from 1; 0 until its first task) and its
    /// last task's (low bits).
    static LAST_ID: Cell<u64> = const { Cell::new(0) };
}

/// Bits of an id that count the tasks of one thread.
const TASK_BITS: u32 = 40;

pin_project_lite::pin_project! {
    /// `future`, telling a handle that waits for it when it is dropped.
    pub struct Watched<F> {
        // Declared first, so dropped first.
        #[pin]
        future: F,
        gone: Gone,
    }
}

struct Gone(u64);

impl Drop for Gone {
    #[inline]
    fn drop(&mut self) {
        if !ANY_WAITING.get() {
            return;
        }
        let waker = WAITING.with_borrow_mut(|waiting| {
            let waiting = waiting.iter_mut().find(|waiting| waiting.task == self.0)?;
            waiting.gone = true;
            waiting.waker.take()
        });
        waker.into_iter().for_each(Waker::wake);
    }
}

impl<F> Watched<F> {
    /// `future`, and its id on the calling thread, the one that will run it.
    pub fn new(future: F) -> (Self, WatchId) {
        static THREADS: AtomicU64 = AtomicU64::new(1);
        let id = LAST_ID.with(|last| {
            let mut id = last.get() + 1;
            if id >> TASK_BITS == 0 {
                id = THREADS.fetch_add(1, Relaxed) << TASK_BITS | 1;
            }
            last.set(id);
            WatchId(id)
        });
        (Watched { future, gone: Gone(id.0) }, id)
    }
}

impl<F: Future> Future for Watched<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.project().future.poll(cx)
    }
}

/// Runs `cancel`, which must lead the runtime to drop `id`'s future, and completes
/// once it has been dropped.
///
/// # Panics
///
/// On another thread than the one `id`'s future runs on.
pub async fn cancel_and_wait(id: WatchId, cancel: impl FnOnce()) {
    assert_eq!(
        LAST_ID.get() >> TASK_BITS,
        id.thread(),
        "a thread-per-core task was cancelled on another thread than its own"
    );
    WAITING.with_borrow_mut(|waiting| {
        waiting.push(Waiting { task: id.0, gone: false, waker: None });
    });
    ANY_WAITING.set(true);
    // Removed however the wait ends, the await dropped included.
    let _registered = Registered(id.0);
    cancel();
    poll_fn(|cx| {
        WAITING.with_borrow_mut(|waiting| {
            let waiting = waiting.iter_mut().find(|waiting| waiting.task == id.0);
            let waiting = waiting.expect("registered until this wait ends");
            match waiting.gone {
                true => Poll::Ready(()),
                false => {
                    waiting.waker = Some(cx.waker().clone());
                    Poll::Pending
                }
            }
        })
    })
    .await;
}

struct Registered(u64);

impl Drop for Registered {
    fn drop(&mut self) {
        let any = WAITING.with_borrow_mut(|waiting| {
            waiting.retain(|waiting| waiting.task != self.0);
            !waiting.is_empty()
        });
        ANY_WAITING.set(any);
    }
}
