//! [`Launch`]: what a program or a benchmark needs of a runtime, beyond what a
//! library does: starting a flavour, entering the event loop, describing itself.
//! A library's bounds name [`Runtime`] only.

use std::{fmt, future::Future, io, num::NonZeroUsize};

use crate::Runtime;

/// A runtime that a program can start by flavour and worker count, enter, and
/// describe, so that tools (the command line, the benchmarks) start and report every
/// runtime the same way.
///
/// # Examples
///
/// ```
/// use chain_contract::{Launch, Runtime, Scheduling, run_on_worker};
///
/// let rt = runtime_smol::SmolRuntime::launch(Scheduling::CurrentThread, 1.try_into().unwrap())
///     .unwrap();
/// assert_eq!(rt.info().flavour, Scheduling::CurrentThread);
/// assert_eq!(run_on_worker(&rt, async { 6 * 7 }), 42);
/// ```
pub trait Launch: Runtime + Sized {
    /// The flavours this runtime offers; the first is its default.
    const FLAVOURS: &'static [Scheduling];

    /// The I/O drivers this runtime can run its sockets and timers on (`--driver`);
    /// the first is its default, which [`Launch::launch`] runs.
    const DRIVERS: &'static [Driver] = &[Driver::Readiness];

    /// How many polls a task may make before the runtime makes its futures yield
    /// (tokio's cooperative budget, 128), if it has such a budget. A future that
    /// joins many others in one task then polls them again after every budget: the
    /// command line warns of what that makes grow.
    const TASK_BUDGET: Option<u32> = None;

    /// Starts the runtime. `flavour` is one of [`Launch::FLAVOURS`]; `workers` is 1 for
    /// a current-thread flavour.
    ///
    /// # Errors
    ///
    /// The runtime could not be started (threads, I/O driver, a global already set).
    fn launch(flavour: Scheduling, workers: NonZeroUsize) -> io::Result<Self>;

    /// Starts the runtime on `driver`, one of [`Launch::DRIVERS`]: the one variable
    /// that the same runtime's flavours on two drivers differ by. By default, a
    /// runtime has one driver, and refuses another.
    ///
    /// # Errors
    ///
    /// As [`Launch::launch`]'s; and `driver` is not one this runtime offers.
    fn launch_on(driver: Driver, flavour: Scheduling, workers: NonZeroUsize) -> io::Result<Self> {
        match Self::DRIVERS.first() == Some(&driver) {
            true => Self::launch(flavour, workers),
            false => Err(no_such_driver(Self::DRIVERS, driver)),
        }
    }

    /// Runs `future` to completion on the calling thread, driving the runtime meanwhile:
    /// the event loop.
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

    /// What this runtime is and how it was configured, to be printed with results.
    fn info(&self) -> RuntimeInfo;

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
}

/// The error [`Launch::launch`] returns for a flavour that the runtime does not
/// offer, saying why.
pub fn no_such_flavour(runtime: &str, flavour: Scheduling, why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::Unsupported, format!("{runtime} has no {flavour} flavour: {why}"))
}

/// The error [`Launch::launch_on`] returns for a driver that the runtime does not
/// offer, naming those it does.
pub fn no_such_driver(offered: &[Driver], driver: Driver) -> io::Error {
    let offered: Vec<_> = offered.iter().map(Driver::name).collect();
    let message = format!("this runtime has no {driver} driver; it offers: {}", offered.join(", "));
    io::Error::new(io::ErrorKind::Unsupported, message)
}

/// The kind of I/O driver a runtime is asked to run on (`--driver`); what it then
/// runs, with the fallback's reason, is [`RuntimeInfo::io`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Driver {
    /// Readiness: the operating system's poller (epoll on Linux); the runtime then
    /// reads and writes itself
    Readiness,
    /// Completion: io_uring, where the kernel does the reads and writes (the
    /// runtime falls back to readiness where io_uring cannot be set up, and says so)
    IoUring,
}

impl Driver {
    /// Every driver.
    pub const ALL: [Driver; 2] = [Driver::Readiness, Driver::IoUring];

    /// The name used on command lines and in reports: `epoll` (on Linux) or `io_uring`.
    pub fn name(&self) -> &'static str {
        match self {
            Driver::Readiness => POLLER,
            Driver::IoUring => "io_uring",
        }
    }
}

impl fmt::Display for Driver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a runtime schedules tasks: its flavour, in tokio's word (`--flavour` on the
/// command line). A runtime in one scheduling with its workers is a row of the
/// comparison (`tokio-current-thread`).
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
    /// The runtime crate, e.g. `"tokio"`: its version is the build's business
    /// (the workspace's `Cargo.lock`), which a program prints beside this.
    pub runtime: &'static str,
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
    /// Describes `runtime` (a crate name, as in `Cargo.lock`).
    pub fn new(
        runtime: &'static str,
        flavour: Scheduling,
        workers: NonZeroUsize,
        timer: &'static str,
        io: IoDriver,
    ) -> Self {
        RuntimeInfo { runtime, flavour, workers, timer, io }
    }
}

impl fmt::Display for RuntimeInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = if self.workers.get() == 1 { "" } else { "s" };
        write!(
            f,
            "{}, {}, {} worker{s}, timer: {}, I/O: {}",
            self.runtime, self.flavour, self.workers, self.timer, self.io
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
    R: Launch,
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    rt.block_on(rt.spawn(future)).unwrap_or_else(|e| e.resume_panic())
}
