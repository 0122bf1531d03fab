//! Thread-per-core runtimes behind chain-contract's [`Runtime`], written once:
//! a runtime's glue supplies its single-threaded event loop ([`LocalLoop`]), and
//! [`PerCore`] runs it as the contract's flavours:
//!
//! - **current-thread**: the thread in [`Launch::block_on`](chain_contract::Launch::block_on) is the only one;
//! - **thread-per-core** with N workers: that thread and N − 1 threads of their own,
//!   each running a loop of its own that its tasks never leave (N
//!   [shards](Runtime::shards)).
//!
//! A task spawned on a shard stays there; one spawned from outside the runtime
//! starts on shard 0, the thread in `block_on` (so that what a program opens outside
//! its fan-outs is opened, and dropped, on the thread that runs it).
//! [`Runtime::spawn_on`] starts a task on a shard of one's choosing, as
//! `chain_core::fan_out_shaped` does to split a fan-out.
//!
//! The loop's timers and streams are not `Send`; its glue wraps them in
//! [`Confined`] (and a future made by [`confined`]), which the contract
//! accepts, and which panics if touched from another thread. Tasks are the contract's
//! [`Task`]: cancel on drop and panics as values whatever the runtime's own handle
//! does.
//!
//! # Examples
//!
//! The futures crate's `LocalPool` as a loop:
//!
//! ```
//! use chain_contract::{Runtime, run_on_worker};
//! use chain_core::{get_user_with_orders, InMemorySource};
//! use runtime_futures::FuturesRuntime;
//!
//! let rt = FuturesRuntime::current_thread();
//! let source = InMemorySource::new(rt.timer());
//! let joined = run_on_worker(&rt, async move { get_user_with_orders(&source, 1).await });
//! assert_eq!(joined.unwrap().orders, [1, 3, 10, 11]);
//! ```
#![warn(missing_docs)]

mod build_on;
mod cancels;
mod confined;
mod drop_watch;
mod kept_accept;
mod local_task;
mod per_core;
mod shard;
mod shard_task;
mod task_id;

pub use build_on::build_on;
pub use confined::{Confined, confined};
pub use drop_watch::{Watched, cancel_and_wait};
pub use kept_accept::KeptAccept;
pub use local_task::{LocalTask, NativeHandle, Tracked};
pub use per_core::PerCore;
pub use shard_task::ShardTask;
pub use task_id::TaskId;

use std::{future::Future, io, net::SocketAddr};

use chain_contract::{ByteStream, Driver, IoDriver, JoinHandle, Listener, Timer};
// Named by the docs above.
#[cfg(doc)]
use chain_contract::{Runtime, Task};

/// One thread's event loop of a thread-per-core runtime: what its glue supplies to
/// [`PerCore`]. A value is the loop's configuration; each thread that uses it has a
/// runtime of its own, built by [`LocalLoop::start`].
pub trait LocalLoop: Clone + Default + Send + Sync + 'static {
    /// The runtime crate, as named in `Cargo.lock`.
    const RUNTIME: &'static str;
    /// Its timer's precision, as the runtime documents it.
    const TIMER: &'static str;

    /// The I/O drivers its loop can run on; the first is [`Default`]'s.
    const DRIVERS: &'static [Driver];
    /// The runtime's cooperative budget, if it has one: [`Launch::TASK_BUDGET`](chain_contract::Launch::TASK_BUDGET).
    const TASK_BUDGET: Option<u32> = None;

    /// A loop on `driver`, one of [`LocalLoop::DRIVERS`].
    fn on(driver: Driver) -> Self;

    /// The runtime's timer, its futures confined to the thread that polls them; a
    /// handle with nothing in it, since each thread's runtime owns its timers.
    type Timer: Timer + Default;
    /// The runtime's TCP stream as futures-io, confined to the thread that opened it.
    type TcpStream: ByteStream;
    /// The runtime's listener, confined to the thread that registered it.
    type TcpListener: Listener<Stream = Self::TcpStream>;

    /// Builds the calling thread's runtime, if it has none yet.
    ///
    /// # Errors
    ///
    /// The runtime could not be built (its I/O driver, file descriptors).
    fn start(&self) -> io::Result<IoDriver>;

    /// Runs `future` to completion on the calling thread's runtime, which
    /// [`LocalLoop::start`] has built.
    fn block_on<F: Future>(&self, future: F) -> F::Output;

    /// Starts `task` on the runtime that the calling thread is running, inside
    /// [`LocalLoop::block_on`]; it stays on this thread.
    fn spawn_local<F: Future<Output = ()> + 'static>(&self, task: F);

    /// The contract's handle of a task started by [`LocalLoop::spawn_here`]:
    /// [`LocalTask`] over the runtime's own handle, or the contract's [`Task`].
    type Handle<T: Send + 'static>: JoinHandle<T>;

    /// Starts `future` as [`LocalLoop::spawn_local`] does, returning its handle.
    fn spawn_here<F>(&self, future: F) -> Self::Handle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// Opens a TCP connection with `TCP_NODELAY` set, on the thread that polls it.
    fn connect(
        &self,
        address: SocketAddr,
    ) -> impl Future<Output = io::Result<Self::TcpStream>> + Send + 'static;

    /// Registers a bound, listening socket with the runtime of the thread that polls it.
    fn listen(
        &self,
        listener: std::net::TcpListener,
    ) -> impl Future<Output = io::Result<Self::TcpListener>> + Send + 'static;
}
