//! [`Watched`]: a task's future whose drop its handle can wait for, for a runtime
//! whose own handle cancels but returns before the future is dropped (compio's).
//! Nothing is shared per task: a watch is asked for only by `cancel().await`, and
//! a future's drop looks for one only while some handle on its thread waits.

use std::{
    cell::{Cell, RefCell},
    future::{Future, poll_fn},
    pin::Pin,
    task::{Context, Poll, Waker},
};

use crate::TaskId;

/// A handle waiting for a future's drop.
struct Waiting {
    task: TaskId,
    gone: bool,
    waker: Option<Waker>,
}

thread_local! {
    /// The handles on this thread waiting for a drop.
    static WAITING: RefCell<Vec<Waiting>> = const { RefCell::new(Vec::new()) };
    /// Whether `WAITING` has any: what every drop reads, so kept apart and plain.
    static ANY_WAITING: Cell<bool> = const { Cell::new(false) };
}

pin_project_lite::pin_project! {
    /// `future`, telling a handle that waits for it when it is dropped.
    pub struct Watched<F> {
        // Declared first, so dropped first.
        #[pin]
        future: F,
        gone: Gone,
    }
}

struct Gone(TaskId);

impl Drop for Gone {
    #[inline]
    fn drop(&mut self) {
        dropped(self.0);
    }
}

/// `id`'s future is gone: wakes a handle waiting for that, if one is.
#[inline]
pub(crate) fn dropped(id: TaskId) {
    if !ANY_WAITING.get() {
        return;
    }
    // A thread's locals may be gone before its runtime drops the tasks left.
    let waker = WAITING.try_with(|waiting| {
        let mut waiting = waiting.borrow_mut();
        let waiting = waiting.iter_mut().find(|waiting| waiting.task == id)?;
        waiting.gone = true;
        waiting.waker.take()
    });
    waker.ok().flatten().into_iter().for_each(Waker::wake);
}

impl<F> Watched<F> {
    /// `future`, and its id on the calling thread, the one that will run it.
    pub fn new(future: F) -> (Self, TaskId) {
        let id = TaskId::next();
        (Watched { future, gone: Gone(id) }, id)
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
pub async fn cancel_and_wait(id: TaskId, cancel: impl FnOnce()) {
    assert!(
        id.is_this_thread(),
        "a thread-per-core task ({id:?}) was cancelled on another thread than its own"
    );
    WAITING.with_borrow_mut(|waiting| {
        waiting.push(Waiting { task: id, gone: false, waker: None });
    });
    ANY_WAITING.set(true);
    // Removed however the wait ends, the await dropped included.
    let _registered = Registered(id);
    cancel();
    poll_fn(|cx| {
        WAITING.with_borrow_mut(|waiting| {
            let waiting = waiting.iter_mut().find(|waiting| waiting.task == id);
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

struct Registered(TaskId);

impl Drop for Registered {
    fn drop(&mut self) {
        let any = WAITING.try_with(|waiting| {
            let mut waiting = waiting.borrow_mut();
            waiting.retain(|waiting| waiting.task != self.0);
            !waiting.is_empty()
        });
        ANY_WAITING.set(any.unwrap_or(false));
    }
}

#[cfg(test)]
mod tests {
    use std::{cell::Cell, rc::Rc};

    use super::*;

    /// Counts its drops: what the watch must wait for.
    struct Dropped(Rc<Cell<u32>>);

    impl Drop for Dropped {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }

    #[test]
    fn the_wait_ends_once_the_future_is_dropped_and_not_before() {
        let drops = Rc::new(Cell::new(0));
        let held = Dropped(drops.clone());
        let (watched, id) = Watched::new(async move {
            let _held = held;
            futures::future::pending::<()>().await;
        });
        let mut watched = Some(Box::pin(watched));
        let mut waiting = Box::pin(cancel_and_wait(id, || {}));
        let waker = futures::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(waiting.as_mut().poll(&mut cx).is_pending());
        assert_eq!(drops.get(), 0);
        watched.take();
        assert_eq!(drops.get(), 1);
        assert!(waiting.as_mut().poll(&mut cx).is_ready());
        assert!(!ANY_WAITING.get(), "a finished wait leaves nothing registered");
    }

    #[test]
    fn a_cancel_that_drops_at_once_ends_the_wait_at_once() {
        let (watched, id) = Watched::new(futures::future::pending::<()>());
        let waiting = cancel_and_wait(id, move || drop(watched));
        let waker = futures::task::noop_waker();
        assert!(Box::pin(waiting).as_mut().poll(&mut Context::from_waker(&waker)).is_ready());
    }

    #[test]
    fn a_wait_on_another_thread_than_the_task_s_panics_instead_of_hanging() {
        let (watched, id) = Watched::new(futures::future::pending::<()>());
        let elsewhere = std::thread::spawn(move || {
            let waker = futures::task::noop_waker();
            let mut waiting = Box::pin(cancel_and_wait(id, || {}));
            // Polled once: a wait that would never end must not hang the test.
            let _ = waiting.as_mut().poll(&mut Context::from_waker(&waker));
        });
        let message = *elsewhere.join().unwrap_err().downcast::<String>().unwrap();
        assert!(message.contains("another thread"), "{message}");
        drop(watched);
    }
}
