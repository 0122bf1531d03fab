//! Each thread's record of the [`LocalTask`](crate::LocalTask)s that a cancel
//! concerns: those cancelled whose future is still there, and the wakers of those
//! parked, which a cancel must wake. A task that is never cancelled and never parks
//! (most of a fan-out's) reads one plain counter per poll, and nothing else.

use std::{
    cell::{Cell, RefCell},
    collections::HashMap,
    task::Waker,
};

use rustc_hash::FxBuildHasher;

use crate::TaskId;

/// What this thread knows of one task.
#[derive(Default)]
struct Record {
    /// Its handle asked it to stop.
    cancelled: bool,
    /// Its waker while it is parked: what a cancel wakes it with.
    runner: Option<Waker>,
}

thread_local! {
    /// Cancelled tasks whose future is still there: while there is none, a poll
    /// need not look further, so kept apart and plain.
    static CANCELLED: Cell<usize> = const { Cell::new(0) };
    static RECORDS: RefCell<HashMap<TaskId, Record, FxBuildHasher>> =
        const { RefCell::new(HashMap::with_hasher(FxBuildHasher)) };
}

/// Whether some task of this thread is cancelled and not yet gone.
#[inline]
pub(crate) fn any() -> bool {
    CANCELLED.get() > 0
}

/// Whether `id`'s handle asked it to stop; called by the task, on its thread.
#[inline]
pub(crate) fn is_cancelled(id: TaskId) -> bool {
    any() && RECORDS.with_borrow(|records| records.get(&id).is_some_and(|r| r.cancelled))
}

/// Keeps `runner`, the parked task's waker, for a cancel to wake it with.
pub(crate) fn park(id: TaskId, runner: Waker) {
    RECORDS.with_borrow_mut(|records| records.entry(id).or_default().runner = Some(runner));
}

/// Asks `id`'s task, whose future is still there, to stop, and wakes it if it is
/// parked. Called on the task's thread.
pub(crate) fn cancel(id: TaskId) {
    let runner = RECORDS.with_borrow_mut(|records| {
        let record = records.entry(id).or_default();
        if !record.cancelled {
            record.cancelled = true;
            CANCELLED.set(CANCELLED.get() + 1);
        }
        record.runner.take()
    });
    runner.into_iter().for_each(Waker::wake);
}

/// `id`'s future is gone: forgets what was kept of it.
pub(crate) fn forget(id: TaskId) {
    // A thread's locals may be gone before its runtime drops the tasks left.
    let _ = RECORDS.try_with(|records| {
        let removed = records.borrow_mut().remove(&id);
        if removed.is_some_and(|record| record.cancelled) {
            CANCELLED.set(CANCELLED.get() - 1);
        }
    });
}

#[cfg(test)]
mod tests {
    use std::{
        sync::{
            Arc,
            atomic::{AtomicUsize, Ordering::Relaxed},
        },
        task::Wake,
    };

    use super::*;

    struct Counted(AtomicUsize);

    impl Wake for Counted {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Relaxed);
        }
    }

    #[test]
    fn a_cancel_wakes_the_parked_task_once_and_is_forgotten_with_it() {
        let (parked, other) = (TaskId::next(), TaskId::next());
        let wakes = Arc::new(Counted(AtomicUsize::new(0)));
        park(parked, Waker::from(wakes.clone()));
        assert!(!any() && !is_cancelled(parked));
        cancel(parked);
        cancel(parked);
        assert_eq!(wakes.0.load(Relaxed), 1);
        assert!(is_cancelled(parked) && !is_cancelled(other));
        forget(other);
        assert!(any(), "forgetting another task leaves the cancel");
        forget(parked);
        assert!(!any() && !is_cancelled(parked));
        assert!(RECORDS.with_borrow(HashMap::is_empty));
    }
}
