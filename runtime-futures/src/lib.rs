//! The futures crate's own executor, [`ThreadPool`], behind chain-core's [`Runtime`]
//! contract: the runtime-free baseline, and the proof that a runtime is a thin glue.
//!
//! | contract | here |
//! |---|---|
//! | `block_on` | [`futures::executor::block_on`]: the calling thread polls the future; the pool's threads run the tasks |
//! | `spawn` | [`ThreadPool::spawn_ok`] behind core's [`Task`], which adds what the pool lacks: cancel on drop, panics as values, `cancel().await` |
//! | `connect` | [`async_io::Async`]`<std::net::TcpStream>`, `futures-io` already |
//! | `timer` | [`AsyncIoTimer`]: [`async_io::Timer::after`] (a timerfd deadline, no rounding) and [`Instant::now`], the clock it uses |
//!
//! The pool has no reactor and no timer of its own, so both come from a
//! runtime-neutral crate: async-io, the one smol and async-std are built on, chosen
//! over futures-timer because it also gives the TCP stream. Its reactor is driven by
//! the `async-io` thread it starts on first use: every timer and every socket event
//! wakes a pool thread from that thread, one hop more than a runtime whose workers
//! poll their own reactor. That hop is part of what this row measures.
//!
//! One flavour: multi-thread, with an explicit thread count. The futures crate's
//! `LocalPool` runs tasks that are not `Send`, which the contract does not admit yet.
//!
//! # Examples
//!
//! ```
//! use chain_core::{InMemorySource, Runtime, get_user_with_orders, run_on_worker};
//! use runtime_futures::FuturesRuntime;
//!
//! let rt = FuturesRuntime::multi_thread(2.try_into().unwrap()).unwrap();
//! let source = InMemorySource::new(rt.timer());
//! let joined = run_on_worker(&rt, async move { get_user_with_orders(&source, 1).await });
//! assert_eq!(joined.unwrap().orders, [1, 3, 10, 11]);
//! ```
#![warn(missing_docs)]

use std::{
    future::Future,
    io,
    net::{SocketAddr, TcpStream},
    num::NonZeroUsize,
    time::{Duration, Instant},
};

use async_io::Async;
use chain_core::{Launch, Runtime, RuntimeInfo, Scheduling, Task, Timer};
use futures::executor::ThreadPool;

const TIMER: &str = "async-io timerfd, no rounding";

/// A futures `ThreadPool` of a fixed number of threads; clones share it, and its
/// threads stop when the last clone is dropped.
#[derive(Clone, Debug)]
pub struct FuturesRuntime {
    pool: ThreadPool,
    info: RuntimeInfo,
}

impl FuturesRuntime {
    /// A pool of exactly `workers` threads.
    ///
    /// # Errors
    ///
    /// A thread could not be started.
    pub fn multi_thread(workers: NonZeroUsize) -> io::Result<Self> {
        let pool = ThreadPool::builder()
            .pool_size(workers.get())
            .name_prefix("futures-worker-")
            .create()?;
        let info = RuntimeInfo::new("futures-executor", Scheduling::MultiThread, workers, TIMER);
        Ok(FuturesRuntime { pool, info })
    }

    /// The futures crate's pool behind this runtime, for code that uses it directly.
    pub fn pool(&self) -> &ThreadPool {
        &self.pool
    }
}

impl Runtime for FuturesRuntime {
    type JoinHandle<T: Send + 'static> = Task<T>;
    type Timer = AsyncIoTimer;
    type TcpStream = Async<TcpStream>;

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        futures::executor::block_on(future)
    }

    fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (task, running) = Task::new(future);
        self.pool.spawn_ok(running);
        task
    }

    fn timer(&self) -> AsyncIoTimer {
        AsyncIoTimer
    }

    fn info(&self) -> RuntimeInfo {
        self.info.clone()
    }

    #[allow(clippy::manual_async_fn, reason = "an `async fn` would borrow `self`, not be 'static")]
    fn connect(
        &self,
        address: SocketAddr,
    ) -> impl Future<Output = io::Result<Self::TcpStream>> + Send + 'static {
        async move {
            let stream = Async::<TcpStream>::connect(address).await?;
            stream.get_ref().set_nodelay(true)?;
            Ok(stream)
        }
    }
}

impl Launch for FuturesRuntime {
    const FLAVOURS: &'static [Scheduling] = &[Scheduling::MultiThread];

    fn launch(_: Scheduling, workers: NonZeroUsize) -> io::Result<Self> {
        Self::multi_thread(workers)
    }
}

/// async-io's timer, driven by async-io's own thread.
#[derive(Clone, Copy, Debug, Default)]
pub struct AsyncIoTimer;

impl Timer for AsyncIoTimer {
    #[allow(clippy::manual_async_fn, reason = "an `async fn` would borrow `self`, not be 'static")]
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + 'static {
        // Created at first poll, as the other runtimes' are, so that a sleep and a
        // future raced against it start their clocks at the same point.
        async move {
            async_io::Timer::after(duration).await;
        }
    }

    fn now(&self) -> Instant {
        Instant::now()
    }
}
