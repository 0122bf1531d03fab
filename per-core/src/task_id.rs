//! [`TaskId`]: which task, on which thread, without a shared allocation: what a
//! handle names its task by when it asks the thread's locals about it.

use std::{
    cell::Cell,
    num::NonZeroU64,
    sync::atomic::{AtomicU64, Ordering::Relaxed},
};

/// A task's id: its thread's number in the high bits, its count on that thread in
/// the low ones. Unique for the process's life: 2^24 threads of 2^40 tasks each.
/// Never zero, so that a handle holding one has a spare value for an enum's tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TaskId(NonZeroU64);

/// Bits of an id that count the tasks of one thread.
const TASK_BITS: u32 = 40;

thread_local! {
    /// This thread's number (high bits, from 1; 0 until its first task) and its
    /// last task's (low bits). Plain, so that a spawn reads it in a few instructions.
    static LAST_ID: Cell<u64> = const { Cell::new(0) };
}

impl TaskId {
    /// The next id of the calling thread.
    #[inline]
    pub(crate) fn next() -> TaskId {
        static THREADS: AtomicU64 = AtomicU64::new(1);
        // One access to the thread's locals, not two: each costs a call where the
        // spawn it is inlined into is big.
        let id = LAST_ID.with(|last| {
            let mut id = last.get() + 1;
            if id >> TASK_BITS == 0 {
                id = THREADS.fetch_add(1, Relaxed) << TASK_BITS | 1;
            }
            last.set(id);
            id
        });
        TaskId(NonZeroU64::new(id).expect("a thread's number starts at 1"))
    }

    /// Whether the calling thread is the one this id was made on.
    #[inline]
    pub(crate) fn is_this_thread(self) -> bool {
        LAST_ID.get() >> TASK_BITS == self.0.get() >> TASK_BITS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_know_their_thread() {
        let (a, b) = (TaskId::next(), TaskId::next());
        assert_ne!(a, b);
        assert!(a.is_this_thread() && b.is_this_thread());
        let elsewhere = std::thread::spawn(move || (TaskId::next(), a.is_this_thread()));
        let (c, a_there) = elsewhere.join().unwrap();
        assert!(!a_there && !c.is_this_thread());
        assert_ne!(c, a);
    }
}
