//! [`ShardTask`]: [`PerCore`](crate::PerCore)'s join handle.

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

use chain_contract::{JoinError, JoinHandle, Task};

/// A task's handle on a thread-per-core runtime: the loop's own (`H`) for a task
/// started on the calling shard, the common case and the one that costs no more
/// than the runtime's own spawn; the contract's [`Task`] for one sent to another
/// shard's queue, which is started later, elsewhere.
#[derive(Debug)]
pub enum ShardTask<H, T> {
    /// Started on the calling shard.
    Here(H),
    /// Sent to another shard.
    Sent(Task<T>),
}

impl<H: JoinHandle<T>, T: Send + 'static> Future for ShardTask<H, T> {
    type Output = Result<T, JoinError>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            ShardTask::Here(handle) => Pin::new(handle).poll(cx),
            ShardTask::Sent(task) => Pin::new(task).poll(cx),
        }
    }
}

impl<H: JoinHandle<T>, T: Send + 'static> JoinHandle<T> for ShardTask<H, T> {
    fn detach(self) {
        match self {
            ShardTask::Here(handle) => handle.detach(),
            ShardTask::Sent(task) => task.detach(),
        }
    }

    async fn cancel(self) {
        match self {
            ShardTask::Here(handle) => handle.cancel().await,
            ShardTask::Sent(task) => task.cancel().await,
        }
    }
}
