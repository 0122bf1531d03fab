//! [tokio](https://docs.rs/tokio) behind chain-contract's [`Runtime`].
//!
//! | contract | tokio |
//! |---|---|
//! | `block_on` | [`tokio::runtime::Runtime::block_on`] |
//! | `spawn` | [`tokio::runtime::Runtime::spawn`], aborted when its handle is dropped |
//! | `timer` | [`TokioTimer`]: [`tokio::time::sleep`] created at first poll inside the runtime ([`LazySleep`], in the room of tokio's `Sleep`), [`tokio::time::Instant::now`] |
//! | `connect` | [`tokio::net::TcpStream`], as `futures-io` through [`tokio_util::compat`] |
//! | `listen` | [`tokio::net::TcpListener::from_std`]; its streams as `connect`'s |
//!
//! Flavours: [`TokioRuntime::current_thread`] (one thread, the one in `block_on`) and
//! [`TokioRuntime::multi_thread`] (a fixed number of workers).
//!
//! # Examples
//!
//! ```
//! use chain_contract::{Runtime, run_on_worker};
//! use chain_core::{get_user_with_orders, InMemorySource};
//! use runtime_tokio::TokioRuntime;
//!
//! let rt = TokioRuntime::multi_thread(2.try_into().unwrap()).unwrap();
//! let source = InMemorySource::new(rt.timer());
//! let joined = run_on_worker(&rt, async move { get_user_with_orders(&source, 1).await });
//! assert_eq!(joined.unwrap().orders, [1, 3, 10, 11]);
//! ```
#![warn(missing_docs)]
#![allow(clippy::manual_async_fn, reason = "the contract's futures are 'static")]

use std::{future::Future, io, net::SocketAddr, num::NonZeroUsize, pin::Pin, sync::Arc};
use std::{task::Context, task::Poll, time::Duration, time::Instant};

use chain_contract::{CancelOnDrop, IoDriver, JoinError, Launch, Listener, NativeTasks, Runtime};
use chain_contract::{LazySleep, accept_no_delay, connect_no_delay};
use chain_contract::{RuntimeInfo, Scheduling, Timer, no_such_flavour};
use tokio::{net::TcpStream, runtime::Builder};
use tokio_util::compat::{Compat, TokioAsyncReadCompatExt};

/// tokio's timer precision, as tokio documents it.
pub const TIMER: &str = "1 ms wheel, deadlines rounded up";

/// A tokio runtime; clones share it. It shuts down when the last clone is dropped,
/// including clones held by tasks, so a task that never ends and holds a clone keeps
/// it running.
#[derive(Clone, Debug)]
pub struct TokioRuntime {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    runtime: Option<tokio::runtime::Runtime>,
    info: RuntimeInfo,
}

impl TokioRuntime {
    /// A current-thread runtime: the thread inside `block_on` runs every task.
    ///
    /// # Errors
    ///
    /// The I/O driver could not be created.
    pub fn current_thread() -> io::Result<Self> {
        Self::launch(Scheduling::CurrentThread, NonZeroUsize::MIN)
    }

    /// A multi-thread runtime with exactly `workers` worker threads.
    ///
    /// # Errors
    ///
    /// The threads or the I/O driver could not be created.
    pub fn multi_thread(workers: NonZeroUsize) -> io::Result<Self> {
        Self::launch(Scheduling::MultiThread, workers)
    }

    /// tokio's own handle to this runtime, for code that uses tokio's API directly.
    pub fn handle(&self) -> &tokio::runtime::Handle {
        self.runtime().handle()
    }

    fn runtime(&self) -> &tokio::runtime::Runtime {
        self.shared.runtime.as_ref().expect("only taken when the last clone drops")
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        // A plain drop waits for the workers, which tokio forbids inside a runtime.
        if let Some(runtime) = self.runtime.take() {
            if tokio::runtime::Handle::try_current().is_ok() {
                runtime.shutdown_background();
            }
        }
    }
}

impl Runtime for TokioRuntime {
    type JoinHandle<T: Send + 'static> = TokioJoinHandle<T>;
    type Timer = TokioTimer;
    type TcpStream = Compat<tokio::net::TcpStream>;
    type TcpListener = TokioListener;

    // Inlined into the caller, as the runtime's own spawn is: out of line, the
    // future is moved once more (copied) on every spawn.
    #[inline]
    fn spawn<F>(&self, future: F) -> TokioJoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        CancelOnDrop::new(self.runtime().spawn(future))
    }

    fn timer(&self) -> TokioTimer {
        TokioTimer
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
    ) -> impl Future<Output = io::Result<TokioListener>> + Send + 'static {
        listen(listener)
    }
}

/// Opens a TCP connection with `TCP_NODELAY` set, as `futures-io`: the contract's
/// `connect` on any tokio runtime.
///
/// Like the sleep, the stream registers with the reactor of the runtime that polls
/// it, which the first poll has.
pub fn connect(
    address: SocketAddr,
) -> impl Future<Output = io::Result<Compat<TcpStream>>> + Send + 'static {
    let connecting = tokio::net::TcpStream::connect(address);
    async move { Ok(connect_no_delay(connecting, TcpStream::set_nodelay).await?.compat()) }
}

/// Registers a bound, listening socket: the contract's `listen` on any tokio
/// runtime, with the reactor of the runtime that polls it, as a stream is.
pub fn listen(
    listener: std::net::TcpListener,
) -> impl Future<Output = io::Result<TokioListener>> + Send + 'static {
    async move {
        listener.set_nonblocking(true)?;
        Ok(TokioListener(tokio::net::TcpListener::from_std(listener)?))
    }
}

/// tokio's listener, accepting streams as [`connect`]'s.
#[derive(Debug)]
pub struct TokioListener(tokio::net::TcpListener);

impl Listener for TokioListener {
    type Stream = Compat<tokio::net::TcpStream>;

    async fn accept(&self) -> io::Result<(Self::Stream, SocketAddr)> {
        let (stream, peer) = accept_no_delay(self.0.accept(), TcpStream::set_nodelay).await?;
        Ok((stream.compat(), peer))
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

impl Launch for TokioRuntime {
    const FLAVOURS: &'static [Scheduling] = &[Scheduling::MultiThread, Scheduling::CurrentThread];

    /// tokio's cooperative budget: after 128 polls in one task, its resources
    /// (timers, sockets) return `Pending` until the task yields.
    const TASK_BUDGET: Option<u32> = Some(128);

    fn launch(flavour: Scheduling, workers: NonZeroUsize) -> io::Result<Self> {
        let mut builder = match flavour {
            Scheduling::CurrentThread => Builder::new_current_thread(),
            Scheduling::MultiThread => Builder::new_multi_thread(),
            Scheduling::ThreadPerCore => {
                return Err(no_such_flavour("tokio", flavour, "its LocalRuntime is unstable"));
            }
        };
        if flavour == Scheduling::MultiThread {
            builder.worker_threads(workers.get());
        }
        let runtime = builder.enable_all().build()?;
        let info = RuntimeInfo::new("tokio", flavour, workers, TIMER, IoDriver::Readiness("mio"));
        Ok(TokioRuntime { shared: Arc::new(Shared { runtime: Some(runtime), info }) })
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime().block_on(future)
    }

    fn info(&self) -> RuntimeInfo {
        self.shared.info.clone()
    }
}

/// tokio's timer: the one of whichever tokio runtime polls the sleep.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioTimer;

impl Timer for TokioTimer {
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + 'static {
        // `tokio::time::sleep` needs the runtime's context when it is created, which
        // the first poll has and the caller may not.
        LazySleep::new(duration, tokio::time::sleep)
    }

    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }
}

/// tokio's task handles, as the contract's [`CancelOnDrop`] needs them: a panic is read
/// from tokio's `JoinError`, and a cancel waits for the aborted task's handle.
#[derive(Debug)]
pub enum TokioTasks {}

/// A tokio task's handle that aborts the task when dropped.
pub type TokioJoinHandle<T> = CancelOnDrop<TokioTasks, T>;

impl NativeTasks for TokioTasks {
    type Handle<T: Send + 'static> = tokio::task::JoinHandle<T>;

    fn poll_join<T: Send + 'static>(
        handle: &mut Self::Handle<T>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<T, JoinError>> {
        Pin::new(handle).poll(cx).map_err(|e| match e.try_into_panic() {
            Ok(payload) => JoinError::Panicked(payload),
            Err(_) => JoinError::Cancelled,
        })
    }

    fn abort<T: Send + 'static>(handle: Self::Handle<T>) {
        handle.abort();
    }

    fn cancel<T: Send + 'static>(handle: Self::Handle<T>) -> impl Future<Output = ()> + Send {
        async move {
            handle.abort();
            let _ = handle.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sleep_takes_the_room_of_tokios_own() {
        // Every fetch holds one, so a larger sleep is a larger task for every user.
        let sleep = TokioTimer.sleep(Duration::from_millis(1));
        assert_eq!(size_of_val(&sleep), size_of::<tokio::time::Sleep>());
    }
}
