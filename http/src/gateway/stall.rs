//! [`Stall`]: a server that stops answering for a moment, now and then, to show what
//! a load generator's latency figures do with a stall.

use std::{
    sync::atomic::{AtomicU64, Ordering::Relaxed},
    time::{Duration, Instant},
};

/// Blocks the thread of the first request answered in each period for `pause`, as a
/// blocking call or a collector's pause would: on a current-thread flavour the whole
/// server stops, on the others that worker does.
#[derive(Debug)]
pub struct Stall {
    pause: Duration,
    every: Duration,
    start: Instant,
    /// The number of the next period whose first request pauses.
    next: AtomicU64,
    done: AtomicU64,
}

impl Stall {
    /// A pause of `pause` once every `every`, the first once `every` has passed.
    ///
    /// # Panics
    ///
    /// `every` is zero.
    pub fn new(pause: Duration, every: Duration) -> Self {
        assert!(!every.is_zero(), "a stall needs a period");
        Stall {
            pause,
            every,
            start: Instant::now(),
            next: AtomicU64::new(1),
            done: AtomicU64::new(0),
        }
    }

    /// The pause, and how often it comes.
    pub fn pause_and_period(&self) -> (Duration, Duration) {
        (self.pause, self.every)
    }

    /// How many pauses were taken.
    pub fn taken(&self) -> u64 {
        self.done.load(Relaxed)
    }

    /// Pauses this thread if a period has begun whose pause nobody has taken yet.
    pub(super) fn maybe_pause(&self) {
        let period = (self.start.elapsed().as_nanos() / self.every.as_nanos().max(1)) as u64;
        let next = self.next.load(Relaxed);
        if period >= next && self.next.compare_exchange(next, period + 1, Relaxed, Relaxed).is_ok()
        {
            self.done.fetch_add(1, Relaxed);
            std::thread::sleep(self.pause);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_pause_per_period_however_many_requests() {
        let stall = Stall::new(Duration::ZERO, Duration::from_secs(3600));
        stall.maybe_pause();
        assert_eq!(stall.taken(), 0, "not before the first period ends");
        let due = Stall { start: Instant::now() - Duration::from_secs(7200), ..stall };
        for _ in 0..5 {
            due.maybe_pause();
        }
        assert_eq!(due.taken(), 1, "periods 1 and 2 have begun, and one pause is owed");
    }
}
