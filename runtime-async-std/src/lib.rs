//! [async-std](https://docs.rs/async-std) behind chain-contract's [`Runtime`].
//!
//! async-std is discontinued upstream in favour of smol; it stays here because users
//! still run it. It runs on async-global-executor and async-io, the crates under smol.
//!
//! | contract | async-std |
//! |---|---|
//! | `block_on` | [`async_std::task::block_on`] |
//! | `spawn` | [`async_std::task::spawn`], cancelled (its `cancel` polled once) when its handle is dropped |
//! | `connect` | [`async_std::net::TcpStream`] (over async-io's reactor), `futures-io` already |
//! | `listen` | [`async_std::net::TcpListener`] from the bound socket |
//! | `timer` | [`AsyncStdTimer`]: [`async_std::task::sleep`] (async-io: a timerfd deadline, no rounding) and [`std::time::Instant::now`], the clock it uses |
//!
//! One flavour: a global pool of worker threads, sized once per process through
//! async-global-executor's configuration (async-std itself only reads the
//! `ASYNC_STD_THREAD_COUNT` variable). `block_on`'s thread only polls its own future.
//!
//! # Examples
//!
//! ```
//! use chain_contract::{Runtime, run_on_worker};
//! use chain_core::{get_user_with_orders, InMemorySource};
//! use runtime_async_std::AsyncStdRuntime;
//!
//! let rt = AsyncStdRuntime::new(2.try_into().unwrap()).unwrap();
//! let source = InMemorySource::new(rt.timer());
//! let joined = run_on_worker(&rt, async move { get_user_with_orders(&source, 1).await });
//! assert_eq!(joined.unwrap().orders, [1, 3, 10, 11]);
//! ```
#![warn(missing_docs)]
#![allow(clippy::manual_async_fn, reason = "the contract's futures are 'static")]

use std::time::{Duration, Instant};
use std::{ffi::OsString, future::Future, io, net::SocketAddr, num::NonZeroUsize, thread};
use std::{panic::AssertUnwindSafe, pin::Pin, sync::OnceLock, task::Context, task::Poll};

use async_global_executor::GlobalExecutorConfig;
use async_std::net::TcpStream;
use chain_contract::{CancelOnDrop, IoDriver, JoinError, Launch, Listener, NativeTasks, Runtime};
use chain_contract::{RuntimeInfo, Scheduling, Timer, no_such_flavour};
use chain_contract::{accept_no_delay, connect_no_delay};
use futures::FutureExt;

const TIMER: &str = "async-io timerfd, no rounding";
/// async-io's reactor, under async-std: readiness through the polling crate.
const IO: IoDriver = IoDriver::Readiness("polling");

/// The environment variable async-std reads for its worker count.
const THREAD_COUNT_VAR: &str = "ASYNC_STD_THREAD_COUNT";

/// The worker count the process-wide executor was started with.
static WORKERS: OnceLock<NonZeroUsize> = OnceLock::new();

/// A handle to async-std's global runtime.
#[derive(Clone, Debug)]
pub struct AsyncStdRuntime {
    info: RuntimeInfo,
}

impl AsyncStdRuntime {
    /// async-std's runtime with exactly `workers` worker threads.
    ///
    /// The pool is global: the first call in a process sizes it, and later calls must
    /// ask for the same count. If async-std was used before the first call, its pool
    /// is already running with its own default size, which this cannot detect: build
    /// the runtime before any other use of async-std.
    ///
    /// # Errors
    ///
    /// A different count was asked for earlier in this process, or the
    /// `ASYNC_STD_THREAD_COUNT` variable is not a worker count or disagrees with
    /// `workers` (of kind [`io::ErrorKind::InvalidInput`]).
    pub fn new(workers: NonZeroUsize) -> io::Result<Self> {
        if let Some(conflict) = thread_count_conflict(std::env::var_os(THREAD_COUNT_VAR), workers) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, conflict));
        }
        let started = *WORKERS.get_or_init(|| {
            let n = workers.get();
            let config = GlobalExecutorConfig::default().with_min_threads(n).with_max_threads(n);
            async_global_executor::init_with_config(config.with_env_var(THREAD_COUNT_VAR));
            workers
        });
        if started != workers {
            return Err(io::Error::other(format!(
                "async-std's executor is global and already runs {started} workers in this process; \
                 it cannot also run {workers}"
            )));
        }
        let info = RuntimeInfo::new("async-std", Scheduling::MultiThread, workers, TIMER, IO);
        Ok(AsyncStdRuntime { info })
    }
}

impl Runtime for AsyncStdRuntime {
    type JoinHandle<T: Send + 'static> = AsyncStdJoinHandle<T>;
    type Timer = AsyncStdTimer;
    type TcpStream = async_std::net::TcpStream;
    type TcpListener = AsyncStdListener;

    // Inlined into the caller, as the runtime's own spawn is: out of line, the
    // future is moved once more (copied) on every spawn.
    #[inline]
    fn spawn<F>(&self, future: F) -> AsyncStdJoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        // The panic is caught so that it arrives as a value, not re-raised at the await.
        let inner = async_std::task::spawn(AssertUnwindSafe(future).catch_unwind());
        CancelOnDrop::new(inner)
    }

    fn timer(&self) -> AsyncStdTimer {
        AsyncStdTimer
    }

    fn connect(
        &self,
        address: SocketAddr,
    ) -> impl Future<Output = io::Result<Self::TcpStream>> + Send + 'static {
        connect_no_delay(TcpStream::connect(address), TcpStream::set_nodelay)
    }

    fn listen(
        &self,
        listener: std::net::TcpListener,
    ) -> impl Future<Output = io::Result<AsyncStdListener>> + Send + 'static {
        async move {
            // async-std registers it with its reactor, and panics if that fails.
            Ok(AsyncStdListener(async_std::net::TcpListener::from(listener)))
        }
    }
}

/// async-std's listener, accepting its streams with `TCP_NODELAY` set.
#[derive(Debug)]
pub struct AsyncStdListener(async_std::net::TcpListener);

impl Listener for AsyncStdListener {
    type Stream = async_std::net::TcpStream;

    async fn accept(&self) -> io::Result<(async_std::net::TcpStream, SocketAddr)> {
        accept_no_delay(self.0.accept(), TcpStream::set_nodelay).await
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

impl Launch for AsyncStdRuntime {
    const FLAVOURS: &'static [Scheduling] = &[Scheduling::MultiThread];

    fn launch(flavour: Scheduling, workers: NonZeroUsize) -> io::Result<Self> {
        match flavour {
            Scheduling::MultiThread => Self::new(workers),
            _ => Err(no_such_flavour("async-std", flavour, "its executor is a global pool")),
        }
    }

    fn check_environment(_: Scheduling, workers: NonZeroUsize) -> Result<(), String> {
        thread_count_conflict(std::env::var_os(THREAD_COUNT_VAR), workers).map_or(Ok(()), Err)
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        async_std::task::block_on(future)
    }

    fn info(&self) -> RuntimeInfo {
        self.info.clone()
    }
}

/// Why `ASYNC_STD_THREAD_COUNT`, when `set`, does not allow `workers` workers: it is
/// not a worker count at all, or another one.
fn thread_count_conflict(set: Option<OsString>, workers: NonZeroUsize) -> Option<String> {
    let set = set?;
    match set.to_str().and_then(|text| text.trim().parse::<NonZeroUsize>().ok()) {
        None => Some(format!(
            "{THREAD_COUNT_VAR}={set:?} is not a worker count: async-std reads it as its number of worker threads, a whole number from 1; unset it and use --workers"
        )),
        Some(n) if n != workers => Some(format!(
            "{THREAD_COUNT_VAR}={n} disagrees with the {workers} workers asked for; unset it, or ask for --workers {n}"
        )),
        Some(_) => None,
    }
}

/// async-std's timer (async-io underneath).
#[derive(Clone, Copy, Debug, Default)]
pub struct AsyncStdTimer;

impl Timer for AsyncStdTimer {
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + 'static {
        async_std::task::sleep(duration)
    }

    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// async-std's task handles, as the contract's [`CancelOnDrop`] needs them: the output
/// carries the panic caught inside the task, and a cancel is async-std's own.
#[derive(Debug)]
pub enum AsyncStdTasks {}

/// An async-std task's handle that cancels the task when dropped.
pub type AsyncStdJoinHandle<T> = CancelOnDrop<AsyncStdTasks, T>;

impl NativeTasks for AsyncStdTasks {
    type Handle<T: Send + 'static> = async_std::task::JoinHandle<thread::Result<T>>;

    fn poll_join<T: Send + 'static>(
        handle: &mut Self::Handle<T>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<T, JoinError>> {
        Pin::new(handle).poll(cx).map(|output| output.map_err(JoinError::Panicked))
    }

    fn abort<T: Send + 'static>(handle: Self::Handle<T>) {
        // The first poll cancels; a task still running is dropped with the future.
        let _ = handle.cancel().now_or_never();
    }

    fn cancel<T: Send + 'static>(handle: Self::Handle<T>) -> impl Future<Output = ()> + Send {
        async move {
            handle.cancel().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_count_that_is_no_count_says_so_and_another_count_disagrees() {
        let two = NonZeroUsize::new(2).unwrap();
        let conflict = |set: Option<&str>| thread_count_conflict(set.map(OsString::from), two);
        assert_eq!(conflict(None), None);
        assert_eq!(conflict(Some("2")), None);
        for malformed in ["abc", "0", "-1", "", "2.5"] {
            let message = conflict(Some(malformed)).unwrap();
            assert!(message.contains("is not a worker count"), "{malformed}: {message}");
        }
        let message = conflict(Some("3")).unwrap();
        assert!(message.contains("disagrees with the 2 workers"), "{message}");
    }
}
