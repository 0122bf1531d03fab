//! [smol](https://docs.rs/smol) behind chain-contract's [`Runtime`].
//!
//! | contract | smol |
//! |---|---|
//! | `block_on` | [`smol::block_on`] (with [`smol::Executor::run`] on the current-thread flavour) |
//! | `spawn` | [`smol::Executor::spawn`]; dropping the [`smol::Task`] cancels it, as the contract says |
//! | `connect` | [`smol::net::TcpStream`] (async-net over async-io's reactor), `futures-io` already |
//! | `listen` | [`smol::net::TcpListener`] from the bound socket, over async-io's reactor |
//! | `timer` | [`AsyncIoTimer`], from [`chain_async_io`]: async-io's `Timer::after` (smol's own timer: a timerfd deadline, no rounding) and `Instant::now`, the clock it uses |
//!
//! Flavours: [`SmolRuntime::current_thread`] (an executor run only by the thread in
//! `block_on`) and [`SmolRuntime::multi_thread`] (an executor run by N threads of
//! its own; the thread in `block_on` only polls the future it was given).
//!
//! # Examples
//!
//! ```
//! use chain_contract::{Runtime, run_on_worker};
//! use chain_core::{get_user_with_orders, InMemorySource};
//! use runtime_smol::SmolRuntime;
//!
//! let rt = SmolRuntime::multi_thread(2.try_into().unwrap()).unwrap();
//! let source = InMemorySource::new(rt.timer());
//! let joined = run_on_worker(&rt, async move { get_user_with_orders(&source, 1).await });
//! assert_eq!(joined.unwrap().orders, [1, 3, 10, 11]);
//! ```
#![warn(missing_docs)]

use std::{
    future::Future,
    io,
    net::SocketAddr,
    num::NonZeroUsize,
    panic::{self, AssertUnwindSafe},
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    thread,
};

use chain_async_io::{AsyncIoTimer, IO, TIMER};
use chain_contract::{
    JoinError, Launch, Listener, Runtime, RuntimeInfo, Scheduling, accept_no_delay,
    connect_no_delay, no_such_flavour,
};
use futures::FutureExt;
use smol::{Executor, channel, net::TcpStream};

/// A smol executor with its worker threads, if any; clones share it. The workers
/// stop when the last clone is dropped, including clones held by tasks, so a task
/// that never ends and holds a clone keeps them running.
#[derive(Clone, Debug)]
pub struct SmolRuntime {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    executor: Arc<Executor<'static>>,
    info: RuntimeInfo,
    /// Closed on drop, which ends every worker's `run`.
    _stop: Option<channel::Sender<()>>,
}

impl SmolRuntime {
    /// A single-threaded executor: the thread inside `block_on` runs every task.
    pub fn current_thread() -> Self {
        let info =
            RuntimeInfo::new("smol", Scheduling::CurrentThread, NonZeroUsize::MIN, TIMER, IO);
        let shared = Shared { executor: Arc::new(Executor::new()), info, _stop: None };
        SmolRuntime { shared: Arc::new(shared) }
    }

    /// An executor run by exactly `workers` threads of its own.
    ///
    /// # Errors
    ///
    /// A worker thread could not be started.
    pub fn multi_thread(workers: NonZeroUsize) -> io::Result<Self> {
        let executor = Arc::new(Executor::new());
        let (stop, stopped) = channel::bounded::<()>(1);
        for index in 0..workers.get() {
            let (executor, stopped) = (executor.clone(), stopped.clone());
            thread::Builder::new()
                .name(format!("smol-worker-{index}"))
                .spawn(move || smol::block_on(executor.run(stopped.recv())))?;
        }
        let info = RuntimeInfo::new("smol", Scheduling::MultiThread, workers, TIMER, IO);
        Ok(SmolRuntime { shared: Arc::new(Shared { executor, info, _stop: Some(stop) }) })
    }
}

impl SmolRuntime {
    /// smol's own executor behind this runtime, for code that uses smol's API directly.
    pub fn executor(&self) -> &Arc<Executor<'static>> {
        &self.shared.executor
    }
}

impl Runtime for SmolRuntime {
    type JoinHandle<T: Send + 'static> = SmolJoinHandle<T>;
    type Timer = AsyncIoTimer;
    type TcpStream = smol::net::TcpStream;
    type TcpListener = SmolListener;

    // Inlined into the caller, as the runtime's own spawn is: out of line, the
    // future is moved once more (copied) on every spawn.
    #[inline]
    fn spawn<F>(&self, future: F) -> SmolJoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        SmolJoinHandle(self.shared.executor.spawn(future).fallible())
    }

    fn timer(&self) -> AsyncIoTimer {
        AsyncIoTimer
    }

    fn connect(
        &self,
        address: SocketAddr,
    ) -> impl Future<Output = io::Result<Self::TcpStream>> + Send + 'static {
        connect_no_delay(TcpStream::connect(address), TcpStream::set_nodelay)
    }

    #[allow(clippy::manual_async_fn, reason = "an `async fn` would borrow `self`, not be 'static")]
    fn listen(
        &self,
        listener: std::net::TcpListener,
    ) -> impl Future<Output = io::Result<SmolListener>> + Send + 'static {
        async move { Ok(SmolListener(smol::net::TcpListener::try_from(listener)?)) }
    }
}

/// smol's listener, accepting its streams with `TCP_NODELAY` set.
#[derive(Debug)]
pub struct SmolListener(smol::net::TcpListener);

impl Listener for SmolListener {
    type Stream = smol::net::TcpStream;

    async fn accept(&self) -> io::Result<(smol::net::TcpStream, SocketAddr)> {
        accept_no_delay(self.0.accept(), TcpStream::set_nodelay).await
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

impl Launch for SmolRuntime {
    const FLAVOURS: &'static [Scheduling] = &[Scheduling::CurrentThread, Scheduling::MultiThread];

    fn launch(flavour: Scheduling, workers: NonZeroUsize) -> io::Result<Self> {
        match flavour {
            Scheduling::CurrentThread => Ok(Self::current_thread()),
            Scheduling::MultiThread => Self::multi_thread(workers),
            Scheduling::ThreadPerCore => {
                Err(no_such_flavour("smol", flavour, "this glue runs one shared executor"))
            }
        }
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        match self.shared.info.flavour {
            Scheduling::CurrentThread => smol::block_on(self.shared.executor.run(future)),
            _ => smol::block_on(future),
        }
    }

    fn info(&self) -> RuntimeInfo {
        self.shared.info.clone()
    }
}

/// A smol task's handle; dropping it cancels the task (smol's own behaviour).
///
/// async-executor already catches a task's panic (async-task's `propagate_panic`)
/// and raises it again where the task is awaited; the handle catches it there and
/// returns it as a value. Catching it inside the task as well would cost a move of
/// every spawned future, for nothing.
#[derive(Debug)]
pub struct SmolJoinHandle<T>(async_task::FallibleTask<T>);

impl<T: Send + 'static> Future for SmolJoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let task = &mut self.0;
        let polled = panic::catch_unwind(AssertUnwindSafe(|| Pin::new(task).poll(cx)));
        Poll::Ready(match polled {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(Some(output))) => Ok(output),
            Ok(Poll::Ready(None)) => Err(JoinError::Cancelled),
            Err(payload) => Err(JoinError::Panicked(payload)),
        })
    }
}

impl<T: Send + 'static> chain_contract::JoinHandle<T> for SmolJoinHandle<T> {
    fn detach(self) {
        self.0.detach();
    }

    async fn cancel(self) {
        // A task that panicked raises its panic here too; cancelling discards it.
        let _ = AssertUnwindSafe(self.0.cancel()).catch_unwind().await;
    }
}
