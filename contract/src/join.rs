//! [`JoinHandle`], a spawned task's handle, and [`JoinError`], why it has no output.

use std::{any::Any, fmt, future::Future};

/// A spawned task's handle: awaiting it yields the task's output.
///
/// Dropping it cancels the task.
///
/// # Cancel safety
///
/// Awaiting a handle is cancel safe in the sense that matters: dropping the await
/// drops the handle, which cancels the task, so no orphan is left running.
pub trait JoinHandle<T>: Future<Output = Result<T, JoinError>> + Send + Unpin + 'static {
    /// Lets the task run to completion with nobody awaiting it.
    ///
    /// On a current-thread flavour a task only runs while some thread is inside the
    /// runtime's [`Launch::block_on`](crate::Launch::block_on): a detached task left over when `block_on`
    /// returns waits for the next one.
    fn detach(self);

    /// Cancels the task and completes once its future has been dropped (or once it
    /// has finished, if it finished first).
    fn cancel(self) -> impl Future<Output = ()> + Send;
}

/// Why a task produced no output.
#[derive(Debug)]
pub enum JoinError {
    /// The task panicked; the payload is the value it panicked with.
    Panicked(Box<dyn Any + Send + 'static>),
    /// The runtime dropped the task before it finished (it was shut down).
    Cancelled,
}

impl JoinError {
    /// The panic message, when the task panicked with a string (as `panic!` does).
    pub fn panic_message(&self) -> Option<&str> {
        match self {
            JoinError::Panicked(payload) => panic_message(payload.as_ref()),
            JoinError::Cancelled => None,
        }
    }

    /// Re-raises the task's panic on the current thread, or panics saying the task
    /// was cancelled.
    ///
    /// # Panics
    ///
    /// Always; that is its purpose.
    pub fn resume_panic(self) -> ! {
        match self {
            JoinError::Panicked(payload) => std::panic::resume_unwind(payload),
            JoinError::Cancelled => panic!("the task was cancelled by its runtime"),
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.panic_message() {
            Some(message) => write!(f, "task panicked: {message}"),
            None if matches!(self, JoinError::Panicked(_)) => f.write_str("task panicked"),
            None => f.write_str("task was cancelled by its runtime"),
        }
    }
}

impl std::error::Error for JoinError {}

fn panic_message(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}
