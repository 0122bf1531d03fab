//! tokio's [`LocalRuntime`] behind chain-contract's [`Runtime`](chain_contract::Runtime):
//! one per thread, each thread's loop run by chain-per-core's [`PerCore`]. Beside
//! runtime-tokio's work-stealing runtime, it is tokio with only its design changed.
//!
//! | contract | here |
//! |---|---|
//! | event loop | a [`LocalRuntime`] per thread (a current-thread runtime whose tasks may stay `!Send`), built once and kept by the thread; its driver is mio's epoll |
//! | `spawn` | [`tokio::task::spawn_local`] on the calling shard, aborted when its handle is dropped (runtime-tokio's [`TokioJoinHandle`]); a task sent to another shard is the contract's `Task` |
//! | `timer` | runtime-tokio's [`TokioTimer`]: [`tokio::time::sleep`], on the wheel of the thread that polls it |
//! | `connect` | [`runtime_tokio::connect`]: [`tokio::net::TcpStream`] as `futures-io`, registered with the reactor of the thread that polls it |
//! | `listen` | [`runtime_tokio::listen`]: [`tokio::net::TcpListener::from_std`] on the thread that polls it; its streams as `connect`'s |
//! | workers | one runtime per thread: current-thread, or thread-per-core with N threads |
//!
//! # Examples
//!
//! ```
//! use chain_contract::{Runtime, run_on_worker};
//! use chain_core::{get_user_with_orders, InMemorySource};
//! use runtime_tokio_local::{TokioLocalLoop, TokioLocalRuntime};
//!
//! let rt = TokioLocalRuntime::thread_per_core(TokioLocalLoop, 2.try_into().unwrap()).unwrap();
//! let source = InMemorySource::new(rt.timer());
//! let joined = run_on_worker(&rt, async move { get_user_with_orders(&source, 1).await });
//! assert_eq!(joined.unwrap().orders, [1, 3, 10, 11]);
//! ```
#![warn(missing_docs)]

use std::{
    cell::{Cell, OnceCell},
    future::Future,
    io,
    net::SocketAddr,
};

use chain_contract::{CancelOnDrop, Driver, IoDriver};
use chain_per_core::{LocalLoop, PerCore};
use runtime_tokio::{TokioJoinHandle, TokioListener, TokioTimer};
use tokio::runtime::{Builder, LocalOptions, LocalRuntime};
use tokio_util::compat::Compat;

/// tokio's `LocalRuntime` as the contract's runtime: see [`PerCore`] for its flavours.
pub type TokioLocalRuntime = PerCore<TokioLocalLoop>;

/// tokio's `LocalRuntime` as one thread's loop: each thread has its own.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioLocalLoop;

thread_local! {
    /// This thread's runtime: a loop is single-threaded, so each thread has one,
    /// built once.
    static RUNTIME: OnceCell<Kept> = const { OnceCell::new() };
}

/// A thread's runtime, and whether it is running (inside `block_on`).
struct Kept {
    runtime: Option<LocalRuntime>,
    running: Cell<bool>,
}

impl Drop for Kept {
    /// A process that exits from inside a task (`process::exit`, as the command line
    /// does when its reader goes away) drops the thread's runtime while its
    /// `block_on` holds its core, and tokio's drop then panics, which aborts the
    /// process: a running runtime is left to the exit instead.
    fn drop(&mut self) {
        if self.running.get() {
            std::mem::forget(self.runtime.take());
        }
    }
}

/// Marks a thread's runtime as running while it lives.
struct Running<'a>(&'a Cell<bool>);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

impl LocalLoop for TokioLocalLoop {
    const RUNTIME: &'static str = "tokio";
    const TIMER: &'static str = runtime_tokio::TIMER;
    const DRIVERS: &'static [Driver] = &[Driver::Readiness];
    /// tokio's cooperative budget holds on a `LocalRuntime` too.
    const TASK_BUDGET: Option<u32> = Some(128);

    fn on(_: Driver) -> Self {
        TokioLocalLoop
    }

    type Timer = TokioTimer;
    type TcpStream = Compat<tokio::net::TcpStream>;
    type TcpListener = TokioListener;

    fn start(&self) -> io::Result<IoDriver> {
        RUNTIME.with(|kept| {
            if kept.get().is_none() {
                let mut builder = Builder::new_current_thread();
                let runtime = Some(builder.enable_all().build_local(LocalOptions::default())?);
                let _ = kept.set(Kept { runtime, running: Cell::new(false) });
            }
            Ok(IoDriver::Readiness("mio"))
        })
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        RUNTIME.with(|kept| {
            let kept = kept.get().expect("LocalLoop::start builds a thread's runtime first");
            let runtime = kept.runtime.as_ref().expect("taken only when the thread ends");
            let _running = Running(&kept.running);
            kept.running.set(true);
            runtime.block_on(future)
        })
    }

    fn spawn_local<F: Future<Output = ()> + 'static>(&self, task: F) {
        drop(tokio::task::spawn_local(task)); // tokio's handle detaches when dropped
    }

    type Handle<T: Send + 'static> = TokioJoinHandle<T>;

    // Inlined into the caller, as tokio's own spawn is.
    #[inline]
    fn spawn_here<F>(&self, future: F) -> TokioJoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        CancelOnDrop::new(tokio::task::spawn_local(future))
    }

    fn connect(
        &self,
        address: SocketAddr,
    ) -> impl Future<Output = io::Result<Self::TcpStream>> + Send + 'static {
        runtime_tokio::connect(address)
    }

    fn listen(
        &self,
        listener: std::net::TcpListener,
    ) -> impl Future<Output = io::Result<TokioListener>> + Send + 'static {
        runtime_tokio::listen(listener)
    }
}
