//! The contract a runtime supplies: an event loop, tasks, a timer and a clock.
//!
//! Everything in this crate is written against [`Runtime`] and nothing else, so the
//! same chaining logic runs under every runtime that implements it. The contract is
//! statically dispatched: associated types and `impl Future + Send` returns, no boxes.
//!
//! # Semantics every implementation follows
//!
//! The runtimes disagree on these by default; every implementation of [`Runtime`]
//! makes them identical, and the conformance suite (the `chain-conformance` crate) checks
//! them under every runtime and flavour.
//!
//! - **Dropping a [`JoinHandle`] cancels its task** (as smol's `Task` does; tokio and
//!   async-std detach by default). Cancellation is a request: the task's future is
//!   dropped the next time the runtime would have run it, not during the `drop`. Use
//!   [`JoinHandle::cancel`] to wait until it is gone, or [`JoinHandle::detach`] to let
//!   it run on unobserved.
//! - **A panic in a task reaches the awaiting side as a value**: awaiting its handle
//!   yields [`JoinError::Panicked`] with the payload, the runtime and its other tasks
//!   go on, and nothing waits forever. Re-raise it with [`JoinError::resume_panic`].
//! - **A sleep never completes early**: `sleep(d)` completes no earlier than `d` after
//!   `sleep` was called, measured by [`Runtime::now`]; on every runtime here its clock
//!   starts at its first poll, so a sleep raced against a future starts with it. How
//!   much later it completes is a property of the runtime's timer (tokio works in
//!   1 ms steps and rounds up), reported by [`RuntimeInfo::timer`].
//! - **Connecting** ([`Runtime::connect`]) opens a TCP stream with Nagle's algorithm
//!   off (`TCP_NODELAY`) on every runtime, so that small requests leave at once
//!   everywhere. The stream is the runtime's own, registered with its reactor, behind
//!   the runtime-neutral `futures-io` traits.
//! - **Listening** ([`Runtime::listen`]) registers a socket that the caller bound
//!   and made listen; it accepts the runtime's own streams, with `TCP_NODELAY` on as
//!   for connecting ([`Listener`]).
//! - **Cancel safety**: every future returned here and by this crate can be dropped at
//!   any await point; dropping it cancels the work it started (sleeps, fetches, and
//!   through their handles, spawned tasks) and loses only that work's result.
//!
//! # Two designs, one contract: tasks that move, and tasks that stay
//!
//! Work-stealing runtimes (tokio, smol, async-std, the futures `ThreadPool`) move a
//! task between threads, so what it holds must be `Send`. Thread-per-core runtimes
//! (compio, monoio; [`Scheduling::ThreadPerCore`]) keep every task on the thread that
//! spawned it, and their timers and streams are not `Send`. The contract is written
//! once, with `Send` bounds, because stable Rust cannot yet say "`Send` when the
//! runtime's are" of a trait's futures (return-type notation is unstable), and the
//! chaining spawns futures built from any [`DataSource`](crate::DataSource). So:
//!
//! - a runtime whose tasks move implements the contract as it is;
//! - a runtime whose tasks stay implements it with its `!Send` timer and stream
//!   *confined* to the thread that made them (the `chain-per-core` crate): `Send` in
//!   type, and touching one from another thread panics instead of racing. Its
//!   [`Runtime::shards`] say how many threads run tasks, each a runtime of its own;
//!   [`Runtime::spawn_on`] starts a task on one, and
//!   [`fan_out_shaped`](crate::fan_out_shaped) splits a fan-out among them, each
//!   share with its own [`DataSource::for_shard`](crate::DataSource::for_shard) copy
//!   of the source, so that no connection leaves the thread that opened it.

use crate::Listener;

use std::{
    any::Any,
    fmt,
    future::Future,
    io,
    net::SocketAddr,
    num::NonZeroUsize,
    time::{Duration, Instant},
};

/// An async runtime: the event loop entry, task spawning, a timer and a clock.
///
/// A value of this type is a cheap, cloneable handle; clones drive the same runtime.
/// Implementations live in the `runtime-*` crates of this workspace.
///
/// # Examples
///
/// Code written against the contract runs on any runtime:
///
/// ```
/// use chain_core::Runtime;
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

    /// Runs `future` to completion on the calling thread, driving the runtime meanwhile.
    ///
    /// On a single-threaded flavour the calling thread is the runtime's only worker.
    /// On a multi-threaded flavour it only polls `future`, while spawned tasks run on
    /// the workers; use [`run_on_worker`] to run a whole program on a worker.
    ///
    /// # Panics
    ///
    /// Panics if `future` panics. May panic when called from inside an async context
    /// of any runtime (tokio forbids nested event loops).
    fn block_on<F: Future>(&self, future: F) -> F::Output;

    /// Starts `future` as a new task and returns a handle that yields its output.
    ///
    /// The task starts running without the handle being polled. Dropping the handle
    /// cancels the task (see the [module docs](self)).
    fn spawn<F>(&self, future: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// The runtime's timer. Cheap to clone: every runtime here returns a zero-sized
    /// value, so sources that hold one cost nothing to share with tasks.
    fn timer(&self) -> Self::Timer;

    /// [`Timer::sleep`] on this runtime's timer: completes no earlier than
    /// `duration` after this call. It must be polled inside this runtime.
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

    /// What this runtime is and how it was configured, to be printed with results.
    fn info(&self) -> RuntimeInfo;

    /// How many threads run tasks as runtimes of their own, which tasks never leave:
    /// the workers of [`Scheduling::ThreadPerCore`]. 1 for every other flavour, where
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

/// A connection's bytes as the HTTP client reads and writes them: `futures-io`, and
/// movable between tasks and threads. Every such type is one.
pub trait ByteStream:
    futures::io::AsyncRead + futures::io::AsyncWrite + Send + Unpin + 'static
{
}

impl<S> ByteStream for S where
    S: futures::io::AsyncRead + futures::io::AsyncWrite + Send + Unpin + 'static
{
}

/// A runtime's timer and monotonic clock.
pub trait Timer: Clone + Send + Sync + 'static {
    /// A future that completes no earlier than `duration` after this call.
    ///
    /// It must be polled inside its runtime (inside [`Runtime::block_on`] or a task).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping it deregisters the timer.
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + 'static;

    /// The monotonic clock the timer measures against.
    fn now(&self) -> Instant;
}

/// A runtime that can be started by flavour and worker count, so that tools (the
/// command line, the benchmarks) can start every flavour the same way.
pub trait Launch: Runtime + Sized {
    /// The flavours this runtime offers; the first is its default.
    const FLAVOURS: &'static [Scheduling];

    /// Starts the runtime. `flavour` is one of [`Launch::FLAVOURS`]; `workers` is 1 for
    /// a current-thread flavour.
    ///
    /// # Errors
    ///
    /// The runtime could not be started (threads, I/O driver, a global already set).
    fn launch(flavour: Scheduling, workers: NonZeroUsize) -> std::io::Result<Self>;

    /// Why this process's environment (a variable the runtime reads) does not allow
    /// launching `flavour` with `workers`, if it does not: checked with the command
    /// line, before anything starts, so that it is reported as bad input. By default,
    /// nothing outside the command line matters.
    ///
    /// # Errors
    ///
    /// A one-line message naming the setting and what it must be.
    fn check_environment(flavour: Scheduling, workers: NonZeroUsize) -> Result<(), String> {
        let _ = (flavour, workers);
        Ok(())
    }

    /// How long `fan_out`, joined in one task, is expected to take on `flavour` in a
    /// release build, where this runtime makes it grow faster than its users (tokio's
    /// per-task budget); `None` where it grows with the users only, as by default.
    fn slow_joined_fan_out(flavour: Scheduling, fan_out: JoinedFanOut) -> Option<SlowJoin> {
        let _ = (flavour, fan_out);
        None
    }
}

/// The error [`Launch::launch`] returns for a flavour that the runtime does not
/// offer, saying why.
pub fn no_such_flavour(runtime: &str, flavour: Scheduling, why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::Unsupported, format!("{runtime} has no {flavour} flavour: {why}"))
}

/// A fan-out whose users are all futures inside one task ([`fan_out`](crate::fan_out),
/// [`fan_out_bounded`](crate::fan_out_bounded)), as a runtime's scheduler sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JoinedFanOut {
    /// The users chained.
    pub users: usize,
    /// The most users in flight at once: all of them, or the concurrency limit.
    pub in_flight: usize,
    /// How long each fetch waits on the runtime's timer; zero when it does not wait.
    pub latency: Duration,
}

/// What [`Launch::slow_joined_fan_out`] expects of a joined fan-out, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlowJoin {
    /// The expected wall time, in a release build.
    pub estimate: Duration,
    /// Why it grows faster than the users, in a few words.
    pub cause: &'static str,
}

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
    /// runtime's [`Runtime::block_on`]: a detached task left over when `block_on`
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

/// How a runtime schedules tasks: its flavour, in tokio's word (`--flavour` on the
/// command line). A runtime in one scheduling with its workers is a row of the
/// comparison (`benches::Flavour`, `tokio-current-thread`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheduling {
    /// One thread runs every task: the one that entered the event loop (asyncio's model)
    CurrentThread,
    /// A fixed pool of worker threads runs the tasks
    MultiThread,
    /// Each worker thread is a single-threaded runtime of its own; a task stays where it was spawned
    ThreadPerCore,
}

impl Scheduling {
    /// Every scheduling.
    pub const ALL: [Scheduling; 3] =
        [Scheduling::CurrentThread, Scheduling::MultiThread, Scheduling::ThreadPerCore];

    /// The name used on command lines and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Scheduling::CurrentThread => "current-thread",
            Scheduling::MultiThread => "multi-thread",
            Scheduling::ThreadPerCore => "thread-per-core",
        }
    }
}

impl fmt::Display for Scheduling {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A runtime's description, printed with every result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuntimeInfo {
    /// The runtime crate, e.g. `"tokio"`.
    pub runtime: &'static str,
    /// Its version as pinned in the workspace's `Cargo.lock`.
    pub version: &'static str,
    /// How it schedules tasks.
    pub flavour: Scheduling,
    /// Threads that run tasks.
    pub workers: NonZeroUsize,
    /// The timer's precision, as the runtime documents it.
    pub timer: &'static str,
    /// The I/O driver its sockets use, as the runtime reports it.
    pub io: IoDriver,
}

/// How a runtime waits for its sockets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IoDriver {
    /// Readiness: the operating system's poller (epoll on Linux), through the named
    /// crate (mio, polling); the runtime then reads and writes itself.
    Readiness(&'static str),
    /// Completion: io_uring, where the kernel does the reads and writes.
    IoUring,
    /// Readiness, because io_uring could not be set up: the reason the kernel gave
    /// (too old, blocked by a seccomp profile, too little locked memory).
    Fallback(String),
}

/// The operating system's readiness poller.
const POLLER: &str = if cfg!(target_os = "linux") {
    "epoll"
} else if cfg!(windows) {
    "IOCP"
} else {
    "kqueue"
};

impl fmt::Display for IoDriver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IoDriver::Readiness(through) => write!(f, "{POLLER} via {through}"),
            IoDriver::IoUring => f.write_str("io_uring"),
            IoDriver::Fallback(reason) => write!(f, "{POLLER}, io_uring unavailable: {reason}"),
        }
    }
}

impl RuntimeInfo {
    /// Describes `runtime` (a crate name in `Cargo.lock`), filling in its locked version.
    pub fn new(
        runtime: &'static str,
        flavour: Scheduling,
        workers: NonZeroUsize,
        timer: &'static str,
        io: IoDriver,
    ) -> Self {
        let version = crate::versions::locked_version(runtime).unwrap_or("unknown");
        RuntimeInfo { runtime, version, flavour, workers, timer, io }
    }
}

impl fmt::Display for RuntimeInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = if self.workers.get() == 1 { "" } else { "s" };
        write!(
            f,
            "{} {}, {}, {} worker{s}, timer: {}, I/O: {}",
            self.runtime, self.version, self.flavour, self.workers, self.timer, self.io
        )
    }
}

/// Runs `future` inside a task spawned on `rt`, so that it runs on one of the
/// runtime's own workers rather than on the thread that called `block_on`.
///
/// This is how the binaries and the conformance suite run everything: on a
/// multi-threaded flavour, `block_on`'s thread is not a worker, and work polled there
/// would cross a thread boundary for every wake-up.
///
/// # Panics
///
/// Re-raises a panic of `future` on the calling thread.
pub fn run_on_worker<R, F>(rt: &R, future: F) -> F::Output
where
    R: Runtime,
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    rt.block_on(rt.spawn(future)).unwrap_or_else(|e| e.resume_panic())
}
