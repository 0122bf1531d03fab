//! [`LazySleep`]: a runtime's own sleep, made on its first poll, in the room of that
//! sleep alone.

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll},
    time::Duration,
};

pin_project_lite::pin_project! {
    /// What a glue's [`Timer::sleep`](crate::Timer::sleep) returns where the
    /// runtime's sleep must be made on the first poll: its clock starts there, as the
    /// contract says, and some runtimes (tokio) can make one only inside themselves.
    ///
    /// An `async move` block does the same but holds the duration beside the sleep,
    /// which every future awaiting it carries: a chain's two fetches, each of a
    /// fan-out's tasks. This holds one or the other, so where the sleep's layout has
    /// room for the tag, it is no larger than the runtime's own sleep.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use chain_contract::LazySleep;
    ///
    /// // A "runtime" whose sleep is a thread's: made on the first poll, not here.
    /// let made = |duration: Duration| async move { std::thread::sleep(duration) };
    /// let sleep = LazySleep::new(Duration::from_millis(5), made);
    /// let started = Instant::now();
    /// futures::executor::block_on(sleep);
    /// assert!(started.elapsed() >= Duration::from_millis(5));
    /// ```
    ///
    /// # Cancel safety
    ///
    /// As the runtime's sleep: dropping it drops that.
    pub struct LazySleep<S, F> {
        #[pin]
        stage: Stage<S, F>,
    }
}

pin_project_lite::pin_project! {
    #[project = StageProjection]
    enum Stage<S, F> {
        // Not polled yet.
        Waiting { duration: Duration, make: F },
        // The runtime's sleep, made at the first poll.
        Sleeping { #[pin] sleep: S },
    }
}

impl<S: Future, F: FnOnce(Duration) -> S + Copy> LazySleep<S, F> {
    /// A sleep of `duration` that `make` makes on the first poll.
    ///
    /// `make` is `Copy` (a function, or a closure that captures nothing) so that it
    /// is called where it lies, without a third state to move it out through.
    pub fn new(duration: Duration, make: F) -> Self {
        LazySleep { stage: Stage::Waiting { duration, make } }
    }
}

impl<S: Future, F: FnOnce(Duration) -> S + Copy> Future for LazySleep<S, F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut stage = self.project().stage;
        if let StageProjection::Waiting { duration, make } = stage.as_mut().project() {
            let sleep = make(*duration);
            stage.set(Stage::Sleeping { sleep });
        }
        match stage.project() {
            StageProjection::Sleeping { sleep } => sleep.poll(cx).map(drop),
            StageProjection::Waiting { .. } => unreachable!("made into a sleep just above"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::{cell::Cell, future::ready};

    use super::*;

    #[test]
    fn the_sleep_is_made_on_the_first_poll_once() {
        thread_local!(static MADE: Cell<u32> = const { Cell::new(0) });
        let make = |_: Duration| {
            MADE.set(MADE.get() + 1);
            ready(())
        };
        let sleep = LazySleep::new(Duration::ZERO, make);
        assert_eq!(MADE.get(), 0, "not before the first poll");
        futures::executor::block_on(sleep);
        assert_eq!(MADE.get(), 1);
    }

    #[test]
    fn it_is_no_larger_than_a_sleep_with_room_for_the_tag() {
        // A sleep with a niche (a reference), as a runtime's holds its timer's handle.
        #[allow(dead_code, reason = "only its layout matters")]
        struct Sleep(&'static u64, [u64; 8]);
        impl Future for Sleep {
            type Output = ();
            fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
                Poll::Ready(())
            }
        }
        let make = |_: Duration| Sleep(&0, [0; 8]);
        assert_eq!(size_of_val(&LazySleep::new(Duration::ZERO, make)), size_of::<Sleep>());
    }
}
