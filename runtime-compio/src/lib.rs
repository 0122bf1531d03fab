//! compio behind chain-contract's [`Runtime`](chain_contract::Runtime): a thread-per-core runtime over
//! io_uring, its loop on each thread run by chain-per-core's [`PerCore`].
//!
//! | contract | here |
//! |---|---|
//! | event loop | a [`compio::runtime::Runtime`] per thread, built once and kept by the thread; its driver is io_uring, or epoll (`polling`) where io_uring cannot be set up, and [`RuntimeInfo::io`](chain_contract::RuntimeInfo::io) says which, and why |
//! | `spawn` | [`compio::runtime::spawn`] on the calling shard, as [`CompioTask`]: compio's own handle, which cancels on drop and catches panics, but whose `cancel().await` returns before the task's future is dropped (the conformance case `cancel_returns_once_the_task_is_gone` fails with it), so the glue waits for the drop with chain-per-core's [`Watched`], which costs a task nothing unless a handle waits |
//! | `timer` | [`compio::time::sleep`]: deadlines kept in order, checked each time the loop wakes, no rounding; the future is confined to the thread that polls it, and made there on its first poll ([`LazySleep`]) |
//! | `connect` | [`compio::net::TcpStream`] with `TCP_NODELAY`, as `futures-io` through [`compio::io::compat::AsyncStream`] (which copies through a buffer of its own), confined to its thread |
//! | `listen` | [`CompioListener`]: [`compio::net::TcpListener::from_std`] on the thread that polls it, confined there, its accepts kept when dropped ([`KeptAccept`]); its streams as `connect`'s |
//! | workers | one loop per thread: current-thread, or thread-per-core with N threads |
//!
//! # Examples
//!
//! ```
//! use chain_contract::{Launch, Runtime, run_on_worker};
//! use chain_core::{get_user_with_orders, InMemorySource};
//! use runtime_compio::{CompioLoop, CompioRuntime};
//!
//! let rt = CompioRuntime::thread_per_core(CompioLoop::default(), 2.try_into().unwrap()).unwrap();
//! let source = InMemorySource::new(rt.timer());
//! let joined = run_on_worker(&rt, async move { get_user_with_orders(&source, 1).await });
//! assert_eq!(joined.unwrap().orders, [1, 3, 10, 11]);
//! ```
#![warn(missing_docs)]

use std::{
    cell::OnceCell,
    future::Future,
    io,
    net::SocketAddr,
    pin::{Pin, pin},
    rc::Rc,
    task::{Context, Poll, ready},
    time::{Duration, Instant},
};

use chain_contract::{
    Driver, IoDriver, JoinError, JoinHandle, LazySleep, Listener, Timer, accept_no_delay,
    connect_no_delay,
};
use chain_per_core::{
    Confined, KeptAccept, LocalLoop, PerCore, TaskId, Watched, build_on, cancel_and_wait, confined,
};
use compio::{
    driver::{DriverType, ProactorBuilder},
    io::compat::AsyncStream,
    net::TcpStream,
    runtime::RuntimeBuilder,
};

/// compio as the contract's runtime: see [`PerCore`] for its flavours.
pub type CompioRuntime = PerCore<CompioLoop>;

/// compio's loop on one thread, on io_uring (where the kernel allows it, else
/// epoll, and the runtime says why) or on epoll.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CompioLoop {
    driver: Driver,
}

impl Default for CompioLoop {
    fn default() -> Self {
        CompioLoop { driver: Driver::IoUring }
    }
}

thread_local! {
    /// This thread's compio runtime on each driver, with what it runs (io_uring or
    /// the fallback): a loop is single-threaded, so each thread has its own, built
    /// once, and a program (the benchmarks) may run both in turn.
    static RUNTIMES: [OnceCell<(compio::runtime::Runtime, IoDriver)>; 2] =
        const { [OnceCell::new(), OnceCell::new()] };
}

/// Builds a runtime on `driver`.
fn build(driver: DriverType) -> io::Result<compio::runtime::Runtime> {
    RuntimeBuilder::new()
        .with_proactor(ProactorBuilder::new().driver_type(driver).to_owned())
        .build()
}

impl CompioLoop {
    /// Runs `f` on this thread's runtime on this loop's driver, built first if need be.
    fn with_runtime<T>(
        &self,
        f: impl FnOnce(&compio::runtime::Runtime, &IoDriver) -> T,
    ) -> io::Result<T> {
        RUNTIMES.with(|runtimes| {
            let cell = &runtimes[usize::from(self.driver == Driver::IoUring)];
            if cell.get().is_none() {
                let (poll, io_uring) = (|| build(DriverType::Poll), || build(DriverType::IoUring));
                let _ = cell.set(build_on(self.driver, "polling", poll, io_uring)?);
            }
            let (runtime, io) = cell.get().expect("built above");
            Ok(f(runtime, io))
        })
    }
}

impl LocalLoop for CompioLoop {
    const RUNTIME: &'static str = "compio";
    const TIMER: &'static str = "deadlines in order (a BTreeMap), no rounding";
    const DRIVERS: &'static [Driver] = &[Driver::IoUring, Driver::Readiness];

    fn on(driver: Driver) -> Self {
        CompioLoop { driver }
    }

    type Timer = CompioTimer;
    type TcpStream = Confined<Pin<Box<AsyncStream<TcpStream>>>>;
    type TcpListener = CompioListener;

    fn start(&self) -> io::Result<IoDriver> {
        self.with_runtime(|_, io| io.clone())
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        let run = |runtime: &compio::runtime::Runtime, _: &IoDriver| {
            runtime.enter(|| run_until_done(runtime, future))
        };
        self.with_runtime(run).expect("LocalLoop::start builds a thread's runtime first")
    }

    fn spawn_local<F: Future<Output = ()> + 'static>(&self, task: F) {
        compio::runtime::spawn(task).detach();
    }

    type Handle<T: Send + 'static> = CompioTask<T>;

    fn spawn_here<F>(&self, future: F) -> CompioTask<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (watched, id) = Watched::new(future);
        CompioTask { native: compio::runtime::spawn(watched), id }
    }

    fn connect(
        &self,
        address: SocketAddr,
    ) -> impl Future<Output = io::Result<Self::TcpStream>> + Send + 'static {
        confined(move || connect(address))
    }

    fn listen(
        &self,
        listener: std::net::TcpListener,
    ) -> impl Future<Output = io::Result<CompioListener>> + Send + 'static {
        // compio makes the socket non-blocking itself where its driver needs it.
        confined(move || async move {
            let address = listener.local_addr()?;
            let inner = Rc::new(compio::net::TcpListener::from_std(listener)?);
            let accepts = KeptAccept::new(move || {
                let inner = inner.clone();
                Box::pin(async move { inner.accept().await })
            });
            Ok(CompioListener { accepts: Confined::new(accepts), address })
        })
    }
}

/// compio's own `block_on` loop but for one step. While tasks remain, compio drains
/// the driver with a zero timeout, and unless something woke the driver since its
/// last poll, it asks io_uring to wait for one completion: the kernel then sleeps out
/// the thread's timer slack (about 50 us) in `io_uring_enter`, once per 61 tasks. A
/// program whose work runs in spawned tasks, as the contract's does, met it on every
/// tick; waking the driver first (a flag, since it is awake) makes the drain a peek.
fn run_until_done<F: Future>(runtime: &compio::runtime::Runtime, future: F) -> F::Output {
    let driver = runtime.waker();
    let mut context = Context::from_waker(&driver);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            runtime.run();
            return output;
        }
        match runtime.run() {
            true => {
                driver.wake_by_ref();
                runtime.poll_with(Some(Duration::ZERO));
            }
            false => runtime.poll(),
        }
    }
}

async fn connect(address: SocketAddr) -> io::Result<<CompioLoop as LocalLoop>::TcpStream> {
    Ok(stream_of(connect_no_delay(TcpStream::connect(address), TcpStream::set_nodelay).await?))
}

fn stream_of(stream: TcpStream) -> <CompioLoop as LocalLoop>::TcpStream {
    Confined::new(Box::pin(AsyncStream::new(stream)))
}

/// compio's listener, confined to the thread that registered it, accepting
/// [`CompioRuntime`]'s streams.
#[derive(Debug)]
pub struct CompioListener {
    /// io_uring's accept is an operation that a dropped future would lose a
    /// connection with: kept, so that `accept` is cancel safe.
    accepts: Confined<KeptAccept<(TcpStream, SocketAddr)>>,
    address: SocketAddr,
}

impl Listener for CompioListener {
    type Stream = <CompioLoop as LocalLoop>::TcpStream;

    fn accept(&self) -> impl Future<Output = io::Result<(Self::Stream, SocketAddr)>> + Send + '_ {
        confined(move || async move {
            let accepting = self.accepts.get_ref().accept();
            let (stream, peer) = accept_no_delay(accepting, TcpStream::set_nodelay).await?;
            Ok((stream_of(stream), peer))
        })
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.address)
    }
}

/// compio's own handle as the contract's: it cancels on drop and catches panics
/// already, and `cancel().await` waits for the future's drop, which compio's own
/// does not (it returns before).
#[derive(Debug)]
pub struct CompioTask<T> {
    /// Not wrapped in an `Option`: compio's handle knows when its output was taken
    /// already, and a tag of ours beside its own made each handle a word wider and
    /// each spawn some 45 instructions dearer.
    native: compio::runtime::JoinHandle<T>,
    id: TaskId,
}

impl<T> Future for CompioTask<T> {
    type Output = Result<T, JoinError>;

    /// # Panics
    ///
    /// Polled again after it returned the output.
    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let output = ready!(Pin::new(&mut self.native).poll(cx));
        Poll::Ready(output.map_err(|e| match e {
            compio::runtime::JoinError::Panicked(payload) => JoinError::Panicked(payload),
            compio::runtime::JoinError::Cancelled => JoinError::Cancelled,
        }))
    }
}

impl<T: Send + 'static> JoinHandle<T> for CompioTask<T> {
    fn detach(self) {
        self.native.detach();
    }

    /// # Panics
    ///
    /// On another thread than the task's.
    async fn cancel(self) {
        // Finished, its future is gone already; else compio drops it when its loop
        // next runs the task, which dropping the handle schedules.
        let CompioTask { native, id } = self;
        if !native.is_finished() {
            cancel_and_wait(id, || drop(native)).await;
        }
    }
}

/// compio's timer, on the loop of the thread that polls the sleep.
#[derive(Clone, Copy, Debug, Default)]
pub struct CompioTimer;

impl Timer for CompioTimer {
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + 'static {
        LazySleep::new(duration, |duration| Confined::new(compio::time::sleep(duration)))
    }

    fn now(&self) -> Instant {
        Instant::now()
    }
}

#[cfg(test)]
mod tests {
    use std::thread;

    use chain_contract::Launch;

    use super::*;

    /// What the runtime reports, and the driver compio says it runs, on a thread of
    /// its own (a thread keeps the runtime it built first).
    fn reported_and_run(local: CompioLoop) -> (IoDriver, DriverType) {
        let on_its_thread = move || {
            let rt = CompioRuntime::current_thread(local).unwrap();
            let run = rt.block_on(async {
                compio::runtime::Runtime::with_current(compio::runtime::Runtime::driver_type)
            });
            (rt.info().io, run)
        };
        thread::spawn(on_its_thread).join().unwrap()
    }

    #[test]
    fn the_driver_reported_is_the_one_compio_runs() {
        match reported_and_run(CompioLoop::default()) {
            (IoDriver::IoUring, run) => assert!(run.is_iouring()),
            (IoDriver::Fallback(reason), run) => assert!(run.is_polling() && !reason.is_empty()),
            other => panic!("io_uring, or epoll with a reason, not {other:?}"),
        }
    }

    #[test]
    fn epoll_asked_for_is_epoll_reported() {
        let (reported, run) = reported_and_run(CompioLoop::on(Driver::Readiness));
        assert_eq!(reported, IoDriver::Readiness("polling"));
        assert!(run.is_polling());
    }

    #[test]
    fn a_thread_runs_each_driver_in_turn() {
        thread::spawn(|| {
            let driver_run = |local: CompioLoop| {
                let rt = CompioRuntime::current_thread(local).unwrap();
                rt.block_on(async {
                    compio::runtime::Runtime::with_current(compio::runtime::Runtime::driver_type)
                })
            };
            for _ in 0..2 {
                assert!(driver_run(CompioLoop::on(Driver::Readiness)).is_polling());
                let default = driver_run(CompioLoop::default());
                assert_eq!(default.is_iouring(), io_uring_here());
            }
        })
        .join()
        .unwrap();
    }

    /// Whether this kernel lets compio set up io_uring.
    fn io_uring_here() -> bool {
        build(DriverType::IoUring).is_ok()
    }
}
