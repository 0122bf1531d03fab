//! The runtime's timer as hyper's, so that hyper's header timeout runs on whichever
//! runtime serves the connection.

use std::{
    future::Future,
    pin::Pin,
    sync::Mutex,
    task::{Context, Poll},
    time::{Duration, Instant},
};

use chain_contract::Timer;

/// A contract [`Timer`] as a [`hyper::rt::Timer`].
#[derive(Clone, Debug)]
pub(super) struct HyperTimer<T>(pub(super) T);

impl<T: Timer> hyper::rt::Timer for HyperTimer<T> {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(SyncSleep(Mutex::new(Box::pin(self.0.sleep(duration)))))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        self.sleep(deadline.saturating_duration_since(self.0.now()))
    }

    fn now(&self) -> Instant {
        self.0.now()
    }
}

/// A sleep made `Sync`, as hyper asks, by a mutex that is never locked: the sleep is
/// only ever polled through `&mut`, which [`Mutex::get_mut`] reaches directly.
struct SyncSleep<F>(Mutex<Pin<Box<F>>>);

impl<F: Future<Output = ()> + Send + 'static> hyper::rt::Sleep for SyncSleep<F> {}

impl<F: Future<Output = ()> + Send> Future for SyncSleep<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match self.get_mut().0.get_mut() {
            Ok(sleep) => sleep.as_mut().poll(cx),
            // Only a panic inside `poll` poisons it, and that panic is already unwinding.
            Err(poisoned) => poisoned.into_inner().as_mut().poll(cx),
        }
    }
}
