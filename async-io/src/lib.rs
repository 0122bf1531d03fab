//! async-io's timer, TCP stream and listener behind chain-contract, written once for
//! every glue whose runtime is built on async-io's reactor (smol's timer; the futures
//! executors' timer and sockets).
//!
//! | contract | async-io |
//! |---|---|
//! | `Timer` | [`AsyncIoTimer`]: [`async_io::Timer::after`] (a timerfd deadline, no rounding), created at first poll, and [`Instant::now`], the clock it uses |
//! | `connect` | [`connect`]: [`async_io::Async`]`<std::net::TcpStream>`, `futures-io` already, `TCP_NODELAY` set |
//! | `listen` | [`listen`]: [`AsyncIoListener`], [`async_io::Async`]`<std::net::TcpListener>`, its streams as `connect`'s |
//!
//! # Examples
//!
//! ```
//! use chain_async_io::AsyncIoTimer;
//! use chain_contract::Timer;
//! use std::time::Duration;
//!
//! let timer = AsyncIoTimer;
//! let start = timer.now();
//! async_io::block_on(timer.sleep(Duration::from_millis(1)));
//! assert!(timer.now() - start >= Duration::from_millis(1));
//! ```
#![warn(missing_docs)]

use std::{
    future::Future,
    io,
    net::{SocketAddr, TcpListener, TcpStream},
    time::{Duration, Instant},
};

use async_io::Async;
use chain_contract::{IoDriver, LazySleep, Listener, Timer, accept_no_delay, connect_no_delay};

/// How async-io's timer keeps time, as [`RuntimeInfo::timer`](chain_contract::RuntimeInfo::timer) says it.
pub const TIMER: &str = "async-io timerfd, no rounding";

/// async-io's reactor: readiness, through the polling crate.
pub const IO: IoDriver = IoDriver::Readiness("polling");

/// async-io's timer, shared by every executor in the process.
#[derive(Clone, Copy, Debug, Default)]
pub struct AsyncIoTimer;

impl Timer for AsyncIoTimer {
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + 'static {
        // Created at first poll, as the other runtimes' are, so that a sleep and a
        // future raced against it start their clocks at the same point.
        LazySleep::new(duration, async_io::Timer::after)
    }

    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// A TCP connection to `address` on async-io's reactor, with `TCP_NODELAY` set.
///
/// # Errors
///
/// The operating system's error.
pub async fn connect(address: SocketAddr) -> io::Result<Async<TcpStream>> {
    connect_no_delay(Async::<TcpStream>::connect(address), no_delay).await
}

/// `listener`, bound and listening, registered with async-io's reactor.
///
/// # Errors
///
/// The reactor refused the socket.
pub async fn listen(listener: TcpListener) -> io::Result<AsyncIoListener> {
    Ok(AsyncIoListener(Async::new(listener)?))
}

/// `TCP_NODELAY` on an async-io stream.
fn no_delay(stream: &Async<TcpStream>, on: bool) -> io::Result<()> {
    stream.get_ref().set_nodelay(on)
}

/// async-io's listener, accepting streams with `TCP_NODELAY` set.
#[derive(Debug)]
pub struct AsyncIoListener(Async<TcpListener>);

impl Listener for AsyncIoListener {
    type Stream = Async<TcpStream>;

    async fn accept(&self) -> io::Result<(Async<TcpStream>, SocketAddr)> {
        accept_no_delay(self.0.accept(), no_delay).await
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.get_ref().local_addr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sleep_takes_the_room_of_async_ios_own() {
        // Every fetch holds one, so a larger sleep is a larger task for every user.
        let sleep = AsyncIoTimer.sleep(Duration::from_millis(1));
        assert_eq!(size_of_val(&sleep), size_of::<async_io::Timer>());
    }
}
