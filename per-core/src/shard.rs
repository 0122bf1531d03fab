//! Which shard of which runtime the calling thread is, while it runs one.

use std::cell::Cell;

thread_local! {
    /// `(runtime, shard)` while this thread runs a [`PerCore`](crate::PerCore)'s loop.
    static RUNNING: Cell<Option<(usize, usize)>> = const { Cell::new(None) };
}

/// The shard of runtime `runtime` that the calling thread runs, if it runs one.
#[inline]
pub(crate) fn current(runtime: usize) -> Option<usize> {
    RUNNING.get().filter(|&(id, _)| id == runtime).map(|(_, shard)| shard)
}

/// Marks the calling thread as shard `shard` of `runtime` until the guard drops,
/// when the mark it replaced comes back (a `block_on` inside another's task).
pub(crate) fn enter(runtime: usize, shard: usize) -> Entered {
    Entered(RUNNING.replace(Some((runtime, shard))))
}

pub(crate) struct Entered(Option<(usize, usize)>);

impl Drop for Entered {
    fn drop(&mut self) {
        RUNNING.set(self.0);
    }
}
