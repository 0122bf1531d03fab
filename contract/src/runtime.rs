//! [`Runtime`]: what a library asks of a runtime (tasks, a timer, sockets, shards),
//! and [`Timer`]. The semantics every implementation follows are in the crate docs.

use std::{
    future::Future,
    io,
    net::SocketAddr,
    num::NonZeroUsize,
    time::{Duration, Instant},
};

use crate::{JoinHandle, Listener, net::ByteStream};

/// An async runtime as a library sees it: task spawning, a timer and a clock, TCP
/// sockets, and the shards of a thread-per-core runtime.
///
/// A value of this type is a cheap, cloneable handle; clones drive the same runtime.
/// Entering the event loop and describing the runtime are a program's business, not
/// a library's: they are [`Launch`](crate::Launch)'s.
///
/// # Examples
///
/// Code written against the contract runs on any runtime:
///
/// ```
/// use chain_contract::{Launch, Runtime};
/// use std::time::Duration;
///
/// async fn tick_twice<R: Runtime>(rt: &R) -> Duration {
///     let start = rt.now();
///     rt.sleep(Duration::from_millis(1)).await;
///     let task = rt.spawn(async { 2 });
///     assert_eq!(task.await.unwrap(), 2);
///     rt.now() - start
/// }
///
/// let rt = runtime_smol::SmolRuntime::current_thread();
/// assert!(rt.block_on(tick_twice(&rt)) >= Duration::from_millis(1));
/// ```
pub trait Runtime: Clone + Send + Sync + 'static {
    /// The handle [`Runtime::spawn`] returns for a task whose output is `T`.
    type JoinHandle<T: Send + 'static>: JoinHandle<T>;

    /// The runtime's timer and clock, on their own: what a data source needs to wait.
    type Timer: Timer;

    /// A TCP stream driven by this runtime's reactor.
    type TcpStream: ByteStream;

    /// A listening TCP socket driven by this runtime's reactor, accepting its streams.
    type TcpListener: Listener<Stream = Self::TcpStream>;

    /// Starts `future` as a new task and returns a handle that yields its output.
    ///
    /// The task starts running without the handle being polled. Dropping the handle
    /// cancels the task (see the [crate docs](crate)).
    fn spawn<F>(&self, future: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// The runtime's timer. Cheap to clone: every runtime here returns a zero-sized
    /// value, so sources that hold one cost nothing to share with tasks.
    fn timer(&self) -> Self::Timer;

    /// [`Timer::sleep`] on this runtime's timer: completes no earlier than
    /// `duration` after its first poll, so never before `duration` after this call.
    /// It must be polled inside this runtime.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping it deregisters the timer.
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + 'static {
        // The timer moves into the future: the sleep borrows it, not `self`.
        let timer = self.timer();
        async move { timer.sleep(duration).await }
    }

    /// [`Timer::now`]: the runtime's monotonic clock, the one its timer measures against.
    fn now(&self) -> Instant {
        self.timer().now()
    }

    /// Opens a TCP connection to `address`, with `TCP_NODELAY` set. It must be polled
    /// inside this runtime.
    ///
    /// # Errors
    ///
    /// The operating system's error: refused, unreachable, out of file descriptors.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping it abandons the connection attempt.
    fn connect(
        &self,
        address: SocketAddr,
    ) -> impl Future<Output = io::Result<Self::TcpStream>> + Send + 'static;

    /// Hands `listener`, a socket bound and listening, to this runtime's reactor, on
    /// the worker that polls the future (on a thread-per-core runtime, the thread
    /// that accepts from it for good). Binding stays with the caller, so that every
    /// runtime's listener has the same socket options (`SO_REUSEPORT`, the backlog).
    ///
    /// # Errors
    ///
    /// The reactor refused the socket (it is not a listening socket, or the reactor
    /// is out of room).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping it closes the socket.
    fn listen(
        &self,
        listener: std::net::TcpListener,
    ) -> impl Future<Output = io::Result<Self::TcpListener>> + Send + 'static;

    /// How many threads run tasks as runtimes of their own, which tasks never leave:
    /// the workers of a thread-per-core runtime. 1 for every other flavour, where
    /// the runtime itself spreads tasks over its workers.
    fn shards(&self) -> NonZeroUsize {
        NonZeroUsize::MIN
    }

    /// [`Runtime::spawn`] on shard `shard` (`0..shards()`), where the task stays.
    /// Where there is one shard, this is `spawn`.
    ///
    /// # Panics
    ///
    /// `shard` is not below [`Runtime::shards`].
    fn spawn_on<F>(&self, shard: usize, future: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        assert!(shard < self.shards().get(), "shard {shard} of {}", self.shards());
        self.spawn(future)
    }
}

/// A runtime's timer and monotonic clock.
pub trait Timer: Clone + Send + Sync + 'static {
    /// A future that completes no earlier than `duration` after its first poll (its
    /// clock starts there, on every runtime), so never before `duration` after this
    /// call.
    ///
    /// It must be polled inside its runtime (inside a task, or
    /// [`Launch::block_on`](crate::Launch::block_on)).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping it deregisters the timer.
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + 'static;

    /// The monotonic clock the timer measures against.
    fn now(&self) -> Instant;
}
