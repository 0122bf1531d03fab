//! Each thread's slots of its live tasks: what a [`LocalTask`](crate::LocalTask)'s
//! handle and its running future share, kept beside the runtime's own task instead
//! of in an allocation of their own. One thread-local access per operation, the
//! owner's check included: they are on every spawn and every poll.

use std::{
    cell::RefCell,
    sync::atomic::{AtomicU32, Ordering::Relaxed},
    task::Waker,
};

/// A task's slot: on which thread, which slot, and which occupant of it (slots are
/// reused).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SlotKey {
    owner: u32,
    index: u32,
    generation: u32,
}

#[derive(Default)]
struct Slot {
    generation: u32,
    /// The handle asked the task to stop.
    cancelled: bool,
    /// The task, parked: woken by a cancel.
    runner: Option<Waker>,
    /// A handle waiting for the task's future to be gone.
    waiter: Option<Waker>,
}

struct Slots {
    /// This thread's number, from 1; 0 until its first task.
    owner: u32,
    slots: Vec<Slot>,
    free: Vec<u32>,
    /// Cancels asked for whose task is still there: while there is none, a task's
    /// poll need not look at its slot.
    cancels: usize,
}

thread_local! {
    static SLOTS: RefCell<Slots> =
        const { RefCell::new(Slots { owner: 0, slots: Vec::new(), free: Vec::new(), cancels: 0 }) };
}

/// Runs `f` on `key`'s slot, if it is this thread's and still holds `key`'s task.
///
/// # Panics
///
/// On another thread than the key's: a thread's slots are its own.
fn with_slot<R>(key: SlotKey, f: impl FnOnce(&mut Slot, &mut usize) -> R) -> Option<R> {
    SLOTS.with_borrow_mut(|s| {
        assert_eq!(
            s.owner, key.owner,
            "a thread-per-core task's handle was used on another thread than its task's"
        );
        let slot = &mut s.slots[key.index as usize];
        (slot.generation == key.generation).then(|| f(slot, &mut s.cancels))
    })
}

/// Whether the calling thread is the one that started `key`'s task, and its slots
/// are still there (a thread's runtime, dropped as the thread ends, may drop its
/// tasks after them).
#[inline]
pub(crate) fn is_owner(key: SlotKey) -> bool {
    SLOTS.try_with(|s| s.borrow().owner == key.owner).unwrap_or(false)
}

/// A slot for a new task on this thread.
#[inline]
pub(crate) fn insert() -> SlotKey {
    static THREADS: AtomicU32 = AtomicU32::new(1);
    SLOTS.with_borrow_mut(|s| {
        if s.owner == 0 {
            s.owner = THREADS.fetch_add(1, Relaxed);
        }
        let (index, generation) = match s.free.pop() {
            Some(index) => (index, s.slots[index as usize].generation),
            None => {
                s.slots.push(Slot::default());
                ((s.slots.len() - 1) as u32, 0)
            }
        };
        SlotKey { owner: s.owner, index, generation }
    })
}

/// The task's future is gone: frees its slot, and wakes a handle waiting for that.
/// Nothing to do once the thread's slots are gone: the thread is ending, and its
/// runtime dropping what tasks were left.
#[inline]
pub(crate) fn remove(key: SlotKey) {
    let waiter = SLOTS.try_with(|s| {
        let s = &mut *s.borrow_mut();
        let slot = &mut s.slots[key.index as usize];
        s.cancels -= usize::from(slot.cancelled);
        let waiter = slot.waiter.take();
        slot.generation = slot.generation.wrapping_add(1);
        slot.cancelled = false;
        slot.runner = None;
        s.free.push(key.index);
        waiter
    });
    waiter.ok().flatten().into_iter().for_each(Waker::wake);
}

/// Whether the task was asked to stop; called by the task, on its thread.
#[inline]
pub(crate) fn cancelled(key: SlotKey) -> bool {
    SLOTS.with_borrow(|s| s.cancels > 0 && s.slots[key.index as usize].cancelled)
}

/// Keeps `runner` to wake the parked task with if it is cancelled.
#[inline]
pub(crate) fn park(key: SlotKey, runner: &Waker) {
    SLOTS.with_borrow_mut(|s| {
        let slot = &mut s.slots[key.index as usize];
        if !slot.runner.as_ref().is_some_and(|kept| kept.will_wake(runner)) {
            slot.runner = Some(runner.clone());
        }
    })
}

/// Asks the task to stop, if it is still there.
pub(crate) fn cancel(key: SlotKey) {
    let runner = with_slot(key, |slot, cancels| {
        *cancels += usize::from(!slot.cancelled);
        slot.cancelled = true;
        slot.runner.take()
    });
    runner.flatten().into_iter().for_each(Waker::wake);
}

/// Whether the task's future is gone.
#[inline]
pub(crate) fn gone(key: SlotKey) -> bool {
    with_slot(key, |_, _| ()).is_none()
}

/// Whether the task's future is gone; if not, `waiter` is woken when it is.
pub(crate) fn gone_or_wait(key: SlotKey, waiter: &Waker) -> bool {
    with_slot(key, |slot, _| slot.waiter = Some(waiter.clone())).is_none()
}
