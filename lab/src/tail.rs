//! [`Tail`]: a backend whose fetches are mostly quick but now and then slow, the
//! slow ones drawn from a seed, so that every runtime, the record service and the
//! Python reference meet the same slow fetches.

use std::{fmt, time::Duration};

use chain_core::{Operation, UserId, readable::duration};

use crate::seeded::{self, Drawer};

/// Which fetches are slow, and how slow: a fraction `rate` of fetches, each picked
/// by a hash of the seed and the fetch (user and operation) apart from any fault's
/// draw, takes `slow` in place of the backend's usual latency.
///
/// The same seed picks the same fetches in memory ([`FaultPlan::with_tail`]) and
/// in the record service, whatever the runtime and the order of the fetches.
///
/// [`FaultPlan::with_tail`]: crate::FaultPlan::with_tail
///
/// # Examples
///
/// ```
/// use chain_core::Operation;
/// use chain_lab::Tail;
/// use std::time::Duration;
///
/// let tail = Tail::new(0.01, Duration::from_millis(100), 7).unwrap();
/// let slow = (1..=100_000).filter(|&id| tail.is_slow(id, Operation::FetchUser, 0)).count();
/// assert!((800..1200).contains(&slow)); // about 1 %
/// let usual = Duration::from_millis(1);
/// assert!([usual, Duration::from_millis(100)].contains(&tail.latency(usual, 1, Operation::FetchOrders, 0)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Tail {
    rate: f64,
    slow: Duration,
    seed: u64,
}

impl Tail {
    /// No fetch is slow.
    pub const NONE: Tail = Tail { rate: 0.0, slow: Duration::ZERO, seed: 0 };

    /// A fraction `rate` of fetches, drawn from `seed`, take `slow`.
    ///
    /// # Errors
    ///
    /// `rate` is not a fraction from 0 to 1, or it is above 0 and `slow` is zero.
    pub fn new(rate: f64, slow: Duration, seed: u64) -> Result<Self, String> {
        if !(0.0..=1.0).contains(&rate) {
            return Err(format!("a slow rate is a fraction from 0 to 1, not {rate}"));
        }
        if rate > 0.0 && slow.is_zero() {
            return Err("a slow fetch takes more than 0 s".to_owned());
        }
        Ok(Tail { rate, slow, seed })
    }

    /// Whether some fetches are slow.
    pub fn is_some(&self) -> bool {
        self.rate > 0.0
    }

    /// The fraction of fetches that are slow.
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// How long a slow fetch takes.
    pub fn slow(&self) -> Duration {
        self.slow
    }

    /// The seed that picks the slow fetches.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Whether copy `copy` of `operation` for `user_id` is one of the slow fetches
    /// (copy 0 the first; a hedge's extra copy, 1, draws apart).
    #[inline]
    pub fn is_slow(&self, user_id: UserId, operation: Operation, copy: u32) -> bool {
        self.is_some()
            && seeded::draw_copy(Drawer::Tail, self.seed, user_id, operation, copy).0 < self.rate
    }

    /// How long copy `copy` of `operation` for `user_id` takes on a backend whose
    /// fetches usually take `usual`: [`Tail::slow`] for a slow one, else `usual`.
    #[inline]
    pub fn latency(
        &self,
        usual: Duration,
        user_id: UserId,
        operation: Operation,
        copy: u32,
    ) -> Duration {
        if self.is_slow(user_id, operation, copy) { self.slow } else { usual }
    }
}

impl fmt::Display for Tail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.is_some() {
            return f.write_str("none");
        }
        let percent = self.rate * 100.0;
        write!(f, "{percent}% of fetches taking {}, seed {}", duration(self.slow), self.seed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SLOW: Duration = Duration::from_millis(100);

    #[test]
    fn the_share_of_slow_fetches_is_the_rate_and_the_seed_decides_which() {
        let fetches = |tail: Tail| -> Vec<bool> {
            (1..=50_000)
                .flat_map(|id| [Operation::FetchUser, Operation::FetchOrders].map(|op| (id, op)))
                .map(|(id, op)| tail.is_slow(id, op, 0))
                .collect()
        };
        let one = fetches(Tail::new(0.05, SLOW, 1).unwrap());
        let share = one.iter().filter(|&&slow| slow).count() as f64 / one.len() as f64;
        assert!((share - 0.05).abs() < 0.005, "{share}");
        assert_eq!(one, fetches(Tail::new(0.05, SLOW, 1).unwrap()), "the same seed, the same");
        assert_ne!(one, fetches(Tail::new(0.05, SLOW, 2).unwrap()), "another seed, others");
        assert!(fetches(Tail::new(1.0, SLOW, 1).unwrap()).iter().all(|&slow| slow));
        assert!(fetches(Tail::NONE).iter().all(|&slow| !slow));
    }

    #[test]
    fn slow_fetches_are_drawn_apart_from_faults() {
        let tail = Tail::new(0.5, SLOW, 0).unwrap();
        let client = |id| seeded::draw(Drawer::Client, 0, id, Operation::FetchUser).0 < 0.5;
        let both =
            (1..=10_000).filter(|&id| tail.is_slow(id, Operation::FetchUser, 0) && client(id));
        // Independent draws: about a quarter are both, not a half (the same draw) or none.
        assert!((2_300..2_700).contains(&both.count()));
    }

    #[test]
    fn a_slow_fetch_takes_the_slow_time_in_place_of_the_usual() {
        let tail = Tail::new(1.0, SLOW, 0).unwrap();
        assert_eq!(tail.latency(Duration::from_millis(1), 3, Operation::FetchOrders, 0), SLOW);
        assert_eq!(
            Tail::NONE.latency(Duration::from_millis(1), 3, Operation::FetchOrders, 0),
            Duration::from_millis(1)
        );
    }

    #[test]
    fn bad_tails_are_refused() {
        assert!(Tail::new(1.5, SLOW, 0).unwrap_err().contains("from 0 to 1"));
        assert!(Tail::new(-0.1, SLOW, 0).is_err());
        assert!(Tail::new(f64::NAN, SLOW, 0).is_err());
        assert!(Tail::new(0.1, Duration::ZERO, 0).unwrap_err().contains("more than 0"));
        assert!(Tail::new(0.0, Duration::ZERO, 0).is_ok());
    }
}
