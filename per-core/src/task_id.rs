//! [`TaskId`]: which task, on which thread, without a shared allocation: what a
//! handle names its task by when it asks the thread's locals about it.

use std::{
    cell::Cell,
    sync::atomic::{AtomicU64, Ordering::Relaxed},
};

/// A task's id: its thread's number in the high bits, its count on that thread in
/// the low ones. Unique for the process's life: 2^24 threads of 2^40 tasks each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TaskId(u64);

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
        let mut id = LAST_ID.get() + 1;
        if id >> TASK_BITS == 0 {
            id = THREADS.fetch_add(1, Relaxed) << TASK_BITS | 1;
        }
        LAST_ID.set(id);
        TaskId(id)
    }

    /// Whether the calling thread is the one this id was made on.
    #[inline]
    pub(crate) fn is_this_thread(self) -> bool {
        LAST_ID.get() >> TASK_BITS == self.0 >> TASK_BITS
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
