//! monoio behind chain-contract's [`Runtime`](chain_contract::Runtime): a thread-per-core runtime over
//! io_uring, its loop on each thread run by chain-per-core's [`PerCore`].
//!
//! | contract | here |
//! |---|---|
//! | event loop | a [`monoio::FusionRuntime`] per thread with its timer enabled, built once and kept by the thread: io_uring, or epoll (its `legacy` driver, over mio) where io_uring cannot be set up, and [`RuntimeInfo::io`](chain_contract::RuntimeInfo::io) says which, and why |
//! | `spawn` | [`monoio::spawn`] on the calling shard, behind chain-per-core's [`LocalTask`]: monoio's own handle detaches on drop and has no `JoinError`, so the cancel and the caught panic are `LocalTask`'s, with nothing allocated per task: the thread keeps a record only of the tasks a cancel concerns |
//! | `timer` | [`monoio::time::sleep`]: a 1 ms wheel (tokio's design); the future is confined to the thread that polls it, and made there on its first poll ([`LazySleep`]) |
//! | `connect` | [`monoio::net::TcpStream`] with `TCP_NODELAY`, made readiness-style (`into_poll_io`), as `futures-io` through [`tokio_util::compat`], confined to its thread |
//! | `listen` | [`MonoioListener`]: [`monoio::net::TcpListener::from_std`] on the thread that polls it, confined there, its accepts kept when dropped ([`KeptAccept`]); its streams as `connect`'s |
//! | workers | one loop per thread: current-thread, or thread-per-core with N threads |
//!
//! # Examples
//!
//! ```
//! use chain_contract::{Launch, Runtime, run_on_worker};
//! use chain_core::{get_user_with_orders, InMemorySource};
//! use runtime_monoio::{MonoioLoop, MonoioRuntime};
//!
//! let rt = MonoioRuntime::thread_per_core(MonoioLoop::default(), 2.try_into().unwrap()).unwrap();
//! let source = InMemorySource::new(rt.timer());
//! let joined = run_on_worker(&rt, async move { get_user_with_orders(&source, 1).await });
//! assert_eq!(joined.unwrap().orders, [1, 3, 10, 11]);
//! ```
#![warn(missing_docs)]

use std::{
    cell::{Cell, RefCell},
    future::Future,
    io,
    net::SocketAddr,
    pin::Pin,
    rc::Rc,
    task::{Context, Poll},
    time::{Duration, Instant},
};

use chain_contract::{
    Driver, IoDriver, JoinError, LazySleep, Listener, Timer, accept_no_delay, connect_no_delay,
};
use chain_per_core::{
    Confined, KeptAccept, LocalLoop, LocalTask, NativeHandle, PerCore, build_on, confined,
};
use monoio::{
    FusionRuntime, IoUringDriver, LegacyDriver, RuntimeBuilder, io::IntoPollIo,
    net::tcp::stream_poll::TcpStreamPoll, time::TimeDriver,
};
use tokio_util::compat::{Compat, TokioAsyncReadCompatExt};

/// monoio as the contract's runtime: see [`PerCore`] for its flavours.
pub type MonoioRuntime = PerCore<MonoioLoop>;

/// monoio's loop on one thread, on io_uring (where the kernel allows it, else
/// epoll, and the runtime says why) or on epoll.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MonoioLoop {
    driver: Driver,
}

impl Default for MonoioLoop {
    fn default() -> Self {
        MonoioLoop { driver: Driver::IoUring }
    }
}

/// A thread's runtime: io_uring or the epoll fallback, each with its timer.
type Fusion = FusionRuntime<TimeDriver<IoUringDriver>, TimeDriver<LegacyDriver>>;

thread_local! {
    /// This thread's monoio runtime on each driver, with what it runs (io_uring or
    /// the fallback): a loop is single-threaded, so each thread has its own, built
    /// once, and a program (the benchmarks) may run both in turn.
    static RUNTIMES: [RefCell<Option<(Fusion, IoDriver)>>; 2] =
        const { [RefCell::new(None), RefCell::new(None)] };
    /// Whether the runtime this thread is running runs on io_uring: readable inside
    /// its `block_on`, which holds it borrowed.
    static ON_IO_URING: Cell<bool> = const { Cell::new(false) };
}

fn epoll() -> io::Result<Fusion> {
    Ok(RuntimeBuilder::<LegacyDriver>::new().enable_timer().build()?.into())
}

impl MonoioLoop {
    /// Runs `f` on this thread's runtime on this loop's driver, built first if need be.
    fn with_runtime<T>(&self, f: impl FnOnce(&mut Fusion, &IoDriver) -> T) -> io::Result<T> {
        RUNTIMES.with(|runtimes| {
            let mut cell = runtimes[usize::from(self.driver == Driver::IoUring)].borrow_mut();
            if cell.is_none() {
                let io_uring =
                    || Ok(RuntimeBuilder::<IoUringDriver>::new().enable_timer().build()?.into());
                *cell = Some(build_on(self.driver, "mio", epoll, io_uring)?);
            }
            let (runtime, io) = cell.as_mut().expect("built above");
            Ok(f(runtime, io))
        })
    }
}

impl LocalLoop for MonoioLoop {
    const RUNTIME: &'static str = "monoio";
    const TIMER: &'static str = "1 ms wheel";
    const DRIVERS: &'static [Driver] = &[Driver::IoUring, Driver::Readiness];

    fn on(driver: Driver) -> Self {
        MonoioLoop { driver }
    }

    type Timer = MonoioTimer;
    type TcpStream = Confined<Compat<TcpStreamPoll>>;
    type TcpListener = MonoioListener;

    fn start(&self) -> io::Result<IoDriver> {
        self.with_runtime(|_, io| io.clone())
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        let run = |runtime: &mut Fusion, io: &IoDriver| {
            ON_IO_URING.set(*io == IoDriver::IoUring);
            runtime.block_on(future)
        };
        self.with_runtime(run).expect("LocalLoop::start builds a thread's runtime first")
    }

    fn spawn_local<F: Future<Output = ()> + 'static>(&self, task: F) {
        drop(monoio::spawn(task)); // monoio's handle detaches when dropped
    }

    type Handle<T: Send + 'static> = LocalTask<MonoioHandle<Result<T, JoinError>>>;

    fn spawn_here<F>(&self, future: F) -> Self::Handle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        LocalTask::spawn(future, |tracked| MonoioHandle(monoio::spawn(tracked)))
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
    ) -> impl Future<Output = io::Result<MonoioListener>> + Send + 'static {
        confined(move || async move {
            let address = listener.local_addr()?;
            // epoll needs a non-blocking socket; io_uring a blocking one, or its
            // accept fails at once with EAGAIN instead of waiting.
            listener.set_nonblocking(!ON_IO_URING.get())?;
            let inner = Rc::new(monoio::net::TcpListener::from_std(listener)?);
            let accepts = KeptAccept::new(move || {
                let inner = inner.clone();
                Box::pin(async move { inner.accept().await })
            });
            Ok(MonoioListener { accepts: Confined::new(accepts), address })
        })
    }
}

async fn connect(address: SocketAddr) -> io::Result<<MonoioLoop as LocalLoop>::TcpStream> {
    let connecting = monoio::net::TcpStream::connect_addr(address);
    let stream = connect_no_delay(connecting, monoio::net::TcpStream::set_nodelay).await?;
    Ok(Confined::new(stream.into_poll_io()?.compat()))
}

/// monoio's listener, confined to the thread that registered it, accepting
/// [`MonoioRuntime`]'s streams.
#[derive(Debug)]
pub struct MonoioListener {
    /// io_uring's accept is an operation that a dropped future would lose a
    /// connection with: kept, so that `accept` is cancel safe.
    accepts: Confined<KeptAccept<(monoio::net::TcpStream, SocketAddr)>>,
    address: SocketAddr,
}

impl Listener for MonoioListener {
    type Stream = <MonoioLoop as LocalLoop>::TcpStream;

    fn accept(&self) -> impl Future<Output = io::Result<(Self::Stream, SocketAddr)>> + Send + '_ {
        confined(move || async move {
            let accepting = self.accepts.get_ref().accept();
            let no_delay = monoio::net::TcpStream::set_nodelay;
            let (stream, peer) = accept_no_delay(accepting, no_delay).await?;
            Ok((Confined::new(stream.into_poll_io()?.compat()), peer))
        })
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.address)
    }
}

/// monoio's own handle, as [`LocalTask`] uses it.
pub struct MonoioHandle<T>(monoio::task::JoinHandle<T>);

impl<T> Future for MonoioHandle<T> {
    type Output = T;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl<T: Send + 'static> NativeHandle for MonoioHandle<T> {
    #[inline]
    fn is_finished(&self) -> bool {
        self.0.is_finished()
    }

    fn detach(self) {
        drop(self); // monoio's handle detaches when dropped
    }
}

/// monoio's timer, on the loop of the thread that polls the sleep.
#[derive(Clone, Copy, Debug, Default)]
pub struct MonoioTimer;

impl Timer for MonoioTimer {
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + 'static {
        // Boxed, because monoio's `Sleep` is 640 bytes aligned to 128: held inline,
        // it made each user's future in a fan-out with faults and time limits
        // some 60 KB.
        LazySleep::new(duration, |duration| Confined::new(Box::pin(monoio::time::sleep(duration))))
    }

    fn now(&self) -> Instant {
        monoio::time::Instant::now().into_std()
    }
}

#[cfg(test)]
mod tests {
    use std::thread;

    use chain_contract::Launch;

    use super::*;

    /// What the runtime reports, and whether the runtime monoio built for the thread
    /// is its io_uring one, on a thread of its own.
    fn reported_and_run(local: MonoioLoop) -> (IoDriver, bool) {
        let on_its_thread = move || {
            let io = MonoioRuntime::current_thread(local).unwrap().info().io;
            let uring = local.with_runtime(|built, _| matches!(built, FusionRuntime::Uring(_)));
            (io, uring.unwrap())
        };
        thread::spawn(on_its_thread).join().unwrap()
    }

    #[test]
    fn the_driver_reported_is_the_one_monoio_runs() {
        match reported_and_run(MonoioLoop::default()) {
            (IoDriver::IoUring, uring) => assert!(uring),
            (IoDriver::Fallback(reason), uring) => assert!(!uring && !reason.is_empty()),
            other => panic!("io_uring, or epoll with a reason, not {other:?}"),
        }
    }

    #[test]
    fn epoll_asked_for_is_epoll_reported() {
        let epoll = MonoioLoop::on(Driver::Readiness);
        assert_eq!(reported_and_run(epoll), (IoDriver::Readiness("mio"), false));
    }

    #[test]
    fn a_thread_runs_each_driver_in_turn() {
        thread::spawn(|| {
            let on_io_uring = |local: MonoioLoop| {
                let rt = MonoioRuntime::current_thread(local).unwrap();
                (rt.block_on(async { ON_IO_URING.get() }), rt.info().io == IoDriver::IoUring)
            };
            for _ in 0..2 {
                assert_eq!(on_io_uring(MonoioLoop::on(Driver::Readiness)), (false, false));
                let (running, reported) = on_io_uring(MonoioLoop::default());
                assert_eq!(running, reported);
            }
        })
        .join()
        .unwrap();
    }
}
