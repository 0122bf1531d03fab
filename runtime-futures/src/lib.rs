//! The futures crate's own executors behind chain-contract's [`Runtime`]: the
//! runtime-free baseline, and the proof that a runtime is a thin glue.
//!
//! | contract | multi-thread | current-thread |
//! |---|---|---|
//! | event loop | [`futures::executor::block_on`]: the calling thread polls the future; the pool's threads run the tasks | [`LocalPool::run_until`] on the calling thread, through chain-per-core's [`PerCore`] |
//! | `spawn` | [`ThreadPool::spawn_ok`] behind the contract's [`Task`], which adds what the pool lacks: cancel on drop, panics as values, `cancel().await` | [`LocalSpawner::spawn_local`](futures::task::LocalSpawnExt::spawn_local), behind [`Task`] too |
//! | `connect`, `listen`, `timer` | async-io's, from [`chain_async_io`]: [`async_io::Async`] sockets, `futures-io` already, and [`AsyncIoTimer`] (a timerfd deadline, no rounding) | the same |
//!
//! The executors have no reactor and no timer of their own, so both come from a
//! runtime-neutral crate: async-io, the one smol and async-std are built on, chosen
//! over futures-timer because it also gives the TCP stream. Its reactor is driven by
//! the `async-io` thread it starts on first use: every timer and every socket event
//! wakes an executor thread from that thread, one hop more than a runtime whose
//! workers poll their own reactor. That hop is part of what these rows measure.
//!
//! # Examples
//!
//! ```
//! use chain_contract::{Runtime, run_on_worker};
//! use chain_core::{get_user_with_orders, InMemorySource};
//! use runtime_futures::FuturesRuntime;
//!
//! for rt in [FuturesRuntime::multi_thread(2.try_into().unwrap()).unwrap(), FuturesRuntime::current_thread()] {
//!     let source = InMemorySource::new(rt.timer());
//!     let joined = run_on_worker(&rt, async move { get_user_with_orders(&source, 1).await });
//!     assert_eq!(joined.unwrap().orders, [1, 3, 10, 11]);
//! }
//! ```
#![warn(missing_docs)]

use std::{
    cell::RefCell,
    future::Future,
    io,
    net::{SocketAddr, TcpStream},
    num::NonZeroUsize,
};

use async_io::Async;
use chain_async_io::{AsyncIoListener, AsyncIoTimer, IO, TIMER, connect, listen};
use chain_contract::no_such_flavour;
use chain_contract::{Driver, IoDriver, Launch, Runtime, RuntimeInfo, Scheduling, Task};
use chain_per_core::{LocalLoop, PerCore, ShardTask};
use futures::{
    executor::{LocalPool, LocalSpawner, ThreadPool},
    task::LocalSpawnExt,
};

const RUNTIME: &str = "futures-executor";

/// A futures `ThreadPool` of a fixed number of threads, or a `LocalPool` on the
/// calling thread; clones share it, and a pool's threads stop when the last clone
/// is dropped.
#[derive(Clone, Debug)]
pub struct FuturesRuntime(Executor);

#[derive(Clone, Debug)]
enum Executor {
    Threads(ThreadPool, RuntimeInfo),
    Local(PerCore<LocalPoolLoop>),
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
        let info = RuntimeInfo::new(RUNTIME, Scheduling::MultiThread, workers, TIMER, IO);
        Ok(FuturesRuntime(Executor::Threads(pool, info)))
    }

    /// The futures crate's `ThreadPool` behind the multi-thread flavour, for code
    /// that uses it directly; `None` for the current-thread one.
    pub fn pool(&self) -> Option<&ThreadPool> {
        if let Executor::Threads(pool, _) = &self.0 { Some(pool) } else { None }
    }

    /// A `LocalPool` on the thread in `block_on`, which runs every task.
    pub fn current_thread() -> Self {
        let local =
            PerCore::current_thread(LocalPoolLoop).expect("a LocalPool starts without fail");
        FuturesRuntime(Executor::Local(local))
    }
}

impl Runtime for FuturesRuntime {
    type JoinHandle<T: Send + 'static> = Task<T>;
    type Timer = AsyncIoTimer;
    type TcpStream = Async<TcpStream>;
    type TcpListener = AsyncIoListener;

    // Inlined into the caller, as the runtime's own spawn is: out of line, the
    // future is moved once more (copied) on every spawn.
    #[inline]
    fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match &self.0 {
            Executor::Threads(pool, _) => {
                let (task, running) = Task::new(future);
                pool.spawn_ok(running);
                task
            }
            Executor::Local(local) => match local.spawn(future) {
                ShardTask::Here(task) | ShardTask::Sent(task) => task,
            },
        }
    }

    fn timer(&self) -> AsyncIoTimer {
        AsyncIoTimer
    }

    fn connect(
        &self,
        address: SocketAddr,
    ) -> impl Future<Output = io::Result<Self::TcpStream>> + Send + 'static {
        connect(address)
    }

    fn listen(
        &self,
        listener: std::net::TcpListener,
    ) -> impl Future<Output = io::Result<AsyncIoListener>> + Send + 'static {
        listen(listener)
    }
}

impl Launch for FuturesRuntime {
    const FLAVOURS: &'static [Scheduling] = &[Scheduling::MultiThread, Scheduling::CurrentThread];

    fn launch(flavour: Scheduling, workers: NonZeroUsize) -> io::Result<Self> {
        match flavour {
            Scheduling::MultiThread => Self::multi_thread(workers),
            Scheduling::CurrentThread => Ok(Self::current_thread()),
            Scheduling::ThreadPerCore => Err(no_such_flavour(
                RUNTIME,
                flavour,
                "this glue offers the LocalPool on one thread",
            )),
        }
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        match &self.0 {
            Executor::Threads(..) => futures::executor::block_on(future),
            Executor::Local(local) => local.block_on(future),
        }
    }

    fn info(&self) -> RuntimeInfo {
        match &self.0 {
            Executor::Threads(_, info) => info.clone(),
            Executor::Local(local) => local.info(),
        }
    }
}

/// The futures crate's `LocalPool` as one thread's loop: each thread has its own.
#[derive(Clone, Copy, Debug, Default)]
pub struct LocalPoolLoop;

impl LocalPoolLoop {
    /// The spawner of the calling thread's `LocalPool`, for code that uses it
    /// directly (its tasks run while the thread is in `block_on`).
    pub fn spawner() -> LocalSpawner {
        SPAWNER.with(LocalSpawner::clone)
    }
}

thread_local! {
    static POOL: RefCell<LocalPool> = RefCell::new(LocalPool::new());
    static SPAWNER: LocalSpawner = POOL.with_borrow(LocalPool::spawner);
}

impl LocalLoop for LocalPoolLoop {
    const RUNTIME: &'static str = RUNTIME;
    const TIMER: &'static str = TIMER;
    const DRIVERS: &'static [Driver] = &[Driver::Readiness];

    fn on(_: Driver) -> Self {
        LocalPoolLoop
    }

    type Timer = AsyncIoTimer;
    type TcpStream = Async<TcpStream>;
    type TcpListener = AsyncIoListener;

    fn start(&self) -> io::Result<IoDriver> {
        // Made now: later, inside `run_until`, the pool is borrowed.
        SPAWNER.with(|_| ());
        Ok(IO)
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        POOL.with_borrow_mut(|pool| pool.run_until(future))
    }

    fn spawn_local<F: Future<Output = ()> + 'static>(&self, task: F) {
        // Only a pool that has been dropped refuses, and this thread's lives as long as it.
        SPAWNER
            .with(|spawner| spawner.spawn_local(task))
            .expect("this thread's LocalPool is alive");
    }

    type Handle<T: Send + 'static> = Task<T>;

    fn spawn_here<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (task, running) = Task::new(future);
        self.spawn_local(running);
        task
    }

    fn connect(
        &self,
        address: SocketAddr,
    ) -> impl Future<Output = io::Result<Async<TcpStream>>> + Send + 'static {
        connect(address)
    }

    fn listen(
        &self,
        listener: std::net::TcpListener,
    ) -> impl Future<Output = io::Result<AsyncIoListener>> + Send + 'static {
        listen(listener)
    }
}
